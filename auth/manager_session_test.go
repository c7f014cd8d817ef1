package auth_test

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

func TestManagerSignInValidates(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*auth.Tokens)
		want   string
	}{
		{"expired access token", nil, "expired"},
		{"account id mismatch", func(tok *auth.Tokens) { tok.AccountID = "someone-else" },
			"does not match"},
		{"no refresh token", func(tok *auth.Tokens) { tok.RefreshToken = "" }, "missing"},
		{"unreadable id token", func(tok *auth.Tokens) { tok.IDToken = "not.a.jwt" },
			"not a readable JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMgrEnv(t)
			ev := subscribe(t, e.m)
			lifetime := time.Hour
			if tt.mutate == nil {
				lifetime = -time.Second
			}
			tok := e.iss.Mint("ann@example.com", "plus", lifetime)
			if tt.mutate != nil {
				tt.mutate(&tok)
			}
			err := e.m.SignIn(t.Context(), tok)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if _, err := e.store.Load(t.Context()); !errors.Is(err, auth.ErrNoTokens) {
				t.Errorf("refused sign-in reached the store: %v", err)
			}
			if st := e.m.Status(); st.State != auth.StateSignedOut {
				t.Errorf("state %v after a refused sign-in", st.State)
			}
			ev.none(t)
		})
	}
}

func TestManagerSignInAndStatus(t *testing.T) {
	e := newMgrEnv(t)
	ev := subscribe(t, e.m)
	tok := e.iss.Mint("ann@example.com", "pro", time.Hour)
	tok.AccountID = ""
	tok.LastRefresh = time.Time{}
	if err := e.m.SignIn(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	wantAcct := auth.Account{Email: "ann@example.com", Plan: "pro",
		UserID: e.m.Status().Account.UserID, AccountID: authtest.AccountID("ann@example.com"),
		Expires: mgrT0.Add(time.Hour)}
	if got := ev.next(t, auth.EventSignedIn); !cmp.Equal(got.Account, wantAcct) ||
		!got.At.Equal(mgrT0) {
		t.Errorf("event %+v", got)
	}
	want := auth.Status{State: auth.StateSignedIn, Account: wantAcct,
		ExpiresAt: mgrT0.Add(time.Hour), LastRefresh: mgrT0,
		NextRefresh: mgrT0.Add(55 * time.Minute), Store: "file"}
	if d := cmp.Diff(want, e.m.Status()); d != "" || wantAcct.UserID == "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
	st := e.stored(t)
	if st.AccountID != wantAcct.AccountID || !st.LastRefresh.Equal(mgrT0) {
		t.Errorf("stored sign-in lacks account id or last_refresh: %v", st)
	}
}

func TestManagerNotSignedIn(t *testing.T) {
	e := newMgrEnv(t)
	_, _, err := e.m.AccessToken(t.Context())
	want := "not signed in to ChatGPT: run `lagp login`, or open http://127.0.0.1:11434/login"
	if !auth.IsSignInRequired(err) || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if _, _, err := e.m.Renew(t.Context(), "x"); !auth.IsSignInRequired(err) {
		t.Errorf("Renew: %v", err)
	}
	custom := auth.NewManager(auth.Config{Store: e.store, Now: e.clock.Now,
		LoginHint: "http://192.168.1.5:8080/login", Logger: e.logger()})
	_, _, err = custom.AccessToken(t.Context())
	if err == nil || !strings.HasSuffix(err.Error(), "open http://192.168.1.5:8080/login") {
		t.Errorf("LoginHint not used: %v", err)
	}
}

func TestManagerSignOut(t *testing.T) {
	e := newMgrEnv(t)
	tok := e.signIn(t, time.Hour)
	ev := subscribe(t, e.m)
	if err := e.m.SignOut(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := e.iss.Revoked(); len(got) != 1 || got[0] != tok.RefreshToken {
		t.Errorf("revoked %d tokens, want the sign-in's refresh token", len(got))
	}
	if _, err := e.store.Load(t.Context()); !errors.Is(err, auth.ErrNoTokens) {
		t.Errorf("store after sign-out: %v", err)
	}
	if e := ev.next(t, auth.EventSignedOut); e.Reason != "signed out" ||
		e.Account.Email != "ann@example.com" {
		t.Errorf("event %+v", e)
	}
	if st := e.m.Status(); st.State != auth.StateSignedOut || st.Account != (auth.Account{}) {
		t.Errorf("status %+v", st)
	}
	if _, _, err := e.m.AccessToken(t.Context()); !auth.IsSignInRequired(err) {
		t.Errorf("AccessToken after sign-out: %v", err)
	}
}

func TestManagerSignOutWithIssuerDown(t *testing.T) {
	e := newMgrEnv(t)
	e.signIn(t, time.Hour)
	down := auth.NewManager(auth.Config{Issuer: "http://127.0.0.1:1", Store: e.store,
		Now: e.clock.Now, Logger: e.logger()})
	if err := down.SignOut(t.Context()); err != nil {
		t.Fatalf("SignOut failed because revocation failed: %v", err)
	}
	if !strings.Contains(e.logs.String(), "revoking refresh token") {
		t.Error("failed revocation not logged")
	}
	if _, err := e.store.Load(t.Context()); !errors.Is(err, auth.ErrNoTokens) {
		t.Errorf("store after sign-out: %v", err)
	}
}

func TestManagerStartLoadsStore(t *testing.T) {
	e := newMgrEnv(t)
	fresh := e.newManager(e.store)
	ev := subscribe(t, fresh)
	fresh.Start(t.Context())
	if e := <-ev.ch; e.Kind != auth.EventLoaded {
		t.Fatalf("first event %v, want loaded", e.Kind)
	}
	if st := fresh.Status(); st.State != auth.StateSignedOut || st.Reason != "" {
		t.Errorf("empty store: status %+v", st)
	}

	e.signIn(t, time.Hour)
	second := e.newManager(e.store)
	if err := second.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := second.Status(); st.State != auth.StateSignedIn ||
		st.Account.Email != "ann@example.com" {
		t.Errorf("after Load: status %+v", st)
	}
}

func TestManagerUnreadableStore(t *testing.T) {
	e := newMgrEnv(t)
	if err := os.WriteFile(filepath.Join(e.home, "auth.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := e.m.Status()
	if st.State != auth.StateSignedOut || !strings.Contains(st.Reason, "unreadable") {
		t.Errorf("status %+v", st)
	}
	if _, _, err := e.m.AccessToken(t.Context()); !auth.IsSignInRequired(err) {
		t.Errorf("AccessToken: %v", err)
	}
}

// TestManagerPicksUpSignInFromAnotherProcess: `lagp login` in a terminal saves a sign-in while
// the tray app runs signed out; the app notices through its store poll, and an API call
// notices too.
func TestManagerPicksUpSignInFromAnotherProcess(t *testing.T) {
	e := newMgrEnv(t)
	ev := subscribe(t, e.m)
	e.m.Start(t.Context())
	e.clock.awaitTimer(t) // the signed-out poll
	cli := e.newManager(e.store)
	tok := e.iss.Mint("ann@example.com", "plus", time.Hour)
	if err := cli.SignIn(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	ev.next(t, auth.EventSignedIn)
	if got := mustToken(t, e.m); got != tok.AccessToken {
		t.Error("did not use the other process's sign-in")
	}
}

func TestManagerAPICallPicksUpStoredSignIn(t *testing.T) {
	e := newMgrEnv(t)
	if _, _, err := e.m.AccessToken(t.Context()); !auth.IsSignInRequired(err) {
		t.Fatal(err)
	}
	tok := e.iss.Mint("ann@example.com", "plus", time.Hour)
	if err := e.newManager(e.store).SignIn(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	// Store reloads on API calls are throttled to one per 5 s.
	if _, _, err := e.m.AccessToken(t.Context()); !auth.IsSignInRequired(err) {
		t.Fatalf("store reloaded again within the throttle: %v", err)
	}
	e.clock.Advance(5 * time.Second)
	if got := mustToken(t, e.m); got != tok.AccessToken {
		t.Error("stored sign-in not picked up")
	}
}

func TestManagerSignedOutByAnotherProcess(t *testing.T) {
	e := newMgrEnv(t)
	e.signIn(t, time.Hour)
	other := e.newManager(e.store)
	if err := other.SignOut(t.Context()); err != nil {
		t.Fatal(err)
	}
	ev := subscribe(t, e.m)
	e.clock.Set(mgrT0.Add(58 * time.Minute))
	if _, _, err := e.m.AccessToken(t.Context()); !auth.IsSignInRequired(err) {
		t.Fatalf("err = %v, want sign-in required", err)
	}
	if st := e.m.Status(); st.State != auth.StateSignedOut ||
		!strings.Contains(st.Reason, "another lagp process") {
		t.Errorf("status %+v", st)
	}
	if got := ev.next(t, auth.EventSignedOut); !strings.Contains(got.Reason, "another") {
		t.Errorf("signed-out event reason %q", got.Reason)
	}
	if c := e.iss.RefreshCount(); c != 0 {
		t.Errorf("%d refreshes of a revoked sign-in", c)
	}
}

func TestManagerNewSignInAfterSessionEnded(t *testing.T) {
	e := newMgrEnv(t)
	e.signIn(t, time.Hour)
	e.iss.FailNextRefresh(401, `{"error":{"code":"refresh_token_expired"}}`)
	e.clock.Set(mgrT0.Add(58 * time.Minute))
	if _, _, err := e.m.AccessToken(t.Context()); !auth.IsSignInRequired(err) {
		t.Fatal(err)
	}
	ev := subscribe(t, e.m)
	tok := e.iss.Mint("ann@example.com", "plus", time.Hour) // minted at 12:00 by the fake
	tok.LastRefresh = e.clock.Now()
	e.clock.Set(mgrT0.Add(2 * time.Minute))
	if err := e.m.SignIn(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	ev.next(t, auth.EventSignedIn)
	if got := mustToken(t, e.m); got != tok.AccessToken {
		t.Error("new sign-in not used after the session ended")
	}
}

func TestManagerBackgroundRefresh(t *testing.T) {
	e := newMgrEnv(t)
	e.iss.SetAccessLifetime(time.Hour)
	first := e.signIn(t, time.Hour)
	ev := subscribe(t, e.m)
	e.m.Start(t.Context())
	e.clock.awaitTimer(t)
	if at := e.clock.nextTimer(); !at.Equal(mgrT0.Add(55 * time.Minute)) {
		t.Fatalf("refresher sleeps until %v, want the margin (12:55)", at)
	}
	e.clock.Set(mgrT0.Add(55 * time.Minute))
	ev.next(t, auth.EventRefreshed)
	if e.iss.RefreshCount() != 1 || e.stored(t).AccessToken == first.AccessToken {
		t.Fatal("idle refresh did not happen")
	}
	// And again, without any API call.
	e.clock.awaitTimer(t)
	e.clock.Set(mgrT0.Add(110 * time.Minute))
	ev.next(t, auth.EventRefreshed)
	if c := e.iss.RefreshCount(); c != 2 {
		t.Errorf("%d refreshes, want 2", c)
	}
}

func TestManagerBackgroundRetriesWithBackoff(t *testing.T) {
	e := newMgrEnv(t)
	e.signIn(t, 240*time.Hour)
	ev := subscribe(t, e.m)
	e.iss.FailNextRefresh(503, "maintenance")
	e.iss.FailNextRefresh(503, "maintenance")
	e.m.Start(t.Context())
	e.clock.awaitTimer(t)
	due := mgrT0.Add(240*time.Hour - 5*time.Minute)
	e.clock.Set(due)
	if got := ev.next(t, auth.EventRefreshFailing); !strings.Contains(got.Reason, "503") {
		t.Errorf("failing event reason %q", got.Reason)
	}
	for e.clock.nextTimer() != due.Add(15*time.Second) {
		e.clock.awaitTimer(t)
	}
	e.clock.Set(due.Add(15 * time.Second))
	ev.next(t, auth.EventExpiringSoon)
	for e.clock.nextTimer() != due.Add(45*time.Second) {
		e.clock.awaitTimer(t)
	}
	e.clock.Set(due.Add(45 * time.Second))
	ev.next(t, auth.EventRefreshed)
	if c := e.iss.RefreshCount(); c != 3 {
		t.Errorf("%d refresh requests, want 3", c)
	}
}

func TestManagerSlowSubscriberDoesNotBlock(t *testing.T) {
	e := newMgrEnv(t)
	e.signIn(t, time.Hour)
	_, cancel := e.m.Subscribe() // never read
	defer cancel()
	tok := mustToken(t, e.m)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			next, _, err := e.m.Renew(context.Background(), tok)
			if err != nil {
				t.Error(err)
				return
			}
			tok = next
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("manager blocked on a subscriber that does not read")
	}
}

// TestManagerNeverLeaksTokens runs sign-in, refreshes, failures of both kinds, Renew and
// sign-out with logging at Debug, then looks for every token the issuer minted in the logs,
// the errors and the status.
func TestManagerNeverLeaksTokens(t *testing.T) {
	e := newMgrEnv(t)
	var seen []string
	note := func(err error) {
		if err != nil {
			seen = append(seen, err.Error(), fmt.Sprintf("%+v", err))
		}
	}
	tok := e.signIn(t, time.Hour)
	e.clock.Set(mgrT0.Add(56 * time.Minute))
	e.iss.FailNextRefresh(400, fmt.Sprintf(
		`{"error":"invalid_grant","error_description":"bad token %s"}`, tok.RefreshToken))
	_, _, err := e.m.AccessToken(t.Context())
	note(err)
	e.clock.Advance(time.Minute)
	cur, _, err := e.m.AccessToken(t.Context())
	note(err)
	_, _, err = e.m.Renew(t.Context(), cur)
	note(err)
	e.iss.FailNextRefresh(401, `{"error":{"code":"refresh_token_reused"}}`)
	e.clock.Advance(240 * time.Hour)
	_, _, err = e.m.AccessToken(t.Context())
	note(err)
	note(e.m.SignIn(t.Context(), e.iss.Mint("ann@example.com", "plus", -time.Hour)))
	e.clock.Set(mgrT0)
	e.signIn(t, time.Hour)
	note(e.m.SignOut(t.Context()))
	seen = append(seen, fmt.Sprintf("%+v", e.m.Status()), e.logs.String())
	for _, s := range e.iss.Issued() {
		for _, text := range seen {
			if strings.Contains(text, s) {
				t.Fatalf("a token leaked into:\n%s", text)
			}
		}
	}
	if !strings.Contains(e.logs.String(), "level=DEBUG") &&
		!strings.Contains(e.logs.String(), "level=INFO") {
		t.Fatal("test broken: nothing was logged")
	}
	if !strings.Contains(strings.Join(seen, "\n"), "[redacted]") {
		t.Error("echoed refresh token was not redacted from the error")
	}
}

// mgrConnectProxy is an HTTPS proxy: it answers CONNECT by tunnelling to addr, whatever host
// was asked for, and records the hosts.
type mgrConnectProxy struct {
	addr  string
	mu    sync.Mutex
	hosts []string
}

func (p *mgrConnectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.hosts = append(p.hosts, r.Host)
	p.mu.Unlock()
	up, err := net.Dial("tcp", p.addr)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		up.Close()
		return
	}
	conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	go func() {
		io.Copy(up, buf)
		up.Close()
	}()
	io.Copy(conn, up)
	conn.Close()
}

// TestManagerHonoursHTTPSProxy refreshes through HTTPS_PROXY with the default HTTP client.
// http.ProxyFromEnvironment reads the environment once per process, so the manager runs in
// a child process started with the proxy settings.
func TestManagerHonoursHTTPSProxy(t *testing.T) {
	iss := authtest.NewIssuer(t)
	target, _ := url.Parse(iss.URL)
	tlsIssuer := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(tlsIssuer.Close)
	proxy := &mgrConnectProxy{addr: tlsIssuer.Listener.Addr().String()}
	proxySrv := httptest.NewServer(proxy)
	t.Cleanup(proxySrv.Close)

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE",
		Bytes: tlsIssuer.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	store, err := auth.OpenStore(t.Context(), auth.StoreConfig{Mode: auth.StoreFile,
		Home: home})
	if err != nil {
		t.Fatal(err)
	}
	first := iss.Mint("ann@example.com", "plus", time.Hour)
	if err := store.Save(t.Context(), first); err != nil {
		t.Fatal(err)
	}

	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "SSL_CERT_FILE",
			"SSL_CERT_DIR":
			continue
		}
		env = append(env, kv)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestManagerProxyChild$", "-test.v",
		"-test.count=1")
	cmd.Env = append(env, "HTTPS_PROXY="+proxySrv.URL, "SSL_CERT_FILE="+ca,
		"LAGP_MGR_PROXY_HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestManagerProxyChild") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	proxy.mu.Lock()
	hosts := proxy.hosts
	proxy.mu.Unlock()
	if len(hosts) == 0 || hosts[0] != "auth.example.com:443" {
		t.Errorf("proxy saw %v, want a CONNECT to auth.example.com:443", hosts)
	}
	if c := iss.RefreshCount(); c != 1 {
		t.Errorf("%d refreshes reached the issuer, want 1", c)
	}
	if got, err := store.Load(t.Context()); err != nil || got.AccessToken == first.AccessToken {
		t.Errorf("refresh through the proxy not stored: %v", err)
	}
}

// TestManagerProxyChild is the child of TestManagerHonoursHTTPSProxy.
func TestManagerProxyChild(t *testing.T) {
	home := os.Getenv("LAGP_MGR_PROXY_HOME")
	if home == "" {
		t.Skip("helper process for TestManagerHonoursHTTPSProxy")
	}
	store, err := auth.OpenStore(t.Context(), auth.StoreConfig{Mode: auth.StoreFile,
		Home: home})
	if err != nil {
		t.Fatal(err)
	}
	// auth.example.com does not resolve; only the proxy can reach it.
	m := auth.NewManager(auth.Config{Issuer: "https://auth.example.com", Store: store})
	tok, _, err := m.AccessToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	renewed, _, err := m.Renew(t.Context(), tok)
	if err != nil {
		t.Fatalf("refresh through HTTPS_PROXY: %v", err)
	}
	if renewed == tok {
		t.Fatal("no new token")
	}
}

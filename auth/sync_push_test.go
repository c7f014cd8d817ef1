package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

// pageSeen is what the fake browser got at the end of a sign-in.
type pageSeen struct {
	status int
	body   string
	err    error
}

// fakeBrowser opens URLs by following them with an HTTP client, as a browser whose user
// approves everything would, and reports each final page.
type fakeBrowser struct {
	opened atomic.Int32
	pages  chan pageSeen
}

func newFakeBrowser() *fakeBrowser { return &fakeBrowser{pages: make(chan pageSeen, 4)} }

func (b *fakeBrowser) open(u string) error {
	b.opened.Add(1)
	status, body, _, err := browse(u)
	b.pages <- pageSeen{status, body, err}
	return nil
}

// lastPage waits for the page of the sign-in the browser was sent to.
func (b *fakeBrowser) lastPage(t *testing.T) pageSeen {
	t.Helper()
	select {
	case p := <-b.pages:
		if p.err != nil {
			t.Fatalf("browser: %v", p.err)
		}
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("the browser was never opened")
		return pageSeen{}
	}
}

// browserLoginConfig is testLoginConfig with the fake browser as opener.
func browserLoginConfig(t *testing.T, iss *authtest.Issuer, b *fakeBrowser) auth.LoginConfig {
	cfg := testLoginConfig(t, iss, &logBuffer{})
	cfg.OpenBrowser = b.open
	return cfg.AsDesktop()
}

// handlerTransport answers requests with a handler in process, for remotes with made-up
// host names.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	ht.h.ServeHTTP(w, r)
	return w.Result(), nil
}

func TestPushRefusedBeforeSignIn(t *testing.T) {
	iss := authtest.NewIssuer(t)
	open := newSyncReceiver(testSecret)
	closed := newSyncReceiver("")
	notLagp := http.NotFoundHandler()
	redirecting := http.RedirectHandler("https://elsewhere.example/auth/sync", http.StatusFound)
	tests := []struct {
		name    string
		remote  http.Handler
		secret  string
		wantErr string
	}{
		{"wrong secret", open.handler, "wrong", "refused the secret"},
		{"closed remote", closed.handler, testSecret, "--sync-secret"},
		{"not a lagp", notLagp, testSecret, "no lagp sign-in endpoint answered (HTTP 404)"},
		{"redirect", redirecting, testSecret, `redirects to "https://elsewhere.example`},
		{"no secret", open.handler, "", "needs the remote's secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remote := httptest.NewServer(tt.remote)
			defer remote.Close()
			b := newFakeBrowser()
			cfg := auth.PushConfig{RemoteURL: remote.URL, Secret: tt.secret,
				Login: browserLoginConfig(t, iss, b)}
			err := auth.Push(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Push error = %v, want %q", err, tt.wantErr)
			}
			if n := b.opened.Load(); n != 0 {
				t.Errorf("browser opened %d times before the remote accepted", n)
			}
			if !portFree(cfg.Login.CallbackPort) {
				t.Error("a callback server was started")
			}
		})
	}
	if len(open.rec.got())+len(closed.rec.got()) != 0 {
		t.Error("a remote adopted a sign-in")
	}
}

func TestPushUnreachableRemote(t *testing.T) {
	iss := authtest.NewIssuer(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	b := newFakeBrowser()
	err := auth.Push(context.Background(), auth.PushConfig{RemoteURL: dead.URL,
		Secret: testSecret, Login: browserLoginConfig(t, iss, b)})
	if err == nil || !strings.Contains(err.Error(), "reaching the remote lagp") {
		t.Fatalf("Push error = %v", err)
	}
	if b.opened.Load() != 0 {
		t.Error("browser opened for an unreachable remote")
	}
}

func TestPushWarnsAboutPlainHTTP(t *testing.T) {
	iss := authtest.NewIssuer(t)
	r := newSyncReceiver(testSecret)
	tests := []struct {
		remote   string
		wantWarn bool
	}{
		{"http://lagp.example:11434", true},
		{"http://10.1.2.3:11434", true},
		{"https://lagp.example:11434", false},
		{"http://localhost:11434", false},
		{"http://127.0.0.1:11434", false},
	}
	for _, tt := range tests {
		var warn strings.Builder
		// A wrong secret stops the push right after the warning and the check.
		err := auth.Push(context.Background(), auth.PushConfig{RemoteURL: tt.remote,
			Secret: "wrong", Login: browserLoginConfig(t, iss, newFakeBrowser()),
			HTTPClient: &http.Client{Transport: handlerTransport{r.handler}}, Warn: &warn})
		if err == nil {
			t.Fatalf("%s: push with a wrong secret succeeded", tt.remote)
		}
		if got := strings.Contains(warn.String(), "plain http"); got != tt.wantWarn {
			t.Errorf("%s: warned = %v (%q), want %v", tt.remote, got, warn.String(), tt.wantWarn)
		}
	}
}

func TestPushHandsAFreshSignInToTheRemote(t *testing.T) {
	home := t.TempDir()
	t.Setenv("LAGP_HOME", home)
	iss := authtest.NewIssuer(t)

	// The local machine's own sign-in, through the same issuer.
	localLogin, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	visit(t, localLogin.AuthorizeURL())
	local, err := localLogin.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	r := newSyncReceiver(testSecret)
	remote := httptest.NewServer(r.handler)
	defer remote.Close()
	b := newFakeBrowser()
	var warn strings.Builder
	err = auth.Push(context.Background(), auth.PushConfig{RemoteURL: remote.URL + "/",
		Secret: testSecret, Login: browserLoginConfig(t, iss, b), Warn: &warn})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	page := b.lastPage(t)
	if page.status != 200 || !strings.Contains(page.body, "is now signed in as") {
		t.Errorf("final page: %d\n%s", page.status, page.body)
	}
	if warn.Len() != 0 {
		t.Errorf("warning for a loopback remote: %q", warn.String())
	}
	got := r.rec.got()
	if len(got) != 1 {
		t.Fatalf("the remote adopted %d sign-ins, want 1", len(got))
	}
	pushed := got[0]
	if pushed.RefreshToken == local.RefreshToken || pushed.AccessToken == local.AccessToken {
		t.Error("the remote got this machine's tokens instead of its own sign-in")
	}
	if pushed.AccountID != local.AccountID {
		t.Errorf("pushed account %q, local %q: same user expected", pushed.AccountID,
			local.AccountID)
	}
	entries, err := os.ReadDir(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("Push wrote to LAGP_HOME: %v", entries)
	}
	assertNoSecrets(t, "page", page.body, pushed)
}

func TestPushRemoteRefusesTheSignIn(t *testing.T) {
	iss := authtest.NewIssuer(t)
	r := newSyncReceiver(testSecret)
	r.rec.err = errors.New("saving tokens: disk full")
	remote := httptest.NewServer(r.handler)
	defer remote.Close()
	b := newFakeBrowser()
	err := auth.Push(context.Background(), auth.PushConfig{RemoteURL: remote.URL,
		Secret: testSecret, Login: browserLoginConfig(t, iss, b)})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Push error = %v, want the remote's refusal", err)
	}
	page := b.lastPage(t)
	if page.status != http.StatusInternalServerError || !strings.Contains(page.body, "disk full") {
		t.Errorf("final page: %d\n%s", page.status, page.body)
	}
}

func TestPushCanceled(t *testing.T) {
	iss := authtest.NewIssuer(t)
	r := newSyncReceiver(testSecret)
	remote := httptest.NewServer(r.handler)
	defer remote.Close()
	cfg := testLoginConfig(t, iss, &logBuffer{}) // nobody opens the URL
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := auth.Push(ctx, auth.PushConfig{RemoteURL: remote.URL, Secret: testSecret,
		Login: cfg})
	if !errors.Is(err, auth.ErrLoginCanceled) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Push error = %v, want canceled", err)
	}
	if !portFree(cfg.CallbackPort) {
		t.Error("callback port still bound after the push ended")
	}
}

// TestPushBothSidesKeepWorking pushes between two managers and then refreshes both: each
// side owns its own refresh-token family, so neither refresh is a reuse.
func TestPushBothSidesKeepWorking(t *testing.T) {
	iss := authtest.NewIssuer(t)
	ctx := context.Background()
	local, _ := newTestManager(t, iss, &logBuffer{})
	if err := auth.RunLogin(ctx, auth.LoginOptions{Manager: local,
		Login: browserLoginConfig(t, iss, newFakeBrowser())}); err != nil {
		t.Fatalf("local login: %v", err)
	}
	remoteManager, _ := newTestManager(t, iss, &logBuffer{})
	remote := httptest.NewServer(auth.SyncHandler(auth.SyncConfig{Secret: testSecret,
		Accept: remoteManager.SignIn}))
	defer remote.Close()
	if err := auth.Push(ctx, auth.PushConfig{RemoteURL: remote.URL, Secret: testSecret,
		Login: browserLoginConfig(t, iss, newFakeBrowser())}); err != nil {
		t.Fatalf("Push: %v", err)
	}

	for round := range 2 {
		for name, m := range map[string]*auth.Manager{"local": local, "remote": remoteManager} {
			token, _, err := m.AccessToken(ctx)
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, name, err)
			}
			renewed, _, err := m.Renew(ctx, token)
			if err != nil {
				t.Fatalf("round %d, %s refresh: %v", round, name, err)
			}
			if renewed == token {
				t.Errorf("round %d, %s: refresh kept the old access token", round, name)
			}
		}
	}
	if n := iss.ReuseCount(); n != 0 {
		t.Errorf("%d refresh tokens were reused", n)
	}
	if n := iss.RefreshCount(); n != 4 {
		t.Errorf("%d refreshes, want 4", n)
	}
	for name, m := range map[string]*auth.Manager{"local": local, "remote": remoteManager} {
		if st := m.Status(); st.State != auth.StateSignedIn {
			t.Errorf("%s: state %v (%s)", name, st.State, st.Reason)
		}
	}
}

// TestCopiedSignInLocksOut is the control for TestPushBothSidesKeepWorking: sharing one
// sign-in, as the original push did, ends one side's session at its next refresh.
func TestCopiedSignInLocksOut(t *testing.T) {
	iss := authtest.NewIssuer(t)
	ctx := context.Background()
	local, localStore := newTestManager(t, iss, &logBuffer{})
	if err := auth.RunLogin(ctx, auth.LoginOptions{Manager: local,
		Login: browserLoginConfig(t, iss, newFakeBrowser())}); err != nil {
		t.Fatal(err)
	}
	copied, err := localStore.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newTestManager(t, iss, &logBuffer{})
	if err := other.SignIn(ctx, copied); err != nil {
		t.Fatal(err)
	}
	var failed int
	for _, m := range []*auth.Manager{local, other} {
		token, _, err := m.AccessToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Renew(ctx, token); err != nil {
			failed++
		}
	}
	if failed != 1 || iss.ReuseCount() != 1 {
		t.Errorf("failed refreshes = %d, reuses = %d; want 1 and 1", failed, iss.ReuseCount())
	}
}

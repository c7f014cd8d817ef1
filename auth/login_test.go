package auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

// testNow is the fixed clock of the sign-in tests.
var testNow = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)

// freePort returns a port on 127.0.0.1 that was free a moment ago. Tests never assume that
// the real callback ports are free.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// occupy holds a port with a server that counts the requests it gets, standing in for a
// Codex CLI sign-in that lagp must leave alone.
func occupy(t *testing.T) (port int, hits *atomic.Int32) {
	t.Helper()
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port, hits
}

// portFree reports whether port can be bound on 127.0.0.1 now.
func portFree(port int) bool {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// logBuffer collects log output at Debug level and can be read while a test runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testLoginConfig signs in to iss on a free port without fallback.
func testLoginConfig(t *testing.T, iss *authtest.Issuer, logs *logBuffer) auth.LoginConfig {
	t.Helper()
	return auth.LoginConfig{
		Issuer:       iss.URL,
		CallbackPort: freePort(t),
		FallbackPort: -1,
		Timeout:      time.Minute,
		Logger:       logs.logger(),
		Now:          func() time.Time { return testNow },
	}
}

// visit plays the browser: it GETs rawURL following redirects and returns the final status
// and body, and every URL it went through.
func visit(t *testing.T, rawURL string) (int, string, []string) {
	t.Helper()
	status, body, trail, err := browse(rawURL)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return status, body, trail
}

// browse is visit for goroutines other than the test's.
func browse(rawURL string) (status int, body string, trail []string, err error) {
	client := &http.Client{
		Timeout: 20 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			trail = append(trail, req.URL.String())
			return nil
		},
	}
	resp, err := client.Get(rawURL)
	if err != nil {
		return 0, "", trail, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), trail, err
}

// recorder keeps the sign-ins handed over by a auth.Logins.
type recorder struct {
	mu     sync.Mutex
	tokens []auth.Tokens
	err    error // returned by accept
}

func (r *recorder) accept(_ context.Context, t auth.Tokens) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.tokens = append(r.tokens, t)
	return nil
}

func (r *recorder) got() []auth.Tokens {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]auth.Tokens(nil), r.tokens...)
}

// waitEnded waits until the auth.Logins has no running sign-in.
func waitEnded(t *testing.T, ls *auth.Logins) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for ls.Running() {
		if time.Now().After(deadline) {
			t.Fatal("sign-in still running")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLoginRouteFullFlow(t *testing.T) {
	iss := authtest.NewIssuer(t)
	logs := &logBuffer{}
	cfg := testLoginConfig(t, iss, logs)
	rec := &recorder{}
	ls := auth.NewLogins(cfg, rec.accept)
	proxy := httptest.NewServer(ls.Handler())
	defer proxy.Close()

	status, body, trail := visit(t, proxy.URL+"/login")

	if status != http.StatusOK || !strings.Contains(body, "You are signed in to lagp as ") {
		t.Fatalf("final page: status %d\n%s", status, body)
	}
	if len(trail) != 2 || !strings.HasPrefix(trail[0], iss.URL+"/oauth/authorize?") ||
		!strings.HasPrefix(trail[1], auth.RedirectURI(cfg.CallbackPort)+"?") {
		t.Errorf("redirects = %q, want the issuer then the callback", trail)
	}
	got := rec.got()
	if len(got) != 1 {
		t.Fatalf("onTokens called %d times, want 1", len(got))
	}
	tok := got[0]
	acct, err := auth.ParseAccount(tok)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccountID != acct.AccountID || !tok.LastRefresh.Equal(testNow) ||
		tok.RefreshToken == "" || tok.AccessToken == "" {
		t.Errorf("delivered tokens incomplete: %v", tok)
	}
	if !strings.Contains(body, acct.Email+".") {
		t.Errorf("success page does not name %s:\n%s", acct.Email, body)
	}
	waitEnded(t, ls)
	if !portFree(cfg.CallbackPort) {
		t.Error("callback port still bound after the sign-in")
	}
	assertNoSecrets(t, "logs", logs.String(), tok)
	assertNoSecrets(t, "page", body, tok)
}

// assertNoSecrets fails when text contains any token of tok.
func assertNoSecrets(t *testing.T, what, text string, tok auth.Tokens) {
	t.Helper()
	for name, secret := range map[string]string{"id token": tok.IDToken,
		"access token": tok.AccessToken, "refresh token": tok.RefreshToken} {
		if secret != "" && strings.Contains(text, secret) {
			t.Errorf("%s contain the %s", what, name)
		}
	}
}

// failingTokenEndpoint answers every token request with one error, whatever the issuer.
type failingTokenEndpoint struct {
	status int
	body   string
}

func (f failingTokenEndpoint) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: f.status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(f.body)),
		Request:    r,
	}, nil
}

func TestLoginRouteFailures(t *testing.T) {
	tests := []struct {
		name       string
		authorize  [2]string // error code and description the issuer sends back
		exchange   *failingTokenEndpoint
		acceptErr  error
		wantStatus int
		wantText   []string
		wantCode   string
	}{
		{name: "access denied", authorize: [2]string{"access_denied", "The user <b>declined</b>"},
			wantStatus: 400, wantCode: "access_denied",
			wantText: []string{"Sign-in was not completed",
				"The user &lt;b&gt;declined&lt;/b&gt;"}},
		{name: "workspace without codex",
			authorize:  [2]string{"access_denied", "missing_codex_entitlement"},
			wantStatus: 403, wantCode: "access_denied",
			wantText: []string{"Codex is not enabled for this workspace"}},
		{name: "other issuer error", authorize: [2]string{"server_error", "try later"},
			wantStatus: 400, wantCode: "server_error",
			wantText: []string{"(server_error)", "try later"}},
		{name: "exchange error string form",
			exchange: &failingTokenEndpoint{400,
				`{"error":"invalid_grant","error_description":"code expired"}`},
			wantStatus: 502, wantCode: "invalid_grant",
			wantText: []string{"Sign-in could not be finished", "invalid_grant: code expired"}},
		{name: "exchange error object form",
			exchange: &failingTokenEndpoint{401,
				`{"error":{"code":"invalid_client","message":"client unknown"}}`},
			wantStatus: 502, wantCode: "invalid_client",
			wantText: []string{"invalid_client: client unknown"}},
		{name: "save fails", acceptErr: errors.New("saving tokens: disk full"),
			wantStatus: 500,
			wantText:   []string{"Sign-in could not be saved", "saving tokens: disk full"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := authtest.NewIssuer(t)
			if tt.authorize[0] != "" {
				iss.SetAuthorizeError(tt.authorize[0], tt.authorize[1])
			}
			cfg := testLoginConfig(t, iss, &logBuffer{})
			if tt.exchange != nil {
				cfg.HTTPClient = &http.Client{Transport: *tt.exchange}
			}
			rec := &recorder{err: tt.acceptErr}
			ls := auth.NewLogins(cfg, rec.accept)
			l, err := ls.Current(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			status, body, _ := visit(t, l.AuthorizeURL())

			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q:\n%s", want, body)
				}
			}
			_, err = l.Wait(context.Background())
			var oe *auth.OAuthError
			switch {
			case err == nil:
				t.Fatal("Wait: no error")
			case tt.wantCode != "" && (!errors.As(err, &oe) || oe.Code != tt.wantCode):
				t.Errorf("Wait error = %v, want OAuth code %q", err, tt.wantCode)
			}
			if n := len(rec.got()); n != 0 {
				t.Errorf("onTokens kept %d sign-ins after a failure", n)
			}
			waitEnded(t, ls)
		})
	}
}

// callbackURL returns the callback address of l with the given query values.
func callbackURL(l *auth.Login, q url.Values) string {
	return auth.RedirectURI(l.Port()) + "?" + q.Encode()
}

// loginState returns the state inside l's authorize URL.
func loginState(t *testing.T, l *auth.Login) string {
	t.Helper()
	u, err := url.Parse(l.AuthorizeURL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("state")
}

func TestLoginStateMismatchKeepsWaiting(t *testing.T) {
	iss := authtest.NewIssuer(t)
	l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	for _, state := range []string{"WRONG", "", loginState(t, l) + "x"} {
		status, body, _ := visit(t, callbackURL(l, url.Values{"state": {state}, "code": {"x"}}))
		if status != http.StatusBadRequest || !strings.Contains(body, "does not match") {
			t.Errorf("state %q: status %d, page:\n%s", state, status, body)
		}
	}
	select {
	case <-l.Done():
		t.Fatal("a forged callback ended the sign-in")
	default:
	}
	status, body, _ := visit(t, l.AuthorizeURL())
	if status != http.StatusOK {
		t.Fatalf("real sign-in after forged ones: status %d\n%s", status, body)
	}
	if _, err := l.Wait(context.Background()); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestLoginCallbackIsSingleUse(t *testing.T) {
	iss := authtest.NewIssuer(t)
	l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	_, _, trail := visit(t, l.AuthorizeURL())
	if _, err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	callback := trail[len(trail)-1]

	// The listener is gone: replaying the callback reaches nobody.
	if resp, err := http.Get(callback); err == nil {
		resp.Body.Close()
		t.Errorf("replayed callback answered %d; the listener should be closed", resp.StatusCode)
	}
	// Even a request that slipped in before the close is refused.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, callback, nil)
	l.Routes().ServeHTTP(rec, req)
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "already finished") {
		t.Errorf("late callback: status %d\n%s", rec.Code, rec.Body)
	}
}

func TestLoginMissingCode(t *testing.T) {
	iss := authtest.NewIssuer(t)
	l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	status, body, _ := visit(t, callbackURL(l, url.Values{"state": {loginState(t, l)}}))
	if status != http.StatusBadRequest || !strings.Contains(body, "no authorization code") {
		t.Errorf("status %d, page:\n%s", status, body)
	}
	var oe *auth.OAuthError
	if _, err := l.Wait(context.Background()); !errors.As(err, &oe) || oe.Code != "missing_code" {
		t.Errorf("Wait error = %v, want missing_code", err)
	}
}

func TestLoginRefusesOtherHosts(t *testing.T) {
	iss := authtest.NewIssuer(t)
	l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	req, _ := http.NewRequest(http.MethodGet, callbackURL(l, url.Values{
		"state": {loginState(t, l)}, "code": {"x"}}), nil)
	req.Host = "rebound.example:" + strconv.Itoa(l.Port())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("status = %d, want 421", resp.StatusCode)
	}
	if l.Ended() {
		t.Error("a request for another host ended the sign-in")
	}
}

func TestLoginEnds(t *testing.T) {
	iss := authtest.NewIssuer(t)
	tests := []struct {
		name string
		end  func(l *auth.Login, cancel context.CancelFunc)
		cfg  func(*auth.LoginConfig)
		want error
	}{
		{"timeout", func(*auth.Login, context.CancelFunc) {},
			func(c *auth.LoginConfig) { c.Timeout = 50 * time.Millisecond }, auth.ErrLoginExpired},
		{"close", func(l *auth.Login, _ context.CancelFunc) { l.Close() }, nil, auth.ErrLoginCanceled},
		{"context", func(_ *auth.Login, cancel context.CancelFunc) { cancel() }, nil,
			auth.ErrLoginCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testLoginConfig(t, iss, &logBuffer{})
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l, err := auth.StartLogin(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			tt.end(l, cancel)
			wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer wcancel()
			if _, err := l.Wait(wctx); !errors.Is(err, tt.want) {
				t.Fatalf("Wait error = %v, want %v", err, tt.want)
			}
			if !portFree(cfg.CallbackPort) {
				t.Error("callback port still bound")
			}
			if resp, err := http.Get(l.AuthorizeURL()); err == nil {
				resp.Body.Close()
				t.Errorf("an ended sign-in still answered the browser: %d", resp.StatusCode)
			}
		})
	}
}

func TestLoginWaitHonoursContext(t *testing.T) {
	iss := authtest.NewIssuer(t)
	l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait error = %v, want deadline exceeded", err)
	}
	if l.Ended() {
		t.Error("the end of Wait's context ended the sign-in")
	}
}

func TestLoginPortFallback(t *testing.T) {
	iss := authtest.NewIssuer(t)
	busyA, hitsA := occupy(t)
	busyB, hitsB := occupy(t)
	free := freePort(t)
	tests := []struct {
		name        string
		port, fall  int
		wantPort    int
		wantErrText string
	}{
		{name: "first free", port: free, fall: busyA, wantPort: free},
		{name: "first busy, fallback free", port: busyA, fall: free, wantPort: free},
		{name: "both busy", port: busyA, fall: busyB,
			wantErrText: "callback ports " + strconv.Itoa(busyA) + " and " +
				strconv.Itoa(busyB) + " are both in use"},
		{name: "no fallback", port: busyA, fall: -1,
			wantErrText: "callback port " + strconv.Itoa(busyA) + " is in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testLoginConfig(t, iss, &logBuffer{})
			cfg.CallbackPort, cfg.FallbackPort = tt.port, tt.fall
			l, err := auth.StartLogin(context.Background(), cfg)
			if tt.wantErrText != "" {
				var busy *auth.PortsBusyError
				if !errors.As(err, &busy) || !strings.Contains(err.Error(), tt.wantErrText) ||
					!strings.Contains(err.Error(), "Codex CLI") {
					t.Fatalf("error = %v, want a auth.PortsBusyError saying %q", err, tt.wantErrText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.Port() != tt.wantPort {
				t.Errorf("port = %d, want %d", l.Port(), tt.wantPort)
			}
			u, _ := url.Parse(l.AuthorizeURL())
			if got := u.Query().Get("redirect_uri"); got != auth.RedirectURI(tt.wantPort) {
				t.Errorf("redirect_uri = %q, want port %d", got, tt.wantPort)
			}
		})
	}
	if hitsA.Load()+hitsB.Load() != 0 {
		t.Errorf("lagp sent %d requests to servers it did not start", hitsA.Load()+hitsB.Load())
	}
}

func TestLoginConfigPorts(t *testing.T) {
	tests := []struct {
		port, fall int
		want       []int
	}{
		{0, 0, []int{1455, 1457}},
		{1455, 0, []int{1455, 1457}},
		{1455, -1, []int{1455}},
		{2000, 0, []int{2000}},
		{2000, 2001, []int{2000, 2001}},
		{2000, 2000, []int{2000}},
	}
	for _, tt := range tests {
		cfg := auth.LoginConfig{CallbackPort: tt.port, FallbackPort: tt.fall}
		if got := cfg.Ports(); !equalInts(got, tt.want) {
			t.Errorf("ports(%d, %d) = %v, want %v", tt.port, tt.fall, got, tt.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLoginsShareOneFlow(t *testing.T) {
	iss := authtest.NewIssuer(t)
	rec := &recorder{}
	ls := auth.NewLogins(testLoginConfig(t, iss, &logBuffer{}), rec.accept)
	defer ls.Close()
	first, err := ls.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	second, err := ls.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("a second Begin started another sign-in")
	}
	if status, body, _ := visit(t, second); status != http.StatusOK {
		t.Fatalf("status %d\n%s", status, body)
	}
	waitEnded(t, ls)
	third, err := ls.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if third == first {
		t.Error("Begin after the end reused the finished sign-in")
	}
	ls.Close()
	waitEnded(t, ls)
}

func TestLoginRoutePortsBusy(t *testing.T) {
	iss := authtest.NewIssuer(t)
	busyA, _ := occupy(t)
	busyB, _ := occupy(t)
	cfg := testLoginConfig(t, iss, &logBuffer{})
	cfg.CallbackPort, cfg.FallbackPort = busyA, busyB
	rec := httptest.NewRecorder()
	auth.NewLogins(cfg, (&recorder{}).accept).Handler().ServeHTTP(rec,
		httptest.NewRequest(http.MethodGet, "/login", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, strconv.Itoa(busyA)) ||
		!strings.Contains(body, strconv.Itoa(busyB)) {
		t.Errorf("status %d, page:\n%s", rec.Code, body)
	}
}

func TestPageHeaders(t *testing.T) {
	iss := authtest.NewIssuer(t)
	l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	resp, err := http.Get(callbackURL(l, url.Values{"state": {"bad"}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "default-src 'none'; style-src 'sha256-") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
		"Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestLoginRouteOnlyForPageLoads(t *testing.T) {
	iss := authtest.NewIssuer(t)
	ls := auth.NewLogins(testLoginConfig(t, iss, &logBuffer{}), (&recorder{}).accept)
	defer ls.Close()
	tests := []struct {
		method, dest string
		want         int
	}{
		{http.MethodPost, "", http.StatusMethodNotAllowed},
		{http.MethodGet, "image", http.StatusForbidden},
		{http.MethodGet, "script", http.StatusForbidden},
		{http.MethodGet, "empty", http.StatusForbidden},
		{http.MethodGet, "document", http.StatusFound},
		{http.MethodGet, "", http.StatusFound},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, "/login", nil)
		if tt.dest != "" {
			req.Header.Set("Sec-Fetch-Dest", tt.dest)
		}
		w := httptest.NewRecorder()
		ls.Handler().ServeHTTP(w, req)
		if w.Code != tt.want {
			t.Errorf("%s with Sec-Fetch-Dest %q: status %d, want %d", tt.method, tt.dest, w.Code,
				tt.want)
		}
		// The refused cases come first, so no sign-in may run yet.
		if tt.want != http.StatusFound && ls.Running() {
			t.Errorf("%s with Sec-Fetch-Dest %q started a sign-in", tt.method, tt.dest)
		}
	}
}

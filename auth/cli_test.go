package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

// newTestManager returns a manager on a file store in a temporary home, talking to iss.
func newTestManager(t *testing.T, iss *authtest.Issuer, logs *logBuffer) (*auth.Manager,
	auth.Store) {
	t.Helper()
	store, err := auth.OpenStore(context.Background(), auth.StoreConfig{Mode: auth.StoreFile,
		Home: t.TempDir(), Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	m := auth.NewManager(auth.Config{Issuer: iss.URL, Store: store,
		HTTPClient: iss.Client(), Logger: logs.logger()})
	return m, store
}

func TestRunLoginAdoptsTheSignIn(t *testing.T) {
	iss := authtest.NewIssuer(t)
	logs := &logBuffer{}
	m, store := newTestManager(t, iss, logs)
	b := newFakeBrowser()
	var out strings.Builder
	err := auth.RunLogin(context.Background(), auth.LoginOptions{
		Login: browserLoginConfig(t, iss, b), Manager: m, Out: &out})
	if err != nil {
		t.Fatalf("RunLogin: %v", err)
	}
	page := b.lastPage(t)
	if !strings.Contains(page.body, "You are signed in to lagp as user@example.com.") {
		t.Errorf("final page:\n%s", page.body)
	}
	want := "Signed in as user@example.com (plus). The sign-in is kept in the file store."
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if st := m.Status(); st.State != auth.StateSignedIn || st.Account.Email != "user@example.com" {
		t.Errorf("status after login: %+v", st)
	}
	saved, err := store.Load(context.Background())
	if err != nil {
		t.Fatalf("store after login: %v", err)
	}
	assertNoSecrets(t, "output", out.String(), saved)
	assertNoSecrets(t, "logs", logs.String(), saved)
	assertNoSecrets(t, "page", page.body, saved)
}

func TestRunLoginOutputFile(t *testing.T) {
	iss := authtest.NewIssuer(t)
	m, store := newTestManager(t, iss, &logBuffer{})
	local := iss.Mint("user@example.com", "plus", time.Hour)
	if err := m.SignIn(context.Background(), local); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "remote-auth.json")
	if err := os.WriteFile(path, []byte("old content"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newFakeBrowser()
	var out strings.Builder
	err := auth.RunLogin(context.Background(), auth.LoginOptions{
		Login: browserLoginConfig(t, iss, b), Manager: m, Output: path, Out: &out})
	if err != nil {
		t.Fatalf("RunLogin: %v", err)
	}
	if page := b.lastPage(t); !strings.Contains(page.body, "was written to "+path) {
		t.Errorf("final page:\n%s", page.body)
	}
	if !strings.Contains(out.String(), "Wrote a fresh sign-in for user@example.com to "+path) {
		t.Errorf("output:\n%s", out.String())
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, want 0600", info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	written, err := auth.UnmarshalAuthJSON(data)
	if err != nil {
		t.Fatalf("written file: %v", err)
	}
	if written.RefreshToken == local.RefreshToken {
		t.Error("the file holds this machine's refresh token")
	}
	if _, err := auth.ValidateTokens(written, time.Now()); err != nil {
		t.Errorf("written sign-in unusable: %v", err)
	}
	kept, err := store.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if kept.RefreshToken != local.RefreshToken || kept.AccessToken != local.AccessToken {
		t.Error("--output changed the local sign-in")
	}
	assertNoSecrets(t, "output", out.String(), written)
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".lagp-login-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestRunLoginRefused(t *testing.T) {
	iss := authtest.NewIssuer(t)
	iss.SetAuthorizeError("access_denied", "missing_codex_entitlement")
	m, _ := newTestManager(t, iss, &logBuffer{})
	b := newFakeBrowser()
	err := auth.RunLogin(context.Background(), auth.LoginOptions{
		Login: browserLoginConfig(t, iss, b), Manager: m})
	var oe *auth.OAuthError
	if !errors.As(err, &oe) || !oe.MissingEntitlement() {
		t.Fatalf("RunLogin error = %v, want missing entitlement", err)
	}
	if page := b.lastPage(t); !strings.Contains(page.body, "Codex is not enabled") {
		t.Errorf("final page:\n%s", page.body)
	}
	if err := m.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := m.Status(); st.State != auth.StateSignedOut {
		t.Errorf("state after a refused sign-in: %v", st.State)
	}
}

func TestRunLogout(t *testing.T) {
	iss := authtest.NewIssuer(t)
	m, store := newTestManager(t, iss, &logBuffer{})
	tok := iss.Mint("user@example.com", "plus", time.Hour)
	if err := m.SignIn(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := auth.RunLogout(context.Background(), m, &out); err != nil {
		t.Fatalf("RunLogout: %v", err)
	}
	if !strings.Contains(out.String(), "Signed out user@example.com") {
		t.Errorf("output:\n%s", out.String())
	}
	if _, err := store.Load(context.Background()); !errors.Is(err, auth.ErrNoTokens) {
		t.Errorf("store after logout: %v, want ErrNoTokens", err)
	}
	if !slices.Contains(iss.Revoked(), tok.RefreshToken) {
		t.Error("the refresh token was not revoked")
	}
	assertNoSecrets(t, "output", out.String(), tok)

	out.Reset()
	if err := auth.RunLogout(context.Background(), m, &out); err != nil {
		t.Fatalf("second RunLogout: %v", err)
	}
	if !strings.Contains(out.String(), "No sign-in was stored") {
		t.Errorf("second output:\n%s", out.String())
	}
}

// statusSample is the /lagp/status answer of the proxy, as its brief describes it.
const statusSample = `{"version":"0.1.0","listen":["http://127.0.0.1:11434"],
"state":"signed_in","reason":"","account":{"email":"a@b.c","plan":"plus",
"account_id":"11111111-2222-3333-4444-555555555555"},
"token_expires_at":"2026-08-10T12:00:00Z","last_refresh":"2026-08-01T10:00:00Z",
"store":"keyring","usage":{"plan_type":"plus","windows":[{"limit":"codex","name":"primary",
"used_percent":42,"window_minutes":300,"resets_at":"2026-08-01T15:00:00Z"},
{"limit":"codex","name":"secondary","used_percent":12.5,"window_minutes":10080,
"resets_at":"2026-08-05T00:00:00Z"}],"updated_at":"2026-08-01T11:59:00Z"},"models":5}`

func TestRunStatusFromRunningLagp(t *testing.T) {
	lagp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/lagp/status" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(statusSample))
	}))
	defer lagp.Close()
	var out strings.Builder
	err := auth.RunStatus(context.Background(), auth.StatusOptions{ProxyURL: lagp.URL + "/",
		Out: &out, Now: func() time.Time { return testNow }, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	want := `lagp 0.1.0 is running at http://127.0.0.1:11434.
Signed in as a@b.c (plus).
  Account ID:    1111…5555
  Access token:  expires 2026-08-10 12:00 UTC (in 9d)
  Last refresh:  2026-08-01 10:00 UTC (2h ago)
  Token store:   keyring
  Models:        5
Usage (plus plan), as of 2026-08-01 11:59 UTC (1m ago):
  codex primary (5h):    42% used, resets 2026-08-01 15:00 UTC (in 3h)
  codex secondary (7d):  12.5% used, resets 2026-08-05 00:00 UTC (in 3d 12h)
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestRunStatusFromStore(t *testing.T) {
	iss := authtest.NewIssuer(t)
	notLagp := httptest.NewServer(http.NotFoundHandler())
	defer notLagp.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	tests := []struct {
		name     string
		proxyURL string
		signIn   bool
		want     []string
	}{
		{"nothing running, signed in", dead.URL, true, []string{
			"No lagp answers at " + dead.URL + " (not reachable); showing the stored sign-in.",
			"Signed in as user@example.com (plus).", "Token store:   file",
			"Access token:  expires "}},
		{"other server answers", notLagp.URL, true, []string{"(HTTP 404)",
			"Signed in as user@example.com (plus)."}},
		{"no proxy url, signed out", "", false, []string{"Showing the stored sign-in.",
			`Not signed in. Run "lagp login" to sign in.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logBuffer{}
			m, _ := newTestManager(t, iss, logs)
			tok := iss.Mint("user@example.com", "plus", time.Hour)
			if tt.signIn {
				if err := m.SignIn(context.Background(), tok); err != nil {
					t.Fatal(err)
				}
			}
			var out strings.Builder
			err := auth.RunStatus(context.Background(), auth.StatusOptions{
				ProxyURL: tt.proxyURL, Manager: m, Out: &out, Location: time.UTC})
			if tt.signIn && err != nil || !tt.signIn && !errors.Is(err, auth.ErrNotSignedIn) {
				t.Fatalf("err = %v (signed in: %v)", err, tt.signIn)
			}
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			assertNoSecrets(t, "output", out.String(), tok)
			assertNoSecrets(t, "logs", logs.String(), tok)
		})
	}
}

func TestRunStatusExpiredSession(t *testing.T) {
	lagp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"state":"expired","reason":"refresh token was already used",` +
			`"account":{"email":"a@b.c"},"store":"file"}`))
	}))
	defer lagp.Close()
	var out strings.Builder
	err := auth.RunStatus(context.Background(), auth.StatusOptions{ProxyURL: lagp.URL,
		Out: &out})
	if !errors.Is(err, auth.ErrNotSignedIn) {
		t.Fatalf("err = %v, want ErrNotSignedIn", err)
	}
	want := `The session ended (refresh token was already used). Sign in again: run "lagp login".`
	if !strings.Contains(out.String(), want) {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestStatusReportJSON(t *testing.T) {
	var r auth.StatusReport
	if err := json.Unmarshal([]byte(statusSample), &r); err != nil {
		t.Fatal(err)
	}
	if r.Usage == nil || len(r.Usage.Windows) != 2 || r.Usage.Windows[0].WindowMinutes != 300 ||
		r.Account.AccountID == "" || r.Models != 5 || r.TokenExpiresAt.IsZero() {
		t.Fatalf("decoded %+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	_ = json.Unmarshal(b, &got)
	_ = json.Unmarshal([]byte(statusSample), &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-sample +encoded):\n%s", diff)
	}

	out, err := json.Marshal(auth.NewStatusReport(auth.Status{State: auth.StateSignedOut,
		Store: "file"}))
	if err != nil {
		t.Fatal(err)
	}
	const wantOut = `{"state":"signed_out","reason":"","account":{"email":"","plan":"",` +
		`"account_id":""},"store":"file"}`
	if string(out) != wantOut {
		t.Errorf("signed-out report = %s, want %s", out, wantOut)
	}
}

func TestRunPushPrintsResult(t *testing.T) {
	iss := authtest.NewIssuer(t)
	r := newSyncReceiver(testSecret)
	remote := httptest.NewServer(r.handler)
	defer remote.Close()
	var out strings.Builder
	cfg := browserLoginConfig(t, iss, newFakeBrowser())
	cfg.Out = &out
	if err := auth.RunPush(context.Background(), auth.PushConfig{RemoteURL: remote.URL,
		Secret: testSecret, Login: cfg}); err != nil {
		t.Fatal(err)
	}
	want := "The lagp at " + remote.URL + " is now signed in as user@example.com"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	for _, tok := range r.rec.got() {
		assertNoSecrets(t, "output", out.String(), tok)
	}
}

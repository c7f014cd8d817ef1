package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// countingReader yields 0, 1, 2, … so the PKCE values of a test are known in advance.
type countingReader struct{ next byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
}

func sequence(from, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(from + i)
	}
	return b
}

func TestNewPKCE(t *testing.T) {
	p, err := newPKCE(&countingReader{})
	if err != nil {
		t.Fatal(err)
	}
	wantVerifier := base64.RawURLEncoding.EncodeToString(sequence(0, 64))
	wantState := base64.RawURLEncoding.EncodeToString(sequence(64, 32))
	sum := sha256.Sum256([]byte(wantVerifier))
	wantChallenge := base64.RawURLEncoding.EncodeToString(sum[:])
	if p.verifier != wantVerifier || len(p.verifier) != 86 {
		t.Errorf("verifier = %q (%d chars), want %q", p.verifier, len(p.verifier), wantVerifier)
	}
	if p.state != wantState || len(p.state) != 43 {
		t.Errorf("state = %q (%d chars), want %q", p.state, len(p.state), wantState)
	}
	if p.challenge != wantChallenge {
		t.Errorf("challenge = %q, want %q", p.challenge, wantChallenge)
	}
}

func TestNewPKCEShortRandomness(t *testing.T) {
	for _, n := range []int{0, 63, 64, 95} {
		_, err := newPKCE(bytes.NewReader(make([]byte, n)))
		if err == nil {
			t.Errorf("with %d random bytes: no error", n)
		}
	}
}

func TestAuthorizeURLParameters(t *testing.T) {
	p, err := newPKCE(&countingReader{})
	if err != nil {
		t.Fatal(err)
	}
	raw := authorizeURL(oauthConfig("https://issuer.test/", DefaultClientID, redirectURI(1457)), p)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://issuer.test/oauth/authorize" {
		t.Errorf("endpoint = %q", got)
	}
	want := url.Values{
		"response_type":              {"code"},
		"client_id":                  {"app_EMoamEEZ73f0CkXaXp7hrann"},
		"redirect_uri":               {"http://localhost:1457/auth/callback"},
		"scope":                      {"openid profile email offline_access"},
		"code_challenge":             {p.challenge},
		"code_challenge_method":      {"S256"},
		"state":                      {p.state},
		"id_token_add_organizations": {"true"},
		"codex_cli_simplified_flow":  {"true"},
		"originator":                 {"codex_cli_rs"},
	}
	if diff := cmp.Diff(want, u.Query()); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if strings.Contains(raw, p.verifier) {
		t.Error("authorize URL contains the code verifier")
	}
}

func TestParseOAuthError(t *testing.T) {
	long := strings.Repeat("x", 400)
	tests := []struct {
		name string
		body string
		want OAuthError
	}{
		{"string form", `{"error":"invalid_grant","error_description":"code expired"}`,
			OAuthError{Status: 400, Code: "invalid_grant", Description: "code expired"}},
		{"object form", `{"error":{"code":"token_expired","message":"too late"}}`,
			OAuthError{Status: 400, Code: "token_expired", Description: "too late"}},
		{"top-level code", `{"code":"bad_verifier","error_description":"no match"}`,
			OAuthError{Status: 400, Code: "bad_verifier", Description: "no match"}},
		{"plain text", "upstream\n\tunavailable",
			OAuthError{Status: 400, Description: "upstream unavailable"}},
		{"control characters dropped", `{"error":"x\u0007y","error_description":"a\u001bb"}`,
			OAuthError{Status: 400, Code: "xy", Description: "ab"}},
		{"long text cut", long,
			OAuthError{Status: 400, Description: long[:maxDescription] + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseOAuthError(400, []byte(tt.body))
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOAuthErrorMessages(t *testing.T) {
	tests := []struct {
		err         OAuthError
		text        string
		entitlement bool
	}{
		{OAuthError{Status: 401, Code: "invalid_client", Description: "nope"},
			"sign-in refused (HTTP 401): invalid_client: nope", false},
		{OAuthError{Code: "access_denied", Description: "missing_codex_entitlement"},
			"sign-in refused: access_denied: missing_codex_entitlement", true},
		{OAuthError{Code: "access_denied", Description: "user said no"},
			"sign-in refused: access_denied: user said no", false},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.text {
			t.Errorf("Error() = %q, want %q", got, tt.text)
		}
		if got := tt.err.MissingEntitlement(); got != tt.entitlement {
			t.Errorf("%q: MissingEntitlement() = %v", tt.text, got)
		}
	}
}

// tokenEndpoint is a one-shot token endpoint that records the form it received.
type tokenEndpoint struct {
	status int
	body   string
	form   url.Values
	header http.Header
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	e.form, e.header = r.PostForm, r.Header.Clone()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = io.WriteString(w, e.body)
}

func TestExchangeCodeRequest(t *testing.T) {
	ep := &tokenEndpoint{status: 200,
		body: `{"id_token":"id.x.y","access_token":"at.x.y","refresh_token":"rt_1",` +
			`"expires_in":864000,"token_type":"bearer"}`}
	srv := httptest.NewServer(ep)
	defer srv.Close()
	conf := oauthConfig(srv.URL, DefaultClientID, redirectURI(1455))
	got, err := exchangeCode(context.Background(), srv.Client(), conf, "AC_123", "VERIFIER")
	if err != nil {
		t.Fatal(err)
	}
	want := Tokens{IDToken: "id.x.y", AccessToken: "at.x.y", RefreshToken: "rt_1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	wantForm := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {"AC_123"},
		"redirect_uri":  {"http://localhost:1455/auth/callback"},
		"client_id":     {"app_EMoamEEZ73f0CkXaXp7hrann"},
		"code_verifier": {"VERIFIER"},
	}
	if diff := cmp.Diff(wantForm, ep.form); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	if h := ep.header.Get("Authorization"); h != "" {
		t.Errorf("Authorization header sent: %q", h)
	}
}

func TestExchangeCodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
		wantText string
	}{
		{"string form", 400, `{"error":"invalid_grant","error_description":"code reused"}`,
			"invalid_grant", "sign-in refused (HTTP 400): invalid_grant: code reused"},
		{"object form", 401, `{"error":{"code":"invalid_client","message":"unknown client"}}`,
			"invalid_client", "sign-in refused (HTTP 401): invalid_client: unknown client"},
		{"html", 502, `<html>bad gateway</html>`,
			"", "sign-in refused (HTTP 502): <html>bad gateway</html>"},
		{"no refresh token", 200, `{"id_token":"a.b.c","access_token":"SECRET-AT"}`,
			"incomplete_response", "lacks an id_token or a refresh_token"},
		{"no id token", 200, `{"access_token":"SECRET-AT","refresh_token":"SECRET-RT"}`,
			"incomplete_response", "lacks an id_token or a refresh_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&tokenEndpoint{status: tt.status, body: tt.body})
			defer srv.Close()
			conf := oauthConfig(srv.URL, DefaultClientID, redirectURI(1455))
			_, err := exchangeCode(context.Background(), srv.Client(), conf, "c", "v")
			var oe *OAuthError
			if !errors.As(err, &oe) {
				t.Fatalf("error %v (%T) is not an *OAuthError", err, err)
			}
			if oe.Code != tt.wantCode || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error = %q (code %q), want code %q and text %q",
					err, oe.Code, tt.wantCode, tt.wantText)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error shows a token: %q", err)
			}
		})
	}
}

func TestExchangeCodeTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens any more
	conf := oauthConfig(srv.URL, DefaultClientID, redirectURI(1455))
	_, err := exchangeCode(context.Background(), srv.Client(), conf, "c", "v")
	if err == nil || !strings.HasPrefix(err.Error(), "exchanging code: ") {
		t.Fatalf("error = %v, want an exchanging code error", err)
	}

}

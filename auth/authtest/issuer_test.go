package authtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
)

// testVerifier is an 84-character PKCE verifier.
const testVerifier = "0123456789abcdefghijklmnopqrstuvwxyz" +
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ-_0123456789abcdefghij"

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func validAuthorize(port string) url.Values {
	return url.Values{
		"response_type":              {"code"},
		"client_id":                  {auth.DefaultClientID},
		"redirect_uri":               {"http://localhost:" + port + "/auth/callback"},
		"scope":                      {"openid profile email offline_access"},
		"code_challenge":             {challengeOf(testVerifier)},
		"code_challenge_method":      {"S256"},
		"state":                      {"state-123"},
		"id_token_add_organizations": {"true"},
		"codex_cli_simplified_flow":  {"true"},
		"originator":                 {"codex_cli_rs"},
	}
}

// noRedirect is a client that stops at the issuer's 302.
func noRedirect(i *Issuer) *http.Client {
	c := *i.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &c
}

func authorize(t *testing.T, i *Issuer, q url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect(i).Get(i.URL + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestAuthorizeRedirectsWithCode(t *testing.T) {
	i := NewIssuer(t)
	resp, body := authorize(t, i, validAuthorize("1455"))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Host != "localhost:1455" || loc.Path != "/auth/callback" {
		t.Errorf("redirect to %s", loc)
	}
	if loc.Query().Get("state") != "state-123" || !strings.HasPrefix(loc.Query().Get("code"),
		"ac_") {
		t.Errorf("redirect query %v", loc.Query())
	}
	if got := i.AuthorizeRequests(); len(got) != 1 || got[0]["originator"] != "codex_cli_rs" {
		t.Errorf("authorize log %v", got)
	}
}

func TestAuthorizeRejectsWrongParameters(t *testing.T) {
	tests := []struct {
		name, param, value, want string
	}{
		{"missing response_type", "response_type", "", "response_type"},
		{"other client", "client_id", "app_other", "client_id"},
		{"connector scopes", "scope",
			"openid profile email offline_access api.connectors.read", "scope"},
		{"127.0.0.1 redirect", "redirect_uri", "http://127.0.0.1:1455/auth/callback",
			"redirect_uri"},
		{"https redirect", "redirect_uri", "https://localhost:1455/auth/callback",
			"redirect_uri"},
		{"other path", "redirect_uri", "http://localhost:1455/callback", "redirect_uri"},
		{"short challenge", "code_challenge", "abc", "code_challenge"},
		{"plain method", "code_challenge_method", "plain", "code_challenge_method"},
		{"no state", "state", "", "state"},
		{"no organizations", "id_token_add_organizations", "", "id_token_add_organizations"},
		{"no simplified flow", "codex_cli_simplified_flow", "false",
			"codex_cli_simplified_flow"},
		{"other originator", "originator", "lagp", "originator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := NewIssuer(t)
			q := validAuthorize("1455")
			if tt.value == "" {
				q.Del(tt.param)
			} else {
				q.Set(tt.param, tt.value)
			}
			resp, body := authorize(t, i, q)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tt.want) {
				t.Errorf("status %d body %q, want 400 naming %s", resp.StatusCode, body,
					tt.want)
			}
		})
	}
}

func TestAuthorizeScriptedError(t *testing.T) {
	i := NewIssuer(t)
	i.SetAuthorizeError("access_denied", "missing_codex_entitlement")
	resp, _ := authorize(t, i, validAuthorize("1457"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if q.Get("error") != "access_denied" || q.Get("error_description") !=
		"missing_codex_entitlement" || q.Get("state") != "state-123" || q.Get("code") != "" {
		t.Errorf("redirect query %v", q)
	}
	resp, _ = authorize(t, i, validAuthorize("1457"))
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("code") == "" {
		t.Error("scripted error applied twice")
	}
}

func postForm(t *testing.T, i *Issuer, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := i.Client().PostForm(i.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &body)
	if body == nil {
		body = map[string]any{"text": string(b)}
	}
	return resp.StatusCode, body
}

// codeFor runs the authorize step and returns the code.
func codeFor(t *testing.T, i *Issuer) string {
	t.Helper()
	resp, _ := authorize(t, i, validAuthorize("1455"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc.Query().Get("code")
}

func exchangeForm(code string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {"http://localhost:1455/auth/callback"},
		"client_id":     {auth.DefaultClientID},
		"code_verifier": {testVerifier},
	}
}

func TestExchange(t *testing.T) {
	i := NewIssuer(t)
	i.SetUser("bob@example.com", "team")
	code := codeFor(t, i)
	status, body := postForm(t, i, "/oauth/token", exchangeForm(code))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, body)
	}
	tok := auth.Tokens{IDToken: body["id_token"].(string),
		AccessToken: body["access_token"].(string), RefreshToken: body["refresh_token"].(string)}
	acct, err := auth.ParseAccount(tok)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Email != "bob@example.com" || acct.Plan != "team" ||
		acct.AccountID != AccountID("bob@example.com") {
		t.Errorf("account %+v", acct)
	}
	if body["expires_in"].(float64) != float64(DefaultAccessLifetime/time.Second) ||
		body["token_type"] != "bearer" {
		t.Errorf("answer %v", body)
	}
	// Single use.
	status, body = postForm(t, i, "/oauth/token", exchangeForm(code))
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("second use: %d %v", status, body)
	}
	if i.ExchangeCount() != 2 {
		t.Errorf("exchange count %d", i.ExchangeCount())
	}
}

func TestExchangeRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(url.Values)
		want   string
	}{
		{"wrong verifier", func(f url.Values) { f.Set("code_verifier", testVerifier+"x") },
			"code_verifier"},
		{"short verifier", func(f url.Values) { f.Set("code_verifier", "short") },
			"code_verifier"},
		{"other redirect", func(f url.Values) {
			f.Set("redirect_uri", "http://localhost:1457/auth/callback")
		}, "redirect_uri"},
		{"other client", func(f url.Values) { f.Set("client_id", "x") }, "client_id"},
		{"unknown code", func(f url.Values) { f.Set("code", "ac_nope") }, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := NewIssuer(t)
			form := exchangeForm(codeFor(t, i))
			tt.mutate(form)
			status, body := postForm(t, i, "/oauth/token", form)
			descr, _ := body["error_description"].(string)
			if status != http.StatusBadRequest || !strings.Contains(descr, tt.want) {
				t.Errorf("%d %v, want 400 about %s", status, body, tt.want)
			}
		})
	}
}

func TestTokenEndpointWantsForms(t *testing.T) {
	i := NewIssuer(t)
	resp, err := i.Client().Post(i.URL+"/oauth/token", "application/json",
		strings.NewReader(`{"grant_type":"refresh_token","refresh_token":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("JSON body: status %d, want 400 (A8: form-encoded)", resp.StatusCode)
	}
}

func TestFailNextExchange(t *testing.T) {
	i := NewIssuer(t)
	i.FailNextExchange(502, "bad gateway")
	status, body := postForm(t, i, "/oauth/token", exchangeForm(codeFor(t, i)))
	if status != 502 || body["text"] != "bad gateway" {
		t.Errorf("%d %v", status, body)
	}
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"client_id": {auth.DefaultClientID}}
}

func errorCode(body map[string]any) string {
	obj, _ := body["error"].(map[string]any)
	code, _ := obj["code"].(string)
	return code
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	i := NewIssuer(t)
	tok := i.Mint("ann@example.com", "plus", time.Hour)
	status, body := postForm(t, i, "/oauth/token", refreshForm(tok.RefreshToken))
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, body)
	}
	next, _ := body["refresh_token"].(string)
	if next == "" || next == tok.RefreshToken || body["access_token"] == tok.AccessToken {
		t.Fatal("refresh did not rotate")
	}
	status, body = postForm(t, i, "/oauth/token", refreshForm(tok.RefreshToken))
	if status != http.StatusUnauthorized || errorCode(body) != "refresh_token_reused" {
		t.Errorf("reuse: %d %v", status, body)
	}
	// Reuse ends the whole family, the rotated token included.
	status, body = postForm(t, i, "/oauth/token", refreshForm(next))
	if status != http.StatusUnauthorized || errorCode(body) != "refresh_token_invalidated" {
		t.Errorf("family after reuse: %d %v", status, body)
	}
	if i.RefreshCount() != 3 || i.ReuseCount() != 1 {
		t.Errorf("counts %d/%d, want 3/1", i.RefreshCount(), i.ReuseCount())
	}
	// Another sign-in of the same user is another family and unaffected.
	other := i.Mint("ann@example.com", "plus", time.Hour)
	if status, _ := postForm(t, i, "/oauth/token", refreshForm(other.RefreshToken)); status !=
		http.StatusOK {
		t.Errorf("independent family refused: %d", status)
	}
}

func TestFailNextRefreshDoesNotRotate(t *testing.T) {
	i := NewIssuer(t)
	tok := i.Mint("ann@example.com", "plus", time.Hour)
	i.FailNextRefresh(500, `{"error":"server_error"}`)
	if status, body := postForm(t, i, "/oauth/token", refreshForm(tok.RefreshToken)); status !=
		500 || body["error"] != "server_error" {
		t.Fatalf("scripted failure: %d %v", status, body)
	}
	if status, _ := postForm(t, i, "/oauth/token", refreshForm(tok.RefreshToken)); status !=
		http.StatusOK {
		t.Errorf("token consumed by a failed refresh: %d", status)
	}
}

func TestRevoke(t *testing.T) {
	i := NewIssuer(t)
	tok := i.Mint("ann@example.com", "plus", time.Hour)
	status, _ := postForm(t, i, "/oauth/revoke", url.Values{"token": {tok.RefreshToken},
		"token_type_hint": {"refresh_token"}})
	if status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if got := i.Revoked(); len(got) != 1 || got[0] != tok.RefreshToken {
		t.Errorf("Revoked() = %v", got)
	}
	status, body := postForm(t, i, "/oauth/token", refreshForm(tok.RefreshToken))
	if status != http.StatusUnauthorized || errorCode(body) != "refresh_token_invalidated" {
		t.Errorf("refresh after revoke: %d %v", status, body)
	}
}

func TestMint(t *testing.T) {
	i := NewIssuer(t)
	t0 := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	i.SetClock(func() time.Time { return t0 })
	tok := i.Mint("ann@example.com", "pro", -time.Minute)
	for _, jwt := range []string{tok.IDToken, tok.AccessToken} {
		parts := strings.Split(jwt, ".")
		if len(parts) != 3 {
			t.Fatalf("not a JWT: %d parts", len(parts))
		}
		mac := hmac.New(sha256.New, testKey)
		mac.Write([]byte(parts[0] + "." + parts[1]))
		if base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) != parts[2] {
			t.Error("HS256 signature does not verify")
		}
	}
	acct, err := auth.ParseAccount(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !acct.Expires.Equal(t0.Add(-time.Minute)) || acct.Plan != "pro" ||
		tok.AccountID != acct.AccountID || !tok.LastRefresh.Equal(t0) {
		t.Errorf("minted %+v for %v", acct, tok)
	}
	if _, err := auth.ValidateTokens(tok, t0); err == nil {
		t.Error("negative lifetime did not give an expired token")
	}
	again := i.Mint("ann@example.com", "pro", time.Hour)
	if again.AccountID != tok.AccountID || again.RefreshToken == tok.RefreshToken {
		t.Error("same user should share the account id but get a new refresh token")
	}
	if AccountID("bob@example.com") == tok.AccountID {
		t.Error("different users share an account id")
	}
	if n := len(i.Issued()); n != 6 {
		t.Errorf("Issued() lists %d tokens, want 6", n)
	}
}

func TestHoldRefreshes(t *testing.T) {
	i := NewIssuer(t)
	tok := i.Mint("ann@example.com", "plus", time.Hour)
	arrived, release := i.HoldRefreshes()
	done := make(chan int)
	go func() {
		resp, err := i.Client().PostForm(i.URL+"/oauth/token", refreshForm(tok.RefreshToken))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-arrived
	select {
	case <-done:
		t.Fatal("held refresh answered before release")
	default:
	}
	release()
	release() // idempotent
	if status := <-done; status != http.StatusOK {
		t.Errorf("status %d", status)
	}
}

package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Tokens is one ChatGPT sign-in. The fields map to the `tokens` object of the Codex CLI's
// auth.json plus its top-level `last_refresh` (PROTOCOL.md §1.8).
//
// Tokens prints masked with fmt (%v, %+v, %#v, %s) and slog; only [MarshalAuthJSON] writes the
// secrets out.
type Tokens struct {
	// IDToken is the OpenID Connect id token (a JWT carrying email, plan and account id).
	IDToken string
	// AccessToken is the bearer for the ChatGPT backend (a JWT whose exp drives refresh).
	AccessToken string
	// RefreshToken is single use: every refresh returns a new one (PROTOCOL.md §1.9).
	RefreshToken string
	// AccountID is the ChatGPT account id sent as the ChatGPT-Account-ID header.
	AccountID string
	// LastRefresh is when the tokens were issued or last refreshed; zero when unknown.
	LastRefresh time.Time
}

// Account describes the user a sign-in belongs to, as read from the token claims.
type Account struct {
	// Email is the account's e-mail address.
	Email string
	// Plan is the ChatGPT plan, e.g. "free", "plus", "pro", "team"; unknown values are kept.
	Plan string
	// UserID is the ChatGPT user id.
	UserID string
	// AccountID is the ChatGPT account (workspace) id.
	AccountID string
	// Expires is the access token's expiry; zero when the token carries no readable exp.
	Expires time.Time
}

// String masks the secrets: it tells which tokens are present, never their text.
func (t Tokens) String() string {
	return fmt.Sprintf("auth.Tokens{id_token:%s access_token:%s refresh_token:%s "+
		"account_id:%s last_refresh:%s}",
		maskSecret(t.IDToken), maskSecret(t.AccessToken), maskSecret(t.RefreshToken),
		maskID(t.AccountID), formatTime(t.LastRefresh))
}

// GoString masks the secrets for %#v, like [Tokens.String].
func (t Tokens) GoString() string { return t.String() }

// LogValue masks the secrets when Tokens is passed to slog.
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id_token", maskSecret(t.IDToken)),
		slog.String("access_token", maskSecret(t.AccessToken)),
		slog.String("refresh_token", maskSecret(t.RefreshToken)),
		slog.String("account_id", maskID(t.AccountID)),
		slog.Time("last_refresh", t.LastRefresh),
	)
}

// Empty reports whether t holds no token at all.
func (t Tokens) Empty() bool {
	return t.IDToken == "" && t.AccessToken == "" && t.RefreshToken == ""
}

// sameTokens reports whether a and b are the same sign-in generation (same access and
// refresh token).
func sameTokens(a, b Tokens) bool {
	return a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken
}

// maskSecret shows only whether a secret is set and how long it is.
func maskSecret(s string) string {
	if s == "" {
		return "<none>"
	}
	return fmt.Sprintf("<%d bytes>", len(s))
}

// maskID shortens an identifier that is not a secret but need not be shown in full.
func maskID(s string) string {
	if len(s) <= 8 {
		return s
	}
	return s[:4] + "…" + s[len(s)-4:]
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return t.UTC().Format(time.RFC3339)
}

// authJSON is the Codex CLI's auth.json (PROTOCOL.md §1.8, A5). lagp-py's file,
// {"tokens": {…token response…, "account_id": …}}, is the same shape without the other keys.
type authJSON struct {
	AuthMode     string          `json:"auth_mode,omitempty"`
	OpenAIAPIKey *string         `json:"OPENAI_API_KEY"`
	Tokens       *authJSONTokens `json:"tokens"`
	LastRefresh  string          `json:"last_refresh,omitempty"`
}

type authJSONTokens struct {
	IDToken      string  `json:"id_token"`
	AccessToken  string  `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
	AccountID    *string `json:"account_id"`
}

// authModeChatGPT is the auth_mode Codex writes after a browser sign-in.
const authModeChatGPT = "chatgpt"

// MarshalAuthJSON writes t in the Codex CLI layout (A5): auth_mode "chatgpt", a null
// OPENAI_API_KEY, the four token fields and last_refresh in RFC 3339 UTC, pretty-printed.
func MarshalAuthJSON(t Tokens) ([]byte, error) {
	if t.AccessToken == "" || t.RefreshToken == "" {
		return nil, errors.New("encoding auth.json: access or refresh token missing")
	}
	f := authJSON{
		AuthMode: authModeChatGPT,
		Tokens: &authJSONTokens{
			IDToken:      t.IDToken,
			AccessToken:  t.AccessToken,
			RefreshToken: t.RefreshToken,
		},
	}
	if t.AccountID != "" {
		f.Tokens.AccountID = &t.AccountID
	}
	if !t.LastRefresh.IsZero() {
		f.LastRefresh = t.LastRefresh.UTC().Format(time.RFC3339Nano)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding auth.json: %w", err)
	}
	return append(b, '\n'), nil
}

// UnmarshalAuthJSON reads a sign-in from the Codex CLI layout or from lagp-py's
// {"tokens":{…}} file. A missing account_id is recomputed from the token claims; a missing
// or unreadable last_refresh is left zero. Files of another auth mode (an API key) and files
// without an access and a refresh token are refused.
func UnmarshalAuthJSON(b []byte) (Tokens, error) {
	var f authJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return Tokens{}, fmt.Errorf("reading auth.json: %w", jsonSyntaxOnly(err))
	}
	if f.AuthMode != "" && f.AuthMode != authModeChatGPT {
		return Tokens{}, fmt.Errorf("reading auth.json: auth_mode %q is not a ChatGPT sign-in",
			f.AuthMode)
	}
	if f.Tokens == nil || f.Tokens.AccessToken == "" || f.Tokens.RefreshToken == "" {
		return Tokens{}, errors.New("reading auth.json: no ChatGPT tokens in it")
	}
	t := Tokens{
		IDToken:      f.Tokens.IDToken,
		AccessToken:  f.Tokens.AccessToken,
		RefreshToken: f.Tokens.RefreshToken,
	}
	if f.Tokens.AccountID != nil {
		t.AccountID = *f.Tokens.AccountID
	}
	if t.AccountID == "" {
		if acct, err := ParseAccount(t); err == nil {
			t.AccountID = acct.AccountID
		}
	}
	if f.LastRefresh != "" {
		if at, err := time.Parse(time.RFC3339Nano, f.LastRefresh); err == nil {
			t.LastRefresh = at.UTC()
		}
	}
	return t, nil
}

// jsonSyntaxOnly keeps a decoding error's position but drops any echo of the input, which
// could contain a token.
func jsonSyntaxOnly(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("field %q has the wrong type", typ.Field)
	}
	return errors.New("invalid JSON")
}

// Token endpoint limits.
const (
	// revokeTimeout bounds the best-effort revocation at sign-out.
	revokeTimeout = 5 * time.Second
	// maxTokenAnswer bounds the token endpoint's answer.
	maxTokenAnswer = 1 << 20
)

// issuerClient is the client side of the issuer's refresh and revoke endpoints
// (PROTOCOL.md §1.9, A8). Requests are form-encoded; errors never carry a token.
type issuerClient struct {
	client *http.Client
	issuer string
	id     string // OAuth client id
}

// tokenAnswer is the token endpoint's successful answer (PROTOCOL.md F6 c).
type tokenAnswer struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// refresh sends the refresh grant. A refusal is a [*RefreshError].
func (e issuerClient) refresh(ctx context.Context, refreshToken string) (tokenAnswer, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {e.id},
	}
	body, status, err := e.post(ctx, "/oauth/token", form)
	if err != nil {
		return tokenAnswer{}, err
	}
	if status != http.StatusOK {
		return tokenAnswer{}, parseRefreshError(status, body, refreshToken)
	}
	var ans tokenAnswer
	if err := json.Unmarshal(body, &ans); err != nil || ans.AccessToken == "" {
		return tokenAnswer{}, &RefreshError{Status: status,
			Message: "answer has no access_token"}
	}
	return ans, nil
}

// revoke revokes a refresh token (RFC 7009 form).
func (e issuerClient) revoke(ctx context.Context, refreshToken string) error {
	form := url.Values{
		"token":           {refreshToken},
		"token_type_hint": {"refresh_token"},
		"client_id":       {e.id},
	}
	_, status, err := e.post(ctx, "/oauth/revoke", form)
	if err == nil && status/100 != 2 {
		err = fmt.Errorf("revoke endpoint answered %d", status)
	}
	return err
}

// post sends form to the issuer path and returns the (bounded) body and status. Errors name
// the endpoint, never the form.
func (e issuerClient) post(ctx context.Context, path string, form url.Values) ([]byte, int,
	error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.issuer+path,
		strings.NewReader(form.Encode()))
	if err != nil {
		return nil, 0, fmt.Errorf("building %s request: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("reading %s answer: %w", path, err)
	}
	return body, resp.StatusCode, nil
}

// defaultHTTPClient has its own transport (so tests and the proxy do not share connection
// pools) that takes proxies from the environment.
func defaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	return &http.Client{Transport: tr, Timeout: DefaultRefreshTimeout}
}

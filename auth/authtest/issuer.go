// Package authtest provides a fake ChatGPT OAuth issuer for tests: the browser authorize step,
// the token endpoint (code exchange and refresh with rotation and reuse detection) and
// revocation, all on an httptest server.
//
// The fake follows PROTOCOL.md §1 and the decisions A1–A11: it checks every parameter lagp
// must send and answers in the issuer's formats, so a test against it fails when lagp's
// requests drift. It mints JWTs signed with HS256 and a fixed test key; lagp never checks
// signatures, the signature only makes the tokens look real.
package authtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
)

// Defaults of a new [Issuer].
const (
	// DefaultEmail and DefaultPlan are the user who signs in at /oauth/authorize.
	DefaultEmail = "user@example.com"
	DefaultPlan  = "plus"
	// DefaultAccessLifetime is the access-token lifetime of codes and refreshes (the real
	// issuer's is about 10 days).
	DefaultAccessLifetime = 10 * 24 * time.Hour
	// idTokenLifetime is the id token's own exp, as short as the real one's.
	idTokenLifetime = time.Hour
)

// testKey signs the fake tokens. It is public on purpose: nothing verifies these signatures.
var testKey = []byte("lagp-authtest-signing-key")

// Issuer is a fake auth.openai.com. Create it with [NewIssuer]; configure it with its methods
// at any time, also while requests run.
type Issuer struct {
	// URL is the issuer's base URL, as LAGP_AUTH_URL or auth.Config.Issuer take it.
	URL string
	// ClientID is the client id the issuer expects; auth.DefaultClientID.
	ClientID string

	srv *httptest.Server

	mu             sync.Mutex
	now            func() time.Time
	accessLifetime time.Duration
	email, plan    string
	codes          map[string]*authCode
	refresh        map[string]*refreshState
	families       map[int]*family
	nextFamily     int
	refreshFails   []scripted
	exchangeFails  []scripted
	authorizeErr   *scripted
	refreshCount   int
	reuseCount     int
	exchangeCount  int
	revoked        []string
	issued         []string
	authorizeLog   []map[string]string
	hold           *refreshHold
}

// authCode is one authorization code handed out by /oauth/authorize.
type authCode struct {
	challenge, redirectURI, clientID string
	email, plan                      string
	used                             bool
}

// refreshState is one refresh token: single use, part of a family (one sign-in).
type refreshState struct {
	family int
	used   bool
}

// family is the chain of refresh tokens of one sign-in. Reusing any of them, or revoking
// one, ends the family, as real issuers do on reuse detection.
type family struct {
	email, plan string
	dead        bool
	deadCode    string
}

// scripted is a canned answer for the next request of a kind.
type scripted struct {
	status      int
	body        string
	code, descr string
}

// refreshHold makes refresh requests wait for release.
type refreshHold struct {
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

func (h *refreshHold) open() { h.once.Do(func() { close(h.release) }) }

// NewIssuer starts a fake issuer; t.Cleanup closes it.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	i := &Issuer{
		ClientID:       auth.DefaultClientID,
		now:            time.Now,
		accessLifetime: DefaultAccessLifetime,
		email:          DefaultEmail,
		plan:           DefaultPlan,
		codes:          make(map[string]*authCode),
		refresh:        make(map[string]*refreshState),
		families:       make(map[int]*family),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", i.serveAuthorize)
	mux.HandleFunc("POST /oauth/token", i.serveToken)
	mux.HandleFunc("POST /oauth/revoke", i.serveRevoke)
	i.srv = httptest.NewServer(mux)
	i.URL = i.srv.URL
	t.Cleanup(func() {
		i.mu.Lock()
		h := i.hold
		i.hold = nil
		i.mu.Unlock()
		if h != nil {
			h.open()
		}
		i.srv.Close()
	})
	return i
}

// Client returns an HTTP client for the issuer's server.
func (i *Issuer) Client() *http.Client { return i.srv.Client() }

// SetClock makes the issuer mint tokens with times from now (a test's fake clock).
func (i *Issuer) SetClock(now func() time.Time) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.now = now
}

// SetUser sets who signs in at /oauth/authorize (default DefaultEmail, DefaultPlan).
func (i *Issuer) SetUser(email, plan string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.email, i.plan = email, plan
}

// SetAccessLifetime sets the lifetime of access tokens issued by code exchanges and
// refreshes from now on.
func (i *Issuer) SetAccessLifetime(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.accessLifetime = d
}

// FailNextRefresh makes the next refresh request answer status with body (JSON or text)
// without rotating anything. Calls queue up: each scripts one more request.
func (i *Issuer) FailNextRefresh(status int, body string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.refreshFails = append(i.refreshFails, scripted{status: status, body: body})
}

// FailNextExchange makes the next authorization-code exchange answer status with body.
// Calls queue up.
func (i *Issuer) FailNextExchange(status int, body string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.exchangeFails = append(i.exchangeFails, scripted{status: status, body: body})
}

// SetAuthorizeError makes the next /oauth/authorize redirect back with error=code and
// error_description=description instead of a code.
func (i *Issuer) SetAuthorizeError(code, description string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.authorizeErr = &scripted{code: code, descr: description}
}

// HoldRefreshes makes refresh requests wait until release is called. arrived receives one
// value per refresh request as it starts waiting. Counting happens before the wait.
func (i *Issuer) HoldRefreshes() (arrived <-chan struct{}, release func()) {
	h := &refreshHold{arrived: make(chan struct{}, 1024), release: make(chan struct{})}
	i.mu.Lock()
	i.hold = h
	i.mu.Unlock()
	return h.arrived, func() {
		i.mu.Lock()
		if i.hold == h {
			i.hold = nil
		}
		i.mu.Unlock()
		h.open()
	}
}

// RefreshCount is how many refresh requests arrived, failed ones included.
func (i *Issuer) RefreshCount() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.refreshCount
}

// ReuseCount is how many refresh requests presented an already used refresh token.
func (i *Issuer) ReuseCount() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.reuseCount
}

// ExchangeCount is how many authorization-code exchanges arrived.
func (i *Issuer) ExchangeCount() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.exchangeCount
}

// Revoked lists the refresh tokens revoked through /oauth/revoke, for assertions only.
func (i *Issuer) Revoked() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.revoked...)
}

// Issued lists every token the issuer minted (id, access and refresh), so tests can check
// that none of them leaks into logs or output.
func (i *Issuer) Issued() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.issued...)
}

// AuthorizeRequests returns the query parameters of every /oauth/authorize request.
func (i *Issuer) AuthorizeRequests() []map[string]string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]map[string]string(nil), i.authorizeLog...)
}

// Mint signs in email with plan without the browser: it returns a fresh sign-in whose access
// token lives for lifetime (negative gives an expired one) and whose refresh token is
// registered as a new family.
func (i *Issuer) Mint(email, plan string, lifetime time.Duration) auth.Tokens {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.mintLocked(email, plan, lifetime, i.newFamilyLocked(email, plan))
}

func (i *Issuer) newFamilyLocked(email, plan string) int {
	i.nextFamily++
	i.families[i.nextFamily] = &family{email: email, plan: plan}
	return i.nextFamily
}

// mintLocked issues an id token, an access token and a refresh token of family fam.
func (i *Issuer) mintLocked(email, plan string, lifetime time.Duration, fam int) auth.Tokens {
	now := i.now().UTC()
	acct, user := AccountID(email), userID(email)
	authClaims := map[string]any{
		"chatgpt_account_id": acct,
		"chatgpt_plan_type":  plan,
		"chatgpt_user_id":    user,
		"user_id":            user,
	}
	profile := map[string]any{"email": email, "email_verified": true}
	id := signJWT(map[string]any{
		"iss": i.URL, "aud": []string{i.ClientID}, "sub": user, "jti": randomID(),
		"iat": now.Unix(), "exp": now.Add(idTokenLifetime).Unix(), "auth_time": now.Unix(),
		"email": email, "email_verified": true,
		"https://api.openai.com/profile": profile,
		"https://api.openai.com/auth":    authClaims,
	})
	access := signJWT(map[string]any{
		"iss": i.URL, "aud": []string{"https://api.openai.com/v1"}, "sub": user,
		"client_id": i.ClientID, "jti": randomID(), "scp": []string{"openid", "profile",
			"email", "offline_access"},
		"iat": now.Unix(), "exp": now.Add(lifetime).Unix(),
		"https://api.openai.com/profile": profile,
		"https://api.openai.com/auth":    authClaims,
	})
	rt := "rt_" + randomID()
	i.refresh[rt] = &refreshState{family: fam}
	i.issued = append(i.issued, id, access, rt)
	return auth.Tokens{IDToken: id, AccessToken: access, RefreshToken: rt, AccountID: acct,
		LastRefresh: now}
}

// AccountID is the ChatGPT account id the issuer gives email: stable per address, so two
// sign-ins of one user share it.
func AccountID(email string) string {
	h := sha256.Sum256([]byte("account:" + email))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func userID(email string) string {
	h := sha256.Sum256([]byte("user:" + email))
	return "user-" + hex.EncodeToString(h[:12])
}

// signJWT returns an HS256 JWT of claims signed with testKey.
func signJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": "authtest"})
	body, err := json.Marshal(claims)
	if err != nil {
		panic(fmt.Sprintf("authtest: encoding claims: %v", err))
	}
	unsigned := enc.EncodeToString(head) + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, testKey)
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

func randomID() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("authtest: random: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeScripted answers with a canned failure; a body that is not JSON goes out as text.
func writeScripted(w http.ResponseWriter, s scripted) {
	ct := "text/plain; charset=utf-8"
	if json.Valid([]byte(s.body)) {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(s.status)
	w.Write([]byte(s.body))
}

// oauthError answers the RFC 6749 string form {"error":…,"error_description":…}.
func oauthError(w http.ResponseWriter, status int, code, descr string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": descr})
}

// refreshError answers the object form the issuer uses for refresh failures.
func refreshError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{
		"error": map[string]string{"code": code, "message": msg},
	})
}

func isForm(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

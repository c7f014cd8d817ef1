package authtest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// wantScope is the scope lagp must ask for (A1).
const wantScope = "openid profile email offline_access"

// redirectPattern is the only redirect URI shape the Codex client may use (§1.1).
var redirectPattern = regexp.MustCompile(`^http://localhost:[0-9]{1,5}/auth/callback$`)

// serveAuthorize checks every A1/A2 parameter, then redirects the browser back to
// redirect_uri with a code (or with the scripted error) and the state.
func (i *Issuer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	log := make(map[string]string, len(q))
	for k := range q {
		log[k] = q.Get(k)
	}
	i.mu.Lock()
	i.authorizeLog = append(i.authorizeLog, log)
	i.mu.Unlock()
	if problems := i.checkAuthorize(q); len(problems) > 0 {
		http.Error(w, "authtest: bad authorize request: "+strings.Join(problems, "; "),
			http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}}
	i.mu.Lock()
	if e := i.authorizeErr; e != nil {
		i.authorizeErr = nil
		back.Set("error", e.code)
		back.Set("error_description", e.descr)
	} else {
		code := "ac_" + randomID()
		i.codes[code] = &authCode{
			challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"),
			clientID: q.Get("client_id"), email: i.email, plan: i.plan,
		}
		back.Set("code", code)
	}
	i.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

// checkAuthorize lists what is wrong with an authorize query.
func (i *Issuer) checkAuthorize(q url.Values) []string {
	want := map[string]string{
		"response_type":              "code",
		"client_id":                  i.ClientID,
		"scope":                      wantScope,
		"code_challenge_method":      "S256",
		"id_token_add_organizations": "true",
		"codex_cli_simplified_flow":  "true",
		"originator":                 "codex_cli_rs",
	}
	var problems []string
	for k, v := range want {
		if got := q[k]; len(got) != 1 || got[0] != v {
			problems = append(problems, fmt.Sprintf("%s is %q, want %q", k, got, v))
		}
	}
	if !redirectPattern.MatchString(q.Get("redirect_uri")) {
		problems = append(problems, fmt.Sprintf("redirect_uri %q is not "+
			"http://localhost:<port>/auth/callback", q.Get("redirect_uri")))
	}
	if c := q.Get("code_challenge"); len(c) != 43 || !isBase64URL(c) {
		problems = append(problems, "code_challenge is not 43 base64url characters")
	}
	if q.Get("state") == "" {
		problems = append(problems, "state is missing")
	}
	return problems
}

func isBase64URL(s string) bool {
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// serveToken handles both grants, form-encoded only (A8, §1.5).
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	if !isForm(r) {
		oauthError(w, http.StatusBadRequest, "invalid_request",
			"authtest: token requests must be form-encoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		i.serveExchange(w, r.PostForm)
	case "refresh_token":
		i.serveRefresh(w, r.PostForm)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type",
			"grant_type must be authorization_code or refresh_token")
	}
}

// serveExchange trades a single-use code for tokens after checking redirect_uri, client_id
// and the PKCE verifier against the challenge.
func (i *Issuer) serveExchange(w http.ResponseWriter, form url.Values) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.exchangeCount++
	if len(i.exchangeFails) > 0 {
		s := i.exchangeFails[0]
		i.exchangeFails = i.exchangeFails[1:]
		writeScripted(w, s)
		return
	}
	c, ok := i.codes[form.Get("code")]
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown authorization code")
		return
	case c.used:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "authorization code already used")
		return
	}
	c.used = true
	if problem := checkExchange(c, form); problem != "" {
		oauthError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	t := i.mintLocked(c.email, c.plan, i.accessLifetime, i.newFamilyLocked(c.email, c.plan))
	writeTokens(w, t.IDToken, t.AccessToken, t.RefreshToken, i.accessLifetime)
}

func checkExchange(c *authCode, form url.Values) string {
	verifier := form.Get("code_verifier")
	sum := sha256.Sum256([]byte(verifier))
	switch {
	case form.Get("redirect_uri") != c.redirectURI:
		return "redirect_uri differs from the authorize request"
	case form.Get("client_id") != c.clientID:
		return "client_id differs from the authorize request"
	case len(verifier) < 43 || len(verifier) > 128:
		return "code_verifier must be 43 to 128 characters"
	case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		return "code_verifier does not match the code_challenge"
	}
	return ""
}

// serveRefresh rotates a refresh token: each is valid once; presenting a used one is
// refresh_token_reused and ends its whole family.
func (i *Issuer) serveRefresh(w http.ResponseWriter, form url.Values) {
	i.mu.Lock()
	i.refreshCount++
	hold := i.hold
	i.mu.Unlock()
	if hold != nil {
		hold.arrived <- struct{}{}
		<-hold.release
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if len(i.refreshFails) > 0 {
		s := i.refreshFails[0]
		i.refreshFails = i.refreshFails[1:]
		writeScripted(w, s)
		return
	}
	if form.Get("client_id") != i.ClientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
		return
	}
	rs, ok := i.refresh[form.Get("refresh_token")]
	if !ok {
		refreshError(w, "refresh_token_invalidated", "The refresh token is not known.")
		return
	}
	fam := i.families[rs.family]
	switch {
	case rs.used:
		i.reuseCount++
		fam.dead, fam.deadCode = true, "refresh_token_invalidated"
		refreshError(w, "refresh_token_reused", "The refresh token was already used.")
		return
	case fam.dead:
		refreshError(w, fam.deadCode, "The refresh token is no longer valid.")
		return
	}
	rs.used = true
	t := i.mintLocked(fam.email, fam.plan, i.accessLifetime, rs.family)
	writeTokens(w, t.IDToken, t.AccessToken, t.RefreshToken, i.accessLifetime)
}

func writeTokens(w http.ResponseWriter, id, access, refresh string, lifetime time.Duration) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id_token":      id,
		"access_token":  access,
		"refresh_token": refresh,
		"expires_in":    int64(lifetime / time.Second),
		"token_type":    "bearer",
	})
}

// serveRevoke revokes a refresh token and its family (RFC 7009: always 200).
func (i *Issuer) serveRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	tok := r.PostForm.Get("token")
	i.mu.Lock()
	defer i.mu.Unlock()
	i.revoked = append(i.revoked, tok)
	if rs, ok := i.refresh[tok]; ok {
		fam := i.families[rs.family]
		fam.dead, fam.deadCode = true, "refresh_token_invalidated"
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

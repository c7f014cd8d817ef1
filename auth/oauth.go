package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/oauth2"
)

// Fixed values of the ChatGPT sign-in that the Codex CLI uses (PROTOCOL.md §1.1, A1).
const (
	signInOriginator = "codex_cli_rs"
	callbackPath     = "/auth/callback"
)

// signInScopes are the scopes lagp asks for (A1): no connector scopes.
var signInScopes = []string{"openid", "profile", "email", "offline_access"}

// entitlementMissing is the marker the issuer puts in error_description when the chosen
// workspace has no Codex access (F6 e).
const entitlementMissing = "missing_codex_entitlement"

// OAuthError is a refusal from the issuer: an error on the browser callback, or an error
// answer from the token endpoint. Its text carries the issuer's code and description, never
// a token.
type OAuthError struct {
	// Status is the token endpoint's HTTP status; 0 for an error on the callback.
	Status int
	// Code is the OAuth error code, e.g. "access_denied" or "invalid_grant".
	Code string
	// Description is the issuer's explanation, cut to a readable length.
	Description string
}

// Error implements error.
func (e *OAuthError) Error() string {
	var b strings.Builder
	b.WriteString("sign-in refused")
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	return b.String()
}

// MissingEntitlement reports whether the issuer refused because Codex is not enabled for the
// chosen workspace.
func (e *OAuthError) MissingEntitlement() bool {
	return e.Code == "access_denied" && strings.Contains(e.Description, entitlementMissing)
}

// oauthConfig describes the issuer's endpoints for one redirect URI. Client id and code
// verifier travel in the form body; there is no client secret.
func oauthConfig(issuer, clientID, redirectURI string) *oauth2.Config {
	issuer = strings.TrimRight(issuer, "/")
	return &oauth2.Config{
		ClientID: clientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:   issuer + "/oauth/authorize",
			TokenURL:  issuer + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      signInScopes,
	}
}

// redirectURI is the callback address registered for the Codex client; the host is literally
// "localhost" even though lagp binds 127.0.0.1.
func redirectURI(port int) string {
	return fmt.Sprintf("http://localhost:%d%s", port, callbackPath)
}

// authorizeURL builds the address the browser opens (PROTOCOL.md §1.3, A1).
func authorizeURL(conf *oauth2.Config, p pkce) string {
	return conf.AuthCodeURL(p.state,
		oauth2.S256ChallengeOption(p.verifier),
		oauth2.SetAuthURLParam("id_token_add_organizations", "true"),
		oauth2.SetAuthURLParam("codex_cli_simplified_flow", "true"),
		oauth2.SetAuthURLParam("originator", signInOriginator),
	)
}

// exchangeCode trades an authorization code for tokens (PROTOCOL.md §1.5). The result has no
// AccountID or LastRefresh yet.
func exchangeCode(ctx context.Context, client *http.Client, conf *oauth2.Config,
	code, verifier string) (Tokens, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Tokens{}, exchangeError(err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	if idToken == "" || tok.RefreshToken == "" {
		return Tokens{}, &OAuthError{
			Code:        "incomplete_response",
			Description: "the token answer lacks an id_token or a refresh_token",
		}
	}
	return Tokens{IDToken: idToken, AccessToken: tok.AccessToken,
		RefreshToken: tok.RefreshToken}, nil
}

// exchangeError turns an oauth2 failure into an error safe to show: the issuer's code and
// description when it answered, the transport error otherwise. oauth2's own text for an
// unparsed answer embeds the whole body, so it is not reused.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("exchanging code: %w", err)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	return parseOAuthError(status, re.Body)
}

// parseOAuthError reads the two error layouts of the token endpoint,
// {"error":"code","error_description":"…"} and {"error":{"code":"…","message":"…"}}, and
// keeps a cleaned excerpt of anything else.
func parseOAuthError(status int, body []byte) *OAuthError {
	var raw struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
		Code        string          `json:"code"`
	}
	e := &OAuthError{Status: status}
	if json.Unmarshal(body, &raw) != nil {
		e.Description = cleanText(string(body))
		return e
	}
	var code string
	var obj struct{ Code, Message string }
	switch {
	case json.Unmarshal(raw.Error, &code) == nil:
		e.Code, e.Description = code, raw.Description
	case json.Unmarshal(raw.Error, &obj) == nil && raw.Error != nil:
		e.Code, e.Description = obj.Code, obj.Message
	default:
		e.Code, e.Description = raw.Code, raw.Description
	}
	e.Code, e.Description = cleanText(e.Code), cleanText(e.Description)
	return e
}

// maxDescription bounds how much of an issuer's text lagp repeats in pages and errors.
const maxDescription = 300

// cleanText keeps printable characters of s, collapses whitespace and cuts it to
// maxDescription runes.
func cleanText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	if r := []rune(s); len(r) > maxDescription {
		s = string(r[:maxDescription]) + "…"
	}
	return s
}

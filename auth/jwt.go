package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Refresh timing from the access token's claims (PROTOCOL.md A9).
const (
	// refreshMarginMax is how long before expiry a token is refreshed, unless half its
	// lifetime is shorter.
	refreshMarginMax = 5 * time.Minute
	// noExpRefreshAge is when a token without a readable exp is refreshed (Codex's rule).
	noExpRefreshAge = 8 * 24 * time.Hour
)

// jwtClaims are the claims lagp reads from the id and access tokens (PROTOCOL.md §1.7).
type jwtClaims struct {
	Email   string      `json:"email"`
	Exp     numericDate `json:"exp"`
	Iat     numericDate `json:"iat"`
	Profile struct {
		Email string `json:"email"`
	} `json:"https://api.openai.com/profile"`
	Auth struct {
		AccountID string `json:"chatgpt_account_id"`
		PlanType  string `json:"chatgpt_plan_type"`
		UserID    string `json:"chatgpt_user_id"`
		LegacyUID string `json:"user_id"`
	} `json:"https://api.openai.com/auth"`
}

// numericDate is a JWT time (seconds since the epoch, integer or fraction). A value of another
// type reads as zero rather than failing the whole token.
type numericDate struct{ time.Time }

// UnmarshalJSON accepts a number or a numeric string; anything else leaves the date zero.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || f > 1e11 {
		d.Time = time.Time{}
		return nil
	}
	sec, frac := math.Modf(f)
	d.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}

// errNotJWT is returned for a token that is not three dot-separated base64url parts with a
// JSON object in the middle. It never quotes the token.
var errNotJWT = errors.New("not a readable JWT")

// decodeJWT returns the payload claims of a JWT without checking its signature: the tokens
// come from the issuer over TLS and nobody verifies them (PROTOCOL.md §1.7).
func decodeJWT(token string) (jwtClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return jwtClaims{}, errNotJWT
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return jwtClaims{}, errNotJWT
	}
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || payload[0] != '{' {
		return jwtClaims{}, errNotJWT
	}
	var c jwtClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return jwtClaims{}, errNotJWT
	}
	return c, nil
}

// ParseAccount decodes the claims of t's tokens (payload only, no signature check) into the
// account they belong to. The account id comes from the id token's chatgpt_account_id with
// the access token's as fallback (A7); the plan from the access token with the id token's as
// fallback. The id token must be a readable JWT; an access token without readable claims
// only leaves Expires zero. An error means no account id could be found.
func ParseAccount(t Tokens) (Account, error) {
	id, err := decodeJWT(t.IDToken)
	if err != nil {
		return Account{}, fmt.Errorf("reading id_token: %w", err)
	}
	access, _ := decodeJWT(t.AccessToken) // opaque access tokens are tolerated
	a := Account{
		Email:     firstNonEmpty(id.Email, id.Profile.Email, access.Email, access.Profile.Email),
		Plan:      firstNonEmpty(access.Auth.PlanType, id.Auth.PlanType),
		UserID:    firstNonEmpty(id.Auth.UserID, id.Auth.LegacyUID, access.Auth.UserID),
		AccountID: firstNonEmpty(id.Auth.AccountID, access.Auth.AccountID),
		Expires:   access.Exp.Time,
	}
	if a.AccountID == "" {
		return Account{}, errors.New("reading id_token: no chatgpt_account_id claim")
	}
	return a, nil
}

// accessTimes returns the access token's exp and iat claims; zero when missing or unreadable.
func accessTimes(t Tokens) (exp, iat time.Time) {
	c, err := decodeJWT(t.AccessToken)
	if err != nil {
		return time.Time{}, time.Time{}
	}
	return c.Exp.Time, c.Iat.Time
}

// ValidateTokens checks a sign-in before lagp adopts it: all three tokens present, readable
// claims with an account id that matches t.AccountID when that is set, and an access token
// not yet expired at now. It returns the account the sign-in belongs to.
func ValidateTokens(t Tokens, now time.Time) (Account, error) {
	if t.IDToken == "" || t.AccessToken == "" || t.RefreshToken == "" {
		return Account{}, errors.New("invalid sign-in: a token is missing")
	}
	acct, err := ParseAccount(t)
	if err != nil {
		return Account{}, fmt.Errorf("invalid sign-in: %w", err)
	}
	if t.AccountID != "" && t.AccountID != acct.AccountID {
		return Account{}, errors.New("invalid sign-in: account_id does not match the id_token")
	}
	if !acct.Expires.IsZero() && !now.Before(acct.Expires) {
		return Account{}, fmt.Errorf("invalid sign-in: access token expired at %s",
			acct.Expires.UTC().Format(time.RFC3339))
	}
	return acct, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// refreshDueAt is when t should be refreshed (A9): its exp minus the margin, or, without a
// readable exp, 8 days after last_refresh (zero, i.e. now, when that is unknown too).
func refreshDueAt(t Tokens) time.Time {
	exp, iat := accessTimes(t)
	if exp.IsZero() {
		if t.LastRefresh.IsZero() {
			return time.Time{}
		}
		return t.LastRefresh.Add(noExpRefreshAge)
	}
	return exp.Add(-refreshMargin(exp, iat, t.LastRefresh))
}

// refreshMargin is 5 minutes, or half the token's lifetime (exp − iat, else
// exp − last_refresh) when that is shorter, so short-lived tokens never refresh in a loop.
func refreshMargin(exp, iat, lastRefresh time.Time) time.Duration {
	start := iat
	if start.IsZero() {
		start = lastRefresh
	}
	if start.IsZero() {
		return refreshMarginMax
	}
	life := exp.Sub(start)
	if life <= 0 {
		return 0
	}
	return min(refreshMarginMax, life/2)
}

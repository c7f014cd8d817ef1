package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNoTokens is returned by [Store.Load] when the store holds no sign-in.
var ErrNoTokens = errors.New("no ChatGPT sign-in stored")

// DefaultLoginHint is the sign-in address named in sign-in-required errors when
// [Config.LoginHint] is empty: the /login page of a lagp on its default port.
const DefaultLoginHint = "http://127.0.0.1:11434/login"

// SignInRequiredError means lagp has no usable ChatGPT session: nobody signed in, the user
// signed out, or the session ended for good (a permanent refresh failure). Its message says
// how to sign in. The proxy answers it with 401; the tray offers "Sign in again".
type SignInRequiredError struct {
	// Ended is true when a session existed and ended (refresh token expired, reused or
	// revoked); false when there simply is no sign-in.
	Ended bool
	// Reason says why the session ended, e.g. "refresh token was already used"; empty when
	// Ended is false.
	Reason string
	// LoginURL is the /login address to suggest; empty leaves only `lagp login`.
	LoginURL string
}

// Error tells the user what happened and how to sign in.
func (e *SignInRequiredError) Error() string {
	open := ""
	if e.LoginURL != "" {
		open = ", or open " + e.LoginURL
	}
	if !e.Ended {
		return "not signed in to ChatGPT: run `lagp login`" + open
	}
	reason := e.Reason
	if reason == "" {
		reason = "unknown reason"
	}
	return fmt.Sprintf("your ChatGPT session ended (%s): sign in again with `lagp login`%s",
		reason, open)
}

// SignInRequired marks the error for callers that test by interface, such as the proxy's
// upstream client; it always returns true.
func (e *SignInRequiredError) SignInRequired() bool { return true }

// IsSignInRequired reports whether err, or an error it wraps, says the user must sign in.
func IsSignInRequired(err error) bool {
	var s interface{ SignInRequired() bool }
	return errors.As(err, &s) && s.SignInRequired()
}

// RefreshError is a refusal from the token endpoint while refreshing. Permanent errors end the
// session (sign in again); others are retried. It never carries a token.
type RefreshError struct {
	// Status is the HTTP status of the answer.
	Status int
	// Code is the OAuth error code, e.g. "refresh_token_reused"; empty when none was given.
	Code string
	// Message is the issuer's description, shortened.
	Message string
	// Permanent is true when refreshing this sign-in can never succeed (PROTOCOL.md §1.9).
	Permanent bool
}

// Error implements error.
func (e *RefreshError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "token endpoint answered %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Reason is a short human phrase for the failure, used in events and in
// [SignInRequiredError].
func (e *RefreshError) Reason() string {
	switch e.Code {
	case "refresh_token_expired":
		return "refresh token expired"
	case "refresh_token_reused":
		return "refresh token was already used, maybe by another program sharing this sign-in"
	case "refresh_token_invalidated":
		return "refresh token was revoked"
	}
	if e.Permanent {
		return "the sign-in was refused"
	}
	return e.Error()
}

// permanentRefreshCodes end a session (PROTOCOL.md §1.9 table).
var permanentRefreshCodes = map[string]bool{
	"refresh_token_expired":     true,
	"refresh_token_reused":      true,
	"refresh_token_invalidated": true,
}

// maxRefreshMessage bounds how much of the issuer's text is repeated in errors and logs.
const maxRefreshMessage = 200

// parseRefreshError classifies a non-200 token endpoint answer. The code comes from
// error.code (object form), error (string form) or a top-level code; a known code or any
// 401 is permanent, everything else transient. secrets are cut out of the message in case
// the issuer echoes them.
func parseRefreshError(status int, body []byte, secrets ...string) *RefreshError {
	var raw struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
		Code        string          `json:"code"`
		Message     string          `json:"message"`
	}
	e := &RefreshError{Status: status}
	if json.Unmarshal(body, &raw) == nil {
		var code string
		var obj struct{ Code, Message string }
		switch {
		case len(raw.Error) > 0 && json.Unmarshal(raw.Error, &code) == nil:
			e.Code, e.Message = code, raw.Description
		case len(raw.Error) > 0 && json.Unmarshal(raw.Error, &obj) == nil:
			e.Code, e.Message = obj.Code, obj.Message
		default:
			e.Code, e.Message = raw.Code, firstNonEmpty(raw.Message, raw.Description)
		}
	}
	e.Code = shortText(e.Code, 64, secrets)
	e.Message = shortText(e.Message, maxRefreshMessage, secrets)
	e.Permanent = permanentRefreshCodes[e.Code] || status == 401
	return e
}

// shortText collapses whitespace, drops control characters, removes any of secrets and cuts
// s to max bytes.
func shortText(s string, max int, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

package canon

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Kind classifies an error for every dialect: it decides the HTTP status (PROTOCOL.md §7 C8–C9)
// and the OpenAI error type. Dialects only shape the body.
type Kind int

// The error kinds, with the HTTP status each maps to.
const (
	KindInvalidRequest Kind = iota // 400
	KindUnauthorized               // 401: not signed in, session ended, bad API key
	KindForbidden                  // 403: e.g. the plan does not include Codex
	KindNotFound                   // 404: unknown model or route
	KindTooLarge                   // 413: request body over the limit
	KindRateLimited                // 429: usage limit or rate limit, with RetryAfter
	KindUnavailable                // 501: an Ollama route lagp cannot serve
	KindUpstream                   // 502: the backend failed after retries
	KindInternal                   // 500
)

// Error is an error that reaches a client. Message is safe to show: it never holds a secret.
type Error struct {
	Kind    Kind
	Code    string // machine-readable code, e.g. "usage_limit_reached"; may be empty
	Param   string // the request parameter at fault, if any
	Message string
	// RetryAfter, when positive, is sent as the Retry-After header (rounded up to seconds).
	RetryAfter time.Duration
	// Err is the underlying cause, kept for logs; it is never shown to clients.
	Err error
}

// Error returns the message and, for logs, the underlying cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Status returns the HTTP status code for the error's kind.
func (e *Error) Status() int {
	switch e.Kind {
	case KindInvalidRequest:
		return http.StatusBadRequest
	case KindUnauthorized:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindNotFound:
		return http.StatusNotFound
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindUnavailable:
		return http.StatusNotImplemented
	case KindUpstream:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// Errorf returns an [*Error] of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an [*Error], wrapping anything else as an internal error whose message
// does not reveal the cause.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Message: "internal error", Err: err}
}

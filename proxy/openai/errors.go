package openai

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/lagp/lagp/proxy/canon"
)

// OpenAI error types, chosen by the error's kind.
const (
	typeInvalidRequest = "invalid_request_error"
	typeAuthentication = "authentication_error"
	typePermission     = "permission_error"
	typeNotFound       = "not_found_error"
	typeRateLimit      = "rate_limit_error"
	typeServer         = "server_error"
)

// errorObject is the inner object of an OpenAI error body. Param and Code are null when unset.
type errorObject struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// ErrorBody returns e as an OpenAI error body:
// {"error":{"message":…,"type":…,"param":…,"code":…}}, with the type chosen by e's kind.
func ErrorBody(e *canon.Error) []byte {
	b, _ := json.Marshal(struct {
		Error errorObject `json:"error"`
	}{newErrorObject(e)}) // strings and pointers to strings always marshal
	return b
}

// WriteError answers a request that failed before any output with e as an OpenAI error: status
// e.Status(), a Retry-After header (whole seconds, rounded up) when e.RetryAfter is positive and,
// for a usage limit, x-should-retry: false so that the SDKs do not retry in vain.
func WriteError(w http.ResponseWriter, e *canon.Error) {
	e = orInternal(e)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(retrySeconds(e), 10))
	}
	if noRetry(e) {
		h.Set("x-should-retry", "false")
	}
	w.WriteHeader(e.Status())
	_, _ = w.Write(ErrorBody(e)) // the client is gone if this fails; nothing else to do
}

// appendErrorFrame appends the server-sent event that ends a stream with e. No [DONE] follows it.
func appendErrorFrame(b []byte, e *canon.Error) []byte {
	b = append(b, "data: "...)
	b = append(b, ErrorBody(e)...)
	return append(b, "\n\n"...)
}

func newErrorObject(e *canon.Error) errorObject {
	e = orInternal(e)
	obj := errorObject{Message: e.Message, Type: errorType(e.Kind)}
	if obj.Message == "" {
		obj.Message = http.StatusText(e.Status())
	}
	if e.Param != "" {
		obj.Param = &e.Param
	}
	code := e.Code
	if code == "" && e.Kind == canon.KindRateLimited {
		code = canon.CodeRateLimit
	}
	if code != "" {
		obj.Code = &code
	}
	return obj
}

func errorType(k canon.Kind) string {
	switch k {
	case canon.KindInvalidRequest, canon.KindTooLarge:
		return typeInvalidRequest
	case canon.KindUnauthorized:
		return typeAuthentication
	case canon.KindForbidden:
		return typePermission
	case canon.KindNotFound:
		return typeNotFound
	case canon.KindRateLimited:
		return typeRateLimit
	}
	return typeServer
}

// noRetry reports whether a retry cannot help before the limit resets, which the OpenAI SDKs
// learn from x-should-retry: false (CLIENTS.md §4.4, PROTOCOL.md C8).
func noRetry(e *canon.Error) bool {
	return e.Code == canon.CodeUsageLimit || e.Code == canon.CodeQuota
}

func retrySeconds(e *canon.Error) int64 {
	s := int64(e.RetryAfter / 1e9)
	if e.RetryAfter%1e9 != 0 {
		s++
	}
	return s
}

func orInternal(e *canon.Error) *canon.Error {
	if e == nil {
		return &canon.Error{Kind: canon.KindInternal, Message: "internal error"}
	}
	return e
}

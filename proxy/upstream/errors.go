package upstream

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// backendError is an error body of the backend: FastAPI's {"detail": …} for validation errors,
// {"error": {…}} for usage and API errors (PROTOCOL.md §2.2, §4).
type backendError struct {
	Detail json.RawMessage `json:"detail"`
	Error  json.RawMessage `json:"error"`
}

// errorObject is the {"error": {…}} member.
type errorObject struct {
	Type            string  `json:"type"`
	Code            string  `json:"code"`
	Message         string  `json:"message"`
	Param           string  `json:"param"`
	PlanType        string  `json:"plan_type"`
	ResetsAt        float64 `json:"resets_at"`
	ResetsInSeconds float64 `json:"resets_in_seconds"`
}

// parseError decodes what it can of an error body; anything unreadable yields zero values.
func parseError(body []byte) (obj errorObject, text string) {
	var be backendError
	if json.Unmarshal(body, &be) != nil {
		return errorObject{}, ""
	}
	if len(be.Error) > 0 && json.Unmarshal(be.Error, &obj) != nil {
		var s string
		if json.Unmarshal(be.Error, &s) == nil {
			obj.Code = s
		}
	}
	return obj, cmp.Or(obj.Message, detailText(be.Detail))
}

// detailText reads FastAPI's detail: a string, or a list of {"msg": …} validation errors.
func detailText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []struct {
		Msg string `json:"msg"`
	}
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0].Msg
	}
	return ""
}

// usageWords mark a 404 that is really a usage limit (PROTOCOL.md §4.2).
func mentionsUsage(body []byte) bool {
	for _, w := range []string{canon.CodeUsageLimit, canon.CodeUsageNotIncluded,
		canon.CodeRateLimit} {
		if bytes.Contains(body, []byte(w)) {
			return true
		}
	}
	return false
}

// mapStatus maps a backend error response to the error a client gets (C8, C9, §4.1).
func mapStatus(status int, h http.Header, body []byte, now time.Time) *canon.Error {
	obj, text := parseError(body)
	code := cmp.Or(obj.Code, obj.Type)
	if status == http.StatusNotFound && mentionsUsage(body) {
		status = http.StatusTooManyRequests
	}
	kind := canon.KindInvalidRequest
	switch {
	case status == http.StatusTooManyRequests:
		return tooMany(obj, h, now)
	case status == http.StatusUnauthorized:
		return sessionRejected()
	case status == http.StatusForbidden:
		kind = canon.KindForbidden
	case status == http.StatusNotFound:
		kind = canon.KindNotFound
	case status == http.StatusRequestEntityTooLarge:
		kind = canon.KindTooLarge
	case status >= 500 || status < 400:
		return &canon.Error{Kind: canon.KindUpstream, Code: code,
			Message: withText(fmt.Sprintf("the ChatGPT backend failed (HTTP %d)", status), text)}
	}
	if text == "" {
		text = fmt.Sprintf("the ChatGPT backend refused the request (HTTP %d %s)", status,
			http.StatusText(status))
	}
	return &canon.Error{Kind: kind, Code: code, Param: obj.Param, Message: text}
}

func withText(prefix, text string) string {
	if text == "" {
		return prefix
	}
	return prefix + ": " + text
}

// tooMany maps a 429: the usage limit, a plan without Codex, or a short rate limit.
func tooMany(obj errorObject, h http.Header, now time.Time) *canon.Error {
	switch {
	case obj.Type == canon.CodeUsageNotIncluded || obj.Code == canon.CodeUsageNotIncluded:
		return canon.Failure(canon.ResponseError{Code: canon.CodeUsageNotIncluded}, now)
	case obj.Type == canon.CodeUsageLimit || obj.Code == canon.CodeUsageLimit:
		return canon.UsageLimitError(canon.CodeUsageLimit, usageReset(obj, h, now), now)
	}
	e := &canon.Error{Kind: canon.KindRateLimited, Code: cmp.Or(obj.Code, obj.Type,
		canon.CodeRateLimit), Message: obj.Message}
	if e.Message == "" {
		e.Message = "ChatGPT is rate limiting requests; try again shortly"
	}
	if d, ok := retryAfter(h.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	} else if d, ok := canon.RetryDelay(obj.Message); ok {
		e.RetryAfter = d
	}
	return e
}

// usageReset finds when a usage limit lifts: resets_at, else resets_in_seconds, else the
// rate-limit headers (C8).
func usageReset(obj errorObject, h http.Header, now time.Time) time.Time {
	switch {
	case obj.ResetsAt > 0:
		return time.Unix(int64(obj.ResetsAt), 0)
	case obj.ResetsInSeconds > 0:
		return now.Add(time.Duration(obj.ResetsInSeconds * float64(time.Second)))
	}
	return resetTime(h, now)
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now), true
	}
	return 0, false
}

package canon

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Backend error codes and types that lagp treats specially (PROTOCOL.md §4).
const (
	CodeContextLength    = "context_length_exceeded"
	CodeUsageNotIncluded = "usage_not_included"
	CodeUsageLimit       = "usage_limit_reached"
	CodeQuota            = "insufficient_quota"
	CodeRateLimit        = "rate_limit_exceeded"
)

// retryDelay finds the delay in texts such as "Please try again in 11.054s." or "try again in
// 250ms" or "try again in 20 seconds". It is compiled once and never changed.
var retryDelay = regexp.MustCompile(
	`(?i)try again in\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|milliseconds?|s|secs?|seconds?)\b`)

// Failure maps the error of an in-stream response.failed or error event (PROTOCOL.md §4.3, C9) to
// the error a client gets. Code is the backend's code (or its type when the code is empty); now
// is used to turn a reset time into a Retry-After delay.
func Failure(e ResponseError, now time.Time) *Error {
	code := e.Code
	if code == "" {
		code = e.Type
	}
	switch {
	case e.Code == CodeContextLength:
		msg := "the conversation is too long for the model's context window"
		if e.Message != "" {
			msg = e.Message
		}
		return &Error{Kind: KindInvalidRequest, Code: code, Message: msg}
	case e.Code == CodeUsageNotIncluded || e.Type == CodeUsageNotIncluded:
		return &Error{Kind: KindForbidden, Code: CodeUsageNotIncluded,
			Message: "your ChatGPT plan does not include Codex"}
	case e.Code == CodeQuota || e.Type == CodeUsageLimit || e.Code == CodeUsageLimit:
		var resets time.Time
		if e.ResetsAt > 0 {
			resets = time.Unix(e.ResetsAt, 0)
		}
		return UsageLimitError(code, resets, now)
	case e.Code == CodeRateLimit:
		return rateLimited(code, e.Message)
	}
	msg := e.Message
	if msg == "" {
		msg = "ChatGPT ended the response with an error"
		if code != "" {
			msg += " (" + code + ")"
		}
	}
	return &Error{Kind: KindUpstream, Code: code, Message: msg}
}

// UsageLimitError is the 429 a client gets when the account's ChatGPT usage limit is reached
// (C8). resetsAt may be zero when the backend did not say; otherwise the message names the reset
// time in UTC and RetryAfter counts down to it.
func UsageLimitError(code string, resetsAt, now time.Time) *Error {
	msg := "You have reached your ChatGPT usage limit."
	e := &Error{Kind: KindRateLimited, Code: code}
	if !resetsAt.IsZero() {
		wait := resetsAt.Sub(now)
		if wait < 0 {
			wait = 0
		}
		e.RetryAfter = wait
		msg += " It resets at " + ResetTime(resetsAt, now) + " (in " + HumanDuration(wait) + ")."
	}
	e.Message = msg
	return e
}

// rateLimited is the 429 for a short-term rate limit, with the delay the backend's message names.
func rateLimited(code, message string) *Error {
	e := &Error{Kind: KindRateLimited, Code: code, Message: message}
	if e.Message == "" {
		e.Message = "ChatGPT is rate limiting requests; try again shortly"
	}
	if d, ok := RetryDelay(message); ok {
		e.RetryAfter = d
	}
	return e
}

// RetryDelay extracts the delay from a backend message such as "try again in 11.054s",
// "try again in 250ms" or "try again in 20 seconds".
func RetryDelay(message string) (time.Duration, bool) {
	m := retryDelay.FindStringSubmatch(message)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	unit := time.Second
	if strings.HasPrefix(strings.ToLower(m[2]), "m") {
		unit = time.Millisecond
	}
	return time.Duration(n * float64(unit)), true
}

// ResetTime formats a reset time in UTC: "18:05 UTC" within a day of now, else with the date,
// e.g. "Mon 13 Oct 18:05 UTC".
func ResetTime(t, now time.Time) string {
	t = t.UTC()
	if d := t.Sub(now); d >= 0 && d < 24*time.Hour {
		return t.Format("15:04") + " UTC"
	}
	return t.Format("Mon 2 Jan 15:04") + " UTC"
}

// HumanDuration renders d briefly for a message: "45s", "13m", "2h13m", "3d4h".
func HumanDuration(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%ds", int((d+time.Second-1)/time.Second))
	}
	d = (d + time.Minute - 1).Truncate(time.Minute) // round up, so "in 0m" never appears
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh%dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

package canon

import (
	"strings"
	"testing"
	"time"
)

func TestFailure(t *testing.T) {
	now := time.Date(2025, 10, 9, 15, 52, 0, 0, time.UTC)
	resets := now.Add(2*time.Hour + 13*time.Minute)
	tests := []struct {
		name      string
		in        ResponseError
		kind      Kind
		code      string
		retry     time.Duration
		msgHas    []string
		msgHasNot []string
	}{
		{
			name: "context window",
			in: ResponseError{Code: "context_length_exceeded",
				Message: "Your input exceeds the context window of this model."},
			kind:   KindInvalidRequest,
			code:   "context_length_exceeded",
			msgHas: []string{"exceeds the context window"},
		},
		{
			name:   "context window without message",
			in:     ResponseError{Code: "context_length_exceeded"},
			kind:   KindInvalidRequest,
			code:   "context_length_exceeded",
			msgHas: []string{"context window"},
		},
		{
			name:   "plan without codex",
			in:     ResponseError{Type: "usage_not_included", Message: "no"},
			kind:   KindForbidden,
			code:   "usage_not_included",
			msgHas: []string{"your ChatGPT plan does not include Codex"},
		},
		{
			name: "usage limit type with reset",
			in: ResponseError{Type: "usage_limit_reached", ResetsAt: resets.Unix(),
				Message: "The usage limit has been reached"},
			kind:   KindRateLimited,
			code:   "usage_limit_reached",
			retry:  2*time.Hour + 13*time.Minute,
			msgHas: []string{"usage limit", "18:05 UTC", "in 2h13m"},
		},
		{
			name:      "insufficient quota without reset",
			in:        ResponseError{Code: "insufficient_quota", Type: "insufficient_quota"},
			kind:      KindRateLimited,
			code:      "insufficient_quota",
			msgHas:    []string{"usage limit"},
			msgHasNot: []string{"resets"},
		},
		{
			name: "rate limit seconds with fraction",
			in: ResponseError{Type: "rate_limit_error", Code: "rate_limit_exceeded",
				Message: "Rate limit reached. Please try again in 11.054s."},
			kind:   KindRateLimited,
			code:   "rate_limit_exceeded",
			retry:  11054 * time.Millisecond,
			msgHas: []string{"try again in 11.054s"},
		},
		{
			name:  "rate limit milliseconds",
			in:    ResponseError{Code: "rate_limit_exceeded", Message: "try again in 250ms"},
			kind:  KindRateLimited,
			code:  "rate_limit_exceeded",
			retry: 250 * time.Millisecond,
		},
		{
			name:  "rate limit spelled seconds",
			in:    ResponseError{Code: "rate_limit_exceeded", Message: "Try again in 20 seconds."},
			kind:  KindRateLimited,
			code:  "rate_limit_exceeded",
			retry: 20 * time.Second,
		},
		{
			name:   "rate limit without delay",
			in:     ResponseError{Code: "rate_limit_exceeded"},
			kind:   KindRateLimited,
			code:   "rate_limit_exceeded",
			msgHas: []string{"rate limiting"},
		},
		{
			name:   "other error keeps backend message",
			in:     ResponseError{Code: "server_error", Message: "Something broke upstream."},
			kind:   KindUpstream,
			code:   "server_error",
			msgHas: []string{"Something broke upstream."},
		},
		{
			name:   "error without code or message",
			in:     ResponseError{},
			kind:   KindUpstream,
			msgHas: []string{"ChatGPT ended the response with an error"},
		},
		{
			name:   "type used as code when code is empty",
			in:     ResponseError{Type: "invalid_prompt", Message: "flagged"},
			kind:   KindUpstream,
			code:   "invalid_prompt",
			msgHas: []string{"flagged"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Failure(tt.in, now)
			if got.Kind != tt.kind {
				t.Errorf("kind = %v, want %v", got.Kind, tt.kind)
			}
			if got.Code != tt.code {
				t.Errorf("code = %q, want %q", got.Code, tt.code)
			}
			if got.RetryAfter != tt.retry {
				t.Errorf("retry after = %v, want %v", got.RetryAfter, tt.retry)
			}
			for _, s := range tt.msgHas {
				if !strings.Contains(got.Message, s) {
					t.Errorf("message %q lacks %q", got.Message, s)
				}
			}
			for _, s := range tt.msgHasNot {
				if strings.Contains(got.Message, s) {
					t.Errorf("message %q has %q", got.Message, s)
				}
			}
		})
	}
}

func TestUsageLimitErrorPastReset(t *testing.T) {
	now := time.Date(2025, 10, 9, 15, 0, 0, 0, time.UTC)
	e := UsageLimitError(CodeUsageLimit, now.Add(-time.Minute), now)
	if e.RetryAfter != 0 {
		t.Errorf("retry after = %v, want 0 for a reset in the past", e.RetryAfter)
	}
	if e.Status() != 429 {
		t.Errorf("status = %d, want 429", e.Status())
	}
}

func TestResetTime(t *testing.T) {
	now := time.Date(2025, 10, 9, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		at   time.Time
		want string
	}{
		{now.Add(3 * time.Hour), "18:00 UTC"},
		{now.Add(3 * time.Hour).In(time.FixedZone("CEST", 2*3600)), "18:00 UTC"},
		{now.Add(50 * time.Hour), "Sat 11 Oct 17:00 UTC"},
		{now.Add(-time.Hour), "Thu 9 Oct 14:00 UTC"},
	}
	for _, tt := range tests {
		if got := ResetTime(tt.at, now); got != tt.want {
			t.Errorf("ResetTime(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1500 * time.Millisecond, "2s"},
		{59 * time.Second, "59s"},
		{time.Minute, "1m"},
		{61 * time.Second, "2m"},
		{2*time.Hour + 13*time.Minute, "2h13m"},
		{3 * time.Hour, "3h"},
		{50 * time.Hour, "2d2h"},
		{48 * time.Hour, "2d"},
	}
	for _, tt := range tests {
		if got := HumanDuration(tt.d); got != tt.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	tests := []struct {
		msg  string
		want time.Duration
		ok   bool
	}{
		{"Please try again in 11.054s.", 11054 * time.Millisecond, true},
		{"try again in 700ms", 700 * time.Millisecond, true},
		{"TRY AGAIN IN 3 seconds", 3 * time.Second, true},
		{"try again in 1 second", time.Second, true},
		{"try again later", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := RetryDelay(tt.msg)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryDelay(%q) = %v, %v; want %v, %v", tt.msg, got, ok, tt.want, tt.ok)
		}
	}
}

package ollama

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

func TestWriteError(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		err         *canon.Error
		status      int
		retryAfter  string
		shouldRetry string
		message     string
	}{
		{"bad request", &canon.Error{Kind: canon.KindInvalidRequest, Message: `bad "x"`},
			400, "", "", `bad "x"`},
		{"unknown model", &canon.Error{Kind: canon.KindNotFound, Message: "model not found"},
			404, "", "", "model not found"},
		{"usage limit rounds Retry-After up",
			canon.UsageLimitError(canon.CodeUsageLimit, now.Add(90*time.Minute+300*time.Millisecond), now),
			429, "5401", "false", "You have reached your ChatGPT usage limit. It resets at " +
				"13:30 UTC (in 1h31m)."},
		{"rate limit", &canon.Error{Kind: canon.KindRateLimited, Code: canon.CodeRateLimit,
			Message: "slow down", RetryAfter: 11054 * time.Millisecond}, 429, "12", "", "slow down"},
		{"unsupported route", Unsupported("/api/pull"), 501, "", "",
			Unsupported("/api/pull").Message},
		{"not signed in", &canon.Error{Kind: canon.KindUnauthorized, Message: "sign in first"},
			401, "", "", "sign in first"},
		{"nil error", nil, 500, "", "", "internal error"},
		{"empty message", &canon.Error{Kind: canon.KindUpstream}, 502, "", "", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			if got := rec.Header().Get("x-should-retry"); got != tt.shouldRetry {
				t.Errorf("x-should-retry = %q, want %q", got, tt.shouldRetry)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body.Bytes(), err)
			}
			if len(body) != 1 || body["error"] != tt.message {
				t.Errorf("body = %v, want {error: %q}", body, tt.message)
			}
		})
	}
}

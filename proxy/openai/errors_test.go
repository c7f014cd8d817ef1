package openai

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        *canon.Error
		status     int
		body       string
		retryAfter string
		noRetry    bool
	}{
		{"invalid", &canon.Error{Kind: canon.KindInvalidRequest, Param: "n", Message: "bad n"},
			400, `{"error":{"message":"bad n","type":"invalid_request_error","param":"n",` +
				`"code":null}}`, "", false},
		{"too large", &canon.Error{Kind: canon.KindTooLarge, Message: "too big"}, 413,
			`{"error":{"message":"too big","type":"invalid_request_error","param":null,` +
				`"code":null}}`, "", false},
		{"unauthorized", &canon.Error{Kind: canon.KindUnauthorized, Code: "invalid_api_key",
			Message: "sign in"}, 401, `{"error":{"message":"sign in",` +
			`"type":"authentication_error","param":null,"code":"invalid_api_key"}}`, "", false},
		{"forbidden", &canon.Error{Kind: canon.KindForbidden, Code: "usage_not_included",
			Message: "plan"}, 403, `{"error":{"message":"plan","type":"permission_error",` +
			`"param":null,"code":"usage_not_included"}}`, "", false},
		{"not found", &canon.Error{Kind: canon.KindNotFound, Param: "model",
			Code: "model_not_found", Message: "no"}, 404, `{"error":{"message":"no",` +
			`"type":"not_found_error","param":"model","code":"model_not_found"}}`, "", false},
		{"usage limit", &canon.Error{Kind: canon.KindRateLimited, Code: "usage_limit_reached",
			Message: "limit", RetryAfter: 90*time.Second + time.Millisecond}, 429,
			`{"error":{"message":"limit","type":"rate_limit_error","param":null,` +
				`"code":"usage_limit_reached"}}`, "91", true},
		{"rate limit without code", &canon.Error{Kind: canon.KindRateLimited,
			Message: "slow down", RetryAfter: 11 * time.Second}, 429, `{"error":{` +
			`"message":"slow down","type":"rate_limit_error","param":null,` +
			`"code":"rate_limit_exceeded"}}`, "11", false},
		{"unavailable", &canon.Error{Kind: canon.KindUnavailable, Message: "no pull"}, 501,
			`{"error":{"message":"no pull","type":"server_error","param":null,"code":null}}`,
			"", false},
		{"upstream", &canon.Error{Kind: canon.KindUpstream, Code: "server_is_overloaded",
			Message: "busy"}, 502, `{"error":{"message":"busy","type":"server_error",` +
			`"param":null,"code":"server_is_overloaded"}}`, "", false},
		{"nil", nil, 500, `{"error":{"message":"internal error","type":"server_error",` +
			`"param":null,"code":null}}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tt.err)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %s\nwant %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			h := rec.Header()
			if h.Get("Content-Type") != "application/json" {
				t.Errorf("content type %q", h.Get("Content-Type"))
			}
			if h.Get("Retry-After") != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", h.Get("Retry-After"), tt.retryAfter)
			}
			if (h.Get("x-should-retry") == "false") != tt.noRetry {
				t.Errorf("x-should-retry %q", h.Get("x-should-retry"))
			}
		})
	}
}

func TestErrorFrame(t *testing.T) {
	got := string(appendErrorFrame(nil, &canon.Error{Kind: canon.KindUpstream,
		Code: "stream_incomplete", Message: "cut"}))
	want := `data: {"error":{"message":"cut","type":"server_error","param":null,` +
		`"code":"stream_incomplete"}}` + "\n\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

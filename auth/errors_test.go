package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRefreshError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   RefreshError
	}{
		{name: "reused, object form (F6 d)", status: 401,
			body: `{"error":{"code":"refresh_token_reused","message":"already used"}}`,
			want: RefreshError{Status: 401, Code: "refresh_token_reused",
				Message: "already used", Permanent: true}},
		{name: "expired, string form, even with 400", status: 400,
			body: `{"error":"refresh_token_expired","error_description":"too old"}`,
			want: RefreshError{Status: 400, Code: "refresh_token_expired", Message: "too old",
				Permanent: true}},
		{name: "invalidated, top-level code", status: 400,
			body: `{"code":"refresh_token_invalidated","message":"revoked"}`,
			want: RefreshError{Status: 400, Code: "refresh_token_invalidated",
				Message: "revoked", Permanent: true}},
		{name: "invalid_grant with 400 is transient (F6 d)", status: 400,
			body: `{"error":"invalid_grant","error_description":"try later"}`,
			want: RefreshError{Status: 400, Code: "invalid_grant", Message: "try later"}},
		{name: "any 401 is permanent", status: 401, body: `{"detail":"Unauthorized"}`,
			want: RefreshError{Status: 401, Permanent: true}},
		{name: "500 text is transient", status: 500, body: "upstream exploded",
			want: RefreshError{Status: 500}},
		{name: "429 is transient", status: 429,
			body: `{"error":{"code":"rate_limited","message":"slow down"}}`,
			want: RefreshError{Status: 429, Code: "rate_limited", Message: "slow down"}},
		{name: "echoed secret is cut out, whitespace collapsed", status: 400,
			body: `{"error":"bad","error_description":"token rt_SECRET\n is bad"}`,
			want: RefreshError{Status: 400, Code: "bad", Message: "token [redacted] is bad"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseRefreshError(tt.status, []byte(tt.body), "rt_SECRET")
			if d := cmp.Diff(tt.want, *got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseRefreshErrorShortensLongMessages(t *testing.T) {
	long := strings.Repeat("é", 500)
	got := parseRefreshError(500, []byte(`{"error":"x","error_description":"`+long+`"}`))
	if len(got.Message) > maxRefreshMessage+len("…") || !strings.HasSuffix(got.Message, "…") {
		t.Errorf("message not shortened: %d bytes", len(got.Message))
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(got.Message, "…")) {
		t.Error("message cut inside a character")
	}
}

func TestRefreshErrorReason(t *testing.T) {
	tests := []struct {
		err  RefreshError
		want string
	}{
		{RefreshError{Code: "refresh_token_reused", Permanent: true}, "already used"},
		{RefreshError{Code: "refresh_token_expired", Permanent: true}, "expired"},
		{RefreshError{Code: "refresh_token_invalidated", Permanent: true}, "revoked"},
		{RefreshError{Status: 401, Permanent: true}, "refused"},
		{RefreshError{Status: 503, Message: "down"}, "token endpoint answered 503: down"},
	}
	for _, tt := range tests {
		if got := tt.err.Reason(); !strings.Contains(got, tt.want) {
			t.Errorf("Reason() of %+v = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
}

func TestSignInRequiredError(t *testing.T) {
	tests := []struct {
		err  *SignInRequiredError
		want string
	}{
		{&SignInRequiredError{LoginURL: DefaultLoginHint},
			"not signed in to ChatGPT: run `lagp login`, or open http://127.0.0.1:11434/login"},
		{&SignInRequiredError{},
			"not signed in to ChatGPT: run `lagp login`"},
		{&SignInRequiredError{Ended: true, Reason: "refresh token expired",
			LoginURL: "http://10.0.0.2:9000/login"},
			"your ChatGPT session ended (refresh token expired): sign in again with " +
				"`lagp login`, or open http://10.0.0.2:9000/login"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

// coreOtherSignIn is a foreign error type that signals sign-in by interface only.
type coreOtherSignIn struct{ required bool }

func (e coreOtherSignIn) Error() string        { return "other" }
func (e coreOtherSignIn) SignInRequired() bool { return e.required }

func TestIsSignInRequired(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"direct", &SignInRequiredError{}, true},
		{"wrapped", fmt.Errorf("calling backend: %w", &SignInRequiredError{Ended: true}), true},
		{"joined", errors.Join(errors.New("x"), &SignInRequiredError{}), true},
		{"by interface", coreOtherSignIn{required: true}, true},
		{"interface saying false", coreOtherSignIn{}, false},
		{"refresh error", &RefreshError{Status: 500}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := IsSignInRequired(tt.err); got != tt.want {
			t.Errorf("%s: IsSignInRequired = %v, want %v", tt.name, got, tt.want)
		}
	}
}

package upstream

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestParseLimits(t *testing.T) {
	now := time.Unix(1760000000, 0)
	tests := []struct {
		name string
		h    http.Header
		want Limits
		ok   bool
	}{
		{"none", header("Content-Type", "text/event-stream", "x-request-id", "r1"), Limits{},
			false},
		{"F5a usage limit", header(
			"x-codex-active-limit", "codex",
			"x-codex-plan-type", "plus",
			"x-codex-primary-used-percent", "100",
			"x-codex-primary-window-minutes", "300",
			"x-codex-primary-reset-at", "1760010000",
			"x-codex-primary-reset-after-seconds", "10000",
			"x-codex-secondary-used-percent", "62",
			"x-codex-secondary-window-minutes", "10080",
			"x-codex-secondary-reset-at", "1760400000",
			"x-codex-primary-over-secondary-limit-percent", "0",
		), Limits{PlanType: "plus", ActiveLimit: "codex", UpdatedAt: now, Windows: []Window{
			{Limit: "codex", Name: "primary", UsedPercent: 100, WindowMinutes: 300,
				ResetsAt: time.Unix(1760010000, 0)},
			{Limit: "codex", Name: "secondary", UsedPercent: 62, WindowMinutes: 10080,
				ResetsAt: time.Unix(1760400000, 0)},
		}}, true},
		{"reset after seconds only, fractional percent", header(
			"x-codex-primary-used-percent", "12.5",
			"x-codex-primary-reset-after-seconds", "90",
		), Limits{UpdatedAt: now, Windows: []Window{{Limit: "codex", Name: "primary",
			UsedPercent: 12.5, ResetsAt: now.Add(90 * time.Second)}}}, true},
		{"other family with a name", header(
			"x-codex-bengalfox-primary-used-percent", "40",
			"x-codex-bengalfox-primary-window-minutes", "60",
			"x-codex-bengalfox-limit-name", "GPT-5.3-Codex-Spark",
			"x-codex-secondary-used-percent", "5",
		), Limits{UpdatedAt: now, Windows: []Window{
			{Limit: "codex", Name: "secondary", UsedPercent: 5},
			{Limit: "codex-bengalfox", LimitName: "GPT-5.3-Codex-Spark", Name: "primary",
				UsedPercent: 40, WindowMinutes: 60},
		}}, true},
		{"credits", header(
			"x-codex-credits-has-credits", "True",
			"x-codex-credits-unlimited", "false",
			"x-codex-credits-balance", "12.50",
		), Limits{UpdatedAt: now, Credits: &Credits{HasCredits: true, Balance: "12.50"}}, true},
		{"garbage ignored", header(
			"x-codex-primary-used-percent", "lots",
			"x-codex-primary-window-minutes", "300",
			"x-codex-secondary-used-percent", "NaN",
		), Limits{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseLimits(tt.h, now)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestResetTime(t *testing.T) {
	now := time.Unix(1760000000, 0)
	tests := []struct {
		name string
		h    http.Header
		want time.Time
	}{
		{"exhausted secondary wins", header(
			"x-codex-primary-used-percent", "40",
			"x-codex-primary-reset-after-seconds", "60",
			"x-codex-secondary-used-percent", "100",
			"x-codex-secondary-reset-at", "1760400000",
		), time.Unix(1760400000, 0)},
		{"primary when nothing is exhausted", header(
			"x-codex-primary-used-percent", "40",
			"x-codex-primary-reset-after-seconds", "60",
		), now.Add(time.Minute)},
		{"active limit names the family", header(
			"x-codex-active-limit", "codex-other",
			"x-codex-primary-used-percent", "100",
			"x-codex-primary-reset-at", "1760000100",
			"x-codex-other-primary-used-percent", "100",
			"x-codex-other-primary-reset-at", "1760000200",
		), time.Unix(1760000200, 0)},
		{"nothing", header(), time.Time{}},
	}
	for _, tt := range tests {
		if got := resetTime(tt.h, now); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

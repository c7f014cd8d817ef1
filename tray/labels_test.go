package tray

import (
	"testing"
	"time"
)

func TestWindowName(t *testing.T) {
	tests := []struct {
		minutes int
		want    string
	}{
		{0, "Usage"}, {-5, "Usage"}, {30, "30-minute"}, {60, "1-hour"}, {300, "5-hour"},
		{1440, "24-hour"}, {10080, "Weekly"}, {7*1440 + 30, "Weekly"}, {3 * 1440, "3-day"},
		{30 * 1440, "Monthly"}, {90 * 1440, "90-day"},
	}
	for _, tt := range tests {
		if got := windowName(tt.minutes); got != tt.want {
			t.Errorf("windowName(%d) = %q, want %q", tt.minutes, got, tt.want)
		}
	}
}

func TestUsageLabel(t *testing.T) {
	reset := time.Date(2026, 5, 15, 7, 0, 0, 0, time.UTC) // Friday 07:00 UTC
	tests := []struct {
		name string
		w    Window
		want string
	}{
		{"5-hour", Window{Limit: "codex", Minutes: 300, UsedPercent: 42, ResetsAt: reset},
			"5-hour limit: 42% used, resets 09:00"},
		{"weekly", Window{Limit: "codex", Minutes: 10080, UsedPercent: 17, ResetsAt: reset},
			"Weekly limit: 17% used, resets Fri 09:00"},
		{"rounding", Window{Minutes: 300, UsedPercent: 89.5, ResetsAt: reset},
			"5-hour limit: 90% used, resets 09:00"},
		{"no reset time", Window{Minutes: 300, UsedPercent: 3}, "5-hour limit: 3% used"},
		{"negative clamps", Window{Minutes: 300, UsedPercent: -1}, "5-hour limit: 0% used"},
		{"other limit family", Window{Limit: "GPT-5.3-Codex-Spark", Minutes: 300, UsedPercent: 5},
			"5-hour limit (GPT-5.3-Codex-Spark): 5% used"},
	}
	for _, tt := range tests {
		if got := usageLabel(tt.w, utc2); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSortedWindows(t *testing.T) {
	in := []Window{
		{Limit: "spark", Minutes: 300},
		{Limit: "codex", Minutes: 10080},
		{Limit: "codex", Minutes: 300},
	}
	got := sortedWindows(in)
	want := []Window{in[2], in[1], in[0]}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sortedWindows = %v, want %v", got, want)
		}
	}
}

func TestStatusLabel(t *testing.T) {
	tests := []struct {
		s    State
		want string
	}{
		{State{}, "Not signed in"},
		{State{SignIn: SignedIn, Email: "a@b.c", Plan: "pro"}, "Signed in as a@b.c (Pro)"},
		{State{SignIn: SignedIn, Email: "a@b.c", Plan: "team"}, "Signed in as a@b.c (Team)"},
		{State{SignIn: Expired, Email: "a@b.c"}, "Session expired — sign in again"},
	}
	for _, tt := range tests {
		if got := statusLabel(tt.s); got != tt.want {
			t.Errorf("statusLabel(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

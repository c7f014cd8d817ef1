package tray

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUsageNotices(t *testing.T) {
	reset := time.Date(2026, 5, 12, 12, 5, 0, 0, time.UTC)
	tests := []struct {
		name   string
		ws     []Window
		keys   []string
		bodies []string
	}{
		{"below 90", []Window{{Limit: "codex", Minutes: 300, UsedPercent: 89.4, ResetsAt: reset}},
			nil, nil},
		{"at 90", []Window{{Limit: "codex", Minutes: 300, UsedPercent: 90, ResetsAt: reset}},
			[]string{"usage90:codex:300:1778587500"},
			[]string{"5-hour limit: 90% used, resets 14:05."}},
		{"used up names the reset", []Window{
			{Limit: "codex", Minutes: 10080, UsedPercent: 100, ResetsAt: reset}},
			[]string{"limit:codex:10080:1778587500"},
			[]string{"The Weekly limit is used up; requests fail until it resets. " +
				"It resets Tue 14:05."}},
		{"two windows", []Window{
			{Limit: "codex", Minutes: 10080, UsedPercent: 95},
			{Limit: "codex", Minutes: 300, UsedPercent: 100}},
			[]string{"limit:codex:300:0", "usage90:codex:10080:0"}, nil},
	}
	for _, tt := range tests {
		got := usageNotices(tt.ws, utc2)
		if len(got) != len(tt.keys) {
			t.Fatalf("%s: %d notices, want %d: %+v", tt.name, len(got), len(tt.keys), got)
		}
		for i, n := range got {
			if n.Key != tt.keys[i] {
				t.Errorf("%s: key %q, want %q", tt.name, n.Key, tt.keys[i])
			}
			if i < len(tt.bodies) && n.Body != tt.bodies[i] {
				t.Errorf("%s: body %q, want %q", tt.name, n.Body, tt.bodies[i])
			}
		}
	}
}

func TestDedup(t *testing.T) {
	var d dedup
	steps := []struct {
		forget string
		key    string
		want   bool
	}{
		{key: "lan:http://10.0.0.2:11434", want: true},
		{key: "lan:http://10.0.0.2:11434", want: false},
		{key: "usage90:codex:300:1", want: true},
		{key: "usage90:codex:300:2", want: true}, // next window: a new event
		{key: "", want: true},
		{key: "", want: true}, // keyless notices always pass
		{forget: "lan:", key: "lan:http://10.0.0.2:11434", want: true},
		{key: "usage90:codex:300:1", want: false}, // forget touched only its prefix
	}
	for i, s := range steps {
		if s.forget != "" {
			d.forget(s.forget)
		}
		if got := d.first(s.key); got != s.want {
			t.Errorf("step %d: first(%q) = %v, want %v", i, s.key, got, s.want)
		}
	}
}

func TestNoticesTellTheNextStep(t *testing.T) {
	at := time.Unix(1700000000, 0)
	for _, n := range []Notice{
		noticeSignedOut("refresh token reused", at),
		noticeExpiringSoon(at, utc2),
	} {
		if !strings.Contains(n.Body, "Sign in with ChatGPT…") ||
			!strings.Contains(n.Body, "lagp login") {
			t.Errorf("%q does not say how to sign in", n.Body)
		}
	}
	n := noticeSignedOut("refresh token reused", at)
	if !strings.Contains(n.Body, "refresh token reused") {
		t.Errorf("sign-out notice lacks the reason: %q", n.Body)
	}
	if n := noticePortInUse(11434, "http://127.0.0.1:8080"); n.Key != "port-in-use:11434" ||
		!strings.Contains(n.Body, "http://127.0.0.1:8080") {
		t.Errorf("port notice = %+v", n)
	}
	n = noticePushFailed("server", errors.New("wrong sync secret"))
	if !strings.Contains(n.Body, "wrong sync secret") || n.Key != "" {
		t.Errorf("push failure notice = %+v", n)
	}
}

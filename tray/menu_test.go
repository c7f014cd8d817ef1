package tray

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/assets"
)

// outline renders items one per line for comparison: "-" marks a disabled item, "h" a hidden
// one, "[x]"/"[ ]" a checkbox, "=>" the action, and submenu children are indented.
func outline(items []Item, indent string) []string {
	var out []string
	for _, it := range items {
		if it.Separator {
			out = append(out, indent+"----")
			continue
		}
		flags := ""
		if !it.Enabled {
			flags += "-"
		}
		if it.Hidden {
			flags += "h"
		}
		line := indent + flags + " "
		if flags == "" {
			line = indent + "  "
		}
		if it.Checkable {
			box := "[ ] "
			if it.Checked {
				box = "[x] "
			}
			line += box
		}
		line += it.Label
		if it.Action != "" {
			line += " => " + string(it.Action)
			if it.Arg != "" {
				line += "(" + it.Arg + ")"
			}
		}
		out = append(out, line)
		out = append(out, outline(it.Children, indent+"    ")...)
	}
	return out
}

var utc2 = time.FixedZone("UTC+2", 2*60*60)

// signedIn is a typical signed-in state; cases below vary it.
func signedIn() State {
	return State{
		Version:   "0.3.0",
		SignIn:    SignedIn,
		Email:     "ada@example.com",
		Plan:      "plus",
		ListenURL: "http://127.0.0.1:11434",
		Usage: []Window{
			{Limit: "codex", Minutes: 10080, UsedPercent: 17.4,
				ResetsAt: time.Date(2026, 5, 15, 7, 0, 0, 0, time.UTC)}, // a Friday
			{Limit: "codex", Minutes: 300, UsedPercent: 41.6,
				ResetsAt: time.Date(2026, 5, 12, 12, 5, 0, 0, time.UTC)},
		},
		Models:   []Model{{ID: "gpt-5.5", Name: "GPT-5.5"}, {ID: "gpt-5.4-mini", Name: "gpt-5.4-mini"}},
		Remotes:  []string{"server"},
		LogPath:  "/home/ada/.local/state/lagp/lagp.log",
		Location: utc2,
	}
}

func TestBuildMenu(t *testing.T) {
	tests := []struct {
		name  string
		state func() State
		icon  assets.Icon
		want  []string
	}{
		{
			name: "signed out, fresh install",
			state: func() State {
				return State{Version: "0.3.0", ListenURL: "http://127.0.0.1:11434"}
			},
			icon: assets.SignedOut,
			want: []string{
				"- Not signed in",
				"  Sign in with ChatGPT… => sign-in",
				"h Sign out => sign-out",
				"----",
				"- Listening on http://127.0.0.1:11434",
				"  Copy base URL => copy-base-url",
				"  Copy API key => copy-api-key",
				"  Models",
				"    - No models loaded",
				"    ----",
				"      Refresh model list => refresh-models",
				"----",
				"  [ ] Expose on local network => toggle-expose",
				"  [ ] Public URL for Cursor => toggle-tunnel",
				"-h Starting public URL…",
				"  Push sign-in to remote",
				"      Add a remote… => add-remote",
				"----",
				"  Settings… => settings",
				"  [ ] Start at login => toggle-autostart",
				"- Open log file => open-log",
				"----",
				"- lagp 0.3.0",
				"  Quit => quit",
			},
		},
		{
			name:  "signed in with usage, models and a remote",
			state: signedIn,
			icon:  assets.SignedIn,
			want: []string{
				"- Signed in as ada@example.com (Plus)",
				"h Sign in with ChatGPT… => sign-in",
				"  Sign out => sign-out",
				"- 5-hour limit: 42% used, resets 14:05",
				"- Weekly limit: 17% used, resets Fri 09:00",
				"----",
				"- Listening on http://127.0.0.1:11434",
				"  Copy base URL => copy-base-url",
				"  Copy API key => copy-api-key",
				"  Models",
				"      GPT-5.5 (gpt-5.5) => copy-model(gpt-5.5)",
				"      gpt-5.4-mini => copy-model(gpt-5.4-mini)",
				"    ----",
				"      Refresh model list => refresh-models",
				"----",
				"  [ ] Expose on local network => toggle-expose",
				"  [ ] Public URL for Cursor => toggle-tunnel",
				"-h Starting public URL…",
				"  Push sign-in to remote",
				"      server => push(server)",
				"    ----",
				"      Add a remote… => add-remote",
				"----",
				"  Settings… => settings",
				"  [ ] Start at login => toggle-autostart",
				"  Open log file => open-log",
				"----",
				"- lagp 0.3.0",
				"  Quit => quit",
			},
		},
		{
			name: "session expired",
			state: func() State {
				s := signedIn()
				s.SignIn = Expired
				s.Usage = nil
				return s
			},
			icon: assets.Attention,
			want: []string{
				"- Session expired — sign in again",
				"  Sign in with ChatGPT… => sign-in",
				"h Sign out => sign-out",
				"----",
			},
		},
		{
			name: "exposed on the LAN, start at login",
			state: func() State {
				s := signedIn()
				s.Usage = nil
				s.Exposed = true
				s.ListenURL = "http://192.168.1.20:11434"
				s.StartAtLogin = true
				return s
			},
			icon: assets.Exposed,
			want: []string{
				"- Signed in as ada@example.com (Plus)",
				"h Sign in with ChatGPT… => sign-in",
				"  Sign out => sign-out",
				"----",
				"- Listening on http://192.168.1.20:11434",
				"  Copy base URL => copy-base-url",
				"  Copy API key => copy-api-key",
				"  Models",
				"      GPT-5.5 (gpt-5.5) => copy-model(gpt-5.5)",
				"      gpt-5.4-mini => copy-model(gpt-5.4-mini)",
				"    ----",
				"      Refresh model list => refresh-models",
				"----",
				"  [x] Expose on local network => toggle-expose",
				"  [ ] Public URL for Cursor => toggle-tunnel",
				"-h Starting public URL…",
				"  Push sign-in to remote",
				"      server => push(server)",
				"    ----",
				"      Add a remote… => add-remote",
				"----",
				"  Settings… => settings",
				"  [x] Start at login => toggle-autostart",
			},
		},
		{
			name: "tunnel starting",
			state: func() State {
				s := signedIn()
				s.Tunnel = TunnelStarting
				return s
			},
			icon: assets.Exposed,
			want: []string{
				"  [ ] Expose on local network => toggle-expose",
				"  [x] Public URL for Cursor => toggle-tunnel",
				"- Starting public URL…",
			},
		},
		{
			name: "tunnel on",
			state: func() State {
				s := signedIn()
				s.Tunnel = TunnelOn
				s.TunnelURL = "https://a-b-c.trycloudflare.com"
				return s
			},
			icon: assets.Exposed,
			want: []string{
				"  [x] Public URL for Cursor => toggle-tunnel",
				"- Public URL: https://a-b-c.trycloudflare.com/v1",
			},
		},
		{
			name: "limit reached turns the icon amber even when exposed",
			state: func() State {
				s := signedIn()
				s.Exposed = true
				s.Usage[1].UsedPercent = 100
				return s
			},
			icon: assets.Attention,
			want: []string{"- 5-hour limit: 100% used, resets 14:05"},
		},
		{
			name: "refresh failing",
			state: func() State {
				s := signedIn()
				s.RefreshFailing = true
				return s
			},
			icon: assets.Attention,
			want: []string{"- Signed in as ada@example.com (Plus)"},
		},
		{
			name: "expiring soon",
			state: func() State {
				s := signedIn()
				s.ExpiringSoon = true
				return s
			},
			icon: assets.Attention,
			want: []string{"  Sign out => sign-out"},
		},
		{
			name: "signed in without a plan",
			state: func() State {
				s := signedIn()
				s.Plan = ""
				return s
			},
			icon: assets.SignedIn,
			want: []string{"- Signed in as ada@example.com"},
		},
		{
			name: "not listening",
			state: func() State {
				return State{Version: "dev"}
			},
			icon: assets.SignedOut,
			want: []string{
				"- Not listening",
				"- Copy base URL => copy-base-url",
			},
		},
		{
			name: "exposed while signed out",
			state: func() State {
				return State{Version: "dev", Exposed: true, ListenURL: "http://10.0.0.2:11434"}
			},
			icon: assets.Exposed,
			want: []string{"  [x] Expose on local network => toggle-expose"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := BuildMenu(tt.state())
			got := outline(m.Items, "")
			if m.Icon != tt.icon {
				t.Errorf("icon = %s, want %s", m.Icon, tt.icon)
			}
			if !containsRun(got, tt.want) {
				t.Errorf("menu lacks the expected lines in order\nwant:\n%s\ngot:\n%s",
					strings.Join(tt.want, "\n"), strings.Join(got, "\n"))
			}
		})
	}
}

// containsRun reports whether want appears in got as consecutive lines.
func containsRun(got, want []string) bool {
	for i := 0; i+len(want) <= len(got); i++ {
		if cmp.Equal(got[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

func TestBuildMenuIsPure(t *testing.T) {
	s := signedIn()
	a, b := BuildMenu(s), BuildMenu(s)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two builds differ:\n%s", diff)
	}
	if s.Usage[0].Minutes != 10080 {
		t.Error("BuildMenu reordered the caller's usage slice")
	}
}

func TestTooltip(t *testing.T) {
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{"signed in", signedIn(),
			"lagp: signed in as ada@example.com, listening on http://127.0.0.1:11434"},
		{"signed out", State{ListenURL: "http://127.0.0.1:8080"},
			"lagp: not signed in, listening on http://127.0.0.1:8080"},
		{"expired, not listening", State{SignIn: Expired}, "lagp: session expired, not listening"},
		{"tunnel", State{ListenURL: "http://127.0.0.1:1", Tunnel: TunnelOn,
			TunnelURL: "https://x.trycloudflare.com"},
			"lagp: not signed in, listening on http://127.0.0.1:1, public at https://x.trycloudflare.com"},
	}
	for _, tt := range tests {
		if got := BuildMenu(tt.state).Tooltip; got != tt.want {
			t.Errorf("%s: tooltip = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// BenchmarkBuildMenu measures one menu build for a signed-in state with usage, models and a
// remote: the work done on each state change before rendering.
func BenchmarkBuildMenu(b *testing.B) {
	s := signedIn()
	for range 20 {
		s.Models = append(s.Models, Model{ID: "gpt-x", Name: "GPT X"})
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = BuildMenu(s)
	}
}

// BenchmarkMenuShape measures the shape comparison that decides between an in-place update
// and a rebuild.
func BenchmarkMenuShape(b *testing.B) {
	items := BuildMenu(signedIn()).Items
	b.ReportAllocs()
	for b.Loop() {
		_ = menuShape(items)
	}
}

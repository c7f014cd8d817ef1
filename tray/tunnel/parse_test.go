package tunnel

import "testing"

func TestParseURL(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"2024-05-01T10:00:00Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com   |",
			"https://seasonal-deck-organisms-sf.trycloudflare.com"},
		{"INF Requesting new quick Tunnel on trycloudflare.com...", ""},
		{"INF +----------------------------------------------+", ""},
		{"see https://developers.cloudflare.com/cloudflare-one/", ""},
		{"https://API.trycloudflare.com/ more", "https://api.trycloudflare.com"},
		{"http://plain.trycloudflare.com", ""},
		{"https://evil.trycloudflare.com.attacker.example", "https://evil.trycloudflare.com"},
		{"https://-bad.trycloudflare.com", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ParseURL(tt.line); got != tt.want {
			t.Errorf("ParseURL(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

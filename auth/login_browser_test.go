package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeSystem sets the seams of the browser decision.
func fakeSystem(cfg LoginConfig, goos string, euid int, env map[string]string) LoginConfig {
	cfg.goos = goos
	cfg.geteuid = func() int { return euid }
	cfg.getenv = func(k string) string { return env[k] }
	return cfg
}

func TestBrowserBlocked(t *testing.T) {
	opener := func(string) error { return nil }
	x11 := map[string]string{"DISPLAY": ":0"}
	wayland := map[string]string{"WAYLAND_DISPLAY": "wayland-0"}
	const good = "https://auth.openai.com/oauth/authorize?x=1"
	tests := []struct {
		name     string
		noBrowse bool
		chosen   bool
		opener   func(string) error
		goos     string
		euid     int
		env      map[string]string
		url      string
		want     string
	}{
		{"linux desktop", false, false, opener, "linux", 1000, x11, good, ""},
		{"linux wayland", false, false, opener, "linux", 1000, wayland, good, ""},
		{"linux without display", false, false, opener, "linux", 1000, nil, good, "no graphical session"},
		{"linux root", false, false, opener, "linux", 0, x11, good, "running as root"},
		{"freebsd without display", false, false, opener, "freebsd", 1000, nil, good,
			"no graphical session"},
		{"macos", false, false, opener, "darwin", 501, nil, good, ""},
		{"macos root", false, false, opener, "darwin", 0, nil, good, "running as root"},
		{"windows", false, false, opener, "windows", -1, nil, good, ""},
		{"no-browser flag", true, false, opener, "linux", 1000, x11, good, "no-browser requested"},
		{"no opener", false, false, nil, "linux", 1000, x11, good, "no browser opener"},
		{"file url", false, false, opener, "windows", -1, nil, "file:///etc/passwd",
			"not an http or https address"},
		{"chosen browser as root", false, true, opener, "linux", 0, nil, good, ""},
		{"chosen browser, no-browser flag", true, true, opener, "linux", 0, nil, good,
			"no-browser requested"},
		{"chosen browser, file url", false, true, opener, "linux", 0, nil, "file:///x",
			"not an http or https address"},
		{"javascript url", false, false, opener, "windows", -1, nil, "javascript:alert(1)",
			"not an http or https address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fakeSystem(LoginConfig{NoBrowser: tt.noBrowse, ChosenBrowser: tt.chosen,
				OpenBrowser: tt.opener},
				tt.goos, tt.euid, tt.env)
			if got := browserBlocked(cfg, tt.url); got != tt.want {
				t.Errorf("browserBlocked = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoginOpen(t *testing.T) {
	const authURL = "https://issuer.test/oauth/authorize?state=s"
	tests := []struct {
		name       string
		noBrowser  bool
		openErr    error
		proxyLogin string
		wantOpen   bool
		wantOut    []string
		notOut     []string
	}{
		{name: "opens", wantOpen: true,
			wantOut: []string{"Opening your browser", authURL}, notOut: []string{"ssh -L"}},
		{name: "opener fails", openErr: errors.New("no xdg-open"), wantOpen: true,
			wantOut: []string{"If it does not open, visit:", authURL}},
		{name: "no browser", noBrowser: true,
			wantOut: []string{"open this address in a browser", authURL,
				"ssh -L 1457:localhost:1457 <host>"},
			notOut: []string{"11434"}},
		{name: "no browser while serving", noBrowser: true,
			proxyLogin: "http://localhost:11434/login",
			wantOut: []string{authURL,
				"ssh -L 11434:localhost:11434 -L 1457:localhost:1457 <host>",
				"open http://localhost:11434/login locally"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opened := make(chan string, 1)
			var out strings.Builder
			cfg := LoginConfig{
				NoBrowser: tt.noBrowser, Out: &out, ProxyLoginURL: tt.proxyLogin,
				OpenBrowser: func(u string) error { opened <- u; return tt.openErr },
			}
			cfg = fakeSystem(cfg, "linux", 1000, map[string]string{"DISPLAY": ":0"})
			l := &Login{cfg: cfg.withDefaults(), authURL: authURL, port: 1457}
			l.Open()
			wait := 5 * time.Second
			if !tt.wantOpen {
				wait = 100 * time.Millisecond // Open decides before starting any goroutine
			}
			select {
			case u := <-opened:
				if !tt.wantOpen || u != authURL {
					t.Errorf("opened %q, want open=%v", u, tt.wantOpen)
				}
			case <-time.After(wait):
				if tt.wantOpen {
					t.Error("browser not opened")
				}
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			for _, not := range tt.notOut {
				if strings.Contains(out.String(), not) {
					t.Errorf("output has %q:\n%s", not, out.String())
				}
			}
		})
	}
}

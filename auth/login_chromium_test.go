package auth_test

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

// loginRequireTool returns the path of the first of names found, or skips the test, or fails
// it when LAGP_REQUIRE_DESKTOP=1 (CI), where a missing tool must not pass silently.
func loginRequireTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "none of " + strings.Join(names, ", ") + " is installed; install chromium to run " +
		"the browser test of the sign-in pages"
	if os.Getenv("LAGP_REQUIRE_DESKTOP") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// headless runs Chromium without a display on target and returns its standard output.
func headless(t *testing.T, chromium string, extra ...string) []byte {
	t.Helper()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir=" + t.TempDir()}
	args = append(args, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, args...)
	// No display, and no session bus: Chromium would spend seconds probing one.
	cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=",
		"DBUS_SESSION_BUS_ADDRESS=disabled:")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, lastLines(stderr.String(), 10))
	}
	return stdout.Bytes()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

var (
	styleOrScript = regexp.MustCompile(`(?is)<(style|script)\b.*?</(style|script)>`)
	anyTag        = regexp.MustCompile(`<[^>]*>`)
)

// visibleText reduces a dumped DOM to the text a reader sees.
func visibleText(dom []byte) string {
	s := styleOrScript.ReplaceAllString(string(dom), " ")
	s = anyTag.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func TestChromiumRendersSignInPages(t *testing.T) {
	chromium := loginRequireTool(t, "chromium", "chromium-browser", "google-chrome")
	tests := []struct {
		name    string
		prepare func(*authtest.Issuer)
		forged  bool // open the callback with a wrong state instead of signing in
		want    []string
	}{
		{name: "success", want: []string{"Signed in",
			"You are signed in to lagp as user@example.com.", "You can close this tab."}},
		{name: "state mismatch", forged: true, want: []string{"This sign-in link does not match",
			"(state mismatch)", "use the newest sign-in tab"}},
		{name: "access denied", prepare: func(i *authtest.Issuer) {
			i.SetAuthorizeError("access_denied", "You declined <script>alert(1)</script>")
		}, want: []string{"Sign-in was not completed", "(access_denied)",
			"You declined <script>alert(1)</script>", `run "lagp login"`}},
		{name: "workspace without codex", prepare: func(i *authtest.Issuer) {
			i.SetAuthorizeError("access_denied", "missing_codex_entitlement")
		}, want: []string{"Codex is not enabled for this workspace",
			"Ask the workspace admin to enable Codex"}},
		{name: "exchange failure", prepare: func(i *authtest.Issuer) {
			i.FailNextExchange(400, `{"error":"invalid_grant","error_description":"code expired"}`)
		}, want: []string{"Sign-in could not be finished", "invalid_grant: code expired",
			"Start the sign-in again"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			iss := authtest.NewIssuer(t)
			if tt.prepare != nil {
				tt.prepare(iss)
			}
			l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			target := l.AuthorizeURL()
			if tt.forged {
				target = callbackURL(l, url.Values{"state": {"forged"}, "code": {"x"}})
			}
			dom := headless(t, chromium, "--dump-dom", target)
			text := visibleText(dom)
			for _, want := range tt.want {
				if !strings.Contains(text, want) {
					t.Errorf("page text lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(strings.ToLower(string(dom)), "<script") {
				t.Errorf("the page has a script element:\n%s", dom)
			}
		})
	}
}

func TestChromiumScreenshotOfSignInPages(t *testing.T) {
	chromium := loginRequireTool(t, "chromium", "chromium-browser", "google-chrome")
	for _, name := range []string{"success", "state mismatch"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			iss := authtest.NewIssuer(t)
			l, err := auth.StartLogin(context.Background(), testLoginConfig(t, iss, &logBuffer{}))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			target := l.AuthorizeURL()
			if name != "success" {
				target = callbackURL(l, url.Values{"state": {"forged"}})
			}
			shot := filepath.Join(t.TempDir(), "page.png")
			headless(t, chromium, "--screenshot="+shot, "--window-size=800,600",
				"--force-prefers-reduced-motion", target)
			img := readPNG(t, shot)
			checkScreenshot(t, img)
		})
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	return img
}

// checkScreenshot checks that the page was drawn with its own style: the page background
// (#f5f5f4, which only the inline style sets, so a CSP that blocked it would leave white),
// a card, and enough distinct colours for text.
func checkScreenshot(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	if b.Dx() != 800 || b.Dy() != 600 {
		t.Errorf("screenshot is %dx%d, want 800x600", b.Dx(), b.Dy())
	}
	r, g, bl, _ := img.At(b.Min.X+5, b.Min.Y+5).RGBA()
	if got := [3]uint32{r >> 8, g >> 8, bl >> 8}; got != [3]uint32{0xf5, 0xf5, 0xf4} {
		t.Errorf("background colour = %x, want f5f5f4: the page style was not applied", got)
	}
	colours := map[[3]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("screenshot has only %d colours; the page looks empty", len(colours))
	}
}

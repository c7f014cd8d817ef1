package tray

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lagp/lagp/auth/authtest"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// lagpBinary builds the lagp executable once per test run (CGO_ENABLED=0, as shipped).
var lagpBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "lagp-tray-e2e")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "lagp")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".." // the repository root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building lagp: %v\n%s", err, out)
	}
	return bin, nil
})

// lagpProcess is the lagp binary running with its tray on a private desktop.
type lagpProcess struct {
	cmd    *exec.Cmd
	events *eventStream
	exited chan error
	opened string // file the fake browser appends URLs to
	home   string
}

// startLagp runs lagp (tray mode) against the fake issuer and backend, with a fake browser
// that records the URLs it is asked to open.
func startLagp(t *testing.T, bus, display string, port, callback int, issuer *authtest.Issuer,
	backend *fakebackend.Server) *lagpProcess {
	t.Helper()
	bin, err := lagpBinary()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	p := &lagpProcess{exited: make(chan error, 1), opened: filepath.Join(home, "opened"),
		home: home}
	browser := filepath.Join(home, "browser")
	script := "#!/bin/sh\necho \"$1\" >> '" + p.opened + "'\n"
	if err := os.WriteFile(browser, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// An existing LAGP_HOME means "not the first run": lagp then waits for the tray's
	// "Sign in" instead of opening the browser by itself.
	if err := os.MkdirAll(filepath.Join(home, "lagp"), 0o700); err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, "--port", fmt.Sprint(port), "--callback-port", fmt.Sprint(callback))
	p.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"LAGP_HOME=" + filepath.Join(home, "lagp"),
		"LAGP_AUTH_URL=" + issuer.URL,
		"LAGP_BACKEND_URL=" + backend.URL,
		"LAGP_TOKEN_STORE=file",
		"LAGP_BROWSER=" + browser,
		"LAGP_TEST_EVENTS=1",
		"DBUS_SESSION_BUS_ADDRESS=" + bus,
		"DISPLAY=" + display,
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.events = newEventStream(stdout)
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(home, "state", "lagp", "lagp.log"))
			t.Logf("lagp log:\n%s", log)
		}
	})
	return p
}

// waitOpened waits until the fake browser was asked to open a URL starting with prefix.
func (p *lagpProcess) waitOpened(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(p.opened)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser never opened %s…; opened %q", prefix, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLagpTrayEndToEnd runs the lagp binary with its tray on a private D-Bus session, a fake
// panel, a fake notification server and Xvfb, against the fake issuer and backend. It reads
// the menu, copies the base URL, signs in from the menu, exposes lagp on the LAN (the
// listener moves and an API key becomes necessary), survives a panel restart and quits.
func TestLagpTrayEndToEnd(t *testing.T) {
	requireTool(t, "xclip")
	bus := startBus(t)
	display := startXvfb(t)
	regs := make(chan registration, 8)
	watcher := startWatcher(t, bus, regs)
	notes := startNotifications(t, bus)
	issuer := authtest.NewIssuer(t)
	issuer.SetUser("ada@example.com", "plus")
	backend := fakebackend.New()
	t.Cleanup(backend.Close)
	backend.AcceptFunc(func(tok string) bool { return slices.Contains(issuer.Issued(), tok) })
	port, callback := freeTCPPort(t), freeTCPPort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	p := startLagp(t, bus, display, port, callback, issuer, backend)
	reg := waitRegistration(t, regs)
	p.events.wait(t, "ready *")
	menu := menuClient{conn: connect(t, bus), dest: reg.sender}
	root := menu.layout(t)
	for _, label := range []string{"Not signed in", LabelSignIn, "Listening on " + base,
		LabelCopyBaseURL, LabelExpose, LabelTunnel, LabelQuit} {
		if _, ok := root.find(label); !ok {
			t.Errorf("menu lacks %q: %q", label, root.labels())
		}
	}

	menu.click(t, LabelCopyBaseURL)
	waitClipboard(t, display, base+"/v1")

	signInFromMenu(t, menu, p, notes, issuer.URL)

	exposeOnLAN(t, menu, p, notes, port)

	// The panel restarts (after notifications went out, which is when fyne's own watch
	// gives up: P2); the icon registers again.
	restartPanel(t, bus, watcher, reg)
	quit(t, menu, p.exited, "lagp")
}

// signInFromMenu clicks "Sign in with ChatGPT…", plays the browser (the issuer redirects to
// lagp's callback, which exchanges the code) and checks the menu and notification.
func signInFromMenu(t *testing.T, menu menuClient, p *lagpProcess, notes *fakeNotifications,
	issuerURL string) {
	t.Helper()
	menu.click(t, LabelSignIn)
	authorize := p.waitOpened(t, issuerURL+"/oauth/authorize")
	res, err := http.Get(authorize) // follows the redirect to lagp's callback
	if err != nil {
		t.Fatalf("following the sign-in: %v", err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("ada@example.com")) {
		t.Fatalf("sign-in page: %s\n%s", res.Status, page)
	}
	p.events.wait(t, "signed-in ada@example.com")
	if n := notes.wait(t, "Signed in to ChatGPT"); n.app != "lagp" {
		t.Errorf("notification app %q", n.app)
	}
	menu.waitFor(t, "the account and its models", func(root menuNode) bool {
		_, signedIn := root.find("Signed in as ada@example.com (Plus)")
		models, _ := root.find(LabelModels)
		model := slices.ContainsFunc(models.labels(), func(l string) bool {
			return strings.HasSuffix(l, "(gpt-5.5)")
		})
		return signedIn && model
	})
}

// exposeOnLAN toggles "Expose on local network": the listener moves to all interfaces, the
// LAN address answers, and only with the API key lagp created.
func exposeOnLAN(t *testing.T, menu menuClient, p *lagpProcess, notes *fakeNotifications,
	port int) {
	t.Helper()
	ips, err := LANAddrs()
	if err != nil {
		t.Fatal(err)
	}
	lanIP, err := firstLANIPv4(ips)
	if err != nil {
		t.Fatalf("this machine has no LAN address to expose on: %v", err)
	}
	lan := fmt.Sprintf("http://%s", net.JoinHostPort(lanIP.String(), fmt.Sprint(port)))
	menu.click(t, LabelExpose)
	if got := p.events.waitAny(t, "listening *", "rebind-failed *"); got != "listening "+lan {
		t.Errorf("exposing on the LAN: got event %q, want listening on %s", got, lan)
		return
	}
	notes.wait(t, "local network")
	menu.waitFor(t, "the LAN address", func(root menuNode) bool {
		it, _ := root.find(LabelExpose)
		_, ok := root.find("Listening on " + lan)
		return it.checked() && ok
	})
	s := readSettings(t, p.home)
	if !s.ExposeLAN || len(s.APIKeys) == 0 {
		t.Fatalf("settings after exposing: lan=%v keys=%d", s.ExposeLAN, len(s.APIKeys))
	}
	get := func(key string) int {
		req, _ := http.NewRequest(http.MethodGet, lan+"/v1/models", nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("calling lagp on the LAN address: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(""); code != http.StatusUnauthorized {
		t.Errorf("LAN request without a key: %d, want 401", code)
	}
	if code := get(s.APIKeys[0].Key); code != http.StatusOK {
		t.Errorf("LAN request with the key: %d, want 200", code)
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

package tray

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/settings"
)

// trayChild is the test binary running the real tray in a child process on a private bus.
type trayChild struct {
	cmd    *exec.Cmd
	events *eventStream
	stderr *lockedBuffer
	exited chan error
}

// startTrayChild starts the tray child with a private environment: bus, display, home, and
// a PATH whose first entry is binDir (for a fake cloudflared).
func startTrayChild(t *testing.T, bus, display, home, binDir string) *trayChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{
		"LAGP_TRAY_CHILD=1",
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"LAGP_HOME=" + filepath.Join(home, "lagp"),
		"DBUS_SESSION_BUS_ADDRESS=" + bus,
		"DISPLAY=" + display,
		// Under -race, report but do not fail on races: checkRaces sorts lagp's from the
		// library's.
		"GORACE=exitcode=0",
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &trayChild{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.events = newEventStream(stdout)
	go func() { c.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("tray child stderr:\n%s", c.stderr.String())
		}
	})
	return c
}

// checkRaces fails the test for data races in lagp code and logs the library's.
func (c *trayChild) checkRaces(t *testing.T) {
	t.Helper()
	own, library := ownRaces(c.stderr.String())
	for _, r := range own {
		t.Errorf("data race in lagp code:%s", r)
	}
	if len(library) > 0 {
		t.Logf("%d data race report(s) inside fyne.io/systray (upstream, not lagp)", len(library))
	}
}

// TestTrayOnPrivateBus runs the real systray layer against a fake panel (watcher), a fake
// notification server and Xvfb: it reads the menu over dbusmenu, clicks through copy, LAN
// exposure, sign-in, the tunnel and start at login, restarts the panel, and quits.
func TestTrayOnPrivateBus(t *testing.T) {
	requireTool(t, "xclip")
	bus := startBus(t)
	display := startXvfb(t)
	regs := make(chan registration, 8)
	watcher := startWatcher(t, bus, regs)
	notes := startNotifications(t, bus)
	home := t.TempDir()
	binDir := t.TempDir()
	writeFakeCloudflared(t, binDir)

	child := startTrayChild(t, bus, display, home, binDir)
	reg := waitRegistration(t, regs)
	if reg.arg != "/StatusNotifierItem" {
		t.Errorf("registered %q, want the object path", reg.arg)
	}
	child.events.wait(t, "ready *")
	menu := menuClient{conn: connect(t, bus), dest: reg.sender}

	checkItem(t, menu)
	checkLayout(t, menu)

	menu.click(t, LabelCopyBaseURL)
	waitClipboard(t, display, "http://127.0.0.1:11434/v1")

	menu.click(t, LabelExpose)
	child.events.wait(t, "listening http://192.168.1.20:11434")
	if n := notes.wait(t, "local network"); n.app != "lagp" {
		t.Errorf("notification app name %q, want lagp (P7)", n.app)
	}
	menu.waitFor(t, "exposure", func(root menuNode) bool {
		it, _ := root.find(LabelExpose)
		_, lan := root.find("Listening on http://192.168.1.20:11434")
		return it.checked() && lan
	})
	if s := readSettings(t, home); !s.ExposeLAN || len(s.APIKeys) != 1 {
		t.Errorf("settings after exposing: lan=%v keys=%d", s.ExposeLAN, len(s.APIKeys))
	}

	menu.click(t, LabelSignIn)
	notes.wait(t, "Signed in to ChatGPT")
	menu.waitFor(t, "the signed-in account", func(root menuNode) bool {
		_, ok := root.find("Signed in as ada@example.com (Plus)")
		_, out := root.find(LabelSignOut)
		return ok && out
	})

	checkTunnel(t, menu, child, notes, display, binDir)

	menu.click(t, LabelStartAtLogin)
	child.events.wait(t, "autostart on")
	entry, err := os.ReadFile(filepath.Join(home, ".config", "autostart", "lagp.desktop"))
	if err != nil || !strings.Contains(string(entry), "Exec=") {
		t.Errorf("autostart entry: %v\n%s", err, entry)
	}

	// P2: the panel restarts after notifications went out; the icon must come back.
	restartPanel(t, bus, watcher, reg)
	quit(t, menu, child.exited, "tray")
	child.checkRaces(t)
}

func waitRegistration(t *testing.T, regs <-chan registration) registration {
	t.Helper()
	select {
	case r := <-regs:
		return r
	case <-time.After(15 * time.Second):
		t.Fatal("the tray icon never registered with the watcher")
		return registration{}
	}
}

// checkItem checks the StatusNotifierItem: Id from the title set before Run (P5), tooltip,
// and a 64 px icon.
func checkItem(t *testing.T, menu menuClient) {
	t.Helper()
	props := itemProps(t, menu.conn, menu.dest)
	if id, _ := props["Id"].Value().(string); id != "lagp" {
		t.Errorf("item Id %q, want lagp", id)
	}
	tip := tooltipText(props["ToolTip"])
	if tip != "lagp: not signed in, listening on http://127.0.0.1:11434" {
		t.Errorf("tooltip %q", tip)
	}
	pix, _ := props["IconPixmap"].Value().([][]interface{})
	if len(pix) != 1 || pix[0][0] != int32(64) || len(pix[0][2].([]byte)) != 64*64*4 {
		t.Errorf("icon pixmap is not one 64×64 ARGB image")
	}
}

// checkLayout checks the top-level labels (hidden items are not drawn) and the Models
// submenu.
func checkLayout(t *testing.T, menu menuClient) {
	t.Helper()
	root := menu.layout(t)
	want := []string{
		"Not signed in", LabelSignIn, "----",
		"Listening on http://127.0.0.1:11434", LabelCopyBaseURL, LabelCopyAPIKey, LabelModels,
		"----", LabelExpose, LabelTunnel, LabelPush, "----",
		LabelSettings, LabelStartAtLogin, LabelOpenLog, "----", "lagp 9.9.9-test", LabelQuit,
	}
	if diff := cmp.Diff(want, root.labels()); diff != "" {
		t.Errorf("top-level menu (-want +got):\n%s", diff)
	}
	if it, _ := root.find("Not signed in"); it.enabled() {
		t.Error("status line is enabled")
	}
	models, _ := root.find(LabelModels)
	if got := models.labels(); !slices.Contains(got, "GPT-5.5 (gpt-5.5)") ||
		!slices.Contains(got, LabelRefreshModels) {
		t.Errorf("Models submenu %q", got)
	}
}

// checkTunnel switches the public URL on (a fake cloudflared prints its address) and off.
func checkTunnel(t *testing.T, menu menuClient, child *trayChild, notes *fakeNotifications,
	display, binDir string) {
	t.Helper()
	menu.click(t, LabelTunnel)
	url := child.events.wait(t, "tunnel https*")
	if url != "https://fake-tunnel-1.trycloudflare.com" {
		t.Errorf("tunnel URL %q", url)
	}
	waitClipboard(t, display, url+"/v1")
	notes.wait(t, "Public URL ready")
	menu.waitFor(t, "the public URL", func(root menuNode) bool {
		_, ok := root.find("Public URL: " + url + "/v1")
		return ok
	})
	menu.click(t, LabelTunnel)
	child.events.wait(t, "tunnel-stopped *")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(filepath.Join(binDir, "signal")); string(b) == "term\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cloudflared was not stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeFakeCloudflared puts a cloudflared script in dir that prints a quick-tunnel address
// and runs until SIGTERM, which it records in dir/signal.
func writeFakeCloudflared(t *testing.T, dir string) {
	t.Helper()
	script := "#!/bin/sh\n" +
		"trap 'echo term > \"" + dir + "/signal\"; exit 0' TERM\n" +
		"echo \"INF |  https://fake-tunnel-1.trycloudflare.com  |\" >&2\n" +
		"while :; do sleep 0.05; done\n"
	if err := os.WriteFile(filepath.Join(dir, "cloudflared"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func readSettings(t *testing.T, home string) settings.Settings {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, "lagp", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s settings.Settings
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

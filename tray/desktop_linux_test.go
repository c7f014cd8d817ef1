package tray

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// Helpers for tests that run the tray on a private D-Bus session (DESKTOP.md §3).

// requireTool returns the path of a desktop tool. When it is missing the test is skipped, or
// fails when LAGP_REQUIRE_DESKTOP=1 (CI), so a missing install step cannot pass silently.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not installed (apt-get install dbus xvfb xclip)", name)
		if os.Getenv("LAGP_REQUIRE_DESKTOP") == "1" {
			t.Fatal(msg + "; LAGP_REQUIRE_DESKTOP=1 demands it")
		}
		t.Skip(msg)
	}
	return p
}

// startChild starts cmd with its output going to files rather than the test's own pipes, so
// that an orphan can never keep `go test` waiting, and kills it at cleanup.
func startChild(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if cmd.Stderr == nil {
		cmd.Stderr = io.Discard
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// startBus starts a private session bus without service directories, so nothing installed on
// the machine is activated behind the test's back, and returns its address.
func startBus(t *testing.T) string {
	t.Helper()
	daemon := requireTool(t, "dbus-daemon")
	// Not t.TempDir: unix:dir= rejects some subtest directory names.
	dir, err := os.MkdirTemp("", "lagp-bus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := `<busconfig><type>session</type><listen>unix:dir=` + dir + `</listen>
<auth>EXTERNAL</auth><policy context="default"><allow own="*"/>
<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy></busconfig>`
	confPath := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+confPath, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	startChild(t, cmd)
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the bus address: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return strings.TrimSpace(addr)
}

// startXvfb starts a virtual X server on a free display and returns its name, e.g. ":3".
func startXvfb(t *testing.T) string {
	t.Helper()
	xvfb := requireTool(t, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// -noreset: by default the server resets when its last client leaves, and a client
	// connecting at that moment (an xclip) is refused.
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp",
		"-noreset")
	cmd.ExtraFiles = []*os.File{w}
	startChild(t, cmd)
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb reported no display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// connect opens the test's own connection to the private bus. (dbus.SessionBus is a process
// singleton; the app under test runs in a child process for that reason.)
func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the private bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// registration is a RegisterStatusNotifierItem call: who made it, and with what argument.
type registration struct{ sender, arg string }

// fakeWatcher is a StatusNotifierWatcher, the panel side of the tray protocol.
type fakeWatcher struct {
	conn *dbus.Conn
	got  chan registration
}

func (w *fakeWatcher) RegisterStatusNotifierItem(from dbus.Sender, arg string) *dbus.Error {
	select {
	case w.got <- registration{string(from), arg}:
	default:
	}
	return nil
}

func (w *fakeWatcher) RegisterStatusNotifierHost(dbus.Sender, string) *dbus.Error { return nil }

// startWatcher takes the watcher name on its own connection; closing that connection is a
// panel going away.
// restartPanel replaces the watcher with a new one, as a panel restart does, and checks that
// the app registers its icon again from the same connection.
func restartPanel(t *testing.T, bus string, old *fakeWatcher, reg registration) {
	t.Helper()
	old.conn.Close()
	regs := make(chan registration, 8)
	startWatcher(t, bus, regs)
	if got := waitRegistration(t, regs); got.sender != reg.sender {
		t.Errorf("re-registered by %q, want %q", got.sender, reg.sender)
	}
}

// quit clicks Quit and expects the app (what) to exit with status 0.
func quit(t *testing.T, menu menuClient, exited <-chan error, what string) {
	t.Helper()
	menu.click(t, LabelQuit)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("%s exited with %v after Quit, want status 0", what, err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not quit", what)
	}
}

func startWatcher(t *testing.T, addr string, got chan registration) *fakeWatcher {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &fakeWatcher{conn: conn, got: got}
	const iface = "org.kde.StatusNotifierWatcher"
	if err := conn.Export(w, "/StatusNotifierWatcher", iface); err != nil {
		t.Fatal(err)
	}
	_, err = prop.Export(conn, "/StatusNotifierWatcher", prop.Map{iface: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(iface, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning the watcher name: %v (reply %v)", err, reply)
	}
	return w
}

// notification is one call of Notify on the fake notification server.
type notification struct{ app, summary, body string }

// fakeNotifications is an org.freedesktop.Notifications server that records calls.
type fakeNotifications struct {
	conn *dbus.Conn
	mu   sync.Mutex
	next uint32
	got  chan notification
}

func (n *fakeNotifications) Notify(app string, replaces uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	n.mu.Lock()
	n.next++
	id := n.next
	n.mu.Unlock()
	select {
	case n.got <- notification{app, summary, body}:
	default:
	}
	// Like a real server when the bubble times out. This two-argument signal is what stops
	// fyne's own re-registration (P2), so the panel-restart check below exercises lagp's
	// remedy rather than the library's.
	go func() {
		_ = n.conn.Emit("/org/freedesktop/Notifications",
			"org.freedesktop.Notifications.NotificationClosed", id, uint32(1))
	}()
	return id, nil
}

func (n *fakeNotifications) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body", "icon-static"}, nil
}

func (n *fakeNotifications) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "lagp tests", "1", "1.2", nil
}

func (n *fakeNotifications) CloseNotification(uint32) *dbus.Error { return nil }

func startNotifications(t *testing.T, addr string) *fakeNotifications {
	t.Helper()
	conn := connect(t, addr)
	n := &fakeNotifications{conn: conn, got: make(chan notification, 32)}
	const name = "org.freedesktop.Notifications"
	if err := conn.Export(n, "/org/freedesktop/Notifications", name); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning the notifications name: %v (reply %v)", err, reply)
	}
	return n
}

// waitNotification waits for a notification whose summary contains text.
func (n *fakeNotifications) wait(t *testing.T, text string) notification {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-n.got:
			if strings.Contains(got.summary, text) {
				return got
			}
		case <-timeout:
			t.Fatalf("no notification containing %q", text)
		}
	}
}

// menuNode is one dbusmenu layout node.
type menuNode struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []menuNode
}

func (n menuNode) label() string {
	s, _ := n.Props["label"].Value().(string)
	return s
}

func (n menuNode) enabled() bool {
	v, ok := n.Props["enabled"].Value().(bool)
	return !ok || v
}

func (n menuNode) checked() bool {
	v, _ := n.Props["toggle-state"].Value().(int32)
	return v == 1
}

// find returns the first node whose label is label, or starts with it when label ends in "*".
func (n menuNode) find(label string) (menuNode, bool) {
	for _, c := range n.Children {
		l := c.label()
		if l == label || (strings.HasSuffix(label, "*") &&
			strings.HasPrefix(l, strings.TrimSuffix(label, "*"))) {
			return c, true
		}
		if got, ok := c.find(label); ok {
			return got, true
		}
	}
	return menuNode{}, false
}

// labels lists the labels of the top-level items, separators as "----".
func (n menuNode) labels() []string {
	var out []string
	for _, c := range n.Children {
		if t, _ := c.Props["type"].Value().(string); t == "separator" {
			out = append(out, "----")
			continue
		}
		out = append(out, c.label())
	}
	return out
}

// menuClient reads and clicks the app's menu over dbusmenu, as a panel does.
type menuClient struct {
	conn *dbus.Conn
	dest string // the app's unique bus name
}

// layout returns the whole menu. It calls GetLayout twice: the first call after a (re)build is
// cut to depth 1.
func (m menuClient) layout(t *testing.T) menuNode {
	t.Helper()
	var root menuNode
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		var rev uint32
		var raw struct {
			ID       int32
			Props    map[string]dbus.Variant
			Children []dbus.Variant
		}
		err := m.conn.Object(m.dest, "/StatusNotifierItem/menu").CallWithContext(ctx,
			"com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).
			Store(&rev, &raw)
		cancel()
		if err != nil {
			t.Fatalf("GetLayout: %v", err)
		}
		root = menuNode{ID: raw.ID, Props: raw.Props, Children: decodeChildren(raw.Children)}
	}
	return root
}

func decodeChildren(vs []dbus.Variant) []menuNode {
	var out []menuNode
	for _, v := range vs {
		parts, ok := v.Value().([]interface{})
		if !ok || len(parts) != 3 {
			continue
		}
		id, _ := parts[0].(int32)
		props, _ := parts[1].(map[string]dbus.Variant)
		kids, _ := parts[2].([]dbus.Variant)
		out = append(out, menuNode{ID: id, Props: props, Children: decodeChildren(kids)})
	}
	return out
}

// click sends a "clicked" event for the item labelled label. The item may be missing for a
// moment while the app rebuilds its menu, so the lookup is retried.
func (m menuClient) click(t *testing.T, label string) {
	t.Helper()
	var node menuNode
	m.waitFor(t, "item "+label, func(root menuNode) bool {
		var ok bool
		node, ok = root.find(label)
		return ok
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := m.conn.Object(m.dest, "/StatusNotifierItem/menu").CallWithContext(ctx,
		"com.canonical.dbusmenu.Event", 0, node.ID, "clicked", dbus.MakeVariant(int32(0)),
		uint32(time.Now().Unix())).Err
	if err != nil {
		t.Fatalf("clicking %q: %v", label, err)
	}
}

// waitFor polls the menu until cond holds for it; menus change asynchronously.
func (m menuClient) waitFor(t *testing.T, what string, cond func(menuNode) bool) menuNode {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		root := m.layout(t)
		if cond(root) {
			return root
		}
		if time.Now().After(deadline) {
			t.Fatalf("menu never showed %s; last: %q", what, root.labels())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// itemProps reads the StatusNotifierItem properties (icon, tooltip, id).
func itemProps(t *testing.T, conn *dbus.Conn, dest string) map[string]dbus.Variant {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var props map[string]dbus.Variant
	err := conn.Object(dest, "/StatusNotifierItem").CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.GetAll", 0, "org.kde.StatusNotifierItem").Store(&props)
	if err != nil {
		t.Fatalf("reading the item properties: %v", err)
	}
	return props
}

// tooltipText extracts the title field of the ToolTip property.
func tooltipText(v dbus.Variant) string {
	parts, ok := v.Value().([]interface{})
	if !ok || len(parts) < 3 {
		return ""
	}
	s, _ := parts[2].(string)
	return s
}

// clipboardText reads the X clipboard with xclip.
func clipboardText(t *testing.T, display string) string {
	t.Helper()
	xclip := requireTool(t, "xclip")
	cmd := exec.Command(xclip, "-o", "-selection", "clipboard")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitClipboard polls the clipboard until it holds want.
func waitClipboard(t *testing.T, display, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := clipboardText(t, display)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("clipboard holds %q, want %q", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventStream reads "EVENT <name> <detail>" lines from a child's stdout.
type eventStream struct {
	lines   chan string
	backlog []string
}

func newEventStream(r io.Reader) *eventStream {
	s := &eventStream{lines: make(chan string, 256)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "EVENT "); ok {
				s.lines <- line
			}
		}
		close(s.lines)
	}()
	return s
}

// waitAny waits for the first event matching any of patterns and returns the whole line.
func (s *eventStream) waitAny(t *testing.T, patterns ...string) string {
	t.Helper()
	for i, line := range s.backlog {
		if matchesAny(line, patterns) {
			s.backlog = append(s.backlog[:i:i], s.backlog[i+1:]...)
			return line
		}
	}
	timeout := time.After(15 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("app exited before any of %q; saw %q", patterns, s.backlog)
			}
			if matchesAny(line, patterns) {
				return line
			}
			s.backlog = append(s.backlog, line)
		case <-timeout:
			t.Fatalf("none of %q; saw %q", patterns, s.backlog)
		}
	}
}

// matchesAny reports whether line equals a pattern or starts with one that ends in "*".
func matchesAny(line string, patterns []string) bool {
	for _, p := range patterns {
		if line == p || (strings.HasSuffix(p, "*") &&
			strings.HasPrefix(line, strings.TrimSuffix(p, "*"))) {
			return true
		}
	}
	return false
}

// wait returns the detail of the next event matching pattern ("name detail", or a prefix
// ending in "*"); unmatched events are kept for later waits.
func (s *eventStream) wait(t *testing.T, pattern string) string {
	t.Helper()
	match := func(line string) bool { return matchesAny(line, []string{pattern}) }
	detail := func(line string) string { _, d, _ := strings.Cut(line, " "); return d }
	for i, line := range s.backlog {
		if match(line) {
			s.backlog = append(s.backlog[:i:i], s.backlog[i+1:]...)
			return detail(line)
		}
	}
	timeout := time.After(15 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("app exited before event %q; saw %q", pattern, s.backlog)
			}
			if match(line) {
				return detail(line)
			}
			s.backlog = append(s.backlog, line)
		case <-timeout:
			t.Fatalf("no event %q; saw %q", pattern, s.backlog)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for a child's output and the test reading it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ownRaces returns the data race reports in a child's stderr that involve lagp code. fyne's
// systray has races of its own (unsynchronised globals in GetLayout); those are left to
// upstream and only logged.
func ownRaces(stderr string) (own, library []string) {
	for _, block := range strings.Split(stderr, "==================") {
		if !strings.Contains(block, "WARNING: DATA RACE") {
			continue
		}
		if strings.Contains(block, "github.com/lagp/lagp/") {
			own = append(own, block)
		} else {
			library = append(library, block)
		}
	}
	return own, library
}

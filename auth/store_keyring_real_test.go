package auth

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// These tests run the keyring store against a real Secret Service (gnome-keyring) on a
// private D-Bus session (DESKTOP.md §3, §6). godbus's session bus is a process singleton, so
// the store runs in a child process: the test binary re-executed with the private bus in its
// environment.

const coreChildEnv = "LAGP_REAL_KEYRING_CHILD"

// coreRequireTool returns the path of a system tool, skipping the test when it is missing,
// or failing it when LAGP_REQUIRE_DESKTOP=1 (CI with the desktop pieces installed).
func coreRequireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("LAGP_REQUIRE_DESKTOP") == "1" {
		t.Fatalf("%s not found but LAGP_REQUIRE_DESKTOP=1: %v", name, err)
	}
	t.Skipf("%s not installed, skipping the real keyring test "+
		"(set LAGP_REQUIRE_DESKTOP=1 to make this a failure)", name)
	return ""
}

// corePrivateBus starts a dbus-daemon with no service directories (nothing gets activated
// behind the test's back) and returns its address. t.Cleanup stops it.
func corePrivateBus(t *testing.T) string {
	t.Helper()
	daemon := coreRequireTool(t, "dbus-daemon")
	dir, err := os.MkdirTemp("", "bus") // short path: unix socket names are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	cfg := `<busconfig><type>session</type><listen>unix:dir=` + dir + `</listen>` +
		`<auth>EXTERNAL</auth><policy context="default"><allow own="*"/>` +
		`<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy>` +
		`</busconfig>`
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return addr
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not print its address")
	}
	return ""
}

// coreStartKeyring starts gnome-keyring-daemon with an unlocked login collection on the bus
// and waits until it owns org.freedesktop.secrets. t.Cleanup stops it.
func coreStartKeyring(t *testing.T, addr string, env []string) {
	t.Helper()
	gkd := coreRequireTool(t, "gnome-keyring-daemon")
	cmd := exec.Command(gkd, "--unlock", "--components=secrets")
	cmd.Env = env
	cmd.Stdin = strings.NewReader("ci-pass")
	if err := cmd.Run(); err != nil {
		t.Fatalf("starting gnome-keyring-daemon: %v", err)
	}
	conn, err := dbus.Connect(addr) // a private connection, not the session singleton
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for i := 0; ; i++ {
		var has bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0,
			"org.freedesktop.secrets").Store(&has)
		if err == nil && has {
			break
		}
		if i == 200 {
			t.Fatal("gnome-keyring-daemon never owned org.freedesktop.secrets")
		}
		time.Sleep(25 * time.Millisecond)
	}
	var pid uint32
	err = conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0,
		"org.freedesktop.secrets").Store(&pid)
	if err == nil && pid > 0 {
		t.Cleanup(func() {
			if p, err := os.FindProcess(int(pid)); err == nil {
				p.Kill()
			}
		})
	}
}

// coreChildEnvFor is the environment of the child: this one without any bus or display,
// with a private HOME and XDG_RUNTIME_DIR and the given bus address.
func coreChildEnvFor(t *testing.T, addr string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "HOME",
			"XDG_RUNTIME_DIR", coreChildEnv:
			continue
		}
		env = append(env, kv)
	}
	runtime, err := os.MkdirTemp("", "xdg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtime) })
	return append(env, "HOME="+t.TempDir(), "XDG_RUNTIME_DIR="+runtime,
		"DBUS_SESSION_BUS_ADDRESS="+addr)
}

// coreRunChild runs TestRealKeyringChild in scenario and fails unless it passed.
func coreRunChild(t *testing.T, env []string, scenario string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRealKeyringChild$", "-test.v",
		"-test.count=1")
	cmd.Env = append(env, coreChildEnv+"="+scenario)
	out, err := cmd.CombinedOutput()
	t.Logf("child output:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: TestRealKeyringChild") {
		t.Fatalf("child scenario %q failed: %v", scenario, err)
	}
}

// TestRealKeyring stores a sign-in in a real gnome-keyring: only the 32-byte key goes to
// the Secret Service, the tokens sit sealed in auth.enc.
func TestRealKeyring(t *testing.T) {
	addr := corePrivateBus(t)
	env := coreChildEnvFor(t, addr)
	coreStartKeyring(t, addr, env)
	coreRunChild(t, env, "store")
}

// TestRealKeyringAbsentFallsBack runs auto mode on a bus where nobody owns
// org.freedesktop.secrets: the probe fails at once (ServiceUnknown) and the file store is
// used, well within the keyring timeout.
func TestRealKeyringAbsentFallsBack(t *testing.T) {
	addr := corePrivateBus(t)
	coreRunChild(t, coreChildEnvFor(t, addr), "absent")
}

// TestRealKeyringChild is the child process of the tests above.
func TestRealKeyringChild(t *testing.T) {
	switch os.Getenv(coreChildEnv) {
	case "store":
		coreChildStore(t)
	case "absent":
		coreChildAbsent(t)
	default:
		t.Skip("helper process for TestRealKeyring and TestRealKeyringAbsentFallsBack")
	}
}

func coreChildStore(t *testing.T) {
	home := filepath.Join(t.TempDir(), "lagp")
	s, logs := coreOpen(t, StoreAuto, home, nil, 5*time.Second)
	if s.Name() != "keyring" {
		t.Fatalf("auto chose %q with gnome-keyring running; logs:\n%s", s.Name(), logs)
	}
	// Tokens of realistic size: real ones run to several KB.
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	tok.IDToken += strings.Repeat("A", 3000)
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	enc, err := keyring.Get("lagp", "token-key")
	if err != nil {
		t.Fatalf("reading the key back from gnome-keyring: %v", err)
	}
	if key, err := base64.StdEncoding.DecodeString(enc); err != nil || len(key) != 32 {
		t.Fatalf("gnome-keyring holds %d chars, want a base64 32-byte key", len(enc))
	}
	coreAssertSealed(t, home, tok)

	// A second process (here: a second store) finds the same sign-in.
	again, _ := coreOpen(t, StoreKeyring, home, nil, 5*time.Second)
	got, err := again.Load(t.Context())
	if err != nil || got.IDToken != tok.IDToken || !sameTokens(got, tok) {
		t.Fatalf("reload through gnome-keyring: %v", err)
	}

	copied := coreTokens(t, coreT0, coreT0.Add(2*time.Hour))
	copied.RefreshToken = "rt_copied"
	coreCopyIn(t, home, "auth.json", copied)
	if got, err := again.Load(t.Context()); err != nil || got.RefreshToken != "rt_copied" {
		t.Fatalf("import into gnome-keyring store: %v", err)
	}
	coreAssertSealed(t, home, copied)

	if err := s.Delete(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get("lagp", "token-key"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("key still in gnome-keyring after Delete: %v", err)
	}
}

func coreChildAbsent(t *testing.T) {
	home := t.TempDir()
	start := time.Now()
	// A timeout far beyond the test's patience: falling back must not depend on it.
	s, logs := coreOpen(t, StoreAuto, home, nil, 10*time.Minute)
	elapsed := time.Since(start)
	if s.Name() != "file" {
		t.Fatalf("auto chose %q with no Secret Service", s.Name())
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 ||
		!strings.Contains(logs.String(), "org.freedesktop.secrets") {
		t.Errorf("want one warning naming the missing Secret Service, got:\n%s", logs)
	}
	t.Logf("fell back to the file store in %v", elapsed)
	_, err := OpenStore(t.Context(), StoreConfig{Mode: StoreKeyring, Home: home,
		KeyringTimeout: 10 * time.Minute})
	if err == nil || errors.Is(err, ErrKeyringTimeout) {
		t.Errorf("keyring mode without a Secret Service: err = %v", err)
	}
	fmt.Println("fallback ok")
}

// Package e2e runs the lagp binary as users do, with the official client libraries talking to
// it, a strict fake of the ChatGPT backend behind it and a fake OAuth issuer for its sign-in.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// binary is the lagp executable built once for all tests.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv("LAGP_E2E_BROWSER") == "1" {
		os.Exit(actAsBrowser(os.Args[len(os.Args)-1]))
	}
	dir, err := os.MkdirTemp("", "lagp-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "lagp")
	build := exec.Command("go", "build", "-o", binary, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building lagp: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// actAsBrowser is what the test binary does when lagp runs it as its browser (LAGP_BROWSER):
// it follows the sign-in URL and its redirects, as a user's browser would, without a display.
func actAsBrowser(url string) int {
	res, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		return 1
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "browser: final page answered", res.Status)
		return 1
	}
	return 0
}

// browserEnv makes lagp open URLs with this test binary acting as a browser.
func browserEnv(t *testing.T) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"LAGP_BROWSER=" + self, "LAGP_E2E_BROWSER=1"}
}

// instance is one running lagp with its fakes.
type instance struct {
	URL    string
	Home   string
	Fake   *fakebackend.Server
	Issuer *authtest.Issuer
	Tokens auth.Tokens
	cmd    *exec.Cmd
	out    *syncBuffer
	waited chan error
}

type options struct {
	args     []string
	signedIn bool // start with a stored sign-in
	issuer   *authtest.Issuer
	home     string // a prepared home directory; default a new one
	env      []string
}

// start runs lagp headless on a free port, signed in unless told otherwise.
func start(t *testing.T, o options) *instance {
	t.Helper()
	if o.home == "" {
		o.home = t.TempDir()
	}
	in := &instance{Home: o.home, Fake: fakebackend.New(), Issuer: o.issuer,
		out: &syncBuffer{}, waited: make(chan error, 1)}
	t.Cleanup(in.Fake.Close)
	if in.Issuer == nil {
		in.Issuer = authtest.NewIssuer(t)
	}
	issuer := in.Issuer
	in.Fake.AcceptFunc(func(tok string) bool { return slices.Contains(issuer.Issued(), tok) })
	if o.signedIn {
		in.Tokens = in.Issuer.Mint("dev@example.com", "plus", time.Hour)
		writeAuthJSON(t, in.Home, in.Tokens)
	}
	port := freePort(t)
	in.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
	args := append([]string{"--no-tray", "--port", fmt.Sprint(port)}, o.args...)
	in.cmd = exec.Command(binary, args...)
	in.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + in.Home,
		"LAGP_HOME=" + filepath.Join(in.Home, ".lagp"),
		"LAGP_BACKEND_URL=" + in.Fake.URL,
		"LAGP_AUTH_URL=" + in.Issuer.URL,
		"LAGP_TOKEN_STORE=file",
		"XDG_STATE_HOME=" + filepath.Join(in.Home, "state"),
	}, o.env...)
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.waited <- in.cmd.Wait() }()
	t.Cleanup(func() { in.stop(t) })
	in.waitReady(t)
	return in
}

func writeAuthJSON(t *testing.T, home string, tok auth.Tokens) {
	t.Helper()
	b, err := auth.MarshalAuthJSON(tok)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, ".lagp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "auth.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-in.waited:
			t.Fatalf("lagp exited early: %v\n%s", err, in.out.String())
		default:
		}
		res, err := http.Get(in.URL + "/api/version")
		if err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("lagp did not answer in time\n%s", in.out.String())
}

// stop sends SIGTERM and expects a clean exit.
func (in *instance) stop(t *testing.T) {
	if in.cmd.ProcessState != nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.waited:
		if err != nil {
			t.Errorf("lagp exit after SIGTERM: %v\n%s", err, in.out.String())
		}
	case <-time.After(10 * time.Second):
		_ = in.cmd.Process.Kill()
		t.Errorf("lagp ignored SIGTERM\n%s", in.out.String())
	}
	in.checkNoSecrets(t, in.out.String())
}

// checkNoSecrets fails when any token the issuer minted appears in out.
func (in *instance) checkNoSecrets(t *testing.T, out string) {
	t.Helper()
	for _, tok := range in.Issuer.Issued() {
		if strings.Contains(out, tok) {
			t.Errorf("a token the issuer minted appeared in lagp's output")
			return
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a child's output for failure messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// requireTool skips (or, under LAGP_REQUIRE_DESKTOP=1, fails) when a program is missing.
func requireTool(t *testing.T, path, why string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if os.Getenv("LAGP_REQUIRE_DESKTOP") == "1" {
		t.Fatalf("%s is missing (%s) and LAGP_REQUIRE_DESKTOP=1", path, why)
	}
	t.Skipf("skipping: %s is missing (%s)", path, why)
}

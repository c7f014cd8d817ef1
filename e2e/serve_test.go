package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the lagp binary to completion with a private home and returns its output.
func run(t *testing.T, home string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"LAGP_HOME=" + filepath.Join(home, ".lagp"), "LAGP_TOKEN_STORE=file",
		"LAGP_BACKEND_URL=http://127.0.0.1:1", "LAGP_AUTH_URL=http://127.0.0.1:1"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRefusesToExposeWithoutAPIKey(t *testing.T) {
	out, err := run(t, t.TempDir(), "--no-tray", "--host", "0.0.0.0", "--port",
		"0", "--no-browser")
	if err == nil || !strings.Contains(out, "--api-key") {
		t.Errorf("lagp on 0.0.0.0 without a key: err %v\n%s", err, out)
	}
}

func TestSecondInstanceNamesTheFirst(t *testing.T) {
	in := start(t, options{signedIn: true})
	port := in.URL[strings.LastIndex(in.URL, ":")+1:]
	out, err := run(t, t.TempDir(), "--no-tray", "--port", port, "--no-browser")
	if err == nil || !strings.Contains(out, "already running at "+in.URL) {
		t.Errorf("second lagp: err %v\n%s", err, out)
	}
}

func TestVersionAndUsage(t *testing.T) {
	out, err := run(t, t.TempDir(), "--version")
	if err != nil || !strings.HasPrefix(out, "lagp ") {
		t.Errorf("--version: %v %q", err, out)
	}
	out, err = run(t, t.TempDir(), "frobnicate")
	if err == nil || !strings.Contains(out, "unknown command") || !strings.Contains(out, "lagp push") {
		t.Errorf("unknown command: %v %q", err, out)
	}
	out, err = run(t, t.TempDir(), "push")
	if err == nil || !strings.Contains(out, "usage: lagp push URL") {
		t.Errorf("push without URL: %v %q", err, out)
	}
}

func TestStatusExitsNonZeroWhenSignedOut(t *testing.T) {
	out, err := run(t, t.TempDir(), "status", "--port", "1")
	if err == nil || !strings.Contains(out, "Not signed in") {
		t.Errorf("lagp status signed out: err %v\n%s", err, out)
	}
	if strings.Contains(out, "lagp: not signed in") {
		t.Errorf("the report is followed by a second, redundant error line:\n%s", out)
	}
}

func TestSecondInstanceOnTheSameHomeIsRefused(t *testing.T) {
	in := start(t, options{signedIn: true})
	cmd := exec.Command(binary, "--no-tray", "--no-browser", "--port", fmt.Sprint(freePort(t)))
	cmd.Env = append(in.cmd.Env[:0:0], in.cmd.Env...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already running with this LAGP_HOME") {
		t.Errorf("second lagp on the same home: err %v\n%s", err, out)
	}
}

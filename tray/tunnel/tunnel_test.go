//go:build !windows

package tunnel

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeCloudflared puts a cloudflared script first in PATH. The script records its arguments
// and pid in dir, prints what body prints, then runs until it gets SIGTERM (recorded too).
func fakeCloudflared(t *testing.T, body string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	script := "#!/bin/sh\n" +
		"echo \"$@\" > \"" + dir + "/args\"\n" +
		"echo $$ > \"" + dir + "/pid\"\n" +
		"trap 'echo term > \"" + dir + "/signal\"; exit 0' TERM\n" +
		body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "cloudflared"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

const printsURL = `echo "INF Requesting new quick Tunnel on trycloudflare.com..." >&2
echo "INF |  Your quick Tunnel has been created! Visit it at:  |" >&2
echo "INF |  https://tall-pine-cedar-17.trycloudflare.com     |" >&2
while :; do sleep 0.05; done`

func alive(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return syscall.Kill(pid, 0) == nil
}

func TestStartAndStop(t *testing.T) {
	dir := fakeCloudflared(t, printsURL)
	tun, err := Start(context.Background(), Config{LocalURL: "http://127.0.0.1:11434"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tun.URL(); got != "https://tall-pine-cedar-17.trycloudflare.com" {
		t.Errorf("URL() = %q", got)
	}
	if got := tun.Host(); got != "tall-pine-cedar-17.trycloudflare.com" {
		t.Errorf("Host() = %q", got)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if got := strings.TrimSpace(string(args)); got != "tunnel --url http://127.0.0.1:11434" {
		t.Errorf("cloudflared args = %q", got)
	}
	if !alive(t, dir) {
		t.Fatal("cloudflared not running after Start")
	}
	if err := tun.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if sig, _ := os.ReadFile(filepath.Join(dir, "signal")); string(sig) != "term\n" {
		t.Errorf("cloudflared got no SIGTERM (signal file %q)", sig)
	}
	if alive(t, dir) {
		t.Error("cloudflared still running after Stop")
	}
	select {
	case <-tun.Done():
	default:
		t.Error("Done not closed after Stop")
	}
}

func TestStopsWithStartContext(t *testing.T) {
	dir := fakeCloudflared(t, printsURL)
	ctx, cancel := context.WithCancel(context.Background())
	tun, err := Start(ctx, Config{LocalURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-tun.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("tunnel did not stop with its context")
	}
	if tun.Err() != nil {
		t.Errorf("Err after cancel = %v, want nil", tun.Err())
	}
	if alive(t, dir) {
		t.Error("cloudflared still running")
	}
}

func TestKilledWhenTermIgnored(t *testing.T) {
	dir := fakeCloudflared(t, `trap '' TERM
echo "https://stubborn.trycloudflare.com" >&2
while :; do sleep 0.05; done`)
	tun, err := Start(context.Background(), Config{LocalURL: "http://127.0.0.1:1",
		StopTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_ = tun.Stop()
	if alive(t, dir) {
		t.Error("cloudflared survived Stop")
	}
}

func TestExitBeforeURL(t *testing.T) {
	fakeCloudflared(t, `echo "ERR failed to request quick Tunnel: 429 Too Many Requests" >&2
exit 1`)
	_, err := Start(context.Background(), Config{LocalURL: "http://127.0.0.1:1"})
	if err == nil {
		t.Fatal("Start succeeded")
	}
	for _, want := range []string{"exited before reporting", "exit status 1", "429 Too Many"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestSilentTimesOut(t *testing.T) {
	dir := fakeCloudflared(t, `echo "INF starting" >&2
while :; do sleep 0.05; done`)
	_, err := Start(context.Background(), Config{LocalURL: "http://127.0.0.1:1",
		StartTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no public URL") {
		t.Fatalf("Start error = %v", err)
	}
	if alive(t, dir) {
		t.Error("cloudflared left running after a failed start")
	}
}

func TestExitAfterStartIsReported(t *testing.T) {
	fakeCloudflared(t, `echo "https://brief.trycloudflare.com" >&2
sleep 0.2
exit 3`)
	tun, err := Start(context.Background(), Config{LocalURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-tun.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("exit not noticed")
	}
	if err := tun.Err(); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("Err() = %v", err)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Config{LocalURL: "http://127.0.0.1:1"})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Start error = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), InstallHelpURL) {
		t.Errorf("error %q does not point at the help", err)
	}
}

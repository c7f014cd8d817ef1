package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// coreLogSink collects log output of concurrent goroutines.
type coreLogSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *coreLogSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *coreLogSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// coreLogger returns a Debug-level logger writing into a sink.
func coreLogger() (*slog.Logger, *coreLogSink) {
	sink := &coreLogSink{}
	return slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug})),
		sink
}

func coreMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// coreRoundTrip checks that an empty store reports ErrNoTokens, then that a saved sign-in loads
// back unchanged, and returns it.
func coreRoundTrip(t *testing.T, s Store) Tokens {
	t.Helper()
	ctx := t.Context()
	if _, err := s.Load(ctx); !errors.Is(err, ErrNoTokens) {
		t.Fatalf("empty store: err = %v, want ErrNoTokens", err)
	}
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(tok, got); d != "" {
		t.Errorf("loaded (-want +got):\n%s", d)
	}
	return tok
}

func TestFileStoreRoundTrip(t *testing.T) {
	home := filepath.Join(t.TempDir(), "lagp")
	log, _ := coreLogger()
	s := newFileStore(home, log)
	coreRoundTrip(t, s)
	if m := coreMode(t, home); m != 0o700 {
		t.Errorf("home mode %v, want 0700", m)
	}
	if m := coreMode(t, filepath.Join(home, "auth.json")); m != 0o600 {
		t.Errorf("auth.json mode %v, want 0600", m)
	}
	b, _ := os.ReadFile(filepath.Join(home, "auth.json"))
	if !bytes.Contains(b, []byte(`"auth_mode": "chatgpt"`)) {
		t.Errorf("auth.json not in the Codex layout:\n%s", b)
	}
	if s.Name() != "file" {
		t.Errorf("Name() = %q", s.Name())
	}
}

// coreFailingWriter writes part of the data, then fails or runs die.
type coreFailingWriter struct {
	w     io.Writer
	after int
	die   func()
}

func (f *coreFailingWriter) Write(p []byte) (int, error) {
	n, _ := f.w.Write(p[:min(f.after, len(p))])
	if f.die != nil {
		f.die()
	}
	return n, errors.New("disk full")
}

func TestFileStoreFailureMidWriteKeepsOldFile(t *testing.T) {
	home := t.TempDir()
	log, _ := coreLogger()
	s := newFileStore(home, log)
	ctx := t.Context()
	old := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(ctx, old); err != nil {
		t.Fatal(err)
	}
	s.write.wrap = func(w io.Writer) io.Writer { return &coreFailingWriter{w: w, after: 100} }
	next := coreTokens(t, coreT0.Add(time.Hour), coreT0.Add(2*time.Hour))
	next.RefreshToken = "rt_next"
	if err := s.Save(ctx, next); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Save err = %v, want the write failure", err)
	}
	got, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(old, got); d != "" {
		t.Errorf("old tokens damaged (-want +got):\n%s", d)
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 1 {
		t.Errorf("temp file left behind: %v", entries)
	}
}

// TestFileStoreCrashMidWrite kills a real process halfway through writing the new file and
// checks that the previous sign-in survives intact.
func TestFileStoreCrashMidWrite(t *testing.T) {
	home := t.TempDir()
	log, _ := coreLogger()
	s := newFileStore(home, log)
	old := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCoreCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LAGP_CORE_CRASH_HOME="+home)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Fatalf("child did not crash mid-write: %v\n%s", err, out)
	}
	got, err := s.Load(t.Context())
	if err != nil {
		t.Fatalf("after crash: %v", err)
	}
	if d := cmp.Diff(old, got); d != "" {
		t.Errorf("old tokens damaged by crash (-want +got):\n%s", d)
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 2 {
		t.Errorf("want auth.json and the crashed writer's temp file, got %v", entries)
	}
	next := coreTokens(t, coreT0, coreT0.Add(2*time.Hour))
	if err := s.Save(t.Context(), next); err != nil {
		t.Fatalf("saving after a crash: %v", err)
	}
	if got, _ := s.Load(t.Context()); !sameTokens(got, next) {
		t.Error("save after crash did not take")
	}
}

// TestCoreCrashChild is the process TestFileStoreCrashMidWrite kills: it writes half of a
// new auth.json and exits without cleanup, as a power cut or kill -9 would.
func TestCoreCrashChild(t *testing.T) {
	home := os.Getenv("LAGP_CORE_CRASH_HOME")
	if home == "" {
		t.Skip("helper process for TestFileStoreCrashMidWrite")
	}
	s := newFileStore(home, slog.Default())
	s.write.wrap = func(w io.Writer) io.Writer {
		return &coreFailingWriter{w: w, after: 150, die: func() { os.Exit(7) }}
	}
	next := coreTokens(t, coreT0.Add(time.Hour), coreT0.Add(2*time.Hour))
	s.Save(context.Background(), next)
	t.Fatal("still alive after the crash point")
}

func TestFileStoreRestrictsLoosePermissions(t *testing.T) {
	home := t.TempDir()
	log, logs := coreLogger()
	s := newFileStore(home, log)
	b, err := MarshalAuthJSON(coreTokens(t, coreT0, coreT0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "auth.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if m := coreMode(t, path); m != 0o600 {
		t.Errorf("mode after load %v, want 0600", m)
	}
	if !strings.Contains(logs.String(), "readable by others") {
		t.Errorf("no warning logged: %s", logs)
	}
}

func TestFileStoreDeleteRemovesEveryCopy(t *testing.T) {
	home := t.TempDir()
	log, _ := coreLogger()
	s := newFileStore(home, log)
	if err := s.Save(t.Context(), coreTokens(t, coreT0, coreT0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"auth.json.imported", "auth.enc", "settings.json"} {
		if err := os.WriteFile(filepath.Join(home, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context()); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 1 || entries[0].Name() != "settings.json" {
		t.Errorf("left in home: %v, want only settings.json", entries)
	}
	if _, err := s.Load(t.Context()); !errors.Is(err, ErrNoTokens) {
		t.Errorf("after delete: %v", err)
	}
}

func TestFileStoreRejectsBrokenFile(t *testing.T) {
	home := t.TempDir()
	log, _ := coreLogger()
	if err := os.WriteFile(filepath.Join(home, "auth.json"), []byte(`{"tokens":`),
		0o600); err != nil {
		t.Fatal(err)
	}
	_, err := newFileStore(home, log).Load(t.Context())
	if err == nil || errors.Is(err, ErrNoTokens) {
		t.Errorf("err = %v, want a read error that is not ErrNoTokens", err)
	}
}

func TestAtomicWriterRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".auth.json.tmp-123")
	fresh := filepath.Join(dir, ".auth.json.tmp-456")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	err := (atomicWriter{}).writeFile(filepath.Join(dir, "auth.json"), []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Error("stale temp file kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("recent temp file (maybe a concurrent writer's) removed")
	}
}

package logfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func openTest(t *testing.T, maxBytes int64, keep int) (*Writer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "logs")
	w, err := Open(dir, maxBytes, keep)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w, dir
}

func write(t *testing.T, w *Writer, s string) {
	t.Helper()
	n, err := w.Write([]byte(s))
	if err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

// files returns the contents of every file in dir by name.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = string(b)
	}
	return got
}

func TestWriter_Rotation(t *testing.T) {
	tests := []struct {
		name   string
		max    int64
		keep   int
		writes []string
		want   map[string]string
	}{
		{
			name: "under the limit", max: 100, keep: 2,
			writes: []string{"aaaa\n", "bbbb\n"},
			want:   map[string]string{"lagp.log": "aaaa\nbbbb\n"},
		},
		{
			name: "exactly at the limit stays", max: 10, keep: 2,
			writes: []string{"aaaa\n", "bbbb\n"},
			want:   map[string]string{"lagp.log": "aaaa\nbbbb\n"},
		},
		{
			name: "shifts and drops the oldest", max: 10, keep: 2,
			writes: []string{"111111\n", "222222\n", "333333\n", "444444\n"},
			want: map[string]string{
				"lagp.log": "444444\n", "lagp.log.1": "333333\n", "lagp.log.2": "222222\n",
			},
		},
		{
			name: "keep zero truncates", max: 10, keep: 0,
			writes: []string{"111111\n", "222222\n", "333333\n"},
			want:   map[string]string{"lagp.log": "333333\n"},
		},
		{
			name: "oversized record goes alone to a fresh file", max: 10, keep: 3,
			writes: []string{"abc\n", strings.Repeat("x", 25) + "\n", "def\n"},
			want: map[string]string{
				"lagp.log": "def\n", "lagp.log.1": strings.Repeat("x", 25) + "\n",
				"lagp.log.2": "abc\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, dir := openTest(t, tt.max, tt.keep)
			for _, s := range tt.writes {
				write(t, w, s)
			}
			if diff := cmp.Diff(tt.want, files(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpen_CountsExistingSizeAndAppends(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("old run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir, 12, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Path() != path {
		t.Errorf("Path() = %q; want %q", w.Path(), path)
	}
	write(t, w, "new\n")  // 8 + 4 = 12: still fits
	write(t, w, "next\n") // would be 17: rotates
	want := map[string]string{"lagp.log": "next\n", "lagp.log.1": "old run\nnew\n"}
	if diff := cmp.Diff(want, files(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestOpen_Permissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "logs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A file left by an older build with wider permissions is tightened.
	if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Open(dir, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write(t, w, "0123456789")
	write(t, w, "rotated\n")
	for _, name := range []string{FileName, FileName + ".1"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v; want 0600", name, fi.Mode().Perm())
		}
	}
	fresh := filepath.Join(parent, "new", "logs")
	w2, err := Open(fresh, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new log directory mode %v (err %v); want 0700", fi.Mode().Perm(), err)
	}
}

func TestOpen_BadArguments(t *testing.T) {
	if _, err := Open(t.TempDir(), 0, 1); err == nil {
		t.Error("Open accepted a zero size limit")
	}
	if _, err := Open(t.TempDir(), 10, -1); err == nil {
		t.Error("Open accepted a negative keep")
	}
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(blocker, "logs"), 10, 1); err == nil {
		t.Error("Open succeeded below a regular file")
	}
}

func TestWriter_RotationFailureKeepsLogging(t *testing.T) {
	w, dir := openTest(t, 10, 1)
	// A non-empty directory named lagp.log.1 makes every rotation fail, even for root.
	if err := os.MkdirAll(filepath.Join(dir, FileName+".1", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, w, "first-line\n")
	if _, err := w.Write([]byte("second\n")); err != nil {
		t.Fatalf("a failed rotation lost the record: %v", err)
	}
	write(t, w, "third\n")
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "first-line\nsecond\nthird\n" {
		t.Errorf("log holds %q; want all three records", b)
	}
}

func TestWriter_Close(t *testing.T) {
	w, _ := openTest(t, 10, 1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Write after Close = %v; want fs.ErrClosed", err)
	}
}

func TestWriter_ConcurrentWritesStayWhole(t *testing.T) {
	const writers, lines = 8, 200
	w, dir := openTest(t, 4096, 1000)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				if _, err := fmt.Fprintf(w, "writer=%d line=%04d %s\n", g, i,
					strings.Repeat("=", 40)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for name, content := range files(t, dir) {
		if int64(len(content)) > 4096 {
			t.Errorf("%s is %d bytes, over the 4096 limit", name, len(content))
		}
		sc := bufio.NewScanner(strings.NewReader(content))
		for sc.Scan() {
			line := sc.Text()
			var g, i int
			var pad string
			if _, err := fmt.Sscanf(line, "writer=%d line=%d %s", &g, &i, &pad); err != nil ||
				pad != strings.Repeat("=", 40) {
				t.Fatalf("torn line in %s: %q", name, line)
			}
			seen[line] = true
		}
	}
	if len(seen) != writers*lines {
		t.Errorf("found %d distinct lines; want %d", len(seen), writers*lines)
	}
}

func BenchmarkWriter_Write(b *testing.B) {
	w, err := Open(b.TempDir(), 1<<20, 3)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	line := bytes.Repeat([]byte("x"), 119)
	line = append(line, '\n')
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}

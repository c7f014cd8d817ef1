package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// openTest opens a store in a fresh directory with deterministic randomness and time.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	s, err := Open(home, WithRand(&countingReader{}), WithClock(func() time.Time { return testTime }))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, home
}

// countingReader yields 0, 1, 2, … so each generated key differs but is predictable.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// readDisk decodes config.json as it is on disk.
func readDisk(t *testing.T, home string) Settings {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, FileName))
	if err != nil {
		t.Fatalf("reading config: %v", err)
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("decoding config: %v", err)
	}
	return s
}

func validKey(name string) APIKey {
	return APIKey{Name: name, Key: "lagp-" + strings.Repeat(name[:1], 20), Created: testTime}
}

func TestOpen_MissingFileGivesDefaults(t *testing.T) {
	s, home := openTest(t)
	want := Settings{
		Port: 11434, APIKeys: []APIKey{}, Remotes: []Remote{}, ReasoningField: "reasoning_content",
		OllamaToolCallIDs: true, LogLevel: "INFO", CallbackPort: 1455,
	}
	if diff := cmp.Diff(want, s.Get()); diff != "" {
		t.Errorf("Get() mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(home); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open created %s (err %v); want nothing written before a change", home, err)
	}
}

func TestOpen_PartialFileKeepsDefaults(t *testing.T) {
	home := t.TempDir()
	writeConfig(t, home, `{"port": 8080, "log_level": "DEBUG"}`)
	s, err := Open(home)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Get()
	if got.Port != 8080 || got.LogLevel != "DEBUG" {
		t.Errorf("file values lost: port %d, level %q", got.Port, got.LogLevel)
	}
	if !got.OllamaToolCallIDs || got.CallbackPort != 1455 || got.ReasoningField != ReasoningContent {
		t.Errorf("defaults lost for fields missing from the file: %+v", got)
	}
}

func writeConfig(t *testing.T, home, body string) string {
	t.Helper()
	path := filepath.Join(home, FileName)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpen_CorruptFileIsAnErrorAndKept(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"not json", `{"port": 11434,`, "not valid JSON"},
		{"wrong type", `{"port": "high"}`, "not valid JSON"},
		{"bad port", `{"port": 70000}`, "port 70000"},
		{"bad level", `{"log_level": "LOUD"}`, "log level"},
		{"bad remote", `{"remotes": [{"name": "a", "url": "ftp://x"}]}`, "http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			path := writeConfig(t, home, tt.body)
			_, err := Open(home)
			if err == nil {
				t.Fatal("Open succeeded; want an error")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q should name %s and contain %q", err, path, tt.wantErr)
			}
			b, _ := os.ReadFile(path)
			if string(b) != tt.body {
				t.Errorf("corrupt file was changed to %q", b)
			}
		})
	}
}

func TestUpdate_Validation(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Settings)
		wantErr string
	}{
		{"port zero", func(s *Settings) { s.Port = 0 }, "port 0"},
		{"port too high", func(s *Settings) { s.Port = 65536 }, "port 65536"},
		{"callback port", func(s *Settings) { s.CallbackPort = -1 }, "callback port"},
		{"level", func(s *Settings) { s.LogLevel = "info" }, "log level"},
		{"reasoning", func(s *Settings) { s.ReasoningField = "reasoning" }, "reasoning field"},
		{"empty key name", func(s *Settings) {
			s.APIKeys = []APIKey{validKey("x")}
			s.APIKeys[0].Name = ""
		}, "name is empty"},
		{"spaced key name", func(s *Settings) { s.APIKeys = []APIKey{validKey(" x")} }, "spaces"},
		{"long key name", func(s *Settings) { s.APIKeys = []APIKey{validKey(strings.Repeat("n", 65))} },
			"longer"},
		{"control in name", func(s *Settings) { s.APIKeys = []APIKey{validKey("a\x07b")} },
			"unprintable"},
		{"duplicate key name", func(s *Settings) { s.APIKeys = []APIKey{validKey("a"), validKey("a")} },
			"used twice"},
		{"short key", func(s *Settings) { s.APIKeys = []APIKey{{Name: "a", Key: "lagp-short"}} },
			"at least 16"},
		{"key with space", func(s *Settings) {
			s.APIKeys = []APIKey{{Name: "a", Key: "lagp-has a space in it"}}
		}, "without spaces"},
		{"duplicate key value", func(s *Settings) {
			s.APIKeys = []APIKey{validKey("a"), validKey("a")}
			s.APIKeys[1].Name = "b"
		}, "duplicates"},
		{"remote scheme", func(s *Settings) { s.Remotes = []Remote{{Name: "r", URL: "ftp://h"}} },
			"http"},
		{"remote no host", func(s *Settings) { s.Remotes = []Remote{{Name: "r", URL: "http://"}} },
			"no host"},
		{"remote userinfo", func(s *Settings) {
			s.Remotes = []Remote{{Name: "r", URL: "https://u:p@h"}}
		}, "user name"},
		{"remote query", func(s *Settings) { s.Remotes = []Remote{{Name: "r", URL: "https://h/?s=1"}} },
			"query"},
		{"remote dup", func(s *Settings) {
			s.Remotes = []Remote{{Name: "r", URL: "https://h"}, {Name: "r", URL: "https://i"}}
		}, "used twice"},
		{"lan without key", func(s *Settings) { s.ExposeLAN = true }, "needs at least one API key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, home := openTest(t)
			before := s.Get()
			err := s.Update(func(st *Settings) error { tt.edit(st); return nil })
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Update error = %v; want one containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(before, s.Get()); diff != "" {
				t.Errorf("a rejected update changed the settings:\n%s", diff)
			}
			if _, err := os.Stat(filepath.Join(home, FileName)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a rejected update wrote the file (stat err %v)", err)
			}
		})
	}
}

func TestUpdate_ValidValuesAccepted(t *testing.T) {
	s, _ := openTest(t)
	err := s.Update(func(st *Settings) error {
		st.Port = 65535
		st.CallbackPort = 1
		st.LogLevel = "WARNING"
		st.ReasoningField = ReasoningBoth
		st.APIKeys = []APIKey{validKey("laptop"), validKey("phone")}
		st.ExposeLAN = true
		st.Remotes = []Remote{
			{Name: "vps", URL: "http://10.0.0.2:11434", SyncSecret: "s"},
			{Name: "box", URL: "https://box.example/lagp/"},
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func TestUpdate_EditErrorChangesNothing(t *testing.T) {
	s, home := openTest(t)
	boom := errors.New("boom")
	err := s.Update(func(st *Settings) error { st.Port = 1234; return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v; want boom", err)
	}
	if s.Get().Port != DefaultPort {
		t.Errorf("port changed to %d after a failed edit", s.Get().Port)
	}
	if _, err := os.Stat(filepath.Join(home, FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("failed edit wrote the file")
	}
}

func TestUpdate_PersistsWithPrivatePermissions(t *testing.T) {
	s, home := openTest(t)
	if err := s.Update(func(st *Settings) error {
		st.Port = 8080
		st.Remotes = []Remote{{Name: "vps", URL: "https://vps.example", SyncSecret: "hunter2"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(home)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Get(), reopened.Get()); diff != "" {
		t.Errorf("reopened settings differ (-saved +loaded):\n%s", diff)
	}
	if runtime.GOOS == "windows" {
		return // Unix permission bits do not apply.
	}
	checkMode(t, home, 0o700|fs.ModeDir)
	checkMode(t, filepath.Join(home, FileName), 0o600)
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s mode = %v; want %v", path, fi.Mode(), want)
	}
}

func TestUpdate_AtomicWriteLeavesNoTempFiles(t *testing.T) {
	s, home := openTest(t)
	for port := 2000; port < 2010; port++ {
		if err := s.Update(func(st *Settings) error { st.Port = port; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != FileName {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("home holds %v; want only %s", names, FileName)
	}
	if got := readDisk(t, home).Port; got != 2009 {
		t.Errorf("disk port = %d; want 2009", got)
	}
}

func TestUpdate_WriteFailureKeepsState(t *testing.T) {
	s, home := openTest(t)
	if err := s.Update(func(st *Settings) error { st.Port = 2000; return nil }); err != nil {
		t.Fatal(err)
	}
	ch, cancel := s.Subscribe()
	defer cancel()
	// A non-empty directory where the file should be makes the rename fail, even for root.
	path := filepath.Join(home, FileName)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "blocker"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := s.Update(func(st *Settings) error { st.Port = 3000; return nil })
	if err == nil {
		t.Fatal("Update succeeded although the file could not be replaced")
	}
	if got := s.Get().Port; got != 2000 {
		t.Errorf("memory port = %d after a failed write; want 2000", got)
	}
	select {
	case got := <-ch:
		t.Errorf("subscriber notified of a failed update: port %d", got.Port)
	default:
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 1 {
		t.Errorf("temp file left behind: %d entries in home", len(entries))
	}
}

func TestOverride_NotPersistedUntilUserChangesField(t *testing.T) {
	s, home := openTest(t)
	if err := s.Update(func(st *Settings) error { st.LogLevel = "ERROR"; return nil }); err != nil {
		t.Fatal(err)
	}
	s.Override(func(st *Settings) { st.Port = 9999; st.LogLevel = "DEBUG" })

	if got := s.Get(); got.Port != 9999 || got.LogLevel != "DEBUG" {
		t.Fatalf("Get after Override: port %d level %s; want 9999 DEBUG", got.Port, got.LogLevel)
	}
	if disk := readDisk(t, home); disk.Port != DefaultPort || disk.LogLevel != "ERROR" {
		t.Fatalf("Override reached disk: port %d level %s", disk.Port, disk.LogLevel)
	}

	// Changing another field keeps the overrides in memory and off disk.
	if err := s.Update(func(st *Settings) error { st.StartAtLogin = true; return nil }); err != nil {
		t.Fatal(err)
	}
	disk := readDisk(t, home)
	if disk.Port != DefaultPort || disk.LogLevel != "ERROR" || !disk.StartAtLogin {
		t.Errorf("disk after unrelated change: %+v", disk)
	}
	if got := s.Get(); got.Port != 9999 || got.LogLevel != "DEBUG" || !got.StartAtLogin {
		t.Errorf("memory after unrelated change: %+v", got)
	}

	// The user changing an overridden field wins and is persisted.
	if err := s.Update(func(st *Settings) error { st.Port = 4242; return nil }); err != nil {
		t.Fatal(err)
	}
	disk = readDisk(t, home)
	if disk.Port != 4242 || disk.LogLevel != "ERROR" {
		t.Errorf("disk after changing the port: port %d level %s; want 4242 ERROR",
			disk.Port, disk.LogLevel)
	}
	if got := s.Get(); got.Port != 4242 || got.LogLevel != "DEBUG" {
		t.Errorf("memory after changing the port: port %d level %s", got.Port, got.LogLevel)
	}
}

func TestSubscribe_NotifiedWithLatest(t *testing.T) {
	s, _ := openTest(t)
	ch, cancel := s.Subscribe()
	defer cancel()
	for _, port := range []int{2001, 2002, 2003} {
		if err := s.Update(func(st *Settings) error { st.Port = port; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case got := <-ch:
		if got.Port != 2003 {
			t.Errorf("subscriber got port %d; want the latest, 2003", got.Port)
		}
	default:
		t.Fatal("subscriber was not notified")
	}
	select {
	case got := <-ch:
		t.Errorf("a second value %d was queued; want latest-wins with one slot", got.Port)
	default:
	}
}

func TestSubscribe_NoChangeNoNotification(t *testing.T) {
	s, home := openTest(t)
	ch, cancel := s.Subscribe()
	defer cancel()
	if err := s.Update(func(st *Settings) error { st.Port = DefaultPort; return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ch:
		t.Errorf("notified of a no-op update: %+v", got)
	default:
	}
	if _, err := os.Stat(filepath.Join(home, FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a no-op update wrote the file")
	}
}

func TestSubscribe_OverrideNotifiesAndCancelCloses(t *testing.T) {
	s, _ := openTest(t)
	ch, cancel := s.Subscribe()
	s.Override(func(st *Settings) { st.ExposeLAN = true })
	if got := <-ch; !got.ExposeLAN {
		t.Errorf("override not delivered: %+v", got)
	}
	cancel()
	cancel() // idempotent
	if _, ok := <-ch; ok {
		t.Error("channel still open after cancel")
	}
	s.Override(func(st *Settings) { st.Port = 1 }) // must not panic on the closed channel
}

func TestSubscribe_ConcurrentUpdatesNeverBlock(t *testing.T) {
	s, _ := openTest(t)
	ch, cancel := s.Subscribe()
	defer cancel()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := s.Update(func(st *Settings) error { st.Port = 3000 + i; return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := <-ch; got.Port != s.Get().Port {
		t.Errorf("last delivered port %d; store has %d", got.Port, s.Get().Port)
	}
}

func TestGet_ReturnsACopy(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.AddAPIKey("laptop"); err != nil {
		t.Fatal(err)
	}
	got := s.Get()
	got.APIKeys[0].Name = "changed"
	got.APIKeys = append(got.APIKeys, validKey("extra"))
	if keys := s.Get().APIKeys; len(keys) != 1 || keys[0].Name != "laptop" {
		t.Errorf("mutating a Get result changed the store: %v", keys)
	}
}

func TestEnsureAPIKey(t *testing.T) {
	s, home := openTest(t)
	first, err := s.EnsureAPIKey("tray")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first, KeyPrefix) {
		t.Errorf("key %q lacks the %s prefix", MaskKey(first), KeyPrefix)
	}
	again, err := s.EnsureAPIKey("other")
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Error("EnsureAPIKey created a second key although one existed")
	}
	want := []APIKey{{Name: "tray", Key: first, Created: testTime}}
	if diff := cmp.Diff(want, readDisk(t, home).APIKeys); diff != "" {
		t.Errorf("saved keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{first}, s.Keys()); diff != "" {
		t.Errorf("Keys() (-want +got):\n%s", diff)
	}
}

func TestAddAPIKey_DuplicateNameRefused(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.AddAPIKey("laptop"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAPIKey("laptop"); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("second AddAPIKey error = %v; want 'already exists'", err)
	}
	if _, err := s.AddAPIKey(""); err == nil {
		t.Error("AddAPIKey accepted an empty name")
	}
}

func TestNewAPIKey(t *testing.T) {
	a, err := NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	// 32 bytes in unpadded base64url are 43 characters.
	if !strings.HasPrefix(a, "lagp-") || len(a) != len("lagp-")+43 {
		t.Errorf("key has the wrong shape: prefix or length %d", len(a))
	}
	if a == b {
		t.Error("two calls returned the same key")
	}
	if strings.ContainsAny(a[5:], "+/=") {
		t.Error("key is not unpadded base64url")
	}
	fixed, err := newAPIKey(bytes.NewReader(make([]byte, 32)))
	if err != nil || fixed != "lagp-"+strings.Repeat("A", 43) {
		t.Errorf("newAPIKey(zeros) = %q, %v", fixed, err)
	}
	if _, err := newAPIKey(bytes.NewReader(make([]byte, 5))); err == nil {
		t.Error("short randomness accepted")
	}
}

func TestMaskKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"lagp-AbCdEfGhIjKlMnOpQrStUvWxyz9", "lagp-Ab…xyz9"},
		{"sk-0123456789abcdefXYZW", "sk…XYZW"},
		{"short", "…"},
		{"", "…"},
	}
	for _, tt := range tests {
		if got := MaskKey(tt.key); got != tt.want {
			t.Errorf("MaskKey(%q) = %q; want %q", tt.key, got, tt.want)
		}
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	const key, secret = "lagp-TOPSECRETKEYVALUE0123456789", "SYNC-SECRET-VALUE"
	s := Defaults()
	s.APIKeys = []APIKey{{Name: "k", Key: key}}
	s.Remotes = []Remote{{Name: "r", URL: "https://r.example", SyncSecret: secret}}

	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("settings", "keys", s.APIKeys[0],
		"remote", s.Remotes[0])
	outputs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s),
		fmt.Sprintf("%s", s.APIKeys), logged.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, "TOPSECRET") || strings.Contains(out, secret) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if !strings.Contains(logged.String(), "lagp-TO…6789") {
		t.Errorf("log lacks the masked key: %s", logged.String())
	}
}

func BenchmarkStore_Get(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.AddAPIKey(fmt.Sprintf("key%d", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Get()
	}
}

func BenchmarkStore_Update(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	port := 2000
	for b.Loop() {
		port++
		if err := s.Update(func(st *Settings) error { st.Port = port; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// coreFakeKeyring is an in-memory Keyring with switches for failures and hangs.
type coreFakeKeyring struct {
	mu      sync.Mutex
	secrets map[string]string
	err     error         // every call fails with it
	setErr  error         // Set fails with it
	block   chan struct{} // calls wait until it is closed
	calls   int
}

func (k *coreFakeKeyring) enter() error {
	k.mu.Lock()
	k.calls++
	block, err := k.block, k.err
	k.mu.Unlock()
	if block != nil {
		<-block
	}
	return err
}

func (k *coreFakeKeyring) Get(service, user string) (string, error) {
	if err := k.enter(); err != nil {
		return "", err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.secrets[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return s, nil
}

func (k *coreFakeKeyring) Set(service, user, secret string) error {
	if err := k.enter(); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.setErr != nil {
		return k.setErr
	}
	if k.secrets == nil {
		k.secrets = make(map[string]string)
	}
	k.secrets[service+"/"+user] = secret
	return nil
}

func (k *coreFakeKeyring) Delete(service, user string) error {
	if err := k.enter(); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.secrets[service+"/"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.secrets, service+"/"+user)
	return nil
}

func (k *coreFakeKeyring) snapshot() map[string]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string]string, len(k.secrets))
	for n, s := range k.secrets {
		out[n] = s
	}
	return out
}

// coreOpen opens a store in mode over kr with a Debug logger.
func coreOpen(t *testing.T, mode, home string, kr Keyring, timeout time.Duration) (Store,
	*coreLogSink) {
	t.Helper()
	log, logs := coreLogger()
	s, err := OpenStore(t.Context(), StoreConfig{Mode: mode, Home: home, Keyring: kr,
		KeyringTimeout: timeout, Logger: log})
	if err != nil {
		t.Fatalf("OpenStore(%s): %v", mode, err)
	}
	return s, logs
}

// coreAssertSealed checks that auth.enc exists 0600 and holds none of tok's secrets, and
// that no plain auth.json is left.
func coreAssertSealed(t *testing.T, home string, tok Tokens) {
	t.Helper()
	path := filepath.Join(home, "auth.enc")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := coreMode(t, path); m != 0o600 {
		t.Errorf("auth.enc mode %v, want 0600", m)
	}
	for _, s := range []string{tok.IDToken[20:40], tok.AccessToken[20:40], tok.RefreshToken,
		"refresh_token", "chatgpt"} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("auth.enc contains plain text %q", s)
		}
	}
	for _, plain := range []string{"auth.json", "auth.json.imported"} {
		if _, err := os.Stat(filepath.Join(home, plain)); err == nil {
			t.Errorf("plain %s left in home", plain)
		}
	}
}

func TestKeyringStoreRoundTrip(t *testing.T) {
	home := t.TempDir()
	kr := &coreFakeKeyring{}
	s, _ := coreOpen(t, StoreKeyring, home, kr, 0)
	if s.Name() != "keyring" {
		t.Fatalf("Name() = %q", s.Name())
	}
	tok := coreRoundTrip(t, s)
	coreAssertSealed(t, home, tok)
	secrets := kr.snapshot()
	if len(secrets) != 1 {
		t.Fatalf("keyring holds %d secrets, want only the key: %v", len(secrets), secrets)
	}
	key, err := base64.StdEncoding.DecodeString(secrets["lagp/token-key"])
	if err != nil || len(key) != 32 {
		t.Errorf("keyring entry lagp/token-key is not a base64 32-byte key (%d bytes, %v)",
			len(key), err)
	}
}

func TestKeyringStoreKeepsKeyAndUsesFreshNonces(t *testing.T) {
	home := t.TempDir()
	kr := &coreFakeKeyring{}
	s, _ := coreOpen(t, StoreKeyring, home, kr, 0)
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	key1 := kr.snapshot()["lagp/token-key"]
	first, _ := os.ReadFile(filepath.Join(home, "auth.enc"))
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(home, "auth.enc"))
	if kr.snapshot()["lagp/token-key"] != key1 {
		t.Error("second save replaced the key")
	}
	if bytes.Equal(first, second) {
		t.Error("two saves produced the same ciphertext: nonce reused")
	}
}

func TestKeyringStoreRejectsTamperedFile(t *testing.T) {
	home := t.TempDir()
	s, _ := coreOpen(t, StoreKeyring, home, &coreFakeKeyring{}, 0)
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "auth.enc")
	b, _ := os.ReadFile(path)
	b[len(b)-5] ^= 0x01
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(t.Context())
	if err == nil || errors.Is(err, ErrNoTokens) || !strings.Contains(err.Error(), "decrypt") {
		t.Fatalf("err = %v, want a decrypt error", err)
	}
}

func TestKeyringStoreLostKey(t *testing.T) {
	home := t.TempDir()
	kr := &coreFakeKeyring{}
	s, logs := coreOpen(t, StoreKeyring, home, kr, 0)
	if err := s.Save(t.Context(), coreTokens(t, coreT0, coreT0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := kr.Delete("lagp", "token-key"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context()); !errors.Is(err, ErrNoTokens) {
		t.Fatalf("err = %v, want ErrNoTokens", err)
	}
	if !strings.Contains(logs.String(), "token key missing") {
		t.Errorf("no warning: %s", logs)
	}
	// A new sign-in makes a new key and works again.
	tok := coreTokens(t, coreT0, coreT0.Add(2*time.Hour))
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(t.Context()); err != nil || !sameTokens(got, tok) {
		t.Errorf("after re-keying: %v", err)
	}
}

func TestKeyringStoreReplacesMalformedKey(t *testing.T) {
	home := t.TempDir()
	kr := &coreFakeKeyring{secrets: map[string]string{"lagp/token-key": "c2hvcnQ="}}
	s, _ := coreOpen(t, StoreKeyring, home, kr, 0)
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(t.Context()); err != nil || !sameTokens(got, tok) {
		t.Fatalf("Load: %v", err)
	}
}

func TestKeyringStoreDelete(t *testing.T) {
	home := t.TempDir()
	kr := &coreFakeKeyring{}
	s, _ := coreOpen(t, StoreKeyring, home, kr, 0)
	if err := s.Save(t.Context(), coreTokens(t, coreT0, coreT0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "auth.json.imported"), []byte("{}"),
		0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context()); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("left in home: %v", entries)
	}
	if n := len(kr.snapshot()); n != 0 {
		t.Errorf("keyring still holds %d secrets", n)
	}
}

func TestKeyringCallsTimeOut(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	kr := &coreFakeKeyring{block: hang}
	home := t.TempDir()
	log, _ := coreLogger()
	_, err := OpenStore(t.Context(), StoreConfig{Mode: StoreKeyring, Home: home, Keyring: kr,
		KeyringTimeout: 20 * time.Millisecond, Logger: log})
	if !errors.Is(err, ErrKeyringTimeout) {
		t.Fatalf("keyring mode with a hung keyring: err = %v, want ErrKeyringTimeout", err)
	}
	if !strings.Contains(err.Error(), "--token-store file") {
		t.Errorf("error does not suggest the file store: %v", err)
	}
	s, logs := coreOpen(t, StoreAuto, home, kr, 20*time.Millisecond)
	if s.Name() != "file" {
		t.Fatalf("auto with a hung keyring chose %q, want file", s.Name())
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings, want exactly one:\n%s", n, logs)
	}
}

func TestKeyringCallHonoursContext(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	kr := newTimeoutKeyring(StoreConfig{Keyring: &coreFakeKeyring{block: hang},
		KeyringTimeout: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := kr.get(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestOpenStoreAuto(t *testing.T) {
	tests := []struct {
		name      string
		kr        *coreFakeKeyring
		want      string
		wantWarns int
	}{
		{name: "empty keyring answers not-found: keyring", kr: &coreFakeKeyring{},
			want: "keyring"},
		{name: "keyring with a key: keyring", kr: &coreFakeKeyring{secrets: map[string]string{
			"lagp/token-key": base64.StdEncoding.EncodeToString(make([]byte, 32))}},
			want: "keyring"},
		{name: "keyring error: file with one warning",
			kr:   &coreFakeKeyring{err: errors.New("org.freedesktop.DBus.Error.ServiceUnknown")},
			want: "file", wantWarns: 1},
	}
	for _, tt := range tests {
		for _, mode := range []string{"", StoreAuto} {
			t.Run(tt.name+"/mode="+mode, func(t *testing.T) {
				s, logs := coreOpen(t, mode, t.TempDir(), tt.kr, 0)
				if s.Name() != tt.want {
					t.Errorf("chose %q, want %q", s.Name(), tt.want)
				}
				if n := strings.Count(logs.String(), "level=WARN"); n != tt.wantWarns {
					t.Errorf("%d warnings, want %d:\n%s", n, tt.wantWarns, logs)
				}
			})
		}
	}
}

func TestOpenStoreFileModeNeverTouchesKeyring(t *testing.T) {
	kr := &coreFakeKeyring{}
	s, _ := coreOpen(t, StoreFile, t.TempDir(), kr, 0)
	if err := s.Save(t.Context(), coreTokens(t, coreT0, coreT0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context()); err != nil {
		t.Fatal(err)
	}
	if kr.calls != 0 {
		t.Errorf("file store made %d keyring calls", kr.calls)
	}
}

func TestOpenStoreRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  StoreConfig
		want string
	}{
		{"unknown mode", StoreConfig{Mode: "vault", Home: t.TempDir()}, "unknown mode"},
		{"no home", StoreConfig{Mode: StoreFile}, "no home"},
	}
	for _, tt := range tests {
		_, err := OpenStore(t.Context(), tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestStoresNeverReadCodexAuth puts a valid sign-in where the Codex CLI keeps it and checks
// that no store mode picks it up (A6).
func TestStoresNeverReadCodexAuth(t *testing.T) {
	fakeHome := t.TempDir()
	t.Setenv("HOME", fakeHome)
	t.Setenv("USERPROFILE", fakeHome)
	t.Setenv("CODEX_HOME", filepath.Join(fakeHome, ".codex"))
	b, err := MarshalAuthJSON(coreTokens(t, coreT0, coreT0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(fakeHome, ".codex"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fakeHome, ".codex", "auth.json"), b,
		0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{StoreFile, StoreKeyring, StoreAuto} {
		s, _ := coreOpen(t, mode, filepath.Join(fakeHome, ".lagp"), &coreFakeKeyring{}, 0)
		if _, err := s.Load(t.Context()); !errors.Is(err, ErrNoTokens) {
			t.Errorf("%s store: err = %v, want ErrNoTokens", mode, err)
		}
	}
}

// TestSystemKeyringAdapter runs the keyring store over go-keyring itself, with go-keyring's
// in-memory mock as provider. The mock is global and not concurrency-safe: no t.Parallel.
func TestSystemKeyringAdapter(t *testing.T) {
	// The mock needs no bus; an address only gets past lagp's no-session-bus guard.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	keyring.MockInit()
	home := t.TempDir()
	s, _ := coreOpen(t, StoreKeyring, home, nil, 0)
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(t.Context())
	if err != nil || !sameTokens(got, tok) {
		t.Fatalf("Load: %v", err)
	}
	enc, err := keyring.Get("lagp", "token-key")
	if err != nil {
		t.Fatal(err)
	}
	if key, err := base64.StdEncoding.DecodeString(enc); err != nil || len(key) != 32 {
		t.Errorf("go-keyring holds %q, want a base64 32-byte key", enc)
	}
	coreAssertSealed(t, home, tok)
	if err := s.Delete(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get("lagp", "token-key"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("key left in keyring after Delete: %v", err)
	}

	keyring.MockInitWithError(errors.New("no secret service"))
	s, logs := coreOpen(t, StoreAuto, t.TempDir(), nil, 0)
	if s.Name() != "file" || !strings.Contains(logs.String(), "no secret service") {
		t.Errorf("auto over a failing go-keyring chose %q; logs:\n%s", s.Name(), logs)
	}
}

// BenchmarkStores measures Save (temp file, fsync, rename) and Load of each store; the
// keyring one over the in-memory fake, so it shows the sealing cost, not the OS keyring's.
func BenchmarkStores(b *testing.B) {
	tok := coreTokens(b, coreT0, coreT0.Add(time.Hour))
	log, _ := coreLogger()
	stores := map[string]Store{
		"file": newFileStore(b.TempDir(), log),
		"keyring": newKeyringStore(b.TempDir(), newTimeoutKeyring(StoreConfig{
			Keyring: &coreFakeKeyring{}}), nil, log),
	}
	for name, s := range stores {
		b.Run(name+"/save", func(b *testing.B) {
			for b.Loop() {
				if err := s.Save(b.Context(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/load", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Load(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

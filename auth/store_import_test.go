package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// coreCopyIn writes tok as a user-copied file name in home, readable by others as a careless
// copy would be.
func coreCopyIn(t *testing.T, home, name string, tok Tokens) {
	t.Helper()
	b, err := MarshalAuthJSON(tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestKeyringStoreImportsCopiedAuthJSON(t *testing.T) {
	home := t.TempDir()
	s, logs := coreOpen(t, StoreKeyring, home, &coreFakeKeyring{}, 0)
	old := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	copied := coreTokens(t, coreT0.Add(time.Minute), coreT0.Add(3*time.Hour))
	copied.RefreshToken = "rt_copied_from_another_machine"
	coreCopyIn(t, home, "auth.json", copied)

	got, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !sameTokens(got, copied) {
		t.Errorf("loaded %v, want the copied sign-in", got)
	}
	coreAssertSealed(t, home, copied)
	if !strings.Contains(logs.String(), "imported auth.json") {
		t.Errorf("import not logged: %s", logs)
	}
	// The copy is gone, so later loads keep what the store holds (e.g. rotated tokens).
	rotated := copied
	rotated.RefreshToken = "rt_rotated"
	if err := s.Save(t.Context(), rotated); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(t.Context()); got.RefreshToken != "rt_rotated" {
		t.Errorf("a later load went back to the copied tokens")
	}
}

func TestKeyringStoreResumesInterruptedImport(t *testing.T) {
	home := t.TempDir()
	s, logs := coreOpen(t, StoreKeyring, home, &coreFakeKeyring{}, 0)
	copied := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	coreCopyIn(t, home, "auth.json.imported", copied)
	got, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !sameTokens(got, copied) {
		t.Error("interrupted import not finished")
	}
	coreAssertSealed(t, home, copied)
	if !strings.Contains(logs.String(), "resuming interrupted import") {
		t.Errorf("resume not logged: %s", logs)
	}
}

func TestKeyringStoreNewCopyWinsOverInterruptedOne(t *testing.T) {
	home := t.TempDir()
	s, _ := coreOpen(t, StoreKeyring, home, &coreFakeKeyring{}, 0)
	stale := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	stale.RefreshToken = "rt_stale"
	fresh := coreTokens(t, coreT0, coreT0.Add(2*time.Hour))
	fresh.RefreshToken = "rt_fresh"
	coreCopyIn(t, home, "auth.json.imported", stale)
	coreCopyIn(t, home, "auth.json", fresh)
	got, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != "rt_fresh" {
		t.Errorf("imported %q, want the newer copy", got.RefreshToken)
	}
	coreAssertSealed(t, home, fresh)
}

func TestKeyringStoreLeavesUnreadableCopyAlone(t *testing.T) {
	home := t.TempDir()
	s, logs := coreOpen(t, StoreKeyring, home, &coreFakeKeyring{}, 0)
	stored := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	if err := s.Save(t.Context(), stored); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(home, "auth.json")
	if err := os.WriteFile(bad, []byte(`{"auth_mode":"apikey"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(t.Context())
	if err != nil || !sameTokens(got, stored) {
		t.Fatalf("Load = %v, %v; want the stored sign-in", got, err)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Error("unreadable copy was removed; the user should see it")
	}
	if !strings.Contains(logs.String(), "ignoring unreadable auth.json") {
		t.Errorf("no warning: %s", logs)
	}
}

func TestKeyringStoreFailedImportKeepsTheCopy(t *testing.T) {
	home := t.TempDir()
	kr := &coreFakeKeyring{setErr: errors.New("keyring locked")}
	s, _ := coreOpen(t, StoreKeyring, home, kr, 0)
	copied := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	coreCopyIn(t, home, "auth.json", copied)
	_, err := s.Load(t.Context())
	if err == nil || !strings.Contains(err.Error(), "keyring locked") {
		t.Fatalf("err = %v, want the keyring failure", err)
	}
	if _, err := os.Stat(filepath.Join(home, "auth.json")); err != nil {
		t.Error("copy lost after a failed import")
	}
	if _, err := os.Stat(filepath.Join(home, "auth.json.imported")); err == nil {
		t.Error("claimed copy left behind after a failed import")
	}
	// Once the keyring works, the next load imports it.
	kr.mu.Lock()
	kr.setErr = nil
	kr.mu.Unlock()
	if got, err := s.Load(t.Context()); err != nil || !sameTokens(got, copied) {
		t.Fatalf("retry: %v", err)
	}
	coreAssertSealed(t, home, copied)
}

func TestFileStoreUsesCopiedAuthJSONInPlace(t *testing.T) {
	home := t.TempDir()
	s, _ := coreOpen(t, StoreFile, home, nil, 0)
	copied := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	coreCopyIn(t, home, "auth.json", copied)
	got, err := s.Load(t.Context())
	if err != nil || !sameTokens(got, copied) {
		t.Fatalf("Load: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "auth.json")); err != nil {
		t.Error("file mode moved auth.json away; in file mode it is the store")
	}
}

//go:build !windows && !darwin

package autostart

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPathHonoursXDGConfigHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	tests := []struct {
		name, xdg, want string
	}{
		{"unset", "", filepath.Join(home, ".config", "autostart", "lagp.desktop")},
		{"set", "/custom/cfg", "/custom/cfg/autostart/lagp.desktop"},
		{"relative is ignored", "rel/cfg", filepath.Join(home, ".config", "autostart", "lagp.desktop")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			got, err := Path()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Path() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEnableDisableRoundTrip(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	m := New(Entry{Exec: "/usr/local/bin/lagp"})
	path := filepath.Join(cfg, "autostart", "lagp.desktop")

	if on, err := m.Enabled(); err != nil || on {
		t.Fatalf("before Enable: Enabled() = %v, %v", on, err)
	}
	if err := m.Disable(); err != nil {
		t.Fatalf("Disable with nothing registered: %v", err)
	}
	if err := m.Set(true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != desktopEntry(Entry{Exec: "/usr/local/bin/lagp"}) {
		t.Errorf("file content:\n%s", b)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if on, err := m.Enabled(); err != nil || !on {
		t.Fatalf("after Enable: Enabled() = %v, %v", on, err)
	}
	// Enabling again replaces the file and leaves no temporary behind.
	if err := m.Enable(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("autostart dir holds %d files, want 1", len(entries))
	}
	if err := m.Set(false); err != nil {
		t.Fatal(err)
	}
	if on, err := m.Enabled(); err != nil || on {
		t.Fatalf("after Disable: Enabled() = %v, %v", on, err)
	}
}

package logfile

import (
	"path/filepath"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	tests := []struct {
		name, goos, home string
		env              map[string]string
		want             string
		wantErr          bool
	}{
		{"linux xdg", "linux", "/home/u", map[string]string{"XDG_STATE_HOME": "/state"},
			filepath.Join("/state", "lagp"), false},
		{"linux default", "linux", "/home/u", nil,
			filepath.Join("/home/u", ".local", "state", "lagp"), false},
		{"linux relative xdg ignored", "linux", "/home/u",
			map[string]string{"XDG_STATE_HOME": "state"},
			filepath.Join("/home/u", ".local", "state", "lagp"), false},
		{"freebsd like linux", "freebsd", "/home/u", nil,
			filepath.Join("/home/u", ".local", "state", "lagp"), false},
		{"macos", "darwin", "/Users/u", map[string]string{"XDG_STATE_HOME": "/state"},
			filepath.Join("/Users/u", "Library", "Logs", "lagp"), false},
		{"windows", "windows", `C:\Users\u`, map[string]string{"LOCALAPPDATA": `C:\Local`},
			filepath.Join(`C:\Local`, "lagp", "logs"), false},
		{"windows without LOCALAPPDATA", "windows", `C:\Users\u`, nil,
			filepath.Join(`C:\Users\u`, "AppData", "Local", "lagp", "logs"), false},
		{"no home", "linux", "", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := defaultDir(tt.goos, func(k string) string { return tt.env[k] }, tt.home)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("defaultDir = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDefaultDir_FollowsEnvironment(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("LOCALAPPDATA", state)
	t.Setenv("HOME", state)
	got, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(got) != state && filepath.Dir(filepath.Dir(got)) != state &&
		filepath.Dir(filepath.Dir(filepath.Dir(got))) != state {
		t.Errorf("DefaultDir() = %q; want it under %q", got, state)
	}
}

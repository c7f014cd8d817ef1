package auth

import "testing"

func TestMissingSessionBus(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		address string
		socket  bool
		want    bool
	}{
		{"linux with address", "linux", "unix:path=/tmp/bus", false, false},
		{"linux with user bus socket", "linux", "", true, false},
		{"linux server over ssh", "linux", "", false, true},
		{"freebsd without bus", "freebsd", "", false, true},
		{"macos keychain", "darwin", "", false, false},
		{"windows credential manager", "windows", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "DBUS_SESSION_BUS_ADDRESS" {
					return tt.address
				}
				return ""
			}
			var asked string
			exists := func(p string) bool { asked = p; return tt.socket }
			if got := missingSessionBus(tt.goos, getenv, 1000, exists); got != tt.want {
				t.Errorf("missing = %v, want %v", got, tt.want)
			}
			if asked != "" && asked != "/run/user/1000/bus" {
				t.Errorf("looked for the bus at %s", asked)
			}
		})
	}
}

// TestAutoStoreWithoutSessionBus checks that auto mode falls back to the file at once on a
// machine without a session bus, without asking go-keyring (which would autolaunch a bus).
func TestAutoStoreWithoutSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if !noSessionBus() {
		// Not a desktop test: a logged-in user's bus socket simply makes the case moot.
		t.Skip("skipping: this machine has a user bus socket in /run/user")
	}
	st, err := OpenStore(t.Context(), StoreConfig{Mode: StoreAuto, Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if st.Name() != StoreFile {
		t.Errorf("auto chose %s without a session bus", st.Name())
	}
	if _, err := (systemKeyring{}).Get("lagp", "x"); err != errNoSessionBus {
		t.Errorf("keyring error %v, want errNoSessionBus", err)
	}
}

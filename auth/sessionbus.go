package auth

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// errNoSessionBus is what the keyring answers on a Linux or BSD machine without a D-Bus
// session, such as a server reached over SSH.
var errNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset), " +
	"so no Secret Service")

// noSessionBus reports whether this process has no D-Bus session bus to reach the Secret
// Service on. go-keyring would then let godbus run dbus-launch, which starts a stray bus
// daemon and can block for minutes while it tries to activate a keyring (DESKTOP.md P6).
func noSessionBus() bool {
	return missingSessionBus(runtime.GOOS, os.Getenv, os.Getuid(), func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	})
}

func missingSessionBus(goos string, getenv func(string) string, uid int,
	exists func(string) bool) bool {
	switch goos {
	case "windows", "darwin", "ios", "android":
		return false // the keyring there is not reached over D-Bus
	}
	if getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return false
	}
	return !exists(fmt.Sprintf("/run/user/%d/bus", uid))
}

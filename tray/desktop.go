package tray

import (
	"os"
	"runtime"
	"strconv"
)

// HasDesktop reports whether a desktop session exists for the tray, and if not, why. main runs
// lagp headless when it returns false and logs the reason.
//
// macOS and Windows always have one. Elsewhere the tray talks StatusNotifierItem over the D-Bus
// session bus, so it needs that bus — DBUS_SESSION_BUS_ADDRESS set, or the systemd user bus
// socket /run/user/$UID/bus present — and a display (DISPLAY or WAYLAND_DISPLAY). Deciding
// before any D-Bus call matters: without a bus address the D-Bus library would launch a
// private bus nobody watches (or, lacking dbus-launch, deadlock the program).
//
// A build without the tray (macOS without cgo) never has one: it answers false with
// [ErrNoTray]'s text, so main runs headless and says why.
func HasDesktop() (bool, string) {
	if !trayBuilt {
		return false, ErrNoTray.Error()
	}
	return hasDesktop(runtime.GOOS, os.Getenv, fileExists, os.Getuid())
}

func hasDesktop(goos string, getenv func(string) string, exists func(string) bool,
	uid int) (bool, string) {
	if goos == "darwin" || goos == "windows" {
		return true, ""
	}
	if !hasSessionBus(getenv, exists, uid) {
		return false, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and " +
			userBusPath(uid) + " does not exist)"
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return false, "no display (DISPLAY and WAYLAND_DISPLAY are unset)"
	}
	return true, ""
}

// hasSessionBus reports whether the D-Bus library will find a session bus without launching
// one. "autolaunch:" counts as unset: it asks for exactly the launch we avoid.
func hasSessionBus(getenv func(string) string, exists func(string) bool, uid int) bool {
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return true
	}
	return exists(userBusPath(uid))
}

func userBusPath(uid int) string {
	return "/run/user/" + strconv.Itoa(uid) + "/bus"
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

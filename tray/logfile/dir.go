package logfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDir returns the user's log directory for lagp:
//   - Linux and other Unix systems: $XDG_STATE_HOME/lagp, or ~/.local/state/lagp;
//   - macOS: ~/Library/Logs/lagp;
//   - Windows: %LOCALAPPDATA%\lagp\logs.
//
// The directory is not created; [Open] does that.
func DefaultDir() (string, error) {
	home, _ := os.UserHomeDir() // only needed when the environment says nothing better
	return defaultDir(runtime.GOOS, os.Getenv, home)
}

func defaultDir(goos string, getenv func(string) string, home string) (string, error) {
	switch goos {
	case "windows":
		if local := getenv("LOCALAPPDATA"); local != "" {
			return filepath.Join(local, "lagp", "logs"), nil
		}
		return underHome(home, "AppData", "Local", "lagp", "logs")
	case "darwin", "ios":
		return underHome(home, "Library", "Logs", "lagp")
	default:
		// The XDG spec says relative values are invalid and must be ignored.
		if state := getenv("XDG_STATE_HOME"); filepath.IsAbs(state) {
			return filepath.Join(state, "lagp"), nil
		}
		return underHome(home, ".local", "state", "lagp")
	}
}

func underHome(home string, elem ...string) (string, error) {
	if home == "" {
		return "", errors.New("finding the log directory: no home directory")
	}
	return filepath.Join(append([]string{home}, elem...)...), nil
}

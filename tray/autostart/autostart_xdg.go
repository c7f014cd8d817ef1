//go:build !windows && !darwin

package autostart

import (
	"fmt"
	"os"
	"path/filepath"
)

// Path returns where the XDG autostart entry lives: $XDG_CONFIG_HOME/autostart/lagp.desktop,
// or ~/.config/autostart/lagp.desktop when XDG_CONFIG_HOME is unset or not absolute.
func Path() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the autostart directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", "lagp.desktop"), nil
}

// render is the start-at-login entry in this system's format.
func render(e Entry) string { return desktopEntry(e) }

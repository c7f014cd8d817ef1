package autostart

import (
	"fmt"
	"os"
	"path/filepath"
)

// Path returns where the LaunchAgent lives: ~/Library/LaunchAgents/dev.lagp.plist. launchd
// reads it at the next login; lagp does not load it into the running session, which already has
// lagp.
func Path() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the LaunchAgents directory: %w", err)
	}
	return filepath.Join(home, "Library", "LaunchAgents", launchAgentLabel+".plist"), nil
}

// render is the start-at-login entry in this system's format.
func render(e Entry) string { return launchAgent(e) }

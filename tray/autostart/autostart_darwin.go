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

func enable(e Entry) error {
	p, err := Path()
	if err != nil {
		return err
	}
	return writeEntry(p, launchAgent(e))
}

func disable() error {
	p, err := Path()
	if err != nil {
		return err
	}
	return removeEntry(p)
}

func enabled() (bool, error) {
	p, err := Path()
	if err != nil {
		return false, err
	}
	return entryExists(p)
}

//go:build !(linux || freebsd || openbsd || netbsd)

package tray

import (
	"context"
	"log/slog"
)

// keepRegistered does nothing outside D-Bus desktops: Windows and macOS have no separate
// watcher process to come and go.
func keepRegistered(context.Context, *slog.Logger, func(name, detail string)) {}

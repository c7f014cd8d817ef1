//go:build linux || freebsd || openbsd || netbsd

package tray

import (
	"context"
	"log/slog"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	watcherName = "org.kde.StatusNotifierWatcher"
	watcherPath = "/StatusNotifierWatcher"
	itemPath    = "/StatusNotifierItem"
)

// keepRegistered re-registers the tray icon each time a StatusNotifierWatcher appears, e.g.
// after the panel restarts.
//
// fyne's systray does this itself, but its goroutine reads every signal of the shared
// connection and quits for good on the first one with fewer than three arguments, such as a
// notification's NotificationClosed (fyne-io/systray#131, open in v1.12.2). This watch runs on
// a separate connection, which sees only the NameOwnerChanged signals it asks for, and
// registers through the shared connection, where the item lives: the watcher keys items by
// the caller's bus name.
func keepRegistered(ctx context.Context, log *slog.Logger, event func(name, detail string)) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		log.Warn("watching for the panel", "error", err)
		return
	}
	defer conn.Close()
	err = conn.AddMatchSignalContext(ctx,
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName))
	if err != nil {
		log.Warn("watching for the panel", "error", err)
		return
	}
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-signals:
			if !ok {
				return
			}
			if owner := newOwner(sig); owner != "" {
				register(ctx, log, event, owner)
			}
		}
	}
}

// newOwner returns the new owner named by a NameOwnerChanged signal, or "".
func newOwner(sig *dbus.Signal) string {
	if sig == nil || sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) < 3 {
		return ""
	}
	owner, _ := sig.Body[2].(string)
	return owner
}

func register(ctx context.Context, log *slog.Logger, event func(name, detail string),
	owner string) {
	shared, err := dbus.SessionBus()
	if err != nil {
		log.Warn("registering the tray icon", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	call := shared.Object(watcherName, watcherPath).CallWithContext(ctx,
		watcherName+".RegisterStatusNotifierItem", 0, itemPath)
	if call.Err != nil {
		log.Warn("registering the tray icon", "error", call.Err)
		return
	}
	log.Debug("tray icon registered", "watcher", owner)
	event("registered", owner)
}

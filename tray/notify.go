package tray

import (
	"fmt"
	"strings"
	"sync"

	"github.com/gen2brain/beeep"
	"github.com/lagp/lagp/assets"
)

// Notifier shows a desktop notification. Implementations may block for a while (D-Bus, a
// helper process); the tray calls them off its event loop.
type Notifier interface {
	Notify(title, message string) error
}

// NotifierFunc adapts a function to [Notifier].
type NotifierFunc func(title, message string) error

// Notify calls f.
func (f NotifierFunc) Notify(title, message string) error { return f(title, message) }

// desktopNotifier sends notifications through beeep with lagp's name and icon.
type desktopNotifier struct {
	icon []byte
}

// NewDesktopNotifier returns the system notifier: D-Bus notifications on Linux, the
// notification centre on macOS, toasts on Windows. It sets beeep's application name to "lagp"
// (beeep keeps it in a package variable; the default would show "DefaultAppName").
func NewDesktopNotifier() Notifier {
	beeep.AppName = "lagp"
	return desktopNotifier{icon: assets.PNG(assets.SignedIn, 64)}
}

// Notify shows one notification with lagp's icon.
func (n desktopNotifier) Notify(title, message string) error {
	if err := beeep.Notify(title, message, n.icon); err != nil {
		return fmt.Errorf("showing a notification: %w", err)
	}
	return nil
}

// Notice is one notification with its deduplication key.
type Notice struct {
	// Key identifies the event: the kind plus its subject (an account, a window's reset time,
	// a port). A notice whose key was already shown is dropped. An empty key is never dropped,
	// for answers to the user's own clicks.
	Key   string
	Title string
	Body  string
}

// dedup remembers which notices were shown so that the same event never notifies twice.
type dedup struct {
	mu   sync.Mutex
	seen map[string]bool
}

// first reports whether key has not been seen before, and marks it seen.
func (d *dedup) first(key string) bool {
	if key == "" {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = make(map[string]bool)
	}
	if d.seen[key] {
		return false
	}
	d.seen[key] = true
	return true
}

// forget lets events whose key starts with prefix notify again, e.g. "lan:" after LAN
// exposure was switched off, so switching it on again is announced again.
func (d *dedup) forget(prefix string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := range d.seen {
		if strings.HasPrefix(k, prefix) {
			delete(d.seen, k)
		}
	}
}

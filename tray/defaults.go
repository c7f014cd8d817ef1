package tray

import (
	"context"

	"github.com/atotto/clipboard"
	"github.com/pkg/browser"

	"github.com/lagp/lagp/tray/autostart"
	"github.com/lagp/lagp/tray/tunnel"
)

// withSystemDefaults fills the unset desktop seams of d with the real services.
func withSystemDefaults(d Deps) Deps {
	if d.OpenURL == nil {
		d.OpenURL = browser.OpenURL
	}
	if d.Copy == nil {
		d.Copy = clipboard.WriteAll
	}
	if d.Notify == nil {
		d.Notify = NewDesktopNotifier()
	}
	if d.Autostart == nil {
		if m, err := autostart.ForExecutable(); err == nil {
			d.Autostart = m
		}
	}
	if d.StartTunnel == nil {
		log := d.Logger
		d.StartTunnel = func(ctx context.Context, localURL string) (Tunnel, error) {
			t, err := tunnel.Start(ctx, tunnel.Config{LocalURL: localURL, Logger: log})
			if err != nil {
				return nil, err
			}
			return t, nil
		}
	}
	return d
}

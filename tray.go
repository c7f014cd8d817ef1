package main

import (
	"context"
	"io"
	"os"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/tray"
)

// wantTray reports whether to run the tray, and otherwise why not (empty when --no-tray).
func wantTray(f serveFlags) (bool, string) {
	if f.noTray {
		return false, ""
	}
	return tray.HasDesktop()
}

// runTray hands the running server and session to the tray until the user quits.
func (a *app) runTray(ctx context.Context) error {
	var events io.Writer
	if os.Getenv("LAGP_TEST_EVENTS") == "1" {
		events = os.Stdout // one "EVENT name detail" line per action, for end-to-end tests
	}
	err := tray.Run(ctx, tray.Deps{
		Server:   a.server,
		Auth:     a.auth,
		Logins:   a.logins,
		Settings: a.settings,
		Push:     a.pushTo,
		Version:  version,
		Logger:   a.log,
		LogPath:  a.logPath,
		OpenURL:  opener(a.env.browser),
		Events:   events,
	})
	if err != nil {
		// The proxy still works without an icon: keep serving until lagp is stopped.
		a.log.Warn("tray stopped, serving headless", "error", err)
		<-ctx.Done()
	}
	return a.shutdown()
}

// pushTo pushes a fresh sign-in to the lagp at url (the tray's "Push sign-in to remote").
func (a *app) pushTo(ctx context.Context, url, secret string) error {
	return auth.Push(ctx, auth.PushConfig{RemoteURL: url, Secret: secret,
		Login: a.loginConfig(io.Discard)})
}

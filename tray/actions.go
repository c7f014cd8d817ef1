package tray

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/lagp/lagp/proxy/settings"
	"github.com/lagp/lagp/tray/tunnel"
)

// apiKeyName names the API key the tray creates when none exists.
const apiKeyName = "tray"

// handle runs one click on the loop. Anything that may block (clipboard, browser, network,
// files) runs in a goroutine and reports back through [app.update].
func (a *app) handle(c Click) {
	a.log.Debug("menu click", "action", string(c.Action), "arg", c.Arg)
	a.event("click", string(c.Action)+" "+c.Arg)
	switch c.Action {
	case ActSignIn:
		a.signIn()
	case ActSignOut:
		a.signOut()
	case ActCopyBaseURL:
		a.copyText("base-url", a.st.BaseURL())
	case ActCopyAPIKey:
		a.copyAPIKey()
	case ActCopyModel:
		a.copyText("model", c.Arg)
	case ActRefreshModels:
		a.loadModels(true)
	case ActToggleExpose:
		a.toggleExpose()
	case ActToggleTunnel:
		a.toggleTunnel()
	case ActPush:
		a.push(c.Arg)
	case ActAddRemote:
		a.open(a.loopbackURL() + "/lagp/settings#remotes")
	case ActSettings:
		a.open(a.loopbackURL() + "/lagp/settings")
	case ActToggleAutostart:
		a.toggleAutostart()
	case ActOpenLog:
		if a.st.LogPath != "" {
			a.open(a.st.LogPath)
		}
	case ActQuit:
		a.stopTunnel(true)
		a.event("quit", "")
		a.quit()
	default:
		a.log.Warn("unknown menu action", "action", string(c.Action))
	}
}

func (a *app) signIn() {
	a.background(func(ctx context.Context) {
		u, err := a.d.Logins.Begin(ctx)
		if err != nil {
			a.log.Warn("starting sign-in", "error", err)
			a.notify(noticeFailed("Sign-in", describe(err)))
			return
		}
		a.event("sign-in-started", "")
		a.openNow(u)
	})
}

func (a *app) signOut() {
	a.background(func(ctx context.Context) {
		if err := a.d.Auth.SignOut(ctx); err != nil {
			a.log.Warn("signing out", "error", err)
			a.notify(noticeFailed("Sign-out", describe(err)))
		}
	})
}

// copyText puts text on the clipboard off the loop; what names it in logs and events.
func (a *app) copyText(what, text string) {
	a.background(func(context.Context) { a.copyNow(what, text) })
}

func (a *app) copyNow(what, text string) {
	if a.d.Copy == nil {
		return
	}
	if err := a.d.Copy(text); err != nil {
		a.log.Warn("copying to the clipboard", "what", what, "error", err)
		a.notify(noticeFailed("Copying to the clipboard", describe(err)))
		return
	}
	a.event("copied", what)
}

// copyAPIKey copies the first API key, creating and saving one when there is none. The key
// itself is never logged.
func (a *app) copyAPIKey() {
	a.background(func(context.Context) {
		key, err := a.d.Settings.EnsureAPIKey(apiKeyName)
		if err != nil {
			a.log.Warn("creating an API key", "error", err)
			a.notify(noticeFailed("Creating an API key", describe(err)))
			return
		}
		a.copyNow("api-key", key)
	})
}

// toggleExpose switches LAN exposure through the settings; the settings subscription then
// moves the listener (see [app.onSettings]). Switching on ensures an API key first.
func (a *app) toggleExpose() {
	on := !a.st.Exposed
	a.background(func(context.Context) {
		if on {
			if _, err := a.d.Settings.EnsureAPIKey(apiKeyName); err != nil {
				a.notify(noticeFailed("Exposing lagp", describe(err)))
				return
			}
		}
		err := a.d.Settings.Update(func(s *settings.Settings) error {
			s.ExposeLAN = on
			return nil
		})
		if err != nil {
			a.log.Warn("changing LAN exposure", "on", on, "error", err)
			a.notify(noticeFailed("Exposing lagp", describe(err)))
		}
	})
}

func (a *app) toggleAutostart() {
	on := !a.st.StartAtLogin
	a.background(func(context.Context) {
		err := a.d.Settings.Update(func(s *settings.Settings) error {
			s.StartAtLogin = on
			return nil
		})
		if err != nil {
			a.notify(noticeFailed("Start at login", describe(err)))
		}
	})
}

// push runs a fresh browser sign-in whose tokens go to the named remote only.
func (a *app) push(name string) {
	var remote settings.Remote
	found := false
	for _, r := range a.d.Settings.Get().Remotes {
		if r.Name == name {
			remote, found = r, true
		}
	}
	if !found || a.d.Push == nil {
		a.notify(noticePushFailed(name, errors.New("no such remote in the settings")))
		return
	}
	a.background(func(ctx context.Context) {
		if err := a.d.Push(ctx, remote.URL, remote.SyncSecret); err != nil {
			a.log.Warn("pushing the sign-in", "remote", name, "error", err)
			a.event("push-failed", name)
			a.notify(noticePushFailed(name, describe(err)))
			return
		}
		a.event("pushed", name)
		a.notify(noticePushed(name))
	})
}

// open opens a URL or file off the loop: some openers wait for the browser.
func (a *app) open(target string) {
	a.background(func(context.Context) { a.openNow(target) })
}

func (a *app) openNow(target string) {
	if a.d.OpenURL == nil {
		return
	}
	if err := a.d.OpenURL(target); err != nil {
		a.log.Warn("opening", "target", target, "error", err)
		a.notify(noticeFailed("Opening "+target, describe(err)))
		return
	}
	a.event("opened", target)
}

// toggleTunnel starts or stops the public tunnel.
func (a *app) toggleTunnel() {
	if a.st.Tunnel != TunnelOff {
		a.stopTunnel(false)
		return
	}
	a.startTunnel()
}

// startTunnel ensures an API key (the tunnel makes lagp public), starts cloudflared, and when
// its URL is known accepts that Host, copies <url>/v1 and notifies.
func (a *app) startTunnel() {
	if a.d.StartTunnel == nil || a.bound.port == 0 {
		return
	}
	a.st.Tunnel = TunnelStarting
	ctx, cancel := context.WithCancel(a.ctx)
	a.tunStop = cancel
	target := a.loopbackURL()
	go func() {
		t, err := a.launchTunnel(ctx, target)
		a.update(func() { a.tunnelStarted(ctx, t, err) })
	}()
}

func (a *app) launchTunnel(ctx context.Context, target string) (Tunnel, error) {
	if _, err := a.d.Settings.EnsureAPIKey(apiKeyName); err != nil {
		return nil, fmt.Errorf("creating an API key: %w", err)
	}
	return a.d.StartTunnel(ctx, target)
}

// tunnelStarted runs on the loop when a start attempt ends.
func (a *app) tunnelStarted(ctx context.Context, t Tunnel, err error) {
	if ctx.Err() != nil { // switched off meanwhile
		if t != nil {
			go func() { _ = t.Stop() }()
		}
		return
	}
	if err != nil {
		a.st.Tunnel, a.tunStop = TunnelOff, nil
		a.event("tunnel-failed", err.Error())
		if errors.Is(err, tunnel.ErrNotInstalled) {
			a.open(tunnel.InstallHelpURL)
			return
		}
		a.log.Warn("starting the public URL", "error", err)
		a.notify(noticeFailed("Public URL", describe(err)))
		return
	}
	a.tun = t
	a.d.Server.AllowHost(t.Host())
	a.st.Tunnel, a.st.TunnelURL = TunnelOn, t.URL()
	a.event("tunnel", t.URL())
	a.copyText("tunnel-url", t.URL()+"/v1")
	a.notify(noticeTunnelReady(t.URL()))
}

// stopTunnel stops a running or starting tunnel and withdraws its Host. With wait it returns
// once the process has ended (at quit); otherwise the process ends in the background.
func (a *app) stopTunnel(wait bool) {
	if a.tunStop != nil {
		a.tunStop()
		a.tunStop = nil
	}
	if t := a.tun; t != nil {
		a.tun = nil
		a.d.Server.DisallowHost(t.Host())
		a.seen.forget("tunnel:" + t.URL())
		if wait {
			_ = t.Stop()
		} else {
			go func() { _ = t.Stop() }()
		}
	}
	if a.st.Tunnel != TunnelOff {
		a.event("tunnel-stopped", "")
	}
	a.st.Tunnel, a.st.TunnelURL = TunnelOff, ""
}

// restartTunnel points the tunnel at the new port.
func (a *app) restartTunnel() {
	a.stopTunnel(false)
	a.startTunnel()
}

// tunnelDone is the running tunnel's Done channel, or nil (never ready) without one.
func (a *app) tunnelDone() <-chan struct{} {
	if a.tun == nil {
		return nil
	}
	return a.tun.Done()
}

// onTunnelExit handles cloudflared ending on its own.
func (a *app) onTunnelExit() {
	t := a.tun
	if t == nil {
		return
	}
	err := t.Err()
	a.log.Warn("public URL stopped", "error", err)
	a.stopTunnel(false)
	if err == nil {
		err = errors.New("cloudflared exited")
	}
	a.notify(noticeFailed("Public URL", describe(err)))
}

func itoa(n int) string { return strconv.Itoa(n) }

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

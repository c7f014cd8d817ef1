package tray

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"syscall"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy/settings"
	"github.com/lagp/lagp/proxy/upstream"
)

// applyStatus copies the session manager's status into the state.
func (a *app) applyStatus() {
	st := a.d.Auth.Status()
	switch st.State {
	case auth.StateSignedIn:
		a.st.SignIn = SignedIn
	case auth.StateExpired:
		a.st.SignIn = Expired
	default:
		a.st.SignIn = SignedOut
	}
	a.st.Email, a.st.Plan = st.Account.Email, st.Account.Plan
	if a.st.SignIn != SignedIn {
		a.st.Email, a.st.Plan = "", ""
		a.st.RefreshFailing, a.st.ExpiringSoon = false, false
		return
	}
	if st.RefreshFailures == 0 {
		a.st.RefreshFailing, a.st.ExpiringSoon = false, false
	} else {
		a.st.RefreshFailing = true
	}
}

// onAuth reacts to a session event: new state, a notification, and the model list after a
// sign-in.
func (a *app) onAuth(e auth.Event) {
	a.log.Debug("session event", "kind", e.Kind.String())
	a.applyStatus()
	switch e.Kind {
	case auth.EventSignedIn:
		a.notify(noticeSignedIn(e.Account.Email, e.At))
		a.event("signed-in", e.Account.Email)
		a.loadModels(false)
	case auth.EventRefreshed:
		a.notify(noticeRefreshed(e.Account.Email, e.At))
	case auth.EventRefreshFailing:
		a.st.RefreshFailing = a.st.SignIn == SignedIn
		a.notify(noticeRefreshFailing(e.Reason, e.At))
	case auth.EventExpiringSoon:
		a.st.ExpiringSoon = a.st.SignIn == SignedIn
		a.notify(noticeExpiringSoon(a.d.Auth.Status().ExpiresAt, a.st.location()))
	case auth.EventSignedOut:
		a.st.Models = nil // they belonged to the account that left
		a.notify(noticeSignedOut(e.Reason, e.At))
		a.event("signed-out", e.Reason)
	case auth.EventLoaded:
		// The store is read after start-up; a stored sign-in makes the models loadable.
		if a.st.SignIn == SignedIn {
			a.loadModels(false)
		}
	}
	a.event("session", e.Kind.String())
}

// onSettings applies changed settings: API keys, the listen address, start at login, remotes.
func (a *app) onSettings(s settings.Settings) {
	a.d.Server.ReloadKeys()
	a.st.Remotes = remoteNames(s)
	if s.StartAtLogin != a.st.StartAtLogin {
		a.st.StartAtLogin = s.StartAtLogin
		a.syncAutostart(s.StartAtLogin)
	}
	want := settingsBinding(s)
	if want == a.wanted {
		return
	}
	a.wanted = want
	if want != a.bound {
		a.rebind(want)
	}
}

// rebind moves the listener. On failure the server keeps its old address, and the settings
// are put back to match it, so the page and the menu never claim an address lagp does not use.
// A server already at the address (moved by another follower of the settings) counts as moved.
func (a *app) rebind(to binding) {
	if !a.serverAt(to) {
		if err := a.d.Server.Rebind(to.host, to.port); err != nil && !a.serverAt(to) {
			a.rebindFailed(to, err)
			return
		}
	}
	a.seen.forget("port-in-use:")
	wasExposed := a.st.Exposed
	a.readBinding()
	a.event("listening", a.st.ListenURL)
	switch {
	case a.st.Exposed && !wasExposed:
		a.notify(noticeExposed(a.st.ListenURL))
	case !a.st.Exposed:
		a.seen.forget("lan:")
	}
	if a.tun != nil && to.port != 0 {
		a.restartTunnel()
	}
}

func (a *app) rebindFailed(to binding, err error) {
	a.log.Warn("rebinding", "host", to.host, "port", to.port, "error", err)
	a.event("rebind-failed", err.Error())
	if errors.Is(err, syscall.EADDRINUSE) {
		a.notify(noticePortInUse(to.port, a.st.ListenURL))
	} else {
		a.notify(noticeFailed("Listening on port "+itoa(to.port), describe(err)))
	}
	a.revertBinding()
}

// serverAt reports whether the server listens at b now.
func (a *app) serverAt(b binding) bool {
	u, err := url.Parse(a.d.Server.URL())
	if err != nil || u.Host == "" {
		return false
	}
	return sameHost(u.Hostname(), b.host) && u.Port() == itoa(b.port)
}

// sameHost compares listen hosts; the wildcard has two spellings, since Go reports a listener
// on 0.0.0.0 as [::] (one dual-stack socket).
func sameHost(a, b string) bool {
	ipA, ipB := net.ParseIP(a), net.ParseIP(b)
	if ipA != nil && ipB != nil {
		return ipA.Equal(ipB) || (ipA.IsUnspecified() && ipB.IsUnspecified())
	}
	return a == b
}

// revertBinding sets the settings' port and exposure back to where the server listens.
func (a *app) revertBinding() {
	if a.bound == (binding{}) {
		return
	}
	bound := a.bound
	exposed := a.st.Exposed
	a.wanted = settingsBinding(settings.Settings{Port: bound.port, ExposeLAN: exposed})
	a.background(func(context.Context) {
		err := a.d.Settings.Update(func(s *settings.Settings) error {
			s.Port = bound.port
			s.ExposeLAN = exposed
			return nil
		})
		if err != nil {
			a.log.Warn("restoring the listen settings", "error", err)
		}
	})
}

// syncAutostart makes the login registration match on, off the loop (it writes files or the
// registry).
func (a *app) syncAutostart(on bool) {
	as := a.d.Autostart
	if as == nil {
		return
	}
	a.background(func(context.Context) {
		cur, err := as.Enabled()
		if err == nil && cur == on {
			return
		}
		if err := as.Set(on); err != nil {
			a.log.Warn("changing start at login", "on", on, "error", err)
			a.notify(noticeFailed("Start at login", err))
			return
		}
		a.event("autostart", onOff(on))
	})
}

// readLimits copies the latest usage windows into the state and notifies at 90% and at the
// limit.
func (a *app) readLimits(notify bool) {
	l, ok := a.d.Server.Limits()
	if !ok {
		return
	}
	ws := windows(l)
	if slices.Equal(ws, a.st.Usage) {
		return
	}
	a.st.Usage = ws
	if notify {
		for _, n := range usageNotices(ws, a.st.location()) {
			a.notify(n)
		}
	}
}

// windows converts the backend's usage report to menu windows.
func windows(l upstream.Limits) []Window {
	var out []Window
	for _, w := range l.Windows {
		name := w.Limit
		if name != "codex" && w.LimitName != "" {
			name = w.LimitName
		}
		out = append(out, Window{Limit: name, Minutes: w.WindowMinutes,
			UsedPercent: w.UsedPercent, ResetsAt: w.ResetsAt})
	}
	return out
}

// loadModels fetches the model list off the loop; refresh forces a new fetch first.
func (a *app) loadModels(refresh bool) {
	srv := a.d.Server
	a.background(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if refresh {
			if err := srv.RefreshModels(ctx); err != nil {
				a.log.Warn("refreshing the model list", "error", err)
			}
		}
		list, err := srv.Models(ctx)
		if err != nil {
			a.log.Warn("loading the model list", "error", err)
		}
		var models []Model
		for _, m := range list {
			models = append(models, Model{ID: m.ID, Name: m.DisplayName})
		}
		a.update(func() {
			if len(models) > 0 || err == nil {
				a.st.Models = models
			}
			a.event("models", itoa(len(models)))
		})
	})
}

package tray

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lagp/lagp/proxy/settings"
)

// renderer draws menus; the systray layer implements it, tests use a recorder.
type renderer interface {
	Render(Menu)
}

// clickQueueSize bounds the clicks waiting for the event loop. Clicks beyond it are dropped
// with a log line rather than blocking the D-Bus or UI thread that delivered them.
const clickQueueSize = 64

// app is the tray's controller. The event loop goroutine ([app.loop]) owns st, bound, wanted,
// tun, tunStop and last; other goroutines change them only by sending a closure on updates.
// There is no mutex around them: a single owner is the synchronisation.
type app struct {
	d   Deps
	log *slog.Logger

	clicks  chan Click      // buffered; filled by the renderer, drained by the loop
	updates chan func()     // results of background work, applied on the loop
	quit    func()          // ends the tray; set by the systray layer
	render  renderer        // draws each new menu; set by start
	ctx     context.Context //nolint:containedctx // the tray's lifetime, set by start

	st      State
	bound   binding // where the server listens, as last read
	wanted  binding // the settings' binding, as last seen
	tun     Tunnel  // nil when off
	tunStop func()  // cancels a starting tunnel
	last    *Menu   // last rendered menu

	seen   dedup      // notices already shown; safe for concurrent use
	events sync.Mutex // serialises writes to Deps.Events
}

// binding is a listen address.
type binding struct {
	host string
	port int
}

func newApp(d Deps) (*app, error) {
	if d.Server == nil || d.Auth == nil || d.Logins == nil || d.Settings == nil {
		return nil, errors.New("tray: Server, Auth, Logins and Settings are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.PollInterval <= 0 {
		d.PollInterval = 5 * time.Second
	}
	if d.LANAddrs == nil {
		d.LANAddrs = LANAddrs
	}
	a := &app{
		d:       d,
		log:     d.Logger,
		clicks:  make(chan Click, clickQueueSize),
		updates: make(chan func(), 16),
		quit:    func() {},
	}
	return a, nil
}

// enqueue hands a click to the event loop without blocking.
func (a *app) enqueue(c Click) {
	select {
	case a.clicks <- c:
	default:
		a.log.Warn("menu click dropped: too many pending", "action", string(c.Action))
	}
}

// update runs f on the event loop; it gives up when the tray is shutting down.
func (a *app) update(f func()) {
	select {
	case a.updates <- f:
	case <-a.ctx.Done():
	}
}

// start builds the first state and menu; it runs before the loop, on the caller's goroutine.
func (a *app) start(ctx context.Context, r renderer) {
	a.ctx = ctx
	a.render = r
	s := a.d.Settings.Get()
	a.st = State{
		Version:      a.d.Version,
		LogPath:      a.d.LogPath,
		Location:     a.d.Location,
		StartAtLogin: s.StartAtLogin,
		Remotes:      remoteNames(s),
	}
	a.wanted = settingsBinding(s)
	a.applyStatus()
	a.readBinding()
	a.readLimits(false)
	a.refresh()
}

// loop is the tray's event loop. It returns when ctx ends.
func (a *app) loop(ctx context.Context) {
	authEvents, stopAuth := a.d.Auth.Subscribe()
	defer stopAuth()
	changes, stopSettings := a.d.Settings.Subscribe()
	defer stopSettings()
	ticker := time.NewTicker(a.d.PollInterval)
	defer ticker.Stop()
	defer a.stopTunnel(true)

	a.afterStart()
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-a.clicks:
			a.handle(c)
		case e, ok := <-authEvents:
			if !ok {
				authEvents = nil
				continue
			}
			a.onAuth(e)
		case s, ok := <-changes:
			if !ok {
				changes = nil
				continue
			}
			a.onSettings(s)
		case f := <-a.updates:
			f()
		case <-ticker.C:
			a.readLimits(true)
		case <-a.tunnelDone():
			a.onTunnelExit()
		}
		a.refresh()
	}
}

// afterStart does the start-up work that may need the loop: listening when main did not,
// reconciling start at login, loading the models.
func (a *app) afterStart() {
	if a.bound == (binding{}) {
		a.rebind(a.wanted)
	}
	a.syncAutostart(a.st.StartAtLogin)
	a.loadModels(false)
	a.event("ready", a.st.ListenURL)
	a.refresh()
}

// refresh renders the menu for the current state if it changed.
func (a *app) refresh() {
	m := BuildMenu(a.st)
	if a.last != nil && reflect.DeepEqual(*a.last, m) {
		return
	}
	a.last = &m
	a.render.Render(m)
}

// notify shows n unless the same event was shown before. Delivery runs on its own goroutine:
// D-Bus or a helper process may be slow, and the loop must keep taking clicks (P3).
func (a *app) notify(n Notice) {
	if !a.seen.first(n.Key) {
		return
	}
	a.event("notify", n.Title)
	if a.d.Notify == nil {
		return
	}
	go func() {
		if err := a.d.Notify.Notify(n.Title, n.Body); err != nil {
			a.log.Warn("notification not shown", "title", n.Title, "error", err)
		}
	}()
}

// event writes a test-visible event line when [Deps.Events] is set.
func (a *app) event(name, detail string) {
	if a.d.Events == nil {
		return
	}
	a.events.Lock()
	defer a.events.Unlock()
	_, _ = io.WriteString(a.d.Events, "EVENT "+name+" "+detail+"\n")
}

// background runs f off the loop with the tray's context.
func (a *app) background(f func(ctx context.Context)) {
	go f(a.ctx)
}

func remoteNames(s settings.Settings) []string {
	var names []string
	for _, r := range s.Remotes {
		names = append(names, r.Name)
	}
	return names
}

// settingsBinding is where the settings say lagp should listen.
func settingsBinding(s settings.Settings) binding {
	host := "127.0.0.1"
	if s.ExposeLAN {
		host = "0.0.0.0"
	}
	return binding{host: host, port: s.Port}
}

// readBinding learns where the server listens and derives the URL shown in the menu.
func (a *app) readBinding() {
	raw := a.d.Server.URL()
	a.bound = binding{}
	a.st.ListenURL, a.st.Exposed = "", false
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	port, _ := strconv.Atoi(u.Port())
	a.bound = binding{host: u.Hostname(), port: port}
	a.st.ListenURL = raw
	ip := net.ParseIP(u.Hostname())
	if ip == nil || ip.IsLoopback() {
		return
	}
	a.st.Exposed = true
	if ip.IsUnspecified() {
		a.bound.host = "0.0.0.0" // Go reports it as [::]; the settings say 0.0.0.0
		a.st.ListenURL = a.lanURL(port, raw)
	}
}

// lanURL is the address other machines use: the first LAN IPv4 of this machine.
func (a *app) lanURL(port int, fallback string) string {
	ips, err := a.d.LANAddrs()
	if err != nil {
		a.log.Warn("listing network addresses", "error", err)
		return fallback
	}
	ip, err := firstLANIPv4(ips)
	if err != nil {
		a.log.Warn("no LAN address", "error", err)
		return fallback
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(port))
}

// loopbackURL is the server's origin on this machine, e.g. for the settings page, which only
// answers on loopback, and for the tunnel's target.
func (a *app) loopbackURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d", a.bound.port)
}

// describe renders an error for a notification: the first line only, as notification
// bubbles are small.
func describe(err error) error {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return errors.New(msg)
}

package tray

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/settings"
	"github.com/lagp/lagp/proxy/upstream"
)

// fakeServer stands in for *proxy.Server.
type fakeServer struct {
	mu        sync.Mutex
	host      string
	port      int
	rebinds   []string
	rebindErr error
	raced     bool // another follower of the settings moves the server first
	reloads   int
	hosts     map[string]bool
	limits    upstream.Limits
	hasLimits bool
	models    canon.ModelList
	refreshes int
}

func (s *fakeServer) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.port == 0 {
		return ""
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(s.host, fmt.Sprint(s.port)))
}

func (s *fakeServer) Rebind(host string, port int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rebinds = append(s.rebinds, net.JoinHostPort(host, fmt.Sprint(port)))
	if s.raced {
		s.host, s.port = host, port
		if host == "0.0.0.0" {
			s.host = "::" // as Go reports a wildcard listener
		}
		return fmt.Errorf("listening on %s:%d: %w", host, port, syscall.EADDRINUSE)
	}
	if s.rebindErr != nil {
		return s.rebindErr
	}
	s.host, s.port = host, port
	return nil
}

func (s *fakeServer) ReloadKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reloads++
}

func (s *fakeServer) AllowHost(h string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hosts == nil {
		s.hosts = map[string]bool{}
	}
	s.hosts[h] = true
}

func (s *fakeServer) DisallowHost(h string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.hosts, h)
}

func (s *fakeServer) allowed(h string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts[h]
}

func (s *fakeServer) Limits() (upstream.Limits, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits, s.hasLimits
}

func (s *fakeServer) setLimits(l upstream.Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits, s.hasLimits = l, true
}

func (s *fakeServer) Models(context.Context) (canon.ModelList, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.models, nil
}

func (s *fakeServer) RefreshModels(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshes++
	return nil
}

func (s *fakeServer) rebindLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rebinds...)
}

// fakeAuth stands in for *auth.Manager.
type fakeAuth struct {
	mu       sync.Mutex
	status   auth.Status
	events   chan auth.Event
	signOuts int
}

func newFakeAuth() *fakeAuth { return &fakeAuth{events: make(chan auth.Event, 16)} }

func (f *fakeAuth) Status() auth.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeAuth) setStatus(s auth.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = s
}

func (f *fakeAuth) SignOut(context.Context) error {
	f.mu.Lock()
	f.signOuts++
	f.status = auth.Status{State: auth.StateSignedOut}
	f.mu.Unlock()
	f.events <- auth.Event{Kind: auth.EventSignedOut, Reason: "you signed out", At: time.Now()}
	return nil
}

func (f *fakeAuth) Subscribe() (<-chan auth.Event, func()) { return f.events, func() {} }

// fakeLogins stands in for *auth.Logins.
type fakeLogins struct{ url string }

func (f fakeLogins) Begin(context.Context) (string, error) { return f.url, nil }

// recorder collects calls of the seams that take a string.
type recorder struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (r *recorder) record(s string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
	return r.err
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// fakeNotifier records titles and bodies.
type fakeNotifier struct{ recorder }

func (n *fakeNotifier) Notify(title, body string) error { return n.record(title + " | " + body) }

// waitFor waits until at least count notifications were delivered (they are sent on their
// own goroutines) and returns them.
func (n *fakeNotifier) waitFor(t *testing.T, count int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(n.all()) < count {
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications delivered, want %d: %q", len(n.all()), count, n.all())
		}
		time.Sleep(2 * time.Millisecond)
	}
	return n.all()
}

func (n *fakeNotifier) titles() []string {
	var out []string
	for _, c := range n.all() {
		t, _, _ := strings.Cut(c, " | ")
		out = append(out, t)
	}
	return out
}

// fakeAutostart records Set calls.
type fakeAutostart struct {
	mu  sync.Mutex
	on  bool
	set []bool
}

func (f *fakeAutostart) Set(on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on = on
	f.set = append(f.set, on)
	return nil
}

func (f *fakeAutostart) Enabled() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.on, nil
}

// fakeTunnel is a tunnel that runs until stopped or ended.
type fakeTunnel struct {
	url      string
	done     chan struct{}
	exitOnce sync.Once
	stopOnce sync.Once
	stopped  chan struct{}
}

// exit ends the fake process as if cloudflared died.
func (t *fakeTunnel) exit() { t.exitOnce.Do(func() { close(t.done) }) }

func newFakeTunnel(url string) *fakeTunnel {
	return &fakeTunnel{url: url, done: make(chan struct{}), stopped: make(chan struct{})}
}

func (t *fakeTunnel) URL() string           { return t.url }
func (t *fakeTunnel) Host() string          { return strings.TrimPrefix(t.url, "https://") }
func (t *fakeTunnel) Done() <-chan struct{} { return t.done }
func (t *fakeTunnel) Err() error            { return errors.New("exit status 1") }
func (t *fakeTunnel) Stop() error {
	t.exit()
	t.stopOnce.Do(func() { close(t.stopped) })
	return nil
}

// menuRecorder is a renderer that keeps the last menu.
type menuRecorder struct {
	mu    sync.Mutex
	menus []Menu
}

func (r *menuRecorder) Render(m Menu) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.menus = append(r.menus, m)
}

func (r *menuRecorder) last() Menu {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.menus[len(r.menus)-1]
}

// find returns the first item with label (or label prefix ending in "*"), searching
// submenus too.
func find(items []Item, label string) (Item, bool) {
	for _, it := range items {
		if it.Label == label ||
			(strings.HasSuffix(label, "*") && strings.HasPrefix(it.Label, label[:len(label)-1])) {
			return it, true
		}
		if c, ok := find(it.Children, label); ok {
			return c, true
		}
	}
	return Item{}, false
}

// eventLog is the Events writer: it turns EVENT lines into a channel.
type eventLog struct {
	mu    sync.Mutex
	lines chan string
	buf   strings.Builder
	all   []string
}

// named returns the details of every event called name so far, in order.
func (l *eventLog) named(name string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.all {
		if n, detail, _ := strings.Cut(line, " "); n == name {
			out = append(out, detail)
		}
	}
	return out
}

func newEventLog() *eventLog { return &eventLog{lines: make(chan string, 256)} }

func (l *eventLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		s := l.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimPrefix(s[:i], "EVENT ")
		l.all = append(l.all, line)
		l.lines <- line
		l.buf.Reset()
		l.buf.WriteString(s[i+1:])
	}
	return len(p), nil
}

// harness runs an app with fakes around it.
type harness struct {
	t         *testing.T
	app       *app
	server    *fakeServer
	auth      *fakeAuth
	settings  *settings.Store
	copied    *recorder
	opened    *recorder
	notes     *fakeNotifier
	autostart *fakeAutostart
	tunnels   chan *fakeTunnel
	tunnelErr error
	pushes    *recorder
	menus     *menuRecorder
	events    *eventLog
	backlog   []string
	quit      chan struct{}
}

func newHarness(t *testing.T, edit func(*Deps)) *harness {
	t.Helper()
	store, err := settings.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		t:         t,
		server:    &fakeServer{host: "127.0.0.1", port: 11434},
		auth:      newFakeAuth(),
		settings:  store,
		copied:    &recorder{},
		opened:    &recorder{},
		notes:     &fakeNotifier{},
		autostart: &fakeAutostart{},
		tunnels:   make(chan *fakeTunnel, 4),
		pushes:    &recorder{},
		menus:     &menuRecorder{},
		events:    newEventLog(),
		quit:      make(chan struct{}),
	}
	d := Deps{
		Server:    h.server,
		Auth:      h.auth,
		Logins:    fakeLogins{url: "https://auth.example/oauth/authorize?x=1"},
		Settings:  store,
		Version:   "1.2.3",
		LogPath:   "/tmp/lagp.log",
		OpenURL:   h.opened.record,
		Copy:      h.copied.record,
		Notify:    h.notes,
		Autostart: h.autostart,
		StartTunnel: func(ctx context.Context, localURL string) (Tunnel, error) {
			if h.tunnelErr != nil {
				return nil, h.tunnelErr
			}
			ft := newFakeTunnel("https://quiet-lake.trycloudflare.com")
			h.tunnels <- ft
			return ft, nil
		},
		Push: func(ctx context.Context, remoteURL, secret string) error {
			return h.pushes.record(remoteURL + " " + secret)
		},
		LANAddrs: func() ([]net.IP, error) {
			return []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("192.168.1.20")}, nil
		},
		PollInterval: time.Hour, // tests poll by hand
		Location:     time.UTC,
		Events:       h.events,
	}
	if edit != nil {
		edit(&d)
	}
	a, err := newApp(d)
	if err != nil {
		t.Fatal(err)
	}
	h.app = a
	a.quit = func() { close(h.quit) }
	return h
}

// run starts the loop and waits until it is ready.
func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	h.app.start(ctx, h.menus)
	go func() {
		defer close(done)
		h.app.loop(ctx)
	}()
	h.t.Cleanup(func() {
		cancel()
		<-done
	})
	h.wait("ready *")
}

// wait blocks until an event matching pattern arrives ("name detail", "*" suffix for a
// prefix) and returns its detail; it fails the test after a generous timeout. Events that do
// not match are kept for later waits.
func (h *harness) wait(pattern string) string {
	h.t.Helper()
	match := func(line string) bool {
		return line == pattern || (strings.HasSuffix(pattern, "*") &&
			strings.HasPrefix(line, pattern[:len(pattern)-1]))
	}
	for i, line := range h.backlog {
		if match(line) {
			h.backlog = append(h.backlog[:i:i], h.backlog[i+1:]...)
			_, detail, _ := strings.Cut(line, " ")
			return detail
		}
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case line := <-h.events.lines:
			if match(line) {
				_, detail, _ := strings.Cut(line, " ")
				return detail
			}
			h.backlog = append(h.backlog, line)
		case <-timeout:
			h.t.Fatalf("no event %q; saw %q", pattern, h.backlog)
			return ""
		}
	}
}

// click queues a click and waits until the loop has handled it.
func (h *harness) click(a Action, arg string) {
	h.t.Helper()
	h.app.enqueue(Click{Action: a, Arg: arg})
	h.wait("click " + string(a) + " " + arg)
}

// sync waits until the loop has finished the work queued before it, including the menu
// render that follows each step.
func (h *harness) sync() {
	h.t.Helper()
	for range 2 {
		done := make(chan struct{})
		h.app.update(func() { close(done) })
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			h.t.Fatal("event loop stuck")
		}
	}
}

func (h *harness) item(label string) Item {
	h.t.Helper()
	h.sync()
	it, ok := find(h.menus.last().Items, label)
	if !ok {
		h.t.Fatalf("no menu item %q", label)
	}
	return it
}

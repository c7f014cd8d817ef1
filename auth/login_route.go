package auth

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
)

// Logins runs the sign-ins started from the proxy's /login route and the tray, one at a time:
// asking for a sign-in while one runs returns the running one.
type Logins struct {
	cfg      LoginConfig
	log      *slog.Logger
	onTokens func(context.Context, Tokens) error

	mu      sync.Mutex
	current *Login // nil when no sign-in runs
}

// NewLogins returns a Logins that starts sign-ins with cfg and hands each fresh sign-in to
// onTokens (main passes the session manager's SignIn) before the browser shows the result.
func NewLogins(cfg LoginConfig, onTokens func(context.Context, Tokens) error) *Logins {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Logins{cfg: cfg, log: log, onTokens: onTokens}
}

// Begin starts a sign-in, or joins the running one, and returns its authorize URL. The
// sign-in outlives ctx; it ends on success, failure, timeout or [Logins.Close].
func (ls *Logins) Begin(ctx context.Context) (string, error) {
	l, err := ls.login(ctx)
	if err != nil {
		return "", err
	}
	return l.AuthorizeURL(), nil
}

// Open is Begin followed by [Login.Open]: it opens the browser (or prints the URL) for the
// tray's Sign in item and lagp's first start.
func (ls *Logins) Open(ctx context.Context) (string, error) {
	l, err := ls.login(ctx)
	if err != nil {
		return "", err
	}
	l.Open()
	return l.AuthorizeURL(), nil
}

// Running reports whether a sign-in is waiting for the browser.
func (ls *Logins) Running() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.current != nil && !ls.current.ended()
}

// Close cancels the running sign-in, if any.
func (ls *Logins) Close() {
	ls.mu.Lock()
	l := ls.current
	ls.mu.Unlock()
	if l != nil {
		_ = l.Close()
	}
}

func (ls *Logins) login(ctx context.Context) (*Login, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l := ls.current; l != nil && !l.ended() {
		return l, nil
	}
	l, err := startLogin(context.WithoutCancel(ctx), ls.cfg, loginHooks{deliver: ls.onTokens})
	if err != nil {
		return nil, err
	}
	ls.current = l
	go ls.forget(l)
	return l, nil
}

// forget clears the running sign-in once it has ended.
func (ls *Logins) forget(l *Login) {
	<-l.Done()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.current == l {
		ls.current = nil
	}
}

// Handler serves GET /login: it starts or joins a sign-in and redirects the browser to the
// issuer. This is how a remote lagp is signed in through an SSH tunnel.
//
// Only a page load starts a sign-in: a browser that says the request is for an image, a
// script or a fetch (Sec-Fetch-Dest) is refused, so another web site cannot keep the
// callback port busy by embedding the address.
func (ls *Logins) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if dest := r.Header.Get("Sec-Fetch-Dest"); dest != "" && dest != "document" {
			http.Error(w, "open /login as a page", http.StatusForbidden)
			return
		}
		target, err := ls.Begin(r.Context())
		if err != nil {
			ls.log.Warn("sign-in not started", "error", err)
			writePage(w, pageUnavailable(err))
			return
		}
		setPageHeaders(w.Header())
		http.Redirect(w, r, target, http.StatusFound)
	})
}

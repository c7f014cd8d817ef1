package settings

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// PagePath is where the proxy mounts [Handler]: the page is GET PagePath, and each action is a
// POST to a path below it (PagePath + "/keys/add" and so on).
const PagePath = "/lagp/settings"

// maxFormBytes bounds a settings form body.
const maxFormBytes = 64 << 10

//go:embed page.html
var pageHTML string

// copyScript copies the freshly created key shown on the page. It is the page's only script
// and is allowed by its hash in the Content-Security-Policy.
const copyScript = `document.getElementById("copy-key").addEventListener("click", function () {
  var field = document.getElementById("new-key");
  field.select();
  if (navigator.clipboard) { navigator.clipboard.writeText(field.value); }
  else { document.execCommand("copy"); }
  this.textContent = "Copied";
});`

// PageOptions configures [Handler].
type PageOptions struct {
	// Version is shown at the top of the page; empty hides it.
	Version string
	// ListenURL returns the proxy's current base URL (http://127.0.0.1:11434); nil hides it.
	ListenURL func() string
	// Now is the clock for flash messages (default time.Now).
	Now func() time.Time
	// Rand is the source of the CSRF token and flash ids (default crypto/rand).
	Rand io.Reader
	// Logger receives refused requests and applied changes (default: discard).
	Logger *slog.Logger
}

// page serves the settings page. One exists per process; its CSRF token lives as long.
type page struct {
	store  *Store
	opts   PageOptions
	tmpl   *template.Template
	csrf   string // empty when no randomness was available: then every POST is refused
	csp    string
	origin *http.CrossOriginProtection
	flash  *flashes
	log    *slog.Logger
}

// Handler returns the settings page for store: plain server-rendered HTML at [PagePath] and
// form actions below it. It answers only requests from this computer addressed to a loopback
// name, protects every action against cross-site requests, and never renders a stored API key
// or sync secret (a new key is shown once, right after it is created).
func Handler(store *Store, opts PageOptions) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &page{
		store:  store,
		opts:   opts,
		tmpl:   template.Must(template.New("settings").Parse(pageHTML)),
		csp:    contentSecurityPolicy(copyScript),
		origin: http.NewCrossOriginProtection(),
		flash:  newFlashes(opts.Rand, opts.Now),
		log:    log,
	}
	token, err := randomToken(opts.Rand)
	if err != nil {
		log.Error("settings page disabled: no randomness for its CSRF token", "error", err)
	}
	p.csrf = token
	return p
}

func randomToken(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// contentSecurityPolicy allows inline styles, same-origin forms and exactly one inline script.
func contentSecurityPolicy(script string) string {
	sum := sha256.Sum256([]byte(script))
	return "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; " +
		"frame-ancestors 'none'; base-uri 'none'; script-src 'sha256-" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// ServeHTTP routes the page and its actions after the loopback check.
func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.setHeaders(w)
	if reason := refuseNonLocal(r); reason != "" {
		p.log.Warn("settings request refused", "reason", reason, "remote", r.RemoteAddr)
		http.Error(w, "The lagp settings page is only available on this computer, at "+
			"http://127.0.0.1:<port>"+PagePath+".", http.StatusForbidden)
		return
	}
	switch {
	case r.URL.Path == PagePath || r.URL.Path == PagePath+"/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// Navigations send no Origin; a script on another site reading the page does.
		if r.Header.Get("Origin") != "" && foreignOrigin(r) != "" {
			p.log.Warn("settings request refused", "reason", "foreign origin")
			http.Error(w, "cross-origin reads of the settings page are refused",
				http.StatusForbidden)
			return
		}
		p.servePage(w, r)
	case strings.HasPrefix(r.URL.Path, PagePath+"/"):
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p.serveAction(w, r, strings.TrimPrefix(r.URL.Path, PagePath+"/"))
	default:
		http.NotFound(w, r)
	}
}

// setHeaders sends the hardening headers on every answer, refusals included. It also drops any
// CORS grant a wrapping handler added for the API routes: no other origin may read this page.
func (p *page) setHeaders(w http.ResponseWriter) {
	h := w.Header()
	for name := range h {
		if strings.HasPrefix(name, "Access-Control-") {
			h.Del(name)
		}
	}
	h.Set("Content-Security-Policy", p.csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

func (p *page) serveAction(w http.ResponseWriter, r *http.Request, name string) {
	act, ok := lookupAction(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "unreadable form", http.StatusBadRequest)
		return
	}
	if reason := p.refuseForgery(r); reason != "" {
		p.log.Warn("settings action refused", "action", name, "reason", reason)
		p.render(w, http.StatusForbidden, "refused", pageData{
			Path: PagePath,
			Message: "This change was refused because it did not come from the settings page " +
				"as this lagp served it (" + reason + "). Reload the settings page and try again.",
		})
		return
	}
	res := act(p, r)
	if res.Error {
		p.log.Info("settings change rejected", "action", name, "error", res.Message)
	} else {
		p.log.Info("settings changed", "action", name)
	}
	id := p.flash.put(res.flash)
	http.SetCookie(w, flashCookie(id))
	if res.Moved {
		p.renderMoved(w, r, res.NewPort)
		return
	}
	http.Redirect(w, r, PagePath+"#"+res.Section, http.StatusSeeOther)
}

// servePage renders the settings with the pending flash message, if any.
func (p *page) servePage(w http.ResponseWriter, r *http.Request) {
	if p.csrf == "" {
		http.Error(w, "settings page unavailable: see the log", http.StatusInternalServerError)
		return
	}
	data := p.baseData()
	if c, err := r.Cookie(flashCookieName); err == nil {
		if f, ok := p.flash.take(c.Value); ok {
			data.Flash = &f
		}
		http.SetCookie(w, expiredCookie(flashCookieName))
	}
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookieName, Value: p.csrf, Path: PagePath,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	p.render(w, http.StatusOK, "page", data)
}

// renderMoved answers a change that moves the listener (port, LAN exposure). The old listener
// may close before the browser follows a redirect, so instead of a 303 the answer is a short
// page that reloads the settings at their new address a moment later. The flash message waits
// for that page.
func (p *page) renderMoved(w http.ResponseWriter, r *http.Request, newPort int) {
	data := p.baseData()
	data.Next = nextURL(r.Host, newPort)
	data.Refresh = "1;url=" + data.Next
	p.render(w, http.StatusOK, "moved", data)
}

// nextURL is the settings page at the host the browser used, on newPort unless it is 0.
func nextURL(host string, newPort int) string {
	if newPort != 0 {
		host = net.JoinHostPort(hostOnly(host), strconv.Itoa(newPort))
	}
	return "http://" + host + PagePath
}

func (p *page) render(w http.ResponseWriter, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("rendering settings page", "error", err)
		http.Error(w, "settings page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

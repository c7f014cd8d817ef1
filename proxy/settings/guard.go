package settings

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

const (
	csrfCookieName  = "lagp_csrf"
	flashCookieName = "lagp_flash"
	csrfFormField   = "csrf"
)

// refuseNonLocal returns why r does not come from this computer to a loopback address, or ""
// when it does. Checking the Host header too stops DNS rebinding: a hostile page whose name
// resolves to 127.0.0.1 still sends its own name as Host.
func refuseNonLocal(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return "unparsable remote address"
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !addr.Unmap().IsLoopback() {
		return "remote address is not loopback"
	}
	if !isLoopbackHost(hostOnly(r.Host)) {
		return "host header is not a loopback name"
	}
	if relayed(r.Header) {
		return "request was relayed by a proxy"
	}
	return ""
}

// relayed reports whether h carries headers that proxies and tunnels add. cloudflared connects
// from loopback, so the page refuses such requests even when the connection itself is local.
func relayed(h http.Header) bool {
	for _, name := range [...]string{
		"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip", "Cf-Connecting-Ip",
	} {
		if h.Get(name) != "" {
			return true
		}
	}
	return false
}

// hostOnly strips the port and IPv6 brackets from a Host header value.
func hostOnly(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}

// refuseForgery returns why a POST is not a genuine submission of this page's forms, or "".
// Three independent checks: the browser's own cross-origin signals (Sec-Fetch-Site, Origin),
// Origin or Referer matching the page's origin when present, and the per-process token in both
// the form and a SameSite=Strict cookie.
func (p *page) refuseForgery(r *http.Request) string {
	if err := p.origin.Check(r); err != nil {
		return "cross-origin request"
	}
	if reason := foreignOrigin(r); reason != "" {
		return reason
	}
	if p.csrf == "" {
		return "no CSRF token available"
	}
	cookie, err := r.Cookie(csrfCookieName)
	if err != nil || !tokenEqual(cookie.Value, p.csrf) {
		return "missing or stale cookie"
	}
	if !tokenEqual(r.PostFormValue(csrfFormField), p.csrf) {
		return "missing or stale form token"
	}
	return ""
}

// foreignOrigin returns why the Origin or, without one, the Referer of r names another origin
// than the page's own, or "" when they match or are absent.
func foreignOrigin(r *http.Request) string {
	self := "http://" + r.Host
	if origin := r.Header.Get("Origin"); origin != "" {
		if !strings.EqualFold(origin, self) {
			return "foreign origin"
		}
	} else if ref := r.Referer(); ref != "" {
		u, err := url.Parse(ref)
		if err != nil || !strings.EqualFold(u.Scheme+"://"+u.Host, self) {
			return "foreign referer"
		}
	}
	return ""
}

func tokenEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func flashCookie(id string) *http.Cookie {
	return &http.Cookie{
		Name: flashCookieName, Value: id, Path: PagePath, MaxAge: int(flashTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	}
}

func expiredCookie(name string) *http.Cookie {
	return &http.Cookie{
		Name: name, Path: PagePath, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	}
}

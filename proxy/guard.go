package proxy

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// access decides who may talk to the server: API keys, the Host allow-list that guards against
// DNS rebinding, and the origins that get a CORS grant. It is safe for concurrent use; the tray
// changes it while requests run.
type access struct {
	mu    sync.RWMutex
	keys  [][32]byte      // SHA-256 of each accepted API key
	hosts map[string]bool // extra accepted Host names, e.g. a tunnel's, lower case
}

func (a *access) setKeys(keys []string) {
	sums := make([][32]byte, 0, len(keys))
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			sums = append(sums, sha256.Sum256([]byte(k)))
		}
	}
	a.mu.Lock()
	a.keys = sums
	a.mu.Unlock()
}

func (a *access) allowHost(host string, allow bool) {
	host = strings.ToLower(host)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hosts == nil {
		a.hosts = map[string]bool{}
	}
	if allow {
		a.hosts[host] = true
	} else {
		delete(a.hosts, host)
	}
}

func (a *access) keyed() bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.keys) > 0
}

// validKey reports whether the request carries an accepted key. Every key is compared, in
// constant time, so the timing tells nothing about which key matched or how much of it.
func (a *access) validKey(r *http.Request) bool {
	got := requestKey(r)
	if got == "" {
		return false
	}
	sum := sha256.Sum256([]byte(got))
	a.mu.RLock()
	defer a.mu.RUnlock()
	ok := 0
	for _, k := range a.keys {
		ok |= subtle.ConstantTimeCompare(sum[:], k[:])
	}
	return ok == 1
}

// requestKey returns the API key of a request: a Bearer token or the x-api-key header.
func requestKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
	}
	return strings.TrimSpace(r.Header.Get("X-Api-Key"))
}

// hostAllowed reports whether the request's Host names this machine's loopback interface or an
// allowed extra host. Without API keys, a page on another site that rebinds its DNS name to
// 127.0.0.1 would otherwise reach lagp with the user's ChatGPT session.
func (a *access) hostAllowed(r *http.Request) bool {
	host := hostOnly(r.Host)
	if loopbackName(host) {
		return true
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.hosts[strings.ToLower(host)]
}

// originAllowed reports whether a browser origin may call lagp when no API key is set: pages
// served from this machine's loopback, and the app and extension schemes editors use.
func originAllowed(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return loopbackName(u.Hostname())
	case "app", "file", "tauri", "vscode-webview", "vscode-file", "chrome-extension",
		"moz-extension", "safari-web-extension":
		return true
	}
	return false
}

// loopbackName reports whether host is "localhost", a name under .localhost, or a loopback IP.
func loopbackName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fromThisMachine reports whether a person on this machine sent the request: it came over
// loopback, for a loopback name, and no proxy forwarded it. A tunnel such as cloudflared also
// connects over loopback, but for its public name and with forwarding headers.
func fromThisMachine(r *http.Request) bool {
	ip := net.ParseIP(hostOnly(r.RemoteAddr))
	if ip == nil || !ip.IsLoopback() || !loopbackName(hostOnly(r.Host)) {
		return false
	}
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host",
		"X-Real-Ip", "Cf-Connecting-Ip", "Cf-Ray"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	return true
}

// hostOnly strips the port from a host:port string, and the brackets from an IPv6 literal.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// corsHeaders grants origin access to the API and lists what a preflight may ask for, including
// the x-stainless-* headers the OpenAI SDKs send.
func corsHeaders(h http.Header, origin string) {
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Api-Key, "+
		"OpenAI-Organization, OpenAI-Project, OpenAI-Beta, X-Stainless-Arch, "+
		"X-Stainless-Lang, X-Stainless-OS, X-Stainless-Package-Version, X-Stainless-Runtime, "+
		"X-Stainless-Runtime-Version, X-Stainless-Retry-Count, X-Stainless-Timeout, "+
		"X-Stainless-Helper-Method, X-Stainless-Async")
	h.Set("Access-Control-Expose-Headers", "Retry-After, X-Should-Retry")
	h.Set("Access-Control-Max-Age", "600")
}

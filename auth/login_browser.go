package auth

import (
	"fmt"
	"io"
	"net/url"
)

// Open sends the user to the authorize URL: it opens the browser through cfg.OpenBrowser when
// that is possible and sensible, and always prints the URL to cfg.Out, with a hint for
// signing in to a remote machine when no browser is opened.
func (l *Login) Open() {
	cfg := l.cfg
	reason := browserBlocked(cfg, l.authURL)
	if reason != "" {
		cfg.Logger.Debug("not opening a browser", "reason", reason)
		printManualSignIn(cfg.Out, l.authURL, l.port, cfg.ProxyLoginURL)
		return
	}
	fmt.Fprintf(cfg.Out, "Opening your browser to sign in. If it does not open, visit:\n\n  %s\n\n",
		l.authURL)
	go func() {
		if err := cfg.OpenBrowser(l.authURL); err != nil {
			cfg.Logger.Warn("opening browser", "error", err)
		}
	}()
}

// browserBlocked says why no browser should be opened for rawURL, or "" when one may be.
//
// On Unix systems other than macOS lagp does not start a browser without a graphical
// session: xdg-open would then pick a terminal browser that takes over lagp's terminal, or
// fail. It never starts one as root on any Unix: browsers refuse to run as root (Chromium
// without --no-sandbox) or run with full rights, and a root lagp is most likely a server or
// a container where the user signs in from another machine anyway. In both cases the URL is
// printed with the SSH hint, which is what such a user needs.
func browserBlocked(cfg LoginConfig, rawURL string) string {
	switch {
	case cfg.NoBrowser:
		return "no-browser requested"
	case cfg.OpenBrowser == nil:
		return "no browser opener"
	case !webURL(rawURL):
		return "not an http or https address"
	case cfg.ChosenBrowser:
		return ""
	case cfg.goos != "windows" && cfg.geteuid() == 0:
		return "running as root"
	case cfg.goos != "windows" && cfg.goos != "darwin" &&
		cfg.getenv("DISPLAY") == "" && cfg.getenv("WAYLAND_DISPLAY") == "":
		return "no graphical session"
	}
	return ""
}

// webURL reports whether raw is an absolute http or https URL, the only kind lagp hands to a
// browser opener.
func webURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// printManualSignIn tells the user where to sign in, including from another computer.
func printManualSignIn(out io.Writer, authURL string, port int, proxyLoginURL string) {
	fmt.Fprintf(out, "To sign in, open this address in a browser:\n\n  %s\n\n", authURL)
	fmt.Fprintf(out, "The browser must reach localhost:%d on this machine when it comes "+
		"back.\n", port)
	fmt.Fprintf(out, "Signing in to a remote machine over SSH? Forward the port first:\n"+
		"  ssh -L %d:localhost:%d <host>\n", port, port)
	if proxyLoginURL != "" {
		if u, err := url.Parse(proxyLoginURL); err == nil && u.Port() != "" {
			fmt.Fprintf(out, "or, while lagp serves, forward both ports and open %s locally:\n"+
				"  ssh -L %s:localhost:%s -L %d:localhost:%d <host>\n",
				proxyLoginURL, u.Port(), u.Port(), port, port)
		}
	}
	fmt.Fprintln(out)
}

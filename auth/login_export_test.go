package auth

import (
	"context"
	"net/http"
)

// Hooks into unexported parts of the sign-in for the external tests (package auth_test,
// which can import auth/authtest).

// RedirectURI exposes redirectURI.
var RedirectURI = redirectURI

// Ended exposes Login.ended.
func (l *Login) Ended() bool { return l.ended() }

// Routes exposes the callback server's handler, to reach it without the listener.
func (l *Login) Routes() http.Handler { return l.routes() }

// Current starts or joins the sign-in of ls and returns it.
func (ls *Logins) Current(ctx context.Context) (*Login, error) { return ls.login(ctx) }

// Ports exposes LoginConfig.ports after defaults.
func (c LoginConfig) Ports() []int { return c.withDefaults().ports() }

// AsDesktop returns c as if lagp ran in a graphical session as an ordinary user, so that
// c.OpenBrowser is called whatever machine runs the tests.
func (c LoginConfig) AsDesktop() LoginConfig {
	c.goos = "linux"
	c.geteuid = func() int { return 1000 }
	c.getenv = func(k string) string {
		if k == "DISPLAY" {
			return ":0"
		}
		return ""
	}
	return c
}

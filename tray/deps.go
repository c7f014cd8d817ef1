package tray

import (
	"context"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/settings"
	"github.com/lagp/lagp/proxy/upstream"
)

// Server is the part of the proxy server the tray drives; *proxy.Server satisfies it.
type Server interface {
	// URL returns the listening origin, e.g. http://127.0.0.1:11434, or "" when not listening.
	URL() string
	// Rebind moves the listener; errors wrap syscall.EADDRINUSE when the port is taken.
	Rebind(host string, port int) error
	// ReloadKeys reads the accepted API keys again after the settings changed them.
	ReloadKeys()
	// AllowHost and DisallowHost add and remove an accepted Host header (the tunnel's).
	AllowHost(host string)
	DisallowHost(host string)
	// Limits returns the latest usage windows reported by the backend.
	Limits() (upstream.Limits, bool)
	// Models lists the account's models; RefreshModels fetches them again.
	Models(ctx context.Context) (canon.ModelList, error)
	RefreshModels(ctx context.Context) error
}

// Auth is the session manager as the tray sees it; *auth.Manager satisfies it.
type Auth interface {
	Status() auth.Status
	SignOut(ctx context.Context) error
	Subscribe() (<-chan auth.Event, func())
}

// Logins starts browser sign-ins; *auth.Logins satisfies it.
type Logins interface {
	// Begin starts a sign-in, or joins the running one, and returns the URL to open.
	Begin(ctx context.Context) (authorizeURL string, err error)
}

// Settings is the settings store; *settings.Store satisfies it.
type Settings interface {
	Get() settings.Settings
	Update(edit func(*settings.Settings) error) error
	Subscribe() (<-chan settings.Settings, func())
	EnsureAPIKey(name string) (string, error)
}

// Autostarter switches start at login; *autostart.Manager satisfies it.
type Autostarter interface {
	Set(on bool) error
	Enabled() (bool, error)
}

// Tunnel is a running public tunnel; *tunnel.Tunnel satisfies it.
type Tunnel interface {
	URL() string
	Host() string
	Done() <-chan struct{}
	Err() error
	Stop() error
}

// Deps is everything the tray uses. Server, Auth, Logins and Settings are required; the rest
// default to the real desktop services when nil.
type Deps struct {
	Server   Server
	Auth     Auth
	Logins   Logins
	Settings Settings

	// Push signs in afresh in the browser and sends that sign-in to the lagp at remoteURL
	// (auth.Push with main's login configuration). Nil hides nothing but makes pushes fail.
	Push func(ctx context.Context, remoteURL, secret string) error

	// Version is shown in the menu ("lagp <version>").
	Version string
	// Logger receives the tray's log; nil discards it.
	Logger *slog.Logger
	// LogPath is the log file opened by "Open log file"; empty disables that item.
	LogPath string

	// OpenURL opens a URL or file in the user's browser or viewer; default pkg/browser.
	OpenURL func(string) error
	// Copy puts text on the clipboard; default atotto/clipboard.
	Copy func(string) error
	// Notify shows notifications; default [NewDesktopNotifier].
	Notify Notifier
	// Autostart switches start at login; default the running executable's registration.
	Autostart Autostarter
	// StartTunnel starts a public tunnel to localURL; default cloudflared (tray/tunnel).
	StartTunnel func(ctx context.Context, localURL string) (Tunnel, error)
	// LANAddrs lists the machine's addresses, for the LAN URL; default [LANAddrs].
	LANAddrs func() ([]net.IP, error)

	// PollInterval is how often usage limits are read; default 5 s.
	PollInterval time.Duration
	// Location is the time zone of reset times; default time.Local.
	Location *time.Location

	// Events, when set, receives one "EVENT <name> <detail>" line per tray action, for
	// end-to-end tests that drive the binary.
	Events io.Writer
}

package tray

import "time"

// SignIn is the sign-in state shown by the tray.
type SignIn int

// The sign-in states.
const (
	SignedOut SignIn = iota // no sign-in stored
	SignedIn                // tokens valid or refreshable
	Expired                 // the session ended (permanent refresh failure): sign in again
)

// TunnelState is the state of the public tunnel.
type TunnelState int

// The tunnel states.
const (
	TunnelOff      TunnelState = iota
	TunnelStarting             // cloudflared started, public URL not known yet
	TunnelOn                   // public URL known and accepted by the proxy
)

// Window is one usage-limit window as reported by the backend.
type Window struct {
	Limit       string    // limit family, "codex" for the main one
	Minutes     int       // window length; 300 for the 5-hour window, 10080 for the weekly one
	UsedPercent float64   // 0–100
	ResetsAt    time.Time // zero when unknown
}

// Model is one entry of the Models submenu.
type Model struct {
	ID   string // slug, copied on click
	Name string // display name
}

// State is everything the menu, icon and tooltip show. It is a plain value: the event loop
// builds a new one for each change and [BuildMenu] turns it into a [Menu].
type State struct {
	Version string

	SignIn         SignIn
	Email, Plan    string
	RefreshFailing bool // refreshes fail but the access token still works
	ExpiringSoon   bool // the access token expires within a day and refreshes fail

	Usage []Window

	ListenURL string // origin lagp serves on: http://127.0.0.1:11434, or the LAN address
	Exposed   bool   // listening on all interfaces

	Tunnel    TunnelState
	TunnelURL string // public https origin when Tunnel is TunnelOn

	Models []Model

	Remotes []string // names of the saved remotes for sign-in push

	StartAtLogin bool
	LogPath      string // empty when logging to a file is off

	// Location is the zone for reset times; nil means time.Local.
	Location *time.Location
}

// BaseURL returns the OpenAI-style base URL in use: the listen origin with /v1.
func (s State) BaseURL() string {
	return s.ListenURL + "/v1"
}

// limitReached reports whether a usage window is used up.
func (s State) limitReached() bool {
	for _, w := range s.Usage {
		if w.UsedPercent >= 100 {
			return true
		}
	}
	return false
}

// needsAttention reports whether the icon should turn amber.
func (s State) needsAttention() bool {
	return s.SignIn == Expired || s.RefreshFailing || s.ExpiringSoon || s.limitReached()
}

func (s State) location() *time.Location {
	if s.Location == nil {
		return time.Local
	}
	return s.Location
}

package tray

import (
	"github.com/lagp/lagp/assets"
)

// Action identifies what a menu item does when clicked. The values are stable, readable names
// used in logs and tests.
type Action string

// The menu actions. Items without an action are informational.
const (
	ActSignIn          Action = "sign-in"
	ActSignOut         Action = "sign-out"
	ActCopyBaseURL     Action = "copy-base-url"
	ActCopyAPIKey      Action = "copy-api-key"
	ActCopyModel       Action = "copy-model"       // Arg: model id
	ActRefreshModels   Action = "refresh-models"   //
	ActToggleExpose    Action = "toggle-expose"    //
	ActToggleTunnel    Action = "toggle-tunnel"    //
	ActPush            Action = "push"             // Arg: remote name
	ActAddRemote       Action = "add-remote"       //
	ActSettings        Action = "settings"         //
	ActToggleAutostart Action = "toggle-autostart" //
	ActOpenLog         Action = "open-log"         //
	ActQuit            Action = "quit"             //
)

// The exact menu labels; users, docs and tests rely on them.
const (
	LabelSignIn        = "Sign in with ChatGPT…"
	LabelSignOut       = "Sign out"
	LabelCopyBaseURL   = "Copy base URL"
	LabelCopyAPIKey    = "Copy API key"
	LabelModels        = "Models"
	LabelRefreshModels = "Refresh model list"
	LabelNoModels      = "No models loaded"
	LabelExpose        = "Expose on local network"
	LabelTunnel        = "Public URL for Cursor"
	LabelPush          = "Push sign-in to remote"
	LabelAddRemote     = "Add a remote…"
	LabelSettings      = "Settings…"
	LabelStartAtLogin  = "Start at login"
	LabelOpenLog       = "Open log file"
	LabelQuit          = "Quit"
)

// Item is one menu entry. A separator has only Separator set.
type Item struct {
	Label     string
	Action    Action // empty for informational lines
	Arg       string // action argument, e.g. the model id
	Enabled   bool
	Checkable bool // drawn with a checkbox
	Checked   bool
	Hidden    bool
	Separator bool
	Children  []Item // a non-empty Children makes a submenu
}

// Menu is what the tray shows: the item tree, the icon and the tooltip.
type Menu struct {
	Items   []Item
	Icon    assets.Icon
	Tooltip string
}

// Click is a click on an item with an action.
type Click struct {
	Action Action
	Arg    string
}

func info(label string) Item { return Item{Label: label} }

func button(label string, a Action) Item { return Item{Label: label, Action: a, Enabled: true} }

func checkbox(label string, a Action, on bool) Item {
	return Item{Label: label, Action: a, Enabled: true, Checkable: true, Checked: on}
}

func separator() Item { return Item{Separator: true} }

// BuildMenu returns the menu for s. It is pure: the same State always gives the same Menu.
func BuildMenu(s State) Menu {
	var items []Item
	items = append(items, accountItems(s)...)
	items = append(items, separator())
	items = append(items, serveItems(s)...)
	items = append(items, separator())
	items = append(items, exposureItems(s)...)
	items = append(items, separator())
	items = append(items, appItems(s)...)
	return Menu{Items: items, Icon: icon(s), Tooltip: tooltip(s)}
}

func accountItems(s State) []Item {
	signIn := button(LabelSignIn, ActSignIn)
	signIn.Hidden = s.SignIn == SignedIn
	signOut := button(LabelSignOut, ActSignOut)
	signOut.Hidden = s.SignIn != SignedIn
	items := []Item{info(statusLabel(s)), signIn, signOut}
	for _, w := range sortedWindows(s.Usage) {
		items = append(items, info(usageLabel(w, s.location())))
	}
	return items
}

func serveItems(s State) []Item {
	copyBase := button(LabelCopyBaseURL, ActCopyBaseURL)
	copyBase.Enabled = s.ListenURL != ""
	return []Item{
		info(listeningLabel(s)),
		copyBase,
		button(LabelCopyAPIKey, ActCopyAPIKey),
		{Label: LabelModels, Enabled: true, Children: modelItems(s)},
	}
}

func modelItems(s State) []Item {
	var items []Item
	for _, m := range s.Models {
		label := m.ID
		if m.Name != "" && m.Name != m.ID {
			label = m.Name + " (" + m.ID + ")"
		}
		items = append(items, Item{Label: label, Action: ActCopyModel, Arg: m.ID, Enabled: true})
	}
	if len(items) == 0 {
		items = append(items, info(LabelNoModels))
	}
	return append(items, separator(), button(LabelRefreshModels, ActRefreshModels))
}

func exposureItems(s State) []Item {
	tunnel := checkbox(LabelTunnel, ActToggleTunnel, s.Tunnel != TunnelOff)
	status := info(tunnelStatus(s))
	status.Hidden = s.Tunnel == TunnelOff
	return []Item{
		checkbox(LabelExpose, ActToggleExpose, s.Exposed),
		tunnel,
		status,
		{Label: LabelPush, Enabled: true, Children: remoteItems(s)},
	}
}

func tunnelStatus(s State) string {
	if s.Tunnel == TunnelOn {
		return "Public URL: " + s.TunnelURL + "/v1"
	}
	return "Starting public URL…"
}

func remoteItems(s State) []Item {
	var items []Item
	for _, r := range s.Remotes {
		items = append(items, Item{Label: r, Action: ActPush, Arg: r, Enabled: true})
	}
	if len(items) > 0 {
		items = append(items, separator())
	}
	return append(items, button(LabelAddRemote, ActAddRemote))
}

func appItems(s State) []Item {
	openLog := button(LabelOpenLog, ActOpenLog)
	openLog.Enabled = s.LogPath != ""
	return []Item{
		button(LabelSettings, ActSettings),
		checkbox(LabelStartAtLogin, ActToggleAutostart, s.StartAtLogin),
		openLog,
		separator(),
		info("lagp " + s.Version),
		button(LabelQuit, ActQuit),
	}
}

// icon picks the tray icon: attention wins, then exposure, then the sign-in state.
func icon(s State) assets.Icon {
	switch {
	case s.needsAttention():
		return assets.Attention
	case s.Exposed || s.Tunnel != TunnelOff:
		return assets.Exposed
	case s.SignIn == SignedIn:
		return assets.SignedIn
	default:
		return assets.SignedOut
	}
}

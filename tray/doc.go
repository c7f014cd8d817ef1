// Package tray is lagp's tray application: an icon and menu that sign in to ChatGPT, copy the
// base URL, expose the proxy and show usage, without a terminal.
//
// The package keeps all logic testable without a display. [BuildMenu] is a pure function from a
// [State] snapshot to a [Menu] tree; an event loop owns the State, applies auth, settings and
// usage changes, runs menu actions in goroutines and hands each new Menu to a renderer. The
// systray renderer only draws Menu values (rebuilding the whole menu, since fyne's systray
// cannot remove single items) and forwards clicks into a buffered queue, so a busy handler
// never drops a click.
//
// [Run] is the entry point main calls when [HasDesktop] says a desktop session exists.
package tray

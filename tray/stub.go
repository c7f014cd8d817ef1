//go:build darwin && !cgo

package tray

import "context"

// trayBuilt tells [HasDesktop] that this build has no tray.
const trayBuilt = false

// Run returns [ErrNoTray]: the macOS tray needs cgo, which this build was made without. main
// then runs headless and logs the error.
func Run(context.Context, Deps) error {
	return ErrNoTray
}

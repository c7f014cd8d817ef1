package tray

import "errors"

// ErrNoTray is returned by [Run] in builds without the tray (macOS without cgo). main then
// runs headless and logs it.
var ErrNoTray = errors.New("this lagp build has no tray: macOS builds need cgo " +
	"(build on a Mac with CGO_ENABLED=1); running headless")

//go:build !windows && !darwin

package assets

// Tray returns the colour PNG for StatusNotifierItem hosts (Linux, BSD), which scale it to the
// panel size; 64 px stays sharp on HiDPI panels.
func Tray(i Icon) []byte { return PNG(i, 64) }

// TrayTemplate returns the template variant; only macOS uses templates, so this is [Tray].
func TrayTemplate(i Icon) []byte { return PNG(i, 64) }

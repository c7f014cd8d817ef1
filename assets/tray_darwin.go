package assets

// Tray returns the colour PNG used on macOS when a template cannot be used.
func Tray(i Icon) []byte { return PNG(i, 64) }

// TrayTemplate returns the black-and-alpha template PNG the macOS menu bar tints to match light
// and dark mode.
func TrayTemplate(i Icon) []byte { return Template(i, 64) }

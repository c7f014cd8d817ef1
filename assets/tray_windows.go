package assets

// Tray returns the icon bytes the tray library wants on Windows: an ICO file, since the shell
// loads tray icons as icon resources and refuses raw PNG.
func Tray(i Icon) []byte { return ICO(i) }

// TrayTemplate returns the template variant; Windows has none, so this is [Tray].
func TrayTemplate(i Icon) []byte { return ICO(i) }

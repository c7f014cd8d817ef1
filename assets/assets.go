// Package assets holds lagp's tray icons, drawn for this project by the generator in gen/ and
// embedded in the binary.
//
// Each [Icon] exists as PNG (32 and 64 px), as a macOS template PNG (black with alpha, tinted by
// the menu bar) and as a Windows ICO (PNG-in-ICO with 16, 32 and 64 px images). [Tray] picks the
// right format for the operating system the binary is built for.
package assets

import (
	"embed"
	"fmt"
)

//go:generate go run ./gen -out icons

//go:embed icons/*.png icons/*.ico
var files embed.FS

// Icon names one tray icon state.
type Icon int

// The tray icon states.
const (
	SignedOut Icon = iota // grey: nobody is signed in
	SignedIn              // green: signed in and serving
	Attention             // amber: limit reached, session expiring or failing to refresh
	Exposed               // blue: reachable from the LAN or through a public tunnel
)

// Icons lists every state, for tests and tools.
var Icons = []Icon{SignedOut, SignedIn, Attention, Exposed}

// String returns the file name stem of the icon, e.g. "signedin".
func (i Icon) String() string {
	switch i {
	case SignedOut:
		return "signedout"
	case SignedIn:
		return "signedin"
	case Attention:
		return "attention"
	case Exposed:
		return "exposed"
	}
	return fmt.Sprintf("Icon(%d)", int(i))
}

// PNG returns the colour icon at size 32 or 64 px; other sizes give nil.
func PNG(i Icon, size int) []byte {
	return read(fmt.Sprintf("icons/%s-%d.png", i, size))
}

// Template returns the macOS template variant (black and alpha) at size 32 or 64 px.
func Template(i Icon, size int) []byte {
	return read(fmt.Sprintf("icons/%s-template-%d.png", i, size))
}

// ICO returns the Windows icon file holding 16, 32 and 64 px images.
func ICO(i Icon) []byte {
	return read(fmt.Sprintf("icons/%s.ico", i))
}

func read(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil
	}
	return b
}

// Command gen draws lagp's tray icons and writes them as PNG and ICO files.
//
// The mark is a rounded square with a lightning bolt knocked out of it, tinted per state: grey
// (signed out), green (signed in), amber (needs attention) and blue (exposed beyond this
// machine). macOS gets black-and-alpha template variants, which tell the states apart by shape
// (outline, badge dot, badge ring) because the menu bar tints them. Run it with
// `go generate ./assets` after changing the drawing; the output is committed.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// state is one icon variant: its file name stem, tint and badge.
type state struct {
	name    string
	tint    color.NRGBA
	outline bool  // draw only the frame (signed out)
	badge   badge // small corner mark for the template variant and the colour icon
}

type badge int

const (
	badgeNone badge = iota
	badgeDot        // attention
	badgeRing       // exposed
)

var states = []state{
	{name: "signedout", tint: color.NRGBA{0x8a, 0x8f, 0x98, 0xff}, outline: true},
	{name: "signedin", tint: color.NRGBA{0x1f, 0xa8, 0x5b, 0xff}},
	{name: "attention", tint: color.NRGBA{0xf2, 0x9d, 0x12, 0xff}, badge: badgeDot},
	{name: "exposed", tint: color.NRGBA{0x25, 0x74, 0xe6, 0xff}, badge: badgeRing},
}

// sizes are the PNG edge lengths written for every state; the ICO also holds 16 px.
var sizes = []int{32, 64}

func main() {
	out := flag.String("out", "icons", "directory to write the icons into")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, s := range states {
		if err := writeState(dir, s); err != nil {
			return err
		}
	}
	return nil
}

func writeState(dir string, s state) error {
	for _, n := range sizes {
		if err := writePNG(filepath.Join(dir, fmt.Sprintf("%s-%d.png", s.name, n)),
			draw(s, n, false)); err != nil {
			return err
		}
		if err := writePNG(filepath.Join(dir, fmt.Sprintf("%s-template-%d.png", s.name, n)),
			draw(s, n, true)); err != nil {
			return err
		}
	}
	var pngs [][]byte
	for _, n := range []int{16, 32, 64} {
		b, err := encode(draw(s, n, false))
		if err != nil {
			return err
		}
		pngs = append(pngs, b)
	}
	return os.WriteFile(filepath.Join(dir, s.name+".ico"), ico(pngs, []int{16, 32, 64}), 0o644)
}

func writePNG(path string, img image.Image) error {
	b, err := encode(img)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encoding png: %w", err)
	}
	return buf.Bytes(), nil
}

// ico wraps PNG images in an ICO container (the PNG-in-ICO form Windows accepts since Vista).
func ico(pngs [][]byte, sizes []int) []byte {
	var buf bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&buf, le, [3]uint16{0, 1, uint16(len(pngs))}) // reserved, type icon, count
	offset := 6 + 16*len(pngs)
	for i, p := range pngs {
		edge := byte(sizes[i] % 256) // 0 means 256
		buf.Write([]byte{edge, edge, 0, 0})
		_ = binary.Write(&buf, le, [2]uint16{1, 32}) // planes, bits per pixel
		_ = binary.Write(&buf, le, [2]uint32{uint32(len(p)), uint32(offset)})
		offset += len(p)
	}
	for _, p := range pngs {
		buf.Write(p)
	}
	return buf.Bytes()
}

// draw renders one icon at n×n pixels with 4×4 supersampling. A template icon is black with
// alpha; a colour icon is the tint with a white bolt.
func draw(s state, n int, template bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	const ss = 4
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var fill, bolt float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / float64(n)
					v := (float64(y) + (float64(sy)+0.5)/ss) / float64(n)
					f, b := sample(s, u, v, n)
					fill += f
					bolt += b
				}
			}
			img.SetNRGBA(x, y, shade(s, template, fill/ss/ss, bolt/ss/ss))
		}
	}
	return img
}

// sample reports whether the point (u, v) in unit coordinates lies in the tinted body and in
// the bolt (which is white on colour icons and a hole on templates).
func sample(s state, u, v float64, n int) (fill, bolt float64) {
	d := roundedSquare(u, v)
	inBody := d <= 0
	if s.outline {
		stroke := math.Max(1.5/float64(n), 0.07)
		inBody = d <= 0 && d > -stroke
	}
	if inArea, painted := badgeAt(s.badge, u, v); inArea {
		if painted {
			return 1, 0
		}
		return 0, 0
	}
	if inPolygon(u, v, boltShape) {
		return 0, 1
	}
	if inBody {
		return 1, 0
	}
	return 0, 0
}

func shade(s state, template bool, fill, bolt float64) color.NRGBA {
	if template {
		if s.outline {
			// The signed-out template shows frame and bolt, both black.
			return color.NRGBA{A: uint8(math.Round(255 * math.Min(1, fill+bolt)))}
		}
		return color.NRGBA{A: uint8(math.Round(255 * fill))}
	}
	a := fill + bolt
	if a == 0 {
		return color.NRGBA{}
	}
	boltColour := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	if s.outline {
		boltColour = s.tint
	}
	mix := func(c1, c2 uint8) uint8 {
		return uint8(math.Round((float64(c1)*fill + float64(c2)*bolt) / a))
	}
	return color.NRGBA{
		R: mix(s.tint.R, boltColour.R),
		G: mix(s.tint.G, boltColour.G),
		B: mix(s.tint.B, boltColour.B),
		A: uint8(math.Round(255 * math.Min(1, a))),
	}
}

// roundedSquare is the signed distance from (u, v) to a rounded square with a small margin.
func roundedSquare(u, v float64) float64 {
	const half, radius = 0.44, 0.2
	dx := math.Abs(u-0.5) - (half - radius)
	dy := math.Abs(v-0.5) - (half - radius)
	outside := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
	inside := math.Min(math.Max(dx, dy), 0)
	return outside + inside - radius
}

// boltShape is the lightning bolt, clockwise in unit coordinates.
var boltShape = [][2]float64{
	{0.57, 0.15}, {0.29, 0.55}, {0.47, 0.55}, {0.40, 0.86},
	{0.73, 0.43}, {0.55, 0.43}, {0.65, 0.15},
}

// inPolygon is the even-odd ray test.
func inPolygon(u, v float64, poly [][2]float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > v) != (b[1] > v) && u < (b[0]-a[0])*(v-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// badgeAt reports whether (u, v) lies in the badge area at the bottom-right corner, and if so
// whether it is painted (dot, or the ring's band) rather than a transparent gap.
func badgeAt(b badge, u, v float64) (inArea, painted bool) {
	if b == badgeNone {
		return false, false
	}
	const cx, cy, outer = 0.8, 0.8, 0.2
	r := math.Hypot(u-cx, v-cy)
	if r > outer {
		return false, false
	}
	switch b {
	case badgeDot:
		return true, r <= 0.13
	default:
		return true, r <= 0.14 && r >= 0.075
	}
}

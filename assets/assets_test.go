package assets

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func decode(t *testing.T, name string, b []byte) image.Image {
	t.Helper()
	if len(b) == 0 {
		t.Fatalf("%s: no bytes", name)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

func TestPNGSizes(t *testing.T) {
	for _, i := range Icons {
		for _, size := range []int{32, 64} {
			for kind, b := range map[string][]byte{"png": PNG(i, size), "template": Template(i, size)} {
				img := decode(t, i.String()+" "+kind, b)
				if got := img.Bounds().Dx(); got != size || img.Bounds().Dy() != size {
					t.Errorf("%s %s %d: got %v", i, kind, size, img.Bounds())
				}
			}
		}
	}
	if PNG(SignedIn, 48) != nil {
		t.Error("PNG(48) should be nil: no such size")
	}
}

// TestTemplateIsBlackAndAlpha checks the macOS template rule: only black pixels, any alpha.
func TestTemplateIsBlackAndAlpha(t *testing.T) {
	for _, i := range Icons {
		img := decode(t, i.String(), Template(i, 64))
		opaque := 0
		for y := 0; y < 64; y++ {
			for x := 0; x < 64; x++ {
				r, g, b, a := img.At(x, y).RGBA()
				if a > 0 && (r|g|b) != 0 {
					t.Fatalf("%s: pixel (%d,%d) is not black: %d %d %d", i, x, y, r, g, b)
				}
				if a > 0xf000 {
					opaque++
				}
			}
		}
		if opaque < 200 {
			t.Errorf("%s: template nearly empty (%d opaque pixels)", i, opaque)
		}
	}
}

// TestStatesDiffer makes sure no two states share a picture, in colour or as a template.
func TestStatesDiffer(t *testing.T) {
	seen := map[string]Icon{}
	for _, i := range Icons {
		for _, b := range [][]byte{PNG(i, 32), Template(i, 32), ICO(i)} {
			if prev, ok := seen[string(b)]; ok {
				t.Errorf("%s and %s share an image", prev, i)
			}
			seen[string(b)] = i
		}
	}
}

func TestICO(t *testing.T) {
	for _, i := range Icons {
		b := ICO(i)
		if len(b) < 6 {
			t.Fatalf("%s: short ico", i)
		}
		le := binary.LittleEndian
		if le.Uint16(b[0:]) != 0 || le.Uint16(b[2:]) != 1 {
			t.Fatalf("%s: bad ico header % x", i, b[:6])
		}
		n := int(le.Uint16(b[4:]))
		if n != 3 {
			t.Fatalf("%s: %d images, want 3", i, n)
		}
		for k := 0; k < n; k++ {
			e := b[6+16*k:]
			size, length, offset := int(e[0]), le.Uint32(e[8:]), le.Uint32(e[12:])
			if int(offset)+int(length) > len(b) {
				t.Fatalf("%s: entry %d out of range", i, k)
			}
			img := decode(t, i.String(), b[offset:offset+length])
			if img.Bounds().Dx() != size {
				t.Errorf("%s: entry %d says %d px, image is %v", i, k, size, img.Bounds())
			}
		}
	}
}

func TestTrayFormat(t *testing.T) {
	for _, i := range Icons {
		if len(Tray(i)) == 0 || len(TrayTemplate(i)) == 0 {
			t.Errorf("%s: empty tray icon", i)
		}
	}
}

// TestGeneratedFilesUpToDate regenerates the icons and compares them with the embedded ones,
// so a drawing change cannot ship without its output.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator; skipped in -short mode")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	dir := t.TempDir()
	cmd := exec.Command(goTool, "run", "./gen", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 20 {
		t.Errorf("generator wrote %d files, want 20", len(entries))
	}
	for _, e := range entries {
		fresh, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, read("icons/"+e.Name())) {
			t.Errorf("icons/%s is stale: run go generate ./assets", e.Name())
		}
	}
}

package canon

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestImageDataURL(t *testing.T) {
	png := b64("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR rest of the image")
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{"png", png, "data:image/png;base64," + png, nil},
		{"jpeg", b64("\xff\xd8\xff\xe0\x00\x10JFIF"), "data:image/jpeg;base64," +
			b64("\xff\xd8\xff\xe0\x00\x10JFIF"), nil},
		{"gif89a", b64("GIF89a\x01\x00"), "data:image/gif;base64," + b64("GIF89a\x01\x00"), nil},
		{"gif87a", b64("GIF87a\x01\x00"), "data:image/gif;base64," + b64("GIF87a\x01\x00"), nil},
		{"webp", b64("RIFF\x24\x00\x00\x00WEBPVP8 "), "data:image/webp;base64," +
			b64("RIFF\x24\x00\x00\x00WEBPVP8 "), nil},
		{"short jpeg with padding", b64("\xff\xd8\xff\xdb"), "data:image/jpeg;base64," +
			b64("\xff\xd8\xff\xdb"), nil},
		{"surrounding space", " " + png + "\n", "data:image/png;base64," + png, nil},
		{"wrapped lines", png[:20] + "\r\n" + png[20:], "data:image/png;base64," + png, nil},
		{"data url passes", "data:image/png;base64,AAAA", "data:image/png;base64,AAAA", nil},
		{"data url any case", "DATA:image/png;base64,AAAA", "DATA:image/png;base64,AAAA", nil},
		{"riff but not webp", b64("RIFF\x24\x00\x00\x00WAVEfmt "), "", ErrImageFormat},
		{"text", b64("hello, this is not an image"), "", ErrImageFormat},
		{"pdf", b64("%PDF-1.7\n%"), "", ErrImageFormat},
		{"empty", "", "", ErrImageBase64},
		{"not base64", "not base64!", "", ErrImageBase64},
		{"url-safe alphabet", "_-_-", "", ErrImageBase64},
		{"too much padding", "QQ===", "", ErrImageBase64},
		{"https url", "https://example.com/a.png", "", ErrImageBase64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ImageDataURL(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ImageDataURL error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ImageDataURL = %.60q, want %.60q", got, tt.want)
			}
		})
	}
}

func TestImagePart(t *testing.T) {
	p := ImagePart("data:image/png;base64,AAAA")
	if p.Type != PartInputImage || p.ImageURL != "data:image/png;base64,AAAA" || p.Text != "" {
		t.Fatalf("ImagePart = %+v", p)
	}
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"input_image","image_url":"data:image/png;base64,AAAA"}`; string(b) != want {
		t.Errorf("marshalled part = %s, want %s", b, want)
	}
}

func FuzzImageDataURL(f *testing.F) {
	f.Add(b64("\x89PNG\r\n\x1a\nxxxx"))
	f.Add(b64("GIF89a"))
	f.Add("AAAA=")
	f.Add("data:x")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ImageDataURL(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(strings.ToLower(got), "data:") {
			t.Fatalf("ImageDataURL(%q) = %q, not a data URL", s, got)
		}
	})
}

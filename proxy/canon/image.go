package canon

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
)

// Errors returned by [ImageDataURL]. Their texts are safe to show to a client.
var (
	ErrImageFormat = errors.New("unsupported image format")
	ErrImageBase64 = errors.New("image data is not valid base64")
)

// imageSniffLen is how many base64 characters are decoded to recognise an image: 16 characters
// give 12 bytes, enough for the longest signature (WebP's "RIFF....WEBP").
const imageSniffLen = 16

// ImageDataURL returns a data: URL for an image given as raw base64, as Ollama clients send
// images. The media type comes from the image's leading bytes: PNG, JPEG, WebP or GIF; any
// other content yields [ErrImageFormat]. A value that already is a data: URL is returned as is.
func ImageDataURL(b64 string) (string, error) {
	b64 = strings.TrimSpace(b64)
	if hasPrefixFold(b64, "data:") {
		return b64, nil
	}
	if strings.ContainsAny(b64, "\r\n") {
		// Some clients wrap long base64 at 76 columns; the data URL must be one token.
		b64 = strings.NewReplacer("\r", "", "\n", "").Replace(b64)
	}
	if !isBase64(b64) {
		return "", ErrImageBase64
	}
	mime := sniffImage(b64)
	if mime == "" {
		return "", ErrImageFormat
	}
	return "data:" + mime + ";base64," + b64, nil
}

// ImagePart returns an input image part for an image URL: a data: URL or an https URL.
func ImagePart(url string) Part {
	return Part{Type: PartInputImage, ImageURL: url}
}

// sniffImage decodes the first bytes of a base64 image and names its media type, or "".
func sniffImage(b64 string) string {
	head := b64[:min(len(b64), imageSniffLen)]
	head = strings.TrimRight(head, "=")
	var buf [imageSniffLen]byte
	n, err := base64.RawStdEncoding.Decode(buf[:], []byte(head))
	if err != nil {
		// A prefix cut inside a quantum still decodes its whole bytes before failing.
		var corrupt base64.CorruptInputError
		if !errors.As(err, &corrupt) {
			return ""
		}
	}
	return imageType(buf[:n])
}

// imageType names the media type of an image from its signature bytes, or "".
func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp"
	}
	return ""
}

// isBase64 reports whether s is standard base64: alphabet characters with at most two '='
// at the end. It checks the characters only, without decoding (images can be large).
func isBase64(s string) bool {
	if s == "" {
		return false
	}
	body := strings.TrimRight(s, "=")
	if len(s)-len(body) > 2 {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '+' || c == '/'
		if !ok {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

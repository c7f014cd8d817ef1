package settings

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// KeyPrefix starts every API key lagp generates, so users and scanners can recognise one.
const KeyPrefix = "lagp-"

// keyBytes is the amount of randomness in a generated key (256 bits).
const keyBytes = 32

// NewAPIKey returns a fresh key: [KeyPrefix] followed by 32 random bytes from crypto/rand in
// unpadded base64url.
func NewAPIKey() (string, error) {
	return newAPIKey(rand.Reader)
}

func newAPIKey(r io.Reader) (string, error) {
	b := make([]byte, keyBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("generating API key: %w", err)
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// MaskKey shortens key for display, keeping the prefix, two characters after it and the last
// four (lagp-Ab…xyz9). Keys too short to mask safely become "…".
func MaskKey(key string) string {
	const tail = 4
	if len(key) < minKeyLen {
		return "…"
	}
	head := 2
	if strings.HasPrefix(key, KeyPrefix) {
		head += len(KeyPrefix)
	}
	return key[:head] + "…" + key[len(key)-tail:]
}

package auth

import (
	"encoding/base64"
	"fmt"
	"io"

	"golang.org/x/oauth2"
)

// Sizes of the random values of one sign-in, as the Codex CLI uses them (PROTOCOL.md A2).
const (
	verifierBytes = 64 // 86 characters once encoded
	stateBytes    = 32 // 43 characters once encoded
)

// pkce holds the per-flow secrets of one browser sign-in: the PKCE verifier, its S256
// challenge and the anti-forgery state. None of them may be logged.
type pkce struct {
	verifier  string
	challenge string
	state     string
}

// newPKCE draws a fresh verifier and state from random, which is crypto/rand outside tests.
func newPKCE(random io.Reader) (pkce, error) {
	verifier, err := randomString(random, verifierBytes)
	if err != nil {
		return pkce{}, fmt.Errorf("making pkce verifier: %w", err)
	}
	state, err := randomString(random, stateBytes)
	if err != nil {
		return pkce{}, fmt.Errorf("making state: %w", err)
	}
	return pkce{
		verifier:  verifier,
		challenge: oauth2.S256ChallengeFromVerifier(verifier),
		state:     state,
	}, nil
}

// randomString reads n bytes from random and encodes them base64url without padding.
func randomString(random io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

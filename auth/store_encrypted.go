package auth

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"

	"github.com/zalando/go-keyring"
)

// keyringStore keeps the tokens in $LAGP_HOME/auth.enc, sealed with AES-256-GCM under a random
// 32-byte key that lives in the OS keyring (service "lagp", user "token-key"). Only the key
// goes to the keyring because tokens run to several KB, past what Windows (2,560 bytes) and
// macOS (~2.9 KB) accept for one secret (DESKTOP.md §6).
type keyringStore struct {
	dir   string
	path  string
	kr    timeoutKeyring
	rand  io.Reader
	write atomicWriter
	log   *slog.Logger
}

func newKeyringStore(home string, kr timeoutKeyring, random io.Reader,
	log *slog.Logger) *keyringStore {
	if random == nil {
		random = rand.Reader
	}
	return &keyringStore{dir: home, path: filepath.Join(home, encFileName), kr: kr,
		rand: random, log: log}
}

// encMagic starts auth.enc and is authenticated as additional data; a new layout gets a new
// magic.
var encMagic = []byte("LAGPENC1")

const (
	keySize   = 32 // AES-256
	nonceSize = 12 // GCM standard nonce
)

// Name implements [Store].
func (s *keyringStore) Name() string { return StoreKeyring }

// Load implements [Store]. It first imports an auth.json a user copied into $LAGP_HOME
// (see importPlain).
func (s *keyringStore) Load(ctx context.Context) (Tokens, error) {
	if err := s.importPlain(ctx); err != nil {
		return Tokens{}, err
	}
	return s.loadSealed(ctx)
}

// loadSealed reads and opens auth.enc.
func (s *keyringStore) loadSealed(ctx context.Context) (Tokens, error) {
	sealed, err := readPrivateFile(s.path, s.log)
	if errors.Is(err, fs.ErrNotExist) {
		return Tokens{}, fmt.Errorf("loading %s: %w", encFileName, ErrNoTokens)
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("loading tokens: %w", err)
	}
	key, err := s.key(ctx, false)
	if errors.Is(err, keyring.ErrNotFound) {
		s.log.Warn("token key missing from the os keyring, the stored sign-in is lost",
			"path", s.path)
		return Tokens{}, fmt.Errorf("loading %s: key not in keyring: %w", encFileName,
			ErrNoTokens)
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("loading tokens: %w", err)
	}
	plain, err := openSealed(key, sealed)
	if err != nil {
		return Tokens{}, fmt.Errorf("loading %s: %w", encFileName, err)
	}
	t, err := UnmarshalAuthJSON(plain)
	if err != nil {
		return Tokens{}, fmt.Errorf("loading %s: %w", encFileName, err)
	}
	return t, nil
}

// Save implements [Store]. The first save creates the key.
func (s *keyringStore) Save(ctx context.Context, t Tokens) error {
	plain, err := MarshalAuthJSON(t)
	if err != nil {
		return fmt.Errorf("saving tokens: %w", err)
	}
	key, err := s.key(ctx, true)
	if err != nil {
		return fmt.Errorf("saving tokens: %w", err)
	}
	sealed, err := seal(key, plain, s.rand)
	if err != nil {
		return fmt.Errorf("saving tokens: %w", err)
	}
	if err := s.write.writeFile(s.path, sealed); err != nil {
		return fmt.Errorf("saving tokens: %w", err)
	}
	return nil
}

// Delete implements [Store]: auth.enc, plain copies and the keyring key all go. Files are
// removed even when the keyring does not answer.
func (s *keyringStore) Delete(ctx context.Context) error {
	errFiles := removeFiles(s.dir, encFileName, plainFileName, importedFileName)
	errKey := s.kr.remove(ctx)
	if errKey != nil {
		errKey = fmt.Errorf("deleting token key from keyring: %w", errKey)
	}
	return errors.Join(errFiles, errKey)
}

// key returns the token key from the keyring. With create, a missing or malformed key is
// replaced by a fresh random one; the stored value is read back so that two processes racing
// to create it agree on one key.
func (s *keyringStore) key(ctx context.Context, create bool) ([]byte, error) {
	enc, err := s.kr.get(ctx)
	if err == nil {
		key, derr := base64.StdEncoding.DecodeString(enc)
		if derr == nil && len(key) == keySize {
			return key, nil
		}
		err = errMalformedKey
	}
	if !create {
		return nil, err
	}
	if !errors.Is(err, keyring.ErrNotFound) && !errors.Is(err, errMalformedKey) {
		return nil, err
	}
	key := make([]byte, keySize)
	if _, err := io.ReadFull(s.rand, key); err != nil {
		return nil, fmt.Errorf("making token key: %w", err)
	}
	if err := s.kr.set(ctx, base64.StdEncoding.EncodeToString(key)); err != nil {
		return nil, fmt.Errorf("storing token key in keyring: %w", err)
	}
	return s.key(ctx, false)
}

// errMalformedKey means the keyring entry is not a base64 32-byte key.
var errMalformedKey = errors.New("token key in keyring is malformed")

// seal encrypts plain as magic | nonce | AES-256-GCM ciphertext+tag.
func seal(key, plain []byte, random io.Reader) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, nonceSize)
	if _, err := io.ReadFull(random, nonce); err != nil {
		return nil, fmt.Errorf("making nonce: %w", err)
	}
	out := append(append([]byte{}, encMagic...), nonce...)
	return aead.Seal(out, nonce, plain, encMagic), nil
}

// openSealed reverses seal.
func openSealed(key, sealed []byte) ([]byte, error) {
	if len(sealed) < len(encMagic)+nonceSize || !bytes.HasPrefix(sealed, encMagic) {
		return nil, errors.New("not a lagp encrypted token file")
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := sealed[len(encMagic) : len(encMagic)+nonceSize]
	plain, err := aead.Open(nil, nonce, sealed[len(encMagic)+nonceSize:], encMagic)
	if err != nil {
		return nil, errors.New("cannot decrypt: the keyring key does not match the file")
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

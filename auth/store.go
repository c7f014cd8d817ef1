package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"
)

// Store keeps one sign-in. Implementations are safe for use by one process at a time per
// method call; the [Manager] serialises its own calls. Another process may write the same
// store: the manager reloads before every refresh.
type Store interface {
	// Load returns the stored sign-in, or an error wrapping [ErrNoTokens] when there is none.
	Load(ctx context.Context) (Tokens, error)
	// Save replaces the stored sign-in; a crash during Save leaves the previous one intact.
	Save(ctx context.Context, t Tokens) error
	// Delete removes the sign-in, including plain copies a user placed in $LAGP_HOME.
	// Deleting an empty store is not an error.
	Delete(ctx context.Context) error
	// Name is "file" or "keyring".
	Name() string
}

// Keyring is the OS secret store as go-keyring exposes it. A missing secret is reported as
// go-keyring's keyring.ErrNotFound; any other error means the keyring is unusable. Calls may
// block (go-keyring takes no context): lagp always calls them with a timeout.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// Token store modes, as given by --token-store or LAGP_TOKEN_STORE.
const (
	// StoreAuto uses the OS keyring when it answers, else the file store with a warning.
	StoreAuto = "auto"
	// StoreKeyring keeps a random key in the OS keyring and the tokens encrypted with it in
	// $LAGP_HOME/auth.enc. Opening fails when the keyring does not answer.
	StoreKeyring = "keyring"
	// StoreFile keeps the tokens in $LAGP_HOME/auth.json (Codex layout, mode 0600).
	StoreFile = "file"
)

// DefaultKeyringTimeout bounds every keyring call when [StoreConfig].KeyringTimeout is zero.
const DefaultKeyringTimeout = 3 * time.Second

// Names of lagp's files in $LAGP_HOME and of its keyring entry.
const (
	plainFileName    = "auth.json"
	importedFileName = "auth.json.imported"
	encFileName      = "auth.enc"
	keyringService   = "lagp"
	keyringUser      = "token-key"
)

// StoreConfig selects and configures the token store.
type StoreConfig struct {
	// Mode is StoreAuto (also when empty), StoreKeyring or StoreFile.
	Mode string
	// Home is lagp's configuration directory ($LAGP_HOME); required. It is created 0700.
	Home string
	// Keyring is the OS keyring; nil uses the real one through go-keyring.
	Keyring Keyring
	// KeyringTimeout bounds each keyring call; zero means DefaultKeyringTimeout.
	KeyringTimeout time.Duration
	// Rand is the source of keys and nonces; nil means crypto/rand.
	Rand io.Reader
	// Logger receives the store's warnings; nil means slog.Default().
	Logger *slog.Logger
}

// OpenStore returns the token store cfg selects. In auto mode it probes the keyring (one Get,
// bounded by the timeout; "not found" counts as an answer) and falls back to the file store
// with one warning. In keyring mode a keyring that does not answer is an error. Neither
// reads ~/.codex/auth.json (A6).
func OpenStore(ctx context.Context, cfg StoreConfig) (Store, error) {
	if cfg.Home == "" {
		return nil, errors.New("opening token store: no home directory given")
	}
	home, err := filepath.Abs(cfg.Home)
	if err != nil {
		return nil, fmt.Errorf("opening token store: %w", err)
	}
	cfg.Home = home
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	switch cfg.Mode {
	case StoreFile:
		return newFileStore(home, log), nil
	case StoreKeyring:
		kr := newTimeoutKeyring(cfg)
		if err := kr.probe(ctx); err != nil {
			return nil, fmt.Errorf("opening keyring token store (try --token-store file): %w", err)
		}
		return newKeyringStore(home, kr, cfg.Rand, log), nil
	case StoreAuto, "":
		kr := newTimeoutKeyring(cfg)
		if err := kr.probe(ctx); err != nil {
			log.Warn("os keyring unavailable, keeping tokens in a plain file",
				"error", err, "path", filepath.Join(home, plainFileName))
			return newFileStore(home, log), nil
		}
		return newKeyringStore(home, kr, cfg.Rand, log), nil
	}
	return nil, fmt.Errorf("opening token store: unknown mode %q (want auto, keyring or file)",
		cfg.Mode)
}

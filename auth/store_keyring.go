package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zalando/go-keyring"
)

// ErrKeyringTimeout is returned when the OS keyring did not answer within the timeout (for
// example a Secret Service waiting on an unlock prompt nobody sees).
var ErrKeyringTimeout = errors.New("os keyring did not answer in time")

// systemKeyring is the real OS keyring through go-keyring: Secret Service on Linux, Keychain
// on macOS, Credential Manager on Windows.
type systemKeyring struct{}

func (systemKeyring) Get(service, user string) (string, error) {
	if noSessionBus() {
		return "", errNoSessionBus
	}
	return keyring.Get(service, user)
}

func (systemKeyring) Set(service, user, secret string) error {
	if noSessionBus() {
		return errNoSessionBus
	}
	return keyring.Set(service, user, secret)
}

func (systemKeyring) Delete(service, user string) error {
	if noSessionBus() {
		return errNoSessionBus
	}
	return keyring.Delete(service, user)
}

// timeoutKeyring runs every keyring call in its own goroutine and gives up after timeout or
// when ctx ends. A call that never returns leaks its goroutine; that is the price of a
// library without contexts, and far better than a hung sign-in.
type timeoutKeyring struct {
	kr      Keyring
	timeout time.Duration
}

func newTimeoutKeyring(cfg StoreConfig) timeoutKeyring {
	k := timeoutKeyring{kr: cfg.Keyring, timeout: cfg.KeyringTimeout}
	if k.kr == nil {
		k.kr = systemKeyring{}
	}
	if k.timeout <= 0 {
		k.timeout = DefaultKeyringTimeout
	}
	return k
}

type keyringResult struct {
	secret string
	err    error
}

// call runs fn with the timeout. The result channel is buffered so a late answer never
// blocks the abandoned goroutine.
func (k timeoutKeyring) call(ctx context.Context, fn func() (string, error)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	done := make(chan keyringResult, 1)
	go func() {
		s, err := fn()
		done <- keyringResult{s, err}
	}()
	select {
	case r := <-done:
		return r.secret, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", fmt.Errorf("%w (%s)", ErrKeyringTimeout, k.timeout)
		}
		return "", ctx.Err()
	}
}

// get reads a secret; a missing one is keyring.ErrNotFound.
func (k timeoutKeyring) get(ctx context.Context) (string, error) {
	return k.call(ctx, func() (string, error) {
		return k.kr.Get(keyringService, keyringUser)
	})
}

func (k timeoutKeyring) set(ctx context.Context, secret string) error {
	_, err := k.call(ctx, func() (string, error) {
		return "", k.kr.Set(keyringService, keyringUser, secret)
	})
	return err
}

// remove deletes the secret; a missing one is not an error.
func (k timeoutKeyring) remove(ctx context.Context) error {
	_, err := k.call(ctx, func() (string, error) {
		return "", k.kr.Delete(keyringService, keyringUser)
	})
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

// probe reports whether the keyring answers: a secret or "not found" both count.
func (k timeoutKeyring) probe(ctx context.Context) error {
	_, err := k.get(ctx)
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

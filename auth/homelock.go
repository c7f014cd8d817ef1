package auth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// homeLockName is the file in LAGP_HOME whose lock marks the lagp that serves from it.
const homeLockName = "lagp.lock"

// ErrHomeInUse is returned by [LockHome] when another lagp already serves from the directory.
var ErrHomeInUse = errors.New("another lagp is already running with this LAGP_HOME")

// HomeLock is held by the one lagp that serves from a LAGP_HOME. Only that process refreshes
// the session stored there: two processes refreshing one sign-in would use the same refresh
// token twice, and the issuer then ends the session for both (refresh_token_reused).
type HomeLock struct {
	f *os.File
}

// LockHome takes the lock of home, creating the directory when needed. The operating system
// releases it when the process ends, however it ends. When another process holds it the error
// wraps [ErrHomeInUse] and names that process.
func LockHome(home string) (*HomeLock, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", home, err)
	}
	path := filepath.Join(home, homeLockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		owner := readOwner(f)
		f.Close()
		return nil, fmt.Errorf("%w (%s%s): %v", ErrHomeInUse, home, owner, err)
	}
	// Record who holds it, for the message another lagp shows.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &HomeLock{f: f}, nil
}

func readOwner(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid := strings.TrimSpace(string(b[:n])); pid != "" {
		return ", process " + pid
	}
	return ""
}

// Unlock releases the lock.
func (l *HomeLock) Unlock() error {
	return l.f.Close()
}

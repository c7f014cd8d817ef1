package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// fileStore keeps the sign-in in $LAGP_HOME/auth.json in the Codex layout (A5). An auth.json a
// user copies there is simply the store.
type fileStore struct {
	dir   string
	path  string
	write atomicWriter
	log   *slog.Logger
}

func newFileStore(home string, log *slog.Logger) *fileStore {
	return &fileStore{dir: home, path: filepath.Join(home, plainFileName), log: log}
}

// Name implements [Store].
func (s *fileStore) Name() string { return StoreFile }

// Load implements [Store]. A file readable by others is tightened to 0600 first.
func (s *fileStore) Load(ctx context.Context) (Tokens, error) {
	if err := ctx.Err(); err != nil {
		return Tokens{}, err
	}
	b, err := readPrivateFile(s.path, s.log)
	if errors.Is(err, fs.ErrNotExist) {
		return Tokens{}, fmt.Errorf("loading %s: %w", plainFileName, ErrNoTokens)
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("loading tokens: %w", err)
	}
	t, err := UnmarshalAuthJSON(b)
	if err != nil {
		return Tokens{}, fmt.Errorf("loading %s: %w", s.path, err)
	}
	return t, nil
}

// Save implements [Store]: temp file, fsync, rename.
func (s *fileStore) Save(ctx context.Context, t Tokens) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := MarshalAuthJSON(t)
	if err != nil {
		return fmt.Errorf("saving tokens: %w", err)
	}
	if err := s.write.writeFile(s.path, b); err != nil {
		return fmt.Errorf("saving tokens: %w", err)
	}
	return nil
}

// Delete implements [Store]. It removes auth.json, a leftover auth.json.imported and an
// auth.enc of an earlier keyring-mode run (useless without its key, but not left behind).
func (s *fileStore) Delete(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return removeFiles(s.dir, plainFileName, importedFileName, encFileName)
}

// readPrivateFile reads path, first removing group and other permissions if it has any
// (on Unix; Windows file modes do not express them).
func readPrivateFile(path string, log *slog.Logger) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		log.Warn("token file readable by others, restricting it to the owner",
			"path", path, "mode", info.Mode().Perm().String())
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("restricting %s: %w", path, err)
		}
	}
	return os.ReadFile(path)
}

// removeFiles deletes names in dir, ignoring those that do not exist, and syncs dir.
func removeFiles(dir string, names ...string) error {
	var errs []error
	for _, n := range names {
		err := os.Remove(filepath.Join(dir, n))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	syncDir(dir)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("deleting tokens: %w", err)
	}
	return nil
}

// atomicWriter replaces files so that a crash at any point leaves either the old or the new
// content, never a mix: write a temp file in the same directory, fsync it, rename it over the
// target, fsync the directory.
type atomicWriter struct {
	// wrap, when set, wraps the temp file's writer; tests use it to fail or die mid-write.
	wrap func(io.Writer) io.Writer
}

// staleTempAge is how old a leftover temp file (from a crash) must be before a later write
// removes it; younger ones may belong to a concurrent writer.
const staleTempAge = 10 * time.Minute

// writeFile atomically replaces path with data, mode 0600, creating the directory 0700.
func (w atomicWriter) writeFile(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	removeStaleTemps(dir, base)
	f, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	var out io.Writer = f
	if w.wrap != nil {
		out = w.wrap(f)
	}
	if _, err := out.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStaleTemps deletes temp files of base that a crashed writer left behind.
func removeStaleTemps(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix(base)) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTempAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// syncDir makes a rename or removal in dir durable; it is best effort (some systems cannot
// fsync a directory).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// importPlain moves an auth.json that a user copied into $LAGP_HOME (lagp-py's "method 3",
// or `lagp login --output` on another machine) into the keyring store, so that no plain copy
// of the tokens lingers on disk. A copied file always wins over what the store held: the user
// put it there on purpose.
//
// The order of steps is chosen so that no crash loses the copy and none leaves it behind:
//
//  1. auth.json is parsed first; an unreadable file is left alone with a warning.
//  2. It is renamed to auth.json.imported. The rename is atomic, so of two lagp processes
//     starting together only one imports it, and a plain auth.json is never read twice.
//  3. The tokens are sealed into auth.enc, read back and compared.
//  4. Only then auth.json.imported is deleted. If sealing fails it is renamed back to
//     auth.json so the next load retries; if lagp dies between 2 and 4, the next load finds
//     auth.json.imported and resumes from step 3. No refresh can happen between 2 and 4 (the
//     manager refreshes only with loaded tokens), so resuming never brings back a used
//     refresh token.
//
// Deleting rather than keeping a renamed copy is the safe choice: a renamed plain file is
// still a plain copy, and importing it again later would replay a refresh token that has
// since rotated (refresh_token_reused).
func (s *keyringStore) importPlain(ctx context.Context) error {
	plain := filepath.Join(s.dir, plainFileName)
	claimed := filepath.Join(s.dir, importedFileName)
	b, err := os.ReadFile(plain)
	switch {
	case err == nil:
		if _, perr := UnmarshalAuthJSON(b); perr != nil {
			s.log.Warn("ignoring unreadable auth.json in lagp home", "path", plain, "error", perr)
			return nil
		}
		if err := os.Rename(plain, claimed); errors.Is(err, fs.ErrNotExist) {
			return nil // another lagp process claimed it first
		} else if err != nil {
			return fmt.Errorf("importing %s: %w", plain, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		b, err = os.ReadFile(claimed)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("importing %s: %w", claimed, err)
		}
		s.log.Info("resuming interrupted import of auth.json", "path", claimed)
	default:
		return fmt.Errorf("importing %s: %w", plain, err)
	}
	return s.finishImport(ctx, b, plain, claimed)
}

// finishImport seals the claimed file's tokens, checks them by reading back, and removes the
// plain copy; on failure it puts the copy back as auth.json.
func (s *keyringStore) finishImport(ctx context.Context, b []byte, plain, claimed string) error {
	t, err := UnmarshalAuthJSON(b)
	if err == nil {
		err = s.Save(ctx, t)
	}
	if err == nil {
		var back Tokens
		back, err = s.loadSealed(ctx)
		if err == nil && !sameTokens(back, t) {
			err = errors.New("read-back differs from the imported tokens")
		}
	}
	if err != nil {
		if rerr := os.Rename(claimed, plain); rerr != nil {
			s.log.Warn("could not restore auth.json after a failed import",
				"path", claimed, "error", rerr)
		}
		return fmt.Errorf("importing auth.json into the keyring store: %w", err)
	}
	if err := os.Remove(claimed); err != nil {
		return fmt.Errorf("removing imported %s: %w", claimed, err)
	}
	syncDir(s.dir)
	s.log.Info("imported auth.json into the keyring store, plain copy removed",
		"path", plain)
	return nil
}

// Package logfile gives lagp its log: a size-rotated file in the user's log directory
// ([Open], [DefaultDir]) and a log/slog logger over it whose level can change at run time
// ([NewLogger]), also writing to stderr when lagp runs in a terminal ([IsTerminal]).
package logfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// FileName is the name of the current log file; rotated files add .1, .2, … (.1 is newest).
const FileName = "lagp.log"

// Writer appends to dir/lagp.log and rotates it when a write would take it past the size
// limit. It is safe for concurrent use; each Write lands whole in one file.
type Writer struct {
	path     string
	maxBytes int64
	keep     int

	// mu guards f and size, and serialises writes and rotation.
	mu   sync.Mutex
	f    *os.File // nil after Close, or when reopening after a rotation failed
	size int64
	done bool
}

// Open opens (creating if needed) dir/lagp.log for appending. The directory is created 0700
// and the file is 0600, even when it already existed with wider permissions. When the file
// would grow past maxBytes it is renamed to lagp.log.1 (older files shift up to lagp.log.<keep>,
// the oldest is deleted) and a fresh file is started; keep 0 keeps no old files.
func Open(dir string, maxBytes int64, keep int) (*Writer, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("log size limit %d is not positive", maxBytes)
	}
	if keep < 0 {
		return nil, fmt.Errorf("number of old logs to keep %d is negative", keep)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating log directory: %w", err)
	}
	w := &Writer{path: filepath.Join(dir, FileName), maxBytes: maxBytes, keep: keep}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

// open opens the current file and records its size. Callers hold mu (or own w exclusively).
func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening log file: %w", err)
	}
	fi, err := f.Stat()
	if err == nil {
		err = f.Chmod(0o600) // an older file may have been created with wider permissions
	}
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("opening log file: %w", err)
	}
	w.f, w.size = f, fi.Size()
	return nil
}

// Path returns the path of the current log file.
func (w *Writer) Path() string {
	return w.path
}

// Write appends p to the log, rotating first when p would take the file past its limit. A record
// larger than the limit goes alone into a fresh file. If rotation fails, p is still written to
// the current file and the next rotation is tried after another maxBytes.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return 0, fs.ErrClosed
	}
	var rotateErr error
	if w.size > 0 && w.size+int64(len(p)) > w.maxBytes {
		rotateErr = w.rotate()
	}
	if w.f == nil {
		if err := w.open(); err != nil {
			return 0, errors.Join(rotateErr, err)
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

// rotate shifts the old files up by one and moves the current file to lagp.log.1, then opens a
// fresh file. On failure the size count restarts, so a stuck rename is not retried on every write.
func (w *Writer) rotate() error {
	closeErr := w.f.Close()
	w.f = nil
	var err error
	if w.keep == 0 {
		err = removeIfExists(w.path)
	} else {
		err = w.shift()
	}
	if openErr := w.open(); openErr != nil {
		return errors.Join(closeErr, err, openErr)
	}
	if err != nil {
		w.size = 0
	}
	return errors.Join(closeErr, err)
}

// shift renames lagp.log.<i> to lagp.log.<i+1> from the oldest down, dropping lagp.log.<keep>,
// and finally lagp.log to lagp.log.1.
func (w *Writer) shift() error {
	if err := removeIfExists(w.numbered(w.keep)); err != nil {
		return err
	}
	for i := w.keep - 1; i >= 1; i-- {
		err := os.Rename(w.numbered(i), w.numbered(i+1))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotating log: %w", err)
		}
	}
	if err := os.Rename(w.path, w.numbered(1)); err != nil {
		return fmt.Errorf("rotating log: %w", err)
	}
	return nil
}

func (w *Writer) numbered(i int) string {
	return w.path + "." + strconv.Itoa(i)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotating log: %w", err)
	}
	return nil
}

// Close closes the file; later writes fail with fs.ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil
	}
	w.done = true
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

package logfile

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"
)

// NewLogger returns a text logger writing to w, and also to stderr when alsoStderr is set
// (callers pass IsTerminal(os.Stderr)), together with the level variable that filters it, so
// the level can follow the settings at run time. level is one of DEBUG, INFO, WARNING, ERROR
// (see [ParseLevel]); anything else means INFO, and the logger says so in a first warning.
// Warnings are written with the level name WARNING.
func NewLogger(level string, w io.Writer, alsoStderr bool) (*slog.Logger, *slog.LevelVar) {
	return newLogger(level, w, alsoStderr, os.Stderr)
}

func newLogger(level string, w io.Writer, alsoStderr bool,
	stderr io.Writer) (*slog.Logger, *slog.LevelVar) {
	var outs fanout
	if w != nil {
		outs = append(outs, w)
	}
	if alsoStderr && stderr != nil {
		outs = append(outs, stderr)
	}
	lv := new(slog.LevelVar)
	logger := slog.New(slog.NewTextHandler(outs, &slog.HandlerOptions{
		Level:       lv,
		ReplaceAttr: levelNames,
	}))
	parsed, err := ParseLevel(level)
	if err != nil {
		logger.Warn("unknown log level, using INFO", "level", level)
		parsed = slog.LevelInfo
	}
	lv.Set(parsed)
	return logger, lv
}

// ParseLevel maps a level name to its slog level: DEBUG, INFO, WARNING (or WARN) and ERROR,
// in any case.
func ParseLevel(name string) (slog.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARNING", "WARN":
		return slog.LevelWarn, nil
	case "ERROR":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("log level %q is not DEBUG, INFO, WARNING or ERROR", name)
}

// Level is [ParseLevel] for names already validated (such as the settings' log level): an
// unknown name gives INFO.
func Level(name string) slog.Level {
	lvl, _ := ParseLevel(name)
	return lvl
}

// levelNames writes slog's WARN as WARNING, the name lagp's settings use.
func levelNames(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.LevelKey {
		if lvl, ok := a.Value.Any().(slog.Level); ok && lvl == slog.LevelWarn {
			a.Value = slog.StringValue("WARNING")
		}
	}
	return a
}

// fanout writes each record to every writer, even when one of them fails.
type fanout []io.Writer

func (f fanout) Write(p []byte) (int, error) {
	var errs []error
	for _, w := range f {
		if _, err := w.Write(p); err != nil {
			errs = append(errs, err)
		}
	}
	return len(p), errors.Join(errs...)
}

// IsTerminal reports whether f is a terminal, e.g. IsTerminal(os.Stderr) when lagp was started
// from a shell rather than by the desktop.
func IsTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

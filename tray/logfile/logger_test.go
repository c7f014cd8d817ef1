package logfile

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewLogger_Levels(t *testing.T) {
	tests := []struct {
		level string
		want  []string // messages that must appear, in order
		hide  []string // messages that must not
	}{
		{"DEBUG", []string{"msg=d", "msg=i", "msg=w", "msg=e"}, nil},
		{"INFO", []string{"msg=i", "msg=w", "msg=e"}, []string{"msg=d"}},
		{"WARNING", []string{"msg=w", "msg=e"}, []string{"msg=d", "msg=i"}},
		{"ERROR", []string{"msg=e"}, []string{"msg=d", "msg=i", "msg=w"}},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			log, _ := NewLogger(tt.level, &buf, false)
			log.Debug("d")
			log.Info("i")
			log.Warn("w")
			log.Error("e")
			out := buf.String()
			for _, m := range tt.want {
				if !strings.Contains(out, m+"\n") {
					t.Errorf("output lacks %s:\n%s", m, out)
				}
			}
			for _, m := range tt.hide {
				if strings.Contains(out, m+"\n") {
					t.Errorf("output has %s at level %s", m, tt.level)
				}
			}
		})
	}
}

func TestNewLogger_WarningNameAndUnknownLevel(t *testing.T) {
	var buf bytes.Buffer
	log, lv := NewLogger("LOUD", &buf, false)
	if lv.Level() != slog.LevelInfo {
		t.Errorf("unknown level gave %v; want INFO", lv.Level())
	}
	out := buf.String()
	if !strings.Contains(out, "level=WARNING") || !strings.Contains(out, `level=LOUD`) {
		t.Errorf("no WARNING line about the unknown level:\n%s", out)
	}
	buf.Reset()
	log.Debug("hidden")
	if buf.Len() != 0 {
		t.Errorf("debug logged at INFO: %s", buf.String())
	}
}

func TestNewLogger_LevelVarChangesFiltering(t *testing.T) {
	var buf bytes.Buffer
	log, lv := NewLogger("ERROR", &buf, false)
	log.Info("before")
	lv.Set(slog.LevelDebug)
	log.Debug("after")
	out := buf.String()
	if strings.Contains(out, "before") || !strings.Contains(out, "msg=after") {
		t.Errorf("level change not applied:\n%s", out)
	}
}

func TestNewLogger_AlsoStderr(t *testing.T) {
	var file, stderr bytes.Buffer
	log, _ := newLogger("INFO", &file, true, &stderr)
	log.Info("both", "n", 1)
	if !strings.Contains(file.String(), "msg=both") || file.String() != stderr.String() {
		t.Errorf("file %q, stderr %q; want the same line in both", file.String(), stderr.String())
	}
	stderr.Reset()
	log, _ = newLogger("INFO", &file, false, &stderr)
	log.Info("file only")
	if stderr.Len() != 0 {
		t.Errorf("stderr written although alsoStderr is false: %q", stderr.String())
	}
}

func TestNewLogger_WritesThroughRotatingFile(t *testing.T) {
	w, dir := openTest(t, 200, 1)
	log, _ := NewLogger("INFO", w, false)
	for range 10 {
		log.Info("rotating through the writer", "component", "test")
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName+".1"))
	if err != nil || !strings.Contains(string(b), "rotating through the writer") {
		t.Errorf("rotated file missing or empty: %q, %v", b, err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrPermission }

func TestNewLogger_StderrGetsRecordsWhenFileFails(t *testing.T) {
	var stderr bytes.Buffer
	log, _ := newLogger("INFO", failingWriter{}, true, &stderr)
	log.Info("still here")
	if !strings.Contains(stderr.String(), "still here") {
		t.Errorf("stderr lost the record when the file failed: %q", stderr.String())
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{"DEBUG", slog.LevelDebug, false},
		{"info", slog.LevelInfo, false},
		{"WARNING", slog.LevelWarn, false},
		{"warn", slog.LevelWarn, false},
		{" ERROR ", slog.LevelError, false},
		{"", slog.LevelInfo, true},
		{"TRACE", slog.LevelInfo, true},
	}
	for _, tt := range tests {
		got, err := ParseLevel(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want,
				tt.wantErr)
		}
		if got := Level(tt.in); got != tt.want {
			t.Errorf("Level(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func BenchmarkLogger_Info(b *testing.B) {
	w, err := Open(b.TempDir(), 1<<20, 3)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	log, _ := NewLogger("INFO", w, false)
	b.ReportAllocs()
	for b.Loop() {
		log.Info("request served", "route", "/v1/chat/completions", "status", 200)
	}
}

package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`quote " and \ backslash`, `"quote \" and \\ backslash"`},
		{"line\nfeed\r\ttab", `"line\nfeed\r\ttab"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"\x08\x0c", `"\u0008\u000c"`},
		{"héllo, 世界 🙂", `"héllo, 世界 🙂"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
		{"cut \xe4\xb8", `"cut \ufffd\ufffd"`},
		{"surrogate \xed\xa0\x80", `"surrogate \ufffd\ufffd\ufffd"`},
		{"sep \u2028 \u2029", `"sep \u2028 \u2029"`},
		{"<html>&", `"<html>&"`},
	}
	for _, tt := range tests {
		if got := string(AppendString(nil, tt.in)); got != tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAppendString_KeepsPrefix(t *testing.T) {
	b := make([]byte, 0, 64)
	b = append(b, `{"a":`...)
	b = AppendString(b, "x\ny")
	if got, want := string(b), `{"a":"x\ny"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzAppendString checks that AppendString always writes one valid JSON string, on one line,
// that decodes to what encoding/json makes of the same input.
func FuzzAppendString(f *testing.F) {
	seeds := []string{"", "a\"b", "\n\x00", "\xff\xfe", "\u2028", "é世🙂", "\xed\xa0\x80"}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		for _, c := range out {
			if c == '\n' || c == '\r' {
				t.Fatalf("AppendString(%q) = %q spans lines", s, out)
			}
		}
		if strings.Contains(string(out), "\u2028") || strings.Contains(string(out), "\u2029") {
			t.Fatalf("AppendString(%q) = %q holds a raw line separator", s, out)
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("AppendString(%q) = %q: %v", s, out, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(ref, &want)
		if got != want {
			t.Fatalf("AppendString(%q) decodes to %q, encoding/json gives %q", s, got, want)
		}
	})
}

// benchText is a typical streamed text delta: mostly ASCII, a quote, a newline, some UTF-8.
const benchText = "Here is the fix:\n\n```go\nfmt.Println(\"héllo\")\n```\nIt prints “héllo”."

func BenchmarkAppendString(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendString(buf[:0], benchText)
	}
}

// BenchmarkAppendString_EncodingJSON is the baseline AppendString replaces: json.Marshal of the
// same string.
func BenchmarkAppendString_EncodingJSON(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(benchText); err != nil {
			b.Fatal(err)
		}
	}
}

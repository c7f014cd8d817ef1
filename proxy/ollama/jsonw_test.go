package ollama

import (
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`quote " and \ backslash`, `"quote \" and \\ backslash"`},
		{"line\nfeed\r\ttab", `"line\nfeed\r\ttab"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"héllo, 世界 🙂", `"héllo, 世界 🙂"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
		{"cut \xe4\xb8", `"cut \ufffd\ufffd"`},
		{"sep \u2028 \u2029", `"sep \u2028 \u2029"`},
		{"<html>&", `"<html>&"`},
	}
	for _, tt := range tests {
		if got := string(appendString(nil, tt.in)); got != tt.want {
			t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzAppendString checks that appendString always writes one valid JSON string, on one line,
// that decodes to what encoding/json makes of the same input.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\n\x00", "\xff\xfe", "\u2028", "é世🙂", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString(nil, s)
		for _, c := range out {
			if c == '\n' || c == '\r' {
				t.Fatalf("appendString(%q) = %q spans lines", s, out)
			}
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("appendString(%q) = %q: %v", s, out, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(ref, &want)
		if got != want {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json gives %q", s, got, want)
		}
	})
}

package ollama

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The streaming path writes its lines by appending to a reused buffer instead of marshalling
// structs: a stream is hundreds of small lines and each marshal would allocate.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Like encoding/json it replaces invalid UTF-8 with
// U+FFFD and escapes control characters, and it escapes U+2028/U+2029 so that JavaScript line
// readers see one line.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscape(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendKey appends `,"key":`.
func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendInt(b []byte, key string, n int64) []byte {
	return strconv.AppendInt(appendKey(b, key), n, 10)
}

func appendTime(b []byte, key string, t time.Time) []byte {
	b = append(appendKey(b, key), '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendArguments appends a tool call's arguments as a JSON object: Ollama clients decode
// arguments as an object, so anything else (no arguments, arguments cut short by a length
// limit) is written as {}. scratch is reused for the compaction, which also removes newlines
// that would split the NDJSON line.
func appendArguments(b []byte, args []byte, scratch *bytes.Buffer) []byte {
	args = bytes.TrimSpace(args)
	if len(args) > 0 && args[0] == '{' {
		scratch.Reset()
		if json.Compact(scratch, args) == nil {
			return append(b, scratch.Bytes()...)
		}
	}
	return append(b, '{', '}')
}

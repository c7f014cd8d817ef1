package ollama

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// The streaming path writes its lines by appending to a reused buffer instead of marshalling
// structs: a stream is hundreds of small lines and each marshal would allocate. Strings go
// through wire.AppendString; these helpers add the members only Ollama's lines have.

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

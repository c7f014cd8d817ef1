package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/lagp/lagp/proxy/canon"
)

// MaxEventSize is the largest event data the [Reader] accepts (16 MiB). The backend's largest
// events carry a whole output item, e.g. a generated image in base64.
const MaxEventSize = 16 << 20

// ErrEventTooLarge is returned when one event's data exceeds [MaxEventSize].
var ErrEventTooLarge = errors.New("sse event larger than 16 MiB")

const readChunk = 32 << 10

// Reader decodes a server-sent event stream into backend events (PROTOCOL.md §3.1). It reads
// only data lines: the event type is also in the JSON, so "event:" lines are ignored, as are
// comments, "id:" and "retry:". Lines may end in LF, CRLF or CR. A "data: [DONE]" event ends the
// stream like EOF does.
type Reader struct {
	r          io.Reader
	buf        []byte // unread input is buf[start:end]
	start, end int
	scanned    int  // bytes after start known to hold no line end
	skipLF     bool // the last line ended in CR: a leading LF belongs to it
	eof        bool
	data       []byte // data lines of the event being read, joined by LF
	hasData    bool
	events     int
	err        error // sticky
}

// NewReader returns a Reader of the event stream r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, readChunk)}
}

// Next returns the next event. It returns io.EOF at a clean end of the stream and a descriptive
// error for malformed input; after an error, every call returns it again.
func (r *Reader) Next() (canon.Event, error) {
	if r.err != nil {
		return canon.Event{}, r.err
	}
	ev, err := r.next()
	if err != nil {
		r.err = err
	}
	return ev, err
}

func (r *Reader) next() (canon.Event, error) {
	for {
		line, err := r.line()
		if err == io.EOF && !r.hasData {
			return canon.Event{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return canon.Event{}, err
		}
		// A blank line ends an event; so does a stream cut without the final blank line, which
		// still delivers the data it holds.
		if err == io.EOF || len(line) == 0 {
			if !r.hasData {
				continue
			}
			ev, ok, err := r.dispatch()
			if ok || err != nil {
				return ev, err
			}
			continue
		}
		if err := r.field(line); err != nil {
			return canon.Event{}, err
		}
	}
}

// field handles one non-blank line.
func (r *Reader) field(line []byte) error {
	if line[0] == ':' {
		return nil // comment
	}
	name, value, _ := bytes.Cut(line, []byte(":"))
	if string(name) != "data" {
		return nil // event, id, retry and unknown fields
	}
	value = bytes.TrimPrefix(value, []byte(" "))
	if r.hasData {
		r.data = append(r.data, '\n')
	}
	if len(r.data)+len(value) > MaxEventSize {
		return ErrEventTooLarge
	}
	r.data = append(r.data, value...)
	r.hasData = true
	return nil
}

// dispatch decodes the collected data of one event. It reports ok=false for an event that
// carries nothing (blank data), which the caller skips.
func (r *Reader) dispatch() (ev canon.Event, ok bool, err error) {
	data := bytes.TrimSpace(r.data)
	r.data, r.hasData = r.data[:0], false
	if len(data) == 0 {
		return canon.Event{}, false, nil
	}
	if string(data) == "[DONE]" {
		return canon.Event{}, false, io.EOF
	}
	r.events++
	ev, err = canon.ParseEvent(bytes.Clone(data))
	if err != nil {
		return canon.Event{}, false, fmt.Errorf("sse event %d: malformed JSON data (%d bytes): %w",
			r.events, len(data), err)
	}
	if ev.Type == "" {
		return canon.Event{}, false, fmt.Errorf("sse event %d: data has no \"type\"", r.events)
	}
	return ev, true, nil
}

// line returns the next line without its terminator. The slice is valid until the next call.
func (r *Reader) line() ([]byte, error) {
	for {
		if r.skipLF && r.start < r.end {
			if r.buf[r.start] == '\n' {
				r.start++
			}
			r.skipLF = false
		}
		unread := r.buf[r.start:r.end]
		if i := bytes.IndexAny(unread[r.scanned:], "\r\n"); i >= 0 {
			i += r.scanned
			line := unread[:i]
			r.start += i + 1
			r.scanned = 0
			if unread[i] == '\r' {
				r.skipLF = true
			}
			return line, nil
		}
		r.scanned = len(unread) // a long line is scanned once, not again after every read
		if r.eof {
			if len(unread) == 0 {
				return nil, io.EOF
			}
			r.start, r.scanned = r.end, 0
			return unread, nil
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more input, keeping the unread part and growing the buffer up to the size limit.
func (r *Reader) fill() error {
	if r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	if r.end == len(r.buf) {
		if len(r.buf) >= MaxEventSize+readChunk {
			return ErrEventTooLarge
		}
		grown := make([]byte, min(2*len(r.buf), MaxEventSize+readChunk))
		copy(grown, r.buf[:r.end])
		r.buf = grown
	}
	n, err := r.r.Read(r.buf[r.end:])
	r.end += n
	if err == io.EOF {
		r.eof = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading event stream: %w", err)
	}
	return nil
}

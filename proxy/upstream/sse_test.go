package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// readAllEvents reads r to its end; it stops after 10000 events so that fuzzing cannot loop.
func readAllEvents(r io.Reader) ([]canon.Event, error) {
	rd := NewReader(r)
	var evs []canon.Event
	for range 10000 {
		ev, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, errors.New("too many events")
}

func types(evs []canon.Event) string {
	var t []string
	for _, ev := range evs {
		t = append(t, ev.Type)
	}
	return strings.Join(t, ",")
}

func TestReaderFraming(t *testing.T) {
	const a = `{"type":"a","delta":"x"}`
	const b = `{"type":"b","delta":"y"}`
	tests := []struct {
		name  string
		in    string
		types string
		delta string // of the first event
	}{
		{"event lines ignored", "event: zzz\ndata: " + a + "\n\nevent: b\ndata: " + b + "\n\n",
			"a,b", "x"},
		{"CRLF", "event: a\r\ndata: " + a + "\r\n\r\ndata: " + b + "\r\n\r\n", "a,b", "x"},
		{"CR only", "data: " + a + "\r\rdata: " + b + "\r\r", "a,b", "x"},
		{"multi-line data", "data: {\"type\":\"a\",\ndata: \"delta\":\"x\"}\n\n", "a", "x"},
		{"no space after colon", "data:" + a + "\n\n", "a", "x"},
		{"comments", ": keep-alive\ndata: " + a + "\n: more\n\n:\n\n", "a", "x"},
		{"id and retry ignored", "id: 7\nretry: 100\ndata: " + a + "\n\n", "a", "x"},
		{"field without colon", "data\ndata: " + a + "\n\n", "a", "x"},
		{"blank data skipped", "data:\n\ndata: \n\ndata: " + a + "\n\n", "a", "x"},
		{"DONE ends the stream", "data: " + a + "\n\ndata: [DONE]\n\ndata: " + b + "\n\n", "a",
			"x"},
		{"no final blank line", "data: " + a + "\n\ndata: " + b + "\n", "a,b", "x"},
		{"no final newline", "data: " + a + "\n\ndata: " + b, "a,b", "x"},
		{"many blank lines", "\n\n\n\ndata: " + a + "\n\n\n\n", "a", "x"},
		{"empty stream", "", "", ""},
		{"delta keeps spaces", "data: {\"type\":\"a\",\"delta\":\"  two  \"}\n\n", "a", "  two  "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.in),
				iotest.OneByteReader(strings.NewReader(tt.in))} {
				evs, err := readAllEvents(r)
				if err != nil {
					t.Fatal(err)
				}
				if got := types(evs); got != tt.types {
					t.Fatalf("types %q, want %q", got, tt.types)
				}
				if len(evs) > 0 && evs[0].Delta != tt.delta {
					t.Errorf("delta %q, want %q", evs[0].Delta, tt.delta)
				}
			}
		})
	}
}

func TestReaderRawIsStable(t *testing.T) {
	in := "data: {\"type\":\"a\",\"delta\":\"1\"}\n\ndata: {\"type\":\"b\",\"delta\":\"2\"}\n\n"
	evs, err := readAllEvents(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(evs[0].Raw) != `{"type":"a","delta":"1"}` {
		t.Errorf("raw of the first event was overwritten: %s", evs[0].Raw)
	}
}

func TestReaderErrors(t *testing.T) {
	const secret = "SECRETVALUE123"
	tests := []struct {
		name string
		in   string
		has  string
	}{
		{"malformed JSON", "data: {\"type\":\"a\"}\n\ndata: {" + secret + "\n\n",
			"sse event 2: malformed JSON data"},
		{"not an object", "data: [\"" + secret + "\"]\n\n", "malformed JSON data"},
		{"no type", "data: {\"delta\":\"" + secret + "\"}\n\n", `data has no "type"`},
		{"bare word", "data: " + secret + "\n\n", "malformed JSON data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(tt.in))
			var err error
			for err == nil {
				_, err = rd.Next()
			}
			if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), tt.has) {
				t.Fatalf("error %v, want one with %q", err, tt.has)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the data: %v", err)
			}
			if _, again := rd.Next(); again != err {
				t.Errorf("error not sticky: %v then %v", err, again)
			}
		})
	}
}

func TestReaderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: {\"type\":\"a\"}\n\ndata: {\"ty"),
		iotest.ErrReader(boom))
	rd := NewReader(r)
	if ev, err := rd.Next(); err != nil || ev.Type != "a" {
		t.Fatalf("first event: %v %v", ev.Type, err)
	}
	if _, err := rd.Next(); !errors.Is(err, boom) {
		t.Errorf("error %v, want the read error", err)
	}
}

func TestReaderLargeEvents(t *testing.T) {
	big := strings.Repeat("a", 10<<20)
	data, _ := json.Marshal(map[string]string{"type": "t", "delta": big})
	evs, err := readAllEvents(strings.NewReader("data: " + string(data) + "\n\n"))
	if err != nil || len(evs) != 1 || len(evs[0].Delta) != len(big) {
		t.Fatalf("10 MiB event: %d events, %v", len(evs), err)
	}

	huge := "data: \"" + strings.Repeat("b", MaxEventSize) + "\"\n\n"
	if _, err := readAllEvents(strings.NewReader(huge)); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("one huge line: %v, want ErrEventTooLarge", err)
	}
	line := "data: " + strings.Repeat("c", 1<<20) + "\n"
	many := strings.Repeat(line, 17) + "\n"
	if _, err := readAllEvents(strings.NewReader(many)); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("many lines: %v, want ErrEventTooLarge", err)
	}
	noEnd := strings.Repeat("d", MaxEventSize+64<<10)
	if _, err := readAllEvents(strings.NewReader(noEnd)); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("endless line: %v, want ErrEventTooLarge", err)
	}
}

func TestReaderFixtures(t *testing.T) {
	tests := []struct {
		fixture fakebackend.Fixture
		n       int
		last    string
	}{
		{fakebackend.F1, 10, canon.EventCompleted},
		{fakebackend.F1b, 9, canon.EventOutputItemDone},
		{fakebackend.F2, 15, canon.EventCompleted},
		{fakebackend.F3, 7, canon.EventCompleted},
		{fakebackend.F4, 10, canon.EventCompleted},
		{fakebackend.F4i, 14, canon.EventCompleted},
		{fakebackend.F5d, 3, canon.EventFailed},
		{fakebackend.F5dCtx, 3, canon.EventFailed},
		{fakebackend.F5e, 1, canon.EventError},
	}
	for _, tt := range tests {
		t.Run(string(tt.fixture), func(t *testing.T) {
			b, ok := fakebackend.FixtureSSE(tt.fixture)
			if !ok {
				t.Fatal("no fixture")
			}
			for _, in := range [][]byte{b, bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))} {
				evs, err := readAllEvents(iotest.HalfReader(bytes.NewReader(in)))
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != tt.n || evs[len(evs)-1].Type != tt.last {
					t.Fatalf("%d events ending %q", len(evs), types(evs))
				}
			}
		})
	}
}

func TestReaderFailureEvents(t *testing.T) {
	b, _ := fakebackend.FixtureSSE(fakebackend.F5d)
	evs, err := readAllEvents(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	e := evs[2].Response.Error
	if e == nil || e.Code != "rate_limit_exceeded" {
		t.Fatalf("failure %+v", e)
	}
	if got := canon.Failure(*e, time.Unix(1760000000, 0)); got.RetryAfter.Milliseconds() != 11054 {
		t.Errorf("retry after %v", got.RetryAfter)
	}
	b, _ = fakebackend.FixtureSSE(fakebackend.F5e)
	evs, _ = readAllEvents(bytes.NewReader(b))
	if evs[0].Message != "This content was flagged for possible cybersecurity risk." {
		t.Errorf("error event message %q", evs[0].Message)
	}
}

// FuzzReader feeds arbitrary bytes to the reader, which must never panic, and checks that a
// well-formed frame built from the fuzzed text reads back unchanged, however it is framed.
func FuzzReader(f *testing.F) {
	for _, fx := range []fakebackend.Fixture{fakebackend.F1, fakebackend.F2, fakebackend.F3,
		fakebackend.F4i, fakebackend.F5d, fakebackend.F5e} {
		b, _ := fakebackend.FixtureSSE(fx)
		f.Add(b, "Hello, world!", false)
	}
	f.Add([]byte("data: [DONE]\n\n"), "", true)
	f.Add([]byte("data: {\"type\":\"a\"\r\ndata: }\r\r\n\n:c\n"), "line\nbreak", true)
	f.Add([]byte("data:\ndata:\n\n"), "\u00e9\u0000\"\\", false)
	f.Fuzz(func(t *testing.T, raw []byte, delta string, crlf bool) {
		_, _ = readAllEvents(bytes.NewReader(raw))
		_, _ = readAllEvents(iotest.HalfReader(bytes.NewReader(raw)))

		in := frameFor(t, delta, crlf)
		evs, err := readAllEvents(iotest.HalfReader(bytes.NewReader(in)))
		if err != nil {
			t.Fatalf("well-formed frame %q: %v", in, err)
		}
		var want string
		data, _ := json.Marshal(delta)
		_ = json.Unmarshal(data, &want)
		if len(evs) != 2 || evs[0].Delta != want || evs[1].Type != "b" {
			t.Fatalf("frame %q read back as %+v", in, evs)
		}
	})
}

// frameFor builds two SSE frames; the first carries delta, its JSON split over two data lines.
func frameFor(t *testing.T, delta string, crlf bool) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]string{"type": "response.output_text.delta",
		"delta": delta})
	if err != nil {
		t.Fatal(err)
	}
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	head, rest := data[:1], data[1:] // split after "{": a line break there is still valid JSON
	var b bytes.Buffer
	b.WriteString(": comment" + nl)
	b.WriteString("event: response.output_text.delta" + nl)
	b.WriteString("data: " + string(head) + nl)
	b.WriteString("data: " + string(rest) + nl + nl)
	b.WriteString("event: b" + nl + "data: {\"type\":\"b\"}" + nl + nl)
	return b.Bytes()
}

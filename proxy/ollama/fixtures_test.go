package ollama

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// The backend streams of PROTOCOL.md §8 (F1–F5) exactly as the fake backend serves them, one
// event's data per line, so the golden lines below hold for the real pipeline.
var (
	fixtureF1            = fakeFixture(fakebackend.F1)
	fixtureF2            = fakeFixture(fakebackend.F2)
	fixtureF3            = fakeFixture(fakebackend.F3)
	fixtureF4            = fakeFixture(fakebackend.F4)
	fixtureF4Interleaved = fakeFixture(fakebackend.F4i)
	fixtureF5d           = fakeFixture(fakebackend.F5d)
	fixtureF5e           = fakeFixture(fakebackend.F5e)
)

func fixtureF1b() string { return fakeFixture(fakebackend.F1b) }

// fakeFixture returns the data of every event of a fake backend fixture, one per line, as the
// upstream SSE reader decodes it.
func fakeFixture(f fakebackend.Fixture) string {
	sse, ok := fakebackend.FixtureSSE(f)
	if !ok {
		panic("fakebackend has no stream for " + string(f))
	}
	r := upstream.NewReader(bytes.NewReader(sse))
	var data []string
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return strings.Join(data, "\n")
		}
		if err != nil {
			panic(fmt.Sprintf("fixture %s: %v", f, err))
		}
		data = append(data, string(ev.Raw))
	}
}

// t0 is the request start in the encoder tests.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// stepClock returns a clock that starts one second after t0 and moves 250ms at every reading,
// so that every created_at and duration in a golden line is predictable.
func stepClock() func() time.Time {
	next := t0.Add(time.Second)
	return func() time.Time {
		now := next
		next = next.Add(250 * time.Millisecond)
		return now
	}
}

func testMeta(model string) Meta {
	return Meta{Model: model, Start: t0, Now: stepClock()}
}

// play feeds a fixture stream through a canon.Turn into enc, as the proxy glue does: deltas
// in order, Fail on a failed or cut stream.
func play(t testing.TB, fixture string, enc canon.Encoder) {
	t.Helper()
	turn := canon.NewTurn(canon.ToolNames{}, nil, func() time.Time { return t0 })
	for _, line := range strings.Split(fixture, "\n") {
		ev, err := canon.ParseEvent([]byte(line))
		if err != nil {
			t.Fatalf("fixture line %q: %v", line, err)
		}
		deltas, err := turn.Feed(ev)
		if err != nil {
			if err := enc.Fail(canon.AsError(err)); err != nil {
				t.Fatalf("Fail: %v", err)
			}
			return
		}
		for _, d := range deltas {
			if err := enc.Delta(d); err != nil {
				t.Fatalf("Delta(%+v): %v", d, err)
			}
		}
	}
	if err := turn.End(); err != nil {
		if err := enc.Fail(canon.AsError(err)); err != nil {
			t.Fatalf("Fail: %v", err)
		}
	}
}

// collect runs a fixture stream to a canon.Result, as the glue does for stream:false.
func collect(t testing.TB, fixture string) *canon.Result {
	t.Helper()
	res := &canon.Result{}
	turn := canon.NewTurn(canon.ToolNames{}, nil, func() time.Time { return t0 })
	for _, line := range strings.Split(fixture, "\n") {
		ev, err := canon.ParseEvent([]byte(line))
		if err != nil {
			t.Fatalf("fixture line %q: %v", line, err)
		}
		deltas, err := turn.Feed(ev)
		if err != nil {
			t.Fatalf("fixture failed: %v", err)
		}
		for _, d := range deltas {
			res.Add(d)
		}
	}
	return res
}

// lines splits NDJSON output into its lines, failing on a missing final newline.
func lines(t testing.TB, out []byte) []string {
	t.Helper()
	if len(out) == 0 {
		return nil
	}
	if !bytes.HasSuffix(out, []byte("\n")) {
		t.Fatalf("output does not end with a newline: %q", out)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// testModels is the account of the tests: a reasoning model with vision, a reasoning model
// that can turn reasoning off, and a plain model.
func testModels() canon.ModelList {
	return canon.ModelList{
		{ID: "gpt-5.4", DisplayName: "GPT-5.4", ContextWindow: 272000, DefaultEffort: "medium",
			Efforts: []string{"low", "medium", "high", "xhigh"}, ReasoningSummaries: true,
			ParallelToolCalls: true, Verbosity: true, Vision: true},
		{ID: "gpt-5.5", DisplayName: "GPT-5.5", ContextWindow: 400000, DefaultEffort: "high",
			Efforts: []string{"none", "low", "medium", "high"}, ReasoningSummaries: true},
		{ID: "codex-mini", ContextWindow: 0},
	}
}

package openai

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testModels is the catalog the decoder tests resolve names against.
var testModels = canon.ModelList{
	{ID: "gpt-5.4", DisplayName: "GPT-5.4", ContextWindow: 272000, DefaultEffort: "medium",
		Efforts: []string{"low", "medium", "high", "xhigh"}, ReasoningSummaries: true,
		ParallelToolCalls: true, Verbosity: true, Vision: true, Priority: 1},
	{ID: "gpt-5.5", DisplayName: "GPT-5.5", ContextWindow: 400000, DefaultEffort: "medium",
		Efforts: []string{"none", "low", "medium", "high"}, ReasoningSummaries: true,
		ParallelToolCalls: true, Verbosity: true, Vision: true, Priority: 2},
	{ID: "codex-mini", DisplayName: "Codex mini", Priority: 3},
}

// testMeta is the answer identity the encoder tests use.
var testMeta = Meta{ID: "chatcmpl-test", Created: time.Unix(1760000000, 0), Model: "gpt-5.4"}

// fixture reads testdata/<name>.jsonl: one backend event per line, as in PROTOCOL.md §8.
func fixture(t testing.TB, name string) []canon.Event {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []canon.Event
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		ev, err := canon.ParseEvent(bytes.Clone(line))
		if err != nil {
			t.Fatalf("%s: bad event %s: %v", name, line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// encode runs events through a turn into enc the way the glue does: every delta in order, Fail
// on a failed response or a stream cut before completion. It returns the error the turn ended
// with, if any.
func encode(t testing.TB, evs []canon.Event, enc canon.Encoder) *canon.Error {
	t.Helper()
	turn := canon.NewTurn(canon.ToolNames{}, nil, func() time.Time { return time.Unix(1, 0) })
	for _, ev := range evs {
		ds, err := turn.Feed(ev)
		if err != nil {
			e := canon.AsError(err)
			if ferr := enc.Fail(e); ferr != nil {
				t.Fatal(ferr)
			}
			return e
		}
		for _, d := range ds {
			if err := enc.Delta(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := turn.End(); err != nil {
		e := canon.AsError(err)
		if ferr := enc.Fail(e); ferr != nil {
			t.Fatal(ferr)
		}
		return e
	}
	return nil
}

// collect runs events through a turn into a result, as the glue does for non-streamed calls.
func collect(t testing.TB, evs []canon.Event) *canon.Result {
	t.Helper()
	turn := canon.NewTurn(canon.ToolNames{}, nil, func() time.Time { return time.Unix(1, 0) })
	r := &canon.Result{}
	for _, ev := range evs {
		ds, err := turn.Feed(ev)
		if err != nil {
			t.Fatalf("unexpected failure: %v", err)
		}
		for _, d := range ds {
			r.Add(d)
		}
	}
	if err := turn.End(); err != nil {
		t.Fatalf("unexpected end: %v", err)
	}
	return r
}

// golden compares got with testdata/golden/<name>, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

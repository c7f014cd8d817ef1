package openai

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire/wiretest"
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

// The three decoders with their options dropped, so that table runners can take any of them.

func chatDraft(body []byte) (*canon.Draft, error) {
	d, _, err := DecodeChat(body, testModels)
	return d, err
}

func responsesDraft(body []byte) (*canon.Draft, error) {
	d, _, err := DecodeResponses(body, testModels)
	return d, err
}

func completionDraft(body []byte) (*canon.Draft, error) {
	d, _, err := DecodeCompletion(body, testModels)
	return d, err
}

// mappingCase is a body and the members of the backend request it must build.
type mappingCase struct {
	name string
	body string
	want string // members of the backend request to check, as a JSON object
}

// checkMappings decodes each body with decode and checks the request canon builds from it.
func checkMappings(t *testing.T, decode func([]byte) (*canon.Draft, error), tests []mappingCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decode([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			subset(t, built(t, d), tt.want)
		})
	}
}

// errorCase is a body a decoder must refuse, and the error it must give.
type errorCase struct {
	name  string
	body  string
	kind  canon.Kind
	param string
	msg   string // part of the message
}

// checkErrors decodes each body with decode and checks its error. A body may hold "sk-secret",
// standing for content a client pasted: no error may repeat it.
func checkErrors(t *testing.T, decode func([]byte) (*canon.Draft, error), tests []errorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decode([]byte(tt.body))
			if d != nil {
				t.Errorf("draft %+v along with the error", d)
			}
			wiretest.WantError(t, err, tt.kind, tt.param, tt.msg)
			if err != nil && strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("error message repeats body content: %v", err)
			}
		})
	}
}

package ollama

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/ollama/ollama/api"
)

// The seeds in testdata/fuzz/<name> hold the bodies of the table tests and entries the fuzzer
// found interesting; the properties are the decoder contract: no panic, a 400 or 404
// [*canon.Error] or a draft whose request builds and marshals.

func FuzzDecodeChat(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-5.4","messages":[{"role":"user","content":"hi"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, opts, err := DecodeChat(body, testModels())
		checkDecoded(t, d, err)
		if err == nil && opts.Model == "" {
			t.Fatalf("decoded without a model name: %s", body)
		}
	})
}

func FuzzDecodeGenerate(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-5.4","prompt":"hi","system":"s"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, opts, err := DecodeGenerate(body, testModels())
		checkDecoded(t, d, err)
		if err == nil && opts.Load && opts.Unload {
			t.Fatalf("both load and unload: %s", body)
		}
	})
}

func checkDecoded(t *testing.T, d *canon.Draft, err error) {
	t.Helper()
	if err != nil {
		var e *canon.Error
		if !errors.As(err, &e) || (e.Kind != canon.KindInvalidRequest &&
			e.Kind != canon.KindNotFound) {
			t.Fatalf("error %v (%T) is not a 400 or 404 *canon.Error", err, err)
		}
		if d != nil {
			t.Fatal("a draft along with an error")
		}
		return
	}
	req, _ := d.Build(nil)
	b, merr := json.Marshal(req)
	if merr != nil || !json.Valid(b) {
		t.Fatalf("request does not marshal: %v", merr)
	}
	for _, it := range req.Input {
		if it.Type == canon.ItemFunctionCallOutput || it.Type == canon.ItemFunctionCall {
			if it.CallID == "" {
				t.Fatalf("%s without a call id", it.Type)
			}
		}
	}
}

// FuzzChatStream feeds an arbitrary delta sequence to the chat encoder: every line it writes
// must decode with the official client types, and nothing may follow the done line.
func FuzzChatStream(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5}, "piece", `{"a":1}`)
	f.Add([]byte{3, 4, 3, 4, 4, 1, 5}, "\n\x00\xff", `{"a":`)
	f.Fuzz(func(t *testing.T, kinds []byte, text, args string) {
		var out bytes.Buffer
		enc := NewChatStream(&out, Meta{Model: "m", Start: t0, Now: stepClock()},
			ChatOptions{ToolCallIDs: len(kinds)%2 == 0})
		calls := 0
		for i, k := range kinds {
			d := canon.Delta{Kind: canon.DeltaKind(k%6 + 1), Text: text, Finish: canon.FinishStop}
			switch d.Kind {
			case canon.DeltaToolCall:
				d.ToolIndex, d.CallID, d.Name = calls, "call_x", text
				calls++
			case canon.DeltaToolArgs:
				d.ToolIndex, d.Text = i%(calls+1), args
			case canon.DeltaDone + 1:
				_ = enc.Fail(&canon.Error{Kind: canon.KindUpstream, Message: text})
				continue
			}
			_ = enc.Delta(d)
		}
		ended := false
		for _, line := range bytes.SplitAfter(out.Bytes(), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			if ended {
				t.Fatalf("line after the end: %q", line)
			}
			var cr api.ChatResponse
			var e struct{ Error *string }
			if json.Unmarshal(line, &cr) != nil || json.Unmarshal(line, &e) != nil {
				t.Fatalf("line does not decode: %q", line)
			}
			ended = cr.Done || e.Error != nil
		}
	})
}

func TestFuzzSeedsExist(t *testing.T) {
	// The committed corpora are part of the contract; losing them would quietly weaken the
	// fuzz tests to a single seed.
	for _, name := range []string{"FuzzDecodeChat", "FuzzDecodeGenerate"} {
		entries, err := fuzzSeeds(name)
		if err != nil || entries < 5 {
			t.Errorf("testdata/fuzz/%s: %d seeds, %v", name, entries, err)
		}
	}
}

func fuzzSeeds(name string) (int, error) {
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", name))
	return len(entries), err
}

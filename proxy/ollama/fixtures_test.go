package ollama

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// The backend streams of PROTOCOL.md §8 (F1–F5), one event's data per line.

const fixtureF1 = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_f1","object":"response","created_at":1760000000,"status":"in_progress","model":"gpt-5.4","output":[],"usage":null}}
{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_f1","object":"response","created_at":1760000000,"status":"in_progress","model":"gpt-5.4","output":[]}}
{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_f1","type":"message","status":"in_progress","role":"assistant","content":[]}}
{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_f1","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"text":""}}
{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_f1","output_index":0,"content_index":0,"delta":"Hello","obfuscation":"q1w2e3r4"}
{"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_f1","output_index":0,"content_index":0,"delta":", world!","obfuscation":"t5y6"}
{"type":"response.output_text.done","sequence_number":6,"item_id":"msg_f1","output_index":0,"content_index":0,"text":"Hello, world!"}
{"type":"response.content_part.done","sequence_number":7,"item_id":"msg_f1","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"text":"Hello, world!"}}
{"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":{"id":"msg_f1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","annotations":[],"text":"Hello, world!"}]}}
{"type":"response.completed","sequence_number":9,"response":{"id":"resp_f1","object":"response","created_at":1760000000,"status":"completed","model":"gpt-5.4","output":[],"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":17}}}`

const fixtureF2 = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_f2","status":"in_progress","model":"gpt-5.5","output":[]}}
{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"rs_f2","type":"reasoning","summary":[]}}
{"type":"response.reasoning_summary_part.added","sequence_number":2,"item_id":"rs_f2","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}
{"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_f2","output_index":0,"summary_index":0,"delta":"**Planning**\n\nCheck the sum.","obfuscation":"a1"}
{"type":"response.reasoning_summary_text.done","sequence_number":4,"item_id":"rs_f2","output_index":0,"summary_index":0,"text":"**Planning**\n\nCheck the sum."}
{"type":"response.reasoning_summary_part.done","sequence_number":5,"item_id":"rs_f2","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":"**Planning**\n\nCheck the sum."}}
{"type":"response.reasoning_summary_part.added","sequence_number":6,"item_id":"rs_f2","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}}
{"type":"response.reasoning_summary_text.delta","sequence_number":7,"item_id":"rs_f2","output_index":0,"summary_index":1,"delta":"**Answering**\n\n2+2=4.","obfuscation":"b2"}
{"type":"response.reasoning_summary_text.done","sequence_number":8,"item_id":"rs_f2","output_index":0,"summary_index":1,"text":"**Answering**\n\n2+2=4."}
{"type":"response.reasoning_summary_part.done","sequence_number":9,"item_id":"rs_f2","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":"**Answering**\n\n2+2=4."}}
{"type":"response.output_item.done","sequence_number":10,"output_index":0,"item":{"id":"rs_f2","type":"reasoning","summary":[{"type":"summary_text","text":"**Planning**\n\nCheck the sum."},{"type":"summary_text","text":"**Answering**\n\n2+2=4."}],"encrypted_content":"gAAAAABfakeEncryptedBlob=="}}
{"type":"response.output_item.added","sequence_number":11,"output_index":1,"item":{"id":"msg_f2","type":"message","status":"in_progress","role":"assistant","content":[]}}
{"type":"response.output_text.delta","sequence_number":12,"item_id":"msg_f2","output_index":1,"content_index":0,"delta":"4","obfuscation":"c3"}
{"type":"response.output_item.done","sequence_number":13,"output_index":1,"item":{"id":"msg_f2","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","annotations":[],"text":"4"}]}}
{"type":"response.completed","sequence_number":14,"response":{"id":"resp_f2","status":"completed","model":"gpt-5.5","output":[],"usage":{"input_tokens":30,"input_tokens_details":{"cached_tokens":0},"output_tokens":90,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":120}}}`

const fixtureF3 = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_f3","status":"in_progress","model":"gpt-5.4","output":[]}}
{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc_f3","type":"function_call","status":"in_progress","arguments":"","call_id":"call_AAA111","name":"get_weather"}}
{"type":"response.function_call_arguments.delta","sequence_number":2,"item_id":"fc_f3","output_index":0,"delta":"{\"city\":","obfuscation":"d4"}
{"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_f3","output_index":0,"delta":"\"Paris\"}","obfuscation":"e5"}
{"type":"response.function_call_arguments.done","sequence_number":4,"item_id":"fc_f3","output_index":0,"arguments":"{\"city\":\"Paris\"}"}
{"type":"response.output_item.done","sequence_number":5,"output_index":0,"item":{"id":"fc_f3","type":"function_call","status":"completed","arguments":"{\"city\":\"Paris\"}","call_id":"call_AAA111","name":"get_weather"}}
{"type":"response.completed","sequence_number":6,"response":{"id":"resp_f3","status":"completed","model":"gpt-5.4","output":[],"usage":{"input_tokens":80,"output_tokens":18,"total_tokens":98}}}`

const fixtureF4 = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_f4","status":"in_progress","model":"gpt-5.4","output":[]}}
{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"rs_f4","type":"reasoning","summary":[]}}
{"type":"response.output_item.done","sequence_number":2,"output_index":0,"item":{"id":"rs_f4","type":"reasoning","summary":[],"encrypted_content":"gAAAAABfake2=="}}
{"type":"response.output_item.added","sequence_number":3,"output_index":1,"item":{"id":"fc_f4a","type":"function_call","status":"in_progress","arguments":"","call_id":"call_P1","name":"read_file"}}
{"type":"response.function_call_arguments.delta","sequence_number":4,"item_id":"fc_f4a","output_index":1,"delta":"{\"path\":\"a.txt\"}"}
{"type":"response.output_item.done","sequence_number":5,"output_index":1,"item":{"id":"fc_f4a","type":"function_call","status":"completed","arguments":"{\"path\":\"a.txt\"}","call_id":"call_P1","name":"read_file"}}
{"type":"response.output_item.added","sequence_number":6,"output_index":2,"item":{"id":"fc_f4b","type":"function_call","status":"in_progress","arguments":"","call_id":"call_P2","name":"read_file"}}
{"type":"response.function_call_arguments.delta","sequence_number":7,"item_id":"fc_f4b","output_index":2,"delta":"{\"path\":\"b.txt\"}"}
{"type":"response.output_item.done","sequence_number":8,"output_index":2,"item":{"id":"fc_f4b","type":"function_call","status":"completed","arguments":"{\"path\":\"b.txt\"}","call_id":"call_P2","name":"read_file"}}
{"type":"response.completed","sequence_number":9,"response":{"id":"resp_f4","status":"completed","model":"gpt-5.4","output":[],"usage":{"input_tokens":120,"output_tokens":40,"output_tokens_details":{"reasoning_tokens":12},"total_tokens":160}}}`

// fixtureF4Interleaved is F4 with the argument deltas of the two calls interleaved, keyed by
// item id (PROTOCOL.md §8 suggests it as a robustness test).
const fixtureF4Interleaved = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_f4i","status":"in_progress","model":"gpt-5.4","output":[]}}
{"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc_a","type":"function_call","arguments":"","call_id":"call_P1","name":"read_file"}}
{"type":"response.output_item.added","sequence_number":2,"output_index":1,"item":{"id":"fc_b","type":"function_call","arguments":"","call_id":"call_P2","name":"read_file"}}
{"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_b","output_index":1,"delta":"{\"path\":"}
{"type":"response.function_call_arguments.delta","sequence_number":4,"item_id":"fc_a","output_index":0,"delta":"{\"path\":"}
{"type":"response.function_call_arguments.delta","sequence_number":5,"item_id":"fc_a","output_index":0,"delta":"\"a.txt\"}"}
{"type":"response.function_call_arguments.delta","sequence_number":6,"item_id":"fc_b","output_index":1,"delta":"\"b.txt\"}"}
{"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"fc_a","type":"function_call","arguments":"{\"path\":\"a.txt\"}","call_id":"call_P1","name":"read_file"}}
{"type":"response.output_item.done","sequence_number":8,"output_index":1,"item":{"id":"fc_b","type":"function_call","arguments":"{\"path\":\"b.txt\"}","call_id":"call_P2","name":"read_file"}}
{"type":"response.completed","sequence_number":9,"response":{"id":"resp_f4i","status":"completed","model":"gpt-5.4","output":[],"usage":{"input_tokens":120,"output_tokens":40,"total_tokens":160}}}`

// fixtureF5d fails after partial output (rate limit); fixtureF5e fails with an error event
// before any output; fixtureF1b is F1 cut before response.completed.
const fixtureF5d = `{"type":"response.created","sequence_number":0,"response":{"id":"resp_f5","status":"in_progress","output":[]}}
{"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_f5","output_index":0,"content_index":0,"delta":"Partial"}
{"type":"response.failed","sequence_number":2,"response":{"id":"resp_f5","status":"failed","error":{"type":"rate_limit_error","code":"rate_limit_exceeded","message":"Rate limit reached. Please try again in 11.054s."}}}`

const fixtureF5e = `{"type":"error","message":"This content was flagged for possible cybersecurity risk."}`

func fixtureF1b() string {
	lines := strings.Split(fixtureF1, "\n")
	return strings.Join(lines[:len(lines)-1], "\n")
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

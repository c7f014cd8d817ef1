package canon

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// events parses "type → data" lines in the notation of PROTOCOL.md §8.
func events(t *testing.T, lines ...string) []Event {
	t.Helper()
	var out []Event
	for _, l := range lines {
		ev, err := ParseEvent([]byte(l))
		if err != nil {
			t.Fatalf("bad fixture line %s: %v", l, err)
		}
		out = append(out, ev)
	}
	return out
}

// run feeds evs to a new turn and renders every delta on one line, plus the end state.
func run(t *testing.T, mem *ReasoningMemory, evs []Event) []string {
	t.Helper()
	turn := NewTurn(ToolNames{}, mem, func() time.Time { return time.Unix(1, 0) })
	var got []string
	for _, ev := range evs {
		ds, err := turn.Feed(ev)
		if err != nil {
			got = append(got, "error "+AsError(err).Message)
			return got
		}
		for _, d := range ds {
			got = append(got, render(d))
		}
	}
	if err := turn.End(); err != nil {
		got = append(got, "end "+AsError(err).Message)
	}
	return got
}

func render(d Delta) string {
	switch d.Kind {
	case DeltaText:
		return fmt.Sprintf("text %q", d.Text)
	case DeltaReasoning:
		return fmt.Sprintf("reasoning %q", d.Text)
	case DeltaToolCall:
		return fmt.Sprintf("call %d %s %s", d.ToolIndex, d.CallID, d.Name)
	case DeltaToolArgs:
		return fmt.Sprintf("args %d %s", d.ToolIndex, d.Text)
	case DeltaDone:
		return fmt.Sprintf("done %s %d/%d/%d r%d", d.Finish, d.Usage.InputTokens,
			d.Usage.OutputTokens, d.Usage.TotalTokens, d.Usage.OutputTokensDetails.ReasoningTokens)
	}
	return "?"
}

func expect(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("deltas:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const (
	f1Created = `{"type":"response.created","response":{"id":"resp_f1","created_at":1760000000,` +
		`"status":"in_progress","model":"gpt-5.4","output":[]}}`
	f1Added = `{"type":"response.output_item.added","output_index":0,"item":{"id":"msg_f1",` +
		`"type":"message","status":"in_progress","role":"assistant","content":[]}}`
	f1Delta1 = `{"type":"response.output_text.delta","item_id":"msg_f1","output_index":0,` +
		`"content_index":0,"delta":"Hello"}`
	f1Delta2 = `{"type":"response.output_text.delta","item_id":"msg_f1","output_index":0,` +
		`"content_index":0,"delta":", world!"}`
	f1Done = `{"type":"response.output_item.done","output_index":0,"item":{"id":"msg_f1",` +
		`"type":"message","status":"completed","role":"assistant",` +
		`"content":[{"type":"output_text","annotations":[],"text":"Hello, world!"}]}}`
	f1Final = `{"type":"response.completed","response":{"id":"resp_f1","status":"completed",` +
		`"output":[],"usage":{"input_tokens":12,"output_tokens":5,"total_tokens":17}}}`
)

func TestTurnText(t *testing.T) {
	turn := NewTurn(nil, nil, nil)
	evs := events(t, f1Created, f1Added, f1Delta1, f1Delta2, f1Done, f1Final)
	var r Result
	for _, ev := range evs {
		ds, err := turn.Feed(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			r.Add(d)
		}
	}
	if turn.ID != "resp_f1" || turn.Created.Unix() != 1760000000 {
		t.Errorf("turn id %q created %v", turn.ID, turn.Created)
	}
	if r.Text() != "Hello, world!" || r.Finish != FinishStop || r.Usage.TotalTokens != 17 {
		t.Errorf("result %q %s %+v", r.Text(), r.Finish, r.Usage)
	}
	if err := turn.End(); err != nil {
		t.Errorf("End after completed: %v", err)
	}
}

func TestTurnCutStream(t *testing.T) {
	got := run(t, nil, events(t, f1Created, f1Added, f1Delta1, f1Delta2, f1Done))
	expect(t, got, `text "Hello"`, `text ", world!"`,
		"end the ChatGPT backend closed the stream before the response completed")
}

func TestTurnTextOnlyInDoneItem(t *testing.T) {
	got := run(t, nil, events(t, f1Created, f1Added, f1Done, f1Final))
	expect(t, got, `text "Hello, world!"`, "done stop 12/5/17 r0")
}

func TestTurnReasoningParagraphs(t *testing.T) {
	got := run(t, nil, events(t,
		`{"type":"response.output_item.added","output_index":0,"item":{"id":"rs_f2",`+
			`"type":"reasoning","summary":[]}}`,
		`{"type":"response.reasoning_summary_part.added","item_id":"rs_f2",`+
			`"output_index":0,"summary_index":0}`,
		`{"type":"response.reasoning_summary_text.delta","item_id":"rs_f2",`+
			`"output_index":0,"summary_index":0,"delta":"**Planning**"}`,
		`{"type":"response.reasoning_summary_part.added","item_id":"rs_f2",`+
			`"output_index":0,"summary_index":1}`,
		`{"type":"response.reasoning_summary_text.delta","item_id":"rs_f2",`+
			`"output_index":0,"summary_index":1,"delta":"**Answering**"}`,
		`{"type":"response.output_item.done","output_index":0,"item":{"id":"rs_f2",`+
			`"type":"reasoning","summary":[{"type":"summary_text","text":"**Planning**"},`+
			`{"type":"summary_text","text":"**Answering**"}],"encrypted_content":"blob"}}`,
		`{"type":"response.output_text.delta","item_id":"msg_f2","output_index":1,"delta":"4"}`,
		`{"type":"response.completed","response":{"usage":{"input_tokens":30,`+
			`"output_tokens":90,"total_tokens":120,`+
			`"output_tokens_details":{"reasoning_tokens":64}}}}`,
	))
	expect(t, got, `reasoning "**Planning**"`, `reasoning "\n\n**Answering**"`, `text "4"`,
		"done stop 30/90/120 r64")
}

func TestTurnParallelInterleavedCalls(t *testing.T) {
	mem := NewReasoningMemory(8)
	got := run(t, mem, events(t,
		`{"type":"response.output_item.done","output_index":0,"item":{"id":"rs_f4",`+
			`"type":"reasoning","summary":[],"encrypted_content":"enc"}}`,
		`{"type":"response.output_item.added","output_index":1,"item":{"id":"fc_a",`+
			`"type":"function_call","arguments":"","call_id":"call_P1","name":"read_file"}}`,
		`{"type":"response.output_item.added","output_index":2,"item":{"id":"fc_b",`+
			`"type":"function_call","arguments":"","call_id":"call_P2","name":"read_file"}}`,
		`{"type":"response.function_call_arguments.delta","item_id":"fc_b",`+
			`"output_index":2,"delta":"{\"path\":"}`,
		`{"type":"response.function_call_arguments.delta","item_id":"fc_a",`+
			`"output_index":1,"delta":"{\"path\":\"a\"}"}`,
		`{"type":"response.function_call_arguments.delta","item_id":"fc_b",`+
			`"output_index":2,"delta":"\"b\"}"}`,
		`{"type":"response.output_item.done","output_index":1,"item":{"id":"fc_a",`+
			`"type":"function_call","arguments":"{\"path\":\"a\"}","call_id":"call_P1",`+
			`"name":"read_file"}}`,
		`{"type":"response.output_item.done","output_index":2,"item":{"id":"fc_b",`+
			`"type":"function_call","arguments":"{\"path\":\"b\"}","call_id":"call_P2",`+
			`"name":"read_file"}}`,
		`{"type":"response.completed","response":{"usage":{"input_tokens":1,`+
			`"output_tokens":2,"total_tokens":3}}}`,
	))
	expect(t, got, "call 0 call_P1 read_file", "call 1 call_P2 read_file",
		`args 1 {"path":`, `args 0 {"path":"a"}`, `args 1 "b"}`, "done tool_calls 1/2/3 r0")
	if _, ok := mem.Recall("call_P2"); !ok {
		t.Error("reasoning before call_P2 not remembered")
	}
}

func TestTurnCallWithoutDeltas(t *testing.T) {
	got := run(t, nil, events(t,
		`{"type":"response.output_item.done","output_index":0,"item":{"id":"fc_1",`+
			`"type":"function_call","arguments":"{\"x\":1}","call_id":"call_X","name":"f"}}`,
		`{"type":"response.completed","response":{}}`,
	))
	expect(t, got, "call 0 call_X f", `args 0 {"x":1}`, "done tool_calls 0/0/0 r0")
}

func TestTurnFailures(t *testing.T) {
	tests := []struct {
		name string
		ev   string
		kind Kind
	}{
		{"failed", `{"type":"response.failed","response":{"status":"failed",` +
			`"error":{"code":"context_length_exceeded","message":"too long"}}}`,
			KindInvalidRequest},
		{"failed without error",
			`{"type":"response.failed","response":{"status":"failed"}}`, KindUpstream},
		{"error event", `{"type":"error","message":"This content was flagged."}`, KindUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			turn := NewTurn(nil, nil, nil)
			_, err := turn.Feed(events(t, tt.ev)[0])
			if err == nil || AsError(err).Kind != tt.kind {
				t.Fatalf("error %v, want kind %d", err, tt.kind)
			}
		})
	}
}

func TestTurnIncomplete(t *testing.T) {
	got := run(t, nil, events(t, f1Delta1,
		`{"type":"response.incomplete","response":{"status":"incomplete",`+
			`"incomplete_details":{"reason":"content_filter"}}}`))
	expect(t, got, `text "Hello"`, "done content_filter 0/0/0 r0")
}

func TestTurnLongToolNameMappedBack(t *testing.T) {
	long := strings.Repeat("n", 80)
	names := shortenToolNames([]Tool{{Name: long}})
	turn := NewTurn(names, nil, nil)
	added := `{"type":"response.output_item.added","output_index":0,` +
		`"item":{"type":"function_call","call_id":"c","name":"` + shortName(long) + `"}}`
	ds, err := turn.Feed(events(t, added)[0])
	if err != nil || len(ds) != 1 || ds[0].Name != long {
		t.Fatalf("deltas %+v, err %v", ds, err)
	}
}

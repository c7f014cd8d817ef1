package ollama

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/ollama/ollama/api"
)

// Golden pieces shared by the expected lines below: the header of the n-th line (created_at
// moves 250ms per clock reading) and the assistant message prefix.
const (
	hdr    = `{"model":"gpt-5.4:latest","created_at":"2026-01-02T03:04:`
	asst   = `"message":{"role":"assistant","content":`
	empty  = asst + `""}`
	notYet = `,"done":false}`
)

func TestChatStream_Fixtures(t *testing.T) {
	no := false
	ids := ChatOptions{ToolCallIDs: true}
	tests := []struct {
		name    string
		fixture string
		opts    ChatOptions
		want    []string
	}{
		{"F1 text", fixtureF1, ids, []string{
			hdr + `06.25Z",` + asst + `"Hello"}` + notYet,
			hdr + `06.5Z",` + asst + `", world!"}` + notYet,
			hdr + `06.75Z",` + empty + `,"done":true,"done_reason":"stop",` +
				`"total_duration":2000000000,"load_duration":0,"prompt_eval_count":12,` +
				`"prompt_eval_duration":1000000000,"eval_count":5,"eval_duration":1000000000}`,
		}},
		{"F2 thinking then text", fixtureF2, ids, []string{
			hdr + `06.25Z",` + asst + `"","thinking":"**Planning**\n\nCheck the sum."}` + notYet,
			hdr + `06.5Z",` + asst + `"","thinking":"\n\n**Answering**\n\n2+2=4."}` + notYet,
			hdr + `06.75Z",` + asst + `"4"}` + notYet,
			hdr + `07Z",` + empty + `,"done":true,"done_reason":"stop",` +
				`"total_duration":2250000000,"load_duration":0,"prompt_eval_count":30,` +
				`"prompt_eval_duration":1000000000,"eval_count":90,"eval_duration":1250000000}`,
		}},
		{"F2 with think false hides thinking", fixtureF2, ChatOptions{Think: &no}, []string{
			hdr + `06.25Z",` + asst + `"4"}` + notYet,
			hdr + `06.5Z",` + empty + `,"done":true,"done_reason":"stop",` +
				`"total_duration":1750000000,"load_duration":0,"prompt_eval_count":30,` +
				`"prompt_eval_duration":1000000000,"eval_count":90,"eval_duration":750000000}`,
		}},
		{"F3 one complete tool call with id", fixtureF3, ids, []string{
			hdr + `06.25Z",` + asst + `"","tool_calls":[{"id":"call_AAA111","function":` +
				`{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]}` + notYet,
			hdr + `06.5Z",` + empty + `,"done":true,"done_reason":"stop",` +
				`"total_duration":1750000000,"load_duration":0,"prompt_eval_count":80,` +
				`"prompt_eval_duration":1000000000,"eval_count":18,"eval_duration":750000000}`,
		}},
		{"F3 without ids has only the function key", fixtureF3, ChatOptions{}, []string{
			hdr + `06.25Z",` + asst + `"","tool_calls":[{"function":` +
				`{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]}` + notYet,
			hdr + `06.5Z",` + empty + `,"done":true,"done_reason":"stop",` +
				`"total_duration":1750000000,"load_duration":0,"prompt_eval_count":80,` +
				`"prompt_eval_duration":1000000000,"eval_count":18,"eval_duration":750000000}`,
		}},
		{"F4 each call sent once complete", fixtureF4, ids, []string{
			hdr + `06.25Z",` + asst + `"","tool_calls":[{"id":"call_P1","function":` +
				`{"index":0,"name":"read_file","arguments":{"path":"a.txt"}}}]}` + notYet,
			hdr + `06.5Z",` + asst + `"","tool_calls":[{"id":"call_P2","function":` +
				`{"index":1,"name":"read_file","arguments":{"path":"b.txt"}}}]}` + notYet,
			hdr + `06.75Z",` + empty + `,"done":true,"done_reason":"stop",` +
				`"total_duration":2000000000,"load_duration":0,"prompt_eval_count":120,` +
				`"prompt_eval_duration":1000000000,"eval_count":40,"eval_duration":1000000000}`,
		}},
		{"F4 interleaved arguments wait for completion", fixtureF4Interleaved, ids, []string{
			hdr + `06.25Z",` + asst + `"","tool_calls":[` +
				`{"id":"call_P1","function":{"index":0,"name":"read_file","arguments":{"path":"a.txt"}}},` +
				`{"id":"call_P2","function":{"index":1,"name":"read_file","arguments":{"path":"b.txt"}}}` +
				`]}` + notYet,
			hdr + `06.5Z",` + empty + `,"done":true,"done_reason":"stop",` +
				`"total_duration":1750000000,"load_duration":0,"prompt_eval_count":120,` +
				`"prompt_eval_duration":1000000000,"eval_count":40,"eval_duration":750000000}`,
		}},
		{"F5d failure after output ends with an error line", fixtureF5d, ids, []string{
			hdr + `06.25Z",` + asst + `"Partial"}` + notYet,
			`{"error":"Rate limit reached. Please try again in 11.054s."}`,
		}},
		{"F5e error event", fixtureF5e, ids, []string{
			`{"error":"This content was flagged for possible cybersecurity risk."}`,
		}},
		{"F1b cut stream never ends with done", fixtureF1b(), ids, []string{
			hdr + `06.25Z",` + asst + `"Hello"}` + notYet,
			hdr + `06.5Z",` + asst + `", world!"}` + notYet,
			`{"error":"the ChatGPT backend closed the stream before the response completed"}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			play(t, tt.fixture, NewChatStream(&out, testMeta("gpt-5.4:latest"), tt.opts))
			if diff := cmp.Diff(tt.want, lines(t, out.Bytes())); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// chatReading is what an Ollama Go client makes of a chat stream.
type chatReading struct {
	Content, Thinking string
	Calls             []api.ToolCall
	Done              bool
	DoneReason        string
	Prompt, Eval      int
	Err               string
}

// readChat decodes every line with the official client's types, as its line reader does.
func readChat(t *testing.T, out []byte) chatReading {
	t.Helper()
	var r chatReading
	for _, line := range lines(t, out) {
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line is not JSON: %v: %s", err, line)
		}
		if e.Error != "" {
			r.Err = e.Error
			continue
		}
		var cr api.ChatResponse
		if err := json.Unmarshal([]byte(line), &cr); err != nil {
			t.Fatalf("api.ChatResponse: %v: %s", err, line)
		}
		if r.Done {
			t.Fatalf("line after done: %s", line)
		}
		if cr.Model != "gpt-5.4:latest" || cr.CreatedAt.IsZero() || cr.Message.Role != "assistant" {
			t.Errorf("line lacks model, created_at or role: %s", line)
		}
		r.Content += cr.Message.Content
		r.Thinking += cr.Message.Thinking
		r.Calls = append(r.Calls, cr.Message.ToolCalls...)
		r.Done, r.DoneReason = cr.Done, cr.DoneReason
		r.Prompt, r.Eval = cr.PromptEvalCount, cr.EvalCount
		if cr.Done && (cr.TotalDuration <= 0 || cr.EvalDuration < 0) {
			t.Errorf("done line without durations: %s", line)
		}
	}
	return r
}

func TestChatStream_DecodesWithOllamaTypes(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    chatReading
		calls   []string // "id name args" of each tool call
	}{
		{"F1", fixtureF1, chatReading{Content: "Hello, world!", Done: true, DoneReason: "stop",
			Prompt: 12, Eval: 5}, nil},
		{"F2", fixtureF2, chatReading{Content: "4",
			Thinking: "**Planning**\n\nCheck the sum.\n\n**Answering**\n\n2+2=4.",
			Done:     true, DoneReason: "stop", Prompt: 30, Eval: 90}, nil},
		{"F3", fixtureF3, chatReading{Done: true, DoneReason: "stop", Prompt: 80, Eval: 18},
			[]string{`call_AAA111 0 get_weather {"city":"Paris"}`}},
		{"F4", fixtureF4, chatReading{Done: true, DoneReason: "stop", Prompt: 120, Eval: 40},
			[]string{`call_P1 0 read_file {"path":"a.txt"}`, `call_P2 1 read_file {"path":"b.txt"}`}},
		{"F5d", fixtureF5d, chatReading{Content: "Partial",
			Err: "Rate limit reached. Please try again in 11.054s."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			play(t, tt.fixture, NewChatStream(&out, testMeta("gpt-5.4:latest"),
				ChatOptions{ToolCallIDs: true}))
			got := readChat(t, out.Bytes())
			var calls []string
			for _, c := range got.Calls {
				calls = append(calls, strings.Join([]string{c.ID,
					string(rune('0' + c.Function.Index)), c.Function.Name,
					c.Function.Arguments.String()}, " "))
			}
			got.Calls = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reading (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.calls, calls); diff != "" {
				t.Errorf("tool calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGenerateStream_Fixtures(t *testing.T) {
	const gen = `{"model":"gpt-5.4:latest","created_at":"2026-01-02T03:04:`
	tests := []struct {
		name    string
		fixture string
		opts    GenerateOptions
		want    []string
	}{
		{"F1 text", fixtureF1, GenerateOptions{}, []string{
			gen + `06.25Z","response":"Hello","done":false}`,
			gen + `06.5Z","response":", world!","done":false}`,
			gen + `06.75Z","response":"","done":true,"done_reason":"stop","context":[],` +
				`"total_duration":2000000000,"load_duration":0,"prompt_eval_count":12,` +
				`"prompt_eval_duration":1000000000,"eval_count":5,"eval_duration":1000000000}`,
		}},
		{"F2 thinking", fixtureF2, GenerateOptions{}, []string{
			gen + `06.25Z","response":"","thinking":"**Planning**\n\nCheck the sum.","done":false}`,
			gen + `06.5Z","response":"","thinking":"\n\n**Answering**\n\n2+2=4.","done":false}`,
			gen + `06.75Z","response":"4","done":false}`,
			gen + `07Z","response":"","done":true,"done_reason":"stop","context":[],` +
				`"total_duration":2250000000,"load_duration":0,"prompt_eval_count":30,` +
				`"prompt_eval_duration":1000000000,"eval_count":90,"eval_duration":1250000000}`,
		}},
		{"F3 tool calls have no place in generate", fixtureF3, GenerateOptions{}, []string{
			gen + `06.25Z","response":"","done":true,"done_reason":"stop","context":[],` +
				`"total_duration":1500000000,"load_duration":0,"prompt_eval_count":80,` +
				`"prompt_eval_duration":1000000000,"eval_count":18,"eval_duration":500000000}`,
		}},
		{"F5d", fixtureF5d, GenerateOptions{}, []string{
			gen + `06.25Z","response":"Partial","done":false}`,
			`{"error":"Rate limit reached. Please try again in 11.054s."}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			play(t, tt.fixture, NewGenerateStream(&out, testMeta("gpt-5.4:latest"), tt.opts))
			got := lines(t, out.Bytes())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			for _, line := range got {
				var gr api.GenerateResponse
				if err := json.Unmarshal([]byte(line), &gr); err != nil {
					t.Errorf("api.GenerateResponse: %v: %s", err, line)
				}
				if gr.Done && gr.Context == nil {
					t.Errorf("done line without context: %s", line)
				}
			}
		})
	}
}

func TestGenerateStream_ThinkFalseHidesThinking(t *testing.T) {
	no := false
	var out bytes.Buffer
	play(t, fixtureF2, NewGenerateStream(&out, testMeta("m"), GenerateOptions{Think: &no}))
	if bytes.Contains(out.Bytes(), []byte("thinking")) {
		t.Errorf("thinking written despite think:false:\n%s", out.Bytes())
	}
	if !bytes.Contains(out.Bytes(), []byte(`"response":"4"`)) {
		t.Errorf("answer missing:\n%s", out.Bytes())
	}
}

func TestChatResponse(t *testing.T) {
	no := false
	tests := []struct {
		name    string
		fixture string
		opts    ChatOptions
		want    string
	}{
		{"F1", fixtureF1, ChatOptions{Model: "gpt-5.4"},
			`{"model":"gpt-5.4","created_at":"2026-01-02T03:04:06Z",` + asst + `"Hello, world!"},` +
				`"done":true,"done_reason":"stop","total_duration":1000000000,"load_duration":0,` +
				`"prompt_eval_count":12,"prompt_eval_duration":500000000,"eval_count":5,` +
				`"eval_duration":500000000}`},
		{"F2", fixtureF2, ChatOptions{Model: "gpt-5.4"},
			`{"model":"gpt-5.4","created_at":"2026-01-02T03:04:06Z",` + asst + `"4",` +
				`"thinking":"**Planning**\n\nCheck the sum.\n\n**Answering**\n\n2+2=4."},` +
				`"done":true,"done_reason":"stop","total_duration":1000000000,"load_duration":0,` +
				`"prompt_eval_count":30,"prompt_eval_duration":500000000,"eval_count":90,` +
				`"eval_duration":500000000}`},
		{"F2 think false", fixtureF2, ChatOptions{Model: "gpt-5.4", Think: &no},
			`{"model":"gpt-5.4","created_at":"2026-01-02T03:04:06Z",` + asst + `"4"},` +
				`"done":true,"done_reason":"stop","total_duration":1000000000,"load_duration":0,` +
				`"prompt_eval_count":30,"prompt_eval_duration":500000000,"eval_count":90,` +
				`"eval_duration":500000000}`},
		{"F4", fixtureF4, ChatOptions{Model: "gpt-5.4", ToolCallIDs: true},
			`{"model":"gpt-5.4","created_at":"2026-01-02T03:04:06Z",` + asst + `"",` +
				`"tool_calls":[{"id":"call_P1","function":{"index":0,"name":"read_file",` +
				`"arguments":{"path":"a.txt"}}},{"id":"call_P2","function":{"index":1,` +
				`"name":"read_file","arguments":{"path":"b.txt"}}}]},` +
				`"done":true,"done_reason":"stop","total_duration":1000000000,"load_duration":0,` +
				`"prompt_eval_count":120,"prompt_eval_duration":500000000,"eval_count":40,` +
				`"eval_duration":500000000}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := Meta{Start: t0, First: t0.Add(500 * time.Millisecond),
				Now: func() time.Time { return t0.Add(time.Second) }}
			got := ChatResponse(meta, collect(t, tt.fixture), tt.opts)
			if diff := cmp.Diff(tt.want+"\n", string(got)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			var cr api.ChatResponse
			if err := json.Unmarshal(got, &cr); err != nil || !cr.Done {
				t.Errorf("api.ChatResponse: %v, done %v", err, cr.Done)
			}
		})
	}
}

func TestGenerateResponse(t *testing.T) {
	meta := Meta{Model: "gpt-5.5:latest", Start: t0, Now: func() time.Time { return t0.Add(time.Second) }}
	got := GenerateResponse(meta, collect(t, fixtureF2), GenerateOptions{})
	want := `{"model":"gpt-5.5:latest","created_at":"2026-01-02T03:04:06Z","response":"4",` +
		`"thinking":"**Planning**\n\nCheck the sum.\n\n**Answering**\n\n2+2=4.",` +
		`"done":true,"done_reason":"stop","context":[],"total_duration":1000000000,` +
		`"load_duration":0,"prompt_eval_count":30,"prompt_eval_duration":0,"eval_count":90,` +
		`"eval_duration":1000000000}` + "\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	var gr api.GenerateResponse
	if err := json.Unmarshal(got, &gr); err != nil {
		t.Fatal(err)
	}
	if gr.Response != "4" || !gr.Done || gr.EvalCount != 90 || gr.EvalDuration != time.Second {
		t.Errorf("api.GenerateResponse = %+v", gr)
	}
}

func TestGenerateControl(t *testing.T) {
	meta := Meta{Now: func() time.Time { return t0 }}
	tests := []struct {
		opts GenerateOptions
		want string
	}{
		{GenerateOptions{Model: "gpt-5.4", Load: true}, `{"model":"gpt-5.4",` +
			`"created_at":"2026-01-02T03:04:05Z","response":"","done":true,"done_reason":"load"}`},
		{GenerateOptions{Model: "gpt-5.4:latest", Unload: true}, `{"model":"gpt-5.4:latest",` +
			`"created_at":"2026-01-02T03:04:05Z","response":"","done":true,"done_reason":"unload"}`},
	}
	for _, tt := range tests {
		got := GenerateControl(meta, tt.opts)
		if diff := cmp.Diff(tt.want+"\n", string(got)); diff != "" {
			t.Errorf("GenerateControl(%+v) (-want +got):\n%s", tt.opts, diff)
		}
		var gr api.GenerateResponse
		if err := json.Unmarshal(got, &gr); err != nil || !gr.Done {
			t.Errorf("api.GenerateResponse: %v", err)
		}
	}
}

func TestStream_DoneReason(t *testing.T) {
	tests := []struct{ finish, want string }{
		{canon.FinishStop, "stop"},
		{canon.FinishToolCalls, "stop"},
		{canon.FinishLength, "length"},
		{canon.FinishContentFilter, "stop"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		enc := NewChatStream(&out, testMeta("m"), ChatOptions{})
		if err := enc.Delta(canon.Delta{Kind: canon.DeltaDone, Finish: tt.finish}); err != nil {
			t.Fatal(err)
		}
		var cr api.ChatResponse
		if err := json.Unmarshal(out.Bytes(), &cr); err != nil {
			t.Fatal(err)
		}
		if cr.DoneReason != tt.want || !cr.Done {
			t.Errorf("finish %q: done_reason %q, want %q", tt.finish, cr.DoneReason, tt.want)
		}
	}
}

func TestStream_NothingAfterTheEnd(t *testing.T) {
	for _, end := range []string{"done", "fail"} {
		var out bytes.Buffer
		enc := NewChatStream(&out, testMeta("m"), ChatOptions{})
		if end == "done" {
			_ = enc.Delta(canon.Delta{Kind: canon.DeltaDone})
		} else {
			_ = enc.Fail(&canon.Error{Kind: canon.KindUpstream, Message: "boom"})
		}
		n := out.Len()
		_ = enc.Delta(canon.Delta{Kind: canon.DeltaText, Text: "late"})
		_ = enc.Delta(canon.Delta{Kind: canon.DeltaDone})
		_ = enc.Fail(&canon.Error{Kind: canon.KindUpstream, Message: "late"})
		if out.Len() != n {
			t.Errorf("after %s the encoder wrote %q", end, out.Bytes()[n:])
		}
	}
}

func TestStream_FailDropsUnsentToolCalls(t *testing.T) {
	var out bytes.Buffer
	enc := NewChatStream(&out, testMeta("m"), ChatOptions{})
	_ = enc.Delta(canon.Delta{Kind: canon.DeltaToolCall, CallID: "c1", Name: "f"})
	_ = enc.Delta(canon.Delta{Kind: canon.DeltaToolArgs, Text: `{"a":`})
	_ = enc.Fail(&canon.Error{Kind: canon.KindUpstream, Message: "cut"})
	if got := out.String(); got != `{"error":"cut"}`+"\n" {
		t.Errorf("output = %q", got)
	}
}

func TestStream_ArgumentsAlwaysAnObject(t *testing.T) {
	tests := []struct{ args, want string }{
		{`{"a":1}`, `{"a":1}`},
		{"{\n  \"a\": [1, 2],\n  \"b\": \"x y\"\n}", `{"a":[1,2],"b":"x y"}`},
		{"", `{}`},
		{`{"a":`, `{}`},          // cut short by a length limit
		{`[1,2]`, `{}`},          // not an object
		{`{"a":1}{"b":2}`, `{}`}, // two values
		{`  {"a":"\n"}  `, `{"a":"\n"}`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		enc := NewChatStream(&out, testMeta("m"), ChatOptions{})
		_ = enc.Delta(canon.Delta{Kind: canon.DeltaToolCall, CallID: "c", Name: "f"})
		_ = enc.Delta(canon.Delta{Kind: canon.DeltaToolArgs, Text: tt.args})
		_ = enc.Delta(canon.Delta{Kind: canon.DeltaDone, Finish: canon.FinishToolCalls})
		first := lines(t, out.Bytes())[0]
		want := `"arguments":` + tt.want + `}}]}`
		if !strings.Contains(first, want) {
			t.Errorf("args %q: line %s lacks %s", tt.args, first, want)
		}
		var cr api.ChatResponse
		if err := json.Unmarshal([]byte(first), &cr); err != nil {
			t.Errorf("args %q: api.ChatResponse: %v", tt.args, err)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("client went away") }

func TestStream_ReportsWriteErrors(t *testing.T) {
	enc := NewChatStream(failingWriter{}, testMeta("m"), ChatOptions{})
	if err := enc.Delta(canon.Delta{Kind: canon.DeltaText, Text: "x"}); err == nil {
		t.Error("Delta on a failing writer returned nil")
	}
}

func TestStream_DefaultClockAndModelFallback(t *testing.T) {
	var out bytes.Buffer
	enc := NewChatStream(&out, Meta{}, ChatOptions{Model: "gpt-5.4"})
	_ = enc.Delta(canon.Delta{Kind: canon.DeltaDone})
	var cr api.ChatResponse
	if err := json.Unmarshal(out.Bytes(), &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Model != "gpt-5.4" || cr.CreatedAt.IsZero() || cr.TotalDuration != 0 {
		t.Errorf("line = %s", out.Bytes())
	}
}

// benchDeltas is a long text answer: reasoning, 200 text pieces and the end.
func benchDeltas() []canon.Delta {
	ds := []canon.Delta{{Kind: canon.DeltaReasoning, Text: "**Thinking** about the question."}}
	for range 200 {
		ds = append(ds, canon.Delta{Kind: canon.DeltaText, Text: " token"})
	}
	return append(ds, canon.Delta{Kind: canon.DeltaDone, Finish: canon.FinishStop,
		Usage: canon.Usage{InputTokens: 1000, OutputTokens: 200}})
}

func BenchmarkChatStream_Text(b *testing.B) {
	ds := benchDeltas()
	meta := Meta{Model: "gpt-5.4:latest", Start: t0, Now: func() time.Time { return t0 }}
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		enc := NewChatStream(&out, meta, ChatOptions{ToolCallIDs: true})
		for _, d := range ds {
			_ = enc.Delta(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ds)), "ns/delta")
}

func BenchmarkChatStream_ToolCalls(b *testing.B) {
	var ds []canon.Delta
	for i := range 4 {
		ds = append(ds, canon.Delta{Kind: canon.DeltaToolCall, ToolIndex: i, CallID: "call_X",
			Name: "read_file"})
		for _, piece := range []string{`{"path":`, `"src/`, `main.go"`, `,"lines":[1,2,3]}`} {
			ds = append(ds, canon.Delta{Kind: canon.DeltaToolArgs, ToolIndex: i, Text: piece})
		}
	}
	ds = append(ds, canon.Delta{Kind: canon.DeltaDone, Finish: canon.FinishToolCalls})
	meta := Meta{Model: "gpt-5.4:latest", Start: t0, Now: func() time.Time { return t0 }}
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		enc := NewChatStream(&out, meta, ChatOptions{ToolCallIDs: true})
		for _, d := range ds {
			_ = enc.Delta(d)
		}
	}
}

func BenchmarkChatStream_F1Fixture(b *testing.B) {
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		play(b, fixtureF1, NewChatStream(&out, testMeta("gpt-5.4:latest"), ChatOptions{}))
	}
}

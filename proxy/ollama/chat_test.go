package ollama

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire/wiretest"
	"github.com/ollama/ollama/api"
)

// build decodes a chat body and builds the backend request, failing the test on an error.
func build(t *testing.T, body string) (*canon.Request, ChatOptions) {
	t.Helper()
	d, opts, err := DecodeChat([]byte(body), testModels())
	if err != nil {
		t.Fatalf("DecodeChat(%s): %v", body, err)
	}
	req, _ := d.Build(nil)
	return req, opts
}

// inputJSON is the request's input as the backend receives it.
func inputJSON(t *testing.T, req *canon.Request) string {
	t.Helper()
	b, err := json.Marshal(req.Input)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeChat_Messages(t *testing.T) {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	tests := []struct {
		name         string
		body         string
		instructions string
		input        string
	}{
		{"system messages become instructions",
			`{"model":"gpt-5.4","messages":[{"role":"system","content":"Be brief."},
			{"role":"user","content":"Hi"},{"role":"system","content":"Use French."}]}`,
			"Be brief.\n\nUse French.",
			`[{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}]`},
		{"no system message gets the default",
			`{"model":"gpt-5.4","messages":[{"role":"user","content":"Hi"}]}`,
			canon.DefaultInstructions,
			`[{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}]`},
		{"assistant text is output text and its thinking is dropped",
			`{"model":"gpt-5.4","messages":[{"role":"user","content":"2+2?"},
			{"role":"assistant","content":"4","thinking":"add them"},
			{"role":"USER","content":"and 3+3?"}]}`,
			canon.DefaultInstructions,
			`[{"type":"message","role":"user","content":[{"type":"input_text","text":"2+2?"}]},` +
				`{"type":"message","role":"assistant","content":[{"type":"output_text","text":"4"}]},` +
				`{"type":"message","role":"user","content":[{"type":"input_text","text":"and 3+3?"}]}]`},
		{"images become data URLs after the text",
			`{"model":"gpt-5.4","messages":[{"role":"user","content":"What is this?",
			"images":["` + png + `"]}]}`,
			canon.DefaultInstructions,
			`[{"type":"message","role":"user","content":[{"type":"input_text","text":"What is this?"},` +
				`{"type":"input_image","image_url":"data:image/png;base64,` + png + `"}]}]`},
		{"an image without text has no empty text part",
			`{"model":"gpt-5.4","messages":[{"role":"user","content":"","images":["` + png + `"]}]}`,
			canon.DefaultInstructions,
			`[{"type":"message","role":"user","content":[` +
				`{"type":"input_image","image_url":"data:image/png;base64,` + png + `"}]}]`},
		{"null content is empty",
			`{"model":"gpt-5.4","messages":[{"role":"user","content":null}]}`,
			canon.DefaultInstructions,
			`[{"type":"message","role":"user","content":[{"type":"input_text","text":""}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := build(t, tt.body)
			if req.Instructions != tt.instructions {
				t.Errorf("instructions = %q, want %q", req.Instructions, tt.instructions)
			}
			if diff := cmp.Diff(tt.input, inputJSON(t, req)); diff != "" {
				t.Errorf("input (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeChat_ToolHistory covers B6: tool calls and results with ids, and histories without
// ids paired by tool name and by order.
func TestDecodeChat_ToolHistory(t *testing.T) {
	const user = `{"role":"user","content":"weather?"}`
	call := func(id, name, args string) string {
		return `{"type":"function_call","name":"` + name + `","arguments":"` + args +
			`","call_id":"` + id + `"}`
	}
	output := func(id, text string) string {
		return `{"type":"function_call_output","call_id":"` + id + `","output":"` + text + `"}`
	}
	userItem := `{"type":"message","role":"user","content":[{"type":"input_text","text":"weather?"}]}`
	tests := []struct {
		name  string
		msgs  string
		input []string
	}{
		{"ids on both sides (F3 follow-up)",
			user + `,{"role":"assistant","content":"","tool_calls":[{"id":"call_AAA111",
			"function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]},
			{"role":"tool","tool_call_id":"call_AAA111","content":"18°C, sunny"}`,
			[]string{userItem, call("call_AAA111", "get_weather", `{\"city\":\"Paris\"}`),
				output("call_AAA111", "18°C, sunny")}},
		{"no ids: results paired by tool name, whatever their order",
			user + `,{"role":"assistant","tool_calls":[
			{"function":{"name":"get_weather","arguments":{"city":"Paris"}}},
			{"function":{"name":"get_time","arguments":{"tz":"CET"}}}]},
			{"role":"tool","tool_name":"get_time","content":"10:00"},
			{"role":"tool","tool_name":"get_weather","content":"sunny"}`,
			[]string{userItem, call("call_0", "get_weather", `{\"city\":\"Paris\"}`),
				call("call_1", "get_time", `{\"tz\":\"CET\"}`),
				output("call_1", "10:00"), output("call_0", "sunny")}},
		{"no ids, same tool twice: paired by order",
			user + `,{"role":"assistant","tool_calls":[
			{"function":{"name":"read","arguments":{"p":"a"}}},
			{"function":{"name":"read","arguments":{"p":"b"}}}]},
			{"role":"tool","tool_name":"read","content":"A"},
			{"role":"tool","tool_name":"read","content":"B"}`,
			[]string{userItem, call("call_0", "read", `{\"p\":\"a\"}`),
				call("call_1", "read", `{\"p\":\"b\"}`), output("call_0", "A"), output("call_1", "B")}},
		{"no ids and no names: paired by order",
			user + `,{"role":"assistant","tool_calls":[
			{"function":{"name":"a","arguments":{}}},{"function":{"name":"b","arguments":{}}}]},
			{"role":"tool","content":"1"},{"role":"tool","content":"2"}`,
			[]string{userItem, call("call_0", "a", "{}"), call("call_1", "b", "{}"),
				output("call_0", "1"), output("call_1", "2")}},
		{"name in the OpenAI-style name field",
			user + `,{"role":"assistant","tool_calls":[
			{"function":{"name":"a","arguments":{}}},{"function":{"name":"b","arguments":{}}}]},
			{"role":"tool","name":"b","content":"2"},{"role":"tool","name":"a","content":"1"}`,
			[]string{userItem, call("call_0", "a", "{}"), call("call_1", "b", "{}"),
				output("call_1", "2"), output("call_0", "1")}},
		{"result id the calls lack (ollama-python drops call ids): paired by name",
			user + `,{"role":"assistant","tool_calls":[{"function":{"name":"get_weather",
			"arguments":{"city":"Paris"}}}]},
			{"role":"tool","tool_call_id":"call_AAA111","tool_name":"get_weather","content":"sunny"}`,
			[]string{userItem, call("call_0", "get_weather", `{\"city\":\"Paris\"}`),
				output("call_0", "sunny")}},
		{"minted ids count every call and avoid the client's ids",
			user + `,{"role":"assistant","tool_calls":[{"function":{"name":"a","arguments":{}}}]},
			{"role":"tool","content":"1"},
			{"role":"assistant","tool_calls":[{"id":"call_0","function":{"name":"b","arguments":{}}},
			{"function":{"name":"c","arguments":{}}}]},
			{"role":"tool","tool_call_id":"call_0","content":"2"},{"role":"tool","content":"3"}`,
			[]string{userItem, call("call_0_", "a", "{}"), output("call_0_", "1"),
				call("call_0", "b", "{}"), call("call_2", "c", "{}"),
				output("call_0", "2"), output("call_2", "3")}},
		{"a new assistant message forgets unanswered calls",
			user + `,{"role":"assistant","tool_calls":[{"function":{"name":"a","arguments":{}}}]},
			{"role":"tool","content":"1"},
			{"role":"assistant","content":"done"},
			{"role":"tool","tool_name":"a","content":"late"}`,
			[]string{userItem, call("call_0", "a", "{}"), output("call_0", "1"),
				`{"type":"message","role":"assistant","content":[{"type":"output_text","text":"done"}]}`,
				`{"type":"message","role":"user","content":[{"type":"input_text",` +
					`"text":"Result of a (call call_1):\nlate"}]}`}},
		{"string arguments are compacted",
			user + `,{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f",
			"arguments":"{ \"x\" : 1 }"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}`,
			[]string{userItem, call("c1", "f", `{\"x\":1}`), output("c1", "ok")}},
		{"string arguments that are not JSON pass as sent",
			user + `,{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f",
			"arguments":"not json"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}`,
			[]string{userItem, call("c1", "f", "not json"), output("c1", "ok")}},
		{"missing arguments are an empty object",
			user + `,{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f"}}]},
			{"role":"tool","tool_call_id":"c1","content":"ok"}`,
			[]string{userItem, call("c1", "f", "{}"), output("c1", "ok")}},
		{"text next to tool calls is kept before them",
			user + `,{"role":"assistant","content":"Checking.","tool_calls":[{"id":"c1",
			"function":{"name":"f","arguments":{}}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}`,
			[]string{userItem,
				`{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]}`,
				call("c1", "f", "{}"), output("c1", "ok")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := build(t, `{"model":"gpt-5.4","messages":[`+tt.msgs+`]}`)
			want := "[" + strings.Join(tt.input, ",") + "]"
			if diff := cmp.Diff(want, inputJSON(t, req)); diff != "" {
				t.Errorf("input (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeChat_Think(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name    string
		model   string
		think   string // the JSON value, "" for absent
		effort  string
		switch_ *bool
	}{
		{"unset is the model default", "gpt-5.4", "", "medium", nil},
		{"null is unset", "gpt-5.4", "null", "medium", nil},
		{"true is the model default", "gpt-5.4", "true", "medium", &yes},
		{"false is the lowest level when none is missing", "gpt-5.4", "false", "low", &no},
		{"false is none when the model has it", "gpt-5.5", "false", "none", &no},
		{"a level", "gpt-5.4", `"high"`, "high", &yes},
		{"low", "gpt-5.4", `"low"`, "low", &yes},
		{"max is clamped to the highest level", "gpt-5.4", `"max"`, "xhigh", &yes},
		{"a level the model lacks goes up", "gpt-5.5", `"minimal"`, "low", &yes},
		{"level strings ignore case", "gpt-5.4", `"High"`, "high", &yes},
		{"the name suffix wins over think", "gpt-5.4-high:latest", `"low"`, "high", &yes},
		{"the name suffix with think false still hides thinking", "gpt-5.4-xhigh", "false",
			"xhigh", &no},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"model":"` + tt.model + `","messages":[{"role":"user","content":"x"}]`
			if tt.think != "" {
				body += `,"think":` + tt.think
			}
			req, opts := build(t, body+"}")
			if req.Reasoning == nil || req.Reasoning.Effort != tt.effort {
				t.Errorf("reasoning = %+v, want effort %q", req.Reasoning, tt.effort)
			}
			if !cmp.Equal(opts.Think, tt.switch_) {
				t.Errorf("opts.Think = %v, want %v", ptr(opts.Think), ptr(tt.switch_))
			}
		})
	}
}

func ptr(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestDecodeChat_Format(t *testing.T) {
	tests := []struct {
		format string
		want   string // the marshalled text.format, "" for none
	}{
		{`"json"`, `{"type":"json_object"}`},
		{`"JSON"`, `{"type":"json_object"}`},
		{`""`, ""},
		{`null`, ""},
		{`{"type": "object", "properties": {"age": {"type": "integer"}}}`,
			`{"type":"json_schema","name":"response",` +
				`"schema":{"type":"object","properties":{"age":{"type":"integer"}}}}`},
	}
	for _, tt := range tests {
		req, _ := build(t, `{"model":"codex-mini","messages":[{"role":"user","content":"x"}],`+
			`"format":`+tt.format+`}`)
		got := ""
		if req.Text != nil && req.Text.Format != nil {
			b, _ := json.Marshal(req.Text.Format)
			got = string(b)
		}
		if got != tt.want {
			t.Errorf("format %s: text.format = %s, want %s", tt.format, got, tt.want)
		}
	}
}

func TestDecodeChat_StreamDefaultsToTrue(t *testing.T) {
	tests := []struct {
		stream string
		want   bool
	}{{"", true}, {`,"stream":true`, true}, {`,"stream":false`, false}, {`,"stream":null`, true}}
	for _, tt := range tests {
		_, opts := build(t, `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}]`+
			tt.stream+`}`)
		if opts.Stream != tt.want {
			t.Errorf("stream %q: Stream = %v, want %v", tt.stream, opts.Stream, tt.want)
		}
	}
}

// TestDecodeChat_IgnoredFields: what clients send that the backend cannot take is accepted
// and dropped (B3), whatever its type.
func TestDecodeChat_IgnoredFields(t *testing.T) {
	for _, extra := range []string{
		`"keep_alive":1800`, `"keep_alive":-1`, `"keep_alive":"5m"`, `"keep_alive":"0"`,
		`"keep_alive":{"odd":true}`,
		`"options":{"num_ctx":32768,"temperature":0.2,"stop":["\n"],"seed":1}`,
		`"logprobs":true`, `"top_logprobs":3`, `"truncate":true`, `"shift":false`,
		`"template":"x"`, `"raw":true`,
	} {
		req, opts := build(t, `{"model":"gpt-5.4:latest","messages":[{"role":"user","content":"x"}],`+
			extra+`}`)
		b, _ := json.Marshal(req)
		for _, leaked := range []string{"num_ctx", "temperature", "keep_alive", "logprobs", "seed"} {
			if strings.Contains(string(b), leaked) {
				t.Errorf("%s: %q reached the backend request: %s", extra, leaked, b)
			}
		}
		if opts.Model != "gpt-5.4:latest" || req.Model != "gpt-5.4" || !opts.ToolCallIDs {
			t.Errorf("%s: model %q → %q, ids %v", extra, opts.Model, req.Model, opts.ToolCallIDs)
		}
	}
}

func TestDecodeChat_Tools(t *testing.T) {
	req, _ := build(t, `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],"tools":[
		{"type":"function","function":{"name":"get_weather","description":"Weather now",
		 "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
		{"function":{"name":"no_params"}}]}`)
	b, _ := json.Marshal(req.Tools)
	want := `[{"type":"function","name":"get_weather","description":"Weather now",` +
		`"parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},` +
		`{"type":"function","name":"no_params","parameters":{"type":"object","properties":{}}}]`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	if !req.ParallelToolCalls {
		t.Error("parallel_tool_calls = false for a model that supports it")
	}
}

func TestDecodeChat_LoadAndUnload(t *testing.T) {
	tests := []struct {
		body         string
		load, unload bool
	}{
		{`{"model":"gpt-5.4"}`, true, false},
		{`{"model":"gpt-5.4","messages":[]}`, true, false},
		{`{"model":"gpt-5.4","messages":[],"keep_alive":0}`, false, true},
		{`{"model":"gpt-5.4","messages":[],"keep_alive":"0s"}`, false, true},
		{`{"model":"gpt-5.4","messages":[],"keep_alive":"5m"}`, true, false},
		{`{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],"keep_alive":0}`,
			false, false},
	}
	for _, tt := range tests {
		_, opts, err := DecodeChat([]byte(tt.body), testModels())
		if err != nil || opts.Load != tt.load || opts.Unload != tt.unload {
			t.Errorf("%s: load %v unload %v err %v", tt.body, opts.Load, opts.Unload, err)
		}
	}
	meta := Meta{Now: func() time.Time { return time.Unix(0, 0).UTC() }}
	line := ChatControl(meta, ChatOptions{Model: "gpt-5.4:latest", Unload: true})
	var res api.ChatResponse
	if err := json.Unmarshal(line, &res); err != nil || !res.Done || res.DoneReason != "unload" ||
		res.Model != "gpt-5.4:latest" || res.Message.Role != "assistant" {
		t.Errorf("control line %s: %+v %v", line, res, err)
	}
}

func TestDecodeChat_Errors(t *testing.T) {
	const user = `"messages":[{"role":"user","content":"x"}]`
	tests := []struct {
		name  string
		body  string
		kind  canon.Kind
		param string
		text  string
	}{
		{"not JSON", `{"model":`, canon.KindInvalidRequest, "",
			"invalid JSON: the request body ends early"},
		{"malformed", `{"model":"gpt-5.4","messages":[{"role":"user","content":sk-secret}]}`,
			canon.KindInvalidRequest, "", "invalid JSON: syntax error at byte 57"},
		{"not an object", `[1,2]`, canon.KindInvalidRequest, "", "JSON object"},
		{"empty body", ``, canon.KindInvalidRequest, "", "the request body is empty"},
		{"no model", `{` + user + `}`, canon.KindInvalidRequest, "model", "no model"},
		{"unknown model", `{"model":"llama3:latest",` + user + `}`, canon.KindNotFound, "model",
			`model "llama3:latest" not found: lagp serves the models of your ChatGPT account`},
		{"content of the wrong type", `{"model":"gpt-5.4","messages":[{"role":"user","content":5}]}`,
			canon.KindInvalidRequest, "messages.content", "must be a string, not a number"},
		{"only a system message", `{"model":"gpt-5.4","messages":[{"role":"system","content":"x"}]}`,
			canon.KindInvalidRequest, "messages", "no user"},
		{"unknown role", `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"},
			{"role":"robot","content":"x"}]}`, canon.KindInvalidRequest, "messages[1].role", `"robot"`},
		{"no role", `{"model":"gpt-5.4","messages":[{"content":"x"}]}`, canon.KindInvalidRequest,
			"messages[0].role", "no role"},
		{"image not an image", `{"model":"gpt-5.4","messages":[{"role":"user","content":"x",
			"images":["` + base64.StdEncoding.EncodeToString([]byte("plain text file")) + `"]}]}`,
			canon.KindInvalidRequest, "messages[0].images[0]", "unsupported image format"},
		{"image not base64", `{"model":"gpt-5.4","messages":[{"role":"user","content":"x",
			"images":["%%%"]}]}`, canon.KindInvalidRequest, "messages[0].images[0]", "base64"},
		{"arguments a number", `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"},
			{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":5}}]}]}`,
			canon.KindInvalidRequest, "messages[1].tool_calls[0].function.arguments", "JSON object"},
		{"think a number", `{"model":"gpt-5.4",` + user + `,"think":5}`, canon.KindInvalidRequest,
			"think", "true, false or a level"},
		{"think an unknown level", `{"model":"gpt-5.4",` + user + `,"think":"turbo"}`,
			canon.KindInvalidRequest, "think", `"turbo"`},
		{"format unknown", `{"model":"gpt-5.4",` + user + `,"format":"yaml"}`,
			canon.KindInvalidRequest, "format", `"yaml"`},
		{"format a number", `{"model":"gpt-5.4",` + user + `,"format":5}`,
			canon.KindInvalidRequest, "format", "JSON schema"},
		{"tool of another type", `{"model":"gpt-5.4",` + user + `,"tools":[{"type":"web_search"}]}`,
			canon.KindInvalidRequest, "tools[0].type", `"web_search"`},
		{"tool without a name", `{"model":"gpt-5.4",` + user + `,"tools":[{"type":"function",
			"function":{"description":"x"}}]}`, canon.KindInvalidRequest, "tools[0].function.name",
			"no function name"},
		{"stream a string", `{"model":"gpt-5.4",` + user + `,"stream":"yes"}`,
			canon.KindInvalidRequest, "stream", "must be a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, err := DecodeChat([]byte(tt.body), testModels())
			if d != nil {
				t.Errorf("draft = %+v, want nil", d)
			}
			wiretest.WantError(t, err, tt.kind, tt.param, tt.text)
			if err != nil && strings.Contains(err.Error(), "sk-secret") {
				t.Errorf("error message repeats body content: %v", err)
			}
		})
	}
}

func TestLookupModel(t *testing.T) {
	for _, name := range []string{"gpt-5.4", "gpt-5.4:latest", "GPT-5.4", "gpt-5.4-high:latest"} {
		m, _, err := LookupModel(name, testModels())
		if err != nil || m.ID != "gpt-5.4" {
			t.Errorf("LookupModel(%q) = %q, %v", name, m.ID, err)
		}
	}
	_, _, err := LookupModel("x", nil)
	wiretest.WantError(t, err, canon.KindNotFound, "model", `model "x" not found`)
	var e *canon.Error
	if errors.As(err, &e) && e.Status() != 404 {
		t.Errorf("status = %d, want 404", e.Status())
	}
}

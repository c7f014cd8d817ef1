package openai

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
)

// built runs a draft through canon's shared rules and returns the backend body as a map.
func built(t *testing.T, d *canon.Draft) map[string]any {
	t.Helper()
	req, _ := d.Build(nil)
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// subset checks the members of want against got; a member missing from got counts as null.
func subset(t *testing.T, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	for k, v := range w {
		if diff := cmp.Diff(v, got[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
}

func TestDecodeChat_Mapping(t *testing.T) {
	tests := []mappingCase{
		{
			name: "system and developer become instructions",
			body: `{"model":"gpt-5.4","messages":[{"role":"system","content":"Be brief."},
				{"role":"user","content":"Hi"},{"role":"developer","content":"Use French."}]}`,
			want: `{"instructions":"Be brief.\n\nUse French.","input":[{"type":"message",
				"role":"user","content":[{"type":"input_text","text":"Hi"}]}]}`,
		},
		{
			name: "no system message gets the default",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"Hi"}]}`,
			want: `{"instructions":"You are a helpful assistant.","tools":[],
				"parallel_tool_calls":false,"store":false,"stream":true,"model":"gpt-5.4",
				"reasoning":{"effort":"medium","summary":"auto"},
				"include":["reasoning.encrypted_content"]}`,
		},
		{
			name: "roo system parts with cache_control",
			body: `{"model":"gpt-5.4","messages":[{"role":"system","content":[{"type":"text",
				"text":"You are Roo.","cache_control":{"type":"ephemeral"}}]},
				{"role":"user","content":[{"type":"text","text":"Go","cache_control":{}}]}]}`,
			want: `{"instructions":"You are Roo.","input":[{"type":"message","role":"user",
				"content":[{"type":"input_text","text":"Go"}]}]}`,
		},
		{
			name: "images as string and object",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":[
				{"type":"text","text":"What is this?"},
				{"type":"image_url","image_url":"https://example.com/a.png"},
				{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K",
				"detail":"low"}},{"type":"image_url","image_url":"iVBORw0KGgoAAAANSUhEUg=="}]}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[
				{"type":"input_text","text":"What is this?"},
				{"type":"input_image","image_url":"https://example.com/a.png"},
				{"type":"input_image","image_url":"data:image/png;base64,iVBORw0K",
				"detail":"low"},{"type":"input_image",
				"image_url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="}]}]}`,
		},
		{
			name: "responses-style image part",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":[
				{"type":"input_image","image_url":"https://x/a.png","detail":"high"}]}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_image",
				"image_url":"https://x/a.png","detail":"high"}]}]}`,
		},
		{
			name: "tool history with null content",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"Weather?"},
				{"role":"assistant","content":null,"reasoning_content":"think",
				"tool_calls":[{"id":"call_AAA111","type":"function","function":{
				"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
				{"role":"tool","tool_call_id":"call_AAA111","content":"18°C, sunny"}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_text",
				"text":"Weather?"}]},{"type":"function_call","name":"get_weather",
				"arguments":"{\"city\":\"Paris\"}","call_id":"call_AAA111"},
				{"type":"function_call_output","call_id":"call_AAA111",
				"output":"18°C, sunny"}]}`,
		},
		{
			name: "assistant text and refusal kept, object arguments tolerated",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"},
				{"role":"assistant","content":[{"type":"text","text":"Sure."},
				{"type":"refusal","refusal":"Not that."}],"refusal":"No.",
				"tool_calls":[{"id":"c1","type":"function","function":{"name":"f",
				"arguments":{"a":1}}}]},
				{"role":"tool","tool_call_id":"c1","content":[{"type":"text","text":"ok"}]}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_text",
				"text":"x"}]},{"type":"message","role":"assistant","content":[
				{"type":"output_text","text":"Sure."},{"type":"output_text","text":"Not that."},
				{"type":"output_text","text":"No."}]},{"type":"function_call","name":"f",
				"arguments":"{\"a\":1}","call_id":"c1"},{"type":"function_call_output",
				"call_id":"c1","output":"ok"}]}`,
		},
		{
			name: "orphaned tool result becomes a user message",
			body: `{"model":"gpt-5.4","messages":[{"role":"tool","tool_call_id":"call_X",
				"name":"lookup","content":"42"}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_text",
				"text":"Result of lookup (call call_X):\n42"}]}]}`,
		},
		{
			name: "legacy function call and result paired by name",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"},
				{"role":"assistant","content":null,"function_call":{"name":"f",
				"arguments":"{}"}},{"role":"function","name":"f","content":"done"}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_text",
				"text":"x"}]},{"type":"function_call","name":"f","arguments":"{}",
				"call_id":"call_legacy_1"},{"type":"function_call_output",
				"call_id":"call_legacy_1","output":"done"}]}`,
		},
		{
			name: "custom tool call history",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"},
				{"role":"assistant","tool_calls":[{"id":"c9","type":"custom","custom":{
				"name":"apply_patch","input":"*** Begin"}}]},
				{"role":"tool","tool_call_id":"c9","content":"applied"}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_text",
				"text":"x"}]},{"type":"custom_tool_call","call_id":"c9","name":"apply_patch",
				"input":"*** Begin"},{"type":"custom_tool_call_output","call_id":"c9",
				"output":"applied"}]}`,
		},
		{
			name: "function tools flattened with strict, custom flattened, named choice",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"tools":[{"type":"function","function":{"name":"get_weather",
				"description":"Weather","parameters":{"type":"object","properties":{
				"city":{"type":"string"}}},"strict":true}},
				{"type":"custom","custom":{"name":"apply_patch","description":"Patch"}},
				{"type":"function","function":{"name":"noargs"}}],
				"tool_choice":{"type":"function","function":{"name":"get_weather"}}}`,
			want: `{"tools":[{"type":"function","name":"get_weather","description":"Weather",
				"parameters":{"type":"object","properties":{"city":{"type":"string"}}},
				"strict":true},{"type":"custom","name":"apply_patch","description":"Patch"},
				{"type":"function","name":"noargs","parameters":{"type":"object",
				"properties":{}}}],
				"tool_choice":{"type":"function","name":"get_weather"},
				"parallel_tool_calls":true}`,
		},
		{
			name: "allowed_tools choice becomes its mode; parallel off",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"tools":[{"type":"function","function":{"name":"f"}}],
				"tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"required",
				"tools":[{"type":"function","function":{"name":"f"}}]}},
				"parallel_tool_calls":false}`,
			want: `{"tool_choice":"required","parallel_tool_calls":false}`,
		},
		{
			name: "string tool choice passes",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none"}`,
			want: `{"tool_choice":"none"}`,
		},
		{
			name: "legacy functions and function_call",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"functions":[{"name":"f","parameters":{"type":"object"}}],
				"function_call":{"name":"f"}}`,
			want: `{"tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],
				"tool_choice":{"type":"function","name":"f"}}`,
		},
		{
			name: "tool choice without tools dropped",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"tool_choice":"auto","tools":[]}`,
			want: `{"tool_choice":null,"tools":[]}`,
		},
		{
			name: "reasoning_effort",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"reasoning_effort":"high"}`,
			want: `{"reasoning":{"effort":"high","summary":"auto"}}`,
		},
		{
			name: "reasoning.effort clamped",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"reasoning":{"effort":"minimal"}}`,
			want: `{"reasoning":{"effort":"low","summary":"auto"}}`,
		},
		{
			name: "model suffix beats the body, :latest stripped",
			body: `{"model":"gpt-5.4-xhigh:latest","messages":[{"role":"user","content":"x"}],
				"reasoning_effort":"low"}`,
			want: `{"model":"gpt-5.4","reasoning":{"effort":"xhigh","summary":"auto"}}`,
		},
		{
			name: "model without reasoning",
			body: `{"model":"codex-mini","messages":[{"role":"user","content":"x"}],
				"reasoning_effort":"high","verbosity":"low"}`,
			want: `{"reasoning":null,"include":[],"text":null}`,
		},
		{
			name: "verbosity and json_schema",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"verbosity":"low","response_format":{"type":"json_schema","json_schema":{
				"name":"answer","description":"An answer","schema":{"type":"object"},
				"strict":true}}}`,
			want: `{"text":{"verbosity":"low","format":{"type":"json_schema","name":"answer",
				"description":"An answer","schema":{"type":"object"},"strict":true}}}`,
		},
		{
			name: "json_object",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"response_format":{"type":"json_object"}}`,
			want: `{"text":{"format":{"type":"json_object"}}}`,
		},
		{
			name: "text format means none; ignored parameters dropped",
			body: `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}],
				"response_format":{"type":"text"},"max_tokens":5,"max_completion_tokens":9,
				"temperature":0,"top_p":1,"stop":["x"],"user":"u","metadata":{"a":"b"},
				"store":true,"seed":1,"logit_bias":{"1":2},"n":1,"service_tier":"auto",
				"prompt_cache_key":"conv-1","safety_identifier":"s"}`,
			want: `{"text":null,"prompt_cache_key":"conv-1","store":false}`,
		},
	}
	checkMappings(t, chatDraft, tests)
}

func TestDecodeChat_Options(t *testing.T) {
	tests := []struct {
		name string
		body string
		want ChatOptions
	}{
		{"defaults", `{"model":"gpt-5.4","messages":[{"role":"user","content":"x"}]}`,
			ChatOptions{Model: "gpt-5.4"}},
		{"stream with usage", `{"model":"gpt-5.4:latest","stream":true,
			"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`,
			ChatOptions{Stream: true, IncludeUsage: true, Model: "gpt-5.4:latest"}},
		{"cursor body", `{"model":"gpt-5.4-high","stream":true,"input":[{"role":"user",
			"content":"x"}],"stream_options":{"include_usage":true}}`,
			ChatOptions{Stream: true, IncludeUsage: true, Model: "gpt-5.4-high"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, opts, err := DecodeChat([]byte(tt.body), testModels)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeChat_CursorBody checks C11: a Responses-shaped body sent to chat completions.
func TestDecodeChat_CursorBody(t *testing.T) {
	body := `{"model":"gpt-5.4","stream":true,"input":[
		{"role":"system","content":"You are Cursor."},
		{"type":"message","role":"user","content":[{"type":"input_text","text":"Fix it"}]},
		{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"s"}],
		"encrypted_content":"enc"},
		{"type":"function_call","id":"fc_1","call_id":"call_1","name":"read","arguments":"{}"},
		{"type":"function_call_output","call_id":"call_1","output":"text"}],
		"tools":[{"type":"function","name":"read","parameters":{"type":"object"}}],
		"reasoning":{"effort":"high","summary":"auto"},"include":["reasoning.encrypted_content"],
		"text":{"verbosity":"medium"},"stream_options":{"include_usage":true},"store":false}`
	d, _, err := DecodeChat([]byte(body), testModels)
	if err != nil {
		t.Fatal(err)
	}
	subset(t, built(t, d), `{"instructions":"You are Cursor.","input":[
		{"type":"message","role":"user","content":[{"type":"input_text","text":"Fix it"}]},
		{"type":"reasoning","summary":[{"type":"summary_text","text":"s"}],
		"encrypted_content":"enc"},
		{"type":"function_call","name":"read","arguments":"{}","call_id":"call_1"},
		{"type":"function_call_output","call_id":"call_1","output":"text"}],
		"tools":[{"type":"function","name":"read","parameters":{"type":"object"}}],
		"reasoning":{"effort":"high","summary":"auto"},"text":{"verbosity":"medium"}}`)
}

func TestDecodeChat_Errors(t *testing.T) {
	const user = `[{"role":"user","content":"x"}]`
	tests := []errorCase{
		{"empty body", ``, canon.KindInvalidRequest, "", "invalid JSON"},
		{"cut short", `{"model":"gpt-5.4","messages":[{"role":"user","content":"sk-secret"`,
			canon.KindInvalidRequest, "", "invalid JSON: the request body ends early"},
		{"malformed", `{"model":"gpt-5.4","messages":[{"role":"user","content":sk-secret}]}`,
			canon.KindInvalidRequest, "", "invalid JSON: syntax error at byte"},
		{"not an object", `[1,2]`, canon.KindInvalidRequest, "", "must be a JSON object"},
		{"wrong type", `{"model":"gpt-5.4","stream":"sk-secret","messages":` + user + `}`,
			canon.KindInvalidRequest, "stream", "stream must be a boolean, not a string"},
		{"no messages nor input", `{"model":"gpt-5.4"}`, canon.KindInvalidRequest,
			"messages", "messages is required"},
		{"empty messages", `{"model":"gpt-5.4","messages":[]}`, canon.KindInvalidRequest,
			"messages", "at least one"},
		{"messages not an array", `{"model":"gpt-5.4","messages":{}}`,
			canon.KindInvalidRequest, "messages", "must be an array"},
		{"n is 2", `{"model":"gpt-5.4","n":2,"messages":` + user + `}`,
			canon.KindInvalidRequest, "n", "n must be 1"},
		{"unknown model", `{"model":"gpt-9","messages":` + user + `}`, canon.KindNotFound,
			"model", `"gpt-9" not found`},
		{"no model", `{"messages":` + user + `}`, canon.KindInvalidRequest, "model", "no model"},
		{"audio", `{"model":"gpt-5.4","messages":[{"role":"user","content":[{"type":
			"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}`,
			canon.KindInvalidRequest, "messages[0].content[0].type", "input_audio content is not"},
		{"file", `{"model":"gpt-5.4","messages":[{"role":"user","content":[{"type":"file",
			"file":{"file_id":"f"}}]}]}`, canon.KindInvalidRequest,
			"messages[0].content[0].type", "file content is not supported"},
		{"unknown part", `{"model":"gpt-5.4","messages":[{"role":"user","content":[
			{"type":"video"}]}]}`, canon.KindInvalidRequest, "messages[0].content[0].type",
			`"video" is not supported`},
		{"bad role", `{"model":"gpt-5.4","messages":[{"role":"robot","content":"x"}]}`,
			canon.KindInvalidRequest, "messages[0].role", `"robot"`},
		{"message not an object", `{"model":"gpt-5.4","messages":[{"role":"user",
			"content":"x"},3]}`, canon.KindInvalidRequest, "messages[1]", "must be an object"},
		{"tool without id", `{"model":"gpt-5.4","messages":[{"role":"tool","content":"x"}]}`,
			canon.KindInvalidRequest, "messages[0].tool_call_id", "is required"},
		{"tool call without id", `{"model":"gpt-5.4","messages":[{"role":"assistant",
			"tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]}`,
			canon.KindInvalidRequest, "messages[0].tool_calls[0].id", "is required"},
		{"bad image url", `{"model":"gpt-5.4","messages":[{"role":"user","content":[
			{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}`,
			canon.KindInvalidRequest, "messages[0].content[0].image_url", "data: URL"},
		{"image without url", `{"model":"gpt-5.4","messages":[{"role":"user","content":[
			{"type":"image_url"}]}]}`, canon.KindInvalidRequest,
			"messages[0].content[0].image_url", "is required"},
		{"image url a number", `{"model":"gpt-5.4","messages":[{"role":"user","content":[
			{"type":"image_url","image_url":7}]}]}`, canon.KindInvalidRequest,
			"messages[0].content[0].image_url", "must be a URL"},
		{"image in system", `{"model":"gpt-5.4","messages":[{"role":"system","content":[
			{"type":"image_url","image_url":"https://x/a.png"}]}]}`,
			canon.KindInvalidRequest, "messages[0].content", "must be text"},
		{"bad tool choice", `{"model":"gpt-5.4","tool_choice":"sometimes","messages":` +
			user + `}`, canon.KindInvalidRequest, "tool_choice", `"auto", "none"`},
		{"tool without name", `{"model":"gpt-5.4","tools":[{"type":"function",
			"function":{}}],"messages":` + user + `}`, canon.KindInvalidRequest,
			"tools[0].function.name", "is required"},
		{"schema missing", `{"model":"gpt-5.4","response_format":{"type":"json_schema",
			"json_schema":{"name":"x"}},"messages":` + user + `}`, canon.KindInvalidRequest,
			"response_format.json_schema.schema", "JSON schema object"},
		{"unknown format", `{"model":"gpt-5.4","response_format":{"type":"yaml"},
			"messages":` + user + `}`, canon.KindInvalidRequest, "response_format.type",
			"must be"},
	}
	checkErrors(t, chatDraft, tests)
}

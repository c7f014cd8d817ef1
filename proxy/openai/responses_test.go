package openai

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
)

func TestDecodeResponses_Mapping(t *testing.T) {
	tests := []mappingCase{
		{
			name: "string input",
			body: `{"model":"gpt-5.4","input":"Hello"}`,
			want: `{"instructions":"You are a helpful assistant.","input":[{"type":"message",
				"role":"user","content":[{"type":"input_text","text":"Hello"}]}],
				"store":false,"stream":true}`,
		},
		{
			name: "instructions first, then system and developer items",
			body: `{"model":"gpt-5.4","instructions":"Top.","input":[
				{"role":"developer","content":"Dev."},
				{"type":"message","role":"system","content":[{"type":"input_text",
				"text":"Sys."}]},{"role":"user","content":"Hi"}]}`,
			want: `{"instructions":"Top.\n\nDev.\n\nSys.","input":[{"type":"message",
				"role":"user","content":[{"type":"input_text","text":"Hi"}]}]}`,
		},
		{
			name: "ids stripped, references and bare reasoning dropped",
			body: `{"model":"gpt-5.4","store":true,"input":[
				{"type":"message","id":"msg_1","role":"user","content":"Q"},
				{"type":"item_reference","id":"msg_0"},
				{"type":"reasoning","id":"rs_0","summary":[]},
				{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"t"}],
				"encrypted_content":"enc"},
				{"type":"message","id":"msg_2","role":"assistant","status":"completed",
				"content":[{"type":"output_text","text":"A","annotations":[]},
				{"type":"refusal","refusal":"R"}]},
				{"type":"function_call","id":"fc_1","call_id":"call_1","name":"f",
				"arguments":"{}","status":"completed"},
				{"type":"function_call_output","id":"fco_1","call_id":"call_1",
				"output":[{"type":"input_text","text":"out"}]},
				{"type":"custom_tool_call","id":"ctc_1","call_id":"call_2","name":"p",
				"input":"x"}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_text",
				"text":"Q"}]},{"type":"reasoning","summary":[{"type":"summary_text","text":"t"}],
				"encrypted_content":"enc"},{"type":"message","role":"assistant","content":[
				{"type":"output_text","text":"A"},{"type":"output_text","text":"R"}]},
				{"type":"function_call","name":"f","arguments":"{}","call_id":"call_1"},
				{"type":"function_call_output","call_id":"call_1","output":[
				{"type":"input_text","text":"out"}]},
				{"type":"custom_tool_call","call_id":"call_2","name":"p","input":"x"}],
				"store":false}`,
		},
		{
			name: "orphaned output names its tool when known",
			body: `{"model":"gpt-5.4","input":[{"type":"function_call_output",
				"call_id":"call_9","output":"r"}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_text",
				"text":"Result of a tool (call call_9):\nr"}]}]}`,
		},
		{
			name: "image",
			body: `{"model":"gpt-5.4","input":[{"role":"user","content":[
				{"type":"input_text","text":"See"},{"type":"input_image","detail":"high",
				"image_url":"data:image/jpeg;base64,/9j/4AAQ"}]}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[
				{"type":"input_text","text":"See"},{"type":"input_image",
				"image_url":"data:image/jpeg;base64,/9j/4AAQ","detail":"high"}]}]}`,
		},
		{
			name: "chat-style image part",
			body: `{"model":"gpt-5.4","input":[{"role":"user","content":[
				{"type":"image_url","image_url":{"url":"https://x/a.png","detail":"low"}}]}]}`,
			want: `{"input":[{"type":"message","role":"user","content":[{"type":"input_image",
				"image_url":"https://x/a.png","detail":"low"}]}]}`,
		},
		{
			name: "flat tools, hosted tools raw, choice, parallel",
			body: `{"model":"gpt-5.4","input":"x","tools":[{"type":"function","name":"f",
				"description":"d","parameters":{"type":"object"},"strict":false},
				{"type":"web_search"}],"tool_choice":{"type":"function","name":"f"},
				"parallel_tool_calls":false}`,
			want: `{"tools":[{"type":"function","name":"f","description":"d",
				"parameters":{"type":"object"},"strict":false},{"type":"web_search"}],
				"tool_choice":{"type":"function","name":"f"},"parallel_tool_calls":false}`,
		},
		{
			name: "allowed tools auto",
			body: `{"model":"gpt-5.4","input":"x","tools":[{"type":"function","name":"f"}],
				"tool_choice":{"type":"allowed_tools","mode":"auto","tools":[]}}`,
			want: `{"tool_choice":"auto"}`,
		},
		{
			name: "reasoning, text format and verbosity, cache key",
			body: `{"model":"gpt-5.5","input":"x","reasoning":{"effort":"none",
				"summary":"detailed"},"text":{"verbosity":"high","format":{
				"type":"json_schema","name":"r","schema":{"type":"object"},"strict":true}},
				"prompt_cache_key":"k1","include":["reasoning.encrypted_content"],
				"max_output_tokens":100,"temperature":0.2,"truncation":"auto"}`,
			want: `{"model":"gpt-5.5","reasoning":{"effort":"none","summary":"auto"},
				"text":{"verbosity":"high","format":{"type":"json_schema","name":"r",
				"schema":{"type":"object"},"strict":true}},"prompt_cache_key":"k1"}`,
		},
	}
	checkMappings(t, responsesDraft, tests)
}

func TestDecodeResponses_Options(t *testing.T) {
	_, opts, err := DecodeResponses([]byte(`{"model":"gpt-5.4:latest","input":"x",
		"stream":true}`), testModels)
	if err != nil {
		t.Fatal(err)
	}
	want := ResponsesOptions{Stream: true, Model: "gpt-5.4:latest"}
	if diff := cmp.Diff(want, opts, cmp.AllowUnexported(ResponsesOptions{})); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

func TestDecodeResponses_Errors(t *testing.T) {
	tests := []errorCase{
		{"previous response", `{"model":"gpt-5.4","input":"x","previous_response_id":"r"}`,
			canon.KindInvalidRequest, "previous_response_id", "send the full conversation"},
		{"conversation", `{"model":"gpt-5.4","input":"x","conversation":"conv_1"}`,
			canon.KindInvalidRequest, "conversation", "not supported"},
		{"no input", `{"model":"gpt-5.4"}`, canon.KindInvalidRequest, "input", "required"},
		{"input number", `{"model":"gpt-5.4","input":3}`, canon.KindInvalidRequest, "input",
			"string or an array"},
		{"file", `{"model":"gpt-5.4","input":[{"role":"user","content":[{"type":"input_file",
			"file_id":"f"}]}]}`, canon.KindInvalidRequest, "input[0].content[0].type",
			"input_file content is not supported"},
		{"image without url", `{"model":"gpt-5.4","input":[{"role":"user","content":[
			{"type":"input_image"}]}]}`, canon.KindInvalidRequest,
			"input[0].content[0].image_url", "is required"},
		{"chat file part", `{"model":"gpt-5.4","input":[{"role":"user","content":[
			{"type":"file","file":{"file_id":"f"}}]}]}`, canon.KindInvalidRequest,
			"input[0].content[0].type", "file content is not supported"},
		{"image by file id", `{"model":"gpt-5.4","input":[{"role":"user","content":[
			{"type":"input_image","file_id":"f"}]}]}`, canon.KindInvalidRequest,
			"input[0].content[0].file_id", "not supported"},
		{"image in assistant", `{"model":"gpt-5.4","input":[{"role":"assistant","content":[
			{"type":"input_image","image_url":"https://x/a.png"}]}]}`,
			canon.KindInvalidRequest, "input[0].content[0]", "only user messages"},
		{"bad role", `{"model":"gpt-5.4","input":[{"role":"tool","content":"x"}]}`,
			canon.KindInvalidRequest, "input[0].role", `"tool"`},
		{"call without id", `{"model":"gpt-5.4","input":[{"type":"function_call",
			"name":"f","arguments":"{}"}]}`, canon.KindInvalidRequest, "input[0].call_id",
			"required"},
		{"output not text", `{"model":"gpt-5.4","input":[{"type":"function_call_output",
			"call_id":"c","output":5}]}`, canon.KindInvalidRequest, "input[0].output",
			"string or an array"},
		{"instructions not a string", `{"model":"gpt-5.4","input":"x","instructions":[1]}`,
			canon.KindInvalidRequest, "instructions", "must be a string"},
		{"unknown model", `{"model":"o9","input":"x"}`, canon.KindNotFound, "model",
			"not found"},
		{"item not an object", `{"model":"gpt-5.4","input":["x"]}`, canon.KindInvalidRequest,
			"input[0]", "must be an object"},
	}
	checkErrors(t, responsesDraft, tests)
}

func TestDecodeResponses_PreviousResponseCode(t *testing.T) {
	_, _, err := DecodeResponses([]byte(`{"model":"gpt-5.4","input":"x",
		"previous_response_id":"resp_1"}`), testModels)
	if e := canon.AsError(err); e.Code != "previous_response_not_found" {
		t.Errorf("code %q, want previous_response_not_found", e.Code)
	}
}

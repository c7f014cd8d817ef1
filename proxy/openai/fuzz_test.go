package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lagp/lagp/proxy/canon"
)

// fuzzSeeds are bodies that reach most branches of the decoders.
var fuzzSeeds = []string{
	`{"model":"gpt-5.4","messages":[{"role":"system","content":"s"},{"role":"user",` +
		`"content":[{"type":"text","text":"t"},{"type":"image_url","image_url":{"url":` +
		`"data:image/png;base64,AA","detail":"low"}}]}],"stream":true,` +
		`"stream_options":{"include_usage":true},"n":1}`,
	`{"model":"gpt-5.4-high:latest","messages":[{"role":"user","content":"x"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",` +
		`"function":{"name":"f","arguments":"{}"}},{"id":"d","type":"custom","custom":` +
		`{"name":"p","input":"i"}}]},{"role":"tool","tool_call_id":"c","content":"r"},` +
		`{"role":"assistant","function_call":{"name":"g","arguments":{"a":1}}},` +
		`{"role":"function","name":"g","content":"r"}],"tools":[{"type":"function",` +
		`"function":{"name":"f","parameters":{"type":"object"},"strict":true}},` +
		`{"type":"custom","custom":{"name":"p"}}],"tool_choice":{"type":"allowed_tools",` +
		`"allowed_tools":{"mode":"required"}},"parallel_tool_calls":false,` +
		`"reasoning_effort":"minimal","verbosity":"low","response_format":{"type":` +
		`"json_schema","json_schema":{"name":"n","schema":{"type":"object"}}}}`,
	`{"model":"gpt-5.4","input":[{"role":"developer","content":"d"},{"type":"message",` +
		`"id":"m","role":"assistant","content":[{"type":"output_text","text":"a"}]},` +
		`{"type":"reasoning","id":"r","summary":[{"type":"summary_text","text":"s"}],` +
		`"encrypted_content":"e"},{"type":"function_call","id":"f","call_id":"c",` +
		`"name":"n","arguments":"{}"},{"type":"function_call_output","call_id":"c",` +
		`"output":[{"type":"input_text","text":"o"}]},{"type":"item_reference","id":"x"},` +
		`{"type":"web_search_call","id":"w","status":"completed"}],"instructions":"i",` +
		`"tools":[{"type":"function","name":"n"},{"type":"web_search"}],"tool_choice":` +
		`{"type":"function","name":"n"},"reasoning":{"effort":"high"},"text":{"format":` +
		`{"type":"json_object"},"verbosity":"high"},"prompt_cache_key":"k","store":true}`,
	`{"model":"gpt-5.4","input":"hello","previous_response_id":"r"}`,
	`{"model":"gpt-5.4","prompt":["once"],"suffix":"","echo":false,"stream":true}`,
	`{"model":"gpt-5.4","prompt":[[1,2]]}`,
	`{"model":"gpt-9"}`,
	`[]`,
	`{"model":"gpt-5.4","messages":[{"role":"user","content":[{"type":"input_audio"}]}]}`,
}

// checkDecoded checks the decoder contract: a *canon.Error on failure, and on success a draft
// that canon builds into a body that marshals.
func checkDecoded(t *testing.T, d *canon.Draft, err error) {
	if err != nil {
		var e *canon.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is a %T, not a *canon.Error", err, err)
		}
		if e.Kind != canon.KindInvalidRequest && e.Kind != canon.KindNotFound {
			t.Fatalf("decoder error of kind %d", e.Kind)
		}
		return
	}
	req, _ := d.Build(nil)
	b, merr := json.Marshal(req)
	if merr != nil || !json.Valid(b) {
		t.Fatalf("built request does not marshal: %v", merr)
	}
}

func FuzzDecodeChat(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, _, err := DecodeChat(body, testModels)
		checkDecoded(t, d, err)
	})
}

func FuzzDecodeResponses(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, _, err := DecodeResponses(body, testModels)
		checkDecoded(t, d, err)
	})
}

func FuzzDecodeCompletion(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, _, err := DecodeCompletion(body, testModels)
		checkDecoded(t, d, err)
	})
}

// FuzzChatStream checks that any text, reasoning, tool name or argument piece comes out as one
// valid JSON line per chunk and reads back as sent (invalid UTF-8 replaced).
func FuzzChatStream(f *testing.F) {
	f.Add("Hello", "get_weather", "{\"a\":1}")
	f.Add("line\nbreak\u2028\x00\"\\", "n\xff", "\t")
	f.Fuzz(func(t *testing.T, text, name, args string) {
		var out bytes.Buffer
		enc := NewChatStream(&out, Meta{ID: text, Model: name}, ChatOptions{
			IncludeUsage: true, ReasoningField: ReasoningBoth})
		for _, d := range []canon.Delta{{Kind: canon.DeltaReasoning, Text: text},
			{Kind: canon.DeltaText, Text: text},
			{Kind: canon.DeltaToolCall, CallID: text, Name: name},
			{Kind: canon.DeltaToolArgs, Text: args},
			{Kind: canon.DeltaDone}} {
			if err := enc.Delta(d); err != nil {
				t.Fatal(err)
			}
		}
		var content, reasoning, gotArgs strings.Builder
		for _, ev := range strings.Split(strings.TrimSuffix(out.String(), "\n\n"), "\n\n") {
			data, ok := strings.CutPrefix(ev, "data: ")
			if !ok || strings.ContainsAny(data, "\r\n") {
				t.Fatalf("bad event framing: %q", ev)
			}
			if data == "[DONE]" {
				continue
			}
			readChunk(t, data, &content, &reasoning, &gotArgs)
		}
		if content.String() != validUTF8(text) || reasoning.String() != validUTF8(text) ||
			gotArgs.String() != validUTF8(args) {
			t.Fatalf("round trip lost data: %q %q %q", content.String(), reasoning.String(),
				gotArgs.String())
		}
	})
}

// validUTF8 replaces each invalid byte with U+FFFD, as encoding/json and appendString do.
func validUTF8(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // ranging yields U+FFFD for each invalid byte
	}
	return b.String()
}

func readChunk(t *testing.T, data string, content, reasoning, args *strings.Builder) {
	var c struct {
		Choices []struct {
			Delta struct {
				Content          string `json:"content"`
				ReasoningContent string `json:"reasoning_content"`
				ToolCalls        []struct {
					Function struct {
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"delta"`
		} `json:"choices"`
	}
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		t.Fatalf("chunk is not JSON: %v: %q", err, data)
	}
	for _, ch := range c.Choices {
		content.WriteString(ch.Delta.Content)
		reasoning.WriteString(ch.Delta.ReasoningContent)
		for _, tc := range ch.Delta.ToolCalls {
			args.WriteString(tc.Function.Arguments)
		}
	}
}

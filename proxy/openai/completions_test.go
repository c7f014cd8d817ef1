package openai

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/openai/openai-go/v3"
)

func TestDecodeCompletion(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
		opts CompletionOptions
	}{
		{"string prompt", `{"model":"gpt-5.4","prompt":"Once upon","max_tokens":5,
			"temperature":0.5,"suffix":"","best_of":1,"logprobs":null}`,
			`{"instructions":"You are a helpful assistant.","input":[{"type":"message",
			"role":"user","content":[{"type":"input_text","text":"Once upon"}]}]}`,
			CompletionOptions{Model: "gpt-5.4"}},
		{"list of one", `{"model":"gpt-5.4-high","prompt":["Once"],"stream":true,
			"stream_options":{"include_usage":true}}`,
			`{"reasoning":{"effort":"high","summary":"auto"},"input":[{"type":"message",
			"role":"user","content":[{"type":"input_text","text":"Once"}]}]}`,
			CompletionOptions{Stream: true, IncludeUsage: true, Model: "gpt-5.4-high"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, opts, err := DecodeCompletion([]byte(tt.body), testModels)
			if err != nil {
				t.Fatal(err)
			}
			subset(t, built(t, d), tt.want)
			if diff := cmp.Diff(tt.opts, opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCompletion_Errors(t *testing.T) {
	const bad = canon.KindInvalidRequest
	tests := []errorCase{
		{"suffix", `{"model":"gpt-5.4","prompt":"a","suffix":"b"}`, bad, "suffix",
			"not supported"},
		{"echo", `{"model":"gpt-5.4","prompt":"a","echo":true}`, bad, "echo", "not supported"},
		{"n", `{"model":"gpt-5.4","prompt":"a","n":3}`, bad, "n", "must be 1"},
		{"no prompt", `{"model":"gpt-5.4"}`, bad, "prompt", "required"},
		{"two prompts", `{"model":"gpt-5.4","prompt":["a","b"]}`, bad, "prompt", "one prompt"},
		{"empty list", `{"model":"gpt-5.4","prompt":[]}`, bad, "prompt", "empty"},
		{"tokens", `{"model":"gpt-5.4","prompt":[[1,2]]}`, bad, "prompt", "token arrays"},
		{"number", `{"model":"gpt-5.4","prompt":1}`, bad, "prompt", "string or a list"},
		{"model", `{"model":"davinci","prompt":"a"}`, canon.KindNotFound, "model", "not found"},
		{"json", `{"model":`, bad, "", "invalid JSON"},
		{"prompt list of objects", `{"model":"gpt-5.4","prompt":[{"sk-secret":1}]}`, bad,
			"prompt", "token arrays"},
		{"stream a number", `{"model":"gpt-5.4","prompt":"sk-secret","stream":7}`, bad,
			"stream", "stream must be a boolean, not a number"},
	}
	checkErrors(t, completionDraft, tests)
}

func TestCompletionStream_Fixtures(t *testing.T) {
	tests := []struct {
		fixture, golden string
		opts            CompletionOptions
	}{
		{"f1", "completion_f1.sse", CompletionOptions{}},
		{"f2", "completion_f2_usage.sse", CompletionOptions{IncludeUsage: true}},
		{"f5d", "completion_f5d.sse", CompletionOptions{}},
	}
	meta := Meta{ID: "cmpl-test", Created: testMeta.Created, Model: "gpt-5.4"}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var out bytes.Buffer
			encode(t, fixture(t, tt.fixture), NewCompletionStream(&out, meta, tt.opts))
			checkSSE(t, out.Bytes())
			golden(t, tt.golden, out.Bytes())
			text := ""
			for _, line := range dataLines(t, out.Bytes()) {
				var c openai.Completion
				if line == "[DONE]" || json.Unmarshal([]byte(line), &c) != nil {
					continue
				}
				for _, ch := range c.Choices {
					text += ch.Text
				}
			}
			if tt.fixture == "f1" && text != "Hello, world!" {
				t.Errorf("SDK read %q, want the F1 text", text)
			}
		})
	}
}

func TestCompletionResponse(t *testing.T) {
	meta := Meta{ID: "cmpl-test", Created: testMeta.Created, Model: "gpt-5.4"}
	got := CompletionResponse(meta, collect(t, fixture(t, "f1")), CompletionOptions{})
	want := `{"id":"cmpl-test","object":"text_completion","created":1760000000,` +
		`"model":"gpt-5.4","choices":[{"text":"Hello, world!","index":0,"logprobs":null,` +
		`"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,` +
		`"total_tokens":17,"prompt_tokens_details":{"cached_tokens":0},` +
		`"completion_tokens_details":{"reasoning_tokens":0}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var c openai.Completion
	if err := json.Unmarshal(got, &c); err != nil || c.Usage.TotalTokens != 17 {
		t.Errorf("SDK read %+v, %v", c, err)
	}
}

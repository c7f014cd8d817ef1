package openai

import (
	"encoding/json"
	"testing"

	"github.com/openai/openai-go/v3"
)

func TestChatResponse(t *testing.T) {
	tests := []struct {
		fixture string
		opts    ChatOptions
		want    string
	}{
		{"f1", ChatOptions{}, `{"id":"chatcmpl-test","object":"chat.completion",` +
			`"created":1760000000,"model":"gpt-5.4","choices":[{"index":0,"message":{` +
			`"role":"assistant","content":"Hello, world!","refusal":null},"logprobs":null,` +
			`"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5,` +
			`"total_tokens":17,"prompt_tokens_details":{"cached_tokens":0},` +
			`"completion_tokens_details":{"reasoning_tokens":0}}}`},
		{"f2", ChatOptions{ReasoningField: ReasoningBoth}, `{"id":"chatcmpl-test",` +
			`"object":"chat.completion","created":1760000000,"model":"gpt-5.4","choices":[{` +
			`"index":0,"message":{"role":"assistant","content":"4","refusal":null,` +
			`"reasoning_content":"**Planning**\n\nCheck the sum.\n\n**Answering**\n\n2+2=4.",` +
			`"reasoning":"**Planning**\n\nCheck the sum.\n\n**Answering**\n\n2+2=4."},` +
			`"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":30,` +
			`"completion_tokens":90,"total_tokens":120,"prompt_tokens_details":{` +
			`"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":64}}}`},
		{"f3", ChatOptions{}, `{"id":"chatcmpl-test","object":"chat.completion",` +
			`"created":1760000000,"model":"gpt-5.4","choices":[{"index":0,"message":{` +
			`"role":"assistant","content":null,"refusal":null,"tool_calls":[{` +
			`"id":"call_AAA111","type":"function","function":{"name":"get_weather",` +
			`"arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,` +
			`"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":80,` +
			`"completion_tokens":18,"total_tokens":98,"prompt_tokens_details":{` +
			`"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got := ChatResponse(testMeta, collect(t, fixture(t, tt.fixture)), tt.opts)
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			var cc openai.ChatCompletion
			if err := json.Unmarshal(got, &cc); err != nil {
				t.Fatalf("the SDK cannot read it: %v", err)
			}
		})
	}
}

func TestChatResponse_F4ParallelCalls(t *testing.T) {
	for _, name := range []string{"f4", "f4i"} {
		got := ChatResponse(testMeta, collect(t, fixture(t, name)), ChatOptions{})
		var cc openai.ChatCompletion
		if err := json.Unmarshal(got, &cc); err != nil {
			t.Fatal(err)
		}
		calls := cc.Choices[0].Message.ToolCalls
		if len(calls) != 2 || calls[0].ID != "call_P1" || calls[1].ID != "call_P2" ||
			calls[0].Function.Arguments != `{"path":"a.txt"}` ||
			calls[1].Function.Arguments != `{"path":"b.txt"}` {
			t.Errorf("%s: calls %+v", name, calls)
		}
		if cc.Usage.CompletionTokensDetails.ReasoningTokens != 12 {
			t.Errorf("%s: reasoning tokens %d, want 12", name,
				cc.Usage.CompletionTokensDetails.ReasoningTokens)
		}
	}
}

package openai

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/wire"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// sdkCall is a tool call as the SDK accumulated it.
type sdkCall struct{ ID, Name, Args string }

// TestChatStream_OpenAIGoAccumulator feeds the encoder's chunks to the official Go SDK's
// accumulator: every chunk must be accepted and the result must match the fixture.
func TestChatStream_OpenAIGoAccumulator(t *testing.T) {
	tests := []struct {
		fixture string
		opts    ChatOptions
		content string
		calls   []sdkCall
		finish  string
		usage   [3]int64 // prompt, completion, total; zero unless include_usage
	}{
		{"f1", ChatOptions{IncludeUsage: true}, "Hello, world!", nil, "stop", [3]int64{12, 5, 17}},
		{"f2", ChatOptions{}, "4", nil, "stop", [3]int64{}},
		{"f3", ChatOptions{}, "", []sdkCall{{"call_AAA111", "get_weather",
			`{"city":"Paris"}`}}, "tool_calls", [3]int64{}},
		{"f4", ChatOptions{IncludeUsage: true}, "", []sdkCall{
			{"call_P1", "read_file", `{"path":"a.txt"}`},
			{"call_P2", "read_file", `{"path":"b.txt"}`}}, "tool_calls",
			[3]int64{120, 40, 160}},
		{"f4i", ChatOptions{}, "", []sdkCall{
			{"call_P1", "read_file", `{"path":"a.txt"}`},
			{"call_P2", "read_file", `{"path":"b.txt"}`}}, "tool_calls", [3]int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			var out bytes.Buffer
			encode(t, fixture(t, tt.fixture), NewChatStream(&out, testMeta, tt.opts))
			var acc openai.ChatCompletionAccumulator
			for i, line := range dataLines(t, out.Bytes()) {
				if line == "[DONE]" {
					continue
				}
				var chunk openai.ChatCompletionChunk
				if err := chunk.UnmarshalJSON([]byte(line)); err != nil {
					t.Fatalf("chunk %d: %v", i, err)
				}
				if !acc.AddChunk(chunk) {
					t.Fatalf("AddChunk rejected chunk %d: %s", i, line)
				}
			}
			checkAccumulated(t, acc.ChatCompletion, tt.content, tt.calls, tt.finish, tt.usage)
		})
	}
}

func checkAccumulated(t *testing.T, cc openai.ChatCompletion, content string, calls []sdkCall,
	finish string, usage [3]int64) {
	t.Helper()
	if len(cc.Choices) != 1 {
		t.Fatalf("%d choices, want 1", len(cc.Choices))
	}
	msg := cc.Choices[0].Message
	var got []sdkCall
	for _, tc := range msg.ToolCalls {
		got = append(got, sdkCall{tc.ID, tc.Function.Name, tc.Function.Arguments})
	}
	if diff := cmp.Diff(calls, got); diff != "" {
		t.Errorf("tool calls (-want +got):\n%s", diff)
	}
	if msg.Content != content || cc.Choices[0].FinishReason != finish {
		t.Errorf("content %q finish %q, want %q %q", msg.Content,
			cc.Choices[0].FinishReason, content, finish)
	}
	gotUsage := [3]int64{cc.Usage.PromptTokens, cc.Usage.CompletionTokens, cc.Usage.TotalTokens}
	if gotUsage != usage {
		t.Errorf("usage %v, want %v", gotUsage, usage)
	}
	if cc.ID != testMeta.ID {
		t.Errorf("id %q, want %q", cc.ID, testMeta.ID)
	}
}

// serveSSE serves body as a chat completions stream, the way the glue would.
func serveSSE(t *testing.T, body []byte) openai.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return openai.NewClient(option.WithBaseURL(srv.URL+"/v1"), option.WithAPIKey("x"),
		option.WithMaxRetries(0))
}

func sdkParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: "gpt-5.4",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
}

// TestChatStream_OpenAIGoStreaming reads the encoder's output through the SDK's own SSE reader.
func TestChatStream_OpenAIGoStreaming(t *testing.T) {
	var out bytes.Buffer
	encode(t, fixture(t, "f3"), NewChatStream(&out, testMeta, ChatOptions{}))
	client := serveSSE(t, out.Bytes())
	stream := client.Chat.Completions.NewStreaming(context.Background(), sdkParams())
	var acc openai.ChatCompletionAccumulator
	finished := 0
	for stream.Next() {
		if !acc.AddChunk(stream.Current()) {
			t.Fatal("AddChunk rejected a chunk")
		}
		if _, ok := acc.JustFinishedToolCall(); ok {
			finished++
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	checkAccumulated(t, acc.ChatCompletion, "", []sdkCall{{"call_AAA111", "get_weather",
		`{"city":"Paris"}`}}, "tool_calls", [3]int64{})
	if finished != 1 {
		t.Errorf("JustFinishedToolCall fired %d times, want 1", finished)
	}
}

// TestChatStream_OpenAIGoSeesMidStreamError checks that the SDK surfaces the error frame.
func TestChatStream_OpenAIGoSeesMidStreamError(t *testing.T) {
	var out bytes.Buffer
	encode(t, fixture(t, "f5d"), NewChatStream(&out, testMeta, ChatOptions{}))
	client := serveSSE(t, out.Bytes())
	stream := client.Chat.Completions.NewStreaming(context.Background(), sdkParams())
	for stream.Next() {
	}
	err := stream.Err()
	if err == nil || !strings.Contains(err.Error(), "try again in 11.054s") {
		t.Fatalf("stream error = %v, want the backend's message", err)
	}
}

// TestWriteError_OpenAIGo checks that the SDK decodes every field of an error body.
func TestWriteError_OpenAIGo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, wire.Invalid("n", "n must be 1"))
	}))
	defer srv.Close()
	client := openai.NewClient(option.WithBaseURL(srv.URL+"/v1"), option.WithAPIKey("x"),
		option.WithMaxRetries(0))
	_, err := client.Chat.Completions.New(context.Background(), sdkParams())
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not *openai.Error", err)
	}
	if apiErr.StatusCode != 400 || apiErr.Message != "n must be 1" || apiErr.Param != "n" ||
		apiErr.Type != "invalid_request_error" {
		t.Errorf("SDK saw %d %q %q %q", apiErr.StatusCode, apiErr.Message, apiErr.Param,
			apiErr.Type)
	}
}

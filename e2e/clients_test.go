package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
)

func openaiClient(in *instance, key string) openai.Client {
	if key == "" {
		key = "unused"
	}
	return openai.NewClient(option.WithBaseURL(in.URL+"/v1"), option.WithAPIKey(key),
		option.WithMaxRetries(0))
}

func weatherTool() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name:        "get_weather",
		Description: openai.String("Weather for a city"),
		Parameters: openai.FunctionParameters{"type": "object",
			"properties": map[string]any{"city": map[string]any{"type": "string"}}},
	})
}

func TestOpenAIGoChat(t *testing.T) {
	in := start(t, options{signedIn: true})
	client := openaiClient(in, "")
	ctx := context.Background()

	res, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-5.4",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("[[F1]] hi")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Choices[0].Message.Content; got != "Hello, world!" {
		t.Errorf("content %q", got)
	}
	if res.Usage.TotalTokens != 17 || res.Usage.PromptTokens != 12 {
		t.Errorf("usage %+v", res.Usage)
	}
	if strings.Contains(in.out.String(), "not signed in") {
		t.Errorf("a stored sign-in was not seen at start:\n%s", in.out.String())
	}
}

// TestOpenAIGoStreamAccumulates runs every streamed fixture through the SDK's accumulator,
// which refuses chunks whose id changes and concatenates repeated names.
func TestOpenAIGoStreamAccumulates(t *testing.T) {
	in := start(t, options{signedIn: true})
	client := openaiClient(in, "")
	tests := []struct {
		prompt, content, finish string
		calls                   []string // "id name args"
	}{
		{"[[F1]]", "Hello, world!", "stop", nil},
		{"[[F2]]", "4", "stop", nil},
		{"[[F3]]", "", "tool_calls", []string{`call_AAA111 get_weather {"city":"Paris"}`}},
		{"[[F4]]", "", "tool_calls", []string{`call_P1 read_file {"path":"a.txt"}`,
			`call_P2 read_file {"path":"b.txt"}`}},
		{"[[F4i]]", "", "tool_calls", []string{`call_P1 read_file {"path":"a.txt"}`,
			`call_P2 read_file {"path":"b.txt"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.prompt, func(t *testing.T) {
			stream := client.Chat.Completions.NewStreaming(context.Background(),
				openai.ChatCompletionNewParams{
					Model:         "gpt-5.5",
					Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage(tt.prompt)},
					Tools:         []openai.ChatCompletionToolUnionParam{weatherTool()},
					StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
				})
			var acc openai.ChatCompletionAccumulator
			for stream.Next() {
				if !acc.AddChunk(stream.Current()) {
					t.Fatalf("accumulator refused chunk %s", stream.Current().RawJSON())
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			msg := acc.Choices[0].Message
			if msg.Content != tt.content || string(acc.Choices[0].FinishReason) != tt.finish {
				t.Errorf("content %q finish %q", msg.Content, acc.Choices[0].FinishReason)
			}
			var calls []string
			for _, c := range msg.ToolCalls {
				calls = append(calls, c.ID+" "+c.Function.Name+" "+c.Function.Arguments)
			}
			if strings.Join(calls, "\n") != strings.Join(tt.calls, "\n") {
				t.Errorf("tool calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"),
					strings.Join(tt.calls, "\n"))
			}
			if acc.Usage.TotalTokens == 0 {
				t.Error("no usage chunk with include_usage")
			}
		})
	}
}

func TestOpenAIGoErrors(t *testing.T) {
	in := start(t, options{signedIn: true})
	client := openaiClient(in, "")
	ctx := context.Background()
	ask := func(prompt, model string) error {
		_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:    model,
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(prompt)},
		})
		return err
	}
	tests := []struct {
		prompt, model string
		status        int
		code          string
	}{
		{"[[F5a]]", "gpt-5.4", 429, "usage_limit_reached"},
		{"[[F5b]]", "gpt-5.4", 403, ""},
		{"[[F5c]]", "gpt-5.4", 400, ""},
		{"[[F5d-ctx]]", "gpt-5.4", 400, "context_length_exceeded"},
		{"hi", "gpt-0", 404, "model_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.prompt+tt.model, func(t *testing.T) {
			var apiErr *openai.Error
			if err := ask(tt.prompt, tt.model); !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *openai.Error", err)
			}
			if apiErr.StatusCode != tt.status || (tt.code != "" && apiErr.Code != tt.code) {
				t.Errorf("status %d code %q message %q", apiErr.StatusCode, apiErr.Code,
					apiErr.Message)
			}
		})
	}
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-5.4",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("[[F5d]]")},
	})
	for stream.Next() {
	}
	if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "Rate limit") {
		t.Errorf("mid-stream failure surfaced as %v", err)
	}
}

func TestOpenAIGoResponses(t *testing.T) {
	in := start(t, options{signedIn: true})
	client := openaiClient(in, "")
	res, err := client.Responses.New(context.Background(), responses.ResponseNewParams{
		Model: "gpt-5.4",
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("[[F1]] hi")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.OutputText() != "Hello, world!" || res.Usage.TotalTokens != 17 {
		t.Errorf("output %q usage %+v", res.OutputText(), res.Usage)
	}
}

func TestOpenAIGoAPIKey(t *testing.T) {
	in := start(t, options{signedIn: true, args: []string{"--api-key", "sekrit-key"}})
	wrong, right := openaiClient(in, "wrong"), openaiClient(in, "sekrit-key")
	_, err := wrong.Models.List(context.Background())
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("wrong key: %v", err)
	}
	page, err := right.Models.List(context.Background())
	if err != nil || len(page.Data) == 0 {
		t.Fatalf("right key: %v", err)
	}
}

func ollamaClient(t *testing.T, in *instance) *api.Client {
	u, err := url.Parse(in.URL)
	if err != nil {
		t.Fatal(err)
	}
	return api.NewClient(u, http.DefaultClient)
}

func TestOllamaGoClient(t *testing.T) {
	in := start(t, options{signedIn: true})
	client := ollamaClient(t, in)
	ctx := context.Background()

	list, err := client.List(ctx)
	if err != nil || len(list.Models) == 0 || !strings.HasSuffix(list.Models[0].Name, ":latest") {
		t.Fatalf("list %+v err %v", list, err)
	}
	show, err := client.Show(ctx, &api.ShowRequest{Model: "gpt-5.4:latest"})
	if err != nil || len(show.Capabilities) == 0 {
		t.Fatalf("show %+v err %v", show, err)
	}
	if v, err := client.Version(ctx); err != nil || v == "" {
		t.Errorf("version %q err %v", v, err)
	}

	var text strings.Builder
	var calls []api.ToolCall
	var last api.ChatResponse
	err = client.Chat(ctx, &api.ChatRequest{Model: "gpt-5.4:latest",
		Messages: []api.Message{{Role: "user", Content: "[[F3]] weather?"}}},
		func(r api.ChatResponse) error {
			text.WriteString(r.Message.Content)
			calls = append(calls, r.Message.ToolCalls...)
			last = r
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].Function.Name != "get_weather" ||
		calls[0].Function.Arguments.String() != `{"city":"Paris"}` || calls[0].ID != "call_AAA111" {
		t.Errorf("tool calls %+v", calls)
	}
	if !last.Done || last.DoneReason != "stop" || last.PromptEvalCount != 80 {
		t.Errorf("final line %+v", last)
	}

	var gen strings.Builder
	err = client.Generate(ctx, &api.GenerateRequest{Model: "gpt-5.4", Prompt: "[[F1]] hi"},
		func(r api.GenerateResponse) error { gen.WriteString(r.Response); return nil })
	if err != nil || gen.String() != "Hello, world!" {
		t.Errorf("generate %q err %v", gen.String(), err)
	}

	err = client.Chat(ctx, &api.ChatRequest{Model: "gpt-5.4",
		Messages: []api.Message{{Role: "user", Content: "[[F5d]]"}}},
		func(api.ChatResponse) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "Rate limit") {
		t.Errorf("mid-stream error surfaced as %v", err)
	}
	err = client.Pull(ctx, &api.PullRequest{Model: "llama3"}, func(api.ProgressResponse) error {
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "ChatGPT") {
		t.Errorf("pull error %v", err)
	}
}

// TestNodeClients runs the npm openai and ollama packages (e2e/node) against lagp.
func TestNodeClients(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		requireTool(t, "/usr/bin/node", "Node.js runs the npm client tests")
	}
	requireTool(t, filepath.Join("node", "node_modules", "openai", "package.json"),
		"run `npm ci --prefix e2e/node` to install the npm clients")
	in := start(t, options{signedIn: true})
	cmd := exec.Command(node, "--test", "openai.test.mjs", "ollama.test.mjs")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "LAGP_URL="+in.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node tests failed: %v\n%s", err, out)
	}
	t.Logf("node tests:\n%s", lastLines(string(out), 10))
}

func lastLines(s string, n int) string {
	l := lines(s)
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

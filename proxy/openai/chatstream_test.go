package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lagp/lagp/proxy/canon"
)

func TestChatStream_Fixtures(t *testing.T) {
	tests := []struct {
		fixture string
		opts    ChatOptions
		golden  string
		fails   bool
	}{
		{"f1", ChatOptions{}, "chat_f1.sse", false},
		{"f1", ChatOptions{IncludeUsage: true}, "chat_f1_usage.sse", false},
		{"f1b", ChatOptions{}, "chat_f1b.sse", true},
		{"f2", ChatOptions{IncludeUsage: true}, "chat_f2_usage.sse", false},
		{"f2", ChatOptions{ReasoningField: ReasoningBoth}, "chat_f2_both.sse", false},
		{"f3", ChatOptions{}, "chat_f3.sse", false},
		{"f4", ChatOptions{IncludeUsage: true}, "chat_f4_usage.sse", false},
		{"f4i", ChatOptions{}, "chat_f4i.sse", false},
		{"f5d", ChatOptions{IncludeUsage: true}, "chat_f5d.sse", true},
		{"f5e", ChatOptions{}, "chat_f5e.sse", true},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var out bytes.Buffer
			enc := NewChatStream(&out, testMeta, tt.opts)
			if e := encode(t, fixture(t, tt.fixture), enc); (e != nil) != tt.fails {
				t.Fatalf("turn error = %v, want failure %v", e, tt.fails)
			}
			checkSSE(t, out.Bytes())
			golden(t, tt.golden, out.Bytes())
		})
	}
}

// checkSSE checks the framing every client relies on: only `data:` events of one compact JSON
// line, one shared id, and [DONE] exactly when the stream did not end with an error.
func checkSSE(t *testing.T, out []byte) {
	t.Helper()
	events := strings.Split(strings.TrimSuffix(string(out), "\n\n"), "\n\n")
	ids := map[string]bool{}
	for i, ev := range events {
		if strings.Contains(ev, "\n") || !strings.HasPrefix(ev, "data: ") {
			t.Fatalf("event %d is not one data line: %q", i, ev)
		}
		data := strings.TrimPrefix(ev, "data: ")
		if data == "[DONE]" {
			if i != len(events)-1 {
				t.Fatalf("[DONE] is not last")
			}
			continue
		}
		var chunk struct {
			ID    string          `json:"id"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			t.Fatalf("event %d is not JSON: %v", i, err)
		}
		if chunk.Error != nil {
			if i != len(events)-1 {
				t.Fatalf("error event %d is not last", i)
			}
			continue
		}
		ids[chunk.ID] = true
	}
	if len(ids) > 1 {
		t.Fatalf("chunks carry %d different ids", len(ids))
	}
}

func TestChatStream_RoleFirstAndOneFinish(t *testing.T) {
	var out bytes.Buffer
	enc := NewChatStream(&out, testMeta, ChatOptions{})
	encode(t, fixture(t, "f4i"), enc)
	chunks := dataLines(t, out.Bytes())
	if !strings.Contains(chunks[0], `"delta":{"role":"assistant","content":""}`) {
		t.Errorf("first chunk has no role: %s", chunks[0])
	}
	if n := strings.Count(out.String(), `"role"`); n != 1 {
		t.Errorf("role appears %d times, want once", n)
	}
	if n := strings.Count(out.String(), `"finish_reason":"`); n != 1 {
		t.Errorf("%d non-null finish reasons, want 1", n)
	}
	if !strings.Contains(out.String(), `"finish_reason":"tool_calls"`) {
		t.Errorf("finish is not tool_calls")
	}
}

func TestChatStream_ReasoningNeverWithContent(t *testing.T) {
	var out bytes.Buffer
	encode(t, fixture(t, "f2"), NewChatStream(&out, testMeta, ChatOptions{
		ReasoningField: ReasoningBoth}))
	sawReasoning := false
	for _, c := range dataLines(t, out.Bytes()) {
		hasR := strings.Contains(c, `"reasoning_content"`)
		sawReasoning = sawReasoning || hasR
		if hasR && strings.Contains(c, `"content"`) && !strings.Contains(c, `"content":""`) {
			t.Errorf("reasoning shares a chunk with content: %s", c)
		}
		if hasR != strings.Contains(c, `"reasoning":`) {
			t.Errorf("with both, reasoning_content and reasoning must travel together: %s", c)
		}
	}
	if !sawReasoning {
		t.Fatal("no reasoning chunk")
	}
}

func TestChatStream_NothingAfterEnd(t *testing.T) {
	tests := []struct {
		name string
		end  func(canon.Encoder) error
	}{
		{"after done", func(e canon.Encoder) error {
			return e.Delta(canon.Delta{Kind: canon.DeltaDone, Finish: canon.FinishStop})
		}},
		{"after fail", func(e canon.Encoder) error {
			return e.Fail(&canon.Error{Kind: canon.KindUpstream, Message: "cut"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			enc := NewChatStream(&out, testMeta, ChatOptions{})
			if err := enc.Delta(canon.Delta{Kind: canon.DeltaText, Text: "hi"}); err != nil {
				t.Fatal(err)
			}
			if err := tt.end(enc); err != nil {
				t.Fatal(err)
			}
			n := out.Len()
			_ = enc.Delta(canon.Delta{Kind: canon.DeltaText, Text: "late"})
			_ = enc.Delta(canon.Delta{Kind: canon.DeltaDone})
			_ = enc.Fail(&canon.Error{Kind: canon.KindUpstream, Message: "late"})
			if out.Len() != n {
				t.Errorf("wrote after the end: %q", out.String()[n:])
			}
		})
	}
}

func TestChatStream_ErrorFrame(t *testing.T) {
	var out bytes.Buffer
	enc := NewChatStream(&out, testMeta, ChatOptions{})
	_ = enc.Delta(canon.Delta{Kind: canon.DeltaText, Text: "Partial"})
	out.Reset()
	_ = enc.Fail(&canon.Error{Kind: canon.KindRateLimited, Code: "rate_limit_exceeded",
		Message: "Rate limit reached."})
	want := `data: {"error":{"message":"Rate limit reached.","type":"rate_limit_error",` +
		`"param":null,"code":"rate_limit_exceeded"}}` + "\n\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

type failingWriter struct{}

var errBroken = errors.New("broken pipe")

func (failingWriter) Write([]byte) (int, error) { return 0, errBroken }

func TestChatStream_WriteErrorsReturned(t *testing.T) {
	enc := NewChatStream(failingWriter{}, testMeta, ChatOptions{})
	if err := enc.Delta(canon.Delta{Kind: canon.DeltaText, Text: "x"}); !errors.Is(err, errBroken) {
		t.Errorf("Delta error = %v, want the writer's", err)
	}
}

func TestChatStream_Escaping(t *testing.T) {
	var out bytes.Buffer
	meta := Meta{ID: `id"\`, Created: testMeta.Created, Model: "m\u2028"}
	enc := NewChatStream(&out, meta, ChatOptions{})
	text := "line\nbreak \"quoted\" \\ tab\t ctl\x01 bad\xff sep\u2029 é 😀"
	_ = enc.Delta(canon.Delta{Kind: canon.DeltaText, Text: text})
	lines := dataLines(t, out.Bytes())
	var chunk struct {
		ID      string `json:"id"`
		Model   string `json:"model"`
		Choices []struct {
			Delta struct {
				Content string `json:"content"`
			} `json:"delta"`
		} `json:"choices"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &chunk); err != nil {
		t.Fatal(err)
	}
	want := validUTF8(text)
	if chunk.Choices[0].Delta.Content != want || chunk.ID != meta.ID || chunk.Model != meta.Model {
		t.Errorf("round trip lost data: %+v", chunk)
	}
}

// dataLines returns the payload of each data: event.
func dataLines(t *testing.T, out []byte) []string {
	t.Helper()
	var lines []string
	for _, ev := range strings.Split(strings.TrimSuffix(string(out), "\n\n"), "\n\n") {
		lines = append(lines, strings.TrimPrefix(ev, "data: "))
	}
	return lines
}

// TestChatStream_CursorBodyAnsweredAsChat follows C11 end to end: a Responses-shaped body on
// chat completions gets Chat Completions chunks, with the usage chunk it asked for.
func TestChatStream_CursorBodyAnsweredAsChat(t *testing.T) {
	body := `{"model":"gpt-5.5","input":[{"role":"user","content":"2+2?"}],"stream":true,
		"reasoning":{"effort":"low","summary":"auto"},"stream_options":{"include_usage":true}}`
	_, opts, err := DecodeChat([]byte(body), testModels)
	if err != nil {
		t.Fatal(err)
	}
	if !opts.Stream || !opts.IncludeUsage {
		t.Fatalf("options %+v", opts)
	}
	var out bytes.Buffer
	meta := Meta{ID: "chatcmpl-c", Created: testMeta.Created, Model: opts.Model}
	encode(t, fixture(t, "f2"), NewChatStream(&out, meta, opts))
	checkSSE(t, out.Bytes())
	lines := dataLines(t, out.Bytes())
	if !strings.Contains(lines[1], `"reasoning_content":"**Planning**`) ||
		!strings.Contains(lines[len(lines)-2], `"choices":[],"usage":{"prompt_tokens":30`) ||
		lines[len(lines)-1] != "[DONE]" {
		t.Errorf("not a chat completions stream:\n%s", out.String())
	}
}

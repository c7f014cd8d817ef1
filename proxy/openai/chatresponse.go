package openai

import (
	"encoding/json"

	"github.com/lagp/lagp/proxy/canon"
)

type chatCompletion struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices []chatChoice    `json:"choices"`
	Usage   json.RawMessage `json:"usage"`
}

type chatChoice struct {
	Index        int            `json:"index"`
	Message      chatMessageOut `json:"message"`
	Logprobs     *struct{}      `json:"logprobs"`
	FinishReason string         `json:"finish_reason"`
}

// chatMessageOut is the assistant message of a non-streamed answer. Content is null when the
// answer is only tool calls; the reasoning fields appear only when there was reasoning.
type chatMessageOut struct {
	Role             string        `json:"role"`
	Content          *string       `json:"content"`
	Refusal          *string       `json:"refusal"`
	ReasoningContent string        `json:"reasoning_content,omitempty"`
	Reasoning        string        `json:"reasoning,omitempty"`
	ToolCalls        []toolCallOut `json:"tool_calls,omitempty"`
}

type toolCallOut struct {
	ID       string      `json:"id"`
	Type     string      `json:"type"`
	Function functionOut `json:"function"`
}

type functionOut struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ChatResponse returns the body of a non-streamed Chat Completions answer (CLIENTS.md §4.2). It
// always carries usage, which some clients (Zed) require.
func ChatResponse(meta Meta, r *canon.Result, opts ChatOptions) []byte {
	if r == nil {
		r = &canon.Result{}
	}
	msg := chatMessageOut{Role: "assistant"}
	text := r.Text()
	if text != "" || len(r.ToolCalls) == 0 {
		msg.Content = &text
	}
	msg.ReasoningContent = r.Reasoning()
	if opts.ReasoningField == ReasoningBoth {
		msg.Reasoning = msg.ReasoningContent
	}
	for _, tc := range r.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, toolCallOut{ID: tc.CallID, Type: "function",
			Function: functionOut{Name: tc.Name, Arguments: tc.Arguments}})
	}
	body := chatCompletion{
		ID: meta.ID, Object: "chat.completion", Created: meta.Created.Unix(), Model: meta.Model,
		Choices: []chatChoice{{Message: msg, FinishReason: finishReason(r.Finish)}},
		Usage:   appendUsage(nil, r.Usage),
	}
	b, _ := json.Marshal(body) // strings, ints and valid raw JSON always marshal
	return b
}

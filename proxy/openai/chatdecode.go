package openai

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// chatRequest holds the members of a Chat Completions body that lagp uses. Everything else
// (max_tokens, temperature, stop, user, metadata, store, …) is accepted and dropped (B3).
type chatRequest struct {
	Model             string            `json:"model"`
	Messages          json.RawMessage   `json:"messages"`
	Input             json.RawMessage   `json:"input"`
	Tools             []json.RawMessage `json:"tools"`
	Functions         []json.RawMessage `json:"functions"`
	ToolChoice        json.RawMessage   `json:"tool_choice"`
	FunctionCall      json.RawMessage   `json:"function_call"`
	ParallelToolCalls *bool             `json:"parallel_tool_calls"`
	ReasoningEffort   string            `json:"reasoning_effort"`
	Reasoning         *effortDef        `json:"reasoning"`
	Verbosity         string            `json:"verbosity"`
	ResponseFormat    json.RawMessage   `json:"response_format"`
	N                 *float64          `json:"n"`
	Stream            bool              `json:"stream"`
	StreamOptions     *streamOptions    `json:"stream_options"`
	PromptCacheKey    string            `json:"prompt_cache_key"`
}

type effortDef struct {
	Effort string `json:"effort"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// DecodeChat decodes a POST /v1/chat/completions body. A body with "input" and no "messages" is
// a Responses request (Cursor, PROTOCOL.md C11) and is decoded as one; the answer is still Chat
// Completions. Errors are [*canon.Error] values: invalid requests with the parameter at fault,
// or not found for an unknown model.
func DecodeChat(body []byte, models canon.Catalog) (*canon.Draft, ChatOptions, error) {
	var req chatRequest
	if err := wire.DecodeBody(body, &req); err != nil {
		return nil, ChatOptions{}, err
	}
	if wire.Absent(req.Messages) && !wire.Absent(req.Input) {
		return decodeCursorChat(body, models)
	}
	opts := ChatOptions{Stream: req.Stream, Model: req.Model}
	if req.StreamOptions != nil {
		opts.IncludeUsage = req.StreamOptions.IncludeUsage
	}
	if req.N != nil && *req.N != 1 {
		return nil, opts, wire.Invalid("n", "n must be 1: lagp returns one choice per request")
	}
	d, err := newDraft(req.Model, models, req.fill)
	return d, opts, err
}

// decodeCursorChat answers C11: the body is a Responses request.
func decodeCursorChat(body []byte, models canon.Catalog) (*canon.Draft, ChatOptions, error) {
	d, ro, err := decodeResponses(body, models)
	opts := ChatOptions{Stream: ro.Stream, IncludeUsage: ro.includeUsage, Model: ro.Model}
	return d, opts, err
}

// fill maps everything but the model onto the draft.
func (req *chatRequest) fill(d *canon.Draft) error {
	if err := chatMessages(d, req.Messages); err != nil {
		return err
	}
	if err := req.fillTools(d); err != nil {
		return err
	}
	d.ParallelToolCalls = req.ParallelToolCalls
	d.Effort = req.ReasoningEffort
	if d.Effort == "" && req.Reasoning != nil {
		d.Effort = req.Reasoning.Effort
	}
	d.Verbosity = req.Verbosity
	d.PromptCacheKey = req.PromptCacheKey
	f, err := textFormat(req.ResponseFormat, "response_format")
	d.Format = f
	return err
}

func (req *chatRequest) fillTools(d *canon.Draft) error {
	tools, err := decodeTools(req.Tools, "tools")
	if err != nil {
		return err
	}
	legacy, err := legacyFunctions(req.Functions)
	if err != nil {
		return err
	}
	d.Tools = append(tools, legacy...)
	choice := req.ToolChoice
	param := "tool_choice"
	if wire.Absent(choice) && !wire.Absent(req.FunctionCall) {
		choice, param = legacyChoice(req.FunctionCall), "function_call"
	}
	d.ToolChoice, err = toolChoice(choice, param)
	d.ToolChoice = withoutTools(d.ToolChoice, d.Tools)
	return err
}

// legacyChoice maps the deprecated function_call parameter ("none", "auto" or {"name"}) to the
// tool_choice form.
func legacyChoice(raw json.RawMessage) json.RawMessage {
	var named struct {
		Name string `json:"name"`
	}
	if jsonKind(raw) == '{' && json.Unmarshal(raw, &named) == nil && named.Name != "" {
		b, _ := json.Marshal(struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}{"function", named.Name}) // two strings always marshal
		return b
	}
	return raw
}

// chatMessage holds the members of one Chat message that lagp uses.
type chatMessage struct {
	Role         string          `json:"role"`
	Content      json.RawMessage `json:"content"`
	Name         string          `json:"name"`
	Refusal      *string         `json:"refusal"`
	ToolCalls    []chatToolCall  `json:"tool_calls"`
	ToolCallID   string          `json:"tool_call_id"`
	FunctionCall *chatFunction   `json:"function_call"`
}

type chatToolCall struct {
	ID       string        `json:"id"`
	Type     string        `json:"type"`
	Function *chatFunction `json:"function"`
	Custom   *struct {
		Name  string `json:"name"`
		Input string `json:"input"`
	} `json:"custom"`
}

type chatFunction struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// history tracks the tool calls seen so far, so that a tool result can be matched to its call.
type history struct {
	names  map[string]string // call id → tool name
	custom map[string]bool   // call ids of custom tool calls
	legacy []legacyCall      // legacy function calls still waiting for their result
	minted int               // ids minted for legacy function calls
}

type legacyCall struct{ id, name string }

// chatMessages maps the messages to instructions and input items (B4, B6).
func chatMessages(d *canon.Draft, raw json.RawMessage) error {
	if wire.Absent(raw) {
		return wire.Invalid("messages", "messages is required")
	}
	var msgs []json.RawMessage
	if err := wire.DecodePart(raw, &msgs, "messages"); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return wire.Invalid("messages", "messages must contain at least one message")
	}
	h := &history{names: map[string]string{}, custom: map[string]bool{}}
	for i, m := range msgs {
		if err := h.message(d, m, fmt.Sprintf("messages[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func (h *history) message(d *canon.Draft, raw json.RawMessage, param string) error {
	var m chatMessage
	if err := wire.DecodeObject(raw, &m, param); err != nil {
		return err
	}
	switch m.Role {
	case "system", "developer":
		text, err := plainText(m.Content, param+".content")
		if err != nil {
			return err
		}
		d.Instructions = append(d.Instructions, text)
		return nil
	case "user":
		return userMessage(d, m, param)
	case "assistant":
		return h.assistant(d, m, param)
	case "tool":
		return h.toolResult(d, m, param)
	case "function":
		return h.functionResult(d, m, param)
	case "":
		return wire.Invalid(param+".role", "%s.role is required", param)
	}
	return wire.Invalid(param+".role", `%s.role %q is not one of "system", "developer", "user", `+
		`"assistant", "tool" or "function"`, param, m.Role)
}

func userMessage(d *canon.Draft, m chatMessage, param string) error {
	parts, err := contentParts(m.Content, canon.PartInputText, param+".content")
	if err != nil {
		return err
	}
	d.Input = append(d.Input, canon.Item{Type: canon.ItemMessage, Role: "user", Content: parts})
	return nil
}

// assistant maps an assistant turn: its text (refusals kept as text) as one message, then each
// tool call as a function_call item whose call_id is the client's id (B6). A
// reasoning_content member is ignored: the backend takes reasoning only as its own items.
func (h *history) assistant(d *canon.Draft, m chatMessage, param string) error {
	parts, err := contentParts(m.Content, canon.PartOutputText, param+".content")
	if err != nil {
		return err
	}
	if m.Refusal != nil && *m.Refusal != "" {
		parts = append(parts, canon.Part{Type: canon.PartOutputText, Text: *m.Refusal})
	}
	d.Input = append(d.Input, canon.Item{Type: canon.ItemMessage, Role: "assistant",
		Content: parts})
	for i, tc := range m.ToolCalls {
		it, err := h.toolCall(tc, fmt.Sprintf("%s.tool_calls[%d]", param, i))
		if err != nil {
			return err
		}
		d.Input = append(d.Input, it)
	}
	if m.FunctionCall != nil {
		it, err := h.legacyCall(*m.FunctionCall, param+".function_call")
		if err != nil {
			return err
		}
		d.Input = append(d.Input, it)
	}
	return nil
}

func (h *history) toolCall(tc chatToolCall, param string) (canon.Item, error) {
	if strings.TrimSpace(tc.ID) == "" {
		return canon.Item{}, wire.Invalid(param+".id", "%s.id is required", param)
	}
	if tc.Type == "custom" && tc.Custom != nil {
		h.custom[tc.ID] = true
		h.names[tc.ID] = tc.Custom.Name
		raw, _ := json.Marshal(map[string]string{"type": "custom_tool_call", "call_id": tc.ID,
			"name": tc.Custom.Name, "input": tc.Custom.Input}) // strings always marshal
		return canon.Item{Type: "custom_tool_call", Raw: raw}, nil
	}
	if tc.Function == nil || strings.TrimSpace(tc.Function.Name) == "" {
		return canon.Item{}, wire.Invalid(param+".function.name", "%s.function.name is required",
			param)
	}
	args, err := argumentsText(tc.Function.Arguments, param+".function.arguments")
	if err != nil {
		return canon.Item{}, err
	}
	h.names[tc.ID] = tc.Function.Name
	return canon.Item{Type: canon.ItemFunctionCall, Name: tc.Function.Name, Arguments: args,
		CallID: tc.ID}, nil
}

// legacyCall maps a deprecated assistant function_call. It has no id, so one is minted and the
// result is later paired with it by order and name.
func (h *history) legacyCall(fc chatFunction, param string) (canon.Item, error) {
	if strings.TrimSpace(fc.Name) == "" {
		return canon.Item{}, wire.Invalid(param+".name", "%s.name is required", param)
	}
	args, err := argumentsText(fc.Arguments, param+".arguments")
	if err != nil {
		return canon.Item{}, err
	}
	h.minted++
	id := fmt.Sprintf("call_legacy_%d", h.minted)
	h.legacy = append(h.legacy, legacyCall{id: id, name: fc.Name})
	h.names[id] = fc.Name
	return canon.Item{Type: canon.ItemFunctionCall, Name: fc.Name, Arguments: args, CallID: id},
		nil
}

// toolResult maps a tool message to the output item of its call; the tool name is recovered
// from the call so that an orphaned result can still name its tool.
func (h *history) toolResult(d *canon.Draft, m chatMessage, param string) error {
	if strings.TrimSpace(m.ToolCallID) == "" {
		return wire.Invalid(param+".tool_call_id", "%s.tool_call_id is required", param)
	}
	text, err := plainText(m.Content, param+".content")
	if err != nil {
		return err
	}
	d.Input = append(d.Input, h.output(m.ToolCallID, m.Name, text))
	return nil
}

// functionResult maps a deprecated function message to the output of the oldest unanswered
// legacy call with the same name.
func (h *history) functionResult(d *canon.Draft, m chatMessage, param string) error {
	text, err := plainText(m.Content, param+".content")
	if err != nil {
		return err
	}
	id := ""
	for i, c := range h.legacy {
		if c.name == m.Name {
			id = c.id
			h.legacy = append(h.legacy[:i], h.legacy[i+1:]...)
			break
		}
	}
	if id == "" {
		h.minted++
		id = fmt.Sprintf("call_legacy_%d", h.minted)
	}
	d.Input = append(d.Input, h.output(id, m.Name, text))
	return nil
}

func (h *history) output(callID, name, text string) canon.Item {
	if n, ok := h.names[callID]; ok {
		name = n
	}
	if h.custom[callID] {
		raw, _ := json.Marshal(map[string]string{"type": "custom_tool_call_output",
			"call_id": callID, "output": text}) // strings always marshal
		return canon.Item{Type: "custom_tool_call_output", Raw: raw}
	}
	return canon.Item{Type: canon.ItemFunctionCallOutput, CallID: callID, Name: name,
		Output: canon.TextOutput(text)}
}

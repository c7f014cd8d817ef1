package ollama

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// ChatOptions are the parts of an /api/chat request that shape the answer rather than the
// backend request.
type ChatOptions struct {
	// Stream is false only when the client sent "stream": false; Ollama streams by default.
	Stream bool
	// Model is the model name as the client sent it, e.g. "gpt-5.4:latest"; answers echo it.
	Model string
	// Think is the client's "think" as a switch: nil when unset, false when thinking output
	// must be hidden.
	Think *bool
	// ToolCallIDs puts the call id on each tool call. It is a setting, true by default:
	// Zed builds from before November 2025 reject tool calls with an id. The glue sets it.
	ToolCallIDs bool
	// Load is set for a request without messages, which Ollama clients send to load a
	// model; Unload when it also has keep_alive 0. Answer either with [ChatControl].
	Load, Unload bool
}

// hideThinking reports whether the client turned thinking off.
func (o ChatOptions) hideThinking() bool { return o.Think != nil && !*o.Think }

// chatRequest is the part of an /api/chat body lagp reads. Sampling options, keep_alive,
// logprobs, truncate and the like are accepted and ignored: the backend takes none of them.
type chatRequest struct {
	Model     string          `json:"model"`
	Messages  []chatMessage   `json:"messages"`
	Tools     []chatTool      `json:"tools"`
	Format    json.RawMessage `json:"format"`
	Think     json.RawMessage `json:"think"`
	Stream    *bool           `json:"stream"`
	KeepAlive json.RawMessage `json:"keep_alive"`
}

type chatMessage struct {
	Role       string         `json:"role"`
	Content    string         `json:"content"`
	Images     []string       `json:"images"`
	ToolCalls  []chatToolCall `json:"tool_calls"`
	ToolName   string         `json:"tool_name"`
	ToolCallID string         `json:"tool_call_id"`
	// Name is where some clients put the tool name of a tool result.
	Name string `json:"name"`
}

type chatToolCall struct {
	ID       string `json:"id"`
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

type chatTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
		Strict      *bool           `json:"strict"`
	} `json:"function"`
}

// DecodeChat decodes an /api/chat body. System messages become instructions; user messages
// text and image parts; assistant tool_calls function calls; tool messages their results,
// paired with their calls even when the client kept no ids (B6). Errors are [*canon.Error]:
// 400 for a malformed body, 404 for an unknown model.
func DecodeChat(body []byte, models canon.Catalog) (*canon.Draft, ChatOptions, error) {
	var req chatRequest
	if err := wire.DecodeBody(body, &req); err != nil {
		return nil, ChatOptions{}, err
	}
	opts := ChatOptions{Stream: req.Stream == nil || *req.Stream, Model: req.Model,
		ToolCallIDs: true}
	d, think, err := newDraft(req.Model, req.Think, req.Format, models)
	if err != nil {
		return nil, opts, err
	}
	opts.Think = think
	if d.Tools, err = decodeTools(req.Tools); err != nil {
		return nil, opts, err
	}
	if len(req.Messages) == 0 {
		ka, ok := keepAlive(req.KeepAlive)
		opts.Unload = ok && ka == 0
		opts.Load = !opts.Unload
		return d, opts, nil
	}
	if err := newHistory(d, req.Messages).add(req.Messages); err != nil {
		return nil, opts, err
	}
	if len(d.Input) == 0 {
		return nil, opts, wire.Invalid("messages",
			"the request has no user, assistant or tool message")
	}
	return d, opts, nil
}

// decodeTools flattens Ollama's tools, which have the OpenAI Chat shape, to the backend's form.
func decodeTools(tools []chatTool) ([]canon.Tool, error) {
	out := make([]canon.Tool, 0, len(tools))
	for i, t := range tools {
		if t.Type != "" && t.Type != "function" {
			return nil, wire.Invalid(fmt.Sprintf("tools[%d].type", i),
				"tools[%d]: tool type %q is not supported; use \"function\"", i, t.Type)
		}
		f := t.Function
		if strings.TrimSpace(f.Name) == "" {
			return nil, wire.Invalid(fmt.Sprintf("tools[%d].function.name", i),
				"tools[%d] has no function name", i)
		}
		params := json.RawMessage(`{"type":"object","properties":{}}`)
		if !wire.Absent(f.Parameters) {
			var buf bytes.Buffer
			if err := json.Compact(&buf, f.Parameters); err != nil {
				return nil, wire.Invalid(fmt.Sprintf("tools[%d].function.parameters", i),
					"tools[%d]: parameters are not valid JSON", i)
			}
			params = buf.Bytes()
		}
		out = append(out, canon.Tool{Type: "function", Name: f.Name,
			Description: f.Description, Parameters: params, Strict: f.Strict})
	}
	return out, nil
}

// history converts the messages of one request into input items. It keeps the tool calls of
// the latest assistant message that have no result yet, so that results can be paired with
// their calls by id, by tool name or by order (B6).
type history struct {
	d       *canon.Draft
	calls   int             // tool calls seen so far; a minted id is "call_<position>"
	known   map[string]bool // ids of every call so far
	taken   map[string]bool // ids the client chose, which a minted id must not reuse
	pending []pendingCall   // calls of the latest assistant message still awaiting a result
}

type pendingCall struct {
	id, name string
}

func newHistory(d *canon.Draft, msgs []chatMessage) *history {
	h := &history{d: d, known: map[string]bool{}, taken: map[string]bool{}}
	for _, m := range msgs {
		for _, tc := range m.ToolCalls {
			if tc.ID != "" {
				h.taken[tc.ID] = true
			}
		}
		if m.ToolCallID != "" {
			h.taken[m.ToolCallID] = true
		}
	}
	return h
}

func (h *history) add(msgs []chatMessage) error {
	for i, m := range msgs {
		var err error
		switch strings.ToLower(strings.TrimSpace(m.Role)) {
		case "system", "developer":
			h.d.Instructions = append(h.d.Instructions, m.Content)
		case "user":
			err = h.user(i, m)
		case "assistant":
			err = h.assistant(i, m)
		case "tool":
			h.toolResult(m)
		case "":
			err = wire.Invalid(fmt.Sprintf("messages[%d].role", i), "messages[%d] has no role", i)
		default:
			err = wire.Invalid(fmt.Sprintf("messages[%d].role", i),
				"messages[%d]: role %q is not one of system, user, assistant or tool", i, m.Role)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (h *history) user(i int, m chatMessage) error {
	images, err := imageParts(m.Images, fmt.Sprintf("messages[%d].images", i))
	if err != nil {
		return err
	}
	parts := make([]canon.Part, 0, 1+len(images))
	if m.Content != "" || len(images) == 0 {
		parts = append(parts, canon.Part{Type: canon.PartInputText, Text: m.Content})
	}
	parts = append(parts, images...)
	h.d.Input = append(h.d.Input, canon.Item{Type: canon.ItemMessage, Role: "user",
		Content: parts})
	return nil
}

// assistant adds an earlier answer: its text, then its tool calls. Its thinking is dropped: the
// backend takes reasoning back only as encrypted items, which canon re-inserts (B12).
func (h *history) assistant(i int, m chatMessage) error {
	if m.Content != "" {
		h.d.Input = append(h.d.Input, canon.Item{Type: canon.ItemMessage, Role: "assistant",
			Content: []canon.Part{{Type: canon.PartOutputText, Text: m.Content}}})
	}
	h.pending = h.pending[:0]
	for j, tc := range m.ToolCalls {
		args, err := callArguments(tc.Function.Arguments)
		if err != nil {
			return wire.Invalid(fmt.Sprintf("messages[%d].tool_calls[%d].function.arguments", i, j),
				"messages[%d].tool_calls[%d]: arguments must be a JSON object", i, j)
		}
		id := tc.ID
		if id == "" {
			id = h.mint()
		}
		h.calls++
		h.known[id] = true
		h.pending = append(h.pending, pendingCall{id: id, name: tc.Function.Name})
		h.d.Input = append(h.d.Input, canon.Item{Type: canon.ItemFunctionCall,
			Name: tc.Function.Name, Arguments: args, CallID: id})
	}
	return nil
}

// mint returns an id for the call at the current position, deterministic so that the same
// history gets the same ids on every turn (which keeps the backend's prompt cache warm).
func (h *history) mint() string {
	id := "call_" + strconv.Itoa(h.calls)
	for h.taken[id] || h.known[id] {
		id += "_"
	}
	return id
}

// toolResult adds a tool result. Its call is, in order of preference: the call whose id the
// result names; the first unanswered call of the latest assistant message with the result's
// tool name; the first unanswered call. A result matching none keeps its own id (or a minted
// one) and canon turns it into a user message.
func (h *history) toolResult(m chatMessage) {
	name := m.ToolName
	if name == "" {
		name = m.Name
	}
	id := m.ToolCallID
	if !h.known[id] || id == "" {
		id = h.pair(name)
	}
	h.answer(id)
	if id == "" {
		if id = m.ToolCallID; id == "" {
			id = h.mint()
			h.calls++
		}
	}
	h.d.Input = append(h.d.Input, canon.Item{Type: canon.ItemFunctionCallOutput, CallID: id,
		Name: name, Output: canon.TextOutput(m.Content)})
}

// pair picks the unanswered call a result without a usable id belongs to, or "".
func (h *history) pair(name string) string {
	for _, c := range h.pending {
		if name != "" && c.name == name {
			return c.id
		}
	}
	if len(h.pending) > 0 {
		return h.pending[0].id
	}
	return ""
}

// answer removes the call with id from the unanswered calls.
func (h *history) answer(id string) {
	for k, c := range h.pending {
		if c.id == id {
			h.pending = append(h.pending[:k], h.pending[k+1:]...)
			return
		}
	}
}

// callArguments returns a tool call's arguments as the compact JSON string the backend wants.
// Ollama sends an object; some clients send the OpenAI-style string, kept as sent when it is
// not JSON.
func callArguments(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if wire.Absent(raw) {
		return "{}", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(s)) == nil {
			return buf.String(), nil
		}
		return s, nil
	case '{':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	return "", fmt.Errorf("arguments are neither an object nor a string")
}

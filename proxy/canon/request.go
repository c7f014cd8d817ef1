// Package canon holds the canonical form of a model turn: the Codex backend's own Responses
// request going up, its typed stream events coming down, and the dialect-neutral rules that every
// client dialect (OpenAI Chat, legacy completions, Responses, Ollama chat and generate) shares.
//
// Each dialect package decodes a client body into a [Request] with the helpers here, and encodes
// the [Delta] values produced by a [Turn] back into its own wire format. No dialect knows another.
package canon

import (
	"bytes"
	"encoding/json"
)

// Request is the body sent to the backend's /responses endpoint. It carries only the fields the
// backend accepts (PROTOCOL.md §7 B3); everything else a client sends is dropped on decode.
type Request struct {
	Model             string          `json:"model"`
	Instructions      string          `json:"instructions"`
	Input             []Item          `json:"input"`
	Tools             []Tool          `json:"tools"`
	ToolChoice        json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls bool            `json:"parallel_tool_calls"`
	Reasoning         *Reasoning      `json:"reasoning,omitempty"`
	Store             bool            `json:"store"`
	Stream            bool            `json:"stream"`
	Include           []string        `json:"include"`
	PromptCacheKey    string          `json:"prompt_cache_key,omitempty"`
	Text              *TextOptions    `json:"text,omitempty"`
}

// Reasoning asks for a reasoning effort and, optionally, a summary of the model's reasoning.
type Reasoning struct {
	Effort  string `json:"effort,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// TextOptions controls the shape of the text output: verbosity and a structured output format.
type TextOptions struct {
	Verbosity string      `json:"verbosity,omitempty"`
	Format    *TextFormat `json:"format,omitempty"`
}

// TextFormat is a structured-output format: "json_schema" with a schema, or "json_object".
type TextFormat struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// Tool is a tool definition in the backend's flat form. Function tools use Name, Description,
// Parameters and Strict; any other tool type (custom, web_search, …) is passed through as Raw.
type Tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`

	// Raw, when set, is sent as the whole tool object instead of the fields above.
	Raw json.RawMessage `json:"-"`
}

// MarshalJSON writes Raw when it is set and the typed fields otherwise.
func (t Tool) MarshalJSON() ([]byte, error) {
	if len(t.Raw) > 0 {
		return t.Raw, nil
	}
	type plain Tool
	return json.Marshal(plain(t))
}

// Item types used in [Item.Type].
const (
	ItemMessage            = "message"
	ItemReasoning          = "reasoning"
	ItemFunctionCall       = "function_call"
	ItemFunctionCallOutput = "function_call_output"
)

// Part types used in [Part.Type].
const (
	PartInputText  = "input_text"
	PartOutputText = "output_text"
	PartInputImage = "input_image"
	PartSummary    = "summary_text"
)

// Item is one input item. The fields in use depend on Type:
//
//   - "message": Role ("user", "assistant" or "developer") and Content;
//   - "function_call": Name, Arguments (a JSON string) and CallID;
//   - "function_call_output": CallID and Output (a JSON string or an array of parts);
//   - "reasoning": Summary and EncryptedContent, echoed back from an earlier turn.
//
// Any other item a Responses client sends travels as Raw, with its "id" removed.
type Item struct {
	Type             string          `json:"type"`
	Role             string          `json:"role,omitempty"`
	Content          []Part          `json:"content,omitempty"`
	Name             string          `json:"name,omitempty"`
	Arguments        string          `json:"arguments,omitempty"`
	CallID           string          `json:"call_id,omitempty"`
	Output           json.RawMessage `json:"output,omitempty"`
	Summary          []Part          `json:"summary,omitempty"`
	EncryptedContent *string         `json:"encrypted_content,omitempty"`

	// Raw, when set, is sent as the whole item instead of the fields above.
	Raw json.RawMessage `json:"-"`
}

// MarshalJSON writes each item type with exactly the fields the backend expects for it.
func (it Item) MarshalJSON() ([]byte, error) {
	if len(it.Raw) > 0 {
		return it.Raw, nil
	}
	switch it.Type {
	case ItemMessage:
		content := it.Content
		if content == nil {
			content = []Part{}
		}
		return json.Marshal(struct {
			Type    string `json:"type"`
			Role    string `json:"role"`
			Content []Part `json:"content"`
		}{it.Type, it.Role, content})
	case ItemFunctionCall:
		return json.Marshal(struct {
			Type      string `json:"type"`
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
			CallID    string `json:"call_id"`
		}{it.Type, it.Name, it.Arguments, it.CallID})
	case ItemFunctionCallOutput:
		out := it.Output
		if len(out) == 0 {
			out = json.RawMessage(`""`)
		}
		return json.Marshal(struct {
			Type   string          `json:"type"`
			CallID string          `json:"call_id"`
			Output json.RawMessage `json:"output"`
		}{it.Type, it.CallID, out})
	case ItemReasoning:
		summary := it.Summary
		if summary == nil {
			summary = []Part{}
		}
		return json.Marshal(struct {
			Type             string  `json:"type"`
			Summary          []Part  `json:"summary"`
			EncryptedContent *string `json:"encrypted_content,omitempty"`
		}{it.Type, summary, it.EncryptedContent})
	}
	type plain Item
	return json.Marshal(plain(it))
}

// Part is one content part of a message item, or one paragraph of a reasoning summary.
type Part struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL string `json:"image_url,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// MarshalJSON omits "text" from image parts, which carry an image_url instead.
func (p Part) MarshalJSON() ([]byte, error) {
	if p.Type == PartInputImage {
		return json.Marshal(struct {
			Type     string `json:"type"`
			ImageURL string `json:"image_url"`
			Detail   string `json:"detail,omitempty"`
		}{p.Type, p.ImageURL, p.Detail})
	}
	return json.Marshal(struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}{p.Type, p.Text})
}

// TextOutput returns a function_call_output payload holding s as a JSON string.
func TextOutput(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// StripID returns the JSON object raw without its top-level "id" member. Responses clients echo
// item ids that refer to server state the backend does not keep (store:false), so they must go.
func StripID(raw json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if _, ok := m["id"]; !ok {
		return bytes.Clone(raw), nil
	}
	delete(m, "id")
	return json.Marshal(m)
}

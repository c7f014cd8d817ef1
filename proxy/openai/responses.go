package openai

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// ResponsesOptions are the output choices a /v1/responses request made.
type ResponsesOptions struct {
	Stream bool
	Model  string // the model name as the client sent it

	includeUsage bool // stream_options.include_usage, read for Cursor's bodies (C11)
}

// responsesRequest holds the members of a Responses body that lagp uses. Every other parameter
// (store, include, max_output_tokens, temperature, metadata, …) is accepted and dropped (B3).
type responsesRequest struct {
	Model              string            `json:"model"`
	Input              json.RawMessage   `json:"input"`
	Instructions       json.RawMessage   `json:"instructions"`
	Tools              []json.RawMessage `json:"tools"`
	ToolChoice         json.RawMessage   `json:"tool_choice"`
	ParallelToolCalls  *bool             `json:"parallel_tool_calls"`
	Reasoning          *effortDef        `json:"reasoning"`
	ReasoningEffort    string            `json:"reasoning_effort"`
	Text               *textDef          `json:"text"`
	PromptCacheKey     string            `json:"prompt_cache_key"`
	PreviousResponseID string            `json:"previous_response_id"`
	Conversation       json.RawMessage   `json:"conversation"`
	Stream             bool              `json:"stream"`
	StreamOptions      *streamOptions    `json:"stream_options"`
}

type textDef struct {
	Format    json.RawMessage `json:"format"`
	Verbosity string          `json:"verbosity"`
}

// DecodeResponses decodes a POST /v1/responses body into a draft, sanitised per PROTOCOL.md B3
// and B5: system and developer messages become instructions, item ids are stripped, item
// references are dropped. Errors are [*canon.Error] values.
func DecodeResponses(body []byte, models canon.Catalog) (*canon.Draft, ResponsesOptions, error) {
	return decodeResponses(body, models)
}

func decodeResponses(body []byte, models canon.Catalog) (*canon.Draft, ResponsesOptions, error) {
	var req responsesRequest
	if err := wire.DecodeBody(body, &req); err != nil {
		return nil, ResponsesOptions{}, err
	}
	opts := ResponsesOptions{Stream: req.Stream, Model: req.Model}
	if req.StreamOptions != nil {
		opts.includeUsage = req.StreamOptions.IncludeUsage
	}
	if err := req.stateless(); err != nil {
		return nil, opts, err
	}
	d, err := newDraft(req.Model, models, req.fill)
	return d, opts, err
}

// stateless refuses references to server-side state. The backend keeps none (store:false), so
// previous_response_id cannot be honoured. Dropping it silently would answer without the earlier
// turns, a wrong answer that looks right; a 400 with OpenAI's own code for a lost response lets
// clients that know it resend the full input, and tells everyone else what to do.
func (req *responsesRequest) stateless() error {
	if req.PreviousResponseID != "" {
		e := wire.Invalid("previous_response_id",
			"previous_response_id is not supported: lagp keeps no responses; send the full "+
				"conversation in input")
		e.Code = "previous_response_not_found"
		return e
	}
	if !wire.Absent(req.Conversation) {
		return wire.Invalid("conversation",
			"conversation is not supported: lagp keeps no conversations; send the full "+
				"conversation in input")
	}
	return nil
}

func (req *responsesRequest) fill(d *canon.Draft) error {
	if err := instructionsText(d, req.Instructions); err != nil {
		return err
	}
	if err := responsesInput(d, req.Input); err != nil {
		return err
	}
	tools, err := decodeTools(req.Tools, "tools")
	if err != nil {
		return err
	}
	d.Tools = tools
	if d.ToolChoice, err = toolChoice(req.ToolChoice, "tool_choice"); err != nil {
		return err
	}
	d.ToolChoice = withoutTools(d.ToolChoice, d.Tools)
	d.ParallelToolCalls = req.ParallelToolCalls
	d.Effort = req.ReasoningEffort
	if req.Reasoning != nil && req.Reasoning.Effort != "" {
		d.Effort = req.Reasoning.Effort
	}
	d.PromptCacheKey = req.PromptCacheKey
	if req.Text != nil {
		d.Verbosity = req.Text.Verbosity
		d.Format, err = textFormat(req.Text.Format, "text.format")
	}
	return err
}

// instructionsText puts the body's instructions first (B4).
func instructionsText(d *canon.Draft, raw json.RawMessage) error {
	switch jsonKind(raw) {
	case 0, 'n':
		return nil
	case '"':
		var s string
		if err := wire.DecodePart(raw, &s, "instructions"); err != nil {
			return err
		}
		d.Instructions = append(d.Instructions, s)
		return nil
	}
	return wire.Invalid("instructions", "instructions must be a string")
}

// responsesInput maps input, a string or a list of items.
func responsesInput(d *canon.Draft, raw json.RawMessage) error {
	switch jsonKind(raw) {
	case 0, 'n':
		return wire.Invalid("input", "input is required")
	case '"':
		var s string
		if err := wire.DecodePart(raw, &s, "input"); err != nil {
			return err
		}
		d.Input = append(d.Input, canon.Item{Type: canon.ItemMessage, Role: "user",
			Content: []canon.Part{{Type: canon.PartInputText, Text: s}}})
		return nil
	case '[':
	default:
		return wire.Invalid("input", "input must be a string or an array of items")
	}
	var items []json.RawMessage
	if err := wire.DecodePart(raw, &items, "input"); err != nil {
		return err
	}
	names := map[string]string{}
	for i, it := range items {
		if err := inputItem(d, it, names, fmt.Sprintf("input[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

// itemDef holds the members of an input item that lagp reads.
type itemDef struct {
	Type             string          `json:"type"`
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content"`
	CallID           string          `json:"call_id"`
	Name             string          `json:"name"`
	Arguments        json.RawMessage `json:"arguments"`
	Output           json.RawMessage `json:"output"`
	Summary          []canon.Part    `json:"summary"`
	EncryptedContent *string         `json:"encrypted_content"`
}

// inputItem maps one item. names records each call's tool name for its result.
func inputItem(d *canon.Draft, raw json.RawMessage, names map[string]string, p string) error {
	var it itemDef
	if err := wire.DecodeObject(raw, &it, p); err != nil {
		return err
	}
	switch it.Type {
	case "message", "":
		return inputMessage(d, it, p)
	case canon.ItemFunctionCall:
		return functionCallItem(d, it, names, p)
	case canon.ItemFunctionCallOutput:
		return functionOutputItem(d, it, names, p)
	case canon.ItemReasoning:
		reasoningItem(d, it)
		return nil
	case "item_reference":
		return nil // refers to server state the backend does not keep (B5)
	}
	stripped, err := canon.StripID(raw)
	if err != nil {
		return wire.Invalid(p, "%s is not a valid item", p)
	}
	d.Input = append(d.Input, canon.Item{Type: it.Type, Raw: compact(stripped)})
	return nil
}

// inputMessage maps a message: system and developer text to instructions (B4), user and
// assistant content to a message item.
func inputMessage(d *canon.Draft, it itemDef, p string) error {
	switch it.Role {
	case "system", "developer":
		text, err := plainText(it.Content, p+".content")
		if err != nil {
			return err
		}
		d.Instructions = append(d.Instructions, text)
		return nil
	case "user", "assistant":
		textType := canon.PartInputText
		if it.Role == "assistant" {
			textType = canon.PartOutputText
		}
		parts, err := contentParts(it.Content, textType, p+".content")
		if err != nil {
			return err
		}
		d.Input = append(d.Input, canon.Item{Type: canon.ItemMessage, Role: it.Role,
			Content: parts})
		return nil
	case "":
		return wire.Invalid(p+".role", "%s.role is required", p)
	}
	return wire.Invalid(p+".role", `%s.role %q is not one of "user", "assistant", "system" or `+
		`"developer"`, p, it.Role)
}

func functionCallItem(d *canon.Draft, it itemDef, names map[string]string, p string) error {
	if strings.TrimSpace(it.CallID) == "" {
		return wire.Invalid(p+".call_id", "%s.call_id is required", p)
	}
	if strings.TrimSpace(it.Name) == "" {
		return wire.Invalid(p+".name", "%s.name is required", p)
	}
	args, err := argumentsText(it.Arguments, p+".arguments")
	if err != nil {
		return err
	}
	names[it.CallID] = it.Name
	d.Input = append(d.Input, canon.Item{Type: canon.ItemFunctionCall, Name: it.Name,
		Arguments: args, CallID: it.CallID})
	return nil
}

// functionOutputItem keeps the output as sent: a JSON string or an array of parts.
func functionOutputItem(d *canon.Draft, it itemDef, names map[string]string, p string) error {
	if strings.TrimSpace(it.CallID) == "" {
		return wire.Invalid(p+".call_id", "%s.call_id is required", p)
	}
	out := it.Output
	switch jsonKind(out) {
	case 0, 'n':
		out = canon.TextOutput("")
	case '"', '[':
		out = compact(out)
	default:
		return wire.Invalid(p+".output", "%s.output must be a string or an array of parts", p)
	}
	d.Input = append(d.Input, canon.Item{Type: canon.ItemFunctionCallOutput,
		CallID: it.CallID, Name: names[it.CallID], Output: out})
	return nil
}

// reasoningItem keeps an earlier reasoning item for the round trip (B12). Without its
// encrypted content it refers to server state the backend does not keep, so it is dropped.
func reasoningItem(d *canon.Draft, it itemDef) {
	if it.EncryptedContent == nil || *it.EncryptedContent == "" {
		return
	}
	summary := make([]canon.Part, 0, len(it.Summary))
	for _, s := range it.Summary {
		summary = append(summary, canon.Part{Type: canon.PartSummary, Text: s.Text})
	}
	d.Input = append(d.Input, canon.Item{Type: canon.ItemReasoning, Summary: summary,
		EncryptedContent: it.EncryptedContent})
}

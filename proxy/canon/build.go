package canon

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// DefaultInstructions is sent when a request has no system or developer message: the backend
// requires a non-empty instructions string (PROTOCOL.md §7 B4).
const DefaultInstructions = "You are a helpful assistant."

// maxToolName is the longest tool name the backend is assumed to accept (B7).
const maxToolName = 64

// Draft collects what a dialect decoded from a client request. [Draft.Build] applies the rules
// every dialect shares and returns the backend request.
type Draft struct {
	Model Model
	// Effort is the effort the body asked for (reasoning_effort, reasoning.effort, think).
	Effort string
	// SuffixEffort is the effort from a model-name suffix such as "-high"; it wins over Effort.
	SuffixEffort string
	// Instructions are the texts of the system and developer messages, in order.
	Instructions []string
	Input        []Item
	Tools        []Tool
	// ToolChoice is "auto", "none", "required" or {"type":"function","name":…}, already in the
	// backend's flat form.
	ToolChoice        json.RawMessage
	ParallelToolCalls *bool
	// Format is the structured-output format, if any.
	Format *TextFormat
	// Verbosity is "low", "medium" or "high"; sent only to models that accept it.
	Verbosity      string
	PromptCacheKey string
}

// Build turns the draft into a backend request. mem may be nil; when set, reasoning items that
// preceded a tool call in an earlier answer are put back in front of that call (B12). The
// returned [ToolNames] maps shortened tool names back to the client's names.
func (d *Draft) Build(mem *ReasoningMemory) (*Request, ToolNames) {
	names := shortenToolNames(d.Tools)
	req := &Request{
		Model:        d.Model.ID,
		Instructions: joinInstructions(d.Instructions),
		Input:        tidyInput(d.Input, names, mem),
		Tools:        renameTools(d.Tools, names),
		ToolChoice:   renameChoice(d.ToolChoice, names),
		Store:        false,
		Stream:       true,
		Include:      []string{},
	}
	req.ParallelToolCalls = len(req.Tools) > 0 && d.Model.ParallelToolCalls
	if d.ParallelToolCalls != nil {
		req.ParallelToolCalls = *d.ParallelToolCalls && len(req.Tools) > 0
	}
	if d.Model.ReasoningSummaries {
		effort := d.SuffixEffort
		if effort == "" {
			effort = d.Effort
		}
		req.Reasoning = &Reasoning{Effort: ClampEffort(d.Model, effort), Summary: "auto"}
		req.Include = []string{"reasoning.encrypted_content"}
	}
	if d.Format != nil || (d.Verbosity != "" && d.Model.Verbosity) {
		req.Text = &TextOptions{Format: d.Format}
		if d.Model.Verbosity {
			req.Text.Verbosity = d.Verbosity
		}
	}
	req.PromptCacheKey = d.PromptCacheKey
	if req.PromptCacheKey == "" {
		req.PromptCacheKey = derivedCacheKey(req.Instructions, req.Input)
	}
	return req, names
}

func joinInstructions(parts []string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return DefaultInstructions
	}
	return strings.Join(kept, "\n\n")
}

// tidyInput applies the item hygiene of B5 and B12: no empty assistant messages, tool results
// without a matching call become user messages, calls without a result get one, shortened tool
// names, and remembered reasoning re-inserted before the calls it led to.
func tidyInput(in []Item, names ToolNames, mem *ReasoningMemory) []Item {
	out := make([]Item, 0, len(in))
	calls := map[string]bool{}
	answered := answeredCalls(in)
	inserted := map[string]bool{}
	var unanswered []string // calls of the current run of calls that no result follows
	for _, it := range in {
		if it.Type != ItemFunctionCall {
			out = appendNoResults(out, unanswered)
			unanswered = unanswered[:0]
		}
		switch {
		case it.Type == ItemMessage && it.Role == "assistant" && emptyParts(it.Content):
			continue
		case it.Type == ItemFunctionCall:
			calls[it.CallID] = true
			it.Name = names.Short(it.Name)
			out = withReasoning(out, it.CallID, mem, inserted)
			if !answered[it.CallID] {
				unanswered = append(unanswered, it.CallID)
			}
		case it.Type == ItemFunctionCallOutput && !calls[it.CallID]:
			it = orphanOutput(it)
		}
		out = append(out, it)
	}
	return appendNoResults(out, unanswered)
}

// answeredCalls returns the call ids that have a result in the input.
func answeredCalls(in []Item) map[string]bool {
	ids := map[string]bool{}
	for _, it := range in {
		if it.Type == ItemFunctionCallOutput {
			ids[it.CallID] = true
		}
	}
	return ids
}

// noResult is the result lagp sends for a tool call whose result the client left out (a
// cancelled call, a client that dropped it): the backend expects a result for every call, as
// the Codex CLI sends one for calls it aborted.
const noResult = "No result: the tool call did not complete."

func appendNoResults(out []Item, callIDs []string) []Item {
	for _, id := range callIDs {
		out = append(out, Item{Type: ItemFunctionCallOutput, CallID: id,
			Output: TextOutput(noResult)})
	}
	return out
}

// withReasoning appends the reasoning item remembered for callID, unless the previous item is
// already a reasoning item or that reasoning was inserted for an earlier call.
func withReasoning(out []Item, callID string, mem *ReasoningMemory, done map[string]bool) []Item {
	if mem == nil {
		return out
	}
	r, ok := mem.Recall(callID)
	if !ok || r.EncryptedContent == nil || done[*r.EncryptedContent] {
		return out
	}
	if n := len(out); n > 0 && out[n-1].Type == ItemReasoning {
		return out
	}
	done[*r.EncryptedContent] = true
	return append(out, r)
}

func emptyParts(parts []Part) bool {
	for _, p := range parts {
		if p.Type == PartInputImage || strings.TrimSpace(p.Text) != "" {
			return false
		}
	}
	return true
}

// orphanOutput turns a tool result whose call is not in the input into a user message, which
// the backend accepts where it would reject the bare result.
func orphanOutput(it Item) Item {
	name := it.Name
	if name == "" {
		name = "a tool"
	}
	text := outputText(it.Output)
	return Item{Type: ItemMessage, Role: "user", Content: []Part{{
		Type: PartInputText,
		Text: fmt.Sprintf("Result of %s (call %s):\n%s", name, it.CallID, text),
	}}}
}

// outputText renders a function_call_output payload (a string or an array of parts) as text.
func outputText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []Part
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String()
	}
	return string(raw)
}

// ToolNames maps the shortened names sent upstream back to the names the client used. Only
// names longer than the backend accepts are shortened; the map is empty otherwise.
type ToolNames map[string]string

// Short returns the name to send upstream for a client's tool name.
func (n ToolNames) Short(name string) string {
	if len(name) <= maxToolName {
		return name
	}
	return shortName(name)
}

// Original returns the client's name for a name the backend used.
func (n ToolNames) Original(name string) string {
	if orig, ok := n[name]; ok {
		return orig
	}
	return name
}

// Restore replaces the shortened names in a raw backend event with the client's names, for
// events that reach the client as they are (the Responses API). A short name ends in a hash
// of the whole name, so it does not occur in the event by chance.
func (n ToolNames) Restore(raw []byte) []byte {
	for short, orig := range n {
		from, _ := json.Marshal(short) // strings always marshal
		to, _ := json.Marshal(orig)
		raw = bytes.ReplaceAll(raw, from, to)
	}
	return raw
}

func shortenToolNames(tools []Tool) ToolNames {
	names := ToolNames{}
	for _, t := range tools {
		if len(t.Name) > maxToolName {
			names[shortName(t.Name)] = t.Name
		}
	}
	return names
}

// shortName keeps a readable prefix and adds a hash of the whole name, so that the result is
// stable across requests and distinct for distinct names.
func shortName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return name[:maxToolName-9] + "_" + hex.EncodeToString(sum[:4])
}

func renameTools(tools []Tool, names ToolNames) []Tool {
	out := make([]Tool, 0, len(tools))
	for _, t := range tools {
		t.Name = names.Short(t.Name)
		out = append(out, t)
	}
	return out
}

func renameChoice(choice json.RawMessage, names ToolNames) json.RawMessage {
	var named struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if len(names) == 0 || json.Unmarshal(choice, &named) != nil || len(named.Name) <= maxToolName {
		return choice
	}
	named.Name = names.Short(named.Name)
	b, _ := json.Marshal(named) // two strings always marshal
	return b
}

// derivedCacheKey returns a stable UUID-shaped key from the instructions and the first user
// message, so that the turns of one conversation share the backend's prompt cache (B9).
func derivedCacheKey(instructions string, input []Item) string {
	h := sha256.New()
	h.Write([]byte(instructions))
	h.Write([]byte{0})
	for _, it := range input {
		if it.Type == ItemMessage && it.Role == "user" {
			for _, p := range it.Content {
				h.Write([]byte(p.Text))
				h.Write([]byte(p.ImageURL))
			}
			break
		}
	}
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50 // version 5 layout, as for name-based UUIDs
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

package canon

import (
	"encoding/json"
	"strings"
	"testing"
)

var (
	reasoner = Model{ID: "gpt-5.5", DefaultEffort: "medium",
		Efforts:            []string{"low", "medium", "high", "xhigh"},
		ReasoningSummaries: true, ParallelToolCalls: true, Verbosity: true}
	plain = Model{ID: "gpt-5.4-mini"}
)

func userText(s string) Item {
	return Item{Type: ItemMessage, Role: "user", Content: []Part{{Type: PartInputText, Text: s}}}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuildInstructions(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{"none", nil, DefaultInstructions},
		{"blank only", []string{"  ", ""}, DefaultInstructions},
		{"joined in order", []string{"Be brief.", " Use French. "}, "Be brief.\n\nUse French."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Draft{Model: plain, Instructions: tt.parts, Input: []Item{userText("hi")}}
			req, _ := d.Build(nil)
			if req.Instructions != tt.want {
				t.Errorf("instructions = %q, want %q", req.Instructions, tt.want)
			}
		})
	}
}

func TestBuildFixedFields(t *testing.T) {
	d := Draft{Model: plain, Input: []Item{userText("hi")}}
	req, _ := d.Build(nil)
	got := mustJSON(t, req)
	for _, want := range []string{`"store":false`, `"stream":true`, `"include":[]`,
		`"tools":[]`, `"parallel_tool_calls":false`} {
		if !strings.Contains(got, want) {
			t.Errorf("request %s lacks %s", got, want)
		}
	}
	if strings.Contains(got, `"reasoning"`) {
		t.Errorf("model without summaries got a reasoning object: %s", got)
	}
}

func TestBuildReasoning(t *testing.T) {
	tests := []struct {
		name, body, suffix, want string
	}{
		{"default", "", "", "medium"},
		{"body", "high", "", "high"},
		{"suffix wins", "low", "xhigh", "xhigh"},
		{"clamped up", "minimal", "", "low"},
		{"clamped down", "max", "", "xhigh"},
		{"none becomes lowest", "none", "", "low"},
		{"unknown is default", "turbo", "", "medium"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Draft{Model: reasoner, Effort: tt.body, SuffixEffort: tt.suffix,
				Input: []Item{userText("hi")}}
			req, _ := d.Build(nil)
			if req.Reasoning == nil || req.Reasoning.Effort != tt.want ||
				req.Reasoning.Summary != "auto" {
				t.Fatalf("reasoning = %+v, want effort %q summary auto", req.Reasoning, tt.want)
			}
			if len(req.Include) != 1 || req.Include[0] != "reasoning.encrypted_content" {
				t.Errorf("include = %v", req.Include)
			}
		})
	}
}

func TestBuildParallelToolCalls(t *testing.T) {
	tool := []Tool{{Type: "function", Name: "f"}}
	no, yes := false, true
	tests := []struct {
		name   string
		model  Model
		tools  []Tool
		client *bool
		want   bool
	}{
		{"no tools", reasoner, nil, &yes, false},
		{"model default", reasoner, tool, nil, true},
		{"model without support", plain, tool, nil, false},
		{"client off", reasoner, tool, &no, false},
		{"client on", plain, tool, &yes, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Draft{Model: tt.model, Tools: tt.tools, ParallelToolCalls: tt.client}
			req, _ := d.Build(nil)
			if req.ParallelToolCalls != tt.want {
				t.Errorf("parallel_tool_calls = %v, want %v", req.ParallelToolCalls, tt.want)
			}
		})
	}
}

func TestBuildItemHygiene(t *testing.T) {
	d := Draft{Model: plain, Input: []Item{
		userText("weather?"),
		{Type: ItemMessage, Role: "assistant", Content: []Part{{Type: PartOutputText}}},
		{Type: ItemFunctionCall, Name: "get_weather", Arguments: `{"city":"Paris"}`,
			CallID: "call_1"},
		{Type: ItemFunctionCallOutput, CallID: "call_1", Output: TextOutput("sunny")},
		{Type: ItemFunctionCallOutput, CallID: "call_gone", Name: "lookup",
			Output: TextOutput("42")},
	}}
	req, _ := d.Build(nil)
	got := mustJSON(t, req.Input)
	want := `[{"type":"message","role":"user","content":[{"type":"input_text","text":"weather?"}]},` +
		`{"type":"function_call","name":"get_weather","arguments":"{\"city\":\"Paris\"}","call_id":"call_1"},` +
		`{"type":"function_call_output","call_id":"call_1","output":"sunny"},` +
		`{"type":"message","role":"user","content":[{"type":"input_text",` +
		`"text":"Result of lookup (call call_gone):\n42"}]}]`
	if got != want {
		t.Errorf("input =\n%s\nwant\n%s", got, want)
	}
}

func TestBuildLongToolNames(t *testing.T) {
	long := strings.Repeat("very_long_tool_name_", 5) // 100 chars
	choice := json.RawMessage(`{"type":"function","name":"` + long + `"}`)
	d := Draft{Model: plain, Tools: []Tool{{Type: "function", Name: long}, {Type: "function",
		Name: "short"}}, ToolChoice: choice, Input: []Item{
		userText("go"),
		{Type: ItemFunctionCall, Name: long, Arguments: "{}", CallID: "c1"},
		{Type: ItemFunctionCallOutput, CallID: "c1", Output: TextOutput("ok")},
	}}
	req, names := d.Build(nil)
	short := req.Tools[0].Name
	if len(short) != maxToolName || !strings.HasPrefix(short, long[:20]) {
		t.Fatalf("short name %q (%d chars)", short, len(short))
	}
	if req.Tools[1].Name != "short" {
		t.Errorf("short names must not change, got %q", req.Tools[1].Name)
	}
	if req.Input[1].Name != short {
		t.Errorf("history call name %q, want %q", req.Input[1].Name, short)
	}
	if !strings.Contains(string(req.ToolChoice), short) {
		t.Errorf("tool_choice %s not shortened", req.ToolChoice)
	}
	if names.Original(short) != long || names.Original("short") != "short" {
		t.Errorf("names do not map back: %v", names)
	}
	raw := []byte(`{"type":"function_call","name":"` + short + `","arguments":"{}"}`)
	if got := string(names.Restore(raw)); got !=
		`{"type":"function_call","name":"`+long+`","arguments":"{}"}` {
		t.Errorf("restored event %s", got)
	}
	other := Draft{Model: plain, Tools: []Tool{{Type: "function", Name: long + "x"}}}
	if r2, _ := other.Build(nil); r2.Tools[0].Name == short {
		t.Errorf("distinct long names shortened to the same %q", short)
	}
}

func TestBuildCacheKey(t *testing.T) {
	a := Draft{Model: plain, Input: []Item{userText("first"), userText("second")}}
	b := Draft{Model: plain, Input: []Item{userText("first"), userText("other")}}
	c := Draft{Model: plain, Input: []Item{userText("different")}}
	ka, _ := a.Build(nil)
	kb, _ := b.Build(nil)
	kc, _ := c.Build(nil)
	if ka.PromptCacheKey != kb.PromptCacheKey {
		t.Errorf("same conversation, keys %s and %s", ka.PromptCacheKey, kb.PromptCacheKey)
	}
	if ka.PromptCacheKey == kc.PromptCacheKey {
		t.Errorf("different conversations share key %s", ka.PromptCacheKey)
	}
	if len(ka.PromptCacheKey) != 36 || ka.PromptCacheKey[14] != '5' {
		t.Errorf("key %q is not UUID-shaped", ka.PromptCacheKey)
	}
	own := Draft{Model: plain, PromptCacheKey: "client-key"}
	if r, _ := own.Build(nil); r.PromptCacheKey != "client-key" {
		t.Errorf("client key replaced by %q", r.PromptCacheKey)
	}
}

func TestBuildReinsertsReasoning(t *testing.T) {
	mem := NewReasoningMemory(8)
	blob := "gAAAAenc=="
	mem.Remember("call_P1", Item{Type: ItemReasoning, EncryptedContent: &blob})
	mem.Remember("call_P2", Item{Type: ItemReasoning, EncryptedContent: &blob})
	d := Draft{Model: reasoner, Input: []Item{
		userText("read both"),
		{Type: ItemFunctionCall, Name: "read_file", Arguments: "{}", CallID: "call_P1"},
		{Type: ItemFunctionCall, Name: "read_file", Arguments: "{}", CallID: "call_P2"},
		{Type: ItemFunctionCallOutput, CallID: "call_P1", Output: TextOutput("a")},
		{Type: ItemFunctionCallOutput, CallID: "call_P2", Output: TextOutput("b")},
	}}
	req, _ := d.Build(mem)
	var types []string
	for _, it := range req.Input {
		types = append(types, it.Type)
	}
	want := "message reasoning function_call function_call function_call_output " +
		"function_call_output"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("items %q, want %q", got, want)
	}
	if got := mustJSON(t, req.Input[1]); got !=
		`{"type":"reasoning","summary":[],"encrypted_content":"gAAAAenc=="}` {
		t.Errorf("reasoning item %s", got)
	}
}

func TestReasoningMemoryBounded(t *testing.T) {
	mem := NewReasoningMemory(2)
	blob := "x"
	for _, id := range []string{"a", "b", "c"} {
		mem.Remember(id, Item{Type: ItemReasoning, EncryptedContent: &blob})
	}
	if mem.Len() != 2 {
		t.Fatalf("len %d, want 2", mem.Len())
	}
	if _, ok := mem.Recall("a"); ok {
		t.Error("oldest entry kept past the bound")
	}
	if _, ok := mem.Recall("c"); !ok {
		t.Error("newest entry lost")
	}
}

func TestParseModelName(t *testing.T) {
	list := fakeCatalog{"gpt-5.5": reasoner, "gpt-5.4-mini": plain}
	tests := []struct {
		in     string
		id     string
		effort string
	}{
		{"gpt-5.5", "gpt-5.5", ""},
		{"gpt-5.5:latest", "gpt-5.5", ""},
		{"gpt-5.5-high", "gpt-5.5", "high"},
		{"gpt-5.5-HIGH:latest", "gpt-5.5", "high"},
		{"gpt-5.5_xhigh", "gpt-5.5", "xhigh"},
		{"gpt-5.4-mini", "gpt-5.4-mini", ""},
		{"gpt-9-high", "gpt-9-high", ""},
	}
	for _, tt := range tests {
		got := ParseModelName(tt.in, list)
		if got.ID != tt.id || got.Effort != tt.effort {
			t.Errorf("ParseModelName(%q) = %+v, want %s/%s", tt.in, got, tt.id, tt.effort)
		}
	}
	if _, _, err := ResolveModel("gpt-9", list); AsError(err).Kind != KindNotFound {
		t.Errorf("unknown model error = %v", err)
	}
	if _, _, err := ResolveModel(" ", list); AsError(err).Kind != KindInvalidRequest {
		t.Errorf("empty model error = %v", err)
	}
}

type fakeCatalog map[string]Model

func (c fakeCatalog) Lookup(id string) (Model, bool) { m, ok := c[id]; return m, ok }

func TestBuildCallsWithoutResultGetOne(t *testing.T) {
	call := func(id string) Item {
		return Item{Type: ItemFunctionCall, Name: "f", Arguments: "{}", CallID: id}
	}
	result := func(id string) Item {
		return Item{Type: ItemFunctionCallOutput, CallID: id, Output: TextOutput("ok")}
	}
	d := Draft{Model: plain, Input: []Item{
		userText("go"), call("a"), call("b"), result("b"), userText("again"), call("c"),
	}}
	req, _ := d.Build(nil)
	var got []string
	for _, it := range req.Input {
		got = append(got, it.Type+":"+it.CallID+":"+outputText(it.Output))
	}
	want := []string{"message::", "function_call:a:", "function_call:b:",
		"function_call_output:a:" + noResult, "function_call_output:b:ok", "message::",
		"function_call:c:", "function_call_output:c:" + noResult}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

package openai

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// emptySchema is sent for a function tool that declares no parameters: the backend expects a
// schema on every function tool.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// toolDef holds the members of a tool in either the Chat form (nested under "function" or
// "custom") or the flat Responses form.
type toolDef struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
	Strict      *bool           `json:"strict"`
	Function    *toolDef        `json:"function"`
	Custom      json.RawMessage `json:"custom"`
}

// decodeTools maps tool definitions to the backend's flat form (PROTOCOL.md B7): function tools
// become [canon.Tool] values keeping strict; Chat custom tools are flattened; any other tool
// type travels as is.
func decodeTools(raws []json.RawMessage, param string) ([]canon.Tool, error) {
	out := make([]canon.Tool, 0, len(raws))
	for i, raw := range raws {
		p := fmt.Sprintf("%s[%d]", param, i)
		t, err := decodeTool(raw, p)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func decodeTool(raw json.RawMessage, param string) (canon.Tool, error) {
	var def toolDef
	if err := wire.DecodeObject(raw, &def, param); err != nil {
		return canon.Tool{}, err
	}
	switch {
	case def.Type == "function" || (def.Type == "" && def.Function != nil):
		return functionTool(def, param)
	case def.Type == "custom" && jsonKind(def.Custom) == '{':
		return customTool(def.Custom, param)
	case def.Type == "":
		return canon.Tool{}, wire.Invalid(param+".type", "%s.type is required", param)
	}
	return canon.Tool{Type: def.Type, Raw: compact(raw)}, nil
}

// functionTool flattens a function tool; the Chat form nests it under "function".
func functionTool(def toolDef, param string) (canon.Tool, error) {
	if def.Function != nil {
		def, param = *def.Function, param+".function"
	}
	if strings.TrimSpace(def.Name) == "" {
		return canon.Tool{}, wire.Invalid(param+".name", "%s.name is required", param)
	}
	t := canon.Tool{Type: "function", Name: def.Name, Description: def.Description,
		Parameters: emptySchema, Strict: def.Strict}
	if !wire.Absent(def.Parameters) {
		if jsonKind(def.Parameters) != '{' {
			return canon.Tool{}, wire.Invalid(param+".parameters",
				"%s.parameters must be a JSON schema object", param)
		}
		t.Parameters = compact(def.Parameters)
	}
	return t, nil
}

// customTool turns Chat's {"type":"custom","custom":{name,…}} into the flat
// {"type":"custom","name":…,…} of the Responses API.
func customTool(inner json.RawMessage, param string) (canon.Tool, error) {
	var m map[string]json.RawMessage
	if err := wire.DecodePart(inner, &m, param+".custom"); err != nil {
		return canon.Tool{}, err
	}
	m["type"] = json.RawMessage(`"custom"`)
	b, err := json.Marshal(m)
	if err != nil {
		return canon.Tool{}, wire.Invalid(param, "%s is not valid JSON", param)
	}
	var name struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(b, &name) // b was just marshalled from an object
	return canon.Tool{Type: "custom", Name: name.Name, Raw: b}, nil
}

// legacyFunctions maps the deprecated Chat "functions" list to function tools.
func legacyFunctions(raws []json.RawMessage) ([]canon.Tool, error) {
	out := make([]canon.Tool, 0, len(raws))
	for i, raw := range raws {
		p := fmt.Sprintf("functions[%d]", i)
		var def toolDef
		if err := wire.DecodePart(raw, &def, p); err != nil {
			return nil, err
		}
		t, err := functionTool(def, p)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// choiceDef holds the members of a tool_choice object in its Chat or Responses form.
type choiceDef struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Mode     string `json:"mode"`
	Function *struct {
		Name string `json:"name"`
	} `json:"function"`
	Custom *struct {
		Name string `json:"name"`
	} `json:"custom"`
	AllowedTools *struct {
		Mode string `json:"mode"`
	} `json:"allowed_tools"`
}

// toolChoice maps tool_choice to the backend's form (B7): the strings pass; a named function or
// custom tool becomes {"type":…,"name":…}; the allowed_tools form becomes its mode, since the
// backend has no such form ("auto" unless it asks for "required"); other objects pass as is.
func toolChoice(raw json.RawMessage, param string) (json.RawMessage, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return nil, nil
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s) // a string token always decodes
		switch s {
		case "auto", "none", "required":
			return quoteJSON(s), nil
		}
		return nil, wire.Invalid(param, `%s must be "auto", "none", "required" or an object`, param)
	case '{':
		return choiceObject(raw, param)
	}
	return nil, wire.Invalid(param, "%s must be a string or an object", param)
}

func choiceObject(raw json.RawMessage, param string) (json.RawMessage, error) {
	var c choiceDef
	if err := wire.DecodePart(raw, &c, param); err != nil {
		return nil, err
	}
	switch c.Type {
	case "function", "custom":
		name := c.Name
		if c.Function != nil && name == "" {
			name = c.Function.Name
		}
		if c.Custom != nil && name == "" {
			name = c.Custom.Name
		}
		if name == "" {
			return nil, wire.Invalid(param, "%s names no tool", param)
		}
		b, _ := json.Marshal(struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}{c.Type, name}) // two strings always marshal
		return b, nil
	case "allowed_tools":
		mode := c.Mode
		if c.AllowedTools != nil && mode == "" {
			mode = c.AllowedTools.Mode
		}
		if mode == "required" {
			return quoteJSON("required"), nil
		}
		return quoteJSON("auto"), nil
	case "":
		return nil, wire.Invalid(param+".type", "%s.type is required", param)
	}
	return compact(raw), nil
}

// withoutTools drops a tool choice when the request defines no tools: some clients always send
// "auto", and the Responses API refuses a tool choice without tools.
func withoutTools(choice json.RawMessage, tools []canon.Tool) json.RawMessage {
	if len(tools) == 0 {
		return nil
	}
	return choice
}

func quoteJSON(s string) json.RawMessage { return wire.AppendString(nil, s) }

// formatDef holds a structured-output format in its Chat form (schema under "json_schema") or
// its Responses form (flat).
type formatDef struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Strict      *bool           `json:"strict"`
	JSONSchema  *formatDef      `json:"json_schema"`
}

// textFormat maps response_format (Chat) or text.format (Responses) to the backend's text.format
// (B13). "text" means no format.
func textFormat(raw json.RawMessage, param string) (*canon.TextFormat, error) {
	if wire.Absent(raw) {
		return nil, nil
	}
	var f formatDef
	if err := wire.DecodePart(raw, &f, param); err != nil {
		return nil, err
	}
	switch f.Type {
	case "text":
		return nil, nil
	case "json_object":
		return &canon.TextFormat{Type: "json_object"}, nil
	case "json_schema":
		return schemaFormat(f, param)
	}
	return nil, wire.Invalid(param+".type",
		`%s.type must be "text", "json_object" or "json_schema"`, param)
}

func schemaFormat(f formatDef, param string) (*canon.TextFormat, error) {
	if f.JSONSchema != nil {
		f, param = *f.JSONSchema, param+".json_schema"
	}
	if jsonKind(f.Schema) != '{' {
		return nil, wire.Invalid(param+".schema", "%s.schema must be a JSON schema object", param)
	}
	name := f.Name
	if name == "" {
		name = "response"
	}
	return &canon.TextFormat{Type: "json_schema", Name: name, Description: f.Description,
		Schema: compact(f.Schema), Strict: f.Strict}, nil
}

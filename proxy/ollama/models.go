package ollama

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// OllamaVersion is the Ollama version lagp reports. Clients gate features on it: Copilot needs
// at least 0.6.4, tool-call ids arrived in 0.12.10, and the VS Code extension recommends 0.17.6.
const OllamaVersion = "0.17.6"

// family is the architecture name lagp reports for every model; model_info then carries
// "gpt.context_length", where clients look for the context window.
const family = "gpt"

type modelDetails struct {
	ParentModel       string   `json:"parent_model"`
	Format            string   `json:"format"`
	Family            string   `json:"family"`
	Families          []string `json:"families"`
	ParameterSize     string   `json:"parameter_size"`
	QuantizationLevel string   `json:"quantization_level"`
}

// details is the same for every model: clients validate that each field is a string, and a
// hosted model has no file format, size or quantisation to report.
func details() modelDetails {
	return modelDetails{Format: "gguf", Family: family, Families: []string{family},
		ParameterSize: "unknown", QuantizationLevel: "unknown"}
}

type tagModel struct {
	Name         string       `json:"name"`
	Model        string       `json:"model"`
	ModifiedAt   string       `json:"modified_at"`
	Size         int64        `json:"size"`
	Digest       string       `json:"digest"`
	Details      modelDetails `json:"details"`
	Capabilities []string     `json:"capabilities"`
}

// Tags returns the /api/tags body: every model of the account as "<slug>:latest", with every
// field Ollama clients validate filled in (CLIENTS.md §2). modified is shown as the models'
// modification time.
func Tags(models canon.ModelList, modified time.Time) []byte {
	list := make([]tagModel, 0, len(models))
	for _, m := range models {
		list = append(list, tagModel{Name: tagged(m.ID), Model: tagged(m.ID),
			ModifiedAt: rfc3339(modified), Digest: digest(m.ID), Details: details(),
			Capabilities: capabilities(m)})
	}
	return marshal(struct {
		Models []tagModel `json:"models"`
	}{list})
}

type showBody struct {
	License      string         `json:"license"`
	Modelfile    string         `json:"modelfile"`
	Parameters   string         `json:"parameters"`
	Template     string         `json:"template"`
	Details      modelDetails   `json:"details"`
	ModelInfo    map[string]any `json:"model_info"`
	Capabilities []string       `json:"capabilities"`
	ModifiedAt   string         `json:"modified_at"`
}

// showTemplate is the template /api/show reports. lagp applies no template (the backend does),
// but clients read it: aider detects tool support by the word "tools", and Continue would send
// fill-in-the-middle requests if it mentioned the suffix, which lagp cannot serve.
const showTemplate = "{{- /* lagp sends system, messages and tools to ChatGPT as they are; " +
	"this template is informational */ -}}\n" +
	"{{ if .System }}system: {{ .System }}\n{{ end }}" +
	"{{ if .Tools }}tools: {{ range .Tools }}{{ .Function.Name }} {{ end }}\n{{ end }}" +
	"{{ range .Messages }}{{ .Role }}: {{ .Content }}\n{{ end }}"

// Show returns the /api/show body for one model: its capabilities, context window (in
// parameters as num_ctx and in model_info as gpt.context_length), details and a template that
// advertises tools and no fill-in-the-middle.
func Show(m canon.Model, modified time.Time) []byte {
	info := map[string]any{
		"general.architecture":    family,
		"general.basename":        displayName(m),
		"general.parameter_count": 0,
	}
	var params, modelfile strings.Builder
	modelfile.WriteString("# served by lagp from your ChatGPT account\nFROM " + tagged(m.ID) + "\n")
	if m.ContextWindow > 0 {
		info[family+".context_length"] = m.ContextWindow
		params.WriteString("num_ctx " + strconv.Itoa(m.ContextWindow))
		modelfile.WriteString("PARAMETER num_ctx " + strconv.Itoa(m.ContextWindow) + "\n")
	}
	return marshal(showBody{
		License:      "Provided by OpenAI through your ChatGPT account; OpenAI's terms apply.",
		Modelfile:    modelfile.String(),
		Parameters:   params.String(),
		Template:     showTemplate,
		Details:      details(),
		ModelInfo:    info,
		Capabilities: capabilities(m),
		ModifiedAt:   rfc3339(modified),
	})
}

// DecodeShow returns the model name of an /api/show body, from "model" or the legacy "name"
// that Continue and aider send.
func DecodeShow(body []byte) (string, error) {
	var req struct {
		Model string `json:"model"`
		Name  string `json:"name"`
	}
	if err := wire.DecodeBody(body, &req); err != nil {
		return "", err
	}
	name := strings.TrimSpace(req.Model)
	if name == "" {
		name = strings.TrimSpace(req.Name)
	}
	if name == "" {
		return "", wire.Invalid("model", "the request names no model")
	}
	return name, nil
}

type psModel struct {
	Name          string       `json:"name"`
	Model         string       `json:"model"`
	Size          int64        `json:"size"`
	Digest        string       `json:"digest"`
	Details       modelDetails `json:"details"`
	ExpiresAt     string       `json:"expires_at"`
	SizeVRAM      int64        `json:"size_vram"`
	ContextLength int          `json:"context_length"`
}

// psKeep is how long /api/ps says a model stays loaded. Nothing is loaded locally; every model
// of the account is always ready, so lagp lists them all as loaded for a day from now.
const psKeep = 24 * time.Hour

// PS returns the /api/ps body: every model, "loaded" until a day after now.
func PS(models canon.ModelList, now time.Time) []byte {
	list := make([]psModel, 0, len(models))
	for _, m := range models {
		list = append(list, psModel{Name: tagged(m.ID), Model: tagged(m.ID), Digest: digest(m.ID),
			Details: details(), ExpiresAt: rfc3339(now.Add(psKeep)),
			ContextLength: m.ContextWindow})
	}
	return marshal(struct {
		Models []psModel `json:"models"`
	}{list})
}

// Version returns the /api/version body.
func Version() []byte {
	return []byte(`{"version":"` + OllamaVersion + `"}` + "\n")
}

// Unsupported returns the error for an Ollama route lagp cannot serve, given as the route
// ("/api/pull") or its verb ("pull"): a 501 whose message says what lagp cannot do and where its
// models come from.
func Unsupported(route string) *canon.Error {
	name := strings.Trim(strings.TrimPrefix(strings.TrimSpace(route), "/api/"), "/")
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[:i]
	}
	what := "serve " + route
	switch name {
	case "pull", "push", "create", "copy", "delete":
		what = name + " models"
	case "embed", "embeddings":
		what = "compute embeddings"
	case "blobs":
		what = "store model files"
	}
	return &canon.Error{Kind: canon.KindUnavailable, Code: "unsupported",
		Message: "lagp cannot " + what + ": models come from your ChatGPT account; " +
			"run GET /api/tags to list them"}
}

// capabilities lists what a model can do in Ollama's terms: completion and tools always,
// thinking when it has reasoning levels, vision when it takes images.
func capabilities(m canon.Model) []string {
	caps := []string{"completion", "tools"}
	if len(m.Efforts) > 0 {
		caps = append(caps, "thinking")
	}
	if m.Vision {
		caps = append(caps, "vision")
	}
	return caps
}

func displayName(m canon.Model) string {
	if m.DisplayName != "" {
		return m.DisplayName
	}
	return m.ID
}

func tagged(id string) string { return id + ":latest" }

// digest is a stable stand-in for a model file digest: the SHA-256 of the slug.
func digest(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// marshal encodes v, which holds only strings, numbers, slices and maps of those, followed by
// a newline.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Unreachable for the types above; fail loudly in an answer rather than panic.
		return []byte(`{"error":"internal error"}` + "\n")
	}
	return append(b, '\n')
}

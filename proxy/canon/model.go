package canon

import (
	"slices"
	"strings"
)

// Model describes one model of the account, as listed by the backend's /models endpoint.
type Model struct {
	ID                 string   // slug sent upstream, e.g. "gpt-5.4"
	DisplayName        string   // e.g. "GPT-5.4"
	Description        string   //
	ContextWindow      int      // tokens; 0 when unknown
	DefaultEffort      string   // e.g. "medium"; "" for models without reasoning levels
	Efforts            []string // supported reasoning efforts, lowest first
	ReasoningSummaries bool     // supports reasoning summaries (B11)
	ParallelToolCalls  bool     // supports parallel tool calls (B8)
	Verbosity          bool     // accepts text.verbosity
	Vision             bool     // accepts image input
	Priority           int      // lower is listed first
}

// Catalog looks up the models of the signed-in account.
type Catalog interface {
	// Lookup returns the model with the given slug, which must already be resolved with
	// [ParseModelName].
	Lookup(id string) (Model, bool)
}

// effortOrder lists every reasoning effort the backend knows, lowest first.
var effortOrder = []string{"none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"}

// ModelName is a client's model name split into the backend slug and an optional effort suffix.
type ModelName struct {
	ID     string // backend slug
	Effort string // effort from a "-high" style suffix, or ""
}

// ParseModelName resolves a client model name: it drops an Ollama ":latest" tag and, when the
// name ends with "-<effort>" and the rest names a known model, splits off that effort (B10).
// An unknown model is returned as is, for the caller to reject.
func ParseModelName(name string, c Catalog) ModelName {
	name = strings.TrimSpace(name)
	name = strings.TrimSuffix(name, ":latest")
	if _, ok := c.Lookup(name); ok {
		return ModelName{ID: name}
	}
	i := strings.LastIndexAny(name, "-_")
	if i > 0 && slices.Contains(effortOrder, strings.ToLower(name[i+1:])) {
		if _, ok := c.Lookup(name[:i]); ok {
			return ModelName{ID: name[:i], Effort: strings.ToLower(name[i+1:])}
		}
	}
	return ModelName{ID: name}
}

// ResolveModel resolves name against the catalog, or returns a not-found [*Error] naming it.
func ResolveModel(name string, c Catalog) (Model, ModelName, error) {
	if strings.TrimSpace(name) == "" {
		return Model{}, ModelName{}, &Error{Kind: KindInvalidRequest, Param: "model",
			Code: "model_required", Message: "the request names no model"}
	}
	mn := ParseModelName(name, c)
	m, ok := c.Lookup(mn.ID)
	if !ok {
		return Model{}, mn, &Error{Kind: KindNotFound, Param: "model", Code: "model_not_found",
			Message: "model " + quote(name) + " not found; list the models of your ChatGPT " +
				"account at /v1/models or /api/tags"}
	}
	return m, mn, nil
}

// ClampEffort returns the reasoning effort to send for a requested one (B10). An empty request
// means the model's default. A level the model lacks becomes the nearest level it has, preferring
// the next higher one. Models without reasoning levels get "".
func ClampEffort(m Model, requested string) string {
	if len(m.Efforts) == 0 {
		return ""
	}
	requested = strings.ToLower(strings.TrimSpace(requested))
	if requested == "" {
		if m.DefaultEffort != "" {
			return m.DefaultEffort
		}
		return m.Efforts[len(m.Efforts)/2]
	}
	if slices.Contains(m.Efforts, requested) {
		return requested
	}
	want := slices.Index(effortOrder, requested)
	if want < 0 {
		return ClampEffort(m, "")
	}
	// The nearest supported level at or above the request, else the highest below it.
	best := ""
	for _, e := range m.Efforts {
		rank := slices.Index(effortOrder, e)
		if rank >= want {
			return e
		}
		best = e
	}
	return best
}

// LowestEffort returns the model's lowest reasoning level, "none" when it supports that.
func LowestEffort(m Model) string {
	if len(m.Efforts) == 0 {
		return ""
	}
	return m.Efforts[0]
}

func quote(s string) string { return `"` + s + `"` }

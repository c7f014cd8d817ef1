package fakebackend

import (
	"net/http"
	"strings"
)

// fakeModel is one model of the fake account.
type fakeModel struct {
	slug       string
	visibility string
	priority   int
	efforts    []string // as listed in the response, deliberately not always sorted
	summaries  bool
	modalities []string // nil: field absent
	minVersion any      // string or int array, as the backend sends either
	context    int
}

// models lists the fake account's models, in an order other than by priority so that clients
// must sort them.
func models() []fakeModel {
	return []fakeModel{
		{slug: "gpt-5.4", visibility: "list", priority: 16,
			efforts:   []string{"low", "medium", "high", "xhigh"},
			summaries: true, modalities: []string{"text", "image"}, minVersion: "0.98.0",
			context: 272000},
		{slug: "codex-auto-review", visibility: "hide", priority: 1,
			efforts:   []string{"medium"},
			summaries: true, modalities: []string{"text"}, minVersion: "0.98.0", context: 272000},
		{slug: "gpt-5.3-codex", visibility: "list", priority: 30,
			efforts:   []string{"high", "low", "xhigh", "medium"},
			summaries: true, minVersion: "0.90.0", context: 272000},
		{slug: "gpt-5.5", visibility: "list", priority: 10,
			efforts:   []string{"low", "medium", "high", "xhigh"},
			summaries: true, modalities: []string{"text", "image"}, minVersion: "0.130.0",
			context: 400000},
		{slug: "gpt-5.4-mini", visibility: "list", priority: 20,
			efforts:   []string{"none", "low", "medium", "high"},
			summaries: false, modalities: []string{"text"}, minVersion: []int{0, 99, 0},
			context: 128000},
	}
}

// findModel returns the fake model with the given slug.
func findModel(slug string) (fakeModel, bool) {
	for _, m := range models() {
		if m.slug == slug {
			return m, true
		}
	}
	return fakeModel{}, false
}

// json renders the model in the backend's ModelInfo shape (F7).
func (m fakeModel) json() map[string]any {
	levels := make([]map[string]string, len(m.efforts))
	for i, e := range m.efforts {
		levels[i] = map[string]string{"effort": e, "description": "Reasoning effort " + e}
	}
	out := map[string]any{
		"slug":                         m.slug,
		"display_name":                 strings.ToUpper(m.slug[:3]) + m.slug[3:],
		"description":                  "Fake model " + m.slug + " for tests.",
		"default_reasoning_level":      "medium",
		"supported_reasoning_levels":   levels,
		"shell_type":                   "shell_command",
		"visibility":                   m.visibility,
		"supported_in_api":             true,
		"priority":                     m.priority,
		"upgrade":                      nil,
		"base_instructions":            "You are Codex, a coding agent.",
		"supports_reasoning_summaries": m.summaries,
		"support_verbosity":            m.summaries,
		"default_verbosity":            "low",
		"apply_patch_tool_type":        "freeform",
		"truncation_policy":            map[string]any{"mode": "tokens", "limit": 10000},
		"supports_parallel_tool_calls": true,
		"context_window":               m.context,
		"experimental_supported_tools": []string{},
		"minimal_client_version":       m.minVersion,
		"service_tiers": []map[string]string{
			{"id": "priority", "name": "Fast", "description": "Faster answers."},
		},
	}
	if m.modalities != nil {
		out["input_modalities"] = m.modalities
	}
	return out
}

func (s *Server) handleModels(rw http.ResponseWriter, r *http.Request) {
	w := &recorder{ResponseWriter: rw, s: s, i: s.record(newRecord(r))}
	s.writeLimits(w.Header())
	s.mu.Lock()
	status := s.modelsStatus
	s.mu.Unlock()
	if !s.authorize(w, r) {
		return
	}
	if r.URL.Query().Get("client_version") == "" {
		writeJSON(w, http.StatusBadRequest, detail{"client_version is required"})
		return
	}
	if status != 0 && status != http.StatusOK {
		writeJSON(w, status, map[string]any{"error": map[string]string{
			"code": "models_unavailable", "message": "The model list is unavailable."}})
		return
	}
	list := []map[string]any{}
	for _, m := range models() {
		list = append(list, m.json())
	}
	w.Header().Set("ETag", `"fake-models-1"`)
	writeJSON(w, http.StatusOK, map[string]any{"models": list})
}

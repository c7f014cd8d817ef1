package ollama

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire/wiretest"
	"github.com/ollama/ollama/api"
)

var modified = time.Date(2026, 3, 4, 5, 6, 7, 890, time.FixedZone("CET", 3600))

func TestTags(t *testing.T) {
	body := Tags(testModels(), modified)
	if !strings.HasSuffix(string(body), "}\n") || strings.Count(string(body), "\n") != 1 {
		t.Errorf("body is not one line: %q", body)
	}
	var list api.ListResponse
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("api.ListResponse: %v", err)
	}
	if len(list.Models) != 3 {
		t.Fatalf("%d models, want 3", len(list.Models))
	}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for i, m := range list.Models {
		id := testModels()[i].ID
		if m.Name != id+":latest" || m.Model != m.Name {
			t.Errorf("model %d: name %q, model %q", i, m.Name, m.Model)
		}
		if !m.ModifiedAt.Equal(modified.Truncate(time.Second)) {
			t.Errorf("model %d: modified_at %v", i, m.ModifiedAt)
		}
		if !hex64.MatchString(m.Digest) {
			t.Errorf("model %d: digest %q", i, m.Digest)
		}
		want := api.ModelDetails{Format: "gguf", Family: "gpt", Families: []string{"gpt"},
			ParameterSize: "unknown", QuantizationLevel: "unknown"}
		if diff := cmp.Diff(want, m.Details); diff != "" {
			t.Errorf("model %d details (-want +got):\n%s", i, diff)
		}
	}
	if list.Models[0].Digest == list.Models[1].Digest {
		t.Error("two models share a digest")
	}
	// Fields strict clients (Zed, Roo Code) require must be present, never null.
	var raw struct {
		Models []map[string]any `json:"models"`
	}
	_ = json.Unmarshal(body, &raw)
	for _, key := range []string{"name", "model", "modified_at", "size", "digest", "details",
		"capabilities"} {
		if v, ok := raw.Models[0][key]; !ok || v == nil {
			t.Errorf("tags entry lacks %q", key)
		}
	}
	details := raw.Models[0]["details"].(map[string]any)
	if v, ok := details["parent_model"]; !ok || v != "" {
		t.Errorf("details.parent_model = %v, want present and empty", v)
	}
	if caps := raw.Models[0]["capabilities"]; !cmp.Equal(caps,
		[]any{"completion", "tools", "thinking", "vision"}) {
		t.Errorf("capabilities = %v", caps)
	}
}

func TestTags_EmptyListIsAnArray(t *testing.T) {
	if got := string(Tags(nil, modified)); got != `{"models":[]}`+"\n" {
		t.Errorf("Tags(nil) = %q", got)
	}
}

func TestShow(t *testing.T) {
	tests := []struct {
		model   canon.Model
		caps    []string
		ctx     any
		params  string
		display string
	}{
		{testModels()[0], []string{"completion", "tools", "thinking", "vision"}, float64(272000),
			"num_ctx 272000", "GPT-5.4"},
		{testModels()[1], []string{"completion", "tools", "thinking"}, float64(400000),
			"num_ctx 400000", "GPT-5.5"},
		{testModels()[2], []string{"completion", "tools"}, nil, "", "codex-mini"},
	}
	for _, tt := range tests {
		t.Run(tt.model.ID, func(t *testing.T) {
			body := Show(tt.model, modified)
			var show api.ShowResponse
			if err := json.Unmarshal(body, &show); err != nil {
				t.Fatalf("api.ShowResponse: %v", err)
			}
			var caps []string
			for _, c := range show.Capabilities {
				caps = append(caps, string(c))
			}
			if diff := cmp.Diff(tt.caps, caps); diff != "" {
				t.Errorf("capabilities (-want +got):\n%s", diff)
			}
			if got := show.ModelInfo["gpt.context_length"]; got != tt.ctx {
				t.Errorf("gpt.context_length = %v, want %v", got, tt.ctx)
			}
			if show.ModelInfo["general.architecture"] != "gpt" ||
				show.ModelInfo["general.basename"] != tt.display ||
				show.ModelInfo["general.parameter_count"] != float64(0) {
				t.Errorf("model_info = %v", show.ModelInfo)
			}
			if show.Parameters != tt.params {
				t.Errorf("parameters = %q, want %q", show.Parameters, tt.params)
			}
			if !strings.Contains(show.Template, "tools") || strings.Contains(show.Template, "Suffix") {
				t.Errorf("template must mention tools and not the suffix: %q", show.Template)
			}
			if show.License == "" || show.Modelfile == "" || show.Details.Family != "gpt" ||
				show.ModifiedAt.IsZero() {
				t.Errorf("show lacks license, modelfile, details or modified_at: %s", body)
			}
		})
	}
}

func TestDecodeShow(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"model":"gpt-5.4:latest"}`, "gpt-5.4:latest"},
		{`{"name":"gpt-5.4"}`, "gpt-5.4"},
		{`{"model":"a","name":"b"}`, "a"},
		{`{"model":"","name":"b","verbose":true}`, "b"},
	}
	for _, tt := range tests {
		got, err := DecodeShow([]byte(tt.body))
		if err != nil || got != tt.want {
			t.Errorf("DecodeShow(%s) = %q, %v, want %q", tt.body, got, err, tt.want)
		}
	}
	for _, body := range []string{`{}`, `{"model":" "}`, `not json`, `{"model":3}`} {
		if _, err := DecodeShow([]byte(body)); err == nil {
			t.Errorf("DecodeShow(%s) accepted", body)
		} else {
			wiretest.WantError(t, err, canon.KindInvalidRequest, paramOf(err), "")
		}
	}
}

func paramOf(err error) string {
	if e, ok := err.(*canon.Error); ok {
		return e.Param
	}
	return ""
}

func TestPS(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	var ps api.ProcessResponse
	if err := json.Unmarshal(PS(testModels(), now), &ps); err != nil {
		t.Fatalf("api.ProcessResponse: %v", err)
	}
	if len(ps.Models) != 3 {
		t.Fatalf("%d models, want 3", len(ps.Models))
	}
	m := ps.Models[0]
	if m.Name != "gpt-5.4:latest" || m.Model != m.Name || m.ContextLength != 272000 ||
		!m.ExpiresAt.Equal(now.Add(24*time.Hour)) || m.Details.Family != "gpt" {
		t.Errorf("ps entry = %+v", m)
	}
	if got := string(PS(nil, now)); got != `{"models":[]}`+"\n" {
		t.Errorf("PS(nil) = %q", got)
	}
}

func TestVersion(t *testing.T) {
	var v struct{ Version string }
	if err := json.Unmarshal(Version(), &v); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(v.Version, ".")
	if len(parts) != 3 {
		t.Fatalf("version %q is not x.y.z", v.Version)
	}
	// At least 0.12.10, where tool-call ids arrived (CLIENTS.md §2).
	if !versionAtLeast(v.Version, []int{0, 12, 10}) {
		t.Errorf("version %q is older than 0.12.10", v.Version)
	}
}

func versionAtLeast(v string, min []int) bool {
	var got []int
	for _, p := range strings.Split(v, ".") {
		n := 0
		for _, c := range p {
			if c < '0' || c > '9' {
				return false
			}
			n = n*10 + int(c-'0')
		}
		got = append(got, n)
	}
	return slices.Compare(got, min) >= 0
}

func TestUnsupported(t *testing.T) {
	tests := []struct{ route, want string }{
		{"/api/pull", "lagp cannot pull models: models come from your ChatGPT account; " +
			"run GET /api/tags to list them"},
		{"/api/push", "lagp cannot push models"},
		{"/api/create", "lagp cannot create models"},
		{"/api/copy", "lagp cannot copy models"},
		{"/api/delete", "lagp cannot delete models"},
		{"/api/embed", "lagp cannot compute embeddings"},
		{"/api/embeddings", "lagp cannot compute embeddings"},
		{"/api/blobs/sha256:abc", "lagp cannot store model files"},
		{"/api/me", "lagp cannot serve /api/me"},
		{"pull", "lagp cannot pull models"}, // the glue passes the bare verb
		{"embeddings", "lagp cannot compute embeddings"},
		{"blobs/sha256:abc", "lagp cannot store model files"},
	}
	for _, tt := range tests {
		e := Unsupported(tt.route)
		if e.Kind != canon.KindUnavailable || e.Status() != 501 ||
			!strings.HasPrefix(e.Message, tt.want) || !strings.Contains(e.Message, "ChatGPT account") {
			t.Errorf("Unsupported(%q) = %d %q", tt.route, e.Status(), e.Message)
		}
	}
}

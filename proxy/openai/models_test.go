package openai

import (
	"encoding/json"
	"testing"

	"github.com/openai/openai-go/v3"
)

func TestModelList(t *testing.T) {
	got := string(ModelList(testModels))
	want := `{"object":"list","data":[` +
		`{"id":"gpt-5.4","object":"model","created":1735689600,"owned_by":"openai",` +
		`"context_length":272000},` +
		`{"id":"gpt-5.5","object":"model","created":1735689600,"owned_by":"openai",` +
		`"context_length":400000},` +
		`{"id":"codex-mini","object":"model","created":1735689600,"owned_by":"openai"}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := string(ModelList(nil)); got != `{"object":"list","data":[]}` {
		t.Errorf("empty list: %s", got)
	}
}

func TestModelObject(t *testing.T) {
	b := ModelObject(testModels[0])
	var m openai.Model
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.ID != "gpt-5.4" || m.OwnedBy != "openai" || m.Created != 1735689600 {
		t.Errorf("SDK read %+v from %s", m, b)
	}
}

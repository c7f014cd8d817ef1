package openai

import (
	"encoding/json"

	"github.com/lagp/lagp/proxy/canon"
)

// modelCreated is the "created" time reported for every model. The backend's model list has no
// creation date, and clients only need a stable integer here.
const modelCreated = 1735689600 // 2025-01-01T00:00:00Z

// modelObject is one entry of /v1/models. ContextLength is a common extension (LM Studio users
// ask for it) and is left out when the window is unknown.
type modelObject struct {
	ID            string `json:"id"`
	Object        string `json:"object"`
	Created       int64  `json:"created"`
	OwnedBy       string `json:"owned_by"`
	ContextLength int    `json:"context_length,omitempty"`
}

// ModelList returns the body of GET /v1/models: {"object":"list","data":[…]}, one entry per
// model with its bare slug as the id, in the order given.
func ModelList(models canon.ModelList) []byte {
	data := make([]modelObject, 0, len(models))
	for _, m := range models {
		data = append(data, newModelObject(m))
	}
	b, _ := json.Marshal(struct {
		Object string        `json:"object"`
		Data   []modelObject `json:"data"`
	}{"list", data}) // plain strings and ints always marshal
	return b
}

// ModelObject returns the body of GET /v1/models/{id} for one model.
func ModelObject(m canon.Model) []byte {
	b, _ := json.Marshal(newModelObject(m)) // plain strings and ints always marshal
	return b
}

func newModelObject(m canon.Model) modelObject {
	return modelObject{ID: m.ID, Object: "model", Created: modelCreated, OwnedBy: "openai",
		ContextLength: m.ContextWindow}
}

package ollama

import (
	"encoding/json"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// GenerateOptions are the parts of an /api/generate request that shape the answer rather than
// the backend request.
type GenerateOptions struct {
	// Stream is false only when the client sent "stream": false; Ollama streams by default.
	Stream bool
	// Model is the model name as the client sent it; answers echo it.
	Model string
	// Think is the client's "think" as a switch: nil when unset, false when thinking output
	// must be hidden.
	Think *bool
	// Load is set for an empty prompt, which asks Ollama to load the model. Answer it with
	// [GenerateControl] instead of calling the backend.
	Load bool
	// Unload is set for an empty prompt with keep_alive 0 (Open WebUI's unload action). Answer
	// it with [GenerateControl] too.
	Unload bool
}

func (o GenerateOptions) hideThinking() bool { return o.Think != nil && !*o.Think }

// generateRequest is the part of an /api/generate body lagp reads. raw, template, context,
// options and the like are accepted and ignored: the backend applies its own template and
// keeps no context.
type generateRequest struct {
	Model     string          `json:"model"`
	Prompt    string          `json:"prompt"`
	Suffix    string          `json:"suffix"`
	System    string          `json:"system"`
	Images    []string        `json:"images"`
	Format    json.RawMessage `json:"format"`
	Think     json.RawMessage `json:"think"`
	Stream    *bool           `json:"stream"`
	KeepAlive json.RawMessage `json:"keep_alive"`
}

// DecodeGenerate decodes an /api/generate body: "system" becomes the instructions, "prompt"
// and "images" one user message. A "suffix" (fill-in-the-middle) is refused with a 400: the
// backend has no such mode, and lagp's /api/show template does not offer it. An empty prompt
// without images is a load or unload request, flagged in the options.
func DecodeGenerate(body []byte, models canon.Catalog) (*canon.Draft, GenerateOptions, error) {
	var req generateRequest
	if err := wire.DecodeBody(body, &req); err != nil {
		return nil, GenerateOptions{}, err
	}
	opts := GenerateOptions{Stream: req.Stream == nil || *req.Stream, Model: req.Model}
	d, think, err := newDraft(req.Model, req.Think, req.Format, models)
	if err != nil {
		return nil, opts, err
	}
	opts.Think = think
	if req.Suffix != "" {
		return nil, opts, &canon.Error{Kind: canon.KindInvalidRequest, Param: "suffix",
			Code:    "unsupported_parameter",
			Message: "suffix (fill-in-the-middle completion) is not supported by ChatGPT models"}
	}
	if req.System != "" {
		d.Instructions = []string{req.System}
	}
	if req.Prompt == "" && len(req.Images) == 0 {
		ka, ok := keepAlive(req.KeepAlive)
		opts.Unload = ok && ka == 0
		opts.Load = !opts.Unload
		return d, opts, nil
	}
	images, err := imageParts(req.Images, "images")
	if err != nil {
		return nil, opts, err
	}
	parts := make([]canon.Part, 0, 1+len(images))
	if strings.TrimSpace(req.Prompt) != "" || len(images) == 0 {
		parts = append(parts, canon.Part{Type: canon.PartInputText, Text: req.Prompt})
	}
	d.Input = []canon.Item{{Type: canon.ItemMessage, Role: "user",
		Content: append(parts, images...)}}
	return d, opts, nil
}

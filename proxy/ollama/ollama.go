// Package ollama translates the Ollama API that lagp serves under /api to and from lagp's
// canonical form (package canon): request bodies of /api/chat and /api/generate become a
// [canon.Draft], a turn's [canon.Delta] values become NDJSON lines, and the model list becomes
// the /api/tags, /api/show and /api/ps bodies that Ollama clients need.
//
// Everything here is pure: functions take bytes and values and return bytes. Only [WriteError]
// touches an http.ResponseWriter. The HTTP glue lives in package proxy.
package ollama

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// Meta describes the answer a stream or a body belongs to.
type Meta struct {
	// Model is the model name written in every line, as the client sent it (e.g. "gpt-5.4:latest").
	Model string
	// Start is when the request arrived; the reported durations count from it.
	Start time.Time
	// Now is the clock used for created_at and durations; nil means time.Now.
	Now func() time.Time
	// First, optional, is when the first output arrived. Only the non-streaming answers read it
	// (a stream notes it itself); when zero, all of the time counts as generation time.
	First time.Time
}

func (m Meta) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

// model returns the name to write: Meta.Model, else the name from the request options.
func (m Meta) model(fallback string) string {
	if m.Model != "" {
		return m.Model
	}
	return fallback
}

// LookupModel resolves a client's model name (with or without ":latest", possibly with an effort
// suffix) against the account's models. An unknown name gives a 404 [*canon.Error] worded for
// Ollama clients, which otherwise suggest pulling the model.
func LookupModel(name string, models canon.Catalog) (canon.Model, canon.ModelName, error) {
	if models == nil {
		models = canon.ModelList(nil)
	}
	m, mn, err := canon.ResolveModel(name, models)
	var e *canon.Error
	if errors.As(err, &e) && e.Kind == canon.KindNotFound {
		ne := *e
		ne.Message = `model "` + name + `" not found: lagp serves the models of your ChatGPT ` +
			"account, which GET /api/tags lists"
		return m, mn, &ne
	}
	return m, mn, err
}

// newDraft starts the draft of an /api/chat or /api/generate request from what both read
// alike: the model (an unknown one is a 404), "think" and "format". It also returns the think
// switch for the options.
func newDraft(name string, think, format json.RawMessage,
	models canon.Catalog) (*canon.Draft, *bool, error) {
	m, mn, err := LookupModel(name, models)
	if err != nil {
		return nil, nil, err
	}
	effort, on, err := decodeThink(think)
	if err != nil {
		return nil, nil, err
	}
	d := &canon.Draft{Model: m, Effort: effort, SuffixEffort: mn.Effort}
	if d.Format, err = decodeFormat(format); err != nil {
		return nil, nil, err
	}
	return d, on, nil
}

// decodeThink maps "think" (B10): true asks for the model's default effort, false for the lowest
// effort with the thinking output hidden, a level string for that level. It returns the effort
// for [canon.Draft.Effort] and whether thinking was asked for (nil when unset).
func decodeThink(raw json.RawMessage) (string, *bool, error) {
	if wire.Absent(raw) {
		return "", nil, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "", &b, nil
		}
		return "none", &b, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", nil, wire.Invalid("think", `think must be true, false or a level such as "high"`)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	yes, no := true, false
	switch s {
	case "":
		return "", nil, nil
	case "true":
		return "", &yes, nil
	case "false", "none":
		return "none", &no, nil
	case "low", "medium", "high", "max", "minimal", "xhigh":
		// Ollama documents the first four; the others are the backend's own names.
		return s, &yes, nil
	}
	return "", nil, wire.Invalid("think",
		`think %q is not a level; use "low", "medium", "high" or "max"`, s)
}

// decodeFormat maps "format": "json" asks for a JSON object, a JSON schema object for output
// that follows it (named "response", as the backend wants a name).
func decodeFormat(raw json.RawMessage) (*canon.TextFormat, error) {
	raw = bytes.TrimSpace(raw)
	if wire.Absent(raw) {
		return nil, nil
	}
	switch raw[0] {
	case '{':
		var schema bytes.Buffer
		if err := json.Compact(&schema, raw); err != nil {
			return nil, wire.Invalid("format", "format is not a valid JSON schema")
		}
		return &canon.TextFormat{Type: "json_schema", Name: "response",
			Schema: schema.Bytes()}, nil
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, wire.Invalid("format", "format is not a valid JSON string")
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "":
			return nil, nil
		case "json":
			return &canon.TextFormat{Type: "json_object"}, nil
		}
		return nil, wire.Invalid("format",
			`format %q is not supported; use "json" or a JSON schema`, s)
	}
	return nil, wire.Invalid("format", `format must be "json" or a JSON schema object`)
}

// keepAlive reads "keep_alive": a number of seconds or a duration string ("5m", "0", "-1").
// Negative means forever and is returned as -1. ok is false when the value is absent or
// unreadable; lagp keeps nothing loaded, so the value only matters for the unload request.
func keepAlive(raw json.RawMessage) (d time.Duration, ok bool) {
	if wire.Absent(raw) {
		return 0, false
	}
	var n float64
	if json.Unmarshal(raw, &n) == nil {
		return seconds(n), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, false
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return seconds(n), true
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, false
	}
	if d < 0 {
		d = -1
	}
	return d, true
}

func seconds(n float64) time.Duration {
	if n < 0 {
		return -1
	}
	if n > float64(1<<62)/float64(time.Second) {
		return 1 << 62
	}
	return time.Duration(n * float64(time.Second))
}

// imageParts turns raw base64 images into input image parts; param names the images array.
func imageParts(images []string, param string) ([]canon.Part, error) {
	parts := make([]canon.Part, 0, len(images))
	for j, img := range images {
		url, err := canon.ImageDataURL(img)
		if err != nil {
			return nil, wire.Invalid(fmt.Sprintf("%s[%d]", param, j),
				"%s[%d]: %v (lagp accepts PNG, JPEG, WebP and GIF as base64)", param, j, err)
		}
		parts = append(parts, canon.ImagePart(url))
	}
	return parts, nil
}

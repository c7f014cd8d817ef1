package openai

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// jsonKind returns the first byte of a raw JSON value: '"', '[', '{', 'n', 't', 'f', a digit or
// '-'; 0 when raw is empty.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// compact returns raw without insignificant whitespace, so that it can travel on one SSE line
// or inside a larger body.
func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return bytes.Clone(raw)
	}
	return b.Bytes()
}

// argumentsText returns tool-call arguments as the JSON string the backend expects. Clients send
// a string; some send the object itself, which is kept as its JSON text.
func argumentsText(raw json.RawMessage, param string) (string, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return "", nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", wire.Invalid(param, "%s must be a string", param)
		}
		return s, nil
	case '{':
		return string(compact(raw)), nil
	}
	return "", wire.Invalid(param, "%s must be a JSON string", param)
}

// newDraft starts a draft for the model called name, the effort in its suffix included, and
// lets fill map the rest of the body onto it: the last step of each of the three decoders. On
// error the draft is nil.
func newDraft(name string, models canon.Catalog,
	fill func(*canon.Draft) error) (*canon.Draft, error) {
	m, mn, err := canon.ResolveModel(name, models)
	if err != nil {
		return nil, err
	}
	d := &canon.Draft{Model: m, SuffixEffort: mn.Effort}
	if err := fill(d); err != nil {
		return nil, err
	}
	return d, nil
}

// imagePart turns an image URL into an input_image part. The backend takes data: URLs and
// http(s) URLs (PROTOCOL.md B13); bare base64, which some clients send, gets a data: URL from
// its leading bytes. Anything else is refused here with a clear message.
func imagePart(url, detail, param string) (canon.Part, error) {
	url = strings.TrimSpace(url)
	lower := strings.ToLower(url)
	if !strings.HasPrefix(lower, "data:") && !strings.HasPrefix(lower, "https://") &&
		!strings.HasPrefix(lower, "http://") {
		data, err := canon.ImageDataURL(url)
		if err != nil {
			return canon.Part{}, wire.Invalid(param,
				"%s must be a data: URL, an http(s) URL or base64 image data", param)
		}
		url = data
	}
	return canon.Part{Type: canon.PartInputImage, ImageURL: url, Detail: detail}, nil
}

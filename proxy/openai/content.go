package openai

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// Message contents are read the same way for Chat Completions and Responses. The two APIs
// spell their parts differently ("text" against "input_text", "image_url" against
// "input_image"); either spelling is taken in either API, as clients mix them (Cursor sends
// Responses bodies to chat completions, C11).

// contentPart is one content part of a message. Unknown members (Roo's cache_control) are
// ignored.
type contentPart struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	Refusal  string          `json:"refusal"`
	ImageURL json.RawMessage `json:"image_url"`
	FileID   string          `json:"file_id"`
	Detail   string          `json:"detail"`
}

// contentParts maps a message content (null, a string or an array of parts) to parts of
// textType, plus images.
func contentParts(raw json.RawMessage, textType, param string) ([]canon.Part, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return nil, nil
	case '"':
		var s string
		if err := wire.DecodePart(raw, &s, param); err != nil {
			return nil, err
		}
		return []canon.Part{{Type: textType, Text: s}}, nil
	case '[':
		return partList(raw, textType, param)
	}
	return nil, wire.Invalid(param, "%s must be a string or an array of content parts", param)
}

func partList(raw json.RawMessage, textType, param string) ([]canon.Part, error) {
	var parts []contentPart
	if err := wire.DecodePart(raw, &parts, param); err != nil {
		return nil, err
	}
	out := make([]canon.Part, 0, len(parts))
	for i, p := range parts {
		part, err := p.part(textType, fmt.Sprintf("%s[%d]", param, i))
		if err != nil {
			return nil, err
		}
		out = append(out, part)
	}
	return out, nil
}

// part maps p to a text part of textType, or to an image in a user message.
func (p contentPart) part(textType, param string) (canon.Part, error) {
	switch p.Type {
	case "text", "input_text", "output_text":
		return canon.Part{Type: textType, Text: p.Text}, nil
	case "refusal":
		return canon.Part{Type: textType, Text: p.Refusal}, nil
	case "image_url", "input_image":
		if textType != canon.PartInputText {
			return canon.Part{}, wire.Invalid(param, "%s: only user messages may carry images",
				param)
		}
		return p.image(param)
	case "input_audio", "file", "input_file":
		return canon.Part{}, wire.Invalid(param+".type",
			"%s: %s content is not supported; ChatGPT's Codex backend takes only text and "+
				"images", param, p.Type)
	}
	return canon.Part{}, wire.Invalid(param+".type", "%s.type %q is not supported", param,
		p.Type)
}

// image reads image_url as a URL string (Responses) or as {url, detail} (Chat). A detail beside
// image_url, where Responses puts it, counts when the object names none.
func (p contentPart) image(param string) (canon.Part, error) {
	if wire.Absent(p.ImageURL) {
		if p.FileID != "" {
			return canon.Part{}, wire.Invalid(param+".file_id",
				"%s: file_id images are not supported; send image_url", param)
		}
		return canon.Part{}, wire.Invalid(param+".image_url", "%s.image_url is required", param)
	}
	img, err := chatImage(p.ImageURL, param+".image_url")
	if err != nil {
		return canon.Part{}, err
	}
	if img.Detail == "" {
		img.Detail = p.Detail
	}
	return img, nil
}

// chatImage reads image_url as a string or as {url, detail}.
func chatImage(raw json.RawMessage, param string) (canon.Part, error) {
	var img struct {
		URL    string `json:"url"`
		Detail string `json:"detail"`
	}
	switch jsonKind(raw) {
	case '"':
		if err := wire.DecodePart(raw, &img.URL, param); err != nil {
			return canon.Part{}, err
		}
	case '{':
		if err := wire.DecodePart(raw, &img, param); err != nil {
			return canon.Part{}, err
		}
	default:
		return canon.Part{}, wire.Invalid(param, "%s must be a URL or {\"url\": …}", param)
	}
	return imagePart(img.URL, img.Detail, param)
}

// plainText reads a content that must be text (system, developer and tool messages); several
// text parts are joined by a newline.
func plainText(raw json.RawMessage, param string) (string, error) {
	parts, err := contentParts(raw, canon.PartInputText, param)
	if err != nil {
		return "", err
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Type == canon.PartInputImage {
			return "", wire.Invalid(param, "%s must be text: images are not supported here", param)
		}
		texts = append(texts, p.Text)
	}
	return strings.Join(texts, "\n"), nil
}

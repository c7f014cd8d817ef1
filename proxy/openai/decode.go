package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
)

// invalid returns a 400 error naming the parameter at fault.
func invalid(param, format string, args ...any) *canon.Error {
	return &canon.Error{Kind: canon.KindInvalidRequest, Param: param,
		Message: fmt.Sprintf(format, args...)}
}

// decodeBody unmarshals a request body into v. Its errors say where the body is wrong, never
// what it contains: request bodies may hold secrets a client pasted into a prompt.
func decodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("", "invalid JSON: the request body is empty")
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return invalid("", "invalid JSON: syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return invalid("", "invalid JSON: the request body must be a JSON object")
	case errors.As(err, &typ):
		return invalid(typ.Field, "invalid JSON: %s must be %s (at byte %d)",
			typ.Field, kindName(typ.Type), typ.Offset)
	}
	return invalid("", "invalid JSON: the request body could not be decoded")
}

// decodePart unmarshals one nested value, reporting type errors against param.
func decodePart(raw json.RawMessage, v any, param string) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		where := param
		if typ.Field != "" {
			where += "." + typ.Field
		}
		return invalid(where, "%s must be %s", where, kindName(typ.Type))
	}
	return invalid(param, "%s is not valid JSON", param)
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return "another type"
}

// absent reports whether a raw member was left out or sent as null.
func absent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

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
			return "", invalid(param, "%s must be a string", param)
		}
		return s, nil
	case '{':
		return string(compact(raw)), nil
	}
	return "", invalid(param, "%s must be a JSON string", param)
}

// resolve looks the model up and fills the draft's model and suffix effort.
func resolve(d *canon.Draft, name string, models canon.Catalog) error {
	m, mn, err := canon.ResolveModel(name, models)
	if err != nil {
		return err
	}
	d.Model, d.SuffixEffort = m, mn.Effort
	return nil
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
			return canon.Part{}, invalid(param,
				"%s must be a data: URL, an http(s) URL or base64 image data", param)
		}
		url = data
	}
	return canon.Part{Type: canon.PartInputImage, ImageURL: url, Detail: detail}, nil
}

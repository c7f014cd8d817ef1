package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/lagp/lagp/proxy/canon"
)

// Invalid returns a 400 error (kind [canon.KindInvalidRequest]) about the request parameter
// param, "" for the body as a whole, with the message that format and args make. Pass names,
// indexes and kinds as args, never content from the body.
func Invalid(param, format string, args ...any) *canon.Error {
	return &canon.Error{Kind: canon.KindInvalidRequest, Param: param,
		Message: fmt.Sprintf(format, args...)}
}

// DecodeBody unmarshals a request body into v, a pointer to a struct. Its error, a 400
// [*canon.Error], says where the body is wrong and never what it holds: an empty body, a syntax
// error and its byte offset, a body that is not an object, or the member of the wrong type with
// the type it must have and the kind of value that came instead.
func DecodeBody(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Invalid("", "invalid JSON: the request body is empty")
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && syn.Offset >= int64(len(body)):
		return Invalid("", "invalid JSON: the request body ends early, at byte %d", syn.Offset)
	case errors.As(err, &syn):
		return Invalid("", "invalid JSON: syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return Invalid("", "invalid JSON: the request body must be a JSON object")
	case errors.As(err, &typ):
		return Invalid(typ.Field, "invalid JSON: %s must be %s (at byte %d)",
			typ.Field, mismatch(typ), typ.Offset)
	}
	return Invalid("", "invalid JSON: the request body could not be decoded")
}

// DecodePart unmarshals one nested value of a body, such as a message kept as raw JSON, into v.
// Its error is a 400 [*canon.Error] against param, or against param.member when a member of the
// value has the wrong type; like [DecodeBody] it never quotes the value.
func DecodePart(raw json.RawMessage, v any, param string) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		where := param
		switch {
		case where == "":
			where = typ.Field
		case typ.Field != "":
			where += "." + typ.Field
		}
		return Invalid(where, "%s must be %s", named(where), mismatch(typ))
	}
	return Invalid(param, "%s is not valid JSON", named(param))
}

// DecodeObject is [DecodePart] for a value that must be a JSON object, such as one message
// of a list: null, which DecodePart would take as an empty value, and any other type are a 400
// against param.
func DecodeObject(raw json.RawMessage, v any, param string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return Invalid(param, "%s must be an object", named(param))
	}
	return DecodePart(raw, v, param)
}

// named is param as the subject of a message: "the value" when the caller gave no name.
func named(param string) string {
	if param == "" {
		return "the value"
	}
	return param
}

// Absent reports whether a raw member was left out, is only white space, or is JSON null.
func Absent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// TypeName names the JSON type a Go value of type t decodes from, with its article, as an error
// message says it: "a string", "an integer", "a number", "a boolean", "an array", "an object".
// A pointer counts as what it points to; a nil or other type is "another type".
func TypeName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return TypeName(t.Elem())
	}
	return "another type"
}

// mismatch says what a member must be and, when that helps, the kind of value sent instead:
// "a boolean, not a string". encoding/json describes a number it could not store with its
// digits ("number 1.5"); only the word before them is read, so the digits never reach a message.
func mismatch(e *json.UnmarshalTypeError) string {
	want := TypeName(e.Type)
	kind, _, _ := strings.Cut(e.Value, " ")
	var sent string
	switch kind {
	case "string":
		sent = "a string"
	case "number":
		sent = "a number"
	case "bool":
		sent = "a boolean"
	case "array":
		sent = "an array"
	case "object":
		sent = "an object"
	}
	if sent == "" || sent == want || (sent == "a number" && want == "an integer") {
		return want
	}
	return want + ", not " + sent
}

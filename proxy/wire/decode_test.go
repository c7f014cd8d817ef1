package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire/wiretest"
)

// secret stands for content a client pasted into a body; no error message may repeat it.
const secret = "sk-secret"

// target is a request shape with a member of each JSON type.
type target struct {
	Model    string            `json:"model"`
	Stream   bool              `json:"stream"`
	N        int               `json:"n"`
	Temp     *float64          `json:"temperature"`
	Stop     []string          `json:"stop"`
	Meta     map[string]string `json:"metadata"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Options struct {
		Seed uint8 `json:"seed"`
	} `json:"options"`
	Raw  json.RawMessage `json:"raw"`
	Odd  odd             `json:"odd"`
	Free any             `json:"free"`
}

// odd fails to decode with an error that quotes its input, as a careless UnmarshalJSON may.
type odd struct{}

func (*odd) UnmarshalJSON(b []byte) error { return errors.New("cannot read " + string(b)) }

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		name, body, param, msg string
	}{
		{"empty", ``, "", "invalid JSON: the request body is empty"},
		{"blank", " \n\t", "", "the request body is empty"},
		{"syntax", `{"model":sk-secret}`, "", "invalid JSON: syntax error at byte 10"},
		{"cut short", `{"model":"sk-secret`, "", "ends early, at byte 19"},
		{"trailing data", `{"model":"m"} sk-secret`, "", "syntax error at byte"},
		{"array body", `["sk-secret"]`, "", "the request body must be a JSON object"},
		{"string body", `"sk-secret"`, "", "must be a JSON object"},
		{"number for a string", `{"model":12345}`, "model",
			"invalid JSON: model must be a string, not a number (at byte 14)"},
		{"string for a boolean", `{"stream":"sk-secret"}`, "stream",
			"stream must be a boolean, not a string"},
		{"fraction for an integer", `{"n":1.5}`, "n", "n must be an integer (at byte"},
		{"integer out of range", `{"options":{"seed":300}}`, "options.seed",
			"options.seed must be an integer (at byte"},
		{"object for a pointer", `{"temperature":{"sk-secret":1}}`, "temperature",
			"temperature must be a number, not an object"},
		{"nested member", `{"messages":[{"role":"user","content":["sk-secret"]}]}`,
			"messages.content", "messages.content must be a string, not an array"},
		{"map value", `{"metadata":{"sk-secret":7}}`, "metadata",
			"metadata must be a string, not a number"},
		{"array for an array of strings", `{"stop":[true]}`, "stop",
			"stop must be a string, not a boolean"},
		{"unmarshaler error", `{"odd":"sk-secret"}`, "", "the request body could not be decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v target
			err := DecodeBody([]byte(tt.body), &v)
			wiretest.WantError(t, err, canon.KindInvalidRequest, tt.param, tt.msg)
			wantNoEcho(t, err, tt.body)
		})
	}
}

func TestDecodeBody_Accepts(t *testing.T) {
	var v target
	body := `{"model":"m","stream":true,"n":2,"temperature":null,"stop":["a"],
		"messages":[{"role":"user","content":"hi"}],"raw":{"x":[1]},"free":[1,"a"],"extra":1}`
	if err := DecodeBody([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if v.Model != "m" || !v.Stream || v.N != 2 || v.Temp != nil || len(v.Messages) != 1 ||
		v.Messages[0].Content != "hi" || string(v.Raw) != `{"x":[1]}` {
		t.Errorf("decoded %+v", v)
	}
	if err := DecodeBody([]byte(`null`), &v); err != nil {
		t.Errorf("null body: %v", err)
	}
}

func TestDecodePart(t *testing.T) {
	type image struct {
		URL    string `json:"url"`
		Detail string `json:"detail"`
	}
	tests := []struct {
		name, raw, param string
		into             func() any
		wantParam, msg   string
	}{
		{"member of the wrong type", `{"url":5}`, "messages[0].content[1].image_url",
			func() any { return &image{} }, "messages[0].content[1].image_url.url",
			"messages[0].content[1].image_url.url must be a string, not a number"},
		{"value of the wrong type", `{"url":"sk-secret"}`, "input[2].content",
			func() any { return &[]image{} }, "input[2].content",
			"input[2].content must be an array, not an object"},
		{"not JSON", `{"url":sk-secret`, "tools[0]", func() any { return &image{} },
			"tools[0]", "tools[0] is not valid JSON"},
		{"empty", ``, "tools[0]", func() any { return &image{} }, "tools[0]",
			"tools[0] is not valid JSON"},
		{"no param, member wrong", `{"detail":[]}`, "", func() any { return &image{} },
			"detail", "detail must be a string, not an array"},
		{"no param, value wrong", `"sk-secret"`, "", func() any { return &image{} }, "",
			"the value must be an object, not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DecodePart(json.RawMessage(tt.raw), tt.into(), tt.param)
			wiretest.WantError(t, err, canon.KindInvalidRequest, tt.wantParam, tt.msg)
			wantNoEcho(t, err, tt.raw)
		})
	}
	var img image
	if err := DecodePart(json.RawMessage(`{"url":"u","detail":"low"}`), &img, "p"); err != nil ||
		img != (image{URL: "u", Detail: "low"}) {
		t.Errorf("DecodePart = %+v, %v", img, err)
	}
}

func TestDecodeObject(t *testing.T) {
	type message struct {
		Role string `json:"role"`
	}
	tests := []struct {
		name, raw, wantParam, msg string
	}{
		{"null", `null`, "messages[1]", "messages[1] must be an object"},
		{"empty", ``, "messages[1]", "messages[1] must be an object"},
		{"string", `"sk-secret"`, "messages[1]", "messages[1] must be an object"},
		{"array", ` [{"role":"user"}]`, "messages[1]", "messages[1] must be an object"},
		{"member", `{"role":["sk-secret"]}`, "messages[1].role",
			"messages[1].role must be a string, not an array"},
		{"cut short", `{"role":"sk-secret"`, "messages[1]", "messages[1] is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m message
			err := DecodeObject(json.RawMessage(tt.raw), &m, "messages[1]")
			wiretest.WantError(t, err, canon.KindInvalidRequest, tt.wantParam, tt.msg)
			wantNoEcho(t, err, tt.raw)
		})
	}
	var m message
	if err := DecodeObject(json.RawMessage("\n {\"role\":\"user\"}"), &m, "m"); err != nil ||
		m.Role != "user" {
		t.Errorf("DecodeObject = %+v, %v", m, err)
	}
}

func TestAbsent(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{"", true}, {"null", true}, {" null\n", true}, {"\t", true},
		{`"null"`, false}, {"0", false}, {"false", false}, {"[]", false}, {"{}", false},
		{`""`, false}, {"nul", false},
	}
	for _, tt := range tests {
		if got := Absent(json.RawMessage(tt.raw)); got != tt.want {
			t.Errorf("Absent(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
	if !Absent(nil) {
		t.Error("Absent(nil) = false")
	}
}

func TestTypeName(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{"", "a string"}, {true, "a boolean"}, {0, "an integer"}, {uint8(0), "an integer"},
		{int64(0), "an integer"}, {0.5, "a number"}, {float32(0), "a number"},
		{[]string{}, "an array"}, {[2]int{}, "an array"}, {json.RawMessage{}, "an array"},
		{struct{}{}, "an object"}, {map[string]int{}, "an object"}, {new(string), "a string"},
		{new(*[]int), "an array"}, {make(chan int), "another type"},
	}
	for _, tt := range tests {
		if got := TypeName(reflect.TypeOf(tt.v)); got != tt.want {
			t.Errorf("TypeName(%T) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got := TypeName(nil); got != "another type" {
		t.Errorf("TypeName(nil) = %q", got)
	}
}

func TestInvalid(t *testing.T) {
	e := Invalid("messages[2].role", "%s.role %q is not one of %d roles", "messages[2]", "robot", 4)
	want := canon.Error{Kind: canon.KindInvalidRequest, Param: "messages[2].role",
		Message: `messages[2].role "robot" is not one of 4 roles`}
	if *e != want {
		t.Errorf("Invalid = %+v, want %+v", *e, want)
	}
	if e.Status() != 400 {
		t.Errorf("status %d, want 400", e.Status())
	}
}

// wantNoEcho fails when body holds the secret and err repeats it.
func wantNoEcho(t *testing.T, err error, body string) {
	t.Helper()
	if err == nil {
		return
	}
	if strings.Contains(body, secret) && strings.Contains(err.Error(), secret) {
		t.Errorf("error %q repeats body content", err)
	}
}

// paramPaths are the parameters a decode error about target may name.
var paramPaths = map[string]bool{"": true, "model": true, "stream": true, "n": true,
	"temperature": true, "stop": true, "metadata": true, "messages": true, "messages.role": true,
	"messages.content": true, "options": true, "options.seed": true, "raw": true, "odd": true}

// messageForms are all the messages DecodeBody may give, with P for the parameter.
var messageForms = regexp.MustCompile(`^invalid JSON: (the request body is empty|` +
	`the request body ends early, at byte \d+|syntax error at byte \d+|` +
	`the request body must be a JSON object|the request body could not be decoded|` +
	`P must be (a|an) (string|boolean|integer|number|array|object)` +
	`(, not (a|an) (string|boolean|number|array|object))? \(at byte \d+\))$`)

// FuzzDecodeBody checks that whatever the body, the error is a 400 whose parameter is a member
// of the target and whose message is one of DecodeBody's fixed forms: with the parameter taken
// out, nothing in it can have come from the body but offsets.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{"model":"sk-secret","stream":"sk-secret"}`, `{"n":1e99}`,
		`{"messages":[{"content":{"sk-secret":1}}]}`, `[`, `{"odd":1}`, `{"options":{"seed":-1}}`,
		`{"metadata":{"sk-secret":"x"}}`, `{"temperature":"sk-secret"}`, "\xff", `{"raw":}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v target
		err := DecodeBody(body, &v)
		if err == nil {
			return
		}
		var e *canon.Error
		if !errors.As(err, &e) || e.Kind != canon.KindInvalidRequest {
			t.Fatalf("error %v (%T) is not a 400 *canon.Error", err, err)
		}
		if !paramPaths[e.Param] {
			t.Fatalf("param %q is not a member of the target", e.Param)
		}
		msg := e.Message
		if e.Param != "" {
			msg = strings.Replace(msg, " "+e.Param+" ", " P ", 1)
		}
		if !messageForms.MatchString(msg) {
			t.Fatalf("message %q (param %q) is not one of the fixed forms", e.Message, e.Param)
		}
	})
}

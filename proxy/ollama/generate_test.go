package ollama

import (
	"encoding/base64"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire/wiretest"
)

func TestDecodeGenerate(t *testing.T) {
	jpeg := base64.StdEncoding.EncodeToString([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
	tests := []struct {
		name         string
		body         string
		instructions string
		input        string
		opts         GenerateOptions
	}{
		{"prompt and system",
			`{"model":"gpt-5.4:latest","prompt":"Why is the sky blue?","system":"Be brief."}`,
			"Be brief.",
			`[{"type":"message","role":"user","content":[{"type":"input_text",` +
				`"text":"Why is the sky blue?"}]}]`,
			GenerateOptions{Stream: true, Model: "gpt-5.4:latest"}},
		{"images after the prompt",
			`{"model":"gpt-5.4","prompt":"What is it?","images":["` + jpeg + `"],"stream":false}`,
			canon.DefaultInstructions,
			`[{"type":"message","role":"user","content":[{"type":"input_text","text":"What is it?"},` +
				`{"type":"input_image","image_url":"data:image/jpeg;base64,` + jpeg + `"}]}]`,
			GenerateOptions{Model: "gpt-5.4"}},
		{"raw, template, context and options are ignored",
			`{"model":"gpt-5.4","prompt":"x","raw":true,"template":"{{ .Prompt }}",` +
				`"context":[1,2,3],"options":{"num_predict":5},"keep_alive":"5m"}`,
			canon.DefaultInstructions,
			`[{"type":"message","role":"user","content":[{"type":"input_text","text":"x"}]}]`,
			GenerateOptions{Stream: true, Model: "gpt-5.4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, opts, err := DecodeGenerate([]byte(tt.body), testModels())
			if err != nil {
				t.Fatal(err)
			}
			req, _ := d.Build(nil)
			if req.Instructions != tt.instructions {
				t.Errorf("instructions = %q, want %q", req.Instructions, tt.instructions)
			}
			if diff := cmp.Diff(tt.input, inputJSON(t, req)); diff != "" {
				t.Errorf("input (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.opts, opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeGenerate_LoadAndUnload(t *testing.T) {
	tests := []struct {
		extra        string
		load, unload bool
	}{
		{``, true, false},
		{`,"keep_alive":"5m"`, true, false},
		{`,"keep_alive":-1`, true, false},
		{`,"keep_alive":0`, false, true},
		{`,"keep_alive":0.0`, false, true},
		{`,"keep_alive":"0"`, false, true},
		{`,"keep_alive":"0s"`, false, true},
		{`,"keep_alive":"soon"`, true, false},
		{`,"prompt":"hi"`, false, false},
		{`,"prompt":"hi","keep_alive":0`, false, false},
	}
	for _, tt := range tests {
		body := `{"model":"gpt-5.4"` + tt.extra + `}`
		d, opts, err := DecodeGenerate([]byte(body), testModels())
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if opts.Load != tt.load || opts.Unload != tt.unload {
			t.Errorf("%s: load %v unload %v, want %v %v", body, opts.Load, opts.Unload,
				tt.load, tt.unload)
		}
		if d == nil || d.Model.ID != "gpt-5.4" {
			t.Errorf("%s: draft %+v", body, d)
		}
	}
}

func TestDecodeGenerate_Think(t *testing.T) {
	no := false
	d, opts, err := DecodeGenerate([]byte(`{"model":"gpt-5.5","prompt":"x","think":false}`),
		testModels())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := d.Build(nil)
	if req.Reasoning == nil || req.Reasoning.Effort != "none" || !cmp.Equal(opts.Think, &no) {
		t.Errorf("reasoning %+v, think %v", req.Reasoning, ptr(opts.Think))
	}
}

func TestDecodeGenerate_Errors(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		kind  canon.Kind
		param string
		text  string
	}{
		{"suffix is refused", `{"model":"gpt-5.4","prompt":"def f(","suffix":"return x"}`,
			canon.KindInvalidRequest, "suffix", "not supported"},
		{"unknown model", `{"model":"qwen2.5-coder","prompt":"x"}`, canon.KindNotFound, "model",
			"ChatGPT account"},
		{"unknown model even to load", `{"model":"qwen2.5-coder"}`, canon.KindNotFound, "model",
			"not found"},
		{"bad image", `{"model":"gpt-5.4","prompt":"x","images":["aGVsbG8="]}`,
			canon.KindInvalidRequest, "images[0]", "unsupported image format"},
		{"bad format", `{"model":"gpt-5.4","prompt":"x","format":[1]}`,
			canon.KindInvalidRequest, "format", "JSON schema"},
		{"bad think", `{"model":"gpt-5.4","prompt":"x","think":"lots"}`,
			canon.KindInvalidRequest, "think", "not a level"},
		{"prompt not a string", `{"model":"gpt-5.4","prompt":["x"]}`,
			canon.KindInvalidRequest, "prompt", "must be a string, not an array"},
		{"not JSON", `model=gpt-5.4`, canon.KindInvalidRequest, "", "syntax error at byte 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, err := DecodeGenerate([]byte(tt.body), testModels())
			if d != nil {
				t.Errorf("draft = %+v, want nil", d)
			}
			wiretest.WantError(t, err, tt.kind, tt.param, tt.text)
		})
	}
}

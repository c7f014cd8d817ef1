package openai

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// CompletionOptions are the output choices a legacy /v1/completions request made.
type CompletionOptions struct {
	Stream       bool
	IncludeUsage bool   // stream_options.include_usage
	Model        string // the model name as the client sent it
}

// completionRequest holds the members of a legacy completions body that lagp uses; the
// sampling and limit parameters are accepted and dropped (B3).
type completionRequest struct {
	Model           string          `json:"model"`
	Prompt          json.RawMessage `json:"prompt"`
	Suffix          *string         `json:"suffix"`
	Echo            bool            `json:"echo"`
	N               *float64        `json:"n"`
	Stream          bool            `json:"stream"`
	StreamOptions   *streamOptions  `json:"stream_options"`
	ReasoningEffort string          `json:"reasoning_effort"`
}

// DecodeCompletion decodes a legacy POST /v1/completions body. The prompt, a string or a list
// of one string, becomes one user message. suffix (fill-in-the-middle) and echo are refused:
// the account's models are chat models, which offer neither.
func DecodeCompletion(body []byte, models canon.Catalog) (*canon.Draft, CompletionOptions, error) {
	var req completionRequest
	if err := wire.DecodeBody(body, &req); err != nil {
		return nil, CompletionOptions{}, err
	}
	opts := CompletionOptions{Stream: req.Stream, Model: req.Model}
	if req.StreamOptions != nil {
		opts.IncludeUsage = req.StreamOptions.IncludeUsage
	}
	if err := req.supported(); err != nil {
		return nil, opts, err
	}
	d, err := newDraft(req.Model, models, req.fill)
	return d, opts, err
}

// fill maps the prompt to one user message.
func (req *completionRequest) fill(d *canon.Draft) error {
	prompt, err := promptText(req.Prompt)
	if err != nil {
		return err
	}
	d.Effort = req.ReasoningEffort
	d.Input = []canon.Item{{Type: canon.ItemMessage, Role: "user",
		Content: []canon.Part{{Type: canon.PartInputText, Text: prompt}}}}
	return nil
}

func (req *completionRequest) supported() error {
	switch {
	case req.Suffix != nil && *req.Suffix != "":
		return wire.Invalid("suffix", "suffix is not supported: ChatGPT's models are chat models "+
			"without fill-in-the-middle")
	case req.Echo:
		return wire.Invalid("echo", "echo is not supported")
	case req.N != nil && *req.N != 1:
		return wire.Invalid("n", "n must be 1: lagp returns one choice per request")
	}
	return nil
}

// promptText reads prompt as a string or a list holding one string.
func promptText(raw json.RawMessage) (string, error) {
	var s string
	switch jsonKind(raw) {
	case 0, 'n':
		return "", wire.Invalid("prompt", "prompt is required")
	case '"':
		err := wire.DecodePart(raw, &s, "prompt")
		return s, err
	case '[':
	default:
		return "", wire.Invalid("prompt", "prompt must be a string or a list of strings")
	}
	var list []json.RawMessage
	if err := wire.DecodePart(raw, &list, "prompt"); err != nil {
		return "", err
	}
	switch {
	case len(list) == 0:
		return "", wire.Invalid("prompt", "prompt must not be empty")
	case len(list) > 1:
		return "", wire.Invalid("prompt", "only one prompt per request is supported")
	case jsonKind(list[0]) != '"':
		return "", wire.Invalid("prompt", "prompt must be text: token arrays are not supported")
	}
	err := wire.DecodePart(list[0], &s, "prompt[0]")
	return s, err
}

// completionStream writes text_completion chunks; reasoning and tool deltas have no place in
// them and are dropped.
type completionStream struct {
	w      io.Writer
	opts   CompletionOptions
	base   []byte // `data: {"id":…,"object":"text_completion","created":…,"model":…`
	buf    []byte
	closed bool
}

// NewCompletionStream returns an encoder that writes a turn to w as text_completion chunks
// ending with a finish chunk, the usage chunk when asked for, and [DONE].
func NewCompletionStream(w io.Writer, meta Meta, opts CompletionOptions) canon.Encoder {
	return &completionStream{w: w, opts: opts, base: chunkBase(nil, meta, "text_completion")}
}

// Delta writes the chunk for d, if d carries text or ends the turn.
func (s *completionStream) Delta(d canon.Delta) error {
	if s.closed {
		return nil
	}
	b := s.buf[:0]
	switch {
	case d.Kind == canon.DeltaText && d.Text != "":
		b = s.chunk(b, d.Text, "")
	case d.Kind == canon.DeltaDone:
		s.closed = true
		b = s.chunk(b, "", finishReason(d.Finish))
		if s.opts.IncludeUsage {
			b = append(b, s.base...)
			b = append(b, `,"choices":[],"usage":`...)
			b = appendUsage(b, d.Usage)
			b = append(b, "}\n\n"...)
		}
		b = append(b, "data: [DONE]\n\n"...)
	default:
		return nil
	}
	s.buf = b
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("writing completion chunk: %w", err)
	}
	return nil
}

func (s *completionStream) chunk(b []byte, text, finish string) []byte {
	b = append(b, s.base...)
	b = append(b, `,"choices":[{"text":`...)
	b = wire.AppendString(b, text)
	b = append(b, `,"index":0,"logprobs":null,"finish_reason":`...)
	if finish == "" {
		b = append(b, "null"...)
	} else {
		b = wire.AppendString(b, finish)
	}
	b = append(b, "}]"...)
	if s.opts.IncludeUsage {
		b = append(b, `,"usage":null`...)
	}
	return append(b, "}\n\n"...)
}

// Fail writes the error event that ends the stream; no [DONE] follows.
func (s *completionStream) Fail(e *canon.Error) error {
	if s.closed {
		return nil
	}
	s.closed = true
	if _, err := s.w.Write(appendErrorFrame(s.buf[:0], e)); err != nil {
		return fmt.Errorf("writing completion error: %w", err)
	}
	return nil
}

type completionChoice struct {
	Text         string    `json:"text"`
	Index        int       `json:"index"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason string    `json:"finish_reason"`
}

// CompletionResponse returns the body of a non-streamed legacy completion, with usage.
func CompletionResponse(meta Meta, r *canon.Result, opts CompletionOptions) []byte {
	if r == nil {
		r = &canon.Result{}
	}
	b, _ := json.Marshal(struct {
		ID      string             `json:"id"`
		Object  string             `json:"object"`
		Created int64              `json:"created"`
		Model   string             `json:"model"`
		Choices []completionChoice `json:"choices"`
		Usage   json.RawMessage    `json:"usage"`
	}{meta.ID, "text_completion", meta.Created.Unix(), meta.Model,
		[]completionChoice{{Text: r.Text(), FinishReason: finishReason(r.Finish)}},
		appendUsage(nil, r.Usage)}) // strings, ints and valid raw JSON always marshal
	return b
}

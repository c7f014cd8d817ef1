package openai

import (
	"io"

	"github.com/lagp/lagp/proxy/canon"
)

// CompletionOptions are the output choices a legacy /v1/completions request made.
type CompletionOptions struct {
	Stream       bool
	IncludeUsage bool   // stream_options.include_usage
	Model        string // the model name as the client sent it
}

// DecodeCompletion decodes a legacy POST /v1/completions body. The prompt becomes one user
// message; suffix and echo are refused as unsupported.
func DecodeCompletion(body []byte, models canon.Catalog) (*canon.Draft, CompletionOptions, error) {
	return nil, CompletionOptions{}, canon.Errorf(canon.KindInternal, "not implemented") // TODO
}

// NewCompletionStream returns an encoder that writes a turn to w as text_completion chunks.
func NewCompletionStream(w io.Writer, meta Meta, opts CompletionOptions) canon.Encoder {
	return nil // TODO: in progress
}

// CompletionResponse returns the body of a non-streamed legacy completion.
func CompletionResponse(meta Meta, r *canon.Result, opts CompletionOptions) []byte {
	return nil // TODO: in progress
}

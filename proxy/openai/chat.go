package openai

import (
	"io"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// Values of [ChatOptions.ReasoningField].
const (
	// ReasoningContent puts reasoning in "reasoning_content" only: the default.
	ReasoningContent = "reasoning_content"
	// ReasoningBoth puts reasoning in both "reasoning_content" and "reasoning".
	ReasoningBoth = "both"
)

// Meta identifies one answer: every chunk of a stream repeats it.
type Meta struct {
	ID      string    // "chatcmpl-<random>" or "cmpl-<random>"; the glue makes it
	Created time.Time // when the answer started
	Model   string    // the model name shown to the client
}

// ChatOptions are the output choices a Chat Completions request made.
type ChatOptions struct {
	Stream       bool
	IncludeUsage bool   // stream_options.include_usage
	Model        string // the model name as the client sent it
	// ReasoningField is ReasoningContent (or "") or ReasoningBoth; the glue sets it from the
	// user's settings.
	ReasoningField string
}

// DecodeChat decodes a POST /v1/chat/completions body. A body with "input" and no "messages" is
// a Responses request (Cursor, PROTOCOL.md C11) and is decoded as one; the answer is still Chat
// Completions. Errors are [*canon.Error] values: invalid requests with the parameter at fault,
// or not found for an unknown model.
func DecodeChat(body []byte, models canon.Catalog) (*canon.Draft, ChatOptions, error) {
	return nil, ChatOptions{}, canon.Errorf(canon.KindInternal, "not implemented") // TODO: in progress
}

// NewChatStream returns an encoder that writes a turn to w as Chat Completions server-sent
// events, in the chunk order of CLIENTS.md §4.3.
func NewChatStream(w io.Writer, meta Meta, opts ChatOptions) canon.Encoder {
	return nil // TODO: in progress
}

// ChatResponse returns the body of a non-streamed Chat Completions answer.
func ChatResponse(meta Meta, r *canon.Result, opts ChatOptions) []byte {
	return nil // TODO: in progress
}

package openai

import (
	"time"
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

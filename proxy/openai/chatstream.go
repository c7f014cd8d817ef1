package openai

import (
	"fmt"
	"io"
	"strconv"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// chatStream writes Chat Completions chunks. Every chunk shares one prefix (id, object, created,
// model), built once; each Delta call ends in a single Write, so the glue's flush after it sends
// whole events.
type chatStream struct {
	w    io.Writer
	opts ChatOptions
	// head opens a chunk with one choice, up to and including `"delta":`.
	head []byte
	// base opens a chunk without choices, for the usage chunk.
	base []byte
	// tail closes a chunk whose finish_reason is null.
	tail    []byte
	buf     []byte
	started bool // the role chunk was written
	closed  bool // the finish or an error was written
}

// NewChatStream returns an encoder that writes a turn to w as Chat Completions server-sent
// events, in the chunk order every client of CLIENTS.md §4.3 accepts: a role chunk, reasoning
// and content chunks, tool-call fragments, one finish chunk, the usage chunk when asked for,
// then [DONE]. Fail ends the stream with an error event and no [DONE].
func NewChatStream(w io.Writer, meta Meta, opts ChatOptions) canon.Encoder {
	s := &chatStream{w: w, opts: opts}
	s.base = chunkBase(nil, meta, "chat.completion.chunk")
	s.head = append(append([]byte(nil), s.base...), `,"choices":[{"index":0,"delta":`...)
	s.tail = []byte(`,"logprobs":null,"finish_reason":null}]`)
	if opts.IncludeUsage {
		s.tail = append(s.tail, `,"usage":null`...)
	}
	s.tail = append(s.tail, "}\n\n"...)
	return s
}

// chunkBase appends `data: {"id":…,"object":…,"created":…,"model":…` to b.
func chunkBase(b []byte, meta Meta, object string) []byte {
	b = append(b, `data: {"id":`...)
	b = wire.AppendString(b, meta.ID)
	b = append(b, `,"object":`...)
	b = wire.AppendString(b, object)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, meta.Created.Unix(), 10)
	b = append(b, `,"model":`...)
	return wire.AppendString(b, meta.Model)
}

// Delta writes the chunks for d.
func (s *chatStream) Delta(d canon.Delta) error {
	if s.closed {
		return nil
	}
	b := s.buf[:0]
	if !s.started {
		s.started = true
		b = s.chunk(b, `{"role":"assistant","content":""}`)
	}
	b = s.appendDelta(b, d)
	s.buf = b
	if len(b) == 0 {
		return nil
	}
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("writing chat chunk: %w", err)
	}
	return nil
}

func (s *chatStream) appendDelta(b []byte, d canon.Delta) []byte {
	switch d.Kind {
	case canon.DeltaText:
		if d.Text != "" {
			b = s.textChunk(b, `{"content":`, d.Text)
		}
	case canon.DeltaReasoning:
		if d.Text != "" {
			b = s.reasoningChunk(b, d.Text)
		}
	case canon.DeltaToolCall:
		b = s.toolCallChunk(b, d)
	case canon.DeltaToolArgs:
		if d.Text != "" {
			b = s.toolArgsChunk(b, d)
		}
	case canon.DeltaDone:
		b = s.finish(b, d)
	}
	return b
}

// Fail writes the error event that ends the stream; no [DONE] follows.
func (s *chatStream) Fail(e *canon.Error) error {
	if s.closed {
		return nil
	}
	s.closed = true
	if _, err := s.w.Write(appendErrorFrame(s.buf[:0], e)); err != nil {
		return fmt.Errorf("writing chat error: %w", err)
	}
	return nil
}

// chunk appends a chunk whose delta is the literal JSON object delta.
func (s *chatStream) chunk(b []byte, delta string) []byte {
	b = append(b, s.head...)
	b = append(b, delta...)
	return append(b, s.tail...)
}

// textChunk appends a chunk whose delta is open (e.g. `{"content":`) followed by text.
func (s *chatStream) textChunk(b []byte, open, text string) []byte {
	b = append(b, s.head...)
	b = append(b, open...)
	b = wire.AppendString(b, text)
	b = append(b, '}')
	return append(b, s.tail...)
}

func (s *chatStream) reasoningChunk(b []byte, text string) []byte {
	if s.opts.ReasoningField != ReasoningBoth {
		return s.textChunk(b, `{"reasoning_content":`, text)
	}
	b = append(b, s.head...)
	b = append(b, `{"reasoning_content":`...)
	b = wire.AppendString(b, text)
	b = append(b, `,"reasoning":`...)
	b = wire.AppendString(b, text)
	b = append(b, '}')
	return append(b, s.tail...)
}

// toolCallChunk announces a call: index, id, type and name once, with empty arguments.
func (s *chatStream) toolCallChunk(b []byte, d canon.Delta) []byte {
	b = append(b, s.head...)
	b = append(b, `{"tool_calls":[{"index":`...)
	b = strconv.AppendInt(b, int64(d.ToolIndex), 10)
	b = append(b, `,"id":`...)
	b = wire.AppendString(b, d.CallID)
	b = append(b, `,"type":"function","function":{"name":`...)
	b = wire.AppendString(b, d.Name)
	b = append(b, `,"arguments":""}}]}`...)
	return append(b, s.tail...)
}

// toolArgsChunk carries a piece of a call's arguments: only index and function.arguments.
func (s *chatStream) toolArgsChunk(b []byte, d canon.Delta) []byte {
	b = append(b, s.head...)
	b = append(b, `{"tool_calls":[{"index":`...)
	b = strconv.AppendInt(b, int64(d.ToolIndex), 10)
	b = append(b, `,"function":{"arguments":`...)
	b = wire.AppendString(b, d.Text)
	b = append(b, `}}]}`...)
	return append(b, s.tail...)
}

// finish appends the finish chunk, the usage chunk when asked for, and [DONE].
func (s *chatStream) finish(b []byte, d canon.Delta) []byte {
	s.closed = true
	b = append(b, s.head...)
	b = append(b, `{},"logprobs":null,"finish_reason":`...)
	b = wire.AppendString(b, finishReason(d.Finish))
	b = append(b, "}]"...)
	if s.opts.IncludeUsage {
		b = append(b, `,"usage":null}`...)
		b = append(b, "\n\n"...)
		b = append(b, s.base...)
		b = append(b, `,"choices":[],"usage":`...)
		b = appendUsage(b, d.Usage)
	}
	b = append(b, "}\n\n"...)
	return append(b, "data: [DONE]\n\n"...)
}

func finishReason(f string) string {
	if f == "" {
		return canon.FinishStop
	}
	return f
}

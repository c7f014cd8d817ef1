package ollama

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// NewChatStream returns the encoder that writes a chat turn to w as Ollama NDJSON: one compact
// object per line. Text and thinking pieces each get a done:false line (thinking is left out
// when the client sent think:false). Tool calls are held until their arguments are complete,
// then sent whole, with object arguments, in a done:false line. The last line is done:true with
// done_reason "stop" (also after tool calls) or "length", the token counts and the durations.
func NewChatStream(w io.Writer, meta Meta, opts ChatOptions) canon.Encoder {
	return &stream{w: w, meta: meta, model: meta.model(opts.Model), start: meta.Start,
		hideThinking: opts.hideThinking(), ids: opts.ToolCallIDs}
}

// NewGenerateStream returns the encoder that writes a generate turn to w as Ollama NDJSON:
// lines with a "response" piece or a "thinking" piece, then a done:true line that adds
// "context":[] and the metrics.
func NewGenerateStream(w io.Writer, meta Meta, opts GenerateOptions) canon.Encoder {
	return &stream{w: w, meta: meta, model: meta.model(opts.Model), start: meta.Start,
		generate: true, hideThinking: opts.hideThinking()}
}

// stream is the encoder of both endpoints; generate selects the /api/generate line shape.
type stream struct {
	w            io.Writer
	meta         Meta
	model        string
	generate     bool
	hideThinking bool
	ids          bool

	start, first time.Time  // request start; first output, zero until then
	calls        []toolCall // tool calls of the turn, in order
	sent         int        // calls[:sent] are written
	ended        bool       // done or error line written
	buf          []byte     // the line being built, reused
	scratch      bytes.Buffer
}

// toolCall is one tool call being assembled, or a finished one of a [canon.Result].
type toolCall struct {
	index    int
	id, name string
	args     []byte
}

// Delta writes the line or lines one delta calls for.
func (s *stream) Delta(d canon.Delta) error {
	if s.ended {
		return nil
	}
	switch d.Kind {
	case canon.DeltaText:
		s.mark()
		if d.Text != "" {
			return s.piece(d.Text, "")
		}
	case canon.DeltaReasoning:
		s.mark()
		if d.Text != "" && !s.hideThinking {
			return s.piece("", d.Text)
		}
	case canon.DeltaToolCall:
		s.mark()
		if s.generate {
			return nil
		}
		err := s.flush(false)
		s.calls = append(s.calls, toolCall{index: d.ToolIndex, id: d.CallID, name: d.Name})
		return err
	case canon.DeltaToolArgs:
		s.addArgs(d.ToolIndex, d.Text)
	case canon.DeltaDone:
		return s.done(d)
	}
	return nil
}

// Fail ends the stream with the line {"error":"…"}. Tool calls not yet sent are dropped.
func (s *stream) Fail(e *canon.Error) error {
	if s.ended {
		return nil
	}
	s.ended = true
	s.buf = errorLine(s.buf[:0], e)
	return s.write()
}

func (s *stream) mark() {
	if s.first.IsZero() {
		s.first = s.meta.now()
	}
}

func (s *stream) addArgs(index int, text string) {
	for k := len(s.calls) - 1; k >= s.sent; k-- {
		if s.calls[k].index == index {
			s.calls[k].args = append(s.calls[k].args, text...)
			return
		}
	}
}

// piece writes one done:false line with a text or a thinking piece, after any tool calls that
// are complete, so that lines keep the order of the output.
func (s *stream) piece(text, thinking string) error {
	if err := s.flush(false); err != nil {
		return err
	}
	s.buf = s.header(s.buf[:0])
	if s.generate {
		s.buf = appendGenerate(s.buf, text, thinking)
	} else {
		s.buf = appendMessage(s.buf, text, thinking, nil, false, &s.scratch)
	}
	s.buf = append(s.buf, `,"done":false}`+"\n"...)
	return s.write()
}

// flush writes the unsent tool calls whose arguments are complete JSON, stopping at the first
// incomplete one; all of them when all is set. Arguments of parallel calls may interleave, so
// a call is complete only when its arguments parse, not merely when the next call starts.
func (s *stream) flush(all bool) error {
	n := s.sent
	for n < len(s.calls) && (all || json.Valid(s.calls[n].args)) {
		n++
	}
	if n == s.sent {
		return nil
	}
	s.buf = s.header(s.buf[:0])
	s.buf = appendMessage(s.buf, "", "", s.calls[s.sent:n], s.ids, &s.scratch)
	s.buf = append(s.buf, `,"done":false}`+"\n"...)
	s.sent = n
	return s.write()
}

func (s *stream) done(d canon.Delta) error {
	if err := s.flush(true); err != nil {
		return err
	}
	s.ended = true
	s.buf = s.header(s.buf[:0])
	if s.generate {
		s.buf = appendGenerate(s.buf, "", "")
	} else {
		s.buf = appendMessage(s.buf, "", "", nil, false, &s.scratch)
	}
	s.buf = appendDone(s.buf, d.Finish, s.generate)
	s.buf = appendMetrics(s.buf, s.start, s.first, s.meta.now(), d.Usage)
	s.buf = append(s.buf, "}\n"...)
	return s.write()
}

func (s *stream) header(b []byte) []byte {
	return appendHeader(b, s.model, s.meta.now())
}

func (s *stream) write() error {
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("writing ndjson line: %w", err)
	}
	return nil
}

// ChatResponse returns the answer to a non-streaming /api/chat request: one line holding the
// whole message (content, thinking unless hidden, tool calls) and the metrics.
func ChatResponse(meta Meta, res *canon.Result, opts ChatOptions) []byte {
	if res == nil {
		res = &canon.Result{}
	}
	calls := resultCalls(res)
	thinking := res.Reasoning()
	if opts.hideThinking() {
		thinking = ""
	}
	now := meta.now()
	var scratch bytes.Buffer
	b := appendHeader(make([]byte, 0, 256), meta.model(opts.Model), now)
	b = appendMessage(b, res.Text(), thinking, calls, opts.ToolCallIDs, &scratch)
	b = appendDone(b, res.Finish, false)
	b = appendMetrics(b, meta.Start, meta.First, now, res.Usage)
	return append(b, "}\n"...)
}

// GenerateResponse returns the answer to a non-streaming /api/generate request.
func GenerateResponse(meta Meta, res *canon.Result, opts GenerateOptions) []byte {
	if res == nil {
		res = &canon.Result{}
	}
	thinking := res.Reasoning()
	if opts.hideThinking() {
		thinking = ""
	}
	now := meta.now()
	b := appendHeader(make([]byte, 0, 256), meta.model(opts.Model), now)
	b = appendGenerate(b, res.Text(), thinking)
	b = appendDone(b, res.Finish, true)
	b = appendMetrics(b, meta.Start, meta.First, now, res.Usage)
	return append(b, "}\n"...)
}

// GenerateControl returns the answer to a generate request that only loads or unloads the
// model (an empty prompt): lagp has nothing to load, so it answers at once.
func GenerateControl(meta Meta, opts GenerateOptions) []byte {
	reason := "load"
	if opts.Unload {
		reason = "unload"
	}
	b := appendHeader(make([]byte, 0, 128), meta.model(opts.Model), meta.now())
	b = append(b, `,"response":"","done":true,"done_reason":`...)
	b = wire.AppendString(b, reason)
	return append(b, "}\n"...)
}

// ChatControl is the answer to a load or unload request on /api/chat (see [ChatOptions]):
// models live at ChatGPT, so there is nothing to load, and lagp says it is done.
func ChatControl(meta Meta, opts ChatOptions) []byte {
	reason := "load"
	if opts.Unload {
		reason = "unload"
	}
	b := appendHeader(make([]byte, 0, 160), meta.model(opts.Model), meta.now())
	b = append(b, `,"message":{"role":"assistant","content":""},"done":true,"done_reason":`...)
	b = wire.AppendString(b, reason)
	return append(b, "}\n"...)
}

func resultCalls(res *canon.Result) []toolCall {
	calls := make([]toolCall, len(res.ToolCalls))
	for i, c := range res.ToolCalls {
		calls[i] = toolCall{index: i, id: c.CallID, name: c.Name, args: []byte(c.Arguments)}
	}
	return calls
}

// appendHeader starts a line: {"model":…,"created_at":….
func appendHeader(b []byte, model string, now time.Time) []byte {
	b = append(b, `{"model":`...)
	b = wire.AppendString(b, model)
	return appendTime(b, "created_at", now)
}

// appendMessage appends the chat "message" member. content is always present (Zed requires
// it); thinking and tool_calls only when there are some.
func appendMessage(b []byte, content, thinking string, calls []toolCall, ids bool,
	scratch *bytes.Buffer) []byte {
	b = append(b, `,"message":{"role":"assistant","content":`...)
	b = wire.AppendString(b, content)
	if thinking != "" {
		b = appendKey(b, "thinking")
		b = wire.AppendString(b, thinking)
	}
	if len(calls) > 0 {
		b = appendKey(b, "tool_calls")
		b = append(b, '[')
		for k, c := range calls {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendToolCall(b, c, ids, scratch)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendToolCall appends {"id":…,"function":{"index":…,"name":…,"arguments":{…}}}; without
// ids the object has the single key "function", which older Zed builds insist on.
func appendToolCall(b []byte, c toolCall, ids bool, scratch *bytes.Buffer) []byte {
	b = append(b, '{')
	if ids && c.id != "" {
		b = append(b, `"id":`...)
		b = wire.AppendString(b, c.id)
		b = append(b, ',')
	}
	b = append(b, `"function":{"index":`...)
	b = strconv.AppendInt(b, int64(c.index), 10)
	b = appendKey(b, "name")
	b = wire.AppendString(b, c.name)
	b = appendKey(b, "arguments")
	b = appendArguments(b, c.args, scratch)
	return append(b, '}', '}')
}

// appendGenerate appends the generate members: "response" always, "thinking" when set.
func appendGenerate(b []byte, response, thinking string) []byte {
	b = appendKey(b, "response")
	b = wire.AppendString(b, response)
	if thinking != "" {
		b = appendKey(b, "thinking")
		b = wire.AppendString(b, thinking)
	}
	return b
}

// appendDone appends done:true and the done_reason: "length" when the output was cut short,
// else "stop" (Ollama has no reason for tool calls). Generate answers also get "context":[].
func appendDone(b []byte, finish string, generate bool) []byte {
	reason := "stop"
	if finish == canon.FinishLength {
		reason = "length"
	}
	b = append(b, `,"done":true,"done_reason":`...)
	b = wire.AppendString(b, reason)
	if generate {
		b = append(b, `,"context":[]`...)
	}
	return b
}

// appendMetrics appends the token counts and durations (nanoseconds). The time to the first
// output counts as prompt evaluation, the rest as generation; nothing is ever loaded.
func appendMetrics(b []byte, start, first, end time.Time, u canon.Usage) []byte {
	if start.IsZero() || start.After(end) {
		start = end // no start time: report no durations rather than years
	}
	if first.IsZero() || first.Before(start) {
		first = start
	}
	if end.Before(first) {
		end = first
	}
	b = appendInt(b, "total_duration", int64(end.Sub(start)))
	b = appendInt(b, "load_duration", 0)
	b = appendInt(b, "prompt_eval_count", int64(u.InputTokens))
	b = appendInt(b, "prompt_eval_duration", int64(first.Sub(start)))
	b = appendInt(b, "eval_count", int64(u.OutputTokens))
	return appendInt(b, "eval_duration", int64(end.Sub(first)))
}

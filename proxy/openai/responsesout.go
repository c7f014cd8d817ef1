package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// ResponsesStream forwards the backend's events to a Responses API client. The backend already
// speaks the Responses API, so each event keeps its raw bytes, with two exceptions: events that
// carry the response object show the model name the client asked for, and the final response
// gets the output assembled from output_item.done events when the backend sent it empty
// (PROTOCOL.md §3.3, C1). The proxy restores shortened tool names (B7) before events get here.
type ResponsesStream struct {
	w     io.Writer
	meta  Meta
	out   outputItems
	resp  responseIdentity
	seq   int  // the sequence number for an event lagp adds
	ended bool // a terminal event was written
	buf   []byte
}

// NewResponsesStream returns a stream writing server-sent events to w.
func NewResponsesStream(w io.Writer, meta Meta) *ResponsesStream {
	return &ResponsesStream{w: w, meta: meta}
}

// Event forwards one backend event as `event: <type>` and `data: <json>`. Nothing is written
// after a terminal event (completed, incomplete, failed, error).
func (s *ResponsesStream) Event(ev canon.Event) error {
	if s.ended {
		return nil
	}
	s.seq = ev.Sequence + 1
	data, err := s.data(ev)
	if err != nil {
		return err
	}
	b := append(s.buf[:0], "event: "...)
	b = append(b, ev.Type...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	s.buf = b
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("writing responses event: %w", err)
	}
	return nil
}

// data returns the event's JSON for the client, on one line.
func (s *ResponsesStream) data(ev canon.Event) ([]byte, error) {
	data := []byte(ev.Raw)
	if bytes.ContainsAny(data, "\r\n") {
		data = compact(data)
	}
	switch ev.Type {
	case canon.EventOutputItemDone:
		s.out.add(ev)
	case canon.EventCreated:
		s.resp.note(ev.Response)
	case canon.EventCompleted, canon.EventIncomplete, canon.EventFailed:
		s.ended = true
	case canon.EventError:
		s.ended = true
		return data, nil
	}
	if ev.Response == nil {
		return data, nil
	}
	var output []json.RawMessage
	if ev.Type == canon.EventCompleted || ev.Type == canon.EventIncomplete {
		output = s.out.list()
	}
	model := s.meta.Model
	if model == ev.Response.Model {
		model = "" // already right: no need to rewrite
	}
	if model == "" && output == nil {
		return data, nil
	}
	patched, err := patchEvent(data, model, output)
	if err != nil {
		return nil, fmt.Errorf("rewriting %s event: %w", ev.Type, err)
	}
	return patched, nil
}

// Done reports whether a terminal event was forwarded. When the backend stream ends without
// one, the glue calls Fail.
func (s *ResponsesStream) Done() bool { return s.ended }

// Fail ends the stream with a response.failed event carrying e, shaped like the API's own.
func (s *ResponsesStream) Fail(e *canon.Error) error {
	if s.ended {
		return nil
	}
	s.ended = true
	e = orInternal(e)
	resp := s.resp.object(s.meta, "failed", s.out.list())
	resp.Error = &responseError{Code: failCode(e), Message: e.Message}
	ev, _ := json.Marshal(struct {
		Type     string         `json:"type"`
		Sequence int            `json:"sequence_number"`
		Response responseObject `json:"response"`
	}{canon.EventFailed, s.seq, resp}) // strings, ints and valid raw JSON always marshal
	b := append(s.buf[:0], "event: response.failed\ndata: "...)
	b = append(b, ev...)
	b = append(b, "\n\n"...)
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("writing responses error: %w", err)
	}
	return nil
}

// failCode is the error code of a response lagp fails: the error's own, else the API's codes
// for a rate limit or a server error.
func failCode(e *canon.Error) string {
	switch {
	case e.Code != "":
		return e.Code
	case e.Kind == canon.KindRateLimited:
		return canon.CodeRateLimit
	}
	return "server_error"
}

// ResponsesCollector builds the response object of a non-streamed Responses call from the
// backend's events: the response from response.created and the final event, its output from the
// output_item.done items ordered by output_index, never from the final event's output (C1).
type ResponsesCollector struct {
	meta  Meta
	turn  *canon.Turn // maps failures and tracks completion as for every other route
	base  json.RawMessage
	out   outputItems
	resp  responseIdentity
	ended bool
}

// NewResponsesCollector returns an empty collector. now stamps the reset times of usage-limit
// errors; nil means [time.Now].
func NewResponsesCollector(meta Meta, now func() time.Time) *ResponsesCollector {
	return &ResponsesCollector{meta: meta, turn: canon.NewTurn(canon.ToolNames{}, nil, now)}
}

// Event folds one backend event into the response. A failed response or an error event returns
// its [*canon.Error], mapped as on every route (C9).
func (c *ResponsesCollector) Event(ev canon.Event) error {
	if _, err := c.turn.Feed(ev); err != nil {
		return err
	}
	switch ev.Type {
	case canon.EventCreated:
		c.resp.note(ev.Response)
		c.base = member(ev.Raw, "response")
	case canon.EventOutputItemDone:
		c.out.add(ev)
	case canon.EventCompleted, canon.EventIncomplete:
		c.base = member(ev.Raw, "response")
		c.ended = true
	}
	return nil
}

// Done reports whether the response completed or ended incomplete. Without that, the stream was
// cut, and [canon.Turn.End]'s error applies.
func (c *ResponsesCollector) Done() bool { return c.ended }

// Body returns the response object.
func (c *ResponsesCollector) Body() []byte {
	output := c.out.list()
	if len(c.base) > 0 {
		if b, err := patchObject(c.base, c.meta.Model, output); err == nil {
			return b
		}
	}
	status := "in_progress"
	if c.ended {
		status = "completed"
	}
	b, _ := json.Marshal(c.resp.object(c.meta, status, output)) // always marshals
	return b
}

// outputItems keeps the raw items of output_item.done events by output index.
type outputItems map[int]json.RawMessage

func (o *outputItems) add(ev canon.Event) {
	item := member(ev.Raw, "item")
	if item == nil {
		return
	}
	if *o == nil {
		*o = outputItems{}
	}
	(*o)[ev.OutputIndex] = item
}

// list returns the items ordered by output index; never nil.
func (o outputItems) list() []json.RawMessage {
	idx := make([]int, 0, len(o))
	for i := range o {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	out := make([]json.RawMessage, 0, len(idx))
	for _, i := range idx {
		out = append(out, o[i])
	}
	return out
}

// responseIdentity remembers the backend's response id and creation time.
type responseIdentity struct {
	id      string
	created int64
}

func (r *responseIdentity) note(resp *canon.Response) {
	if resp == nil {
		return
	}
	r.id, r.created = resp.ID, resp.CreatedAt
}

// responseObject is a response object lagp writes itself, for a failure or when the backend
// sent none.
type responseObject struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	CreatedAt         int64             `json:"created_at"`
	Status            string            `json:"status"`
	Model             string            `json:"model"`
	Output            []json.RawMessage `json:"output"`
	Error             *responseError    `json:"error"`
	IncompleteDetails *struct{}         `json:"incomplete_details"`
	Usage             *struct{}         `json:"usage"`
}

type responseError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (r responseIdentity) object(meta Meta, status string, out []json.RawMessage) responseObject {
	obj := responseObject{ID: r.id, Object: "response", CreatedAt: r.created, Status: status,
		Model: meta.Model, Output: out}
	if obj.ID == "" {
		obj.ID = meta.ID
	}
	if obj.CreatedAt == 0 {
		obj.CreatedAt = meta.Created.Unix()
	}
	return obj
}

// member returns the raw value of one top-level member of a JSON object, or nil.
func member(raw []byte, key string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m[key]
}

// patchEvent rewrites the response object inside an event; see [patchObject].
func patchEvent(ev []byte, model string, output []json.RawMessage) ([]byte, error) {
	resp := member(ev, "response")
	if jsonKind(resp) != '{' {
		return ev, nil
	}
	patched, err := patchObject(resp, model, output)
	if err != nil {
		return nil, err
	}
	return replaceMembers(ev, map[string]json.RawMessage{"response": patched})
}

// patchObject sets a response object's model to model (when set) and, when its output is
// missing or empty, to output (when not nil).
func patchObject(resp []byte, model string, output []json.RawMessage) ([]byte, error) {
	repl := map[string]json.RawMessage{}
	if model != "" {
		repl["model"] = wire.AppendString(nil, model)
	}
	if output != nil && emptyArray(member(resp, "output")) {
		b, err := json.Marshal(output)
		if err != nil {
			return nil, err
		}
		repl["output"] = b
	}
	if len(repl) == 0 {
		return resp, nil
	}
	return replaceMembers(resp, repl)
}

func emptyArray(raw json.RawMessage) bool {
	var items []json.RawMessage
	return wire.Absent(raw) || (json.Unmarshal(raw, &items) == nil && len(items) == 0)
}

// replaceMembers returns the JSON object obj with the members in repl replaced, keeping the
// order of the others; members obj lacks are added at the end in key order.
func replaceMembers(obj []byte, repl map[string]json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	out := make([]byte, 0, len(obj)+64)
	out = append(out, '{')
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string) // object keys are always strings
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		if r, ok := repl[key]; ok {
			val, seen[key] = r, true
		}
		out = appendMember(out, key, val)
	}
	keys := make([]string, 0, len(repl))
	for k := range repl {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = appendMember(out, k, repl[k])
	}
	return append(out, '}'), nil
}

func appendMember(out []byte, key string, val json.RawMessage) []byte {
	if len(out) > 1 {
		out = append(out, ',')
	}
	out = wire.AppendString(out, key)
	out = append(out, ':')
	return append(out, compact(val)...)
}

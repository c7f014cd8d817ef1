package canon

import (
	"strings"
	"time"
)

// DeltaKind says what a [Delta] carries.
type DeltaKind int

// The kinds of output a turn produces, in the order a client sees them for each item.
const (
	DeltaText      DeltaKind = iota + 1 // a piece of answer text
	DeltaReasoning                      // a piece of the reasoning summary
	DeltaToolCall                       // a new tool call: ToolIndex, CallID and Name
	DeltaToolArgs                       // a piece of a tool call's JSON arguments
	DeltaDone                           // the turn ended normally: Finish and Usage
)

// Finish reasons, as OpenAI clients know them (PROTOCOL.md §7 C6).
const (
	FinishStop          = "stop"
	FinishToolCalls     = "tool_calls"
	FinishLength        = "length"
	FinishContentFilter = "content_filter"
)

// Delta is one piece of a model turn in dialect-neutral form.
type Delta struct {
	Kind      DeltaKind
	Text      string // text, reasoning or argument piece
	ToolIndex int    // position of the tool call among this turn's tool calls, from 0
	CallID    string // tool call id as clients must echo it (the backend's call_id, C4)
	Name      string // tool name as the client defined it
	Finish    string // with DeltaDone
	Usage     Usage  // with DeltaDone
}

// Turn turns the backend's event stream into [Delta] values, applying the output rules every
// dialect shares: output is assembled from deltas and finished items, never from the completed
// response (C1); reasoning summary parts are joined by a blank line (C3); tool calls are keyed
// by item so that parallel calls may interleave (C5); exactly one finish (C6).
type Turn struct {
	// ID, Model and Created describe the response, once response.created has arrived.
	ID      string
	Model   string
	Created time.Time

	names ToolNames
	mem   *ReasoningMemory
	now   func() time.Time

	items     map[string]*itemState // by item id
	byIndex   map[int]*itemState    // by output index
	tools     int                   // tool calls announced so far
	reasoned  bool                  // some reasoning text was emitted
	partBreak bool                  // the next reasoning text starts a new paragraph
	lastThink *Item                 // the latest finished reasoning item, for B12
	done      bool                  // completed or incomplete arrived
	out       []Delta
}

type itemState struct {
	kind      string
	toolIndex int
	callID    string
	name      string
	streamed  bool // deltas arrived for this item
}

// NewTurn returns a turn for one backend response. names maps shortened tool names back; mem,
// which may be nil, receives the reasoning behind each tool call; now stamps Created when the
// backend sends no time.
func NewTurn(names ToolNames, mem *ReasoningMemory, now func() time.Time) *Turn {
	if now == nil {
		now = time.Now
	}
	return &Turn{
		names:   names,
		mem:     mem,
		now:     now,
		Created: now(),
		items:   map[string]*itemState{},
		byIndex: map[int]*itemState{},
	}
}

// Feed consumes one event and returns the deltas it produced. The returned slice is reused by
// the next call. A failed response or an error event returns an [*Error].
func (t *Turn) Feed(ev Event) ([]Delta, error) {
	t.out = t.out[:0]
	switch ev.Type {
	case EventCreated:
		t.created(ev.Response)
	case EventOutputItemAdded:
		t.itemAdded(ev)
	case EventOutputTextDelta:
		t.markStreamed(ev)
		t.emit(Delta{Kind: DeltaText, Text: ev.Delta})
	case EventReasoningPartAdded:
		t.partBreak = t.reasoned
	case EventReasoningSummaryText, EventReasoningTextDelta:
		t.markStreamed(ev)
		t.reasoning(ev.Delta)
	case EventFunctionArgsDelta:
		t.argsDelta(ev)
	case EventOutputItemDone:
		t.itemDone(ev)
	case EventCompleted:
		t.finish(ev.Response, "")
	case EventIncomplete:
		t.finish(ev.Response, incompleteReason(ev.Response))
	case EventFailed:
		return nil, t.failure(ev.Response)
	case EventError:
		return nil, errorEvent(ev, t.now())
	}
	return t.out, nil
}

// End reports whether the stream ended properly: it returns an [*Error] when the stream closed
// before the response completed (C2).
func (t *Turn) End() error {
	if t.done {
		return nil
	}
	return &Error{Kind: KindUpstream, Code: "stream_incomplete",
		Message: "the ChatGPT backend closed the stream before the response completed"}
}

// Done reports whether the response completed.
func (t *Turn) Done() bool { return t.done }

func (t *Turn) emit(d Delta) { t.out = append(t.out, d) }

func (t *Turn) created(r *Response) {
	if r == nil {
		return
	}
	t.ID, t.Model = r.ID, r.Model
	if r.CreatedAt > 0 {
		t.Created = time.Unix(r.CreatedAt, 0)
	}
}

func (t *Turn) state(ev Event) *itemState {
	if s, ok := t.items[ev.ItemID]; ok && ev.ItemID != "" {
		return s
	}
	return t.byIndex[ev.OutputIndex]
}

func (t *Turn) markStreamed(ev Event) {
	if s := t.state(ev); s != nil {
		s.streamed = true
	}
}

func (t *Turn) reasoning(text string) {
	if text == "" {
		return
	}
	if t.partBreak {
		text = "\n\n" + text
		t.partBreak = false
	}
	t.reasoned = true
	t.emit(Delta{Kind: DeltaReasoning, Text: text})
}

func (t *Turn) itemAdded(ev Event) {
	if ev.Item == nil {
		return
	}
	s := t.track(ev.Item, ev.OutputIndex)
	if s.kind == "reasoning" {
		t.partBreak = t.reasoned
	}
}

// track registers an output item and, for a function call, announces it.
func (t *Turn) track(it *OutputItem, index int) *itemState {
	if s, ok := t.byIndex[index]; ok && (it.ID == "" || t.items[it.ID] == s) {
		return s
	}
	s := &itemState{kind: it.Type}
	if it.Type == "function_call" {
		s.toolIndex, s.callID, s.name = t.tools, it.CallID, t.names.Original(it.Name)
		t.tools++
		t.emit(Delta{Kind: DeltaToolCall, ToolIndex: s.toolIndex, CallID: s.callID, Name: s.name})
	}
	t.byIndex[index] = s
	if it.ID != "" {
		t.items[it.ID] = s
	}
	return s
}

func (t *Turn) argsDelta(ev Event) {
	s := t.state(ev)
	if s == nil || s.kind != "function_call" || ev.Delta == "" {
		return
	}
	s.streamed = true
	t.emit(Delta{Kind: DeltaToolArgs, ToolIndex: s.toolIndex, Text: ev.Delta})
}

// itemDone fills in whatever the deltas did not carry, and remembers reasoning for B12.
func (t *Turn) itemDone(ev Event) {
	it := ev.Item
	if it == nil {
		return
	}
	s := t.track(it, ev.OutputIndex)
	switch it.Type {
	case "message":
		if !s.streamed {
			for _, p := range it.Content {
				if p.Text != "" {
					t.emit(Delta{Kind: DeltaText, Text: p.Text})
				}
			}
		}
	case "reasoning":
		if !s.streamed {
			for i, p := range it.Summary {
				t.partBreak = t.partBreak || (i > 0 && t.reasoned)
				t.reasoning(p.Text)
			}
		}
		t.lastThink = &Item{Type: ItemReasoning, Summary: it.Summary,
			EncryptedContent: it.EncryptedContent}
	case "function_call":
		if !s.streamed && it.Arguments != "" {
			t.emit(Delta{Kind: DeltaToolArgs, ToolIndex: s.toolIndex, Text: it.Arguments})
		}
		if t.lastThink != nil {
			t.mem.Remember(it.CallID, *t.lastThink)
		}
	}
	s.streamed = true
}

func (t *Turn) finish(r *Response, reason string) {
	if t.done {
		return
	}
	t.done = true
	d := Delta{Kind: DeltaDone, Finish: reason}
	if d.Finish == "" {
		d.Finish = FinishStop
		if t.tools > 0 {
			d.Finish = FinishToolCalls
		}
	}
	if r != nil && r.Usage != nil {
		d.Usage = *r.Usage
	}
	t.emit(d)
}

func incompleteReason(r *Response) string {
	if r != nil && r.IncompleteDetails != nil &&
		strings.Contains(r.IncompleteDetails.Reason, "content_filter") {
		return FinishContentFilter
	}
	return FinishLength
}

func (t *Turn) failure(r *Response) error {
	if r == nil || r.Error == nil {
		return &Error{Kind: KindUpstream, Code: "response_failed",
			Message: "the ChatGPT backend reported a failed response"}
	}
	return Failure(*r.Error, t.now())
}

func errorEvent(ev Event, now time.Time) error {
	e := ResponseError{Code: ev.Code, Message: ev.Message}
	if ev.Error != nil {
		e = *ev.Error
	}
	if e.Message == "" {
		e.Message = "the ChatGPT backend reported an error"
	}
	return Failure(e, now)
}

// Result is a whole turn collected from its deltas, for clients that asked not to stream.
type Result struct {
	text, reasoning strings.Builder
	ToolCalls       []ToolCall
	Finish          string
	Usage           Usage
}

// ToolCall is one complete tool call of a [Result].
type ToolCall struct {
	CallID    string
	Name      string
	Arguments string
}

// Text returns the answer text.
func (r *Result) Text() string { return r.text.String() }

// Reasoning returns the reasoning summary, paragraphs separated by a blank line.
func (r *Result) Reasoning() string { return r.reasoning.String() }

// Add folds one delta into the result.
func (r *Result) Add(d Delta) {
	switch d.Kind {
	case DeltaText:
		r.text.WriteString(d.Text)
	case DeltaReasoning:
		r.reasoning.WriteString(d.Text)
	case DeltaToolCall:
		r.ToolCalls = append(r.ToolCalls, ToolCall{CallID: d.CallID, Name: d.Name})
	case DeltaToolArgs:
		if d.ToolIndex < len(r.ToolCalls) {
			r.ToolCalls[d.ToolIndex].Arguments += d.Text
		}
	case DeltaDone:
		r.Finish, r.Usage = d.Finish, d.Usage
	}
}

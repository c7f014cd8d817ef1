package openai

import (
	"io"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// ResponsesStream forwards the backend's events to a Responses API client.
type ResponsesStream struct {
	w    io.Writer
	meta Meta
}

// NewResponsesStream returns a stream writing server-sent events to w.
func NewResponsesStream(w io.Writer, meta Meta) *ResponsesStream {
	return &ResponsesStream{w: w, meta: meta}
}

// Event forwards one backend event.
func (s *ResponsesStream) Event(ev canon.Event) error { return nil } // TODO: in progress

// Fail ends the stream with a response.failed event carrying e.
func (s *ResponsesStream) Fail(e *canon.Error) error { return nil } // TODO: in progress

// ResponsesCollector builds the response object of a non-streamed Responses call from the
// backend's events.
type ResponsesCollector struct {
	meta Meta
	now  func() time.Time
}

// NewResponsesCollector returns an empty collector. now stamps reset times of usage-limit
// errors; nil means [time.Now].
func NewResponsesCollector(meta Meta, now func() time.Time) *ResponsesCollector {
	return &ResponsesCollector{meta: meta, now: now}
}

// Event folds one backend event into the response. A failed response or an error event returns
// its [*canon.Error].
func (c *ResponsesCollector) Event(ev canon.Event) error { return nil } // TODO: in progress

// Done reports whether the response completed (or ended incomplete).
func (c *ResponsesCollector) Done() bool { return false } // TODO: in progress

// Body returns the response object.
func (c *ResponsesCollector) Body() []byte { return nil } // TODO: in progress

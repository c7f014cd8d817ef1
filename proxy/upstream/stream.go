package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// Stream is the event stream of one backend response. The caller must Close it. It is not safe
// for concurrent use, except that Close may be called from any goroutine to abort it.
type Stream struct {
	resp   *http.Response
	rd     *Reader
	parent context.Context    // the caller's context
	cancel context.CancelFunc // aborts the request
	idle   time.Duration
	timer  *time.Timer // fires when the backend stays silent for idle
	idled  atomic.Bool
	closed atomic.Bool
	once   sync.Once
}

func newStream(parent context.Context, cancel context.CancelFunc, resp *http.Response,
	idle time.Duration) *Stream {
	s := &Stream{resp: resp, rd: NewReader(resp.Body), parent: parent, cancel: cancel, idle: idle}
	s.timer = time.AfterFunc(idle, func() {
		s.idled.Store(true)
		cancel()
	})
	s.timer.Stop()
	return s
}

// Header returns the response headers of the backend.
func (s *Stream) Header() http.Header { return s.resp.Header }

// Next returns the next event. It returns io.EOF when the backend ends the stream; whether the
// response completed is for the caller to judge from the events. A silence longer than the idle
// timeout, a broken connection or malformed data yield a [*canon.Error]; a cancelled caller
// context yields the context's error.
func (s *Stream) Next() (canon.Event, error) {
	s.timer.Reset(s.idle)
	ev, err := s.rd.Next()
	s.timer.Stop()
	if err == nil || errors.Is(err, io.EOF) && !s.idled.Load() && s.parent.Err() == nil {
		return ev, err
	}
	switch {
	case s.idled.Load():
		return canon.Event{}, &canon.Error{Kind: canon.KindUpstream, Code: "stream_idle",
			Message: fmt.Sprintf("the ChatGPT backend sent nothing for %s", s.idle)}
	case s.parent.Err() != nil:
		return canon.Event{}, fmt.Errorf("reading the backend stream: %w", s.parent.Err())
	case s.closed.Load():
		return canon.Event{}, errors.New("reading the backend stream: stream closed")
	}
	return canon.Event{}, &canon.Error{Kind: canon.KindUpstream, Code: "stream_broken",
		Message: "the connection to the ChatGPT backend broke off", Err: err}
}

// Close aborts the request, if still running, and releases the connection. It is safe to call
// more than once.
func (s *Stream) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.timer.Stop()
		s.cancel()
		s.resp.Body.Close()
	})
	return nil
}

package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream"
)

// dialect is what the pump needs from a client API to answer one turn.
type dialect struct {
	contentType string                                             // of a streamed answer
	encoder     func(io.Writer) canon.Encoder                      // streamed answer
	collect     func(*canon.Turn, *canon.Result, time.Time) []byte // whole answer; first output time
	fail        func(http.ResponseWriter, *canon.Error)            // error before the first byte
}

// turn sends req upstream and answers the client, streaming or whole. It is the one place where
// the rules about errors and streams live: an error before the first byte is a JSON error with
// its status; after it, the dialect's in-stream error; never a normal finish after an error
// (C2). A client that goes away cancels the upstream request through the request context.
func (s *Server) turn(w http.ResponseWriter, r *http.Request, req *canon.Request,
	names canon.ToolNames, stream bool, d dialect) {
	st, err := s.opts.Client.Stream(r.Context(), req)
	if err != nil {
		s.failed(r, err)
		d.fail(w, canon.AsError(err))
		return
	}
	defer st.Close()
	t := canon.NewTurn(names, s.mem, s.now)
	if stream {
		s.stream(w, r, st, t, d)
		return
	}
	var res canon.Result
	var first time.Time
	err = drain(st, t, func(ds []canon.Delta) error {
		if first.IsZero() && len(ds) > 0 {
			first = s.now()
		}
		for _, x := range ds {
			res.Add(x)
		}
		return nil
	})
	if err != nil {
		s.failed(r, err)
		d.fail(w, canon.AsError(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(d.collect(t, &res, first))
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, st *upstream.Stream,
	t *canon.Turn, d dialect) {
	out := &streamOut{w: w, rc: http.NewResponseController(w), contentType: d.contentType}
	var enc canon.Encoder
	err := drain(st, t, func(ds []canon.Delta) error {
		if len(ds) == 0 {
			return nil
		}
		if enc == nil {
			out.begin()
			enc = d.encoder(w)
		}
		for _, x := range ds {
			if err := enc.Delta(x); err != nil {
				return errClientGone
			}
		}
		return out.flush()
	})
	s.endStream(r, out, err, func(e *canon.Error) { d.fail(w, e) },
		func(e *canon.Error) error { return enc.Fail(e) })
}

// streamOut is the client side of a streamed answer: headers go out with the first write, and
// every batch is flushed at once so that tokens reach the client as they come.
type streamOut struct {
	w           http.ResponseWriter
	rc          *http.ResponseController
	contentType string
	started     bool
}

func (o *streamOut) begin() {
	if o.started {
		return
	}
	o.started = true
	h := o.w.Header()
	h.Set("Content-Type", o.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	o.w.WriteHeader(http.StatusOK)
}

func (o *streamOut) flush() error {
	if err := o.rc.Flush(); err != nil {
		return errClientGone
	}
	return nil
}

// endStream reports how a stream ended: nothing when it completed or the client left; before
// the first byte, the error with its status (before); after it, an in-stream error (after).
func (s *Server) endStream(r *http.Request, out *streamOut, err error,
	before func(*canon.Error), after func(*canon.Error) error) {
	if err == nil || errors.Is(err, errClientGone) || r.Context().Err() != nil {
		return
	}
	s.failed(r, err)
	if !out.started {
		before(canon.AsError(err))
		return
	}
	_ = after(canon.AsError(err))
	_ = out.flush()
}

var errClientGone = errors.New("client went away")

// drain reads events until the turn is done, handing each batch of deltas to emit.
func drain(st *upstream.Stream, t *canon.Turn, emit func([]canon.Delta) error) error {
	for !t.Done() {
		ev, err := st.Next()
		if errors.Is(err, io.EOF) {
			return t.End()
		}
		if err != nil {
			return err
		}
		ds, err := t.Feed(ev)
		if err != nil {
			return err
		}
		if err := emit(ds); err != nil {
			return err
		}
	}
	return nil
}

// failed logs a turn that ended in an error, unless the client itself went away.
func (s *Server) failed(r *http.Request, err error) {
	if errors.Is(err, context.Canceled) || r.Context().Err() != nil {
		s.log.Debug("client went away", "path", r.URL.Path)
		return
	}
	e := canon.AsError(err)
	s.log.Warn("turn failed", "path", r.URL.Path, "status", e.Status(), "code", e.Code,
		"error", e)
}

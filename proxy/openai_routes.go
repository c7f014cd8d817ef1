package proxy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/openai"
)

// models returns the account's models. The catalog falls back to the last good or built-in
// list when the backend cannot be asked, so an error here means there is no list at all.
func (s *Server) models(ctx context.Context) (canon.ModelList, error) {
	list, err := s.opts.Catalog.List(ctx)
	if err != nil && canon.AsError(err).Kind == canon.KindUnauthorized {
		return nil, err // a built-in list would only lead to a 401 on the first chat
	}
	if len(list) > 0 {
		if err != nil {
			s.log.Debug("model list from fallback", "error", err)
		}
		return list, nil
	}
	if err == nil {
		err = canon.Errorf(canon.KindUpstream, "the ChatGPT account lists no models")
	}
	return nil, err
}

func (s *Server) openaiChat(w http.ResponseWriter, r *http.Request) {
	body, models, err := s.readWithModels(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	draft, opts, err := openai.DecodeChat(body, models)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.opts.Prefs().ReasoningBoth {
		opts.ReasoningField = "both"
	}
	req, names := draft.Build(s.mem)
	meta := openai.Meta{ID: newID("chatcmpl-"), Created: s.now(), Model: opts.Model}
	s.turn(w, r, req, names, opts.Stream, dialect{
		contentType: "text/event-stream",
		encoder:     func(w io.Writer) canon.Encoder { return openai.NewChatStream(w, meta, opts) },
		collect: func(_ *canon.Turn, res *canon.Result, _ time.Time) []byte {
			return openai.ChatResponse(meta, res, opts)
		},
		fail: openai.WriteError,
	})
}

func (s *Server) openaiCompletions(w http.ResponseWriter, r *http.Request) {
	body, models, err := s.readWithModels(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	draft, opts, err := openai.DecodeCompletion(body, models)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, names := draft.Build(s.mem)
	meta := openai.Meta{ID: newID("cmpl-"), Created: s.now(), Model: opts.Model}
	s.turn(w, r, req, names, opts.Stream, dialect{
		contentType: "text/event-stream",
		encoder: func(w io.Writer) canon.Encoder {
			return openai.NewCompletionStream(w, meta, opts)
		},
		collect: func(_ *canon.Turn, res *canon.Result, _ time.Time) []byte {
			return openai.CompletionResponse(meta, res, opts)
		},
		fail: openai.WriteError,
	})
}

// openaiResponses serves the Responses API. The backend already speaks it, so events pass
// through as they come; the turn machine still watches them so a failed or cut stream is
// reported as one.
func (s *Server) openaiResponses(w http.ResponseWriter, r *http.Request) {
	body, models, err := s.readWithModels(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	draft, opts, err := openai.DecodeResponses(body, models)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, names := draft.Build(s.mem)
	st, err := s.opts.Client.Stream(r.Context(), req)
	if err != nil {
		s.failed(r, err)
		openai.WriteError(w, canon.AsError(err))
		return
	}
	defer st.Close()
	t := canon.NewTurn(names, s.mem, s.now)
	meta := openai.Meta{ID: newID("resp_"), Created: s.now(), Model: opts.Model}
	if !opts.Stream {
		col := openai.NewResponsesCollector(meta, s.now)
		if err := passEvents(st, t, names, col.Event); err != nil {
			s.failed(r, err)
			openai.WriteError(w, canon.AsError(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(col.Body())
		return
	}
	s.streamResponses(w, r, st, t, names, openai.NewResponsesStream(w, meta))
}

func (s *Server) streamResponses(w http.ResponseWriter, r *http.Request, st eventSource,
	t *canon.Turn, names canon.ToolNames, rs *openai.ResponsesStream) {
	out := &streamOut{w: w, rc: http.NewResponseController(w), contentType: "text/event-stream"}
	err := passEvents(st, t, names, func(ev canon.Event) error {
		out.begin()
		if err := rs.Event(ev); err != nil {
			return errClientGone
		}
		return out.flush()
	})
	s.endStream(r, out, err, func(e *canon.Error) { openai.WriteError(w, e) }, rs.Fail)
}

// eventSource is the part of an upstream stream the Responses route reads.
type eventSource interface {
	Next() (canon.Event, error)
}

// passEvents hands each backend event to emit, with the client's tool names, until the response
// completes. Failure events are not forwarded: the caller reports them in the client's shape.
func passEvents(st eventSource, t *canon.Turn, names canon.ToolNames,
	emit func(canon.Event) error) error {
	for !t.Done() {
		ev, err := st.Next()
		if errors.Is(err, io.EOF) {
			return t.End()
		}
		if err != nil {
			return err
		}
		if _, err := t.Feed(ev); err != nil {
			return err
		}
		if len(names) > 0 {
			ev.Raw = names.Restore(ev.Raw)
		}
		if err := emit(ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) openaiModels(w http.ResponseWriter, r *http.Request) {
	models, err := s.models(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, openai.ModelList(models))
}

func (s *Server) openaiModel(w http.ResponseWriter, r *http.Request) {
	models, err := s.models(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, _, err := canon.ResolveModel(r.PathValue("id"), models)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, openai.ModelObject(m))
}

func (s *Server) readWithModels(r *http.Request) ([]byte, canon.ModelList, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	models, err := s.models(r.Context())
	return body, models, err
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// newID returns prefix followed by 24 random URL-safe characters.
func newID(prefix string) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

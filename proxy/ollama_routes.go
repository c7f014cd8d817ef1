package proxy

import (
	"io"
	"net/http"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/ollama"
)

const ndjson = "application/x-ndjson"

func (s *Server) ollamaRoot(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "Ollama is running")
}

func (s *Server) ollamaVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, ollama.Version())
}

func (s *Server) ollamaTags(w http.ResponseWriter, r *http.Request) {
	models, err := s.models(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, ollama.Tags(models, s.started()))
}

func (s *Server) ollamaPS(w http.ResponseWriter, r *http.Request) {
	models, err := s.models(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, ollama.PS(models, s.now()))
}

func (s *Server) ollamaShow(w http.ResponseWriter, r *http.Request) {
	body, models, err := s.readWithModels(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := ollama.DecodeShow(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, _, err := ollama.LookupModel(name, models)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, ollama.Show(m, s.started()))
}

func (s *Server) ollamaChat(w http.ResponseWriter, r *http.Request) {
	body, models, err := s.readWithModels(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	draft, opts, err := ollama.DecodeChat(body, models)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts.ToolCallIDs = s.opts.Prefs().OllamaToolCallIDs
	meta := ollama.Meta{Model: opts.Model, Start: s.now(), Now: s.now}
	if opts.Load || opts.Unload {
		writeJSON(w, ollama.ChatControl(meta, opts))
		return
	}
	req, names := draft.Build(s.mem)
	s.turn(w, r, req, names, opts.Stream, dialect{
		contentType: ndjson,
		encoder:     func(w io.Writer) canon.Encoder { return ollama.NewChatStream(w, meta, opts) },
		collect: func(_ *canon.Turn, res *canon.Result, first time.Time) []byte {
			meta.First = first
			return ollama.ChatResponse(meta, res, opts)
		},
		fail: ollama.WriteError,
	})
}

func (s *Server) ollamaGenerate(w http.ResponseWriter, r *http.Request) {
	body, models, err := s.readWithModels(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	draft, opts, err := ollama.DecodeGenerate(body, models)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	meta := ollama.Meta{Model: opts.Model, Start: s.now(), Now: s.now}
	if opts.Load || opts.Unload {
		writeJSON(w, ollama.GenerateControl(meta, opts))
		return
	}
	req, names := draft.Build(s.mem)
	s.turn(w, r, req, names, opts.Stream, dialect{
		contentType: ndjson,
		encoder: func(w io.Writer) canon.Encoder {
			return ollama.NewGenerateStream(w, meta, opts)
		},
		collect: func(_ *canon.Turn, res *canon.Result, first time.Time) []byte {
			meta.First = first
			return ollama.GenerateResponse(meta, res, opts)
		},
		fail: ollama.WriteError,
	})
}

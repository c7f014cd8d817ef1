package proxy

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/ollama"
	"github.com/lagp/lagp/proxy/openai"
)

// policy says who may call a route.
type policy int

const (
	keyed  policy = iota // an API key when keys are set; otherwise loopback Host only
	open                 // anyone who passes the Host and Origin checks (health probes)
	local                // clients on this machine only, no key (sign-in, status, settings)
	secret               // any Host and origin: the handler checks its own secret (sign-in push)
)

type route struct {
	pattern string
	policy  policy
	handler http.HandlerFunc
}

// table is the whole HTTP surface, sorted by path. A test keeps it sorted.
func (s *Server) table() []route {
	return []route{
		{"GET /{$}", open, s.ollamaRoot},
		{"POST /api/chat", keyed, s.ollamaChat},
		{"POST /api/generate", keyed, s.ollamaGenerate},
		{"GET /api/ps", keyed, s.ollamaPS},
		{"POST /api/show", keyed, s.ollamaShow},
		{"GET /api/tags", keyed, s.ollamaTags},
		{"GET /api/version", open, s.ollamaVersion},
		{"/api/{rest...}", keyed, s.ollamaUnsupported},
		{"POST /auth/sync", secret, s.sync},
		{"GET /lagp/settings", local, s.settings},
		{"/lagp/settings/", local, s.settings},
		{"GET /lagp/status", local, s.status},
		{"GET /login", local, s.login},
		{"POST /v1/chat/completions", keyed, s.openaiChat},
		{"POST /v1/completions", keyed, s.openaiCompletions},
		{"GET /v1/models", keyed, s.openaiModels},
		{"GET /v1/models/{id...}", keyed, s.openaiModel},
		{"POST /v1/responses", keyed, s.openaiResponses},
		{"/v1/{rest...}", keyed, s.openaiUnsupported},
	}
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.table() {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	mux.HandleFunc("/", s.notFound)
	return mux
}

// ServeHTTP serves one request through the route table.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	sw := &statusWriter{ResponseWriter: w}
	sw.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(sw, r)
	s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.code(),
		"duration", s.now().Sub(start).Round(time.Millisecond))
}

// guard applies the route's policy: Host and Origin checks, CORS, API key, body limit.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.policy == secret {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
			rt.handler(w, r)
			return
		}
		keyedServer := s.access.keyed()
		if !keyedServer && !s.access.hostAllowed(r) {
			s.fail(w, r, canon.Errorf(canon.KindForbidden, "lagp refused a request for host %q: "+
				"without an API key it answers only to localhost names (DNS-rebinding guard); "+
				"use http://127.0.0.1, or set an API key", hostOnly(r.Host)))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			if !keyedServer && !originAllowed(origin) {
				s.fail(w, r, canon.Errorf(canon.KindForbidden, "lagp refused a cross-origin "+
					"request from %s; set an API key to allow browser pages on other sites", origin))
				return
			}
			corsHeaders(w.Header(), origin)
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !s.allowed(rt.policy, r, keyedServer) {
			s.refuse(w, r, rt.policy)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		rt.handler(w, r)
	})
}

func (s *Server) allowed(p policy, r *http.Request, keyedServer bool) bool {
	switch p {
	case local:
		return fromThisMachine(r)
	case keyed:
		return !keyedServer || s.access.validKey(r)
	}
	return true
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, p policy) {
	if p == local {
		s.fail(w, r, canon.Errorf(canon.KindForbidden,
			"%s is only available from the machine lagp runs on", r.URL.Path))
		return
	}
	msg := "missing API key: send it as \"Authorization: Bearer <key>\""
	if requestKey(r) != "" {
		msg = "invalid API key"
	}
	s.fail(w, r, &canon.Error{Kind: canon.KindUnauthorized, Code: "invalid_api_key",
		Message: msg})
}

// fail writes err in the error shape of the API the path belongs to.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := canon.AsError(err)
	if e.Kind == canon.KindInternal || e.Kind == canon.KindUpstream {
		s.log.Warn("request failed", "path", r.URL.Path, "error", e)
	}
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		openai.WriteError(w, e)
		return
	}
	ollama.WriteError(w, e)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, canon.Errorf(canon.KindNotFound, "no route for %s %s", r.Method, r.URL.Path))
}

// readBody reads a size-limited request body, mapping an oversized one to 413.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, canon.Errorf(canon.KindTooLarge,
			"request body larger than %d bytes", tooBig.Limit)
	}
	if err != nil {
		return nil, &canon.Error{Kind: canon.KindInvalidRequest,
			Message: "reading the request body failed", Err: err}
	}
	return b, nil
}

func (s *Server) ollamaUnsupported(w http.ResponseWriter, r *http.Request) {
	rest := r.PathValue("rest")
	known := map[string]bool{"pull": true, "push": true, "create": true, "copy": true,
		"delete": true, "embed": true, "embeddings": true, "blobs": true}
	verb, _, _ := strings.Cut(rest, "/")
	if !known[verb] {
		s.notFound(w, r)
		return
	}
	s.fail(w, r, ollama.Unsupported(verb))
}

func (s *Server) openaiUnsupported(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, canon.Errorf(canon.KindNotFound, "lagp does not serve %s %s: it offers "+
		"/v1/models, /v1/chat/completions, /v1/completions and /v1/responses",
		r.Method, r.URL.Path))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	s.delegate(w, r, s.opts.Login, "browser sign-in is not available in this lagp")
}

func (s *Server) sync(w http.ResponseWriter, r *http.Request) {
	s.delegate(w, r, s.opts.Sync, "sign-in push is closed: start lagp with --sync-secret")
}

func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	s.delegate(w, r, s.opts.Settings, "the settings page is not available in this lagp")
}

func (s *Server) delegate(w http.ResponseWriter, r *http.Request, h http.Handler, why string) {
	if h == nil {
		s.fail(w, r, canon.Errorf(canon.KindNotFound, "%s", why))
		return
	}
	h.ServeHTTP(w, r)
}

// statusWriter records the status code for the request log. Unwrap lets
// http.ResponseController reach the underlying writer to flush streams.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

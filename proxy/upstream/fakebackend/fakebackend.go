// Package fakebackend is an in-process fake of the ChatGPT Codex backend for tests. It is strict
// like the real one: it checks credentials, rejects the request bodies the backend rejects
// (PROTOCOL.md §2.2, §2.5, §2.8) with the backend's own error texts, answers /responses with the
// fixture streams F1–F5 of PROTOCOL.md §8 (or with an echo, a slow or a large stream), serves a
// /models list in the F7 shape and sends rate-limit headers on every response.
//
// A test starts one with [New], points the upstream client at [Server.URL], queues what the next
// calls get with [Server.Enqueue] and inspects what lagp sent with [Server.Requests].
package fakebackend

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// Credentials the fake accepts from the start. Tests may accept others with
// [Server.AcceptToken].
const (
	Token     = "fake-access-token-7f3a"
	AccountID = "fake-account-0001"
)

// BasePath is the path of the backend below the server's origin, as on chatgpt.com.
const BasePath = "/backend-api/codex"

// Server is a running fake backend. Its methods are safe for concurrent use.
type Server struct {
	// URL is the backend base URL, e.g. "http://127.0.0.1:40411/backend-api/codex": what
	// LAGP_BACKEND_URL would be set to.
	URL string

	ts *httptest.Server

	mu           sync.Mutex
	accepted     map[string]bool
	acceptFunc   func(token string) bool
	rejected     map[string]bool
	queue        []Scenario
	requests     []Recorded
	cancelled    int
	limits       Limits
	modelsStatus int
	now          func() time.Time
	changed      chan struct{} // closed and replaced whenever cancelled grows
}

// Recorded is one request the fake received.
type Recorded struct {
	Method string
	Path   string // below [BasePath], e.g. "/responses"
	Query  url.Values
	Header http.Header
	Body   []byte
	// Fields holds the top-level members of a JSON body, to check which ones were sent.
	Fields map[string]json.RawMessage
	// Request is the body decoded as a backend request; zero when it did not decode.
	Request canon.Request
	// Status is the HTTP status the fake answered with.
	Status int
	// Scenario names what answered a /responses call that passed the checks, e.g. "F3".
	Scenario string
}

// New starts a fake backend. Close it when done.
func New() *Server {
	s := &Server{
		accepted: map[string]bool{Token: true},
		rejected: map[string]bool{},
		limits:   DefaultLimits(),
		now:      time.Now,
		changed:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+BasePath+"/responses", s.handleResponses)
	mux.HandleFunc("GET "+BasePath+"/models", s.handleModels)
	mux.HandleFunc("/", s.handleUnknown)
	s.ts = httptest.NewServer(mux)
	s.URL = s.ts.URL + BasePath
	return s
}

// Close shuts the server down, waiting for handlers to finish.
func (s *Server) Close() {
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Client returns an HTTP client suited to the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// SetClock sets the fake's clock, used for reset times in rate-limit headers and usage-limit
// bodies, so that tests computing Retry-After are stable.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AcceptToken makes tok a valid access token.
func (s *Server) AcceptToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted[tok] = true
	delete(s.rejected, tok)
}

// AcceptFunc also accepts every token for which ok returns true, e.g. those a fake issuer
// minted, so that a lagp refreshing its session keeps working. Tokens passed to
// [Server.RejectToken] stay refused.
func (s *Server) AcceptFunc(ok func(token string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acceptFunc = ok
}

// RejectToken makes every call with tok fail with 401 (fixture F5g).
func (s *Server) RejectToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[tok] = true
	delete(s.accepted, tok)
}

// Enqueue queues scenarios: each /responses call that passes the checks takes the next one.
func (s *Server) Enqueue(sc ...Scenario) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, sc...)
}

// SetLimits sets the rate-limit state sent in the headers of every response.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
}

// SetModelsStatus makes /models answer with the given HTTP status; 0 or 200 restores the list.
func (s *Server) SetModelsStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modelsStatus = code
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.requests...)
}

// LastRequest returns the latest request, and false when there was none.
func (s *Server) LastRequest() (Recorded, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return Recorded{}, false
	}
	return s.requests[len(s.requests)-1], true
}

// Cancelled returns how many /responses calls the client abandoned (its request context was
// cancelled) while the fake was still answering.
func (s *Server) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

// WaitCancelled waits until at least n calls were abandoned by the client or ctx ends, and
// reports whether the count was reached.
func (s *Server) WaitCancelled(ctx context.Context, n int) bool {
	for {
		s.mu.Lock()
		got, ch := s.cancelled, s.changed
		s.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) noteCancelled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled++
	close(s.changed)
	s.changed = make(chan struct{})
}

// record stores a request as it arrives and returns its index, so that a test sees it as soon
// as the client has any answer.
func (s *Server) record(rec Recorded) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
	return len(s.requests) - 1
}

func (s *Server) update(i int, f func(*Recorded)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.requests[i])
}

// recorder notes the status of a response in its request's record before sending it.
type recorder struct {
	http.ResponseWriter
	s     *Server
	i     int
	wrote bool
}

func (w *recorder) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.s.update(w.i, func(r *Recorded) { r.Status = code })
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client.
func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// next pops the queued scenario, else picks one from a marker in the input, else F1.
func (s *Server) next(req *canon.Request) Scenario {
	s.mu.Lock()
	if len(s.queue) > 0 {
		sc := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return sc
	}
	s.mu.Unlock()
	if f, ok := markerIn(req); ok {
		return f
	}
	return F1
}

// marker matches "[[F3]]" style scenario markers in input text.
var marker = regexp.MustCompile(`\[\[([A-Za-z0-9-]+)\]\]`)

func markerIn(req *canon.Request) (Fixture, bool) {
	for _, it := range req.Input {
		for _, p := range it.Content {
			for _, m := range marker.FindAllStringSubmatch(p.Text, -1) {
				if f := Fixture(m[1]); f.known() {
					return f, true
				}
			}
		}
	}
	return "", false
}

// newRecord captures a request and its body.
func newRecord(r *http.Request) Recorded {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := Recorded{
		Method: r.Method,
		Path:   r.URL.Path[len(BasePath):],
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
	}
	if len(bytes.TrimSpace(body)) > 0 {
		_ = json.Unmarshal(body, &rec.Fields)  // nil Fields when not an object
		_ = json.Unmarshal(body, &rec.Request) // zero Request when it does not decode
	}
	return rec
}

// authorize checks the credentials of a call and answers 401 when they are missing or refused.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := bearer(r.Header.Get("Authorization"))
	s.mu.Lock()
	good := ok && !s.rejected[tok] && (s.accepted[tok] || s.acceptFunc != nil && s.acceptFunc(tok))
	s.mu.Unlock()
	if good && r.Header.Get("ChatGPT-Account-ID") != "" {
		return true
	}
	writeUnauthorized(w)
	return false
}

func bearer(h string) (string, bool) {
	const prefix = "Bearer "
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return "", false
	}
	return h[len(prefix):], true
}

func (s *Server) handleResponses(rw http.ResponseWriter, r *http.Request) {
	rec := newRecord(r)
	w := &recorder{ResponseWriter: rw, s: s, i: s.record(rec)}
	s.writeLimits(w.Header())
	if !s.authorize(w, r) {
		return
	}
	if code, body := validate(rec.Fields); code != 0 {
		writeJSON(w, code, body)
		return
	}
	sc := s.next(&rec.Request)
	s.update(w.i, func(r *Recorded) { r.Scenario = sc.Name() })
	sc.serve(s, w, r, &rec)
	if r.Context().Err() != nil {
		s.noteCancelled()
	}
}

func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	s.writeLimits(w.Header())
	writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not Found"})
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

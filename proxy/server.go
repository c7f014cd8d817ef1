// Package proxy is lagp's HTTP server: one route table serving the OpenAI-compatible API under
// /v1, the Ollama-compatible API under /api, and lagp's own endpoints (/lagp/status, /login,
// /auth/sync, /lagp/settings). It guards the local server (API keys, Host and Origin checks, body
// limits), hands each request to a pure dialect translator and streams the backend's answer back.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream"
)

// DefaultMaxBody is the largest request body accepted: room for a long conversation with
// several base64 images.
const DefaultMaxBody = 32 << 20

// Options configures a [Server].
type Options struct {
	Version string
	Client  *upstream.Client  // backend client
	Catalog *upstream.Catalog // the account's models
	// APIKeys returns the keys clients must present; none means open to loopback clients only.
	// It is called on every settings change (see [Server.ReloadKeys]).
	APIKeys func() []string
	// Prefs returns the output preferences from the settings.
	Prefs func() Prefs
	// Account reports the sign-in for /lagp/status.
	Account func() Account
	// Login serves GET /login (browser sign-in); Sync serves POST /auth/sync; Settings serves
	// /lagp/settings and below. Each may be nil.
	Login, Sync, Settings http.Handler
	Logger                *slog.Logger
	Now                   func() time.Time
	MaxBody               int64
	// HeaderTimeout bounds how long a client may take to send its request headers, so that
	// idle or slow connections cannot pile up; default 10 s.
	HeaderTimeout time.Duration
}

// Prefs are output preferences users set in the settings.
type Prefs struct {
	// ReasoningBoth also emits reasoning as "reasoning", next to "reasoning_content".
	ReasoningBoth bool
	// OllamaToolCallIDs sends tool-call ids on the Ollama API (older Zed breaks on them).
	OllamaToolCallIDs bool
}

// Account is the sign-in state shown by /lagp/status.
type Account struct {
	State       string // "signed_in", "signed_out" or "expired"
	Reason      string
	Email       string
	Plan        string
	AccountID   string
	ExpiresAt   time.Time
	LastRefresh time.Time
	Store       string
}

// Server is the lagp HTTP server. Its listener can move (loopback ↔ LAN) while it runs.
type Server struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
	access access
	mem    *canon.ReasoningMemory
	start  time.Time // reported as the models' modification time

	mu       sync.Mutex
	srv      *http.Server
	listener net.Listener
}

// New returns a server; [Server.Listen] starts it.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.HeaderTimeout <= 0 {
		opts.HeaderTimeout = 10 * time.Second
	}
	if opts.Prefs == nil {
		opts.Prefs = func() Prefs { return Prefs{OllamaToolCallIDs: true} }
	}
	if opts.Account == nil {
		opts.Account = func() Account { return Account{State: "signed_out"} }
	}
	s := &Server{
		opts:  opts,
		log:   opts.Logger,
		now:   opts.Now,
		mem:   canon.NewReasoningMemory(4096),
		start: opts.Now(),
	}
	s.mux = s.routes()
	s.ReloadKeys()
	return s
}

// ReloadKeys reads the accepted API keys again from [Options.APIKeys].
func (s *Server) ReloadKeys() {
	if s.opts.APIKeys != nil {
		s.access.setKeys(s.opts.APIKeys())
	}
}

// AllowHost accepts requests whose Host header is host, such as a public tunnel's name.
func (s *Server) AllowHost(host string) { s.access.allowHost(host, true) }

// DisallowHost withdraws a host accepted by [Server.AllowHost].
func (s *Server) DisallowHost(host string) { s.access.allowHost(host, false) }

// ErrNeedsAPIKey is returned when asked to listen beyond loopback with no API key set.
var ErrNeedsAPIKey = errors.New("listening on a non-loopback address needs an API key " +
	"(--api-key KEY, or add one in the settings)")

// Listen binds host:port and serves in the background. A non-loopback host requires API keys.
func (s *Server) Listen(host string, port int) error {
	ln, err := s.bind(host, port)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.serveLocked(ln)
	s.mu.Unlock()
	return nil
}

// Rebind moves the server to host:port. The new address is bound first, so on failure the
// server keeps listening where it was; requests in flight on the old address finish there.
func (s *Server) Rebind(host string, port int) error {
	ln, err := s.bind(host, port)
	if errors.Is(err, syscall.EADDRINUSE) {
		// The old listener itself may hold the port: 127.0.0.1:P blocks 0.0.0.0:P. Let it go
		// and try again, taking the old address back if the new one still fails.
		ln, err = s.rebindSamePort(host, port)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.srv
	s.serveLocked(ln)
	s.mu.Unlock()
	if old != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			_ = old.Shutdown(ctx) // in-flight streams finish on the old listener
		}()
	}
	return nil
}

func (s *Server) rebindSamePort(host string, port int) (net.Listener, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return nil, fmt.Errorf("listening on port %d: %w", port, syscall.EADDRINUSE)
	}
	oldAddr := s.listener.Addr().String()
	if _, p, _ := net.SplitHostPort(oldAddr); p != strconv.Itoa(port) {
		return nil, fmt.Errorf("listening on port %d: %w", port, syscall.EADDRINUSE)
	}
	_ = s.listener.Close() // its server keeps serving the connections it has
	ln, err := s.bind(host, port)
	if err == nil {
		return ln, nil
	}
	back, berr := net.Listen("tcp", oldAddr)
	if berr != nil {
		s.log.Error("old address lost while moving", "address", oldAddr, "error", berr)
		return nil, errors.Join(err, berr)
	}
	s.serveLocked(back)
	return nil, err
}

func (s *Server) bind(host string, port int) (net.Listener, error) {
	if !loopbackName(host) && !s.access.keyed() {
		return nil, ErrNeedsAPIKey
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}

func (s *Server) serveLocked(ln net.Listener) {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.HeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.srv, s.listener = srv, ln
	s.log.Info("listening", "url", "http://"+ln.Addr().String())
	go func() {
		err := srv.Serve(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Error("server stopped", "error", err)
		}
	}()
}

func (s *Server) started() time.Time { return s.start }

// Addr returns the address the server listens on, or "" before [Server.Listen].
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// URL returns the server's base URL, e.g. http://127.0.0.1:11434.
func (s *Server) URL() string {
	addr := s.Addr()
	if addr == "" {
		return ""
	}
	return "http://" + addr
}

// Shutdown stops accepting requests and waits for those in flight until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Limits returns the latest usage windows the backend reported.
func (s *Server) Limits() (upstream.Limits, bool) { return s.opts.Client.Limits() }

// Models returns the account's models.
func (s *Server) Models(ctx context.Context) (canon.ModelList, error) {
	return s.opts.Catalog.List(ctx)
}

// RefreshModels fetches the model list again.
func (s *Server) RefreshModels(ctx context.Context) error { return s.opts.Catalog.Refresh(ctx) }

package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// The Codex client identity lagp presents to the backend (B2). They change together: the
// backend may tie behaviour to the client version, and /models takes it as client_version.
const (
	Originator   = "codex_cli_rs"
	CodexVersion = "0.146.0"
)

// DefaultBaseURL is the ChatGPT Codex backend.
const DefaultBaseURL = "https://chatgpt.com/backend-api/codex"

// DefaultIdleTimeout is how long a stream may stay silent before it is abandoned (Codex's
// default, PROTOCOL.md §3.3).
const DefaultIdleTimeout = 300 * time.Second

const (
	maxRetries   = 4                      // retries after the first attempt (B15)
	retryBase    = 200 * time.Millisecond // first backoff, doubled on each retry
	maxErrorBody = 1 << 20                // bytes of an error body read for its message
)

// Config configures a [Client]. Only Tokens is required.
type Config struct {
	BaseURL    string      // default DefaultBaseURL
	Tokens     TokenSource // credentials for every call
	HTTPClient *http.Client
	Version    string // lagp's version, for the User-Agent
	Logger     *slog.Logger
	Now        func() time.Time

	// IdleTimeout bounds the silence between two stream events; default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// OnLimits, if set, is called with each new rate-limit snapshot, on the goroutine of the
	// call that received it; it must not block.
	OnLimits func(Limits)
	// Sleep waits between retries; default a timer that honours ctx. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls the Codex backend. It is safe for concurrent use and should be shared: it holds
// one pooled connection set and the latest rate-limit snapshot.
type Client struct {
	cfg  Config
	base string
	ua   string
	http *http.Client
	log  *slog.Logger

	mu        sync.Mutex
	limits    Limits
	hasLimits bool
}

// New returns a client for cfg, filling in defaults.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	c := &Client{
		cfg:  cfg,
		base: strings.TrimRight(cfg.BaseURL, "/"),
		ua:   UserAgent(cfg.Version),
		http: cfg.HTTPClient,
		log:  cfg.Logger,
	}
	if c.http == nil {
		c.http = &http.Client{Transport: NewTransport()}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// NewTransport returns the pooled transport for backend calls: proxy settings from the
// environment (HTTPS_PROXY, NO_PROXY), HTTP/2, and timeouts on every step before the response
// headers. The body of a stream has no deadline; the idle timeout guards it.
func NewTransport() *http.Transport {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ExpectContinueTimeout: time.Second,
	}
}

// UserAgent returns the User-Agent in Codex's format, ending with lagp's own product token.
func UserAgent(version string) string {
	return fmt.Sprintf("%s/%s (%s %s; %s) lagp/%s", Originator, CodexVersion, runtime.GOOS,
		osVersion(), runtime.GOARCH, version)
}

func (c *Client) now() time.Time { return c.cfg.Now() }

// Stream sends req to the backend's /responses endpoint and returns its event stream. It forces
// store:false and stream:true (B1). Retries and the token renewal after a 401 all happen here,
// before the caller sees anything; once Stream returns, nothing is retried. Errors are
// [*canon.Error] values, or the context's error when ctx ended.
func (c *Client) Stream(ctx context.Context, req *canon.Request) (*Stream, error) {
	body := *req
	body.Store, body.Stream = false, true
	if body.Input == nil {
		body.Input = []canon.Item{}
	}
	if body.Tools == nil {
		body.Tools = []canon.Tool{}
	}
	if body.Include == nil {
		body.Include = []string{}
	}
	payload, err := json.Marshal(&body)
	if err != nil {
		return nil, &canon.Error{Kind: canon.KindInternal, Message: "encoding the backend request",
			Err: err}
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	resp, err := c.send(ctx, call{method: http.MethodPost, path: "/responses", body: payload,
		accept: "text/event-stream", session: req.PromptCacheKey})
	if err != nil {
		cancel()
		return nil, err
	}
	return newStream(parent, cancel, resp, c.cfg.IdleTimeout), nil
}

// call describes one backend request.
type call struct {
	method, path string // path below the base URL, with its query
	body         []byte
	accept       string
	session      string
}

// send makes a call with credentials, renewing them once after a 401 and retrying 5xx answers
// and transport errors with backoff. A response it returns has a 2xx status.
func (c *Client) send(ctx context.Context, cl call) (*http.Response, error) {
	tok, acct, err := c.cfg.Tokens.AccessToken(ctx)
	if err != nil {
		return nil, tokenError(ctx, err)
	}
	renewed := false
	for attempt, failures := 1, 0; ; attempt++ {
		resp, err := c.once(ctx, cl, tok, acct, attempt)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("calling the backend: %w", ctx.Err())
		case err != nil && failures >= maxRetries:
			return nil, &canon.Error{Kind: canon.KindUpstream, Code: "backend_unreachable",
				Message: "could not reach the ChatGPT backend", Err: err}
		case err != nil:
		case resp.StatusCode == http.StatusUnauthorized:
			discard(resp)
			if renewed {
				return nil, sessionRejected()
			}
			renewed = true
			if tok, acct, err = c.cfg.Tokens.Renew(ctx, tok); err != nil {
				return nil, tokenError(ctx, err)
			}
			continue
		case resp.StatusCode >= 500 && failures < maxRetries:
			discard(resp)
		case resp.StatusCode >= 300:
			return nil, c.statusError(resp)
		default:
			return resp, nil
		}
		failures++
		if err := c.cfg.Sleep(ctx, backoff(failures)); err != nil {
			return nil, fmt.Errorf("waiting to retry: %w", err)
		}
	}
}

// once makes one HTTP attempt and records its rate-limit headers.
func (c *Client) once(ctx context.Context, cl call, tok, acct string, attempt int) (
	*http.Response, error) {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, body)
	if err != nil {
		return nil, err
	}
	c.setHeaders(req.Header, cl, tok, acct)
	start := time.Now()
	resp, err := c.http.Do(req)
	path, _, _ := strings.Cut(cl.path, "?")
	if err != nil {
		c.log.Debug("backend call failed", "method", cl.method, "path", path,
			"attempt", attempt, "duration", time.Since(start), "error", err)
		return nil, err
	}
	c.log.Debug("backend call", "method", cl.method, "path", path, "status", resp.StatusCode,
		"attempt", attempt, "duration", time.Since(start))
	c.observe(resp.Header)
	return resp, nil
}

// setHeaders sets the B2 headers. Names the backend spells in lower case are set verbatim.
func (c *Client) setHeaders(h http.Header, cl call, tok, acct string) {
	h.Set("Authorization", "Bearer "+tok)
	h["ChatGPT-Account-ID"] = []string{acct}
	if cl.body != nil {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Accept", cl.accept)
	h["originator"] = []string{Originator}
	h.Set("User-Agent", c.ua)
	h["version"] = []string{CodexVersion}
	if cl.session != "" {
		h["session_id"] = []string{cl.session}
	}
	h.Set("OpenAI-Beta", "responses=experimental")
}

// backoff is the delay before retry n (1-based): 200 ms doubled each time, ±10 % jitter.
func backoff(n int) time.Duration {
	d := retryBase << (n - 1)
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// discard drains a little of an unwanted body, so the connection can be reused, and closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// tokenError turns a TokenSource failure into a client error: 401 with the source's own text
// when the user must sign in again, else a 502.
func tokenError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("getting credentials: %w", ctx.Err())
	}
	var s interface{ SignInRequired() bool }
	if errors.As(err, &s) && s.SignInRequired() {
		return &canon.Error{Kind: canon.KindUnauthorized, Code: "sign_in_required",
			Message: err.Error(), Err: err}
	}
	return &canon.Error{Kind: canon.KindUpstream, Code: "credentials_unavailable",
		Message: "could not get ChatGPT credentials; try again shortly", Err: err}
}

// sessionRejected is the error after the backend refused even renewed credentials.
func sessionRejected() *canon.Error {
	return &canon.Error{Kind: canon.KindUnauthorized, Code: "session_rejected",
		Message: "ChatGPT rejected the session; sign in again with `lagp login` or open /login"}
}

// statusError reads an error response and maps it to a client error.
func (c *Client) statusError(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return mapStatus(resp.StatusCode, resp.Header, body, c.now())
}

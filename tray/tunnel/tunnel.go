// Package tunnel runs a Cloudflare quick tunnel (`cloudflared tunnel --url …`) that gives the
// local proxy a public https address, for clients such as Cursor whose requests come from the
// vendor's cloud and can never reach 127.0.0.1.
//
// The tunnel is a child process: [Start] waits until cloudflared reports its
// https://….trycloudflare.com address, and the process ends with [Tunnel.Stop], with the
// context given to Start, or (on Linux) with lagp itself.
package tunnel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Binary is the name of the cloudflared executable looked up in PATH.
const Binary = "cloudflared"

// InstallHelpURL points at the README section that explains how to get cloudflared.
const InstallHelpURL = "https://github.com/lagp/lagp#public-url-for-cursor"

// ErrNotInstalled is returned by [Start] when cloudflared is not in PATH.
var ErrNotInstalled = errors.New("cloudflared is not installed: see " + InstallHelpURL)

// Config says what to tunnel.
type Config struct {
	// LocalURL is the origin the tunnel forwards to, e.g. http://127.0.0.1:11434.
	LocalURL string
	// Binary overrides the executable; default [Binary] from PATH.
	Binary string
	// StartTimeout bounds the wait for the public address; default 45 s (cloudflared needs a
	// few seconds to reach Cloudflare's edge).
	StartTimeout time.Duration
	// StopTimeout is how long a stopping tunnel may take before it is killed; default 3 s.
	StopTimeout time.Duration
	// Logger receives cloudflared's output at debug level; nil discards it.
	Logger *slog.Logger
}

// Tunnel is a running cloudflared process.
type Tunnel struct {
	url    string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
}

// quickTunnelURL matches the address cloudflared prints for a quick tunnel.
var quickTunnelURL = regexp.MustCompile(`https://[a-z0-9]+(?:-[a-z0-9]+)*\.trycloudflare\.com`)

// ParseURL returns the first quick-tunnel address in one line of cloudflared's output, or "".
func ParseURL(line string) string {
	return quickTunnelURL.FindString(strings.ToLower(line))
}

// Start runs cloudflared and returns once it has printed its public address. It fails with
// [ErrNotInstalled] when the executable is missing, and with an error quoting cloudflared's
// last output lines when it exits or stays silent past the start timeout.
func Start(ctx context.Context, cfg Config) (*Tunnel, error) {
	cfg = withDefaults(cfg)
	path, err := exec.LookPath(cfg.Binary)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, ErrNotInstalled
		}
		return nil, fmt.Errorf("finding cloudflared: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cmd := exec.CommandContext(runCtx, path, "tunnel", "--url", cfg.LocalURL)
	configure(cmd, cfg.StopTimeout)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("starting cloudflared: %w", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("starting cloudflared: %w", err)
	}
	t := &Tunnel{cancel: cancel, done: make(chan struct{})}
	found := make(chan string, 1)
	out := &tail{max: 8}
	var scanned sync.WaitGroup
	scanned.Add(1)
	go func() {
		defer scanned.Done()
		scan(stderr, cfg.Logger, out, found)
	}()
	go func() {
		scanned.Wait() // Wait closes the pipe: read it to the end first
		t.err = exitError(cmd.Wait(), runCtx)
		close(t.done)
	}()
	stopWithParent := context.AfterFunc(ctx, cancel)
	return t.await(ctx, cfg.StartTimeout, found, out, stopWithParent)
}

func withDefaults(cfg Config) Config {
	if cfg.Binary == "" {
		cfg.Binary = Binary
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 45 * time.Second
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 3 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// await waits for the address; on any failure it stops the process before returning.
func (t *Tunnel) await(ctx context.Context, timeout time.Duration, found <-chan string,
	out *tail, stopWithParent func() bool) (*Tunnel, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var err error
	select {
	case t.url = <-found:
		return t, nil
	case <-t.done:
		err = fmt.Errorf("cloudflared exited before reporting a public URL: %w%s", t.err,
			out.quote())
	case <-timer.C:
		err = fmt.Errorf("cloudflared reported no public URL within %s%s", timeout, out.quote())
	case <-ctx.Done():
		err = fmt.Errorf("starting cloudflared: %w", ctx.Err())
	}
	stopWithParent()
	_ = t.Stop()
	return nil, err
}

// scan reads cloudflared's output line by line, logs it, keeps the last lines for error
// messages and sends the first public address it sees.
func scan(r io.Reader, log *slog.Logger, out *tail, found chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		log.Debug("cloudflared output", "line", line)
		out.add(line)
		if u := ParseURL(line); u != "" && !sent {
			found <- u
			sent = true
		}
	}
	// Drain whatever is left (a line over the buffer limit) so the child never blocks.
	_, _ = io.Copy(io.Discard, r)
}

// exitError describes how the process ended; a stop we asked for is not an error.
func exitError(err error, runCtx context.Context) error {
	if err != nil && runCtx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cloudflared: %w", err)
	}
	return errors.New("cloudflared exited")
}

// URL returns the public https address, e.g. https://a-b-c.trycloudflare.com.
func (t *Tunnel) URL() string { return t.url }

// Host returns the host name of [Tunnel.URL], for the proxy's Host header check.
func (t *Tunnel) Host() string {
	u, err := url.Parse(t.url)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// Done is closed when the process has ended, for whatever reason.
func (t *Tunnel) Done() <-chan struct{} { return t.done }

// Err reports why the process ended after [Tunnel.Done] is closed: nil after [Tunnel.Stop] or
// the cancellation of the start context, otherwise the exit status.
func (t *Tunnel) Err() error {
	select {
	case <-t.done:
		return t.err
	default:
		return nil
	}
}

// Stop ends the process (SIGTERM, then a kill after the stop timeout) and waits for it.
func (t *Tunnel) Stop() error {
	t.cancel()
	<-t.done
	return t.err
}

// tail keeps the last lines of output for error messages.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *tail) quote() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return ""
	}
	return "; its last output:\n" + strings.Join(t.lines, "\n")
}

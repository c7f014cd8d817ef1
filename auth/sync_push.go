package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// syncPath is where a lagp receives pushed sign-ins.
const syncPath = "/auth/sync"

// PushConfig configures "lagp push": a fresh browser sign-in on this machine whose tokens go
// only to a remote lagp.
type PushConfig struct {
	// RemoteURL is the remote lagp, e.g. https://server:11434; /auth/sync is added.
	RemoteURL string
	// Secret is the remote's --sync-secret.
	Secret string
	// Login configures the browser sign-in.
	Login LoginConfig
	// HTTPClient talks to the remote; default a client with a timeout that honours
	// HTTPS_PROXY. Redirects are never followed.
	HTTPClient *http.Client
	// Warn receives warnings, e.g. about plain http; nil discards them.
	Warn io.Writer
}

// Push signs in anew in the browser and hands that sign-in to the remote lagp, which then
// owns its own refresh-token family: copying this machine's sign-in instead would make both
// machines rotate one refresh token and lock each other out.
//
// The remote and the secret are checked before the browser opens. The tokens are never
// saved on this machine. Push warns when they would travel over plain http to a host that
// is not this machine.
func Push(ctx context.Context, cfg PushConfig) error {
	_, err := push(ctx, cfg)
	return err
}

// push is Push that also returns the account it signed in.
func push(ctx context.Context, cfg PushConfig) (Account, error) {
	endpoint, err := syncEndpoint(cfg.RemoteURL)
	if err != nil {
		return Account{}, err
	}
	if cfg.Secret == "" {
		return Account{}, errors.New("pushing a sign-in needs the remote's secret (--sync-secret)")
	}
	if cfg.Warn != nil && plainHTTPRemote(endpoint) {
		fmt.Fprintf(cfg.Warn, "warning: %s is plain http to another host: the secret and the "+
			"sign-in will cross the network unencrypted. Prefer https, or an SSH tunnel "+
			"(ssh -L 11434:localhost:11434 host, then push to http://localhost:11434).\n",
			endpoint.Host)
	}
	r := remote{endpoint: endpoint.String(), secret: cfg.Secret,
		client: noRedirects(cfg.HTTPClient)}
	if _, err := r.post(ctx, []byte(`{"check":true}`)); err != nil {
		return Account{}, fmt.Errorf("checking %s: %w", endpoint.Host, err)
	}
	hooks := loginHooks{
		deliver: r.deliver,
		success: func(a Account) string {
			return "The lagp at " + endpoint.Host + " is now signed in as " + a.Email + "."
		},
	}
	t, err := runBrowserLogin(ctx, cfg.Login, hooks)
	if err != nil {
		return Account{}, fmt.Errorf("pushing a sign-in to %s: %w", endpoint.Host, err)
	}
	account, _ := ParseAccount(t) // the sign-in already parsed it
	return account, nil
}

// syncEndpoint checks a remote lagp address and returns its /auth/sync URL.
func syncEndpoint(raw string) (*url.URL, error) {
	// The address is never quoted back: a user may have put a secret in it.
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, errors.New("the remote address is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("the remote address must start with http:// or https://")
	case u.Host == "":
		return nil, errors.New("the remote address has no host")
	case u.User != nil:
		return nil, errors.New("the remote address must not carry credentials; pass the " +
			"secret with --sync-secret")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, errors.New("the remote address must not have a query or fragment")
	}
	path := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(path, syncPath) {
		path += syncPath
	}
	u.Path, u.RawPath = path, ""
	return u, nil
}

// plainHTTPRemote reports whether u is unencrypted http to a host other than this machine.
func plainHTTPRemote(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// noRedirects returns a client like c (or a default one) that does not follow redirects, so
// the secret and tokens go only to the address the user gave.
func noRedirects(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = 30 * time.Second
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &out
}

// remote is the /auth/sync endpoint of another lagp.
type remote struct {
	endpoint string
	secret   string
	client   *http.Client
}

// deliver sends a fresh sign-in to the remote.
func (r remote) deliver(ctx context.Context, t Tokens) error {
	body, err := MarshalAuthJSON(t)
	if err != nil {
		return err
	}
	if _, err := r.post(ctx, body); err != nil {
		return fmt.Errorf("handing the sign-in to the remote lagp: %w", err)
	}
	return nil
}

// post sends body with the secret and returns the remote's reply, or an error that explains
// a refusal.
func (r remote) post(ctx context.Context, body []byte) (syncReply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint, bytes.NewReader(body))
	if err != nil {
		return syncReply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+r.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return syncReply{}, fmt.Errorf("reaching the remote lagp: %w", err)
	}
	defer resp.Body.Close()
	var reply syncReply
	decodeErr := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&reply)
	if resp.StatusCode == http.StatusOK && decodeErr == nil && reply.OK {
		return reply, nil
	}
	return syncReply{}, pushRefusal(resp, reply, decodeErr)
}

// pushRefusal explains a non-OK answer of /auth/sync.
func pushRefusal(resp *http.Response, reply syncReply, decodeErr error) error {
	status := resp.StatusCode
	switch {
	case status >= 300 && status < 400:
		return fmt.Errorf("the remote redirects to %q (HTTP %d); push to that address instead",
			resp.Header.Get("Location"), status)
	case decodeErr != nil || reply.Error == nil:
		return fmt.Errorf("no lagp sign-in endpoint answered (HTTP %d); check the address", status)
	case status == http.StatusUnauthorized:
		return fmt.Errorf("the remote lagp refused the secret (HTTP 401): %s", reply.Error.Message)
	case status == http.StatusTooManyRequests:
		return fmt.Errorf("the remote lagp refused (HTTP 429): %s; retry after %s s",
			reply.Error.Message, resp.Header.Get("Retry-After"))
	}
	return fmt.Errorf("the remote lagp refused (HTTP %d, %s): %s", status, reply.Error.Code,
		reply.Error.Message)
}

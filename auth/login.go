package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Defaults of a browser sign-in.
const (
	// DefaultCallbackPort is the port of the sign-in callback; the Codex client's redirect
	// allow-list holds it and FallbackCallbackPort.
	DefaultCallbackPort = 1455
	// FallbackCallbackPort is tried when DefaultCallbackPort is busy.
	FallbackCallbackPort = 1457
	// DefaultLoginTimeout bounds how long a sign-in waits for the browser.
	DefaultLoginTimeout = 10 * time.Minute
)

// exchangeTimeout bounds the code exchange once the browser came back.
const exchangeTimeout = 30 * time.Second

// Errors that end a sign-in without an answer from the browser.
var (
	// ErrLoginCanceled is returned by [Login.Wait] after [Login.Close] or the end of the
	// context given to [StartLogin].
	ErrLoginCanceled = errors.New("sign-in canceled")
	// ErrLoginExpired is returned by [Login.Wait] when the browser did not come back in time.
	ErrLoginExpired = errors.New("sign-in expired: the browser did not come back in time")
)

// LoginConfig configures a browser sign-in. The zero value signs in to ChatGPT on the default
// ports and only prints the address to open.
type LoginConfig struct {
	// Issuer is the OAuth issuer; default https://auth.openai.com.
	Issuer string
	// ClientID is the OAuth client; default the Codex CLI's public client.
	ClientID string
	// CallbackPort is the port of the local callback server; default DefaultCallbackPort.
	CallbackPort int
	// FallbackPort is tried when CallbackPort is busy. 0 means FallbackCallbackPort when
	// CallbackPort is DefaultCallbackPort, else no fallback; -1 disables the fallback.
	FallbackPort int
	// Timeout ends a sign-in the browser never completed; default DefaultLoginTimeout.
	Timeout time.Duration
	// HTTPClient makes the code exchange; default a client with a timeout that honours
	// HTTPS_PROXY.
	HTTPClient *http.Client
	// Random is the source of the PKCE verifier and state; default crypto/rand.
	Random io.Reader
	// OpenBrowser opens a URL in the user's browser, e.g. pkg/browser's OpenURL. It runs on
	// its own goroutine, as it may wait for the browser. Nil means print the URL only.
	OpenBrowser func(url string) error
	// NoBrowser prints the URL instead of opening a browser.
	NoBrowser bool
	// ChosenBrowser says OpenBrowser is a command the user chose (LAGP_BROWSER): it is used
	// even as root or without a graphical session, where the system's browser is not.
	ChosenBrowser bool
	// Out receives the URL to open and hints; nil discards them.
	Out io.Writer
	// ProxyLoginURL is the proxy's /login address, when lagp is serving, for the SSH hint.
	ProxyLoginURL string
	// Logger receives diagnostics; nil discards them. Secrets are never logged.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time

	// Seams for the browser decision, set by tests only.
	goos    string
	getenv  func(string) string
	geteuid func() int
}

// withDefaults returns c with every unset field filled in.
func (c LoginConfig) withDefaults() LoginConfig {
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.CallbackPort == 0 {
		c.CallbackPort = DefaultCallbackPort
	}
	if c.FallbackPort == 0 && c.CallbackPort == DefaultCallbackPort {
		c.FallbackPort = FallbackCallbackPort
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultLoginTimeout
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: exchangeTimeout}
	}
	if c.Random == nil {
		c.Random = rand.Reader
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c.withSystem()
}

// withSystem fills the seams of the browser decision from the running system.
func (c LoginConfig) withSystem() LoginConfig {
	if c.goos == "" {
		c.goos = runtime.GOOS
	}
	if c.getenv == nil {
		c.getenv = os.Getenv
	}
	if c.geteuid == nil {
		c.geteuid = os.Geteuid
	}
	return c
}

// ports lists the callback ports to try, in order.
func (c LoginConfig) ports() []int {
	if c.FallbackPort > 0 && c.FallbackPort != c.CallbackPort {
		return []int{c.CallbackPort, c.FallbackPort}
	}
	return []int{c.CallbackPort}
}

// PortsBusyError reports that no callback port could be bound.
type PortsBusyError struct {
	Ports []int // the ports tried, in order
	Err   error // why the last one failed
}

// Error implements error.
func (e *PortsBusyError) Error() string {
	var which string
	switch len(e.Ports) {
	case 1:
		which = "callback port " + strconv.Itoa(e.Ports[0]) + " is"
	default:
		which = fmt.Sprintf("callback ports %d and %d are both", e.Ports[0], e.Ports[1])
	}
	return which + " in use: another sign-in (maybe the Codex CLI's) is running; " +
		"finish or cancel it and try again"
}

// Unwrap returns the listen error.
func (e *PortsBusyError) Unwrap() error { return e.Err }

// Login is one browser sign-in in progress: a callback server on 127.0.0.1 that waits for the
// browser, checks the state, exchanges the code and then closes. It is used once.
type Login struct {
	cfg      LoginConfig
	secrets  pkce
	conf     *oauth2.Config
	port     int
	authURL  string
	hooks    loginHooks
	listener net.Listener
	server   *http.Server
	ctx      context.Context
	stop     context.CancelFunc

	mu      sync.Mutex
	claimed bool // a callback with the right state arrived; later ones are refused
	done    chan struct{}
	tokens  Tokens
	err     error
}

// loginHooks let callers act on the tokens before the browser sees the result page.
type loginHooks struct {
	// deliver takes the fresh tokens (save, write, push). Its error is shown on the page
	// and returned by Wait.
	deliver func(context.Context, Tokens) error
	// success words the success page for the account.
	success func(Account) string
}

// StartLogin binds the callback server and prepares the authorize URL. It opens nothing:
// call [Login.Open] to send the user there, or redirect a browser to [Login.AuthorizeURL].
// The sign-in ends at the first valid callback, after cfg.Timeout, on [Login.Close] or when
// ctx ends.
func StartLogin(ctx context.Context, cfg LoginConfig) (*Login, error) {
	return startLogin(ctx, cfg, loginHooks{})
}

func startLogin(ctx context.Context, cfg LoginConfig, hooks loginHooks) (*Login, error) {
	cfg = cfg.withDefaults()
	secrets, err := newPKCE(cfg.Random)
	if err != nil {
		return nil, err
	}
	ln, port, err := listenCallback(cfg.ports())
	if err != nil {
		return nil, err
	}
	conf := oauthConfig(cfg.Issuer, cfg.ClientID, redirectURI(port))
	l := &Login{
		cfg: cfg, secrets: secrets, conf: conf, port: port, hooks: hooks,
		authURL: authorizeURL(conf, secrets), listener: ln, done: make(chan struct{}),
	}
	// l.ctx ends with the sign-in (finish) and bounds the exchange; the caller's ctx is
	// watched separately so that its end reads as a cancel.
	l.ctx, l.stop = context.WithCancel(context.WithoutCancel(ctx))
	l.server = &http.Server{
		Handler:           l.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * exchangeTimeout,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
	}
	go l.serve()
	go l.watch(ctx)
	cfg.Logger.Info("sign-in started", "callback_port", port)
	return l, nil
}

// listenCallback binds the first free port of ports on 127.0.0.1. It never disturbs whoever
// holds a busy port: that may be a Codex CLI sign-in.
func listenCallback(ports []int) (net.Listener, int, error) {
	var err error
	for _, port := range ports {
		var ln net.Listener
		ln, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			return ln, port, nil
		}
	}
	return nil, 0, &PortsBusyError{Ports: ports, Err: err}
}

func (l *Login) serve() {
	err := l.server.Serve(l.listener)
	if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		l.finish(Tokens{}, fmt.Errorf("serving sign-in callback: %w", err))
	}
}

// watch ends the sign-in when its time is up or the caller's context ends.
func (l *Login) watch(parent context.Context) {
	timer := time.NewTimer(l.cfg.Timeout)
	defer timer.Stop()
	select {
	case <-l.done:
	case <-parent.Done():
		l.finish(Tokens{}, ErrLoginCanceled)
	case <-timer.C:
		// A callback being handled right now wins: its exchange may not be cut short.
		if l.claim() {
			l.finish(Tokens{}, ErrLoginExpired)
		}
	}
}

// AuthorizeURL is the issuer address where the user signs in.
func (l *Login) AuthorizeURL() string { return l.authURL }

// Port is the callback port in use.
func (l *Login) Port() int { return l.port }

// Done is closed when the sign-in has ended, successfully or not.
func (l *Login) Done() <-chan struct{} { return l.done }

// ended reports whether the sign-in is over.
func (l *Login) ended() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// Wait blocks until the sign-in ends and returns its tokens, or until ctx ends. The tokens
// have AccountID and LastRefresh set.
func (l *Login) Wait(ctx context.Context) (Tokens, error) {
	select {
	case <-l.done:
		return l.tokens, l.err
	case <-ctx.Done():
		return Tokens{}, ctx.Err()
	}
}

// Close cancels the sign-in if it is still waiting and releases the port. It is safe to call
// more than once.
func (l *Login) Close() error {
	l.finish(Tokens{}, ErrLoginCanceled)
	return nil
}

// finish records the result once, releases the port at once and lets the server drain in the
// background so that a page being written still reaches the browser.
func (l *Login) finish(t Tokens, err error) bool {
	l.mu.Lock()
	select {
	case <-l.done:
		l.mu.Unlock()
		return false
	default:
	}
	l.claimed = true
	l.tokens, l.err = t, err
	_ = l.listener.Close() // before done, so a caller of Wait finds the port free
	close(l.done)
	l.mu.Unlock()

	l.stop()
	go l.drain()
	l.logResult(err)
	return true
}

func (l *Login) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.server.Shutdown(ctx); err != nil {
		_ = l.server.Close()
	}
}

func (l *Login) logResult(err error) {
	log := l.cfg.Logger
	switch {
	case err == nil:
		log.Info("sign-in finished")
	case errors.Is(err, ErrLoginCanceled):
		log.Info("sign-in canceled")
	default:
		log.Warn("sign-in failed", "error", err)
	}
}

func (l *Login) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+callbackPath, l.serveCallback)
	return mux
}

// claim marks the sign-in as answered; it reports false when an earlier callback (or the end
// of the sign-in) came first, so each sign-in completes at most once.
func (l *Login) claim() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.claimed {
		return false
	}
	l.claimed = true
	return true
}

// validHost reports whether host names this callback server, so pages reached through
// another name (DNS rebinding) are refused.
func (l *Login) validHost(host string) bool {
	p := strconv.Itoa(l.port)
	return host == "localhost:"+p || host == "127.0.0.1:"+p
}

func (l *Login) serveCallback(w http.ResponseWriter, r *http.Request) {
	if !l.validHost(r.Host) {
		http.Error(w, "unexpected host", http.StatusMisdirectedRequest)
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.secrets.state)) != 1 {
		l.cfg.Logger.Warn("sign-in callback refused", "reason", "state mismatch")
		writePage(w, pageStateMismatch())
		return
	}
	if !l.claim() {
		writePage(w, pageUsed())
		return
	}
	w.Header().Set("Connection", "close")
	t, pg, err := l.complete(q.Get("code"), q.Get("error"), q.Get("error_description"))
	writePage(w, pg)
	l.finish(t, err)
}

// complete turns the callback's query into tokens and the page to show.
func (l *Login) complete(code, errCode, errDescription string) (Tokens, page, error) {
	if errCode != "" {
		e := &OAuthError{Code: cleanText(errCode), Description: cleanText(errDescription)}
		if e.MissingEntitlement() {
			return Tokens{}, pageNoEntitlement(e.Description), e
		}
		return Tokens{}, pageRefused(e), e
	}
	if code == "" {
		return Tokens{}, pageNoCode(), &OAuthError{Code: "missing_code",
			Description: "the callback carried no authorization code"}
	}
	ctx, cancel := context.WithTimeout(l.ctx, exchangeTimeout)
	defer cancel()
	t, account, err := l.redeem(ctx, code)
	if err != nil {
		return Tokens{}, pageExchangeFailed(err), err
	}
	if l.hooks.deliver != nil {
		if err := l.hooks.deliver(ctx, t); err != nil {
			return Tokens{}, pageSaveFailed(err), err
		}
	}
	return t, pageSignedIn(l.successText(account)), nil
}

// redeem exchanges the code and checks that the tokens name a ChatGPT account.
func (l *Login) redeem(ctx context.Context, code string) (Tokens, Account, error) {
	t, err := exchangeCode(ctx, l.cfg.HTTPClient, l.conf, code, l.secrets.verifier)
	if err != nil {
		return Tokens{}, Account{}, err
	}
	account, err := ParseAccount(t)
	if err != nil {
		return Tokens{}, Account{}, fmt.Errorf("reading the new sign-in: %w", err)
	}
	t.AccountID = account.AccountID
	t.LastRefresh = l.cfg.Now().UTC()
	return t, account, nil
}

func (l *Login) successText(a Account) string {
	if l.hooks.success != nil {
		return l.hooks.success(a)
	}
	return signedInText(a)
}

// signedInText is the default success message.
func signedInText(a Account) string {
	if a.Email == "" {
		return "You are signed in to lagp."
	}
	return "You are signed in to lagp as " + a.Email + "."
}

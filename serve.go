package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/browser"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy"
	"github.com/lagp/lagp/proxy/settings"
	"github.com/lagp/lagp/proxy/upstream"
	"github.com/lagp/lagp/tray/logfile"
)

// serveFlags are the flags of `lagp` itself.
type serveFlags struct {
	port         int
	host         string
	apiKeys      multi
	logLevel     string
	noTray       bool
	noBrowser    bool
	showVersion  bool
	callbackPort int
	syncTo       string
	syncSecret   string
	tokenStore   string
}

func parseServe(args []string, stderr io.Writer) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("lagp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&f.port, "port", 0, "port to serve on (default 11434, or the settings' port)")
	fs.StringVar(&f.host, "host", "", "address to bind (default 127.0.0.1; others need --api-key)")
	fs.Var(&f.apiKeys, "api-key", "accepted client API key (repeat for several)")
	fs.StringVar(&f.logLevel, "log-level", "", "DEBUG, INFO, WARNING or ERROR (default INFO)")
	fs.BoolVar(&f.noTray, "no-tray", false, "run headless even when a desktop exists")
	fs.BoolVar(&f.noBrowser, "no-browser", false, "print sign-in URLs instead of opening them")
	fs.BoolVar(&f.showVersion, "version", false, "print the version and exit")
	fs.IntVar(&f.callbackPort, "callback-port", 0, "OAuth callback port (default 1455)")
	fs.StringVar(&f.syncTo, "sync-to", "", "sign in and push the sign-in to the lagp at URL")
	fs.StringVar(&f.syncSecret, "sync-secret", "", "secret that opens POST /auth/sync")
	fs.StringVar(&f.tokenStore, "token-store", "", "auto, keyring or file (LAGP_TOKEN_STORE)")
	err := parse(fs, args)
	if f.syncSecret == "" {
		f.syncSecret = os.Getenv("LAGP_SYNC_SECRET") // keeps the secret out of process lists
	}
	return f, err
}

// app is everything one running lagp holds.
type app struct {
	env      env
	flags    serveFlags
	log      *slog.Logger
	level    *slog.LevelVar
	logPath  string
	settings *settings.Store
	auth     *auth.Manager
	logins   *auth.Logins
	client   *upstream.Client
	catalog  *upstream.Catalog
	server   *proxy.Server
	firstRun bool
	homeLock *auth.HomeLock // only this lagp refreshes the session stored in the home
}

func cmdServe(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	f, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	if f.showVersion {
		fmt.Fprintln(stdout, "lagp", version)
		return nil
	}
	if f.syncTo != "" {
		return push(ctx, e, f.syncTo, f.syncSecret, loginFlags{noBrowser: f.noBrowser,
			callbackPort: f.callbackPort}, stdout, stderr)
	}
	a, err := newApp(ctx, e, f, stderr)
	if err != nil {
		return err
	}
	if err := a.listen(ctx); err != nil {
		return err
	}
	// Only the lagp that owns the port keeps the session: a second one must not refresh it.
	a.auth.Start(ctx)
	if err := a.auth.Load(ctx); err != nil {
		return err
	}
	a.firstSignIn(ctx, stdout)
	useTray, why := wantTray(f)
	go a.followSettings(ctx, !useTray)
	if useTray {
		return a.runTray(ctx)
	}
	if why != "" {
		a.log.Info("running headless", "reason", why)
	}
	<-ctx.Done()
	return a.shutdown()
}

func newApp(ctx context.Context, e env, f serveFlags, stderr io.Writer) (*app, error) {
	a := &app{env: e, flags: f}
	if f.tokenStore != "" {
		a.env.tokenStore = f.tokenStore
	}
	_, statErr := os.Stat(e.home)
	a.firstRun = errors.Is(statErr, os.ErrNotExist)
	var err error
	if a.homeLock, err = auth.LockHome(e.home); err != nil {
		return nil, fmt.Errorf("%w; stop it first, or give this one its own LAGP_HOME", err)
	}
	if a.settings, err = settings.Open(e.home); err != nil {
		return nil, err
	}
	a.applyFlags()
	a.setupLogging(stderr)
	store, err := auth.OpenStore(ctx, auth.StoreConfig{Mode: a.env.tokenStore, Home: e.home,
		Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.auth = auth.NewManager(auth.Config{Issuer: e.authURL, Store: store, Logger: a.log,
		LoginHint: a.loginURL()})
	a.client = upstream.New(upstream.Config{BaseURL: e.backendURL, Tokens: a.auth,
		Version: version, Logger: a.log})
	a.catalog = upstream.NewCatalog(a.client, upstream.CodexVersion)
	a.logins = auth.NewLogins(a.loginConfig(os.Stdout), a.auth.SignIn)
	a.server = proxy.New(a.proxyOptions())
	return a, nil
}

// applyFlags lays the command-line flags over the saved settings for this run only.
func (a *app) applyFlags() {
	f := a.flags
	a.settings.Override(func(s *settings.Settings) {
		if f.port != 0 {
			s.Port = f.port
		}
		if f.logLevel != "" {
			s.LogLevel = strings.ToUpper(f.logLevel)
		}
		if f.callbackPort != 0 {
			s.CallbackPort = f.callbackPort
		}
	})
}

// setupLogging logs to a rotated file in the user's log directory, and to stderr when it is a
// terminal or lagp runs headless (where a service manager collects it).
func (a *app) setupLogging(stderr io.Writer) {
	toStderr := true
	if f, ok := stderr.(*os.File); ok {
		tray, _ := wantTray(a.flags)
		toStderr = !tray || logfile.IsTerminal(f)
	}
	out, err := a.openLogFile()
	switch {
	case err != nil:
		out = stderr
	case toStderr:
		out = io.MultiWriter(out, stderr)
	}
	a.log, a.level = logfile.NewLogger(a.settings.Get().LogLevel, out, false)
	if err != nil {
		a.log.Warn("no log file, logging to stderr only", "error", err)
	}
}

func (a *app) openLogFile() (io.Writer, error) {
	dir, err := logfile.DefaultDir()
	if err != nil {
		return nil, err
	}
	w, err := logfile.Open(dir, 5<<20, 3)
	if err != nil {
		return nil, err
	}
	a.logPath = w.Path()
	return w, nil
}

func (a *app) proxyOptions() proxy.Options {
	var sync http.Handler
	if a.flags.syncSecret != "" {
		sync = auth.SyncHandler(auth.SyncConfig{Secret: a.flags.syncSecret,
			Accept: a.auth.SignIn, Logger: a.log})
	}
	return proxy.Options{
		Version: version,
		Client:  a.client,
		Catalog: a.catalog,
		APIKeys: func() []string { return append(a.settings.Keys(), a.flags.apiKeys...) },
		Prefs: func() proxy.Prefs {
			s := a.settings.Get()
			return proxy.Prefs{ReasoningBoth: s.ReasoningField == "both",
				OllamaToolCallIDs: s.OllamaToolCallIDs}
		},
		Account: a.account,
		Login:   a.logins.Handler(),
		Sync:    sync,
		Settings: settings.Handler(a.settings, settings.PageOptions{Version: version,
			ListenURL: a.baseURL}),
		Logger: a.log,
	}
}

// host returns the address to bind: the flag, else all interfaces when LAN exposure is on.
func (a *app) host() string {
	if a.flags.host != "" {
		return a.flags.host
	}
	if a.settings.Get().ExposeLAN {
		return "0.0.0.0"
	}
	return "127.0.0.1"
}

func (a *app) listen(ctx context.Context) error {
	port := a.settings.Get().Port
	err := a.server.Listen(a.host(), port)
	if errors.Is(err, syscall.EADDRINUSE) {
		if url := runningLagp(ctx, port); url != "" {
			return fmt.Errorf("lagp is already running at %s (stop it first, or use --port)", url)
		}
		return fmt.Errorf("port %d is in use by another program; start lagp with --port N: %w",
			port, err)
	}
	return err
}

// runningLagp returns the URL of a lagp answering on the loopback port, or "".
func runningLagp(ctx context.Context, port int) string {
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/lagp/status", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return ""
	}
	return url
}

// firstSignIn starts the browser sign-in when lagp has none, as the first run should.
func (a *app) firstSignIn(ctx context.Context, stdout io.Writer) {
	if a.auth.Status().State != auth.StateSignedOut {
		return
	}
	if !a.flags.noTray && !a.firstRun {
		if ok, _ := wantTray(a.flags); ok {
			return // the tray offers "Sign in with ChatGPT…"
		}
	}
	fmt.Fprintf(stdout, "lagp is not signed in to ChatGPT yet.\n")
	if _, err := a.logins.Open(ctx); err != nil {
		a.log.Warn("sign-in did not start", "error", err)
		fmt.Fprintf(stdout, "Sign in later with `lagp login` or open %s\n", a.loginURL())
	}
}

// followSettings applies changed settings while lagp runs: keys, log level and, when move
// is set (headless; the tray moves the listener itself), the address.
func (a *app) followSettings(ctx context.Context, move bool) {
	ch, cancel := a.settings.Subscribe()
	defer cancel()
	bound := a.settings.Get()
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-ch:
			a.server.ReloadKeys()
			a.level.Set(logfile.Level(s.LogLevel))
			if move && (s.Port != bound.Port || s.ExposeLAN != bound.ExposeLAN) {
				if err := a.server.Rebind(a.host(), s.Port); err != nil {
					a.log.Warn("address change failed", "error", err)
					continue
				}
				bound = s
			}
		}
	}
}

func (a *app) shutdown() error {
	a.logins.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.log.Info("shutting down")
	return a.server.Shutdown(ctx)
}

func (a *app) baseURL() string { return a.server.URL() }

func (a *app) loginURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/login", a.settings.Get().Port)
}

func (a *app) account() proxy.Account {
	st := a.auth.Status()
	return proxy.Account{
		State:       st.State.String(),
		Reason:      st.Reason,
		Email:       st.Account.Email,
		Plan:        st.Account.Plan,
		AccountID:   st.Account.AccountID,
		ExpiresAt:   st.ExpiresAt,
		LastRefresh: st.LastRefresh,
		Store:       st.Store,
	}
}

// loginConfig is the browser sign-in as this lagp runs it.
func (a *app) loginConfig(out io.Writer) auth.LoginConfig {
	return auth.LoginConfig{
		Issuer:        a.env.authURL,
		CallbackPort:  a.settings.Get().CallbackPort,
		OpenBrowser:   opener(a.env.browser),
		ChosenBrowser: a.env.browser != "",
		NoBrowser:     a.flags.noBrowser,
		Out:           out,
		ProxyLoginURL: a.loginURL(),
		Logger:        a.log,
	}
}

// opener returns how URLs are opened: the LAGP_BROWSER command when set (tests and unusual
// setups), else the system's browser.
func opener(command string) func(string) error {
	if command == "" {
		return browser.OpenURL
	}
	return func(url string) error {
		return exec.Command(command, url).Run()
	}
}

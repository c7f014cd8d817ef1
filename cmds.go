package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy/settings"
)

// loginFlags are the browser sign-in flags shared by login, push and --sync-to.
type loginFlags struct {
	noBrowser    bool
	callbackPort int
	tokenStore   string
}

func (l *loginFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&l.noBrowser, "no-browser", false, "print the sign-in URL instead of opening it")
	fs.IntVar(&l.callbackPort, "callback-port", 0, "OAuth callback port (default 1455)")
}

// manager opens the token store and a session manager for a one-shot command.
func manager(ctx context.Context, e env, mode string, log *slog.Logger) (*auth.Manager, error) {
	if mode == "" {
		mode = e.tokenStore
	}
	store, err := auth.OpenStore(ctx, auth.StoreConfig{Mode: mode, Home: e.home, Logger: log})
	if err != nil {
		return nil, err
	}
	m := auth.NewManager(auth.Config{Issuer: e.authURL, Store: store, Logger: log})
	if err := m.Load(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

func cliLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func loginConfig(e env, l loginFlags, out io.Writer, log *slog.Logger) auth.LoginConfig {
	port := l.callbackPort
	if port == 0 {
		if s, err := settings.Open(e.home); err == nil {
			port = s.Get().CallbackPort
		}
	}
	return auth.LoginConfig{Issuer: e.authURL, CallbackPort: port, NoBrowser: l.noBrowser,
		OpenBrowser: opener(e.browser), ChosenBrowser: e.browser != "", Out: out, Logger: log}
}

func cmdLogin(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	var l loginFlags
	var output string
	fs := flag.NewFlagSet("lagp login", flag.ContinueOnError)
	fs.SetOutput(stderr)
	l.register(fs)
	fs.StringVar(&output, "output", "", "write a fresh sign-in to FILE (auth.json layout) "+
		"for another machine, without touching this one's")
	fs.StringVar(&l.tokenStore, "token-store", "", "auto, keyring or file")
	if err := parse(fs, args); err != nil {
		return err
	}
	log := cliLogger(stderr)
	opts := auth.LoginOptions{Login: loginConfig(e, l, stdout, log), Output: output, Out: stdout}
	if output == "" {
		m, err := manager(ctx, e, l.tokenStore, log)
		if err != nil {
			return err
		}
		opts.Manager = m
	}
	return auth.RunLogin(ctx, opts)
}

func cmdLogout(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	var mode string
	fs := flag.NewFlagSet("lagp logout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&mode, "token-store", "", "auto, keyring or file")
	if err := parse(fs, args); err != nil {
		return err
	}
	m, err := manager(ctx, e, mode, cliLogger(stderr))
	if err != nil {
		return err
	}
	return auth.RunLogout(ctx, m, stdout)
}

func cmdStatus(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	var port int
	var mode string
	fs := flag.NewFlagSet("lagp status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&port, "port", 0, "port of the running lagp (default: the settings' port)")
	fs.StringVar(&mode, "token-store", "", "auto, keyring or file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if port == 0 {
		port = settings.Defaults().Port
		if s, err := settings.Open(e.home); err == nil {
			port = s.Get().Port
		}
	}
	log := cliLogger(stderr)
	m, err := manager(ctx, e, mode, log)
	if err != nil {
		return err
	}
	return auth.RunStatus(ctx, auth.StatusOptions{
		ProxyURL: fmt.Sprintf("http://127.0.0.1:%d", port), Manager: m, Out: stdout})
}

func cmdPush(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	var l loginFlags
	var secret string
	fs := flag.NewFlagSet("lagp push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	l.register(fs)
	fs.StringVar(&secret, "sync-secret", "", "the remote lagp's --sync-secret")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "usage: lagp push URL --sync-secret SECRET")
		return errUsage
	}
	return push(ctx, e, positional[0], secret, l, stdout, stderr)
}

// push signs in afresh in the browser and sends that sign-in to the lagp at url only, so each
// machine keeps its own refresh-token family.
func push(ctx context.Context, e env, url, secret string, l loginFlags,
	stdout, stderr io.Writer) error {
	if secret == "" {
		secret = os.Getenv("LAGP_SYNC_SECRET")
	}
	log := cliLogger(stderr)
	return auth.RunPush(ctx, auth.PushConfig{RemoteURL: url, Secret: secret,
		Login: loginConfig(e, l, stdout, log), Warn: stderr})
}

// parseInterspersed parses flags that may come before or after positional arguments, as in
// `lagp push URL --sync-secret S`, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

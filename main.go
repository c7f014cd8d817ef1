// Command lagp serves the OpenAI and Ollama APIs on 127.0.0.1:11434 from a ChatGPT sign-in.
//
// Run without arguments it starts the tray (or, without a desktop, the headless server). Its
// subcommands sign in and out, report status, and push a sign-in to a lagp on another machine:
//
//	lagp [--port N] [--host ADDR] [--api-key KEY]… [--no-tray] [--no-browser]
//	lagp login [--no-browser] [--output FILE]
//	lagp logout
//	lagp status
//	lagp push URL --sync-secret SECRET
//	lagp --version
//
// This file parses flags and wires packages together; behaviour lives in proxy, auth and tray.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lagp/lagp/auth"
)

// version is stamped at release time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// env is lagp's environment: where its files live and which services it talks to.
type env struct {
	home       string // LAGP_HOME, default ~/.lagp
	backendURL string // LAGP_BACKEND_URL
	authURL    string // LAGP_AUTH_URL
	tokenStore string // LAGP_TOKEN_STORE: auto, keyring or file
	browser    string // LAGP_BROWSER: a command to open URLs with instead of the system's
}

func readEnv() (env, error) {
	e := env{
		home:       os.Getenv("LAGP_HOME"),
		backendURL: envOr("LAGP_BACKEND_URL", "https://chatgpt.com/backend-api/codex"),
		authURL:    envOr("LAGP_AUTH_URL", "https://auth.openai.com"),
		tokenStore: envOr("LAGP_TOKEN_STORE", "auto"),
		browser:    os.Getenv("LAGP_BROWSER"),
	}
	if e.home == "" {
		dir, err := os.UserHomeDir()
		if err != nil {
			return e, fmt.Errorf("finding the home directory (set LAGP_HOME): %w", err)
		}
		e.home = filepath.Join(dir, ".lagp")
	}
	return e, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return strings.TrimRight(v, "/")
	}
	return def
}

// multi is a flag that may be repeated.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	e, err := readEnv()
	if err != nil {
		fmt.Fprintln(stderr, "lagp:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "":
		err = cmdServe(ctx, e, rest, stdout, stderr)
	case "login":
		err = cmdLogin(ctx, e, rest, stdout, stderr)
	case "logout":
		err = cmdLogout(ctx, e, rest, stdout, stderr)
	case "status":
		err = cmdStatus(ctx, e, rest, stdout, stderr)
	case "push":
		err = cmdPush(ctx, e, rest, stdout, stderr)
	case "help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "lagp: unknown command %q\n", cmd)
		usage(stderr)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, auth.ErrNotSignedIn):
		return 1 // the report has said so already
	}
	fmt.Fprintln(stderr, "lagp:", err)
	return 1
}

// errUsage marks an error the flag package has already explained.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  lagp [flags]                      serve the API (tray when a desktop exists)
  lagp login [--no-browser] [--output FILE]
  lagp logout
  lagp status
  lagp push URL --sync-secret SECRET
  lagp --version

Run "lagp -h" or "lagp COMMAND -h" for the flags.
`)
}

// parse parses a flag set, turning its errors into errUsage (it has printed them already).
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return errUsage
	}
	return err
}

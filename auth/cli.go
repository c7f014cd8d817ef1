package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// LoginOptions configures "lagp login".
type LoginOptions struct {
	// Login configures the browser sign-in; its Out defaults to Out.
	Login LoginConfig
	// Manager adopts the sign-in; not used with Output.
	Manager *Manager
	// Output, when set, is a file that receives the fresh sign-in in the auth.json layout
	// (mode 0600) for another machine; this lagp does not adopt it.
	Output string
	// Out receives progress and the result; nil discards them.
	Out io.Writer
}

// RunLogin runs "lagp login": a browser sign-in that the manager adopts, or with Output a
// sign-in written to a file for the copy method. That file holds a refresh-token family of
// its own, so the machine that uses it and this one never lock each other out.
func RunLogin(ctx context.Context, opts LoginOptions) error {
	out := writerOr(opts.Out)
	if opts.Login.Out == nil {
		opts.Login.Out = out
	}
	hooks := loginHooks{}
	switch {
	case opts.Output != "":
		path, err := filepath.Abs(opts.Output)
		if err != nil {
			return fmt.Errorf("output file: %w", err)
		}
		opts.Output = path
		hooks.deliver = func(_ context.Context, t Tokens) error { return writeAuthFile(path, t) }
		hooks.success = func(a Account) string {
			return "The sign-in for " + a.Email + " was written to " + path + "."
		}
	case opts.Manager != nil:
		hooks.deliver = opts.Manager.SignIn
	default:
		return errors.New("lagp login: no session manager and no output file")
	}
	t, err := runBrowserLogin(ctx, opts.Login, hooks)
	if err != nil {
		return err
	}
	account, _ := ParseAccount(t) // the login already parsed it
	if opts.Output != "" {
		fmt.Fprintf(out, "Wrote a fresh sign-in for %s to %s (readable only by you).\n"+
			"This lagp keeps its own sign-in. Copy the file into the other machine's lagp "+
			"home as auth.json, then delete it here.\n", account.Email, opts.Output)
		return nil
	}
	fmt.Fprintf(out, "Signed in as %s (%s). The sign-in is kept in the %s store.\n",
		account.Email, planName(account.Plan), opts.Manager.cfg.Store.Name())
	return nil
}

// runBrowserLogin starts a sign-in, sends the user to it and waits for the result.
func runBrowserLogin(ctx context.Context, cfg LoginConfig, hooks loginHooks) (Tokens, error) {
	l, err := startLogin(ctx, cfg, hooks)
	if err != nil {
		return Tokens{}, err
	}
	defer l.Close()
	l.Open()
	return l.Wait(ctx)
}

// writeAuthFile writes t in the auth.json layout to path, readable by the owner only. It
// writes a temporary file in the same directory and renames it, so path is never half
// written.
func writeAuthFile(path string, t Tokens) error {
	data, err := MarshalAuthJSON(t)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lagp-login-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// RunLogout runs "lagp logout": it removes the sign-in from every store and revokes its
// refresh token at the issuer, best effort.
func RunLogout(ctx context.Context, m *Manager, out io.Writer) error {
	out = writerOr(out)
	if err := m.Load(ctx); err != nil {
		return err
	}
	before := m.Status()
	if err := m.SignOut(ctx); err != nil {
		return err
	}
	if before.State == StateSignedOut {
		fmt.Fprintln(out, "No sign-in was stored; nothing else to remove.")
		return nil
	}
	fmt.Fprintf(out, "Signed out %s: the sign-in was removed from the %s store and its "+
		"refresh token revoked.\n", before.Account.Email, before.Store)
	fmt.Fprintln(out, "A lagp that is running keeps its session until it stops; choose "+
		"Sign out in its menu or restart it.")
	return nil
}

// RunPush runs "lagp push URL" (and --sync-to): see [Push].
func RunPush(ctx context.Context, cfg PushConfig) error {
	account, err := push(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(writerOr(cfg.Login.Out), "The lagp at %s is now signed in as %s with a "+
		"sign-in of its own.\n", cfg.RemoteURL, account.Email)
	return nil
}

// planName shows a plan, or "unknown plan" when the token names none.
func planName(plan string) string {
	if plan == "" {
		return "unknown plan"
	}
	return plan
}

func writerOr(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// StatusReport is the JSON of GET /lagp/status, served by the proxy and read by
// "lagp status". It holds no secret.
type StatusReport struct {
	// Version is the running lagp's version; empty when read from the store.
	Version string `json:"version,omitempty"`
	// Listen lists the proxy's base URLs; empty when read from the store.
	Listen []string `json:"listen,omitempty"`
	// State is "signed_in", "signed_out" or "expired" (see [State]).
	State string `json:"state"`
	// Reason explains an expired or failing session; empty when all is well.
	Reason string `json:"reason"`
	// Account is the signed-in account; zero when signed out.
	Account StatusAccount `json:"account"`
	// TokenExpiresAt is the access token's expiry.
	TokenExpiresAt time.Time `json:"token_expires_at,omitzero"`
	// LastRefresh is when the tokens were issued or last refreshed.
	LastRefresh time.Time `json:"last_refresh,omitzero"`
	// Store is the token store, "file" or "keyring".
	Store string `json:"store"`
	// Usage is the latest usage snapshot from the backend's rate-limit headers; nil before
	// the first backend answer and when read from the store.
	Usage *StatusUsage `json:"usage,omitempty"`
	// Models is how many models the account can use; 0 when unknown.
	Models int `json:"models,omitempty"`
}

// StatusAccount identifies the account in a [StatusReport].
type StatusAccount struct {
	Email     string `json:"email"`
	Plan      string `json:"plan"`       // ChatGPT plan, e.g. "plus"
	AccountID string `json:"account_id"` // not a secret; shown shortened
}

// StatusUsage is the usage part of a [StatusReport].
type StatusUsage struct {
	// PlanType is the plan the backend reports.
	PlanType string `json:"plan_type"`
	// Windows are the usage windows, primary first.
	Windows []UsageWindow `json:"windows"`
	// UpdatedAt is when the snapshot was taken.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// UsageWindow is one rate-limit window of a [StatusUsage].
type UsageWindow struct {
	// Limit names the limit, e.g. "codex".
	Limit string `json:"limit"`
	// Name is "primary" or "secondary".
	Name string `json:"name"`
	// UsedPercent is how much of the window is used, 0–100.
	UsedPercent float64 `json:"used_percent"`
	// WindowMinutes is the window's length.
	WindowMinutes int `json:"window_minutes"`
	// ResetsAt is when the window resets; zero when unknown.
	ResetsAt time.Time `json:"resets_at,omitzero"`
}

// NewStatusReport fills the session part of a [StatusReport] from a manager's [Status]; the
// proxy adds version, listen, usage and models.
func NewStatusReport(s Status) StatusReport {
	r := StatusReport{State: s.State.String(), Reason: s.Reason, Store: s.Store,
		TokenExpiresAt: s.ExpiresAt, LastRefresh: s.LastRefresh}
	if s.State != StateSignedOut {
		r.Account = StatusAccount{Email: s.Account.Email, Plan: s.Account.Plan,
			AccountID: s.Account.AccountID}
	}
	return r
}

package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// statusTimeout bounds the question to a running lagp, so "lagp status" answers at once when
// none runs.
const statusTimeout = 2 * time.Second

// StatusOptions configures "lagp status".
type StatusOptions struct {
	// ProxyURL is the running lagp to ask first, e.g. http://127.0.0.1:11434; empty skips it.
	ProxyURL string
	// Manager reads the stored sign-in when no lagp answers.
	Manager *Manager
	// HTTPClient asks the running lagp; default a client without proxy (it is local).
	HTTPClient *http.Client
	// Out receives the report; nil discards it.
	Out io.Writer
	// Now is the clock for "in 3h"; default time.Now.
	Now func() time.Time
	// Location is the time zone of printed times; default time.Local.
	Location *time.Location
}

// RunStatus runs "lagp status": it prints the account, plan, token expiry and usage windows,
// from a running lagp's /lagp/status when one answers, else from the token store. It never
// prints a token.
func RunStatus(ctx context.Context, opts StatusOptions) error {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	out := writerOr(opts.Out)
	report, note, err := findStatus(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, note)
	printStatus(out, report, opts.Now(), opts.Location)
	if report.State != StateSignedIn.String() {
		return ErrNotSignedIn
	}
	return nil
}

// ErrNotSignedIn is returned by [RunStatus] after its report when lagp is not signed in, so
// that scripts can tell from the exit status.
var ErrNotSignedIn = errors.New("not signed in")

// findStatus asks the running lagp, then the store. note says where the report comes from.
func findStatus(ctx context.Context, opts StatusOptions) (StatusReport, string, error) {
	var why string
	if opts.ProxyURL != "" {
		report, err := fetchStatus(ctx, opts.HTTPClient, opts.ProxyURL)
		if err == nil {
			where := opts.ProxyURL
			if len(report.Listen) > 0 {
				where = strings.Join(report.Listen, ", ")
			}
			return report, fmt.Sprintf("lagp %s is running at %s.", report.Version, where), nil
		}
		why = fmt.Sprintf("No lagp answers at %s (%v); showing the stored sign-in.",
			opts.ProxyURL, err)
	}
	if opts.Manager == nil {
		return StatusReport{}, "", errors.New("lagp status: no running lagp and no token store")
	}
	if err := opts.Manager.Load(ctx); err != nil {
		return StatusReport{}, "", fmt.Errorf("reading the stored sign-in: %w", err)
	}
	if why == "" {
		why = "Showing the stored sign-in."
	}
	return NewStatusReport(opts.Manager.Status()), why, nil
}

// fetchStatus reads GET {base}/lagp/status.
func fetchStatus(ctx context.Context, client *http.Client, base string) (StatusReport, error) {
	if client == nil {
		client = &http.Client{Transport: &http.Transport{Proxy: nil}}
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		strings.TrimRight(base, "/")+"/lagp/status", nil)
	if err != nil {
		return StatusReport{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return StatusReport{}, errors.New("not reachable")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return StatusReport{}, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var report StatusReport
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&report); err != nil {
		return StatusReport{}, errors.New("not a lagp status answer")
	}
	if report.State == "" {
		return StatusReport{}, errors.New("not a lagp status answer")
	}
	return report, nil
}

// printStatus writes a report for people.
func printStatus(out io.Writer, r StatusReport, now time.Time, loc *time.Location) {
	switch r.State {
	case StateSignedIn.String():
		fmt.Fprintf(out, "Signed in as %s (%s).\n", r.Account.Email, planName(r.Account.Plan))
		if r.Reason != "" {
			fmt.Fprintf(out, "Warning: %s\n", r.Reason)
		}
	case StateExpired.String():
		fmt.Fprintf(out, "The session ended (%s). Sign in again: run \"lagp login\".\n",
			reasonOr(r.Reason))
	default:
		fmt.Fprintln(out, "Not signed in. Run \"lagp login\" to sign in.")
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if r.Account.AccountID != "" {
		fmt.Fprintf(tw, "  Account ID:\t%s\n", maskID(r.Account.AccountID))
	}
	if !r.TokenExpiresAt.IsZero() {
		verb := "expires"
		if !r.TokenExpiresAt.After(now) {
			verb = "expired"
		}
		fmt.Fprintf(tw, "  Access token:\t%s %s\n", verb, when(r.TokenExpiresAt, now, loc))
	}
	if !r.LastRefresh.IsZero() {
		fmt.Fprintf(tw, "  Last refresh:\t%s\n", when(r.LastRefresh, now, loc))
	}
	if r.Store != "" {
		fmt.Fprintf(tw, "  Token store:\t%s\n", r.Store)
	}
	if r.Models > 0 {
		fmt.Fprintf(tw, "  Models:\t%d\n", r.Models)
	}
	_ = tw.Flush()
	printUsage(out, r.Usage, now, loc)
}

// printUsage writes the usage windows, if any.
func printUsage(out io.Writer, u *StatusUsage, now time.Time, loc *time.Location) {
	if u == nil || len(u.Windows) == 0 {
		return
	}
	head := "Usage"
	if u.PlanType != "" {
		head += " (" + u.PlanType + " plan)"
	}
	if !u.UpdatedAt.IsZero() {
		head += ", as of " + when(u.UpdatedAt, now, loc)
	}
	fmt.Fprintln(out, head+":")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, w := range u.Windows {
		name := strings.TrimSpace(w.Limit + " " + w.Name)
		if w.WindowMinutes > 0 {
			name += " (" + span(time.Duration(w.WindowMinutes)*time.Minute) + ")"
		}
		line := fmt.Sprintf("  %s:\t%s%% used", name, percent(w.UsedPercent))
		if !w.ResetsAt.IsZero() {
			line += ", resets " + when(w.ResetsAt, now, loc)
		}
		fmt.Fprintln(tw, line)
	}
	_ = tw.Flush()
}

func reasonOr(reason string) string {
	if reason == "" {
		return "no reason given"
	}
	return reason
}

// when shows t in loc with its distance from now: "2026-08-01 15:00 CEST (in 3h)".
func when(t, now time.Time, loc *time.Location) string {
	d := t.Sub(now)
	rel := "now"
	switch {
	case d >= time.Minute:
		rel = "in " + span(d)
	case d <= -time.Minute:
		rel = span(-d) + " ago"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST") + " (" + rel + ")"
}

// span shows a duration in its two largest units: "8d 23h", "3h 5m", "12m".
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

// percent shows a percentage without a useless fraction: "42", "12.5".
func percent(p float64) string {
	if p == math.Trunc(p) {
		return fmt.Sprintf("%.0f", p)
	}
	return fmt.Sprintf("%.1f", p)
}

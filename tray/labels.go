package tray

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// statusLabel is the first, disabled menu line.
func statusLabel(s State) string {
	switch s.SignIn {
	case SignedIn:
		if s.Plan == "" {
			return "Signed in as " + s.Email
		}
		return fmt.Sprintf("Signed in as %s (%s)", s.Email, planName(s.Plan))
	case Expired:
		return "Session expired — sign in again"
	default:
		return "Not signed in"
	}
}

// planName capitalises a plan type from the token ("plus" → "Plus").
func planName(p string) string {
	r, n := utf8.DecodeRuneInString(p)
	return string(unicode.ToUpper(r)) + p[n:]
}

// windowName names a usage window by its length: "5-hour" for 300 minutes, "Weekly" for seven
// days. The backend's primary/secondary naming is not used because it does not say which is
// which.
func windowName(minutes int) string {
	const day = 24 * 60
	switch {
	case minutes <= 0:
		return "Usage"
	case minutes < 60:
		return fmt.Sprintf("%d-minute", minutes)
	case minutes <= day:
		return fmt.Sprintf("%d-hour", int(math.Round(float64(minutes)/60)))
	case minutes >= 6*day && minutes <= 8*day:
		return "Weekly"
	case minutes >= 28*day && minutes <= 31*day:
		return "Monthly"
	default:
		return fmt.Sprintf("%d-day", int(math.Round(float64(minutes)/day)))
	}
}

// usageLabel renders one window, e.g. "5-hour limit: 42% used, resets 14:05" or
// "Weekly limit: 17% used, resets Fri 09:00". Windows up to a day show the clock time only.
func usageLabel(w Window, loc *time.Location) string {
	name := windowName(w.Minutes) + " limit"
	if w.Limit != "" && !strings.EqualFold(w.Limit, "codex") {
		name += " (" + w.Limit + ")"
	}
	label := fmt.Sprintf("%s: %s%% used", name, percent(w.UsedPercent))
	if !w.ResetsAt.IsZero() {
		label += ", resets " + resetTime(w, loc)
	}
	return label
}

func resetTime(w Window, loc *time.Location) string {
	layout := "Mon 15:04"
	if w.Minutes > 0 && w.Minutes <= 24*60 {
		layout = "15:04"
	}
	return w.ResetsAt.In(loc).Format(layout)
}

func percent(p float64) string {
	return fmt.Sprintf("%d", int(math.Round(math.Max(p, 0))))
}

// sortedWindows orders windows for display: the main "codex" limit first, then shorter windows
// before longer ones.
func sortedWindows(ws []Window) []Window {
	out := slices.Clone(ws)
	slices.SortStableFunc(out, func(a, b Window) int {
		if c := cmp.Compare(otherLimit(a), otherLimit(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Limit, b.Limit); c != 0 {
			return c
		}
		return cmp.Compare(a.Minutes, b.Minutes)
	})
	return out
}

func otherLimit(w Window) int {
	if w.Limit == "" || strings.EqualFold(w.Limit, "codex") {
		return 0
	}
	return 1
}

// listeningLabel is the disabled line that says where lagp serves.
func listeningLabel(s State) string {
	if s.ListenURL == "" {
		return "Not listening"
	}
	return "Listening on " + s.ListenURL
}

// tooltip says who is signed in and where lagp listens.
func tooltip(s State) string {
	var who string
	switch s.SignIn {
	case SignedIn:
		who = "signed in as " + s.Email
	case Expired:
		who = "session expired"
	default:
		who = "not signed in"
	}
	where := "not listening"
	if s.ListenURL != "" {
		where = "listening on " + s.ListenURL
	}
	tip := "lagp: " + who + ", " + where
	if s.Tunnel == TunnelOn {
		tip += ", public at " + s.TunnelURL
	}
	return tip
}

package upstream

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits is the account's usage state as the backend last reported it in its rate-limit
// response headers (PROTOCOL.md §3.6, C10).
type Limits struct {
	Windows     []Window // the "codex" limit first, primary before secondary
	PlanType    string   // x-codex-plan-type, e.g. "plus"
	ActiveLimit string   // x-codex-active-limit: the limit that tripped, if any
	Credits     *Credits // nil when the backend sent no credits headers
	UpdatedAt   time.Time
}

// Window is one usage window of one limit.
type Window struct {
	Limit         string // limit family, e.g. "codex" from x-codex-primary-…
	LimitName     string // display name from x-<limit>-limit-name, if sent
	Name          string // "primary" or "secondary"
	UsedPercent   float64
	WindowMinutes int
	ResetsAt      time.Time // zero when unknown
}

// Credits is the account's credit balance (x-codex-credits-*).
type Credits struct {
	HasCredits bool
	Unlimited  bool
	Balance    string
}

// Exhausted reports whether the window is used up.
func (w Window) Exhausted() bool { return w.UsedPercent >= 100 }

// windowFields are the per-window header suffixes.
const (
	fieldUsed       = "used-percent"
	fieldMinutes    = "window-minutes"
	fieldResetAt    = "reset-at"
	fieldResetAfter = "reset-after-seconds"
)

// ParseLimits reads the rate-limit headers of one backend response. now turns relative reset
// delays into times. It reports false when h holds no usage window, plan or credits.
func ParseLimits(h http.Header, now time.Time) (Limits, bool) {
	p := limitParser{now: now, windows: map[windowKey]*rawWindow{}, names: map[string]string{}}
	for key, vals := range h {
		if len(vals) > 0 {
			p.header(strings.ToLower(key), strings.TrimSpace(vals[0]))
		}
	}
	l := p.limits()
	if len(l.Windows) == 0 && l.PlanType == "" && l.Credits == nil {
		return Limits{}, false
	}
	l.UpdatedAt = now
	return l, true
}

type windowKey struct{ limit, name string }

type rawWindow struct {
	used, resetAfter  float64
	hasUsed, hasAfter bool
	minutes           int
	resetAt           int64
}

type limitParser struct {
	now     time.Time
	windows map[windowKey]*rawWindow
	names   map[string]string
	l       Limits
}

func (p *limitParser) header(k, v string) {
	switch k {
	case "x-codex-plan-type":
		p.l.PlanType = v
		return
	case "x-codex-active-limit":
		p.l.ActiveLimit = v
		return
	case "x-codex-credits-has-credits":
		p.credits().HasCredits = parseBool(v)
		return
	case "x-codex-credits-unlimited":
		p.credits().Unlimited = parseBool(v)
		return
	case "x-codex-credits-balance":
		p.credits().Balance = v
		return
	}
	if !strings.HasPrefix(k, "x-") {
		return
	}
	if fam, ok := strings.CutSuffix(k[2:], "-limit-name"); ok && fam != "" {
		p.names[fam] = v
		return
	}
	for _, field := range []string{fieldUsed, fieldMinutes, fieldResetAt, fieldResetAfter} {
		rest, ok := strings.CutSuffix(k[2:], "-"+field)
		if !ok {
			continue
		}
		for _, name := range []string{"primary", "secondary"} {
			if fam, ok := strings.CutSuffix(rest, "-"+name); ok && fam != "" {
				p.set(windowKey{fam, name}, field, v)
			}
		}
	}
}

func (p *limitParser) credits() *Credits {
	if p.l.Credits == nil {
		p.l.Credits = &Credits{}
	}
	return p.l.Credits
}

func (p *limitParser) set(key windowKey, field, v string) {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return
	}
	w := p.windows[key]
	if w == nil {
		w = &rawWindow{}
		p.windows[key] = w
	}
	switch field {
	case fieldUsed:
		w.used, w.hasUsed = n, true
	case fieldMinutes:
		w.minutes = int(n)
	case fieldResetAt:
		w.resetAt = int64(n)
	case fieldResetAfter:
		w.resetAfter, w.hasAfter = n, true
	}
}

// limits assembles the windows that carry a used percentage, in a stable order.
func (p *limitParser) limits() Limits {
	l := p.l
	for key, raw := range p.windows {
		if !raw.hasUsed {
			continue
		}
		w := Window{Limit: key.limit, LimitName: p.names[key.limit], Name: key.name,
			UsedPercent: raw.used, WindowMinutes: raw.minutes}
		switch {
		case raw.resetAt > 0:
			w.ResetsAt = time.Unix(raw.resetAt, 0)
		case raw.hasAfter:
			w.ResetsAt = p.now.Add(time.Duration(raw.resetAfter * float64(time.Second)))
		}
		l.Windows = append(l.Windows, w)
	}
	slices.SortFunc(l.Windows, func(a, b Window) int {
		if c := cmp.Compare(rank(a.Limit), rank(b.Limit)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Limit, b.Limit); c != 0 {
			return c
		}
		return cmp.Compare(rank(a.Name), rank(b.Name))
	})
	return l
}

// rank puts the main limit and the primary window first.
func rank(s string) int {
	if s == "codex" || s == "primary" {
		return 0
	}
	return 1
}

func parseBool(v string) bool {
	b, err := strconv.ParseBool(strings.ToLower(v))
	return err == nil && b
}

// resetTime returns when the usage limit reported in h lifts: the latest reset of an exhausted
// window of the active limit (or of "codex"), else the primary window's reset; zero if unknown.
func resetTime(h http.Header, now time.Time) time.Time {
	l, ok := ParseLimits(h, now)
	if !ok {
		return time.Time{}
	}
	active := cmp.Or(l.ActiveLimit, "codex")
	var latest, primary time.Time
	for _, w := range l.Windows {
		if w.Limit != active {
			continue
		}
		if w.Exhausted() && w.ResetsAt.After(latest) {
			latest = w.ResetsAt
		}
		if w.Name == "primary" {
			primary = w.ResetsAt
		}
	}
	if !latest.IsZero() {
		return latest
	}
	return primary
}

// observe records the rate-limit state of a backend response and tells the OnLimits hook.
func (c *Client) observe(h http.Header) {
	l, ok := ParseLimits(h, c.now())
	if !ok {
		return
	}
	c.mu.Lock()
	c.limits, c.hasLimits = l, true
	c.mu.Unlock()
	if c.cfg.OnLimits != nil {
		c.cfg.OnLimits(l)
	}
}

// Limits returns the latest rate-limit state, and false before any backend response carried
// one.
func (c *Client) Limits() (Limits, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hasLimits {
		return Limits{}, false
	}
	l := c.limits
	l.Windows = slices.Clone(l.Windows)
	if l.Credits != nil {
		cr := *l.Credits
		l.Credits = &cr
	}
	return l, true
}

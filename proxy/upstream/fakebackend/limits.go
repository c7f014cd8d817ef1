package fakebackend

import (
	"net/http"
	"strconv"
	"time"
)

// Limits is the rate-limit state the fake reports in the x-codex-* headers of every response
// (PROTOCOL.md §3.6). Reset times are computed from the fake's clock when a response is sent.
type Limits struct {
	PlanType    string // x-codex-plan-type; "" omits it
	ActiveLimit string // x-codex-active-limit; "" omits it
	Primary     LimitWindow
	Secondary   LimitWindow
	HasCredits  bool
	Balance     string // x-codex-credits-balance; "" omits the credits headers
}

// LimitWindow is one usage window. A zero WindowMinutes omits the window's headers.
type LimitWindow struct {
	UsedPercent   float64
	WindowMinutes int
	ResetAfter    time.Duration
}

// DefaultLimits is the state a new fake reports: a Plus account with a little usage.
func DefaultLimits() Limits {
	return Limits{
		PlanType:  "plus",
		Primary:   LimitWindow{UsedPercent: 12, WindowMinutes: 300, ResetAfter: time.Hour},
		Secondary: LimitWindow{UsedPercent: 30, WindowMinutes: 10080, ResetAfter: 72 * time.Hour},
		Balance:   "0",
	}
}

// writeLimits sets the rate-limit headers of the current state on h.
func (s *Server) writeLimits(h http.Header) {
	s.mu.Lock()
	l, now := s.limits, s.now()
	s.mu.Unlock()
	l.write(h, now)
}

func (l Limits) write(h http.Header, now time.Time) {
	if l.PlanType != "" {
		h.Set("x-codex-plan-type", l.PlanType)
	}
	if l.ActiveLimit != "" {
		h.Set("x-codex-active-limit", l.ActiveLimit)
	}
	l.Primary.write(h, "x-codex-primary-", now)
	l.Secondary.write(h, "x-codex-secondary-", now)
	if l.Balance != "" {
		h.Set("x-codex-credits-has-credits", strconv.FormatBool(l.HasCredits))
		h.Set("x-codex-credits-unlimited", "false")
		h.Set("x-codex-credits-balance", l.Balance)
	}
}

func (w LimitWindow) write(h http.Header, prefix string, now time.Time) {
	if w.WindowMinutes == 0 {
		return
	}
	h.Set(prefix+"used-percent", strconv.FormatFloat(w.UsedPercent, 'f', -1, 64))
	h.Set(prefix+"window-minutes", strconv.Itoa(w.WindowMinutes))
	h.Set(prefix+"reset-after-seconds", strconv.FormatInt(int64(w.ResetAfter/time.Second), 10))
	h.Set(prefix+"reset-at", strconv.FormatInt(now.Add(w.ResetAfter).Unix(), 10))
}

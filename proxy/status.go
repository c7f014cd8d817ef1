package proxy

import (
	"encoding/json"
	"net/http"
	"time"
)

// StatusReport is the body of GET /lagp/status, read by the tray and by `lagp status`. It holds
// no secret.
type StatusReport struct {
	Version        string       `json:"version"`
	Listen         []string     `json:"listen"`
	State          string       `json:"state"`
	Reason         string       `json:"reason,omitempty"`
	Account        *AccountInfo `json:"account,omitempty"`
	TokenExpiresAt *time.Time   `json:"token_expires_at,omitempty"`
	LastRefresh    *time.Time   `json:"last_refresh,omitempty"`
	Store          string       `json:"store,omitempty"`
	Usage          *UsageReport `json:"usage,omitempty"`
	Models         int          `json:"models"`
	Keyed          bool         `json:"api_key_required"`
}

// AccountInfo names the signed-in ChatGPT account.
type AccountInfo struct {
	Email     string `json:"email"`
	Plan      string `json:"plan"`
	AccountID string `json:"account_id"`
}

// UsageReport is the latest usage the backend reported in its rate-limit headers.
type UsageReport struct {
	PlanType  string        `json:"plan_type,omitempty"`
	Windows   []UsageWindow `json:"windows"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// UsageWindow is one usage window, such as the 5-hour or the weekly limit.
type UsageWindow struct {
	Limit         string    `json:"limit"`
	Name          string    `json:"name"`
	UsedPercent   float64   `json:"used_percent"`
	WindowMinutes int       `json:"window_minutes"`
	ResetsAt      time.Time `json:"resets_at"`
}

// Status returns what /lagp/status reports.
func (s *Server) Status(r *http.Request) StatusReport {
	acct := s.opts.Account()
	rep := StatusReport{
		Version: s.opts.Version,
		State:   acct.State,
		Reason:  acct.Reason,
		Store:   acct.Store,
		Keyed:   s.access.keyed(),
	}
	if u := s.URL(); u != "" {
		rep.Listen = []string{u}
	}
	if acct.State == "signed_in" || acct.Email != "" {
		rep.Account = &AccountInfo{Email: acct.Email, Plan: acct.Plan, AccountID: acct.AccountID}
	}
	rep.TokenExpiresAt = timePtr(acct.ExpiresAt)
	rep.LastRefresh = timePtr(acct.LastRefresh)
	if lim, ok := s.opts.Client.Limits(); ok {
		u := &UsageReport{PlanType: lim.PlanType, UpdatedAt: lim.UpdatedAt,
			Windows: []UsageWindow{}}
		for _, w := range lim.Windows {
			u.Windows = append(u.Windows, UsageWindow{Limit: w.Limit, Name: w.Name,
				UsedPercent: w.UsedPercent, WindowMinutes: w.WindowMinutes, ResetsAt: w.ResetsAt})
		}
		rep.Usage = u
	}
	if acct.State == "signed_in" {
		if models, err := s.opts.Catalog.List(r.Context()); err == nil {
			rep.Models = len(models)
		}
	}
	return rep
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	b, err := json.Marshal(s.Status(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, b)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

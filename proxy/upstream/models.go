package upstream

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/lagp/lagp/proxy/canon"
)

const (
	modelsTTL     = time.Hour        // a good list is kept this long (B14)
	modelsRetry   = time.Minute      // after a failure, the last good list is served this long
	modelsTimeout = 30 * time.Second // one shared fetch
	maxModelsBody = 8 << 20
)

// Catalog lists the models of the signed-in account from the backend's /models endpoint
// (PROTOCOL.md §5, B14): only those with visibility "list", by priority. Lists are cached per
// account; when the backend cannot be asked, the last good list is served, and before there is
// one a small built-in list. Concurrent callers share one fetch.
type Catalog struct {
	c       *Client
	version string

	mu     sync.Mutex
	cache  map[string]*catalogEntry // by account id
	flight singleflight.Group
}

type catalogEntry struct {
	list    canon.ModelList // last good list
	fetched time.Time       // when list was fetched
	retryAt time.Time       // after a failure: when to ask the backend again
}

// NewCatalog returns a catalog that asks the backend through c, sending clientVersion as the
// client_version parameter (usually [CodexVersion]).
func NewCatalog(c *Client, clientVersion string) *Catalog {
	return &Catalog{c: c, version: clientVersion, cache: map[string]*catalogEntry{}}
}

// List returns the account's models. On a failed fetch it returns the last good list without
// an error (and logs a warning); with no good list yet it returns [FallbackModels] together
// with the error, for the caller to log or report.
func (cat *Catalog) List(ctx context.Context) (canon.ModelList, error) {
	_, acct, err := cat.c.cfg.Tokens.AccessToken(ctx)
	if err != nil {
		return FallbackModels(), tokenError(ctx, err)
	}
	now := cat.c.now()
	cat.mu.Lock()
	e := cat.cache[acct]
	fresh := e != nil && (now.Sub(e.fetched) < modelsTTL || now.Before(e.retryAt))
	cat.mu.Unlock()
	if fresh {
		return slices.Clone(e.list), nil
	}
	list, err := cat.fetch(ctx, acct)
	if err == nil {
		return list, nil
	}
	if e != nil {
		cat.c.log.Warn("model list unavailable, serving the last good one", "error", err,
			"fetched", e.fetched)
		return slices.Clone(e.list), nil
	}
	return FallbackModels(), err
}

// Refresh fetches the list again, whatever the cache holds.
func (cat *Catalog) Refresh(ctx context.Context) error {
	_, acct, err := cat.c.cfg.Tokens.AccessToken(ctx)
	if err != nil {
		return tokenError(ctx, err)
	}
	_, err = cat.fetch(ctx, acct)
	return err
}

// fetch asks the backend once for all concurrent callers of the same account, and records the
// outcome in the cache.
func (cat *Catalog) fetch(ctx context.Context, acct string) (canon.ModelList, error) {
	ch := cat.flight.DoChan(acct, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), modelsTimeout)
		defer cancel()
		list, err := cat.get(fctx)
		cat.store(acct, list, err)
		return list, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return slices.Clone(res.Val.(canon.ModelList)), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("listing models: %w", ctx.Err())
	}
}

func (cat *Catalog) store(acct string, list canon.ModelList, err error) {
	now := cat.c.now()
	cat.mu.Lock()
	defer cat.mu.Unlock()
	if err == nil {
		cat.cache[acct] = &catalogEntry{list: list, fetched: now}
		return
	}
	if e := cat.cache[acct]; e != nil {
		e.retryAt = now.Add(modelsRetry)
	}
}

// get performs the GET /models call.
func (cat *Catalog) get(ctx context.Context) (canon.ModelList, error) {
	path := "/models?client_version=" + url.QueryEscape(cat.version)
	resp, err := cat.c.send(ctx, call{method: http.MethodGet, path: path,
		accept: "application/json"})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Models []json.RawMessage `json:"models"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, maxModelsBody))
	if err := dec.Decode(&body); err != nil {
		return nil, &canon.Error{Kind: canon.KindUpstream, Code: "bad_model_list",
			Message: "the ChatGPT backend sent an unreadable model list", Err: err}
	}
	list := cat.parse(body.Models)
	if len(list) == 0 {
		return nil, &canon.Error{Kind: canon.KindUpstream, Code: "no_models",
			Message: "the ChatGPT backend listed no models for this account"}
	}
	return list, nil
}

// parse keeps the listed models, skipping any it cannot read, ordered by priority.
func (cat *Catalog) parse(raw []json.RawMessage) canon.ModelList {
	var list canon.ModelList
	for _, r := range raw {
		var info modelInfo
		if err := json.Unmarshal(r, &info); err != nil || info.Slug == "" {
			cat.c.log.Debug("skipping unreadable model entry", "error", err)
			continue
		}
		if info.Visibility == "list" {
			list = append(list, info.model())
		}
	}
	slices.SortStableFunc(list, func(a, b canon.Model) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.ID, b.ID))
	})
	return list
}

// modelInfo is the part of the backend's ModelInfo that lagp uses.
type modelInfo struct {
	Slug                       string        `json:"slug"`
	DisplayName                string        `json:"display_name"`
	Description                string        `json:"description"`
	DefaultReasoningLevel      string        `json:"default_reasoning_level"`
	SupportedReasoningLevels   []effortLevel `json:"supported_reasoning_levels"`
	Visibility                 string        `json:"visibility"`
	Priority                   int           `json:"priority"`
	SupportsReasoningSummaries bool          `json:"supports_reasoning_summaries"`
	SupportVerbosity           bool          `json:"support_verbosity"`
	SupportsParallelToolCalls  bool          `json:"supports_parallel_tool_calls"`
	ContextWindow              int           `json:"context_window"`
	InputModalities            *[]string     `json:"input_modalities"`
	// MinimalClientVersion is read only so that both of its forms decode; lagp does not filter
	// on it, since the backend answers for the client_version sent (PROTOCOL.md §5).
	MinimalClientVersion clientVersion `json:"minimal_client_version"`
}

func (m modelInfo) model() canon.Model {
	efforts := make([]string, 0, len(m.SupportedReasoningLevels))
	for _, l := range m.SupportedReasoningLevels {
		if l != "" && !slices.Contains(efforts, string(l)) {
			efforts = append(efforts, string(l))
		}
	}
	SortEfforts(efforts)
	vision := m.InputModalities == nil || slices.Contains(*m.InputModalities, "image")
	return canon.Model{
		ID:                 m.Slug,
		DisplayName:        cmp.Or(m.DisplayName, m.Slug),
		Description:        m.Description,
		ContextWindow:      m.ContextWindow,
		DefaultEffort:      m.DefaultReasoningLevel,
		Efforts:            efforts,
		ReasoningSummaries: m.SupportsReasoningSummaries,
		ParallelToolCalls:  m.SupportsParallelToolCalls,
		Verbosity:          m.SupportVerbosity,
		Vision:             vision,
		Priority:           m.Priority,
	}
}

// effortLevel reads a reasoning level given as {"effort": "low", …} or as a bare string.
type effortLevel string

// UnmarshalJSON accepts both forms.
func (e *effortLevel) UnmarshalJSON(b []byte) error {
	var obj struct {
		Effort string `json:"effort"`
	}
	if err := json.Unmarshal(b, &obj); err == nil {
		*e = effortLevel(obj.Effort)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("reasoning level: %w", err)
	}
	*e = effortLevel(s)
	return nil
}

// clientVersion reads minimal_client_version, sent as "0.98.0" or as [0, 98, 0].
type clientVersion string

// UnmarshalJSON accepts a string, an array of numbers or null.
func (v *clientVersion) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = clientVersion(s)
		return nil
	}
	var parts []int
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("minimal_client_version: %w", err)
	}
	strs := make([]string, len(parts))
	for i, p := range parts {
		strs[i] = strconv.Itoa(p)
	}
	*v = clientVersion(strings.Join(strs, "."))
	return nil
}

// effortRank orders the reasoning efforts the backend knows, lowest first.
func effortRank(e string) int {
	switch e {
	case "none":
		return 0
	case "minimal":
		return 1
	case "low":
		return 2
	case "medium":
		return 3
	case "high":
		return 4
	case "xhigh":
		return 5
	case "max":
		return 6
	case "ultra":
		return 7
	}
	return 8 // unknown levels go last, in their original order
}

// SortEfforts sorts reasoning efforts lowest first: none, minimal, low, medium, high, xhigh,
// max, ultra, then any unknown ones.
func SortEfforts(efforts []string) {
	slices.SortStableFunc(efforts, func(a, b string) int {
		return cmp.Compare(effortRank(a), effortRank(b))
	})
}

// FallbackModels is the built-in list served before the backend ever answered /models.
func FallbackModels() canon.ModelList {
	full := []string{"low", "medium", "high", "xhigh"}
	return canon.ModelList{
		{ID: "gpt-5.5", DisplayName: "GPT-5.5", Description: "Frontier model for complex work.",
			ContextWindow: 272000, DefaultEffort: "medium", Efforts: slices.Clone(full),
			ReasoningSummaries: true, ParallelToolCalls: true, Verbosity: true, Vision: true,
			Priority: 1},
		{ID: "gpt-5.4", DisplayName: "GPT-5.4", Description: "Strong model for everyday coding.",
			ContextWindow: 272000, DefaultEffort: "medium", Efforts: slices.Clone(full),
			ReasoningSummaries: true, ParallelToolCalls: true, Verbosity: true, Vision: true,
			Priority: 2},
		{ID: "gpt-5.4-mini", DisplayName: "GPT-5.4-Mini", Description: "Small, fast model.",
			ContextWindow: 272000, DefaultEffort: "medium", Efforts: slices.Clone(full),
			ReasoningSummaries: false, ParallelToolCalls: true, Verbosity: true, Vision: true,
			Priority: 3},
		{ID: "gpt-5.3-codex", DisplayName: "GPT-5.3-Codex", Description: "Coding-tuned model.",
			ContextWindow: 272000, DefaultEffort: "medium", Efforts: slices.Clone(full),
			ReasoningSummaries: true, ParallelToolCalls: true, Verbosity: false, Vision: true,
			Priority: 4},
	}
}

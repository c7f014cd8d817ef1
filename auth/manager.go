package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults of [Config].
const (
	// DefaultIssuer is the ChatGPT OAuth issuer (LAGP_AUTH_URL overrides it in main).
	DefaultIssuer = "https://auth.openai.com"
	// DefaultClientID is the Codex CLI's public OAuth client id (PROTOCOL.md §1.1).
	DefaultClientID = "app_EMoamEEZ73f0CkXaXp7hrann"
	// DefaultRefreshTimeout bounds one refresh: reload, token request, save.
	DefaultRefreshTimeout = 60 * time.Second
)

// Refresh timing (PROTOCOL.md A9, A10).
const (
	// backoffBase and backoffMax bound the wait between transient refresh failures.
	backoffBase = 15 * time.Second
	backoffMax  = 10 * time.Minute
	// expiringSoonWindow: a failing session whose token expires within it gets
	// EventExpiringSoon.
	expiringSoonWindow = 24 * time.Hour
	// storePollInterval: without a usable session, how often the store is re-read to notice a
	// sign-in saved by another lagp process.
	storePollInterval = time.Minute
	// storeProbeMin throttles store reloads triggered by API calls while signed out.
	storeProbeMin = 5 * time.Second
	// saveRetryDelay: after a failed save, how soon the refresher tries again.
	saveRetryDelay = 30 * time.Second
)

// Config configures a [Manager].
type Config struct {
	// Issuer is the OAuth issuer base URL (LAGP_AUTH_URL); empty means DefaultIssuer.
	Issuer string
	// ClientID is the OAuth client id; empty means DefaultClientID.
	ClientID string
	// Store keeps the sign-in; required.
	Store Store
	// HTTPClient makes the token and revoke requests; nil means a client whose transport
	// honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY (http.ProxyFromEnvironment).
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// After waits like time.After; nil means time.After. The refresher and retry backoff
	// use it, so tests can drive them with a fake clock.
	After func(d time.Duration) <-chan time.Time
	// Logger receives the manager's logs; nil means slog.Default(). No token is ever logged.
	Logger *slog.Logger
	// LoginHint is the /login address that sign-in-required errors suggest; empty means
	// DefaultLoginHint.
	LoginHint string
	// RefreshTimeout bounds one refresh; zero means DefaultRefreshTimeout.
	RefreshTimeout time.Duration
}

// Manager is the ChatGPT session: it holds the current sign-in, hands out access tokens
// (it implements the proxy's upstream.TokenSource), refreshes them before they expire and
// reports changes as events. All methods are safe for concurrent use.
type Manager struct {
	cfg    Config
	ep     issuerClient
	log    *slog.Logger
	events broadcaster
	kick   chan struct{} // wakes the refresher; buffered, never blocks

	loadOnce sync.Once
	loaded   chan struct{} // closed once the store was first read
	startMu  sync.Mutex
	started  bool

	// writing serialises everything that writes the store or replaces the sign-in: refresh
	// flights, SignIn and SignOut. It is a channel so waiting honours a context.
	writing chan struct{}

	mu          sync.Mutex
	tok         Tokens
	acct        Account
	due         time.Time // when tok enters its refresh margin (cached refreshDueAt)
	state       State
	reason      string
	deadRefresh string    // refresh token of a session that ended; never retried
	dirty       bool      // tok is newer than the store (a save failed)
	failures    int       // consecutive transient refresh failures
	nextRetry   time.Time // no refresh attempt before this while failing
	expiringMsg bool      // EventExpiringSoon sent in this failure streak
	lastProbe   time.Time // last store reload while signed out
	flight      *flight   // the refresh in progress, if any
}

// flight is one refresh that any number of callers wait for.
type flight struct {
	done chan struct{}
	tok  Tokens
	err  error
}

// NewManager returns a manager for cfg. It does nothing until [Manager.Start] (or a first
// call that needs the sign-in).
func NewManager(cfg Config) *Manager {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.LoginHint == "" {
		cfg.LoginHint = DefaultLoginHint
	}
	if cfg.RefreshTimeout <= 0 {
		cfg.RefreshTimeout = DefaultRefreshTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Manager{
		cfg:     cfg,
		ep:      issuerClient{client: cfg.HTTPClient, issuer: cfg.Issuer, id: cfg.ClientID},
		log:     log,
		kick:    make(chan struct{}, 1),
		loaded:  make(chan struct{}),
		writing: make(chan struct{}, 1),
	}
}

// Start reads the store and starts the background refresher, both in the background; it
// returns at once. The refresher stops when ctx ends. Calling Start again does nothing.
func (m *Manager) Start(ctx context.Context) {
	m.startMu.Lock()
	defer m.startMu.Unlock()
	if m.started {
		return
	}
	m.started = true
	m.triggerLoad()
	go m.refresher(ctx)
}

// Load reads the store if that has not happened yet and waits for it, so that [Manager.Status]
// reflects the stored sign-in; commands that do not Start the manager (`lagp status`) call it.
func (m *Manager) Load(ctx context.Context) error {
	m.triggerLoad()
	select {
	case <-m.loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *Manager) triggerLoad() {
	m.loadOnce.Do(func() {
		go func() {
			defer close(m.loaded)
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.RefreshTimeout)
			defer cancel()
			t, err := m.cfg.Store.Load(ctx)
			m.mu.Lock()
			m.applyLoadedLocked(t, err)
			m.mu.Unlock()
			m.publish(EventLoaded, "")
		}()
	})
}

// applyLoadedLocked adopts what the store returned at start.
func (m *Manager) applyLoadedLocked(t Tokens, err error) {
	switch {
	case errors.Is(err, ErrNoTokens):
		m.state, m.reason = StateSignedOut, ""
		return
	case err != nil:
		m.log.Warn("reading token store", "store", m.cfg.Store.Name(), "error", err)
		m.state, m.reason = StateSignedOut, "token store unreadable: "+err.Error()
		return
	}
	acct, perr := ParseAccount(t)
	if perr != nil {
		m.log.Warn("stored sign-in unreadable", "error", perr)
		m.state, m.reason = StateSignedOut, "stored sign-in unreadable: "+perr.Error()
		return
	}
	t.AccountID = acct.AccountID
	m.setSessionLocked(t, acct)
	m.log.Info("loaded sign-in", "store", m.cfg.Store.Name(), "plan", acct.Plan,
		"expires", acct.Expires)
}

// setSessionLocked makes t the current, healthy session.
func (m *Manager) setSessionLocked(t Tokens, acct Account) {
	m.tok, m.acct, m.due = t, acct, refreshDueAt(t)
	m.state, m.reason = StateSignedIn, ""
	m.failures, m.nextRetry, m.expiringMsg = 0, time.Time{}, false
	m.deadRefresh = ""
}

// AccessToken returns a valid access token and the ChatGPT account id, refreshing first when
// the token is within its refresh margin. While refreshes fail transiently it keeps handing
// out the current token as long as that has not expired. Errors for which the user must sign
// in satisfy [IsSignInRequired].
func (m *Manager) AccessToken(ctx context.Context) (token, accountID string, err error) {
	if err := m.Load(ctx); err != nil {
		return "", "", err
	}
	m.probeStore(ctx, false)
	m.mu.Lock()
	if err := m.unusableLocked(); err != nil {
		m.mu.Unlock()
		return "", "", err
	}
	now := m.cfg.Now()
	cur := m.tok
	if !m.refreshDueLocked(now) {
		m.mu.Unlock()
		return cur.AccessToken, cur.AccountID, nil
	}
	if m.flight == nil && now.Before(m.nextRetry) {
		err := m.failingErrLocked(now)
		m.mu.Unlock()
		if err != nil {
			return "", "", err
		}
		return cur.AccessToken, cur.AccountID, nil
	}
	f := m.startFlightLocked("")
	m.mu.Unlock()
	return m.await(ctx, f)
}

// Renew is called after the backend rejected the access token rejected with 401 (A11). It
// reloads the store and uses a different stored token if there is one (another process or
// goroutine already refreshed), else refreshes; concurrent calls share one refresh.
func (m *Manager) Renew(ctx context.Context, rejected string) (token, accountID string,
	err error) {
	if err := m.Load(ctx); err != nil {
		return "", "", err
	}
	m.probeStore(ctx, false)
	for range 2 {
		m.mu.Lock()
		if err := m.unusableLocked(); err != nil {
			m.mu.Unlock()
			return "", "", err
		}
		if m.tok.AccessToken != rejected {
			cur := m.tok
			m.mu.Unlock()
			return cur.AccessToken, cur.AccountID, nil
		}
		f := m.flight
		if f == nil {
			if now := m.cfg.Now(); now.Before(m.nextRetry) {
				m.mu.Unlock()
				return "", "", fmt.Errorf("renewing ChatGPT session: refresh failing, "+
					"next try at %s", m.nextRetry.UTC().Format(time.RFC3339))
			}
			f = m.startFlightLocked(rejected)
		}
		m.mu.Unlock()
		if err := f.wait(ctx); err != nil {
			return "", "", err
		}
		if f.err != nil {
			return "", "", m.flightErr(f.err)
		}
	}
	return "", "", errors.New("renewing ChatGPT session: no newer token available")
}

// unusableLocked returns the sign-in-required error of a manager without a session.
func (m *Manager) unusableLocked() error {
	switch m.state {
	case StateSignedIn:
		return nil
	case StateExpired:
		return &SignInRequiredError{Ended: true, Reason: m.reason, LoginURL: m.cfg.LoginHint}
	}
	return &SignInRequiredError{LoginURL: m.cfg.LoginHint}
}

// failingErrLocked is the error while in retry backoff: nil while the current token still
// works, else a transient error.
func (m *Manager) failingErrLocked(now time.Time) error {
	if exp := m.acct.Expires; exp.IsZero() || now.Before(exp) {
		return nil
	}
	return fmt.Errorf("ChatGPT session expired and refreshing it keeps failing (%s); "+
		"next try at %s", m.reason, m.nextRetry.UTC().Format(time.RFC3339))
}

// await waits for f on behalf of AccessToken: a transient failure still yields the current
// token while it has not expired.
func (m *Manager) await(ctx context.Context, f *flight) (string, string, error) {
	if err := f.wait(ctx); err != nil {
		return "", "", err
	}
	if f.err == nil {
		return f.tok.AccessToken, f.tok.AccountID, nil
	}
	if IsSignInRequired(f.err) {
		return "", "", m.flightErr(f.err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != StateSignedIn {
		return "", "", m.unusableLocked()
	}
	if exp := m.acct.Expires; exp.IsZero() || m.cfg.Now().Before(exp) {
		return m.tok.AccessToken, m.tok.AccountID, nil
	}
	return "", "", m.flightErr(f.err)
}

// wait blocks until f is done or ctx ends.
func (f *flight) wait(ctx context.Context) error {
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *Manager) flightErr(err error) error {
	if IsSignInRequired(err) {
		return err
	}
	return fmt.Errorf("refreshing ChatGPT session: %w", err)
}

// startFlightLocked joins the refresh in progress or starts one. The refresh runs detached
// from any caller's context: once the issuer has rotated the refresh token, abandoning the
// answer would lose the session.
func (m *Manager) startFlightLocked(rejected string) *flight {
	if m.flight != nil {
		return m.flight
	}
	f := &flight{done: make(chan struct{})}
	m.flight = f
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), m.cfg.RefreshTimeout)
		defer cancel()
		f.tok, f.err = m.refresh(ctx, rejected)
		m.mu.Lock()
		m.flight = nil
		m.mu.Unlock()
		close(f.done)
		m.wake()
	}()
	return f
}

// refresh is one flight: reload the store, adopt newer tokens or refresh, persist, apply.
// Across processes, only the lagp holding the home's [HomeLock] serves and so refreshes; the
// one-shot commands (login, logout, status, push) never refresh the stored sign-in.
func (m *Manager) refresh(ctx context.Context, rejected string) (Tokens, error) {
	if err := m.lockWriting(ctx); err != nil {
		return Tokens{}, err
	}
	defer func() { <-m.writing }()
	m.mu.Lock()
	cur, dirty, state := m.tok, m.dirty, m.state
	m.mu.Unlock()
	if state != StateSignedIn {
		m.mu.Lock()
		defer m.mu.Unlock()
		return Tokens{}, m.unusableLocked()
	}
	if dirty {
		m.retrySave(ctx, cur)
	} else if t, ok, err := m.reloadBeforeRefresh(ctx, cur, rejected); ok || err != nil {
		return t, err
	}
	m.mu.Lock()
	cur = m.tok
	m.mu.Unlock()
	ans, err := m.ep.refresh(ctx, cur.RefreshToken)
	if err != nil {
		return m.refreshFailed(ctx, cur, err)
	}
	return m.refreshed(ctx, cur, ans)
}

// reloadBeforeRefresh re-reads the store (A9). ok is true when the stored sign-in replaces
// the refresh: another lagp process already rotated the tokens, or signed in or out.
func (m *Manager) reloadBeforeRefresh(ctx context.Context, cur Tokens,
	rejected string) (t Tokens, ok bool, err error) {
	stored, err := m.cfg.Store.Load(ctx)
	switch {
	case errors.Is(err, ErrNoTokens):
		const reason = "signed out by another lagp process"
		m.mu.Lock()
		acct := m.acct
		m.mu.Unlock()
		m.signedOut(reason)
		m.log.Info("token store emptied elsewhere, signing out")
		m.publishAccount(EventSignedOut, reason, acct)
		return Tokens{}, true, &SignInRequiredError{LoginURL: m.cfg.LoginHint}
	case err != nil:
		m.log.Warn("reloading token store before refresh", "error", err)
		return Tokens{}, false, nil
	case sameTokens(stored, cur):
		return Tokens{}, false, nil
	}
	acct, perr := ParseAccount(stored)
	if perr != nil {
		m.log.Warn("ignoring unreadable sign-in in token store", "error", perr)
		return Tokens{}, false, nil
	}
	stored.AccountID = acct.AccountID
	m.mu.Lock()
	newAccount := acct.AccountID != m.acct.AccountID
	m.setSessionLocked(stored, acct)
	due := m.refreshDueLocked(m.cfg.Now())
	m.mu.Unlock()
	if newAccount {
		m.log.Info("adopted a sign-in another lagp process saved", "plan", acct.Plan)
		m.publishAccount(EventSignedIn, "", acct)
	} else {
		m.log.Info("using tokens another lagp process refreshed")
	}
	if due || stored.AccessToken == rejected {
		return Tokens{}, false, nil
	}
	return stored, true, nil
}

// retrySave writes tokens that an earlier save failed to persist.
func (m *Manager) retrySave(ctx context.Context, t Tokens) {
	if err := m.cfg.Store.Save(ctx, t); err != nil {
		m.log.Error("saving refreshed tokens, will retry", "error", err)
		return
	}
	m.mu.Lock()
	if sameTokens(m.tok, t) {
		m.dirty = false
	}
	m.mu.Unlock()
}

// refreshed merges the answer into cur (only returned fields, A9), persists the result before
// anyone sees it, and makes it current.
func (m *Manager) refreshed(ctx context.Context, cur Tokens, ans tokenAnswer) (Tokens, error) {
	now := m.cfg.Now()
	next := cur
	next.AccessToken = ans.AccessToken
	if ans.IDToken != "" {
		next.IDToken = ans.IDToken
	}
	if ans.RefreshToken != "" {
		next.RefreshToken = ans.RefreshToken
	}
	next.LastRefresh = now
	acct, err := ParseAccount(next)
	if err != nil {
		m.log.Warn("refreshed tokens unreadable, keeping the previous account", "error", err)
		m.mu.Lock()
		acct = m.acct
		m.mu.Unlock()
		acct.Expires, _ = accessTimes(next)
	} else {
		next.AccountID = acct.AccountID
	}
	saveErr := m.cfg.Store.Save(ctx, next)
	if saveErr != nil {
		m.log.Error("saving refreshed tokens, keeping them in memory", "error", saveErr)
	}
	m.mu.Lock()
	m.setSessionLocked(next, acct)
	m.dirty = saveErr != nil
	stillDue := m.refreshDueLocked(now)
	m.mu.Unlock()
	if stillDue {
		// An answer that is itself due for refresh would make the refresher loop.
		return m.refreshFailed(ctx, next, &RefreshError{Status: http.StatusOK,
			Message: "issuer returned an access token that is already expiring"})
	}
	m.log.Info("refreshed tokens", "expires", acct.Expires, "persisted", saveErr == nil)
	m.publishAccount(EventRefreshed, "", acct)
	return next, nil
}

// refreshFailed records a failed refresh. Permanent: unless the store meanwhile holds newer
// tokens (another process won a refresh race), the session ends. Transient: back off and
// keep the current token.
func (m *Manager) refreshFailed(ctx context.Context, cur Tokens, err error) (Tokens, error) {
	var re *RefreshError
	if errors.As(err, &re) && re.Permanent {
		if t, ok := m.rescueFromStore(ctx, cur); ok {
			return t, nil
		}
		reason := re.Reason()
		m.log.Warn("chatgpt session ended", "reason", reason, "status", re.Status,
			"code", re.Code)
		m.mu.Lock()
		m.state, m.reason, m.deadRefresh = StateExpired, reason, cur.RefreshToken
		acct := m.acct
		m.mu.Unlock()
		m.publishAccount(EventSignedOut, reason, acct)
		return Tokens{}, &SignInRequiredError{Ended: true, Reason: reason,
			LoginURL: m.cfg.LoginHint}
	}
	now := m.cfg.Now()
	m.mu.Lock()
	m.failures++
	m.nextRetry = now.Add(backoff(m.failures))
	m.reason = "refresh failing: " + err.Error()
	first := m.failures == 1
	soon := m.failures >= 2 && !m.expiringMsg && !m.acct.Expires.IsZero() &&
		m.acct.Expires.Sub(now) < expiringSoonWindow
	if soon {
		m.expiringMsg = true
	}
	acct, failures, next := m.acct, m.failures, m.nextRetry
	m.mu.Unlock()
	m.log.Warn("refreshing tokens failed, will retry", "error", err, "failures", failures,
		"next_try", next)
	if first {
		m.publishAccount(EventRefreshFailing, err.Error(), acct)
	}
	if soon {
		m.publishAccount(EventExpiringSoon, err.Error(), acct)
	}
	return Tokens{}, err
}

// rescueFromStore adopts a different stored refresh token of the same account after a
// permanent failure: another process refreshed between our reload and our request.
func (m *Manager) rescueFromStore(ctx context.Context, cur Tokens) (Tokens, bool) {
	stored, err := m.cfg.Store.Load(ctx)
	if err != nil || stored.RefreshToken == cur.RefreshToken {
		return Tokens{}, false
	}
	acct, err := ParseAccount(stored)
	if err != nil || acct.AccountID != cur.AccountID {
		return Tokens{}, false
	}
	stored.AccountID = acct.AccountID
	m.mu.Lock()
	m.setSessionLocked(stored, acct)
	m.mu.Unlock()
	m.log.Info("refresh lost a race with another lagp process, using its tokens")
	return stored, true
}

// backoff is the wait after n consecutive transient failures: 15 s doubling to 10 min.
func backoff(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// refreshDueLocked reports whether the current access token is within its refresh margin.
func (m *Manager) refreshDueLocked(now time.Time) bool {
	return !now.Before(m.due)
}

// probeStore re-reads the store while there is no usable session, to pick up a sign-in that
// another lagp process saved (or a copied auth.json). Unless force, at most every 5 s.
func (m *Manager) probeStore(ctx context.Context, force bool) {
	m.mu.Lock()
	now := m.cfg.Now()
	if m.state == StateSignedIn || (!force && now.Sub(m.lastProbe) < storeProbeMin &&
		!m.lastProbe.IsZero()) {
		m.mu.Unlock()
		return
	}
	m.lastProbe = now
	m.mu.Unlock()
	t, err := m.cfg.Store.Load(ctx)
	if err != nil {
		return
	}
	acct, err := ParseAccount(t)
	if err != nil {
		return
	}
	t.AccountID = acct.AccountID
	m.mu.Lock()
	if m.state == StateSignedIn || t.RefreshToken == m.deadRefresh ||
		(m.state == StateExpired && sameTokens(t, m.tok)) {
		m.mu.Unlock()
		return
	}
	m.setSessionLocked(t, acct)
	m.mu.Unlock()
	m.log.Info("picked up a sign-in from the token store", "plan", acct.Plan)
	m.publishAccount(EventSignedIn, "", acct)
	m.wake()
}

// SignIn adopts a new sign-in (from the browser flow, a push, or `lagp login`): it validates
// the tokens (claims, account id, not expired), saves them, makes them current and sends
// EventSignedIn. On a save error nothing changes.
func (m *Manager) SignIn(ctx context.Context, t Tokens) error {
	now := m.cfg.Now()
	acct, err := ValidateTokens(t, now)
	if err != nil {
		return err
	}
	t.AccountID = acct.AccountID
	if t.LastRefresh.IsZero() {
		t.LastRefresh = now
	}
	if err := m.Load(ctx); err != nil {
		return err
	}
	if err := m.lockWriting(ctx); err != nil {
		return err
	}
	defer func() { <-m.writing }()
	if err := m.cfg.Store.Save(ctx, t); err != nil {
		return fmt.Errorf("saving sign-in: %w", err)
	}
	m.mu.Lock()
	m.setSessionLocked(t, acct)
	m.dirty = false
	m.mu.Unlock()
	m.log.Info("signed in", "plan", acct.Plan, "store", m.cfg.Store.Name(),
		"expires", acct.Expires)
	m.publishAccount(EventSignedIn, "", acct)
	m.wake()
	return nil
}

// SignOut forgets the sign-in: it deletes it from the store (including plain copies and the
// keyring key), sends EventSignedOut, then revokes the refresh token at the issuer, best
// effort. The error reports a store that could not be cleared; revocation failures are only
// logged.
func (m *Manager) SignOut(ctx context.Context) error {
	if err := m.Load(ctx); err != nil {
		return err
	}
	if err := m.lockWriting(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	rt := m.tok.RefreshToken
	if rt == m.deadRefresh {
		rt = ""
	}
	acct := m.acct
	m.mu.Unlock()
	err := m.cfg.Store.Delete(ctx)
	m.signedOut("signed out")
	<-m.writing
	m.publishAccount(EventSignedOut, "signed out", acct)
	if rt != "" {
		m.revoke(ctx, rt)
	}
	if err != nil {
		return fmt.Errorf("signing out: %w", err)
	}
	return nil
}

// signedOut clears the session.
func (m *Manager) signedOut(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok, m.acct, m.due = Tokens{}, Account{}, time.Time{}
	m.state, m.reason = StateSignedOut, reason
	m.failures, m.nextRetry, m.dirty, m.deadRefresh = 0, time.Time{}, false, ""
}

func (m *Manager) lockWriting(ctx context.Context) error {
	select {
	case m.writing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// revoke asks the issuer to revoke a refresh token, best effort: failures are only logged.
func (m *Manager) revoke(ctx context.Context, refreshToken string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
	defer cancel()
	if err := m.ep.revoke(ctx, refreshToken); err != nil {
		m.log.Warn("revoking refresh token", "error", err)
		return
	}
	m.log.Info("revoked refresh token")
}

// Status returns a snapshot of the session. Before the store was read (see [Manager.Load])
// it reports StateSignedOut.
func (m *Manager) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Status{
		State:           m.state,
		Reason:          m.reason,
		Store:           m.cfg.Store.Name(),
		RefreshFailures: m.failures,
	}
	if m.state == StateSignedOut {
		return s
	}
	s.Account, s.ExpiresAt, s.LastRefresh = m.acct, m.acct.Expires, m.tok.LastRefresh
	if m.state == StateSignedIn {
		s.NextRefresh = m.nextWakeLocked(m.cfg.Now())
	}
	return s
}

// refresher keeps the session fresh while idle: it sleeps until the refresh margin (or the
// retry time, or a pending save), refreshes, and repeats; without a session it polls the
// store for a sign-in saved by another lagp process.
func (m *Manager) refresher(ctx context.Context) {
	select {
	case <-m.loaded:
	case <-ctx.Done():
		return
	}
	// The timer is kept while its deadline stands, so a wake-up that changes nothing does
	// not pile up timers.
	var timer <-chan time.Time
	var timerAt time.Time
	for {
		m.mu.Lock()
		now := m.cfg.Now()
		at := m.nextWakeLocked(now)
		m.mu.Unlock()
		if timer == nil || !at.Equal(timerAt) {
			timer, timerAt = m.cfg.After(max(at.Sub(now), 0)), at
		}
		select {
		case <-ctx.Done():
			return
		case <-m.kick:
			continue
		case <-timer:
			timer = nil
		}
		m.tick(ctx)
	}
}

// nextWakeLocked is when the refresher should next act.
func (m *Manager) nextWakeLocked(now time.Time) time.Time {
	if m.state != StateSignedIn {
		return now.Add(storePollInterval)
	}
	at := m.due
	if m.failures > 0 && m.nextRetry.After(at) {
		at = m.nextRetry
	}
	if m.dirty {
		at = minTime(at, now.Add(saveRetryDelay))
	}
	return at
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// tick is one refresher wake-up.
func (m *Manager) tick(ctx context.Context) {
	m.mu.Lock()
	state, dirty, cur := m.state, m.dirty, m.tok
	now := m.cfg.Now()
	due := state == StateSignedIn && m.refreshDueLocked(now) && !now.Before(m.nextRetry)
	var f *flight
	if due {
		f = m.startFlightLocked("")
	}
	m.mu.Unlock()
	switch {
	case state != StateSignedIn:
		m.probeStore(ctx, true)
	case f != nil:
		f.wait(ctx)
	case dirty:
		if m.lockWriting(ctx) == nil {
			m.retrySave(ctx, cur)
			<-m.writing
		}
	}
}

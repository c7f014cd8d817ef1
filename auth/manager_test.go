package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

// mgrT0 is the fake clock's start.
var mgrT0 = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)

// mgrClock is a fake clock: Now is set by hand, After fires when Advance passes its time.
type mgrClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []mgrWaiter
	added   chan struct{}
}

type mgrWaiter struct {
	at time.Time
	ch chan time.Time
}

func newMgrClock() *mgrClock {
	return &mgrClock{now: mgrT0, added: make(chan struct{}, 1024)}
}

func (c *mgrClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *mgrClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, mgrWaiter{at: c.now.Add(d), ch: ch})
	c.added <- struct{}{}
	return ch
}

// Set moves the clock to t and fires every timer due by then.
func (c *mgrClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

func (c *mgrClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// awaitTimer waits until the refresher arms a timer (real time bounded).
func (c *mgrClock) awaitTimer(t *testing.T) {
	t.Helper()
	select {
	case <-c.added:
	case <-time.After(10 * time.Second):
		t.Fatal("refresher never armed a timer")
	}
}

// nextTimer is the earliest pending timer; zero when none.
func (c *mgrClock) nextTimer() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at time.Time
	for _, w := range c.waiters {
		if at.IsZero() || w.at.Before(at) {
			at = w.at
		}
	}
	return at
}

// mgrSink collects logs from many goroutines.
type mgrSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *mgrSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *mgrSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// mgrEnv is one lagp session against a fake issuer, on a fake clock, with a file store.
type mgrEnv struct {
	iss   *authtest.Issuer
	clock *mgrClock
	home  string
	store auth.Store
	logs  *mgrSink
	m     *auth.Manager
}

func newMgrEnv(t *testing.T) *mgrEnv {
	t.Helper()
	e := &mgrEnv{iss: authtest.NewIssuer(t), clock: newMgrClock(), home: t.TempDir(),
		logs: &mgrSink{}}
	e.iss.SetClock(e.clock.Now)
	var err error
	e.store, err = auth.OpenStore(t.Context(), auth.StoreConfig{Mode: auth.StoreFile,
		Home: e.home, Logger: e.logger()})
	if err != nil {
		t.Fatal(err)
	}
	e.m = e.newManager(e.store)
	return e
}

func (e *mgrEnv) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newManager makes another manager (another lagp process) over store.
func (e *mgrEnv) newManager(store auth.Store) *auth.Manager {
	return auth.NewManager(auth.Config{
		Issuer: e.iss.URL, Store: store, HTTPClient: e.iss.Client(),
		Now: e.clock.Now, After: e.clock.After, Logger: e.logger(),
	})
}

// signIn mints a sign-in whose access token lives for lifetime and adopts it.
func (e *mgrEnv) signIn(t *testing.T, lifetime time.Duration) auth.Tokens {
	t.Helper()
	tok := e.iss.Mint("ann@example.com", "plus", lifetime)
	if err := e.m.SignIn(t.Context(), tok); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	return tok
}

func (e *mgrEnv) stored(t *testing.T) auth.Tokens {
	t.Helper()
	tok, err := e.store.Load(t.Context())
	if err != nil {
		t.Fatalf("loading store: %v", err)
	}
	return tok
}

func mustToken(t *testing.T, m *auth.Manager) string {
	t.Helper()
	tok, acct, err := m.AccessToken(t.Context())
	if err != nil {
		t.Fatalf("AccessToken: %v", err)
	}
	if acct != authtest.AccountID("ann@example.com") {
		t.Fatalf("account id %q", acct)
	}
	return tok
}

// mgrEvents collects a subscription's events.
type mgrEvents struct {
	ch <-chan auth.Event
}

func subscribe(t *testing.T, m *auth.Manager) *mgrEvents {
	ch, cancel := m.Subscribe()
	t.Cleanup(cancel)
	return &mgrEvents{ch: ch}
}

// next waits for the next event of kind, skipping EventLoaded.
func (ev *mgrEvents) next(t *testing.T, kind auth.EventKind) auth.Event {
	t.Helper()
	for {
		select {
		case e := <-ev.ch:
			if e.Kind == auth.EventLoaded {
				continue
			}
			if e.Kind != kind {
				t.Fatalf("event %v (%s), want %v", e.Kind, e.Reason, kind)
			}
			return e
		case <-time.After(10 * time.Second):
			t.Fatalf("no %v event", kind)
		}
	}
}

// none checks that no event other than EventLoaded is pending.
func (ev *mgrEvents) none(t *testing.T) {
	t.Helper()
	for {
		select {
		case e := <-ev.ch:
			if e.Kind != auth.EventLoaded {
				t.Fatalf("unexpected event %v (%s)", e.Kind, e.Reason)
			}
		default:
			return
		}
	}
}

func TestManagerRefreshMargin(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration
		quiet    time.Duration // still no refresh at this age
		due      time.Duration // refresh at this age
	}{
		{"10-day token: 5 minutes before expiry", 240 * time.Hour,
			240*time.Hour - 5*time.Minute - time.Second, 240*time.Hour - 5*time.Minute},
		{"1-hour token: 5 minutes before expiry", time.Hour,
			55*time.Minute - time.Second, 55 * time.Minute},
		{"4-minute token: half its life", 4 * time.Minute,
			2*time.Minute - time.Second, 2 * time.Minute},
		{"20-second token: half its life", 20 * time.Second,
			9 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMgrEnv(t)
			e.iss.SetAccessLifetime(tt.lifetime)
			first := e.signIn(t, tt.lifetime)
			e.clock.Set(mgrT0.Add(tt.quiet))
			if got := mustToken(t, e.m); got != first.AccessToken || e.iss.RefreshCount() != 0 {
				t.Fatalf("refreshed %d times before the margin", e.iss.RefreshCount())
			}
			e.clock.Set(mgrT0.Add(tt.due))
			second := mustToken(t, e.m)
			if second == first.AccessToken || e.iss.RefreshCount() != 1 {
				t.Fatalf("no refresh within the margin (count %d)", e.iss.RefreshCount())
			}
			// The fresh token is not due again: short lifetimes never loop.
			if got := mustToken(t, e.m); got != second || e.iss.RefreshCount() != 1 {
				t.Fatalf("refreshed again at once (count %d)", e.iss.RefreshCount())
			}
			st := e.stored(t)
			if st.AccessToken != second || st.RefreshToken == first.RefreshToken ||
				!st.LastRefresh.Equal(mgrT0.Add(tt.due)) {
				t.Errorf("store not updated by the refresh: %v", st)
			}
		})
	}
}

func TestManagerUnreadableExpUsesLastRefresh(t *testing.T) {
	e := newMgrEnv(t)
	tok := e.iss.Mint("ann@example.com", "plus", time.Hour)
	tok.AccessToken = "opaque-access-token"
	tok.LastRefresh = mgrT0.Add(-7 * 24 * time.Hour)
	if err := e.m.SignIn(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if got := mustToken(t, e.m); got != "opaque-access-token" || e.iss.RefreshCount() != 0 {
		t.Fatal("refreshed a 7-day-old token without exp")
	}
	e.clock.Set(mgrT0.Add(24 * time.Hour))
	if got := mustToken(t, e.m); got == "opaque-access-token" || e.iss.RefreshCount() != 1 {
		t.Fatal("did not refresh an 8-day-old token without exp")
	}
}

// TestManagerBurstAtExpiry sends 20 concurrent requests when the token is due: they share one
// refresh and nobody presents a used refresh token.
func TestManagerBurstAtExpiry(t *testing.T) {
	e := newMgrEnv(t)
	first := e.signIn(t, time.Hour)
	e.clock.Set(mgrT0.Add(59 * time.Minute))
	arrived, release := e.iss.HoldRefreshes()
	const n = 20
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { got[i], _, errs[i] = e.m.AccessToken(context.Background()) })
	}
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no refresh request arrived")
	}
	release()
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if got[i] == first.AccessToken || got[i] != got[0] {
			t.Fatalf("request %d got a different or stale token", i)
		}
	}
	if c := e.iss.RefreshCount(); c != 1 {
		t.Errorf("%d refreshes, want 1", c)
	}
	if r := e.iss.ReuseCount(); r != 0 {
		t.Errorf("%d reused refresh tokens, want 0", r)
	}
}

func TestManagerPermanentFailures(t *testing.T) {
	tests := []struct {
		name, body, reason string
		status             int
	}{
		{"reused", `{"error":{"code":"refresh_token_reused","message":"used"}}`,
			"already used", 401},
		{"expired", `{"error":"refresh_token_expired","error_description":"old"}`,
			"expired", 400},
		{"invalidated", `{"error":{"code":"refresh_token_invalidated"}}`, "revoked", 401},
		{"other 401", `{"detail":"Unauthorized"}`, "refused", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMgrEnv(t)
			e.signIn(t, time.Hour)
			ev := subscribe(t, e.m)
			e.iss.FailNextRefresh(tt.status, tt.body)
			e.clock.Set(mgrT0.Add(58 * time.Minute))
			_, _, err := e.m.AccessToken(t.Context())
			if !auth.IsSignInRequired(err) {
				t.Fatalf("err = %v, want sign-in required", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "session ended") || !strings.Contains(msg, tt.reason) ||
				!strings.Contains(msg, "lagp login") ||
				!strings.Contains(msg, auth.DefaultLoginHint) {
				t.Errorf("message does not explain and say how to sign in: %s", msg)
			}
			if e := ev.next(t, auth.EventSignedOut); !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("signed-out event reason %q", e.Reason)
			}
			st := e.m.Status()
			if st.State != auth.StateExpired || !strings.Contains(st.Reason, tt.reason) {
				t.Errorf("status %+v", st)
			}
			// Remembered: neither requests nor Renew nor the clock retry it.
			for range 3 {
				e.clock.Advance(time.Hour)
				if _, _, err := e.m.AccessToken(t.Context()); !auth.IsSignInRequired(err) {
					t.Fatalf("later call: %v", err)
				}
				if _, _, err := e.m.Renew(t.Context(), "x"); !auth.IsSignInRequired(err) {
					t.Fatalf("Renew: %v", err)
				}
			}
			if c := e.iss.RefreshCount(); c != 1 {
				t.Errorf("%d refresh requests, want 1 (permanent failures are not retried)", c)
			}
		})
	}
}

func TestManagerTransientFailures(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
	}{
		{"server error", "upstream down", 500},
		{"invalid_grant with 400 (not a known code)",
			`{"error":"invalid_grant","error_description":"try again"}`, 400},
		{"rate limited", `{"error":{"code":"rate_limited"}}`, 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMgrEnv(t)
			first := e.signIn(t, time.Hour)
			ev := subscribe(t, e.m)
			for range 3 {
				e.iss.FailNextRefresh(tt.status, tt.body)
			}
			// Due but still valid: the current token keeps working.
			e.clock.Set(mgrT0.Add(56 * time.Minute))
			if got := mustToken(t, e.m); got != first.AccessToken {
				t.Fatal("did not keep the current token during a transient failure")
			}
			ev.next(t, auth.EventRefreshFailing)
			if st := e.m.Status(); st.State != auth.StateSignedIn || st.RefreshFailures != 1 {
				t.Errorf("status %+v", st)
			}
			// Within the backoff: no new request.
			e.clock.Advance(10 * time.Second)
			mustToken(t, e.m)
			if c := e.iss.RefreshCount(); c != 1 {
				t.Fatalf("%d requests within backoff, want 1", c)
			}
			// After the backoff: retried, fails again; no second failing event, but the
			// token expires within a day, so expiring-soon.
			e.clock.Advance(6 * time.Second)
			mustToken(t, e.m)
			if c := e.iss.RefreshCount(); c != 2 {
				t.Fatalf("%d requests after backoff, want 2", c)
			}
			ev.next(t, auth.EventExpiringSoon)
			// The token expires while failing: a transient error, not sign-in-required.
			e.clock.Set(mgrT0.Add(61 * time.Minute))
			_, _, err := e.m.AccessToken(t.Context())
			if err == nil || auth.IsSignInRequired(err) {
				t.Fatalf("expired while failing: err = %v, want a transient error", err)
			}
			// The issuer recovers.
			e.clock.Advance(time.Hour)
			if got := mustToken(t, e.m); got == first.AccessToken {
				t.Fatal("no new token after recovery")
			}
			ev.next(t, auth.EventRefreshed)
			ev.none(t)
			if st := e.m.Status(); st.RefreshFailures != 0 || st.Reason != "" {
				t.Errorf("status after recovery %+v", st)
			}
		})
	}
}

func TestManagerNetworkFailureIsTransient(t *testing.T) {
	e := newMgrEnv(t)
	first := e.signIn(t, time.Hour)
	down := auth.NewManager(auth.Config{Issuer: "http://127.0.0.1:1", Store: e.store,
		Now: e.clock.Now, After: e.clock.After, Logger: e.logger()})
	e.clock.Set(mgrT0.Add(57 * time.Minute))
	tok, _, err := down.AccessToken(t.Context())
	if err != nil || tok != first.AccessToken {
		t.Fatalf("AccessToken with the issuer unreachable = %v; want the current token", err)
	}
	if st := down.Status(); st.State != auth.StateSignedIn || st.RefreshFailures != 1 {
		t.Errorf("status %+v", st)
	}
}

func TestManagerRenew(t *testing.T) {
	e := newMgrEnv(t)
	first := e.signIn(t, time.Hour)
	// The backend rejects a token that is not due: Renew refreshes anyway.
	renewed, acct, err := e.m.Renew(t.Context(), first.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if renewed == first.AccessToken || acct == "" || e.iss.RefreshCount() != 1 {
		t.Fatalf("Renew did not refresh (count %d)", e.iss.RefreshCount())
	}
	// A late caller still holding the old token gets the new one without a refresh.
	again, _, err := e.m.Renew(t.Context(), first.AccessToken)
	if err != nil || again != renewed || e.iss.RefreshCount() != 1 {
		t.Fatalf("second Renew of the old token: %v (count %d)", err, e.iss.RefreshCount())
	}
	if e.stored(t).AccessToken != renewed {
		t.Error("renewed token not persisted")
	}
}

func TestManagerRenewBurstSharesOneRefresh(t *testing.T) {
	e := newMgrEnv(t)
	first := e.signIn(t, time.Hour)
	arrived, release := e.iss.HoldRefreshes()
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range got {
		wg.Go(func() {
			tok, _, err := e.m.Renew(context.Background(), first.AccessToken)
			if err != nil {
				t.Error(err)
			}
			got[i] = tok
		})
	}
	<-arrived
	release()
	wg.Wait()
	for i, tok := range got {
		if tok == first.AccessToken || tok != got[0] {
			t.Fatalf("caller %d got a stale or different token", i)
		}
	}
	if c, r := e.iss.RefreshCount(), e.iss.ReuseCount(); c != 1 || r != 0 {
		t.Errorf("%d refreshes and %d reuses, want 1 and 0", c, r)
	}
}

// TestManagerRenewUsesTokensAnotherProcessRotated: two lagp processes share one store; when
// one has refreshed, the other's Renew and refresh pick up the stored tokens instead of
// presenting the used refresh token.
func TestManagerRenewUsesTokensAnotherProcessRotated(t *testing.T) {
	e := newMgrEnv(t)
	first := e.signIn(t, time.Hour)
	other := e.newManager(e.store)
	rotated, _, err := other.Renew(t.Context(), first.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := e.m.Renew(t.Context(), first.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got != rotated {
		t.Error("Renew did not use the token the other process stored")
	}
	if c, r := e.iss.RefreshCount(), e.iss.ReuseCount(); c != 1 || r != 0 {
		t.Errorf("%d refreshes and %d reuses, want 1 and 0", c, r)
	}
}

func TestManagerReloadsStoreBeforeRefresh(t *testing.T) {
	e := newMgrEnv(t)
	e.iss.SetAccessLifetime(time.Hour)
	e.signIn(t, time.Hour)
	other := e.newManager(e.store)
	e.clock.Set(mgrT0.Add(58 * time.Minute))
	fromOther := mustToken(t, other) // other refreshes and saves
	ev := subscribe(t, e.m)
	if got := mustToken(t, e.m); got != fromOther {
		t.Error("did not use the tokens the other process refreshed")
	}
	if c, r := e.iss.RefreshCount(), e.iss.ReuseCount(); c != 1 || r != 0 {
		t.Errorf("%d refreshes and %d reuses, want 1 and 0", c, r)
	}
	ev.none(t) // same account: no signed-in notification
	// Both keep working through the next rotation.
	e.clock.Advance(time.Hour)
	a := mustToken(t, e.m)
	b := mustToken(t, other)
	if a != b || e.iss.ReuseCount() != 0 {
		t.Errorf("processes diverged after the second rotation (reuses %d)", e.iss.ReuseCount())
	}
}

// mgrStaleStore returns a stale sign-in from its first n loads, as if another process saved
// right after this one reloaded.
type mgrStaleStore struct {
	auth.Store
	mu    sync.Mutex
	stale auth.Tokens
	n     int
}

func (s *mgrStaleStore) Load(ctx context.Context) (auth.Tokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n > 0 {
		s.n--
		return s.stale, nil
	}
	return s.Store.Load(ctx)
}

func TestManagerLostRefreshRaceAdoptsWinner(t *testing.T) {
	e := newMgrEnv(t)
	first := e.signIn(t, time.Hour)
	racer := e.newManager(&mgrStaleStore{Store: e.store, stale: first, n: 2})
	winner := e.newManager(e.store)
	if _, _, err := racer.AccessToken(t.Context()); err != nil { // loads the stale view
		t.Fatal(err)
	}
	e.clock.Set(mgrT0.Add(58 * time.Minute))
	won := mustToken(t, winner)
	got, _, err := racer.AccessToken(t.Context())
	if err != nil {
		t.Fatalf("loser of the race: %v", err)
	}
	if got != won || racer.Status().State != auth.StateSignedIn {
		t.Errorf("loser did not adopt the winner's tokens (state %v)", racer.Status().State)
	}
}

func TestManagerRefreshMergesOnlyReturnedFields(t *testing.T) {
	e := newMgrEnv(t)
	first := e.signIn(t, time.Hour)
	fresh := e.iss.Mint("ann@example.com", "pro", 2*time.Hour)
	e.iss.FailNextRefresh(200, fmt.Sprintf(`{"access_token":%q,"expires_in":7200}`,
		fresh.AccessToken))
	e.clock.Set(mgrT0.Add(58 * time.Minute))
	if got := mustToken(t, e.m); got != fresh.AccessToken {
		t.Fatal("new access token not used")
	}
	st := e.stored(t)
	if st.RefreshToken != first.RefreshToken || st.IDToken != first.IDToken {
		t.Error("fields the answer lacked were not kept")
	}
	if !st.LastRefresh.Equal(mgrT0.Add(58*time.Minute)) || st.AccountID == "" {
		t.Errorf("last_refresh or account id not set: %v", st)
	}
	if p := e.m.Status().Account.Plan; p != "pro" {
		t.Errorf("plan %q, want the access token's new plan", p)
	}
}

func TestManagerExpiredAnswerDoesNotLoop(t *testing.T) {
	e := newMgrEnv(t)
	e.signIn(t, time.Hour)
	stale := e.iss.Mint("ann@example.com", "plus", -time.Minute)
	e.iss.FailNextRefresh(200, fmt.Sprintf(`{"access_token":%q,"refresh_token":"rt_x"}`,
		stale.AccessToken))
	e.clock.Set(mgrT0.Add(59 * time.Minute))
	for range 5 {
		e.m.AccessToken(t.Context())
	}
	if c := e.iss.RefreshCount(); c != 1 {
		t.Errorf("%d refreshes, want 1: an already-expired answer must back off", c)
	}
	if e.stored(t).RefreshToken != "rt_x" {
		t.Error("rotated refresh token not persisted")
	}
}

// mgrRecordingStore checks, at each save, whether the test has already been handed the token
// being saved.
type mgrRecordingStore struct {
	auth.Store
	mu          sync.Mutex
	handed      map[string]bool
	savedLate   []string
	failOnSaves int
}

func (s *mgrRecordingStore) Save(ctx context.Context, t auth.Tokens) error {
	s.mu.Lock()
	if s.handed[t.AccessToken] {
		s.savedLate = append(s.savedLate, "token handed out before it was saved")
	}
	fail := s.failOnSaves > 0
	if fail {
		s.failOnSaves--
	}
	s.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	return s.Store.Save(ctx, t)
}

func (s *mgrRecordingStore) hand(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handed[tok] = true
}

func TestManagerPersistsBeforeHandingOut(t *testing.T) {
	e := newMgrEnv(t)
	rec := &mgrRecordingStore{Store: e.store, handed: map[string]bool{}}
	e.m = e.newManager(rec)
	e.iss.SetAccessLifetime(time.Hour)
	e.signIn(t, time.Hour)
	for i := range 3 {
		e.clock.Set(mgrT0.Add(time.Duration(i+1) * time.Hour))
		tok := mustToken(t, e.m)
		rec.hand(tok)
		if e.stored(t).AccessToken != tok {
			t.Fatal("handed-out token is not in the store")
		}
	}
	if len(rec.savedLate) != 0 {
		t.Error(rec.savedLate)
	}
}

func TestManagerRetriesFailedSave(t *testing.T) {
	e := newMgrEnv(t)
	rec := &mgrRecordingStore{Store: e.store, handed: map[string]bool{}}
	e.m = e.newManager(rec)
	e.signIn(t, time.Hour)
	e.m.Start(t.Context())
	rec.mu.Lock()
	rec.failOnSaves = 1
	rec.mu.Unlock()
	e.clock.Set(mgrT0.Add(58 * time.Minute))
	tok := mustToken(t, e.m) // refreshed; the save failed; the token is still usable
	if e.stored(t).AccessToken == tok {
		t.Fatal("test broken: the first save should have failed")
	}
	if !strings.Contains(e.logs.String(), "keeping them in memory") {
		t.Error("failed save not logged")
	}
	// The refresher retries the save soon.
	for e.stored(t).AccessToken != tok {
		e.clock.awaitTimer(t)
		e.clock.Advance(30 * time.Second)
	}
	if c := e.iss.RefreshCount(); c != 1 {
		t.Errorf("%d refreshes, want 1", c)
	}
}

func BenchmarkManagerAccessToken(b *testing.B) {
	iss := authtest.NewIssuer(b)
	store, err := auth.OpenStore(b.Context(), auth.StoreConfig{Mode: auth.StoreFile,
		Home: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	m := auth.NewManager(auth.Config{Issuer: iss.URL, Store: store, HTTPClient: iss.Client(),
		Logger: slog.New(slog.DiscardHandler)})
	if err := m.SignIn(b.Context(), iss.Mint("ann@example.com", "plus", time.Hour)); err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := m.AccessToken(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := m.AccessToken(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkManagerRefresh measures one full refresh: store reload, token request to the fake
// issuer over loopback HTTP, merge, fsynced save.
func BenchmarkManagerRefresh(b *testing.B) {
	iss := authtest.NewIssuer(b)
	store, err := auth.OpenStore(b.Context(), auth.StoreConfig{Mode: auth.StoreFile,
		Home: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	m := auth.NewManager(auth.Config{Issuer: iss.URL, Store: store, HTTPClient: iss.Client(),
		Logger: slog.New(slog.DiscardHandler)})
	if err := m.SignIn(b.Context(), iss.Mint("ann@example.com", "plus", time.Hour)); err != nil {
		b.Fatal(err)
	}
	tok, _, err := m.AccessToken(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if tok, _, err = m.Renew(b.Context(), tok); err != nil {
			b.Fatal(err)
		}
	}
}

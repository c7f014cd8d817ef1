package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of the sign-in push receiver.
const (
	// maxSyncBody bounds a pushed auth.json; real ones are a few KB.
	maxSyncBody = 64 << 10
	// syncFailuresPerClient failed attempts per client and window are allowed before 429.
	syncFailuresPerClient = 5
	// syncFailuresTotal bounds failed attempts of all clients together per window, so that
	// guessing from many addresses is slow too.
	syncFailuresTotal = 30
	// syncFailureWindow is the window of both limits.
	syncFailureWindow = time.Minute
)

// SyncConfig configures the receiving side of a sign-in push.
type SyncConfig struct {
	// Secret is the shared secret a pusher must present; empty closes the endpoint.
	Secret string
	// Accept adopts a pushed sign-in once it is checked (main passes the session manager's
	// SignIn). Its error is reported to the pusher.
	Accept func(context.Context, Tokens) error
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives diagnostics; nil discards them. Neither the secret nor tokens are
	// logged.
	Logger *slog.Logger
}

// syncHandler serves POST /auth/sync.
type syncHandler struct {
	cfg      SyncConfig
	secret   [sha256.Size]byte // digest of cfg.Secret, compared in constant time
	failures *failureLimiter
}

// SyncHandler returns the handler of POST /auth/sync, through which another machine's
// "lagp push" hands this lagp a sign-in of its own.
//
// The request carries the secret as "Authorization: Bearer <secret>" and a body in the
// Codex auth.json layout, or {"check":true} to verify the secret only. Failed attempts are
// limited per client address; the tokens must name an account and be unexpired before
// Accept sees them. Answers are JSON: {"ok":true,…} or {"error":{"code","message"}}.
func SyncHandler(cfg SyncConfig) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &syncHandler{
		cfg:      cfg,
		secret:   sha256.Sum256([]byte(cfg.Secret)),
		failures: newFailureLimiter(syncFailuresPerClient, syncFailuresTotal, syncFailureWindow),
	}
}

func (h *syncHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Secret == "" {
		writeSyncError(w, http.StatusNotFound, "sync_closed", "this lagp does not accept "+
			"pushed sign-ins; start it with --sync-secret to open /auth/sync")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeSyncError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	client, now := clientKey(r.RemoteAddr), h.cfg.Now()
	wait, forgive := h.failures.attempt(client, now)
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeSyncError(w, http.StatusTooManyRequests, "too_many_attempts",
			"too many failed attempts; wait before trying again")
		return
	}
	if !h.authorized(r.Header.Get("Authorization")) {
		h.cfg.Logger.Warn("sign-in push refused", "reason", "wrong or missing secret",
			"client", client)
		w.Header().Set("WWW-Authenticate", `Bearer realm="lagp"`)
		writeSyncError(w, http.StatusUnauthorized, "invalid_secret",
			"the sync secret is missing or wrong")
		return
	}
	forgive()
	h.receive(w, r, now)
}

// authorized reports whether header is "Bearer <secret>". Both sides are hashed first, so the
// comparison takes the same time whatever the length or content of the guess.
func (h *syncHandler) authorized(header string) bool {
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return subtle.ConstantTimeCompare(got[:], h.secret[:]) == 1
}

// receive reads, checks and adopts a pushed sign-in from an authorized client.
func (h *syncHandler) receive(w http.ResponseWriter, r *http.Request, now time.Time) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSyncBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeSyncError(w, http.StatusRequestEntityTooLarge, "too_large",
			"the body is larger than "+strconv.Itoa(maxSyncBody)+" bytes")
		return
	case err != nil:
		writeSyncError(w, http.StatusBadRequest, "bad_body", "the body could not be read")
		return
	}
	var probe struct {
		Check bool `json:"check"`
	}
	if json.Unmarshal(body, &probe) != nil {
		writeSyncError(w, http.StatusBadRequest, "invalid_json", "the body is not JSON")
		return
	}
	if probe.Check {
		writeSyncJSON(w, http.StatusOK, syncReply{OK: true})
		return
	}
	t, account, err := checkPushed(body, now)
	if err != nil {
		h.cfg.Logger.Warn("sign-in push refused", "reason", "invalid tokens", "error", err)
		writeSyncError(w, http.StatusUnprocessableEntity, "invalid_tokens", err.Error())
		return
	}
	if err := h.cfg.Accept(r.Context(), t); err != nil {
		h.cfg.Logger.Error("pushed sign-in not adopted", "error", err)
		writeSyncError(w, http.StatusInternalServerError, "not_adopted", err.Error())
		return
	}
	h.cfg.Logger.Info("pushed sign-in adopted", "email", account.Email, "plan", account.Plan)
	writeSyncJSON(w, http.StatusOK, syncReply{OK: true, Email: account.Email, Plan: account.Plan})
}

// checkPushed decodes a pushed auth.json and refuses tokens lagp could not use.
func checkPushed(body []byte, now time.Time) (Tokens, Account, error) {
	t, err := UnmarshalAuthJSON(body)
	if err != nil {
		return Tokens{}, Account{}, err
	}
	account, err := ValidateTokens(t, now)
	if err != nil {
		return Tokens{}, Account{}, err
	}
	t.AccountID = account.AccountID
	if t.LastRefresh.IsZero() {
		t.LastRefresh = now.UTC()
	}
	return t, account, nil
}

// syncReply is the JSON answer of /auth/sync.
type syncReply struct {
	OK    bool       `json:"ok,omitempty"`
	Email string     `json:"email,omitempty"`
	Plan  string     `json:"plan,omitempty"`
	Error *syncError `json:"error,omitempty"`
}

// syncError is the error object of a syncReply.
type syncError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeSyncError(w http.ResponseWriter, status int, code, message string) {
	writeSyncJSON(w, status, syncReply{Error: &syncError{Code: code, Message: message}})
}

func writeSyncJSON(w http.ResponseWriter, status int, reply syncReply) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(reply)
}

// clientKey names the client of a request for rate limiting: its IP address, or for IPv6 its
// /64 network, which one host usually holds whole.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// failureLimiter counts failed attempts in a sliding window, per client and in total.
type failureLimiter struct {
	perClient, total int
	window           time.Duration

	mu       sync.Mutex
	byClient map[string][]time.Time // failure times per client, oldest first
	all      []time.Time            // failure times of all clients, oldest first
}

func newFailureLimiter(perClient, total int, window time.Duration) *failureLimiter {
	return &failureLimiter{perClient: perClient, total: total, window: window,
		byClient: map[string][]time.Time{}}
}

// attempt admits an attempt of client and counts it as a failure until forgive is called,
// so that concurrent guesses cannot get past the limit together. When client must wait, it
// returns how long and counts nothing.
func (f *failureLimiter) attempt(client string, now time.Time) (wait time.Duration,
	forgive func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prune(now)
	if times := f.byClient[client]; len(times) >= f.perClient {
		return times[len(times)-f.perClient].Add(f.window).Sub(now), nil
	}
	if len(f.all) >= f.total {
		return f.all[len(f.all)-f.total].Add(f.window).Sub(now), nil
	}
	f.byClient[client] = append(f.byClient[client], now)
	f.all = append(f.all, now)
	return 0, func() { f.forgive(client, now) }
}

// forgive removes one failure of client at time at.
func (f *failureLimiter) forgive(client string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = removeTime(f.all, at)
	if times := removeTime(f.byClient[client], at); len(times) > 0 {
		f.byClient[client] = times
	} else {
		delete(f.byClient, client)
	}
}

// removeTime removes the last element equal to at from times.
func removeTime(times []time.Time, at time.Time) []time.Time {
	for i := len(times) - 1; i >= 0; i-- {
		if times[i].Equal(at) {
			return append(times[:i], times[i+1:]...)
		}
	}
	return times
}

// prune forgets failures older than the window. The map stays small: a client is only
// recorded while the total is under its limit.
func (f *failureLimiter) prune(now time.Time) {
	cutoff := now.Add(-f.window)
	f.all = dropBefore(f.all, cutoff)
	for client, times := range f.byClient {
		if times = dropBefore(times, cutoff); len(times) == 0 {
			delete(f.byClient, client)
		} else {
			f.byClient[client] = times
		}
	}
}

// dropBefore removes the times not after cutoff from the sorted slice times.
func dropBefore(times []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(cutoff) {
		i++
	}
	return times[i:]
}

package auth_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

const testSecret = "correct horse battery staple"

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncReceiver is a SyncHandler with a recorder and a clock.
type syncReceiver struct {
	handler http.Handler
	rec     *recorder
	clock   *fakeClock
	logs    *logBuffer
}

func newSyncReceiver(secret string) *syncReceiver {
	r := &syncReceiver{rec: &recorder{}, clock: &fakeClock{now: time.Now()}, logs: &logBuffer{}}
	r.handler = auth.SyncHandler(auth.SyncConfig{Secret: secret, Accept: r.rec.accept,
		Now: r.clock.Now, Logger: r.logs.logger()})
	return r
}

// do sends one request from client (an address "ip:port") and returns status, decoded
// JSON answer and the recorder.
func (r *syncReceiver) do(t *testing.T, method, client, authz, body string) (
	int, map[string]any, http.Header) {
	t.Helper()
	req := httptest.NewRequest(method, "/auth/sync", strings.NewReader(body))
	req.RemoteAddr = client
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	w := httptest.NewRecorder()
	r.handler.ServeHTTP(w, req)
	var got map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("answer is not JSON: %q", w.Body.String())
	}
	return w.Code, got, w.Header()
}

func errorCode(answer map[string]any) string {
	e, _ := answer["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func errorMessage(answer map[string]any) string {
	e, _ := answer["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

func authJSON(t *testing.T, tok auth.Tokens) string {
	t.Helper()
	b, err := auth.MarshalAuthJSON(tok)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSyncClosedWithoutSecret(t *testing.T) {
	r := newSyncReceiver("")
	iss := authtest.NewIssuer(t)
	status, answer, _ := r.do(t, http.MethodPost, "192.0.2.1:1", "Bearer ",
		authJSON(t, iss.Mint("a@example.com", "plus", time.Hour)))
	if status != http.StatusNotFound || errorCode(answer) != "sync_closed" ||
		!strings.Contains(errorMessage(answer), "--sync-secret") {
		t.Errorf("status %d, answer %v", status, answer)
	}
	if len(r.rec.got()) != 0 {
		t.Error("a closed endpoint adopted a sign-in")
	}
}

func TestSyncAuthorization(t *testing.T) {
	iss := authtest.NewIssuer(t)
	body := authJSON(t, iss.Mint("a@example.com", "plus", time.Hour))
	tests := []struct {
		name   string
		method string
		authz  string
		status int
		code   string
	}{
		{"no header", "POST", "", 401, "invalid_secret"},
		{"wrong secret", "POST", "Bearer nope", 401, "invalid_secret"},
		{"secret prefix", "POST", "Bearer " + testSecret[:5], 401, "invalid_secret"},
		{"secret plus more", "POST", "Bearer " + testSecret + "x", 401, "invalid_secret"},
		{"basic scheme", "POST", "Basic " + testSecret, 401, "invalid_secret"},
		{"get", "GET", "Bearer " + testSecret, 405, "method_not_allowed"},
		{"right secret", "POST", "Bearer " + testSecret, 200, ""},
		{"scheme case", "POST", "bearer " + testSecret, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newSyncReceiver(testSecret)
			status, answer, hdr := r.do(t, tt.method, "192.0.2.1:1", tt.authz, body)
			if status != tt.status || errorCode(answer) != tt.code {
				t.Errorf("status %d, answer %v; want %d %q", status, answer, tt.status, tt.code)
			}
			if status == 401 && hdr.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if adopted := len(r.rec.got()) == 1; adopted != (tt.status == 200) {
				t.Errorf("adopted = %v", adopted)
			}
			if strings.Contains(r.logs.String(), testSecret[:5]) {
				t.Error("the logs contain the secret")
			}
		})
	}
}

func TestSyncCheckOnly(t *testing.T) {
	r := newSyncReceiver(testSecret)
	status, answer, _ := r.do(t, "POST", "192.0.2.1:1", "Bearer "+testSecret, `{"check":true}`)
	if status != 200 || answer["ok"] != true {
		t.Errorf("status %d, answer %v", status, answer)
	}
	if len(r.rec.got()) != 0 {
		t.Error("a check adopted a sign-in")
	}
	status, answer, _ = r.do(t, "POST", "192.0.2.1:1", "Bearer wrong", `{"check":true}`)
	if status != 401 || answer["ok"] != nil {
		t.Errorf("check with a wrong secret: status %d, answer %v", status, answer)
	}
}

func TestSyncAdoptsValidTokens(t *testing.T) {
	iss := authtest.NewIssuer(t)
	r := newSyncReceiver(testSecret)
	sent := iss.Mint("pushed@example.com", "pro", time.Hour)
	sent.LastRefresh = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	status, answer, _ := r.do(t, "POST", "192.0.2.1:1", "Bearer "+testSecret, authJSON(t, sent))
	if status != 200 || answer["ok"] != true || answer["email"] != "pushed@example.com" {
		t.Fatalf("status %d, answer %v", status, answer)
	}
	got := r.rec.got()
	if len(got) != 1 {
		t.Fatalf("adopted %d sign-ins, want 1", len(got))
	}
	if got[0].AccessToken != sent.AccessToken || got[0].RefreshToken != sent.RefreshToken ||
		got[0].IDToken != sent.IDToken || got[0].AccountID == "" ||
		!got[0].LastRefresh.Equal(sent.LastRefresh) {
		t.Errorf("adopted %v, sent %v", got[0], sent)
	}
	assertNoSecrets(t, "logs", r.logs.String(), sent)
	if !strings.Contains(r.logs.String(), "pushed sign-in adopted") {
		t.Errorf("no log of the adoption:\n%s", r.logs)
	}
}

func TestSyncRefusesBadBodies(t *testing.T) {
	iss := authtest.NewIssuer(t)
	expired := iss.Mint("old@example.com", "plus", -time.Hour)
	mismatch := iss.Mint("a@example.com", "plus", time.Hour)
	mismatch.AccountID = "some-other-account"
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"not json", "tokens please", 400, "invalid_json"},
		{"no tokens", `{"auth_mode":"chatgpt"}`, 422, "invalid_tokens"},
		{"api key file", `{"auth_mode":"apikey","OPENAI_API_KEY":"sk-x"}`, 422,
			"invalid_tokens"},
		{"not jwts", `{"tokens":{"id_token":"x","access_token":"y","refresh_token":"z"}}`,
			422, "invalid_tokens"},
		{"expired", authJSON(t, expired), 422, "invalid_tokens"},
		{"account mismatch", authJSON(t, mismatch), 422, "invalid_tokens"},
		{"too large", `{"pad":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newSyncReceiver(testSecret)
			status, answer, _ := r.do(t, "POST", "192.0.2.1:1", "Bearer "+testSecret, tt.body)
			if status != tt.status || errorCode(answer) != tt.code {
				t.Errorf("status %d, answer %v; want %d %q", status, answer, tt.status, tt.code)
			}
			if len(r.rec.got()) != 0 {
				t.Error("adopted a bad sign-in")
			}
			for _, tok := range []auth.Tokens{expired, mismatch} {
				assertNoSecrets(t, "answer", errorMessage(answer), tok)
				assertNoSecrets(t, "logs", r.logs.String(), tok)
			}
		})
	}
}

func TestSyncAcceptError(t *testing.T) {
	iss := authtest.NewIssuer(t)
	r := newSyncReceiver(testSecret)
	r.rec.err = errors.New("saving tokens: disk full")
	status, answer, _ := r.do(t, "POST", "192.0.2.1:1", "Bearer "+testSecret,
		authJSON(t, iss.Mint("a@example.com", "plus", time.Hour)))
	if status != 500 || errorCode(answer) != "not_adopted" ||
		!strings.Contains(errorMessage(answer), "disk full") {
		t.Errorf("status %d, answer %v", status, answer)
	}
}

func TestSyncRateLimit(t *testing.T) {
	r := newSyncReceiver(testSecret)
	const attacker, other = "198.51.100.7:4000", "203.0.113.9:5000"
	for i := range 5 {
		if status, _, _ := r.do(t, "POST", attacker, "Bearer guess"+strconv.Itoa(i),
			`{"check":true}`); status != 401 {
			t.Fatalf("attempt %d: status %d, want 401", i+1, status)
		}
	}
	// Blocked now, even with the right secret and from another port of the same address.
	status, answer, hdr := r.do(t, "POST", "198.51.100.7:4001", "Bearer "+testSecret,
		`{"check":true}`)
	if status != 429 || errorCode(answer) != "too_many_attempts" ||
		hdr.Get("Retry-After") != "60" {
		t.Errorf("6th attempt: status %d, answer %v, Retry-After %q", status, answer,
			hdr.Get("Retry-After"))
	}
	if status, _, _ := r.do(t, "POST", other, "Bearer "+testSecret, `{"check":true}`); status != 200 {
		t.Errorf("another client: status %d, want 200", status)
	}
	r.clock.Advance(30 * time.Second)
	if _, _, hdr := r.do(t, "POST", attacker, "Bearer "+testSecret, `{"check":true}`); hdr.Get(
		"Retry-After") != "30" {
		t.Errorf("after 30 s: Retry-After %q, want 30", hdr.Get("Retry-After"))
	}
	r.clock.Advance(31 * time.Second)
	if status, _, _ := r.do(t, "POST", attacker, "Bearer "+testSecret, `{"check":true}`); status != 200 {
		t.Errorf("after the window: status %d, want 200", status)
	}
}

func TestSyncRateLimitIPv6Network(t *testing.T) {
	r := newSyncReceiver(testSecret)
	for i := range 5 {
		client := "[2001:db8:1:2::" + strconv.Itoa(i+1) + "]:443"
		r.do(t, "POST", client, "Bearer guess", `{"check":true}`)
	}
	if status, _, _ := r.do(t, "POST", "[2001:db8:1:2::99]:443", "Bearer "+testSecret,
		`{"check":true}`); status != 429 {
		t.Errorf("same /64: status %d, want 429", status)
	}
	if status, _, _ := r.do(t, "POST", "[2001:db8:1:3::1]:443", "Bearer "+testSecret,
		`{"check":true}`); status != 200 {
		t.Errorf("other /64: status %d, want 200", status)
	}
}

func TestSyncRateLimitTotal(t *testing.T) {
	r := newSyncReceiver(testSecret)
	for i := range 30 {
		client := "192.0.2." + strconv.Itoa(i+1) + ":1"
		if status, _, _ := r.do(t, "POST", client, "Bearer guess", `{"check":true}`); status != 401 {
			t.Fatalf("attempt %d: status %d, want 401", i+1, status)
		}
	}
	if status, _, _ := r.do(t, "POST", "192.0.2.200:1", "Bearer "+testSecret,
		`{"check":true}`); status != 429 {
		t.Errorf("after 30 failures from many clients: status %d, want 429", status)
	}
	r.clock.Advance(61 * time.Second)
	if status, _, _ := r.do(t, "POST", "192.0.2.200:1", "Bearer "+testSecret,
		`{"check":true}`); status != 200 {
		t.Errorf("after the window: status %d, want 200", status)
	}
}

// TestSyncConcurrentGuesses checks the limiter under concurrent guesses: exactly five of
// one client's guesses are judged, however many arrive at once.
func TestSyncConcurrentGuesses(t *testing.T) {
	r := newSyncReceiver(testSecret)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 50 {
		wg.Go(func() {
			req := httptest.NewRequest("POST", "/auth/sync", strings.NewReader(`{"check":true}`))
			req.RemoteAddr = "198.51.100.1:9"
			req.Header.Set("Authorization", "Bearer guess")
			w := httptest.NewRecorder()
			r.handler.ServeHTTP(w, req)
			mu.Lock()
			counts[w.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[401] != 5 || counts[429] != 45 {
		t.Errorf("answers = %v", counts)
	}
	if status, _, _ := r.do(t, "POST", "198.51.100.1:9", "Bearer "+testSecret,
		`{"check":true}`); status != 429 {
		t.Errorf("after the burst: status %d, want 429", status)
	}
}

package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

func TestStreamSendsCodexHeaders(t *testing.T) {
	e := newEnv(t)
	st, err := e.client.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := collect(t, st); err != nil {
		t.Fatal(err)
	}
	rec, _ := e.srv.LastRequest()
	ua := regexp.MustCompile(`^codex_cli_rs/0\.146\.0 \(` + runtime.GOOS + ` [^;()]+; ` +
		runtime.GOARCH + `\) lagp/1\.2\.3$`)
	want := map[string]string{
		"Authorization":      "Bearer " + fakebackend.Token,
		"ChatGPT-Account-ID": fakebackend.AccountID,
		"Content-Type":       "application/json",
		"Accept":             "text/event-stream",
		"originator":         "codex_cli_rs",
		"version":            "0.146.0",
		"session_id":         "9b2f6c1e-0000-4000-8000-000000000001",
		"OpenAI-Beta":        "responses=experimental",
	}
	for k, v := range want {
		if got := rec.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if got := rec.Header.Get("User-Agent"); !ua.MatchString(got) {
		t.Errorf("User-Agent %q does not match %s", got, ua)
	}
}

func TestStreamWithoutCacheKeySendsNoSession(t *testing.T) {
	e := newEnv(t)
	req := request("hi")
	req.PromptCacheKey = ""
	st, err := e.client.Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	rec, _ := e.srv.LastRequest()
	if v, ok := rec.Header["Session_id"]; ok {
		t.Errorf("session_id sent without a cache key: %q", v)
	}
}

func TestStreamForcesStoreAndStream(t *testing.T) {
	e := newEnv(t)
	req := request("hi")
	req.Store, req.Stream = true, false
	st, err := e.client.Stream(context.Background(), req)
	if err != nil {
		t.Fatalf("the strict fake refused the request: %v", err)
	}
	st.Close()
	rec, _ := e.srv.LastRequest()
	if string(rec.Fields["store"]) != "false" || string(rec.Fields["stream"]) != "true" {
		t.Errorf("store %s stream %s", rec.Fields["store"], rec.Fields["stream"])
	}
	if string(rec.Fields["tools"]) != "[]" || string(rec.Fields["include"]) != "[]" {
		t.Errorf("tools %s include %s, want empty arrays", rec.Fields["tools"],
			rec.Fields["include"])
	}
	if !req.Store || req.Stream {
		t.Error("Stream changed the caller's request")
	}
}

func TestStreamReadsFixture(t *testing.T) {
	e := newEnv(t)
	e.srv.Enqueue(fakebackend.F2)
	st, err := e.client.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := collect(t, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 15 || evs[14].Type != canon.EventCompleted {
		t.Fatalf("got %d events", len(evs))
	}
	if u := evs[14].Response.Usage; u.OutputTokensDetails.ReasoningTokens != 64 {
		t.Errorf("usage %+v", u)
	}
	if st.Header().Get("Content-Type") != "text/event-stream" {
		t.Errorf("header %v", st.Header())
	}
}

func TestRetries(t *testing.T) {
	overloaded := fakebackend.F5f
	tests := []struct {
		name     string
		queue    []fakebackend.Scenario
		ok       bool
		kind     canon.Kind
		requests int
	}{
		{"5xx then success", []fakebackend.Scenario{overloaded, fakebackend.F1}, true, 0, 2},
		{"500 twice then success", []fakebackend.Scenario{
			fakebackend.Status(500, `{"detail":"boom"}`),
			fakebackend.Status(502, `bad gateway`), fakebackend.F1}, true, 0, 3},
		{"5xx until retries run out", []fakebackend.Scenario{overloaded, overloaded,
			overloaded, overloaded, overloaded, overloaded}, false, canon.KindUpstream, 5},
		{"429 is never retried", []fakebackend.Scenario{fakebackend.F5a, fakebackend.F1},
			false, canon.KindRateLimited, 1},
		{"400 is not retried", []fakebackend.Scenario{fakebackend.F5c, fakebackend.F1},
			false, canon.KindInvalidRequest, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.Enqueue(tt.queue...)
			st, err := e.client.Stream(context.Background(), request("hi"))
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				evs, err := collect(t, st)
				st.Close()
				if err != nil || len(evs) != 10 {
					t.Fatalf("%d events, %v", len(evs), err)
				}
			} else if got := asError(t, err); got.Kind != tt.kind {
				t.Fatalf("kind %v, want %v (%v)", got.Kind, tt.kind, got)
			}
			if n := len(e.srv.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			ds := e.sleeps.got()
			if len(ds) != tt.requests-1 {
				t.Fatalf("%d sleeps, want %d", len(ds), tt.requests-1)
			}
			for i, d := range ds {
				base := 200 * time.Millisecond << i
				if d < base*9/10 || d > base*11/10 {
					t.Errorf("sleep %d = %v, want %v ±10%%", i, d, base)
				}
			}
		})
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e := newEnv(t, func(c *Config) {
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return sleep(ctx, d)
		}
	})
	e.srv.Enqueue(fakebackend.F5f, fakebackend.F5f, fakebackend.F1)
	_, err := e.client.Stream(ctx, request("hi"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(e.srv.Requests()); n != 1 {
		t.Errorf("%d requests after cancel, want 1", n)
	}
}

// flakyTransport fails the first n round trips with a transport error.
type flakyTransport struct {
	n     atomic.Int32
	inner http.RoundTripper
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.n.Add(-1) >= 0 {
		return nil, errors.New("connection reset by peer")
	}
	return f.inner.RoundTrip(r)
}

func TestRetriesTransportErrors(t *testing.T) {
	for _, fails := range []int{2, 5} {
		ft := &flakyTransport{inner: http.DefaultTransport}
		ft.n.Store(int32(fails))
		e := newEnv(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: ft} })
		st, err := e.client.Stream(context.Background(), request("hi"))
		if fails <= maxRetries {
			if err != nil {
				t.Fatalf("%d failures: %v", fails, err)
			}
			st.Close()
			continue
		}
		got := asError(t, err)
		if got.Kind != canon.KindUpstream || got.Status() != http.StatusBadGateway {
			t.Errorf("%d failures: %v (kind %v)", fails, got, got.Kind)
		}
		if n := len(e.sleeps.got()); n != maxRetries {
			t.Errorf("%d sleeps, want %d", n, maxRetries)
		}
	}
}

func TestRenewAfter401(t *testing.T) {
	e := newEnv(t)
	e.tokens.token = "stale-token-1"
	e.srv.RejectToken("stale-token-1")
	st, err := e.client.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if got := e.tokens.renewals(); len(got) != 1 || got[0] != "stale-token-1" {
		t.Errorf("renewals %v, want one of the stale token", got)
	}
	reqs := e.srv.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("Authorization") != "Bearer "+fakebackend.Token {
		t.Errorf("%d requests; the retry did not use the renewed token", len(reqs))
	}
	if len(e.sleeps.got()) != 0 {
		t.Error("the retry after renewal waited")
	}
}

func TestSecond401IsUnauthorized(t *testing.T) {
	e := newEnv(t)
	e.tokens.token, e.tokens.renewTo = "stale-token-1", "stale-token-2"
	e.srv.RejectToken("stale-token-1")
	e.srv.RejectToken("stale-token-2")
	_, err := e.client.Stream(context.Background(), request("hi"))
	got := asError(t, err)
	if got.Kind != canon.KindUnauthorized {
		t.Fatalf("kind %v, want unauthorized", got.Kind)
	}
	for _, s := range []string{"rejected the session", "lagp login", "/login"} {
		if !strings.Contains(got.Message, s) {
			t.Errorf("message %q lacks %q", got.Message, s)
		}
	}
	if n := len(e.tokens.renewals()); n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}
	if n := len(e.srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestTokenSourceErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		renewErr error
		kind     canon.Kind
		message  string
	}{
		{"sign-in required", signInError{}, nil, canon.KindUnauthorized, signInError{}.Error()},
		{"transient", errors.New("refresh endpoint timed out"), nil, canon.KindUpstream,
			"could not get ChatGPT credentials"},
		{"renewal needs sign-in", nil, signInError{}, canon.KindUnauthorized,
			signInError{}.Error()},
		{"renewal fails", nil, errors.New("network down"), canon.KindUpstream,
			"could not get ChatGPT credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.tokens.err, e.tokens.renewErr = tt.err, tt.renewErr
			e.srv.Enqueue(fakebackend.F5g)
			_, err := e.client.Stream(context.Background(), request("hi"))
			got := asError(t, err)
			if got.Kind != tt.kind || !strings.Contains(got.Message, tt.message) {
				t.Errorf("got %v %q, want %v %q", got.Kind, got.Message, tt.kind, tt.message)
			}
		})
	}
}

func TestErrorFixturesThroughClient(t *testing.T) {
	tests := []struct {
		fixture fakebackend.Fixture
		status  int
		code    string
		retry   time.Duration
		message string
	}{
		{fakebackend.F5a, 429, "usage_limit_reached", fakebackend.UsageLimitReset,
			"It resets at 11:40 UTC (in 2h47m)"},
		{fakebackend.F5b, 403, "usage_not_included", 0, "plan does not include Codex"},
		{fakebackend.F5c, 400, "", 0, "Unsupported parameter: max_output_tokens"},
	}
	for _, tt := range tests {
		t.Run(string(tt.fixture), func(t *testing.T) {
			e := newEnv(t)
			e.srv.Enqueue(tt.fixture)
			_, err := e.client.Stream(context.Background(), request("hi"))
			got := asError(t, err)
			if got.Status() != tt.status || got.Code != tt.code || got.RetryAfter != tt.retry {
				t.Errorf("got %d %q %v, want %d %q %v", got.Status(), got.Code, got.RetryAfter,
					tt.status, tt.code, tt.retry)
			}
			if !strings.Contains(got.Message, tt.message) {
				t.Errorf("message %q lacks %q", got.Message, tt.message)
			}
		})
	}
}

func TestStrictFakeRejectionReachesClient(t *testing.T) {
	e := newEnv(t)
	req := request("hi")
	req.Input = append(req.Input, canon.Item{Type: canon.ItemMessage, Role: "system",
		Content: []canon.Part{{Type: canon.PartInputText, Text: "x"}}})
	_, err := e.client.Stream(context.Background(), req)
	got := asError(t, err)
	if got.Kind != canon.KindInvalidRequest || got.Message != "System messages are not allowed" {
		t.Errorf("got %v %q", got.Kind, got.Message)
	}
}

func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	e := newEnv(t)
	secret := "stale-secret-token-XYZ"
	e.tokens.token = secret
	e.srv.RejectToken(secret)
	var errs []error
	// 401 then renewed, a usage limit, retried 5xx, a double 401 and a model list.
	e.srv.Enqueue(fakebackend.F1, fakebackend.F5a, fakebackend.F5f, fakebackend.F1)
	for range 3 {
		st, err := e.client.Stream(context.Background(), request("hi"))
		errs = append(errs, err)
		if st != nil {
			_, _ = collect(t, st)
			st.Close()
		}
	}
	e.tokens.token, e.tokens.renewTo = secret, secret
	_, err := e.client.Stream(context.Background(), request("hi"))
	errs = append(errs, err)
	_, err = NewCatalog(e.client, CodexVersion).List(context.Background())
	errs = append(errs, err)
	logs := e.log.String()
	if !strings.Contains(logs, "backend call") {
		t.Fatalf("no debug log captured: %q", logs)
	}
	for _, tok := range []string{secret, fakebackend.Token} {
		if strings.Contains(logs, tok) {
			t.Errorf("a token appears in the log:\n%s", logs)
		}
		for _, err := range errs {
			if err != nil && strings.Contains(err.Error(), tok) {
				t.Errorf("a token appears in error %q", err)
			}
		}
	}
}

func TestOneDebugLinePerCall(t *testing.T) {
	e := newEnv(t)
	e.srv.Enqueue(fakebackend.F5f, fakebackend.F1)
	st, err := e.client.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	lines := strings.Count(e.log.String(), "msg=\"backend call\"")
	if lines != 2 {
		t.Errorf("%d log lines for 2 calls:\n%s", lines, e.log.String())
	}
	for _, s := range []string{"status=503", "status=200", "attempt=1", "attempt=2", "duration="} {
		if !strings.Contains(e.log.String(), s) {
			t.Errorf("log lacks %s", s)
		}
	}
}

func TestCancelClosesUpstream(t *testing.T) {
	for _, how := range []string{"context", "close"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t)
			e.srv.Enqueue(fakebackend.Slow(1000, 10*time.Millisecond))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := e.client.Stream(ctx, request("hi"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Next(); err != nil {
				t.Fatal(err)
			}
			if how == "context" {
				cancel()
				if _, err := collect(t, st); !errors.Is(err, context.Canceled) {
					t.Errorf("Next after cancel: %v, want context.Canceled", err)
				}
			}
			st.Close()
			wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
			defer stop()
			if !e.srv.WaitCancelled(wait, 1) {
				t.Fatal("the fake backend never saw the request cancelled")
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IdleTimeout = 50 * time.Millisecond })
	e.srv.Enqueue(fakebackend.Slow(3, 5*time.Second))
	st, err := e.client.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := collect(t, st)
	if len(evs) != 2 {
		t.Errorf("%d events before the silence, want 2", len(evs))
	}
	got := asError(t, err)
	if got.Code != "stream_idle" || got.Kind != canon.KindUpstream {
		t.Errorf("got %v %q", got.Code, got.Message)
	}
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if !e.srv.WaitCancelled(wait, 1) {
		t.Error("the idle stream was not aborted upstream")
	}
}

func TestStreamCutMidway(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		b, _ := fakebackend.FixtureSSE(fakebackend.F1)
		_, _ = w.Write(b[:300])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	defer ts.Close()
	c := New(Config{BaseURL: ts.URL, Tokens: newTokens()})
	st, err := c.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := collect(t, st)
	got := asError(t, err)
	if got.Code != "stream_broken" || len(evs) != 1 {
		t.Errorf("%d events, error %v", len(evs), got)
	}
}

func TestCleanEndWithoutCompleted(t *testing.T) {
	e := newEnv(t)
	e.srv.Enqueue(fakebackend.F1b)
	st, err := e.client.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := collect(t, st)
	if err != nil || len(evs) != 9 || evs[8].Type != canon.EventOutputItemDone {
		t.Errorf("%d events, %v", len(evs), err)
	}
}

func TestLimitsFromEveryResponse(t *testing.T) {
	var hooked []Limits
	e := newEnv(t, func(c *Config) { c.OnLimits = func(l Limits) { hooked = append(hooked, l) } })
	if _, ok := e.client.Limits(); ok {
		t.Fatal("limits before any call")
	}
	st, err := e.client.Stream(context.Background(), request("hi"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	l, ok := e.client.Limits()
	if !ok || len(l.Windows) != 2 || l.Windows[0].UsedPercent != 12 || l.PlanType != "plus" {
		t.Fatalf("limits after success: %+v", l)
	}
	e.srv.Enqueue(fakebackend.F5a)
	_, _ = e.client.Stream(context.Background(), request("hi"))
	l, _ = e.client.Limits()
	if l.Windows[0].UsedPercent != 100 || l.ActiveLimit != "codex" {
		t.Errorf("limits after 429: %+v", l)
	}
	e.srv.SetLimits(fakebackend.Limits{PlanType: "pro", Primary: fakebackend.LimitWindow{
		UsedPercent: 3, WindowMinutes: 300, ResetAfter: time.Hour}})
	if _, err := NewCatalog(e.client, CodexVersion).List(context.Background()); err != nil {
		t.Fatal(err)
	}
	l, _ = e.client.Limits()
	if l.PlanType != "pro" || l.Windows[0].UsedPercent != 3 {
		t.Errorf("limits after /models: %+v", l)
	}
	if len(hooked) != 3 {
		t.Errorf("OnLimits called %d times, want 3", len(hooked))
	}
	if !l.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("updated at %v", l.UpdatedAt)
	}
}

func TestMapStatus(t *testing.T) {
	now := time.Unix(1760000000, 0)
	usage := `{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached",` +
		`"plan_type":"plus","resets_at":1760010000,"eligible_promo":null,"resets_in_seconds":10000}}`
	limitHeaders := http.Header{}
	limitHeaders.Set("x-codex-primary-used-percent", "100")
	limitHeaders.Set("x-codex-primary-reset-after-seconds", "600")
	limitHeaders.Set("x-codex-secondary-used-percent", "50")
	limitHeaders.Set("x-codex-secondary-reset-at", "1760400000")
	retryHeader := http.Header{"Retry-After": []string{"7"}}
	tests := []struct {
		name    string
		status  int
		header  http.Header
		body    string
		want    int
		code    string
		retry   time.Duration
		message string
	}{
		{"usage limit resets_at", 429, nil, usage, 429, "usage_limit_reached", 10000 * time.Second,
			"You have reached your ChatGPT usage limit. It resets at 11:40 UTC (in 2h47m)."},
		{"usage limit resets_in_seconds", 429, nil,
			`{"error":{"type":"usage_limit_reached","resets_in_seconds":90}}`, 429,
			"usage_limit_reached", 90 * time.Second, "(in 2m)"},
		{"usage limit from headers", 429, limitHeaders,
			`{"error":{"type":"usage_limit_reached"}}`, 429, "usage_limit_reached",
			600 * time.Second, "resets at 09:03 UTC"},
		{"usage limit unknown reset", 429, nil, `{"error":{"type":"usage_limit_reached"}}`, 429,
			"usage_limit_reached", 0, "You have reached your ChatGPT usage limit."},
		{"plan without codex", 429, nil, `{"error":{"type":"usage_not_included"}}`, 403,
			"usage_not_included", 0, "your ChatGPT plan does not include Codex"},
		{"other 429 with Retry-After", 429, retryHeader,
			`{"error":{"code":"rate_limit_exceeded","message":"Slow down"}}`, 429,
			"rate_limit_exceeded", 7 * time.Second, "Slow down"},
		{"other 429 with delay in text", 429, nil,
			`{"error":{"message":"Rate limit reached. Please try again in 1.5s."}}`, 429,
			"rate_limit_exceeded", 1500 * time.Millisecond, "try again in 1.5s"},
		{"404 naming a usage limit", 404, nil, usage, 429, "usage_limit_reached",
			10000 * time.Second, "usage limit"},
		{"404 naming a rate limit", 404, nil, `{"detail":"rate_limit_exceeded"}`, 429,
			"rate_limit_exceeded", 0, "rate limiting"},
		{"plain 404", 404, nil, `{"detail":"Not Found"}`, 404, "", 0, "Not Found"},
		{"400 detail", 400, nil, `{"detail":"Instructions are required"}`, 400, "", 0,
			"Instructions are required"},
		{"400 error object", 400, nil, `{"error":{"message":"Bad image","type":` +
			`"invalid_request_error","param":"input[0].content[1].image_url","code":"invalid_value"}}`,
			400, "invalid_value", 0, "Bad image"},
		{"422 detail list", 422, nil, `{"detail":[{"loc":["body","input"],"msg":"field required"}]}`,
			400, "", 0, "field required"},
		{"403 html", 403, nil, `<html>Just a moment...</html>`, 403, "", 0, "HTTP 403 Forbidden"},
		{"413", 413, nil, ``, 413, "", 0, "HTTP 413"},
		{"500 after retries", 500, nil, `{"detail":"Internal error"}`, 502, "", 0,
			"the ChatGPT backend failed (HTTP 500): Internal error"},
		{"503 overloaded", 503, nil, `{"error":{"code":"server_is_overloaded","message":"busy"}}`,
			502, "server_is_overloaded", 0, "busy"},
		{"error as string", 409, nil, `{"error":"conflict"}`, 400, "conflict", 0, "HTTP 409"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := mapStatus(tt.status, h, []byte(tt.body), now)
			if got.Status() != tt.want || got.Code != tt.code || got.RetryAfter != tt.retry {
				t.Errorf("got %d %q %v, want %d %q %v", got.Status(), got.Code, got.RetryAfter,
					tt.want, tt.code, tt.retry)
			}
			if !strings.Contains(got.Message, tt.message) {
				t.Errorf("message %q lacks %q", got.Message, tt.message)
			}
		})
	}
}

func TestErrorBodyReadIsBounded(t *testing.T) {
	var sent atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range 64 { // 4 MiB
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	c := New(Config{BaseURL: ts.URL, Tokens: newTokens()})
	_, err := c.Stream(context.Background(), request("hi"))
	if got := asError(t, err); got.Kind != canon.KindInvalidRequest {
		t.Fatalf("got %v", got)
	}
	if json.Valid([]byte(err.Error())) {
		t.Error("unexpected JSON error text")
	}
	if strings.Count(err.Error(), "x") > 100 {
		t.Error("the raw error body leaked into the message")
	}
}

func TestDefaultTransport(t *testing.T) {
	// ProxyFromEnvironment reads HTTPS_PROXY once per process, so the test checks the wiring
	// rather than setting the variable.
	tr := NewTransport()
	if tr.Proxy == nil ||
		reflect.ValueOf(tr.Proxy).Pointer() != reflect.ValueOf(http.ProxyFromEnvironment).Pointer() {
		t.Error("the transport does not take its proxy from the environment")
	}
	if !tr.ForceAttemptHTTP2 || tr.TLSHandshakeTimeout == 0 || tr.ResponseHeaderTimeout == 0 {
		t.Errorf("transport lacks HTTP/2 or timeouts: %+v", tr)
	}
	c := New(Config{Tokens: newTokens()})
	if c.http.Timeout != 0 {
		t.Error("a whole-request timeout would cut long streams")
	}
	if c.base != DefaultBaseURL {
		t.Errorf("base URL %q", c.base)
	}
}

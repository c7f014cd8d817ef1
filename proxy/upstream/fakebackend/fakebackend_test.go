package fakebackend_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// validBody returns a request body the fake accepts; tests change one member at a time.
func validBody() map[string]any {
	return map[string]any{
		"model":        "gpt-5.4",
		"instructions": "You are a helpful assistant.",
		"input": []any{map[string]any{"type": "message", "role": "user",
			"content": []any{map[string]any{"type": "input_text", "text": "Hello"}}}},
		"tools":               []any{},
		"tool_choice":         "auto",
		"parallel_tool_calls": false,
		"reasoning":           map[string]any{"effort": "medium", "summary": "auto"},
		"store":               false,
		"stream":              true,
		"include":             []string{"reasoning.encrypted_content"},
		"prompt_cache_key":    "11111111-2222-3333-4444-555555555555",
	}
}

type call struct {
	token, account string
	body           any
}

func post(t *testing.T, srv *fakebackend.Server, c call) *http.Response {
	t.Helper()
	return postCtx(t, context.Background(), srv, c)
}

func postCtx(t *testing.T, ctx context.Context, srv *fakebackend.Server, c call) *http.Response {
	t.Helper()
	b, err := json.Marshal(c.body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/responses",
		bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.account != "" {
		req.Header.Set("ChatGPT-Account-ID", c.account)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func good(body any) call {
	return call{token: fakebackend.Token, account: fakebackend.AccountID, body: body}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func detailOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	var d struct {
		Detail string `json:"detail"`
		Error  struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	body := readAll(t, resp)
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if d.Detail != "" {
		return d.Detail
	}
	return d.Error.Message
}

func msg(role, text string) map[string]any {
	return map[string]any{"type": "message", "role": role,
		"content": []any{map[string]any{"type": "input_text", "text": text}}}
}

func TestRejections(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(b map[string]any)
		detail string
	}{
		{"stream false", func(b map[string]any) { b["stream"] = false },
			"Stream must be set to true"},
		{"stream missing", func(b map[string]any) { delete(b, "stream") },
			"Stream must be set to true"},
		{"store true", func(b map[string]any) { b["store"] = true }, "Store must be set to false"},
		{"store missing", func(b map[string]any) { delete(b, "store") },
			"Store must be set to false"},
		{"instructions missing", func(b map[string]any) { delete(b, "instructions") },
			"Instructions are required"},
		{"instructions empty", func(b map[string]any) { b["instructions"] = "" },
			"Instructions are required"},
		{"input a string", func(b map[string]any) { b["input"] = "Hello" }, "Input must be a list"},
		{"system message", func(b map[string]any) {
			b["input"] = []any{msg("system", "be brief"), msg("user", "hi")}
		}, "System messages are not allowed"},
		{"item with id", func(b map[string]any) {
			m := msg("user", "hi")
			m["id"] = "msg_abc"
			b["input"] = []any{m}
		}, "Item with id 'msg_abc' not found. Items are not persisted when `store` is set to false."},
		{"orphan tool output", func(b map[string]any) {
			b["input"] = []any{msg("user", "hi"), map[string]any{"type": "function_call_output",
				"call_id": "call_X", "output": "18"}}
		}, "No tool call found for function call output with call_id call_X."},
		{"tool output before its call", func(b map[string]any) {
			b["input"] = []any{
				map[string]any{"type": "function_call_output", "call_id": "call_Y", "output": "1"},
				map[string]any{"type": "function_call", "call_id": "call_Y", "name": "f",
					"arguments": "{}"},
			}
		}, "No tool call found for function call output with call_id call_Y."},
		{"max_output_tokens", func(b map[string]any) { b["max_output_tokens"] = 100 },
			"Unsupported parameter: max_output_tokens"},
		{"temperature", func(b map[string]any) { b["temperature"] = 0.2 },
			"Unsupported parameter: temperature"},
		{"previous_response_id", func(b map[string]any) { b["previous_response_id"] = "resp_1" },
			"Unsupported parameter: previous_response_id"},
		{"unknown model", func(b map[string]any) { b["model"] = "gpt-4o" },
			"The 'gpt-4o' model is not supported when using Codex with a ChatGPT account."},
		{"effort outside the model's levels", func(b map[string]any) {
			b["reasoning"] = map[string]any{"effort": "minimal"}
		}, "Unsupported value: 'minimal' is not supported with the 'gpt-5.4' model. " +
			"Supported values are: 'low', 'medium', 'high', 'xhigh'."},
	}
	srv := fakebackend.New()
	defer srv.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := validBody()
			tt.edit(body)
			resp := post(t, srv, good(body))
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", resp.StatusCode)
			}
			if got := detailOf(t, resp); got != tt.detail {
				t.Errorf("detail = %q, want %q", got, tt.detail)
			}
			last, _ := srv.LastRequest()
			if last.Status != http.StatusBadRequest || last.Scenario != "" {
				t.Errorf("recorded status %d scenario %q", last.Status, last.Scenario)
			}
		})
	}
}

func TestAcceptsValidHistory(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	body := validBody()
	body["input"] = []any{
		msg("user", "weather?"),
		map[string]any{"type": "function_call", "call_id": "call_A", "name": "get_weather",
			"arguments": `{"city":"Paris"}`},
		map[string]any{"type": "function_call_output", "call_id": "call_A", "output": "18°C"},
	}
	body["model"] = "gpt-5.4-mini"
	body["reasoning"] = map[string]any{"effort": "none"}
	resp := post(t, srv, good(body))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d: %s", resp.StatusCode, readAll(t, resp))
	}
}

func TestAuth(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	srv.AcceptToken("second-token")
	srv.RejectToken("revoked-token")
	tests := []struct {
		name    string
		token   string
		account string
		want    int
	}{
		{"default credentials", fakebackend.Token, fakebackend.AccountID, 200},
		{"accepted token", "second-token", "acct", 200},
		{"no token", "", fakebackend.AccountID, 401},
		{"unknown token", "guess", fakebackend.AccountID, 401},
		{"rejected token", "revoked-token", fakebackend.AccountID, 401},
		{"no account id", fakebackend.Token, "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, srv, call{token: tt.token, account: tt.account, body: validBody()})
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == 401 {
				checkUnauthorized(t, resp)
			}
		})
	}
}

func checkUnauthorized(t *testing.T, resp *http.Response) {
	t.Helper()
	if got := detailOf(t, resp); got != "Unauthorized" {
		t.Errorf("detail = %q", got)
	}
	raw, err := base64.StdEncoding.DecodeString(resp.Header.Get("x-error-json"))
	if err != nil || !strings.Contains(string(raw), "token_expired") {
		t.Errorf("x-error-json = %q (%v)", raw, err)
	}
}

// readEvents reads a stream with the upstream SSE reader until it ends or fails.
func readEvents(t *testing.T, r io.Reader) ([]canon.Event, error) {
	t.Helper()
	rd := upstream.NewReader(r)
	var evs []canon.Event
	for {
		ev, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return evs, nil
			}
			return evs, err
		}
		evs = append(evs, ev)
	}
}

func TestStreamedFixtures(t *testing.T) {
	tests := []struct {
		fixture  fakebackend.Fixture
		events   int
		last     string
		text     string
		calls    int
		failCode string
	}{
		{fakebackend.F1, 10, canon.EventCompleted, "Hello, world!", 0, ""},
		{fakebackend.F1b, 9, canon.EventOutputItemDone, "Hello, world!", 0, ""},
		{fakebackend.F2, 15, canon.EventCompleted, "4", 0, ""},
		{fakebackend.F3, 7, canon.EventCompleted, "", 1, ""},
		{fakebackend.F4, 10, canon.EventCompleted, "", 2, ""},
		{fakebackend.F4i, 14, canon.EventCompleted, "", 2, ""},
		{fakebackend.F5d, 3, canon.EventFailed, "Partial", 0, "rate_limit_exceeded"},
		{fakebackend.F5dCtx, 3, canon.EventFailed, "Partial", 0, "context_length_exceeded"},
		{fakebackend.F5e, 1, canon.EventError, "", 0, ""},
	}
	srv := fakebackend.New()
	defer srv.Close()
	for _, tt := range tests {
		t.Run(string(tt.fixture), func(t *testing.T) {
			srv.Enqueue(tt.fixture)
			resp := post(t, srv, good(validBody()))
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("content type %q", ct)
			}
			evs, err := readEvents(t, resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			checkStream(t, evs, tt.events, tt.last, tt.text, tt.calls)
			if tt.failCode != "" && evs[len(evs)-1].Response.Error.Code != tt.failCode {
				t.Errorf("failure code = %q", evs[len(evs)-1].Response.Error.Code)
			}
			if last, _ := srv.LastRequest(); last.Scenario != string(tt.fixture) {
				t.Errorf("recorded scenario %q", last.Scenario)
			}
		})
	}
}

func checkStream(t *testing.T, evs []canon.Event, n int, last, text string, calls int) {
	t.Helper()
	if len(evs) != n {
		t.Fatalf("got %d events, want %d", len(evs), n)
	}
	if got := evs[len(evs)-1].Type; got != last {
		t.Errorf("last event %q, want %q", got, last)
	}
	var b strings.Builder
	args := map[string]string{}
	for i, ev := range evs {
		if ev.Sequence != i && ev.Type != canon.EventError {
			t.Errorf("event %d has sequence_number %d", i, ev.Sequence)
		}
		switch ev.Type {
		case canon.EventOutputTextDelta:
			b.WriteString(ev.Delta)
		case canon.EventFunctionArgsDelta:
			args[ev.ItemID] += ev.Delta
		case canon.EventCompleted:
			if !strings.Contains(string(ev.Raw), `"output":[]`) {
				t.Errorf("completed output is not empty: %s", ev.Raw)
			}
		}
	}
	if b.String() != text {
		t.Errorf("text = %q, want %q", b.String(), text)
	}
	if len(args) != calls {
		t.Errorf("calls with argument deltas = %d, want %d", len(args), calls)
	}
	for id, a := range args {
		if !json.Valid([]byte(a)) {
			t.Errorf("arguments of %s do not join to JSON: %q", id, a)
		}
	}
}

func TestErrorFixtures(t *testing.T) {
	now := time.Unix(1760000000, 0)
	tests := []struct {
		fixture fakebackend.Fixture
		status  int
		has     string
	}{
		{fakebackend.F5a, 429, `"resets_at":1760010000`},
		{fakebackend.F5b, 429, `"type":"usage_not_included"`},
		{fakebackend.F5c, 400, `{"detail":"Unsupported parameter: max_output_tokens"}`},
		{fakebackend.F5f, 503, `"code":"server_is_overloaded"`},
		{fakebackend.F5g, 401, `{"detail":"Unauthorized"}`},
	}
	srv := fakebackend.New()
	defer srv.Close()
	srv.SetClock(func() time.Time { return now })
	for _, tt := range tests {
		t.Run(string(tt.fixture), func(t *testing.T) {
			srv.Enqueue(tt.fixture)
			resp := post(t, srv, good(validBody()))
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if body := readAll(t, resp); !strings.Contains(body, tt.has) {
				t.Errorf("body %s lacks %s", body, tt.has)
			}
		})
	}
	srv.Enqueue(fakebackend.F5a)
	h := post(t, srv, good(validBody())).Header
	want := map[string]string{
		"x-codex-active-limit":                "codex",
		"x-codex-plan-type":                   "plus",
		"x-codex-primary-used-percent":        "100",
		"x-codex-primary-window-minutes":      "300",
		"x-codex-primary-reset-at":            "1760010000",
		"x-codex-primary-reset-after-seconds": "10000",
		"x-codex-secondary-used-percent":      "62",
		"x-codex-secondary-window-minutes":    "10080",
		"x-codex-secondary-reset-at":          "1760400000",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("F5a header %s = %q, want %q", k, got, v)
		}
	}
}

func TestMarkerPicksFixture(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	body := validBody()
	body["input"] = []any{msg("user", "call a tool please [[F3]]")}
	resp := post(t, srv, good(body))
	evs, err := readEvents(t, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, evs, 7, canon.EventCompleted, "", 1)

	body["input"] = []any{msg("user", "unknown marker [[F99]]")}
	resp = post(t, srv, good(body))
	evs, err = readEvents(t, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, evs, 10, canon.EventCompleted, "Hello, world!", 0) // the default, F1
}

func TestQueueBeforeMarker(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	srv.Enqueue(fakebackend.F5c)
	body := validBody()
	body["input"] = []any{msg("user", "[[F3]]")}
	if resp := post(t, srv, good(body)); resp.StatusCode != 400 {
		t.Fatalf("queued F5c not used: status %d", resp.StatusCode)
	}
	if resp := post(t, srv, good(body)); resp.StatusCode != 200 {
		t.Fatalf("marker after the queue emptied: status %d", resp.StatusCode)
	}
	if last, _ := srv.LastRequest(); last.Scenario != "F3" {
		t.Errorf("scenario %q, want F3", last.Scenario)
	}
}

func TestEcho(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	srv.Enqueue(fakebackend.Echo)
	body := validBody()
	body["input"] = []any{msg("user", "first"), msg("assistant", "x"),
		msg("user", "Grüße aus Köln, wie geht's?")}
	resp := post(t, srv, good(body))
	evs, err := readEvents(t, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	deltas := 0
	for _, ev := range evs {
		if ev.Type == canon.EventOutputTextDelta {
			deltas++
		}
	}
	if deltas < 5 {
		t.Errorf("echo sent %d deltas, want small pieces", deltas)
	}
	checkStream(t, evs, len(evs), canon.EventCompleted, "Grüße aus Köln, wie geht's?", 0)
	if u := evs[len(evs)-1].Response.Usage; u == nil || u.OutputTokens != deltas {
		t.Errorf("usage = %+v", u)
	}
}

func TestSlowAndCancel(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	srv.Enqueue(fakebackend.Slow(1000, 20*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	resp := postCtx(t, ctx, srv, good(validBody()))
	rd := upstream.NewReader(resp.Body)
	for range 3 { // created, item added, the first delta
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if !srv.WaitCancelled(wait, 1) {
		t.Fatalf("the fake never saw the cancellation (cancelled = %d)", srv.Cancelled())
	}
}

func TestLarge(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	srv.Enqueue(fakebackend.Large(500))
	resp := post(t, srv, good(validBody()))
	evs, err := readEvents(t, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 504 || evs[503].Type != canon.EventCompleted {
		t.Fatalf("got %d events", len(evs))
	}
}

func TestEventsAndStatus(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	srv.Enqueue(
		fakebackend.Events(`{"type":"response.created","response":{"id":"r"}}`,
			`{"type":"response.output_text.delta","delta":"x"}`),
		fakebackend.Status(502, `{"detail":"bad gateway"}`),
	)
	evs, err := readEvents(t, post(t, srv, good(validBody())).Body)
	if err != nil || len(evs) != 2 || evs[1].Delta != "x" {
		t.Fatalf("events %+v, %v", evs, err)
	}
	if resp := post(t, srv, good(validBody())); resp.StatusCode != 502 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestRecordsRequests(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	resp := post(t, srv, good(validBody()))
	_, _ = io.Copy(io.Discard, resp.Body)
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/responses" || r.Status != 200 || r.Scenario != "F1" {
		t.Errorf("recorded %s %s %d %q", r.Method, r.Path, r.Status, r.Scenario)
	}
	if r.Header.Get("ChatGPT-Account-ID") != fakebackend.AccountID {
		t.Errorf("headers not recorded: %v", r.Header)
	}
	if r.Request.Model != "gpt-5.4" || len(r.Request.Input) != 1 || !r.Request.Stream {
		t.Errorf("body not decoded: %+v", r.Request)
	}
	if _, ok := r.Fields["prompt_cache_key"]; !ok {
		t.Errorf("fields not recorded: %v", r.Fields)
	}
}

func TestLimitHeadersOnEveryResponse(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	srv.SetLimits(fakebackend.Limits{
		Primary: fakebackend.LimitWindow{UsedPercent: 91.5, WindowMinutes: 300,
			ResetAfter: time.Minute},
	})
	bad := validBody()
	bad["stream"] = false
	responses := []*http.Response{
		post(t, srv, good(validBody())),
		post(t, srv, good(bad)),
		post(t, srv, call{body: validBody()}),
		getModels(t, srv, "0.146.0", fakebackend.Token),
	}
	for i, resp := range responses {
		if got := resp.Header.Get("x-codex-primary-used-percent"); got != "91.5" {
			t.Errorf("response %d (status %d): used percent %q", i, resp.StatusCode, got)
		}
	}
}

func getModels(t *testing.T, srv *fakebackend.Server, version, token string) *http.Response {
	t.Helper()
	u := srv.URL + "/models"
	if version != "" {
		u += "?client_version=" + version
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("ChatGPT-Account-ID", fakebackend.AccountID)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestModels(t *testing.T) {
	srv := fakebackend.New()
	defer srv.Close()
	resp := getModels(t, srv, "0.146.0", fakebackend.Token)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var body struct {
		Models []map[string]json.RawMessage `json:"models"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	slugs := map[string]string{}
	arrays := 0
	for _, m := range body.Models {
		var slug, vis string
		_ = json.Unmarshal(m["slug"], &slug)
		_ = json.Unmarshal(m["visibility"], &vis)
		slugs[slug] = vis
		if bytes.HasPrefix(m["minimal_client_version"], []byte("[")) {
			arrays++
		}
	}
	for _, s := range []string{"gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.3-codex"} {
		if slugs[s] != "list" {
			t.Errorf("model %s visibility %q", s, slugs[s])
		}
	}
	if slugs["codex-auto-review"] != "hide" || len(slugs) != 5 || arrays != 1 {
		t.Errorf("models %v, %d with an array version", slugs, arrays)
	}

	if resp := getModels(t, srv, "0.146.0", "wrong"); resp.StatusCode != 401 {
		t.Errorf("bad token: status %d", resp.StatusCode)
	}
	if resp := getModels(t, srv, "", fakebackend.Token); resp.StatusCode != 400 {
		t.Errorf("no client_version: status %d", resp.StatusCode)
	}
	srv.SetModelsStatus(500)
	if resp := getModels(t, srv, "0.146.0", fakebackend.Token); resp.StatusCode != 500 {
		t.Errorf("forced failure: status %d", resp.StatusCode)
	}
	srv.SetModelsStatus(0)
	if resp := getModels(t, srv, "0.146.0", fakebackend.Token); resp.StatusCode != 200 {
		t.Errorf("restored: status %d", resp.StatusCode)
	}
}

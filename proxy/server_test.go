package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// tokens is a TokenSource handing out the fake backend's token; Renew switches to next.
type tokens struct {
	mu      sync.Mutex
	token   string
	next    string
	renews  int
	signOut bool
}

type signInErr struct{}

func (signInErr) Error() string        { return "not signed in to ChatGPT: run `lagp login`" }
func (signInErr) SignInRequired() bool { return true }

func (t *tokens) AccessToken(context.Context) (string, string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.signOut {
		return "", "", signInErr{}
	}
	return t.token, fakebackend.AccountID, nil
}

func (t *tokens) Renew(_ context.Context, rejected string) (string, string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.renews++
	if t.next != "" {
		t.token = t.next
	}
	return t.token, fakebackend.AccountID, nil
}

type harness struct {
	fake   *fakebackend.Server
	tokens *tokens
	srv    *Server
	url    string
	keys   []string
}

func newHarness(t *testing.T, keys ...string) *harness {
	t.Helper()
	h := &harness{fake: fakebackend.New(), tokens: &tokens{token: fakebackend.Token}, keys: keys}
	t.Cleanup(h.fake.Close)
	client := upstream.New(upstream.Config{BaseURL: h.fake.URL, Tokens: h.tokens,
		Version: "test"})
	h.srv = New(Options{
		Version: "test",
		Client:  client,
		Catalog: upstream.NewCatalog(client, upstream.CodexVersion),
		APIKeys: func() []string { return h.keys },
		Account: func() Account {
			return Account{State: "signed_in", Email: "a@example.com", Plan: "plus"}
		},
	})
	if err := h.srv.Listen("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.srv.Shutdown(context.Background()) })
	h.url = h.srv.URL()
	return h
}

// do sends a request with an optional JSON body and extra headers ("Name: value").
func (h *harness) do(t *testing.T, method, path, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range headers {
		k, v, _ := strings.Cut(kv, ": ")
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const chatF1 = `{"model":"gpt-5.4","messages":[{"role":"user","content":"[[F1]] hi"}]}`

func TestRouteTableSorted(t *testing.T) {
	var paths []string
	for _, rt := range (&Server{}).table() {
		_, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			path = rt.pattern
		}
		paths = append(paths, strings.TrimSuffix(path, "{$}"))
	}
	if !slices.IsSorted(paths) {
		t.Errorf("route table not sorted by path:\n%s", strings.Join(paths, "\n"))
	}
}

func TestOllamaRootAndVersion(t *testing.T) {
	h := newHarness(t)
	res := h.do(t, "GET", "/", "")
	if got := readAll(t, res.Body); got != "Ollama is running" {
		t.Errorf("GET / = %q", got)
	}
	if res := h.do(t, "HEAD", "/api/version", ""); res.StatusCode != 200 {
		t.Errorf("HEAD /api/version = %d", res.StatusCode)
	}
	var v struct{ Version string }
	if err := json.NewDecoder(h.do(t, "GET", "/api/version", "").Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(v.Version, ".")
	minor, _ := strconv.Atoi(parts[1])
	if len(parts) != 3 || (parts[0] == "0" && minor < 12) {
		t.Errorf("version %q is not a numeric version ≥ 0.12.10", v.Version)
	}
}

func TestChatNonStream(t *testing.T) {
	h := newHarness(t)
	res := h.do(t, "POST", "/v1/chat/completions", chatF1)
	var out struct {
		Choices []struct {
			Message      struct{ Content string }
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Choices[0].Message.Content != "Hello, world!" || out.Usage.TotalTokens != 17 ||
		out.Choices[0].FinishReason != "stop" {
		t.Errorf("answer %+v", out)
	}
	rec, _ := h.fake.LastRequest()
	if rec.Request.Instructions == "" || rec.Request.Store || !rec.Request.Stream {
		t.Errorf("upstream request %s", rec.Body)
	}
}

func TestChatStreamEndsWithDone(t *testing.T) {
	h := newHarness(t)
	res := h.do(t, "POST", "/v1/chat/completions",
		`{"model":"gpt-5.4","stream":true,"messages":[{"role":"user","content":"[[F1]]"}]}`)
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content type %q", ct)
	}
	body := readAll(t, res.Body)
	if !strings.HasSuffix(body, "data: [DONE]\n\n") || !strings.Contains(body, `"Hello"`) {
		t.Errorf("stream:\n%s", body)
	}
}

func TestStreamErrorsNeverFinishNormally(t *testing.T) {
	tests := []struct {
		fixture string
		want    string
	}{
		{"F1b", "closed the stream before the response completed"},
		{"F5d", "Rate limit reached"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			h := newHarness(t)
			res := h.do(t, "POST", "/v1/chat/completions", `{"model":"gpt-5.4","stream":true,`+
				`"messages":[{"role":"user","content":"[[`+tt.fixture+`]]"}]}`)
			body := readAll(t, res.Body)
			if strings.Contains(body, "[DONE]") || strings.Contains(body, `"finish_reason":"stop"`) {
				t.Errorf("failed stream finished normally:\n%s", body)
			}
			if !strings.Contains(body, `"error"`) || !strings.Contains(body, tt.want) {
				t.Errorf("stream lacks the error %q:\n%s", tt.want, body)
			}
			res = h.do(t, "POST", "/api/chat", `{"model":"gpt-5.4","messages":[{"role":"user",`+
				`"content":"[[`+tt.fixture+`]]"}]}`)
			body = readAll(t, res.Body)
			if strings.Contains(body, `"done":true`) || !strings.Contains(body, `{"error":`) {
				t.Errorf("ollama stream:\n%s", body)
			}
		})
	}
}

func TestErrorBeforeFirstByteIsAStatus(t *testing.T) {
	h := newHarness(t)
	res := h.do(t, "POST", "/v1/chat/completions",
		`{"model":"gpt-5.4","stream":true,"messages":[{"role":"user","content":"[[F5e]]"}]}`)
	body := readAll(t, res.Body)
	if res.StatusCode < 400 || !strings.Contains(body, "flagged") {
		t.Errorf("status %d body %s", res.StatusCode, body)
	}
}

func TestUsageLimitIs429WithRetryAfter(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
		res := h.do(t, "POST", path,
			`{"model":"gpt-5.4","messages":[{"role":"user","content":"[[F5a]]"}]}`)
		body := readAll(t, res.Body)
		ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != 429 || ra < 9990 || ra > 10001 {
			t.Errorf("%s: status %d Retry-After %q", path, res.StatusCode,
				res.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, "resets") {
			t.Errorf("%s: message does not name the reset: %s", path, body)
		}
	}
	n := 0
	for _, rec := range h.fake.Requests() {
		if rec.Path == "/responses" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("usage limit retried: %d upstream calls for 2 requests", n)
	}
}

func TestNotSignedInIs401WithHowTo(t *testing.T) {
	h := newHarness(t)
	h.tokens.signOut = true
	res := h.do(t, "POST", "/v1/chat/completions", chatF1)
	body := readAll(t, res.Body)
	if res.StatusCode != 401 || !strings.Contains(body, "lagp login") ||
		!strings.Contains(body, `"error":{`) {
		t.Errorf("status %d body %s", res.StatusCode, body)
	}
	res = h.do(t, "POST", "/api/chat", chatF1)
	if body := readAll(t, res.Body); res.StatusCode != 401 ||
		!strings.HasPrefix(body, `{"error":"`) {
		t.Errorf("ollama: status %d body %s", res.StatusCode, body)
	}
	for _, path := range []string{"/v1/models", "/api/tags"} {
		res = h.do(t, "GET", path, "")
		if body := readAll(t, res.Body); res.StatusCode != 401 ||
			!strings.Contains(body, "lagp login") {
			t.Errorf("%s: status %d body %s", path, res.StatusCode, body)
		}
	}
}

func TestSyncReachableFromOtherHosts(t *testing.T) {
	h := newHarness(t)
	res := h.do(t, "POST", "/auth/sync", `{"check":true}`, "Host: server.example.net",
		"Origin: https://elsewhere.example")
	if body := readAll(t, res.Body); res.StatusCode != 404 ||
		!strings.Contains(body, "--sync-secret") {
		t.Errorf("status %d body %s", res.StatusCode, body)
	}
}

func TestBackend401RenewsOnce(t *testing.T) {
	h := newHarness(t)
	h.fake.RejectToken(fakebackend.Token)
	h.fake.AcceptToken("fresh-token")
	h.tokens.next = "fresh-token"
	res := h.do(t, "POST", "/v1/chat/completions", chatF1)
	if res.StatusCode != 200 || h.tokens.renews != 1 {
		t.Errorf("status %d after %d renewals", res.StatusCode, h.tokens.renews)
	}
}

func TestClientDisconnectCancelsUpstream(t *testing.T) {
	h := newHarness(t)
	h.fake.Enqueue(fakebackend.Slow(1000, 20*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", h.url+"/v1/chat/completions",
		strings.NewReader(`{"model":"gpt-5.4","stream":true,"messages":[{"role":"user",`+
			`"content":"go"}]}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	res.Body.Close()
	wait, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if !h.fake.WaitCancelled(wait, 1) {
		t.Error("upstream request still running after the client left")
	}
}

func TestAPIKeys(t *testing.T) {
	h := newHarness(t, "k-one", "k-two")
	tests := []struct {
		name, path string
		headers    []string
		status     int
		shape      string
	}{
		{"missing openai", "/v1/models", nil, 401, `{"error":{`},
		{"missing ollama", "/api/tags", nil, 401, `{"error":"`},
		{"wrong", "/v1/models", []string{"Authorization: Bearer nope"}, 401, "invalid API key"},
		{"bearer", "/v1/models", []string{"Authorization: Bearer k-two"}, 200, `"object":"list"`},
		{"x-api-key", "/api/tags", []string{"X-Api-Key: k-one"}, 200, `"models"`},
		{"health is open", "/api/version", nil, 200, "version"},
		{"other host with key", "/v1/models",
			[]string{"Authorization: Bearer k-one", "Host: lagp.example.net"}, 200, "list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(t, "GET", tt.path, "", tt.headers...)
			body := readAll(t, res.Body)
			if res.StatusCode != tt.status || !strings.Contains(body, tt.shape) {
				t.Errorf("status %d body %s", res.StatusCode, body)
			}
		})
	}
}

func TestHostAndOriginGuards(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		headers []string
		status  int
		cors    string
	}{
		{"loopback ip", []string{"Host: 127.0.0.1:11434"}, 200, ""},
		{"localhost", []string{"Host: localhost"}, 200, ""},
		{"rebinding", []string{"Host: evil.example.com"}, 403, ""},
		{"foreign origin", []string{"Origin: https://evil.example.com"}, 403, ""},
		{"local origin", []string{"Origin: http://localhost:3000"}, 200, "http://localhost:3000"},
		{"editor webview", []string{"Origin: vscode-webview://abc"}, 200, "vscode-webview://abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(t, "GET", "/v1/models", "", tt.headers...)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.cors {
				t.Errorf("CORS grant %q, want %q", got, tt.cors)
			}
		})
	}
	h.srv.AllowHost("abc.trycloudflare.com")
	if res := h.do(t, "GET", "/api/tags", "", "Host: abc.trycloudflare.com"); res.StatusCode != 200 {
		t.Errorf("allowed tunnel host refused: %d", res.StatusCode)
	}
	pre := h.do(t, "OPTIONS", "/v1/chat/completions", "", "Origin: http://127.0.0.1:5173",
		"Access-Control-Request-Method: POST")
	if pre.StatusCode != 204 || !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"),
		"X-Stainless-Os") && !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"),
		"X-Stainless-OS") {
		t.Errorf("preflight %d %v", pre.StatusCode, pre.Header)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t)
	h.srv.opts.MaxBody = 1024
	big := `{"model":"gpt-5.4","messages":[{"role":"user","content":"` +
		strings.Repeat("x", 4096) + `"}]}`
	for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
		res := h.do(t, "POST", path, big)
		if body := readAll(t, res.Body); res.StatusCode != 413 || !strings.Contains(body, "error") {
			t.Errorf("%s: status %d body %s", path, res.StatusCode, body)
		}
	}
}

func TestBadInputGetsDialectErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		path, body string
		status     int
		shape      string
	}{
		{"/v1/chat/completions", `{`, 400, `{"error":{`},
		{"/v1/chat/completions", `{"model":"gpt-0","messages":[]}`, 404, "gpt-0"},
		{"/api/chat", `not json`, 400, `{"error":"`},
		{"/api/show", `{"name":"nope"}`, 404, "nope"},
		{"/api/pull", `{"model":"llama3"}`, 501, "ChatGPT"},
		{"/api/embed", `{"model":"x","input":"y"}`, 501, "ChatGPT"},
		{"/v1/embeddings", `{}`, 404, "does not serve"},
		{"/nowhere", ``, 404, "no route"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := h.do(t, "POST", tt.path, tt.body)
			body := readAll(t, res.Body)
			if res.StatusCode != tt.status || !strings.Contains(body, tt.shape) {
				t.Errorf("status %d body %s", res.StatusCode, body)
			}
		})
	}
}

func TestListenNonLoopbackNeedsKey(t *testing.T) {
	h := newHarness(t)
	if err := h.srv.Rebind("0.0.0.0", 0); !errors.Is(err, ErrNeedsAPIKey) {
		t.Fatalf("rebind to all interfaces without a key: %v", err)
	}
	if h.srv.URL() != h.url {
		t.Errorf("failed rebind moved the server to %s", h.srv.URL())
	}
}

func TestRebindMovesListener(t *testing.T) {
	h := newHarness(t)
	old := h.url
	if err := h.srv.Rebind("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	h.url = h.srv.URL()
	if h.url == old {
		t.Fatal("address did not change")
	}
	if res := h.do(t, "GET", "/api/version", ""); res.StatusCode != 200 {
		t.Errorf("new address answers %d", res.StatusCode)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(old, "http://"), time.Second); err == nil {
		t.Error("old address still accepts connections")
	}
}

func TestStatusReportsUsage(t *testing.T) {
	h := newHarness(t)
	readAll(t, h.do(t, "POST", "/v1/chat/completions", chatF1).Body)
	var rep StatusReport
	if err := json.NewDecoder(h.do(t, "GET", "/lagp/status", "").Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if rep.State != "signed_in" || rep.Account == nil || rep.Account.Email != "a@example.com" ||
		rep.Models == 0 || len(rep.Listen) != 1 {
		t.Errorf("status %+v", rep)
	}
	if rep.Usage == nil || len(rep.Usage.Windows) < 2 || rep.Usage.Windows[0].WindowMinutes == 0 {
		t.Errorf("usage %+v", rep.Usage)
	}
}

func TestRebindSamePortToAllInterfaces(t *testing.T) {
	h := newHarness(t, "k")
	_, port, _ := net.SplitHostPort(h.srv.Addr())
	p, _ := strconv.Atoi(port)
	if err := h.srv.Rebind("0.0.0.0", p); err != nil {
		t.Fatalf("loopback to all interfaces on port %d: %v", p, err)
	}
	if got := h.srv.Addr(); got != "0.0.0.0:"+port && got != "[::]:"+port {
		t.Errorf("listening on %s", got)
	}
	if res := h.do(t, "GET", "/api/version", ""); res.StatusCode != 200 {
		t.Errorf("answer after the move: %d", res.StatusCode)
	}
	if err := h.srv.Rebind("127.0.0.1", p); err != nil {
		t.Fatalf("back to loopback: %v", err)
	}
}

func TestRebindToBusyPortKeepsOldAddress(t *testing.T) {
	h := newHarness(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	old := h.srv.Addr()
	if err := h.srv.Rebind("127.0.0.1", busy.Addr().(*net.TCPAddr).Port); err == nil {
		t.Fatal("rebind to a busy port succeeded")
	}
	if h.srv.Addr() != old {
		t.Errorf("moved to %s after a failed rebind", h.srv.Addr())
	}
	if res := h.do(t, "GET", "/api/version", ""); res.StatusCode != 200 {
		t.Errorf("old address answers %d", res.StatusCode)
	}
}

func TestLocalRoutesRefuseTunnels(t *testing.T) {
	h := newHarness(t, "k")
	h.srv.AllowHost("abc.trycloudflare.com")
	tests := []struct {
		name    string
		headers []string
		status  int
	}{
		{"this machine", nil, 200},
		{"ssh tunnel", []string{"Host: localhost:11434"}, 200},
		{"public tunnel host", []string{"Host: abc.trycloudflare.com"}, 403},
		{"forwarded", []string{"X-Forwarded-For: 203.0.113.9"}, 403},
		{"cloudflare", []string{"Cf-Connecting-Ip: 203.0.113.9"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(t, "GET", "/lagp/status", "", tt.headers...)
			if body := readAll(t, res.Body); res.StatusCode != tt.status {
				t.Errorf("status %d body %s", res.StatusCode, body)
			}
		})
	}
}

func TestSlowHeadersAreCut(t *testing.T) {
	h := newHarness(t)
	h.srv.opts.HeaderTimeout = 100 * time.Millisecond
	if err := h.srv.Rebind("127.0.0.1", 0); err != nil { // a new http.Server takes it up
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", h.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /api/version HTTP/1.1\r\nHost: localhost\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a connection whose headers never finished")
	}
}

func TestCursorResponsesBodyOnChat(t *testing.T) {
	h := newHarness(t)
	res := h.do(t, "POST", "/v1/chat/completions", `{"model":"gpt-5.5","stream":true,`+
		`"input":[{"role":"user","content":[{"type":"input_text","text":"[[F2]] 2+2?"}]}],`+
		`"reasoning":{"effort":"high","summary":"auto"},"include":["reasoning.encrypted_content"],`+
		`"text":{"verbosity":"low"},"stream_options":{"include_usage":true}}`)
	body := readAll(t, res.Body)
	for _, want := range []string{`"object":"chat.completion.chunk"`, `"reasoning_content"`,
		`"content":"4"`, `"finish_reason":"stop"`, `"usage":{"prompt_tokens":30`, "[DONE]"} {
		if !strings.Contains(body, want) {
			t.Errorf("stream lacks %s:\n%s", want, body)
		}
	}
	rec, _ := h.fake.LastRequest()
	if rec.Request.Reasoning == nil || rec.Request.Reasoning.Effort != "high" {
		t.Errorf("upstream reasoning %+v", rec.Request.Reasoning)
	}
}

func TestLongToolNamesComeBackWhole(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("mcp__server__a_really_long_tool_name_", 3)
	short := canon.ToolNames{}.Short(long)
	call := func(typ string) string {
		return `{"type":"response.output_item.` + typ + `","output_index":0,"item":{"id":"fc_1",` +
			`"type":"function_call","call_id":"call_L","name":"` + short + `","arguments":"{}"}}`
	}
	stream := fakebackend.Events(
		`{"type":"response.created","response":{"id":"resp_L","status":"in_progress","output":[]}}`,
		call("added"), call("done"),
		`{"type":"response.completed","response":{"id":"resp_L","status":"completed","output":[]}}`)
	tools := `"tools":[{"type":"function","name":"` + long + `","parameters":{"type":"object"}}]`
	chatTools := `"tools":[{"type":"function","function":{"name":"` + long + `"}}]`
	tests := []struct{ path, body string }{
		{"/v1/responses", `{"model":"gpt-5.4","input":"go",` + tools + `}`},
		{"/v1/responses", `{"model":"gpt-5.4","stream":true,"input":"go",` + tools + `}`},
		{"/v1/chat/completions", `{"model":"gpt-5.4","messages":[{"role":"user",` +
			`"content":"go"}],` + chatTools + `}`},
		{"/api/chat", `{"model":"gpt-5.4","messages":[{"role":"user","content":"go"}],` +
			chatTools + `}`},
	}
	for _, tt := range tests {
		h.fake.Enqueue(stream)
		res := h.do(t, "POST", tt.path, tt.body)
		body := readAll(t, res.Body)
		if res.StatusCode != 200 || !strings.Contains(body, long) || strings.Contains(body, short) {
			t.Errorf("%s: status %d body %s", tt.path, res.StatusCode, body)
		}
	}
	if rec, _ := h.fake.LastRequest(); rec.Request.Tools[0].Name != short {
		t.Errorf("upstream got tool name %q", rec.Request.Tools[0].Name)
	}
}

package ollama

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/ollama/ollama/api"
)

// clientServer serves the package's functions the way the proxy glue does, with the answer of
// every turn replayed from a fixture: the last user message names it ("F1", "F3", …).
type clientServer struct {
	t        *testing.T
	lastChat *canon.Draft // the draft of the latest /api/chat request
}

func (s *clientServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/api/version":
		_, _ = w.Write(Version())
	case "/api/tags":
		_, _ = w.Write(Tags(testModels(), t0))
	case "/api/show":
		name, err := DecodeShow(body)
		if err != nil {
			WriteError(w, canon.AsError(err))
			return
		}
		m, _, err := LookupModel(name, testModels())
		if err != nil {
			WriteError(w, canon.AsError(err))
			return
		}
		_, _ = w.Write(Show(m, t0))
	case "/api/chat":
		s.chat(w, body)
	case "/api/generate":
		s.generate(w, body)
	default:
		WriteError(w, Unsupported(r.URL.Path))
	}
}

func (s *clientServer) chat(w http.ResponseWriter, body []byte) {
	d, opts, err := DecodeChat(body, testModels())
	if err != nil {
		WriteError(w, canon.AsError(err))
		return
	}
	s.lastChat = d
	meta := Meta{Model: opts.Model, Start: t0, Now: stepClock()}
	fixture := pickFixture(d)
	if opts.Stream {
		play(s.t, fixture, NewChatStream(w, meta, opts))
		return
	}
	_, _ = w.Write(ChatResponse(meta, collect(s.t, fixture), opts))
}

func (s *clientServer) generate(w http.ResponseWriter, body []byte) {
	d, opts, err := DecodeGenerate(body, testModels())
	if err != nil {
		WriteError(w, canon.AsError(err))
		return
	}
	meta := Meta{Model: opts.Model, Start: t0, Now: stepClock()}
	if opts.Load || opts.Unload {
		_, _ = w.Write(GenerateControl(meta, opts))
		return
	}
	if opts.Stream {
		play(s.t, pickFixture(d), NewGenerateStream(w, meta, opts))
		return
	}
	_, _ = w.Write(GenerateResponse(meta, collect(s.t, pickFixture(d)), opts))
}

func pickFixture(d *canon.Draft) string {
	last := ""
	for _, it := range d.Input {
		if it.Type == canon.ItemMessage && it.Role == "user" && len(it.Content) > 0 {
			last = it.Content[0].Text
		}
	}
	switch last {
	case "F2":
		return fixtureF2
	case "F3":
		return fixtureF3
	case "F4":
		return fixtureF4
	case "F5d":
		return fixtureF5d
	}
	return fixtureF1
}

func newClient(t *testing.T) (*api.Client, *clientServer) {
	t.Helper()
	t.Setenv("OLLAMA_AUTH", "")
	s := &clientServer{t: t}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return api.NewClient(u, srv.Client()), s
}

func TestOllamaClient_ChatStream(t *testing.T) {
	c, _ := newClient(t)
	var content strings.Builder
	var last api.ChatResponse
	err := c.Chat(context.Background(), &api.ChatRequest{Model: "gpt-5.4:latest",
		Messages: []api.Message{{Role: "user", Content: "F1"}}}, func(r api.ChatResponse) error {
		content.WriteString(r.Message.Content)
		last = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if content.String() != "Hello, world!" || !last.Done || last.DoneReason != "stop" ||
		last.PromptEvalCount != 12 || last.EvalCount != 5 || last.EvalDuration <= 0 {
		t.Errorf("content %q, last %+v", content.String(), last)
	}
}

func TestOllamaClient_ChatNoStream(t *testing.T) {
	c, _ := newClient(t)
	no := false
	var got []api.ChatResponse
	err := c.Chat(context.Background(), &api.ChatRequest{Model: "gpt-5.5", Stream: &no,
		Messages: []api.Message{{Role: "user", Content: "F2"}}}, func(r api.ChatResponse) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Message.Content != "4" || !got[0].Done ||
		!strings.HasPrefix(got[0].Message.Thinking, "**Planning**") {
		t.Errorf("responses = %+v", got)
	}
}

// TestOllamaClient_ToolRoundTrip sends the tool call of an answer back as the client's own
// library serialises it, and checks the backend would get the call and its result paired.
func TestOllamaClient_ToolRoundTrip(t *testing.T) {
	c, s := newClient(t)
	ctx := context.Background()
	msgs := []api.Message{{Role: "user", Content: "F3"}}
	var calls []api.ToolCall
	err := c.Chat(ctx, &api.ChatRequest{Model: "gpt-5.4", Messages: msgs},
		func(r api.ChatResponse) error {
			calls = append(calls, r.Message.ToolCalls...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].ID != "call_AAA111" || calls[0].Function.Name != "get_weather" {
		t.Fatalf("tool calls = %+v", calls)
	}
	if city, _ := calls[0].Function.Arguments.Get("city"); city != "Paris" {
		t.Fatalf("arguments = %s", calls[0].Function.Arguments.String())
	}
	msgs = append(msgs, api.Message{Role: "assistant", ToolCalls: calls},
		api.Message{Role: "tool", ToolName: "get_weather", ToolCallID: calls[0].ID,
			Content: "18°C, sunny"}, api.Message{Role: "user", Content: "F1"})
	err = c.Chat(ctx, &api.ChatRequest{Model: "gpt-5.4", Messages: msgs},
		func(api.ChatResponse) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	req, _ := s.lastChat.Build(nil)
	in := inputJSON(t, req)
	for _, want := range []string{
		`{"type":"function_call","name":"get_weather","arguments":"{\"city\":\"Paris\"}",` +
			`"call_id":"call_AAA111"}`,
		`{"type":"function_call_output","call_id":"call_AAA111","output":"18°C, sunny"}`,
	} {
		if !strings.Contains(in, want) {
			t.Errorf("input lacks %s:\n%s", want, in)
		}
	}
}

func TestOllamaClient_Errors(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	noop := func(api.ChatResponse) error { return nil }

	err := c.Chat(ctx, &api.ChatRequest{Model: "gpt-5.4",
		Messages: []api.Message{{Role: "user", Content: "F5d"}}}, noop)
	if err == nil || !strings.Contains(err.Error(), "Rate limit reached") {
		t.Errorf("mid-stream failure: err = %v", err)
	}

	err = c.Chat(ctx, &api.ChatRequest{Model: "llama3",
		Messages: []api.Message{{Role: "user", Content: "x"}}}, noop)
	var se api.StatusError
	if !errors.As(err, &se) || se.StatusCode != 404 ||
		!strings.Contains(se.ErrorMessage, "ChatGPT account") {
		t.Errorf("unknown model: err = %#v", err)
	}

	err = c.Pull(ctx, &api.PullRequest{Model: "llama3"}, func(api.ProgressResponse) error {
		return nil
	})
	if !errors.As(err, &se) || se.StatusCode != 501 || !strings.Contains(se.ErrorMessage, "pull") {
		t.Errorf("pull: err = %#v", err)
	}
}

func TestOllamaClient_Models(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	v, err := c.Version(ctx)
	if err != nil || v != OllamaVersion {
		t.Errorf("Version = %q, %v", v, err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list.Models) != 3 || list.Models[0].Name != "gpt-5.4:latest" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	for _, m := range list.Models {
		show, err := c.Show(ctx, &api.ShowRequest{Model: m.Model})
		if err != nil || show.ModelInfo["general.architecture"] != "gpt" {
			t.Errorf("Show(%s) = %+v, %v", m.Model, show, err)
		}
	}
	//lint:ignore SA1019 Continue and aider still send the legacy field, so lagp must accept it.
	if _, err := c.Show(ctx, &api.ShowRequest{Name: "gpt-5.4"}); err != nil {
		t.Errorf("Show with the legacy name: %v", err)
	}
}

func TestOllamaClient_Generate(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	var reasons []string
	var text strings.Builder
	fn := func(r api.GenerateResponse) error {
		text.WriteString(r.Response)
		if r.Done {
			reasons = append(reasons, r.DoneReason)
		}
		return nil
	}
	if err := c.Generate(ctx, &api.GenerateRequest{Model: "gpt-5.4", Prompt: "F1"}, fn); err != nil {
		t.Fatal(err)
	}
	if err := c.Generate(ctx, &api.GenerateRequest{Model: "gpt-5.4"}, fn); err != nil {
		t.Fatal(err)
	}
	unload := &api.Duration{Duration: 0}
	if err := c.Generate(ctx, &api.GenerateRequest{Model: "gpt-5.4", KeepAlive: unload}, fn); err != nil {
		t.Fatal(err)
	}
	if text.String() != "Hello, world!" || strings.Join(reasons, ",") != "stop,load,unload" {
		t.Errorf("text %q, done reasons %v", text.String(), reasons)
	}
}

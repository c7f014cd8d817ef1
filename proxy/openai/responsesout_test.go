package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
)

var respMeta = Meta{ID: "resp_lagp", Created: time.Unix(1760000000, 0), Model: "gpt-5.4-high"}

// forward runs events into a Responses stream as the glue does: Fail when the backend stream
// ends without a terminal event.
func forward(t *testing.T, evs []canon.Event) (*ResponsesStream, []byte) {
	t.Helper()
	var out bytes.Buffer
	s := NewResponsesStream(&out, respMeta)
	for _, ev := range evs {
		if err := s.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Done() {
		err := &canon.Error{Kind: canon.KindUpstream, Code: "stream_incomplete",
			Message: "the ChatGPT backend closed the stream before the response completed"}
		if err := s.Fail(err); err != nil {
			t.Fatal(err)
		}
	}
	return s, out.Bytes()
}

func TestResponsesStream_Fixtures(t *testing.T) {
	for _, name := range []string{"f1", "f1b", "f3", "f5d", "f5e"} {
		t.Run(name, func(t *testing.T) {
			_, out := forward(t, fixture(t, name))
			golden(t, "responses_"+name+".sse", out)
			for i, ev := range strings.Split(strings.TrimSuffix(string(out), "\n\n"), "\n\n") {
				lines := strings.Split(ev, "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[0], "event: ") ||
					!strings.HasPrefix(lines[1], "data: ") {
					t.Fatalf("event %d is not an event line and a data line: %q", i, ev)
				}
				var u responses.ResponseStreamEventUnion
				if err := json.Unmarshal([]byte(lines[1][6:]), &u); err != nil {
					t.Fatalf("event %d: SDK cannot read it: %v", i, err)
				}
				if u.Type != strings.TrimPrefix(lines[0], "event: ") {
					t.Errorf("event %d: type %q under event %q", i, u.Type, lines[0])
				}
			}
		})
	}
}

// TestResponsesStream_CompletedCarriesOutput checks C1: the backend's empty output is replaced
// by the finished items, so the SDK's final response has the text.
func TestResponsesStream_CompletedCarriesOutput(t *testing.T) {
	_, out := forward(t, fixture(t, "f1"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(out)
	}))
	defer srv.Close()
	client := openai.NewClient(option.WithBaseURL(srv.URL+"/v1"), option.WithAPIKey("x"),
		option.WithMaxRetries(0))
	stream := client.Responses.NewStreaming(context.Background(), responses.ResponseNewParams{
		Model: "gpt-5.4-high"})
	var final responses.Response
	created := ""
	for stream.Next() {
		ev := stream.Current()
		switch ev.Type {
		case "response.created":
			created = ev.AsResponseCreated().Response.Model
		case "response.completed":
			final = ev.AsResponseCompleted().Response
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if final.OutputText() != "Hello, world!" || final.Usage.TotalTokens != 17 {
		t.Errorf("final response: text %q usage %d", final.OutputText(), final.Usage.TotalTokens)
	}
	if created != "gpt-5.4-high" || final.Model != "gpt-5.4-high" {
		t.Errorf("model shown as %q / %q, want the client's name", created, final.Model)
	}
}

func TestResponsesStream_FailedPassesThroughOnce(t *testing.T) {
	s, out := forward(t, fixture(t, "f5d"))
	if !s.Done() {
		t.Fatal("not done after response.failed")
	}
	n := len(out)
	if err := s.Fail(&canon.Error{Kind: canon.KindUpstream, Message: "again"}); err != nil {
		t.Fatal(err)
	}
	_ = s.Event(fixture(t, "f1")[0])
	if strings.Count(string(out), "response.failed") != 2 || len(out) != n {
		t.Errorf("want exactly the backend's failed event:\n%s", out)
	}
}

func TestResponsesStream_CutStreamFails(t *testing.T) {
	_, out := forward(t, fixture(t, "f1b"))
	evs := strings.Split(strings.TrimSuffix(string(out), "\n\n"), "\n\n")
	last := evs[len(evs)-1]
	if !strings.HasPrefix(last, "event: response.failed\n") {
		t.Fatalf("last event: %s", last)
	}
	var u responses.ResponseStreamEventUnion
	if err := json.Unmarshal([]byte(strings.SplitN(last, "data: ", 2)[1]), &u); err != nil {
		t.Fatal(err)
	}
	failed := u.AsResponseFailed()
	if failed.SequenceNumber != 9 || failed.Response.ID != "resp_f1" ||
		failed.Response.Status != "failed" || string(failed.Response.Error.Code) !=
		"stream_incomplete" || failed.Response.OutputText() != "Hello, world!" {
		t.Errorf("failed event: %s", last)
	}
}

func TestResponsesStream_MultiLineDataCompacted(t *testing.T) {
	ev, err := canon.ParseEvent([]byte("{\"type\":\"response.output_text.delta\",\n" +
		"  \"delta\":\"a\\nb\"}"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := NewResponsesStream(&out, respMeta).Event(ev); err != nil {
		t.Fatal(err)
	}
	want := "event: response.output_text.delta\n" +
		`data: {"type":"response.output_text.delta","delta":"a\nb"}` + "\n\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

func TestResponsesCollector(t *testing.T) {
	tests := []struct {
		fixture string
		text    string
		calls   []string
		usage   int64
	}{
		{"f1", "Hello, world!", nil, 17},
		{"f2", "4", nil, 120},
		{"f4i", "", []string{"call_P1", "call_P2"}, 160},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			c := NewResponsesCollector(respMeta, nil)
			for _, ev := range fixture(t, tt.fixture) {
				if err := c.Event(ev); err != nil {
					t.Fatal(err)
				}
			}
			if !c.Done() {
				t.Fatal("not done")
			}
			var r responses.Response
			if err := json.Unmarshal(c.Body(), &r); err != nil {
				t.Fatal(err)
			}
			var calls []string
			for _, it := range r.Output {
				if it.Type == "function_call" {
					calls = append(calls, it.CallID)
				}
			}
			if r.OutputText() != tt.text || strings.Join(calls, ",") !=
				strings.Join(tt.calls, ",") || r.Usage.TotalTokens != tt.usage ||
				r.Model != "gpt-5.4-high" || r.Status != "completed" {
				t.Errorf("body: %s", c.Body())
			}
		})
	}
}

func TestResponsesCollector_F2KeepsReasoningItem(t *testing.T) {
	c := NewResponsesCollector(respMeta, nil)
	for _, ev := range fixture(t, "f2") {
		_ = c.Event(ev)
	}
	want := `"output":[{"id":"rs_f2","type":"reasoning","summary":[{"type":"summary_text",` +
		`"text":"**Planning**\n\nCheck the sum."},{"type":"summary_text","text":` +
		`"**Answering**\n\n2+2=4."}],"encrypted_content":"gAAAAABfakeEncryptedBlob=="},` +
		`{"id":"msg_f2","type":"message","status":"completed","role":"assistant",` +
		`"content":[{"type":"output_text","annotations":[],"text":"4"}]}]`
	if !strings.Contains(string(c.Body()), want) {
		t.Errorf("body lacks the ordered items:\n%s", c.Body())
	}
}

func TestResponsesCollector_Failures(t *testing.T) {
	tests := []struct {
		fixture string
		kind    canon.Kind
		code    string
	}{
		{"f5d", canon.KindRateLimited, "rate_limit_exceeded"},
		{"f5e", canon.KindUpstream, ""},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			c := NewResponsesCollector(respMeta, nil)
			var err error
			for _, ev := range fixture(t, tt.fixture) {
				if err = c.Event(ev); err != nil {
					break
				}
			}
			e := canon.AsError(err)
			if err == nil || e.Kind != tt.kind || e.Code != tt.code || c.Done() {
				t.Errorf("got %v (kind %d code %q), done %v", err, e.Kind, e.Code, c.Done())
			}
		})
	}
	c := NewResponsesCollector(respMeta, nil)
	for _, ev := range fixture(t, "f1b") {
		if err := c.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	if c.Done() {
		t.Error("a cut stream counts as done")
	}
}

package fakebackend

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lagp/lagp/proxy/canon"
)

//go:embed fixtures/*.sse
var fixtureFS embed.FS

// Scenario is what the fake answers to one /responses call: a [Fixture], or a stream made by
// [Slow], [Large], [Events] or [Status].
type Scenario interface {
	// Name identifies the scenario in [Recorded.Scenario].
	Name() string
	// serve answers the call.
	serve(s *Server, w http.ResponseWriter, r *http.Request, rec *Recorded)
}

// Fixture names one of the fixtures of PROTOCOL.md §8. A marker such as "[[F3]]" in the input
// text picks the fixture when nothing is queued.
type Fixture string

// The fixtures.
const (
	F1     Fixture = "F1"      // plain text answer
	F1b    Fixture = "F1b"     // F1 cut after output_item.done, without response.completed
	F2     Fixture = "F2"      // reasoning with two summary parts, then text
	F3     Fixture = "F3"      // one tool call
	F4     Fixture = "F4"      // reasoning, then two parallel tool calls
	F4i    Fixture = "F4i"     // F4 with the two calls' argument deltas interleaved
	F5a    Fixture = "F5a"     // HTTP 429 usage limit with rate-limit headers
	F5b    Fixture = "F5b"     // HTTP 429 usage_not_included
	F5c    Fixture = "F5c"     // HTTP 400 {"detail": "Unsupported parameter: max_output_tokens"}
	F5d    Fixture = "F5d"     // partial text, then response.failed rate_limit_exceeded
	F5dCtx Fixture = "F5d-ctx" // partial text, then response.failed context_length_exceeded
	F5e    Fixture = "F5e"     // an error event as the first frame
	F5f    Fixture = "F5f"     // HTTP 503 server_is_overloaded
	F5g    Fixture = "F5g"     // HTTP 401 token_expired
	Echo   Fixture = "Echo"    // streams the last user text back in small deltas
)

// UsageLimitReset is how long after the fake's clock the F5a usage limit resets.
const UsageLimitReset = 10000 * time.Second

// Name returns the fixture's name.
func (f Fixture) Name() string { return string(f) }

func (f Fixture) known() bool {
	switch f {
	case F1, F1b, F2, F3, F4, F4i, F5a, F5b, F5c, F5d, F5dCtx, F5e, F5f, F5g, Echo:
		return true
	}
	return false
}

// FixtureSSE returns the SSE body of a streamed fixture exactly as the fake sends it, for tests
// of stream readers. It reports false for fixtures that are not streams (F5a–c, F5f, F5g, Echo).
func FixtureSSE(f Fixture) ([]byte, bool) {
	if f == F1b {
		frames := splitFrames(mustFixture(F1))
		return bytes.Join(frames[:len(frames)-1], nil), true
	}
	b, err := fixtureFS.ReadFile("fixtures/" + strings.ToLower(string(f)) + ".sse")
	if err != nil {
		return nil, false
	}
	return b, true
}

func mustFixture(f Fixture) []byte {
	b, ok := FixtureSSE(f)
	if !ok {
		panic("fakebackend: no fixture file for " + string(f))
	}
	return b
}

// splitFrames splits an SSE body into its frames, each with its blank-line terminator.
func splitFrames(body []byte) [][]byte {
	var frames [][]byte
	for len(body) > 0 {
		i := bytes.Index(body, []byte("\n\n"))
		if i < 0 {
			frames = append(frames, body)
			break
		}
		frames = append(frames, body[:i+2])
		body = body[i+2:]
	}
	return frames
}

func (f Fixture) serve(s *Server, w http.ResponseWriter, r *http.Request, rec *Recorded) {
	switch f {
	case F5a:
		s.serveUsageLimit(w)
		return
	case F5b:
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{
			"type": "usage_not_included", "plan_type": "free",
			"message": "Your ChatGPT plan does not include Codex. Upgrade to use it."}})
		return
	case F5c:
		writeJSON(w, http.StatusBadRequest, detail{"Unsupported parameter: max_output_tokens"})
		return
	case F5f:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]any{
			"code":    "server_is_overloaded",
			"message": "Our servers are currently overloaded. Please try again later."}})
		return
	case F5g:
		writeUnauthorized(w)
		return
	case Echo:
		serveText(w, r, rec, chunk(lastUserText(&rec.Request), 4), 0)
		return
	}
	if !f.known() {
		writeJSON(w, http.StatusInternalServerError, detail{"unknown fixture " + string(f)})
		return
	}
	serveFrames(w, r, splitFrames(mustFixture(f)), 0)
}

// writeUnauthorized answers like the backend does to a bad or expired token (F5g).
func writeUnauthorized(w http.ResponseWriter) {
	code := base64.StdEncoding.EncodeToString([]byte(`{"error":{"code":"token_expired"}}`))
	w.Header().Set("x-error-json", code)
	w.Header().Set("x-openai-authorization-error", "token_expired")
	writeJSON(w, http.StatusUnauthorized, detail{"Unauthorized"})
}

// serveUsageLimit answers F5a: the Plus usage limit, resetting [UsageLimitReset] from now.
func (s *Server) serveUsageLimit(w http.ResponseWriter) {
	now := s.clock()
	l := Limits{
		PlanType: "plus", ActiveLimit: "codex",
		Primary: LimitWindow{UsedPercent: 100, WindowMinutes: 300, ResetAfter: UsageLimitReset},
		Secondary: LimitWindow{UsedPercent: 62, WindowMinutes: 10080,
			ResetAfter: 400000 * time.Second},
	}
	l.write(w.Header(), now)
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{
		"type": "usage_limit_reached", "message": "The usage limit has been reached",
		"plan_type": "plus", "resets_at": now.Add(UsageLimitReset).Unix(),
		"eligible_promo": nil, "resets_in_seconds": int(UsageLimitReset / time.Second)}})
}

func startSSE(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// serveFrames streams frames, flushing each, waiting delay before each one after the first; it
// stops early when the client goes away.
func serveFrames(w http.ResponseWriter, r *http.Request, frames [][]byte, delay time.Duration) {
	startSSE(w)
	fl, _ := w.(http.Flusher)
	for i, f := range frames {
		if delay > 0 && i > 0 && !sleep(r, delay) {
			break
		}
		if _, err := w.Write(f); err != nil {
			break
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

// sleep waits d, or less if the client goes away; it reports whether the full time passed.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// frame renders one event as an SSE frame.
func frame(ev map[string]any) []byte {
	data, _ := json.Marshal(ev)
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", ev["type"], data)
}

// textFrames builds a complete text answer stream: created, the message item, one delta per
// piece, the finished item and completed with usage (and, as the real backend, an empty output).
func textFrames(model string, inputTokens int, pieces []string) [][]byte {
	const id, msg = "resp_fake", "msg_fake"
	seq := 0
	ev := func(typ string, kv ...any) []byte {
		m := map[string]any{"type": typ, "sequence_number": seq}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		seq++
		return frame(m)
	}
	frames := [][]byte{
		ev("response.created", "response", map[string]any{"id": id, "status": "in_progress",
			"model": model, "output": []any{}}),
		ev("response.output_item.added", "output_index", 0, "item", map[string]any{"id": msg,
			"type": "message", "status": "in_progress", "role": "assistant", "content": []any{}}),
	}
	for _, p := range pieces {
		frames = append(frames, ev("response.output_text.delta", "item_id", msg,
			"output_index", 0, "content_index", 0, "delta", p))
	}
	text := strings.Join(pieces, "")
	frames = append(frames,
		ev("response.output_item.done", "output_index", 0, "item", map[string]any{"id": msg,
			"type": "message", "status": "completed", "role": "assistant",
			"content": []any{map[string]any{"type": "output_text", "annotations": []any{},
				"text": text}}}),
		ev("response.completed", "response", map[string]any{"id": id, "status": "completed",
			"model": model, "output": []any{}, "usage": map[string]any{
				"input_tokens": inputTokens, "output_tokens": len(pieces),
				"total_tokens": inputTokens + len(pieces)}}))
	return frames
}

// serveText streams pieces as a text answer, waiting delay between deltas.
func serveText(w http.ResponseWriter, r *http.Request, rec *Recorded, pieces []string,
	delay time.Duration) {
	frames := textFrames(rec.Request.Model, inputTokens(&rec.Request), pieces)
	startSSE(w)
	fl, _ := w.(http.Flusher)
	deltas := frames[2 : len(frames)-2]
	for i, f := range frames {
		isDelta := i >= 2 && i < 2+len(deltas)
		if delay > 0 && isDelta && !sleep(r, delay) {
			break
		}
		if _, err := w.Write(f); err != nil {
			break
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

// inputTokens estimates the input size in tokens, about four bytes each.
func inputTokens(req *canon.Request) int {
	n := len(req.Instructions)
	for _, it := range req.Input {
		for _, p := range it.Content {
			n += len(p.Text)
		}
		n += len(it.Arguments) + len(it.Output)
	}
	return n/4 + 1
}

// lastUserText returns the text of the last user message of the input.
func lastUserText(req *canon.Request) string {
	for i := len(req.Input) - 1; i >= 0; i-- {
		it := req.Input[i]
		if it.Type != canon.ItemMessage || it.Role != "user" {
			continue
		}
		var b strings.Builder
		for _, p := range it.Content {
			if p.Type == canon.PartInputText {
				b.WriteString(p.Text)
			}
		}
		return b.String()
	}
	return ""
}

// chunk splits s into pieces of at most n runes.
func chunk(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		i, count := 0, 0
		for i < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			count++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// slow streams n deltas with a delay between them.
type slow struct {
	n     int
	delay time.Duration
}

// Slow answers with n text deltas ("tok0 ", "tok1 ", …), waiting delay before each: for
// cancellation and idle-timeout tests. It stops as soon as the client goes away.
func Slow(n int, delay time.Duration) Scenario { return slow{n, delay} }

func (sl slow) Name() string { return "Slow" }

func (sl slow) serve(_ *Server, w http.ResponseWriter, r *http.Request, rec *Recorded) {
	pieces := make([]string, sl.n)
	for i := range pieces {
		pieces[i] = fmt.Sprintf("tok%d ", i)
	}
	serveText(w, r, rec, pieces, sl.delay)
}

// large is a pre-rendered long text stream.
type large struct{ body []byte }

// Large answers with a complete text stream of n deltas of about 30 bytes each, rendered once
// when Large is called so that benchmarks measure the reader more than the fake.
func Large(n int) Scenario {
	pieces := make([]string, n)
	for i := range pieces {
		pieces[i] = "The quick brown fox jumps. "
	}
	return large{bytes.Join(textFrames("gpt-5.4", 100, pieces), nil)}
}

func (l large) Name() string { return "Large" }

func (l large) serve(_ *Server, w http.ResponseWriter, r *http.Request, _ *Recorded) {
	startSSE(w)
	_, _ = w.Write(l.body)
}

// events streams given event data.
type events struct{ frames [][]byte }

// Events answers with a stream of the given event data, each a JSON object with a "type"; the
// stream ends after the last one, whatever it is.
func Events(data ...string) Scenario {
	var e events
	for _, d := range data {
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal([]byte(d), &head)
		e.frames = append(e.frames, fmt.Appendf(nil, "event: %s\ndata: %s\n\n", head.Type, d))
	}
	return e
}

func (e events) Name() string { return "Events" }

func (e events) serve(_ *Server, w http.ResponseWriter, r *http.Request, _ *Recorded) {
	serveFrames(w, r, e.frames, 0)
}

// status answers with an HTTP error.
type status struct {
	code int
	body string
}

// Status answers with the given HTTP status and JSON body.
func Status(code int, body string) Scenario { return status{code, body} }

func (st status) Name() string { return fmt.Sprintf("Status %d", st.code) }

func (st status) serve(_ *Server, w http.ResponseWriter, _ *http.Request, _ *Recorded) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st.code)
	_, _ = w.Write([]byte(st.body))
}

package upstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// fakeTokens is a TokenSource with scripted answers.
type fakeTokens struct {
	mu       sync.Mutex
	token    string // handed out by AccessToken
	renewTo  string // handed out by Renew
	err      error  // returned by AccessToken
	renewErr error  // returned by Renew
	renewed  []string
}

func newTokens() *fakeTokens {
	return &fakeTokens{token: fakebackend.Token, renewTo: fakebackend.Token}
}

func (f *fakeTokens) AccessToken(context.Context) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", "", f.err
	}
	return f.token, fakebackend.AccountID, nil
}

func (f *fakeTokens) Renew(_ context.Context, rejected string) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewed = append(f.renewed, rejected)
	if f.renewErr != nil {
		return "", "", f.renewErr
	}
	f.token = f.renewTo
	return f.token, fakebackend.AccountID, nil
}

func (f *fakeTokens) renewals() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.renewed...)
}

// signInError is a TokenSource error that asks the user to sign in.
type signInError struct{}

func (signInError) Error() string        { return "not signed in: run `lagp login` or open /login" }
func (signInError) SignInRequired() bool { return true }

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sleeps records the retry delays instead of waiting.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// env is a client wired to a fake backend, with a debug log and recorded sleeps.
type env struct {
	srv    *fakebackend.Server
	tokens *fakeTokens
	client *Client
	log    *syncBuffer
	sleeps *sleeps
	clock  *clock
}

// clock is a settable time source shared by the client and the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newEnv(t testing.TB, edit ...func(*Config)) *env {
	t.Helper()
	e := &env{srv: fakebackend.New(), tokens: newTokens(), log: &syncBuffer{},
		sleeps: &sleeps{}, clock: &clock{now: time.Unix(1760000000, 0)}}
	t.Cleanup(e.srv.Close)
	e.srv.SetClock(e.clock.Now)
	cfg := Config{
		BaseURL: e.srv.URL,
		Tokens:  e.tokens,
		Version: "1.2.3",
		Logger: slog.New(slog.NewTextHandler(e.log,
			&slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:   e.clock.Now,
		Sleep: e.sleeps.sleep,
	}
	for _, f := range edit {
		f(&cfg)
	}
	e.client = New(cfg)
	return e
}

// request returns a minimal valid canonical request.
func request(text string) *canon.Request {
	return &canon.Request{
		Model:        "gpt-5.4",
		Instructions: "You are a helpful assistant.",
		Input: []canon.Item{{Type: canon.ItemMessage, Role: "user",
			Content: []canon.Part{{Type: canon.PartInputText, Text: text}}}},
		PromptCacheKey: "9b2f6c1e-0000-4000-8000-000000000001",
	}
}

// collect reads a stream to its end.
func collect(t *testing.T, st *Stream) ([]canon.Event, error) {
	t.Helper()
	var evs []canon.Event
	for {
		ev, err := st.Next()
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
}

// asError returns err as a *canon.Error or fails the test.
func asError(t *testing.T, err error) *canon.Error {
	t.Helper()
	var e *canon.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *canon.Error", err, err)
	}
	return e
}

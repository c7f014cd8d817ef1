package auth_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/auth/authtest"
)

// BenchmarkBrowserSignIn measures one whole sign-in against the fake issuer: bind the
// callback port, authorize, callback, code exchange, success page, close.
func BenchmarkBrowserSignIn(b *testing.B) {
	iss := authtest.NewIssuer(b)
	client := &http.Client{Timeout: 10 * time.Second}
	for b.Loop() {
		l, err := auth.StartLogin(context.Background(), auth.LoginConfig{Issuer: iss.URL,
			CallbackPort: benchFreePort(b), FallbackPort: -1})
		if err != nil {
			b.Fatal(err)
		}
		resp, err := client.Get(l.AuthorizeURL())
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if _, err := l.Wait(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFreePort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// BenchmarkSyncRefusal measures how fast /auth/sync turns away a guessed secret, the path an
// attacker exercises; the clock is moved so the rate limit never kicks in.
func BenchmarkSyncRefusal(b *testing.B) {
	now := time.Now()
	h := auth.SyncHandler(auth.SyncConfig{Secret: testSecret,
		Accept: func(context.Context, auth.Tokens) error { return nil },
		Now:    func() time.Time { now = now.Add(time.Hour); return now },
		Logger: slog.New(slog.DiscardHandler)})
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/auth/sync", strings.NewReader(`{"check":true}`))
		req.Header.Set("Authorization", "Bearer guess")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkSyncAdopt measures receiving a valid pushed sign-in (decode, validate, accept).
func BenchmarkSyncAdopt(b *testing.B) {
	iss := authtest.NewIssuer(b)
	body, err := auth.MarshalAuthJSON(iss.Mint("a@example.com", "plus", time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	h := auth.SyncHandler(auth.SyncConfig{Secret: testSecret,
		Accept: func(context.Context, auth.Tokens) error { return nil },
		Logger: slog.New(slog.DiscardHandler)})
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/auth/sync", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+testSecret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

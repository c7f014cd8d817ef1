package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// benchDeltas is the length of the benchmark answer: about a page of text in small deltas.
const benchDeltas = 1000

// BenchmarkStreamDirect reads a long answer straight from the fake backend through the
// upstream client: the floor that BenchmarkStreamThroughLagp is compared with.
func BenchmarkStreamDirect(b *testing.B) {
	h := newBenchHarness(b)
	client := upstream.New(upstream.Config{BaseURL: h.fake.URL, Tokens: h.tokens})
	req := &canon.Request{Model: "gpt-5.4", Instructions: canon.DefaultInstructions,
		Input: []canon.Item{{Type: canon.ItemMessage, Role: "user",
			Content: []canon.Part{{Type: canon.PartInputText, Text: "go"}}}},
		Tools: []canon.Tool{}, Include: []string{}}
	b.ReportAllocs()
	for b.Loop() {
		h.fake.Enqueue(fakebackend.Large(benchDeltas))
		st, err := client.Stream(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := st.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		st.Close()
	}
}

// BenchmarkStreamThroughLagp streams the same answer to a client through lagp, once per API.
func BenchmarkStreamThroughLagp(b *testing.B) {
	apis := []struct{ name, path, body string }{
		{"openai", "/v1/chat/completions", `{"model":"gpt-5.4","stream":true,` +
			`"messages":[{"role":"user","content":"go"}]}`},
		{"ollama", "/api/chat", `{"model":"gpt-5.4","messages":[{"role":"user","content":"go"}]}`},
	}
	for _, api := range apis {
		b.Run(api.name, func(b *testing.B) {
			h := newBenchHarness(b)
			b.ReportAllocs()
			for b.Loop() {
				h.fake.Enqueue(fakebackend.Large(benchDeltas))
				res, err := http.Post(h.url+api.path, "application/json",
					strings.NewReader(api.body))
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || n < benchDeltas {
					b.Fatalf("status %d, %d bytes", res.StatusCode, n)
				}
			}
		})
	}
}

func newBenchHarness(b *testing.B) *harness {
	h := &harness{fake: fakebackend.New(), tokens: &tokens{token: fakebackend.Token}}
	b.Cleanup(h.fake.Close)
	client := upstream.New(upstream.Config{BaseURL: h.fake.URL, Tokens: h.tokens})
	h.srv = New(Options{Client: client, Catalog: upstream.NewCatalog(client,
		upstream.CodexVersion)})
	if err := h.srv.Listen("127.0.0.1", 0); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = h.srv.Shutdown(context.Background()) })
	h.url = h.srv.URL()
	return h
}

// BenchmarkParallelChats sends short non-streaming chats from many goroutines at once, as a
// busy editor does; ns/op is the time per chat at that concurrency.
func BenchmarkParallelChats(b *testing.B) {
	h := newBenchHarness(b)
	body := `{"model":"gpt-5.4","messages":[{"role":"user","content":"[[F1]] hi"}]}`
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := http.Post(h.url+"/v1/chat/completions", "application/json",
				strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

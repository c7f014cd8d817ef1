package openai

import (
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/lagp/lagp/proxy/canon"
)

// BenchmarkChatStream_TextDelta measures the hot path: one content chunk per backend delta.
func BenchmarkChatStream_TextDelta(b *testing.B) {
	enc := NewChatStream(io.Discard, testMeta, ChatOptions{IncludeUsage: true})
	d := canon.Delta{Kind: canon.DeltaText, Text: "a typical piece of streamed text, "}
	_ = enc.Delta(d)
	b.ReportAllocs()
	for b.Loop() {
		_ = enc.Delta(d)
	}
}

// BenchmarkChatStream_ToolArgs measures one tool-call argument fragment.
func BenchmarkChatStream_ToolArgs(b *testing.B) {
	enc := NewChatStream(io.Discard, testMeta, ChatOptions{})
	d := canon.Delta{Kind: canon.DeltaToolArgs, ToolIndex: 1, Text: `{"path":"src/main.go"`}
	_ = enc.Delta(d)
	b.ReportAllocs()
	for b.Loop() {
		_ = enc.Delta(d)
	}
}

// BenchmarkChatChunk_EncodingJSON is the baseline the hand-built chunks replace: the same
// content chunk marshalled with encoding/json.
func BenchmarkChatChunk_EncodingJSON(b *testing.B) {
	type delta struct {
		Content string `json:"content"`
	}
	type choice struct {
		Index        int       `json:"index"`
		Delta        delta     `json:"delta"`
		Logprobs     *struct{} `json:"logprobs"`
		FinishReason *string   `json:"finish_reason"`
	}
	type chunk struct {
		ID      string    `json:"id"`
		Object  string    `json:"object"`
		Created int64     `json:"created"`
		Model   string    `json:"model"`
		Choices []choice  `json:"choices"`
		Usage   *struct{} `json:"usage"`
	}
	c := chunk{ID: testMeta.ID, Object: "chat.completion.chunk", Created: 1760000000,
		Model: testMeta.Model, Choices: []choice{{Delta: delta{
			Content: "a typical piece of streamed text, "}}}}
	b.ReportAllocs()
	for b.Loop() {
		data, _ := json.Marshal(c)
		_, _ = io.Discard.Write(append(append([]byte("data: "), data...), "\n\n"...))
	}
}

// BenchmarkChatStream_F4Turn measures a whole parallel-tool-call turn: canon.Turn plus encoder.
func BenchmarkChatStream_F4Turn(b *testing.B) {
	evs := fixture(b, "f4")
	now := func() time.Time { return time.Unix(1, 0) }
	b.ReportAllocs()
	for b.Loop() {
		turn := canon.NewTurn(canon.ToolNames{}, nil, now)
		enc := NewChatStream(io.Discard, testMeta, ChatOptions{IncludeUsage: true})
		for _, ev := range evs {
			ds, _ := turn.Feed(ev)
			for _, d := range ds {
				_ = enc.Delta(d)
			}
		}
	}
}

// BenchmarkResponsesStream_F1 measures the Responses passthrough of a short text answer.
func BenchmarkResponsesStream_F1(b *testing.B) {
	evs := fixture(b, "f1")
	b.ReportAllocs()
	for b.Loop() {
		s := NewResponsesStream(io.Discard, respMeta)
		for _, ev := range evs {
			_ = s.Event(ev)
		}
	}
}

// BenchmarkResponsesStream_TextDelta measures forwarding one text delta, the per-token path.
func BenchmarkResponsesStream_TextDelta(b *testing.B) {
	ev := fixture(b, "f1")[4]
	s := NewResponsesStream(io.Discard, respMeta)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Event(ev)
	}
}

// BenchmarkDecodeChat measures decoding a small agent turn with tools and tool history.
func BenchmarkDecodeChat(b *testing.B) {
	body := []byte(fuzzSeeds[1])
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeChat(body, testModels); err != nil {
			b.Fatal(err)
		}
	}
}

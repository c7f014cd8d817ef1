package upstream

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// BenchmarkStreamLarge reads a 1000-delta answer from the fake backend through Client.Stream:
// request, headers, SSE parsing and event decoding, over a loopback connection.
func BenchmarkStreamLarge(b *testing.B) {
	e := newEnv(b)
	large := fakebackend.Large(1000)
	req := request("hi")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e.srv.Enqueue(large)
		st, err := e.client.Stream(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := st.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		st.Close()
		if n != 1004 {
			b.Fatalf("%d events", n)
		}
	}
}

// BenchmarkReader decodes 1000 text deltas from memory: the SSE reader alone.
func BenchmarkReader(b *testing.B) {
	var body bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(&body, "event: response.output_text.delta\ndata: {\"type\":"+
			"\"response.output_text.delta\",\"sequence_number\":%d,\"item_id\":\"msg_1\","+
			"\"output_index\":0,\"content_index\":0,\"delta\":\"The quick brown fox jumps. \","+
			"\"obfuscation\":\"q1w2e3\"}\n\n", i)
	}
	data := body.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd := NewReader(bytes.NewReader(data))
		for {
			if _, err := rd.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

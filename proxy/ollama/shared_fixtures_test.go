package ollama

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/lagp/lagp/proxy/upstream"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

// sharedFixture returns the data of every event of a fakebackend fixture, one per line, as the
// upstream SSE reader decodes it.
func sharedFixture(t testing.TB, f fakebackend.Fixture) string {
	t.Helper()
	sse, ok := fakebackend.FixtureSSE(f)
	if !ok {
		t.Fatalf("fakebackend has no stream for %s", f)
	}
	r := upstream.NewReader(bytes.NewReader(sse))
	var data []string
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		data = append(data, string(ev.Raw))
	}
	return strings.Join(data, "\n")
}

// TestSharedFixtures checks that the fixture copies these tests use encode exactly like the
// streams the fake backend serves, so the golden lines hold for the real pipeline too.
func TestSharedFixtures(t *testing.T) {
	tests := []struct {
		name   fakebackend.Fixture
		inline string
	}{
		{fakebackend.F1, fixtureF1}, {fakebackend.F1b, fixtureF1b()}, {fakebackend.F2, fixtureF2},
		{fakebackend.F3, fixtureF3}, {fakebackend.F4, fixtureF4},
		{fakebackend.F4i, fixtureF4Interleaved}, {fakebackend.F5d, fixtureF5d},
		{fakebackend.F5e, fixtureF5e},
	}
	for _, tt := range tests {
		t.Run(string(tt.name), func(t *testing.T) {
			var want, got bytes.Buffer
			opts := ChatOptions{ToolCallIDs: true}
			play(t, tt.inline, NewChatStream(&want, testMeta("gpt-5.4:latest"), opts))
			play(t, sharedFixture(t, tt.name), NewChatStream(&got, testMeta("gpt-5.4:latest"), opts))
			if got.String() != want.String() {
				t.Errorf("fake backend's %s encodes differently:\nfake:\n%s\ninline:\n%s",
					tt.name, got.String(), want.String())
			}
		})
	}
}

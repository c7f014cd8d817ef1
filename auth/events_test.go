package auth

import (
	"testing"
)

func TestBroadcasterDeliversInOrder(t *testing.T) {
	var b broadcaster
	ch, unsubscribe := b.subscribe()
	defer unsubscribe()
	kinds := []EventKind{EventSignedIn, EventRefreshed, EventSignedOut}
	for _, k := range kinds {
		if dropped := b.publish(Event{Kind: k}); dropped != 0 {
			t.Fatalf("dropped %d", dropped)
		}
	}
	for _, want := range kinds {
		if got := (<-ch).Kind; got != want {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

func TestBroadcasterNeverBlocksOnSlowSubscriber(t *testing.T) {
	var b broadcaster
	slow, unsubSlow := b.subscribe()
	defer unsubSlow()
	fast, unsubFast := b.subscribe()
	defer unsubFast()
	total := eventBufferSize + 10
	dropped := 0
	for i := range total {
		dropped += b.publish(Event{Kind: EventRefreshed, Reason: string(rune('a' + i%26))})
		<-fast // the fast subscriber keeps up
	}
	if dropped != total-eventBufferSize {
		t.Errorf("dropped %d, want %d (only the slow subscriber misses events)",
			dropped, total-eventBufferSize)
	}
	if len(slow) != eventBufferSize {
		t.Errorf("slow subscriber holds %d events, want %d", len(slow), eventBufferSize)
	}
}

func TestBroadcasterUnsubscribe(t *testing.T) {
	var b broadcaster
	ch, unsubscribe := b.subscribe()
	unsubscribe()
	unsubscribe() // second call is harmless
	if _, ok := <-ch; ok {
		t.Fatal("channel not closed after unsubscribe")
	}
	if dropped := b.publish(Event{Kind: EventSignedIn}); dropped != 0 {
		t.Errorf("publish to no subscribers dropped %d", dropped)
	}
}

func TestStateAndKindNames(t *testing.T) {
	states := map[State]string{StateSignedOut: "signed_out", StateSignedIn: "signed_in",
		StateExpired: "expired", State(42): "unknown"}
	for s, want := range states {
		if s.String() != want {
			t.Errorf("State(%d) = %q, want %q", int(s), s.String(), want)
		}
	}
	kinds := map[EventKind]string{EventSignedIn: "signed_in", EventRefreshed: "refreshed",
		EventRefreshFailing: "refresh_failing", EventExpiringSoon: "expiring_soon",
		EventSignedOut: "signed_out", EventLoaded: "loaded", EventKind(0): "unknown"}
	for k, want := range kinds {
		if k.String() != want {
			t.Errorf("EventKind(%d) = %q, want %q", int(k), k.String(), want)
		}
	}
}

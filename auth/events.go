package auth

import (
	"sync"
	"time"
)

// State is where the session stands.
type State int

// States of the session.
const (
	// StateSignedOut: no sign-in is stored (never signed in, or signed out).
	StateSignedOut State = iota
	// StateSignedIn: a sign-in is loaded and being kept fresh.
	StateSignedIn
	// StateExpired: the session ended for good (permanent refresh failure); the user must sign
	// in again. The reason is in [Status].Reason.
	StateExpired
)

// String returns the state as used in /lagp/status: "signed_out", "signed_in", "expired".
func (s State) String() string {
	switch s {
	case StateSignedOut:
		return "signed_out"
	case StateSignedIn:
		return "signed_in"
	case StateExpired:
		return "expired"
	}
	return "unknown"
}

// Status is a snapshot of the session for display (tray, /lagp/status, `lagp status`). It holds
// no secret.
type Status struct {
	// State is where the session stands.
	State State
	// Reason explains StateExpired or StateSignedOut, or, in StateSignedIn, why refreshes are
	// failing; empty when all is well.
	Reason string
	// Account is the signed-in account; zero when signed out.
	Account Account
	// ExpiresAt is the access token's expiry; zero when unknown.
	ExpiresAt time.Time
	// LastRefresh is when the tokens were issued or last refreshed.
	LastRefresh time.Time
	// NextRefresh is when the background refresher will next try; zero when idle.
	NextRefresh time.Time
	// RefreshFailures counts consecutive transient refresh failures; 0 when healthy.
	RefreshFailures int
	// Store is the token store's name, "file" or "keyring".
	Store string
}

// EventKind says what happened to the session.
type EventKind int

// Kinds of [Event]. Each is a candidate for a tray notification except EventLoaded.
const (
	// EventSignedIn: a new sign-in was adopted (browser sign-in, push, or one another lagp
	// process saved to the store).
	EventSignedIn EventKind = iota + 1
	// EventRefreshed: the tokens were refreshed.
	EventRefreshed
	// EventRefreshFailing: a refresh failed for a transient reason; lagp keeps retrying with
	// backoff. Sent once per streak of failures.
	EventRefreshFailing
	// EventExpiringSoon: refreshes keep failing and the access token expires within 24 hours.
	// Sent once per streak of failures.
	EventExpiringSoon
	// EventSignedOut: the session is gone; Reason says why (user signed out, session ended).
	EventSignedOut
	// EventLoaded: [Manager.Start] finished reading the store; [Manager.Status] now reflects
	// it. Not meant as a notification.
	EventLoaded
)

// String names the kind, for logs.
func (k EventKind) String() string {
	switch k {
	case EventSignedIn:
		return "signed_in"
	case EventRefreshed:
		return "refreshed"
	case EventRefreshFailing:
		return "refresh_failing"
	case EventExpiringSoon:
		return "expiring_soon"
	case EventSignedOut:
		return "signed_out"
	case EventLoaded:
		return "loaded"
	}
	return "unknown"
}

// Event is one change of the session, delivered to [Manager.Subscribe] channels.
type Event struct {
	// Kind says what happened.
	Kind EventKind
	// Account is the account concerned; zero when unknown.
	Account Account
	// Reason explains failures and sign-outs; empty otherwise.
	Reason string
	// At is when it happened (the manager's clock).
	At time.Time
}

// eventBufferSize is how many events a subscriber may fall behind before it misses some.
const eventBufferSize = 16

// broadcaster fans events out to subscribers without ever blocking the sender: a subscriber
// whose buffer is full misses the event.
type broadcaster struct {
	mu     sync.Mutex
	nextID int
	subs   map[int]chan Event
}

// subscribe returns a buffered channel of future events and a func that ends the
// subscription and closes the channel; calling it again does nothing.
func (b *broadcaster) subscribe() (<-chan Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = make(map[int]chan Event)
	}
	id := b.nextID
	b.nextID++
	ch := make(chan Event, eventBufferSize)
	b.subs[id] = ch
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if c, ok := b.subs[id]; ok {
			delete(b.subs, id)
			close(c)
		}
	}
}

// publish delivers e to every subscriber with room in its buffer and reports how many missed
// it.
func (b *broadcaster) publish(e Event) (dropped int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		select {
		case ch <- e:
		default:
			dropped++
		}
	}
	return dropped
}

// Subscribe returns a channel of future events and a func to unsubscribe (which closes the
// channel). The channel is buffered; a subscriber that falls behind misses events rather
// than slowing the manager.
func (m *Manager) Subscribe() (<-chan Event, func()) {
	return m.events.subscribe()
}

func (m *Manager) publish(kind EventKind, reason string) {
	m.mu.Lock()
	acct := m.acct
	m.mu.Unlock()
	m.publishAccount(kind, reason, acct)
}

func (m *Manager) publishAccount(kind EventKind, reason string, acct Account) {
	e := Event{Kind: kind, Account: acct, Reason: reason, At: m.cfg.Now()}
	if n := m.events.publish(e); n > 0 {
		m.log.Debug("slow event subscribers missed an event", "kind", kind.String(),
			"missed", n)
	}
}

// wake makes the refresher recompute its timer.
func (m *Manager) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

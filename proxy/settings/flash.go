package settings

import (
	"io"
	"sync"
	"time"
)

// flashTTL is how long a flash message waits for the page that shows it.
const flashTTL = 5 * time.Minute

// maxFlashes bounds the messages kept for pages that were never loaded.
const maxFlashes = 32

// flash is the outcome of an action, shown once on the next page load.
type flash struct {
	Message string
	Error   bool
	// NewKey is a key just created; the page shows it in full this one time.
	NewKey *APIKey
}

// flashes keeps flash messages in memory under random ids, so the message (which may hold a
// new key) never travels in a URL or cookie: the cookie carries only the id.
type flashes struct {
	rand io.Reader
	now  func() time.Time

	mu      sync.Mutex
	pending map[string]pendingFlash
}

type pendingFlash struct {
	flash
	expires time.Time
}

func newFlashes(r io.Reader, now func() time.Time) *flashes {
	return &flashes{rand: r, now: now, pending: make(map[string]pendingFlash)}
}

// put stores f and returns its id, or "" when no id could be made (the message is then lost).
func (fs *flashes) put(f flash) string {
	id, err := randomToken(fs.rand)
	if err != nil {
		return ""
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := fs.now()
	for k, p := range fs.pending {
		if now.After(p.expires) {
			delete(fs.pending, k)
		}
	}
	if len(fs.pending) >= maxFlashes {
		fs.dropOldestLocked()
	}
	fs.pending[id] = pendingFlash{flash: f, expires: now.Add(flashTTL)}
	return id
}

func (fs *flashes) dropOldestLocked() {
	var oldest string
	var at time.Time
	for k, p := range fs.pending {
		if oldest == "" || p.expires.Before(at) {
			oldest, at = k, p.expires
		}
	}
	delete(fs.pending, oldest)
}

// take returns and forgets the message stored under id, if it has not expired.
func (fs *flashes) take(id string) (flash, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	p, ok := fs.pending[id]
	if !ok {
		return flash{}, false
	}
	delete(fs.pending, id)
	if fs.now().After(p.expires) {
		return flash{}, false
	}
	return p.flash, true
}

package canon

import (
	"container/list"
	"sync"
)

// ReasoningMemory remembers, per tool call id, the encrypted reasoning item that preceded the
// call in the model's answer. Chat and Ollama clients cannot echo reasoning back, so lagp puts
// it back in front of the call when the history returns (PROTOCOL.md §7 B12). It holds at most
// a fixed number of entries, dropping the least recently used. It is safe for concurrent use.
type ReasoningMemory struct {
	mu    sync.Mutex
	max   int
	order *list.List               // front = most recent; values are callIDs
	items map[string]*list.Element // callID → element
	byID  map[string]Item          // callID → reasoning item
}

// NewReasoningMemory returns a memory holding at most max entries.
func NewReasoningMemory(max int) *ReasoningMemory {
	return &ReasoningMemory{
		max:   max,
		order: list.New(),
		items: map[string]*list.Element{},
		byID:  map[string]Item{},
	}
}

// Remember records the reasoning item that led to the call with callID.
func (m *ReasoningMemory) Remember(callID string, reasoning Item) {
	if m == nil || callID == "" || reasoning.EncryptedContent == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[callID]; ok {
		m.order.MoveToFront(e)
	} else {
		m.items[callID] = m.order.PushFront(callID)
	}
	m.byID[callID] = reasoning
	for m.order.Len() > m.max {
		oldest := m.order.Back()
		id := oldest.Value.(string)
		m.order.Remove(oldest)
		delete(m.items, id)
		delete(m.byID, id)
	}
}

// Recall returns the reasoning item remembered for callID.
func (m *ReasoningMemory) Recall(callID string) (Item, bool) {
	if m == nil {
		return Item{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.byID[callID]
	if ok {
		m.order.MoveToFront(m.items[callID])
	}
	return it, ok
}

// Len returns the number of remembered entries.
func (m *ReasoningMemory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}

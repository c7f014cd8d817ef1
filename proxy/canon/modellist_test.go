package canon

import "testing"

func TestModelListLookup(t *testing.T) {
	l := ModelList{{ID: "gpt-5.4", Priority: 1}, {ID: "gpt-5.4-mini", Priority: 2}}
	var _ Catalog = l
	tests := []struct {
		id   string
		want string
		ok   bool
	}{
		{"gpt-5.4", "gpt-5.4", true},
		{"GPT-5.4-Mini", "gpt-5.4-mini", true},
		{"gpt-5.5", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		m, ok := l.Lookup(tt.id)
		if ok != tt.ok || m.ID != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.id, m.ID, ok, tt.want, tt.ok)
		}
	}
}

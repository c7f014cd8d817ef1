package canon

import "strings"

// ModelList is the list of models of an account, in display order. It satisfies [Catalog].
type ModelList []Model

// Lookup returns the model whose ID is id, compared without regard to case.
func (l ModelList) Lookup(id string) (Model, bool) {
	for _, m := range l {
		if m.ID == id {
			return m, true
		}
	}
	for _, m := range l {
		if strings.EqualFold(m.ID, id) {
			return m, true
		}
	}
	return Model{}, false
}

package tray

import (
	"strconv"
	"strings"
)

// menuShape describes the structure of items — which are shown, separators, checkboxes,
// actions and nesting — but not labels, checkmarks or enabled states. Two menus with the same
// shape can be drawn by updating items in place.
func menuShape(items []Item) string {
	var b strings.Builder
	writeShape(&b, items)
	return b.String()
}

func writeShape(b *strings.Builder, items []Item) {
	for _, it := range items {
		switch {
		case it.Hidden:
			continue
		case it.Separator:
			b.WriteString("-;")
			continue
		}
		b.WriteString(string(it.Action))
		b.WriteByte('(')
		b.WriteString(strconv.Quote(it.Arg))
		b.WriteByte(')')
		if it.Checkable {
			b.WriteString("[]")
		}
		if len(it.Children) > 0 {
			b.WriteByte('{')
			writeShape(b, it.Children)
			b.WriteByte('}')
		}
		b.WriteByte(';')
	}
}

// visible flattens the shown, non-separator items in tree order (parents before children).
func visible(items []Item) []Item {
	var out []Item
	for _, it := range items {
		if it.Hidden || it.Separator {
			continue
		}
		out = append(out, it)
		out = append(out, visible(it.Children)...)
	}
	return out
}

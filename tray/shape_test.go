package tray

import (
	"strings"
	"testing"
	"time"
)

func TestMenuShape(t *testing.T) {
	base := signedIn()
	shape := func(edit func(*State)) string {
		s := signedIn()
		edit(&s)
		return menuShape(BuildMenu(s).Items)
	}
	same := []struct {
		name string
		edit func(*State)
	}{
		{"usage percent", func(s *State) { s.Usage[0].UsedPercent = 55 }},
		{"reset time", func(s *State) { s.Usage[1].ResetsAt = time.Unix(0, 0) }},
		{"expose checkmark and URL", func(s *State) {
			s.Exposed, s.ListenURL = true, "http://10.0.0.2:11434"
		}},
		{"start at login", func(s *State) { s.StartAtLogin = true }},
		{"email", func(s *State) { s.Email = "other@example.com" }},
	}
	want := menuShape(BuildMenu(base).Items)
	for _, tt := range same {
		if got := shape(tt.edit); got != want {
			t.Errorf("%s changed the shape", tt.name)
		}
	}
	different := []struct {
		name string
		edit func(*State)
	}{
		{"sign out swaps items", func(s *State) { s.SignIn = SignedOut }},
		{"usage line appears", func(s *State) { s.Usage = append(s.Usage, Window{Minutes: 60}) }},
		{"tunnel status line shows", func(s *State) { s.Tunnel = TunnelStarting }},
		{"model list changes", func(s *State) { s.Models = s.Models[:1] }},
		{"model id changes", func(s *State) { s.Models[0].ID = "gpt-6" }},
		{"remote added", func(s *State) { s.Remotes = append(s.Remotes, "laptop") }},
	}
	for _, tt := range different {
		if got := shape(tt.edit); got == want {
			t.Errorf("%s kept the shape", tt.name)
		}
	}
}

func TestVisibleOrder(t *testing.T) {
	items := []Item{
		{Label: "a"},
		{Label: "hidden", Hidden: true, Children: []Item{{Label: "x"}}},
		{Separator: true},
		{Label: "parent", Children: []Item{{Label: "c1"}, {Separator: true}, {Label: "c2"}}},
		{Label: "z"},
	}
	var got []string
	for _, it := range visible(items) {
		got = append(got, it.Label)
	}
	want := "a parent c1 c2 z"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("visible = %q, want %q", s, want)
	}
}

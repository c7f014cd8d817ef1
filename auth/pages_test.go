package auth

import (
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPagesEscapeIssuerText(t *testing.T) {
	w := httptest.NewRecorder()
	writePage(w, pageRefused(&OAuthError{Code: `x"><b>`, Description: `<img src=x onerror=1>`}))
	body := w.Body.String()
	for _, bad := range []string{"<img", "<b>"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains unescaped %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, "&lt;img src=x onerror=1&gt;") {
		t.Errorf("page lacks the escaped description:\n%s", body)
	}
}

func BenchmarkWritePage(b *testing.B) {
	p := pageSignedIn("You are signed in to lagp as user@example.com.")
	for b.Loop() {
		writePage(httptest.NewRecorder(), p)
	}
}

func BenchmarkNewPKCE(b *testing.B) {
	for b.Loop() {
		if _, err := newPKCE(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

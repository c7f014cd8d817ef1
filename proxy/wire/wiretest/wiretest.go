// Package wiretest helps the dialect packages' tests check the errors their decoders return.
package wiretest

import (
	"errors"
	"strings"
	"testing"

	"github.com/lagp/lagp/proxy/canon"
)

// WantError fails t unless err is a [*canon.Error] of kind, about param, whose message contains
// text.
func WantError(t testing.TB, err error, kind canon.Kind, param, text string) {
	t.Helper()
	var e *canon.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *canon.Error", err, err)
	}
	if e.Kind != kind || e.Param != param || !strings.Contains(e.Message, text) {
		t.Errorf("error {kind %d, param %q, %q}; want {kind %d, param %q, containing %q}",
			e.Kind, e.Param, e.Message, kind, param, text)
	}
}

package tray

import (
	"os"
	"testing"
)

// TestMain lets the test binary double as a tray process: with LAGP_TRAY_CHILD=1 it runs the
// real systray layer (see runTrayChild) instead of the tests. godbus's session bus is a
// process singleton, so a test that needs a private bus runs the tray in a child.
func TestMain(m *testing.M) {
	if os.Getenv("LAGP_TRAY_CHILD") == "1" {
		os.Exit(runTrayChild())
	}
	os.Exit(m.Run())
}

package upstream

import (
	"os"
	"strings"
)

// osVersion returns the kernel release, e.g. "6.8.0-45-generic".
func osVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if v := strings.TrimSpace(string(b)); err == nil && v != "" {
		return v
	}
	return "unknown"
}

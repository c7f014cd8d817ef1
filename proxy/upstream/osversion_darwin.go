package upstream

import "golang.org/x/sys/unix"

// osVersion returns the macOS product version, e.g. "15.5".
func osVersion() string {
	if v, err := unix.Sysctl("kern.osproductversion"); err == nil && v != "" {
		return v
	}
	return "unknown"
}

//go:build !linux && !darwin && !windows

package upstream

// osVersion is unknown on systems without a lookup.
func osVersion() string { return "unknown" }

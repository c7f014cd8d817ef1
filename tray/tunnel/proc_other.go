//go:build !windows && !linux

package tunnel

import "os/exec"

// setParentDeathSignal does nothing here: only Linux has a parent-death signal. The tunnel still
// stops with [Tunnel.Stop] and with the start context.
func setParentDeathSignal(*exec.Cmd) {}

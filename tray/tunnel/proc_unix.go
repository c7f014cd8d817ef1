//go:build !windows

package tunnel

import (
	"os/exec"
	"syscall"
	"time"
)

// configure makes cancellation send SIGTERM, so cloudflared unregisters the tunnel, and kills
// the process if it is still there after wait.
func configure(cmd *exec.Cmd, wait time.Duration) {
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = wait
	setParentDeathSignal(cmd)
}

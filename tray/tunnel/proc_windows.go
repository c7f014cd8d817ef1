package tunnel

import (
	"os/exec"
	"time"
)

// configure keeps the default cancellation (TerminateProcess) and bounds the wait for the
// output pipe after it.
func configure(cmd *exec.Cmd, wait time.Duration) {
	cmd.WaitDelay = wait
}

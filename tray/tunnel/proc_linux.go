package tunnel

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal asks the kernel to send SIGTERM to cloudflared when lagp dies, even by
// SIGKILL, so no tunnel outlives the app.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

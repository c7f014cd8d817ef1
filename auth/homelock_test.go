package auth_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/lagp/lagp/auth"
)

func TestLockHomeIsExclusiveAcrossProcesses(t *testing.T) {
	home := t.TempDir() + "/lagp-home"
	lock, err := auth.LockHome(home)
	if err != nil {
		t.Fatal(err)
	}
	// Another process (this test binary again) must be refused, and told who holds it.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LAGP_LOCKHOME_CHILD="+home)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already running") ||
		!strings.Contains(string(out), fmt.Sprint(os.Getpid())) {
		t.Fatalf("second process: err %v\n%s", err, out)
	}
	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LAGP_LOCKHOME_CHILD="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("after unlock the lock is still held: %v\n%s", err, out)
	}
}

func TestMain(m *testing.M) {
	if home := os.Getenv("LAGP_LOCKHOME_CHILD"); home != "" {
		os.Exit(lockHomeChild(home))
	}
	os.Exit(m.Run())
}

// lockHomeChild runs in the child process: it tries the lock and exits 0 or 1.
func lockHomeChild(home string) int {
	l, err := auth.LockHome(home)
	if err != nil {
		fmt.Println(err)
		if errors.Is(err, auth.ErrHomeInUse) {
			return 1
		}
		return 2
	}
	_ = l.Unlock()
	return 0
}

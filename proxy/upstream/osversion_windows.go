package upstream

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// osVersion returns the Windows version, e.g. "10.0.26100".
func osVersion() string {
	v := windows.RtlGetVersion()
	if v == nil || v.MajorVersion == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.MajorVersion, v.MinorVersion, v.BuildNumber)
}

package tray

import (
	"net"
	"strings"
	"testing"
)

func TestHasDesktop(t *testing.T) {
	const uid = 1000
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		userBus bool
		want    bool
		why     string
	}{
		{"macOS always", "darwin", nil, false, true, ""},
		{"windows always", "windows", nil, false, true, ""},
		{"linux bus address and X", "linux",
			map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/tmp/b", "DISPLAY": ":0"},
			false, true, ""},
		{"linux user bus socket and wayland", "linux",
			map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true, true, ""},
		{"linux no bus", "linux", map[string]string{"DISPLAY": ":0"}, false, false,
			"no D-Bus session bus"},
		{"autolaunch counts as no bus", "linux",
			map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:", "DISPLAY": ":0"},
			false, false, "/run/user/1000/bus"},
		{"linux bus but no display (ssh)", "linux",
			map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/tmp/b"}, true, false,
			"no display"},
		{"freebsd follows the same rule", "freebsd", map[string]string{"DISPLAY": ":0"},
			false, false, "no D-Bus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			exists := func(p string) bool { return tt.userBus && p == "/run/user/1000/bus" }
			got, why := hasDesktop(tt.goos, getenv, exists, uid)
			if got != tt.want {
				t.Errorf("hasDesktop = %v (%s), want %v", got, why, tt.want)
			}
			if tt.want && why != "" {
				t.Errorf("reason %q given with a desktop", why)
			}
			if !strings.Contains(why, tt.why) {
				t.Errorf("reason %q lacks %q", why, tt.why)
			}
		})
	}
}

func TestFirstLANIPv4(t *testing.T) {
	ip := func(s string) net.IP { return net.ParseIP(s) }
	tests := []struct {
		name string
		ips  []net.IP
		want string
	}{
		{"skips loopback, v6, link-local", []net.IP{ip("127.0.0.1"), ip("fe80::1"),
			ip("169.254.3.4"), ip("192.168.1.20"), ip("10.0.0.5")}, "192.168.1.20"},
		{"v4 in v6 form", []net.IP{ip("::ffff:10.1.2.3")}, "10.1.2.3"},
		{"none", []net.IP{ip("127.0.0.1"), ip("::1")}, ""},
	}
	for _, tt := range tests {
		got, err := firstLANIPv4(tt.ips)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: got %v, want an error", tt.name, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: got %v, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func TestSameHost(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"0.0.0.0", "::", true}, {"::", "0.0.0.0", true}, {"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "0.0.0.0", false}, {"::ffff:10.0.0.1", "10.0.0.1", true},
		{"localhost", "localhost", true}, {"localhost", "127.0.0.1", false},
	}
	for _, tt := range tests {
		if got := sameHost(tt.a, tt.b); got != tt.want {
			t.Errorf("sameHost(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

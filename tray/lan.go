package tray

import (
	"errors"
	"net"
)

// errNoLANAddress is returned when the machine has no usable IPv4 address besides loopback.
var errNoLANAddress = errors.New("no network address found: is this machine on a network?")

// LANAddrs lists the IP addresses of the machine's interfaces that are up, in interface
// order. It is the default address source for the LAN URL.
func LANAddrs() ([]net.IP, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				ips = append(ips, n.IP)
			}
		}
	}
	return ips, nil
}

// firstLANIPv4 picks the first IPv4 address that other machines could reach: not loopback,
// not link-local, not unspecified.
func firstLANIPv4(ips []net.IP) (net.IP, error) {
	for _, ip := range ips {
		v4 := ip.To4()
		if v4 == nil || v4.IsLoopback() || v4.IsLinkLocalUnicast() || v4.IsUnspecified() {
			continue
		}
		return v4, nil
	}
	return nil, errNoLANAddress
}

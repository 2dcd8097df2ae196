// Package netguard decides which network addresses Cairn's outgoing calls
// (webhooks) may reach. A webhook URL is chosen by a group's owner, not by
// the instance's administrator, so without a guard it is a way to make the
// server call its own loopback services, the cloud's metadata endpoint
// (169.254.169.254, which hands out credentials) or the private network
// behind it (server-side request forgery). By default a Policy refuses
// every address that is not public; the administrator allows private
// networks by name.
package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// AllowFlag is the command-line flag that sets the allow-list, named in
// the refusals so that an administrator knows what to change.
const AllowFlag = "--webhook-allow-networks"

// PrivateShorthand is the allow-list entry that stands for the private
// ranges of RFC 1918 (10/8, 172.16/12, 192.168/16) and RFC 4193 (fc00::/7).
const PrivateShorthand = "private"

// Kinds of addresses a Policy refuses unless allowed.
const (
	KindLoopback    = "loopback"
	KindLinkLocal   = "link-local"
	KindMetadata    = "cloud metadata"
	KindUnspecified = "unspecified"
	KindMulticast   = "multicast"
	KindPrivate     = "private"
	KindShared      = "shared (carrier-grade NAT)"
	KindReserved    = "reserved"
)

var (
	// metadata are the cloud providers' instance metadata endpoints. They
	// lie in link-local or private ranges; the "private" shorthand does not
	// allow them, only an allow-list entry that names their range does.
	metadata = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, …
		netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	}
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8") // 0.0.0.0 reaches the host itself on Linux
	shared      = netip.MustParsePrefix("100.64.0.0/10")
	reserved    = []netip.Prefix{
		netip.MustParsePrefix("240.0.0.0/4"), // and the broadcast address
		netip.MustParsePrefix("fec0::/10"),   // deprecated site-local
	}
	// nat64 embeds an IPv4 address in its last 32 bits; a NAT64 gateway
	// would carry the call to that address.
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
)

// Classify returns the kind of a that a Policy refuses unless allowed
// (KindPrivate, KindLoopback, …), or "" for a public address.
func Classify(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	for _, m := range metadata {
		if a == m {
			return KindMetadata
		}
	}
	switch {
	case !a.IsValid():
		return KindReserved
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return KindUnspecified
	case a.IsLoopback():
		return KindLoopback
	case a.IsLinkLocalUnicast():
		return KindLinkLocal
	case a.IsMulticast():
		return KindMulticast
	case a.IsPrivate():
		return KindPrivate
	case shared.Contains(a):
		return KindShared
	case nat64.Contains(a):
		b := a.As16()
		return Classify(netip.AddrFrom4([4]byte(b[12:16])))
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return KindReserved
		}
	}
	return ""
}

// Policy is an allow-list of networks outgoing calls may reach beside the
// public internet. The zero Policy, and a nil *Policy, allow public
// addresses only. A Policy is safe for concurrent use.
type Policy struct {
	allow   []netip.Prefix
	private bool
}

// Parse reads an allow-list: comma-separated CIDR prefixes ("10.1.0.0/16",
// "fd12::/64"), single addresses ("192.168.1.20"), or "private" for the
// RFC 1918 and RFC 4193 ranges. "" is the default policy, public addresses
// only. The error names the first entry it cannot read.
func Parse(list string) (*Policy, error) {
	p := &Policy{}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			continue
		case strings.EqualFold(f, PrivateShorthand):
			p.private = true
			continue
		}
		if pr, err := netip.ParsePrefix(f); err == nil {
			if pr.Addr().Is4In6() {
				pr = netip.PrefixFrom(pr.Addr().Unmap(), max(0, pr.Bits()-96))
			}
			p.allow = append(p.allow, pr.Masked())
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			a = a.Unmap().WithZone("")
			p.allow = append(p.allow, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		return nil, fmt.Errorf("webhook allow-list: %q is not a network (CIDR like 10.0.0.0/8, an IP address or %q)", f, PrivateShorthand)
	}
	return p, nil
}

// MustParse is Parse for lists known to be right, in tests; it panics on
// an error.
func MustParse(list string) *Policy {
	p, err := Parse(list)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the allow-list as Parse reads it; "" for the default.
func (p *Policy) String() string {
	if p == nil {
		return ""
	}
	var parts []string
	if p.private {
		parts = append(parts, PrivateShorthand)
	}
	for _, pr := range p.allow {
		parts = append(parts, pr.String())
	}
	return strings.Join(parts, ",")
}

// RefusedError is the refusal of an address a Policy does not allow.
type RefusedError struct {
	Addr netip.Addr
	Kind string // KindPrivate, KindLoopback, …
}

// Reason says why and what to do: "10.0.0.5 is a private address; allow
// it with --webhook-allow-networks".
func (e *RefusedError) Reason() string {
	article := "a"
	if strings.IndexByte("aeiou", e.Kind[0]) >= 0 {
		article = "an"
	}
	return fmt.Sprintf("%s is %s %s address; allow it with %s", e.Addr, article, e.Kind, AllowFlag)
}

func (e *RefusedError) Error() string { return "refused: " + e.Reason() }

// Check returns a *RefusedError unless a is public or inside the
// allow-list.
func (p *Policy) Check(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	kind := Classify(a)
	if kind == "" {
		return nil
	}
	if p != nil {
		if p.private && kind == KindPrivate {
			return nil
		}
		for _, pr := range p.allow {
			if pr.Contains(a) {
				return nil
			}
		}
	}
	return &RefusedError{Addr: a, Kind: kind}
}

// CheckHost checks a URL's host before any name is resolved: a literal IP
// address as Check does, and "localhost" (and names under .localhost,
// which always resolve to loopback) as 127.0.0.1 or ::1. Other names are
// nil here; the dialer checks the addresses they resolve to (Control).
func (p *Policy) CheckHost(host string) error {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		err4 := p.Check(netip.MustParseAddr("127.0.0.1"))
		if err4 == nil || p.Check(netip.IPv6Loopback()) == nil {
			return nil
		}
		return err4
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	return p.Check(a)
}

// Control is a net.Dialer's Control function: it runs after name
// resolution, for every address the dialer is about to connect to, so
// that a name that resolves (or is rebound) to a refused address is
// refused too.
func (p *Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook address %q: %w", address, err)
	}
	return p.Check(ap.Addr())
}

// IsRefused reports whether err is, or wraps, a *RefusedError, and
// returns it.
func IsRefused(err error) (*RefusedError, bool) {
	var re *RefusedError
	ok := errors.As(err, &re)
	return re, ok
}

package netguard_test

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/netguard"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow string
		addr  string
		want  string // the kind refused; "" for allowed
	}{
		{"Public", "", "93.184.216.34", ""},
		{"PublicIPv6", "", "2606:2800:220:1:248:1893:25c8:1946", ""},
		{"Loopback", "", "127.0.0.1", netguard.KindLoopback},
		{"LoopbackRange", "", "127.1.2.3", netguard.KindLoopback},
		{"LoopbackIPv6", "", "::1", netguard.KindLoopback},
		{"Mapped", "", "::ffff:10.0.0.5", netguard.KindPrivate},
		{"Metadata", "", "169.254.169.254", netguard.KindMetadata},
		{"MetadataIPv6", "", "fd00:ec2::254", netguard.KindMetadata},
		{"LinkLocal", "", "169.254.1.1", netguard.KindLinkLocal},
		{"LinkLocalIPv6", "", "fe80::1", netguard.KindLinkLocal},
		{"Unspecified", "", "0.0.0.0", netguard.KindUnspecified},
		{"ThisNetwork", "", "0.1.2.3", netguard.KindUnspecified},
		{"UnspecifiedIPv6", "", "::", netguard.KindUnspecified},
		{"Multicast", "", "224.0.0.1", netguard.KindMulticast},
		{"MulticastIPv6", "", "ff02::1", netguard.KindMulticast},
		{"Private10", "", "10.0.0.5", netguard.KindPrivate},
		{"Private172", "", "172.16.0.1", netguard.KindPrivate},
		{"Public172", "", "172.32.0.1", ""},
		{"Private192", "", "192.168.1.1", netguard.KindPrivate},
		{"ULA", "", "fd12:3456::1", netguard.KindPrivate},
		{"CGNAT", "", "100.64.0.1", netguard.KindShared},
		{"Broadcast", "", "255.255.255.255", netguard.KindReserved},
		{"NAT64Private", "", "64:ff9b::a00:5", netguard.KindPrivate},
		{"NAT64Public", "", "64:ff9b::5db8:d822", ""},

		{"AllowPrivate", "private", "10.0.0.5", ""},
		{"AllowPrivateULA", "private", "fd12::1", ""},
		{"AllowPrivateNotLoopback", "private", "127.0.0.1", netguard.KindLoopback},
		{"AllowPrivateNotCGNAT", "private", "100.64.0.1", netguard.KindShared},
		{"AllowPrivateNotMetadata", "private", "169.254.169.254", netguard.KindMetadata},
		{"AllowPrivateNotMetadataIPv6", "private", "fd00:ec2::254", netguard.KindMetadata},
		{"AllowCIDR", "10.1.0.0/16", "10.1.2.3", ""},
		{"AllowCIDROutside", "10.1.0.0/16", "10.2.0.1", netguard.KindPrivate},
		{"AllowAddress", " 192.168.1.20 , fd00::/8", "192.168.1.20", ""},
		{"AllowAddressOther", "192.168.1.20", "192.168.1.21", netguard.KindPrivate},
		{"AllowIPv6", "192.168.1.20, fd00::/8", "fd00::9", ""},
		{"AllowLoopback", "127.0.0.0/8", "127.0.0.1", ""},
		{"AllowLoopbackMapped", "127.0.0.0/8", "::ffff:127.0.0.1", ""},
		{"AllowMetadataByName", "169.254.169.254/32", "169.254.169.254", ""},
		{"AllowUnmaskedCIDR", "10.1.2.3/8", "10.200.0.1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := netguard.Parse(tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Check(netip.MustParseAddr(tc.addr))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check(%s) with %q = %v, want allowed", tc.addr, tc.allow, err)
				}
				return
			}
			re, ok := netguard.IsRefused(err)
			if !ok || re.Kind != tc.want {
				t.Fatalf("Check(%s) with %q = %v, want a refusal as %s", tc.addr, tc.allow, err, tc.want)
			}
		})
	}
}

func TestNilPolicy(t *testing.T) {
	var p *netguard.Policy
	if err := p.Check(netip.MustParseAddr("10.0.0.5")); err == nil {
		t.Error("a nil policy allows a private address")
	}
	if err := p.Check(netip.MustParseAddr("8.8.8.8")); err != nil {
		t.Errorf("a nil policy refuses a public address: %v", err)
	}
	if p.String() != "" {
		t.Errorf("String = %q", p.String())
	}
}

func TestRefusedMessage(t *testing.T) {
	for addr, want := range map[string]string{
		"10.0.0.5":        "refused: 10.0.0.5 is a private address; allow it with --webhook-allow-networks",
		"0.0.0.0":         "refused: 0.0.0.0 is an unspecified address; allow it with --webhook-allow-networks",
		"169.254.169.254": "refused: 169.254.169.254 is a cloud metadata address; allow it with --webhook-allow-networks",
	} {
		if err := netguard.MustParse("").Check(netip.MustParseAddr(addr)); err == nil || err.Error() != want {
			t.Errorf("Check(%s) = %v, want %q", addr, err, want)
		}
	}
}

func TestParse(t *testing.T) {
	p, err := netguard.Parse("Private, 10.1.2.3/16, 192.168.1.20, ::ffff:10.0.0.0/104,,")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), "private,10.1.0.0/16,192.168.1.20/32,10.0.0.0/8"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0", "privat"} {
		_, err := netguard.Parse("private," + bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("Parse(%q) = %v, want an error naming it", bad, err)
		}
	}
}

func TestCheckHost(t *testing.T) {
	def := netguard.MustParse("")
	for _, tc := range []struct {
		host    string
		refused bool
	}{
		{"example.com", false}, // names are checked when dialled
		{"93.184.216.34", false},
		{"10.0.0.5", true},
		{"[::1]", true},
		{"::1", true},
		{"fe80::1%eth0", true},
		{"localhost", true},
		{"LOCALHOST.", true},
		{"api.localhost", true},
		{"notlocalhost", false},
	} {
		if err := def.CheckHost(tc.host); (err != nil) != tc.refused {
			t.Errorf("CheckHost(%q) = %v, want refused %v", tc.host, err, tc.refused)
		}
	}
	if err := netguard.MustParse("::1").CheckHost("localhost"); err != nil {
		t.Errorf("localhost with ::1 allowed = %v", err)
	}
}

// TestControl dials a real listener on loopback through a net.Dialer with
// the policy's Control: refused by default, connected when allowed.
func TestControl(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	// "localhost" resolves first, then every address is checked.
	addr := strings.Replace(l.Addr().String(), "127.0.0.1", "localhost", 1)

	d := net.Dialer{Control: netguard.MustParse("private").Control}
	_, err = d.DialContext(t.Context(), "tcp", addr)
	var re *netguard.RefusedError
	if !errors.As(err, &re) || re.Kind != netguard.KindLoopback {
		t.Fatalf("dial %s by default = %v, want a loopback refusal", addr, err)
	}

	d = net.Dialer{Control: netguard.MustParse("127.0.0.0/8").Control}
	c, err := d.DialContext(t.Context(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial with loopback allowed: %v", err)
	}
	c.Close()
}

package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/notify"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// The SMTP server of these tests is a real one (github.com/emersion/go-smtp)
// on 127.0.0.1, speaking SMTP over TCP to the Mailer; it keeps what it
// accepts and refuses recipients as told.

const (
	smtpUser     = "cairn"
	smtpPassword = "s3cret"
)

// receivedMail is one message the test server accepted.
type receivedMail struct {
	user, from string
	to         []string
	data       []byte
	tls        bool
}

// mailServer is the test server's backend.
type mailServer struct {
	addr string
	mu   sync.Mutex
	got  []receivedMail
	// refuse maps a recipient to the error RCPT TO answers for it.
	refuse map[string]*smtp.SMTPError
}

func (m *mailServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &mailSession{srv: m, conn: c}, nil
}

func (m *mailServer) received() []receivedMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]receivedMail(nil), m.got...)
}

type mailSession struct {
	srv        *mailServer
	conn       *smtp.Conn
	user, from string
	to         []string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != smtpUser || password != smtpPassword {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		// RFC 4954's answer (go-smtp's own ErrAuthRequired is a 502).
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := s.srv.refuse[to]; e != nil {
		return e
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, tlsOn := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.got = append(s.srv.got, receivedMail{user: s.user, from: s.from, to: s.to, data: b, tls: tlsOn})
	return nil
}

func (s *mailSession) Reset()        { s.from, s.to = "", nil }
func (s *mailSession) Logout() error { return nil }

// startMailServer starts the server on 127.0.0.1:0, with STARTTLS when
// cert is set, and stops it when the test ends.
func startMailServer(t *testing.T, cert *tls.Certificate) *mailServer {
	t.Helper()
	be := &mailServer{refuse: map[string]*smtp.SMTPError{
		"nobody@example.com": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"},
		"busy@example.com":   {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"},
	}}
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	be.addr = l.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return be
}

// mailer returns a Mailer for the server, without TLS.
func (m *mailServer) mailer(t *testing.T) *notify.Mailer {
	t.Helper()
	_, port, err := net.SplitHostPort(m.addr)
	if err != nil {
		t.Fatal(err)
	}
	mr := &notify.Mailer{Host: "127.0.0.1", Username: smtpUser, Password: smtpPassword, From: "Cairn Büro <cairn@example.com>",
		TLS: notify.TLSNone, Timeout: 10 * time.Second, LocalName: "cairn.test",
		Now: func() time.Time { return time.Date(2026, 11, 4, 9, 30, 0, 0, time.UTC) }}
	if mr.Port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	return mr
}

// mailBody is a text with what quoted-printable must carry: non-ASCII, "=",
// a line over 76 characters, trailing spaces, and lines starting with dots
// (SMTP's end of data).
var mailBody = "Hallo Tomás,\n\nbitte schreib dein Status-Update = Fortschritt. " +
	strings.Repeat("Lange Zeile ", 10) + "\ntrailing spaces   \n.\n..two dots\n\n- Größe (team/app#3)\n  https://cairn.test/team/app/-/issues/3\n"

func TestMailerDelivers(t *testing.T) {
	srv := startMailServer(t, nil)
	d := &store.Delivery{ID: 42, Kind: store.DeliveryEmail, Recipient: "tomas@example.com",
		Subject: "Status-Update fällig: „Größe“ ✓", Payload: []byte(mailBody), CreatedAt: time.UnixMilli(1_790_000_000_000)}
	out, err := srv.mailer(t).Send(t.Context(), d)
	if err != nil || out.Status != 250 || out.Permanent {
		t.Fatalf("send: %+v, %v", out, err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("server got %d messages", len(got))
	}
	r := got[0]
	if r.user != smtpUser || r.from != "cairn@example.com" || len(r.to) != 1 || r.to[0] != "tomas@example.com" || r.tls {
		t.Errorf("envelope: %+v", r)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(r.data)))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, r.data)
	}
	h := msg.Header
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != d.Subject {
		t.Errorf("subject %q (raw %q), %v", subject, h.Get("Subject"), err)
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "Cairn Büro" || from.Address != "cairn@example.com" {
		t.Errorf("from %q: %+v %v", h.Get("From"), from, err)
	}
	if date, err := h.Date(); err != nil || !date.Equal(time.Date(2026, 11, 4, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("date %q: %v", h.Get("Date"), err)
	}
	for k, want := range map[string]string{
		"To": "<tomas@example.com>", "Message-Id": "<cairn.42.1790000000000@example.com>", "Mime-Version": "1.0",
		"Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted": "auto-generated",
	} {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
	for _, line := range strings.Split(string(r.data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line over 78 characters: %q", line)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != mailBody {
		t.Errorf("body:\n%q\nwant\n%q", got, mailBody)
	}
}

func TestMailerSubjects(t *testing.T) {
	srv := startMailServer(t, nil)
	mr := srv.mailer(t)
	subjects := []string{
		"Plain ASCII",
		"Looks encoded =?utf-8?q?x?= but is not",
		strings.Repeat("Größe – ", 20) + "✓",
		"Line\r\nBreak: folded into one line",
	}
	for k, subject := range subjects {
		d := &store.Delivery{ID: int64(k), Kind: store.DeliveryEmail, Recipient: "tomas@example.com", Subject: subject, Payload: []byte("b")}
		if _, err := mr.Send(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.received()
	if len(got) != len(subjects) {
		t.Fatalf("received %d", len(got))
	}
	for k, r := range got {
		for _, line := range strings.Split(string(r.data), "\r\n") {
			if len(line) > 78 {
				t.Errorf("line over 78 characters: %q", line)
			}
		}
		msg, err := mail.ReadMessage(strings.NewReader(string(r.data)))
		if err != nil {
			t.Fatal(err)
		}
		var dec mime.WordDecoder
		want := strings.Join(strings.Fields(subjects[k]), " ")
		if got, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || got != want {
			t.Errorf("subject %q, want %q (%v)", got, want, err)
		}
	}
}

func TestMailerFailures(t *testing.T) {
	srv := startMailServer(t, nil)
	send := func(mr *notify.Mailer, to string) (notify.Outcome, error) {
		return mr.Send(t.Context(), &store.Delivery{ID: 1, Kind: store.DeliveryEmail, Recipient: to, Subject: "s", Payload: []byte("b")})
	}
	tests := []struct {
		name      string
		mailer    func(*notify.Mailer)
		to        string
		status    int
		permanent bool
	}{
		{"RejectedRecipient", nil, "nobody@example.com", 550, true},
		{"TemporaryRejection", nil, "busy@example.com", 451, false},
		// Bad credentials are the settings' fault, not the message's: it
		// waits for them to be fixed.
		{"BadPassword", func(m *notify.Mailer) { m.Password = "wrong" }, "tomas@example.com", 535, false},
		{"NoAuth", func(m *notify.Mailer) { m.Username, m.Password = "", "" }, "tomas@example.com", 530, false},
		{"ServerDown", func(m *notify.Mailer) { m.Port = closedPort(t) }, "tomas@example.com", 0, false},
		{"NoStartTLS", func(m *notify.Mailer) { m.TLS = notify.TLSStartTLS }, "tomas@example.com", 0, false},
		{"BadAddress", nil, "not an address", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mr := srv.mailer(t)
			if tc.mailer != nil {
				tc.mailer(mr)
			}
			out, err := send(mr, tc.to)
			if err == nil || out.Status != tc.status || out.Permanent != tc.permanent {
				t.Errorf("outcome %+v, err %v; want status %d, permanent %v", out, err, tc.status, tc.permanent)
			}
		})
	}
	if n := len(srv.received()); n != 0 {
		t.Errorf("server accepted %d messages", n)
	}
}

// closedPort returns a port of 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestMailerStartTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	srv := startMailServer(t, cert)
	mr := srv.mailer(t)
	mr.TLS = notify.TLSStartTLS
	d := &store.Delivery{ID: 3, Kind: store.DeliveryEmail, Recipient: "tomas@example.com", Subject: "over TLS", Payload: []byte("hi\n")}
	// An unknown certificate is refused, and retried.
	if out, err := mr.Send(t.Context(), d); err == nil || out.Permanent {
		t.Errorf("untrusted certificate: %+v, %v", out, err)
	}
	mr.TLSConfig = &tls.Config{RootCAs: pool}
	if out, err := mr.Send(t.Context(), d); err != nil || out.Status != 250 {
		t.Fatalf("send: %+v, %v", out, err)
	}
	got := srv.received()
	if len(got) != 1 || !got[0].tls || got[0].user != smtpUser {
		t.Errorf("received %+v", got)
	}
}

// TestMailThroughOutbox runs the whole path: a notification puts an
// e-mail in the outbox, and the worker sends it to the SMTP server once.
func TestMailThroughOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := startMailServer(t, nil)
		ctx := context.Background()
		s.EmailEnabled, s.BaseURL = true, "https://cairn.test"
		u, err := s.CreateUser(ctx, cairn.UserCreate{Username: "tomas", Email: "tomas@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		nobody, err := s.CreateUser(ctx, cairn.UserCreate{Username: "nobody", Email: "nobody@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.CreateGroup(cairn.NewContextWithUser(ctx, u), cairn.GroupCreate{Path: "team"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{u.ID, u.ID, nobody.ID} {
			if err := s.Notify(ctx, cairn.Notification{Key: "hello", UserID: id, Action: cairn.TodoPlanningFinalization, GroupID: g.ID,
				Subject: "Planung für „2026-12“", Body: "Bitte bis Freitag finalisieren."}); err != nil {
				t.Fatal(err)
			}
		}
		w := &notify.Worker{Store: s, Senders: map[string]notify.Sender{store.DeliveryEmail: srv.mailer(t)}, Owner: "test",
			Backoff: func(int) time.Duration { return time.Hour }}
		if n, err := w.RunOnce(t.Context()); err != nil || n != 2 {
			t.Fatalf("run once: %d, %v", n, err)
		}
		got := srv.received()
		if len(got) != 1 || got[0].to[0] != "tomas@example.com" ||
			!strings.Contains(string(got[0].data), "Your to-do list: https://cairn.test/dashboard/todos") {
			t.Fatalf("received %+v", got)
		}
		list, _, err := s.Deliveries(ctx, store.DeliveryFilter{Kind: store.DeliveryEmail})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, d := range list {
			states[d.Recipient] = d.State
			if d.Recipient == "nobody@example.com" && (d.ResponseStatus != 550 || !strings.Contains(d.ResponseBody, "No such user")) {
				t.Errorf("refused delivery: %+v", d)
			}
		}
		if states["tomas@example.com"] != store.DeliveryDelivered || states["nobody@example.com"] != store.DeliveryFailed {
			t.Errorf("delivery states = %v", states)
		}
		if n, err := w.RunOnce(t.Context()); err != nil || n != 0 {
			t.Errorf("second run: %d, %v", n, err)
		}
	})
}

func TestMailerValidate(t *testing.T) {
	ok := notify.Mailer{Host: "smtp.example.com", From: "Cairn <cairn@example.com>", Username: "u", Password: "p"}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid: %v", err)
	}
	tests := []struct {
		name string
		edit func(*notify.Mailer)
		want string
	}{
		{"NoHost", func(m *notify.Mailer) { m.Host = "" }, "host"},
		{"BadPort", func(m *notify.Mailer) { m.Port = 70000 }, "port"},
		{"BadTLS", func(m *notify.Mailer) { m.TLS = "ssl" }, "TLS mode"},
		{"NoFrom", func(m *notify.Mailer) { m.From = "" }, "sender"},
		{"BadFrom", func(m *notify.Mailer) { m.From = "Cairn" }, "sender"},
		{"PasswordOnly", func(m *notify.Mailer) { m.Username = "" }, "without a username"},
		{"ClearText", func(m *notify.Mailer) { m.TLS = "none" }, "clear text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := ok
			tc.edit(&m)
			if err := m.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error about %s", err, tc.want)
			}
		})
	}
	local := notify.Mailer{Host: "localhost", From: "cairn@example.com", Username: "u", Password: "p", TLS: "NONE"}
	if err := local.Validate(); err != nil {
		t.Errorf("local relay without TLS: %v", err)
	}
	for in, want := range map[string]string{"": "starttls", "StartTLS": "starttls", "tls": "tls", "none": "none"} {
		if got, err := notify.ParseTLSMode(in); err != nil || got != want {
			t.Errorf("ParseTLSMode(%q) = %q, %v", in, got, err)
		}
	}
}

package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairnhq/cairn/internal/store"
)

// The TLS modes of a Mailer.
const (
	// TLSStartTLS connects in plain text and upgrades with STARTTLS before
	// anything else is said; a server that does not offer it is refused.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, usually port 465).
	TLSImplicit = "tls"
	// TLSNone never encrypts: for a relay on the same host or network.
	// Credentials are then only sent to localhost.
	TLSNone = "none"
)

// DefaultMailTimeout bounds one attempt at sending an e-mail when the
// Mailer leaves Timeout zero.
const DefaultMailTimeout = 30 * time.Second

// ParseTLSMode returns the TLS mode s names (case-insensitive): "starttls"
// (also the default for ""), "tls" or "none".
func ParseTLSMode(s string) (string, error) {
	switch m := strings.ToLower(strings.TrimSpace(s)); m {
	case "":
		return TLSStartTLS, nil
	case TLSStartTLS, TLSImplicit, TLSNone:
		return m, nil
	}
	return "", fmt.Errorf("SMTP TLS mode %q: use starttls, tls or none", s)
}

// Mailer sends the outbox's e-mails through an SMTP server (net/smtp), as
// plain UTF-8 text. It is the Sender of store.DeliveryEmail.
type Mailer struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port int
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN, which net/smtp only does over TLS or to localhost.
	Username string
	Password string
	// From is the sender: "cairn@example.com" or "Cairn <cairn@example.com>".
	From string
	// TLS is TLSStartTLS (the default for ""), TLSImplicit or TLSNone.
	TLS string
	// TLSConfig, when set, replaces the default TLS settings (system roots,
	// server name Host), e.g. for a relay with a private certificate.
	TLSConfig *tls.Config
	// Timeout bounds one attempt, from dialling to QUIT (default
	// DefaultMailTimeout).
	Timeout time.Duration
	// LocalName is the name given in EHLO (default "localhost").
	LocalName string
	// Now stamps the Date header; default time.Now.
	Now func() time.Time
}

// Validate checks the configuration and returns an error that names the
// setting at fault: a missing host or sender, a bad port or TLS mode, or
// credentials that would cross the network in clear text.
func (m *Mailer) Validate() error {
	if strings.TrimSpace(m.Host) == "" {
		return errors.New("SMTP host is missing")
	}
	if m.Port < 0 || m.Port > 65535 {
		return fmt.Errorf("SMTP port %d is out of range", m.Port)
	}
	mode, err := ParseTLSMode(m.TLS)
	if err != nil {
		return err
	}
	if strings.TrimSpace(m.From) == "" {
		return errors.New("SMTP sender (from) is missing")
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return fmt.Errorf("SMTP sender %q: %w", m.From, err)
	}
	if m.Username == "" && m.Password != "" {
		return errors.New("SMTP password given without a username")
	}
	if m.Username != "" && mode == TLSNone && !isLocalhost(m.Host) {
		return fmt.Errorf("SMTP credentials would cross the network in clear text to %s: use TLS mode starttls or tls", m.Host)
	}
	return nil
}

// isLocalhost reports whether host is this machine, the only place
// net/smtp sends credentials without TLS.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func (m *Mailer) port(mode string) int {
	if m.Port != 0 {
		return m.Port
	}
	switch mode {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

func (m *Mailer) tlsConfig() *tls.Config {
	if m.TLSConfig != nil {
		c := m.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = m.Host
		}
		return c
	}
	return &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
}

// Send makes one attempt at sending the e-mail d. Outcome.Status is the
// SMTP reply code of the failing command (0 when nothing answered). A 5xx
// reply to the message itself (MAIL FROM, RCPT TO, DATA) fails it for good
// (Permanent): the server refuses this message. 4xx replies, network
// errors, and 5xx replies before the message (greeting, EHLO, STARTTLS,
// AUTH: the server or our settings, not the message, are at fault) are
// retried.
func (m *Mailer) Send(ctx context.Context, d *store.Delivery) (Outcome, error) {
	mode, err := ParseTLSMode(m.TLS)
	if err != nil {
		return Outcome{}, err
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return Outcome{}, fmt.Errorf("SMTP sender %q: %w", m.From, err)
	}
	to, err := mail.ParseAddress(d.Recipient)
	if err != nil {
		return Outcome{Permanent: true}, fmt.Errorf("e-mail recipient %q: %w", d.Recipient, err)
	}
	msg, err := m.message(d, from, to)
	if err != nil {
		return Outcome{Permanent: true}, err
	}

	timeout := m.Timeout
	if timeout <= 0 {
		timeout = DefaultMailTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.port(mode)))
	var conn net.Conn
	if mode == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: &net.Dialer{}, Config: m.tlsConfig()}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("connect to SMTP server %s: %w", addr, err)
	}
	// net/smtp takes no context: the deadline bounds every read and write,
	// and cancelling closes the connection under it.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return retryable("SMTP greeting", err)
	}
	defer c.Close()
	local := m.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		return retryable("SMTP EHLO", err)
	}
	if mode == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return Outcome{}, fmt.Errorf("SMTP server %s does not offer STARTTLS (set the TLS mode to tls or none)", addr)
		}
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return retryable("SMTP STARTTLS", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return retryable("SMTP AUTH", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return messageError("SMTP MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return messageError("SMTP RCPT TO "+to.Address, err)
	}
	w, err := c.Data()
	if err != nil {
		return messageError("SMTP DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return retryable("SMTP message", err)
	}
	if err := w.Close(); err != nil {
		return messageError("SMTP message", err)
	}
	out := Outcome{Status: 250}
	// The message is accepted: a failing QUIT changes nothing.
	_ = c.Quit()
	return out, nil
}

// smtpReply returns the reply code and text of an SMTP error, if it is one.
func smtpReply(err error) (int, string, bool) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg, true
	}
	return 0, "", false
}

// retryable is the Outcome of a failure that another attempt may not meet.
func retryable(step string, err error) (Outcome, error) {
	code, msg, _ := smtpReply(err)
	return Outcome{Status: code, Body: msg}, fmt.Errorf("%s: %w", step, err)
}

// messageError is the Outcome of a reply to the message: a 5xx refuses it
// for good, except 530 "authentication required" (RFC 4954), which says
// the settings lack credentials.
func messageError(step string, err error) (Outcome, error) {
	code, msg, ok := smtpReply(err)
	return Outcome{Status: code, Body: msg, Permanent: ok && code >= 500 && code != 530}, fmt.Errorf("%s: %w", step, err)
}

// message renders d as an RFC 5322 message: headers with the subject
// Q-encoded, and the text quoted-printable in UTF-8.
func (m *Mailer) message(d *store.Delivery, from, to *mail.Address) ([]byte, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	domain := "cairn.invalid"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		domain = from.Address[at+1:]
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", now().Format(time.RFC1123Z))
	// The same id on every attempt, so that a receiver that got the
	// message before (the attempt failed after DATA) can tell.
	header("Message-ID", fmt.Sprintf("<cairn.%d.%d@%s>", d.ID, d.CreatedAt.UnixMilli(), domain))
	header("From", from.String())
	header("To", to.String())
	header("Subject", encodeSubject(oneLine(d.Subject)))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	// Out-of-office replies to a notification reach nobody.
	header("X-Auto-Response-Suppress", "All")
	b.WriteString("\r\n")
	// The writer ends every line with CRLF, as SMTP wants.
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write(d.Payload); err != nil {
		return nil, fmt.Errorf("encode e-mail: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encode e-mail: %w", err)
	}
	return b.Bytes(), nil
}

// maxEncodedWord bounds the encoded words of encodeSubject: with
// "Subject: " before the first, every line stays within RFC 5322's 78
// characters.
const maxEncodedWord = 64

// encodeSubject returns s as is when it is printable ASCII, and otherwise
// as RFC 2047 Q-encoded words ("=?utf-8?q?…?="), each on its own folded
// line and never splitting a character. (mime.QEncoding makes words of up
// to 75 characters and puts them on one line.)
func encodeSubject(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			ascii = false
			break
		}
	}
	if ascii && !strings.Contains(s, "=?") {
		return s
	}
	const open, close = "=?utf-8?q?", "?="
	var words []string
	var w strings.Builder
	for _, r := range s {
		var enc strings.Builder
		var buf [utf8.UTFMax]byte
		for _, b := range buf[:utf8.EncodeRune(buf[:], r)] {
			switch {
			case b == ' ':
				enc.WriteByte('_')
			case b > ' ' && b <= '~' && b != '=' && b != '?' && b != '_':
				enc.WriteByte(b)
			default:
				fmt.Fprintf(&enc, "=%02X", b)
			}
		}
		if w.Len() > 0 && len(open)+w.Len()+enc.Len()+len(close) > maxEncodedWord {
			words = append(words, open+w.String()+close)
			w.Reset()
		}
		w.WriteString(enc.String())
	}
	words = append(words, open+w.String()+close)
	return strings.Join(words, "\r\n ")
}

// oneLine folds line breaks into spaces: a header is one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

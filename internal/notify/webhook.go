package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/netguard"
	"github.com/cairnhq/cairn/internal/store"
)

// DefaultWebhookTimeout bounds one webhook call, as GitLab's 10 seconds.
const DefaultWebhookTimeout = 10 * time.Second

// maxResponseBody is how much of a receiver's answer the log keeps.
const maxResponseBody = 4 << 10

// WebhookSource looks up a webhook by id; *store.Store is one.
type WebhookSource interface {
	// WebhookByID returns the hook; ENOTFOUND once it has been deleted.
	WebhookByID(ctx context.Context, id int64) (*cairn.Webhook, error)
}

// WebhookSender is the Sender of webhook deliveries: an HTTP POST of the
// payload to the hook's URL, with GitLab's headers (X-Gitlab-Event,
// X-Gitlab-Token, X-Gitlab-Event-UUID) and Cairn's (X-Cairn-Delivery and,
// when the hook has a secret token, X-Cairn-Signature-256: "sha256=" and
// the hex HMAC-SHA256 of the body keyed by the token). A 2xx answer is
// success. Redirects are not followed. The hook is read at send time, so a
// retry goes to the URL, with the token and TLS setting, the hook has then;
// a deleted hook fails its deliveries for good.
//
// Calls connect only to public addresses and to the networks of the
// sender's allow-list (netguard.Policy), checked after name resolution for
// every address dialled: a hook aimed at loopback, link-local (the cloud
// metadata endpoint) or private addresses fails for good with the reason.
// They go direct, never through an HTTP_PROXY, which would connect on the
// sender's behalf to addresses it cannot check.
type WebhookSender struct {
	hooks     WebhookSource
	userAgent string
	verified  *http.Client
	insecure  *http.Client
}

// NewWebhookSender returns a sender that reads hooks from hooks and calls
// public addresses only, with DefaultWebhookTimeout per call. userAgent
// ("Cairn/1.2.0") is sent as User-Agent; "" sends "Cairn".
func NewWebhookSender(hooks WebhookSource, userAgent string) *WebhookSender {
	return NewWebhookSenderAllowing(hooks, userAgent, nil)
}

// NewWebhookSenderAllowing is NewWebhookSender with an allow-list: allow
// names the non-public networks calls may reach too
// (--webhook-allow-networks); nil allows public addresses only.
func NewWebhookSenderAllowing(hooks WebhookSource, userAgent string, allow *netguard.Policy) *WebhookSender {
	if userAgent == "" {
		userAgent = "Cairn"
	}
	return &WebhookSender{
		hooks:     hooks,
		userAgent: userAgent,
		verified:  webhookClient(false, DefaultWebhookTimeout, allow),
		insecure:  webhookClient(true, DefaultWebhookTimeout, allow),
	}
}

func webhookClient(skipVerify bool, timeout time.Duration, allow *netguard.Policy) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// The address check runs in the dialer, after name resolution, so a
	// name that resolves to a refused address (or is rebound to one
	// between a check and the call) cannot get through.
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: allow.Control}
	tr.DialContext = dialer.DialContext
	tr.Proxy = nil
	if skipVerify {
		// The hook's owner turned SSL verification off (a receiver with a
		// self-signed certificate), as GitLab allows.
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the hook's own setting
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		// A redirect could lead the payload and token somewhere the owner
		// did not name; GitLab does not follow them either.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Sign returns the X-Cairn-Signature-256 value of body under token:
// "sha256=" and the hex HMAC-SHA256.
func Sign(token string, body []byte) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// EventUUID returns the X-Gitlab-Event-UUID of a delivery: derived from its
// id and creation time, so that every attempt at one delivery carries the
// same UUID and a receiver can drop repeats.
func EventUUID(d *store.Delivery) string {
	sum := sha256.Sum256([]byte("cairn-delivery/" + strconv.FormatInt(d.ID, 10) + "/" + strconv.FormatInt(d.CreatedAt.UnixMilli(), 10)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: application-defined
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Send posts d's payload to its webhook.
func (s *WebhookSender) Send(ctx context.Context, d *store.Delivery) (Outcome, error) {
	h, err := s.hooks.WebhookByID(ctx, d.HookID)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return Outcome{Permanent: true}, fmt.Errorf("webhook %d no longer exists", d.HookID)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("load webhook %d: %w", d.HookID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return Outcome{Permanent: true}, fmt.Errorf("webhook %d: %w", h.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set("X-Gitlab-Event", d.Event)
	req.Header.Set("X-Gitlab-Event-UUID", EventUUID(d))
	req.Header.Set("X-Cairn-Delivery", strconv.FormatInt(d.ID, 10))
	if h.Token != "" {
		req.Header.Set("X-Gitlab-Token", h.Token)
		req.Header.Set("X-Cairn-Signature-256", Sign(h.Token, d.Payload))
	}
	client := s.verified
	if !h.EnableSSLVerification {
		client = s.insecure
	}
	res, err := client.Do(req)
	if refused, ok := netguard.IsRefused(err); ok {
		// Retrying cannot help until the hook or the allow-list changes;
		// "Resend" in the delivery log tries again after that.
		return Outcome{Permanent: true}, fmt.Errorf("post webhook %d: %w", h.ID, refused)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("post webhook %d: %w", h.ID, unwrapURLError(err))
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxResponseBody))
	// Drain a little more so the connection can be reused.
	_, _ = io.CopyN(io.Discard, res.Body, 64<<10)
	out := Outcome{Status: res.StatusCode, Body: string(body)}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return out, fmt.Errorf("webhook %d answered %s", h.ID, res.Status)
	}
	return out, nil
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// method and URL the log shows already.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

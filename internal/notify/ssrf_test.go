package notify_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairnhq/cairn/internal/notify"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestWebhookRefusesLocalAddresses: a sender without an allow-list
// refuses, after resolving the name, to call a receiver on loopback; the
// delivery fails for good at once with the reason in its log, and the
// receiver is never called.
func TestWebhookRefusesLocalAddresses(t *testing.T) {
	for _, tc := range []struct {
		name string
		host func(u string) string
	}{
		{"LiteralAddress", func(u string) string { return u }},
		{"ResolvedName", func(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				var calls atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
				defer srv.Close()
				// The store lets the hook be added (its allow-list names
				// loopback); the sender has none.
				w := newHookWorld(t, s, tc.host(srv.URL))
				w.issues(t, 1)
				wk := w.worker(8)
				wk.Senders[store.DeliveryWebhook] = notify.NewWebhookSender(s, "")
				runOnce(t, wk, 1)

				d := allDeliveries(t, s)[0]
				const reason = "is a loopback address; allow it with --webhook-allow-networks"
				if d.State != store.DeliveryFailed || d.Attempts != 1 || !strings.Contains(d.LastError, "refused: ") ||
					!strings.Contains(d.LastError, reason) {
					t.Errorf("delivery = %s after %d attempts, error %q; want failed at once, refused", d.State, d.Attempts, d.LastError)
				}
				if calls.Load() != 0 {
					t.Errorf("receiver called %d times", calls.Load())
				}

				// With loopback allowed, the same hook gets its call.
				out, err := notify.NewWebhookSenderAllowing(s, "", loopback).Send(t.Context(), d)
				if err != nil || out.Status != http.StatusOK || calls.Load() != 1 {
					t.Errorf("send with loopback allowed = %+v, %v; %d calls", out, err, calls.Load())
				}
			})
		})
	}
}

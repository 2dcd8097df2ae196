// Package notify sends what Cairn's outbox holds: webhook calls and
// e-mails. Changes write deliveries into the outbox in their own
// transaction (internal/store); a Worker claims due ones, hands each to the
// Sender of its kind, and records the outcome, retrying failures with
// back-off, so that nothing is lost when a receiver or a mail server is
// down, or when Cairn restarts.
package notify

import (
	"context"

	"github.com/cairnhq/cairn/internal/store"
)

// Sender makes one attempt at delivering d.
type Sender interface {
	// Send returns nil when d was delivered. The Outcome is what the
	// receiver answered (an HTTP status and body, an SMTP reply), kept in
	// the delivery log either way.
	Send(ctx context.Context, d *store.Delivery) (Outcome, error)
}

// Outcome is a receiver's answer to one attempt.
type Outcome struct {
	// Status is the HTTP status or SMTP reply code; 0 when nothing answered.
	Status int
	// Body is the start of the answer, for the delivery log.
	Body string
	// Permanent marks a failure that retrying cannot fix (an SMTP 5xx
	// reply, an address the server refuses): the delivery fails at once.
	Permanent bool
}

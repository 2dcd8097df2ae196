package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
)

// The kinds of outgoing delivery.
const (
	DeliveryWebhook = "webhook"
	DeliveryEmail   = "email"
)

// The states of a delivery.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one webhook call or e-mail in the outbox, and afterwards its
// record in the delivery log.
type Delivery struct {
	ID     int64
	Kind   string // DeliveryWebhook or DeliveryEmail
	HookID int64  // the webhook's id; 0 for e-mail
	// DedupeKey, when set, makes enqueueing idempotent per kind.
	DedupeKey string
	// Event is the webhook event header ("Issue Hook"); empty for e-mail.
	Event string
	// Recipient is the webhook URL or the e-mail address.
	Recipient string
	// Subject is the e-mail subject; empty for webhooks.
	Subject string
	// Payload is the JSON body of a webhook call, or the text of an e-mail.
	Payload        []byte
	State          string
	Attempts       int
	NextAttemptAt  time.Time
	ResponseStatus int // 0 until an HTTP answer was received
	ResponseBody   string
	LastError      string
	Duration       time.Duration
	CreatedAt      time.Time
	FinishedAt     *time.Time
}

// DeliveryResult is how one attempt at a delivery went. Err nil means it was
// delivered; otherwise the delivery is tried again at RetryAt, or marked
// failed for good when RetryAt is zero.
type DeliveryResult struct {
	Err            error
	RetryAt        time.Time
	ResponseStatus int
	ResponseBody   string
	Duration       time.Duration
}

// enqueueDelivery adds d to the outbox inside the caller's transaction, due
// now. With a DedupeKey already in the outbox for the kind it does nothing
// and returns 0.
func (s *Store) enqueueDelivery(ctx context.Context, c *conn, d *Delivery) (int64, error) {
	now := ms(s.now())
	var id int64
	err := c.queryRow(ctx, `INSERT INTO deliveries (kind, hook_id, dedupe_key, event, recipient, subject, payload,
			next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING id`,
		d.Kind, nullID(d.HookID), nullString(d.DedupeKey), d.Event, d.Recipient, d.Subject, string(d.Payload), now, now).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue %s delivery: %w", d.Kind, err)
	}
	c.afterCommit(s.deliveryEnqueued)
	return id, nil
}

// nullID stores 0 as NULL.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// EnqueueEmail adds an e-mail to the outbox; with a dedupeKey already used
// for an e-mail it does nothing (the scheduler re-running a step sends no
// second mail).
func (s *Store) EnqueueEmail(ctx context.Context, dedupeKey, to, subject, body string) error {
	return s.write(ctx, func(c *conn) error {
		_, err := s.enqueueDelivery(ctx, c, &Delivery{Kind: DeliveryEmail, DedupeKey: dedupeKey, Recipient: to, Subject: subject, Payload: []byte(body)})
		return err
	})
}

// ClaimDeliveries claims up to limit due deliveries for owner until
// now+lease, oldest first: pending ones whose next attempt is due and whose
// lease (if any) ran out. Each delivery is claimed by one owner at a time,
// also across instances; a worker that dies leaves its claims to run out.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, limit int, lease time.Duration) ([]*Delivery, error) {
	var out []*Delivery
	err := s.write(ctx, func(c *conn) error {
		out = out[:0]
		now := s.now()
		rows, err := c.query(ctx, `SELECT id FROM deliveries
			WHERE state = 'pending' AND next_attempt_at <= ? AND lease_until <= ?
			ORDER BY next_attempt_at, id LIMIT ?`+c.d.skipLocked, ms(now), ms(now), limit)
		if err != nil {
			return fmt.Errorf("find due deliveries: %w", err)
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
		args := append([]any{owner, ms(now.Add(lease))}, ids...)
		if _, err := c.exec(ctx, `UPDATE deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (`+in+`)`, args...); err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		out, err = loadDeliveries(ctx, c, `WHERE id IN (`+in+`) ORDER BY next_attempt_at, id`, ids...)
		return err
	})
	return out, err
}

// FinishDelivery records how owner's attempt at delivery id went. An
// attempt owner no longer holds (its lease ran out and another worker took
// the delivery) changes nothing.
func (s *Store) FinishDelivery(ctx context.Context, id int64, owner string, r DeliveryResult) error {
	return s.write(ctx, func(c *conn) error {
		now := ms(s.now())
		state, next, finished := DeliveryDelivered, int64(0), sql.NullInt64{Int64: now, Valid: true}
		msg := ""
		if r.Err != nil {
			msg = truncate(r.Err.Error(), 2000)
			if r.RetryAt.IsZero() {
				state = DeliveryFailed
			} else {
				state, next, finished = DeliveryPending, ms(r.RetryAt), sql.NullInt64{}
			}
		}
		var status sql.NullInt64
		if r.ResponseStatus != 0 {
			status = sql.NullInt64{Int64: int64(r.ResponseStatus), Valid: true}
		}
		_, err := c.exec(ctx, `UPDATE deliveries SET state = ?, next_attempt_at = CASE WHEN CAST(? AS BIGINT) > 0 THEN CAST(? AS BIGINT) ELSE next_attempt_at END,
				lease_owner = '', lease_until = 0, response_status = ?, response_body = ?, last_error = ?, duration_ms = ?, finished_at = ?
			WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
			state, next, next, status, truncate(r.ResponseBody, 4000), msg, r.Duration.Milliseconds(), finished, id, owner)
		if err != nil {
			return fmt.Errorf("finish delivery %d: %w", id, err)
		}
		return nil
	})
}

// RetryDelivery makes delivery id due again now (a "resend" from the
// delivery log), whatever its state; ENOTFOUND if there is none.
func (s *Store) RetryDelivery(ctx context.Context, id int64) error {
	return s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, `UPDATE deliveries SET state = 'pending', next_attempt_at = ?, lease_owner = '', lease_until = 0, finished_at = NULL
			WHERE id = ?`, ms(s.now()), id)
		if err != nil {
			return fmt.Errorf("retry delivery %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cairn.NotFound("Delivery")
		}
		c.afterCommit(s.deliveryEnqueued)
		return nil
	})
}

// DeliveryFilter selects deliveries of the log: of one webhook (HookID), of
// a kind, in a state; newest first.
type DeliveryFilter struct {
	HookID int64
	Kind   string
	State  string
	cairn.Page
}

// Deliveries lists the delivery log, newest first.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, cairn.Total, error) {
	var where []string
	var args []any
	if f.HookID != 0 {
		where, args = append(where, "hook_id = ?"), append(args, f.HookID)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	p := f.Page.Normalize()
	c := s.read()
	var total int
	if err := c.queryRow(ctx, `SELECT count(*) FROM deliveries `+cond, args...).Scan(&total); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count deliveries: %w", err)
	}
	list, err := loadDeliveries(ctx, c, cond+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, p.PerPage, p.Offset())...)
	return list, cairn.Total{Count: total}, err
}

// DeliveryByID returns one delivery; ENOTFOUND if there is none.
func (s *Store) DeliveryByID(ctx context.Context, id int64) (*Delivery, error) {
	list, err := loadDeliveries(ctx, s.read(), `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.NotFound("Delivery")
	}
	return list[0], nil
}

func loadDeliveries(ctx context.Context, c *conn, where string, args ...any) ([]*Delivery, error) {
	rows, err := c.query(ctx, `SELECT id, kind, hook_id, dedupe_key, event, recipient, subject, payload, state, attempts,
			next_attempt_at, response_status, response_body, last_error, duration_ms, created_at, finished_at
		FROM deliveries `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load deliveries: %w", err)
	}
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		var d Delivery
		var hook, status, dur, finished sql.NullInt64
		var dedupe sql.NullString
		var payload string
		var next, created int64
		if err := rows.Scan(&d.ID, &d.Kind, &hook, &dedupe, &d.Event, &d.Recipient, &d.Subject, &payload, &d.State, &d.Attempts,
			&next, &status, &d.ResponseBody, &d.LastError, &dur, &created, &finished); err != nil {
			return nil, err
		}
		d.HookID, d.DedupeKey, d.Payload = hook.Int64, dedupe.String, []byte(payload)
		d.ResponseStatus, d.Duration = int(status.Int64), time.Duration(dur.Int64)*time.Millisecond
		d.NextAttemptAt, d.CreatedAt = fromMS(next), fromMS(created)
		if finished.Valid {
			t := fromMS(finished.Int64)
			d.FinishedAt = &t
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

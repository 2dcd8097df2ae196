package notify

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/cairnhq/cairn/internal/store"
)

// The results of a delivery attempt, as Worker.OnAttempt reports them.
const (
	// ResultDelivered: the receiver accepted the delivery.
	ResultDelivered = "delivered"
	// ResultRetried: the attempt failed and another one is scheduled.
	ResultRetried = "retried"
	// ResultFailed: the attempt failed for good (a permanent failure, or
	// the last of MaxAttempts).
	ResultFailed = "failed"
)

// Worker defaults.
const (
	DefaultPoll        = 5 * time.Second
	DefaultLease       = 2 * time.Minute
	DefaultBatch       = 20
	DefaultConcurrency = 4
	DefaultMaxAttempts = 8
)

// Worker sends what the outbox holds: it claims due deliveries, hands each
// to the Sender of its kind, and records the outcome. A failed attempt is
// tried again after Backoff; a permanent failure, or the failure of the
// last of MaxAttempts attempts, fails the delivery for good. Claims are
// leases in the database, so several Cairn instances can each run a
// Worker over one PostgreSQL database and every delivery is still sent by
// one of them at a time; a worker that dies leaves its claims to run out.
//
// Set the fields before the first call; a Worker must not be copied.
type Worker struct {
	Store *store.Store
	// Senders send deliveries by kind (store.DeliveryWebhook,
	// store.DeliveryEmail). A delivery of a kind without a sender fails
	// its attempt, as if its receiver were down.
	Senders map[string]Sender
	// Owner names this worker in the claims it takes; default: host name,
	// process id and a random suffix.
	Owner string
	// Lease is how long a claim lasts; an attempt still running then may
	// be repeated by another worker. Default DefaultLease; it should be
	// well above the senders' timeouts.
	Lease time.Duration
	// Poll is the time between looks at the outbox when nothing wakes the
	// worker. Default DefaultPoll.
	Poll time.Duration
	// Batch is the most deliveries claimed at once (DefaultBatch), and
	// Concurrency the most sent at once (DefaultConcurrency).
	Batch       int
	Concurrency int
	// MaxAttempts bounds the attempts at one delivery (DefaultMaxAttempts).
	MaxAttempts int
	// Backoff returns the wait after a failed attempt (attempt counts from
	// 1); default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Now is the worker's clock, for retry times; default the store's.
	Now    func() time.Time
	Logger *slog.Logger
	// OnAttempt, when set, is called after each attempt this worker made
	// and recorded, with the delivery's kind, the attempt's result
	// (ResultDelivered, ResultRetried or ResultFailed) and how long the
	// sending took, for monitoring. It runs on the sending goroutines, so
	// it must be safe for concurrent use and return quickly.
	OnAttempt func(kind, result string, took time.Duration)

	once sync.Once
	wake chan struct{}
}

// DefaultBackoff waits 10s·4^(attempt-1), at most six hours, less or more by
// up to a fifth at random so that deliveries that failed together do not
// come back together: about 10s, 40s, 2.7m, 11m, 43m, 2.8h, 6h.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 4
	}
	d = min(d, 6*time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.wake = make(chan struct{}, 1)
		if w.Owner == "" {
			host, _ := os.Hostname()
			var b [4]byte
			_, _ = crand.Read(b[:])
			w.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
		}
		if w.Lease <= 0 {
			w.Lease = DefaultLease
		}
		if w.Poll <= 0 {
			w.Poll = DefaultPoll
		}
		if w.Batch <= 0 {
			w.Batch = DefaultBatch
		}
		if w.Concurrency <= 0 {
			w.Concurrency = DefaultConcurrency
		}
		if w.MaxAttempts <= 0 {
			w.MaxAttempts = DefaultMaxAttempts
		}
		if w.Backoff == nil {
			w.Backoff = DefaultBackoff
		}
		if w.Logger == nil {
			w.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return w.Store.Now()
}

// Wake makes Run look at the outbox now rather than at its next poll.
// Wire it to store.Store.OnDelivery. It never blocks.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends deliveries until ctx ends: at once when woken, every Poll
// otherwise, and again straight away while full batches keep coming.
// Errors are logged, not returned; it returns when ctx is done.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-w.wake:
		}
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("outbox", "err", err)
		}
		wait := w.Poll
		if n >= w.Batch && err == nil {
			wait = 0
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// RunOnce claims up to Batch due deliveries, sends them, Concurrency at a
// time, and records each outcome. It returns how many it claimed, and the
// errors of claiming and recording (a failed send is an outcome, not an
// error).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.init()
	list, err := w.Store.ClaimDeliveries(ctx, w.Owner, w.Batch, w.Lease)
	if err != nil {
		return 0, fmt.Errorf("claim deliveries: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, w.Concurrency)
	)
	for _, d := range list {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := w.deliver(ctx, d); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(list), errors.Join(errs...)
}

// deliver makes one attempt at d and records it.
func (w *Worker) deliver(ctx context.Context, d *store.Delivery) error {
	log := w.Logger.With("delivery", d.ID, "kind", d.Kind, "attempt", d.Attempts)
	var out Outcome
	var err error
	start := time.Now()
	if s := w.Senders[d.Kind]; s == nil {
		err = fmt.Errorf("no sender for %s deliveries is configured", d.Kind)
	} else {
		// The attempt must end while the claim holds, or another worker
		// could start a second one.
		sctx, cancel := context.WithTimeout(ctx, w.Lease)
		out, err = s.Send(sctx, d)
		cancel()
	}
	if ctx.Err() != nil {
		// Shutting down: leave the claim to run out; the attempt is made
		// again after the lease, as after a crash.
		return nil
	}
	r := store.DeliveryResult{Err: err, ResponseStatus: out.Status, ResponseBody: out.Body, Duration: time.Since(start)}
	result := ResultDelivered
	switch {
	case err == nil:
		log.Debug("delivered", "status", out.Status)
	case out.Permanent || d.Attempts >= w.MaxAttempts:
		result = ResultFailed
		log.Warn("delivery failed for good", "status", out.Status, "err", err)
	default:
		result = ResultRetried
		r.RetryAt = w.now().Add(w.Backoff(d.Attempts))
		log.Info("delivery failed; will retry", "status", out.Status, "err", err, "retry_at", r.RetryAt)
	}
	if ferr := w.Store.FinishDelivery(ctx, d.ID, w.Owner, r); ferr != nil {
		return fmt.Errorf("record delivery %d: %w", d.ID, ferr)
	}
	if w.OnAttempt != nil {
		w.OnAttempt(d.Kind, result, r.Duration)
	}
	return nil
}

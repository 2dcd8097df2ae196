// Package loadgen is a closed-loop load generator: a fixed number of
// workers, each with its own connection, repeatedly pick an operation from
// a weighted mix, run it and wait for the answer before the next one. It
// records every operation's latencies in a Histogram, counts its errors
// and reports throughput and percentiles over a measured window that
// follows a warm-up. The operations are functions, so the package knows
// nothing about HTTP or Cairn; cmd/cairn-bench supplies them.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Op is one kind of operation in a mix.
type Op struct {
	// Name identifies the operation in results.
	Name string
	// Weight is the operation's share of the mix relative to the others'
	// weights; 0 leaves it out.
	Weight int
	// Do performs one operation. An error counts against the operation
	// and its latency is not recorded. Do must honour ctx.
	Do func(ctx context.Context, w *Worker) error
}

// Worker is the state of one closed-loop worker, passed to every Do it
// runs. Do may use Rand freely: each worker has its own.
type Worker struct {
	// ID numbers the workers from 0.
	ID int
	// Rand is seeded from Config.Seed and ID, so that a run's sequence of
	// choices is repeatable.
	Rand *rand.Rand
}

// Config describes one run.
type Config struct {
	// Conns is the number of concurrent workers (at least 1).
	Conns int
	// Warmup is run before the measured window and not recorded.
	Warmup time.Duration
	// Duration is the measured window (more than 0).
	Duration time.Duration
	// Ops is the mix; at least one must have a positive weight.
	Ops []Op
	// Seed seeds the workers' random sources.
	Seed uint64
	// MaxErrorSamples bounds the distinct error messages kept per
	// operation (default 5).
	MaxErrorSamples int
}

// Validate reports a configuration Run cannot use.
func (c Config) Validate() error {
	if c.Conns < 1 {
		return fmt.Errorf("conns must be 1 or more, not %d", c.Conns)
	}
	if c.Duration <= 0 {
		return fmt.Errorf("duration must be more than 0, not %s", c.Duration)
	}
	if c.Warmup < 0 {
		return fmt.Errorf("warmup must not be negative, not %s", c.Warmup)
	}
	total := 0
	for _, op := range c.Ops {
		if op.Weight < 0 {
			return fmt.Errorf("operation %s: weight must not be negative", op.Name)
		}
		if op.Weight > 0 && op.Do == nil {
			return fmt.Errorf("operation %s has no Do function", op.Name)
		}
		total += op.Weight
	}
	if total == 0 {
		return errors.New("the mix has no operation with a positive weight")
	}
	return nil
}

// OpResult is what one operation did in the measured window.
type OpResult struct {
	Name string
	// Requests counts the operations that started in the window,
	// successful or not.
	Requests int64
	// Errors counts those that failed.
	Errors int64
	// Latency holds the latencies of the successful ones.
	Latency *Histogram
	// ErrorSamples are up to Config.MaxErrorSamples distinct error
	// messages, in the order first seen.
	ErrorSamples []string
}

// Throughput returns the operation's requests per second over elapsed.
func (r *OpResult) Throughput(elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / elapsed.Seconds()
}

// Result is what a run measured.
type Result struct {
	Conns int
	// Elapsed is the length of the measured window.
	Elapsed time.Duration
	// Ops has one entry per operation of the mix with a positive weight,
	// in the mix's order.
	Ops []*OpResult
}

// Total merges every operation into one result named name.
func (r *Result) Total(name string) *OpResult {
	t := &OpResult{Name: name, Latency: NewHistogram()}
	for _, o := range r.Ops {
		t.Requests += o.Requests
		t.Errors += o.Errors
		t.Latency.Merge(o.Latency)
		t.ErrorSamples = append(t.ErrorSamples, o.ErrorSamples...)
	}
	return t
}

// Op returns the result of the named operation, nil if it did not run.
func (r *Result) Op(name string) *OpResult {
	for _, o := range r.Ops {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Run runs the mix with cfg.Conns workers for cfg.Warmup and then
// cfg.Duration, and returns what was measured. An operation counts in the
// window if it started in it; operations in flight when the window ends
// are waited for (never cancelled, which would turn them into errors), so
// Run returns a little after Warmup+Duration. Cancelling ctx stops the run
// early and returns ctx's error with what was measured so far.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxErrorSamples == 0 {
		cfg.MaxErrorSamples = 5
	}
	var ops []Op
	var cum []int
	total := 0
	for _, op := range cfg.Ops {
		if op.Weight > 0 {
			total += op.Weight
			ops = append(ops, op)
			cum = append(cum, total)
		}
	}
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)

	// Each worker keeps its own results; they are merged at the end, so
	// recording takes no lock.
	perWorker := make([][]*OpResult, cfg.Conns)
	var wg sync.WaitGroup
	for id := range cfg.Conns {
		res := make([]*OpResult, len(ops))
		for i, op := range ops {
			res[i] = &OpResult{Name: op.Name, Latency: NewHistogram()}
		}
		perWorker[id] = res
		w := &Worker{ID: id, Rand: rand.New(rand.NewPCG(cfg.Seed, uint64(id)+1))}
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				i := pick(cum, w.Rand.IntN(total))
				err := ops[i].Do(ctx, w)
				d := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				r := res[i]
				r.Requests++
				if err != nil {
					r.Errors++
					addSample(r, err.Error(), cfg.MaxErrorSamples)
					continue
				}
				r.Latency.Record(d)
			}
		})
	}
	wg.Wait()
	stopped := time.Now()

	out := &Result{Conns: cfg.Conns, Elapsed: cfg.Duration}
	if stopped.Before(end) {
		// Cancelled: the window ended when the workers stopped.
		out.Elapsed = max(stopped.Sub(measureFrom), 0)
	}
	for i, op := range ops {
		merged := &OpResult{Name: op.Name, Latency: NewHistogram()}
		for _, res := range perWorker {
			merged.Requests += res[i].Requests
			merged.Errors += res[i].Errors
			merged.Latency.Merge(res[i].Latency)
			for _, s := range res[i].ErrorSamples {
				addSample(merged, s, cfg.MaxErrorSamples)
			}
		}
		out.Ops = append(out.Ops, merged)
	}
	return out, ctx.Err()
}

// pick returns the index of the operation whose cumulative weight range
// holds n (0 ≤ n < the total weight).
func pick(cum []int, n int) int {
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if n < cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func addSample(r *OpResult, msg string, limit int) {
	if len(r.ErrorSamples) >= limit {
		return
	}
	for _, s := range r.ErrorSamples {
		if s == msg {
			return
		}
	}
	r.ErrorSamples = append(r.ErrorSamples, msg)
}

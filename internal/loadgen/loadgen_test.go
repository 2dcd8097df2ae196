package loadgen

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBucketRoundTrip(t *testing.T) {
	// Every value lands in a bucket whose reported value is within the
	// promised precision, and buckets grow with the value.
	prev := -1
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 257, 1000, 1 << 20, 123456789, 1<<40 + 12345, math.MaxInt64} {
		i := bucket(v)
		if i < prev {
			t.Errorf("bucket(%d) = %d, below the bucket of a smaller value (%d)", v, i, prev)
		}
		prev = i
		if i < 0 || i >= nBuckets {
			t.Fatalf("bucket(%d) = %d, outside [0, %d)", v, i, nBuckets)
		}
		got := bucketValue(i)
		if diff := math.Abs(float64(got) - float64(v)); diff > float64(v)/float64(subCount)+1 {
			t.Errorf("value %d reads back as %d (off by %.0f, more than 1/%d)", v, got, diff, subCount)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name    string
		samples func(r *rand.Rand) []time.Duration
	}{
		{"Uniform", func(r *rand.Rand) []time.Duration {
			out := make([]time.Duration, 10000)
			for i := range out {
				out[i] = time.Duration(r.Int64N(int64(50 * time.Millisecond)))
			}
			return out
		}},
		{"LongTail", func(r *rand.Rand) []time.Duration {
			out := make([]time.Duration, 20000)
			for i := range out {
				out[i] = time.Duration(r.ExpFloat64() * float64(2*time.Millisecond))
			}
			return out
		}},
		{"Constant", func(*rand.Rand) []time.Duration {
			return []time.Duration{7 * time.Millisecond, 7 * time.Millisecond, 7 * time.Millisecond}
		}},
		{"One", func(*rand.Rand) []time.Duration { return []time.Duration{3 * time.Second} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			samples := tc.samples(rand.New(rand.NewPCG(1, 2)))
			h := NewHistogram()
			var sum time.Duration
			for _, s := range samples {
				h.Record(s)
				sum += s
			}
			sorted := slices.Clone(samples)
			slices.Sort(sorted)
			if h.Count() != int64(len(samples)) {
				t.Errorf("Count = %d, want %d", h.Count(), len(samples))
			}
			if h.Min() != sorted[0] || h.Max() != sorted[len(sorted)-1] {
				t.Errorf("Min, Max = %s, %s; want %s, %s", h.Min(), h.Max(), sorted[0], sorted[len(sorted)-1])
			}
			if want := sum / time.Duration(len(samples)); h.Mean() != want {
				t.Errorf("Mean = %s, want %s", h.Mean(), want)
			}
			for _, q := range []float64{0.5, 0.9, 0.95, 0.99, 0.999, 1} {
				rank := max(int(math.Ceil(q*float64(len(sorted)))), 1)
				want := sorted[rank-1]
				got := h.Quantile(q)
				if diff := math.Abs(float64(got - want)); diff > float64(want)/float64(subCount)+1 {
					t.Errorf("Quantile(%v) = %s, want %s within 1/%d", q, got, want, subCount)
				}
			}
		})
	}
}

func TestHistogramMergeAndEmpty(t *testing.T) {
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(b)
	a.Merge(nil)
	a.Merge(NewHistogram())
	for _, q := range []float64{0.1, 0.5, 0.99} {
		if a.Quantile(q) != all.Quantile(q) {
			t.Errorf("merged Quantile(%v) = %s, want %s", q, a.Quantile(q), all.Quantile(q))
		}
	}
	if a.Count() != 1000 || a.Min() != 0 || a.Max() != 999*time.Microsecond {
		t.Errorf("merged Count, Min, Max = %d, %s, %s", a.Count(), a.Min(), a.Max())
	}
	e := NewHistogram()
	if e.Quantile(0.99) != 0 || e.Mean() != 0 || e.Min() != 0 || e.Max() != 0 {
		t.Errorf("an empty histogram reports %s %s %s %s", e.Quantile(0.99), e.Mean(), e.Min(), e.Max())
	}
	e.Record(-time.Second)
	if e.Min() != 0 {
		t.Errorf("a negative duration is recorded as %s, want 0", e.Min())
	}
}

func TestConfigValidate(t *testing.T) {
	do := func(context.Context, *Worker) error { return nil }
	ok := Config{Conns: 1, Duration: time.Second, Ops: []Op{{Name: "a", Weight: 1, Do: do}}}
	tests := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"OK", func(*Config) {}, ""},
		{"ErrConns", func(c *Config) { c.Conns = 0 }, "conns"},
		{"ErrDuration", func(c *Config) { c.Duration = 0 }, "duration"},
		{"ErrWarmup", func(c *Config) { c.Warmup = -time.Second }, "warmup"},
		{"ErrNoWeight", func(c *Config) { c.Ops = []Op{{Name: "a", Do: do}} }, "no operation"},
		{"ErrNegativeWeight", func(c *Config) { c.Ops = []Op{{Name: "a", Weight: -1, Do: do}} }, "negative"},
		{"ErrNoDo", func(c *Config) { c.Ops = []Op{{Name: "a", Weight: 1}} }, "no Do"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

func TestPick(t *testing.T) {
	cum := []int{3, 4, 10} // weights 3, 1, 6
	want := []int{0, 0, 0, 1, 2, 2, 2, 2, 2, 2}
	for n, w := range want {
		if got := pick(cum, n); got != w {
			t.Errorf("pick(%d) = %d, want %d", n, got, w)
		}
	}
}

// TestRun runs a mix of a fast operation, a rare one and one that always
// fails, and checks what was counted, never how fast it was.
func TestRun(t *testing.T) {
	var fastCalls, warmupSeen atomic.Int64
	started := time.Now()
	ops := []Op{
		{Name: "fast", Weight: 9, Do: func(ctx context.Context, w *Worker) error {
			fastCalls.Add(1)
			if time.Since(started) < 20*time.Millisecond {
				warmupSeen.Add(1)
			}
			time.Sleep(50 * time.Microsecond)
			return nil
		}},
		{Name: "never", Weight: 0, Do: func(context.Context, *Worker) error { panic("weight 0 must not run") }},
		{Name: "rare", Weight: 1, Do: func(context.Context, *Worker) error { time.Sleep(50 * time.Microsecond); return nil }},
		{Name: "broken", Weight: 1, Do: func(_ context.Context, w *Worker) error {
			return errors.New("500 Internal Server Error")
		}},
	}
	res, err := Run(context.Background(), Config{Conns: 3, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond, Ops: ops, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ops) != 3 || res.Op("never") != nil {
		t.Fatalf("results for %d operations, want fast, rare and broken", len(res.Ops))
	}
	fast, rare, broken := res.Op("fast"), res.Op("rare"), res.Op("broken")
	if fast.Requests == 0 || rare.Requests == 0 || broken.Requests == 0 {
		t.Fatalf("requests: fast %d, rare %d, broken %d; want all > 0", fast.Requests, rare.Requests, broken.Requests)
	}
	if fast.Requests <= rare.Requests {
		t.Errorf("fast (weight 9) ran %d times, rare (weight 1) %d", fast.Requests, rare.Requests)
	}
	if fast.Errors != 0 || fast.Latency.Count() != fast.Requests {
		t.Errorf("fast: %d errors, %d latencies for %d requests", fast.Errors, fast.Latency.Count(), fast.Requests)
	}
	if broken.Errors != broken.Requests || broken.Latency.Count() != 0 {
		t.Errorf("broken: %d errors, %d latencies for %d requests", broken.Errors, broken.Latency.Count(), broken.Requests)
	}
	if len(broken.ErrorSamples) != 1 || broken.ErrorSamples[0] != "500 Internal Server Error" {
		t.Errorf("broken's error samples = %q", broken.ErrorSamples)
	}
	// The warm-up ran operations that were not counted.
	if warmupSeen.Load() == 0 || fast.Requests >= fastCalls.Load() {
		t.Errorf("fast ran %d times in all, %d in the warm-up, and %d were counted", fastCalls.Load(), warmupSeen.Load(), fast.Requests)
	}
	if res.Elapsed != 300*time.Millisecond {
		t.Errorf("Elapsed = %s, want the window, 300ms", res.Elapsed)
	}
	total := res.Total("all")
	if total.Requests != fast.Requests+rare.Requests+broken.Requests || total.Errors != broken.Errors {
		t.Errorf("total = %d requests, %d errors", total.Requests, total.Errors)
	}
	if got := fast.Throughput(res.Elapsed); got != float64(fast.Requests)/0.3 {
		t.Errorf("Throughput = %v", got)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	op := Op{Name: "op", Weight: 1, Do: func(ctx context.Context, w *Worker) error {
		if n.Add(1) == 100 {
			cancel()
		}
		return nil
	}}
	res, err := Run(ctx, Config{Conns: 2, Duration: time.Hour, Ops: []Op{op}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if res == nil || res.Op("op").Requests == 0 || res.Elapsed >= time.Hour {
		t.Fatalf("cancelled run: %+v", res)
	}
}

package reliability

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestSoak holds a steady load on `cairn serve` (API reads and writes, and
// web pages) for a while (20 s; 5 minutes in long mode), on SQLite and on
// PostgreSQL at once, sampling the server's resident memory every
// second. Any error answer (5xx, or a request that failed in transport)
// fails it, and so does memory that keeps growing: the largest sample of
// the last third of the run may exceed the largest of the first third
// (after a warm-up) by at most 50% + 20 MB.
func TestSoak(t *testing.T) {
	d := pick(t, 20*time.Second, 5*time.Minute)
	cairntest.Binary(t) // built once, before the parallel subtests
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			// Both at once: the load is paced, and memory is per process.
			t.Parallel()
			testSoak(t, dialect, d)
		})
	}
}

func testSoak(t *testing.T, dialect string, d time.Duration) {
	const (
		workers = 4
		// Each worker sends a request at most this often: a steady
		// load of up to 4/pace requests a second that a busy two-core
		// machine keeps up with.
		pace = 25 * time.Millisecond
	)
	p := cairntest.Start(t, cairntest.Options{DB: storetest.DSN(t, dialect), Demo: true})
	c := newClient(p.URL, p.Token, 30*time.Second)
	defer c.close()
	proj := demoProject(t, c)
	cookie := signIn(t, c, demoLogin, demoPassword)
	rng := rand.New(rand.NewPCG(seed(t), 3))

	var (
		requests, failures atomic.Int64
		mu                 sync.Mutex
		errs               []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
		wc := newClient(p.URL, p.Token, 30*time.Second)
		web := newClient(p.URL, "", 30*time.Second)
		web.cookie = cookie
		wg.Go(func() {
			defer wc.close()
			defer web.close()
			issues := fmt.Sprintf("/api/v4/projects/%d/issues", proj.ID)
			var mine []int64
			tick := time.NewTicker(pace)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				cl, method, path, form := wc, "GET", "", url.Values(nil)
				switch k := wrng.IntN(20); {
				case k < 2 || len(mine) == 0:
					method, path = "POST", issues
					form = url.Values{"title": {fmt.Sprintf("rl-soak-%d-%d", w, n)}, "labels": {"rl-soak"}, "weight": {"2"}}
				case k < 4:
					method, path = "PUT", fmt.Sprintf("%s/%d", issues, mine[wrng.IntN(len(mine))])
					form = url.Values{"labels": {fmt.Sprintf("rl-soak,rl-s%d", wrng.IntN(5))}}
				case k < 6:
					method, path = "POST", fmt.Sprintf("%s/%d/notes", issues, mine[wrng.IntN(len(mine))])
					form = url.Values{"body": {fmt.Sprintf("soak note %d\n\n/weight %d", n, wrng.IntN(8))}}
				case k < 10:
					path = fmt.Sprintf("%s?per_page=20&page=%d", issues, 1+wrng.IntN(3))
				case k < 13:
					path = fmt.Sprintf("%s/%d", issues, mine[wrng.IntN(len(mine))])
				case k < 15:
					path = fmt.Sprintf("%s/%d/notes", issues, mine[wrng.IntN(len(mine))])
				case k < 17:
					path = fmt.Sprintf("/api/v4/groups/%d/issues?labels=rl-soak&per_page=20", proj.GroupID)
				default:
					cl, path = web, "/dashboard"
				}
				requests.Add(1)
				r, err := cl.do(method, path, form)
				if err == nil && r.ok() {
					if method == "POST" && path == issues {
						var is issueJSON
						if r.decode(&is) == nil {
							mine = append(mine, is.IID)
						}
					}
					continue
				}
				failures.Add(1)
				msg := fmt.Sprintf("%s %s: %v", method, path, err)
				if err == nil {
					msg = fmt.Sprintf("%s %s: %s", method, path, r)
				}
				mu.Lock()
				if len(errs) < 20 {
					errs = append(errs, msg)
				}
				mu.Unlock()
			}
		})
	}

	pid := p.Cmd.Process.Pid
	var rss []int64
	start := time.Now()
	sample := time.NewTicker(time.Second)
	for time.Since(start) < d {
		<-sample.C
		v, err := rssBytes(pid)
		if err != nil {
			sample.Stop()
			close(stop)
			wg.Wait()
			t.Fatalf("sample memory: %v\nserver log:\n%s", err, tail(p.Log(), 40))
		}
		rss = append(rss, v)
	}
	sample.Stop()
	close(stop)
	wg.Wait()

	elapsed := time.Since(start)
	t.Logf("%s: %d requests in %s (%.0f/s), %d failed", dialect, requests.Load(), elapsed.Round(time.Millisecond),
		float64(requests.Load())/elapsed.Seconds(), failures.Load())
	t.Logf("RSS each second (MB): %s", mbSeries(rss))
	for _, e := range errs {
		t.Error(e)
	}
	if requests.Load() < int64(d/time.Second) {
		t.Errorf("only %d requests in %s; the load did not run", requests.Load(), elapsed)
	}
	if msg := memoryGrowth(rss); msg != "" {
		t.Error(msg)
	}
	select {
	case <-p.Done():
		t.Errorf("the server exited during the soak:\n%s", tail(p.Log(), 40))
	default:
	}
}

// memoryGrowth judges a series of RSS samples, one a second: after a
// warm-up (the first fifth, at least three samples), the largest of the
// last third may exceed the largest of the first third by at most 50% +
// 20 MB. It returns why the series fails, or "".
func memoryGrowth(rss []int64) string {
	warm := max(3, len(rss)/5)
	if len(rss)-warm < 6 {
		return fmt.Sprintf("only %d memory samples after a warm-up of %d; too few to judge", len(rss)-warm, warm)
	}
	s := rss[warm:]
	third := len(s) / 3
	first, last := slices.Max(s[:third]), slices.Max(s[len(s)-third:])
	if limit := first + first/2 + 20<<20; last > limit {
		return fmt.Sprintf("memory grew: the largest RSS of the last third is %.1f MB, over %.1f MB (the first third's %.1f MB + 50%% + 20 MB)",
			mb(last), mb(limit), mb(first))
	}
	return ""
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func mbSeries(rss []int64) string {
	parts := make([]string, len(rss))
	for i, v := range rss {
		parts[i] = fmt.Sprintf("%.0f", mb(v))
	}
	return strings.Join(parts, " ")
}

// TestMemoryGrowth checks the soak's memory criterion on made-up series.
func TestMemoryGrowth(t *testing.T) {
	const m = 1 << 20
	flat := []int64{10 * m, 30 * m, 40 * m, 40 * m, 41 * m, 40 * m, 42 * m, 41 * m, 40 * m, 43 * m, 41 * m, 42 * m}
	growing := []int64{10 * m, 30 * m, 40 * m, 40 * m, 45 * m, 50 * m, 60 * m, 70 * m, 80 * m, 90 * m, 100 * m, 110 * m}
	for _, tc := range []struct {
		name string
		rss  []int64
		fail bool
	}{
		{"Flat", flat, false},
		{"Growing", growing, true},
		{"TooShort", flat[:6], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := memoryGrowth(tc.rss); (msg != "") != tc.fail {
				t.Errorf("memoryGrowth(%v) = %q, want failure %v", tc.rss, msg, tc.fail)
			}
		})
	}
}

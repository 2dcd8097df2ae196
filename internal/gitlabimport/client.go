package gitlabimport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// source is the API the fetcher reads, GitLab's or another Cairn's,
// through GitLab's official Go client. client-go retries 429s and 5xx
// itself and has a limiter hook, but as of v2.64 its backoff reads only
// RateLimit-Reset (not Retry-After), and its limiter is configured once
// from RateLimit-Limit and never looks at RateLimit-Remaining. So source
// plugs its own backoff and limiter into client-go's hooks rather than
// wrapping the client: rateGate holds every request back while the
// server says the budget is spent, and backoff waits what the server asks.
type source struct {
	gl     *gitlab.Client
	url    string // the instance's URL as given, for messages
	gate   *rateGate
	logger *slog.Logger
	now    func() time.Time

	requests  atomic.Int64 // HTTP attempts, retries included
	throttled atomic.Int64 // answers 429 Too Many Requests
	retryMin  time.Duration
	retryMax  time.Duration
}

func newSource(o *Options) (*source, error) {
	s := &source{url: o.URL, logger: o.Logger, now: o.now, retryMin: o.RetryWaitMin, retryMax: o.RetryWaitMax}
	s.gate = &rateGate{now: o.now, maxWait: o.MaxRateWait}
	gl, err := gitlab.NewClient(o.Token,
		gitlab.WithBaseURL(o.URL),
		gitlab.WithUserAgent("cairn-import"),
		gitlab.WithCustomLimiter(s.gate),
		gitlab.WithCustomBackoff(s.backoff),
		gitlab.WithCustomRetryMax(o.Retries),
		gitlab.WithCustomRetryWaitMinMax(o.RetryWaitMin, o.RetryWaitMax),
		gitlab.WithInterceptor(s.intercept),
	)
	if err != nil {
		return nil, fmt.Errorf("GitLab client for %s: %w", o.URL, err)
	}
	s.gl = gl
	return s, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// intercept counts every attempt and feeds the rate limit headers of every
// answer, retries included, to the gate.
func (s *source) intercept(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		s.requests.Add(1)
		resp, err := next.RoundTrip(req)
		if err != nil {
			s.logger.Debug("request failed", "method", req.Method, "path", req.URL.Path, "err", err)
			return resp, err
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			s.throttled.Add(1)
			s.logger.Debug("rate limited", "path", req.URL.Path, "retry_after", resp.Header.Get("Retry-After"),
				"reset", resp.Header.Get("RateLimit-Reset"))
		} else if resp.StatusCode >= 500 {
			s.logger.Debug("server error", "path", req.URL.Path, "status", resp.StatusCode)
		}
		s.gate.observe(resp.Header, resp.StatusCode)
		return resp, nil
	})
}

// backoff is client-go's Backoff hook: how long to wait before retry
// attemptNum. A 429 or 503 waits what the server asks (Retry-After, else
// RateLimit-Reset), at least lo; anything else backs off exponentially
// from lo to hi, with jitter so that the workers do not retry in step.
func (s *source) backoff(lo, hi time.Duration, attemptNum int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := rateLimitWait(resp.Header, resp.StatusCode, s.now()); ok {
			return clampWait(d, lo, s.gate.limit())
		}
	}
	d := lo << min(attemptNum, 20)
	if d <= 0 || d > hi {
		d = hi
	}
	return d/2 + rand.N(d/2+1)
}

func clampWait(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// rateLimitWait reads how long a response asks the client to wait before
// its next request: Retry-After on a 429 or 503 (seconds or an HTTP date),
// else, on a 429 or once RateLimit-Remaining is 0, until RateLimit-Reset
// (Unix seconds). ok is false when the response asks for no wait.
func rateLimitWait(h http.Header, status int, now time.Time) (time.Duration, bool) {
	limited := status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
	if limited {
		if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
			if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
				return time.Duration(secs) * time.Second, true
			}
			if t, err := http.ParseTime(v); err == nil {
				return max(0, t.Sub(now)), true
			}
		}
	}
	remaining, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Remaining")), 10, 64)
	spent := err == nil && remaining <= 0
	if !spent && status != http.StatusTooManyRequests {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
		if reset, err := strconv.ParseInt(v, 10, 64); err == nil && reset > 0 {
			return max(0, time.Unix(reset, 0).Sub(now)), true
		}
	}
	if spent {
		// Spent without saying until when: GitLab's windows are a minute.
		return 10 * time.Second, true
	}
	return 0, false
}

// rateGate is client-go's limiter hook (Wait runs before every request):
// once an answer says the rate limit is spent, or asks to retry later,
// every request waits until then.
type rateGate struct {
	now     func() time.Time
	maxWait time.Duration

	mu    sync.Mutex
	until time.Time
	// closed is how long the gate has been shut in all: the wall time the
	// import spent waiting for rate limits, however many workers waited.
	closed time.Duration
}

// limit is the longest wait the gate imposes.
func (g *rateGate) limit() time.Duration { return g.maxWait }

// observe takes the rate limit headers of an answer into account.
func (g *rateGate) observe(h http.Header, status int) {
	now := g.now()
	d, ok := rateLimitWait(h, status, now)
	if !ok || d <= 0 {
		return
	}
	until := now.Add(min(d, g.maxWait))
	g.mu.Lock()
	if until.After(g.until) {
		g.closed += until.Sub(later(g.until, now))
		g.until = until
	}
	g.mu.Unlock()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Wait blocks until the server's rate limit allows another request, or ctx
// ends.
func (g *rateGate) Wait(ctx context.Context) error {
	g.mu.Lock()
	d := g.until.Sub(g.now())
	g.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// totalWaited returns how long the gate held requests back.
func (g *rateGate) totalWaited() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// errUnauthorized marks a 401: the token is wrong, expired or revoked.
var errUnauthorized = errors.New("unauthorized")

// explain turns an error of a request for what into one a user can act on.
func (s *source) explain(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var er *gitlab.ErrorResponse
	switch {
	case errors.Is(err, gitlab.ErrNotFound):
		return fmt.Errorf("%s: not found at %s: %w", what, s.url, err)
	case errors.As(err, &er) && er.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%s: %s refused the token (401 Unauthorized); check --token, CAIRN_GITLAB_TOKEN or GITLAB_TOKEN: it must be valid and have the read_api scope (%w)", what, s.url, errUnauthorized)
	case errors.As(err, &er) && er.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s: the token may not read it (403 Forbidden at %s); use a token of a member with reporter access or more", what, s.url)
	case errors.As(err, &er) && er.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%s: still rate limited by %s after retrying (429 Too Many Requests)", what, s.url)
	case errors.As(err, &er):
		return fmt.Errorf("%s: %s answered %d: %s", what, s.url, er.StatusCode, strings.TrimSpace(er.Message))
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return fmt.Errorf("%s: cannot reach %s: %w", what, s.url, unwrapURLError(err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// unwrapURLError drops url.Error's "GET https://…:" prefix, which repeats
// what explain says.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// pages calls list for page 1, 2, … and returns all items, following the
// next page the server names (X-Next-Page), so that a server without
// totals (GitLab past 10,000 rows) is read to the end too.
func pages[T any](ctx context.Context, list func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error)) ([]T, error) {
	var all []T
	opt := gitlab.ListOptions{Page: 1, PerPage: 100}
	for {
		items, resp, err := list(opt, gitlab.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opt.Page {
			return all, nil
		}
		opt.Page = resp.NextPage
	}
}

package monitor_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/monitor"
	"github.com/cairnhq/cairn/internal/netguard"
	"github.com/cairnhq/cairn/internal/notify"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/scheduler"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/internal/web"
)

func TestMain(m *testing.M) {
	code := m.Run()
	cairntest.Cleanup()
	os.Exit(code)
}

// testToken is a metrics token long enough for ValidateToken.
const testToken = "s3cret-metrics-token-0123456789"

// scrape is one parsed answer of /metrics.
type scrape map[string]*dto.MetricFamily

// get scrapes url with the bearer token (none when empty) and parses the
// text exposition; the answer must be 200.
func get(t *testing.T, url, token string) scrape {
	t.Helper()
	res := request(t, "GET", url, token)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s\n%s", url, res.Status, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET %s: Content-Type %q", url, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse the metrics of %s: %v", url, err)
	}
	return families
}

// request sends a request with the bearer token (none when empty).
func request(t *testing.T, method, url, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return res
}

// status sends a request and returns its status code.
func status(t *testing.T, method, url, token string) int {
	t.Helper()
	res := request(t, method, url, token)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// value returns the value of the series of name whose labels include the
// pairs ("route", "GET /x", ...): a counter's or gauge's value, or a
// histogram's count. ok is false when there is no such series.
func (sc scrape) value(name string, pairs ...string) (v float64, ok bool) {
	mf := sc[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.Metric {
		for i := 0; i+1 < len(pairs); i += 2 {
			if label(m, pairs[i]) != pairs[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// want fails the test unless the series exists with the value.
func (sc scrape) want(t *testing.T, v float64, name string, pairs ...string) {
	t.Helper()
	got, ok := sc.value(name, pairs...)
	if !ok {
		t.Errorf("no series %s%v", name, pairs)
		return
	}
	if got != v {
		t.Errorf("%s%v = %v, want %v", name, pairs, got, v)
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// newServer serves the API and the pages over s with metrics, the public
// /metrics behind token when it is not empty.
func newServer(t *testing.T, s *store.Store, m *monitor.Metrics, token string) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	p := planner.New(s, logger)
	pages, err := web.New(web.Config{Store: s, Planner: p, Logger: logger, Version: "1.2.3"})
	if err != nil {
		t.Fatalf("web pages: %v", err)
	}
	srv := server.New(server.Config{Services: s, Planner: p, Logger: logger, Version: "1.2.3", Revision: "abc",
		Web: pages, Metrics: m, MetricsToken: token})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// TestRouteMetrics: requests to known routes, API and pages, are counted
// by route pattern, method and status, and timed; paths never become
// labels, nor do made-up methods.
func TestRouteMetrics(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	m := monitor.New(monitor.Config{Version: "1.2.3", Revision: "abc", Pools: s.PoolStats})
	ts := newServer(t, s, m, testToken)

	before := get(t, ts.URL+"/metrics", testToken)
	if _, ok := before.value("cairn_http_requests_total", "route", "GET /-/health"); ok {
		t.Fatal("health counted before any request")
	}
	for _, rq := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/-/health", 200},
		{"GET", "/-/health", 200},
		{"HEAD", "/-/health", 200},
		{"GET", "/-/readiness", 200},
		{"GET", "/api/v4/projects/42", 401}, // no token
		{"GET", "/api/v4/projects/43", 401},
		{"GET", "/users/sign_in", 200}, // a page
		{"GET", "/no/such/page-12345", 404},
		{"BREW", "/coffee", 404},
	} {
		if got := status(t, rq.method, ts.URL+rq.path, ""); got != rq.want {
			t.Fatalf("%s %s: %d, want %d", rq.method, rq.path, got, rq.want)
		}
	}
	after := get(t, ts.URL+"/metrics", testToken)
	const reqs, dur = "cairn_http_requests_total", "cairn_http_request_duration_seconds"
	after.want(t, 2, reqs, "route", "GET /-/health", "method", "GET", "code", "200")
	after.want(t, 1, reqs, "route", "GET /-/health", "method", "HEAD", "code", "200")
	after.want(t, 1, reqs, "route", "GET /-/readiness", "method", "GET", "code", "200")
	after.want(t, 2, reqs, "route", "GET /api/v4/projects/{id}", "method", "GET", "code", "401")
	after.want(t, 1, reqs, "route", "GET /users/sign_in", "method", "GET", "code", "200")
	after.want(t, 1, reqs, "route", "/", "method", "GET", "code", "404")
	after.want(t, 1, reqs, "route", "/", "method", "OTHER", "code", "404")
	// The first scrape went through the instrumented /metrics route too.
	after.want(t, 1, reqs, "route", "GET /metrics", "method", "GET", "code", "200")
	if _, ok := after.value(reqs, "route", "GET /api/v4/projects/{id}", "code", "200"); ok {
		t.Error("a 200 series for a route that answered only 401")
	}
	after.want(t, 2, dur, "route", "GET /-/health", "method", "GET")
	after.want(t, 2, dur, "route", "GET /api/v4/projects/{id}", "method", "GET")
	after.want(t, 1, dur, "route", "/", "method", "OTHER")

	for _, mf := range after {
		for _, metric := range mf.Metric {
			for _, l := range metric.Label {
				if strings.Contains(l.GetValue(), "42") || strings.Contains(l.GetValue(), "12345") || l.GetValue() == "BREW" {
					t.Errorf("%s has the label %s=%q from a request", mf.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	after.want(t, 1, "cairn_build_info", "version", "1.2.3", "revision", "abc")
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if after[name] == nil {
			t.Errorf("no %s: the runtime and process collectors are missing", name)
		}
	}
}

// TestRoutePanicCounted: a handler that panics is counted as the 500 the
// server answers.
func TestRoutePanicCounted(t *testing.T) {
	m := monitor.New(monitor.Config{})
	boom := m.InstrumentRoute("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	// As the server's recovery middleware, outside the route.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recover() != nil {
				http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			}
		}()
		boom.ServeHTTP(w, r)
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	ts := httptest.NewServer(m.ServeMux(""))
	defer ts.Close()
	get(t, ts.URL+"/metrics", "").want(t, 1, "cairn_http_requests_total", "route", "GET /boom", "method", "GET", "code", "500")
}

// TestMetricsToken: with a token, the public /metrics answers 401 without
// it or with another, and the metrics with it.
func TestMetricsToken(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	ts := newServer(t, s, monitor.New(monitor.Config{Pools: s.PoolStats}), testToken)
	for _, tc := range []struct {
		name   string
		header string
		want   int
	}{
		{"NoHeader", "", 401},
		{"WrongToken", "Bearer wrong-token-but-long-enough", 401},
		{"TokenPrefix", "Bearer " + testToken[:len(testToken)-1], 401},
		{"TokenLonger", "Bearer " + testToken + "x", 401},
		{"EmptyBearer", "Bearer ", 401},
		{"BasicScheme", "Basic " + testToken, 401},
		{"TokenAlone", testToken, 401},
		{"OK", "Bearer " + testToken, 200},
		{"OKSchemeCase", "bearer " + testToken, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.want)
			}
			has := strings.Contains(string(body), "cairn_build_info")
			if tc.want == 401 && (has || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer")) {
				t.Errorf("401 with metrics %v, WWW-Authenticate %q", has, res.Header.Get("WWW-Authenticate"))
			}
			if tc.want == 200 && !has {
				t.Errorf("200 without the metrics:\n%s", body)
			}
		})
	}
}

// TestMetricsOffByDefault: without a token the public port answers
// /metrics as any unknown route, with metrics measured (for a separate
// listener) or not.
func TestMetricsOffByDefault(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	for _, tc := range []struct {
		name string
		m    *monitor.Metrics
	}{
		{"NoMetrics", nil},
		{"ListenerOnly", monitor.New(monitor.Config{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newServer(t, s, tc.m, "")
			for _, token := range []string{"", testToken} {
				res := request(t, "GET", ts.URL+"/metrics", token)
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusNotFound || strings.Contains(string(body), "cairn_") {
					t.Errorf("token %q: %s\n%s", token, res.Status, body)
				}
			}
		})
	}
	// A token without metrics serves nothing either.
	ts := newServer(t, s, nil, testToken)
	if got := status(t, "GET", ts.URL+"/metrics", testToken); got != http.StatusNotFound {
		t.Errorf("token without metrics: %d", got)
	}
}

// TestServeMux: the separate listener's handler serves the metrics at
// /metrics only, behind the token when there is one.
func TestServeMux(t *testing.T) {
	m := monitor.New(monitor.Config{Version: "v"})
	open := httptest.NewServer(m.ServeMux(""))
	defer open.Close()
	closed := httptest.NewServer(m.ServeMux(testToken))
	defer closed.Close()
	for _, tc := range []struct {
		name, url, token string
		want             int
	}{
		{"Open", open.URL + "/metrics", "", 200},
		{"OpenOtherPath", open.URL + "/", "", 404},
		{"OpenHealth", open.URL + "/-/health", "", 404},
		{"OpenPost", open.URL + "/metrics", "", 405},
		{"TokenMissing", closed.URL + "/metrics", "", 401},
		{"TokenGiven", closed.URL + "/metrics", testToken, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "GET"
			if strings.HasSuffix(tc.name, "Post") {
				method = "POST"
			}
			if got := status(t, method, tc.url, tc.token); got != tc.want {
				t.Errorf("%s %s: %d, want %d", method, tc.url, got, tc.want)
			}
		})
	}
}

func TestValidateToken(t *testing.T) {
	for _, tc := range []struct {
		token string
		ok    bool
	}{
		{testToken, true},
		{strings.Repeat("a", monitor.MinTokenLength), true},
		{strings.Repeat("a", monitor.MinTokenLength-1), false},
		{"", false},
		{"a token with spaces in it", false},
		{"tab\tseparated-token-here", false},
		{"nön-ascii-token-0123456789", false},
	} {
		if err := monitor.ValidateToken(tc.token); (err == nil) != tc.ok {
			t.Errorf("ValidateToken(%q) = %v", tc.token, err)
		}
	}
}

// TestPoolMetrics: the connection pools of both databases are measured at
// each scrape, by pool.
func TestPoolMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		m := monitor.New(monitor.Config{Pools: s.PoolStats})
		ts := httptest.NewServer(m.ServeMux(""))
		defer ts.Close()
		pools := []string{"postgres"}
		if s.Dialect() == "sqlite" {
			pools = []string{"sqlite_write", "sqlite_read"}
		}
		// A read and a write, so that each pool has opened a connection.
		u, err := s.CreateUser(t.Context(), cairn.UserCreate{Username: "pia", Email: "pia@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByUsername(t.Context(), u.Username); err != nil {
			t.Fatal(err)
		}
		sc := get(t, ts.URL+"/metrics", "")
		stats := s.PoolStats()
		for _, pool := range pools {
			st, ok := stats[pool]
			if !ok {
				t.Fatalf("no pool %s in %v", pool, stats)
			}
			sc.want(t, float64(st.MaxOpenConnections), "cairn_db_max_open_connections", "pool", pool)
			open, _ := sc.value("cairn_db_open_connections", "pool", pool)
			inUse, _ := sc.value("cairn_db_in_use_connections", "pool", pool)
			idle, _ := sc.value("cairn_db_idle_connections", "pool", pool)
			if open < 1 || open != inUse+idle {
				t.Errorf("pool %s: open %v, in use %v, idle %v", pool, open, inUse, idle)
			}
			for _, name := range []string{"cairn_db_wait_count_total", "cairn_db_wait_duration_seconds_total"} {
				if _, ok := sc.value(name, "pool", pool); !ok {
					t.Errorf("no %s for pool %s", name, pool)
				}
			}
		}
		if len(sc["cairn_db_open_connections"].Metric) != len(pools) {
			t.Errorf("pools measured: %v, want %v", sc["cairn_db_open_connections"].Metric, pools)
		}
	})
}

// failingNotifier fails every notification, as a mail relay that is down.
type failingNotifier struct{}

func (failingNotifier) Notify(context.Context, cairn.Notification) error {
	return errors.New("mail relay down")
}

// TestSchedulerMetrics: a round of the scheduler in which the cadence
// runs and the weekly status request fails shows both, by kind.
func TestSchedulerMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) // Wednesday, the default status update time
		s.Now = func() time.Time { return now }
		ctx := context.Background()
		emma, err := s.CreateUser(ctx, cairn.UserCreate{Username: "emma", Email: "emma@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		alice, err := s.CreateUser(ctx, cairn.UserCreate{Username: "alice", Email: "alice@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		asEmma := cairn.NewContextWithUser(ctx, emma)
		g, err := s.CreateGroup(asEmma, cairn.GroupCreate{Path: "team", Name: "Team"})
		if err != nil {
			t.Fatal(err)
		}
		one := 1.0
		if _, err := s.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: alice.ID, AccessLevel: cairn.AccessDeveloper,
			PlanningRole: cairn.RoleEngineer, CapacityFactor: &one, JoinedAt: "2026-01-01"}); err != nil {
			t.Fatal(err)
		}
		proj, err := s.CreateProject(ctx, cairn.ProjectCreate{GroupID: g.ID, Path: "app", Name: "App"})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: g.ID, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateIssue(asEmma, cairn.IssueCreate{ProjectID: proj.ID, Title: "Search", MilestoneID: ms.ID, AssigneeIDs: []int64{alice.ID}}); err != nil {
			t.Fatal(err)
		}

		m := monitor.New(monitor.Config{})
		sched := &scheduler.Scheduler{Store: s, Planner: planner.New(s, nil), Notifier: failingNotifier{}, Owner: "test", OnStep: m.StepDone}
		if err := sched.RunOnce(ctx); err == nil || !strings.Contains(err.Error(), "mail relay down") {
			t.Fatalf("RunOnce = %v, want the status request to fail", err)
		}
		ts := httptest.NewServer(m.ServeMux(""))
		defer ts.Close()
		sc := get(t, ts.URL+"/metrics", "")
		sc.want(t, 1, "cairn_scheduler_runs_total", "kind", "cadence")
		sc.want(t, 0, "cairn_scheduler_failures_total", "kind", "cadence")
		sc.want(t, 1, "cairn_scheduler_runs_total", "kind", "status-request")
		sc.want(t, 1, "cairn_scheduler_failures_total", "kind", "status-request")
		sc.want(t, 1, "cairn_scheduler_run_duration_seconds", "kind", "status-request")
		// Kinds that did not run are there at 0, for rate() and alerts.
		sc.want(t, 0, "cairn_scheduler_runs_total", "kind", "close-milestone")

		// The next round before the retry is due runs nothing more.
		if err := sched.RunOnce(ctx); err != nil {
			t.Fatalf("second round: %v", err)
		}
		get(t, ts.URL+"/metrics", "").want(t, 1, "cairn_scheduler_runs_total", "kind", "status-request")
	})
}

// receiver accepts the webhooks of issue "ok" at the second attempt and
// refuses those of any other issue.
type receiver struct {
	mu       sync.Mutex
	attempts map[string]int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		Attrs struct {
			Title string `json:"title"`
		} `json:"object_attributes"`
	}
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.attempts[p.Attrs.Title]++
	n := rc.attempts[p.Attrs.Title]
	rc.mu.Unlock()
	if p.Attrs.Title == "ok" && n >= 2 {
		_, _ = io.WriteString(w, "thanks")
		return
	}
	http.Error(w, "not now", http.StatusServiceUnavailable)
}

// TestDeliveryMetrics: webhook deliveries show up by kind and result: a
// retried attempt, one delivered, and one failed for good.
func TestDeliveryMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var mu sync.Mutex
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		s.WebhookNetworks = netguard.MustParse("127.0.0.0/8,::1")
		rc := &receiver{attempts: map[string]int{}}
		hooks := httptest.NewServer(rc)
		defer hooks.Close()

		ctx := context.Background()
		u, err := s.CreateUser(ctx, cairn.UserCreate{Username: "olga", Email: "olga@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		asOlga := cairn.NewContextWithUser(ctx, u)
		g, err := s.CreateGroup(asOlga, cairn.GroupCreate{Path: "team"})
		if err != nil {
			t.Fatal(err)
		}
		proj, err := s.CreateProject(asOlga, cairn.ProjectCreate{GroupID: g.ID, Path: "app"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebhook(asOlga, cairn.WebhookCreate{GroupID: g.ID, URL: hooks.URL + "/hook", IssuesEvents: true}); err != nil {
			t.Fatal(err)
		}
		for _, title := range []string{"ok", "down"} {
			if _, err := s.CreateIssue(asOlga, cairn.IssueCreate{ProjectID: proj.ID, Title: title}); err != nil {
				t.Fatal(err)
			}
		}

		m := monitor.New(monitor.Config{})
		wk := &notify.Worker{
			Store:       s,
			Senders:     map[string]notify.Sender{store.DeliveryWebhook: notify.NewWebhookSenderAllowing(s, "Cairn-test", s.WebhookNetworks)},
			Owner:       "test",
			MaxAttempts: 2,
			Backoff:     func(int) time.Duration { return time.Minute },
			OnAttempt:   m.DeliveryDone,
		}
		for round := 1; round <= 2; round++ {
			n, err := wk.RunOnce(ctx)
			if err != nil || n != 2 {
				t.Fatalf("round %d: %d deliveries, %v", round, n, err)
			}
			mu.Lock()
			now = now.Add(time.Minute)
			mu.Unlock()
		}
		ts := httptest.NewServer(m.ServeMux(""))
		defer ts.Close()
		sc := get(t, ts.URL+"/metrics", "")
		const name = "cairn_outbox_deliveries_total"
		sc.want(t, 2, name, "kind", "webhook", "result", "retried")
		sc.want(t, 1, name, "kind", "webhook", "result", "delivered")
		sc.want(t, 1, name, "kind", "webhook", "result", "failed")
		sc.want(t, 0, name, "kind", "email", "result", "delivered")
		sc.want(t, 4, "cairn_outbox_delivery_duration_seconds", "kind", "webhook")
	})
}

// BenchmarkInstrumentedRoute compares a trivial handler with and without
// the route instrumentation: the difference is what measuring costs each
// request. A route's 200s to its own method take a pre-resolved path;
// other codes (here 204) look their series up by labels.
func BenchmarkInstrumentedRoute(b *testing.B) {
	trivial := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
	}
	m := monitor.New(monitor.Config{})
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"Plain", trivial(http.StatusOK)},
		{"Instrumented200", m.InstrumentRoute("GET /api/v4/projects/{id}", trivial(http.StatusOK))},
		{"Instrumented204", m.InstrumentRoute("GET /api/v4/users/{user_id}", trivial(http.StatusNoContent))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/v4/projects/1", nil)
			w := discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, req)
			}
		})
	}
	// The same through the whole server (request id, access log,
	// recovery) on GET /-/health, for the share the metrics take of a
	// real request's overhead.
	for _, bc := range []struct {
		name string
		m    *monitor.Metrics
	}{
		{"ServerPlain", nil},
		{"ServerInstrumented", m},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := server.New(server.Config{Metrics: bc.m}).Handler()
			req := httptest.NewRequest("GET", "/-/health", nil)
			w := discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, req)
			}
		})
	}
	b.Run("Instrumented200Parallel", func(b *testing.B) {
		h := m.InstrumentRoute("GET /api/v4/groups/{id}", trivial(http.StatusOK))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			req := httptest.NewRequest("GET", "/api/v4/groups/1", nil)
			w := discardWriter{header: http.Header{}}
			for pb.Next() {
				h.ServeHTTP(w, req)
			}
		})
	})
}

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmark measures the handlers and not a recorder.
type discardWriter struct{ header http.Header }

func (w discardWriter) Header() http.Header         { return w.header }
func (w discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w discardWriter) WriteHeader(int)             {}

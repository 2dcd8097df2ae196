// Package monitor holds Cairn's Prometheus metrics: HTTP requests by route,
// the database connection pools, the scheduler's steps, the outbox's
// deliveries, the Go runtime and the process, and the build. They live in a
// registry of their own, not in the global default one, so that nothing a
// library registers on its own is exposed, and tests get a fresh set each.
//
// The packages whose work is measured know nothing of Prometheus: the
// scheduler and the outbox worker report through callback fields
// (scheduler.Scheduler.OnStep, notify.Worker.OnAttempt), which StepDone and
// DeliveryDone fit; the server wraps each route with InstrumentRoute.
package monitor

import (
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cairnhq/cairn/internal/notify"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// Path is where the metrics are served, on the metrics listener and, with a
// token, on the public port.
const Path = "/metrics"

// MinTokenLength is the shortest metrics token accepted: the token guards
// the metrics on the public port, so it must not be guessable.
const MinTokenLength = 16

// Config configures Metrics.
type Config struct {
	// Version and Revision label cairn_build_info.
	Version  string
	Revision string
	// Pools returns the statistics of the database connection pools by
	// name (store.Store.PoolStats); nil leaves the cairn_db_* metrics out.
	Pools func() map[string]sql.DBStats
	// Logger receives errors of gathering the metrics; nil discards them.
	Logger *slog.Logger
}

// Metrics is Cairn's set of metrics with its registry. It is safe for
// concurrent use.
type Metrics struct {
	registry *prometheus.Registry
	logger   *slog.Logger

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec

	stepRuns     *prometheus.CounterVec
	stepFailures *prometheus.CounterVec
	stepDuration *prometheus.HistogramVec

	deliveries       *prometheus.CounterVec
	deliveryDuration *prometheus.HistogramVec
}

// requestBuckets reach below the default 5 ms: most API answers from SQLite
// take about a millisecond, and a slowdown from 1 to 4 ms should show.
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// workBuckets suit background work: webhook calls time out after 10 s, and
// a scheduler step may notify a whole team.
var workBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// New returns Cairn's metrics, registered in a new registry with the Go
// runtime and process collectors and cairn_build_info.
func New(cfg Config) *Metrics {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		logger:   cfg.Logger,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cairn_http_request_duration_seconds",
			Help:    "Time from routing an HTTP request to the end of its handler, by route pattern and method.",
			Buckets: requestBuckets,
		}, []string{"route", "method"}),
		stepRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_scheduler_runs_total",
			Help: "Scheduled steps this instance ran (each attempt counts), by kind.",
		}, []string{"kind"}),
		stepFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_scheduler_failures_total",
			Help: "Scheduled steps this instance ran that failed, by kind.",
		}, []string{"kind"}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cairn_scheduler_run_duration_seconds",
			Help:    "Time a scheduled step took, by kind.",
			Buckets: workBuckets,
		}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cairn_outbox_deliveries_total",
			Help: "Delivery attempts of the outbox (webhooks, e-mails) by kind and result: delivered, retried (failed, tried again later) or failed (for good).",
		}, []string{"kind", "result"}),
		deliveryDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cairn_outbox_delivery_duration_seconds",
			Help:    "Time a delivery attempt took to send, by kind.",
			Buckets: workBuckets,
		}, []string{"kind"}),
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "cairn_build_info",
		Help:        "Always 1; the labels say which Cairn runs.",
		ConstLabels: prometheus.Labels{"version": orUnknown(cfg.Version), "revision": orUnknown(cfg.Revision)},
	})
	buildInfo.Set(1)
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
		m.requests, m.requestDuration,
		m.stepRuns, m.stepFailures, m.stepDuration,
		m.deliveries, m.deliveryDuration,
	)
	if cfg.Pools != nil {
		m.registry.MustRegister(newPoolCollector(cfg.Pools))
	}
	// Every series the scheduler and the outbox can have exists from the
	// start at 0, so that rate() and alerts on them work before the first
	// failure instead of seeing no data.
	for _, kind := range []string{planning.StepStatusRequest, planning.StepStatusReminder, planning.StepFinalizeReminder,
		planning.StepCadence, planning.StepRetrospective, planning.StepCloseMilestone} {
		m.stepRuns.WithLabelValues(kind)
		m.stepFailures.WithLabelValues(kind)
	}
	for _, kind := range []string{store.DeliveryWebhook, store.DeliveryEmail} {
		for _, result := range []string{notify.ResultDelivered, notify.ResultRetried, notify.ResultFailed} {
			m.deliveries.WithLabelValues(kind, result)
		}
	}
	return m
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Gatherer returns the registry, for tests that read the metrics directly.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.registry }

// Handler serves the metrics in Prometheus's exposition formats, without
// any access check: see RequireToken and ServeMux.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(m.logger.Handler(), slog.LevelError),
		// A collector that fails (say the pools' of a closed store) costs
		// its own series, not the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.registry,
		// Scrapes are small; bound them so that a stuck collector cannot
		// pile up goroutines.
		MaxRequestsInFlight: 4,
		Timeout:             30 * time.Second,
	})
}

// StepDone counts a scheduled step of the kind that ran, as a failure too
// when err is not nil. It fits scheduler.Scheduler.OnStep.
func (m *Metrics) StepDone(kind string, took time.Duration, err error) {
	m.stepRuns.WithLabelValues(kind).Inc()
	if err != nil {
		m.stepFailures.WithLabelValues(kind).Inc()
	}
	m.stepDuration.WithLabelValues(kind).Observe(took.Seconds())
}

// DeliveryDone counts a delivery attempt of the kind with its result
// (notify.ResultDelivered, ResultRetried or ResultFailed). It fits
// notify.Worker.OnAttempt.
func (m *Metrics) DeliveryDone(kind, result string, took time.Duration) {
	m.deliveries.WithLabelValues(kind, result).Inc()
	m.deliveryDuration.WithLabelValues(kind).Observe(took.Seconds())
}

// ValidateToken checks a metrics token (CAIRN_METRICS_TOKEN): at least
// MinTokenLength characters, printable ASCII without spaces, as it is sent
// in an Authorization header.
func ValidateToken(token string) error {
	if len(token) < MinTokenLength {
		return errors.New("the metrics token must be at least 16 characters long (for example: openssl rand -hex 32)")
	}
	for i := 0; i < len(token); i++ {
		if token[i] <= ' ' || token[i] > '~' {
			return errors.New("the metrics token must be printable ASCII without spaces")
		}
	}
	return nil
}

// RequireToken lets only requests with "Authorization: Bearer <token>"
// through to next and answers 401 to every other. The comparison takes the
// same time whatever the token sent, so that it cannot be found out byte
// by byte. An empty token lets nobody through.
func RequireToken(token string, next http.Handler) http.Handler {
	// Comparing digests keeps even the token's length from showing.
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearer(r)
		sum := sha256.Sum256([]byte(got))
		if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 || !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cairn metrics"`)
			http.Error(w, "401 Unauthorized: send the metrics token as Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// ServeMux returns the handler of the separate metrics listener
// (--metrics-addr): the metrics at Path, behind the token when it is not
// empty, and 404 for every other path.
func (m *Metrics) ServeMux(token string) *http.ServeMux {
	h := m.Handler()
	if token != "" {
		h = RequireToken(token, h)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, h)
	return mux
}

// NewServer returns the HTTP server of the separate metrics listener, with
// ServeMux(token) as its handler and timeouts fit for scrapes.
func (m *Metrics) NewServer(token string, logger *slog.Logger) *http.Server {
	if logger == nil {
		logger = m.logger
	}
	return &http.Server{
		Handler:           m.ServeMux(token),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

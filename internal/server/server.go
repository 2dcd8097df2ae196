// Package server is Cairn's HTTP front: the list of routes (routes.go), the
// middleware every request passes (request id, access log, panic recovery,
// body limit, authentication) and the health endpoints. The handlers live
// in internal/api; graceful shutdown is the caller's (cmd/cairn's) job.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cairnhq/cairn/internal/api"
	"github.com/cairnhq/cairn/internal/limit"
	"github.com/cairnhq/cairn/internal/monitor"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/web"
)

// DefaultMaxBodyBytes is the request body limit when Config leaves it zero.
// Descriptions and notes are at most 1 MiB, so 2 MiB leaves room for JSON.
const DefaultMaxBodyBytes = 2 << 20

// Config configures a Server.
type Config struct {
	// Services is the storage behind the API (*store.Store).
	Services api.Services
	// Planner is the planning service; nil leaves the planning routes out
	// (they answer 404 like any unknown route).
	Planner *planner.Service
	// BaseURL is the external base URL ("http://127.0.0.1:8080"), used for
	// web_url fields and Link headers; empty derives it from each request's
	// Host.
	BaseURL string
	// Logger receives the access log and errors; nil discards them.
	Logger *slog.Logger
	// Version and Revision are Cairn's, shown by GET /api/v4/version.
	Version  string
	Revision string
	// MaxBodyBytes limits request bodies (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Web serves the pages; nil serves the API only.
	Web *web.Web
	// Heavy bounds the plans and metrics computed at once; share it with
	// the pages' web.Config.Heavy. Nil gets a gate of its own, as many as
	// there are CPUs.
	Heavy limit.Gate
	// Metrics, when set, counts and times the requests of every route by
	// its pattern. Nil measures nothing.
	Metrics *monitor.Metrics
	// MetricsToken, when set with Metrics, serves the metrics at GET
	// /metrics to requests with "Authorization: Bearer <MetricsToken>"
	// (401 to others). Empty leaves /metrics an unknown route (404): the
	// metrics are then served on a listener of their own, or not at all.
	MetricsToken string
}

// Server is Cairn's HTTP handler with its routes and middleware.
type Server struct {
	svc          api.Services
	planner      *planner.Service
	api          *api.API
	logger       *slog.Logger
	maxBodyBytes int64
	web          *web.Web
	handler      http.Handler
	metrics      *monitor.Metrics
	// metricsPage serves GET /metrics on this handler; nil without a
	// metrics token.
	metricsPage http.Handler
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Heavy == nil {
		cfg.Heavy = limit.NewGate(0)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{
		svc:          cfg.Services,
		planner:      cfg.Planner,
		logger:       cfg.Logger,
		maxBodyBytes: cfg.MaxBodyBytes,
		web:          cfg.Web,
		metrics:      cfg.Metrics,
		api: api.New(api.Config{
			Services: cfg.Services,
			Planner:  cfg.Planner,
			BaseURL:  cfg.BaseURL,
			Logger:   cfg.Logger,
			Version:  cfg.Version,
			Revision: cfg.Revision,
			Heavy:    cfg.Heavy,
		}),
	}
	if cfg.Metrics != nil && cfg.MetricsToken != "" {
		s.metricsPage = monitor.RequireToken(cfg.MetricsToken, cfg.Metrics.Handler())
	}
	mux := http.NewServeMux()
	s.routes(mux)
	// Outermost first: every request gets an id before it is logged, and
	// the access log sees the 500 that recovery writes.
	s.handler = s.requestID(s.accessLog(s.recoverPanic(s.textURL(s.limitBody(mux)))))
	return s
}

// Handler returns the HTTP handler serving every route.
func (s *Server) Handler() http.Handler { return s.handler }

// readinessTimeout bounds the database ping of /-/readiness, so that a load
// balancer gets its answer before its own timeout.
const readinessTimeout = 3 * time.Second

type healthJSON struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// health serves GET /-/health: the process is up (it does not touch the
// database, so a database outage does not get instances restarted).
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, healthJSON{Status: "ok"})
}

// readiness serves GET /-/readiness: 200 when the database answers, 503
// otherwise, so that a load balancer sends traffic elsewhere.
func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readinessTimeout)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		logger(r, s.logger).Warn("readiness check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, healthJSON{Status: "failed", Message: "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, healthJSON{Status: "ok"})
}

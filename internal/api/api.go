// Package api serves Cairn's subset of GitLab's REST API v4 under /api/v4:
// one file per resource, with one parameter decoder (params.go), one error
// mapping (errors.go), one pagination writer (pagination.go), GitLab's JSON
// shapes (json.go) and one permission matrix (access.go). The routes that
// lead here are listed in internal/server/routes.go.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/limit"
	"github.com/cairnhq/cairn/internal/planner"
)

// Services is everything the API needs from storage. *store.Store
// implements it.
type Services interface {
	cairn.UserService
	cairn.GroupService
	cairn.ProjectService
	cairn.LabelService
	cairn.MilestoneService
	cairn.IssueService
	cairn.NoteService
	cairn.EventService
	cairn.LinkService
	// Ping checks that the database answers; EUNAVAILABLE if it does not.
	Ping(context.Context) error
	// Today returns the team's current date ("2026-07-22").
	Today() string
}

// Config configures the API.
type Config struct {
	Services Services
	// Planner serves the planning endpoints and guards the Deliverable and
	// Stretch labels; nil turns planning off (its routes are not served).
	Planner *planner.Service
	// BaseURL is the external base URL ("https://cairn.example.com") used in
	// web_url fields and Link headers; empty derives it from each request.
	BaseURL string
	// Logger receives errors that are not the client's fault; requests
	// carrying their own logger (NewContextWithLogger) log there instead.
	Logger *slog.Logger
	// Version and Revision are Cairn's own, shown by GET /version.
	Version  string
	Revision string
	// Heavy bounds the plans and metrics computed at once (shared with the
	// pages); nil bounds nothing.
	Heavy limit.Gate
}

// API holds the handlers of the GitLab-compatible API. Its exported
// HandlerFunc methods are the endpoints; internal/server routes to them.
type API struct {
	svc      Services
	planner  *planner.Service
	baseURL  string
	logger   *slog.Logger
	version  string
	revision string
	// heavy bounds the plans and metrics computed at once (heavy.go).
	heavy limit.Gate
}

// New returns the API over cfg.Services.
func New(cfg Config) *API {
	l := cfg.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &API{
		svc:      cfg.Services,
		planner:  cfg.Planner,
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
		logger:   l,
		version:  cfg.Version,
		revision: cfg.Revision,
		heavy:    cfg.Heavy,
	}
}

// HandlerFunc is an API endpoint: it writes a response, or returns an error
// that Error renders in GitLab's shape.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler adapts h to an http.Handler that renders h's error with Error.
func (a *API) Handler(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.Error(w, r, err)
		}
	})
}

// BaseURL returns the external base URL for r without a trailing slash: the
// configured one, or one derived from the request's Host.
func (a *API) BaseURL(r *http.Request) string {
	if a.baseURL != "" {
		return a.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type ctxKey int

const (
	loggerKey ctxKey = iota
	tokenKey
)

// NewContextWithLogger returns a context carrying the request's logger
// (with its request id), which the API logs to.
func NewContextWithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey, l)
}

// LoggerFromContext returns the request's logger, or nil.
func LoggerFromContext(ctx context.Context) *slog.Logger {
	l, _ := ctx.Value(loggerKey).(*slog.Logger)
	return l
}

// NewContextWithToken returns a context carrying the personal access token
// the request authenticated with, so that access checks can refuse writes
// to read_api tokens.
func NewContextWithToken(ctx context.Context, t *cairn.Token) context.Context {
	return context.WithValue(ctx, tokenKey, t)
}

// TokenFromContext returns the request's token, or nil.
func TokenFromContext(ctx context.Context) *cairn.Token {
	t, _ := ctx.Value(tokenKey).(*cairn.Token)
	return t
}

// log returns the request's logger, or the API's.
func (a *API) log(r *http.Request) *slog.Logger {
	if l := LoggerFromContext(r.Context()); l != nil {
		return l
	}
	return a.logger
}

// currentUser returns the signed-in user; EUNAUTHORIZED if none (the
// server authenticates every /api/v4 route, so this is a safety net).
func currentUser(r *http.Request) (*cairn.User, error) {
	u := cairn.UserFromContext(r.Context())
	if u == nil {
		return nil, &cairn.Error{Code: cairn.EUNAUTHORIZED}
	}
	return u, nil
}

// Package web serves Cairn's pages: server-rendered html/template pages
// with a little progressive JavaScript (htmx for partial updates, Sortable
// for dragging cards), every file embedded in the binary and nothing loaded
// from elsewhere. Pages call the same store and planner as the API and
// enforce the same permission matrix (internal/access).
//
// Layout: web.go (setup, rendering, errors), auth.go (sessions, sign-in),
// security.go (headers, CSP nonce, CSRF), static.go (assets), one file per
// area of pages, templates/ one file per page.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/limit"
	"github.com/cairnhq/cairn/internal/markdown"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// Config configures the pages.
type Config struct {
	Store   *store.Store
	Planner *planner.Service
	// BaseURL is the external URL; when it starts with https:// session
	// cookies are marked Secure (they are too for any TLS request).
	BaseURL string
	Logger  *slog.Logger
	Version string
	// Heavy bounds the plans and metrics computed at once, shared with
	// the API (server.Config.Heavy); nil bounds nothing.
	Heavy limit.Gate
}

// Web holds the page handlers.
type Web struct {
	store   *store.Store
	planner *planner.Service
	baseURL string
	logger  *slog.Logger
	version string
	pages   map[string]*template.Template
	assets  *assets
	limiter *loginLimiter
	heavy   limit.Gate
}

// New parses the templates and returns the pages.
func New(cfg Config) (*Web, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Web{
		store: cfg.Store, planner: cfg.Planner, baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		logger: cfg.Logger, version: cfg.Version, limiter: newLoginLimiter(),
		heavy: cfg.Heavy,
	}
	var err error
	if w.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if w.pages, err = w.parseTemplates(); err != nil {
		return nil, err
	}
	return w, nil
}

// parseTemplates parses every page: each page file with the layout and the
// partials (files starting with "_"), so that pages can share blocks.
func (w *Web) parseTemplates() (map[string]*template.Template, error) {
	funcs := w.funcs()
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	for _, f := range files {
		name := strings.TrimPrefix(f, "templates/")
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			shared = append(shared, f)
		}
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, shared...)
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimPrefix(f, "templates/")
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (w *Web) funcs() template.FuncMap {
	return template.FuncMap{
		"markdown":   markdown.Render,
		"asset":      func(name string) string { return w.assets.url(name) },
		"date":       func(t time.Time) string { return t.Format("2 Jan 2006") },
		"datetime":   func(t time.Time) string { return t.Format("2 Jan 2006 15:04 MST") },
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"ago":        ago,
		"initials":   initials,
		"pathEscape": url.PathEscape,
		"query":      url.QueryEscape,
		"add":        func(a, b int) int { return a + b },
		"deref": func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		},
		"labelClass": labelClass,
		"todoAction": todoAction,
		"scopeOf": func(name string) string {
			if i := strings.LastIndex(name, "::"); i > 0 {
				return name[:i]
			}
			return ""
		},
		"valueOf": func(name string) string {
			if i := strings.LastIndex(name, "::"); i > 0 {
				return name[i+2:]
			}
			return name
		},
	}
}

// Page is what every page template gets: the layout's fields and the
// page's own Data.
type Page struct {
	Title string
	// Section names the navigation entry to highlight.
	Section string
	User    *cairn.User
	// Group is the team the page belongs to, for the navigation; nil on
	// pages outside a team.
	Group *cairn.Group
	// Groups are the signed-in user's teams, for the team switcher.
	Groups []*cairn.Group
	// Nonce allows the page's one <style> element (label colours) under
	// the Content-Security-Policy.
	Nonce string
	// LabelCSS are the label colour classes the page uses.
	LabelCSS []LabelStyle
	Flash    string
	Error    string
	Path     string
	Version  string
	Data     any
}

// render writes the page template name with p, status code status. It
// renders into a buffer first, so that a template error becomes a clean
// 500 page instead of half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := w.pages[name]
	if !ok {
		w.fail(rw, r, fmt.Errorf("no page template %q", name))
		return
	}
	w.fillPage(r, p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		w.fail(rw, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = buf.WriteTo(rw)
}

// renderPartial writes one named template of a page (an htmx fragment).
func (w *Web) renderPartial(rw http.ResponseWriter, r *http.Request, status int, page, block string, data any) {
	t, ok := w.pages[page]
	if !ok {
		w.fail(rw, r, fmt.Errorf("no page template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		w.fail(rw, r, fmt.Errorf("render %s/%s: %w", page, block, err))
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = buf.WriteTo(rw)
}

// fillPage sets the layout's fields every page has.
func (w *Web) fillPage(r *http.Request, p *Page) {
	p.User = userFrom(r.Context())
	p.Nonce = nonceFrom(r.Context())
	p.Path = r.URL.Path
	p.Version = w.version
	if p.User != nil && p.Groups == nil {
		p.Groups, _ = w.userGroups(r.Context(), p.User)
	}
	if p.Group != nil && p.LabelCSS == nil {
		p.LabelCSS = w.labelStyles(r.Context(), p.Group.ID)
	}
}

// userGroups lists the groups the user is a member of (admins: all), at
// most 100, for the team switcher.
func (w *Web) userGroups(ctx context.Context, u *cairn.User) ([]*cairn.Group, error) {
	f := cairn.GroupFilter{Page: cairn.Page{PerPage: cairn.MaxPerPage}, VisibleTo: u.ID, Admin: u.IsAdmin}
	groups, _, err := w.store.ListGroups(ctx, f)
	return groups, err
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

// fail renders the error page for err: 404 for not found (also for what
// the user may not see), 403, 400 with the message, 503, and 500 — logged —
// for the rest.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	status, heading, msg := http.StatusInternalServerError, "Something went wrong", "The error has been logged. Try again, and tell your administrator if it keeps happening."
	code := cairn.ErrorCode(err)
	if store.IsUnavailable(err) {
		code = cairn.EUNAVAILABLE
	}
	switch code {
	case cairn.ENOTFOUND:
		status, heading, msg = http.StatusNotFound, "Not found", "The page you were looking for does not exist, or you may not see it."
	case cairn.EFORBIDDEN:
		status, heading, msg = http.StatusForbidden, "Not allowed", "You are not allowed to do this. Ask a maintainer of the team."
	case cairn.EINVALID, cairn.ECONFLICT, cairn.ETOOLARGE:
		status, heading, msg = http.StatusBadRequest, "That did not work", err.Error()
	case cairn.EUNAVAILABLE:
		status, heading, msg = http.StatusServiceUnavailable, "Database unavailable", "The database does not answer; try again shortly."
		rw.Header().Set("Retry-After", strconv.Itoa(store.RetryAfterSeconds))
		w.logger.Warn("database unavailable", "path", r.URL.Path, "err", err)
	case cairn.EUNAUTHORIZED:
		http.Redirect(rw, r, signInURL(r), http.StatusSeeOther)
		return
	default:
		if errors.Is(err, context.Canceled) {
			return
		}
		w.logger.Error("page failed", "path", r.URL.Path, "err", err)
	}
	t, ok := w.pages["error.html"]
	if !ok {
		http.Error(rw, heading, status)
		return
	}
	p := &Page{Title: heading, Data: errorPage{Status: status, Heading: heading, Message: msg}}
	p.User = userFrom(r.Context())
	p.Nonce = nonceFrom(r.Context())
	p.Version = w.version
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		http.Error(rw, heading, status)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = buf.WriteTo(rw)
}

// HandlerFunc is a page handler that may fail; Web.handle renders its error.
type HandlerFunc func(http.ResponseWriter, *http.Request) error

// handle adapts a HandlerFunc.
func (w *Web) handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := h(rw, r); err != nil {
			w.fail(rw, r, err)
		}
	})
}

// ago says how long ago t was, in words.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d.Hours()/24), "day") + " ago"
	}
	return t.Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// initials are a user's avatar letters: of the name's first two words.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	return strings.ToUpper(string(out))
}

// Refs turns issues into links: it knows the full path of every project
// of the teams on a page.
type Refs map[int64]string

// IssueURL is the issue page's path.
func (f Refs) IssueURL(is *cairn.Issue) string {
	return "/" + f[is.ProjectID] + "/-/issues/" + strconv.FormatInt(is.IID, 10)
}

// Ref is the issue's reference, "group/project#12".
func (f Refs) Ref(is *cairn.Issue) string {
	return f[is.ProjectID] + "#" + strconv.FormatInt(is.IID, 10)
}

// refs returns the project paths of the groups.
func (w *Web) refs(ctx context.Context, groups ...*cairn.Group) (Refs, error) {
	out := Refs{}
	for _, g := range groups {
		for page := 1; ; page++ {
			list, _, err := w.store.ListProjects(ctx, cairn.ProjectFilter{Admin: true, GroupID: g.ID, Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
			if err != nil {
				return nil, err
			}
			for _, p := range list {
				out[p.ID] = p.FullPath()
			}
			if len(list) < cairn.MaxPerPage {
				break
			}
		}
	}
	return out, nil
}

package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/internal/web"
)

// demoToday is the demo team's "now" in page tests: a Wednesday in the
// middle of a milestone.
var demoToday = time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)

// site is a running Cairn (API and pages) over a real SQLite store with
// the demo team loaded.
type site struct {
	t  *testing.T
	st *store.Store
	p  *planner.Service
	ts *httptest.Server
}

// newSite starts Cairn with the demo team on a fresh SQLite database, its
// clock fixed at demoToday.
func newSite(t *testing.T) *site {
	t.Helper()
	st := storetest.Open(t, "sqlite")
	st.Now = func() time.Time { return demoToday }
	if _, err := st.ImportArchive(context.Background(), demo.Generate(demoToday, 1)); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	return startSite(t, st)
}

// startSite serves the pages and the API over st.
func startSite(t testing.TB, st *store.Store) *site {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if tt, ok := t.(*testing.T); ok {
		logger = slog.New(slog.NewTextHandler(tt.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	p := planner.New(st, logger)
	pages, err := web.New(web.Config{Store: st, Planner: p, Logger: logger, Version: "test"})
	if err != nil {
		t.Fatalf("web: %v", err)
	}
	ts := httptest.NewServer(server.New(server.Config{Services: st, Planner: p, Logger: logger, Web: pages}).Handler())
	t.Cleanup(ts.Close)
	tt, _ := t.(*testing.T)
	return &site{t: tt, st: st, p: p, ts: ts}
}

// browser is an HTTP client signed in as one user: it keeps the session
// cookie, does not follow redirects (tests look at them), and sends the
// Sec-Fetch-Site header a browser sends with same-origin form posts.
type browser struct {
	s      *site
	user   *cairn.User
	client *http.Client
}

// as returns a client signed in as username (a session made in the store,
// as signing in would).
func (s *site) as(username string) *browser {
	s.t.Helper()
	u, err := s.st.UserByUsername(context.Background(), username)
	if err != nil {
		s.t.Fatalf("user %s: %v", username, err)
	}
	secret, err := s.st.CreateSession(context.Background(), u.ID, "test", "127.0.0.1")
	if err != nil {
		s.t.Fatalf("session: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(s.ts.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: web.SessionCookie, Value: secret, Path: "/"}})
	return &browser{s: s, user: u, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// anonymous returns a client that is not signed in.
func (s *site) anonymous() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a response with its body read.
type page struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

// Has reports whether the body contains every one of the strings.
func (p page) Has(parts ...string) bool {
	for _, s := range parts {
		if !strings.Contains(p.Body, s) {
			return false
		}
	}
	return true
}

func (b *browser) do(req *http.Request) page {
	b.s.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.s.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Body: string(body), Header: res.Header, Location: res.Header.Get("Location")}
}

// get fetches a page.
func (b *browser) get(path string) page {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.s.ts.URL+path, nil)
	return b.do(req)
}

// post submits a form from the same origin.
func (b *browser) post(path string, form url.Values) page {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.s.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// postFrom submits a form with the given Sec-Fetch-Site (cross-site tests).
func (b *browser) postFrom(path, fetchSite string, form url.Values) page {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.s.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", fetchSite)
	}
	return b.do(req)
}

// want fails the test unless the page has the status and every part.
func (p page) want(t *testing.T, status int, parts ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; body:\n%.2000s", p.Status, status, p.Body)
	}
	for _, s := range parts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page lacks %q; body:\n%.4000s", s, p.Body)
		}
	}
}

// member creates a user and adds them to the demo group with an access
// level (cairn.AccessGuest…); level 0 leaves them outside the group.
func (s *site) member(username string, level int) *cairn.User {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.st.CreateUser(ctx, cairn.UserCreate{Username: username, Name: strings.ToUpper(username[:1]) + username[1:] + " Test", Email: username + "@example.com"})
	if err != nil {
		s.t.Fatalf("create user %s: %v", username, err)
	}
	if level == 0 {
		return u
	}
	g, err := s.st.GroupByPath(ctx, demo.GroupPath)
	if err != nil {
		s.t.Fatalf("demo group: %v", err)
	}
	if _, err := s.st.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: u.ID, AccessLevel: level}); err != nil {
		s.t.Fatalf("add member %s: %v", username, err)
	}
	return u
}

package api_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/api"
)

func TestErrorBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"NotFound", cairn.NotFound("Project"), 404, `{"message":"404 Project Not Found"}`},
		{"NotFoundWrapped", fmt.Errorf("load: %w", cairn.NotFound("Issue")), 404, `{"message":"404 Issue Not Found"}`},
		{"NotFoundBare", &cairn.Error{Code: cairn.ENOTFOUND}, 404, `{"message":"404 Not Found"}`},
		{"Missing", cairn.Missing("title"), 400, `{"error":"title is missing"}`},
		{"Fields", cairn.FieldError("title", "can't be blank"), 400, `{"message":{"title":["can't be blank"]}}`},
		{"InvalidMessage", cairn.Errorf(cairn.EINVALID, "/weight: bad"), 400, `{"message":"/weight: bad"}`},
		{"Unauthorized", &cairn.Error{Code: cairn.EUNAUTHORIZED, Message: "token expired"}, 401, `{"message":"401 Unauthorized"}`},
		{"Forbidden", &cairn.Error{Code: cairn.EFORBIDDEN}, 403, `{"message":"403 Forbidden"}`},
		{"Conflict", cairn.Errorf(cairn.ECONFLICT, "Label already exists"), 409, `{"message":"Label already exists"}`},
		{"TooLarge", &cairn.Error{Code: cairn.ETOOLARGE}, 413, `{"message":"413 Request Entity Too Large"}`},
		{"MaxBytes", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 1}), 413, `{"message":"413 Request Entity Too Large"}`},
		{"Unavailable", &cairn.Error{Code: cairn.EUNAVAILABLE, Message: "db down"}, 503, `{"message":"503 Service Unavailable"}`},
		// A database that is down or restarting, as the driver reports it
		// from a read that the store did not translate.
		{"DatabaseShutdown", fmt.Errorf("list issues: %w", &pgconn.PgError{Code: "57P01", Severity: "FATAL"}), 503, `{"message":"503 Service Unavailable"}`},
		{"DatabaseConnectionLost", fmt.Errorf("user by token: %w", &pgconn.PgError{Code: "08006"}), 503, `{"message":"503 Service Unavailable"}`},
		{"DatabaseBadConn", fmt.Errorf("user by token: %w", driver.ErrBadConn), 503, `{"message":"503 Service Unavailable"}`},
		{"DatabaseRefused", fmt.Errorf("get issue: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), 503, `{"message":"503 Service Unavailable"}`},
		{"DatabaseOtherError", fmt.Errorf("get issue: %w", &pgconn.PgError{Code: "42P01"}), 500, `{"message":"500 Internal Server Error"}`},
		{"Internal", errors.New("pq: relation does not exist"), 500, `{"message":"500 Internal Server Error"}`},
		{"InternalCode", &cairn.Error{Code: cairn.EINTERNAL, Message: "secret detail"}, 500, `{"message":"500 Internal Server Error"}`},
		{"Canceled", context.Canceled, 500, `{"message":"500 Internal Server Error"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := api.ErrorBody(tc.err)
			b, _ := json.Marshal(body)
			if status != tc.status || string(b) != tc.body {
				t.Errorf("ErrorBody = %d %s, want %d %s", status, b, tc.status, tc.body)
			}
		})
	}
}

// TestErrorRetryAfter checks that a 503 for an unavailable database tells
// the client when to come back, and that other errors do not.
func TestErrorRetryAfter(t *testing.T) {
	a := api.New(api.Config{})
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		retryAfter string
	}{
		{"DatabaseDown", fmt.Errorf("list: %w", &pgconn.PgError{Code: "57P01"}), 503, "5"},
		{"Unavailable", &cairn.Error{Code: cairn.EUNAVAILABLE}, 503, "5"},
		{"NotFound", cairn.NotFound("Issue"), 404, ""},
		{"Internal", errors.New("boom"), 500, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			a.Error(rec, httptest.NewRequest("GET", "/api/v4/projects/1/issues", nil), tc.err)
			if rec.Code != tc.status || rec.Header().Get("Retry-After") != tc.retryAfter {
				t.Errorf("status %d, Retry-After %q; want %d, %q", rec.Code, rec.Header().Get("Retry-After"), tc.status, tc.retryAfter)
			}
		})
	}
}

func TestPageHeaders(t *testing.T) {
	u, _ := url.Parse("/api/v4/projects/grp%2Fproj/issues?state=opened&page=9")
	for _, tc := range []struct {
		name  string
		page  cairn.Page
		total cairn.Total
		n     int
		want  map[string]string // "-" means absent
		rels  []string
	}{
		{"Middle", cairn.Page{Page: 2, PerPage: 10}, cairn.Total{Count: 35}, 10,
			map[string]string{"X-Page": "2", "X-Per-Page": "10", "X-Next-Page": "3", "X-Prev-Page": "1", "X-Total": "35", "X-Total-Pages": "4"},
			[]string{"prev", "next", "first", "last"}},
		{"Empty", cairn.Page{Page: 1, PerPage: 20}, cairn.Total{}, 0,
			map[string]string{"X-Next-Page": "", "X-Prev-Page": "", "X-Total": "0", "X-Total-Pages": "1"},
			[]string{"first", "last"}},
		{"Capped", cairn.Page{Page: 3, PerPage: 100}, cairn.Total{Count: cairn.MaxCountedTotal, Capped: true}, 100,
			map[string]string{"X-Page": "3", "X-Next-Page": "4", "X-Prev-Page": "2", "X-Total": "-", "X-Total-Pages": "-"},
			[]string{"prev", "next", "first"}},
		{"CappedLastPage", cairn.Page{Page: 200, PerPage: 100}, cairn.Total{Count: cairn.MaxCountedTotal, Capped: true}, 40,
			map[string]string{"X-Next-Page": "", "X-Total": "-"},
			[]string{"prev", "first"}},
		{"PastTheEnd", cairn.Page{Page: 9, PerPage: 10}, cairn.Total{Count: 25}, 0,
			map[string]string{"X-Next-Page": "", "X-Prev-Page": "3", "X-Total-Pages": "3"},
			[]string{"prev", "first", "last"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			api.SetPageHeaders(h, "https://cairn.example.com/", u, tc.page, tc.total, tc.n)
			for k, want := range tc.want {
				vs, ok := h[k]
				switch {
				case want == "-" && ok:
					t.Errorf("%s = %q, want absent", k, vs)
				case want != "-" && (!ok || vs[0] != want):
					t.Errorf("%s = %q (present %v), want %q", k, h.Get(k), ok, want)
				}
			}
			var rels []string
			for _, l := range strings.Split(h.Get("Link"), ", ") {
				target, rel, _ := strings.Cut(l, "; ")
				if !strings.HasPrefix(target, "<https://cairn.example.com/api/v4/projects/grp%2Fproj/issues?") || !strings.Contains(target, "state=opened") {
					t.Errorf("link target %s", target)
				}
				rels = append(rels, strings.TrimSuffix(strings.TrimPrefix(rel, `rel="`), `"`))
			}
			if strings.Join(rels, ",") != strings.Join(tc.rels, ",") {
				t.Errorf("rels = %v, want %v", rels, tc.rels)
			}
		})
	}
}

func TestPageHeadersDropToken(t *testing.T) {
	u, _ := url.Parse("/api/v4/projects/1/issues?private_token=glpat-secret&access_token=x&labels=bug&page=1")
	h := http.Header{}
	api.SetPageHeaders(h, "https://cairn.example.com", u, cairn.Page{Page: 1, PerPage: 20}, cairn.Total{Count: 45}, 20)
	link := h.Get("Link")
	if !strings.Contains(link, "labels=bug") || !strings.Contains(link, "page=2") {
		t.Fatalf("Link lost the query: %s", link)
	}
	if strings.Contains(link, "glpat-secret") || strings.Contains(link, "access_token") {
		t.Errorf("Link echoes the token: %s", link)
	}
}

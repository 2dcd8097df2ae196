package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/api"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// issueQuerySeeds are issue list query strings as GitLab's clients send
// them; FuzzParseParams, FuzzIssueListQuery and TestFuzzCorporaNo500 all
// start from them.
var issueQuerySeeds = []string{
	"",
	"state=opened&labels=bug,workflow::in%20dev&order_by=updated_at&sort=asc&per_page=20&page=2",
	"labels=None&milestone=Any&assignee_id=None&weight=Any",
	"labels[]=bug&labels[]=Deliverable&not[labels]=Stretch&not[milestone]=2026-10&not[iids][]=1&not[iids][]=2",
	"iids[]=1&iids[]=99999999999999999999&author_id=-1&not[assignee_id]=0&not[weight]=3",
	"search=%25%27%22%5C_&in=title,description&scope=created_by_me&with_labels_details=true",
	"created_after=2026-01-01&created_before=2026-12-31T23:59:59Z&updated_after=2026-10-01T10:00&updated_before=not-a-date",
	"confidential=yes&issue_type=incident&due_date=overdue&assignee_username[]=tomas&not[assignee_username]=emma",
	"per_page=0&page=-1&order_by=label_priority&sort=desc&not[author_username]=nobody",
	"per_page=1e400&page=9223372036854775807&weight=9223372036854775808",
	"milestone=%22quoted%22&labels=%00&search=%FF%FE",
	"state=all&order_by=relative_position&scope=assigned-to-me&due_date=0",
	"labels=a,,b,&labels=c&labels[]=&iids=1,x",
}

// paramsSeeds are request bodies of the forms handlers accept; the no-500
// test sends them to the issue update endpoint too.
var paramsSeeds = []struct{ query, contentType, body string }{
	{"", "application/json", `{"labels":["bug",1,true],"not":{"labels":"x"},"weight":3.0,"due_date":null,"iids":[1,"2"]}`},
	{"weight=1", "application/json", `{"weight":"2","milestone_id":{"a":1},"per_page":[1]}`},
	{"", "application/json", `[1,2]`},
	{"", "application/json", `{"title":"a\u0000b","description":"\ud800","labels":"x\u0000y"}`},
	{"", "application/json", `{"weight":9223372036854775807,"due_date":"9999-12-31","assignee_ids":[99999999999]}`},
	{"", "application/x-www-form-urlencoded", "title=x&labels=a,b&weight=%ZZ"},
	{"", "application/x-www-form-urlencoded", "title=%FF%00&description=%C3&add_labels=%00"},
	{"", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--b--\r\n"},
	{"", "application/merge-patch+json", `{"confidential":"maybe"}`},
}

// FuzzParseParams checks the parameter decoding shared by every handler:
// ParseParams and every getter accept any query string, content type and
// body without panicking, and a bad input is an EINVALID (400) or
// ETOOLARGE (413) *cairn.Error, never an internal error.
func FuzzParseParams(f *testing.F) {
	for _, q := range issueQuerySeeds {
		f.Add(q, "", "")
	}
	for _, s := range paramsSeeds {
		f.Add(s.query, s.contentType, s.body)
	}
	names := []string{"state", "labels", "milestone", "assignee_id", "assignee_username", "author_id", "weight", "search", "in",
		"iids", "created_after", "due_date", "confidential", "not[labels]", "not[weight]", "not[iids]", "page", "per_page", "title"}
	f.Fuzz(func(t *testing.T, query, contentType, body string) {
		r := httptest.NewRequest("POST", "/api/v4/x", strings.NewReader(body))
		r.URL.RawQuery = query
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		p, err := api.ParseParams(r)
		if err != nil {
			if c := cairn.ErrorCode(err); c != cairn.EINVALID && c != cairn.ETOOLARGE {
				t.Fatalf("ParseParams error %v has code %q", err, c)
			}
			return
		}
		for _, n := range names {
			p.Has(n)
			p.String(n)
			p.Int64(n)
			p.Int(n)
			p.Float(n)
			p.Bool(n)
			p.OptInt(n)
			p.OptInt64(n)
			p.OptString(n)
			p.StringList(n)
			p.IntList(n)
			p.Time(n)
			p.Date(n)
			p.OptDate(n)
		}
		if pg := p.Page(); pg.Page < 1 || pg.PerPage < 1 || pg.PerPage > cairn.MaxPerPage {
			t.Errorf("Page() = %+v, not normalised", pg)
		}
		if err := p.Err(); err != nil {
			var e *cairn.Error
			if !errors.As(err, &e) || e.Code != cairn.EINVALID || e.Param == "" {
				t.Fatalf("Err() = %#v, want an EINVALID *cairn.Error naming the parameter", err)
			}
		}
	})
}

// FuzzIssueListQuery sends any query string to the project and group issue
// lists of a real server over a real SQLite store, and checks the answer is
// a 200 with a JSON list or a 400 with GitLab's error body, never a 5xx.
func FuzzIssueListQuery(f *testing.F) {
	for _, q := range issueQuerySeeds {
		f.Add(q)
	}
	st := storetest.Open(f, "sqlite")
	ctx := context.Background()
	if _, err := st.ImportArchive(ctx, planArchive()); err != nil {
		f.Fatalf("import team: %v", err)
	}
	u, err := st.UserByUsername(ctx, engineer)
	if err != nil {
		f.Fatal(err)
	}
	_, token, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: u.ID, Name: "fuzz", Scopes: []string{cairn.ScopeAPI}})
	if err != nil {
		f.Fatal(err)
	}
	pr, err := st.ProjectByPath(ctx, "team/app")
	if err != nil {
		f.Fatal(err)
	}
	h := server.New(server.Config{Services: st}).Handler()
	paths := []string{"/api/v4/projects/" + strconv.FormatInt(pr.ID, 10) + "/issues", "/api/v4/groups/team/issues"}
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range paths {
			r := httptest.NewRequest("GET", path, nil)
			r.URL.RawQuery = query
			r.Header.Set("PRIVATE-TOKEN", token)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			checkAnswer(t, "GET "+path+"?"+query, w.Code, w.Body.String())
			// The caller may read both lists: a bad filter is a 400, nothing else.
			if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
				t.Errorf("%q: status %d, want 200 or 400: %s", path+"?"+query, w.Code, w.Body.String())
			}
		}
	})
}

// checkAnswer fails on a 5xx, on a 4xx without GitLab's error body, and on
// a list that answers 200 without a JSON list.
func checkAnswer(t *testing.T, req string, status int, body string) {
	t.Helper()
	switch {
	case status >= 500:
		t.Errorf("%q: status %d: %s", req, status, body)
	case status >= 400:
		var e map[string]any
		if err := json.Unmarshal([]byte(body), &e); err != nil || (e["error"] == nil && e["message"] == nil) {
			t.Errorf("%q: status %d without GitLab's error body: %s", req, status, body)
		}
	case status == http.StatusOK && strings.HasPrefix(req, "GET "):
		var list []json.RawMessage
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Errorf("%q: 200 without a JSON list: %v", req, err)
		}
	}
}

// TestParamsText checks that text no database column holds (NUL, invalid
// UTF-8) is a 400 naming the parameter, from every source, while the text
// "\u0000" written with an escaped backslash is fine.
func TestParamsText(t *testing.T) {
	for _, tc := range []struct {
		name, query, ctype, body string
		wantErr                  string
	}{
		{"QueryNUL", "search=a%00b", "", "", "search is invalid: it must be UTF-8 text without NUL characters"},
		{"QueryKey", "a%FF=1", "", "", "a parameter name is invalid: it must be UTF-8 text without NUL characters"},
		{"FormUTF8", "", "application/x-www-form-urlencoded", "body=caf%E9", "body is invalid: it must be UTF-8 text without NUL characters"},
		{"JSONNUL", "", jsonType, `{"body":"a\u0000b"}`, "body is invalid: it must be UTF-8 text without NUL characters"},
		{"JSONNestedNUL", "", jsonType, `{"not":{"labels":["x","\u0000"]}}`, "not is invalid: it must be UTF-8 text without NUL characters"},
		{"JSONEscapedBackslash", "", jsonType, `{"body":"C: \\u0000 is NUL"}`, ""},
		{"JSONInvalidUTF8", "", jsonType, "{\"body\":\"caf\xe9\"}", ""},
		{"Unicode", "search=%E2%9C%93", jsonType, `{"body":"Déjà vu ✓"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.ParseParams(request(t, tc.query, tc.ctype, tc.body))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseParams: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr || cairn.ErrorCode(err) != cairn.EINVALID {
				t.Fatalf("ParseParams error = %v, want EINVALID %q", err, tc.wantErr)
			}
			if status, _ := api.ErrorBody(err); status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", status)
			}
		})
	}
}

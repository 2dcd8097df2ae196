package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// These tests check the raw protocol with net/http: GitLab's exact error
// bodies and status codes, and the pagination headers.

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("body %q is not JSON: %v", got, err)
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

func TestErrorBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := strconv.FormatInt(tm.project.ID, 10)
		if _, _, err := f.gl.Issues.CreateIssue(tm.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("one"), Labels: &gitlab.LabelOptions{"bug"}}); err != nil {
			t.Fatal(err)
		}
		reporter, reporterToken := f.user("reporter")
		f.addMember(tm.group, reporter, gitlab.ReporterPermissions)
		readOnly := f.tokenFor(reporter, cairn.ScopeReadAPI)
		_, strangerToken := f.user("stranger")

		for _, tc := range []struct {
			name         string
			method, path string
			token, body  string
			status       int
			want         string
		}{
			{"NoToken", "GET", "/api/v4/user", "", "", 401, `{"message":"401 Unauthorized"}`},
			{"BadToken", "GET", "/api/v4/projects", "nope", "", 401, `{"message":"401 Unauthorized"}`},
			{"UnknownRoute", "GET", "/api/v4/nothing/here", f.token, "", 404, `{"error":"404 Not Found"}`},
			{"UnknownRouteNoToken", "GET", "/api/v4/nothing", "", "", 404, `{"error":"404 Not Found"}`},
			{"WrongMethod", "PATCH", "/api/v4/projects/" + pid, f.token, "", 404, `{"error":"404 Not Found"}`},
			{"ProjectNotFound", "GET", "/api/v4/projects/999999", f.token, "", 404, `{"message":"404 Project Not Found"}`},
			{"ProjectPathNotFound", "GET", "/api/v4/projects/grp%2Fnope", f.token, "", 404, `{"message":"404 Project Not Found"}`},
			{"GroupNotFound", "GET", "/api/v4/groups/nope", f.token, "", 404, `{"message":"404 Group Not Found"}`},
			{"IssueNotFound", "GET", "/api/v4/projects/" + pid + "/issues/99", f.token, "", 404, `{"message":"404 Issue Not Found"}`},
			{"NonMemberPrivateProject", "GET", "/api/v4/projects/" + pid, strangerToken, "", 404, `{"message":"404 Project Not Found"}`},
			{"NonMemberPrivateIssues", "GET", "/api/v4/projects/grp%2Fproj/issues", strangerToken, "", 404, `{"message":"404 Project Not Found"}`},
			{"NonMemberPrivateGroup", "GET", "/api/v4/groups/grp", strangerToken, "", 404, `{"message":"404 Group Not Found"}`},
			{"ReadAPIWrite", "POST", "/api/v4/projects/" + pid + "/issues", readOnly, `{"title":"x"}`, 403, `{"message":"403 Forbidden"}`},
			{"ReporterDeletesIssue", "DELETE", "/api/v4/projects/" + pid + "/issues/1", reporterToken, "", 403, `{"message":"403 Forbidden"}`},
			{"TitleMissing", "POST", "/api/v4/projects/" + pid + "/issues", f.token, `{"description":"no title"}`, 400, `{"error":"title is missing"}`},
			{"WeightInvalid", "POST", "/api/v4/projects/" + pid + "/issues", f.token, `{"title":"x","weight":"heavy"}`, 400, `{"error":"weight is invalid"}`},
			{"AssigneeIDsInvalid", "POST", "/api/v4/projects/" + pid + "/issues", f.token, `{"title":"x","assignee_ids":["me"]}`, 400, `{"error":"assignee_ids is invalid"}`},
			{"TitleBlank", "PUT", "/api/v4/projects/" + pid + "/issues/1", f.token, `{"title":"  "}`, 400, `{"message":{"title":["can't be blank"]}}`},
			{"NothingToUpdate", "PUT", "/api/v4/projects/" + pid + "/issues/1", f.token, `{}`, 400,
				`{"error":"title, description, labels, add_labels, remove_labels, state_event, milestone_id, weight, assignee_ids, assignee_id, due_date, confidential, discussion_locked, issue_type, health_status, parent_id are missing, at least one parameter must be provided"}`},
			{"BadState", "GET", "/api/v4/projects/" + pid + "/issues?state=maybe", f.token, "", 400, `{"error":"state does not have a valid value"}`},
			{"BadDate", "GET", "/api/v4/projects/" + pid + "/issues?created_after=yesterday", f.token, "", 400, `{"error":"created_after is invalid"}`},
			{"BadJSON", "POST", "/api/v4/projects/" + pid + "/issues", f.token, `{"title":`, 400, `{"message":"the request body is not a valid JSON object"}`},
			{"LabelExists", "POST", "/api/v4/projects/" + pid + "/labels", f.token, `{"name":"bug","color":"#ff0000"}`, 409, `{"message":"Label already exists"}`},
			{"NegativeWeight", "POST", "/api/v4/projects/" + pid + "/issues", f.token, `{"title":"x","weight":-1}`, 400, `{"message":{"weight":["must be greater than or equal to 0"]}}`},
			{"FailingQuickAction", "POST", "/api/v4/projects/" + pid + "/issues/1/notes", f.token, `{"body":"/label ~nope"}`, 400, `{"message":"/label: label ~nope does not exist"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := f.do(tc.method, tc.path, tc.token, tc.body)
				if res.status != tc.status || !jsonEqual(t, res.body, tc.want) {
					t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, res.status, strings.TrimSpace(res.body), tc.status, tc.want)
				}
				if ct := res.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
			})
		}

		t.Run("CommandsOnlyNoteBody", func(t *testing.T) {
			res := f.do("POST", "/api/v4/projects/"+pid+"/issues/1/notes", f.token, `{"body":"/weight 3"}`)
			if res.status != http.StatusAccepted || !jsonEqual(t, res.body, `{"commands_changes":{"weight":3},"summary":["Set weight to 3."]}`) {
				t.Errorf("commands-only note = %d %s", res.status, res.body)
			}
		})
		t.Run("BodyTooLarge", func(t *testing.T) {
			big := `{"title":"x","description":"` + strings.Repeat("a", 3<<20) + `"}`
			res := f.do("POST", "/api/v4/projects/"+pid+"/issues", f.token, big)
			if res.status != http.StatusRequestEntityTooLarge || !jsonEqual(t, res.body, `{"message":"413 Request Entity Too Large"}`) {
				t.Errorf("large body = %d %s", res.status, res.body)
			}
			// Without a Content-Length the limit bites while reading.
			req, _ := http.NewRequest("POST", f.ts.URL+"/api/v4/projects/"+pid+"/issues", struct{ *strings.Reader }{strings.NewReader(big)})
			req.Header.Set("PRIVATE-TOKEN", f.token)
			req.Header.Set("Content-Type", "application/json")
			res = f.send(req)
			if res.status != http.StatusRequestEntityTooLarge {
				t.Errorf("chunked large body = %d %s", res.status, res.body)
			}
		})
	})
}

func TestAuthenticationForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		for _, tc := range []struct {
			name  string
			setup func(r *http.Request)
		}{
			{"PrivateTokenHeader", func(r *http.Request) { r.Header.Set("PRIVATE-TOKEN", f.token) }},
			{"LowerCaseHeader", func(r *http.Request) { r.Header["private-token"] = []string{f.token} }},
			{"Bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+f.token) }},
			{"PrivateTokenQuery", func(r *http.Request) { r.URL.RawQuery = "private_token=" + url.QueryEscape(f.token) }},
			{"AccessTokenQuery", func(r *http.Request) { r.URL.RawQuery = "access_token=" + url.QueryEscape(f.token) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req, _ := http.NewRequest("GET", f.ts.URL+"/api/v4/user", nil)
				tc.setup(req)
				res := f.send(req)
				if res.status != http.StatusOK || !strings.Contains(res.body, `"username":"root"`) {
					t.Errorf("GET /user = %d %s", res.status, res.body)
				}
			})
		}
	})
}

func TestPaginationHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const base = "https://cairn.example.com"
		f := newFixture(t, st, base)
		tm := f.newTeam("grp", "proj")
		for n := 0; n < 5; n++ {
			if _, _, err := f.gl.Issues.CreateIssue(tm.project.ID, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("i"), Labels: &gitlab.LabelOptions{"a b"}}); err != nil {
				t.Fatal(err)
			}
		}
		path := "/api/v4/projects/grp%2Fproj/issues"
		link := func(page int) string {
			return base + path + "?labels=a+b&page=" + strconv.Itoa(page) + "&per_page=2&state=opened"
		}
		for _, tc := range []struct {
			query      string
			page, next string
			prev       string
			total      string
			pages      string
			links      []string
		}{
			{"?state=opened&labels=a+b&per_page=2", "1", "2", "", "5", "3",
				[]string{`<` + link(2) + `>; rel="next"`, `<` + link(1) + `>; rel="first"`, `<` + link(3) + `>; rel="last"`}},
			{"?state=opened&labels=a+b&per_page=2&page=2", "2", "3", "1", "5", "3",
				[]string{`<` + link(1) + `>; rel="prev"`, `<` + link(3) + `>; rel="next"`, `<` + link(1) + `>; rel="first"`, `<` + link(3) + `>; rel="last"`}},
			{"?state=opened&labels=a+b&per_page=2&page=3", "3", "", "2", "5", "3",
				[]string{`<` + link(2) + `>; rel="prev"`, `<` + link(1) + `>; rel="first"`, `<` + link(3) + `>; rel="last"`}},
		} {
			t.Run("Page"+tc.page, func(t *testing.T) {
				res := f.do("GET", path+tc.query, f.token, "")
				if res.status != http.StatusOK {
					t.Fatalf("status %d %s", res.status, res.body)
				}
				h := res.header
				for k, want := range map[string]string{"X-Page": tc.page, "X-Per-Page": "2", "X-Next-Page": tc.next, "X-Prev-Page": tc.prev, "X-Total": tc.total, "X-Total-Pages": tc.pages} {
					if vs, ok := h[k]; !ok || vs[0] != want {
						t.Errorf("%s = %q (present %v), want %q", k, h.Get(k), ok, want)
					}
				}
				if got, want := h.Get("Link"), strings.Join(tc.links, ", "); got != want {
					t.Errorf("Link =\n %s\nwant\n %s", got, want)
				}
			})
		}
		t.Run("Empty", func(t *testing.T) {
			res := f.do("GET", path+"?labels=none-such", f.token, "")
			if res.body != "[]\n" || res.header.Get("X-Total") != "0" || res.header.Get("X-Total-Pages") != "1" || res.header.Get("X-Next-Page") != "" {
				t.Errorf("empty list: %q total %q pages %q", res.body, res.header.Get("X-Total"), res.header.Get("X-Total-Pages"))
			}
		})
		t.Run("Iterations", func(t *testing.T) {
			// Cairn has no iterations: glab's --iteration must not list
			// every issue as if it were in one; None keeps them all.
			for q, want := range map[string]string{"?iteration_id=3": "0", "?iteration_id=Any": "0", "?iteration_title=Sprint+1": "0", "?iteration_id=None": "5"} {
				res := f.do("GET", path+q, f.token, "")
				if res.status != http.StatusOK || res.header.Get("X-Total") != want {
					t.Errorf("%s: status %d, X-Total %q, want %s", q, res.status, res.header.Get("X-Total"), want)
				}
			}
		})
		t.Run("PerPageCapped", func(t *testing.T) {
			res := f.do("GET", path+"?per_page=1000", f.token, "")
			if res.header.Get("X-Per-Page") != "100" {
				t.Errorf("X-Per-Page = %q, want 100", res.header.Get("X-Per-Page"))
			}
		})
		t.Run("WebURLFromBaseURL", func(t *testing.T) {
			i, _, err := f.gl.Issues.GetIssue(tm.project.ID, 1)
			if err != nil || i.WebURL != base+"/grp/proj/-/issues/1" {
				t.Errorf("web_url = %v %v", i, err)
			}
		})
	})
}

func TestOperations(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	f := newFixture(t, st, "")
	t.Run("Health", func(t *testing.T) {
		res := f.do("GET", "/-/health", "", "")
		if res.status != http.StatusOK || !jsonEqual(t, res.body, `{"status":"ok"}`) {
			t.Errorf("health = %d %s", res.status, res.body)
		}
	})
	t.Run("Readiness", func(t *testing.T) {
		res := f.do("GET", "/-/readiness", "", "")
		if res.status != http.StatusOK || !jsonEqual(t, res.body, `{"status":"ok"}`) {
			t.Errorf("readiness = %d %s", res.status, res.body)
		}
	})
	t.Run("Version", func(t *testing.T) {
		v, _, err := f.gl.Version.GetVersion()
		if err != nil || v.Version != "17.0.0-cairn" || v.Revision != "abc123" {
			t.Errorf("version = %+v %v", v, err)
		}
		res := f.do("GET", "/api/v4/version", f.token, "")
		var body map[string]any
		_ = json.Unmarshal([]byte(res.body), &body)
		if kas, ok := body["kas"].(map[string]any); !ok || kas["enabled"] != false || body["enterprise"] != false {
			t.Errorf("version body = %s", res.body)
		}
	})
	t.Run("RequestID", func(t *testing.T) {
		req, _ := http.NewRequest("GET", f.ts.URL+"/-/health", nil)
		req.Header.Set("X-Request-Id", "trace-42")
		if res := f.send(req); res.header.Get("X-Request-Id") != "trace-42" {
			t.Errorf("echoed request id = %q", res.header.Get("X-Request-Id"))
		}
		if res := f.do("GET", "/-/health", "", ""); len(res.header.Get("X-Request-Id")) != 32 {
			t.Errorf("generated request id = %q", res.header.Get("X-Request-Id"))
		}
		req, _ = http.NewRequest("GET", f.ts.URL+"/-/health", nil)
		req.Header.Set("X-Request-Id", "bad id\twith spaces")
		if res := f.send(req); strings.Contains(res.header.Get("X-Request-Id"), " ") {
			t.Errorf("unsafe request id echoed: %q", res.header.Get("X-Request-Id"))
		}
	})
	t.Run("ReadinessDatabaseDown", func(t *testing.T) {
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		res := f.do("GET", "/-/readiness", "", "")
		if res.status != http.StatusServiceUnavailable {
			t.Errorf("readiness with the database closed = %d %s", res.status, res.body)
		}
		if res := f.do("GET", "/-/health", "", ""); res.status != http.StatusOK {
			t.Errorf("health with the database closed = %d", res.status)
		}
	})
}

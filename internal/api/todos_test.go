package api_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// todoEntry is the part of GitLab's to-do JSON the tests read.
type todoEntry struct {
	ID      int64 `json:"id"`
	Project *struct {
		ID                int64  `json:"id"`
		Name              string `json:"name"`
		NameWithNamespace string `json:"name_with_namespace"`
		Path              string `json:"path"`
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	Group *struct {
		ID       int64  `json:"id"`
		FullPath string `json:"full_path"`
	} `json:"group"`
	Author *struct {
		Username string `json:"username"`
	} `json:"author"`
	ActionName string         `json:"action_name"`
	TargetType string         `json:"target_type"`
	Target     map[string]any `json:"target"`
	TargetURL  string         `json:"target_url"`
	Body       string         `json:"body"`
	State      string         `json:"state"`
	CreatedAt  string         `json:"created_at"`
	UpdatedAt  string         `json:"updated_at"`
}

// todos lists the user's to-dos with the query ("" for none).
func (pt *planTeam) todos(as, query string) ([]todoEntry, resp) {
	pt.t.Helper()
	r := pt.do("GET", "/todos?"+query, as, "")
	want(pt.t, r, 200)
	var list []todoEntry
	r.decode(pt.t, &list)
	return list, r
}

// todoKeys renders to-dos as "action:target" for comparisons.
func todoKeys(list []todoEntry) string {
	var out []string
	for _, t := range list {
		target := t.TargetType
		if iid, ok := t.Target["iid"].(float64); ok && t.TargetType == "Issue" {
			target = fmt.Sprintf("#%d", int(iid))
		}
		out = append(out, t.ActionName+":"+target)
	}
	return strings.Join(out, " ")
}

func TestTodosAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		ctx := context.Background()
		issueID := func(iid int64) int64 {
			t.Helper()
			is, err := st.IssueByIID(ctx, pt.project, iid)
			if err != nil {
				t.Fatal(err)
			}
			return is.ID
		}
		// emma addresses tomas on #3 and mentions gus (a guest) and nora
		// (no member: she gets nothing).
		want(t, pt.do("POST", pt.issuePath(3)+"/notes", manager, `{"body":"@tomas please post your update; cc @gus @nora"}`), 201)
		// The scheduler asks tomas for updates on #3 and #4, and reminds him
		// of October's planning.
		gid := pt.groupID()
		if err := st.Notify(ctx, cairn.Notification{Key: "status-request/W44", UserID: pt.users[engineer].ID, Action: cairn.TodoStatusUpdateRequested,
			GroupID: gid, Items: []cairn.NotificationItem{{IssueID: issueID(3)}, {IssueID: issueID(4)}}, Body: "Post your update."}); err != nil {
			t.Fatal(err)
		}
		if err := st.Notify(ctx, cairn.Notification{Key: "planning-due/oct", UserID: pt.users[engineer].ID, Action: cairn.TodoPlanningFinalization,
			GroupID: gid, MilestoneID: pt.oct, Body: "Planning is due."}); err != nil {
			t.Fatal(err)
		}

		t.Run("Shapes", func(t *testing.T) {
			list, r := pt.todos(engineer, "")
			if got := todoKeys(list); got != "planning_finalization_due:Milestone status_update_requested:#4 status_update_requested:#3 directly_addressed:#3" {
				t.Fatalf("to-dos = %s", got)
			}
			if r.header.Get("X-Total") != "4" {
				t.Errorf("X-Total = %q", r.header.Get("X-Total"))
			}
			m := list[0]
			if m.Project != nil || m.Group == nil || m.Group.FullPath != "team" || m.Author != nil || m.Target["title"] != "2026-10" ||
				!strings.HasSuffix(m.TargetURL, "/groups/team/-/milestones/2") || m.Body != "Planning is due." || m.State != "pending" {
				t.Errorf("milestone to-do = %+v", m)
			}
			d := list[3]
			if d.Project == nil || d.Project.PathWithNamespace != "team/app" || d.Project.ID != pt.project || d.Author == nil ||
				d.Author.Username != manager || d.Target["title"] != "Carry me" || d.Target["project_id"] != float64(pt.project) ||
				!strings.HasSuffix(d.TargetURL, "/team/app/-/issues/3") || d.Body != "@tomas please post your update; cc @gus @nora" ||
				!strings.HasSuffix(d.CreatedAt, "Z") || d.UpdatedAt == "" {
				t.Errorf("addressed to-do = %+v", d)
			}
			if labels, _ := d.Target["labels"].([]any); len(labels) != 2 {
				t.Errorf("target labels = %v", d.Target["labels"])
			}
			gus, _ := pt.todos(guest, "")
			if todoKeys(gus) != "mentioned:#3" {
				t.Errorf("gus = %s", todoKeys(gus))
			}
			nora, _ := pt.todos(outsider, "")
			if len(nora) != 0 {
				t.Errorf("nora = %s", todoKeys(nora))
			}
		})

		t.Run("GitLabClient", func(t *testing.T) {
			gl, err := gitlab.NewClient(pt.tokens[engineer], gitlab.WithBaseURL(pt.ts.URL), gitlab.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			list, res, err := gl.Todos.ListTodos(&gitlab.ListTodosOptions{Type: gitlab.Ptr("Issue"), ListOptions: gitlab.ListOptions{PerPage: 2}})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || res.TotalItems != 3 || res.NextPage != 2 || list[0].Target.IID != 4 || list[0].Project.PathWithNamespace != "team/app" {
				t.Errorf("client: %d to-dos of %d, next %d, first %+v", len(list), res.TotalItems, res.NextPage, list[0])
			}
		})

		t.Run("Filters", func(t *testing.T) {
			tomas, emma := strconv.FormatInt(pt.users[engineer].ID, 10), strconv.FormatInt(pt.users[manager].ID, 10)
			for _, tc := range []struct{ query, want string }{
				{"action=directly_addressed", "directly_addressed:#3"},
				{"type=Milestone", "planning_finalization_due:Milestone"},
				{"type=Issue&action=status_update_requested", "status_update_requested:#4 status_update_requested:#3"},
				{"project_id=" + strconv.FormatInt(pt.project, 10) + "&author_id=" + emma, "directly_addressed:#3"},
				{"author_id=" + tomas, ""},
				{"group_id=" + strconv.FormatInt(gid, 10) + "&type=Milestone", "planning_finalization_due:Milestone"},
				{"group_id=999999", ""},
				{"state=done", ""},
				{"type=MergeRequest", ""},
			} {
				list, _ := pt.todos(engineer, tc.query)
				if got := todoKeys(list); got != tc.want {
					t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
				}
			}
			for _, q := range []string{"type=Bogus", "action=bogus", "state=open", "author_id=x"} {
				want(t, pt.do("GET", "/todos?"+q, engineer, ""), 400)
			}
			want(t, pt.do("GET", "/todos", "", ""), 401)
		})

		t.Run("Pages", func(t *testing.T) {
			first, r := pt.todos(engineer, "per_page=3")
			if len(first) != 3 || r.header.Get("X-Total-Pages") != "2" || r.header.Get("X-Next-Page") != "2" ||
				!strings.Contains(r.header.Get("Link"), `rel="next"`) {
				t.Errorf("page 1: %d, headers %v", len(first), r.header)
			}
			second, _ := pt.todos(engineer, "per_page=3&page=2")
			if len(second) != 1 || second[0].ActionName != cairn.TodoDirectlyAddressed {
				t.Errorf("page 2 = %s", todoKeys(second))
			}
		})

		t.Run("MarkDone", func(t *testing.T) {
			list, _ := pt.todos(engineer, "type=Milestone")
			path := "/todos/" + strconv.FormatInt(list[0].ID, 10) + "/mark_as_done"
			want(t, pt.do("POST", path, guest, ""), 404)
			want(t, pt.do("POST", path, admin, ""), 404)
			want(t, pt.do("POST", "/todos/abc/mark_as_done", engineer, ""), 404)
			r := pt.do("POST", path, engineer, "")
			want(t, r, 201)
			var done todoEntry
			r.decode(t, &done)
			if done.State != "done" || done.ID != list[0].ID || done.TargetType != "Milestone" {
				t.Errorf("done = %+v", done)
			}
			want(t, pt.do("POST", path, engineer, ""), 201)
			if got, _ := pt.todos(engineer, "state=done"); todoKeys(got) != "planning_finalization_due:Milestone" {
				t.Errorf("done list = %s", todoKeys(got))
			}
		})

		t.Run("ConfidentialHidesTarget", func(t *testing.T) {
			gus, _ := pt.todos(guest, "")
			if len(gus) != 1 {
				t.Fatalf("gus = %s", todoKeys(gus))
			}
			want(t, pt.do("PUT", pt.issuePath(3), owner, `{"confidential":true}`), 200)
			after, _ := pt.todos(guest, "")
			if len(after) != 0 {
				t.Errorf("gus sees %s on a confidential issue", todoKeys(after))
			}
			r := pt.do("POST", "/todos/"+strconv.FormatInt(gus[0].ID, 10)+"/mark_as_done", guest, "")
			want(t, r, 201)
			if strings.Contains(r.body, "Carry me") || strings.Contains(r.body, "please post") {
				t.Errorf("hidden to-do leaks: %s", r.body)
			}
			var hidden todoEntry
			r.decode(t, &hidden)
			if hidden.Target != nil || hidden.Project != nil || hidden.TargetType != "Issue" || hidden.State != "done" {
				t.Errorf("hidden = %+v", hidden)
			}
			// tomas is an assignee and a developer: his stay.
			if list, _ := pt.todos(engineer, "project_id="+strconv.FormatInt(pt.project, 10)); len(list) != 3 {
				t.Errorf("tomas = %s", todoKeys(list))
			}
			want(t, pt.do("PUT", pt.issuePath(3), owner, `{"confidential":false}`), 200)
		})

		t.Run("MarkIssue", func(t *testing.T) {
			r := pt.do("POST", pt.issuePath(4)+"/todo", product, "")
			want(t, r, 201)
			var m todoEntry
			r.decode(t, &m)
			if m.ActionName != cairn.TodoMarked || m.Author == nil || m.Author.Username != product || m.Target["iid"] != float64(4) ||
				m.Body != "Ready high" || m.State != "pending" {
				t.Errorf("marked = %+v", m)
			}
			r = pt.do("POST", pt.issuePath(4)+"/todo", product, "")
			want(t, r, 304)
			if r.body != "" {
				t.Errorf("304 with body %q", r.body)
			}
			want(t, pt.do("POST", pt.issuePath(4)+"/todo", outsider, ""), 404)
			want(t, pt.do("POST", pt.issuePath(5)+"/todo", guest, ""), 404)
			want(t, pt.do("POST", pt.issuePath(99)+"/todo", product, ""), 404)
			// tomas has pending to-dos on #4: the scheduler's request.
			want(t, pt.do("POST", pt.issuePath(4)+"/todo", engineer, ""), 304)
			if list, _ := pt.todos(product, ""); todoKeys(list) != "marked:#4" {
				t.Errorf("priya = %s", todoKeys(list))
			}
		})

		t.Run("MarkAllDone", func(t *testing.T) {
			r := pt.do("POST", "/todos/mark_as_done", engineer, "")
			want(t, r, 204)
			if list, _ := pt.todos(engineer, ""); len(list) != 0 {
				t.Errorf("after all done: %s", todoKeys(list))
			}
			if list, _ := pt.todos(product, ""); len(list) != 1 {
				t.Errorf("priya's were marked too: %s", todoKeys(list))
			}
		})
	})
}

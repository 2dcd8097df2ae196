package server_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestGoClientLabels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		if _, _, err := f.gl.GroupLabels.CreateGroupLabel(tm.group.ID, &gitlab.CreateGroupLabelOptions{Name: gitlab.Ptr("Deliverable"), Color: gitlab.Ptr("#00aa00")}); err != nil {
			t.Fatal(err)
		}
		l, resp, err := f.gl.Labels.CreateLabel(pid, &gitlab.CreateLabelOptions{Name: gitlab.Ptr("needs design"), Color: gitlab.Ptr("#ffffff"), Description: gitlab.Ptr("UX first")})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated || !l.IsProjectLabel || l.TextColor != "#1F1E24" || l.Description != "UX first" {
			t.Errorf("created label = %+v (%d)", l, resp.StatusCode)
		}
		if _, _, err := f.gl.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("x"), Labels: &gitlab.LabelOptions{"needs design", "Deliverable"}}); err != nil {
			t.Fatal(err)
		}

		all, _, err := f.gl.Labels.ListLabels(pid, &gitlab.ListLabelsOptions{WithCounts: gitlab.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range all {
			names = append(names, l.Name)
			if l.OpenIssuesCount != 1 {
				t.Errorf("%s open_issues_count = %d, want 1", l.Name, l.OpenIssuesCount)
			}
		}
		if !slices.Equal(names, []string{"Deliverable", "needs design"}) {
			t.Errorf("project labels = %v", names)
		}
		own, _, err := f.gl.Labels.ListLabels(pid, &gitlab.ListLabelsOptions{IncludeAncestorGroups: gitlab.Ptr(false)})
		if err != nil || len(own) != 1 || own[0].Name != "needs design" {
			t.Errorf("own labels = %+v %v", own, err)
		}

		// By name, with a space, as the client escapes it.
		got, _, err := f.gl.Labels.GetLabel(pid, "needs design")
		if err != nil || got.ID != l.ID {
			t.Fatalf("get by name: %+v %v", got, err)
		}
		upd, _, err := f.gl.Labels.UpdateLabel(pid, l.ID, &gitlab.UpdateLabelOptions{NewName: gitlab.Ptr("design::needed"), Color: gitlab.Ptr("#000000"), Priority: gitlab.NewNullableWithValue(int64(2))})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Name != "design::needed" || upd.Color != "#000000" || upd.TextColor != "#FFFFFF" || upd.Priority.IsNull() || upd.Priority.MustGet() != 2 {
			t.Errorf("updated label = %+v", upd)
		}
		i, _, err := f.gl.Issues.GetIssue(pid, 1)
		if err != nil || !slices.Contains(i.Labels, "design::needed") {
			t.Errorf("renamed label on issue: %v %v", i.Labels, err)
		}
		if resp, err := f.gl.Labels.DeleteLabel(pid, "design::needed", nil); err != nil || resp.StatusCode != http.StatusNoContent {
			t.Errorf("delete label: %v %v", resp, err)
		}
		if _, _, err := f.gl.Labels.GetLabel(pid, l.ID); !errors.Is(err, gitlab.ErrNotFound) {
			t.Errorf("deleted label: err = %v, want 404", err)
		}
		gls, _, err := f.gl.GroupLabels.ListGroupLabels(tm.group.ID, nil)
		if err != nil || len(gls) != 1 || gls[0].Name != "Deliverable" {
			t.Errorf("group labels = %+v %v", gls, err)
		}
	})
}

func TestGoClientMilestones(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		start := gitlab.ISOTime(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
		due := gitlab.ISOTime(time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC))
		gm, resp, err := f.gl.GroupMilestones.CreateGroupMilestone(tm.group.ID, &gitlab.CreateGroupMilestoneOptions{Title: gitlab.Ptr("2026-08"), StartDate: &start, DueDate: &due})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated || gm.GroupID != tm.group.ID || gm.StartDate == nil || time.Time(*gm.StartDate).Day() != 1 || gm.IID != 1 {
			t.Errorf("group milestone = %+v", gm)
		}
		pm, _, err := f.gl.Milestones.CreateMilestone(pid, &gitlab.CreateMilestoneOptions{Title: gitlab.Ptr("proj-only")})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.gl.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("planned"), MilestoneID: gitlab.Ptr(gm.ID)}); err != nil {
			t.Fatal(err)
		}

		list := func(o *gitlab.ListMilestonesOptions) []string {
			t.Helper()
			ms, _, err := f.gl.Milestones.ListMilestones(pid, o)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, m.Title)
			}
			slices.Sort(out)
			return out
		}
		if got := list(nil); !slices.Equal(got, []string{"proj-only"}) {
			t.Errorf("project milestones = %v", got)
		}
		if got := list(&gitlab.ListMilestonesOptions{IncludeAncestors: gitlab.Ptr(true)}); !slices.Equal(got, []string{"2026-08", "proj-only"}) {
			t.Errorf("with ancestors = %v", got)
		}
		closed, _, err := f.gl.Milestones.UpdateMilestone(pid, pm.ID, &gitlab.UpdateMilestoneOptions{StateEvent: gitlab.Ptr("close")})
		if err != nil || closed.State != "closed" {
			t.Errorf("close milestone: %+v %v", closed, err)
		}
		if got := list(&gitlab.ListMilestonesOptions{State: gitlab.Ptr("active"), IncludeAncestors: gitlab.Ptr(true)}); !slices.Equal(got, []string{"2026-08"}) {
			t.Errorf("active milestones = %v", got)
		}
		is, _, err := f.gl.GroupMilestones.GetGroupMilestoneIssues(tm.group.ID, gm.ID, nil)
		if err != nil || len(is) != 1 || is[0].Title != "planned" {
			t.Errorf("group milestone issues = %v %v", is, err)
		}
		// A group milestone is not the project's to change.
		if _, _, err := f.gl.Milestones.UpdateMilestone(pid, gm.ID, &gitlab.UpdateMilestoneOptions{Title: gitlab.Ptr("x")}); !errors.Is(err, gitlab.ErrNotFound) {
			t.Errorf("update group milestone through project: err = %v, want 404", err)
		}
		if resp, err := f.gl.GroupMilestones.DeleteGroupMilestone(tm.group.ID, gm.ID); err != nil || resp.StatusCode != http.StatusNoContent {
			t.Errorf("delete group milestone: %v %v", resp, err)
		}
		i, _, err := f.gl.Issues.GetIssue(pid, 1)
		if err != nil || i.Milestone != nil {
			t.Errorf("issue after its milestone is deleted: %+v %v", i, err)
		}
	})
}

func TestGoClientProjectsAndGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		a := f.newTeam("alpha", "web")
		if _, _, err := f.gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("api"), NamespaceID: gitlab.Ptr(a.group.ID)}); err != nil {
			t.Fatal(err)
		}
		maint, maintToken := f.user("maint")
		f.addMember(a.group, maint, gitlab.MaintainerPermissions)
		mc := f.client(maintToken)

		// A signed-in user creates a group and owns it.
		g, resp, err := mc.Groups.CreateGroup(&gitlab.CreateGroupOptions{Name: gitlab.Ptr("Beta Team"), Path: gitlab.Ptr("beta")})
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("create group: %v", err)
		}
		m, _, err := mc.GroupMembers.GetGroupMember(g.ID, maint.ID)
		if err != nil || m.AccessLevel != gitlab.OwnerPermissions {
			t.Errorf("creator's membership = %+v %v", m, err)
		}
		if _, _, err := mc.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr("Beta App"), NamespaceID: gitlab.Ptr(g.ID)}); err != nil {
			t.Fatal(err)
		}
		// A maintainer creates projects in alpha but cannot make owners there.
		if _, _, err := mc.Projects.CreateProject(&gitlab.CreateProjectOptions{Path: gitlab.Ptr("docs"), NamespaceID: gitlab.Ptr(a.group.ID)}); err != nil {
			t.Errorf("maintainer creates project: %v", err)
		}
		other, _ := f.user("other")
		if _, _, err := mc.GroupMembers.AddGroupMember(a.group.ID, &gitlab.AddGroupMemberOptions{UserID: gitlab.Ptr(other.ID), AccessLevel: gitlab.Ptr(gitlab.OwnerPermissions)}); !gitlab.HasStatusCode(err, http.StatusForbidden) {
			t.Errorf("maintainer adds an owner: err = %v, want 403", err)
		}

		names := func(c *gitlab.Client, o *gitlab.ListProjectsOptions) []string {
			t.Helper()
			ps, _, err := c.Projects.ListProjects(o)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range ps {
				out = append(out, p.PathWithNamespace)
			}
			return out
		}
		if got := names(mc, &gitlab.ListProjectsOptions{OrderBy: gitlab.Ptr("path"), Sort: gitlab.Ptr("asc"), Membership: gitlab.Ptr(true)}); !slices.Equal(got, []string{"alpha/api", "beta/beta-app", "alpha/docs", "alpha/web"}) {
			t.Errorf("maintainer's projects by path = %v", got)
		}
		if got := names(mc, &gitlab.ListProjectsOptions{Owned: gitlab.Ptr(true)}); !slices.Equal(got, []string{"beta/beta-app"}) {
			t.Errorf("owned = %v", got)
		}
		if got := names(mc, &gitlab.ListProjectsOptions{Search: gitlab.Ptr("we")}); !slices.Equal(got, []string{"alpha/web"}) {
			t.Errorf("search we = %v", got)
		}
		if got := names(f.client(f.tokenFor(other, "api")), nil); len(got) != 0 {
			t.Errorf("outsider sees %v", got)
		}
		ps, _, err := mc.Projects.ListProjects(&gitlab.ListProjectsOptions{Simple: gitlab.Ptr(true), Search: gitlab.Ptr("web")})
		if err != nil || len(ps) != 1 || ps[0].PathWithNamespace != "alpha/web" || ps[0].Permissions != nil {
			t.Errorf("simple projects = %+v %v", ps, err)
		}
		gs, _, err := mc.Groups.ListGroups(nil)
		if err != nil || len(gs) != 2 {
			t.Errorf("maintainer's groups = %d %v", len(gs), err)
		}
		if res := f.do("POST", "/api/v4/projects", f.token, `{"name":"x","namespace_id":999}`); res.status != http.StatusNotFound || !jsonEqual(t, res.body, `{"message":"404 Namespace Not Found"}`) {
			t.Errorf("project in unknown namespace = %d %s", res.status, res.body)
		}
		if res := f.do("POST", "/api/v4/projects", f.token, `{"name":"web","namespace_id":"alpha"}`); res.status != http.StatusConflict {
			t.Errorf("duplicate project = %d %s", res.status, res.body)
		}
		// Form bodies work as well as JSON, as curl sends them.
		form := "title=From+curl&labels=a,b&weight=2"
		req, _ := http.NewRequest("POST", f.ts.URL+"/api/v4/projects/alpha%2Fweb/issues", strings.NewReader(form))
		req.Header.Set("PRIVATE-TOKEN", f.token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res := f.send(req)
		body, _ := res.json(t).(map[string]any)
		if res.status != http.StatusCreated || body["title"] != "From curl" || body["weight"] != 2.0 || len(body["labels"].([]any)) != 2 {
			t.Errorf("form create = %d %s", res.status, res.body)
		}
	})
}

func TestPanicRecovery(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	srv := server.New(server.Config{Services: st})
	ts := httptest.NewServer(srv.WithMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})))
	defer ts.Close()
	res, err := ts.Client().Get(ts.URL + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]string
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != http.StatusInternalServerError || body["message"] != "500 Internal Server Error" || res.Header.Get("X-Request-Id") == "" {
		t.Errorf("panic answered %d %v", res.StatusCode, body)
	}
}

// TestConcurrentEdits has several clients change one issue at once through
// the API: every label and the weight change must survive.
func TestConcurrentEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		if _, _, err := f.gl.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("hot")}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make(chan error, n+1)
		for k := 0; k < n; k++ {
			go func() {
				_, _, err := f.gl.Issues.UpdateIssue(pid, 1, &gitlab.UpdateIssueOptions{AddLabels: &gitlab.LabelOptions{"l" + strings.Repeat("x", k)}})
				errs <- err
			}()
		}
		go func() {
			_, err := f.do2("POST", "/api/v4/projects/grp%2Fproj/issues/1/notes", `{"body":"/weight 5"}`)
			errs <- err
		}()
		for k := 0; k < n+1; k++ {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		i, _, err := f.gl.Issues.GetIssue(pid, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(i.Labels) != n || i.Weight != 5 {
			t.Errorf("after concurrent edits: labels %v weight %d; want %d labels and weight 5", i.Labels, i.Weight, n)
		}
	})
}

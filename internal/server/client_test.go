package server_test

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// These tests drive a real Cairn server over a real store, on SQLite and on
// PostgreSQL, with GitLab's official Go client: if the client can use an
// endpoint unchanged, so can the teams' scripts built on it.

func TestGoClientIssues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		alice, _ := f.user("alice")
		f.addMember(tm.group, alice, gitlab.DeveloperPermissions)

		if _, _, err := f.gl.Labels.CreateLabel(pid, &gitlab.CreateLabelOptions{Name: gitlab.Ptr("bug"), Color: gitlab.Ptr("#d9534f")}); err != nil {
			t.Fatalf("create label: %v", err)
		}
		if _, _, err := f.gl.GroupLabels.CreateGroupLabel(tm.group.ID, &gitlab.CreateGroupLabelOptions{Name: gitlab.Ptr("feature")}); err != nil {
			t.Fatalf("create group label: %v", err)
		}
		due := gitlab.ISOTime(time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC))
		ms, _, err := f.gl.Milestones.CreateMilestone(pid, &gitlab.CreateMilestoneOptions{Title: gitlab.Ptr("M1"), DueDate: &due})
		if err != nil {
			t.Fatalf("create milestone: %v", err)
		}

		create := func(o *gitlab.CreateIssueOptions) *gitlab.Issue {
			t.Helper()
			i, resp, err := f.gl.Issues.CreateIssue(pid, o)
			if err != nil {
				t.Fatalf("create issue %q: %v", *o.Title, err)
			}
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create issue: status %d, want 201", resp.StatusCode)
			}
			return i
		}
		i1 := create(&gitlab.CreateIssueOptions{
			Title: gitlab.Ptr("Login fails"), Description: gitlab.Ptr("## Tasks\n- [x] reproduce\n- [ ] fix\n"),
			Labels: &gitlab.LabelOptions{"bug"}, MilestoneID: gitlab.Ptr(ms.ID),
			AssigneeIDs: &[]int64{alice.ID}, Weight: gitlab.Ptr(int64(3)),
		})
		create(&gitlab.CreateIssueOptions{Title: gitlab.Ptr("Add export"), Labels: &gitlab.LabelOptions{"feature"}, Weight: gitlab.Ptr(int64(5))})
		create(&gitlab.CreateIssueOptions{Title: gitlab.Ptr("Docs")})

		t.Run("Get", func(t *testing.T) {
			got, _, err := f.gl.Issues.GetIssue(pid, i1.IID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != i1.ID || got.IID != 1 || got.ProjectID != pid || got.Title != "Login fails" || got.State != "opened" {
				t.Errorf("issue = %d/%d/%d %q %s", got.ID, got.IID, got.ProjectID, got.Title, got.State)
			}
			if !slices.Equal(got.Labels, gitlab.Labels{"bug"}) {
				t.Errorf("labels = %v, want [bug]", got.Labels)
			}
			if got.Milestone == nil || got.Milestone.Title != "M1" || got.Milestone.ID != ms.ID {
				t.Errorf("milestone = %+v, want M1", got.Milestone)
			}
			if len(got.Assignees) != 1 || got.Assignees[0].Username != "alice" || got.Assignees[0].ID != alice.ID {
				t.Errorf("assignees = %+v, want alice", got.Assignees)
			}
			// The deprecated single assignee is the first one (glab reads it).
			raw := f.do("GET", "/api/v4/projects/grp%2Fproj/issues/1", f.token, "").json(t).(map[string]any)
			if a, _ := raw["assignee"].(map[string]any); a == nil || a["username"] != "alice" {
				t.Errorf("assignee = %v, want alice", raw["assignee"])
			}
			if got.Author == nil || got.Author.Username != "root" {
				t.Errorf("author = %+v, want root", got.Author)
			}
			if got.Weight != 3 {
				t.Errorf("weight = %d, want 3", got.Weight)
			}
			if got.IssueType == nil || *got.IssueType != "issue" {
				t.Errorf("issue_type = %v, want issue", got.IssueType)
			}
			if got.References == nil || got.References.Full != "grp/proj#1" || got.References.Short != "#1" {
				t.Errorf("references = %+v", got.References)
			}
			if want := f.ts.URL + "/grp/proj/-/issues/1"; got.WebURL != want {
				t.Errorf("web_url = %q, want %q", got.WebURL, want)
			}
			if got.TaskCompletionStatus == nil || got.TaskCompletionStatus.Count != 2 || got.TaskCompletionStatus.CompletedCount != 1 {
				t.Errorf("task_completion_status = %+v, want 1 of 2", got.TaskCompletionStatus)
			}
			if got.CreatedAt == nil || got.UpdatedAt == nil || got.ClosedAt != nil || got.TimeStats == nil || got.Links == nil {
				t.Errorf("created_at %v updated_at %v closed_at %v time_stats %v _links %v", got.CreatedAt, got.UpdatedAt, got.ClosedAt, got.TimeStats, got.Links)
			}
		})

		t.Run("Edit", func(t *testing.T) {
			closed, _, err := f.gl.Issues.UpdateIssue(pid, 3, &gitlab.UpdateIssueOptions{StateEvent: gitlab.Ptr("close")})
			if err != nil {
				t.Fatal(err)
			}
			if closed.State != "closed" || closed.ClosedAt == nil || closed.ClosedBy == nil || closed.ClosedBy.Username != "root" {
				t.Errorf("closed issue: state %s closed_at %v closed_by %+v", closed.State, closed.ClosedAt, closed.ClosedBy)
			}
			got, _, err := f.gl.Issues.UpdateIssue(pid, 2, &gitlab.UpdateIssueOptions{
				AddLabels: &gitlab.LabelOptions{"ux"}, Weight: gitlab.Ptr(int64(8)), AssigneeIDs: &[]int64{alice.ID},
				Title: gitlab.Ptr("Add CSV export"),
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Labels, gitlab.Labels{"feature", "ux"}) || got.Weight != 8 || len(got.Assignees) != 1 || got.Title != "Add CSV export" {
				t.Errorf("edited issue: labels %v weight %d assignees %d title %q", got.Labels, got.Weight, len(got.Assignees), got.Title)
			}
			// ResetWeight sends "weight": null, which clears it; the raw
			// answer must say null, not 0.
			if _, _, err := f.gl.Issues.UpdateIssue(pid, 2, &gitlab.UpdateIssueOptions{ResetWeight: true}); err != nil {
				t.Fatal(err)
			}
			raw := f.do("GET", "/api/v4/projects/"+strconv.FormatInt(pid, 10)+"/issues/2", f.token, "").json(t).(map[string]any)
			if raw["weight"] != nil {
				t.Errorf("weight after reset = %v, want null", raw["weight"])
			}
			if _, _, err := f.gl.Issues.UpdateIssue(pid, 2, &gitlab.UpdateIssueOptions{Weight: gitlab.Ptr(int64(8))}); err != nil {
				t.Fatal(err)
			}
		})

		list := func(t *testing.T, o *gitlab.ListProjectIssuesOptions) []int64 {
			t.Helper()
			is, _, err := f.gl.Issues.ListProjectIssues(pid, o)
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			return iids(is)
		}
		for _, tc := range []struct {
			name string
			opt  *gitlab.ListProjectIssuesOptions
			want []int64
		}{
			{"All", &gitlab.ListProjectIssuesOptions{}, []int64{3, 2, 1}},
			{"StateOpened", &gitlab.ListProjectIssuesOptions{State: gitlab.Ptr("opened")}, []int64{2, 1}},
			{"StateClosed", &gitlab.ListProjectIssuesOptions{State: gitlab.Ptr("closed")}, []int64{3}},
			{"Label", &gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"bug"}}, []int64{1}},
			{"LabelsAND", &gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"feature", "ux"}}, []int64{2}},
			{"LabelsNone", &gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"None"}}, []int64{3}},
			{"LabelsAny", &gitlab.ListProjectIssuesOptions{Labels: &gitlab.LabelOptions{"Any"}}, []int64{2, 1}},
			{"NotLabels", &gitlab.ListProjectIssuesOptions{NotLabels: &gitlab.LabelOptions{"bug"}}, []int64{3, 2}},
			{"Milestone", &gitlab.ListProjectIssuesOptions{Milestone: gitlab.Ptr("M1")}, []int64{1}},
			{"MilestoneNone", &gitlab.ListProjectIssuesOptions{Milestone: gitlab.Ptr("None")}, []int64{3, 2}},
			{"AssigneeID", &gitlab.ListProjectIssuesOptions{AssigneeID: gitlab.AssigneeID(alice.ID)}, []int64{2, 1}},
			{"AssigneeNone", &gitlab.ListProjectIssuesOptions{AssigneeID: gitlab.AssigneeID(gitlab.UserIDNone)}, []int64{3}},
			{"AssigneeUsername", &gitlab.ListProjectIssuesOptions{AssigneeUsername: gitlab.Ptr("alice")}, []int64{2, 1}},
			{"NotAssignee", &gitlab.ListProjectIssuesOptions{NotAssigneeID: gitlab.Ptr(alice.ID)}, []int64{3}},
			{"Author", &gitlab.ListProjectIssuesOptions{AuthorID: gitlab.Ptr(f.admin.ID)}, []int64{3, 2, 1}},
			{"Search", &gitlab.ListProjectIssuesOptions{Search: gitlab.Ptr("export")}, []int64{2}},
			{"IIDs", &gitlab.ListProjectIssuesOptions{IIDs: &[]int64{1, 3}}, []int64{3, 1}},
			{"OrderByWeightAsc", &gitlab.ListProjectIssuesOptions{OrderBy: gitlab.Ptr("weight"), Sort: gitlab.Ptr("asc")}, []int64{1, 2, 3}},
			{"SortAsc", &gitlab.ListProjectIssuesOptions{Sort: gitlab.Ptr("asc")}, []int64{1, 2, 3}},
		} {
			t.Run("List"+tc.name, func(t *testing.T) {
				if got := list(t, tc.opt); !slices.Equal(got, tc.want) {
					t.Errorf("iids = %v, want %v", got, tc.want)
				}
			})
		}
		// The Go client has no weight filter field; the query takes it.
		t.Run("ListWeight", func(t *testing.T) {
			for q, want := range map[string][]int64{"weight=3": {1}, "weight=None": {3}, "weight=Any": {2, 1}, "not[weight]=3": {3, 2}} {
				res := f.do("GET", "/api/v4/projects/"+strconv.FormatInt(pid, 10)+"/issues?"+q, f.token, "")
				var got []int64
				for _, i := range res.json(t).([]any) {
					got = append(got, int64(i.(map[string]any)["iid"].(float64)))
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: iids = %v, want %v", q, got, want)
				}
			}
		})
		t.Run("ListGroup", func(t *testing.T) {
			is, _, err := f.gl.Issues.ListGroupIssues(tm.group.ID, &gitlab.ListGroupIssuesOptions{Labels: &gitlab.LabelOptions{"bug"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := iids(is); !slices.Equal(got, []int64{1}) {
				t.Errorf("group issues = %v, want [1]", got)
			}
		})
		t.Run("ListWithLabelDetails", func(t *testing.T) {
			is, _, err := f.gl.Issues.ListProjectIssues(pid, &gitlab.ListProjectIssuesOptions{IIDs: &[]int64{1}, WithLabelDetails: gitlab.Ptr(true)})
			if err != nil {
				t.Fatal(err)
			}
			if len(is) != 1 || len(is[0].LabelDetails) != 1 || is[0].LabelDetails[0].Name != "bug" || is[0].LabelDetails[0].Color != "#d9534f" {
				t.Fatalf("label details = %+v", is)
			}
		})
		t.Run("MilestoneIssues", func(t *testing.T) {
			is, _, err := f.gl.Milestones.GetMilestoneIssues(pid, ms.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := iids(is); !slices.Equal(got, []int64{1}) {
				t.Errorf("milestone issues = %v, want [1]", got)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			resp, err := f.gl.Issues.DeleteIssue(pid, 3)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("delete status = %d, want 204", resp.StatusCode)
			}
			if _, _, err := f.gl.Issues.GetIssue(pid, 3); !errors.Is(err, gitlab.ErrNotFound) {
				t.Errorf("get deleted issue: err = %v, want 404", err)
			}
		})
	})
}

func TestGoClientPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		for n := 1; n <= 7; n++ {
			o := &gitlab.CreateIssueOptions{Title: gitlab.Ptr("issue " + strconv.Itoa(n))}
			if n%2 == 1 {
				o.Labels = &gitlab.LabelOptions{"odd"}
			}
			if _, _, err := f.gl.Issues.CreateIssue(pid, o); err != nil {
				t.Fatal(err)
			}
		}

		// The first page tells the client where it is.
		first, resp, err := f.gl.Issues.ListProjectIssues(pid, &gitlab.ListProjectIssuesOptions{ListOptions: gitlab.ListOptions{PerPage: 3}})
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 3 || resp.TotalItems != 7 || resp.TotalPages != 3 || resp.CurrentPage != 1 || resp.NextPage != 2 || resp.PreviousPage != 0 || resp.ItemsPerPage != 3 {
			t.Errorf("page 1: %d items, total %d, pages %d, current %d, next %d, prev %d, per page %d",
				len(first), resp.TotalItems, resp.TotalPages, resp.CurrentPage, resp.NextPage, resp.PreviousPage, resp.ItemsPerPage)
		}
		if resp.NextLink == "" || resp.LastLink == "" || resp.FirstLink == "" {
			t.Errorf("links: next %q first %q last %q", resp.NextLink, resp.FirstLink, resp.LastLink)
		}

		// The client's own helper walks every page through the Link header.
		all, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Issue, *gitlab.Response, error) {
			return f.gl.Issues.ListProjectIssues(pid, &gitlab.ListProjectIssuesOptions{ListOptions: gitlab.ListOptions{PerPage: 3}}, p)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := iids(all); !slices.Equal(got, []int64{7, 6, 5, 4, 3, 2, 1}) {
			t.Errorf("scanned iids = %v, want 7..1", got)
		}

		// Filters survive from page to page: the Link URLs carry them.
		var odd []int64
		for i, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Issue, *gitlab.Response, error) {
			return f.gl.Issues.ListProjectIssues(pid, &gitlab.ListProjectIssuesOptions{
				ListOptions: gitlab.ListOptions{PerPage: 2}, Labels: &gitlab.LabelOptions{"odd"}, Sort: gitlab.Ptr("asc"),
			}, p)
		}) {
			if err != nil {
				t.Fatal(err)
			}
			odd = append(odd, i.IID)
		}
		if !slices.Equal(odd, []int64{1, 3, 5, 7}) {
			t.Errorf("scanned odd iids = %v, want [1 3 5 7]", odd)
		}
	})
}

func TestGoClientScopedLabels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		for _, name := range []string{"workflow::ready", "workflow::in dev", "priority::high"} {
			if _, _, err := f.gl.GroupLabels.CreateGroupLabel(tm.group.ID, &gitlab.CreateGroupLabelOptions{Name: gitlab.Ptr(name)}); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
		}
		i, _, err := f.gl.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("scoped"), Labels: &gitlab.LabelOptions{"workflow::ready", "priority::high"}})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := f.gl.Issues.UpdateIssue(pid, i.IID, &gitlab.UpdateIssueOptions{AddLabels: &gitlab.LabelOptions{"workflow::in dev"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := (gitlab.Labels{"priority::high", "workflow::in dev"}); !slices.Equal(got.Labels, want) {
			t.Errorf("after add_labels: %v, want %v", got.Labels, want)
		}
		// Replacing with two labels of one scope keeps the last.
		got, _, err = f.gl.Issues.UpdateIssue(pid, i.IID, &gitlab.UpdateIssueOptions{Labels: &gitlab.LabelOptions{"workflow::in dev", "workflow::ready"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := (gitlab.Labels{"workflow::ready"}); !slices.Equal(got.Labels, want) {
			t.Errorf("after labels: %v, want %v", got.Labels, want)
		}
		// A quick action obeys the same rule.
		if _, _, err := f.gl.Notes.CreateIssueNote(pid, i.IID, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr(`/label ~"workflow::in dev"`)}); err != nil {
			t.Fatal(err)
		}
		got, _, err = f.gl.Issues.GetIssue(pid, i.IID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (gitlab.Labels{"workflow::in dev"}); !slices.Equal(got.Labels, want) {
			t.Errorf("after /label: %v, want %v", got.Labels, want)
		}
	})
}

func TestGoClientNotesAndEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		for _, name := range []string{"bug", "workflow::ready"} {
			if _, _, err := f.gl.Labels.CreateLabel(pid, &gitlab.CreateLabelOptions{Name: gitlab.Ptr(name)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := f.gl.Milestones.CreateMilestone(pid, &gitlab.CreateMilestoneOptions{Title: gitlab.Ptr("2026-08")}); err != nil {
			t.Fatal(err)
		}
		i, _, err := f.gl.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("refine me")})
		if err != nil {
			t.Fatal(err)
		}
		note := func(body string) (*gitlab.Note, *gitlab.Response, error) {
			return f.gl.Notes.CreateIssueNote(pid, i.IID, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr(body)})
		}

		// Only commands: 202, and no note is stored.
		_, resp, err := note("/label ~bug ~\"workflow::ready\"\n/weight 3")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("commands-only note: status %d, want 202", resp.StatusCode)
		}
		// Text and commands: 201 with the note, commands run.
		n, resp, err := note("Refined with the team.\n/weight 5\n/milestone %2026-08")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("mixed note: status %d, want 201", resp.StatusCode)
		}
		if n.Body != "Refined with the team." || n.Author.Username != "root" || n.NoteableIID != i.IID || n.NoteableID != i.ID || n.NoteableType != "Issue" || n.System {
			t.Errorf("note = %+v", n)
		}
		// A failing command is a 400 that changes nothing.
		if _, _, err := note("/weight 8\n/label ~nope"); !gitlab.HasStatusCode(err, http.StatusBadRequest) {
			t.Errorf("failing command: err = %v, want 400", err)
		}
		if _, resp, err := note("/close"); err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("close: %v %v", resp, err)
		}

		got, _, err := f.gl.Issues.GetIssue(pid, i.IID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Weight != 5 || !slices.Equal(got.Labels, gitlab.Labels{"bug", "workflow::ready"}) || got.Milestone == nil || got.State != "closed" {
			t.Errorf("issue after notes: weight %d labels %v milestone %v state %s", got.Weight, got.Labels, got.Milestone, got.State)
		}
		if got.UserNotesCount != 1 {
			t.Errorf("user_notes_count = %d, want 1", got.UserNotesCount)
		}
		notes, _, err := f.gl.Notes.ListIssueNotes(pid, i.IID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) != 1 || notes[0].ID != n.ID {
			t.Errorf("notes = %+v, want the mixed note only", notes)
		}

		labelEvents, _, err := f.gl.ResourceLabelEvents.ListIssueLabelEvents(pid, i.IID, nil)
		if err != nil {
			t.Fatal(err)
		}
		var added []string
		for _, e := range labelEvents {
			if e.Action != "add" || e.ResourceType != "Issue" || e.ResourceID != i.ID || e.User.Username != "root" || e.CreatedAt == nil {
				t.Errorf("label event = %+v", e)
			}
			added = append(added, e.Label.Name)
		}
		slices.Sort(added)
		if !slices.Equal(added, []string{"bug", "workflow::ready"}) {
			t.Errorf("label events = %v, want bug and workflow::ready added", added)
		}
		weightEvents, _, err := f.gl.ResourceWeightEvents.ListIssueWeightEvents(pid, i.IID, nil)
		if err != nil {
			t.Fatal(err)
		}
		var weights []int64
		for _, e := range weightEvents {
			weights = append(weights, e.Weight)
			if e.IssueID != i.ID || e.User == nil || e.User.Username != "root" {
				t.Errorf("weight event = %+v", e)
			}
		}
		if !slices.Equal(weights, []int64{3, 5}) {
			t.Errorf("weight events = %v, want [3 5]", weights)
		}
		stateEvents, _, err := f.gl.ResourceStateEvents.ListIssueStateEvents(pid, i.IID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(stateEvents) != 1 || stateEvents[0].State != "closed" || stateEvents[0].ResourceType != "Issue" {
			t.Errorf("state events = %+v, want one closed", stateEvents)
		}
		msEvents, _, err := f.gl.ResourceMilestoneEvents.ListIssueMilestoneEvents(pid, i.IID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(msEvents) != 1 || msEvents[0].Action != "add" || msEvents[0].Milestone == nil || msEvents[0].Milestone.Title != "2026-08" {
			t.Errorf("milestone events = %+v, want 2026-08 added", msEvents)
		}
	})
}

func TestGoClientProjectPaths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "my.proj")
		// The client escapes "grp/my.proj" as grp%2Fmy%2Eproj.
		p, _, err := f.gl.Projects.GetProject("grp/my.proj", nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != tm.project.ID || p.PathWithNamespace != "grp/my.proj" || p.Namespace == nil || p.Namespace.FullPath != "grp" || p.Namespace.Kind != "group" {
			t.Errorf("project = %d %q %+v", p.ID, p.PathWithNamespace, p.Namespace)
		}
		if p.IssuesAccessLevel != gitlab.EnabledAccessControl || p.WebURL != f.ts.URL+"/grp/my.proj" || p.Permissions == nil || p.Permissions.GroupAccess == nil || p.Permissions.GroupAccess.AccessLevel != gitlab.OwnerPermissions {
			t.Errorf("project issues_access_level %q web_url %q permissions %+v", p.IssuesAccessLevel, p.WebURL, p.Permissions)
		}
		// glab refuses to create issues unless issues_enabled is true.
		if raw := f.do("GET", "/api/v4/projects/grp%2Fmy%2Eproj", f.token, "").json(t).(map[string]any); raw["issues_enabled"] != true {
			t.Errorf("issues_enabled = %v, want true", raw["issues_enabled"])
		}
		i, _, err := f.gl.Issues.CreateIssue("grp/my.proj", &gitlab.CreateIssueOptions{Title: gitlab.Ptr("by path")})
		if err != nil {
			t.Fatal(err)
		}
		is, _, err := f.gl.Issues.ListProjectIssues("grp/my.proj", nil)
		if err != nil || len(is) != 1 || is[0].ID != i.ID {
			t.Errorf("list by path: %v %v", is, err)
		}
		if got, _, err := f.gl.Issues.GetIssue("grp/my.proj", i.IID); err != nil || got.References.Full != "grp/my.proj#1" {
			t.Errorf("get by path: %v %v", got, err)
		}
		g, _, err := f.gl.Groups.GetGroup("grp", nil)
		if err != nil || g.ID != tm.group.ID {
			t.Errorf("group by path: %v %v", g, err)
		}
		for _, path := range []string{"grp%2Fmy.proj", "grp%2Fmy%2Eproj", "GRP%2FMY.PROJ", strconv.FormatInt(tm.project.ID, 10)} {
			if res := f.do("GET", "/api/v4/projects/"+path, f.token, ""); res.status != http.StatusOK {
				t.Errorf("GET /projects/%s: %d %s", path, res.status, res.body)
			}
		}
		if _, _, err := f.gl.Projects.GetProject("grp/other", nil); !errors.Is(err, gitlab.ErrNotFound) {
			t.Errorf("unknown path: err = %v, want 404", err)
		}
	})
}

func TestGoClientAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		guest, guestToken := f.user("guest")
		f.addMember(tm.group, guest, gitlab.GuestPermissions)
		reporter, reporterToken := f.user("reporter")
		f.addMember(tm.group, reporter, gitlab.ReporterPermissions)
		_, strangerToken := f.user("stranger")

		t.Run("BadToken", func(t *testing.T) {
			_, _, err := f.client("glpat-not-a-real-token").Users.CurrentUser()
			if !gitlab.HasStatusCode(err, http.StatusUnauthorized) {
				t.Errorf("err = %v, want 401", err)
			}
		})
		t.Run("CurrentUser", func(t *testing.T) {
			u, _, err := f.client(reporterToken).Users.CurrentUser()
			if err != nil || u.Username != "reporter" || u.ID != reporter.ID {
				t.Errorf("current user = %+v, %v", u, err)
			}
		})
		t.Run("ReadAPITokenCannotWrite", func(t *testing.T) {
			ro := f.client(f.tokenFor(reporter, cairn.ScopeReadAPI))
			if _, _, err := ro.Issues.ListProjectIssues(pid, nil); err != nil {
				t.Errorf("read with read_api: %v", err)
			}
			if _, _, err := ro.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("x")}); !gitlab.HasStatusCode(err, http.StatusForbidden) {
				t.Errorf("write with read_api: err = %v, want 403", err)
			}
		})
		t.Run("NonMemberSees404", func(t *testing.T) {
			c := f.client(strangerToken)
			if _, _, err := c.Projects.GetProject(pid, nil); !errors.Is(err, gitlab.ErrNotFound) {
				t.Errorf("get private project: err = %v, want 404", err)
			}
			if _, _, err := c.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("x")}); !errors.Is(err, gitlab.ErrNotFound) {
				t.Errorf("create in private project: err = %v, want 404", err)
			}
			ps, _, err := c.Projects.ListProjects(nil)
			if err != nil || len(ps) != 0 {
				t.Errorf("stranger's project list = %d projects, %v; want none", len(ps), err)
			}
		})
		t.Run("GuestCreatesButDoesNotTriage", func(t *testing.T) {
			c := f.client(guestToken)
			i, _, err := c.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr("from a guest"), Labels: &gitlab.LabelOptions{"urgent"}, Weight: gitlab.Ptr(int64(9))})
			if err != nil {
				t.Fatal(err)
			}
			if len(i.Labels) != 0 || i.Weight != 0 {
				t.Errorf("guest's metadata kept: labels %v weight %d", i.Labels, i.Weight)
			}
			if _, _, err := c.Issues.UpdateIssue(pid, i.IID, &gitlab.UpdateIssueOptions{Title: gitlab.Ptr("guest's own title")}); err != nil {
				t.Errorf("author edits own title: %v", err)
			}
			if _, _, err := c.Issues.UpdateIssue(pid, i.IID, &gitlab.UpdateIssueOptions{Weight: gitlab.Ptr(int64(2))}); !gitlab.HasStatusCode(err, http.StatusForbidden) {
				t.Errorf("guest sets weight: err = %v, want 403", err)
			}
			if _, _, err := f.client(reporterToken).Issues.UpdateIssue(pid, i.IID, &gitlab.UpdateIssueOptions{Weight: gitlab.Ptr(int64(2))}); err != nil {
				t.Errorf("reporter sets weight: %v", err)
			}
		})
		t.Run("OnlyAdminsCreateUsers", func(t *testing.T) {
			opt := &gitlab.CreateUserOptions{Username: gitlab.Ptr("newbie"), Name: gitlab.Ptr("New Bie"), Email: gitlab.Ptr("newbie@example.com"), Password: gitlab.Ptr("correct horse battery")}
			if _, _, err := f.client(reporterToken).Users.CreateUser(opt); !gitlab.HasStatusCode(err, http.StatusForbidden) {
				t.Errorf("non-admin creates user: err = %v, want 403", err)
			}
			u, resp, err := f.gl.Users.CreateUser(opt)
			if err != nil || resp.StatusCode != http.StatusCreated || u.Username != "newbie" {
				t.Errorf("admin creates user: %+v %v", u, err)
			}
		})
	})
}

func TestGoClientLinksAndMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		tm := f.newTeam("grp", "proj")
		pid := tm.project.ID
		for _, title := range []string{"blocker", "blocked"} {
			if _, _, err := f.gl.Issues.CreateIssue(pid, &gitlab.CreateIssueOptions{Title: gitlab.Ptr(title)}); err != nil {
				t.Fatal(err)
			}
		}
		link, resp, err := f.gl.IssueLinks.CreateIssueLink(pid, 1, &gitlab.CreateIssueLinkOptions{
			TargetProjectID: gitlab.Ptr(strconv.FormatInt(pid, 10)), TargetIssueIID: gitlab.Ptr("2"), LinkType: gitlab.Ptr("blocks"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated || link.SourceIssue == nil || link.SourceIssue.IID != 1 || link.TargetIssue == nil || link.TargetIssue.IID != 2 || link.LinkType != "blocks" {
			t.Errorf("link = %+v", link)
		}
		rels, _, err := f.gl.IssueLinks.ListIssueRelations(pid, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0].IID != 1 || rels[0].LinkType != "is_blocked_by" || rels[0].IssueLinkID == 0 || rels[0].LinkCreatedAt == nil {
			t.Errorf("relations of #2 = %+v, want #1 is_blocked_by", rels)
		}
		if _, _, err := f.gl.IssueLinks.DeleteIssueLink(pid, 2, rels[0].IssueLinkID); err != nil {
			t.Errorf("delete link: %v", err)
		}
		if rels, _, _ := f.gl.IssueLinks.ListIssueRelations(pid, 1); len(rels) != 0 {
			t.Errorf("relations after delete = %+v", rels)
		}

		alice, _ := f.user("alice")
		f.addMember(tm.group, alice, gitlab.DeveloperPermissions)
		m, _, err := f.gl.GroupMembers.EditGroupMember(tm.group.ID, alice.ID, &gitlab.EditGroupMemberOptions{AccessLevel: gitlab.Ptr(gitlab.MaintainerPermissions)})
		if err != nil || m.AccessLevel != gitlab.MaintainerPermissions || m.Username != "alice" {
			t.Errorf("edit member: %+v %v", m, err)
		}
		members, _, err := f.gl.Groups.ListGroupMembers(tm.group.ID, nil)
		if err != nil || len(members) != 2 {
			t.Fatalf("members = %+v, %v", members, err)
		}
		res := f.do("PUT", "/api/v4/groups/grp/members/"+strconv.FormatInt(alice.ID, 10), f.token, `{"planning_role":"engineering_manager","capacity_factor":0.5,"joined_at":"2026-01-05"}`)
		body, _ := res.json(t).(map[string]any)
		if res.status != http.StatusOK || body["planning_role"] != "engineering_manager" || body["capacity_factor"] != 0.5 || body["joined_at"] != "2026-01-05" || body["expires_at"] != nil {
			t.Errorf("planning fields: %d %s", res.status, res.body)
		}
		if resp, err := f.gl.GroupMembers.RemoveGroupMember(tm.group.ID, alice.ID, nil); err != nil || resp.StatusCode != http.StatusNoContent {
			t.Errorf("remove member: %v %v", resp, err)
		}
	})
}

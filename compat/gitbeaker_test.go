package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/demo"
)

const (
	gitbeakerInstall = "bash scripts/install-gitbeaker.sh"
	// gitbeakerProject is the demo project the suite creates its issue in.
	gitbeakerProject = demo.GroupPath + "/duo-chat"
	// gitbeakerAssignee is a demo engineer the new issue is assigned to.
	gitbeakerAssignee = "aiko"
	gitbeakerPerPage  = 5
	// gitbeakerTimeout bounds one run of suite.mjs; it makes about a hundred
	// requests and takes well under a second on an idle machine.
	gitbeakerTimeout = 3 * time.Minute
)

// gitbeakerReport is what compat/gitbeaker/suite.mjs prints: the values the
// client returned, as it returned them.
type gitbeakerReport struct {
	CurrentUser struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		State    string `json:"state"`
	} `json:"current_user"`
	Project struct {
		ID                int64  `json:"id"`
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	ProjectIssues  gitbeakerList `json:"project_issues"`
	GroupIssues    gitbeakerList `json:"group_issues"`
	FilteredIssues struct {
		Count        int      `json:"count"`
		Unique       int      `json:"unique"`
		Total        int      `json:"total"`
		PageRequests int      `json:"page_requests"`
		Mismatched   []string `json:"mismatched"`
	} `json:"filtered_issues"`
	IssuesByIIDs  []int64 `json:"issues_by_iids"`
	ProjectLabels struct {
		Count int      `json:"count"`
		Names []string `json:"names"`
	} `json:"project_labels"`
	ProjectMilestones struct {
		OwnCount      int `json:"own_count"`
		WithAncestors []struct {
			ID      int64  `json:"id"`
			Title   string `json:"title"`
			State   string `json:"state"`
			GroupID *int64 `json:"group_id"`
		} `json:"with_ancestors"`
		GroupTitles []string `json:"group_titles"`
		Picked      struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"picked"`
	} `json:"project_milestones"`
	Assignee struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"assignee"`
	Created   gitbeakerIssue `json:"created"`
	Edited    gitbeakerIssue `json:"edited"`
	NotePlain struct {
		Status       int    `json:"status"`
		ID           int64  `json:"id"`
		Body         string `json:"body"`
		System       bool   `json:"system"`
		NoteableIID  int64  `json:"noteable_iid"`
		NoteableType string `json:"noteable_type"`
		Author       string `json:"author"`
	} `json:"note_plain"`
	NoteCommands struct {
		Status int `json:"status"`
		Body   struct {
			CommandsChanges map[string]json.RawMessage `json:"commands_changes"`
			Summary         []string                   `json:"summary"`
		} `json:"body"`
	} `json:"note_commands"`
	NoteMixed struct {
		Status int    `json:"status"`
		ID     int64  `json:"id"`
		Body   string `json:"body"`
	} `json:"note_mixed"`
	Closed        gitbeakerIssue `json:"closed"`
	Shown         gitbeakerIssue `json:"shown"`
	LabelsDetails []struct {
		Name      string `json:"name"`
		Color     string `json:"color"`
		TextColor string `json:"text_color"`
	} `json:"labels_details"`
	Notes []struct {
		ID     int64  `json:"id"`
		Body   string `json:"body"`
		System bool   `json:"system"`
		Author string `json:"author"`
	} `json:"notes"`
	LabelEvents []struct {
		Action       string `json:"action"`
		Label        string `json:"label"`
		ResourceType string `json:"resource_type"`
		ResourceID   int64  `json:"resource_id"`
		User         string `json:"user"`
	} `json:"label_events"`
	NotFound struct {
		Thrown      bool   `json:"thrown"`
		Status      int    `json:"status"`
		Description string `json:"description"`
	} `json:"not_found"`
	Requests       int      `json:"requests"`
	FailedRequests []string `json:"failed_requests"`
}

// gitbeakerList is one Issues.all run with small pages and no page limit.
type gitbeakerList struct {
	Count      int     `json:"count"`
	Unique     int     `json:"unique"`
	IDs        []int64 `json:"ids"`
	Pagination struct {
		Total      int `json:"total"`
		Next       int `json:"next"` // null (0) on the last page
		Current    int `json:"current"`
		PerPage    int `json:"perPage"`
		TotalPages int `json:"totalPages"`
	} `json:"pagination"`
	PageRequests   int      `json:"page_requests"`
	PagesRequested []string `json:"pages_requested"`
	PerPage100     struct {
		Count int     `json:"count"`
		IDs   []int64 `json:"ids"`
	} `json:"per_page_100"`
}

type gitbeakerIssue struct {
	ID          int64    `json:"id"`
	IID         int64    `json:"iid"`
	ProjectID   int64    `json:"project_id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	State       string   `json:"state"`
	Labels      []string `json:"labels"`
	Weight      *int     `json:"weight"`
	Milestone   *struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	} `json:"milestone"`
	Assignees      []string `json:"assignees"`
	Assignee       *string  `json:"assignee"`
	Author         *string  `json:"author"`
	CreatedAt      *string  `json:"created_at"`
	ClosedAt       *string  `json:"closed_at"`
	ClosedBy       *string  `json:"closed_by"`
	Type           *string  `json:"type"`
	IssueType      *string  `json:"issue_type"`
	WebURL         *string  `json:"web_url"`
	UserNotesCount *int     `json:"user_notes_count"`
	References     *struct {
		Short string `json:"short"`
		Full  string `json:"full"`
	} `json:"references"`
}

// TestGitbeaker runs compat/gitbeaker/suite.mjs, the unmodified Node client
// @gitbeaker/rest, against `cairn serve --demo` on SQLite and PostgreSQL
// and checks what the client got back.
func TestGitbeaker(t *testing.T) {
	dir, err := filepath.Abs("gitbeaker")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missingTool(t, "@gitbeaker/rest", gitbeakerInstall)
	}
	if err := gitbeakerInstalled(dir); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Log(err)
		}
		missingTool(t, "@gitbeaker/rest", gitbeakerInstall)
	}
	eachServer(t, func(t *testing.T, srv *cairntest.Process) {
		r := runGitbeaker(t, node, dir, srv)
		checkGitbeakerReport(t, r)
	})
}

// gitbeakerInstalled reports whether node_modules holds the @gitbeaker/rest
// version package.json pins; a stale install counts as missing.
func gitbeakerInstalled(dir string) error {
	var want struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	var got struct {
		Version string `json:"version"`
	}
	if err := gbReadJSON(filepath.Join(dir, "package.json"), &want); err != nil {
		return err
	}
	if err := gbReadJSON(filepath.Join(dir, "node_modules", "@gitbeaker", "rest", "package.json"), &got); err != nil {
		return err
	}
	if v := want.Dependencies["@gitbeaker/rest"]; got.Version != v {
		return fmt.Errorf("node_modules holds @gitbeaker/rest %s, package.json pins %s", got.Version, v)
	}
	return nil
}

func gbReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func runGitbeaker(t *testing.T, node, dir string, srv *cairntest.Process) *gitbeakerReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gitbeakerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "suite.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"CAIRN_URL="+srv.URL,
		"CAIRN_TOKEN="+srv.Token,
		"CAIRN_PROJECT="+gitbeakerProject,
		"CAIRN_GROUP="+demo.GroupPath,
		"CAIRN_ASSIGNEE="+gitbeakerAssignee,
		"CAIRN_PER_PAGE="+strconv.Itoa(gitbeakerPerPage),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("node suite.mjs did not finish within %s\nstderr:\n%s\nserver log:\n%s", gitbeakerTimeout, stderr.Bytes(), srv.Log())
	}
	if err != nil {
		t.Fatalf("node suite.mjs: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.Bytes(), stdout.Bytes())
	}
	var r gitbeakerReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("decode the report of suite.mjs: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	t.Logf("suite.mjs: %d requests in %s", r.Requests, elapsed.Round(time.Millisecond))
	return &r
}

func checkGitbeakerReport(t *testing.T, r *gitbeakerReport) {
	t.Helper()
	if r.CurrentUser.Username != demo.ManagerName || r.CurrentUser.ID == 0 || r.CurrentUser.State != "active" {
		t.Errorf("Users.showCurrentUser = %+v, want the active user %q", r.CurrentUser, demo.ManagerName)
	}
	if r.Project.PathWithNamespace != gitbeakerProject {
		t.Errorf("Projects.show path_with_namespace = %q, want %q", r.Project.PathWithNamespace, gitbeakerProject)
	}

	t.Run("Pagination", func(t *testing.T) {
		checkGitbeakerList(t, "project "+gitbeakerProject, r.ProjectIssues)
		checkGitbeakerList(t, "group "+demo.GroupPath, r.GroupIssues)
		group := map[int64]bool{}
		for _, id := range r.GroupIssues.IDs {
			group[id] = true
		}
		for _, id := range r.ProjectIssues.IDs {
			if !group[id] {
				t.Errorf("issue %d of %s is missing from the group's issues", id, gitbeakerProject)
			}
		}
		if r.GroupIssues.Count <= r.ProjectIssues.Count {
			t.Errorf("group lists %d issues, its project %s alone %d", r.GroupIssues.Count, gitbeakerProject, r.ProjectIssues.Count)
		}

		f := r.FilteredIssues
		if f.Count <= gitbeakerPerPage || f.Unique != f.Count || f.Total != f.Count || f.PageRequests != gbPages(f.Count, gitbeakerPerPage) {
			t.Errorf("closed Deliverable issues of the group: %d listed, %d unique, X-Total %d, %d page requests; want more than one page, each once, all pages",
				f.Count, f.Unique, f.Total, f.PageRequests)
		}
		if len(f.Mismatched) > 0 {
			t.Errorf("issues listed with state=closed&labels=Deliverable that are not both: %v", f.Mismatched)
		}
		if !slices.Equal(r.IssuesByIIDs, []int64{1, 2, 3}) {
			t.Errorf("Issues.all({iids: [1, 2, 3]}) returned iids %v", r.IssuesByIIDs)
		}
	})

	t.Run("LabelsAndMilestones", func(t *testing.T) {
		for _, name := range []string{demo.LabelRefinement, demo.LabelReady, demo.LabelInDev, demo.LabelHigh, demo.LabelDeliver, demo.LabelBug} {
			if !slices.Contains(r.ProjectLabels.Names, name) {
				t.Errorf("ProjectLabels.all lacks the group label %q: %v", name, r.ProjectLabels.Names)
			}
		}
		if r.ProjectLabels.Count != len(r.ProjectLabels.Names) {
			t.Errorf("ProjectLabels.all: %d labels but %d names", r.ProjectLabels.Count, len(r.ProjectLabels.Names))
		}
		m := r.ProjectMilestones
		if m.OwnCount != 0 {
			t.Errorf("ProjectMilestones.all without includeParentMilestones listed %d milestones; the demo project has none of its own", m.OwnCount)
		}
		var titles []string
		for _, ms := range m.WithAncestors {
			titles = append(titles, ms.Title)
			if ms.GroupID == nil || *ms.GroupID == 0 {
				t.Errorf("group milestone %q has no group_id", ms.Title)
			}
		}
		if len(titles) == 0 || !gbSameSet(titles, m.GroupTitles) {
			t.Errorf("ProjectMilestones.all({includeParentMilestones: true}) = %v, GroupMilestones.all = %v; want the same non-empty set", titles, m.GroupTitles)
		}
	})

	iid := r.Created.IID
	ref := fmt.Sprintf("%s#%d", gitbeakerProject, iid)
	t.Run("Create", func(t *testing.T) {
		c := r.Created
		if c.ID == 0 || iid == 0 || c.ProjectID != r.Project.ID {
			t.Fatalf("Issues.create returned id %d, iid %d, project_id %d (project %d)", c.ID, iid, c.ProjectID, r.Project.ID)
		}
		checkGitbeakerIssue(t, "Issues.create", c, "opened",
			[]string{"gitbeaker-compat", demo.LabelBug, demo.LabelRefinement}, 3, r.ProjectMilestones.Picked.ID, r.Assignee.Username)
		if !strings.HasPrefix(c.Title, "gitbeaker compat ") || !strings.Contains(c.Description, "## Acceptance Criteria") {
			t.Errorf("Issues.create title %q, description %q: not what was sent", c.Title, c.Description)
		}
		if c.CreatedAt == nil || *c.CreatedAt == "" || c.ClosedAt != nil || c.ClosedBy != nil {
			t.Errorf("Issues.create created_at %v, closed_at %v, closed_by %v; want a creation time and no closing", gbStr(c.CreatedAt), gbStr(c.ClosedAt), gbStr(c.ClosedBy))
		}
		if c.Author == nil || *c.Author != demo.ManagerName {
			t.Errorf("Issues.create author = %s, want %s", gbStr(c.Author), demo.ManagerName)
		}
		if gbStr(c.Type) != "ISSUE" || gbStr(c.IssueType) != "issue" {
			t.Errorf("Issues.create type %s, issue_type %s; want ISSUE and issue", gbStr(c.Type), gbStr(c.IssueType))
		}
		if c.References == nil || c.References.Full != ref || c.WebURL == nil || !strings.HasSuffix(*c.WebURL, fmt.Sprintf("/%s/-/issues/%d", gitbeakerProject, iid)) {
			t.Errorf("Issues.create references %+v, web_url %s; want %s", c.References, gbStr(c.WebURL), ref)
		}
	})

	t.Run("Edit", func(t *testing.T) {
		// add_labels workflow::ready… replaces workflow::refinement (one value
		// per scope); remove_labels drops type::bug.
		checkGitbeakerIssue(t, "Issues.edit(addLabels, removeLabels)", r.Edited, "opened",
			[]string{demo.LabelHigh, "gitbeaker-compat", demo.LabelReady}, 3, r.ProjectMilestones.Picked.ID, r.Assignee.Username)
		// The quick actions set the weight to 5 and workflow::in dev; the
		// text note unlabelled gitbeaker-compat; then stateEvent closed it.
		want := []string{demo.LabelHigh, demo.LabelInDev}
		checkGitbeakerIssue(t, "Issues.edit(stateEvent: close)", r.Closed, "closed", want, 5, r.ProjectMilestones.Picked.ID, r.Assignee.Username)
		checkGitbeakerIssue(t, "Issues.show", r.Shown, "closed", want, 5, r.ProjectMilestones.Picked.ID, r.Assignee.Username)
		for name, is := range map[string]gitbeakerIssue{"Issues.edit(stateEvent: close)": r.Closed, "Issues.show": r.Shown} {
			if is.ClosedAt == nil || *is.ClosedAt == "" || gbStr(is.ClosedBy) != demo.ManagerName {
				t.Errorf("%s closed_at %s, closed_by %s; want a time and %s", name, gbStr(is.ClosedAt), gbStr(is.ClosedBy), demo.ManagerName)
			}
			if is.UserNotesCount == nil || *is.UserNotesCount != 2 {
				t.Errorf("%s user_notes_count = %v, want 2", name, is.UserNotesCount)
			}
		}
		var details []string
		for _, l := range r.LabelsDetails {
			details = append(details, l.Name)
			if !strings.HasPrefix(l.Color, "#") || !strings.HasPrefix(l.TextColor, "#") {
				t.Errorf("withLabelsDetails label %q: color %q, text_color %q", l.Name, l.Color, l.TextColor)
			}
		}
		if !gbSameSet(details, want) {
			t.Errorf("Issues.all({withLabelsDetails: true}) labels %v, want %v", details, want)
		}
	})

	t.Run("Notes", func(t *testing.T) {
		p := r.NotePlain
		if p.Status != 201 || p.ID == 0 || p.Body != "A plain comment from gitbeaker." || p.System ||
			p.NoteableIID != iid || p.NoteableType != "Issue" || p.Author != demo.ManagerName {
			t.Errorf("IssueNotes.create (plain) = %+v; want 201 with the body, on issue %d by %s", p, iid, demo.ManagerName)
		}
		c := r.NoteCommands
		if c.Status != 202 || string(c.Body.CommandsChanges["weight"]) != "5" || len(c.Body.Summary) != 2 {
			t.Errorf("IssueNotes.create (quick actions only) = status %d, commands_changes %s, summary %q; want 202 with weight 5 and two lines",
				c.Status, gbRaw(c.Body.CommandsChanges), c.Body.Summary)
		}
		m := r.NoteMixed
		if m.Status != 201 || m.ID == 0 || m.Body != "Picking this up." {
			t.Errorf("IssueNotes.create (text and a quick action) = %+v; want 201 with the text only", m)
		}
		var ids []int64
		for _, n := range r.Notes {
			if !n.System {
				ids = append(ids, n.ID)
			}
		}
		if !slices.Equal(ids, []int64{p.ID, m.ID}) {
			t.Errorf("IssueNotes.all(sort asc) user notes %v, want [%d %d]: %+v", ids, p.ID, m.ID, r.Notes)
		}
	})

	t.Run("LabelEvents", func(t *testing.T) {
		want := []string{
			"add " + demo.LabelBug, "add " + demo.LabelRefinement, "add gitbeaker-compat", // create
			"remove " + demo.LabelBug, "remove " + demo.LabelRefinement, "add " + demo.LabelReady, "add " + demo.LabelHigh, // edit
			"remove " + demo.LabelReady, "add " + demo.LabelInDev, // /label
			"remove gitbeaker-compat", // /unlabel
		}
		var got []string
		for _, e := range r.LabelEvents {
			got = append(got, e.Action+" "+e.Label)
			if e.ResourceType != "Issue" || e.ResourceID != r.Created.ID || e.User != demo.ManagerName {
				t.Errorf("label event %+v: want resource Issue %d by %s", e, r.Created.ID, demo.ManagerName)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("IssueLabelEvents.all of %s:\n got %q\nwant %q", ref, got, want)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		nf := r.NotFound
		if !nf.Thrown || nf.Status != 404 || nf.Description != "404 Issue Not Found" {
			t.Errorf("Issues.show of a missing issue: %+v; want a GitbeakerRequestError, 404, \"404 Issue Not Found\"", nf)
		}
		if len(r.FailedRequests) != 1 {
			t.Errorf("requests that failed: %q; want only the missing issue", r.FailedRequests)
		}
	})
}

// checkGitbeakerList checks one Issues.all run with small pages: more than
// one page, every issue once, as many as X-Total says, every page fetched
// once in order by following Link rel="next", and the same issues as one
// big page.
func checkGitbeakerList(t *testing.T, what string, l gitbeakerList) {
	t.Helper()
	pages := gbPages(l.Count, gitbeakerPerPage)
	if l.Count <= gitbeakerPerPage*2 {
		t.Errorf("%s: only %d issues; the demo should fill several pages of %d", what, l.Count, gitbeakerPerPage)
	}
	if l.Unique != l.Count || len(l.IDs) != l.Count {
		t.Errorf("%s: %d issues listed but %d distinct (%d ids)", what, l.Count, l.Unique, len(l.IDs))
	}
	p := l.Pagination
	if p.Total != l.Count || p.TotalPages != pages || p.PerPage != gitbeakerPerPage || p.Current != pages || p.Next != 0 {
		t.Errorf("%s: pagination %+v after %d issues; want total %d, %d pages of %d, on the last page with no next",
			what, p, l.Count, l.Count, pages, gitbeakerPerPage)
	}
	var want []string
	for i := 1; i <= pages; i++ {
		want = append(want, strconv.Itoa(i))
	}
	if l.PageRequests != pages || !slices.Equal(l.PagesRequested, want) {
		t.Errorf("%s: gitbeaker requested pages %v, want %v", what, l.PagesRequested, want)
	}
	if l.PerPage100.Count != l.Count || !gbSameSet(l.PerPage100.IDs, l.IDs) {
		t.Errorf("%s: %d issues with perPage 100, %d with perPage %d, or not the same issues", what, l.PerPage100.Count, l.Count, gitbeakerPerPage)
	}
}

func checkGitbeakerIssue(t *testing.T, what string, is gitbeakerIssue, state string, labels []string, weight int, milestoneID int64, assignee string) {
	t.Helper()
	if is.State != state {
		t.Errorf("%s: state %q, want %q", what, is.State, state)
	}
	want := slices.Clone(labels)
	slices.Sort(want)
	if !slices.Equal(is.Labels, want) {
		t.Errorf("%s: labels %q, want %q (sorted)", what, is.Labels, want)
	}
	if is.Weight == nil || *is.Weight != weight {
		t.Errorf("%s: weight %v, want %d", what, is.Weight, weight)
	}
	if is.Milestone == nil || is.Milestone.ID != milestoneID {
		t.Errorf("%s: milestone %+v, want id %d", what, is.Milestone, milestoneID)
	}
	if !slices.Equal(is.Assignees, []string{assignee}) || gbStr(is.Assignee) != assignee {
		t.Errorf("%s: assignees %q, assignee %s; want %s", what, is.Assignees, gbStr(is.Assignee), assignee)
	}
}

func gbPages(a, b int) int { return (a + b - 1) / b }

func gbSameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[T]int, len(a))
	for _, v := range a {
		seen[v]++
	}
	for _, v := range b {
		seen[v]--
		if seen[v] < 0 {
			return false
		}
	}
	return true
}

func gbStr(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func gbRaw(m map[string]json.RawMessage) string {
	b, _ := json.Marshal(m)
	return string(b)
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
)

// issueReadyDescription fills the sections the ready gate reads.
const issueReadyDescription = "## Context\n\nUsers lose their place.\n\n## Proposal\n\nKeep it.\n\n## Acceptance Criteria\n\n- [ ] It is kept\n"

// newTestIssue creates an issue in the demo project duo-chat as username.
func (s *site) newTestIssue(username string, in cairn.IssueCreate) *cairn.Issue {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.st.UserByUsername(ctx, username)
	if err != nil {
		s.t.Fatal(err)
	}
	p, err := s.st.ProjectByPath(ctx, demo.GroupPath+"/duo-chat")
	if err != nil {
		s.t.Fatal(err)
	}
	in.ProjectID = p.ID
	is, err := s.st.CreateIssue(cairn.NewContextWithUser(ctx, u), in)
	if err != nil {
		s.t.Fatalf("create issue: %v", err)
	}
	return is
}

// issuePath is the page of an issue of duo-chat.
func issuePath(is *cairn.Issue) string {
	return fmt.Sprintf("/%s/duo-chat/-/issues/%d", demo.GroupPath, is.IID)
}

// reload reads an issue again from the store.
func (s *site) reload(is *cairn.Issue) *cairn.Issue {
	s.t.Helper()
	cur, err := s.st.IssueByID(context.Background(), is.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return cur
}

func TestIssueList(t *testing.T) {
	s := newSite(t)
	emma := s.as(demo.ManagerName)
	group := "/groups/" + demo.GroupPath + "/-/issues"

	p := emma.get(group)
	p.want(t, http.StatusOK, "<h1>Issues</h1>", `class="grid issue-list"`, "1–50 of", `rel="next"`, `action="/groups/code-creation/-/issues/new"`,
		`<option value="duo-chat">Duo Chat</option>`)
	if !p.Has("code-creation/duo-chat#") || !p.Has("code-creation/code-suggestions#") {
		t.Errorf("the team's list lacks issues of its projects")
	}

	t.Run("Filters", func(t *testing.T) {
		marker := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Zebra filter marker", Labels: []string{"type::bug"}, Weight: issuePtr(5)})
		for _, tc := range []struct {
			name, query string
			want        bool
		}{
			{"search", "search=zebra+filter", true},
			{"search other", "search=no-such-words-anywhere", false},
			{"label", "search=zebra&labels=type::bug", true},
			{"other label", "search=zebra&labels=type::feature", false},
			{"two labels", "search=zebra&labels=type::bug,workflow::refinement", true},
			{"weight", "search=zebra&weight=5", true},
			{"other weight", "search=zebra&weight=1", false},
			{"weight none", "search=zebra&weight=None", false},
			{"unassigned", "search=zebra&assignee=None", true},
			{"assignee", "search=zebra&assignee=tomas", false},
			{"milestone none", "search=zebra&milestone=None", true},
			{"closed", "search=zebra&state=closed", false},
			{"all", "search=zebra&state=all", true},
			{"updated", "search=zebra&sort=updated", true},
			{"priority", "search=zebra&sort=priority", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := emma.get(group + "?" + tc.query)
				p.want(t, http.StatusOK)
				if got := p.Has(issuePath(marker)); got != tc.want {
					t.Errorf("%s: listed %v, want %v", tc.query, got, tc.want)
				}
				if !tc.want && !p.Has("No issues match this filter.") {
					t.Errorf("%s: no empty state", tc.query)
				}
			})
		}
		emma.get(group+"?weight=heavy").want(t, http.StatusBadRequest, "Weight must be a number, None or Any")
		emma.get(group+"?sort=random").want(t, http.StatusBadRequest, "Sort must be created, updated or priority")
	})

	t.Run("ProjectAndPages", func(t *testing.T) {
		p := emma.get("/" + demo.GroupPath + "/duo-chat/-/issues?state=all")
		p.want(t, http.StatusOK, "Duo Chat issues", `href="/code-creation/duo-chat/-/issues/new"`)
		if p.Has("code-creation/code-suggestions#") {
			t.Error("the project's list shows another project's issues")
		}
		p2 := emma.get("/" + demo.GroupPath + "/duo-chat/-/issues?state=all&page=2")
		p2.want(t, http.StatusOK, "51–", `rel="prev"`, `aria-current="page">2<`)
		emma.get("/"+demo.GroupPath+"/duo-chat/-/issues?search=nothing-like-this").want(t, http.StatusOK, "No issues match this filter.", "New issue")
	})

	t.Run("Permissions", func(t *testing.T) {
		s.member("outsider", 0)
		s.anonymous().get(group).want(t, http.StatusSeeOther)
		s.as("outsider").get(group).want(t, http.StatusNotFound)
		s.as("outsider").get("/"+demo.GroupPath+"/duo-chat/-/issues").want(t, http.StatusNotFound)
		emma.get("/groups/no-such-team/-/issues").want(t, http.StatusNotFound)

		secret := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Secret salary issue", Confidential: true})
		emma.get(group+"?search=salary").want(t, http.StatusOK, issuePath(secret), "Confidential")
		s.member("guestlist", cairn.AccessGuest)
		guest := s.as("guestlist").get(group + "?search=salary")
		guest.want(t, http.StatusOK)
		if guest.Has("Secret salary issue") {
			t.Error("a guest sees a confidential issue's title in the list")
		}
	})
}

func TestIssuePage(t *testing.T) {
	s := newSite(t)
	emma := s.as(demo.ManagerName)
	parent := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Parent epic"})
	is := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Keep chat scroll position",
		Description: issueReadyDescription + "\n<script>alert(1)</script>\n**bold** text", Labels: []string{"type::feature"}, Weight: issuePtr(2),
		ParentID: parent.ID})
	s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "A sub-task of it", IssueType: "task", ParentID: is.ID})
	if _, err := s.st.CreateLink(context.Background(), is.ID, parent.ID, cairn.LinkBlocks); err != nil {
		t.Fatal(err)
	}

	p := emma.get(issuePath(is))
	p.want(t, http.StatusOK, "Keep chat scroll position</h1>", `state-badge open`, "<strong>bold</strong>", `<h2 id="context">Context</h2>`,
		"type::feature", `<span class="weight">2</span>`, "Parent epic", "A sub-task of it", "blocks",
		`id="comment"`, `action="/code-creation/duo-chat/-/issues/`+fmt.Sprint(is.IID)+`/notes"`,
		`id="status-update"`, "Weekly status update", `name="confidence" value="slightly"`,
		`name="remove_labels" value="type::feature"`, `<option value="5">5</option>`, "Close issue",
		// the history: labels and the weight set at creation
		"set the weight to 2", "added")
	if p.Has("<script>alert(1)</script>") {
		t.Error("the description's script is not sanitised")
	}

	t.Run("Confidential", func(t *testing.T) {
		s.member("guestpage", cairn.AccessGuest)
		secret := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Secret page", Confidential: true})
		s.as("guestpage").get(issuePath(secret)).want(t, http.StatusNotFound)
		mine := s.newTestIssue("guestpage", cairn.IssueCreate{Title: "My own secret", Confidential: true})
		g := s.as("guestpage").get(issuePath(mine))
		g.want(t, http.StatusOK, "My own secret")
		if g.Has("Close issue") || g.Has(`name="remove_labels"`) || g.Has("Weekly status update") {
			t.Error("a guest gets the sidebar's edit controls or the status update form")
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		emma.get("/"+demo.GroupPath+"/duo-chat/-/issues/999999").want(t, http.StatusNotFound)
		emma.get("/"+demo.GroupPath+"/duo-chat/-/issues/abc").want(t, http.StatusNotFound)
		s.member("outsiderpage", 0)
		s.as("outsiderpage").get(issuePath(is)).want(t, http.StatusNotFound)
	})
}

func TestIssueComment(t *testing.T) {
	s := newSite(t)
	tomas := s.as("tomas") // an engineer: developer access
	is := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Needs refining", Description: "## Context\n\n_Summary_\n"})
	notes := issuePath(is) + "/notes"

	p := tomas.post(notes, url.Values{"body": {"Looks good to me."}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, issuePath(is)+"#note-") {
		t.Fatalf("comment: %d %q", p.Status, p.Location)
	}
	tomas.get(issuePath(is)).want(t, http.StatusOK, "Looks good to me.", "Tomás Novak")

	// The ready gate refuses the label: no weight, empty sections; the
	// comment stays in the form, nothing changes.
	body := "Ready now\n/label ~\"workflow::ready for development\""
	p = tomas.post(notes, url.Values{"body": {body}})
	p.want(t, http.StatusUnprocessableEntity, "Cannot move to workflow::ready for development: missing weight from the scale (1, 2, 3, 5)",
		`role="alert"`, "Ready now\n/label ~&#34;workflow::ready for development&#34;</textarea>")
	if cur := s.reload(is); cur.HasLabel("workflow::ready for development") || cur.UserNotesCount != 1 {
		t.Errorf("the refused comment changed the issue: %v, %d notes", cur.LabelNames(), cur.UserNotesCount)
	}

	// Weight and sections, then the same command passes; the page shows
	// what the commands did.
	if _, err := s.st.UpdateIssue(cairn.NewContextWithUser(context.Background(), tomas.user), is.ProjectID, is.IID,
		cairn.IssueUpdate{Description: issuePtr(issueReadyDescription)}); err != nil {
		t.Fatal(err)
	}
	p = tomas.post(notes, url.Values{"body": {"/weight 3\n" + body}})
	p.want(t, http.StatusOK, "Set weight to 3.", "Added ~&#34;workflow::ready for development&#34; label.")
	if cur := s.reload(is); !cur.HasLabel("workflow::ready for development") || cur.Weight == nil || *cur.Weight != 3 {
		t.Errorf("after the accepted comment: labels %v weight %v", cur.LabelNames(), cur.Weight)
	}

	t.Run("Refusals", func(t *testing.T) {
		tomas.post(notes, url.Values{"body": {"  "}}).want(t, http.StatusUnprocessableEntity, "Write a comment first.")
		tomas.post(notes, url.Values{"body": {"/label ~Deliverable"}}).want(t, http.StatusForbidden,
			"Only engineering managers, product managers and owners can apply Deliverable or Stretch")
		tomas.post(notes, url.Values{"body": {"/milestone %no-such"}}).want(t, http.StatusUnprocessableEntity)
		s.member("guestnote", cairn.AccessGuest)
		guest := s.as("guestnote")
		guest.post(notes, url.Values{"body": {"/weight 1"}}).want(t, http.StatusForbidden, "Quick actions need the reporter role or higher.")
		if p := guest.post(notes, url.Values{"body": {"A guest's question"}}); p.Status != http.StatusSeeOther {
			t.Errorf("a guest's comment: %d", p.Status)
		}
		if p := tomas.postFrom(notes, "cross-site", url.Values{"body": {"forged"}}); p.Status != http.StatusForbidden {
			t.Errorf("cross-site comment: %d", p.Status)
		}
		// The manager may commit: Deliverable goes on.
		s.as(demo.ManagerName).post(notes, url.Values{"body": {"/label ~Deliverable"}}).want(t, http.StatusOK, "Added ~Deliverable label.")
	})
}

func TestIssueEdit(t *testing.T) {
	s := newSite(t)
	tomas := s.as("tomas")
	is := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Sidebar edits"})
	edit := issuePath(is) + "/edit"
	ctx := context.Background()
	g, err := s.st.GroupByPath(ctx, demo.GroupPath)
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := s.st.ListGroupMilestones(ctx, g.ID, cairn.MilestoneFilter{State: cairn.MilestoneActive})
	if err != nil || len(ms) == 0 {
		t.Fatalf("milestones: %v %v", ms, err)
	}
	aiko, err := s.st.UserByUsername(ctx, "aiko")
	if err != nil {
		t.Fatal(err)
	}
	ok := func(form url.Values) {
		t.Helper()
		if p := tomas.post(edit, form); p.Status != http.StatusSeeOther || p.Location != issuePath(is) {
			t.Fatalf("edit %v: %d %q\n%.2000s", form, p.Status, p.Location, p.Body)
		}
	}
	ok(url.Values{"weight": {"2"}, "milestone_id": {fmt.Sprint(ms[0].ID)}, "due_date": {"2026-12-01"}})
	ok(url.Values{"assignees": {"1"}, "assignee_ids": {fmt.Sprint(aiko.ID), fmt.Sprint(tomas.user.ID)}})
	ok(url.Values{"add_labels": {"type::bug, code-creation-priority::high"}})
	ok(url.Values{"remove_labels": {"type::bug"}})
	cur := s.reload(is)
	if cur.Weight == nil || *cur.Weight != 2 || cur.Milestone == nil || cur.Milestone.ID != ms[0].ID || cur.DueDate != "2026-12-01" ||
		len(cur.Assignees) != 2 || !cur.HasLabel("code-creation-priority::high") || cur.HasLabel("type::bug") {
		t.Fatalf("after the edits: weight %v milestone %v due %q assignees %d labels %v", cur.Weight, cur.Milestone, cur.DueDate, len(cur.Assignees), cur.LabelNames())
	}
	page := tomas.get(issuePath(is))
	page.want(t, http.StatusOK, "set the weight to 2", "set the milestone to "+ms[0].Title, "removed", "Aiko Tanaka", "Due date")

	// The ready gate refuses: the sections are empty. The page says so and
	// keeps everything else.
	p := tomas.post(edit, url.Values{"add_labels": {"workflow::ready for development"}})
	p.want(t, http.StatusUnprocessableEntity, "Cannot move to workflow::ready for development: missing Context, Proposal, Acceptance Criteria",
		"Sidebar edits</h1>", `id="comment"`, "Aiko Tanaka")
	if s.reload(is).HasLabel("workflow::ready for development") {
		t.Fatal("the refused label was applied")
	}

	ok(url.Values{"weight": {""}, "milestone_id": {""}, "due_date": {""}, "assignees": {"1"}})
	if cur := s.reload(is); cur.Weight != nil || cur.Milestone != nil || cur.DueDate != "" || len(cur.Assignees) != 0 {
		t.Fatalf("after clearing: weight %v milestone %v due %q assignees %d", cur.Weight, cur.Milestone, cur.DueDate, len(cur.Assignees))
	}
	ok(url.Values{"state_event": {"close"}})
	tomas.get(issuePath(is)).want(t, http.StatusOK, "state-badge closed", "Reopen issue", "closed")
	ok(url.Values{"state_event": {"reopen"}})
	if s.reload(is).State != cairn.StateOpened {
		t.Fatal("not reopened")
	}

	// Title and description: a blank title is refused with the text kept.
	p = tomas.post(edit, url.Values{"title": {" "}, "description": {"Draft text kept"}})
	p.want(t, http.StatusUnprocessableEntity, "Title can&#39;t be blank", "Draft text kept</textarea>", `<details class="desc-edit" open>`)
	ok(url.Values{"title": {"Sidebar edits, renamed"}, "description": {issueReadyDescription}})
	ok(url.Values{"weight": {"3"}, "add_labels": {"workflow::ready for development"}})
	if cur := s.reload(is); cur.Title != "Sidebar edits, renamed" || !cur.HasLabel("workflow::ready for development") {
		t.Fatalf("after the text edit and the gate: %q %v", cur.Title, cur.LabelNames())
	}
	ok(url.Values{"weight": {""}, "remove_labels": {"workflow::ready for development"}})

	t.Run("Refusals", func(t *testing.T) {
		tomas.post(edit, url.Values{"weight": {"heavy"}}).want(t, http.StatusUnprocessableEntity, "Weight must be a number")
		tomas.post(edit, url.Values{"add_labels": {"Stretch"}}).want(t, http.StatusForbidden,
			"Only engineering managers, product managers and owners can apply Deliverable or Stretch")
		tomas.post(edit, url.Values{"milestone_id": {"999999"}}).want(t, http.StatusUnprocessableEntity)
		s.member("guestedit", cairn.AccessGuest)
		s.as("guestedit").post(edit, url.Values{"weight": {"1"}}).want(t, http.StatusForbidden)
		s.member("outsideedit", 0)
		s.as("outsideedit").post(edit, url.Values{"weight": {"1"}}).want(t, http.StatusNotFound)
		if cur := s.reload(is); cur.Weight != nil || cur.HasLabel("Stretch") {
			t.Errorf("a refused edit changed the issue: %v %v", cur.Weight, cur.LabelNames())
		}
	})
}

func TestIssueStatusUpdate(t *testing.T) {
	s := newSite(t)
	tomas := s.as("tomas")
	is := s.newTestIssue(demo.ManagerName, cairn.IssueCreate{Title: "Weekly updated", AssigneeIDs: []int64{tomas.user.ID}})
	post := issuePath(is) + "/status_updates"

	tomas.get(issuePath(is)).want(t, http.StatusOK, `<details class="status-form" id="status-update" open>`)
	p := tomas.post(post, url.Values{"progress": {"Half done"}, "next_steps": {"The other half"}, "blockers": {"None"}})
	p.want(t, http.StatusUnprocessableEntity, "Confidence is missing", "Half done</textarea>", "The other half</textarea>")
	p = tomas.post(post, url.Values{"progress": {"Half done"}, "next_steps": {"The other half"}, "blockers": {"None"}, "confidence": {"slightly"}})
	if p.Status != http.StatusSeeOther || p.Location != issuePath(is)+"#status-updates" {
		t.Fatalf("post: %d %q", p.Status, p.Location)
	}
	page := tomas.get(issuePath(is))
	page.want(t, http.StatusOK, "Slightly confident", "Half done", "Needs attention")

	s.member("guestsu", cairn.AccessGuest)
	s.as("guestsu").post(post, url.Values{"progress": {"x"}, "next_steps": {"x"}, "blockers": {"x"}, "confidence": {"very"}}).want(t, http.StatusForbidden)
	s.member("outsidesu", 0)
	s.as("outsidesu").post(post, url.Values{"progress": {"x"}}).want(t, http.StatusNotFound)
}

func TestNewIssue(t *testing.T) {
	s := newSite(t)
	tomas := s.as("tomas")
	form := "/" + demo.GroupPath + "/duo-chat/-/issues/new"

	p := tomas.get(form)
	p.want(t, http.StatusOK, "<h1>New issue</h1>", `<option value="issue">issue`, `hx-get="`+form+`/template"`, `name="weight"`, `name="assignee_ids"`, "Use template")
	tomas.get(form+"?template=issue").want(t, http.StatusOK, "## Context", "## Proposal", `<option value="issue" selected>`)
	tomas.get(form+"?template=nope").want(t, http.StatusBadRequest, "Template &#34;nope&#34; does not exist")

	// htmx's template picker: the textarea filled; no template keeps the text.
	frag := tomas.get(form + "/template?template=issue&description=old")
	frag.want(t, http.StatusOK, `id="description-field"`, "## Definition of Done / Acceptance Criteria")
	if frag.Has("<html") || frag.Has("old</textarea>") {
		t.Error("the template fragment is a whole page, or kept the old text")
	}
	tomas.get(form+"/template?template=&description=mine").want(t, http.StatusOK, ">mine</textarea>")

	// Without JavaScript: "Use template" posts the form back with the
	// template applied and the title kept.
	tomas.post(form, url.Values{"title": {"Kept title"}, "template": {"issue"}, "apply_template": {"1"}}).want(t, http.StatusOK,
		`value="Kept title"`, "## Context")

	// Validation keeps the input.
	p = tomas.post(form, url.Values{"title": {" "}, "description": {"Some text"}, "labels": {"type::bug"}, "weight": {"3"}})
	p.want(t, http.StatusUnprocessableEntity, "The issue needs a title.", "Some text</textarea>", `value="type::bug"`, `<option value="3" selected>`)
	tomas.post(form, url.Values{"title": {"Commit"}, "labels": {"Deliverable"}}).want(t, http.StatusForbidden,
		"Only engineering managers, product managers and owners can apply Deliverable or Stretch")

	p = tomas.post(form, url.Values{"title": {"From the form"}, "template": {"issue"}, "labels": {"type::feature"}, "weight": {"2"},
		"assignee_ids": {fmt.Sprint(tomas.user.ID)}, "confidential": {"1"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/"+demo.GroupPath+"/duo-chat/-/issues/") {
		t.Fatalf("create: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	created := tomas.get(p.Location)
	created.want(t, http.StatusOK, "From the form</h1>", "type::feature", "workflow::refinement", "Tomás Novak", "Confidential", `<h2 id="context">Context</h2>`)

	t.Run("Guest", func(t *testing.T) {
		s.member("guestnew", cairn.AccessGuest)
		guest := s.as("guestnew")
		g := guest.get(form)
		g.want(t, http.StatusOK, "A reporter of the team sets labels")
		if g.Has(`name="weight"`) {
			t.Error("a guest gets the metadata fields")
		}
		p := guest.post(form, url.Values{"title": {"Guest idea"}, "weight": {"5"}, "labels": {"Deliverable"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("guest create: %d\n%.2000s", p.Status, p.Body)
		}
		issues, _, err := s.st.ListIssues(context.Background(), cairn.IssueFilter{Search: "Guest idea", GroupID: tomas.mustGroup().ID})
		if err != nil || len(issues) != 1 || issues[0].Weight != nil || issues[0].HasLabel("Deliverable") {
			t.Fatalf("guest's issue: %v %v", issues, err)
		}
		s.member("outsidenew", 0)
		s.as("outsidenew").get(form).want(t, http.StatusNotFound)
	})

	t.Run("GroupChooser", func(t *testing.T) {
		group := "/groups/" + demo.GroupPath + "/-/issues/new"
		tomas.get(group).want(t, http.StatusOK, `<select name="project" required>`, "Duo Chat")
		p := tomas.get(group + "?project=duo-chat&template=issue")
		if p.Status != http.StatusSeeOther || p.Location != form+"?template=issue" {
			t.Fatalf("chooser: %d %q", p.Status, p.Location)
		}
		tomas.get(group+"?project=nope").want(t, http.StatusOK, `<select name="project" required>`)
	})
}

// mustGroup returns the demo group.
func (b *browser) mustGroup() *cairn.Group {
	b.s.t.Helper()
	g, err := b.s.st.GroupByPath(context.Background(), demo.GroupPath)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return g
}

func issuePtr[T any](v T) *T { return &v }

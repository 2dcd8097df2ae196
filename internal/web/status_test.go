package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

// postStatus posts a status update on an issue as its first assignee and
// returns that assignee.
func postStatus(t *testing.T, s *site, issueID int64, confidence, progress string) *cairn.User {
	t.Helper()
	is, err := s.st.IssueByID(context.Background(), issueID)
	if err != nil {
		t.Fatal(err)
	}
	if len(is.Assignees) == 0 {
		t.Fatalf("issue %q has no assignee", is.Title)
	}
	u := is.Assignees[0]
	_, err = s.st.CreateStatusUpdate(cairn.NewContextWithUser(context.Background(), u), cairn.StatusUpdateCreate{
		ProjectID: is.ProjectID, IssueIID: is.IID, Progress: progress, NextSteps: "Review on Friday.", Blockers: "None.", Confidence: confidence})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// riskyDeliverables returns two open, assigned Deliverables of the current
// milestone.
func riskyDeliverables(t *testing.T, s *site, g *cairn.Group, m *cairn.Milestone) (a, b *cairn.Issue) {
	t.Helper()
	risk, err := s.st.MilestoneRisk(context.Background(), g.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []*cairn.Issue
	for _, it := range risk.Items {
		is, err := s.st.IssueByID(context.Background(), it.Issue.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(is.Assignees) > 0 {
			out = append(out, is)
		}
	}
	if len(out) < 2 {
		t.Fatalf("the demo's current milestone has %d assigned Deliverables without updates", len(out))
	}
	return out[0], out[1]
}

func TestStatusPage(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	d1, d2 := riskyDeliverables(t, s, g, tm.Current)
	author := postStatus(t, s, d1.ID, cairn.ConfidenceNot, "Wired the **parser**.")
	postStatus(t, s, d2.ID, cairn.ConfidenceSlightly, "Half way.")
	ctx := context.Background()
	due, err := s.st.StatusUpdatesDue(ctx, g.ID, "")
	if err != nil || len(due.Due) == 0 {
		t.Fatalf("due: %v %v", due, err)
	}
	risk, err := s.st.MilestoneRisk(ctx, g.ID, tm.Current.ID)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[int64]string{}
	for _, p := range []string{"code-suggestions", "duo-chat", "ide-extensions", "planning"} {
		pr, err := s.st.ProjectByPath(ctx, "code-creation/"+p)
		if err != nil {
			t.Fatal(err)
		}
		refs[pr.ID] = pr.FullPath()
	}
	url := func(is *cairn.Issue) string { return fmt.Sprintf("/%s/-/issues/%d", refs[is.ProjectID], is.IID) }

	emma := s.as("emma")
	p := emma.get("/groups/code-creation/-/status")
	// This week (demoToday is in week 47), with links to the weeks around.
	p.want(t, http.StatusOK, "Week 47, 2026", "Wednesday 18 Nov", "this week",
		`href="/groups/code-creation/-/status?week=2026-W46"`, `href="/groups/code-creation/-/status?week=2026-W48"`)
	// The updates by issue, with their text as markdown.
	p.want(t, http.StatusOK, `<a href="`+url(d1)+`">`+html.EscapeString(d1.Title)+`</a>`, "Wired the <strong>parser</strong>.",
		html.EscapeString(author.Name), "not confident", "slightly confident", `Updates posted</dt><dd>2</dd>`)
	// Who still owes one: each item links to the issue's form.
	owed := sectionOf(p.Body, "owed")
	if !strings.Contains(owed, fmt.Sprintf(`Still owed <span class="count">%d</span>`, len(due.Due))) {
		t.Errorf("owed count: %.300s", owed)
	}
	for _, d := range due.Due {
		link := `href="` + url(d.Issue) + `#status-update"`
		if !strings.Contains(owed, link) || !strings.Contains(owed, "@"+d.User.Username) {
			t.Errorf("owed lacks %s by %s", link, d.User.Username)
		}
	}
	for _, d := range due.Due {
		if d.Issue.ID == d1.ID && d.User.ID == author.ID {
			t.Fatalf("%s still owes an update on %q after posting", author.Username, d1.Title)
		}
	}
	// The milestone's risk: counts, and the worst first.
	p.want(t, http.StatusOK, `Not confident</dt><dd>1</dd>`, `Slightly confident</dt><dd>1</dd>`,
		fmt.Sprintf(`Stale</dt><dd>%d <small>of %d Deliverables</small>`, risk.Stale, risk.Deliverables))
	rs := sectionOf(p.Body, "risk")
	i1, i2 := strings.Index(rs, html.EscapeString(d1.Title)), strings.Index(rs, html.EscapeString(d2.Title))
	if i1 < 0 || i2 < 0 || i1 > i2 || !strings.Contains(rs, `class="risk-at-risk"`) {
		t.Errorf("risk list: not confident %d, slightly %d: %.600s", i1, i2, rs)
	}

	// Another week: nothing posted, and a way back.
	emma.get("/groups/code-creation/-/status?week=2026-W46").want(t, http.StatusOK, "Week 46, 2026", "No status updates that week.",
		`href="/groups/code-creation/-/status">This week</a>`)
	emma.get("/groups/code-creation/-/status?week=2026-48").want(t, http.StatusBadRequest, "week must be an ISO week like 2026-W48")
	addOutsider(t, s)
	s.as("outsider").get("/groups/code-creation/-/status").want(t, http.StatusNotFound)
}

func TestStatusGuestConfidential(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	addGuest(t, s, g, "gail")
	d1, _ := riskyDeliverables(t, s, g, tm.Current)
	postStatus(t, s, d1.ID, cairn.ConfidenceNot, "Secret progress on the thing.")
	makeConfidential(t, s, d1.ProjectID, d1.IID)

	title := html.EscapeString(d1.Title)
	s.as("emma").get("/groups/code-creation/-/status").want(t, http.StatusOK, title, "Secret progress on the thing.")
	p := s.as("gail").get("/groups/code-creation/-/status")
	p.want(t, http.StatusOK, "Confidential issue", "Status updates on a confidential issue.")
	for _, secret := range []string{title, "Secret progress on the thing."} {
		if p.Has(secret) {
			t.Errorf("a guest sees %q", secret)
		}
	}
}

package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
)

// boardWorld is the demo site with a few issues of the test's own in the
// current milestone of the demo team.
type boardWorld struct {
	*site
	ctx     context.Context
	group   *cairn.Group
	project *cairn.Project // code-suggestions
	other   *cairn.Project // duo-chat
	current *cairn.Milestone
	next    *cairn.Milestone
	emma    *cairn.User
}

const boardReadyDescription = "## Context\n\nUsers wait.\n\n## Proposal\n\nCache it.\n\n## Acceptance Criteria\n\n- [ ] It is fast\n"

func newBoardWorld(t *testing.T) *boardWorld {
	t.Helper()
	s := newSite(t)
	ctx := context.Background()
	w := &boardWorld{site: s}
	var err error
	if w.emma, err = s.st.UserByUsername(ctx, demo.ManagerName); err != nil {
		t.Fatal(err)
	}
	w.ctx = cairn.NewContextWithUser(ctx, w.emma)
	if w.group, err = s.st.GroupByPath(ctx, demo.GroupPath); err != nil {
		t.Fatal(err)
	}
	if w.project, err = s.st.ProjectByPath(ctx, demo.GroupPath+"/code-suggestions"); err != nil {
		t.Fatal(err)
	}
	if w.other, err = s.st.ProjectByPath(ctx, demo.GroupPath+"/duo-chat"); err != nil {
		t.Fatal(err)
	}
	tl, err := s.p.Milestones(ctx, w.group.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Current == nil || len(tl.Active) < 2 {
		t.Fatalf("demo timeline: current %v, %d active", tl.Current, len(tl.Active))
	}
	w.current = tl.Current
	for _, m := range tl.Active {
		if m.StartDate > w.current.StartDate {
			w.next = m
			break
		}
	}
	return w
}

// issue creates an issue in the current milestone.
func (w *boardWorld) issue(title string, labels []string, weight *int, desc string) *cairn.Issue {
	w.t.Helper()
	is, err := w.st.CreateIssue(w.ctx, cairn.IssueCreate{ProjectID: w.project.ID, Title: title, Labels: labels, Weight: weight,
		Description: desc, MilestoneID: w.current.ID, AssigneeIDs: []int64{w.emma.ID}})
	if err != nil {
		w.t.Fatalf("create issue: %v", err)
	}
	return is
}

func (w *boardWorld) reload(is *cairn.Issue) *cairn.Issue {
	w.t.Helper()
	out, err := w.st.IssueByID(context.Background(), is.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func cardRef(is *cairn.Issue) string { return fmt.Sprintf("%d:%d", is.ProjectID, is.IID) }

func boardWeight(n int) *int { return &n }

// listOf returns the HTML of the board list whose data-board-list is value.
func boardListOf(t *testing.T, body, value string) string {
	t.Helper()
	marker := `data-board-list="` + value + `"`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no list %q on the board", value)
	}
	rest := body[i:]
	return rest[:strings.Index(rest, "</ul>")]
}

func TestBoards(t *testing.T) {
	w := newBoardWorld(t)
	inDev := w.issue("Board test in dev card", []string{demo.LabelInDev, demo.LabelDeliver, demo.LabelHigh}, boardWeight(3), boardReadyDescription)
	open := w.issue("Board test card without workflow", nil, nil, "")
	_, err := w.st.CreateIssue(w.ctx, cairn.IssueCreate{ProjectID: w.other.ID, Title: "Board test next milestone card",
		Labels: []string{demo.LabelReady}, MilestoneID: w.next.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The store adds the refinement label to a new issue without a
	// workflow label; take it off for the Open list.
	if _, err := w.st.UpdateIssue(w.ctx, open.ProjectID, open.IID, cairn.IssueUpdate{RemoveLabels: []string{demo.LabelRefinement}}); err != nil {
		t.Fatal(err)
	}
	emma := w.as("emma")
	base := "/groups/" + demo.GroupPath + "/-/boards"

	t.Run("Workflow", func(t *testing.T) {
		p := emma.get(base)
		p.want(t, 200, `<div class="board" data-board="workflow" data-move-url="/groups/code-creation/-/boards/move?by=workflow">`,
			`data-board-list=""`, `data-board-list="workflow::refinement"`, `data-board-list="workflow::in review"`, `data-board-list="closed"`,
			"Current ("+w.current.Title+")")
		// Open first, the workflow labels in the settings' order, Closed last.
		order := []string{`data-board-list=""`, `data-board-list="workflow::refinement"`, `data-board-list="workflow::ready for development"`,
			`data-board-list="workflow::in dev"`, `data-board-list="workflow::in review"`, `data-board-list="closed"`}
		last := -1
		for _, o := range order {
			i := strings.Index(p.Body, o)
			if i <= last {
				t.Fatalf("list %s out of order", o)
			}
			last = i
		}
		card := boardListOf(t, p.Body, demo.LabelInDev)
		for _, part := range []string{`data-issue="` + cardRef(inDev) + `"`, `data-issue-id="` + strconv.FormatInt(inDev.ID, 10) + `"`,
			"Board test in dev card", `title="code-creation/code-suggestions#` + strconv.FormatInt(inDev.IID, 10) + `">code-suggestions#` + strconv.FormatInt(inDev.IID, 10) + `<`,
			`href="/code-creation/code-suggestions/-/issues/` + strconv.FormatInt(inDev.IID, 10) + `"`,
			">Deliverable</span>", ">high</span>", `title="Weight 3"`, ">EL</span>"} {
			if !strings.Contains(card, part) {
				t.Errorf("in dev list lacks %q", part)
			}
		}
		if !strings.Contains(boardListOf(t, p.Body, ""), "Board test card without workflow") {
			t.Error("the Open list lacks the issue without a workflow label")
		}
		if strings.Contains(p.Body, "Board test next milestone card") {
			t.Error("the board shows an issue of another milestone by default")
		}
		planningIssues, _, err := w.st.ListIssues(w.ctx, cairn.IssueFilter{GroupID: w.group.ID, Labels: []string{demo.LabelPlanning}, MilestoneID: w.current.ID})
		if err != nil || len(planningIssues) == 0 {
			t.Fatalf("the demo's planning issue: %v (%d)", err, len(planningIssues))
		}
		for _, pi := range planningIssues {
			if strings.Contains(p.Body, `data-issue="`+cardRef(pi)+`"`) {
				t.Errorf("the board shows the planning issue %q", pi.Title)
			}
		}
	})
	t.Run("MilestoneAny", func(t *testing.T) {
		p := emma.get(base + "?milestone=any")
		p.want(t, 200, "Board test next milestone card", "Board test in dev card", `<option value="any" selected>`)
		// The demo closed more than a list shows: the rest is a link to
		// the issue list with the same filters.
		closed := p.Body[strings.Index(p.Body, `data-board-list="closed"`):]
		if !regexp.MustCompile(`<a class="more" href="/groups/code-creation/-/issues\?milestone=Any&amp;state=closed">\+\d+ more</a>`).MatchString(closed) {
			t.Errorf("the Closed list has no link to the rest: %.3000s", closed[strings.Index(closed, "</ul>"):])
		}
		if n := strings.Count(boardListOf(t, p.Body, "closed"), `<li class="board-card`); n != 100 {
			t.Errorf("the Closed list shows %d cards, want 100", n)
		}
	})
	t.Run("MilestoneByTitle", func(t *testing.T) {
		p := emma.get(base + "?milestone=" + url.QueryEscape(w.next.Title))
		p.want(t, 200, "Board test next milestone card")
		if strings.Contains(p.Body, "Board test in dev card") {
			t.Error("milestone filter shows another milestone's issue")
		}
	})
	t.Run("Assignee", func(t *testing.T) {
		p := emma.get(base + "?assignee=tomas")
		p.want(t, 200, `<option value="tomas" selected>`)
		if strings.Contains(p.Body, "Board test in dev card") {
			t.Error("assignee filter shows emma's issue")
		}
		emma.get(base+"?assignee=emma").want(t, 200, "Board test in dev card")
	})
	t.Run("Label", func(t *testing.T) {
		p := emma.get(base + "?label=" + url.QueryEscape(demo.LabelDeliver))
		p.want(t, 200, "Board test in dev card")
		if strings.Contains(p.Body, "Board test card without workflow") {
			t.Error("label filter shows an issue without the label")
		}
	})
	t.Run("ByProject", func(t *testing.T) {
		p := emma.get(base + "?by=project&milestone=any")
		p.want(t, 200, `data-board="project"`, `data-board-list="`+strconv.FormatInt(w.project.ID, 10)+`"`, "Code Suggestions", "Duo Chat")
		if !strings.Contains(boardListOf(t, p.Body, strconv.FormatInt(w.other.ID, 10)), "Board test next milestone card") {
			t.Error("the Duo Chat list lacks its issue")
		}
	})
	t.Run("ByMilestone", func(t *testing.T) {
		p := emma.get(base + "?by=milestone")
		p.want(t, 200, `data-board="milestone"`, "No milestone", w.current.Title, w.next.Title)
		if !strings.Contains(boardListOf(t, p.Body, strconv.FormatInt(w.next.ID, 10)), "Board test next milestone card") {
			t.Error("the next milestone's list lacks its issue")
		}
		if !strings.Contains(boardListOf(t, p.Body, strconv.FormatInt(w.current.ID, 10)), "Board test in dev card") {
			t.Error("the current milestone's list lacks its issue")
		}
	})
	t.Run("NoMatches", func(t *testing.T) {
		emma.get(base+"?label=no-such-label").want(t, 200, "No open issues match these filters.")
	})
	t.Run("BadKind", func(t *testing.T) {
		emma.get(base+"?by=colour").want(t, 400, "by must be workflow, project or milestone")
	})
}

func TestBoardMove(t *testing.T) {
	w := newBoardWorld(t)
	emma := w.as("emma")
	move := func(b *browser, by string, is *cairn.Issue, from, to string, extra ...string) page {
		t.Helper()
		form := url.Values{"issue": {cardRef(is)}, "from": {from}, "to": {to}}
		for i := 0; i+1 < len(extra); i += 2 {
			form.Set(extra[i], extra[i+1])
		}
		return b.post("/groups/"+demo.GroupPath+"/-/boards/move?by="+by, form)
	}

	t.Run("ReadyGateRefuses", func(t *testing.T) {
		is := w.issue("Unrefined card", []string{demo.LabelRefinement}, nil, "")
		p := move(emma, "workflow", is, demo.LabelRefinement, demo.LabelReady)
		p.want(t, 422, "Cannot move to workflow::ready for development: missing weight from the scale (1, 2, 3, 5), Context, Proposal, Acceptance Criteria")
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("refusal content type %q", ct)
		}
		if got := w.reload(is); !got.HasLabel(demo.LabelRefinement) || got.HasLabel(demo.LabelReady) {
			t.Errorf("labels after a refused move: %v", got.LabelNames())
		}
	})
	t.Run("ReadyGateAccepts", func(t *testing.T) {
		is := w.issue("Refined card", []string{demo.LabelRefinement}, boardWeight(2), boardReadyDescription)
		p := move(emma, "workflow", is, demo.LabelRefinement, demo.LabelReady)
		p.want(t, 200, `<li class="board-card"`, `data-issue="`+cardRef(is)+`"`, "Refined card")
		if strings.Contains(p.Body, "<html") {
			t.Error("the move answered a whole page, not the card")
		}
		got := w.reload(is)
		if !got.HasLabel(demo.LabelReady) || got.HasLabel(demo.LabelRefinement) {
			t.Errorf("labels after the move: %v", got.LabelNames())
		}
		events, _, err := w.st.ListIssueEvents(context.Background(), is.ProjectID, is.IID, cairn.EventLabel, cairn.Page{PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		var added bool
		for _, e := range events {
			if e.Action == cairn.ActionAdd && e.LabelName == demo.LabelReady && e.User != nil && e.User.ID == w.emma.ID {
				added = true
			}
		}
		if !added {
			t.Errorf("no label event by emma for the move: %+v", events)
		}
	})
	t.Run("ToOpenAndBack", func(t *testing.T) {
		is := w.issue("Card to open", []string{demo.LabelInDev}, boardWeight(1), boardReadyDescription)
		move(emma, "workflow", is, demo.LabelInDev, "").want(t, 200, "Card to open")
		if got := w.reload(is); got.HasLabel(demo.LabelInDev) || got.HasLabel(demo.LabelRefinement) {
			t.Errorf("labels after moving to Open: %v", got.LabelNames())
		}
		move(emma, "workflow", is, "", demo.LabelInReview).want(t, 200)
		if got := w.reload(is); !got.HasLabel(demo.LabelInReview) {
			t.Errorf("labels after moving to in review: %v", got.LabelNames())
		}
	})
	t.Run("CloseAndReopen", func(t *testing.T) {
		is := w.issue("Card to close", []string{demo.LabelInReview}, boardWeight(1), boardReadyDescription)
		move(emma, "workflow", is, demo.LabelInReview, "closed").want(t, 200, `class="board-card closed"`)
		if got := w.reload(is); got.State != cairn.StateClosed || !got.HasLabel(demo.LabelInReview) {
			t.Errorf("after closing: %s %v", got.State, got.LabelNames())
		}
		move(emma, "workflow", is, "closed", demo.LabelInDev).want(t, 200)
		if got := w.reload(is); got.State != cairn.StateOpened || !got.HasLabel(demo.LabelInDev) || got.HasLabel(demo.LabelInReview) {
			t.Errorf("after reopening: %s %v", got.State, got.LabelNames())
		}
	})
	t.Run("UnknownList", func(t *testing.T) {
		is := w.issue("Card to nowhere", []string{demo.LabelInDev}, boardWeight(1), boardReadyDescription)
		move(emma, "workflow", is, demo.LabelInDev, "workflow::nowhere").want(t, 422, "This board has no such list")
	})
	t.Run("Rank", func(t *testing.T) {
		a := w.issue("Ranked card A", []string{demo.LabelInDev}, boardWeight(1), boardReadyDescription)
		b := w.issue("Ranked card B", []string{demo.LabelInDev}, boardWeight(1), boardReadyDescription)
		// A to the top of an unranked list, then B below it.
		move(emma, "workflow", a, demo.LabelInDev, demo.LabelInDev, "before_id", strconv.FormatInt(b.ID, 10)).want(t, 200)
		move(emma, "workflow", b, demo.LabelInDev, demo.LabelInDev, "after_id", strconv.FormatInt(a.ID, 10)).want(t, 200)
		ra, rb := w.reload(a).RelativePosition, w.reload(b).RelativePosition
		if ra == nil || rb == nil || *ra >= *rb {
			t.Fatalf("ranks A %v, B %v", ra, rb)
		}
		p := w.as("emma").get("/groups/" + demo.GroupPath + "/-/boards")
		list := boardListOf(t, p.Body, demo.LabelInDev)
		if ia, ib := strings.Index(list, "Ranked card A"), strings.Index(list, "Ranked card B"); ia < 0 || ib < 0 || ia > ib {
			t.Errorf("A at %d, B at %d in the in dev list", ia, ib)
		}
	})
	t.Run("ProjectRefused", func(t *testing.T) {
		is := w.issue("Card that stays", nil, nil, "")
		p := move(emma, "project", is, strconv.FormatInt(w.project.ID, 10), strconv.FormatInt(w.other.ID, 10))
		p.want(t, 422, "Issues can't move between projects here")
		if got := w.reload(is); got.ProjectID != w.project.ID {
			t.Errorf("project %d", got.ProjectID)
		}
	})
	t.Run("Milestone", func(t *testing.T) {
		is := w.issue("Card to plan", []string{demo.LabelReady}, boardWeight(2), boardReadyDescription)
		move(emma, "milestone", is, strconv.FormatInt(w.current.ID, 10), strconv.FormatInt(w.next.ID, 10)).want(t, 200, "Card to plan")
		if got := w.reload(is); got.Milestone == nil || got.Milestone.ID != w.next.ID {
			t.Errorf("milestone after the move: %+v", got.Milestone)
		}
		move(emma, "milestone", is, strconv.FormatInt(w.next.ID, 10), "").want(t, 200)
		if got := w.reload(is); got.Milestone != nil {
			t.Errorf("milestone after moving to No milestone: %+v", got.Milestone)
		}
		move(emma, "milestone", is, "", "999999").want(t, 422, "This board has no such list")
	})
	t.Run("BadIssue", func(t *testing.T) {
		p := emma.post("/groups/"+demo.GroupPath+"/-/boards/move?by=workflow", url.Values{"issue": {"x"}, "to": {""}})
		p.want(t, 422, "The move names no issue.")
		p = emma.post("/groups/"+demo.GroupPath+"/-/boards/move?by=workflow", url.Values{"issue": {"999999:1"}, "to": {""}})
		p.want(t, 404)
	})
	t.Run("CrossSite", func(t *testing.T) {
		is := w.issue("Card for CSRF", []string{demo.LabelInDev}, boardWeight(1), boardReadyDescription)
		p := emma.postFrom("/groups/"+demo.GroupPath+"/-/boards/move?by=workflow", "cross-site",
			url.Values{"issue": {cardRef(is)}, "from": {demo.LabelInDev}, "to": {"closed"}})
		if p.Status != 403 {
			t.Errorf("cross-site move: %d", p.Status)
		}
		if got := w.reload(is); got.State != cairn.StateOpened {
			t.Error("a cross-site post closed the issue")
		}
	})
}

func TestBoardPermissions(t *testing.T) {
	w := newBoardWorld(t)
	secret, err := w.st.CreateIssue(w.ctx, cairn.IssueCreate{ProjectID: w.project.ID, Title: "Secret board card", Confidential: true,
		Labels: []string{demo.LabelInDev}, MilestoneID: w.current.ID})
	if err != nil {
		t.Fatal(err)
	}
	plain := w.issue("Plain board card", []string{demo.LabelInDev}, boardWeight(1), boardReadyDescription)
	w.member("gina", cairn.AccessGuest)
	w.member("rory", cairn.AccessReporter)
	w.member("nora", 0)
	base := "/groups/" + demo.GroupPath + "/-/boards"
	movePath := base + "/move?by=workflow"
	form := func(is *cairn.Issue, to string) url.Values {
		return url.Values{"issue": {cardRef(is)}, "from": {demo.LabelInDev}, "to": {to}}
	}

	t.Run("OwnerSeesConfidential", func(t *testing.T) {
		w.as("emma").get(base).want(t, 200, "Secret board card", `class="card-badge confidential"`)
	})
	t.Run("GuestReadsOnly", func(t *testing.T) {
		guest := w.as("gina")
		p := guest.get(base)
		p.want(t, 200, "Plain board card")
		if strings.Contains(p.Body, "Secret board card") {
			t.Error("a guest sees a confidential card")
		}
		if strings.Contains(p.Body, "data-move-url") || strings.Contains(p.Body, "data-board=") {
			t.Error("a guest gets a draggable board")
		}
		guest.post(movePath, form(plain, demo.LabelInReview)).want(t, 403, "not allowed")
		if got := w.reload(plain); !got.HasLabel(demo.LabelInDev) {
			t.Errorf("a guest moved the card: %v", got.LabelNames())
		}
	})
	t.Run("ReporterMoves", func(t *testing.T) {
		w.as("rory").post(movePath, form(plain, demo.LabelInReview)).want(t, 200, "Plain board card")
		// Reporters see confidential issues, as in GitLab.
		w.as("rory").post(movePath, form(secret, demo.LabelInReview)).want(t, 200, "Secret board card")
	})
	t.Run("NonMember", func(t *testing.T) {
		nora := w.as("nora")
		nora.get(base).want(t, 404)
		nora.post(movePath, form(plain, "closed")).want(t, 404)
	})
	t.Run("Anonymous", func(t *testing.T) {
		p := w.anonymous().get(base)
		if p.Status != 303 || !strings.HasPrefix(p.Location, "/users/sign_in") {
			t.Errorf("anonymous: %d %s", p.Status, p.Location)
		}
	})
}

func TestRefinementPage(t *testing.T) {
	w := newBoardWorld(t)
	unrefined := w.issue("Refinement page unrefined", []string{demo.LabelRefinement, demo.LabelHigh}, nil, "")
	w.member("gina", cairn.AccessGuest)
	w.member("nora", 0)
	path := "/groups/" + demo.GroupPath + "/-/refinement"

	t.Run("Queue", func(t *testing.T) {
		p := w.as("emma").get(path)
		p.want(t, 200, "<h1>Refinement</h1>", `<th scope="col">Missing</th>`, `<th scope="col" class="num">In refinement</th>`,
			"Refinement page unrefined", `href="/code-creation/code-suggestions/-/issues/`+strconv.FormatInt(unrefined.IID, 10)+`"`,
			"<li>weight from the scale (1, 2, 3, 5)</li>", "<li>Acceptance Criteria</li>", "Refinement share", "Target: 20%", `aria-current="page">Refinement</a>`,
			"No time was logged on the team's issues in this window.")
	})
	t.Run("Share", func(t *testing.T) {
		// Two hours logged an hour after the issue entered refinement
		// count as refinement time.
		w.st.Now = func() time.Time { return demoToday.Add(time.Hour) }
		defer func() { w.st.Now = func() time.Time { return demoToday } }()
		if _, err := w.st.UpdateIssue(w.ctx, unrefined.ProjectID, unrefined.IID, cairn.IssueUpdate{SpendSeconds: 7200}); err != nil {
			t.Fatal(err)
		}
		w.as("emma").get(path).want(t, 200, `<tr class="total"><th scope="row">Team</th>`, `<td class="num">2 h</td>`, `<td class="num off-target">100%</td>`)
	})
	t.Run("Pages", func(t *testing.T) {
		for i := range 20 {
			w.issue(fmt.Sprintf("Refinement page filler %d", i), []string{demo.LabelRefinement}, nil, "")
		}
		p := w.as("emma").get(path)
		p.want(t, 200, `href="/groups/code-creation/-/refinement?page=2" rel="next"`)
		queue := p.Body[strings.Index(p.Body, `id="queue-h"`):strings.Index(p.Body, `id="incomplete-h"`)]
		if n := strings.Count(queue, `<td class="num"><time`); n != 50 {
			t.Errorf("page 1 shows %d issues, want 50", n)
		}
		w.as("emma").get(path+"?page=2").want(t, 200, `href="/groups/code-creation/-/refinement?page=1" rel="prev"`, "Refinement page filler 19")
	})
	t.Run("Guest", func(t *testing.T) {
		w.as("gina").get(path).want(t, 200, "Refinement queue")
	})
	t.Run("NonMember", func(t *testing.T) {
		w.as("nora").get(path).want(t, 404)
	})
	t.Run("BadPage", func(t *testing.T) {
		w.as("emma").get(path+"?page=0").want(t, 400, "page must be a positive number")
		w.as("emma").get(path+"?page=999").want(t, 200, "No issues on this page.")
	})
	t.Run("Empty", func(t *testing.T) {
		ctx := w.ctx
		g, err := w.st.CreateGroup(ctx, cairn.GroupCreate{Path: "quiet", Name: "Quiet"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.st.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: w.emma.ID, AccessLevel: cairn.AccessOwner}); err != nil && cairn.ErrorCode(err) != cairn.ECONFLICT {
			t.Fatal(err)
		}
		w.as("emma").get("/groups/quiet/-/refinement").want(t, 200, "Nothing waits for refinement.")
	})
}

package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// planMilestones returns the demo team's milestones as the planner sees
// them on demoToday: 2026-11 is current, 2026-12 is being planned.
func planMilestones(t *testing.T, s *site) (*cairn.Group, *planner.TeamMilestones) {
	t.Helper()
	g, err := s.st.GroupByPath(context.Background(), "code-creation")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := s.p.Milestones(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tm.Next == nil || tm.Next.Title != "2026-12" || tm.InProgress == nil || tm.InProgress.Title != "2026-11" {
		t.Fatalf("demo milestones: next %v, current %v", tm.Next, tm.InProgress)
	}
	return g, tm
}

// addGuest makes a new user a guest of the group and returns their name.
func addGuest(t *testing.T, s *site, g *cairn.Group, username string) {
	t.Helper()
	ctx := context.Background()
	u, err := s.st.CreateUser(ctx, cairn.UserCreate{Username: username, Name: "Guest " + username, Email: username + "@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: u.ID, AccessLevel: cairn.AccessGuest}); err != nil {
		t.Fatal(err)
	}
}

// asUser is a context acting as the named user, for store writes.
func asUser(t *testing.T, s *site, username string) context.Context {
	t.Helper()
	u, err := s.st.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return cairn.NewContextWithUser(context.Background(), u)
}

// makeConfidential marks a plan entry's issue confidential.
func makeConfidential(t *testing.T, s *site, projectID, iid int64) {
	t.Helper()
	yes := true
	if _, err := s.st.UpdateIssue(asUser(t, s, "emma"), projectID, iid, cairn.IssueUpdate{Confidential: &yes}); err != nil {
		t.Fatal(err)
	}
}

func TestPlanningPage(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	pv, err := s.p.Plan(context.Background(), g.ID, tm.Next.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Capacity.Members) == 0 || len(pv.Plan.Deliverables) == 0 {
		t.Fatalf("the demo plan has no capacity or Deliverables: %+v", pv.Plan)
	}
	emma := s.as("emma")

	// The default is the milestone being planned, with its deadline: it
	// starts on Tuesday 1 December, so planning is final by Saturday 28
	// November, and from Wednesday 18 November that leaves 8 working days.
	p := emma.get("/groups/code-creation/-/planning")
	p.want(t, http.StatusOK, "Planning <span class=\"plan-title\">2026-12</span>", "being planned",
		"Finalise by Sat 28 Nov 2026 (8 working days left)", "23 working days")
	// The capacity table: a row per member with the planner's figures, and
	// the team's total.
	for _, m := range pv.Capacity.Members {
		row := `<span class="ref">@` + m.Username + "</span></th>"
		if !p.Has(row) {
			t.Errorf("capacity table lacks %s", m.Username)
		}
	}
	if got := strings.Count(p.Body, `<th scope="row"><span class="avatar"`); got != len(pv.Capacity.Members) {
		t.Errorf("capacity rows = %d, want %d", got, len(pv.Capacity.Members))
	}
	p.want(t, http.StatusOK, `<td class="num strong">`+planning.Format1(pv.Capacity.TeamCapacity)+`</td>`,
		strconv.FormatFloat(pv.Capacity.TeamVelocity, 'f', 2, 64)+` <span class="src">`+pv.Capacity.TeamVelocitySource)
	// Every list with its count, issues linked to their pages.
	for _, l := range []struct {
		id      string
		entries []planning.Entry
	}{
		{"carryover", pv.Plan.Carryover}, {"deliverables", pv.Plan.Deliverables}, {"stretch", pv.Plan.Stretch},
		{"left-out", pv.Plan.LeftOut}, {"refinement-gaps", pv.Plan.RefinementGaps},
	} {
		head := fmt.Sprintf(`id="%s">`, l.id)
		i := strings.Index(p.Body, head)
		if i < 0 {
			t.Fatalf("no section %s", l.id)
		}
		if !strings.HasPrefix(p.Body[i+len(head):], fmt.Sprintf(`%s <span class="count">%d</span>`, sectionHeading(l.id), len(l.entries))) {
			t.Errorf("section %s: heading %.80q, want count %d", l.id, p.Body[i:], len(l.entries))
		}
		for _, e := range l.entries[:min(3, len(l.entries))] {
			pr := pv.Projects[e.ProjectID]
			link := fmt.Sprintf(`<a href="/%s/-/issues/%d">%s</a>`, pr.FullPath(), e.IID, html.EscapeString(e.Title))
			if !p.Has(link) {
				t.Errorf("section %s lacks %s", l.id, link)
			}
		}
	}
	if len(pv.Plan.Stretch) > 0 {
		p.want(t, http.StatusOK, pv.Plan.Stretch[0].Reason, html.EscapeString(pv.Plan.Stretch[0].Detail))
	}
	// The planning issue, and the managers' Finalise button with its
	// confirmation.
	if pv.PlanningIssue != nil {
		p.want(t, http.StatusOK, fmt.Sprintf(`/code-creation/planning/-/issues/%d"`, pv.PlanningIssue.IID))
	}
	p.want(t, http.StatusOK, `action="/groups/code-creation/-/planning/`+strconv.FormatInt(tm.Next.ID, 10)+`/finalize"`,
		`data-confirm="Finalise the plan of 2026-12?`, `>Finalise plan</button>`, `name="reason"`)

	// The switcher's form lands on the milestone's own page.
	r := emma.get("/groups/code-creation/-/planning?milestone_id=" + strconv.FormatInt(tm.InProgress.ID, 10))
	if r.Status != http.StatusSeeOther || r.Location != "/groups/code-creation/-/planning/"+strconv.FormatInt(tm.InProgress.ID, 10) {
		t.Fatalf("switcher: %d %q", r.Status, r.Location)
	}
	emma.get(r.Location).want(t, http.StatusOK, "<span class=\"plan-title\">2026-11</span>", "current milestone",
		`rel="next">2026-12`)

	for _, tc := range []struct {
		name, path string
	}{
		{"unknown milestone", "/groups/code-creation/-/planning/99999"},
		{"not a number", "/groups/code-creation/-/planning/abc"},
		{"unknown group", "/groups/nope/-/planning"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emma.get(tc.path).want(t, http.StatusNotFound)
		})
	}
	// Another team's milestone is not this team's to plan.
	other, err := s.st.CreateGroup(asUser(t, s, "emma"), cairn.GroupCreate{Path: "other", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.AddMember(context.Background(), cairn.MemberInput{GroupID: other.ID, UserID: emma.user.ID, AccessLevel: cairn.AccessOwner}); err != nil &&
		cairn.ErrorCode(err) != cairn.ECONFLICT {
		t.Fatal(err)
	}
	emma.get("/groups/other/-/planning").want(t, http.StatusOK, "This team has no milestones to plan yet.")
	undated, err := s.st.CreateMilestone(asUser(t, s, "emma"), cairn.MilestoneCreate{GroupID: other.ID, Title: "Someday"})
	if err != nil {
		t.Fatal(err)
	}
	emma.get("/groups/other/-/planning/"+strconv.FormatInt(undated.ID, 10)).want(t, http.StatusOK,
		"Milestone Someday has no start date or no due date", "Give the milestone a start date and a due date")
	om, err := s.st.CreateMilestone(asUser(t, s, "emma"), cairn.MilestoneCreate{GroupID: other.ID, Title: "O1", StartDate: "2026-12-01", DueDate: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	emma.get("/groups/code-creation/-/planning/"+strconv.FormatInt(om.ID, 10)).want(t, http.StatusNotFound)

	// Non-members do not see a team's planning; signed-out users sign in.
	addOutsider(t, s)
	s.as("outsider").get("/groups/code-creation/-/planning").want(t, http.StatusNotFound)
	if r := s.anonymous().get("/groups/code-creation/-/planning"); r.Status != http.StatusSeeOther {
		t.Fatalf("signed out: %d", r.Status)
	}
}

// sectionHeading is a plan list's heading by its anchor.
func sectionHeading(id string) string {
	return map[string]string{"carryover": "Carryover", "deliverables": "Deliverables", "stretch": "Stretch",
		"left-out": "Left out", "refinement-gaps": "Refinement gaps"}[id]
}

// addOutsider creates a user who is in no team.
func addOutsider(t *testing.T, s *site) {
	t.Helper()
	if _, err := s.st.CreateUser(context.Background(), cairn.UserCreate{Username: "outsider", Name: "Out Sider", Email: "out@example.com"}); err != nil {
		t.Fatal(err)
	}
}

func TestPlanningFinalize(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	addGuest(t, s, g, "gail")
	path := "/groups/code-creation/-/planning/" + strconv.FormatInt(tm.Next.ID, 10)

	// Only managers and owners see the button, and only they may post.
	for _, tc := range []struct {
		user   string
		button bool
		status int
	}{
		{"tomas", false, http.StatusForbidden}, // developer, engineer
		{"gail", false, http.StatusForbidden},  // guest
	} {
		t.Run(tc.user, func(t *testing.T) {
			b := s.as(tc.user)
			p := b.get(path)
			p.want(t, http.StatusOK, "Capacity")
			if p.Has(">Finalise plan</button>") != tc.button {
				t.Errorf("%s sees the Finalise button: %v", tc.user, !tc.button)
			}
			b.post(path+"/finalize", nil).want(t, tc.status)
		})
	}
	if !s.as("priya").get(path).Has(">Finalise plan</button>") {
		t.Error("the product manager does not see the Finalise button")
	}
	addOutsider(t, s)
	s.as("outsider").post(path+"/finalize", nil).want(t, http.StatusNotFound)
	// A cross-site form cannot finalise.
	if p := s.as("emma").postFrom(path+"/finalize", "cross-site", nil); p.Status != http.StatusForbidden {
		t.Fatalf("cross-site finalise: %d", p.Status)
	}
	if pv, err := s.p.Plan(context.Background(), g.ID, tm.Next.ID); err != nil || pv.Finalized {
		t.Fatalf("refused finalisations changed the plan: %v %v", pv.Finalized, err)
	}

	emma := s.as("emma")
	p := emma.post(path+"/finalize", nil)
	p.want(t, http.StatusOK, "The plan of 2026-12 is final:", "Deliverables", "data-plan-final", "Final</strong> since")
	if p.Has(">Finalise plan</button>") || p.Has("Finalise by") {
		t.Error("a final plan still offers finalising")
	}
	pv, err := s.p.Plan(context.Background(), g.ID, tm.Next.ID)
	if err != nil || !pv.Finalized {
		t.Fatalf("after finalising: finalized %v, %v", pv.Finalized, err)
	}
	// Twice: nothing changes, and the page says so.
	emma.post(path+"/finalize", nil).want(t, http.StatusOK, "The plan of 2026-12 was already final (finalised on ", "nothing changed")
	emma.get(path).want(t, http.StatusOK, "Final</strong> since")
}

func TestPlanningParkingLot(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	addGuest(t, s, g, "gail")
	path := "/groups/code-creation/-/planning/" + strconv.FormatInt(tm.Next.ID, 10)
	tomas := s.as("tomas")
	ctx := context.Background()
	pr, err := s.st.ProjectByPath(ctx, "code-creation/duo-chat")
	if err != nil {
		t.Fatal(err)
	}
	issues, _, err := s.st.ListIssues(ctx, cairn.IssueFilter{ProjectID: pr.ID, State: cairn.StateOpened, Page: cairn.Page{PerPage: 1}})
	if err != nil || len(issues) == 0 {
		t.Fatalf("an open duo-chat issue: %v", err)
	}
	is := issues[0]

	// Validation: the form comes back with the message and the input.
	for _, tc := range []struct {
		name string
		form url.Values
		msg  string
	}{
		{"no reason", url.Values{"issue": {"duo-chat#" + strconv.FormatInt(is.IID, 10)}}, "Reason is missing."},
		{"nothing proposed", url.Values{"reason": {"because"}}, "Title or issue is missing."},
		{"bad reference", url.Values{"issue": {"duo chat 12"}, "reason": {"because"}}, `Issue "duo chat 12" is not an issue reference like duo-chat#12`},
		{"unknown issue", url.Values{"issue": {"duo-chat#99999"}, "reason": {"because"}}, "There is no issue duo-chat#99999 in this team."},
		{"other team", url.Values{"issue": {"elsewhere/app#1"}, "reason": {"because"}}, "There is no issue elsewhere/app#1 in this team."},
		{"long reason", url.Values{"title": {"x"}, "reason": {strings.Repeat("r", 2001)}}, "Reason is too long (maximum is 2000 characters)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tomas.post(path+"/parking_lot", tc.form)
			p.want(t, http.StatusUnprocessableEntity, `class="flash error" role="alert">`+html.EscapeString(tc.msg), "Capacity")
			if v := tc.form.Get("issue"); v != "" && !p.Has(`value="`+html.EscapeString(v)+`"`) {
				t.Errorf("the form lost the issue %q", v)
			}
		})
	}

	// A proposal with an issue (a reference, or its address) and one
	// without: the page shows them with their reasons and authors.
	p := tomas.post(path+"/parking_lot", url.Values{"issue": {"duo-chat#" + strconv.FormatInt(is.IID, 10)}, "reason": {"Users keep asking for it."}})
	if p.Status != http.StatusSeeOther || p.Location != path+"#parking-lot" {
		t.Fatalf("add: %d %q %.500s", p.Status, p.Location, p.Body)
	}
	p = s.as("aiko").post(path+"/parking_lot", url.Values{"title": {"Spike: faster completions"}, "reason": {"Latency is our top complaint."}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add a title: %d %.500s", p.Status, p.Body)
	}
	page := tomas.get(path)
	page.want(t, http.StatusOK, `Parking lot <span class="count">2</span>`, html.EscapeString(is.Title), "Users keep asking for it.", "@tomas",
		"Spike: faster completions", "Latency is our top complaint.")
	lot, _, err := s.p.ListParkingLot(ctx, g.ID, tm.Next.ID, cairn.Page{})
	if err != nil || len(lot) != 2 {
		t.Fatalf("parking lot: %v %v", lot, err)
	}
	tomasEntry, aikoEntry := lot[0], lot[1]
	del := func(id int64) string { return path + "/parking_lot/" + strconv.FormatInt(id, 10) + "/delete" }
	// Tomas may remove his own, not Aiko's; guests propose nothing.
	if strings.Count(page.Body, "/delete\"") != 1 {
		t.Errorf("tomas sees %d remove buttons, want 1", strings.Count(page.Body, "/delete\""))
	}
	tomas.post(del(aikoEntry.ID), nil).want(t, http.StatusForbidden)
	gail := s.as("gail")
	if gail.get(path).Has(`name="reason"`) {
		t.Error("a guest sees the proposal form")
	}
	gail.post(path+"/parking_lot", url.Values{"title": {"x"}, "reason": {"y"}}).want(t, http.StatusForbidden)
	if p := tomas.post(del(tomasEntry.ID), nil); p.Status != http.StatusSeeOther {
		t.Fatalf("remove own: %d", p.Status)
	}
	// Managers remove anyone's.
	if p := s.as("emma").post(del(aikoEntry.ID), nil); p.Status != http.StatusSeeOther {
		t.Fatalf("manager removes: %d", p.Status)
	}
	s.as("emma").post(del(aikoEntry.ID), nil).want(t, http.StatusNotFound)
	tomas.get(path).want(t, http.StatusOK, `Parking lot <span class="count">0</span>`, "Nothing proposed yet.")
}

func TestPlanningGuestConfidential(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	addGuest(t, s, g, "gail")
	pv, err := s.p.Plan(context.Background(), g.ID, tm.Next.ID)
	if err != nil {
		t.Fatal(err)
	}
	secret := pv.Plan.Deliverables[len(pv.Plan.Deliverables)-1]
	makeConfidential(t, s, secret.ProjectID, secret.IID)
	path := "/groups/code-creation/-/planning/" + strconv.FormatInt(tm.Next.ID, 10)

	title := html.EscapeString(secret.Title)
	s.as("emma").get(path).want(t, http.StatusOK, title)
	p := s.as("gail").get(path)
	p.want(t, http.StatusOK, "Confidential issue", "Capacity")
	if p.Has(title) {
		t.Errorf("a guest sees the confidential title %q", secret.Title)
	}
}

// sectionOf returns the part of body from the element with the id to the
// end of its section.
func sectionOf(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

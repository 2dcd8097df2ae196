package planner_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
)

// clock is a settable clock shared by the store and the planner.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// today is the fixture's "now": Monday 26 October 2026, planning November.
var today = time.Date(2026, 10, 26, 10, 0, 0, 0, time.UTC)

// team is the hand-checked fixture team:
//
//	emma   owner, engineering manager, capacity factor 0
//	alice  engineer, full time, joined 2026-01-01
//	bob    engineer, half time, joined 2026-01-01
//	carol  engineer, full time, joined 2026-10-05 (after the window)
//
// Milestones September (closed), October (current), November (planned),
// all titled as the cadence titles them. The project "app" holds the work;
// the planning project holds October's planning issue, written by hand.
type team struct {
	s     *store.Store
	p     *planner.Service
	clock *clock
	ctx   context.Context // acting as emma

	group           *cairn.Group
	app             *cairn.Project
	planningProject *cairn.Project
	emma, alice     *cairn.User
	bob, carol      *cairn.User
	sep, oct, nov   *cairn.Milestone
	issues          map[string]*cairn.Issue // by fixture name
	octPlanning     *cairn.Issue
}

func newTeam(t *testing.T, s *store.Store) *team {
	t.Helper()
	ck := &clock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	s.Now = ck.Now
	ctx := context.Background()
	tm := &team{s: s, clock: ck, issues: map[string]*cairn.Issue{}}
	user := func(name string) *cairn.User {
		u, err := s.CreateUser(ctx, cairn.UserCreate{Username: name, Name: strings.ToUpper(name[:1]) + name[1:], Email: name + "@example.com"})
		if err != nil {
			t.Fatalf("create user %s: %v", name, err)
		}
		return u
	}
	tm.emma, tm.alice, tm.bob, tm.carol = user("emma"), user("alice"), user("bob"), user("carol")
	tm.ctx = cairn.NewContextWithUser(ctx, tm.emma)
	var err error
	if tm.group, err = s.CreateGroup(tm.ctx, cairn.GroupCreate{Path: "team", Name: "Team"}); err != nil {
		t.Fatalf("create group: %v", err)
	}
	member := func(u *cairn.User, factor float64, joined string) {
		if _, err := s.AddMember(ctx, cairn.MemberInput{GroupID: tm.group.ID, UserID: u.ID, AccessLevel: cairn.AccessDeveloper,
			PlanningRole: cairn.RoleEngineer, CapacityFactor: &factor, JoinedAt: joined}); err != nil {
			t.Fatalf("add member %s: %v", u.Username, err)
		}
	}
	member(tm.alice, 1, "2026-01-01")
	member(tm.bob, 0.5, "2026-01-01")
	member(tm.carol, 1, "2026-10-05")
	if tm.app, err = s.CreateProject(ctx, cairn.ProjectCreate{GroupID: tm.group.ID, Path: "app", Name: "App"}); err != nil {
		t.Fatalf("create project: %v", err)
	}
	milestone := func(title, start, due string) *cairn.Milestone {
		m, err := s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: tm.group.ID, Title: title, StartDate: start, DueDate: due})
		if err != nil {
			t.Fatalf("create milestone %s: %v", title, err)
		}
		return m
	}
	tm.sep = milestone("September 2026", "2026-09-01", "2026-09-30")
	tm.oct = milestone("October 2026", "2026-10-01", "2026-10-31")
	tm.nov = milestone("November 2026", "2026-11-01", "2026-11-30")
	tm.p = planner.New(s, nil)
	if _, err := tm.p.UpdateSettings(ctx, tm.group.ID, []byte(`{"holidays":["2026-11-26"]}`)); err != nil {
		t.Fatalf("settings: %v", err)
	}

	const ready, inDev, refinement = "workflow::ready for development", "workflow::in dev", "workflow::refinement"
	const high, medium, low = "code-creation-priority::high", "code-creation-priority::medium", "code-creation-priority::low"
	// History: what September delivered. D was closed after September
	// ended and does not count.
	ck.Set(time.Date(2026, 8, 25, 9, 0, 0, 0, time.UTC))
	tm.issue(t, "A", cairn.IssueCreate{Title: "Search index", Weight: ptr(5), MilestoneID: tm.sep.ID, AssigneeIDs: []int64{tm.alice.ID}})
	tm.issue(t, "B", cairn.IssueCreate{Title: "Export CSV", Weight: ptr(3), MilestoneID: tm.sep.ID, AssigneeIDs: []int64{tm.alice.ID}})
	tm.issue(t, "C", cairn.IssueCreate{Title: "Fix login", Weight: ptr(2), MilestoneID: tm.sep.ID, AssigneeIDs: []int64{tm.bob.ID}})
	tm.issue(t, "S", cairn.IssueCreate{Title: "Shared work", Weight: ptr(4), MilestoneID: tm.sep.ID, AssigneeIDs: []int64{tm.alice.ID, tm.bob.ID}})
	tm.issue(t, "D", cairn.IssueCreate{Title: "Late one", Weight: ptr(3), MilestoneID: tm.sep.ID, AssigneeIDs: []int64{tm.alice.ID}})
	ck.Set(time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC))
	for _, n := range []string{"A", "B", "C", "S"} {
		tm.update(t, n, cairn.IssueUpdate{StateEvent: "close"})
	}
	ck.Set(time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC))
	tm.update(t, "D", cairn.IssueUpdate{StateEvent: "close"})
	tm.issue(t, "Z1", cairn.IssueCreate{Title: "Done in October", Weight: ptr(3), MilestoneID: tm.oct.ID, AssigneeIDs: []int64{tm.bob.ID},
		Labels: []string{"Deliverable", inDev}})
	tm.update(t, "Z1", cairn.IssueUpdate{StateEvent: "close"})

	// The current milestone's open work: carried over.
	tm.issue(t, "K1", cairn.IssueCreate{Title: "Carry: finish export", Weight: ptr(2), MilestoneID: tm.oct.ID,
		AssigneeIDs: []int64{tm.alice.ID}, Labels: []string{"Deliverable", inDev}})
	tm.issue(t, "K2", cairn.IssueCreate{Title: "Carry: unweighed", MilestoneID: tm.oct.ID,
		AssigneeIDs: []int64{tm.bob.ID}, Labels: []string{"Deliverable", inDev}})
	// Candidates, created in this order (the tie-break after priority).
	tm.issue(t, "P1", cairn.IssueCreate{Title: "Big feature | with pipe", Weight: ptr(5), AssigneeIDs: []int64{tm.alice.ID}, Labels: []string{ready, high}})
	tm.issue(t, "P2", cairn.IssueCreate{Title: "Bob's fix", Weight: ptr(3), AssigneeIDs: []int64{tm.bob.ID}, Labels: []string{ready, high}})
	tm.issue(t, "P3", cairn.IssueCreate{Title: "Alice again", Weight: ptr(3), AssigneeIDs: []int64{tm.alice.ID}, Labels: []string{ready, medium}})
	tm.issue(t, "P4", cairn.IssueCreate{Title: "Carol's start", Weight: ptr(5), AssigneeIDs: []int64{tm.carol.ID}, Labels: []string{ready, medium}})
	tm.issue(t, "P5", cairn.IssueCreate{Title: "Unassigned task", Weight: ptr(2), Labels: []string{ready, low}})
	tm.issue(t, "P6", cairn.IssueCreate{Title: "Too much for carol", Weight: ptr(5), AssigneeIDs: []int64{tm.carol.ID}, Labels: []string{ready, low}})
	tm.issue(t, "G1", cairn.IssueCreate{Title: "<b>Needs</b> refining", Labels: []string{refinement, high}})
	tm.issue(t, "Q1", cairn.IssueCreate{Title: "Committed too early", Weight: ptr(1), MilestoneID: tm.nov.ID, Labels: []string{"Deliverable"}})

	// October's planning issue, written by hand before Cairn kept them.
	if tm.planningProject, err = s.CreateProject(ctx, cairn.ProjectCreate{GroupID: tm.group.ID, Path: "planning", Name: "Planning"}); err != nil {
		t.Fatalf("create planning project: %v", err)
	}
	if tm.octPlanning, err = s.CreateIssue(tm.ctx, cairn.IssueCreate{ProjectID: tm.planningProject.ID, Title: "Planning October",
		MilestoneID: tm.oct.ID, Labels: []string{"Planning Issue"}}); err != nil {
		t.Fatalf("create october planning issue: %v", err)
	}
	if _, err := s.UpdateIssue(tm.ctx, tm.planningProject.ID, tm.octPlanning.IID, cairn.IssueUpdate{StateEvent: "close"}); err != nil {
		t.Fatalf("close october planning issue: %v", err)
	}
	if _, err := s.UpdateMilestone(ctx, tm.sep.ID, cairn.MilestoneUpdate{StateEvent: "close"}); err != nil {
		t.Fatalf("close september: %v", err)
	}
	ck.Set(today)
	// Alice is away on Monday 9 and Tuesday 10 November and has Wednesday
	// 11 morning off.
	for _, in := range []cairn.TimeOffCreate{
		{GroupID: tm.group.ID, UserID: tm.alice.ID, StartDate: "2026-11-09", EndDate: "2026-11-10", Note: "Conference"},
		{GroupID: tm.group.ID, UserID: tm.alice.ID, StartDate: "2026-11-11", EndDate: "2026-11-11", HalfDay: true},
	} {
		if _, err := tm.p.AddTimeOff(tm.ctx, in); err != nil {
			t.Fatalf("add time off: %v", err)
		}
	}
	if err := tm.p.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	return tm
}

func ptr[T any](v T) *T { return &v }

// issue creates a fixture issue in the app project as emma.
func (tm *team) issue(t *testing.T, name string, in cairn.IssueCreate) *cairn.Issue {
	t.Helper()
	if in.ProjectID == 0 {
		in.ProjectID = tm.app.ID
	}
	is, err := tm.s.CreateIssue(tm.ctx, in)
	if err != nil {
		t.Fatalf("create issue %s: %v", name, err)
	}
	tm.issues[name] = is
	return is
}

// update changes a fixture issue as emma.
func (tm *team) update(t *testing.T, name string, u cairn.IssueUpdate) *cairn.Issue {
	t.Helper()
	is := tm.issues[name]
	out, err := tm.s.UpdateIssue(tm.ctx, is.ProjectID, is.IID, u)
	if err != nil {
		t.Fatalf("update issue %s: %v", name, err)
	}
	tm.issues[name] = out
	return out
}

// get reloads a fixture issue.
func (tm *team) get(t *testing.T, name string) *cairn.Issue {
	t.Helper()
	is, err := tm.s.IssueByID(context.Background(), tm.issues[name].ID)
	if err != nil {
		t.Fatalf("load issue %s: %v", name, err)
	}
	return is
}

// ref is a fixture issue's reference as the planning issue writes it.
func (tm *team) ref(name string) string {
	return "team/app#" + strconv.FormatInt(tm.issues[name].IID, 10)
}

// section returns the body of a generated section of a description.
func section(t *testing.T, description, name string) string {
	t.Helper()
	start, end := "<!-- cairn:"+name+" -->", "<!-- /cairn:"+name+" -->"
	i := strings.Index(description, start)
	j := strings.Index(description, end)
	if i < 0 || j < i {
		t.Fatalf("section %s missing in:\n%s", name, description)
	}
	return description[i+len(start) : j]
}

// planningIssues returns the issues of the planning project with the
// planning label and the milestone.
func planningIssuesOf(t *testing.T, tm *team, m *cairn.Milestone) []*cairn.Issue {
	t.Helper()
	list, _, err := tm.s.ListIssues(context.Background(), cairn.IssueFilter{ProjectID: tm.planningProject.ID, MilestoneID: m.ID,
		Labels: []string{"Planning Issue"}, Page: cairn.Page{PerPage: 100}})
	if err != nil {
		t.Fatalf("list planning issues: %v", err)
	}
	return list
}

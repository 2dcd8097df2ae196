package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests' zones must not depend on the machine's zoneinfo

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/scheduler"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/planning"
)

// clock is a settable clock shared by the store, the planner and the
// scheduler.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// recorder passes notifications on to the real store and keeps them, so
// that tests can read the texts and count how often each was sent.
type recorder struct {
	next scheduler.Notifier
	mu   sync.Mutex
	sent []cairn.Notification
	// fail, while above 0, fails that many notifications before they
	// reach the store.
	fail int
}

func (r *recorder) Notify(ctx context.Context, n cairn.Notification) error {
	r.mu.Lock()
	if r.fail > 0 {
		r.fail--
		r.mu.Unlock()
		return errors.New("mail relay down")
	}
	r.sent = append(r.sent, n)
	r.mu.Unlock()
	return r.next.Notify(ctx, n)
}

// find returns the notifications sent with the key prefix to the user.
func (r *recorder) find(prefix string, userID int64) []cairn.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []cairn.Notification
	for _, n := range r.sent {
		if strings.HasPrefix(n.Key, prefix) && n.UserID == userID {
			out = append(out, n)
		}
	}
	return out
}

// team is the scheduler tests' team:
//
//	emma   owner, engineering manager (created the group)
//	paula  developer, product manager
//	alice  engineer: assigned I1 and I2
//	bob    engineer: assigned I2 and the closed I3
//
// with the milestones it is built with, the issues I1 to I4 in the first
// milestone that contains "2026-11-25" (I4 unassigned, I3 closed), and
// O1 (alice's) in the one that contains "2026-10-28", if any.
type team struct {
	s      *store.Store
	p      *planner.Service
	clock  *clock
	rec    *recorder
	sched  *scheduler.Scheduler
	ctx    context.Context // acting as emma
	group  *cairn.Group
	app    *cairn.Project
	emma   *cairn.User
	paula  *cairn.User
	alice  *cairn.User
	bob    *cairn.User
	ms     map[string]*cairn.Milestone // by title
	issues map[string]*cairn.Issue
}

type milestoneSpec struct{ title, start, due string }

var (
	october  = milestoneSpec{"October 2026", "2026-10-01", "2026-10-31"}
	november = milestoneSpec{"November 2026", "2026-11-01", "2026-11-30"}
	december = milestoneSpec{"December 2026", "2026-12-01", "2026-12-31"}
)

func newTeam(t *testing.T, s *store.Store, settings string, start time.Time, milestones ...milestoneSpec) *team {
	t.Helper()
	ck := &clock{t: start.Add(-30 * 24 * time.Hour)}
	s.Now = ck.Now
	ctx := context.Background()
	tm := &team{s: s, clock: ck, ms: map[string]*cairn.Milestone{}, issues: map[string]*cairn.Issue{}}
	user := func(name string) *cairn.User {
		u, err := s.CreateUser(ctx, cairn.UserCreate{Username: name, Name: strings.ToUpper(name[:1]) + name[1:], Email: name + "@example.com"})
		if err != nil {
			t.Fatalf("create user %s: %v", name, err)
		}
		return u
	}
	tm.emma, tm.paula, tm.alice, tm.bob = user("emma"), user("paula"), user("alice"), user("bob")
	tm.ctx = cairn.NewContextWithUser(ctx, tm.emma)
	var err error
	if tm.group, err = s.CreateGroup(tm.ctx, cairn.GroupCreate{Path: "team", Name: "Team"}); err != nil {
		t.Fatalf("create group: %v", err)
	}
	member := func(u *cairn.User, role string) {
		one := 1.0
		if _, err := s.AddMember(ctx, cairn.MemberInput{GroupID: tm.group.ID, UserID: u.ID, AccessLevel: cairn.AccessDeveloper,
			PlanningRole: role, CapacityFactor: &one, JoinedAt: "2026-01-01"}); err != nil {
			t.Fatalf("add member %s: %v", u.Username, err)
		}
	}
	member(tm.paula, cairn.RoleProductManager)
	member(tm.alice, cairn.RoleEngineer)
	member(tm.bob, cairn.RoleEngineer)
	if tm.app, err = s.CreateProject(ctx, cairn.ProjectCreate{GroupID: tm.group.ID, Path: "app", Name: "App"}); err != nil {
		t.Fatalf("create project: %v", err)
	}
	for _, m := range milestones {
		if tm.ms[m.title], err = s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: tm.group.ID, Title: m.title, StartDate: m.start, DueDate: m.due}); err != nil {
			t.Fatalf("create milestone %s: %v", m.title, err)
		}
	}
	tm.p = planner.New(s, nil)
	if settings != "" {
		if _, err := tm.p.UpdateSettings(ctx, tm.group.ID, []byte(settings)); err != nil {
			t.Fatalf("settings: %v", err)
		}
	}
	containing := func(day string) int64 {
		for _, m := range milestones {
			if m.start <= day && day <= m.due {
				return tm.ms[m.title].ID
			}
		}
		return 0
	}
	if id := containing("2026-11-25"); id != 0 {
		tm.issue(t, "I1", cairn.IssueCreate{Title: "Search index", MilestoneID: id, AssigneeIDs: []int64{tm.alice.ID}, Labels: []string{"Deliverable"}})
		tm.issue(t, "I2", cairn.IssueCreate{Title: "Export CSV", MilestoneID: id, AssigneeIDs: []int64{tm.alice.ID, tm.bob.ID}})
		tm.issue(t, "I3", cairn.IssueCreate{Title: "Fixed already", MilestoneID: id, AssigneeIDs: []int64{tm.bob.ID}})
		tm.issue(t, "I4", cairn.IssueCreate{Title: "Nobody's", MilestoneID: id})
		if _, err := s.UpdateIssue(tm.ctx, tm.app.ID, tm.issues["I3"].IID, cairn.IssueUpdate{StateEvent: "close"}); err != nil {
			t.Fatalf("close I3: %v", err)
		}
	}
	if id := containing("2026-10-28"); id != 0 {
		tm.issue(t, "O1", cairn.IssueCreate{Title: "October work", MilestoneID: id, AssigneeIDs: []int64{tm.alice.ID}})
	}
	ck.Set(start)
	tm.rec = &recorder{next: s}
	tm.sched = &scheduler.Scheduler{Store: s, Planner: tm.p, Notifier: tm.rec, Now: ck.Now, Owner: "test"}
	return tm
}

func (tm *team) issue(t *testing.T, name string, in cairn.IssueCreate) {
	t.Helper()
	in.ProjectID = tm.app.ID
	is, err := tm.s.CreateIssue(tm.ctx, in)
	if err != nil {
		t.Fatalf("create issue %s: %v", name, err)
	}
	tm.issues[name] = is
}

// run sets the clock and runs one round, which must not fail.
func (tm *team) run(t *testing.T, now string) {
	t.Helper()
	tm.clock.Set(at(now))
	if err := tm.sched.RunOnce(context.Background()); err != nil {
		t.Fatalf("RunOnce at %s: %v", now, err)
	}
}

// todos returns the user's to-dos of an action, pending and done, as
// "ref" strings ("I1", "I2", or "milestone:<title>" for one about a
// milestone, "planning:<milestone>" for one about a planning issue),
// sorted.
func (tm *team) todos(t *testing.T, u *cairn.User, action string) []string {
	t.Helper()
	byID := map[int64]string{}
	for n, is := range tm.issues {
		byID[is.ID] = n
	}
	var out []string
	for _, state := range []string{cairn.TodoPending, cairn.TodoDone} {
		list, _, err := tm.s.ListTodos(context.Background(), cairn.TodoFilter{UserID: u.ID, State: state, Action: action, Page: cairn.Page{PerPage: 100}})
		if err != nil {
			t.Fatalf("list to-dos: %v", err)
		}
		for _, td := range list {
			switch {
			case td.IssueID == 0:
				out = append(out, fmt.Sprintf("milestone:%d", td.MilestoneID))
			case byID[td.IssueID] != "":
				out = append(out, byID[td.IssueID])
			case td.Issue != nil:
				out = append(out, "issue:"+td.Issue.Title)
			default:
				out = append(out, fmt.Sprintf("issue:%d", td.IssueID))
			}
		}
	}
	sort.Strings(out)
	return out
}

// runs returns the keys of the occurrences that ran, with the prefix,
// sorted, and fails the test unless each ran once and is done.
func (tm *team) runs(t *testing.T, prefix string) []string {
	t.Helper()
	list, err := tm.s.JobRuns(context.Background(), prefix, 1000)
	if err != nil {
		t.Fatalf("job runs: %v", err)
	}
	keys := []string{}
	for _, r := range list {
		if r.State != store.JobDone || r.Attempts != 1 {
			t.Errorf("run %s: state %s after %d attempts (%s)", r.Key, r.State, r.Attempts, r.LastError)
		}
		keys = append(keys, r.Key)
	}
	sort.Strings(keys)
	return keys
}

// planningDec is the to-do reference of December's planning issue.
var planningDec = "issue:" + planning.PlanningTitle("December 2026")

func eq[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func key(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func TestStatusRequestThenReminder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, "", at("2026-11-24T12:00:00Z"), november, december)
		g := tm.group.ID
		tm.run(t, "2026-11-24T12:00:00Z")
		eq(t, "status runs on Tuesday", tm.runs(t, "status-"), []string{})
		eq(t, "cadence runs on Tuesday", tm.runs(t, "cadence/"), []string{key("cadence/%d/2026-11-24", g)})

		tm.run(t, "2026-11-25T09:59:00Z")
		eq(t, "alice's requests at 09:59", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), nil)
		tm.run(t, "2026-11-25T10:00:00Z")
		eq(t, "alice's requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2"})
		// I3 is closed: bob owes nothing on it.
		eq(t, "bob's requests", tm.todos(t, tm.bob, cairn.TodoStatusUpdateRequested), []string{"I2"})
		eq(t, "emma's requests", tm.todos(t, tm.emma, cairn.TodoStatusUpdateRequested), nil)

		sent := tm.rec.find("status-request/", tm.alice.ID)
		if len(sent) != 1 {
			t.Fatalf("alice got %d status requests", len(sent))
		}
		n := sent[0]
		if n.Subject != "Status update due: 2 issues (week 2026-W48)" || n.Key != key("status-request/%d/2026-W48", g) ||
			n.MilestoneID != tm.ms["November 2026"].ID {
			t.Errorf("request = %+v", n)
		}
		for _, want := range []string{"team/app#1 and team/app#2", "Wednesday 25 November 2026", "November 2026",
			"## Async Status Update 2026-11-25", "- [ ] Very confident", "/cc @emma @paula", "status_updates"} {
			if !strings.Contains(n.Body, want) {
				t.Errorf("request body lacks %q:\n%s", want, n.Body)
			}
		}
		if len(n.Items) != 2 || !strings.Contains(n.Items[0].Body, "team/app#1 (Search index) by Wednesday 25 November 2026") {
			t.Errorf("items = %+v", n.Items)
		}

		// Running again, on the same or any other instance, notifies nobody twice.
		tm.run(t, "2026-11-25T10:00:00Z")
		tm.run(t, "2026-11-25T16:00:00Z")
		other := &scheduler.Scheduler{Store: s, Planner: tm.p, Notifier: tm.rec, Now: tm.clock.Now, Owner: "other"}
		if err := other.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := len(tm.rec.find("status-request/", tm.alice.ID)); got != 1 {
			t.Errorf("alice was asked %d times", got)
		}
		eq(t, "alice's requests after reruns", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2"})

		// Bob posts his update; alice does not.
		bobCtx := cairn.NewContextWithUser(context.Background(), tm.bob)
		if _, err := s.CreateStatusUpdate(bobCtx, cairn.StatusUpdateCreate{ProjectID: tm.app.ID, IssueIID: tm.issues["I2"].IID,
			Progress: "CSV writer done", NextSteps: "Streaming", Blockers: "None", Confidence: "very"}); err != nil {
			t.Fatal(err)
		}
		tm.run(t, "2026-11-26T09:59:00Z")
		eq(t, "reminders before time", tm.runs(t, "status-reminder/"), []string{})
		tm.run(t, "2026-11-26T10:00:00Z")
		eq(t, "alice's reminders", tm.todos(t, tm.alice, cairn.TodoStatusUpdateReminder), []string{"I1", "I2"})
		eq(t, "bob's reminders", tm.todos(t, tm.bob, cairn.TodoStatusUpdateReminder), nil)
		rem := tm.rec.find("status-reminder/", tm.alice.ID)
		if len(rem) != 1 || rem[0].Subject != "Reminder: status update still due on 2 issues (week 2026-W48)" ||
			!strings.Contains(rem[0].Body, "due Wednesday 25 November 2026") {
			t.Errorf("reminder = %+v", rem)
		}
		// Bob's request to-do was done by his update.
		list, _, err := s.ListTodos(context.Background(), cairn.TodoFilter{UserID: tm.bob.ID, Action: cairn.TodoStatusUpdateRequested})
		if err != nil || len(list) != 0 {
			t.Errorf("bob's pending requests = %d, %v", len(list), err)
		}

		tm.run(t, "2026-11-27T10:00:00Z")
		eq(t, "status runs of the week", tm.runs(t, "status-"), []string{key("status-reminder/%d/2026-W48", g), key("status-request/%d/2026-W48", g)})
		eq(t, "alice's reminders on Friday", tm.todos(t, tm.alice, cairn.TodoStatusUpdateReminder), []string{"I1", "I2"})
	})
}

func TestFinalizeReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		// December starts on Tuesday 1 December: final by Saturday 28
		// November. With Thanksgiving off, the early reminder is on
		// Wednesday 25, the deadline's on Friday 27.
		tm := newTeam(t, s, `{"holidays":["2026-11-26"]}`, at("2026-11-24T12:00:00Z"), november, december)
		g, dec := tm.group.ID, tm.ms["December 2026"]
		tm.run(t, "2026-11-24T12:00:00Z") // the cadence opens December's planning issue
		tm.run(t, "2026-11-25T09:00:00Z")
		eq(t, "finalize runs before time", tm.runs(t, "finalize-reminder/"), []string{})
		tm.run(t, "2026-11-25T10:00:00Z")
		for _, u := range []*cairn.User{tm.emma, tm.paula} {
			eq(t, u.Username+"'s finalisation to-dos", tm.todos(t, u, cairn.TodoPlanningFinalization), []string{planningDec})
		}
		eq(t, "alice's finalisation to-dos", tm.todos(t, tm.alice, cairn.TodoPlanningFinalization), nil)
		n := tm.rec.find("finalize-reminder/", tm.paula.ID)
		if len(n) != 1 || n[0].Subject != "Finalise the plan of December 2026 by Saturday 28 November 2026" ||
			!strings.Contains(n[0].Body, "team/planning#1") || !strings.Contains(n[0].Body, "Tuesday 1 December 2026") ||
			!strings.Contains(n[0].Body, key("/groups/%d/milestones/%d/plan/finalize", g, dec.ID)) {
			t.Errorf("early reminder = %+v", n)
		}

		tm.run(t, "2026-11-27T10:00:00Z")
		eq(t, "finalize runs", tm.runs(t, "finalize-reminder/"), []string{
			key("finalize-reminder/%d/%d/deadline", g, dec.ID), key("finalize-reminder/%d/%d/early", g, dec.ID)})
		n = tm.rec.find(key("finalize-reminder/%d/%d/deadline", g, dec.ID), tm.emma.ID)
		if len(n) != 1 || !strings.HasPrefix(n[0].Subject, "Last call: finalise the plan of December 2026") {
			t.Errorf("deadline reminder = %+v", n)
		}
		eq(t, "emma's finalisation to-dos", tm.todos(t, tm.emma, cairn.TodoPlanningFinalization),
			[]string{planningDec, planningDec})
	})
}

func TestFinalizeRemindersStopOnceFinalised(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, "", at("2026-11-24T12:00:00Z"), november, december)
		g, dec := tm.group.ID, tm.ms["December 2026"]
		tm.run(t, "2026-11-26T10:00:00Z") // early: Thursday 26
		eq(t, "early run", tm.runs(t, "finalize-reminder/"), []string{key("finalize-reminder/%d/%d/early", g, dec.ID)})
		if _, err := tm.p.Finalize(tm.ctx, g, dec.ID); err != nil {
			t.Fatal(err)
		}
		tm.run(t, "2026-11-27T10:00:00Z")
		tm.run(t, "2026-11-30T23:00:00Z")
		eq(t, "runs after finalising", tm.runs(t, "finalize-reminder/"), []string{key("finalize-reminder/%d/%d/early", g, dec.ID)})
		eq(t, "emma's finalisation to-dos", tm.todos(t, tm.emma, cairn.TodoPlanningFinalization), []string{planningDec})
	})
}

func TestFinalizeRemindersGoToOwnersWithoutManagers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, "", at("2026-11-26T10:00:00Z"), november, december)
		// emma stays owner, paula becomes a maintainer; both engineers.
		engineer, maintainer := cairn.RoleEngineer, cairn.AccessMaintainer
		for _, up := range []struct {
			u      *cairn.User
			access *int
		}{{tm.emma, nil}, {tm.paula, &maintainer}} {
			if _, err := s.UpdateMember(context.Background(), tm.group.ID, up.u.ID, cairn.MemberUpdate{PlanningRole: &engineer, AccessLevel: up.access}); err != nil {
				t.Fatal(err)
			}
		}
		tm.run(t, "2026-11-26T10:00:00Z")
		eq(t, "owner emma", tm.todos(t, tm.emma, cairn.TodoPlanningFinalization), []string{planningDec})
		eq(t, "maintainer paula", tm.todos(t, tm.paula, cairn.TodoPlanningFinalization), nil)
	})
}

func TestCrashedRunRetriedAfterLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, "", at("2026-11-25T10:00:00Z"), november, december)
		k := key("status-request/%d/2026-W48", tm.group.ID)
		// An instance claimed the request at 10:00, told alice about I1,
		// and died.
		if ok, _, err := s.ClaimJob(context.Background(), k, "dead", 5*time.Minute); !ok || err != nil {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		if err := s.Notify(context.Background(), cairn.Notification{Key: k, UserID: tm.alice.ID, Action: cairn.TodoStatusUpdateRequested,
			GroupID: tm.group.ID, Items: []cairn.NotificationItem{{ProjectID: tm.app.ID, IssueID: tm.issues["I1"].ID}}}); err != nil {
			t.Fatal(err)
		}
		tm.run(t, "2026-11-25T10:01:00Z")
		tm.run(t, "2026-11-25T10:05:00Z") // the lease ends after 10:05:00
		if run, _ := s.JobRunByKey(context.Background(), k); run.Owner != "dead" || run.Attempts != 1 {
			t.Fatalf("taken over under lease: %+v", run)
		}
		eq(t, "bob's requests under lease", tm.todos(t, tm.bob, cairn.TodoStatusUpdateRequested), nil)

		tm.run(t, "2026-11-25T10:05:01Z")
		run, err := s.JobRunByKey(context.Background(), k)
		if err != nil || run.Owner != "test" || run.Attempts != 2 || run.State != store.JobDone {
			t.Fatalf("after the lease: %+v, %v", run, err)
		}
		eq(t, "alice's requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2"})
		eq(t, "bob's requests", tm.todos(t, tm.bob, cairn.TodoStatusUpdateRequested), []string{"I2"})
	})
}

func TestFailedRunRetriedWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, "", at("2026-11-25T10:00:00Z"), november, december)
		k := key("status-request/%d/2026-W48", tm.group.ID)
		tm.run(t, "2026-11-25T09:00:00Z") // the cadence, before the request is due
		tm.rec.fail = 1                   // the first person's notification fails
		tm.clock.Set(at("2026-11-25T10:00:00Z"))
		err := tm.sched.RunOnce(context.Background())
		if err == nil || !strings.Contains(err.Error(), "mail relay down") || !strings.Contains(err.Error(), k) {
			t.Fatalf("RunOnce = %v", err)
		}
		run, _ := s.JobRunByKey(context.Background(), k)
		if run.State != store.JobRunning || run.Attempts != 1 || !run.LeaseUntil.Equal(at("2026-11-25T10:01:00Z")) ||
			!strings.Contains(run.LastError, "mail relay down") {
			t.Fatalf("after a failure: %+v", run)
		}
		tm.rec.fail = 1 // the retry fails again: then it waits two minutes
		tm.clock.Set(at("2026-11-25T10:00:30Z"))
		if err := tm.sched.RunOnce(context.Background()); err != nil {
			t.Fatalf("a round before the retry is due: %v", err)
		}
		tm.clock.Set(at("2026-11-25T10:01:01Z"))
		if err := tm.sched.RunOnce(context.Background()); err == nil {
			t.Fatal("second attempt did not fail")
		}
		run, _ = s.JobRunByKey(context.Background(), k)
		if run.Attempts != 2 || !run.LeaseUntil.Equal(at("2026-11-25T10:03:01Z")) {
			t.Fatalf("after two failures: %+v", run)
		}
		tm.run(t, "2026-11-25T10:03:02Z")
		run, _ = s.JobRunByKey(context.Background(), k)
		if run.State != store.JobDone || run.Attempts != 3 {
			t.Fatalf("after the retry: %+v", run)
		}
		// Whoever was notified before a failure is not notified twice.
		eq(t, "alice's requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2"})
		eq(t, "bob's requests", tm.todos(t, tm.bob, cairn.TodoStatusUpdateRequested), []string{"I2"})
	})
}

func TestDowntimeCatchUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, "", at("2026-11-24T12:00:00Z"), november, december)
		g, dec := tm.group.ID, tm.ms["December 2026"]
		tm.run(t, "2026-11-24T12:00:00Z")
		// Down from Tuesday noon to Friday noon: Wednesday's request,
		// Thursday's early finalisation reminder and Friday's deadline
		// reminder were missed.
		tm.run(t, "2026-11-27T12:00:00Z")
		tm.run(t, "2026-11-27T12:01:00Z")
		tm.run(t, "2026-11-27T18:00:00Z")
		eq(t, "cadence runs", tm.runs(t, "cadence/"), []string{key("cadence/%d/2026-11-24", g), key("cadence/%d/2026-11-27", g)})
		// The request runs once, late; its reminder would be on Monday,
		// in the next week, so there is none.
		eq(t, "status runs", tm.runs(t, "status-"), []string{key("status-request/%d/2026-W48", g)})
		// Only the latest finalisation reminder.
		eq(t, "finalize runs", tm.runs(t, "finalize-reminder/"), []string{key("finalize-reminder/%d/%d/deadline", g, dec.ID)})
		eq(t, "alice's requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2"})
		eq(t, "paula's finalisation to-dos", tm.todos(t, tm.paula, cairn.TodoPlanningFinalization), []string{planningDec})

		// Down again until Tuesday 1 December 09:00: last week's request is
		// not repeated, this week's is not due before Wednesday; November
		// ended, its retrospective opens and it closes.
		tm.run(t, "2026-12-01T09:00:00Z")
		eq(t, "status runs on Tuesday", tm.runs(t, "status-"), []string{key("status-request/%d/2026-W48", g)})
		nov := tm.ms["November 2026"]
		eq(t, "milestone runs", append(tm.runs(t, "retrospective/"), tm.runs(t, "close-milestone/")...),
			[]string{key("retrospective/%d/%d", g, nov.ID), key("close-milestone/%d/%d", g, nov.ID)})
	})
}

func TestRetrospectiveAndAutoClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, "", at("2026-11-30T23:00:00Z"), november, december)
		nov := tm.ms["November 2026"]
		tm.run(t, "2026-11-30T23:00:00Z")
		tm.run(t, "2026-12-01T00:04:00Z")
		if m, _ := s.MilestoneByID(context.Background(), nov.ID); m.State != cairn.MilestoneActive {
			t.Fatalf("November closed before it ended: %+v", m)
		}
		tm.run(t, "2026-12-01T00:05:00Z")
		m, err := s.MilestoneByID(context.Background(), nov.ID)
		if err != nil || m.State != cairn.MilestoneClosed {
			t.Fatalf("November after it ended: %+v, %v", m, err)
		}
		plan, err := s.MilestonePlan(context.Background(), nov.ID)
		if err != nil || plan == nil || plan.RetrospectiveIssueID == nil {
			t.Fatalf("plan = %+v, %v", plan, err)
		}
		retro, err := s.IssueByID(context.Background(), *plan.RetrospectiveIssueID)
		if err != nil {
			t.Fatal(err)
		}
		if retro.Title != planning.RetrospectiveTitle("November 2026") || retro.DueDate != "2026-12-14" ||
			!retro.HasLabel(planner.RetrospectiveLabel) || retro.Author == nil || retro.Author.ID != tm.emma.ID ||
			!strings.Contains(retro.Description, "Search index") {
			t.Errorf("retrospective = %+v", retro)
		}

		// Again, and directly from several goroutines: still one.
		tm.run(t, "2026-12-01T06:00:00Z")
		var wg sync.WaitGroup
		ids := make([]int64, 4)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				is, err := tm.p.EnsureRetrospective(context.Background(), tm.group.ID, nov.ID)
				if err != nil {
					t.Errorf("EnsureRetrospective: %v", err)
					return
				}
				ids[i] = is.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != retro.ID {
				t.Errorf("EnsureRetrospective = %v, want %d each", ids, retro.ID)
				break
			}
		}
		list, _, err := s.ListIssues(context.Background(), cairn.IssueFilter{GroupID: tm.group.ID, Labels: []string{planner.RetrospectiveLabel}})
		if err != nil || len(list) != 1 {
			t.Errorf("%d retrospectives, %v", len(list), err)
		}
		// December's, concurrently with nothing: not before it ends.
		if _, err := tm.p.EnsureRetrospective(context.Background(), tm.group.ID, 999999); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Errorf("unknown milestone: %v", err)
		}
	})
}

func TestAutoCloseOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s, `{"auto_close_milestones":false}`, at("2026-12-01T09:00:00Z"), november, december)
		tm.run(t, "2026-12-01T09:00:00Z")
		if m, _ := s.MilestoneByID(context.Background(), tm.ms["November 2026"].ID); m.State != cairn.MilestoneActive {
			t.Errorf("November = %+v", m)
		}
		eq(t, "close runs", tm.runs(t, "close-milestone/"), []string{})
		if n := len(tm.runs(t, "retrospective/")); n != 1 {
			t.Errorf("%d retrospective runs", n)
		}
	})
}

func TestTeamFarFromUTC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		// Auckland is UTC+13 in November; status updates on Mondays.
		tm := newTeam(t, s, `{"time_zone":"Pacific/Auckland","status_update_weekday":"Monday"}`, at("2026-11-22T12:00:00Z"), november, december)
		g, nov := tm.group.ID, tm.ms["November 2026"]
		// Sunday 22 November 20:59 UTC is Monday 09:59 in Auckland.
		tm.run(t, "2026-11-22T20:59:00Z")
		eq(t, "status runs at 09:59 NZDT", tm.runs(t, "status-"), []string{})
		tm.run(t, "2026-11-22T21:00:00Z")
		// Week 48 in Auckland, though it is still week 47 in UTC.
		eq(t, "status runs at 10:00 NZDT", tm.runs(t, "status-"), []string{key("status-request/%d/2026-W48", g)})
		eq(t, "alice's requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2"})
		if n := tm.rec.find("status-request/", tm.alice.ID); len(n) != 1 || !strings.Contains(n[0].Body, "Monday 23 November 2026") {
			t.Errorf("request = %+v", n)
		}
		// The reminder: Tuesday 10:00 in Auckland, Monday 21:00 UTC.
		tm.run(t, "2026-11-23T20:59:00Z")
		eq(t, "reminder runs before", tm.runs(t, "status-reminder/"), []string{})
		tm.run(t, "2026-11-23T21:00:00Z")
		eq(t, "reminder runs", tm.runs(t, "status-reminder/"), []string{key("status-reminder/%d/2026-W48", g)})
		// November ends in Auckland at 11:00 UTC on the 30th; it closes at
		// 00:05 on 1 December there.
		tm.run(t, "2026-11-30T11:04:00Z")
		if m, _ := s.MilestoneByID(context.Background(), nov.ID); m.State != cairn.MilestoneActive {
			t.Fatalf("closed early: %+v", m)
		}
		tm.run(t, "2026-11-30T11:05:00Z")
		if m, _ := s.MilestoneByID(context.Background(), nov.ID); m.State != cairn.MilestoneClosed {
			t.Errorf("not closed: %+v", m)
		}
		eq(t, "cadence runs", tm.runs(t, "cadence/"), []string{
			key("cadence/%d/2026-11-23", g), key("cadence/%d/2026-11-24", g), key("cadence/%d/2026-11-30", g), key("cadence/%d/2026-12-01", g)})
	})
}

func TestDaylightSavingWeek(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		// New York leaves daylight saving on Sunday 1 November 2026 at
		// 02:00: 10:00 is 14:00 UTC before and 15:00 UTC after.
		tm := newTeam(t, s, `{"time_zone":"America/New_York"}`, at("2026-10-27T12:00:00Z"), october, november, december)
		g, oct := tm.group.ID, tm.ms["October 2026"]
		tm.run(t, "2026-10-28T13:59:00Z")
		eq(t, "status runs at 09:59 EDT", tm.runs(t, "status-"), []string{})
		tm.run(t, "2026-10-28T14:00:00Z")
		eq(t, "status runs at 10:00 EDT", tm.runs(t, "status-"), []string{key("status-request/%d/2026-W44", g)})
		eq(t, "alice's October requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"O1"})
		tm.run(t, "2026-10-29T14:00:00Z")
		eq(t, "alice's October reminders", tm.todos(t, tm.alice, cairn.TodoStatusUpdateReminder), []string{"O1"})

		// October ends: 00:05 EDT on 1 November is 04:05 UTC.
		tm.run(t, "2026-11-01T04:04:00Z")
		if m, _ := s.MilestoneByID(context.Background(), oct.ID); m.State != cairn.MilestoneActive {
			t.Fatalf("closed early: %+v", m)
		}
		tm.run(t, "2026-11-01T04:05:00Z")
		if m, _ := s.MilestoneByID(context.Background(), oct.ID); m.State != cairn.MilestoneClosed {
			t.Errorf("October not closed: %+v", m)
		}
		// The day of the change has 25 hours; the next cadence is at
		// 00:05 EST on 2 November, 05:05 UTC.
		tm.run(t, "2026-11-02T05:04:00Z")
		tm.run(t, "2026-11-02T05:05:00Z")
		eq(t, "cadence runs", tm.runs(t, "cadence/"), []string{
			key("cadence/%d/2026-10-28", g), key("cadence/%d/2026-10-29", g), key("cadence/%d/2026-10-31", g),
			key("cadence/%d/2026-11-01", g), key("cadence/%d/2026-11-02", g)})

		tm.run(t, "2026-11-04T14:59:00Z")
		eq(t, "W45 at 09:59 EST", tm.runs(t, "status-request/"), []string{key("status-request/%d/2026-W44", g)})
		tm.run(t, "2026-11-04T15:00:00Z")
		eq(t, "W45 at 10:00 EST", tm.runs(t, "status-request/"), []string{key("status-request/%d/2026-W44", g), key("status-request/%d/2026-W45", g)})
		eq(t, "alice's requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2", "O1"})
	})
}

// TestTwoInstances runs two schedulers, each on its own store, on one
// PostgreSQL database, concurrently through eight days: every occurrence
// runs once, and everyone is notified once.
func TestTwoInstances(t *testing.T) {
	dsn := storetest.DSN(t, "postgres")
	ctx := context.Background()
	open := func() *store.Store {
		s, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s1, s2 := open(), open()
	tm := newTeam(t, s1, `{"holidays":["2026-11-26"]}`, at("2026-11-24T00:00:00Z"), november, december)
	s2.Now = tm.clock.Now
	rec := &recorder{next: s1}
	rec2 := &recorder{next: s2}
	instances := []*scheduler.Scheduler{
		{Store: s1, Planner: tm.p, Notifier: rec, Now: tm.clock.Now, Owner: "a"},
		{Store: s2, Planner: planner.New(s2, nil), Notifier: rec2, Now: tm.clock.Now, Owner: "b"},
	}
	for now := at("2026-11-24T00:00:00Z"); now.Before(at("2026-12-02T12:00:00Z")); now = now.Add(time.Hour) {
		tm.clock.Set(now)
		var wg sync.WaitGroup
		for _, sc := range instances {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := sc.RunOnce(ctx); err != nil {
						t.Errorf("%s at %s: %v", sc.Owner, now, err)
					}
				}()
			}
		}
		wg.Wait()
		if t.Failed() {
			return
		}
	}
	runs := tm.runs(t, "")
	g, nov, dec := tm.group.ID, tm.ms["November 2026"].ID, tm.ms["December 2026"].ID
	for _, want := range []string{
		key("status-request/%d/2026-W48", g), key("status-reminder/%d/2026-W48", g),
		key("finalize-reminder/%d/%d/early", g, dec), key("finalize-reminder/%d/%d/deadline", g, dec),
		key("retrospective/%d/%d", g, nov), key("close-milestone/%d/%d", g, nov),
		key("cadence/%d/2026-11-24", g), key("cadence/%d/2026-12-02", g),
	} {
		if !slices.Contains(runs, want) {
			t.Errorf("%s did not run; ran %v", want, runs)
		}
	}
	// Each ran on one of the two instances, once: each person got each
	// notification once, from one instance.
	sent := map[string]int{}
	owners := map[string]bool{}
	for _, r := range []*recorder{rec, rec2} {
		for _, n := range r.sent {
			sent[fmt.Sprintf("%s → %d", n.Key, n.UserID)]++
		}
	}
	for k, n := range sent {
		if n != 1 {
			t.Errorf("%s notified %d times", k, n)
		}
	}
	list, err := s1.JobRuns(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		owners[r.Owner] = true
	}
	t.Logf("%d occurrences, %d notifications, owners %v", len(list), len(sent), owners)
	eq(t, "alice's requests", tm.todos(t, tm.alice, cairn.TodoStatusUpdateRequested), []string{"I1", "I2"})
	eq(t, "alice's reminders", tm.todos(t, tm.alice, cairn.TodoStatusUpdateReminder), []string{"I1", "I2"})
	eq(t, "bob's requests", tm.todos(t, tm.bob, cairn.TodoStatusUpdateRequested), []string{"I2"})
	eq(t, "paula's finalisation to-dos", tm.todos(t, tm.paula, cairn.TodoPlanningFinalization),
		[]string{planningDec, planningDec})
	retros, _, err := s1.ListIssues(ctx, cairn.IssueFilter{GroupID: g, Labels: []string{planner.RetrospectiveLabel}})
	if err != nil || len(retros) != 1 {
		t.Errorf("%d retrospectives, %v", len(retros), err)
	}
	ms, err := s1.GroupMilestones(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]int{}
	for _, m := range ms {
		titles[m.Title]++
	}
	for title, n := range titles {
		if n != 1 {
			t.Errorf("milestone %s exists %d times", title, n)
		}
	}
}

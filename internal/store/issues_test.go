package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// The helpers of the label, issue, note, event and link tests carry the
// prefix "iss" so that they do not clash with other tests of the package.

// issStart is the fixture clock's first instant.
var issStart = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// issFix is the world of the issue tests: group "team" with projects "app"
// and "web", group "other" with project "far", users alice (the actor),
// bob and carol, and milestones: "2026-07" of team, "2026-08" of app, and
// "2026-07" of other.
type issFix struct {
	s                 *store.Store
	ctx               context.Context // acting as alice
	alice, bob, carol *cairn.User
	team, other       *cairn.Group
	app, web, far     *cairn.Project
	jul, aug, farJul  *cairn.Milestone
}

// newIssFix builds the fixture. The store's clock starts at issStart and
// moves one second on every reading, so every write gets a later time.
func newIssFix(tb testing.TB, s *store.Store) *issFix {
	tb.Helper()
	var tick atomic.Int64
	s.Now = func() time.Time { return issStart.Add(time.Duration(tick.Add(1)) * time.Second) }
	bg := context.Background()
	f := &issFix{s: s}
	user := func(name string) *cairn.User {
		u, err := s.CreateUser(bg, cairn.UserCreate{Username: name, Email: name + "@example.com"})
		if err != nil {
			tb.Fatalf("create user %s: %v", name, err)
		}
		return u
	}
	f.alice, f.bob, f.carol = user("alice"), user("bob"), user("carol")
	f.ctx = cairn.NewContextWithUser(bg, f.alice)
	group := func(path string) *cairn.Group {
		g, err := s.CreateGroup(f.ctx, cairn.GroupCreate{Path: path})
		if err != nil {
			tb.Fatalf("create group %s: %v", path, err)
		}
		return g
	}
	f.team, f.other = group("team"), group("other")
	project := func(g *cairn.Group, path string) *cairn.Project {
		p, err := s.CreateProject(f.ctx, cairn.ProjectCreate{GroupID: g.ID, Path: path})
		if err != nil {
			tb.Fatalf("create project %s: %v", path, err)
		}
		return p
	}
	f.app, f.web, f.far = project(f.team, "app"), project(f.team, "web"), project(f.other, "far")
	milestone := func(in cairn.MilestoneCreate) *cairn.Milestone {
		m, err := s.CreateMilestone(f.ctx, in)
		if err != nil {
			tb.Fatalf("create milestone %s: %v", in.Title, err)
		}
		return m
	}
	f.jul = milestone(cairn.MilestoneCreate{GroupID: f.team.ID, Title: "2026-07", StartDate: "2026-07-01", DueDate: "2026-07-31"})
	f.aug = milestone(cairn.MilestoneCreate{ProjectID: f.app.ID, Title: "2026-08", StartDate: "2026-08-01", DueDate: "2026-08-31"})
	f.farJul = milestone(cairn.MilestoneCreate{GroupID: f.other.ID, Title: "2026-07", StartDate: "2026-07-01", DueDate: "2026-07-31"})
	return f
}

// issue creates an issue in app, or in in.ProjectID when set.
func (f *issFix) issue(tb testing.TB, in cairn.IssueCreate) *cairn.Issue {
	tb.Helper()
	if in.ProjectID == 0 {
		in.ProjectID = f.app.ID
	}
	is, err := f.s.CreateIssue(f.ctx, in)
	if err != nil {
		tb.Fatalf("create issue %q: %v", in.Title, err)
	}
	return is
}

// update changes an issue of app.
func (f *issFix) update(tb testing.TB, iid int64, u cairn.IssueUpdate) *cairn.Issue {
	tb.Helper()
	is, err := f.s.UpdateIssue(f.ctx, f.app.ID, iid, u)
	if err != nil {
		tb.Fatalf("update issue %d: %v", iid, err)
	}
	return is
}

// label creates a label in a group or project.
func (f *issFix) label(tb testing.TB, in cairn.LabelCreate) *cairn.Label {
	tb.Helper()
	l, err := f.s.CreateLabel(f.ctx, in)
	if err != nil {
		tb.Fatalf("create label %s: %v", in.Name, err)
	}
	return l
}

// events lists an app issue's events of a kind as "action name/weight/title" strings.
func (f *issFix) events(tb testing.TB, iid int64, kind string) []string {
	tb.Helper()
	evs, _, err := f.s.ListIssueEvents(f.ctx, f.app.ID, iid, kind, cairn.Page{PerPage: 100})
	if err != nil {
		tb.Fatalf("list events of %d: %v", iid, err)
	}
	out := make([]string, len(evs))
	for k, e := range evs {
		switch e.Kind {
		case cairn.EventLabel:
			out[k] = e.Action + " " + e.LabelName
		case cairn.EventWeight:
			out[k] = e.Action + " nil"
			if e.Weight != nil {
				out[k] = fmt.Sprintf("%s %d", e.Action, *e.Weight)
			}
		case cairn.EventMilestone:
			out[k] = e.Action + " " + e.MilestoneTitle
		default:
			out[k] = e.Action
		}
	}
	return out
}

func issLabelNames(is *cairn.Issue) []string { return is.LabelNames() }

func issIIDs(list []*cairn.Issue) []int64 {
	out := make([]int64, len(list))
	for k, is := range list {
		out[k] = is.IID
	}
	return out
}

func issUsernames(us []*cairn.User) []string {
	out := make([]string, len(us))
	for k, u := range us {
		out[k] = u.Username
	}
	return out
}

// issWantCode fails unless err carries code ("" for no error).
func issWantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := cairn.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// issWantField fails unless err is EINVALID about field.
func issWantField(tb testing.TB, err error, field string) {
	tb.Helper()
	issWantCode(tb, err, cairn.EINVALID)
	var e *cairn.Error
	if !errors.As(err, &e) || len(e.Fields[field]) == 0 {
		tb.Fatalf("error %v does not name field %s", err, field)
	}
}

func issEqual[T comparable](tb testing.TB, what string, got, want []T) {
	tb.Helper()
	if !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
		tb.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func issPtr[T any](v T) *T { return &v }

func TestIssueCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		bug := f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "Bug", Color: "#ff0000"})

		t.Run("OK", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{
				Title: " First ", Description: "Context", Labels: []string{"bug", "workflow::refinement", "Zeta"},
				MilestoneID: f.jul.ID, Weight: issPtr(3), AssigneeIDs: []int64{f.carol.ID, f.bob.ID}, DueDate: "2026-07-15",
			})
			if is.IID != 1 || is.Title != "First" || is.State != cairn.StateOpened || is.Author.ID != f.alice.ID {
				t.Fatalf("issue = iid %d title %q state %s author %v", is.IID, is.Title, is.State, is.Author)
			}
			// "bug" finds the group's "Bug"; the others are created in the project.
			issEqual(t, "labels", issLabelNames(is), []string{"Bug", "Zeta", "workflow::refinement"})
			if is.Labels[0].ID != bug.ID {
				t.Errorf("label Bug = %d, want the group's %d", is.Labels[0].ID, bug.ID)
			}
			if l := is.Labels[1]; l.ProjectID == nil || *l.ProjectID != f.app.ID || l.Color != cairn.DefaultLabelColor {
				t.Errorf("created label = %+v, want a project label of app with the default colour", l)
			}
			issEqual(t, "assignees", issUsernames(is.Assignees), []string{"carol", "bob"})
			if is.Milestone == nil || is.Milestone.ID != f.jul.ID || is.Weight == nil || *is.Weight != 3 || is.DueDate != "2026-07-15" {
				t.Errorf("milestone %v weight %v due %q", is.Milestone, is.Weight, is.DueDate)
			}
			if is.IssueType != "issue" || is.ClosedAt != nil || is.ClosedBy != nil || !is.CreatedAt.Equal(is.UpdatedAt) {
				t.Errorf("type %q closed %v/%v created %v updated %v", is.IssueType, is.ClosedAt, is.ClosedBy, is.CreatedAt, is.UpdatedAt)
			}
			issEqual(t, "label events", f.events(t, 1, cairn.EventLabel), []string{"add Bug", "add workflow::refinement", "add Zeta"})
			issEqual(t, "milestone events", f.events(t, 1, cairn.EventMilestone), []string{"add 2026-07"})
			issEqual(t, "weight events", f.events(t, 1, cairn.EventWeight), []string{"add 3"})
			issEqual(t, "state events", f.events(t, 1, cairn.EventState), nil)

			got, err := s.IssueByIID(f.ctx, f.app.ID, 1)
			issWantCode(t, err, "")
			if got.ID != is.ID || !slices.Equal(got.LabelNames(), is.LabelNames()) {
				t.Errorf("IssueByIID = %+v", got)
			}
			got, err = s.IssueByID(f.ctx, is.ID)
			issWantCode(t, err, "")
			if got.IID != 1 || len(got.Assignees) != 2 {
				t.Errorf("IssueByID = %+v", got)
			}
		})

		t.Run("NextIIDPerProject", func(t *testing.T) {
			a := f.issue(t, cairn.IssueCreate{Title: "second"})
			b := f.issue(t, cairn.IssueCreate{ProjectID: f.web.ID, Title: "web first"})
			if a.IID != 2 || b.IID != 1 {
				t.Fatalf("iids = %d, %d; want 2, 1", a.IID, b.IID)
			}
			if len(a.Labels) != 0 || a.Labels == nil || a.Assignees == nil || a.Milestone != nil || a.Weight != nil {
				t.Errorf("bare issue = %+v", a)
			}
			issEqual(t, "events", f.events(t, 2, ""), nil)
		})

		t.Run("ScopedLabelsExclusive", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "scoped", Labels: []string{"workflow::refinement", "prio::high", "workflow::in dev"}})
			issEqual(t, "labels", issLabelNames(is), []string{"prio::high", "workflow::in dev"})
		})

		t.Run("SubTask", func(t *testing.T) {
			parent := f.issue(t, cairn.IssueCreate{Title: "parent"})
			child := f.issue(t, cairn.IssueCreate{ProjectID: f.web.ID, Title: "child", ParentID: parent.ID, IssueType: "task"})
			if child.ParentID == nil || *child.ParentID != parent.ID || child.IssueType != "task" {
				t.Fatalf("child parent %v type %q", child.ParentID, child.IssueType)
			}
		})

		farIssue, err := s.CreateIssue(f.ctx, cairn.IssueCreate{ProjectID: f.far.ID, Title: "far away"})
		issWantCode(t, err, "")

		for _, tc := range []struct {
			name  string
			ctx   context.Context
			in    cairn.IssueCreate
			code  string
			field string
		}{
			{name: "ErrNoActor", ctx: context.Background(), in: cairn.IssueCreate{ProjectID: f.app.ID, Title: "x"}, code: cairn.EUNAUTHORIZED},
			{name: "ErrTitleMissing", in: cairn.IssueCreate{ProjectID: f.app.ID, Title: "  "}, code: cairn.EINVALID},
			{name: "ErrNoProject", in: cairn.IssueCreate{ProjectID: 999999, Title: "x"}, code: cairn.ENOTFOUND},
			{name: "ErrMilestoneOfOtherGroup", in: cairn.IssueCreate{ProjectID: f.app.ID, Title: "x", MilestoneID: f.farJul.ID}, field: "milestone_id"},
			{name: "ErrMilestoneOfOtherProject", in: cairn.IssueCreate{ProjectID: f.web.ID, Title: "x", MilestoneID: f.aug.ID}, field: "milestone_id"},
			{name: "ErrUnknownAssignee", in: cairn.IssueCreate{ProjectID: f.app.ID, Title: "x", AssigneeIDs: []int64{f.bob.ID, 999999}}, field: "assignee_ids"},
			{name: "ErrParentOfOtherGroup", in: cairn.IssueCreate{ProjectID: f.app.ID, Title: "x", ParentID: farIssue.ID}, field: "parent_id"},
			{name: "ErrNoParent", in: cairn.IssueCreate{ProjectID: f.app.ID, Title: "x", ParentID: 999999}, field: "parent_id"},
			{name: "ErrBadWeight", in: cairn.IssueCreate{ProjectID: f.app.ID, Title: "x", Weight: issPtr(-1)}, field: "weight"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := tc.ctx
				if ctx == nil {
					ctx = f.ctx
				}
				before, _, err := s.ListIssues(f.ctx, cairn.IssueFilter{ProjectID: f.app.ID})
				issWantCode(t, err, "")
				_, err = s.CreateIssue(ctx, tc.in)
				if tc.field != "" {
					issWantField(t, err, tc.field)
				} else {
					issWantCode(t, err, tc.code)
				}
				// A failed create takes no iid: the next issue gets the next number.
				after, _, _ := s.ListIssues(f.ctx, cairn.IssueFilter{ProjectID: f.app.ID})
				if len(after) != len(before) {
					t.Fatalf("%d issues after a failed create, want %d", len(after), len(before))
				}
			})
		}
		next := f.issue(t, cairn.IssueCreate{Title: "after failures"})
		if next.IID != 5 {
			t.Errorf("iid after failed creates = %d, want 5", next.IID)
		}
	})
}

func TestIssueUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "workflow::ready for development"})

		t.Run("Labels", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "labels", Labels: []string{"workflow::refinement", "bug"}, Weight: issPtr(2), Description: readyDescription})
			for _, tc := range []struct {
				name   string
				u      cairn.IssueUpdate
				want   []string
				events []string
			}{
				{"AddScopedReplacesScope", cairn.IssueUpdate{AddLabels: []string{"workflow::ready for development"}},
					[]string{"bug", "workflow::ready for development"},
					[]string{"remove workflow::refinement", "add workflow::ready for development"}},
				{"AddExisting", cairn.IssueUpdate{AddLabels: []string{"BUG"}}, []string{"bug", "workflow::ready for development"}, nil},
				{"Remove", cairn.IssueUpdate{RemoveLabels: []string{"bug", "nope"}}, []string{"workflow::ready for development"},
					[]string{"remove bug"}},
				{"ReplaceScopedLastWins", cairn.IssueUpdate{Labels: &[]string{"prio::low", "feature", "prio::high"}},
					[]string{"feature", "prio::high"},
					[]string{"remove workflow::ready for development", "add feature", "add prio::high"}},
				{"ReplaceThenAddAndRemove", cairn.IssueUpdate{Labels: &[]string{"feature", "prio::high"}, AddLabels: []string{"prio::low"}, RemoveLabels: []string{"feature"}},
					[]string{"prio::low"},
					[]string{"remove feature", "remove prio::high", "add prio::low"}},
				{"AddAndRemoveSameAdds", cairn.IssueUpdate{AddLabels: []string{"bug"}, RemoveLabels: []string{"bug"}},
					[]string{"bug", "prio::low"}, []string{"add bug"}},
				{"Clear", cairn.IssueUpdate{Labels: &[]string{}}, nil, []string{"remove bug", "remove prio::low"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := f.events(t, is.IID, cairn.EventLabel)
					got := f.update(t, is.IID, tc.u)
					issEqual(t, "labels", issLabelNames(got), tc.want)
					after := f.events(t, is.IID, cairn.EventLabel)
					issEqual(t, "new label events", after[len(before):], tc.events)
				})
			}
		})

		t.Run("LabelEventsCarryActorAndOneTime", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "actor", Labels: []string{"workflow::refinement"}, Weight: issPtr(2), Description: readyDescription})
			ctx := cairn.NewContextWithUser(context.Background(), f.bob)
			if _, err := s.UpdateIssue(ctx, f.app.ID, is.IID, cairn.IssueUpdate{AddLabels: []string{"workflow::ready for development"}}); err != nil {
				t.Fatal(err)
			}
			evs, total, err := s.ListIssueEvents(f.ctx, f.app.ID, is.IID, cairn.EventLabel, cairn.Page{})
			issWantCode(t, err, "")
			if len(evs) != 3 || total.Count != 3 {
				t.Fatalf("%d events (total %+v), want 3", len(evs), total)
			}
			rm, add := evs[1], evs[2]
			if rm.User == nil || rm.User.ID != f.bob.ID || add.User.ID != f.bob.ID || evs[0].User.ID != f.alice.ID {
				t.Errorf("actors = %v, %v, %v", evs[0].User, rm.User, add.User)
			}
			if !rm.CreatedAt.Equal(add.CreatedAt) || !rm.CreatedAt.After(evs[0].CreatedAt) {
				t.Errorf("times = %v, %v, %v", evs[0].CreatedAt, rm.CreatedAt, add.CreatedAt)
			}
			if add.Label == nil || add.Label.Name != "workflow::ready for development" || add.LabelID == nil || *add.LabelID != add.Label.ID {
				t.Errorf("add event label = %+v", add.Label)
			}
		})

		t.Run("State", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "state"})
			ctx := cairn.NewContextWithUser(context.Background(), f.carol)
			got, err := s.UpdateIssue(ctx, f.app.ID, is.IID, cairn.IssueUpdate{StateEvent: "close"})
			issWantCode(t, err, "")
			if got.State != cairn.StateClosed || got.ClosedAt == nil || got.ClosedBy == nil || got.ClosedBy.ID != f.carol.ID || !got.UpdatedAt.Equal(*got.ClosedAt) {
				t.Fatalf("closed issue state %s at %v by %v updated %v", got.State, got.ClosedAt, got.ClosedBy, got.UpdatedAt)
			}
			again := f.update(t, is.IID, cairn.IssueUpdate{StateEvent: "close"})
			if !again.UpdatedAt.Equal(got.UpdatedAt) {
				t.Errorf("closing a closed issue changed updated_at")
			}
			got = f.update(t, is.IID, cairn.IssueUpdate{StateEvent: "reopen"})
			if got.State != cairn.StateOpened || got.ClosedAt != nil || got.ClosedBy != nil {
				t.Fatalf("reopened issue state %s at %v by %v", got.State, got.ClosedAt, got.ClosedBy)
			}
			f.update(t, is.IID, cairn.IssueUpdate{StateEvent: "reopen"})
			issEqual(t, "state events", f.events(t, is.IID, cairn.EventState), []string{"closed", "reopened"})
		})

		t.Run("MilestoneAndWeight", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "mw", MilestoneID: f.jul.ID})
			f.update(t, is.IID, cairn.IssueUpdate{MilestoneID: cairn.SetTo(f.aug.ID), Weight: cairn.SetTo(2)})
			f.update(t, is.IID, cairn.IssueUpdate{MilestoneID: cairn.SetTo(f.aug.ID), Weight: cairn.SetTo(2)})
			f.update(t, is.IID, cairn.IssueUpdate{Weight: cairn.SetTo(5)})
			got := f.update(t, is.IID, cairn.IssueUpdate{MilestoneID: cairn.Clear[int64](), Weight: cairn.Clear[int]()})
			if got.Milestone != nil || got.Weight != nil {
				t.Fatalf("milestone %v weight %v, want none", got.Milestone, got.Weight)
			}
			issEqual(t, "milestone events", f.events(t, is.IID, cairn.EventMilestone), []string{"add 2026-07", "remove 2026-07", "add 2026-08", "remove 2026-08"})
			issEqual(t, "weight events", f.events(t, is.IID, cairn.EventWeight), []string{"add 2", "add 5", "remove nil"})
			_, err := s.UpdateIssue(f.ctx, f.app.ID, is.IID, cairn.IssueUpdate{MilestoneID: cairn.SetTo(f.farJul.ID)})
			issWantField(t, err, "milestone_id")
		})

		t.Run("Fields", func(t *testing.T) {
			parent := f.issue(t, cairn.IssueCreate{Title: "parent"})
			is := f.issue(t, cairn.IssueCreate{Title: "fields", AssigneeIDs: []int64{f.bob.ID}, DueDate: "2026-07-01"})
			got := f.update(t, is.IID, cairn.IssueUpdate{
				Title: issPtr("renamed"), Description: issPtr("desc"), AssigneeIDs: &[]int64{f.carol.ID, f.alice.ID},
				DueDate: cairn.Clear[string](), Confidential: issPtr(true), DiscussionLocked: issPtr(true),
				ParentID: cairn.SetTo(parent.ID), IssueType: issPtr("task"), HealthStatus: cairn.SetTo("at_risk"),
				RelativePosition: cairn.SetTo(int64(-5)), SpendSeconds: 5400, SpendSummary: "pairing",
			})
			if got.Title != "renamed" || got.Description != "desc" || got.DueDate != "" || !got.Confidential || !got.DiscussionLocked ||
				got.ParentID == nil || *got.ParentID != parent.ID || got.IssueType != "task" || got.HealthStatus != "at_risk" ||
				got.RelativePosition == nil || *got.RelativePosition != -5 || got.TotalTimeSpent != 5400 {
				t.Fatalf("updated issue = %+v", got)
			}
			issEqual(t, "assignees", issUsernames(got.Assignees), []string{"carol", "alice"})
			if !got.UpdatedAt.After(is.UpdatedAt) {
				t.Errorf("updated_at %v not after %v", got.UpdatedAt, is.UpdatedAt)
			}
			got = f.update(t, is.IID, cairn.IssueUpdate{SpendSeconds: -9000, AssigneeIDs: &[]int64{}, HealthStatus: cairn.Clear[string](), ParentID: cairn.Clear[int64]()})
			if got.TotalTimeSpent != 0 || len(got.Assignees) != 0 || got.HealthStatus != "" || got.ParentID != nil {
				t.Errorf("after clearing: spent %d assignees %v health %q parent %v", got.TotalTimeSpent, got.Assignees, got.HealthStatus, got.ParentID)
			}
			var logs int
			if err := s.RawQueryRowForTest(f.ctx, "SELECT COUNT(*) FROM timelogs WHERE issue_id = ?", is.ID).Scan(&logs); err != nil || logs != 2 {
				t.Errorf("time logs = %d (%v), want 2", logs, err)
			}
			// Nothing to change leaves updated_at alone.
			same := f.update(t, is.IID, cairn.IssueUpdate{Title: issPtr("renamed"), Confidential: issPtr(true)})
			if !same.UpdatedAt.Equal(got.UpdatedAt) {
				t.Errorf("no-op update moved updated_at from %v to %v", got.UpdatedAt, same.UpdatedAt)
			}
		})

		t.Run("Errors", func(t *testing.T) {
			is := f.issue(t, cairn.IssueCreate{Title: "errors"})
			child := f.issue(t, cairn.IssueCreate{Title: "child", ParentID: is.ID})
			_, err := s.UpdateIssue(f.ctx, f.app.ID, 999, cairn.IssueUpdate{Title: issPtr("x")})
			issWantCode(t, err, cairn.ENOTFOUND)
			_, err = s.UpdateIssue(f.ctx, f.app.ID, is.IID, cairn.IssueUpdate{ParentID: cairn.SetTo(is.ID)})
			issWantField(t, err, "parent_id")
			_, err = s.UpdateIssue(f.ctx, f.app.ID, is.IID, cairn.IssueUpdate{ParentID: cairn.SetTo(child.ID)})
			issWantField(t, err, "parent_id")
			_, err = s.UpdateIssue(f.ctx, f.app.ID, is.IID, cairn.IssueUpdate{AssigneeIDs: &[]int64{999999}})
			issWantField(t, err, "assignee_ids")
			_, err = s.UpdateIssue(f.ctx, f.app.ID, is.IID, cairn.IssueUpdate{StateEvent: "archive"})
			issWantField(t, err, "state_event")
			// A failing part rolls the whole update back.
			_, err = s.UpdateIssue(f.ctx, f.app.ID, is.IID, cairn.IssueUpdate{AddLabels: []string{"rolled back"}, Weight: cairn.SetTo(3), MilestoneID: cairn.SetTo(f.farJul.ID)})
			issWantField(t, err, "milestone_id")
			got, err := s.IssueByIID(f.ctx, f.app.ID, is.IID)
			issWantCode(t, err, "")
			if len(got.Labels) != 0 || got.Weight != nil {
				t.Errorf("failed update left labels %v weight %v", got.LabelNames(), got.Weight)
			}
			if _, err := s.FindProjectLabel(f.ctx, f.app.ID, "rolled back"); cairn.ErrorCode(err) != cairn.ENOTFOUND {
				t.Errorf("label of a failed update exists: %v", err)
			}
			issEqual(t, "events", f.events(t, is.IID, ""), nil)
		})
	})
}

func TestIssueConcurrentUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		is := f.issue(t, cairn.IssueCreate{Title: "contended"})
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for _, prefix := range []string{"a", "b"} {
			wg.Go(func() {
				for k := 1; k <= n; k++ {
					u := cairn.IssueUpdate{AddLabels: []string{fmt.Sprintf("%s%d", prefix, k)}}
					if prefix == "b" {
						u.Weight = cairn.SetTo(k)
					}
					if _, err := s.UpdateIssue(f.ctx, f.app.ID, is.IID, u); err != nil {
						errs <- fmt.Errorf("%s%d: %w", prefix, k, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got, err := s.IssueByIID(f.ctx, f.app.ID, is.IID)
		issWantCode(t, err, "")
		if len(got.Labels) != 2*n {
			t.Errorf("%d labels, want %d: %v", len(got.Labels), 2*n, got.LabelNames())
		}
		for _, p := range []string{"a", "b"} {
			for k := 1; k <= n; k++ {
				if !got.HasLabel(fmt.Sprintf("%s%d", p, k)) {
					t.Errorf("label %s%d lost", p, k)
				}
			}
		}
		if got.Weight == nil || *got.Weight != n {
			t.Errorf("weight = %v, want %d", got.Weight, n)
		}
		evs := f.events(t, is.IID, cairn.EventLabel)
		adds := 0
		for _, e := range evs {
			if e[:4] == "add " {
				adds++
			}
		}
		if adds != 2*n || len(evs) != 2*n {
			t.Errorf("%d label events, %d adds; want %d adds only", len(evs), adds, 2*n)
		}
		if w := f.events(t, is.IID, cairn.EventWeight); len(w) != n {
			t.Errorf("%d weight events, want %d", len(w), n)
		}
	})
}

// TestIssueConcurrentScopedLabels has two writers move one issue through
// the values of one scope at once. Each change must see the label the other
// left: without the row lock both would remove the same old value and the
// issue would end with two labels of the scope.
func TestIssueConcurrentScopedLabels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		is := f.issue(t, cairn.IssueCreate{Title: "contended", Labels: []string{"state::start"}})
		const n = 20
		var wg sync.WaitGroup
		for _, prefix := range []string{"a", "b"} {
			wg.Go(func() {
				for k := 1; k <= n; k++ {
					u := cairn.IssueUpdate{AddLabels: []string{fmt.Sprintf("state::%s%d", prefix, k)}}
					if _, err := s.UpdateIssue(f.ctx, f.app.ID, is.IID, u); err != nil {
						t.Errorf("%s%d: %v", prefix, k, err)
					}
				}
			})
		}
		wg.Wait()
		got, err := s.IssueByIID(f.ctx, f.app.ID, is.IID)
		issWantCode(t, err, "")
		if len(got.Labels) != 1 {
			t.Errorf("labels = %v, want one of scope state", got.LabelNames())
		}
		adds, removes := 0, 0
		for _, e := range f.events(t, is.IID, cairn.EventLabel) {
			if e[:4] == "add " {
				adds++
			} else {
				removes++
			}
		}
		if adds != 2*n+1 || removes != 2*n {
			t.Errorf("%d adds and %d removes, want %d and %d", adds, removes, 2*n+1, 2*n)
		}
	})
}

func TestIssueDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		parent := f.issue(t, cairn.IssueCreate{Title: "doomed", Labels: []string{"bug"}, AssigneeIDs: []int64{f.bob.ID}, Weight: issPtr(1)})
		child := f.issue(t, cairn.IssueCreate{Title: "child", ParentID: parent.ID})
		other := f.issue(t, cairn.IssueCreate{Title: "linked"})
		if _, err := s.CreateLink(f.ctx, parent.ID, other.ID, cairn.LinkBlocks); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateNote(f.ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: parent.IID, Body: "bye"}); err != nil {
			t.Fatal(err)
		}
		issWantCode(t, s.DeleteIssue(f.ctx, f.app.ID, parent.IID), "")
		_, err := s.IssueByIID(f.ctx, f.app.ID, parent.IID)
		issWantCode(t, err, cairn.ENOTFOUND)
		issWantCode(t, s.DeleteIssue(f.ctx, f.app.ID, parent.IID), cairn.ENOTFOUND)
		got, err := s.IssueByID(f.ctx, child.ID)
		issWantCode(t, err, "")
		if got.ParentID != nil {
			t.Errorf("child keeps deleted parent %d", *got.ParentID)
		}
		links, err := s.ListLinks(f.ctx, other.ID)
		issWantCode(t, err, "")
		if len(links) != 0 {
			t.Errorf("links of deleted issue remain: %d", len(links))
		}
		for _, table := range []string{"issue_labels", "issue_assignees", "notes", "issue_events"} {
			var n int
			if err := s.RawQueryRowForTest(f.ctx, "SELECT COUNT(*) FROM "+table+" WHERE issue_id = ?", parent.ID).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s rows of deleted issue = %d (%v)", table, n, err)
			}
		}
		// The iid is not reused.
		if next := f.issue(t, cairn.IssueCreate{Title: "next"}); next.IID != 4 {
			t.Errorf("next iid = %d, want 4", next.IID)
		}
	})
}

func TestEventList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		is := f.issue(t, cairn.IssueCreate{Title: "events", Labels: []string{"l1", "l2", "l3"}, Weight: issPtr(1)})
		f.update(t, is.IID, cairn.IssueUpdate{StateEvent: "close"})
		evs, total, err := s.ListIssueEvents(f.ctx, f.app.ID, is.IID, cairn.EventLabel, cairn.Page{Page: 2, PerPage: 2})
		issWantCode(t, err, "")
		if len(evs) != 1 || evs[0].LabelName != "l3" || total.Count != 3 || total.Capped {
			t.Fatalf("page 2 = %d events (%v), total %+v", len(evs), evs, total)
		}
		all, total, err := s.ListIssueEvents(f.ctx, f.app.ID, is.IID, "", cairn.Page{})
		issWantCode(t, err, "")
		if len(all) != 5 || total.Count != 5 {
			t.Errorf("all kinds = %d events, total %+v; want 5", len(all), total)
		}
		_, _, err = s.ListIssueEvents(f.ctx, f.app.ID, 99, cairn.EventLabel, cairn.Page{})
		issWantCode(t, err, cairn.ENOTFOUND)
		_, _, err = s.ListIssueEvents(f.ctx, f.app.ID, is.IID, "colour", cairn.Page{})
		issWantCode(t, err, cairn.EINVALID)
	})
}

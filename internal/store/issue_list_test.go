package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// issListFix adds to the fixture five issues of app (iids 1–5, created in
// that order) and one of web, spread over every filter:
//
//	#1 Login fails     bug prio::high  2026-07 w3 @bob        due 05-20 (overdue)
//	#2 Add dark mode   feature         2026-08 w1 @carol @bob due 06-03 (this week), "100%" in the description
//	#3 Crash in sync   bug prio::low   —       —  —           by bob, confidential, rank 10
//	#4 Docs_update     —               2026-07 w2 @carol      closed last, task
//	#5 Refactor        prio::high      2026-07 w5 @bob        due 06-20 (this month)
//	web#1 Web bug      bug (web's own) 2026-07
//
// Label priorities: prio::high 1, bug 2, prio::low 3, feature none; #1 has rank 20.
type issListFix struct {
	*issFix
	issues map[int64]*cairn.Issue // app issues by iid
}

func newIssListFix(tb testing.TB, s *store.Store) *issListFix {
	tb.Helper()
	f := &issListFix{issFix: newIssFix(tb, s), issues: map[int64]*cairn.Issue{}}
	f.label(tb, cairn.LabelCreate{GroupID: f.team.ID, Name: "prio::high", Priority: issPtr(1)})
	f.label(tb, cairn.LabelCreate{GroupID: f.team.ID, Name: "prio::low", Priority: issPtr(3)})
	f.label(tb, cairn.LabelCreate{ProjectID: f.app.ID, Name: "bug", Priority: issPtr(2)})
	f.label(tb, cairn.LabelCreate{ProjectID: f.web.ID, Name: "bug"})
	add := func(ctx context.Context, in cairn.IssueCreate) {
		tb.Helper()
		in.ProjectID = f.app.ID
		is, err := s.CreateIssue(ctx, in)
		if err != nil {
			tb.Fatalf("create %q: %v", in.Title, err)
		}
		f.issues[is.IID] = is
	}
	add(f.ctx, cairn.IssueCreate{Title: "Login fails", Description: "crash on submit", Labels: []string{"bug", "prio::high"},
		MilestoneID: f.jul.ID, Weight: issPtr(3), AssigneeIDs: []int64{f.bob.ID}, DueDate: "2026-05-20"})
	add(f.ctx, cairn.IssueCreate{Title: "Add dark mode", Description: "feature request, 100% wanted", Labels: []string{"feature"},
		MilestoneID: f.aug.ID, Weight: issPtr(1), AssigneeIDs: []int64{f.carol.ID, f.bob.ID}, DueDate: "2026-06-03"})
	add(cairn.NewContextWithUser(context.Background(), f.bob), cairn.IssueCreate{Title: "Crash in sync", Labels: []string{"bug", "prio::low"}, Confidential: true})
	add(f.ctx, cairn.IssueCreate{Title: "Docs_update", MilestoneID: f.jul.ID, Weight: issPtr(2), AssigneeIDs: []int64{f.carol.ID}, IssueType: "task"})
	add(f.ctx, cairn.IssueCreate{Title: "Refactor", Labels: []string{"prio::high"}, MilestoneID: f.jul.ID, Weight: issPtr(5),
		AssigneeIDs: []int64{f.bob.ID}, DueDate: "2026-06-20"})
	f.issue(tb, cairn.IssueCreate{ProjectID: f.web.ID, Title: "Web bug", Labels: []string{"bug"}, MilestoneID: f.jul.ID})
	f.update(tb, 3, cairn.IssueUpdate{RelativePosition: cairn.SetTo(int64(10))})
	f.update(tb, 1, cairn.IssueUpdate{RelativePosition: cairn.SetTo(int64(20))})
	f.issues[4] = f.update(tb, 4, cairn.IssueUpdate{StateEvent: "close"})
	return f
}

// list lists app issues with the filter and returns their iids.
func (f *issListFix) list(tb testing.TB, flt cairn.IssueFilter) ([]int64, cairn.Total) {
	tb.Helper()
	if flt.GroupID == 0 && flt.ProjectID == 0 {
		flt.ProjectID = f.app.ID
	}
	list, total, err := f.s.ListIssues(f.ctx, flt)
	if err != nil {
		tb.Fatalf("list issues %+v: %v", flt, err)
	}
	return issIIDs(list), total
}

func TestIssueListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssListFix(t, s)
		at := func(iid int64) *time.Time { t := f.issues[iid].CreatedAt; return &t }
		for _, tc := range []struct {
			name string
			f    cairn.IssueFilter
			want []int64
		}{
			{"All", cairn.IssueFilter{}, []int64{5, 4, 3, 2, 1}},
			{"StateAll", cairn.IssueFilter{State: "all"}, []int64{5, 4, 3, 2, 1}},
			{"Opened", cairn.IssueFilter{State: cairn.StateOpened}, []int64{5, 3, 2, 1}},
			{"Closed", cairn.IssueFilter{State: cairn.StateClosed}, []int64{4}},
			{"Label", cairn.IssueFilter{Labels: []string{"bug"}}, []int64{3, 1}},
			{"LabelCaseInsensitive", cairn.IssueFilter{Labels: []string{"BUG"}}, []int64{3, 1}},
			{"LabelsAnd", cairn.IssueFilter{Labels: []string{"bug", "prio::high"}}, []int64{1}},
			{"LabelsNone", cairn.IssueFilter{Labels: []string{"None"}}, []int64{4}},
			{"LabelsAny", cairn.IssueFilter{Labels: []string{"Any"}}, []int64{5, 3, 2, 1}},
			{"LabelUnknown", cairn.IssueFilter{Labels: []string{"nope"}}, nil},
			{"NotLabel", cairn.IssueFilter{NotLabels: []string{"bug"}}, []int64{5, 4, 2}},
			{"NotLabels", cairn.IssueFilter{NotLabels: []string{"bug", "feature"}}, []int64{5, 4}},
			{"NotLabelUnknown", cairn.IssueFilter{NotLabels: []string{"nope"}}, []int64{5, 4, 3, 2, 1}},
			{"Milestone", cairn.IssueFilter{Milestone: "2026-07"}, []int64{5, 4, 1}},
			{"MilestoneOfProject", cairn.IssueFilter{Milestone: "2026-08"}, []int64{2}},
			{"MilestoneNone", cairn.IssueFilter{Milestone: "None"}, []int64{3}},
			{"MilestoneAny", cairn.IssueFilter{Milestone: "Any"}, []int64{5, 4, 2, 1}},
			{"MilestoneUnknown", cairn.IssueFilter{Milestone: "2030-01"}, nil},
			{"MilestoneID", cairn.IssueFilter{MilestoneID: f.aug.ID}, []int64{2}},
			{"NotMilestone", cairn.IssueFilter{NotMilestone: "2026-07"}, []int64{3, 2}},
			{"NotMilestoneNone", cairn.IssueFilter{NotMilestone: "None"}, []int64{5, 4, 2, 1}},
			{"Assignee", cairn.IssueFilter{AssigneeID: fmt.Sprint(f.bob.ID)}, []int64{5, 2, 1}},
			{"AssigneeNone", cairn.IssueFilter{AssigneeID: "None"}, []int64{3}},
			{"AssigneeAny", cairn.IssueFilter{AssigneeID: "Any"}, []int64{5, 4, 2, 1}},
			{"AssigneeUsernamesAnd", cairn.IssueFilter{AssigneeUsernames: []string{"bob", "Carol"}}, []int64{2}},
			{"NotAssignee", cairn.IssueFilter{NotAssigneeID: f.bob.ID}, []int64{4, 3}},
			{"NotAssigneeUsernames", cairn.IssueFilter{NotAssigneeUsernames: []string{"carol"}}, []int64{5, 3, 1}},
			{"Author", cairn.IssueFilter{AuthorID: f.bob.ID}, []int64{3}},
			{"AuthorUsername", cairn.IssueFilter{AuthorUsername: "BOB"}, []int64{3}},
			{"NotAuthor", cairn.IssueFilter{NotAuthorID: f.bob.ID}, []int64{5, 4, 2, 1}},
			{"Weight", cairn.IssueFilter{Weight: "3"}, []int64{1}},
			{"WeightNone", cairn.IssueFilter{Weight: "None"}, []int64{3}},
			{"WeightAny", cairn.IssueFilter{Weight: "Any"}, []int64{5, 4, 2, 1}},
			{"NotWeight", cairn.IssueFilter{NotWeight: issPtr(3)}, []int64{5, 4, 3, 2}},
			{"Search", cairn.IssueFilter{Search: "CRASH"}, []int64{3, 1}},
			{"SearchInTitle", cairn.IssueFilter{Search: "crash", In: []string{"title"}}, []int64{3}},
			{"SearchInDescription", cairn.IssueFilter{Search: "crash", In: []string{"description"}}, []int64{1}},
			{"SearchPercentIsLiteral", cairn.IssueFilter{Search: "%"}, []int64{2}},
			{"SearchUnderscoreIsLiteral", cairn.IssueFilter{Search: "_"}, []int64{4}},
			{"IIDs", cairn.IssueFilter{IIDs: []int64{1, 3, 42}}, []int64{3, 1}},
			{"NotIIDs", cairn.IssueFilter{NotIIDs: []int64{1, 3}}, []int64{5, 4, 2}},
			{"Confidential", cairn.IssueFilter{Confidential: issPtr(true)}, []int64{3}},
			{"NotConfidential", cairn.IssueFilter{Confidential: issPtr(false)}, []int64{5, 4, 2, 1}},
			{"IssueType", cairn.IssueFilter{IssueType: "task"}, []int64{4}},
			{"DueOverdue", cairn.IssueFilter{DueDate: "overdue"}, []int64{1}},
			{"DueThisWeek", cairn.IssueFilter{DueDate: "week"}, []int64{2}},
			{"DueThisMonth", cairn.IssueFilter{DueDate: "month"}, []int64{5, 2}},
			{"DueNone", cairn.IssueFilter{DueDate: "None"}, []int64{4, 3}},
			{"DueAny", cairn.IssueFilter{DueDate: "Any"}, []int64{5, 2, 1}},
			{"CreatedAfter", cairn.IssueFilter{CreatedAfter: at(3)}, []int64{5, 4, 3}},
			{"CreatedBefore", cairn.IssueFilter{CreatedBefore: at(2)}, []int64{2, 1}},
			{"UpdatedAfter", cairn.IssueFilter{UpdatedAfter: at(5)}, []int64{5, 4, 3, 1}},
			{"UpdatedBefore", cairn.IssueFilter{UpdatedBefore: at(2)}, []int64{2}},
			{"Combined", cairn.IssueFilter{State: cairn.StateOpened, Labels: []string{"prio::high"}, Milestone: "2026-07", AssigneeID: fmt.Sprint(f.bob.ID)}, []int64{5, 1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total := f.list(t, tc.f)
				issEqual(t, "iids", got, tc.want)
				if total.Count != len(tc.want) || total.Capped {
					t.Errorf("total = %+v, want %d", total, len(tc.want))
				}
			})
		}

		t.Run("Group", func(t *testing.T) {
			list, total, err := s.ListIssues(f.ctx, cairn.IssueFilter{GroupID: f.team.ID, Labels: []string{"bug"}, Sort: "asc"})
			issWantCode(t, err, "")
			var got []string
			for _, is := range list {
				got = append(got, fmt.Sprintf("%d#%d", is.ProjectID, is.IID))
			}
			want := []string{fmt.Sprintf("%d#1", f.app.ID), fmt.Sprintf("%d#3", f.app.ID), fmt.Sprintf("%d#1", f.web.ID)}
			issEqual(t, "issues", got, want)
			if total.Count != 3 {
				t.Errorf("total = %+v, want 3", total)
			}
			other, _, err := s.ListIssues(f.ctx, cairn.IssueFilter{GroupID: f.other.ID})
			issWantCode(t, err, "")
			if len(other) != 0 {
				t.Errorf("other group lists %d issues", len(other))
			}
		})

		t.Run("Relations", func(t *testing.T) {
			list, _, err := s.ListIssues(f.ctx, cairn.IssueFilter{ProjectID: f.app.ID, IIDs: []int64{2, 4}})
			issWantCode(t, err, "")
			if len(list) != 2 {
				t.Fatalf("%d issues", len(list))
			}
			closed, two := list[0], list[1]
			issEqual(t, "assignees of #2", issUsernames(two.Assignees), []string{"carol", "bob"})
			issEqual(t, "labels of #2", two.LabelNames(), []string{"feature"})
			if two.Milestone == nil || two.Milestone.Title != "2026-08" || two.Author == nil || two.Author.Username != "alice" {
				t.Errorf("#2 milestone %v author %v", two.Milestone, two.Author)
			}
			if closed.ClosedBy == nil || closed.ClosedBy.Username != "alice" || closed.Milestone.ID != f.jul.ID {
				t.Errorf("#4 closed by %v milestone %v", closed.ClosedBy, closed.Milestone)
			}
		})

		for _, tc := range []struct {
			name  string
			f     cairn.IssueFilter
			param string
			code  string
		}{
			{"ErrState", cairn.IssueFilter{ProjectID: f.app.ID, State: "merged"}, "state", cairn.EINVALID},
			{"ErrOrder", cairn.IssueFilter{ProjectID: f.app.ID, OrderBy: "popularity"}, "order_by", cairn.EINVALID},
			{"ErrWeight", cairn.IssueFilter{ProjectID: f.app.ID, Weight: "heavy"}, "weight", cairn.EINVALID},
			{"ErrAssignee", cairn.IssueFilter{ProjectID: f.app.ID, AssigneeID: "bob"}, "assignee_id", cairn.EINVALID},
			{"ErrDueDate", cairn.IssueFilter{ProjectID: f.app.ID, DueDate: "someday"}, "due_date", cairn.EINVALID},
			{"ErrNoProject", cairn.IssueFilter{ProjectID: 999999}, "", cairn.ENOTFOUND},
			{"ErrNoGroup", cairn.IssueFilter{GroupID: 999999}, "", cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := s.ListIssues(f.ctx, tc.f)
				issWantCode(t, err, tc.code)
				if e, ok := err.(*cairn.Error); tc.param != "" && (!ok || e.Param != tc.param) {
					t.Errorf("error %v does not name %s", err, tc.param)
				}
			})
		}
	})
}

func TestIssueListOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssListFix(t, s)
		for _, tc := range []struct {
			order, sort string
			want        []int64
		}{
			{"", "", []int64{5, 4, 3, 2, 1}},
			{"created_at", "asc", []int64{1, 2, 3, 4, 5}},
			{"updated_at", "desc", []int64{4, 1, 3, 5, 2}},
			{"updated_at", "asc", []int64{2, 5, 3, 1, 4}},
			{"due_date", "asc", []int64{1, 2, 5, 3, 4}},
			{"due_date", "desc", []int64{5, 2, 1, 4, 3}},
			{"weight", "asc", []int64{2, 4, 1, 5, 3}},
			{"weight", "desc", []int64{5, 1, 4, 2, 3}},
			{"relative_position", "", []int64{3, 1, 2, 4, 5}},
			{"relative_position", "desc", []int64{1, 3, 5, 4, 2}},
			{"title", "asc", []int64{2, 3, 4, 1, 5}},
			{"title", "desc", []int64{5, 1, 4, 3, 2}},
			{"label_priority", "asc", []int64{1, 5, 3, 2, 4}},
			{"label_priority", "desc", []int64{3, 5, 1, 4, 2}},
			{"priority", "asc", []int64{1, 5, 3, 2, 4}},
			{"milestone_due", "asc", []int64{1, 4, 5, 2, 3}},
			{"milestone_due", "desc", []int64{2, 5, 4, 1, 3}},
		} {
			t.Run(tc.order+"_"+tc.sort, func(t *testing.T) {
				got, _ := f.list(t, cairn.IssueFilter{OrderBy: tc.order, Sort: tc.sort})
				issEqual(t, "iids", got, tc.want)
			})
		}
		t.Run("PriorityWithoutPrioritisedLabels", func(t *testing.T) {
			for _, title := range []string{"one", "two", "three"} {
				f.issue(t, cairn.IssueCreate{ProjectID: f.far.ID, Title: title, Labels: []string{"plain"}})
			}
			got, total := f.list(t, cairn.IssueFilter{ProjectID: f.far.ID, OrderBy: "label_priority", Sort: "asc"})
			issEqual(t, "iids", got, []int64{1, 2, 3})
			if total.Count != 3 {
				t.Errorf("total = %+v", total)
			}
		})
	})
}

func TestIssueListPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssListFix(t, s)
		for _, tc := range []struct {
			page int
			want []int64
		}{
			{1, []int64{5, 4}},
			{2, []int64{3, 2}},
			{3, []int64{1}},
			{4, nil},
		} {
			t.Run(fmt.Sprintf("Page%d", tc.page), func(t *testing.T) {
				got, total := f.list(t, cairn.IssueFilter{Page: cairn.Page{Page: tc.page, PerPage: 2}})
				issEqual(t, "iids", got, tc.want)
				if total != (cairn.Total{Count: 5}) {
					t.Errorf("total = %+v, want 5", total)
				}
			})
		}
		t.Run("SkipTotal", func(t *testing.T) {
			got, total := f.list(t, cairn.IssueFilter{SkipTotal: true, Page: cairn.Page{PerPage: 2}})
			issEqual(t, "iids", got, []int64{5, 4})
			if total != (cairn.Total{}) {
				t.Errorf("total = %+v, want none", total)
			}
		})
		t.Run("Capped", func(t *testing.T) {
			const n = cairn.MaxCountedTotal + 5
			if err := store.SeedIssuesForBench(s, f.web.ID, f.alice.ID, n, nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			list, total, err := s.ListIssues(f.ctx, cairn.IssueFilter{ProjectID: f.web.ID, Page: cairn.Page{Page: 3, PerPage: 5}})
			issWantCode(t, err, "")
			if total != (cairn.Total{Count: cairn.MaxCountedTotal, Capped: true}) {
				t.Errorf("total = %+v, want capped", total)
			}
			// Web's own issue is the newest; seeded issues (iids 2 to n+1) are
			// older and a minute apart, the highest iid first.
			issEqual(t, "iids", issIIDs(list), []int64{n - 8, n - 9, n - 10, n - 11, n - 12})
			_, total, err = s.ListIssues(f.ctx, cairn.IssueFilter{ProjectID: f.web.ID, IIDs: []int64{1, 2, 3}, Page: cairn.Page{PerPage: 2}})
			issWantCode(t, err, "")
			if total != (cairn.Total{Count: 3}) {
				t.Errorf("total of three = %+v", total)
			}
		})
	})
}

package store_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestPlanningIssues checks the lean loader a plan is computed from
// against the full one: for each filter, the issues it selects, ordered by
// id, are the full issues (IssueByID) without what it leaves out, with the
// same labels in the same order, the same assignees in the same order and
// the same milestone; and at the limit it keeps the lowest ids.
func TestPlanningIssues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "Bug", Color: "#ff0000"})
		f.label(t, cairn.LabelCreate{ProjectID: f.app.ID, Name: "Zeta", Color: "#00ff00"})
		f.label(t, cairn.LabelCreate{ProjectID: f.web.ID, Name: "Zeta", Color: "#0000ff"})
		labelSets := [][]string{nil, {"workflow::ready for development", "code-creation-priority::high"}, {"Zeta", "Bug", "alpha", "workflow::in dev"},
			{"workflow::refinement"}, {"Bug"}}
		assigneeSets := [][]int64{nil, {f.carol.ID, f.bob.ID}, {f.alice.ID}, {f.bob.ID, f.alice.ID, f.carol.ID}}
		milestones := map[int64][]int64{f.app.ID: {0, f.jul.ID, f.aug.ID}, f.web.ID: {0, f.jul.ID}, f.far.ID: {0, f.farJul.ID}}
		var all []*cairn.Issue
		for k := range 30 {
			project := []*cairn.Project{f.app, f.web, f.far}[k%3]
			in := cairn.IssueCreate{ProjectID: project.ID, Title: fmt.Sprintf("Issue %d", k), Labels: labelSets[k%len(labelSets)],
				AssigneeIDs: assigneeSets[k%len(assigneeSets)], MilestoneID: milestones[project.ID][(k/3)%len(milestones[project.ID])]}
			if k%4 != 0 {
				in.Weight = issPtr(k % 5)
			}
			if k%6 == 1 {
				in.DueDate, in.IssueType = "2026-07-15", "task"
			}
			if k%7 == 3 && len(all) > 0 && all[len(all)-1].ProjectID == project.ID {
				in.ParentID = all[len(all)-1].ID
			}
			is := f.issue(t, in)
			var u cairn.IssueUpdate
			if k%5 == 2 {
				u.StateEvent = "close"
			}
			if k%3 == 1 {
				u.RelativePosition = cairn.SetTo(int64(100 - k))
			}
			if !u.Empty() {
				if _, err := s.UpdateIssue(f.ctx, is.ProjectID, is.IID, u); err != nil {
					t.Fatal(err)
				}
			}
			all = append(all, is)
		}
		full := map[int64]*cairn.Issue{}
		for _, is := range all {
			got, err := s.IssueByID(f.ctx, is.ID)
			if err != nil {
				t.Fatal(err)
			}
			// What PlanningIssues leaves out.
			got.Description, got.Author, got.ClosedBy = "", nil, nil
			got.Confidential, got.DiscussionLocked, got.HealthStatus = false, false, ""
			got.TimeEstimate, got.TotalTimeSpent, got.UserNotesCount = 0, 0, 0
			full[is.ID] = got
		}
		// expect selects the issues of f by the filter's rules.
		expect := func(pf store.PlanningIssueFilter) []*cairn.Issue {
			var out []*cairn.Issue
			for _, is := range all {
				want := full[is.ID]
				m := int64(0)
				if want.Milestone != nil {
					m = want.Milestone.ID
				}
				if want.ProjectID == f.far.ID || (pf.State != "" && want.State != pf.State) {
					continue
				}
				if slices.Contains(pf.MilestoneIDs, m) && m != 0 || pf.NoMilestone && m == 0 || slices.Contains(pf.IDs, is.ID) {
					out = append(out, want)
				}
			}
			return out
		}
		check := func(t *testing.T, pf store.PlanningIssueFilter, want []*cairn.Issue) {
			t.Helper()
			got, err := s.PlanningIssues(f.ctx, pf)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d issues, want %d", len(got), len(want))
			}
			for k := range got {
				if !reflect.DeepEqual(got[k], want[k]) {
					t.Errorf("issue %d:\n got %+v\nwant %+v", k, got[k], want[k])
				}
			}
		}
		filters := map[string]store.PlanningIssueFilter{
			"OpenPlanned":  {GroupID: f.team.ID, State: cairn.StateOpened, MilestoneIDs: []int64{f.jul.ID, f.aug.ID}, NoMilestone: true},
			"ClosedWindow": {GroupID: f.team.ID, State: cairn.StateClosed, MilestoneIDs: []int64{f.jul.ID}},
			"AnyState":     {GroupID: f.team.ID, MilestoneIDs: []int64{f.aug.ID, f.aug.ID, 0}},
			"NoMilestone":  {GroupID: f.team.ID, NoMilestone: true},
			"IDs":          {GroupID: f.team.ID, IDs: []int64{all[0].ID, all[2].ID, all[4].ID, all[29].ID, 0}},
		}
		for name, pf := range filters {
			t.Run(name, func(t *testing.T) {
				want := expect(pf)
				if len(want) == 0 {
					t.Fatal("the filter selects nothing: the case tests nothing")
				}
				check(t, pf, want)
			})
		}
		t.Run("NothingSelected", func(t *testing.T) {
			got, err := s.PlanningIssues(f.ctx, store.PlanningIssueFilter{GroupID: f.team.ID, State: cairn.StateOpened})
			if err != nil || len(got) != 0 {
				t.Fatalf("%d issues, %v", len(got), err)
			}
		})
		t.Run("Limit", func(t *testing.T) {
			defer store.SetMaxPlanningIssuesForTest(3)()
			pf := filters["NoMilestone"]
			want := expect(pf)
			if len(want) <= 3 {
				t.Fatalf("%d issues: the case tests nothing", len(want))
			}
			check(t, pf, want[:3])
		})
	})
}

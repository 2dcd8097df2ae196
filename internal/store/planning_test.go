package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// planFix is a group with an owner (an engineering manager), a work
// project with one ready issue and three milestones.
type planFix struct {
	s          *store.Store
	ctx        context.Context
	owner      *cairn.User
	group      *cairn.Group
	work       *cairn.Project
	issue      *cairn.Issue
	m1, m2, m3 *cairn.Milestone
}

func newPlanFix(t *testing.T, s *store.Store) *planFix {
	t.Helper()
	ctx := context.Background()
	owner, err := s.CreateUser(ctx, cairn.UserCreate{Username: "owner", Name: "Owner"})
	if err != nil {
		t.Fatal(err)
	}
	f := &planFix{s: s, ctx: cairn.NewContextWithUser(ctx, owner), owner: owner}
	f.group = coreGroup(t, s, owner, "plan", "private")
	if f.work, err = s.CreateProject(ctx, cairn.ProjectCreate{GroupID: f.group.ID, Path: "work"}); err != nil {
		t.Fatal(err)
	}
	if f.issue, err = s.CreateIssue(f.ctx, cairn.IssueCreate{ProjectID: f.work.ID, Title: "Ready", Weight: issPtr(2)}); err != nil {
		t.Fatal(err)
	}
	ms := make([]*cairn.Milestone, 3)
	for i, d := range [][3]string{{"M1", "2026-10-01", "2026-10-31"}, {"M2", "2026-11-01", "2026-11-30"}, {"M3", "2026-12-01", "2026-12-31"}} {
		if ms[i], err = s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: f.group.ID, Title: d[0], StartDate: d[1], DueDate: d[2]}); err != nil {
			t.Fatal(err)
		}
	}
	f.m1, f.m2, f.m3 = ms[0], ms[1], ms[2]
	return f
}

func (f *planFix) input() store.FinalizeInput {
	labels := store.PlanningLabels{Planning: "Planning Issue", Deliverable: "Deliverable", Stretch: "Stretch", Retrospective: "Retrospective"}
	return store.FinalizeInput{
		GroupID: f.group.ID, MilestoneID: f.m2.ID, ProjectPath: "planning", Labels: labels,
		Commitments:   []store.PlanCommitment{{IssueID: f.issue.ID, Placement: store.PlacementDeliverable, Weight: issPtr(2)}},
		TeamCapacity:  12.5,
		PlanningIssue: store.PlanningIssueInput{Label: "Planning Issue", Title: "Milestone Planning: " + f.m2.Title, DueDate: "2026-10-29", ProjectPath: "planning"},
		Describe:      func(cur string) string { return cur + "\nfinal" },
		Next: &store.PlanningIssueInput{MilestoneID: f.m3.ID, Label: "Planning Issue", Title: "Milestone Planning: " + f.m3.Title,
			DueDate: "2026-11-28", ProjectPath: "planning"},
		Retrospective: &store.RetrospectiveInput{MilestoneID: f.m1.ID, Title: "Retrospective: " + f.m1.Title, DueDate: "2026-11-14"},
	}
}

// TestFinalizePlanRace finalises one plan from two goroutines (two
// connections on PostgreSQL) released together: one finalises, the other
// finds it final, and the next planning issue and the retrospective exist
// once.
func TestFinalizePlanRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPlanFix(t, s)
		for round := 0; round < 3; round++ {
			// Each round finalises a fresh milestone pair.
			if round > 0 {
				var err error
				f.m1 = f.m2
				f.m2 = f.m3
				if f.m3, err = s.CreateMilestone(context.Background(), cairn.MilestoneCreate{GroupID: f.group.ID,
					Title: "M" + string(rune('4'+round-1)), StartDate: "2027-0" + string(rune('1'+round-1)) + "-01", DueDate: "2027-0" + string(rune('1'+round-1)) + "-28"}); err != nil {
					t.Fatal(err)
				}
			}
			in := f.input()
			start := make(chan struct{})
			var wg sync.WaitGroup
			outs := make([]*store.FinalizeOutcome, 2)
			errs := make([]error, 2)
			for i := range outs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					outs[i], errs[i] = s.FinalizePlan(f.ctx, in)
				}()
			}
			close(start)
			wg.Wait()
			done := 0
			for i := range outs {
				if errs[i] != nil {
					t.Fatalf("round %d: finalize %d: %v", round, i, errs[i])
				}
				if !outs[i].AlreadyFinalized {
					done++
				}
			}
			if done != 1 {
				t.Errorf("round %d: %d calls finalised, want 1", round, done)
			}
			for _, m := range []*cairn.Milestone{f.m2, f.m3} {
				list, _, err := s.ListIssues(context.Background(), cairn.IssueFilter{GroupID: f.group.ID, MilestoneID: m.ID, Labels: []string{"Planning Issue"}})
				if err != nil || len(list) != 1 {
					t.Errorf("round %d: %d planning issues of %s, want 1 (%v)", round, len(list), m.Title, err)
				}
			}
			retros, _, err := s.ListIssues(context.Background(), cairn.IssueFilter{GroupID: f.group.ID, Search: "Retrospective: " + f.m1.Title, In: []string{"title"}})
			if err != nil || len(retros) != 1 {
				t.Errorf("round %d: %d retrospectives of %s, want 1 (%v)", round, len(retros), f.m1.Title, err)
			}
		}
		mp, err := s.MilestonePlan(context.Background(), f.m2.ID)
		if err != nil || !mp.Finalized() || *mp.TeamCapacity != 12.5 || *mp.FinalizedByID != f.owner.ID || mp.PlanningIssueID == nil {
			t.Errorf("plan %+v, %v", mp, err)
		}
	})
}

// TestEnsurePlanningIssue covers creation, adoption of an issue written by
// hand, and two concurrent calls.
func TestEnsurePlanningIssue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPlanFix(t, s)
		ctx := context.Background()
		in := store.PlanningIssueInput{GroupID: f.group.ID, MilestoneID: f.m2.ID, ProjectPath: "planning", Label: "Planning Issue",
			Title: "Milestone Planning: M2", Description: "text", DueDate: "2026-10-29"}
		ids := make([]int64, 4)
		created := make([]bool, 4)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if ids[i], created[i], err = s.EnsurePlanningIssue(ctx, in); err != nil {
					t.Errorf("ensure %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		n := 0
		for i := range ids {
			if ids[i] != ids[0] {
				t.Errorf("call %d gave issue %d, call 0 %d", i, ids[i], ids[0])
			}
			if created[i] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d calls created the issue, want 1", n)
		}
		is, err := s.IssueByID(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if is.Author.ID != f.owner.ID || len(is.Assignees) != 1 || is.Assignees[0].ID != f.owner.ID || is.DueDate != "2026-10-29" ||
			is.Milestone.ID != f.m2.ID || is.Description != "text" {
			t.Errorf("planning issue %+v", is)
		}
		p, err := s.PlanningProject(ctx, f.group.ID, "planning")
		if err != nil || p.ID != is.ProjectID || p.Name != "Planning" {
			t.Errorf("planning project %+v, %v", p, err)
		}

		// An issue written by hand for M3 is adopted.
		hand, err := s.CreateIssue(f.ctx, cairn.IssueCreate{ProjectID: p.ID, Title: "our M3 plan", MilestoneID: f.m3.ID, Labels: []string{"planning issue"}})
		if err != nil {
			t.Fatal(err)
		}
		in.MilestoneID, in.Title = f.m3.ID, "Milestone Planning: M3"
		if found, err := s.FindPlanningIssue(ctx, f.group.ID, f.m3.ID, "planning", "Planning Issue"); err != nil || found != hand.ID {
			t.Errorf("find: %d, %v; want %d", found, err, hand.ID)
		}
		id, made, err := s.EnsurePlanningIssue(ctx, in)
		if err != nil || made || id != hand.ID {
			t.Errorf("ensure M3: %d created %v, %v; want the hand-written %d", id, made, err, hand.ID)
		}
		if mp, err := s.MilestonePlan(ctx, f.m3.ID); err != nil || mp.PlanningIssueID == nil || *mp.PlanningIssueID != hand.ID {
			t.Errorf("M3 plan %+v, %v", mp, err)
		}
		// It gains the finalisation deadline as its due date.
		if got, err := s.IssueByID(f.ctx, hand.ID); err != nil || got.DueDate != in.DueDate || in.DueDate == "" {
			t.Errorf("adopted issue due date %q, %v; want %q", got.DueDate, err, in.DueDate)
		}

		// Another group's milestone is not found.
		other := coreGroup(t, s, f.owner, "other", "private")
		in.GroupID = other.ID
		if _, _, err := s.EnsurePlanningIssue(ctx, in); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Errorf("another group's milestone: %v", err)
		}
	})
}

// TestPlanningChangeHook checks that issue, time-off and parking lot
// changes reach OnChange once committed, and description-only edits do not.
func TestPlanningChangeHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPlanFix(t, s)
		var mu sync.Mutex
		var got []int64
		s.OnChange = func(g int64) { mu.Lock(); got = append(got, g); mu.Unlock() }
		take := func() int { mu.Lock(); defer mu.Unlock(); n := len(got); got = nil; return n }
		ctx := f.ctx
		steps := []struct {
			name string
			do   func() error
			want bool
		}{
			{"CreateIssue", func() error {
				_, err := s.CreateIssue(ctx, cairn.IssueCreate{ProjectID: f.work.ID, Title: "x"})
				return err
			}, true},
			{"Weight", func() error {
				_, err := s.UpdateIssue(ctx, f.work.ID, f.issue.IID, cairn.IssueUpdate{Weight: cairn.SetTo(3)})
				return err
			}, true},
			{"DescriptionOnly", func() error {
				d := "new text"
				_, err := s.UpdateIssue(ctx, f.work.ID, f.issue.IID, cairn.IssueUpdate{Description: &d})
				return err
			}, false},
			{"QuickAction", func() error {
				_, err := s.CreateNote(ctx, cairn.NoteCreate{ProjectID: f.work.ID, IssueIID: f.issue.IID, Body: "/weight 1"})
				return err
			}, true},
			{"TimeOff", func() error {
				_, err := s.CreateTimeOff(ctx, store.TimeOffInput{TimeOffCreate: cairn.TimeOffCreate{GroupID: f.group.ID, UserID: f.owner.ID, StartDate: "2026-11-02"}})
				return err
			}, true},
			{"ParkingLot", func() error {
				_, err := s.CreateParkingLotEntry(ctx, cairn.ParkingLotCreate{GroupID: f.group.ID, MilestoneID: f.m2.ID, Title: "t", Reason: "r"})
				return err
			}, true},
			{"DeleteIssue", func() error { return s.DeleteIssue(ctx, f.work.ID, f.issue.IID) }, true},
			{"FailedUpdate", func() error {
				_, err := s.UpdateIssue(ctx, f.work.ID, 999, cairn.IssueUpdate{Weight: cairn.SetTo(3)})
				if cairn.ErrorCode(err) == cairn.ENOTFOUND {
					return nil
				}
				return err
			}, false},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if n := take(); (n > 0) != st.want {
				t.Errorf("%s: %d notifications, want any: %v", st.name, n, st.want)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, g := range got {
			if g != f.group.ID {
				t.Errorf("notified group %d, want %d", g, f.group.ID)
			}
		}
	})
}

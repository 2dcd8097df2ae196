package scheduler_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/scheduler"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestDemoTeamPlansAreFinal imports the demo team, whose finished
// milestones and current one have finalised plans and retrospectives, and
// runs the scheduler through the rest of the current milestone and into
// the next: no finalised plan changes, no milestone gets a second planning
// issue or retrospective, and only the milestone that ends gets its
// retrospective opened.
func TestDemoTeamPlansAreFinal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 11, 18, 14, 30, 0, 0, time.UTC)}
		s.Now = clk.Now
		if _, err := s.ImportArchive(ctx, demo.Generate(clk.Now(), 1)); err != nil {
			t.Fatalf("import demo: %v", err)
		}
		g, err := s.GroupByPath(ctx, demo.GroupPath)
		if err != nil {
			t.Fatal(err)
		}
		before, err := s.MilestonePlans(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		finalised := 0
		for _, p := range before {
			if p.Finalized() {
				finalised++
			}
		}
		if finalised != 7 {
			t.Fatalf("the demo has %d finalised plans, want 7", finalised)
		}
		p := planner.New(s, nil)
		sc := &scheduler.Scheduler{Store: s, Planner: p, Notifier: &recorder{next: s}, Now: clk.Now, Owner: "test"}
		for _, now := range []string{"2026-11-18T14:31:00Z", "2026-11-26T09:00:00Z", "2026-12-01T00:10:00Z", "2026-12-02T09:00:00Z"} {
			clk.Set(at(now))
			if err := sc.RunOnce(ctx); err != nil {
				t.Fatalf("%s: %v", now, err)
			}
			if err := p.EnsureCadence(ctx, g.ID); err != nil {
				t.Fatal(err)
			}
		}

		after, err := s.MilestonePlans(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		for id, b := range before {
			a := after[id]
			if !b.Finalized() {
				continue
			}
			if !a.FinalizedAt.Equal(*b.FinalizedAt) || *a.FinalizedByID != *b.FinalizedByID || *a.TeamCapacity != *b.TeamCapacity ||
				!slices.Equal(ptrs(a.PlanningIssueID), ptrs(b.PlanningIssueID)) {
				t.Errorf("milestone %d: plan changed from %+v to %+v", id, b, a)
			}
			if b.RetrospectiveIssueID != nil && *a.RetrospectiveIssueID != *b.RetrospectiveIssueID {
				t.Errorf("milestone %d: retrospective %d replaced by %d", id, *b.RetrospectiveIssueID, *a.RetrospectiveIssueID)
			}
		}
		// One planning issue and at most one retrospective per milestone.
		ms, err := s.GroupMilestones(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		proj, err := s.PlanningProject(ctx, g.ID, "planning")
		if err != nil {
			t.Fatal(err)
		}
		issues, _, err := s.ListIssues(ctx, cairn.IssueFilter{ProjectID: proj.ID, Page: cairn.Page{PerPage: 100}})
		if err != nil {
			t.Fatal(err)
		}
		titles := map[string]int{}
		for _, is := range issues {
			titles[is.Title]++
		}
		for _, m := range ms {
			for _, title := range []string{"Milestone Planning: " + m.Title, "Retrospective: " + m.Title} {
				if titles[title] > 1 {
					t.Errorf("%d issues %q", titles[title], title)
				}
			}
			// The milestone that ended during the run got its retrospective.
			if m.Title == "2026-11" && (after[m.ID].RetrospectiveIssueID == nil || titles["Retrospective: 2026-11"] != 1) {
				t.Errorf("2026-11 ended without its retrospective: %+v", after[m.ID])
			}
		}
	})
}

func ptrs(p *int64) []int64 {
	if p == nil {
		return nil
	}
	return []int64{*p}
}

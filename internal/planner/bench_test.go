package planner_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// benchDay is "today" of the benchmark team: mid-way through its 13th
// milestone, planning the 14th.
var benchDay = time.Date(2026, 1, 20, 10, 0, 0, 0, time.UTC)

// benchArchive is a team of 25 (a manager and 24 engineers) with 12
// finished monthly milestones of history (4 closed issues per engineer and
// milestone), the current milestone with 2 open issues per engineer
// (carryover), and a backlog of 3,000 ready, weighted candidates in three
// projects, a third of them assigned.
func benchArchive() *archive.Archive {
	a := archive.New()
	origin := time.Date(2024, 12, 1, 9, 0, 0, 0, time.UTC)
	at := archive.FormatTime(origin)
	g := archive.Group{Path: "bench", Name: "Bench", CreatedAt: at}
	users := []string{"manager"}
	a.Users = append(a.Users, archive.User{Username: "manager", CreatedAt: at})
	g.Members = append(g.Members, archive.Member{Username: "manager", PlanningRole: "engineering_manager", AccessLevel: 50, JoinedAt: "2024-12-01"})
	for i := range 24 {
		u := fmt.Sprintf("eng%02d", i)
		users = append(users, u)
		a.Users = append(a.Users, archive.User{Username: u, CreatedAt: at})
		factor := 1.0
		if i%6 == 5 {
			factor = 0.5
		}
		g.Members = append(g.Members, archive.Member{Username: u, PlanningRole: "engineer", CapacityFactor: factor, AccessLevel: 30, JoinedAt: "2024-12-01"})
	}
	for _, l := range []string{"workflow::refinement", "workflow::ready for development", "workflow::in dev", "workflow::in review",
		"code-creation-priority::high", "code-creation-priority::medium", "code-creation-priority::low", "Deliverable", "Stretch", "Planning Issue"} {
		g.Labels = append(g.Labels, archive.Label{Name: l})
	}
	for m := range 14 {
		start := time.Date(2025, time.January+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		state := "active"
		if m < 12 {
			state = "closed"
		}
		g.Milestones = append(g.Milestones, archive.Milestone{Title: start.Format("January 2006"), StartDate: start.Format(archive.DateLayout),
			DueDate: start.AddDate(0, 1, -1).Format(archive.DateLayout), State: state, CreatedAt: at})
	}
	projects := []archive.Project{{Path: "api", CreatedAt: at}, {Path: "web", CreatedAt: at}, {Path: "cli", CreatedAt: at}}
	n := 0
	add := func(is archive.Issue) {
		p := &projects[n%3]
		is.IID = int64(len(p.Issues) + 1)
		is.Author = "manager"
		p.Issues = append(p.Issues, is)
		n++
	}
	priorities := []string{"code-creation-priority::high", "code-creation-priority::medium", "code-creation-priority::low"}
	for m := range 12 {
		start := time.Date(2025, time.January+time.Month(m), 1, 9, 0, 0, 0, time.UTC)
		for e := 1; e < len(users); e++ {
			for k := range 4 {
				w := 1 + (e+k)%3
				closed := start.AddDate(0, 0, 3+7*k)
				add(archive.Issue{Title: fmt.Sprintf("Delivered %d-%d-%d", m, e, k), State: "closed", Assignees: []string{users[e]},
					Labels: []string{"Deliverable", "workflow::in review"}, Weight: &w, Milestone: g.Milestones[m].Title,
					CreatedAt: archive.FormatTime(start.AddDate(0, 0, -10)), ClosedAt: archive.FormatTime(closed)})
			}
		}
	}
	for e := 1; e < len(users); e++ {
		for k := range 2 {
			w := 1 + k
			add(archive.Issue{Title: fmt.Sprintf("In progress %d-%d", e, k), State: "opened", Assignees: []string{users[e]},
				Labels: []string{"Deliverable", "workflow::in dev", priorities[k]}, Weight: &w, Milestone: g.Milestones[12].Title,
				CreatedAt: archive.FormatTime(time.Date(2025, 12, 20, 9, 0, 0, 0, time.UTC))})
		}
	}
	for i := range 3000 {
		w := []int{1, 2, 3, 5}[i%4]
		is := archive.Issue{Title: fmt.Sprintf("Candidate %d", i), State: "opened", Weight: &w,
			Labels:    []string{"workflow::ready for development", priorities[i%3]},
			CreatedAt: archive.FormatTime(time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour))}
		if i%3 == 0 {
			is.Assignees = []string{users[1+i%24]}
		}
		add(is)
	}
	g.Projects = projects
	a.Groups = []archive.Group{g}
	archive.Normalize(a)
	return a
}

// BenchmarkPlan computes capacity and plan — Plan as the API calls it,
// loading everything from the database — for the benchmark team.
func BenchmarkPlan(b *testing.B) {
	a := benchArchive()
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			s := storetest.Open(b, d)
			s.Now = func() time.Time { return benchDay }
			ctx := context.Background()
			if _, err := s.ImportArchive(ctx, a); err != nil {
				b.Fatalf("import: %v", err)
			}
			g, err := s.GroupByPath(ctx, "bench")
			if err != nil {
				b.Fatal(err)
			}
			ms, err := s.GroupMilestones(ctx, g.ID)
			if err != nil {
				b.Fatal(err)
			}
			next := ms[len(ms)-1]
			p := planner.New(s, nil)
			v, err := p.Plan(ctx, g.ID, next.ID)
			if err != nil {
				b.Fatal(err)
			}
			if len(v.Capacity.Members) != 25 || len(v.Capacity.VelocityMilestones) != 3 || len(v.Plan.Carryover) != 48 ||
				len(v.Plan.Deliverables)+len(v.Plan.Stretch)+len(v.Plan.LeftOut) != 3048 {
				b.Fatalf("members %d, window %d, carryover %d, walked %d", len(v.Capacity.Members), len(v.Capacity.VelocityMilestones),
					len(v.Plan.Carryover), len(v.Plan.Deliverables)+len(v.Plan.Stretch)+len(v.Plan.LeftOut))
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := p.Plan(ctx, g.ID, next.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

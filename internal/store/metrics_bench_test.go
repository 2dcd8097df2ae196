package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// benchNow is the clock of the metrics benchmark: four years of history
// end here.
var benchNow = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

// newMetricsBenchTeam makes a team with n issues and their whole history
// (store.SeedMetricsForBench, about eleven events each) over the four years
// before benchNow, with monthly milestones. It returns the store and the
// group id.
func newMetricsBenchTeam(tb testing.TB, dialect string, n int) (*store.Store, int64, int) {
	tb.Helper()
	s := storetest.Open(tb, dialect)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, cairn.UserCreate{Username: "eng"})
	if err != nil {
		tb.Fatal(err)
	}
	ctx = cairn.NewContextWithUser(ctx, u)
	g, err := s.CreateGroup(ctx, cairn.GroupCreate{Path: "team"})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := s.CreateProject(ctx, cairn.ProjectCreate{GroupID: g.ID, Path: "app"})
	if err != nil {
		tb.Fatal(err)
	}
	team := store.MetricsBenchTeam{GroupID: g.ID, ProjectID: p.ID, AuthorID: u.ID, Labels: map[string]int64{}, Milestones: map[string]int64{}}
	for _, name := range []string{"workflow::refinement", "workflow::ready for development", "workflow::in dev", "workflow::in review", "Deliverable"} {
		l, err := s.CreateLabel(ctx, cairn.LabelCreate{GroupID: g.ID, Name: name})
		if err != nil {
			tb.Fatal(err)
		}
		team.Labels[name] = l.ID
	}
	start := benchNow.AddDate(-4, 0, 0)
	for m := start; m.Before(benchNow.AddDate(0, 3, 0)); m = m.AddDate(0, 1, 0) {
		ms, err := s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: g.ID, Title: m.Format("2006-01"),
			StartDate: m.Format(cairn.DateLayout), DueDate: m.AddDate(0, 1, -1).Format(cairn.DateLayout)})
		if err != nil {
			tb.Fatal(err)
		}
		team.Milestones[ms.Title] = ms.ID
	}
	events, err := store.SeedMetricsForBench(s, team, n, start, benchNow)
	if err != nil {
		tb.Fatal(err)
	}
	s.Now = func() time.Time { return benchNow }
	return s, g.ID, events
}

// BenchmarkPlanningMetrics measures the metrics endpoint's work (the
// store's indexed queries and planning.ComputeMetrics) for a team of
// 100,000 issues and a million events, over the last 90 days. Seeding
// takes a minute or two per database:
//
//	go test ./internal/store -run '^$' -bench PlanningMetrics -benchtime 20x
func BenchmarkPlanningMetrics(b *testing.B) {
	for _, dialect := range storetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			s, gid, events := newMetricsBenchTeam(b, dialect, 100000)
			ctx := context.Background()
			in, err := s.MetricsInput(ctx, gid, "2026-10-03", "2026-12-31")
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d events in all; the window reads %d issues, %d label and %d state events",
				dialect, events, len(in.Issues), len(in.LabelEvents), len(in.StateEvents))
			for b.Loop() {
				if _, err := s.PlanningMetrics(ctx, gid, "2026-10-03", "2026-12-31"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMetricsQueriesUseIndexes explains the metrics' queries of issues and
// events on a seeded team: no full scan of either table.
func TestMetricsQueriesUseIndexes(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s, gid, _ := newMetricsBenchTeam(t, dialect, 5000)
			ctx := context.Background()
			start := time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
			for q, args := range s.MetricsQueriesForTest(gid, start, benchNow, []int64{1, 2}) {
				plan, err := s.ExplainForTest(ctx, q, args...)
				if err != nil {
					t.Fatal(err)
				}
				for _, bad := range []string{"SCAN e\n", "SCAN i\n", "Seq Scan on issue_events", "Seq Scan on issues"} {
					if strings.Contains(plan, bad) {
						t.Errorf("%s\nplan:\n%s", firstLine(q), plan)
					}
				}
				t.Logf("%s\n%s", firstLine(q), plan)
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

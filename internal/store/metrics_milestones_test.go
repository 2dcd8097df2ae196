package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestPlanningMetricsByMilestone checks that the window's report and
// every milestone's report, computed from one read, equal what
// PlanningMetrics computes for each window on its own: on the demo team
// in Berlin's time zone, with the current milestone's plan finalised so
// that say/do and the committed issues count.
func TestPlanningMetricsByMilestone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		s.Now = func() time.Time { return demoDay }
		a := demo.Generate(demoDay, 1)
		a.Groups[0].Settings = []byte(`{"time_zone": "Europe/Berlin"}`)
		if _, err := s.ImportArchive(ctx, a); err != nil {
			t.Fatal(err)
		}
		g, err := s.GroupByPath(ctx, demo.GroupPath)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := s.GroupMilestones(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		emma, err := s.UserByUsername(ctx, demo.ManagerName)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Title == "2026-11" {
				if _, err := planner.New(s, nil).Finalize(cairn.NewContextWithUser(ctx, emma), g.ID, m.ID); err != nil {
					t.Fatal(err)
				}
			}
		}

		for _, tc := range []struct {
			name     string
			from, to string
			limit    int
			titles   []string
		}{
			{"Default", "", "", 0, []string{"2026-08", "2026-09", "2026-10", "2026-11"}},
			{"MidMilestones", "2026-06-15", "2026-10-20", 0, []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}},
			{"ThroughDueDate", "2026-11-01", "2026-11-30", 0, []string{"2026-11"}},
			{"Limit", "", "", 2, []string{"2026-10", "2026-11"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rep, wins, err := s.PlanningMetricsByMilestone(ctx, g.ID, tc.from, tc.to, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				want, err := s.PlanningMetrics(ctx, g.ID, tc.from, tc.to)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(rep, want) {
					t.Fatalf("window report:\n got %+v\nwant %+v", rep.Metrics, want.Metrics)
				}
				var titles []string
				for _, w := range wins {
					titles = append(titles, w.Milestone.Title)
					alone, err := s.PlanningMetrics(ctx, g.ID, w.From, w.To)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(w.Metrics, alone.Metrics) {
						t.Errorf("%s (%s to %s):\n got %+v\nwant %+v", w.Milestone.Title, w.From, w.To, w.Metrics, alone.Metrics)
					}
					if w.InProgress != (w.To == rep.To && w.Milestone.DueDate > rep.To) {
						t.Errorf("%s: in progress %v, window %s to %s", w.Milestone.Title, w.InProgress, w.From, w.To)
					}
				}
				if !reflect.DeepEqual(titles, tc.titles) {
					t.Fatalf("milestones %v, want %v", titles, tc.titles)
				}
			})
		}
		t.Run("Committed", func(t *testing.T) {
			rep, _, err := s.PlanningMetricsByMilestone(ctx, g.ID, "2026-11-01", "2026-11-30", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.SayDo) != 1 || rep.SayDo[0].Committed == 0 {
				t.Fatalf("say/do of the finalised milestone: %+v", rep.SayDo)
			}
		})
		t.Run("ErrWindow", func(t *testing.T) {
			_, _, err := s.PlanningMetricsByMilestone(ctx, g.ID, "2026-11-10", "2026-11-01", 0)
			_, errAlone := s.PlanningMetrics(ctx, g.ID, "2026-11-10", "2026-11-01")
			if cairn.ErrorCode(err) != cairn.EINVALID || err.Error() != errAlone.Error() {
				t.Fatalf("error %v, PlanningMetrics says %v", err, errAlone)
			}
			if _, _, err := s.PlanningMetricsByMilestone(ctx, 999999, "", "", 0); cairn.ErrorCode(err) != cairn.ENOTFOUND {
				t.Fatalf("unknown group: %v", err)
			}
		})
	})
}

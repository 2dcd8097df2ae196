package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// issBenchWorld is a team the size of a busy one: ten engineers, labels of
// the planning process, a year of monthly milestones.
type issBenchWorld struct {
	s          *store.Store
	ctx        context.Context
	project    *cairn.Project
	users      []*cairn.User
	labels     []*cairn.Label
	milestones []*cairn.Milestone
}

func newIssBenchWorld(b *testing.B, dialect string) *issBenchWorld {
	b.Helper()
	s := storetest.Open(b, dialect)
	bg := context.Background()
	w := &issBenchWorld{s: s}
	for k := range 10 {
		u, err := s.CreateUser(bg, cairn.UserCreate{Username: fmt.Sprintf("eng%d", k)})
		if err != nil {
			b.Fatal(err)
		}
		w.users = append(w.users, u)
	}
	w.ctx = cairn.NewContextWithUser(bg, w.users[0])
	g, err := s.CreateGroup(w.ctx, cairn.GroupCreate{Path: "team"})
	if err != nil {
		b.Fatal(err)
	}
	if w.project, err = s.CreateProject(w.ctx, cairn.ProjectCreate{GroupID: g.ID, Path: "app"}); err != nil {
		b.Fatal(err)
	}
	names := []string{"workflow::refinement", "workflow::ready for development", "workflow::in dev", "workflow::in review",
		"Deliverable", "Stretch", "code-creation-priority::high", "code-creation-priority::medium", "code-creation-priority::low",
		"bug", "feature", "maintenance", "documentation", "security", "performance", "ux", "backend", "frontend", "api", "database"}
	for k, n := range names {
		in := cairn.LabelCreate{GroupID: g.ID, Name: n}
		if k >= 9 {
			in = cairn.LabelCreate{ProjectID: w.project.ID, Name: n}
		}
		l, err := s.CreateLabel(w.ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		w.labels = append(w.labels, l)
	}
	for m := 1; m <= 12; m++ {
		ms, err := s.CreateMilestone(w.ctx, cairn.MilestoneCreate{GroupID: g.ID, Title: fmt.Sprintf("2026-%02d", m),
			StartDate: fmt.Sprintf("2026-%02d-01", m), DueDate: fmt.Sprintf("2026-%02d-28", m)})
		if err != nil {
			b.Fatal(err)
		}
		w.milestones = append(w.milestones, ms)
	}
	return w
}

func BenchmarkIssueCreate(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			w := newIssBenchWorld(b, d)
			k := 0
			for b.Loop() {
				k++
				_, err := w.s.CreateIssue(w.ctx, cairn.IssueCreate{
					ProjectID: w.project.ID, Title: fmt.Sprintf("Issue %d", k), Description: "## Context\n\n## Proposal\n",
					Labels:      []string{w.labels[k%4].Name, w.labels[6+k%3].Name, w.labels[9+k%11].Name},
					MilestoneID: w.milestones[k%12].ID, Weight: issPtr(k % 5), AssigneeIDs: []int64{w.users[k%10].ID},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssueListFiltered lists one page of 50 open issues with a label
// and a milestone out of 100,000 issues in one project, with the total, as
// the API does for a board column or a planning view.
func BenchmarkIssueListFiltered(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			w := newIssBenchWorld(b, d)
			var labelIDs, milestoneIDs, userIDs []int64
			for _, l := range w.labels {
				labelIDs = append(labelIDs, l.ID)
			}
			for _, m := range w.milestones {
				milestoneIDs = append(milestoneIDs, m.ID)
			}
			for _, u := range w.users {
				userIDs = append(userIDs, u.ID)
			}
			if err := store.SeedIssuesForBench(w.s, w.project.ID, w.users[0].ID, 100_000, labelIDs, milestoneIDs, userIDs); err != nil {
				b.Fatal(err)
			}
			k := 0
			rows := 0
			for b.Loop() {
				k++
				list, total, err := w.s.ListIssues(w.ctx, cairn.IssueFilter{
					ProjectID: w.project.ID, State: cairn.StateOpened,
					Labels: []string{w.labels[k%5].Name}, Milestone: w.milestones[k%12].Title,
					Page: cairn.Page{PerPage: 50},
				})
				if err != nil {
					b.Fatal(err)
				}
				if total.Count == 0 {
					b.Fatalf("no issues for label %s and milestone %s", w.labels[k%5].Name, w.milestones[k%12].Title)
				}
				rows += len(list)
			}
			b.ReportMetric(float64(rows)/float64(k), "issues/op")
		})
	}
}

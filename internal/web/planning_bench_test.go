package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/internal/web"
)

// benchPage renders one page through the whole handler chain (security
// headers, session, CSRF, the page) for a signed-in user, without the
// network, against a SQLite store with the archive loaded. It checks the
// page once before timing it.
func benchPage(b *testing.B, a *archive.Archive, username, path, want string) {
	b.Helper()
	st := storetest.Open(b, "sqlite")
	st.Now = func() time.Time { return demoToday }
	ctx := context.Background()
	if _, err := st.ImportArchive(ctx, a); err != nil {
		b.Fatalf("import: %v", err)
	}
	s := startSite(b, st)
	u, err := st.UserByUsername(ctx, username)
	if err != nil {
		b.Fatal(err)
	}
	secret, err := st.CreateSession(ctx, u.ID, "bench", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	h := s.ts.Config.Handler
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: secret})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("GET %s: %d, lacks %q: %.1000s", path, rec.Code, want, rec.Body.String())
	}
	for b.Loop() {
		if rec := get(); rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, rec.Code)
		}
	}
}

// withBacklog adds n open, ready, weighted issues without a milestone to
// the demo team's projects: a team with a backlog of 20,000.
func withBacklog(a *archive.Archive, n int) *archive.Archive {
	g := &a.Groups[0]
	var work []*archive.Project
	for i := range g.Projects {
		if g.Projects[i].Path != demo.PlanningProject {
			work = append(work, &g.Projects[i])
		}
	}
	prio := []string{"code-creation-priority::high", "code-creation-priority::medium", "code-creation-priority::low"}
	created := archive.FormatTime(demoToday.AddDate(0, -3, 0))
	for i := range n {
		p := work[i%len(work)]
		w := []int{1, 2, 3, 5}[i%4]
		labels := []string{"workflow::ready for development", prio[i%3]}
		if i%5 == 0 {
			labels = []string{"workflow::refinement", prio[i%3]}
		}
		p.Issues = append(p.Issues, archive.Issue{IID: int64(len(p.Issues) + 1000), Title: fmt.Sprintf("Backlog item %d", i),
			State: cairn.StateOpened, Author: g.Members[0].Username, Weight: &w, Labels: labels, CreatedAt: created})
	}
	archive.Normalize(a)
	return a
}

// BenchmarkPlanningPage renders the planning page of the milestone being
// planned: the demo team, and the demo team with 20,000 open issues.
func BenchmarkPlanningPage(b *testing.B) {
	b.Run("demo", func(b *testing.B) {
		benchPage(b, demo.Generate(demoToday, 1), "emma", "/groups/code-creation/-/planning", "Finalise plan")
	})
	b.Run("backlog20k", func(b *testing.B) {
		benchPage(b, withBacklog(demo.Generate(demoToday, 1), 20000), "emma", "/groups/code-creation/-/planning", "Backlog item")
	})
	// The planner's share of the page above: computing the plan alone.
	b.Run("backlog20k-plan-only", func(b *testing.B) {
		st := storetest.Open(b, "sqlite")
		st.Now = func() time.Time { return demoToday }
		ctx := context.Background()
		if _, err := st.ImportArchive(ctx, withBacklog(demo.Generate(demoToday, 1), 20000)); err != nil {
			b.Fatalf("import: %v", err)
		}
		s := startSite(b, st)
		g, err := st.GroupByPath(ctx, "code-creation")
		if err != nil {
			b.Fatal(err)
		}
		tm, err := s.p.Milestones(ctx, g.ID)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.p.Plan(ctx, g.ID, tm.Next.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStatusPage renders this week's status updates page of the demo
// team.
func BenchmarkStatusPage(b *testing.B) {
	benchPage(b, demo.Generate(demoToday, 1), "emma", "/groups/code-creation/-/status", "Still owed")
}

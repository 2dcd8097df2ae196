package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

func TestZZSeed(t *testing.T) {
	dsn := os.Getenv("ZZ_DSN")
	if dsn == "" {
		t.Skip()
	}
	bg := context.Background()
	s, err := store.Open(bg, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var users []*cairn.User
	for k := range 10 {
		u, err := s.CreateUser(bg, cairn.UserCreate{Username: fmt.Sprintf("eng%d", k)})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	ctx := cairn.NewContextWithUser(bg, users[0])
	g, _ := s.CreateGroup(ctx, cairn.GroupCreate{Path: "team"})
	p, _ := s.CreateProject(ctx, cairn.ProjectCreate{GroupID: g.ID, Path: "app"})
	names := []string{"workflow::refinement", "workflow::ready for development", "workflow::in dev", "workflow::in review",
		"Deliverable", "Stretch", "code-creation-priority::high", "code-creation-priority::medium", "code-creation-priority::low",
		"bug", "feature", "maintenance", "documentation", "security", "performance", "ux", "backend", "frontend", "api", "database"}
	var labelIDs, msIDs, userIDs []int64
	for k, n := range names {
		in := cairn.LabelCreate{GroupID: g.ID, Name: n}
		if k >= 9 {
			in = cairn.LabelCreate{ProjectID: p.ID, Name: n}
		}
		l, err := s.CreateLabel(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		labelIDs = append(labelIDs, l.ID)
	}
	for m := 1; m <= 12; m++ {
		ms, err := s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: g.ID, Title: fmt.Sprintf("2026-%02d", m)})
		if err != nil {
			t.Fatal(err)
		}
		msIDs = append(msIDs, ms.ID)
	}
	for _, u := range users {
		userIDs = append(userIDs, u.ID)
	}
	if err := store.SeedIssuesForBench(s, p.ID, users[0].ID, 100000, labelIDs, msIDs, userIDs); err != nil {
		t.Fatal(err)
	}
}

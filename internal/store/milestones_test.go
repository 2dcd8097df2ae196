package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// coreMilestone creates a milestone.
func coreMilestone(tb testing.TB, s *store.Store, c cairn.MilestoneCreate) *cairn.Milestone {
	tb.Helper()
	m, err := s.CreateMilestone(context.Background(), c)
	if err != nil {
		tb.Fatalf("create milestone %q: %v", c.Title, err)
	}
	return m
}

func coreTitles(ms []*cairn.Milestone) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Title)
	}
	return out
}

func TestMilestoneCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		coreClock(t, s, time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
		g := coreGroup(t, s, nil, "team", "")
		p := coreProject(t, s, g, "web", "")
		other := coreGroup(t, s, nil, "other", "")
		first, err := s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: g.ID, Title: " 2026-05 ", Description: "May",
			StartDate: "2026-05-01", DueDate: "2026-05-31"})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			if first.ID == 0 || first.IID != 1 || first.GroupID == nil || *first.GroupID != g.ID || first.ProjectID != nil ||
				first.Title != "2026-05" || first.Description != "May" || first.State != cairn.MilestoneActive ||
				first.StartDate != "2026-05-01" || first.DueDate != "2026-05-31" || !first.CreatedAt.Equal(s.Now()) || !first.UpdatedAt.Equal(s.Now()) {
				t.Fatalf("got %+v", first)
			}
			got, err := s.MilestoneByID(ctx, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != first.ID || got.IID != 1 || *got.GroupID != g.ID || got.ProjectID != nil || got.Title != first.Title ||
				got.StartDate != first.StartDate || got.DueDate != first.DueDate || !got.CreatedAt.Equal(first.CreatedAt) {
				t.Fatalf("stored %+v, want %+v", got, first)
			}
		})
		t.Run("OKIIDPerOwner", func(t *testing.T) {
			for _, tc := range []struct {
				in   cairn.MilestoneCreate
				want int64
			}{
				{cairn.MilestoneCreate{GroupID: g.ID, Title: "2026-06"}, 2},
				{cairn.MilestoneCreate{ProjectID: p.ID, Title: "2026-05"}, 1},
				{cairn.MilestoneCreate{GroupID: other.ID, Title: "2026-05"}, 1},
				{cairn.MilestoneCreate{GroupID: g.ID, Title: "2026-07"}, 3},
				{cairn.MilestoneCreate{ProjectID: p.ID, Title: "beta"}, 2},
			} {
				m := coreMilestone(t, s, tc.in)
				if m.IID != tc.want {
					t.Errorf("%q: iid %d, want %d", tc.in.Title, m.IID, tc.want)
				}
				if tc.in.ProjectID != 0 && (m.ProjectID == nil || *m.ProjectID != p.ID || m.GroupID != nil) {
					t.Errorf("%q: owner %v/%v", tc.in.Title, m.GroupID, m.ProjectID)
				}
			}
		})
		t.Run("OKClosedImport", func(t *testing.T) {
			at := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
			m := coreMilestone(t, s, cairn.MilestoneCreate{ProjectID: p.ID, Title: "old", State: cairn.MilestoneClosed, CreatedAt: at})
			got, err := s.MilestoneByID(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != cairn.MilestoneClosed || !got.CreatedAt.Equal(at) || got.StartDate != "" || got.DueDate != "" {
				t.Fatalf("got %+v", got)
			}
		})
		for _, tc := range []struct {
			name string
			in   cairn.MilestoneCreate
			code string
			msg  string
		}{
			{"ErrTitleTaken", cairn.MilestoneCreate{GroupID: g.ID, Title: "2026-05"}, cairn.ECONFLICT, "Milestone title has already been taken"},
			{"ErrTitleTakenInProject", cairn.MilestoneCreate{ProjectID: p.ID, Title: "beta"}, cairn.ECONFLICT, "Milestone title has already been taken"},
			{"ErrGroupNotFound", cairn.MilestoneCreate{GroupID: other.ID + 100, Title: "x"}, cairn.ENOTFOUND, "Group Not Found"},
			{"ErrProjectNotFound", cairn.MilestoneCreate{ProjectID: p.ID + 100, Title: "x"}, cairn.ENOTFOUND, "Project Not Found"},
			{"ErrTwoOwners", cairn.MilestoneCreate{GroupID: g.ID, ProjectID: p.ID, Title: "x"}, cairn.EINVALID, ""},
			{"ErrTitleMissing", cairn.MilestoneCreate{GroupID: g.ID}, cairn.EINVALID, "title is missing"},
			{"ErrDueBeforeStart", cairn.MilestoneCreate{GroupID: g.ID, Title: "x", StartDate: "2026-05-02", DueDate: "2026-05-01"}, cairn.EINVALID, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateMilestone(ctx, tc.in)
				coreWantCode(t, err, tc.code)
				if tc.msg != "" && cairn.ErrorMessage(err) != tc.msg {
					t.Fatalf("message %q, want %q", cairn.ErrorMessage(err), tc.msg)
				}
			})
		}
		t.Run("MilestoneByIDErrNotFound", func(t *testing.T) {
			_, err := s.MilestoneByID(ctx, first.ID+100)
			coreWantError(t, err, cairn.ENOTFOUND, "Milestone Not Found")
		})
	})
}

func TestMilestoneCreateConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		g := coreGroup(t, s, nil, "team", "")
		const n = 8
		iids := make(chan int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				m, err := s.CreateMilestone(context.Background(), cairn.MilestoneCreate{GroupID: g.ID, Title: fmt.Sprintf("m%d", i)})
				if err != nil {
					t.Error(err)
					return
				}
				iids <- m.IID
			})
		}
		wg.Wait()
		close(iids)
		var got []int64
		for iid := range iids {
			got = append(got, iid)
		}
		slices.Sort(got)
		if want := []int64{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(got, want) {
			t.Fatalf("iids %v, want %v", got, want)
		}
	})
}

func TestMilestoneList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		g := coreGroup(t, s, nil, "team", "")
		p := coreProject(t, s, g, "web", "")
		for _, c := range []cairn.MilestoneCreate{
			{GroupID: g.ID, Title: "Backlog"},                                                      // iid 1, no due date
			{GroupID: g.ID, Title: "2026-06", DueDate: "2026-06-30"},                               // iid 2
			{GroupID: g.ID, Title: "2026-05", DueDate: "2026-05-31", State: cairn.MilestoneClosed}, // iid 3
			{GroupID: g.ID, Title: "Another June", Description: "100% fun", DueDate: "2026-06-30"}, // iid 4
			{GroupID: g.ID, Title: "Icebox"},                                                       // iid 5, no due date
			{ProjectID: p.ID, Title: "Beta", DueDate: "2026-06-15"},
			{ProjectID: p.ID, Title: "GA"},
		} {
			coreMilestone(t, s, c)
		}
		other := coreGroup(t, s, nil, "other", "")
		coreMilestone(t, s, cairn.MilestoneCreate{GroupID: other.ID, Title: "2026-04", DueDate: "2026-04-30"})

		group := func(f cairn.MilestoneFilter) ([]*cairn.Milestone, cairn.Total, error) {
			return s.ListGroupMilestones(ctx, g.ID, f)
		}
		project := func(f cairn.MilestoneFilter) ([]*cairn.Milestone, cairn.Total, error) {
			return s.ListProjectMilestones(ctx, p.ID, f)
		}
		for _, tc := range []struct {
			name  string
			list  func(cairn.MilestoneFilter) ([]*cairn.Milestone, cairn.Total, error)
			f     cairn.MilestoneFilter
			want  []string
			total int
		}{
			{"GroupOKDueDateOrderNullsLast", group, cairn.MilestoneFilter{}, []string{"2026-05", "2026-06", "Another June", "Backlog", "Icebox"}, 5},
			{"GroupOKActive", group, cairn.MilestoneFilter{State: cairn.MilestoneActive}, []string{"2026-06", "Another June", "Backlog", "Icebox"}, 4},
			{"GroupOKClosed", group, cairn.MilestoneFilter{State: cairn.MilestoneClosed}, []string{"2026-05"}, 1},
			{"GroupOKAll", group, cairn.MilestoneFilter{State: "all"}, []string{"2026-05", "2026-06", "Another June", "Backlog", "Icebox"}, 5},
			{"GroupOKTitleExact", group, cairn.MilestoneFilter{Title: "2026-06"}, []string{"2026-06"}, 1},
			{"GroupOKTitleCaseSensitive", group, cairn.MilestoneFilter{Title: "backlog"}, nil, 0},
			{"GroupOKSearchTitle", group, cairn.MilestoneFilter{Search: "JUNE"}, []string{"Another June"}, 1},
			{"GroupOKSearchDescription", group, cairn.MilestoneFilter{Search: "0% F"}, []string{"Another June"}, 1},
			{"GroupOKIIDs", group, cairn.MilestoneFilter{IIDs: []int64{1, 3, 99}}, []string{"2026-05", "Backlog"}, 2},
			{"GroupOKPage", group, cairn.MilestoneFilter{Page: cairn.Page{Page: 2, PerPage: 2}}, []string{"Another June", "Backlog"}, 5},
			{"ProjectOKOwn", project, cairn.MilestoneFilter{}, []string{"Beta", "GA"}, 2},
			{"ProjectOKIncludeAncestors", project, cairn.MilestoneFilter{IncludeAncestors: true},
				[]string{"2026-05", "Beta", "2026-06", "Another June", "Backlog", "GA", "Icebox"}, 7},
			{"ProjectOKIncludeAncestorsActiveSearch", project, cairn.MilestoneFilter{IncludeAncestors: true, State: cairn.MilestoneActive, Search: "a"},
				[]string{"Beta", "Another June", "Backlog", "GA"}, 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ms, total, err := tc.list(tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := coreTitles(ms); !slices.Equal(got, tc.want) || total != (cairn.Total{Count: tc.total}) {
					t.Fatalf("got %v (total %+v), want %v (total %d)", got, total, tc.want, tc.total)
				}
			})
		}
		for _, tc := range []struct {
			name string
			err  func() error
			code string
		}{
			{"ErrState", func() error { _, _, err := group(cairn.MilestoneFilter{State: "opened"}); return err }, cairn.EINVALID},
			{"ErrGroupNotFound", func() error {
				_, _, err := s.ListGroupMilestones(ctx, other.ID+100, cairn.MilestoneFilter{})
				return err
			}, cairn.ENOTFOUND},
			{"ErrProjectNotFound", func() error {
				_, _, err := s.ListProjectMilestones(ctx, p.ID+100, cairn.MilestoneFilter{IncludeAncestors: true})
				return err
			}, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) { coreWantCode(t, tc.err(), tc.code) })
		}
	})
}

func TestMilestoneFind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		g := coreGroup(t, s, nil, "team", "")
		p := coreProject(t, s, g, "web", "")
		sibling := coreProject(t, s, g, "api", "")
		groupMay := coreMilestone(t, s, cairn.MilestoneCreate{GroupID: g.ID, Title: "2026-05"})
		coreMilestone(t, s, cairn.MilestoneCreate{GroupID: g.ID, Title: "Shared"})
		ownShared := coreMilestone(t, s, cairn.MilestoneCreate{ProjectID: p.ID, Title: "Shared"})
		siblingOnly := coreMilestone(t, s, cairn.MilestoneCreate{ProjectID: sibling.ID, Title: "Sibling"})
		otherGroup := coreGroup(t, s, nil, "other", "")
		coreMilestone(t, s, cairn.MilestoneCreate{GroupID: otherGroup.ID, Title: "Elsewhere"})
		for _, tc := range []struct {
			name      string
			projectID int64
			title     string
			want      int64
			code      string
		}{
			{"OKGroupMilestone", p.ID, "2026-05", groupMay.ID, ""},
			{"OKOwnBeforeGroup", p.ID, "Shared", ownShared.ID, ""},
			{"OKSibling", sibling.ID, "Sibling", siblingOnly.ID, ""},
			{"ErrSiblingProjects", p.ID, "Sibling", 0, cairn.ENOTFOUND},
			{"ErrOtherGroup", p.ID, "Elsewhere", 0, cairn.ENOTFOUND},
			{"ErrTitleCase", p.ID, "shared", 0, cairn.ENOTFOUND},
			{"ErrProjectNotFound", p.ID + 100, "Shared", 0, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m, err := s.FindProjectMilestone(ctx, tc.projectID, tc.title)
				coreWantCode(t, err, tc.code)
				if err == nil && m.ID != tc.want {
					t.Fatalf("found %d (%+v), want %d", m.ID, m, tc.want)
				}
			})
		}
	})
}

func TestMilestoneUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
		advance := coreClock(t, s, start)
		g := coreGroup(t, s, nil, "team", "")
		m := coreMilestone(t, s, cairn.MilestoneCreate{GroupID: g.ID, Title: "May", StartDate: "2026-05-01", DueDate: "2026-05-31"})
		coreMilestone(t, s, cairn.MilestoneCreate{GroupID: g.ID, Title: "June"})
		advance(time.Hour)
		str := func(s string) *string { return &s }

		for _, tc := range []struct {
			name  string
			up    cairn.MilestoneUpdate
			check func(t *testing.T, m *cairn.Milestone)
		}{
			{"OKTitleDescription", cairn.MilestoneUpdate{Title: str(" May 2026 "), Description: str("the fifth")}, func(t *testing.T, m *cairn.Milestone) {
				if m.Title != "May 2026" || m.Description != "the fifth" || m.DueDate != "2026-05-31" {
					t.Fatalf("got %+v", m)
				}
			}},
			{"OKClearDueDate", cairn.MilestoneUpdate{DueDate: cairn.Clear[string]()}, func(t *testing.T, m *cairn.Milestone) {
				if m.DueDate != "" || m.StartDate != "2026-05-01" {
					t.Fatalf("got %+v", m)
				}
			}},
			{"OKSetDates", cairn.MilestoneUpdate{StartDate: cairn.SetTo("2026-05-04"), DueDate: cairn.SetTo("2026-05-29")}, func(t *testing.T, m *cairn.Milestone) {
				if m.StartDate != "2026-05-04" || m.DueDate != "2026-05-29" {
					t.Fatalf("got %+v", m)
				}
			}},
			{"OKClose", cairn.MilestoneUpdate{StateEvent: "close"}, func(t *testing.T, m *cairn.Milestone) {
				if m.State != cairn.MilestoneClosed {
					t.Fatalf("state %q", m.State)
				}
			}},
			{"OKActivate", cairn.MilestoneUpdate{StateEvent: "activate"}, func(t *testing.T, m *cairn.Milestone) {
				if m.State != cairn.MilestoneActive {
					t.Fatalf("state %q", m.State)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				advance(time.Minute)
				got, err := s.UpdateMilestone(ctx, m.ID, tc.up)
				if err != nil {
					t.Fatal(err)
				}
				if !got.UpdatedAt.Equal(s.Now()) || !got.CreatedAt.Equal(start) {
					t.Fatalf("updated_at %v (want %v), created_at %v (want %v)", got.UpdatedAt, s.Now(), got.CreatedAt, start)
				}
				tc.check(t, got)
				stored, err := s.MilestoneByID(ctx, m.ID)
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, stored)
			})
		}
		for _, tc := range []struct {
			name string
			id   int64
			up   cairn.MilestoneUpdate
			code string
		}{
			{"ErrDueBeforeCurrentStart", m.ID, cairn.MilestoneUpdate{DueDate: cairn.SetTo("2026-05-01")}, cairn.EINVALID},
			{"ErrTitleBlank", m.ID, cairn.MilestoneUpdate{Title: str(" ")}, cairn.EINVALID},
			{"ErrStateEvent", m.ID, cairn.MilestoneUpdate{StateEvent: "reopen"}, cairn.EINVALID},
			{"ErrTitleTaken", m.ID, cairn.MilestoneUpdate{Title: str("June")}, cairn.ECONFLICT},
			{"ErrNotFound", m.ID + 100, cairn.MilestoneUpdate{Title: str("x")}, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.UpdateMilestone(ctx, tc.id, tc.up)
				coreWantCode(t, err, tc.code)
			})
		}
	})
}

func TestMilestoneDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		start := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
		advance := coreClock(t, s, start)
		alice := coreUser(t, s, "alice")
		g := coreGroup(t, s, alice, "team", "")
		p := coreProject(t, s, g, "web", "")
		doomed := coreMilestone(t, s, cairn.MilestoneCreate{GroupID: g.ID, Title: "May"})
		kept := coreMilestone(t, s, cairn.MilestoneCreate{GroupID: g.ID, Title: "June"})
		// Issues as rows, so that this test does not depend on the issue service.
		for iid, ms := range []*cairn.Milestone{doomed, doomed, kept, nil} {
			var mid sql.NullInt64
			if ms != nil {
				mid = sql.NullInt64{Int64: ms.ID, Valid: true}
			}
			coreExec(t, s, "INSERT INTO issues (project_id, iid, title, author_id, milestone_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				p.ID, iid+1, "issue", alice.ID, mid, start.UnixMilli(), start.UnixMilli())
		}
		advance(time.Hour)
		ctx := cairn.NewContextWithUser(context.Background(), alice)

		t.Run("OK", func(t *testing.T) {
			if err := s.DeleteMilestone(ctx, doomed.ID); err != nil {
				t.Fatal(err)
			}
			_, err := s.MilestoneByID(ctx, doomed.ID)
			coreWantCode(t, err, cairn.ENOTFOUND)
		})
		t.Run("OKIssuesUnset", func(t *testing.T) {
			for _, tc := range []struct {
				iid       int64
				milestone int64
				updated   time.Time
			}{
				{1, 0, s.Now()},
				{2, 0, s.Now()},
				{3, kept.ID, start},
				{4, 0, start},
			} {
				var mid sql.NullInt64
				var updated int64
				if err := s.RawQueryRowForTest(ctx, "SELECT milestone_id, updated_at FROM issues WHERE project_id = ? AND iid = ?", p.ID, tc.iid).Scan(&mid, &updated); err != nil {
					t.Fatal(err)
				}
				if mid.Int64 != tc.milestone || updated != tc.updated.UnixMilli() {
					t.Errorf("issue %d: milestone %v, updated %d; want %d, %d", tc.iid, mid, updated, tc.milestone, tc.updated.UnixMilli())
				}
			}
		})
		t.Run("OKEventsRecorded", func(t *testing.T) {
			var n int
			if err := s.RawQueryRowForTest(ctx, "SELECT COUNT(*) FROM issue_events").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Fatalf("%d events, want 2", n)
			}
			for _, iid := range []int64{1, 2} {
				var kind, action, title string
				var user sql.NullInt64
				var created int64
				err := s.RawQueryRowForTest(ctx, `SELECT e.kind, e.action, e.milestone_title, e.user_id, e.created_at
					FROM issue_events e JOIN issues i ON i.id = e.issue_id WHERE i.project_id = ? AND i.iid = ?`, p.ID, iid).
					Scan(&kind, &action, &title, &user, &created)
				if err != nil {
					t.Fatalf("issue %d: %v", iid, err)
				}
				if kind != cairn.EventMilestone || action != cairn.ActionRemove || title != "May" ||
					user.Int64 != alice.ID || created != s.Now().UnixMilli() {
					t.Errorf("issue %d: event %s %s %q by %v at %d", iid, kind, action, title, user, created)
				}
			}
		})
		t.Run("OKWithoutActor", func(t *testing.T) {
			coreExec(t, s, "UPDATE issues SET milestone_id = ? WHERE project_id = ? AND iid = 4", kept.ID, p.ID)
			if err := s.DeleteMilestone(context.Background(), kept.ID); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := s.RawQueryRowForTest(ctx, "SELECT COUNT(*) FROM issue_events WHERE milestone_title = 'June' AND user_id IS NULL").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Fatalf("%d system events for June, want 2", n)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			coreWantError(t, s.DeleteMilestone(ctx, doomed.ID), cairn.ENOTFOUND, "Milestone Not Found")
		})
	})
}

package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// coreProject creates a project in g.
func coreProject(tb testing.TB, s *store.Store, g *cairn.Group, path, visibility string) *cairn.Project {
	tb.Helper()
	p, err := s.CreateProject(context.Background(), cairn.ProjectCreate{GroupID: g.ID, Path: path, Visibility: visibility})
	if err != nil {
		tb.Fatalf("create project %s/%s: %v", g.Path, path, err)
	}
	return p
}

func TestProjectCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		coreClock(t, s, time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
		g := coreGroup(t, s, nil, "team", cairn.VisibilityInternal)
		other := coreGroup(t, s, nil, "other", "")
		p, err := s.CreateProject(ctx, cairn.ProjectCreate{GroupID: g.ID, Name: "Web App", Description: "the site"})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("OKInheritsVisibility", func(t *testing.T) {
			if p.ID == 0 || p.GroupID != g.ID || p.Path != "web-app" || p.Name != "Web App" || p.Description != "the site" ||
				p.Visibility != cairn.VisibilityInternal || !p.CreatedAt.Equal(s.Now()) || !p.UpdatedAt.Equal(s.Now()) {
				t.Fatalf("got %+v", p)
			}
			if p.Group == nil || *p.Group != *g || p.FullPath() != "team/web-app" {
				t.Fatalf("group %+v", p.Group)
			}
			got, err := s.ProjectByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got.Group != *p.Group {
				t.Fatalf("stored group %+v, want %+v", got.Group, p.Group)
			}
			got.Group, p.Group = nil, nil
			defer func() { p.Group = g }()
			if *got != *p {
				t.Fatalf("stored %+v, want %+v", got, p)
			}
		})
		t.Run("OKOwnVisibility", func(t *testing.T) {
			p2 := coreProject(t, s, g, "api", cairn.VisibilityPrivate)
			if p2.Visibility != cairn.VisibilityPrivate {
				t.Fatalf("visibility %q", p2.Visibility)
			}
		})
		t.Run("OKSamePathOtherGroup", func(t *testing.T) {
			p3 := coreProject(t, s, other, "Web-App", "")
			if p3.GroupID != other.ID || p3.Visibility != cairn.VisibilityPrivate {
				t.Fatalf("got %+v", p3)
			}
		})
		for _, tc := range []struct {
			name string
			in   cairn.ProjectCreate
			code string
			msg  string
		}{
			{"ErrPathTaken", cairn.ProjectCreate{GroupID: g.ID, Path: "WEB-app"}, cairn.ECONFLICT, "Project path has already been taken"},
			{"ErrGroupNotFound", cairn.ProjectCreate{GroupID: other.ID + 100, Path: "x"}, cairn.ENOTFOUND, "Group Not Found"},
			{"ErrGroupMissing", cairn.ProjectCreate{Path: "x"}, cairn.EINVALID, "namespace_id is missing"},
			{"ErrNameMissing", cairn.ProjectCreate{GroupID: g.ID}, cairn.EINVALID, "name is missing"},
			{"ErrVisibility", cairn.ProjectCreate{GroupID: g.ID, Path: "x", Visibility: "hidden"}, cairn.EINVALID, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateProject(ctx, tc.in)
				coreWantCode(t, err, tc.code)
				if tc.msg != "" && cairn.ErrorMessage(err) != tc.msg {
					t.Fatalf("message %q, want %q", cairn.ErrorMessage(err), tc.msg)
				}
			})
		}
	})
}

func TestProjectLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		g := coreGroup(t, s, nil, "Team", "")
		p := coreProject(t, s, g, "Web.App", "")
		coreProject(t, s, coreGroup(t, s, nil, "other", ""), "web.app", "")
		for _, tc := range []struct {
			name string
			get  func() (*cairn.Project, error)
			code string
		}{
			{"ByIDOK", func() (*cairn.Project, error) { return s.ProjectByID(ctx, p.ID) }, ""},
			{"ByIDErrNotFound", func() (*cairn.Project, error) { return s.ProjectByID(ctx, p.ID+100) }, cairn.ENOTFOUND},
			{"ByPathOK", func() (*cairn.Project, error) { return s.ProjectByPath(ctx, "Team/Web.App") }, ""},
			{"ByPathOKCaseInsensitive", func() (*cairn.Project, error) { return s.ProjectByPath(ctx, "tEAM/wEB.aPP") }, ""},
			{"ByPathErrNoProject", func() (*cairn.Project, error) { return s.ProjectByPath(ctx, "team/web") }, cairn.ENOTFOUND},
			{"ByPathErrNoGroup", func() (*cairn.Project, error) { return s.ProjectByPath(ctx, "nobody/web.app") }, cairn.ENOTFOUND},
			{"ByPathErrGroupOnly", func() (*cairn.Project, error) { return s.ProjectByPath(ctx, "team") }, cairn.ENOTFOUND},
			{"ByPathErrTooDeep", func() (*cairn.Project, error) { return s.ProjectByPath(ctx, "team/web.app/x") }, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := tc.get()
				coreWantCode(t, err, tc.code)
				if err != nil {
					if cairn.ErrorMessage(err) != "Project Not Found" {
						t.Fatalf("message %q", cairn.ErrorMessage(err))
					}
					return
				}
				if got.ID != p.ID || got.Group == nil || got.Group.ID != g.ID || got.FullPath() != "Team/Web.App" {
					t.Fatalf("got %+v (group %+v)", got, got.Group)
				}
			})
		}
	})
}

func TestProjectList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		advance := coreClock(t, s, time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
		alice := coreUser(t, s, "alice")
		bob := coreUser(t, s, "bob")
		ga := coreGroup(t, s, alice, "ga", cairn.VisibilityPrivate)
		gb := coreGroup(t, s, bob, "gb", cairn.VisibilityPrivate)
		// Created one minute apart, in this order: ids and created_at agree.
		for _, p := range []struct {
			g         *cairn.Group
			path, vis string
		}{
			{ga, "zeta", ""},
			{ga, "alpha", cairn.VisibilityPublic},
			{gb, "secret", ""},
			{gb, "Open", cairn.VisibilityInternal},
			{gb, "world", cairn.VisibilityPublic},
		} {
			coreProject(t, s, p.g, p.path, p.vis)
			advance(time.Minute)
		}
		for _, tc := range []struct {
			name  string
			f     cairn.ProjectFilter
			want  []string
			total int
			code  string
		}{
			{"OKAdminNewestFirst", cairn.ProjectFilter{Admin: true}, []string{"gb/world", "gb/Open", "gb/secret", "ga/alpha", "ga/zeta"}, 5, ""},
			{"OKMemberSeesOwnAndOpen", cairn.ProjectFilter{VisibleTo: alice.ID}, []string{"gb/world", "gb/Open", "ga/alpha", "ga/zeta"}, 4, ""},
			{"OKAnonymousSeesPublic", cairn.ProjectFilter{}, []string{"gb/world", "ga/alpha"}, 2, ""},
			{"OKMembership", cairn.ProjectFilter{VisibleTo: alice.ID, Membership: true}, []string{"ga/alpha", "ga/zeta"}, 2, ""},
			{"OKMembershipForAdmin", cairn.ProjectFilter{VisibleTo: bob.ID, Admin: true, Membership: true}, []string{"gb/world", "gb/Open", "gb/secret"}, 3, ""},
			{"OKGroup", cairn.ProjectFilter{Admin: true, GroupID: ga.ID}, []string{"ga/alpha", "ga/zeta"}, 2, ""},
			{"OKGroupNotVisible", cairn.ProjectFilter{VisibleTo: alice.ID, GroupID: gb.ID}, []string{"gb/world", "gb/Open"}, 2, ""},
			{"OKSearch", cairn.ProjectFilter{Admin: true, Search: "O"}, []string{"gb/world", "gb/Open"}, 2, ""},
			{"OKOrderByPathAsc", cairn.ProjectFilter{Admin: true, OrderBy: "path", Sort: "asc"}, []string{"ga/alpha", "gb/Open", "gb/secret", "gb/world", "ga/zeta"}, 5, ""},
			{"OKOrderByNameDesc", cairn.ProjectFilter{Admin: true, OrderBy: "name"}, []string{"ga/zeta", "gb/world", "gb/secret", "gb/Open", "ga/alpha"}, 5, ""},
			{"OKOrderByCreatedAsc", cairn.ProjectFilter{Admin: true, OrderBy: "created_at", Sort: "asc"}, []string{"ga/zeta", "ga/alpha", "gb/secret", "gb/Open", "gb/world"}, 5, ""},
			{"OKOrderByIDAscPage", cairn.ProjectFilter{Admin: true, OrderBy: "id", Sort: "asc", Page: cairn.Page{Page: 2, PerPage: 2}}, []string{"gb/secret", "gb/Open"}, 5, ""},
			{"ErrOrderBy", cairn.ProjectFilter{Admin: true, OrderBy: "stars"}, nil, 0, cairn.EINVALID},
			{"ErrSort", cairn.ProjectFilter{Admin: true, Sort: "up"}, nil, 0, cairn.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ps, total, err := s.ListProjects(ctx, tc.f)
				coreWantCode(t, err, tc.code)
				if err != nil {
					return
				}
				var got []string
				for _, p := range ps {
					if p.Group == nil || p.Group.ID != p.GroupID {
						t.Fatalf("project %s without its group: %+v", p.Path, p.Group)
					}
					got = append(got, p.FullPath())
				}
				if !slices.Equal(got, tc.want) || total != (cairn.Total{Count: tc.total}) {
					t.Fatalf("got %v (total %+v), want %v (total %d)", got, total, tc.want, tc.total)
				}
			})
		}
	})
}

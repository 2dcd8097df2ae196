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

// coreGroup creates a group, owned by owner when owner is not nil.
func coreGroup(tb testing.TB, s *store.Store, owner *cairn.User, path, visibility string) *cairn.Group {
	tb.Helper()
	ctx := context.Background()
	if owner != nil {
		ctx = cairn.NewContextWithUser(ctx, owner)
	}
	g, err := s.CreateGroup(ctx, cairn.GroupCreate{Path: path, Visibility: visibility})
	if err != nil {
		tb.Fatalf("create group %s: %v", path, err)
	}
	return g
}

// coreMember adds a member with the role's defaults.
func coreMember(tb testing.TB, s *store.Store, g *cairn.Group, u *cairn.User, level int) *cairn.Member {
	tb.Helper()
	m, err := s.AddMember(context.Background(), cairn.MemberInput{GroupID: g.ID, UserID: u.ID, AccessLevel: level})
	if err != nil {
		tb.Fatalf("add %s to %s: %v", u.Username, g.Path, err)
	}
	return m
}

func TestGroupCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		coreClock(t, s, time.Date(2026, 4, 2, 23, 30, 0, 0, time.UTC))
		alice := coreUser(t, s, "alice")
		ctx := cairn.NewContextWithUser(context.Background(), alice)
		g, err := s.CreateGroup(ctx, cairn.GroupCreate{Name: "Platform Team", Description: "infra"})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("OK", func(t *testing.T) {
			want := cairn.Group{ID: g.ID, Path: "platform-team", Name: "Platform Team", Description: "infra",
				Visibility: cairn.VisibilityPrivate, CreatedAt: s.Now(), UpdatedAt: s.Now()}
			if *g != want {
				t.Fatalf("created %+v, want %+v", *g, want)
			}
			got, err := s.GroupByID(context.Background(), g.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got != want {
				t.Fatalf("stored %+v, want %+v", *got, want)
			}
		})
		t.Run("OKActorBecomesOwner", func(t *testing.T) {
			m, err := s.Member(context.Background(), g.ID, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.AccessLevel != cairn.AccessOwner || m.PlanningRole != cairn.RoleEngineeringManager ||
				m.CapacityFactor != 0 || m.JoinedAt != "2026-04-02" || m.User.Username != "alice" {
				t.Fatalf("got %+v", m)
			}
		})
		t.Run("OKWithoutActorNoMembers", func(t *testing.T) {
			g2, err := s.CreateGroup(context.Background(), cairn.GroupCreate{Path: "imported", Visibility: cairn.VisibilityPublic,
				CreatedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if !g2.CreatedAt.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) || g2.Visibility != cairn.VisibilityPublic {
				t.Fatalf("got %+v", g2)
			}
			ms, total, err := s.ListMembers(context.Background(), g2.ID, cairn.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 0 || total.Count != 0 {
				t.Fatalf("members %+v", ms)
			}
		})
		for _, tc := range []struct {
			name string
			in   cairn.GroupCreate
			code string
			msg  string
		}{
			{"ErrPathTaken", cairn.GroupCreate{Path: "Platform-Team"}, cairn.ECONFLICT, "Group path has already been taken"},
			{"ErrPathMissing", cairn.GroupCreate{}, cairn.EINVALID, "path is missing"},
			{"ErrPathInvalid", cairn.GroupCreate{Path: "a/b"}, cairn.EINVALID, ""},
			{"ErrVisibility", cairn.GroupCreate{Path: "x", Visibility: "secret"}, cairn.EINVALID, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateGroup(ctx, tc.in)
				coreWantCode(t, err, tc.code)
				if tc.msg != "" && cairn.ErrorMessage(err) != tc.msg {
					t.Fatalf("message %q, want %q", cairn.ErrorMessage(err), tc.msg)
				}
			})
		}
		t.Run("ErrPathTakenLeavesNoMember", func(t *testing.T) {
			var n int
			if err := s.RawQueryRowForTest(context.Background(), "SELECT COUNT(*) FROM group_members").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("%d memberships, want 1", n)
			}
		})
	})
}

func TestGroupLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		g := coreGroup(t, s, nil, "Platform", "")
		for _, tc := range []struct {
			name string
			get  func() (*cairn.Group, error)
			code string
		}{
			{"ByIDOK", func() (*cairn.Group, error) { return s.GroupByID(ctx, g.ID) }, ""},
			{"ByIDErrNotFound", func() (*cairn.Group, error) { return s.GroupByID(ctx, g.ID+1) }, cairn.ENOTFOUND},
			{"ByPathOK", func() (*cairn.Group, error) { return s.GroupByPath(ctx, "Platform") }, ""},
			{"ByPathOKCaseInsensitive", func() (*cairn.Group, error) { return s.GroupByPath(ctx, "pLATFORM") }, ""},
			{"ByPathErrNotFound", func() (*cairn.Group, error) { return s.GroupByPath(ctx, "plat") }, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := tc.get()
				coreWantCode(t, err, tc.code)
				if err == nil && *got != *g {
					t.Fatalf("got %+v, want %+v", got, g)
				}
				if err != nil && cairn.ErrorMessage(err) != "Group Not Found" {
					t.Fatalf("message %q", cairn.ErrorMessage(err))
				}
			})
		}
	})
}

func TestGroupList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := coreUser(t, s, "alice")
		bob := coreUser(t, s, "bob")
		coreGroup(t, s, alice, "delta", cairn.VisibilityPrivate)
		coreGroup(t, s, bob, "Bravo", cairn.VisibilityInternal)
		coreGroup(t, s, bob, "charlie", cairn.VisibilityPublic)
		coreGroup(t, s, bob, "alpha", cairn.VisibilityPrivate)
		for _, tc := range []struct {
			name  string
			f     cairn.GroupFilter
			want  []string
			total int
		}{
			{"OKAdmin", cairn.GroupFilter{Admin: true}, []string{"alpha", "Bravo", "charlie", "delta"}, 4},
			{"OKAdminWithVisibleTo", cairn.GroupFilter{Admin: true, VisibleTo: alice.ID}, []string{"alpha", "Bravo", "charlie", "delta"}, 4},
			{"OKMemberSeesPrivate", cairn.GroupFilter{VisibleTo: alice.ID}, []string{"Bravo", "charlie", "delta"}, 3},
			{"OKOtherMember", cairn.GroupFilter{VisibleTo: bob.ID}, []string{"alpha", "Bravo", "charlie"}, 3},
			{"OKAnonymousSeesPublic", cairn.GroupFilter{}, []string{"charlie"}, 1},
			{"OKSearch", cairn.GroupFilter{Admin: true, Search: "A"}, []string{"alpha", "Bravo", "charlie", "delta"}, 4},
			{"OKSearchNarrow", cairn.GroupFilter{VisibleTo: alice.ID, Search: "ALP"}, nil, 0},
			{"OKPage", cairn.GroupFilter{Admin: true, Page: cairn.Page{Page: 2, PerPage: 3}}, []string{"delta"}, 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				gs, total, err := s.ListGroups(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, g := range gs {
					got = append(got, g.Path)
				}
				if !slices.Equal(got, tc.want) || total != (cairn.Total{Count: tc.total}) {
					t.Fatalf("got %v (total %+v), want %v (total %d)", got, total, tc.want, tc.total)
				}
			})
		}
	})
}

func TestMemberAdd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		coreClock(t, s, time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC))
		alice := coreUser(t, s, "alice")
		bob := coreUser(t, s, "bob")
		carol := coreUser(t, s, "carol")
		g := coreGroup(t, s, alice, "team", "")
		half := 0.5
		t.Run("OKDefaults", func(t *testing.T) {
			m, err := s.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: bob.ID, AccessLevel: cairn.AccessDeveloper})
			if err != nil {
				t.Fatal(err)
			}
			if m.GroupID != g.ID || m.User == nil || m.User.ID != bob.ID || m.AccessLevel != cairn.AccessDeveloper ||
				m.PlanningRole != cairn.RoleEngineer || m.CapacityFactor != 1 || m.JoinedAt != "2026-04-02" || !m.CreatedAt.Equal(s.Now()) {
				t.Fatalf("got %+v", m)
			}
		})
		t.Run("OKGiven", func(t *testing.T) {
			m, err := s.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: carol.ID, AccessLevel: cairn.AccessReporter,
				PlanningRole: cairn.RoleProductManager, CapacityFactor: &half, JoinedAt: "2025-11-03"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Member(ctx, g.ID, carol.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.PlanningRole != cairn.RoleProductManager || got.CapacityFactor != 0.5 || got.JoinedAt != "2025-11-03" ||
				got.AccessLevel != cairn.AccessReporter || *got.User != *m.User {
				t.Fatalf("got %+v", got)
			}
		})
		for _, tc := range []struct {
			name string
			in   cairn.MemberInput
			code string
			msg  string
		}{
			{"ErrAlreadyMember", cairn.MemberInput{GroupID: g.ID, UserID: bob.ID, AccessLevel: cairn.AccessGuest}, cairn.ECONFLICT, "Member already exists"},
			{"ErrUserNotFound", cairn.MemberInput{GroupID: g.ID, UserID: carol.ID + 100, AccessLevel: cairn.AccessGuest}, cairn.ENOTFOUND, "User Not Found"},
			{"ErrGroupNotFound", cairn.MemberInput{GroupID: g.ID + 100, UserID: bob.ID, AccessLevel: cairn.AccessGuest}, cairn.ENOTFOUND, "Group Not Found"},
			{"ErrAccessLevel", cairn.MemberInput{GroupID: g.ID, UserID: bob.ID, AccessLevel: 35}, cairn.EINVALID, ""},
			{"ErrAccessLevelMissing", cairn.MemberInput{GroupID: g.ID, UserID: bob.ID}, cairn.EINVALID, "access_level is missing"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.AddMember(ctx, tc.in)
				coreWantCode(t, err, tc.code)
				if tc.msg != "" && cairn.ErrorMessage(err) != tc.msg {
					t.Fatalf("message %q, want %q", cairn.ErrorMessage(err), tc.msg)
				}
			})
		}
		t.Run("MemberErrNotFound", func(t *testing.T) {
			_, err := s.Member(ctx, g.ID, carol.ID+100)
			coreWantCode(t, err, cairn.ENOTFOUND)
		})
	})
}

func TestMemberUpdateRemove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := coreUser(t, s, "alice")
		bob := coreUser(t, s, "bob")
		carol := coreUser(t, s, "carol")
		g := coreGroup(t, s, alice, "team", "")
		coreMember(t, s, g, bob, cairn.AccessDeveloper)
		owner, dev := cairn.AccessOwner, cairn.AccessDeveloper
		pm, half, date := cairn.RoleProductManager, 0.5, "2026-01-05"
		bad := 2.0

		t.Run("UpdateOK", func(t *testing.T) {
			m, err := s.UpdateMember(ctx, g.ID, bob.ID, cairn.MemberUpdate{PlanningRole: &pm, CapacityFactor: &half, JoinedAt: &date})
			if err != nil {
				t.Fatal(err)
			}
			if m.AccessLevel != cairn.AccessDeveloper || m.PlanningRole != pm || m.CapacityFactor != 0.5 || m.JoinedAt != date || m.User.ID != bob.ID {
				t.Fatalf("got %+v", m)
			}
		})
		t.Run("UpdateOKNothing", func(t *testing.T) {
			m, err := s.UpdateMember(ctx, g.ID, bob.ID, cairn.MemberUpdate{})
			if err != nil {
				t.Fatal(err)
			}
			if m.PlanningRole != pm {
				t.Fatalf("got %+v", m)
			}
		})
		for _, tc := range []struct {
			name          string
			groupID, user int64
			up            cairn.MemberUpdate
			code, message string
		}{
			{"UpdateErrLastOwner", g.ID, alice.ID, cairn.MemberUpdate{AccessLevel: &dev}, cairn.ECONFLICT, "A group must keep at least one owner"},
			{"UpdateOKLastOwnerStaysOwner", g.ID, alice.ID, cairn.MemberUpdate{AccessLevel: &owner, PlanningRole: &pm}, "", ""},
			{"UpdateErrNotMember", g.ID, carol.ID, cairn.MemberUpdate{AccessLevel: &dev}, cairn.ENOTFOUND, "Member Not Found"},
			{"UpdateErrGroupNotFound", g.ID + 100, bob.ID, cairn.MemberUpdate{AccessLevel: &dev}, cairn.ENOTFOUND, "Member Not Found"},
			{"UpdateErrCapacity", g.ID, bob.ID, cairn.MemberUpdate{CapacityFactor: &bad}, cairn.EINVALID, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.UpdateMember(ctx, tc.groupID, tc.user, tc.up)
				coreWantCode(t, err, tc.code)
				if tc.message != "" && cairn.ErrorMessage(err) != tc.message {
					t.Fatalf("message %q, want %q", cairn.ErrorMessage(err), tc.message)
				}
			})
		}
		t.Run("RemoveErrLastOwner", func(t *testing.T) {
			coreWantError(t, s.RemoveMember(ctx, g.ID, alice.ID), cairn.ECONFLICT, "A group must keep at least one owner")
			if _, err := s.Member(ctx, g.ID, alice.ID); err != nil {
				t.Fatalf("owner gone: %v", err)
			}
		})
		t.Run("RemoveErrNotMember", func(t *testing.T) {
			coreWantCode(t, s.RemoveMember(ctx, g.ID, carol.ID), cairn.ENOTFOUND)
		})
		t.Run("OKSecondOwnerAllowsDemotion", func(t *testing.T) {
			if _, err := s.UpdateMember(ctx, g.ID, bob.ID, cairn.MemberUpdate{AccessLevel: &owner}); err != nil {
				t.Fatal(err)
			}
			m, err := s.UpdateMember(ctx, g.ID, alice.ID, cairn.MemberUpdate{AccessLevel: &dev})
			if err != nil {
				t.Fatal(err)
			}
			if m.AccessLevel != dev {
				t.Fatalf("got %+v", m)
			}
			// Bob is now the last owner.
			coreWantCode(t, s.RemoveMember(ctx, g.ID, bob.ID), cairn.ECONFLICT)
		})
		t.Run("RemoveOK", func(t *testing.T) {
			if err := s.RemoveMember(ctx, g.ID, alice.ID); err != nil {
				t.Fatal(err)
			}
			_, err := s.Member(ctx, g.ID, alice.ID)
			coreWantCode(t, err, cairn.ENOTFOUND)
			coreWantCode(t, s.RemoveMember(ctx, g.ID, alice.ID), cairn.ENOTFOUND)
		})
	})
}

func TestMemberList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		zed := coreUser(t, s, "zed")
		g := coreGroup(t, s, zed, "team", "")
		other := coreGroup(t, s, zed, "other", "")
		for _, name := range []string{"mia", "Bob", "carl"} {
			coreMember(t, s, g, coreUser(t, s, name), cairn.AccessDeveloper)
		}
		for _, tc := range []struct {
			name    string
			groupID int64
			p       cairn.Page
			want    []string
			total   int
		}{
			{"OK", g.ID, cairn.Page{}, []string{"Bob", "carl", "mia", "zed"}, 4},
			{"OKPage", g.ID, cairn.Page{Page: 2, PerPage: 3}, []string{"zed"}, 4},
			{"OKOnlyThatGroup", other.ID, cairn.Page{}, []string{"zed"}, 1},
			{"OKNoGroup", other.ID + 100, cairn.Page{}, nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ms, total, err := s.ListMembers(ctx, tc.groupID, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, m := range ms {
					if m.GroupID != tc.groupID {
						t.Errorf("member of group %d listed for %d", m.GroupID, tc.groupID)
					}
					got = append(got, m.User.Username)
				}
				if !slices.Equal(got, tc.want) || total != (cairn.Total{Count: tc.total}) {
					t.Fatalf("got %v (total %+v), want %v (total %d)", got, total, tc.want, tc.total)
				}
			})
		}
	})
}

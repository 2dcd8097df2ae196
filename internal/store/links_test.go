package store_test

import (
	"fmt"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// issLinks lists an issue's links as "type target-title" strings.
func issLinks(tb testing.TB, s *store.Store, f *issFix, is *cairn.Issue) []string {
	tb.Helper()
	links, err := s.ListLinks(f.ctx, is.ID)
	if err != nil {
		tb.Fatalf("list links of %q: %v", is.Title, err)
	}
	out := make([]string, len(links))
	for k, l := range links {
		if l.Source == nil || l.Source.ID != is.ID {
			tb.Errorf("link %d source = %v, want %q", l.ID, l.Source, is.Title)
		}
		out[k] = l.LinkType + " " + l.Target.Title
	}
	return out
}

func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		a := f.issue(t, cairn.IssueCreate{Title: "a", Labels: []string{"bug"}})
		b := f.issue(t, cairn.IssueCreate{Title: "b"})
		c := f.issue(t, cairn.IssueCreate{ProjectID: f.web.ID, Title: "c"})
		d := f.issue(t, cairn.IssueCreate{Title: "d"})

		l, err := s.CreateLink(f.ctx, a.ID, b.ID, cairn.LinkBlocks)
		issWantCode(t, err, "")
		if l.Source.ID != a.ID || l.Target.ID != b.ID || l.LinkType != cairn.LinkBlocks || l.CreatedAt.IsZero() || len(l.Source.Labels) != 1 {
			t.Fatalf("link = %+v", l)
		}
		// Seen from c, c is blocked by a: stored as a blocks c.
		l2, err := s.CreateLink(f.ctx, c.ID, a.ID, cairn.LinkIsBlockedBy)
		issWantCode(t, err, "")
		if l2.Source.ID != c.ID || l2.Target.ID != a.ID || l2.LinkType != cairn.LinkIsBlockedBy {
			t.Fatalf("link = %+v", l2)
		}
		l3, err := s.CreateLink(f.ctx, d.ID, a.ID, "")
		issWantCode(t, err, "")

		issEqual(t, "links of a", issLinks(t, s, f, a), []string{"blocks b", "blocks c", "relates_to d"})
		issEqual(t, "links of b", issLinks(t, s, f, b), []string{"is_blocked_by a"})
		issEqual(t, "links of c", issLinks(t, s, f, c), []string{"is_blocked_by a"})
		issEqual(t, "links of d", issLinks(t, s, f, d), []string{"relates_to a"})

		for _, tc := range []struct {
			name           string
			source, target int64
			typ, code      string
		}{
			{"ErrSame", a.ID, b.ID, cairn.LinkRelatesTo, cairn.ECONFLICT},
			{"ErrReverse", b.ID, a.ID, cairn.LinkBlocks, cairn.ECONFLICT},
			{"ErrReverseBlocked", a.ID, c.ID, cairn.LinkIsBlockedBy, cairn.ECONFLICT},
			{"ErrSelf", a.ID, a.ID, cairn.LinkRelatesTo, cairn.EINVALID},
			{"ErrType", b.ID, d.ID, "duplicates", cairn.EINVALID},
			{"ErrNoIssue", b.ID, 999999, cairn.LinkRelatesTo, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateLink(f.ctx, tc.source, tc.target, tc.typ)
				issWantCode(t, err, tc.code)
			})
		}

		// Either end can delete a link; an issue cannot delete others' links.
		issWantCode(t, s.DeleteLink(f.ctx, b.ID, l3.ID), cairn.ENOTFOUND)
		issWantCode(t, s.DeleteLink(f.ctx, a.ID, l3.ID), "")
		issWantCode(t, s.DeleteLink(f.ctx, c.ID, l2.ID), "")
		issWantCode(t, s.DeleteLink(f.ctx, c.ID, l2.ID), cairn.ENOTFOUND)
		issEqual(t, "links of a after delete", issLinks(t, s, f, a), []string{"blocks b"})
		issEqual(t, "links of d after delete", issLinks(t, s, f, d), nil)
		_, err = s.ListLinks(f.ctx, 999999)
		issWantCode(t, err, cairn.ENOTFOUND)
	})
}

func TestLinkChildren(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		parent := f.issue(t, cairn.IssueCreate{Title: "epic"})
		f.issue(t, cairn.IssueCreate{Title: "unrelated"})
		var want []string
		for _, p := range []*cairn.Project{f.web, f.app, f.app} {
			is := f.issue(t, cairn.IssueCreate{ProjectID: p.ID, Title: fmt.Sprintf("child in %s", p.Path), ParentID: parent.ID})
			want = append(want, fmt.Sprintf("%s#%d", p.Path, is.IID))
		}
		kids, err := s.ListChildren(f.ctx, parent.ID)
		issWantCode(t, err, "")
		var got []string
		for _, k := range kids {
			path := "app"
			if k.ProjectID == f.web.ID {
				path = "web"
			}
			got = append(got, fmt.Sprintf("%s#%d", path, k.IID))
		}
		// By iid: web#1, then app#3 and app#4.
		issEqual(t, "children", got, []string{want[0], want[1], want[2]})
		none, err := s.ListChildren(f.ctx, kids[0].ID)
		issWantCode(t, err, "")
		if none == nil || len(none) != 0 {
			t.Errorf("children of a leaf = %v", none)
		}
		_, err = s.ListChildren(f.ctx, 999999)
		issWantCode(t, err, cairn.ENOTFOUND)
	})
}

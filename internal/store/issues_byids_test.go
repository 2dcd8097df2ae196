package store_test

import (
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestIssuesByIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		a := f.issue(t, cairn.IssueCreate{Title: "a", Labels: []string{"bug"}})
		b := f.issue(t, cairn.IssueCreate{ProjectID: f.web.ID, Title: "b", Confidential: true})

		got, err := s.IssuesByIDs(f.ctx, []int64{b.ID, a.ID, a.ID, 0, b.ID + 1000})
		issWantCode(t, err, "")
		if len(got) != 2 || got[a.ID].Title != "a" || got[b.ID].Title != "b" {
			t.Fatalf("IssuesByIDs = %v", got)
		}
		if !got[b.ID].Confidential || got[a.ID].Confidential || len(got[a.ID].Labels) != 1 || got[b.ID].Author == nil {
			t.Fatalf("issues are not whole: a=%+v b=%+v", got[a.ID], got[b.ID])
		}
		if got, err := s.IssuesByIDs(f.ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("no ids: %v, %v", got, err)
		}
		many := make([]int64, 5001)
		for i := range many {
			many[i] = int64(i + 1)
		}
		_, err = s.IssuesByIDs(f.ctx, many)
		issWantCode(t, err, cairn.EINVALID)
	})
}

package store_test

import (
	"fmt"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func issLabelList(ls []*cairn.Label) []string {
	out := make([]string, len(ls))
	for k, l := range ls {
		out[k] = l.Name
	}
	return out
}

func TestLabelCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "Deliverable"})
		f.label(t, cairn.LabelCreate{ProjectID: f.app.ID, Name: "bug"})

		t.Run("OK", func(t *testing.T) {
			l, err := s.CreateLabel(f.ctx, cairn.LabelCreate{ProjectID: f.web.ID, Name: " workflow::in dev ", Color: "#ABC", Description: "d", Priority: issPtr(2)})
			issWantCode(t, err, "")
			if l.Name != "workflow::in dev" || l.Color != "#aabbcc" || l.Description != "d" || l.Priority == nil || *l.Priority != 2 ||
				l.ProjectID == nil || *l.ProjectID != f.web.ID || l.GroupID != nil || l.CreatedAt.IsZero() {
				t.Fatalf("label = %+v", l)
			}
			g, err := s.CreateLabel(f.ctx, cairn.LabelCreate{GroupID: f.team.ID, Name: "Stretch"})
			issWantCode(t, err, "")
			if g.GroupID == nil || *g.GroupID != f.team.ID || g.Color != cairn.DefaultLabelColor || g.Priority != nil {
				t.Fatalf("group label = %+v", g)
			}
		})

		for _, tc := range []struct {
			name string
			in   cairn.LabelCreate
			code string
		}{
			{"ErrProjectDuplicate", cairn.LabelCreate{ProjectID: f.app.ID, Name: "BUG"}, cairn.ECONFLICT},
			{"ErrGroupHasName", cairn.LabelCreate{ProjectID: f.web.ID, Name: "deliverable"}, cairn.ECONFLICT},
			{"ErrGroupDuplicate", cairn.LabelCreate{GroupID: f.team.ID, Name: "DELIVERABLE"}, cairn.ECONFLICT},
			{"ErrBadColor", cairn.LabelCreate{ProjectID: f.app.ID, Name: "x", Color: "mauve-ish"}, cairn.EINVALID},
			{"ErrComma", cairn.LabelCreate{ProjectID: f.app.ID, Name: "a,b"}, cairn.EINVALID},
			{"ErrTwoOwners", cairn.LabelCreate{ProjectID: f.app.ID, GroupID: f.team.ID, Name: "x"}, cairn.EINVALID},
			{"ErrNoProject", cairn.LabelCreate{ProjectID: 999999, Name: "x"}, cairn.ENOTFOUND},
			{"ErrNoGroup", cairn.LabelCreate{GroupID: 999999, Name: "x"}, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateLabel(f.ctx, tc.in)
				issWantCode(t, err, tc.code)
				if tc.code == cairn.ECONFLICT && cairn.ErrorMessage(err) != "Label already exists" {
					t.Errorf("message = %q", cairn.ErrorMessage(err))
				}
			})
		}
		t.Run("SameNameInOtherProjectAndGroup", func(t *testing.T) {
			if _, err := s.CreateLabel(f.ctx, cairn.LabelCreate{ProjectID: f.web.ID, Name: "bug"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateLabel(f.ctx, cairn.LabelCreate{GroupID: f.other.ID, Name: "Deliverable"}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestLabelFindAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		shared := f.label(t, cairn.LabelCreate{ProjectID: f.app.ID, Name: "shared"})
		// A group label made after a project label of the same name is allowed
		// (GitLab checks only the other way); the project's own wins in it.
		groupShared := f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "shared"})
		deliv := f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "Deliverable"})
		bug := f.label(t, cairn.LabelCreate{ProjectID: f.app.ID, Name: "bug"})
		far := f.label(t, cairn.LabelCreate{GroupID: f.other.ID, Name: "far"})
		f.label(t, cairn.LabelCreate{ProjectID: f.web.ID, Name: "web only"})
		for _, tc := range []struct {
			name, idOrName string
			want           int64
			code           string
		}{
			{"ByID", fmt.Sprint(bug.ID), bug.ID, ""},
			{"GroupLabelByID", fmt.Sprint(deliv.ID), deliv.ID, ""},
			{"ByName", "bug", bug.ID, ""},
			{"GroupLabelByName", "Deliverable", deliv.ID, ""},
			{"CaseInsensitive", "DELIVERABLE", deliv.ID, ""},
			{"ProjectFirst", "shared", shared.ID, ""},
			{"ErrOtherGroupByID", fmt.Sprint(far.ID), 0, cairn.ENOTFOUND},
			{"ErrOtherProject", "web only", 0, cairn.ENOTFOUND},
			{"ErrUnknown", "nope", 0, cairn.ENOTFOUND},
		} {
			t.Run("Project"+tc.name, func(t *testing.T) {
				l, err := s.FindProjectLabel(f.ctx, f.app.ID, tc.idOrName)
				issWantCode(t, err, tc.code)
				if err == nil && l.ID != tc.want {
					t.Errorf("found %d (%s), want %d", l.ID, l.Name, tc.want)
				}
			})
		}
		for _, tc := range []struct {
			name, idOrName string
			want           int64
			code           string
		}{
			{"ByID", fmt.Sprint(deliv.ID), deliv.ID, ""},
			{"ByName", "deliverable", deliv.ID, ""},
			{"Shared", "shared", groupShared.ID, ""},
			{"ErrProjectLabel", fmt.Sprint(bug.ID), 0, cairn.ENOTFOUND},
			{"ErrOtherGroup", "far", 0, cairn.ENOTFOUND},
		} {
			t.Run("Group"+tc.name, func(t *testing.T) {
				l, err := s.FindGroupLabel(f.ctx, f.team.ID, tc.idOrName)
				issWantCode(t, err, tc.code)
				if err == nil && l.ID != tc.want {
					t.Errorf("found %d (%s), want %d", l.ID, l.Name, tc.want)
				}
			})
		}

		for _, tc := range []struct {
			name  string
			list  func() ([]*cairn.Label, cairn.Total, error)
			want  []string
			total int
		}{
			{"Project", func() ([]*cairn.Label, cairn.Total, error) {
				return s.ListProjectLabels(f.ctx, f.app.ID, cairn.LabelFilter{})
			}, []string{"Deliverable", "bug", "shared", "shared"}, 4},
			{"ProjectOnlyOwn", func() ([]*cairn.Label, cairn.Total, error) {
				return s.ListProjectLabels(f.ctx, f.app.ID, cairn.LabelFilter{OnlyOwn: true})
			}, []string{"bug", "shared"}, 2},
			{"ProjectSearch", func() ([]*cairn.Label, cairn.Total, error) {
				return s.ListProjectLabels(f.ctx, f.app.ID, cairn.LabelFilter{Search: "LIVER"})
			}, []string{"Deliverable"}, 1},
			{"ProjectPage2", func() ([]*cairn.Label, cairn.Total, error) {
				return s.ListProjectLabels(f.ctx, f.app.ID, cairn.LabelFilter{Page: cairn.Page{Page: 2, PerPage: 3}})
			}, []string{"shared"}, 4},
			{"Group", func() ([]*cairn.Label, cairn.Total, error) {
				return s.ListGroupLabels(f.ctx, f.team.ID, cairn.LabelFilter{})
			}, []string{"Deliverable", "shared"}, 2},
		} {
			t.Run("List"+tc.name, func(t *testing.T) {
				ls, total, err := tc.list()
				issWantCode(t, err, "")
				issEqual(t, "labels", issLabelList(ls), tc.want)
				if total.Count != tc.total {
					t.Errorf("total = %+v, want %d", total, tc.total)
				}
			})
		}
		_, _, err := s.ListProjectLabels(f.ctx, 999999, cairn.LabelFilter{})
		issWantCode(t, err, cairn.ENOTFOUND)
		_, _, err = s.ListGroupLabels(f.ctx, 999999, cairn.LabelFilter{})
		issWantCode(t, err, cairn.ENOTFOUND)
	})
}

func TestLabelUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "Deliverable"})
		bug := f.label(t, cairn.LabelCreate{ProjectID: f.app.ID, Name: "bug", Priority: issPtr(1)})
		f.label(t, cairn.LabelCreate{ProjectID: f.app.ID, Name: "feature"})
		is := f.issue(t, cairn.IssueCreate{Title: "x", Labels: []string{"bug"}})

		l, err := s.UpdateLabel(f.ctx, bug.ID, cairn.LabelUpdate{NewName: issPtr("defect"), Color: issPtr("red"), Description: issPtr("broken"), Priority: cairn.Clear[int]()})
		issWantCode(t, err, "")
		if l.Name != "defect" || l.Color != "#ff0000" || l.Description != "broken" || l.Priority != nil || !l.UpdatedAt.After(l.CreatedAt) {
			t.Fatalf("updated label = %+v", l)
		}
		got, err := s.IssueByIID(f.ctx, f.app.ID, is.IID)
		issWantCode(t, err, "")
		issEqual(t, "issue labels", got.LabelNames(), []string{"defect"})
		// History keeps the name the label had.
		issEqual(t, "events", f.events(t, is.IID, cairn.EventLabel), []string{"add bug"})
		l, err = s.UpdateLabel(f.ctx, bug.ID, cairn.LabelUpdate{NewName: issPtr("Defect"), Priority: cairn.SetTo(4)})
		issWantCode(t, err, "")
		if l.Name != "Defect" || *l.Priority != 4 {
			t.Errorf("renamed by case: %+v", l)
		}

		for _, tc := range []struct {
			name string
			id   int64
			u    cairn.LabelUpdate
			code string
		}{
			{"ErrTakenInProject", bug.ID, cairn.LabelUpdate{NewName: issPtr("FEATURE")}, cairn.ECONFLICT},
			{"ErrTakenInGroup", bug.ID, cairn.LabelUpdate{NewName: issPtr("deliverable")}, cairn.ECONFLICT},
			{"ErrNothing", bug.ID, cairn.LabelUpdate{}, cairn.EINVALID},
			{"ErrBadColor", bug.ID, cairn.LabelUpdate{Color: issPtr("#12")}, cairn.EINVALID},
			{"ErrNoLabel", 999999, cairn.LabelUpdate{Color: issPtr("red")}, cairn.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.UpdateLabel(f.ctx, tc.id, tc.u)
				issWantCode(t, err, tc.code)
			})
		}
	})
}

func TestLabelDeleteAndCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		bug := f.label(t, cairn.LabelCreate{ProjectID: f.app.ID, Name: "bug"})
		deliv := f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "Deliverable"})
		unused := f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "unused"})
		a := f.issue(t, cairn.IssueCreate{Title: "a", Labels: []string{"bug", "Deliverable"}})
		f.issue(t, cairn.IssueCreate{Title: "b", Labels: []string{"bug"}})
		f.issue(t, cairn.IssueCreate{ProjectID: f.web.ID, Title: "c", Labels: []string{"Deliverable"}})
		f.update(t, a.IID, cairn.IssueUpdate{StateEvent: "close"})

		counts, err := s.LabelCounts(f.ctx, []int64{bug.ID, deliv.ID, unused.ID})
		issWantCode(t, err, "")
		want := map[int64]cairn.LabelCount{
			bug.ID:    {OpenIssues: 1, ClosedIssues: 1},
			deliv.ID:  {OpenIssues: 1, ClosedIssues: 1},
			unused.ID: {},
		}
		for id, w := range want {
			if counts[id] != w {
				t.Errorf("counts[%d] = %+v, want %+v", id, counts[id], w)
			}
		}
		if len(counts) != 3 {
			t.Errorf("%d counts, want 3", len(counts))
		}

		f.update(t, a.IID, cairn.IssueUpdate{RemoveLabels: []string{"bug"}})
		issWantCode(t, s.DeleteLabel(f.ctx, bug.ID), "")
		issWantCode(t, s.DeleteLabel(f.ctx, bug.ID), cairn.ENOTFOUND)
		_, err = s.LabelByID(f.ctx, bug.ID)
		issWantCode(t, err, cairn.ENOTFOUND)
		got, err := s.IssueByIID(f.ctx, f.app.ID, 2)
		issWantCode(t, err, "")
		if len(got.Labels) != 0 {
			t.Errorf("issue keeps deleted label: %v", got.LabelNames())
		}
		evs, _, err := s.ListIssueEvents(f.ctx, f.app.ID, a.IID, cairn.EventLabel, cairn.Page{})
		issWantCode(t, err, "")
		var names []string
		for _, e := range evs {
			names = append(names, e.Action+" "+e.LabelName)
			switch e.LabelName {
			case "bug":
				if e.LabelID != nil || e.Label != nil {
					t.Errorf("event of deleted label keeps id %v label %v", e.LabelID, e.Label)
				}
			case "Deliverable":
				if e.LabelID == nil || *e.LabelID != deliv.ID || e.Label == nil || e.Label.Name != "Deliverable" {
					t.Errorf("event of Deliverable = %+v", e)
				}
			}
		}
		issEqual(t, "events", names, []string{"add bug", "add Deliverable", "remove bug"})
	})
}

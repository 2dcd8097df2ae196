package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// note posts a note on an app issue as alice.
func (f *issFix) note(tb testing.TB, iid int64, body string) *cairn.NoteResult {
	tb.Helper()
	res, err := f.s.CreateNote(f.ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: iid, Body: body})
	if err != nil {
		tb.Fatalf("note %q on %d: %v", body, iid, err)
	}
	return res
}

func TestNoteCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "workflow::refinement"})
		f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: "workflow::ready for development"})
		is := f.issue(t, cairn.IssueCreate{Title: "notes", Labels: []string{"workflow::refinement"}, Description: readyDescription})

		t.Run("Text", func(t *testing.T) {
			res := f.note(t, is.IID, "Looks good.\n")
			if res.Note == nil || res.Note.Body != "Looks good." || res.Note.Author.ID != f.alice.ID || res.Note.IssueIID != is.IID ||
				res.Note.ProjectID != f.app.ID || res.Note.IssueID != is.ID || res.Note.System {
				t.Fatalf("note = %+v", res.Note)
			}
			if res.Issue.UserNotesCount != 1 || len(res.Summary) != 0 {
				t.Errorf("notes count %d, summary %v", res.Issue.UserNotesCount, res.Summary)
			}
		})

		t.Run("CommandsOnly", func(t *testing.T) {
			res := f.note(t, is.IID, "/weight 3\n/label ~\"workflow::ready for development\"\n/milestone %2026-07\n/assign @bob")
			if res.Note != nil {
				t.Fatalf("commands-only note stored: %+v", res.Note)
			}
			got := res.Issue
			if got.Weight == nil || *got.Weight != 3 || got.Milestone == nil || got.Milestone.ID != f.jul.ID ||
				!slices.Equal(got.LabelNames(), []string{"workflow::ready for development"}) || len(got.Assignees) != 1 || got.UserNotesCount != 1 {
				t.Fatalf("issue after commands: weight %v milestone %v labels %v assignees %v notes %d",
					got.Weight, got.Milestone, got.LabelNames(), got.Assignees, got.UserNotesCount)
			}
			if res.Changes["weight"] != 3 || len(res.Summary) != 4 || res.Summary[0] != "Set weight to 3." {
				t.Errorf("changes %v summary %v", res.Changes, res.Summary)
			}
			issEqual(t, "label events", f.events(t, is.IID, cairn.EventLabel),
				[]string{"add workflow::refinement", "remove workflow::refinement", "add workflow::ready for development"})
			issEqual(t, "weight events", f.events(t, is.IID, cairn.EventWeight), []string{"add 3"})
			issEqual(t, "milestone events", f.events(t, is.IID, cairn.EventMilestone), []string{"add 2026-07"})
		})

		t.Run("Mixed", func(t *testing.T) {
			res := f.note(t, is.IID, "Refined with the team.\n/weight 5\n\nShip it.\n/close")
			if res.Note == nil || res.Note.Body != "Refined with the team.\n\nShip it." {
				t.Fatalf("note = %+v", res.Note)
			}
			if res.Issue.State != cairn.StateClosed || *res.Issue.Weight != 5 || res.Issue.UserNotesCount != 2 || res.Issue.ClosedBy.ID != f.alice.ID {
				t.Errorf("issue state %s weight %v notes %d", res.Issue.State, *res.Issue.Weight, res.Issue.UserNotesCount)
			}
			issEqual(t, "state events", f.events(t, is.IID, cairn.EventState), []string{"closed"})
		})

		for _, tc := range []struct {
			name, body string
		}{
			{"ErrBadWeightAfterValidCommand", "Text\n/label ~bug\n/unlabel ~\"workflow::ready for development\"\n/weight x"},
			{"ErrUnknownMilestone", "/weight 1\n/milestone %\"nope\""},
			{"ErrUnknownLabel", "/weight 1\n/label ~nope"},
			{"ErrUnknownUser", "Text\n/weight 1\n/assign @nobody"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.CreateLabel(f.ctx, cairn.LabelCreate{ProjectID: f.app.ID, Name: "bug"}); err != nil && cairn.ErrorCode(err) != cairn.ECONFLICT {
					t.Fatal(err)
				}
				before, err := s.IssueByIID(f.ctx, f.app.ID, is.IID)
				issWantCode(t, err, "")
				evBefore := f.events(t, is.IID, "")
				_, err = s.CreateNote(f.ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: is.IID, Body: tc.body})
				issWantCode(t, err, cairn.EINVALID)
				after, err := s.IssueByIID(f.ctx, f.app.ID, is.IID)
				issWantCode(t, err, "")
				if !slices.Equal(after.LabelNames(), before.LabelNames()) || *after.Weight != *before.Weight ||
					after.UserNotesCount != before.UserNotesCount || !after.UpdatedAt.Equal(before.UpdatedAt) || len(after.Assignees) != len(before.Assignees) {
					t.Errorf("failed command changed the issue: labels %v→%v weight %d→%d notes %d→%d",
						before.LabelNames(), after.LabelNames(), *before.Weight, *after.Weight, before.UserNotesCount, after.UserNotesCount)
				}
				issEqual(t, "events", f.events(t, is.IID, ""), evBefore)
				notes, _, err := s.ListNotes(f.ctx, f.app.ID, is.IID, cairn.NoteFilter{})
				issWantCode(t, err, "")
				if len(notes) != 2 {
					t.Errorf("%d notes, want 2", len(notes))
				}
			})
		}

		t.Run("ErrNoIssue", func(t *testing.T) {
			_, err := s.CreateNote(f.ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: 99, Body: "x"})
			issWantCode(t, err, cairn.ENOTFOUND)
		})
		t.Run("ErrNoActor", func(t *testing.T) {
			_, err := s.CreateNote(context.Background(), cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: is.IID, Body: "x"})
			issWantCode(t, err, cairn.EUNAUTHORIZED)
		})
		t.Run("ErrBlank", func(t *testing.T) {
			_, err := s.CreateNote(f.ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: is.IID, Body: " \n "})
			issWantCode(t, err, cairn.EINVALID)
		})
	})
}

func TestQuickActionLabelEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		// Created before the group has a refinement label, so that it starts
		// without one (refinement.go) and every label event is bob's.
		is := f.issue(t, cairn.IssueCreate{Title: "qa"})
		for _, n := range []string{"workflow::refinement", "workflow::in dev", "Deliverable"} {
			f.label(t, cairn.LabelCreate{GroupID: f.team.ID, Name: n})
		}
		ctx := cairn.NewContextWithUser(context.Background(), f.bob)
		for _, body := range []string{
			"/label ~workflow::refinement ~deliverable",
			"/label ~\"workflow::in dev\"",
			"/relabel ~Deliverable",
			"/unlabel",
		} {
			if _, err := s.CreateNote(ctx, cairn.NoteCreate{ProjectID: f.app.ID, IssueIID: is.IID, Body: body}); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		issEqual(t, "label events", f.events(t, is.IID, cairn.EventLabel), []string{
			"add workflow::refinement", "add Deliverable",
			"remove workflow::refinement", "add workflow::in dev",
			"remove workflow::in dev",
			"remove Deliverable",
		})
		evs, _, err := s.ListIssueEvents(f.ctx, f.app.ID, is.IID, cairn.EventLabel, cairn.Page{})
		issWantCode(t, err, "")
		for _, e := range evs {
			if e.User == nil || e.User.ID != f.bob.ID {
				t.Errorf("event %d actor = %v, want bob", e.ID, e.User)
			}
		}
	})
}

func TestNoteListUpdateDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		is := f.issue(t, cairn.IssueCreate{Title: "thread"})
		var ids []int64
		for _, body := range []string{"one", "two", "three"} {
			ids = append(ids, f.note(t, is.IID, body).Note.ID)
		}
		_, err := s.UpdateNote(f.ctx, f.app.ID, is.IID, ids[0], "one, edited")
		issWantCode(t, err, "")
		bodies := func(ns []*cairn.Note) []string {
			out := make([]string, len(ns))
			for k, n := range ns {
				out[k] = n.Body
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    cairn.NoteFilter
			want []string
		}{
			{"DefaultNewestFirst", cairn.NoteFilter{}, []string{"three", "two", "one, edited"}},
			{"Asc", cairn.NoteFilter{Sort: "asc"}, []string{"one, edited", "two", "three"}},
			{"UpdatedDesc", cairn.NoteFilter{OrderBy: "updated_at"}, []string{"one, edited", "three", "two"}},
			{"Page2", cairn.NoteFilter{Sort: "asc", Page: cairn.Page{Page: 2, PerPage: 2}}, []string{"three"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ns, total, err := s.ListNotes(f.ctx, f.app.ID, is.IID, tc.f)
				issWantCode(t, err, "")
				issEqual(t, "bodies", bodies(ns), tc.want)
				if total.Count != 3 {
					t.Errorf("total = %+v, want 3", total)
				}
			})
		}
		n, err := s.NoteByID(f.ctx, f.app.ID, is.IID, ids[0])
		issWantCode(t, err, "")
		if n.Body != "one, edited" || !n.UpdatedAt.After(n.CreatedAt) || n.Author.Username != "alice" {
			t.Errorf("edited note = %+v", n)
		}
		_, err = s.UpdateNote(f.ctx, f.app.ID, is.IID, ids[0], "  ")
		issWantCode(t, err, cairn.EINVALID)
		_, err = s.UpdateNote(f.ctx, f.app.ID, is.IID, 999999, "x")
		issWantCode(t, err, cairn.ENOTFOUND)
		other := f.issue(t, cairn.IssueCreate{Title: "other"})
		_, err = s.NoteByID(f.ctx, f.app.ID, other.IID, ids[0])
		issWantCode(t, err, cairn.ENOTFOUND)
		_, _, err = s.ListNotes(f.ctx, f.app.ID, 99, cairn.NoteFilter{})
		issWantCode(t, err, cairn.ENOTFOUND)
		_, _, err = s.ListNotes(f.ctx, f.app.ID, is.IID, cairn.NoteFilter{Sort: "sideways"})
		issWantCode(t, err, cairn.EINVALID)

		issWantCode(t, s.DeleteNote(f.ctx, f.app.ID, is.IID, ids[1]), "")
		issWantCode(t, s.DeleteNote(f.ctx, f.app.ID, is.IID, ids[1]), cairn.ENOTFOUND)
		got, err := s.IssueByIID(f.ctx, f.app.ID, is.IID)
		issWantCode(t, err, "")
		if got.UserNotesCount != 2 {
			t.Errorf("notes count after delete = %d, want 2", got.UserNotesCount)
		}
	})
}

package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/planning"
)

func TestStatusUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		// Wednesday 4 November 2026, 10:00 UTC: week 2026-W45, M2 current.
		now := time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		f := newPlanFix(t, s)
		ctx := f.ctx
		if _, err := s.FinalizePlan(ctx, f.input()); err != nil {
			t.Fatalf("finalize: %v", err)
		}
		// Labelled Deliverable but not committed: the recorded plan decides.
		other, err := s.CreateIssue(ctx, cairn.IssueCreate{ProjectID: f.work.ID, Title: "Labelled only", MilestoneID: f.m2.ID,
			Labels: []string{"Deliverable"}, AssigneeIDs: []int64{f.owner.ID}})
		issWantCode(t, err, "")

		t.Run("RiskFromCommitments", func(t *testing.T) {
			r, err := s.MilestoneRisk(ctx, f.group.ID, f.m2.ID)
			issWantCode(t, err, "")
			if r.Deliverables != 1 || r.Stale != 1 || len(r.Items) != 1 || r.Items[0].Issue.ID != f.issue.ID || r.Items[0].Reason != "no update yet" {
				t.Fatalf("risk = %+v", r)
			}
			_, err = s.MilestoneRisk(ctx, f.group.ID+1000, f.m2.ID)
			issWantCode(t, err, cairn.ENOTFOUND)
		})

		t.Run("Create", func(t *testing.T) {
			res, err := s.CreateStatusUpdate(ctx, cairn.StatusUpdateCreate{ProjectID: f.work.ID, IssueIID: f.issue.IID,
				Progress: "p", NextSteps: "n", Blockers: "b", Confidence: cairn.ConfidenceNot})
			issWantCode(t, err, "")
			if res.Update.Week != "2026-W45" || res.Update.Author.ID != f.owner.ID || res.Update.NoteID != res.Note.ID ||
				res.Issue.HealthStatus != "at_risk" || !strings.HasPrefix(res.Note.Body, "## Async Status Update 2026-11-04\n") {
				t.Errorf("created %+v, note %q, health %q", res.Update, res.Note.Body, res.Issue.HealthStatus)
			}
			r, err := s.MilestoneRisk(ctx, f.group.ID, f.m2.ID)
			issWantCode(t, err, "")
			if r.AtRisk != 1 || len(r.Items) != 1 || r.Items[0].Reason != cairn.RiskNotConfident || r.Items[0].Latest.ID != res.Update.ID {
				t.Errorf("risk after not confident = %+v", r)
			}
		})

		t.Run("Invalid", func(t *testing.T) {
			_, err := s.CreateStatusUpdate(ctx, cairn.StatusUpdateCreate{ProjectID: f.work.ID, IssueIID: f.issue.IID,
				Progress: "p", NextSteps: "n", Blockers: "b", Confidence: "sure"})
			issWantCode(t, err, cairn.EINVALID)
			_, err = s.CreateStatusUpdate(context.Background(), cairn.StatusUpdateCreate{ProjectID: f.work.ID, IssueIID: f.issue.IID,
				Progress: "p", NextSteps: "n", Blockers: "b", Confidence: "very"})
			issWantCode(t, err, cairn.EUNAUTHORIZED)
			_, err = s.CreateStatusUpdate(ctx, cairn.StatusUpdateCreate{ProjectID: f.work.ID, IssueIID: 999,
				Progress: "p", NextSteps: "n", Blockers: "b", Confidence: "very"})
			issWantCode(t, err, cairn.ENOTFOUND)
			_, _, err = s.ListGroupStatusUpdates(ctx, f.group.ID, "W45", cairn.Page{})
			issWantCode(t, err, cairn.EINVALID)
		})

		t.Run("NoteWithQuickAction", func(t *testing.T) {
			body := planning.RenderStatusUpdate("2026-11-04", "done", "", "", cairn.ConfidenceVery, []string{"em"}) + "/weight 3\n"
			res, err := s.CreateNote(ctx, cairn.NoteCreate{ProjectID: f.work.ID, IssueIID: other.IID, Body: body})
			issWantCode(t, err, "")
			if res.Issue.Weight == nil || *res.Issue.Weight != 3 || res.Issue.HealthStatus != "on_track" {
				t.Errorf("issue after note: weight %v, health %q", res.Issue.Weight, res.Issue.HealthStatus)
			}
			list, total, err := s.ListStatusUpdates(ctx, f.work.ID, other.IID, cairn.Page{})
			issWantCode(t, err, "")
			if total.Count != 1 || list[0].NoteID != res.Note.ID || list[0].Progress != "done" || list[0].NextSteps != "" {
				t.Errorf("updates = %+v (total %v)", list, total)
			}
		})

		t.Run("Due", func(t *testing.T) {
			due, err := s.StatusUpdatesDue(ctx, f.group.ID, "")
			issWantCode(t, err, "")
			// f.issue has no assignee; the owner posted on "Labelled only" this week.
			if due.Week != "2026-W45" || due.Day != "2026-11-04" || due.Milestone == nil || due.Milestone.ID != f.m2.ID || len(due.Due) != 0 {
				t.Errorf("due = %+v %v", due, due.Due)
			}
			due, err = s.StatusUpdatesDue(ctx, f.group.ID, "2026-W46")
			issWantCode(t, err, "")
			if len(due.Due) != 1 || due.Due[0].Issue.ID != other.ID || due.Due[0].User.ID != f.owner.ID || due.Due[0].LastUpdateAt == nil {
				t.Errorf("next week due = %+v", due.Due)
			}
			// No milestone contains 2027-W10's Wednesday: nothing is owed.
			due, err = s.StatusUpdatesDue(ctx, f.group.ID, "2027-W10")
			issWantCode(t, err, "")
			if due.Milestone != nil || len(due.Due) != 0 {
				t.Errorf("no milestone: %+v", due)
			}
		})
	})
}

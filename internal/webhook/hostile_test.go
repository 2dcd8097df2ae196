package webhook_test

import (
	"encoding/json"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/markdown/markdowntest"
	"github.com/cairnhq/cairn/internal/webhook"
)

// Webhook receivers (chat bots, dashboards) read the payload's fields and
// render them their own way; Cairn, like GitLab, sends titles and markdown
// as written (no HTML escaping: "<" stays "<"). What must hold whatever the
// titles, names and notes contain is the structure: every payload is one
// valid JSON object, and the hostile text comes back unchanged as string
// values only — no added keys, no cut strings, no broken quoting.
func TestPayloadsCarryHostileTextAsEscapedStrings(t *testing.T) {
	for _, h := range markdowntest.Hostile {
		t.Run("", func(t *testing.T) {
			u := &cairn.User{ID: 3, Username: "olga", Name: h, Email: "olga@example.com"}
			lbl := &cairn.Label{ID: 5, Name: h, Color: "#ff0000", Description: h}
			gid := group.ID
			ms := &cairn.Milestone{ID: 4, IID: 2, GroupID: &gid, Title: h, Description: h}
			is := issue(cairn.StateOpened, false, nil)
			is.Title, is.Description, is.Author, is.Assignees = h, h, u, []*cairn.User{u}
			is.Labels, is.Milestone = []*cairn.Label{lbl}, ms
			prev := *is
			prev.Title = h + " (before)"
			note := &cairn.Note{ID: 9, IssueID: is.ID, IssueIID: is.IID, ProjectID: project.ID, Author: u, Body: h, CreatedAt: t0, UpdatedAt: t0}
			su := &cairn.StatusUpdate{ID: 8, IssueID: is.ID, Author: u, Progress: h, NextSteps: h, Blockers: h, Confidence: cairn.ConfidenceNot, CreatedAt: t0}
			proj := *project
			proj.Name, proj.Description = h, h

			payloads := map[string]func() ([]byte, error){
				"issue": func() ([]byte, error) {
					return webhook.IssuePayload("https://cairn.example.com", webhook.IssueEvent{User: u, Project: &proj, Issue: is, Previous: &prev})
				},
				"note": func() ([]byte, error) {
					return webhook.NotePayload("https://cairn.example.com", webhook.NoteEvent{User: u, Project: &proj, Issue: is, Note: note})
				},
				"status update": func() ([]byte, error) {
					return webhook.StatusUpdatePayload("https://cairn.example.com", webhook.StatusUpdateEvent{User: u, Project: &proj, Issue: is, Update: su})
				},
				"planning": func() ([]byte, error) {
					two := 2
					return webhook.PlanningPayload("https://cairn.example.com", webhook.PlanningEvent{User: u, Group: group, Milestone: ms, FinalizedAt: t0,
						Deliverables: []webhook.PlannedIssue{{Issue: is, Project: &proj, Weight: &two}}})
				},
			}
			for name, build := range payloads {
				b, err := build()
				if err != nil {
					t.Fatalf("%s payload: %v", name, err)
				}
				if !json.Valid(b) {
					t.Fatalf("%s payload for %q is not JSON: %s", name, h, b)
				}
				var v map[string]any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				// The hostile text comes back unchanged, only as string values:
				// it neither added keys nor lost characters.
				found := 0
				var visit func(any)
				visit = func(x any) {
					switch x := x.(type) {
					case map[string]any:
						for k, e := range x {
							if k == h {
								t.Errorf("%s payload has the hostile text as a key", name)
							}
							visit(e)
						}
					case []any:
						for _, e := range x {
							visit(e)
						}
					case string:
						if x == h {
							found++
						}
					}
				}
				visit(v)
				if v["object_kind"] == nil {
					t.Errorf("%s payload lost its object_kind: %s", name, b)
				}
				if found == 0 {
					t.Errorf("%s payload does not carry %q unchanged: %s", name, h, b)
				}
			}
		})
	}
}

package webhook_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/webhook"
)

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		event        string
		confidential bool
		want         string
	}{
		{webhook.EventIssue, false, "Issue Hook"},
		{webhook.EventIssue, true, "Confidential Issue Hook"},
		{webhook.EventNote, false, "Note Hook"},
		{webhook.EventNote, true, "Confidential Note Hook"},
		{webhook.EventStatusUpdate, true, "Status Update Hook"},
		{webhook.EventPlanning, false, "Planning Hook"},
		{"push", false, ""},
	} {
		if got := webhook.Header(tc.event, tc.confidential); got != tc.want {
			t.Errorf("Header(%s, %v) = %q, want %q", tc.event, tc.confidential, got, tc.want)
		}
	}
}

var (
	t0      = time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC)
	group   = &cairn.Group{ID: 1, Path: "team", Name: "Team", Visibility: cairn.VisibilityPrivate}
	project = &cairn.Project{ID: 2, GroupID: 1, Group: group, Path: "app", Name: "App"}
	olga    = &cairn.User{ID: 3, Username: "olga", Name: "Olga", Email: "olga@example.com"}
)

func issue(state string, confidential bool, weight *int) *cairn.Issue {
	return &cairn.Issue{ID: 10, IID: 7, ProjectID: 2, Title: "Parser", State: state, Author: olga, Confidential: confidential,
		Weight: weight, Assignees: []*cairn.User{olga}, Labels: []*cairn.Label{}, CreatedAt: t0, UpdatedAt: t0}
}

func decode(t *testing.T, b []byte, err error) map[string]any {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

func TestIssuePayload(t *testing.T) {
	three := 3
	for _, tc := range []struct {
		name      string
		prev, cur *cairn.Issue
		action    string
		eventType string
		changes   []string
	}{
		{"Open", nil, issue(cairn.StateOpened, false, &three), "open", "issue", []string{"assignees", "title", "updated_by_id", "weight"}},
		{"Close", issue(cairn.StateOpened, false, nil), issue(cairn.StateClosed, false, nil), "close", "issue",
			[]string{"closed_at", "state", "state_id", "updated_by_id"}},
		{"Reopen", issue(cairn.StateClosed, false, nil), issue(cairn.StateOpened, false, nil), "reopen", "issue",
			[]string{"closed_at", "state", "state_id", "updated_by_id"}},
		{"MadePublic", issue(cairn.StateOpened, true, nil), issue(cairn.StateOpened, false, &three), "update", "confidential_issue",
			[]string{"confidential", "updated_by_id", "weight"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := webhook.IssuePayload("https://cairn.example.com/", webhook.IssueEvent{User: olga, Project: project, Issue: tc.cur, Previous: tc.prev})
			p := decode(t, b, err)
			attrs := p["object_attributes"].(map[string]any)
			if attrs["action"] != tc.action || p["event_type"] != tc.eventType || attrs["url"] != "https://cairn.example.com/team/app/-/issues/7" {
				t.Errorf("action %v, event_type %v, url %v", attrs["action"], p["event_type"], attrs["url"])
			}
			if p["user"].(map[string]any)["email"] != "[REDACTED]" {
				t.Errorf("user %v", p["user"])
			}
			changes := p["changes"].(map[string]any)
			var keys []string
			for k := range changes {
				keys = append(keys, k)
			}
			if len(keys) != len(tc.changes) {
				t.Fatalf("changes %v, want keys %v", changes, tc.changes)
			}
			for _, k := range tc.changes {
				if _, ok := changes[k]; !ok {
					t.Errorf("changes %v lack %s", changes, k)
				}
			}
			if tc.prev == nil && changes["title"].(map[string]any)["previous"] != nil {
				t.Errorf("an opened issue has a previous title: %v", changes["title"])
			}
		})
	}
}

func TestPlanningPayloadHidesConfidentialTitles(t *testing.T) {
	two, five := 2, 5
	secret := issue(cairn.StateOpened, true, &five)
	secret.ID, secret.IID, secret.Title = 11, 8, "Embargoed"
	gid := group.ID
	b, err := webhook.PlanningPayload("https://cairn.example.com", webhook.PlanningEvent{
		Group: group, Milestone: &cairn.Milestone{ID: 4, IID: 2, GroupID: &gid, Title: "2026-12"}, FinalizedAt: t0, TeamCapacity: 9.5,
		Deliverables: []webhook.PlannedIssue{{Issue: issue(cairn.StateOpened, false, &two), Project: project, Weight: &two}},
		Stretch:      []webhook.PlannedIssue{{Issue: secret, Project: project, Weight: &five, Carryover: true}},
	})
	p := decode(t, b, err)
	attrs := p["object_attributes"].(map[string]any)
	if attrs["action"] != "finalized" || attrs["deliverable_weight"] != 2.0 || attrs["stretch_weight"] != 5.0 || attrs["team_capacity"] != 9.5 ||
		p["user"] != nil || p["milestone"].(map[string]any)["web_url"] != "https://cairn.example.com/groups/team/-/milestones/2" {
		t.Errorf("payload %v", p)
	}
	d := p["deliverables"].([]any)[0].(map[string]any)
	s := p["stretch"].([]any)[0].(map[string]any)
	if d["title"] != "Parser" || len(d["assignees"].([]any)) != 1 {
		t.Errorf("deliverable %v", d)
	}
	if s["title"] != nil || len(s["assignees"].([]any)) != 0 || s["confidential"] != true || s["carryover"] != true || s["weight"] != 5.0 {
		t.Errorf("confidential stretch %v", s)
	}
}

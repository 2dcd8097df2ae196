package planning

import (
	"reflect"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
)

func TestFromDomain(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Closed at 23:30 UTC on 30 November is already 1 December in Berlin:
	// velocity must see the team's date.
	closedAt := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	pos := int64(7)
	in := &cairn.Issue{
		ID: 42, IID: 3, ProjectID: 5, Title: "Fix it", State: cairn.StateClosed,
		Weight:           wt(3),
		Labels:           []*cairn.Label{{Name: "Deliverable"}, {Name: "workflow::in dev"}},
		Assignees:        []*cairn.User{{ID: 1, Username: "alice"}, {ID: 2, Username: "bob"}},
		Milestone:        &cairn.Milestone{ID: 11},
		RelativePosition: &pos,
		CreatedAt:        time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC),
		ClosedAt:         &closedAt,
	}
	got := FromIssue(in, berlin)
	want := Issue{
		ID: 42, ProjectID: 5, IID: 3, Title: "Fix it", State: StateClosed, Weight: wt(3),
		Labels: []string{"Deliverable", "workflow::in dev"}, Assignees: []User{alice, bob},
		MilestoneID: 11, RelativePosition: &pos, CreatedAt: in.CreatedAt, ClosedAt: "2026-12-01",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromIssue\n got %+v\nwant %+v", got, want)
	}
	if FromIssue(in, nil).ClosedAt != "2026-11-30" {
		t.Error("FromIssue with nil location is not UTC")
	}
	*in.Weight = 5
	if *got.Weight != 3 {
		t.Error("FromIssue shares the weight with the domain issue")
	}

	m := FromMember(&cairn.Member{User: &cairn.User{ID: 2, Username: "bob"}, PlanningRole: cairn.RoleEngineer, CapacityFactor: 0.5, JoinedAt: "2025-01-06"})
	if m != (Member{UserID: 2, Username: "bob", PlanningRole: "engineer", CapacityFactor: 0.5, JoinedAt: "2025-01-06"}) {
		t.Errorf("FromMember = %+v", m)
	}
	ms := FromMilestone(&cairn.Milestone{ID: 11, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30", State: cairn.MilestoneClosed})
	if ms != (Milestone{ID: 11, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30", State: MilestoneClosed}) {
		t.Errorf("FromMilestone = %+v", ms)
	}
}

package planning

import (
	"reflect"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
)

// TestFromIssues checks that the batch conversion gives what FromIssue
// gives for each issue, and that the issues' shared arrays do not leak
// into each other when one is appended to.
func TestFromIssues(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	closedAt := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	pos := int64(7)
	issues := []*cairn.Issue{
		{ID: 1, IID: 1, ProjectID: 5, Title: "closed", State: cairn.StateClosed, Weight: wt(3),
			Labels:    []*cairn.Label{{Name: "Deliverable"}, {Name: "workflow::in dev"}},
			Assignees: []*cairn.User{{ID: 1, Username: "alice"}, nil, {ID: 2, Username: "bob"}},
			Milestone: &cairn.Milestone{ID: 11}, RelativePosition: &pos, ClosedAt: &closedAt,
			CreatedAt: time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)},
		{ID: 2, IID: 2, ProjectID: 5, Title: "bare", State: cairn.StateOpened, Labels: []*cairn.Label{}, Assignees: []*cairn.User{}},
		{ID: 3, IID: 3, ProjectID: 6, Title: "open with a closing time", State: cairn.StateOpened, Weight: wt(0), ClosedAt: &closedAt,
			Labels: []*cairn.Label{{Name: "bug"}}},
		{ID: 4, IID: 4, ProjectID: 6, Title: "nil slices"},
	}
	for _, loc := range []*time.Location{nil, berlin} {
		got := FromIssues(issues, loc)
		if len(got) != len(issues) {
			t.Fatalf("%d issues, want %d", len(got), len(issues))
		}
		for k, is := range issues {
			if want := FromIssue(is, loc); !reflect.DeepEqual(got[k], want) {
				t.Errorf("issue %d (%v):\n got %+v\nwant %+v", is.ID, loc, got[k], want)
			}
		}
		got[0].Labels = append(got[0].Labels, "extra")
		got[0].Assignees = append(got[0].Assignees, User{ID: 9})
		*got[0].Weight = 8
		if !reflect.DeepEqual(got[1], FromIssue(issues[1], loc)) || !reflect.DeepEqual(got[2], FromIssue(issues[2], loc)) {
			t.Errorf("changing the first issue changed the next: %+v, %+v", got[1], got[2])
		}
	}
	if got := FromIssues(nil, nil); len(got) != 0 {
		t.Errorf("FromIssues(nil) = %v", got)
	}
}

package archive_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
)

func ptr[T any](v T) *T { return &v }

// valid returns a small archive that passes Validate, for cases to break.
func valid() *archive.Archive {
	return &archive.Archive{
		Format:  archive.FormatName,
		Version: archive.Version,
		Users: []archive.User{
			{Username: "emma", Name: "Emma", Email: "emma@example.com", CreatedAt: "2026-01-01T09:00:00.000Z"},
			{Username: "sam", Name: "Sam", CreatedAt: "2026-01-01T09:00:00.000Z"},
		},
		Groups: []archive.Group{{
			Path: "team", Name: "Team", Visibility: "private", CreatedAt: "2026-01-01T09:00:00.000Z",
			Members: []archive.Member{
				{Username: "emma", PlanningRole: "engineering_manager", CapacityFactor: 0, AccessLevel: 50, JoinedAt: "2026-01-01"},
				{Username: "sam", PlanningRole: "engineer", CapacityFactor: 1, AccessLevel: 30, JoinedAt: "2026-01-01"},
			},
			Labels: []archive.Label{
				{Name: "workflow::in dev", Color: "#1f75cb"},
				{Name: "workflow::in review", Color: "#1f75cb"},
				{Name: "Deliverable", Color: "#009966", Priority: ptr(1)},
			},
			Milestones: []archive.Milestone{
				{Title: "2026-01", StartDate: "2026-01-01", DueDate: "2026-01-31", State: "closed", CreatedAt: "2026-01-01T09:00:00.000Z"},
			},
			Settings: []byte(`{"stretch_share": 0.25, "holidays": ["2026-01-19"]}`),
			TimeOff: []archive.TimeOff{
				{Username: "sam", StartDate: "2026-01-12", EndDate: "2026-01-13", Note: "Skiing"},
				{Username: "sam", StartDate: "2026-01-14", EndDate: "2026-01-14", HalfDay: true},
			},
			ParkingLot: []archive.ParkingEntry{
				{Milestone: "2026-01", Issue: "team/app#2", Reason: "Customers ask for it", Author: "sam", CreatedAt: "2026-01-06T09:00:00.000Z"},
				{Milestone: "2026-01", Title: "Try a faster cache", Reason: "Suggestions feel slow", Author: "emma", CreatedAt: "2026-01-07T09:00:00.000Z"},
			},
			Plans: []archive.Plan{{
				Milestone: "2026-01", Retrospective: "team/app#2", FinalizedAt: "2025-12-29T14:00:00.000Z", FinalizedBy: "emma", TeamCapacity: ptr(6.5),
				Commitments: []archive.Commitment{
					{Issue: "team/app#1", Placement: "deliverable", Weight: ptr(2), Carryover: true},
					{Issue: "team/app#2", Placement: "stretch"},
				},
			}},
			Projects: []archive.Project{{
				Path: "app", Name: "App", CreatedAt: "2026-01-01T09:00:00.000Z",
				Labels:     []archive.Label{{Name: "bug", Color: "#ff0000"}},
				Milestones: []archive.Milestone{{Title: "v1", CreatedAt: "2026-01-01T09:00:00.000Z"}},
				Issues: []archive.Issue{
					{
						IID: 1, Title: "First", State: "closed", Author: "emma", Assignees: []string{"sam"},
						Labels: []string{"Deliverable", "workflow::in review", "bug"}, Weight: ptr(2), Milestone: "2026-01",
						CreatedAt: "2026-01-02T09:00:00.000Z", ClosedAt: "2026-01-20T09:00:00.000Z", ClosedBy: "sam",
						Notes: []archive.Note{{Author: "sam", Body: "Done.", CreatedAt: "2026-01-20T09:00:00.000Z"}},
						Events: []archive.Event{
							{Type: "label", Action: "add", Label: "workflow::in dev", User: "sam", CreatedAt: "2026-01-03T09:00:00.000Z"},
							{Type: "weight", Action: "add", Weight: ptr(2), User: "sam", CreatedAt: "2026-01-03T09:00:00.000Z"},
							{Type: "milestone", Action: "add", Milestone: "2026-01", User: "emma", CreatedAt: "2026-01-03T09:00:00.000Z"},
							{Type: "state", Action: "closed", User: "sam", CreatedAt: "2026-01-20T09:00:00.000Z"},
						},
						Links: []archive.Link{{Target: "team/app#2", LinkType: "blocks"}},
					},
					{IID: 2, Title: "Second", State: "opened", Author: "sam", ParentIID: 1, CreatedAt: "2026-01-05T09:00:00.000Z"},
				},
			}},
		}},
	}
}

func TestValidateOK(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid archive: %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	issue := func(a *archive.Archive) *archive.Issue { return &a.Groups[0].Projects[0].Issues[0] }
	const ip = "groups[0].projects[0].issues[0]"
	tests := []struct {
		name   string
		change func(a *archive.Archive)
		want   string
	}{
		{"ErrFormat", func(a *archive.Archive) { a.Format = "gitlab" }, `format: must be "cairn-archive"`},
		{"ErrVersion", func(a *archive.Archive) { a.Version = 2 }, "version: must be 1"},
		{"ErrUsernameRequired", func(a *archive.Archive) { a.Users[1].Username = "" }, "users[1].username: is required"},
		{"ErrUsernameInvalid", func(a *archive.Archive) { a.Users[1].Username = "-sam" }, "users[1].username: is not a valid username (letters, digits, '_', '-' and '.')"},
		{"ErrUsernameDuplicate", func(a *archive.Archive) { a.Users[1].Username = "Emma" }, `users[1].username: duplicate username "Emma"`},
		{"ErrEmail", func(a *archive.Archive) { a.Users[0].Email = "emma" }, "users[0].email: is not a valid e-mail address"},
		{"ErrUserCreatedAt", func(a *archive.Archive) { a.Users[0].CreatedAt = "2026-01-01 09:00" }, "users[0].created_at: must be an RFC 3339 timestamp like 2026-03-04T09:15:00.000Z"},
		{"ErrUserCreatedAtRequired", func(a *archive.Archive) { a.Users[0].CreatedAt = "" }, "users[0].created_at: is required"},
		{"ErrGroupPath", func(a *archive.Archive) { a.Groups[0].Path = "a b" }, "groups[0].path: is not a valid path (letters, digits, '_', '-' and '.')"},
		{"ErrGroupPathDuplicate", func(a *archive.Archive) {
			g := a.Groups[0]
			g.Path = "TEAM"
			g.Projects = nil
			a.Groups = append(a.Groups, g)
		}, `groups[1].path: duplicate group path "TEAM"`},
		{"ErrVisibility", func(a *archive.Archive) { a.Groups[0].Visibility = "secret" }, "groups[0].visibility: must be one of private, internal, public"},
		{"ErrMemberUnknownUser", func(a *archive.Archive) { a.Groups[0].Members[1].Username = "bob" }, `groups[0].members[1].username: unknown user "bob" (not in users)`},
		{"ErrMemberDuplicate", func(a *archive.Archive) { a.Groups[0].Members[1].Username = "emma" }, `groups[0].members[1].username: duplicate member "emma"`},
		{"ErrMemberRole", func(a *archive.Archive) { a.Groups[0].Members[1].PlanningRole = "boss" }, "groups[0].members[1].planning_role: must be one of engineer, engineering_manager, product_manager, guest"},
		{"ErrMemberCapacity", func(a *archive.Archive) { a.Groups[0].Members[1].CapacityFactor = 1.5 }, "groups[0].members[1].capacity_factor: must be between 0 and 1"},
		{"ErrMemberCapacityNegative", func(a *archive.Archive) { a.Groups[0].Members[1].CapacityFactor = -0.1 }, "groups[0].members[1].capacity_factor: must be between 0 and 1"},
		{"ErrMemberAccessLevel", func(a *archive.Archive) { a.Groups[0].Members[1].AccessLevel = 35 }, "groups[0].members[1].access_level: must be one of 10, 20, 30, 40, 50"},
		{"ErrMemberJoinedAt", func(a *archive.Archive) { a.Groups[0].Members[0].JoinedAt = "2026-02-30" }, "groups[0].members[0].joined_at: must be a date like 2026-03-04"},
		{"ErrLabelName", func(a *archive.Archive) { a.Groups[0].Labels[0].Name = "a,b" }, "groups[0].labels[0].name: is invalid: it cannot contain a comma"},
		{"ErrLabelDuplicate", func(a *archive.Archive) { a.Groups[0].Labels[2].Name = "WORKFLOW::IN DEV" }, `groups[0].labels[2].name: duplicate label "WORKFLOW::IN DEV"`},
		{"ErrLabelColor", func(a *archive.Archive) { a.Groups[0].Labels[1].Color = "#12345" }, "groups[0].labels[1].color: must be a colour like #428bca"},
		{"ErrLabelPriority", func(a *archive.Archive) { a.Groups[0].Labels[2].Priority = ptr(-1) }, "groups[0].labels[2].priority: must be 0 or more"},
		{"ErrProjectLabelClashesWithGroup", func(a *archive.Archive) { a.Groups[0].Projects[0].Labels[0].Name = "deliverable" }, `groups[0].projects[0].labels[0].name: the group already has a label "deliverable"`},
		{"ErrMilestoneTitle", func(a *archive.Archive) { a.Groups[0].Milestones[0].Title = " " }, "groups[0].milestones[0].title: is required"},
		{"ErrMilestoneDuplicate", func(a *archive.Archive) {
			a.Groups[0].Milestones = append(a.Groups[0].Milestones, a.Groups[0].Milestones[0])
		}, `groups[0].milestones[1].title: duplicate milestone "2026-01"`},
		{"ErrMilestoneDate", func(a *archive.Archive) { a.Groups[0].Milestones[0].StartDate = "2026-1-1" }, "groups[0].milestones[0].start_date: must be a date like 2026-03-04"},
		{"ErrMilestoneDueBeforeStart", func(a *archive.Archive) { a.Groups[0].Milestones[0].DueDate = "2025-12-31" }, "groups[0].milestones[0].due_date: must not be before start_date"},
		{"ErrMilestoneState", func(a *archive.Archive) { a.Groups[0].Milestones[0].State = "done" }, "groups[0].milestones[0].state: must be one of active, closed"},
		{"ErrProjectMilestoneClashesWithGroup", func(a *archive.Archive) { a.Groups[0].Projects[0].Milestones[0].Title = "2026-01" }, `groups[0].projects[0].milestones[0].title: the group already has a milestone "2026-01"`},
		{"ErrProjectPathDuplicate", func(a *archive.Archive) {
			p := a.Groups[0].Projects[0]
			p.Path = "App"
			p.Issues = nil
			a.Groups[0].Projects = append(a.Groups[0].Projects, p)
		}, `groups[0].projects[1].path: duplicate project path "App"`},
		{"ErrIID", func(a *archive.Archive) {
			issue(a).IID = 0
			a.Groups[0].Plans = nil // they refer to the issue by its iid, and come first
		}, ip + ".iid: must be 1 or more"},
		{"ErrIIDDuplicate", func(a *archive.Archive) {
			p := &a.Groups[0].Projects[0]
			p.Issues = append(p.Issues, p.Issues[1])
		}, "groups[0].projects[0].issues[2].iid: duplicate iid 2 in this project"},
		{"ErrTitle", func(a *archive.Archive) { issue(a).Title = "" }, ip + ".title: is required"},
		{"ErrState", func(a *archive.Archive) { issue(a).State = "open" }, ip + ".state: must be one of opened, closed"},
		{"ErrAuthorRequired", func(a *archive.Archive) { issue(a).Author = "" }, ip + ".author: is required"},
		{"ErrAuthorUnknown", func(a *archive.Archive) { issue(a).Author = "bob" }, ip + `.author: unknown user "bob" (not in users)`},
		{"ErrAssigneeUnknown", func(a *archive.Archive) { issue(a).Assignees = []string{"sam", "bob"} }, ip + `.assignees[1]: unknown user "bob" (not in users)`},
		{"ErrAssigneeDuplicate", func(a *archive.Archive) { issue(a).Assignees = []string{"sam", "sam"} }, ip + `.assignees[1]: duplicate assignee "sam"`},
		{"ErrLabelUnknown", func(a *archive.Archive) { issue(a).Labels[2] = "feature" }, ip + `.labels[2]: unknown label "feature" (not a label of the project or its group)`},
		{"ErrLabelUnknownCase", func(a *archive.Archive) { issue(a).Labels[0] = "deliverable" }, ip + `.labels[0]: unknown label "deliverable" (not a label of the project or its group)`},
		{"ErrLabelOnIssueDuplicate", func(a *archive.Archive) { issue(a).Labels[2] = "Deliverable" }, ip + `.labels[2]: duplicate label "Deliverable"`},
		{"ErrScopedLabels", func(a *archive.Archive) { issue(a).Labels[0] = "workflow::in dev" }, ip + `.labels[1]: label "workflow::in review" conflicts with "workflow::in dev": an issue carries one label per scope "workflow"`},
		{"ErrWeight", func(a *archive.Archive) { issue(a).Weight = ptr(-1) }, ip + ".weight: must be 0 or more"},
		{"ErrMilestoneUnknown", func(a *archive.Archive) { issue(a).Milestone = "2026-02" }, ip + `.milestone: unknown milestone "2026-02" (not a milestone of the project or its group)`},
		{"ErrDueDate", func(a *archive.Archive) { issue(a).DueDate = "tomorrow" }, ip + ".due_date: must be a date like 2026-03-04"},
		{"ErrIssueType", func(a *archive.Archive) { issue(a).IssueType = "epic" }, ip + ".issue_type: must be one of issue, task, incident"},
		{"ErrParentUnknown", func(a *archive.Archive) { a.Groups[0].Projects[0].Issues[1].ParentIID = 9 }, "groups[0].projects[0].issues[1].parent_iid: unknown issue 9 in this project"},
		{"ErrParentSelf", func(a *archive.Archive) { a.Groups[0].Projects[0].Issues[1].ParentIID = 2 }, "groups[0].projects[0].issues[1].parent_iid: cannot be the issue itself"},
		{"ErrCreatedAt", func(a *archive.Archive) { issue(a).CreatedAt = "yesterday" }, ip + ".created_at: must be an RFC 3339 timestamp like 2026-03-04T09:15:00.000Z"},
		{"ErrClosedAtRequired", func(a *archive.Archive) { issue(a).ClosedAt = "" }, ip + ".closed_at: is required for a closed issue"},
		{"ErrClosedAtBeforeCreated", func(a *archive.Archive) { issue(a).ClosedAt = "2026-01-01T00:00:00Z" }, ip + ".closed_at: must not be before the issue's created_at"},
		{"ErrClosedBy", func(a *archive.Archive) { issue(a).ClosedBy = "bob" }, ip + `.closed_by: unknown user "bob" (not in users)`},
		{"ErrTimeSpent", func(a *archive.Archive) { issue(a).TimeSpent = -60 }, ip + ".time_spent: must be 0 or more"},
		{"ErrNoteAuthor", func(a *archive.Archive) { issue(a).Notes[0].Author = "bob" }, ip + `.notes[0].author: unknown user "bob" (not in users)`},
		{"ErrNoteBody", func(a *archive.Archive) { issue(a).Notes[0].Body = "  " }, ip + ".notes[0].body: is required"},
		{"ErrNoteBeforeIssue", func(a *archive.Archive) { issue(a).Notes[0].CreatedAt = "2026-01-01T00:00:00.000Z" }, ip + ".notes[0].created_at: must not be before the issue's created_at"},
		{"ErrEventType", func(a *archive.Archive) { issue(a).Events[0].Type = "title" }, ip + ".events[0].type: must be one of label, weight, milestone, state"},
		{"ErrEventLabelAction", func(a *archive.Archive) { issue(a).Events[0].Action = "closed" }, ip + ".events[0].action: must be add or remove for a label event"},
		{"ErrEventStateAction", func(a *archive.Archive) { issue(a).Events[3].Action = "add" }, ip + ".events[3].action: must be closed or reopened for a state event"},
		{"ErrEventLabelRequired", func(a *archive.Archive) { issue(a).Events[0].Label = "" }, ip + ".events[0].label: is required for a label event"},
		{"ErrEventMilestoneRequired", func(a *archive.Archive) { issue(a).Events[2].Milestone = "" }, ip + ".events[2].milestone: is required for a milestone event"},
		{"ErrEventWeightNegative", func(a *archive.Archive) { issue(a).Events[1].Weight = ptr(-2) }, ip + ".events[1].weight: must be 0 or more"},
		{"ErrEventWeightMissing", func(a *archive.Archive) { issue(a).Events[1].Weight = nil }, ip + ".events[1].weight: is required when a weight is set (action add)"},
		{"ErrEventWeightOnLabel", func(a *archive.Archive) { issue(a).Events[0].Weight = ptr(1) }, ip + ".events[0].weight: must be empty for a label event"},
		{"ErrEventUser", func(a *archive.Archive) { issue(a).Events[2].User = "bob" }, ip + `.events[2].user: unknown user "bob" (not in users)`},
		{"ErrEventBeforeIssue", func(a *archive.Archive) { issue(a).Events[3].CreatedAt = "2026-01-02T08:59:59.999Z" }, ip + ".events[3].created_at: must not be before the issue's created_at"},
		{"ErrEventCreatedAtRequired", func(a *archive.Archive) { issue(a).Events[1].CreatedAt = "" }, ip + ".events[1].created_at: is required"},
		{"ErrLinkTargetFormat", func(a *archive.Archive) { issue(a).Links[0].Target = "app#2" }, ip + ".links[0].target: must name an issue as group/project#iid"},
		{"ErrLinkTargetUnknown", func(a *archive.Archive) { issue(a).Links[0].Target = "team/app#3" }, ip + `.links[0].target: unknown issue "team/app#3" (not in the archive)`},
		{"ErrLinkSelf", func(a *archive.Archive) { issue(a).Links[0].Target = "team/app#1" }, ip + ".links[0].target: cannot link an issue to itself"},
		{"ErrLinkType", func(a *archive.Archive) { issue(a).Links[0].LinkType = "duplicates" }, ip + ".links[0].link_type: must be one of relates_to, blocks, is_blocked_by"},

		{"ErrSettingsValue", func(a *archive.Archive) { a.Groups[0].Settings = []byte(`{"stretch_share": 2}`) },
			"groups[0].settings.stretch_share: must be between 0 and 1 (0.2 means 20% of team capacity)"},
		{"ErrSettingsHoliday", func(a *archive.Archive) { a.Groups[0].Settings = []byte(`{"holidays": ["2026-01-19", "19.1."]}`) },
			`groups[0].settings.holidays[1]: not a date: "19.1." (use YYYY-MM-DD, like 2026-12-25)`},
		{"ErrSettingsUnknown", func(a *archive.Archive) { a.Groups[0].Settings = []byte(`{"colour": 1}`) }, `groups[0].settings: unknown setting "colour"`},
		{"ErrSettingsNotObject", func(a *archive.Archive) { a.Groups[0].Settings = []byte(`[1]`) }, "groups[0].settings: must be an object of planning settings"},
		{"ErrTimeOffUser", func(a *archive.Archive) { a.Groups[0].TimeOff[1].Username = "bob" }, `groups[0].time_off[1].username: unknown user "bob" (not in users)`},
		{"ErrTimeOffStart", func(a *archive.Archive) { a.Groups[0].TimeOff[0].StartDate = "" }, "groups[0].time_off[0].start_date: is required"},
		{"ErrTimeOffEndFormat", func(a *archive.Archive) { a.Groups[0].TimeOff[0].EndDate = "2026-1-13" }, "groups[0].time_off[0].end_date: must be a date like 2026-03-04"},
		{"ErrTimeOffEndBeforeStart", func(a *archive.Archive) { a.Groups[0].TimeOff[0].EndDate = "2026-01-11" }, "groups[0].time_off[0].end_date: must not be before start_date"},
		{"ErrTimeOffNote", func(a *archive.Archive) { a.Groups[0].TimeOff[0].Note = strings.Repeat("é", 1001) }, "groups[0].time_off[0].note: is too long (maximum is 1000 characters)"},
		{"ErrTimeOffTooLong", func(a *archive.Archive) { a.Groups[0].TimeOff[0].EndDate = "2027-01-13" }, "groups[0].time_off[0].end_date: is too far from start_date (at most 366 days)"},
		{"ErrParkingMilestone", func(a *archive.Archive) { a.Groups[0].ParkingLot[0].Milestone = "v1" }, `groups[0].parking_lot[0].milestone: unknown milestone "v1" (not a milestone of this group)`},
		{"ErrParkingIssueUnknown", func(a *archive.Archive) { a.Groups[0].ParkingLot[0].Issue = "team/app#9" }, "groups[0].parking_lot[0].issue: unknown issue team/app#9 (not in the archive)"},
		{"ErrParkingIssueFormat", func(a *archive.Archive) { a.Groups[0].ParkingLot[0].Issue = "#2" }, "groups[0].parking_lot[0].issue: must be a reference like group/project#12"},
		{"ErrParkingIssueOtherGroup", func(a *archive.Archive) {
			a.Groups = append(a.Groups, archive.Group{Path: "other", CreatedAt: "2026-01-01T09:00:00.000Z", Projects: []archive.Project{{
				Path: "app", CreatedAt: "2026-01-01T09:00:00.000Z",
				Issues: []archive.Issue{{IID: 1, Title: "Theirs", State: "opened", Author: "sam", CreatedAt: "2026-01-02T09:00:00.000Z"}},
			}}})
			a.Groups[0].ParkingLot[0].Issue = "other/app#1"
		}, "groups[0].parking_lot[0].issue: other/app#1 is not an issue of this group"},
		{"ErrParkingTitleTooLong", func(a *archive.Archive) { a.Groups[0].ParkingLot[0].Title = strings.Repeat("x", 256) }, "groups[0].parking_lot[0].title: is too long (maximum is 255 characters)"},
		{"ErrParkingNeither", func(a *archive.Archive) { a.Groups[0].ParkingLot[1].Title = " " }, "groups[0].parking_lot[1].issue: is required unless title is given"},
		{"ErrParkingReason", func(a *archive.Archive) { a.Groups[0].ParkingLot[1].Reason = "" }, "groups[0].parking_lot[1].reason: is required"},
		{"ErrParkingAuthor", func(a *archive.Archive) { a.Groups[0].ParkingLot[1].Author = "bob" }, `groups[0].parking_lot[1].author: unknown user "bob" (not in users)`},
		{"ErrParkingCreatedAt", func(a *archive.Archive) { a.Groups[0].ParkingLot[1].CreatedAt = "yesterday" }, "groups[0].parking_lot[1].created_at: must be an RFC 3339 timestamp like 2026-03-04T09:15:00.000Z"},
		{"ErrPlanMilestoneRequired", func(a *archive.Archive) { a.Groups[0].Plans[0].Milestone = "" }, "groups[0].plans[0].milestone: is required"},
		{"ErrPlanMilestone", func(a *archive.Archive) { a.Groups[0].Plans[0].Milestone = "v1" }, `groups[0].plans[0].milestone: unknown milestone "v1" (not a milestone of this group)`},
		{"ErrPlanDuplicate", func(a *archive.Archive) {
			a.Groups[0].Plans = append(a.Groups[0].Plans, archive.Plan{Milestone: "2026-01", PlanningIssue: "team/app#2"})
		}, `groups[0].plans[1].milestone: duplicate plan of milestone "2026-01"`},
		{"ErrPlanPlanningIssueFormat", func(a *archive.Archive) { a.Groups[0].Plans[0].PlanningIssue = "app#2" }, "groups[0].plans[0].planning_issue: must be a reference like group/project#12"},
		{"ErrPlanRetrospectiveUnknown", func(a *archive.Archive) { a.Groups[0].Plans[0].Retrospective = "team/app#9" }, "groups[0].plans[0].retrospective: unknown issue team/app#9 (not in the archive)"},
		{"ErrPlanFinalizedAt", func(a *archive.Archive) { a.Groups[0].Plans[0].FinalizedAt = "2025-12-29" }, "groups[0].plans[0].finalized_at: must be an RFC 3339 timestamp like 2026-03-04T09:15:00.000Z"},
		{"ErrPlanFinalizedBy", func(a *archive.Archive) { a.Groups[0].Plans[0].FinalizedBy = "bob" }, `groups[0].plans[0].finalized_by: unknown user "bob" (not in users)`},
		{"ErrPlanNotFinalBy", func(a *archive.Archive) { a.Groups[0].Plans[0].FinalizedAt = "" }, "groups[0].plans[0].finalized_by: must be empty for a plan that is not finalised (no finalized_at)"},
		{"ErrPlanNotFinalCommitments", func(a *archive.Archive) {
			pl := &a.Groups[0].Plans[0]
			pl.FinalizedAt, pl.FinalizedBy, pl.TeamCapacity = "", "", nil
		}, "groups[0].plans[0].commitments: must be empty for a plan that is not finalised (no finalized_at)"},
		{"ErrPlanEmpty", func(a *archive.Archive) { a.Groups[0].Plans[0] = archive.Plan{Milestone: "2026-01"} }, "groups[0].plans[0]: is empty: a plan needs finalized_at, planning_issue or retrospective"},
		{"ErrPlanCapacity", func(a *archive.Archive) { a.Groups[0].Plans[0].TeamCapacity = ptr(-0.5) }, "groups[0].plans[0].team_capacity: must be 0 or more"},
		{"ErrCommitmentIssueRequired", func(a *archive.Archive) { a.Groups[0].Plans[0].Commitments[1].Issue = "" }, "groups[0].plans[0].commitments[1].issue: is required"},
		{"ErrCommitmentIssueOtherGroup", func(a *archive.Archive) {
			a.Groups = append(a.Groups, archive.Group{Path: "other", CreatedAt: "2026-01-01T09:00:00.000Z", Projects: []archive.Project{{
				Path: "app", CreatedAt: "2026-01-01T09:00:00.000Z",
				Issues: []archive.Issue{{IID: 1, Title: "Theirs", State: "opened", Author: "sam", CreatedAt: "2026-01-02T09:00:00.000Z"}},
			}}})
			a.Groups[0].Plans[0].Commitments[0].Issue = "other/app#1"
		}, "groups[0].plans[0].commitments[0].issue: other/app#1 is not an issue of this group"},
		{"ErrCommitmentDuplicate", func(a *archive.Archive) { a.Groups[0].Plans[0].Commitments[1].Issue = "TEAM/app#1" }, "groups[0].plans[0].commitments[1].issue: duplicate commitment to TEAM/app#1"},
		{"ErrCommitmentPlacementRequired", func(a *archive.Archive) { a.Groups[0].Plans[0].Commitments[0].Placement = "" }, "groups[0].plans[0].commitments[0].placement: is required"},
		{"ErrCommitmentPlacement", func(a *archive.Archive) { a.Groups[0].Plans[0].Commitments[0].Placement = "Deliverable" }, "groups[0].plans[0].commitments[0].placement: must be one of deliverable, stretch"},
		{"ErrCommitmentWeight", func(a *archive.Archive) { a.Groups[0].Plans[0].Commitments[0].Weight = ptr(-1) }, "groups[0].plans[0].commitments[0].weight: must be 0 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := valid()
			tt.change(a)
			err := a.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			if code := cairn.ErrorCode(err); code != cairn.EINVALID {
				t.Errorf("code = %q, want %q", code, cairn.EINVALID)
			}
			if err.Error() != tt.want {
				t.Errorf("Validate() =\n  %s\nwant\n  %s", err, tt.want)
			}
		})
	}
}

// TestValidateFirstPath checks that of two problems the one earlier in the
// document is reported.
func TestValidateFirstPath(t *testing.T) {
	a := valid()
	a.Groups[0].Projects[0].Issues[1].Weight = ptr(-1)
	a.Groups[0].Projects[0].Issues[0].Weight = ptr(-3)
	want := "groups[0].projects[0].issues[0].weight: must be 0 or more"
	if err := a.Validate(); err == nil || err.Error() != want {
		t.Fatalf("Validate() = %v, want %s", err, want)
	}
}

func TestReadWriteRoundTrip(t *testing.T) {
	a := valid()
	var buf bytes.Buffer
	if err := archive.Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "}\n") {
		t.Errorf("Write output does not end in a newline: %q", out[len(out)-10:])
	}
	if !strings.Contains(out, "\n  \"users\": [\n") {
		t.Errorf("Write output is not indented:\n%s", out[:200])
	}
	b, err := archive.Read(strings.NewReader(out))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	again, err := archive.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != out {
		t.Errorf("Read → Write changed the archive:\n%s\nvs\n%s", again, out)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("read archive does not validate: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ErrEmpty", "", "the archive is empty"},
		{"ErrSyntax", "{\"format\": \"cairn-archive\",\n \"version\": 1,\n \"users\": [}\n", "line 3, column 12, byte 54: malformed JSON: invalid character '}' looking for beginning of value"},
		{"ErrTruncated", "{\"format\": \"cairn-archive\",\n \"version\": 1,\n \"users\": [", "the archive ends too early (line 3): the file is cut off"},
		{"ErrUnknownField", "{\"format\": \"cairn-archive\", \"version\": 1,\n \"colour\": 1}", `colour: unknown field (line 2, column 2, byte 43)`},
		{"ErrType", `{"format":"cairn-archive","version":1,"users":[],"groups":[{"path":"g","created_at":"2026-01-01T00:00:00Z","projects":[{"path":"p","created_at":"2026-01-01T00:00:00Z","issues":[{"iid":1,"weight":"3"}]}]}]}`,
			`groups[0].projects[0].issues[0].weight: must be a number, not string (line 1, column 196, byte 195)`},
		{"ErrNotObject", `[1, 2]`, "line 1, column 1, byte 0: the archive must be a JSON object"},
		{"ErrUnknownNestedField", "{\"format\": \"cairn-archive\", \"version\": 1, \"users\": [\n {\"username\": \"a\"},\n {\"username\": \"b\", \"admin\": true}]}",
			`users[1].admin: unknown field (line 3, column 20, byte 92)`},
		{"ErrOtherFormat", `{"format":"gitlab-export","projects":[]}`, `format: must be "cairn-archive"; this is not a Cairn archive`},
		{"ErrOtherVersion", `{"format":"cairn-archive","version":2,"teams":[]}`, "version: must be 1; this Cairn reads archive version 1 only"},
		{"ErrTrailing", `{"format":"cairn-archive","version":1} {}`, "line 1, column 40, byte 39: unexpected { after the end of the archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.Read(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Read() = nil error, want %q", tt.want)
			}
			if cairn.ErrorCode(err) != cairn.EINVALID {
				t.Errorf("code = %q, want EINVALID", cairn.ErrorCode(err))
			}
			if err.Error() != tt.want {
				t.Errorf("Read() error =\n  %s\nwant\n  %s", err, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	a := valid()
	a.Users[0], a.Users[1] = a.Users[1], a.Users[0]
	is := &a.Groups[0].Projects[0].Issues[0]
	is.Events[0], is.Events[3] = is.Events[3], is.Events[0]
	is.CreatedAt = "2026-01-02T10:00:00+01:00"
	is.Author = "EMMA"
	a.Groups[0].Labels[0].Color = "#1F75CB"
	a.Groups[0].Projects[0].Issues[0], a.Groups[0].Projects[0].Issues[1] = a.Groups[0].Projects[0].Issues[1], a.Groups[0].Projects[0].Issues[0]
	g := &a.Groups[0]
	g.TimeOff[0], g.TimeOff[1] = g.TimeOff[1], g.TimeOff[0]
	g.TimeOff[0].Username = "Sam"
	g.ParkingLot[0], g.ParkingLot[1] = g.ParkingLot[1], g.ParkingLot[0]
	g.ParkingLot[1].Issue = "TEAM/App#2"
	g.ParkingLot[1].CreatedAt = "2026-01-06T10:00:00+01:00"
	g.Plans[0].Commitments[0], g.Plans[0].Commitments[1] = g.Plans[0].Commitments[1], g.Plans[0].Commitments[0]
	g.Plans[0].Commitments[0].Issue = "Team/APP#2"
	g.Plans[0].FinalizedAt = "2025-12-29T15:00:00+01:00"
	g.Plans[0].FinalizedBy = "Emma"
	// The same settings with the keys in another order, and a default
	// spelt out, are the same settings.
	g.Settings = []byte(`{"holidays": ["2026-01-19"], "stretch_share": 0.25, "velocity_window": 3}`)

	b := valid()
	archive.Normalize(a)
	archive.Normalize(b)
	ja, _ := archive.Marshal(a)
	jb, _ := archive.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("normalised archives differ:\n%s\n---\n%s", ja, jb)
	}
	got := a.Groups[0].Projects[0].Issues[0]
	if got.IID != 1 || got.CreatedAt != "2026-01-02T09:00:00.000Z" || got.Author != "emma" {
		t.Errorf("issue not normalised: iid %d, created_at %s, author %s", got.IID, got.CreatedAt, got.Author)
	}
	if got.UpdatedAt != "2026-01-20T09:00:00.000Z" {
		t.Errorf("default updated_at = %s, want the latest event", got.UpdatedAt)
	}
	if strings.Join(got.Labels, ",") != "Deliverable,bug,workflow::in review" {
		t.Errorf("labels not sorted: %v", got.Labels)
	}
	if a.Users[0].Username != "emma" {
		t.Errorf("users not sorted: %v", a.Users)
	}
	if g.TimeOff[0].Note != "Skiing" || g.TimeOff[0].Username != "sam" {
		t.Errorf("time off not normalised: %+v", g.TimeOff)
	}
	if g.ParkingLot[0].Issue != "team/app#2" || g.ParkingLot[0].CreatedAt != "2026-01-06T09:00:00.000Z" {
		t.Errorf("parking lot not normalised: %+v", g.ParkingLot)
	}
	if pl := g.Plans[0]; pl.FinalizedAt != "2025-12-29T14:00:00.000Z" || pl.FinalizedBy != "emma" ||
		pl.Commitments[0].Issue != "team/app#1" || pl.Commitments[1].Issue != "team/app#2" {
		t.Errorf("plan not normalised: %+v", pl)
	}
	// Settings are written whole: a key the archive left out comes with its
	// default.
	if !strings.Contains(string(g.Settings), `"velocity_window":3`) || !strings.Contains(string(g.Settings), `"stretch_share":0.25`) {
		t.Errorf("settings not normalised: %s", g.Settings)
	}
	// Clone is deep: normalising the clone leaves the original alone.
	c := valid()
	d := c.Clone()
	*d.Groups[0].Projects[0].Issues[0].Weight = 5
	d.Groups[0].Projects[0].Issues[0].Labels[0] = "x"
	d.Groups[0].Settings[0] = '['
	d.Groups[0].TimeOff[0].Note = "x"
	d.Groups[0].ParkingLot[0].Reason = "x"
	*d.Groups[0].Plans[0].TeamCapacity = 1
	*d.Groups[0].Plans[0].Commitments[0].Weight = 9
	if *c.Groups[0].Projects[0].Issues[0].Weight != 2 || c.Groups[0].Projects[0].Issues[0].Labels[0] != "Deliverable" ||
		c.Groups[0].Settings[0] != '{' || c.Groups[0].TimeOff[0].Note != "Skiing" || c.Groups[0].ParkingLot[0].Reason != "Customers ask for it" ||
		*c.Groups[0].Plans[0].TeamCapacity != 6.5 || *c.Groups[0].Plans[0].Commitments[0].Weight != 2 {
		t.Error("Clone shares memory with the original")
	}
}

// TestDocExample keeps the example of docs/archive-format.md valid.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/archive-format.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Example\n\n```json\n")
	if !ok {
		t.Fatal("no example in docs/archive-format.md")
	}
	example, _, _ := strings.Cut(rest, "```")
	a, err := archive.Read(strings.NewReader(example))
	if err != nil {
		t.Fatalf("read the example: %v", err)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("the example does not validate: %v", err)
	}
}

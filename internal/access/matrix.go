package access

import (
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

// ActionInfo describes an Action for people: the README's permission
// matrix and the API's permission test are both built from it.
type ActionInfo struct {
	Action Action
	// Name is the action's short name, the row heading of the matrix.
	Name string
	// Covers says in words what the action lets a user do.
	Covers string
	// Endpoints are the API routes (under /api/v4) that check the action,
	// each "METHOD path", with a note in parentheses where the route
	// checks it only for some requests.
	Endpoints []string
}

// actions is the description of every action, in the README's order.
var actions = []ActionInfo{
	{Read, "read", "see the group, its projects, issues, notes, labels, milestones, members, templates and issue history; " +
		"add an issue to one's to-do list; leave the group",
		[]string{"GET /groups/:id", "GET /groups/:id/members[/:user_id]", "GET /groups/:id/issues", "GET /projects/:id",
			"GET /projects/:id/issues[/:iid]", "GET …/issues/:iid/notes[/:note_id]", "GET …/issues/:iid/resource_*_events",
			"GET …/issues/:iid/links", "GET …/labels[/:label_id]", "GET …/milestones[/:milestone_id][/issues]",
			"GET /groups/:id/templates[/:name]", "POST …/issues/:iid/todo", "DELETE /groups/:id/members/:own_user_id"}},
	{CreateIssue, "open issues", "open issues (a guest's labels, milestone, weight and assignees are left out); " +
		"edit the title and description of, close and reopen one's own issues",
		[]string{"POST /projects/:id/issues", "PUT /projects/:id/issues/:iid (own issues)"}},
	{CreateNote, "comment", "comment on issues; edit and delete one's own notes",
		[]string{"POST …/issues/:iid/notes", "PUT|DELETE …/notes/:note_id (own notes)"}},
	{UpdateIssue, "edit issues", "change any issue: title, description, labels, weight, milestone, assignees, state, " +
		"due date, links; quick actions; comment on a locked discussion",
		[]string{"PUT /projects/:id/issues/:iid", "POST …/issues/:iid/links", "DELETE …/links/:issue_link_id"}},
	{DeleteIssue, "delete issues", "delete issues",
		[]string{"DELETE /projects/:id/issues/:iid"}},
	{ModerateNotes, "delete others' notes", "delete other people's notes",
		[]string{"DELETE …/notes/:note_id (others' notes)"}},
	{AdminLabels, "manage labels", "create, edit and delete group and project labels",
		[]string{"POST …/labels", "PUT|DELETE …/labels/:label_id"}},
	{AdminMilestones, "manage milestones", "create, edit and delete group and project milestones",
		[]string{"POST …/milestones", "PUT|DELETE …/milestones/:milestone_id"}},
	{AdminMembers, "manage members", "add members, change and remove members below owner, set planning roles and capacity",
		[]string{"POST /groups/:id/members", "PUT|DELETE /groups/:id/members/:user_id"}},
	{CreateProject, "create projects", "create projects in the group",
		[]string{"POST /projects"}},
	{AdminGroup, "manage owners", "make members owners, change and remove owners",
		[]string{"POST /groups/:id/members (access_level 50)", "PUT|DELETE /groups/:id/members/:user_id (owners)"}},
	{Admin, "administer the instance", "create users; every other action in every group, member or not",
		[]string{"POST /users"}},
	{ReadPlanning, "read planning", "see planning settings, everyone's time off, capacity, plans, parking lots, " +
		"work queues, the refinement queue, metrics, burndowns and kickoff agendas",
		[]string{"GET /groups/:id/planning_settings", "GET /groups/:id/time_off", "GET …/milestones/:milestone_id/capacity",
			"GET …/milestones/:milestone_id/plan", "GET …/milestones/:milestone_id/parking_lot", "GET /groups/:id/work_queue",
			"GET /groups/:id/refinement_queue", "GET /groups/:id/refinement_share", "GET /groups/:id/planning_metrics",
			"GET …/milestones/:milestone_id/burndown", "GET …/milestones/:milestone_id/kickoff"}},
	{ProposePlanning, "propose planning", "add and remove one's own time off; propose to a parking lot and withdraw one's own proposals",
		[]string{"POST /groups/:id/time_off", "DELETE …/time_off/:time_off_id (own)", "POST …/milestones/:milestone_id/parking_lot",
			"DELETE …/parking_lot/:entry_id (own)"}},
	{ManagePlanning, "manage planning", "change planning settings; finalise plans; add and remove anyone's time off " +
		"and proposals; apply and remove the Deliverable and Stretch labels",
		[]string{"PUT /groups/:id/planning_settings", "POST …/milestones/:milestone_id/plan/finalize",
			"POST|DELETE /groups/:id/time_off (others')", "DELETE …/parking_lot/:entry_id (others')",
			"PUT /projects/:id/issues/:iid (Deliverable, Stretch labels)", "POST …/issues/:iid/notes (/label ~Deliverable)"}},
	{ManageTemplates, "manage templates", "create, edit and delete the group's description templates",
		[]string{"POST /groups/:id/templates", "PUT|DELETE /groups/:id/templates/:name"}},
	{ReadStatusUpdates, "read status updates", "see weekly status updates, who owes one, and each milestone's risk",
		[]string{"GET …/issues/:iid/status_updates", "GET /groups/:id/status_updates", "GET /groups/:id/status_updates/due",
			"GET …/milestones/:milestone_id/risk"}},
	{PostStatusUpdate, "post status updates", "post weekly status updates on issues",
		[]string{"POST …/issues/:iid/status_updates"}},
	{ManageWebhooks, "manage webhooks", "add, change, test and delete the group's webhooks; read and resend their deliveries",
		[]string{"GET|POST /groups/:id/hooks", "GET|PUT|DELETE /groups/:id/hooks/:hook_id", "POST …/hooks/:hook_id/test/issue_events",
			"GET …/hooks/:hook_id/events", "POST …/events/:event_id/resend"}},
	{ReadAudit, "read the audit log", "see the group's audit events: member, planning settings and webhook changes, finalisations",
		[]string{"GET /groups/:id/audit_events[/:event_id]"}},
}

// Actions returns the description of every action of the matrix, in the
// README's order. The caller may not change the result.
func Actions() []ActionInfo { return actions }

// String returns the action's short name ("read", "manage planning").
func (a Action) String() string {
	for _, i := range actions {
		if i.Action == a {
			return i.Name
		}
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Role is a column of the permission matrix: a kind of user, with the
// access level and planning role they hold in a group of some visibility.
type Role struct {
	// Name is the column heading.
	Name         string
	Level        int    // access level in the group, 0 for a non-member
	PlanningRole string // "" for none
	Admin        bool   // an instance administrator
	Visibility   string // of the group the role acts in
}

// User returns a user of the role, for asking Can.
func (r Role) User() *cairn.User { return &cairn.User{IsAdmin: r.Admin} }

// Allows reports whether a user of role r may take act: the cell of the
// matrix. Non-members may take no members-only action.
func (r Role) Allows(act Action) bool {
	if r.Level == cairn.AccessNone && !r.Admin && MembersOnly(act) {
		return false
	}
	return Can(r.User(), r.Level, r.PlanningRole, r.Visibility, act)
}

// roles are the matrix's columns. Planning roles are shown at guest
// access, so that their column says what the role adds whatever the
// member's level.
var roles = []Role{
	{Name: "non-member¹", Visibility: cairn.VisibilityPublic},
	{Name: "guest (10)", Level: cairn.AccessGuest, Visibility: cairn.VisibilityPrivate},
	{Name: "reporter (20)", Level: cairn.AccessReporter, Visibility: cairn.VisibilityPrivate},
	{Name: "developer (30)", Level: cairn.AccessDeveloper, Visibility: cairn.VisibilityPrivate},
	{Name: "maintainer (40)", Level: cairn.AccessMaintainer, Visibility: cairn.VisibilityPrivate},
	{Name: "owner (50)", Level: cairn.AccessOwner, Visibility: cairn.VisibilityPrivate},
	{Name: "engineering manager²", Level: cairn.AccessGuest, PlanningRole: cairn.RoleEngineeringManager, Visibility: cairn.VisibilityPrivate},
	{Name: "product manager²", Level: cairn.AccessGuest, PlanningRole: cairn.RoleProductManager, Visibility: cairn.VisibilityPrivate},
	{Name: "admin", Admin: true, Visibility: cairn.VisibilityPrivate},
}

// Roles returns the matrix's columns, in the README's order. The caller
// may not change the result.
func Roles() []Role { return roles }

// Markdown renders the permission matrix as the README shows it: a table
// of actions by roles (✓ allowed, — refused), its footnotes, and a table
// of what each action covers and the endpoints that check it.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| action |")
	for _, r := range roles {
		b.WriteString(" " + r.Name + " |")
	}
	b.WriteString("\n| --- |" + strings.Repeat(" :---: |", len(roles)) + "\n")
	for _, a := range actions {
		b.WriteString("| " + a.Name + " |")
		for _, r := range roles {
			if r.Allows(a.Action) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n¹ A signed-in user who is not a member, in a public or internal group; " +
		"in a private group a non-member may do nothing (`404`).\n" +
		"² A member with that `planning_role`, shown at guest access: the role adds these rights to those of the member's access level.\n\n")
	b.WriteString("| action | covers | endpoints |\n| --- | --- | --- |\n")
	for _, a := range actions {
		eps := make([]string, len(a.Endpoints))
		for i, e := range a.Endpoints {
			route, note, _ := strings.Cut(e, " (")
			eps[i] = "`" + strings.ReplaceAll(route, "|", `\|`) + "`"
			if note != "" {
				eps[i] += " (" + note
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", a.Name, a.Covers, strings.Join(eps, ", "))
	}
	return b.String()
}

// Package access is Cairn's permission matrix: for every action a user can
// take in a group or its projects, the lowest GitLab access level (guest 10,
// reporter 20, developer 30, maintainer 40, owner 50) that may take it, the
// planning roles that may take it below that level, which actions
// non-members may not even see, and which a read-only token may take. The
// API (internal/api) and the web pages (internal/web) both ask it, so the
// rules live in one place.
package access

import (
	"slices"

	"github.com/cairnhq/cairn"
)

// Action is something a user may or may not do in a group or its projects.
type Action int

// The actions of the permission matrix.
const (
	Read            Action = iota // see the group or project and everything in it
	CreateIssue                   // open issues
	CreateNote                    // comment on issues
	UpdateIssue                   // edit issues: metadata, state, links, quick actions
	DeleteIssue                   // delete issues
	ModerateNotes                 // delete other people's notes
	AdminLabels                   // create, edit, delete labels
	AdminMilestones               // create, edit, delete milestones
	AdminMembers                  // add, change, remove members below owner
	CreateProject                 // create projects in the group
	AdminGroup                    // everything else in the group, owners included
	Admin                         // instance administration: creating users

	ReadPlanning    // see planning settings, capacity, plans, time off, parking lots, work queues
	ProposePlanning // propose parking lot entries; add and remove one's own time off
	ManagePlanning  // settings, finalising, Deliverable and Stretch, others' time off and proposals

	ManageTemplates // create, edit and delete the group's description templates

	ReadStatusUpdates // see weekly status updates, who owes one, milestone risk
	PostStatusUpdate  // post weekly status updates

	ManageWebhooks // add, change, test and delete the group's webhooks; read their delivery log

	ReadAudit // read the group's audit log

	// numActions is not an action but the count of them: the tests check
	// that every action below it is described (Actions) and exercised
	// through the API. Add new actions above it.
	numActions
)

// minAccess is the permission matrix: the lowest GitLab access level a group
// member needs for each Action, in the group and in all its projects
// (projects inherit their group's membership). Instance admins may do
// everything; Admin is theirs alone. planningRoles lets members with a
// planning role take some actions below these levels.
var minAccess = map[Action]int{
	Read:            cairn.AccessGuest,
	CreateIssue:     cairn.AccessGuest,
	CreateNote:      cairn.AccessGuest,
	UpdateIssue:     cairn.AccessReporter,
	DeleteIssue:     cairn.AccessOwner,
	ModerateNotes:   cairn.AccessMaintainer,
	AdminLabels:     cairn.AccessReporter,
	AdminMilestones: cairn.AccessReporter,
	AdminMembers:    cairn.AccessMaintainer,
	CreateProject:   cairn.AccessMaintainer,
	AdminGroup:      cairn.AccessOwner,
	ReadPlanning:    cairn.AccessGuest,
	ProposePlanning: cairn.AccessReporter,
	ManagePlanning:  cairn.AccessOwner,
	ManageTemplates: cairn.AccessReporter,

	ReadStatusUpdates: cairn.AccessGuest,
	PostStatusUpdate:  cairn.AccessReporter,

	// Webhooks carry a group's issues to other systems with a secret, so
	// they are the owners' (as GitLab's group hooks).
	ManageWebhooks: cairn.AccessOwner,

	// The audit log names who changed members, settings and webhooks, and
	// from where: the owners', as GitLab's group audit events.
	ReadAudit: cairn.AccessOwner,
}

// planningRoles grants actions to members by their planning role, whatever
// their access level: planning belongs to the engineering and product
// managers (planning-model.md), who are not always the group's owners.
// Who may manage planning may also propose: a manager at guest access
// adds their own time off and parking lot entries.
var planningRoles = map[Action][]string{
	ProposePlanning: {cairn.RoleEngineeringManager, cairn.RoleProductManager},
	ManagePlanning:  {cairn.RoleEngineeringManager, cairn.RoleProductManager},
}

// membersOnly are the actions whose resources a non-member may not even
// see, whatever the group's visibility (404): a team's capacity, time off
// and plans are its own business, not part of a public project.
var membersOnly = map[Action]bool{ReadPlanning: true, ProposePlanning: true, ManagePlanning: true,
	ReadStatusUpdates: true, PostStatusUpdate: true, ManageWebhooks: true, ReadAudit: true}

// readActions are the actions a read_api token may take.
var readActions = map[Action]bool{Read: true, ReadPlanning: true, ReadStatusUpdates: true, ReadAudit: true}

// openToNonMembers are the actions a signed-in user who is not a member may
// take in an internal or public group, as GitLab lets any signed-in user
// read such projects and open issues and comment there. Private groups show
// non-members nothing (404, never 403, so that their existence does not
// leak).
var openToNonMembers = map[Action]bool{Read: true, CreateIssue: true, CreateNote: true}

// Can reports whether user u, with access level (0 for a non-member) and
// planning role ("" for none) in a group or project of the given
// visibility, may take act.
func Can(u *cairn.User, level int, role, visibility string, act Action) bool {
	if u == nil {
		return false
	}
	if u.IsAdmin {
		return true
	}
	if act == Admin {
		return false
	}
	if level == cairn.AccessNone {
		return visibility != cairn.VisibilityPrivate && visibility != "" && openToNonMembers[act]
	}
	if role != "" && slices.Contains(planningRoles[act], role) {
		return true
	}
	need, ok := minAccess[act]
	return ok && level >= need
}

// MembersOnly reports whether non-members may not even see act's
// resources (404), whatever the group's visibility.
func MembersOnly(act Action) bool { return membersOnly[act] }

// ReadOnly reports whether act only reads, so that a read_api token may
// take it.
func ReadOnly(act Action) bool { return readActions[act] }

// ManagesLevels reports whether user u, with access level `level` in a
// group, may change memberships at every one of levels (a member's
// current level and the one they would get): only owners and admins may
// make someone an owner or change an owner's membership, as in GitLab.
// Whether u may manage members at all is AdminMembers.
func ManagesLevels(u *cairn.User, level int, levels ...int) bool {
	if (u != nil && u.IsAdmin) || level >= cairn.AccessOwner {
		return true
	}
	for _, l := range levels {
		if l >= cairn.AccessOwner {
			return false
		}
	}
	return true
}

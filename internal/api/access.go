package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
)

// action is something a user may or may not do in a group or its projects.
type action int

// The actions of the permission matrix.
const (
	actRead            action = iota // see the group or project and everything in it
	actCreateIssue                   // open issues
	actCreateNote                    // comment on issues
	actUpdateIssue                   // edit issues: metadata, state, links, quick actions
	actDeleteIssue                   // delete issues
	actModerateNotes                 // delete other people's notes
	actAdminLabels                   // create, edit, delete labels
	actAdminMilestones               // create, edit, delete milestones
	actAdminMembers                  // add, change, remove members below owner
	actCreateProject                 // create projects in the group
	actAdminGroup                    // everything else in the group, owners included
	actAdmin                         // instance administration: creating users

	actReadPlanning    // see planning settings, capacity, plans, time off, parking lots, work queues
	actProposePlanning // propose parking lot entries; add and remove one's own time off
	actManagePlanning  // settings, finalising, Deliverable and Stretch, others' time off and proposals

	actManageTemplates // create, edit and delete the group's description templates

	actReadStatusUpdates // see weekly status updates, who owes one, milestone risk
	actPostStatusUpdate  // post weekly status updates
)

// minAccess is the permission matrix: the lowest GitLab access level a group
// member needs for each action, in the group and in all its projects
// (projects inherit their group's membership). Instance admins may do
// everything; actAdmin is theirs alone. planningRoles lets members with a
// planning role take some actions below these levels.
var minAccess = map[action]int{
	actRead:            cairn.AccessGuest,
	actCreateIssue:     cairn.AccessGuest,
	actCreateNote:      cairn.AccessGuest,
	actUpdateIssue:     cairn.AccessReporter,
	actDeleteIssue:     cairn.AccessOwner,
	actModerateNotes:   cairn.AccessMaintainer,
	actAdminLabels:     cairn.AccessReporter,
	actAdminMilestones: cairn.AccessReporter,
	actAdminMembers:    cairn.AccessMaintainer,
	actCreateProject:   cairn.AccessMaintainer,
	actAdminGroup:      cairn.AccessOwner,
	actReadPlanning:    cairn.AccessGuest,
	actProposePlanning: cairn.AccessReporter,
	actManagePlanning:  cairn.AccessOwner,
	actManageTemplates: cairn.AccessReporter,

	actReadStatusUpdates: cairn.AccessGuest,
	actPostStatusUpdate:  cairn.AccessReporter,
}

// planningRoles grants actions to members by their planning role, whatever
// their access level: planning belongs to the engineering and product
// managers (planning-model.md), who are not always the group's owners.
var planningRoles = map[action][]string{
	actManagePlanning: {cairn.RoleEngineeringManager, cairn.RoleProductManager},
}

// membersOnly are the actions whose resources a non-member may not even
// see, whatever the group's visibility (404): a team's capacity, time off
// and plans are its own business, not part of a public project.
var membersOnly = map[action]bool{actReadPlanning: true, actProposePlanning: true, actManagePlanning: true,
	actReadStatusUpdates: true, actPostStatusUpdate: true}

// readActions are the actions a read_api token may take.
var readActions = map[action]bool{actRead: true, actReadPlanning: true, actReadStatusUpdates: true}

// openToNonMembers are the actions a signed-in user who is not a member may
// take in an internal or public group, as GitLab lets any signed-in user
// read such projects and open issues and comment there. Private groups show
// non-members nothing (404, never 403, so that their existence does not
// leak).
var openToNonMembers = map[action]bool{actRead: true, actCreateIssue: true, actCreateNote: true}

// can reports whether user u, with access level (0 for a non-member) in a
// group or project of the given visibility, may take act. It does not know
// u's planning role; canAs does.
func can(u *cairn.User, level int, visibility string, act action) bool {
	return canAs(u, level, "", visibility, act)
}

// canAs is can for a member with a planning role ("" for none).
func canAs(u *cairn.User, level int, role, visibility string, act action) bool {
	if u == nil {
		return false
	}
	if u.IsAdmin {
		return true
	}
	if act == actAdmin {
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

// scopeAllows reports whether the request's token may take act: read_api
// tokens only read. (The server refuses their write requests before they
// get here; this keeps the rule true for every caller of authorize.)
func scopeAllows(ctx context.Context, act action) bool {
	t := TokenFromContext(ctx)
	return readActions[act] || t == nil || t.CanWrite()
}

// accessLevel returns the user's access level in a group, 0 for none.
func (a *API) accessLevel(ctx context.Context, u *cairn.User, groupID int64) (int, error) {
	level, _, err := a.membership(ctx, u, groupID)
	return level, err
}

// membership returns the user's access level (0 for none) and planning
// role ("" for none) in a group.
func (a *API) membership(ctx context.Context, u *cairn.User, groupID int64) (int, string, error) {
	m, err := a.svc.Member(ctx, groupID, u.ID)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return cairn.AccessNone, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	return m.AccessLevel, m.PlanningRole, nil
}

// authorize checks act for u in a group or project of that visibility where
// u has level: ENOTFOUND (notFound, "Project" or "Group") when u may not
// even see it, EFORBIDDEN when u may see it but not do this.
func authorize(ctx context.Context, u *cairn.User, level int, visibility, notFound string, act action) error {
	return authorizeAs(ctx, u, level, "", visibility, notFound, act)
}

// authorizeAs is authorize for a member with a planning role. Members-only
// actions are ENOTFOUND for non-members, as if the thing did not exist.
func authorizeAs(ctx context.Context, u *cairn.User, level int, role, visibility, notFound string, act action) error {
	if !can(u, level, visibility, actRead) {
		return cairn.NotFound(notFound)
	}
	if membersOnly[act] && level == cairn.AccessNone && (u == nil || !u.IsAdmin) {
		return cairn.NotFound(notFound)
	}
	if !canAs(u, level, role, visibility, act) || !scopeAllows(ctx, act) {
		return errForbidden
	}
	return nil
}

// groupScope is a group the request acts in, with the caller's level and
// planning role.
type groupScope struct {
	group *cairn.Group
	user  *cairn.User
	level int
	role  string
}

// projectScope is a project the request acts in, with the caller's level
// and planning role (its group's membership).
type projectScope struct {
	project *cairn.Project
	user    *cairn.User
	level   int
	role    string
}

// can reports whether the caller may take act in the project.
func (s *projectScope) can(act action) bool {
	return canAs(s.user, s.level, s.role, s.project.Visibility, act)
}

// require returns EFORBIDDEN unless the caller may take act in the project.
func (s *projectScope) require(ctx context.Context, act action) error {
	return authorizeAs(ctx, s.user, s.level, s.role, s.project.Visibility, "Project", act)
}

// can reports whether the caller may take act in the group.
func (s *groupScope) can(act action) bool {
	return canAs(s.user, s.level, s.role, s.group.Visibility, act)
}

// require returns EFORBIDDEN unless the caller may take act in the group.
func (s *groupScope) require(ctx context.Context, act action) error {
	return authorizeAs(ctx, s.user, s.level, s.role, s.group.Visibility, "Group", act)
}

// findGroup resolves a group id or full path ("cairn" or "12").
func (a *API) findGroup(ctx context.Context, idOrPath string) (*cairn.Group, error) {
	if id, err := strconv.ParseInt(idOrPath, 10, 64); err == nil {
		return a.svc.GroupByID(ctx, id)
	}
	if idOrPath == "" {
		return nil, cairn.NotFound("Group")
	}
	return a.svc.GroupByPath(ctx, idOrPath)
}

// findProject resolves a project id or full path ("grp/proj"; ServeMux hands
// over the decoded "grp%2Fproj").
func (a *API) findProject(ctx context.Context, idOrPath string) (*cairn.Project, error) {
	if id, err := strconv.ParseInt(idOrPath, 10, 64); err == nil {
		return a.svc.ProjectByID(ctx, id)
	}
	if !strings.Contains(idOrPath, "/") {
		return nil, cairn.NotFound("Project")
	}
	return a.svc.ProjectByPath(ctx, idOrPath)
}

// groupFor loads the group named by the {id} path value and checks that the
// caller may take act there: 404 "Group Not Found" if the group does not
// exist or the caller may not see it, 403 if the caller may see but not act.
func (a *API) groupFor(r *http.Request, act action) (*groupScope, error) {
	ctx := r.Context()
	u, err := currentUser(r)
	if err != nil {
		return nil, err
	}
	g, err := a.findGroup(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	level, role, err := a.membership(ctx, u, g.ID)
	if err != nil {
		return nil, err
	}
	s := &groupScope{group: g, user: u, level: level, role: role}
	return s, s.require(ctx, act)
}

// projectFor loads the project named by the {id} path value and checks act
// as groupFor does, with "404 Project Not Found".
func (a *API) projectFor(r *http.Request, act action) (*projectScope, error) {
	return a.projectScope(r, r.PathValue("id"), act)
}

// projectScope loads a project by id or path and checks act.
func (a *API) projectScope(r *http.Request, idOrPath string, act action) (*projectScope, error) {
	ctx := r.Context()
	u, err := currentUser(r)
	if err != nil {
		return nil, err
	}
	p, err := a.findProject(ctx, idOrPath)
	if err != nil {
		return nil, err
	}
	level, role, err := a.membership(ctx, u, p.GroupID)
	if err != nil {
		return nil, err
	}
	if p.Visibility == "" && p.Group != nil {
		p.Visibility = p.Group.Visibility
	}
	s := &projectScope{project: p, user: u, level: level, role: role}
	return s, s.require(ctx, act)
}

// requireAdmin returns EFORBIDDEN unless the caller is an instance admin
// with a token that may write.
func requireAdmin(r *http.Request) error {
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	if !can(u, 0, "", actAdmin) || !scopeAllows(r.Context(), actAdmin) {
		return errForbidden
	}
	return nil
}

// seesConfidential reports whether the caller may see a confidential issue:
// reporters and up, and its author and assignees, as in GitLab.
func (s *projectScope) seesConfidential(i *cairn.Issue) bool {
	if !i.Confidential || s.user.IsAdmin || s.level >= cairn.AccessReporter {
		return true
	}
	if i.Author != nil && i.Author.ID == s.user.ID {
		return true
	}
	for _, u := range i.Assignees {
		if u.ID == s.user.ID {
			return true
		}
	}
	return false
}

// CanManagePlanning reports whether u, a member of a group with membership
// m (nil for none), may change its planning settings, finalise its plans and
// apply Deliverable or Stretch: the matrix's rule for actManagePlanning, for
// callers outside HTTP such as `cairn plan finalize`.
func CanManagePlanning(u *cairn.User, m *cairn.Member) bool {
	if m == nil {
		return u != nil && u.IsAdmin
	}
	return canAs(u, m.AccessLevel, m.PlanningRole, cairn.VisibilityPrivate, actManagePlanning)
}

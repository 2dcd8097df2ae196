package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
)

// action is an action of the permission matrix (internal/access).
type action = access.Action

// The actions, by their API names.
const (
	actRead              = access.Read
	actCreateIssue       = access.CreateIssue
	actCreateNote        = access.CreateNote
	actUpdateIssue       = access.UpdateIssue
	actDeleteIssue       = access.DeleteIssue
	actModerateNotes     = access.ModerateNotes
	actAdminLabels       = access.AdminLabels
	actAdminMilestones   = access.AdminMilestones
	actAdminMembers      = access.AdminMembers
	actCreateProject     = access.CreateProject
	actAdminGroup        = access.AdminGroup
	actAdmin             = access.Admin
	actReadPlanning      = access.ReadPlanning
	actProposePlanning   = access.ProposePlanning
	actManagePlanning    = access.ManagePlanning
	actManageTemplates   = access.ManageTemplates
	actReadStatusUpdates = access.ReadStatusUpdates
	actPostStatusUpdate  = access.PostStatusUpdate
	actManageWebhooks    = access.ManageWebhooks
	actReadAudit         = access.ReadAudit
)

// can reports whether user u, with access level (0 for a non-member) in a
// group or project of the given visibility, may take act.
func can(u *cairn.User, level int, visibility string, act action) bool {
	return access.Can(u, level, "", visibility, act)
}

// canAs is can for a member with a planning role ("" for none).
func canAs(u *cairn.User, level int, role, visibility string, act action) bool {
	return access.Can(u, level, role, visibility, act)
}

// scopeAllows reports whether the request's token may take act: read_api
// tokens only read. (The server refuses their write requests before they
// get here; this keeps the rule true for every caller of authorize.)
func scopeAllows(ctx context.Context, act action) bool {
	t := TokenFromContext(ctx)
	return access.ReadOnly(act) || t == nil || t.CanWrite()
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
	if access.MembersOnly(act) && level == cairn.AccessNone && (u == nil || !u.IsAdmin) {
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
	return access.SeesConfidential(s.user, s.level, i)
}

// hiddenIssues returns the ids, among ids, of the issues the group's
// caller may not see (confidential ones, for guests); nil when the caller
// sees every confidential issue.
func (a *API) hiddenIssues(ctx context.Context, g *groupScope, ids []int64) (map[int64]bool, error) {
	if g.user.IsAdmin || g.level >= cairn.AccessReporter || len(ids) == 0 {
		return nil, nil
	}
	byID, ok := a.svc.(interface {
		IssuesByIDs(ctx context.Context, ids []int64) (map[int64]*cairn.Issue, error)
	})
	if !ok {
		return nil, &cairn.Error{Code: cairn.EINTERNAL, Message: "issue lookup unavailable"}
	}
	issues, err := byID.IssuesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	hidden := map[int64]bool{}
	for id, is := range issues {
		if !access.SeesConfidential(g.user, g.level, is) {
			hidden[id] = true
		}
	}
	return hidden, nil
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

package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
)

// teamScope is the group a page is in, with the signed-in user's access
// level and planning role there.
type teamScope struct {
	Group *cairn.Group
	User  *cairn.User
	Level int
	Role  string
}

// Can reports whether the user may take act in the group (templates use
// it to show only the buttons that work).
func (s *teamScope) Can(act access.Action) bool {
	return access.Can(s.User, s.Level, s.Role, s.Group.Visibility, act)
}

// membership returns the user's access level (0 for none) and planning
// role in a group.
func (w *Web) membership(ctx context.Context, u *cairn.User, groupID int64) (int, string, error) {
	m, err := w.store.Member(ctx, groupID, u.ID)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return cairn.AccessNone, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	return m.AccessLevel, m.PlanningRole, nil
}

// team loads the group of the {group} path value and checks that the user
// may take act there: ENOTFOUND when the group does not exist or the user
// may not see it (or act is for members only and they are not one),
// EFORBIDDEN when they may see it but not do this.
func (w *Web) team(r *http.Request, act access.Action) (*teamScope, error) {
	ctx := r.Context()
	u := userFrom(ctx)
	if u == nil {
		return nil, &cairn.Error{Code: cairn.EUNAUTHORIZED}
	}
	g, err := w.store.GroupByPath(ctx, r.PathValue("group"))
	if err != nil {
		return nil, err
	}
	level, role, err := w.membership(ctx, u, g.ID)
	if err != nil {
		return nil, err
	}
	s := &teamScope{Group: g, User: u, Level: level, Role: role}
	if err := check(u, level, role, g.Visibility, act); err != nil {
		return nil, err
	}
	return s, nil
}

// projectScope is the project a page is in, with the user's access there
// (its group's membership).
type projectScope struct {
	teamScope
	Project *cairn.Project
}

// project loads the project of the {group}/{project} path values and checks
// act as team does.
func (w *Web) project(r *http.Request, act access.Action) (*projectScope, error) {
	ctx := r.Context()
	u := userFrom(ctx)
	if u == nil {
		return nil, &cairn.Error{Code: cairn.EUNAUTHORIZED}
	}
	p, err := w.store.ProjectByPath(ctx, r.PathValue("group")+"/"+r.PathValue("project"))
	if err != nil {
		return nil, err
	}
	g, err := w.store.GroupByID(ctx, p.GroupID)
	if err != nil {
		return nil, err
	}
	level, role, err := w.membership(ctx, u, p.GroupID)
	if err != nil {
		return nil, err
	}
	vis := p.Visibility
	if vis == "" {
		vis = g.Visibility
	}
	if err := check(u, level, role, vis, act); err != nil {
		return nil, err
	}
	return &projectScope{teamScope: teamScope{Group: g, User: u, Level: level, Role: role}, Project: p}, nil
}

// check applies the matrix: not found when the user may not see the
// place (or act is members-only and they are not one), forbidden when
// they may see it but not take act.
func check(u *cairn.User, level int, role, visibility string, act access.Action) error {
	if !access.Can(u, level, role, visibility, access.Read) {
		return cairn.NotFound("Group")
	}
	if access.MembersOnly(act) && level == cairn.AccessNone && !u.IsAdmin {
		return cairn.NotFound("Group")
	}
	if !access.Can(u, level, role, visibility, act) {
		return &cairn.Error{Code: cairn.EFORBIDDEN}
	}
	return nil
}

// seesConfidential reports whether the user may see a confidential issue:
// reporters and up, its author and its assignees, as in GitLab.
func (s *teamScope) seesConfidential(i *cairn.Issue) bool {
	if !i.Confidential || s.User.IsAdmin || s.Level >= cairn.AccessReporter {
		return true
	}
	if i.Author != nil && i.Author.ID == s.User.ID {
		return true
	}
	for _, a := range i.Assignees {
		if a.ID == s.User.ID {
			return true
		}
	}
	return false
}

// pathInt parses a numeric path value; ENOTFOUND when it is not a number.
func pathInt(r *http.Request, name, what string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, cairn.NotFound(what)
	}
	return n, nil
}

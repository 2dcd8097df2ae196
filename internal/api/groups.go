package api

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
)

// ListGroups serves GET /groups: the groups the caller can see (all for
// admins), ordered by path; search= filters by name or path.
func (a *API) ListGroups(w http.ResponseWriter, r *http.Request) error {
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.GroupFilter{VisibleTo: u.ID, Admin: u.IsAdmin, Page: p.Page()}
	f.Search, _ = p.String("search")
	if err := p.Err(); err != nil {
		return err
	}
	groups, total, err := a.svc.ListGroups(r.Context(), f)
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]groupJSON, 0, len(groups))
	for _, g := range groups {
		out = append(out, v.group(g))
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// GetGroup serves GET /groups/{id}, by id or URL-encoded path.
func (a *API) GetGroup(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r).group(s.group))
	return nil
}

// CreateGroup serves POST /groups: any signed-in user may create a group
// and becomes its owner. Takes name, path, description, visibility.
func (a *API) CreateGroup(w http.ResponseWriter, r *http.Request) error {
	if _, err := currentUser(r); err != nil {
		return err
	}
	if !scopeAllows(r.Context(), actAdminGroup) {
		return errForbidden
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var c cairn.GroupCreate
	c.Name, _ = p.String("name")
	c.Path, _ = p.String("path")
	c.Description, _ = p.String("description")
	c.Visibility, _ = p.String("visibility")
	if err := p.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	g, err := a.svc.CreateGroup(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.view(r).group(g))
	return nil
}

// ListGroupMembers serves GET /groups/{id}/members, ordered by username.
func (a *API) ListGroupMembers(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	page := p.Page()
	if err := p.Err(); err != nil {
		return err
	}
	members, total, err := a.svc.ListMembers(r.Context(), s.group.ID, page)
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]memberJSON, 0, len(members))
	for _, m := range members {
		out = append(out, v.member(m))
	}
	a.writeList(w, r, page, total, out, len(out))
	return nil
}

// memberUserID parses the {user_id} path value.
func memberUserID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("user_id"), 10, 64)
	if err != nil {
		return 0, cairn.NotFound("Member")
	}
	return id, nil
}

// GetGroupMember serves GET /groups/{id}/members/{user_id}.
func (a *API) GetGroupMember(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	uid, err := memberUserID(r)
	if err != nil {
		return err
	}
	m, err := a.svc.Member(r.Context(), s.group.ID, uid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r).member(m))
	return nil
}

// requireOwnerFor refuses to let a maintainer hand out or touch the owner
// level: only owners (and admins) manage owners, as in GitLab.
func (s *groupScope) requireOwnerFor(levels ...int) error {
	if !access.ManagesLevels(s.user, s.level, levels...) {
		return errForbidden
	}
	return nil
}

// AddGroupMember serves POST /groups/{id}/members: user_id (or username), access_level,
// and Cairn's planning_role, capacity_factor and joined_at.
func (a *API) AddGroupMember(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actAdminMembers)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	m := cairn.MemberInput{GroupID: s.group.ID}
	m.UserID, _ = p.Int64("user_id")
	username, _ := p.String("username")
	m.AccessLevel, _ = p.Int("access_level")
	m.PlanningRole, _ = p.String("planning_role")
	if f, ok := p.Float("capacity_factor"); ok {
		m.CapacityFactor = &f
	}
	m.JoinedAt, _ = p.Date("joined_at")
	if err := p.Err(); err != nil {
		return err
	}
	if m.UserID == 0 && username != "" {
		u, err := a.svc.UserByUsername(r.Context(), username)
		if err != nil {
			return err
		}
		m.UserID = u.ID
	}
	if err := m.Validate(a.svc.Today()); err != nil {
		return err
	}
	if err := s.requireOwnerFor(m.AccessLevel); err != nil {
		return err
	}
	if _, err := a.svc.UserByID(r.Context(), m.UserID); err != nil {
		return err
	}
	member, err := a.svc.AddMember(r.Context(), m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.view(r).member(member))
	return nil
}

// UpdateGroupMember serves PUT /groups/{id}/members/{user_id}.
func (a *API) UpdateGroupMember(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actAdminMembers)
	if err != nil {
		return err
	}
	uid, err := memberUserID(r)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var u cairn.MemberUpdate
	if n, ok := p.Int("access_level"); ok {
		u.AccessLevel = &n
	}
	if s, ok := p.String("planning_role"); ok {
		u.PlanningRole = &s
	}
	if f, ok := p.Float("capacity_factor"); ok {
		u.CapacityFactor = &f
	}
	if d, ok := p.Date("joined_at"); ok {
		u.JoinedAt = &d
	}
	if err := p.Err(); err != nil {
		return err
	}
	if u.AccessLevel == nil && u.PlanningRole == nil && u.CapacityFactor == nil && u.JoinedAt == nil {
		return &cairn.Error{Code: cairn.EINVALID, Param: "access_level", Message: "access_level, planning_role, capacity_factor, joined_at are missing, at least one parameter must be provided"}
	}
	if err := u.Validate(); err != nil {
		return err
	}
	cur, err := a.svc.Member(r.Context(), s.group.ID, uid)
	if err != nil {
		return err
	}
	levels := []int{cur.AccessLevel}
	if u.AccessLevel != nil {
		levels = append(levels, *u.AccessLevel)
	}
	if err := s.requireOwnerFor(levels...); err != nil {
		return err
	}
	m, err := a.svc.UpdateMember(r.Context(), s.group.ID, uid, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r).member(m))
	return nil
}

// RemoveGroupMember serves DELETE /groups/{id}/members/{user_id}. Members
// may also leave on their own.
func (a *API) RemoveGroupMember(w http.ResponseWriter, r *http.Request) error {
	uid, err := memberUserID(r)
	if err != nil {
		return err
	}
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	if uid != s.user.ID || !scopeAllows(r.Context(), actAdminMembers) {
		if err := s.require(r.Context(), actAdminMembers); err != nil {
			return err
		}
	}
	cur, err := a.svc.Member(r.Context(), s.group.ID, uid)
	if err != nil {
		return err
	}
	if uid != s.user.ID {
		if err := s.requireOwnerFor(cur.AccessLevel); err != nil {
			return err
		}
	}
	if err := a.svc.RemoveMember(r.Context(), s.group.ID, uid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
)

// milestoneOwner is where a milestone request acts: a project or a group.
// The project and group endpoints share their handlers through it.
type milestoneOwner struct {
	projectID, groupID int64
	// parentGroupID is a project's group, whose milestones the project
	// can read.
	parentGroupID int64
	user          *cairn.User
	level         int
	require       func(context.Context, action) error
	remember      func(v *view)
}

func (a *API) projectMilestoneOwner(r *http.Request) (*milestoneOwner, error) {
	s, err := a.projectFor(r, actRead)
	if err != nil {
		return nil, err
	}
	return &milestoneOwner{
		projectID: s.project.ID, parentGroupID: s.project.GroupID, user: s.user, level: s.level,
		require: s.require, remember: func(v *view) { v.remember(s.project) },
	}, nil
}

func (a *API) groupMilestoneOwner(r *http.Request) (*milestoneOwner, error) {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return nil, err
	}
	return &milestoneOwner{
		groupID: s.group.ID, user: s.user, level: s.level,
		require: s.require, remember: func(v *view) { v.groups[s.group.ID] = s.group },
	}, nil
}

// find loads {milestone_id}; own says whether it must be the owner's own
// (for changes) or may also be the project's group's (for reading).
func (o *milestoneOwner) find(r *http.Request, svc Services, own bool) (*cairn.Milestone, error) {
	id, err := strconv.ParseInt(r.PathValue("milestone_id"), 10, 64)
	if err != nil {
		return nil, cairn.NotFound("Milestone")
	}
	m, err := svc.MilestoneByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	switch {
	case o.projectID != 0 && m.ProjectID != nil && *m.ProjectID == o.projectID:
	case o.groupID != 0 && m.GroupID != nil && *m.GroupID == o.groupID:
	case !own && o.parentGroupID != 0 && m.GroupID != nil && *m.GroupID == o.parentGroupID:
	default:
		return nil, cairn.NotFound("Milestone")
	}
	return m, nil
}

func (a *API) writeMilestone(w http.ResponseWriter, r *http.Request, o *milestoneOwner, m *cairn.Milestone, status int) error {
	v := a.view(r)
	o.remember(v)
	j, err := v.milestone(m)
	if err != nil {
		return err
	}
	writeJSON(w, status, j)
	return nil
}

func (a *API) listMilestones(w http.ResponseWriter, r *http.Request, o *milestoneOwner) error {
	ctx := r.Context()
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.MilestoneFilter{Page: p.Page()}
	f.State, _ = p.String("state")
	f.Title, _ = p.String("title")
	f.Search, _ = p.String("search")
	f.IIDs, _ = p.IntList("iids")
	f.IncludeAncestors, _ = p.Bool("include_ancestors")
	if inc, ok := p.Bool("include_parent_milestones"); ok && inc {
		f.IncludeAncestors = true
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	var ms []*cairn.Milestone
	var total cairn.Total
	if o.projectID != 0 {
		ms, total, err = a.svc.ListProjectMilestones(ctx, o.projectID, f)
	} else {
		ms, total, err = a.svc.ListGroupMilestones(ctx, o.groupID, f)
	}
	if err != nil {
		return err
	}
	v := a.view(r)
	o.remember(v)
	out := make([]*milestoneJSON, 0, len(ms))
	for _, m := range ms {
		j, err := v.milestone(m)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

func (a *API) getMilestone(w http.ResponseWriter, r *http.Request, o *milestoneOwner) error {
	m, err := o.find(r, a.svc, false)
	if err != nil {
		return err
	}
	return a.writeMilestone(w, r, o, m, http.StatusOK)
}

func (a *API) createMilestone(w http.ResponseWriter, r *http.Request, o *milestoneOwner) error {
	if err := o.require(r.Context(), actAdminMilestones); err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	c := cairn.MilestoneCreate{ProjectID: o.projectID, GroupID: o.groupID}
	c.Title, _ = p.String("title")
	c.Description, _ = p.String("description")
	c.StartDate, _ = p.Date("start_date")
	c.DueDate, _ = p.Date("due_date")
	if err := p.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	m, err := a.svc.CreateMilestone(r.Context(), c)
	if err != nil {
		return err
	}
	return a.writeMilestone(w, r, o, m, http.StatusCreated)
}

func (a *API) updateMilestone(w http.ResponseWriter, r *http.Request, o *milestoneOwner) error {
	ctx := r.Context()
	if err := o.require(ctx, actAdminMilestones); err != nil {
		return err
	}
	m, err := o.find(r, a.svc, true)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var u cairn.MilestoneUpdate
	if s, ok := p.String("title"); ok {
		u.Title = &s
	}
	if s, ok := p.String("description"); ok {
		u.Description = &s
	}
	u.StartDate = p.OptDate("start_date")
	u.DueDate = p.OptDate("due_date")
	u.StateEvent, _ = p.String("state_event")
	if err := p.Err(); err != nil {
		return err
	}
	if u.Title == nil && u.Description == nil && !u.StartDate.Set && !u.DueDate.Set && u.StateEvent == "" {
		return &cairn.Error{Code: cairn.EINVALID, Param: "title", Message: "title, description, due_date, start_date, state_event are missing, at least one parameter must be provided"}
	}
	if err := u.Validate(m); err != nil {
		return err
	}
	m, err = a.svc.UpdateMilestone(ctx, m.ID, u)
	if err != nil {
		return err
	}
	return a.writeMilestone(w, r, o, m, http.StatusOK)
}

func (a *API) deleteMilestone(w http.ResponseWriter, r *http.Request, o *milestoneOwner) error {
	ctx := r.Context()
	if err := o.require(ctx, actAdminMilestones); err != nil {
		return err
	}
	m, err := o.find(r, a.svc, true)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteMilestone(ctx, m.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) milestoneIssues(w http.ResponseWriter, r *http.Request, o *milestoneOwner) error {
	m, err := o.find(r, a.svc, false)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.IssueFilter{MilestoneID: m.ID, ProjectID: o.projectID, GroupID: o.groupID, Page: p.Page()}
	if err := p.Err(); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	hideConfidential(&f, o.user, o.level)
	v := a.view(r)
	o.remember(v)
	return a.listIssues(w, r, f, false, v)
}

// ListProjectMilestones serves GET /projects/{id}/milestones: state, title,
// search, iids[], include_ancestors (the group's milestones too).
func (a *API) ListProjectMilestones(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.listMilestones(w, r, o)
}

// GetProjectMilestone serves GET /projects/{id}/milestones/{milestone_id}.
func (a *API) GetProjectMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.getMilestone(w, r, o)
}

// CreateProjectMilestone serves POST /projects/{id}/milestones: title,
// description, start_date, due_date.
func (a *API) CreateProjectMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.createMilestone(w, r, o)
}

// UpdateProjectMilestone serves PUT /projects/{id}/milestones/{milestone_id}:
// title, description, start_date, due_date, state_event=close|activate.
func (a *API) UpdateProjectMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.updateMilestone(w, r, o)
}

// DeleteProjectMilestone serves DELETE /projects/{id}/milestones/{milestone_id}.
func (a *API) DeleteProjectMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.deleteMilestone(w, r, o)
}

// ProjectMilestoneIssues serves GET /projects/{id}/milestones/{milestone_id}/issues.
func (a *API) ProjectMilestoneIssues(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.milestoneIssues(w, r, o)
}

// ListGroupMilestones serves GET /groups/{id}/milestones.
func (a *API) ListGroupMilestones(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.listMilestones(w, r, o)
}

// GetGroupMilestone serves GET /groups/{id}/milestones/{milestone_id}.
func (a *API) GetGroupMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.getMilestone(w, r, o)
}

// CreateGroupMilestone serves POST /groups/{id}/milestones.
func (a *API) CreateGroupMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.createMilestone(w, r, o)
}

// UpdateGroupMilestone serves PUT /groups/{id}/milestones/{milestone_id}.
func (a *API) UpdateGroupMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.updateMilestone(w, r, o)
}

// DeleteGroupMilestone serves DELETE /groups/{id}/milestones/{milestone_id}.
func (a *API) DeleteGroupMilestone(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.deleteMilestone(w, r, o)
}

// GroupMilestoneIssues serves GET /groups/{id}/milestones/{milestone_id}/issues.
func (a *API) GroupMilestoneIssues(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupMilestoneOwner(r)
	if err != nil {
		return err
	}
	return a.milestoneIssues(w, r, o)
}

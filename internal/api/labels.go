package api

import (
	"context"
	"net/http"

	"github.com/cairnhq/cairn"
)

// labelOwner is where a label request acts: a project or a group. The
// project and group label endpoints share their handlers through it.
type labelOwner struct {
	projectID, groupID int64
	require            func(context.Context, action) error
}

func (a *API) projectLabelOwner(r *http.Request) (*labelOwner, error) {
	s, err := a.projectFor(r, actRead)
	if err != nil {
		return nil, err
	}
	return &labelOwner{projectID: s.project.ID, require: s.require}, nil
}

func (a *API) groupLabelOwner(r *http.Request) (*labelOwner, error) {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return nil, err
	}
	return &labelOwner{groupID: s.group.ID, require: s.require}, nil
}

func (o *labelOwner) find(ctx context.Context, svc Services, idOrName string) (*cairn.Label, error) {
	if o.projectID != 0 {
		return svc.FindProjectLabel(ctx, o.projectID, idOrName)
	}
	return svc.FindGroupLabel(ctx, o.groupID, idOrName)
}

// counts returns the issue counts of labels for with_counts.
func (a *API) labelCounts(ctx context.Context, ls []*cairn.Label) (map[int64]cairn.LabelCount, error) {
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return a.svc.LabelCounts(ctx, ids)
}

func (a *API) listLabels(w http.ResponseWriter, r *http.Request, o *labelOwner) error {
	ctx := r.Context()
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.LabelFilter{Page: p.Page()}
	f.Search, _ = p.String("search")
	withCounts, _ := p.Bool("with_counts")
	if inc, ok := p.Bool("include_ancestor_groups"); ok {
		f.OnlyOwn = !inc
	}
	if err := p.Err(); err != nil {
		return err
	}
	var ls []*cairn.Label
	var total cairn.Total
	if o.projectID != 0 {
		ls, total, err = a.svc.ListProjectLabels(ctx, o.projectID, f)
	} else {
		ls, total, err = a.svc.ListGroupLabels(ctx, o.groupID, f)
	}
	if err != nil {
		return err
	}
	var counts map[int64]cairn.LabelCount
	if withCounts {
		if counts, err = a.labelCounts(ctx, ls); err != nil {
			return err
		}
	}
	out := make([]labelJSON, 0, len(ls))
	for _, l := range ls {
		var c *cairn.LabelCount
		if withCounts {
			lc := counts[l.ID]
			c = &lc
		}
		out = append(out, labelOf(l, c))
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// writeLabel renders one label with its counts, as GitLab shows single labels.
func (a *API) writeLabel(w http.ResponseWriter, r *http.Request, l *cairn.Label, status int) error {
	counts, err := a.labelCounts(r.Context(), []*cairn.Label{l})
	if err != nil {
		return err
	}
	c := counts[l.ID]
	writeJSON(w, status, labelOf(l, &c))
	return nil
}

func (a *API) getLabel(w http.ResponseWriter, r *http.Request, o *labelOwner) error {
	l, err := o.find(r.Context(), a.svc, r.PathValue("label_id"))
	if err != nil {
		return err
	}
	return a.writeLabel(w, r, l, http.StatusOK)
}

func (a *API) createLabel(w http.ResponseWriter, r *http.Request, o *labelOwner) error {
	if err := o.require(r.Context(), actAdminLabels); err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	c := cairn.LabelCreate{ProjectID: o.projectID, GroupID: o.groupID}
	c.Name, _ = p.String("name")
	c.Color, _ = p.String("color")
	c.Description, _ = p.String("description")
	if n, ok := p.Int("priority"); ok {
		c.Priority = &n
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	l, err := a.svc.CreateLabel(r.Context(), c)
	if err != nil {
		return err
	}
	return a.writeLabel(w, r, l, http.StatusCreated)
}

func (a *API) updateLabel(w http.ResponseWriter, r *http.Request, o *labelOwner) error {
	ctx := r.Context()
	if err := o.require(ctx, actAdminLabels); err != nil {
		return err
	}
	l, err := o.find(ctx, a.svc, r.PathValue("label_id"))
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var u cairn.LabelUpdate
	if s, ok := p.String("new_name"); ok {
		u.NewName = &s
	}
	if s, ok := p.String("color"); ok {
		u.Color = &s
	}
	if s, ok := p.String("description"); ok {
		u.Description = &s
	}
	u.Priority = p.OptInt("priority")
	if err := p.Err(); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	l, err = a.svc.UpdateLabel(ctx, l.ID, u)
	if err != nil {
		return err
	}
	return a.writeLabel(w, r, l, http.StatusOK)
}

func (a *API) deleteLabel(w http.ResponseWriter, r *http.Request, o *labelOwner) error {
	ctx := r.Context()
	if err := o.require(ctx, actAdminLabels); err != nil {
		return err
	}
	l, err := o.find(ctx, a.svc, r.PathValue("label_id"))
	if err != nil {
		return err
	}
	if err := a.svc.DeleteLabel(ctx, l.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ListProjectLabels serves GET /projects/{id}/labels: the project's labels
// and, unless include_ancestor_groups=false, its group's; with_counts adds
// issue counts; search filters by name.
func (a *API) ListProjectLabels(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectLabelOwner(r)
	if err != nil {
		return err
	}
	return a.listLabels(w, r, o)
}

// GetProjectLabel serves GET /projects/{id}/labels/{label_id}, by id or name.
func (a *API) GetProjectLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectLabelOwner(r)
	if err != nil {
		return err
	}
	return a.getLabel(w, r, o)
}

// CreateProjectLabel serves POST /projects/{id}/labels: name, color,
// description, priority. 409 if the name is taken.
func (a *API) CreateProjectLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectLabelOwner(r)
	if err != nil {
		return err
	}
	return a.createLabel(w, r, o)
}

// UpdateProjectLabel serves PUT /projects/{id}/labels/{label_id}: new_name,
// color, description, priority (null clears).
func (a *API) UpdateProjectLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectLabelOwner(r)
	if err != nil {
		return err
	}
	return a.updateLabel(w, r, o)
}

// DeleteProjectLabel serves DELETE /projects/{id}/labels/{label_id}.
func (a *API) DeleteProjectLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.projectLabelOwner(r)
	if err != nil {
		return err
	}
	return a.deleteLabel(w, r, o)
}

// ListGroupLabels serves GET /groups/{id}/labels.
func (a *API) ListGroupLabels(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupLabelOwner(r)
	if err != nil {
		return err
	}
	return a.listLabels(w, r, o)
}

// GetGroupLabel serves GET /groups/{id}/labels/{label_id}, by id or name.
func (a *API) GetGroupLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupLabelOwner(r)
	if err != nil {
		return err
	}
	return a.getLabel(w, r, o)
}

// CreateGroupLabel serves POST /groups/{id}/labels.
func (a *API) CreateGroupLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupLabelOwner(r)
	if err != nil {
		return err
	}
	return a.createLabel(w, r, o)
}

// UpdateGroupLabel serves PUT /groups/{id}/labels/{label_id}.
func (a *API) UpdateGroupLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupLabelOwner(r)
	if err != nil {
		return err
	}
	return a.updateLabel(w, r, o)
}

// DeleteGroupLabel serves DELETE /groups/{id}/labels/{label_id}.
func (a *API) DeleteGroupLabel(w http.ResponseWriter, r *http.Request) error {
	o, err := a.groupLabelOwner(r)
	if err != nil {
		return err
	}
	return a.deleteLabel(w, r, o)
}

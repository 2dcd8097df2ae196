package api

import (
	"net/http"

	"github.com/cairnhq/cairn"
)

// ListGroupProjects serves GET /groups/{id}/projects: the group's projects
// the caller can see, with search, simple, order_by, sort and archived, as
// GET /projects takes them. Cairn's groups have no subgroups and share no
// projects, so include_subgroups and with_shared change nothing.
func (a *API) ListGroupProjects(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.ProjectFilter{VisibleTo: s.user.ID, Admin: s.user.IsAdmin, GroupID: s.group.ID, Page: p.Page()}
	simple, archived, err := projectListOptions(p, &f)
	if err != nil {
		return err
	}
	var projects []*cairn.Project
	var total cairn.Total
	if !archived { // nothing is archived in Cairn
		if projects, total, err = a.svc.ListProjects(ctx, f); err != nil {
			return err
		}
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	out := make([]projectJSON, 0, len(projects))
	for _, pr := range projects {
		if pr.Group == nil {
			pr.Group = s.group
		}
		j, err := a.renderProject(ctx, v, pr, s.level, simple)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

package api

import (
	"context"
	"net/http"

	"github.com/cairnhq/cairn"
)

// projectLevels caches the caller's access level per group while a list of
// projects is rendered.
type projectLevels struct {
	a      *API
	user   *cairn.User
	levels map[int64]int
}

func (pl *projectLevels) level(ctx context.Context, groupID int64) (int, error) {
	if l, ok := pl.levels[groupID]; ok {
		return l, nil
	}
	l, err := pl.a.accessLevel(ctx, pl.user, groupID)
	if err != nil {
		return 0, err
	}
	pl.levels[groupID] = l
	return l, nil
}

// openIssuesCount counts a project's open issues for open_issues_count.
func (a *API) openIssuesCount(ctx context.Context, projectID int64) (int, error) {
	_, total, err := a.svc.ListIssues(ctx, cairn.IssueFilter{
		ProjectID: projectID, State: cairn.StateOpened, OrderBy: "created_at", Sort: "desc",
		Page: cairn.Page{Page: 1, PerPage: 1},
	})
	return total.Count, err
}

// renderProject renders a project with the caller's permissions and its
// open issue count (left out in the simple form, which needs neither).
func (a *API) renderProject(ctx context.Context, v *view, p *cairn.Project, level int, simple bool) (projectJSON, error) {
	v.remember(p)
	if simple {
		return v.project(p, true, 0, 0), nil
	}
	n, err := a.openIssuesCount(ctx, p.ID)
	if err != nil {
		return projectJSON{}, err
	}
	return v.project(p, false, level, n), nil
}

// projectOrders maps GitLab's order_by values to the store's.
var projectOrders = map[string]string{
	"": "id", "id": "id", "name": "name", "path": "path", "created_at": "created_at",
	"updated_at": "updated_at", "last_activity_at": "updated_at",
}

// ListProjects serves GET /projects: the projects the caller can see, with
// membership, owned, search, simple, order_by, sort and archived (Cairn
// archives nothing, so archived=true lists nothing).
func (a *API) ListProjects(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.ProjectFilter{VisibleTo: u.ID, Admin: u.IsAdmin, Page: p.Page()}
	f.Membership, _ = p.Bool("membership")
	owned, _ := p.Bool("owned")
	simple, archived, err := projectListOptions(p, &f)
	if err != nil {
		return err
	}
	levels := &projectLevels{a: a, user: u, levels: map[int64]int{}}
	var projects []*cairn.Project
	var total cairn.Total
	switch {
	case archived:
		// Nothing is archived in Cairn.
	case owned:
		projects, total, err = a.ownedProjects(ctx, f, levels)
	default:
		projects, total, err = a.svc.ListProjects(ctx, f)
	}
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]projectJSON, 0, len(projects))
	for _, pr := range projects {
		level, err := levels.level(ctx, pr.GroupID)
		if err != nil {
			return err
		}
		j, err := a.renderProject(ctx, v, pr, level, simple)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// ownedProjects lists the projects of the groups the caller owns. The store
// filters by membership, not by level; a user's projects are few, so the
// owner filter and the page are applied here.
func (a *API) ownedProjects(ctx context.Context, f cairn.ProjectFilter, levels *projectLevels) ([]*cairn.Project, cairn.Total, error) {
	page := f.Page.Normalize()
	all := cairn.ProjectFilter{VisibleTo: f.VisibleTo, Membership: true, Search: f.Search, OrderBy: f.OrderBy, Sort: f.Sort}
	var owned []*cairn.Project
	for n := 1; ; n++ {
		all.Page = cairn.Page{Page: n, PerPage: cairn.MaxPerPage}
		ps, _, err := a.svc.ListProjects(ctx, all)
		if err != nil {
			return nil, cairn.Total{}, err
		}
		for _, p := range ps {
			l, err := levels.level(ctx, p.GroupID)
			if err != nil {
				return nil, cairn.Total{}, err
			}
			if l >= cairn.AccessOwner {
				owned = append(owned, p)
			}
		}
		if len(ps) < cairn.MaxPerPage {
			break
		}
	}
	total := cairn.Total{Count: len(owned)}
	start := min(page.Offset(), len(owned))
	end := min(start+page.PerPage, len(owned))
	return owned[start:end], total, nil
}

// GetProject serves GET /projects/{id}, by id or URL-encoded path.
func (a *API) GetProject(w http.ResponseWriter, r *http.Request) error {
	s, err := a.projectFor(r, actRead)
	if err != nil {
		return err
	}
	j, err := a.renderProject(r.Context(), a.view(r), s.project, s.level, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// CreateProject serves POST /projects: name and/or path, namespace_id (the
// group's id or path), description, visibility. Maintainers and owners of
// the group may create projects.
func (a *API) CreateProject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var c cairn.ProjectCreate
	c.Name, _ = p.String("name")
	c.Path, _ = p.String("path")
	c.Description, _ = p.String("description")
	c.Visibility, _ = p.String("visibility")
	ns, _ := p.String("namespace_id")
	if ns == "" {
		ns, _ = p.String("namespace")
	}
	if err := p.Err(); err != nil {
		return err
	}
	if ns == "" {
		return cairn.Missing("namespace_id")
	}
	g, err := a.findGroup(ctx, ns)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return cairn.NotFound("Namespace")
	}
	if err != nil {
		return err
	}
	level, err := a.accessLevel(ctx, u, g.ID)
	if err != nil {
		return err
	}
	if err := authorize(ctx, u, level, g.Visibility, "Namespace", actCreateProject); err != nil {
		return err
	}
	c.GroupID = g.ID
	if err := c.Validate(); err != nil {
		return err
	}
	pr, err := a.svc.CreateProject(ctx, c)
	if err != nil {
		return err
	}
	if pr.Group == nil {
		pr.Group = g
	}
	j, err := a.renderProject(ctx, a.view(r), pr, level, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

// projectListOptions reads the parameters GET /projects and GET
// /groups/:id/projects share into f (search, order_by, sort), checks them
// with those read before, and returns simple and archived.
func projectListOptions(p *Params, f *cairn.ProjectFilter) (simple, archived bool, err error) {
	simple, _ = p.Bool("simple")
	archived, _ = p.Bool("archived")
	f.Search, _ = p.String("search")
	orderBy, _ := p.String("order_by")
	f.Sort, _ = p.String("sort")
	if err := p.Err(); err != nil {
		return false, false, err
	}
	var ok bool
	if f.OrderBy, ok = projectOrders[orderBy]; !ok {
		return false, false, invalidValue("order_by")
	}
	if f.Sort != "" && f.Sort != "asc" && f.Sort != "desc" {
		return false, false, invalidValue("sort")
	}
	return simple, archived, nil
}

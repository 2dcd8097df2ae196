package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

var _ cairn.ProjectService = (*Store)(nil)

// projectColumns are the columns scanProject reads: a projects row "p"
// joined with its groups row "g", so that every project comes with its
// Group in the same query.
const projectColumns = "p.id, p.group_id, p.path, p.name, p.description, p.visibility, p.created_at, p.updated_at, " + groupColumns

// projectFrom is the FROM clause that projectColumns needs.
const projectFrom = " FROM projects p JOIN groups g ON g.id = p.group_id"

func scanProject(r scanner) (*cairn.Project, error) {
	var p cairn.Project
	var g cairn.Group
	var created, updated, gCreated, gUpdated int64
	if err := r.Scan(&p.ID, &p.GroupID, &p.Path, &p.Name, &p.Description, &p.Visibility, &created, &updated,
		&g.ID, &g.Path, &g.Name, &g.Description, &g.Visibility, &gCreated, &gUpdated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	g.CreatedAt, g.UpdatedAt = fromMS(gCreated), fromMS(gUpdated)
	p.Group = &g
	return &p, nil
}

// CreateProject creates a project in a group; a project without a
// visibility takes its group's. It returns EINVALID for bad input, ENOTFOUND
// if the group does not exist and ECONFLICT if the path is taken in that
// group (case-insensitively).
func (s *Store) CreateProject(ctx context.Context, in cairn.ProjectCreate) (*cairn.Project, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	created := s.orNow(in.CreatedAt)
	var p *cairn.Project
	err := s.write(ctx, func(c *conn) error {
		g, err := scanGroup(c.queryRow(ctx, "SELECT "+groupColumns+" FROM groups g WHERE g.id = ?", in.GroupID))
		if err != nil {
			return notFound(fmt.Errorf("create project: %w", err), "Group")
		}
		vis := in.Visibility
		if vis == "" {
			vis = g.Visibility
		}
		id, err := c.insert(ctx, `INSERT INTO projects (group_id, path, name, description, visibility, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, g.ID, in.Path, in.Name, in.Description, vis, ms(created), ms(created))
		if isUniqueViolation(err) {
			return cairn.Errorf(cairn.ECONFLICT, "Project path has already been taken")
		}
		if err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		p = &cairn.Project{
			ID: id, GroupID: g.ID, Group: g, Path: in.Path, Name: in.Name, Description: in.Description,
			Visibility: vis, CreatedAt: created, UpdatedAt: created,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ProjectByID returns a project with its Group; ENOTFOUND if none.
func (s *Store) ProjectByID(ctx context.Context, id int64) (*cairn.Project, error) {
	p, err := scanProject(s.read().queryRow(ctx, "SELECT "+projectColumns+projectFrom+" WHERE p.id = ?", id))
	if err != nil {
		return nil, notFound(fmt.Errorf("project by id: %w", err), "Project")
	}
	return p, nil
}

// ProjectByPath returns a project by its full path "group/project"
// (case-insensitive) with its Group; ENOTFOUND if none.
func (s *Store) ProjectByPath(ctx context.Context, fullPath string) (*cairn.Project, error) {
	group, path, ok := strings.Cut(strings.Trim(strings.TrimSpace(fullPath), "/"), "/")
	if !ok || group == "" || path == "" {
		return nil, cairn.NotFound("Project")
	}
	p, err := scanProject(s.read().queryRow(ctx, "SELECT "+projectColumns+projectFrom+
		" WHERE lower(g.path) = lower(?) AND lower(p.path) = lower(?)", group, path))
	if err != nil {
		return nil, notFound(fmt.Errorf("project by path: %w", err), "Project")
	}
	return p, nil
}

// projectOrder maps ProjectFilter.OrderBy to its column. Names and paths
// sort case-insensitively, so the order does not depend on the database's
// collation.
var projectOrder = map[string]string{
	"":           "p.id",
	"id":         "p.id",
	"name":       "lower(p.name)",
	"path":       "lower(p.path)",
	"created_at": "p.created_at",
	"updated_at": "p.updated_at",
}

// ListProjects lists projects, each with its Group. Admins see all unless
// f.Membership; user f.VisibleTo sees projects in their groups and projects
// that are not private; nobody (VisibleTo 0) sees public ones; Membership
// keeps only the user's groups. It returns EINVALID for an unknown OrderBy
// or Sort.
func (s *Store) ListProjects(ctx context.Context, f cairn.ProjectFilter) ([]*cairn.Project, cairn.Total, error) {
	col, ok := projectOrder[f.OrderBy]
	if !ok {
		return nil, cairn.Total{}, &cairn.Error{Code: cairn.EINVALID, Param: "order_by", Message: "order_by does not have a valid value"}
	}
	dir := "DESC"
	switch strings.ToLower(f.Sort) {
	case "", "desc":
	case "asc":
		dir = "ASC"
	default:
		return nil, cairn.Total{}, &cairn.Error{Code: cairn.EINVALID, Param: "sort", Message: "sort does not have a valid value"}
	}
	const memberOf = "p.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ?)"
	var where []string
	var args []any
	switch {
	case f.Membership:
		where, args = append(where, memberOf), append(args, f.VisibleTo)
	case f.Admin:
	case f.VisibleTo != 0:
		where, args = append(where, "(p.visibility <> 'private' OR "+memberOf+")"), append(args, f.VisibleTo)
	default:
		where = append(where, "p.visibility = 'public'")
	}
	if f.GroupID != 0 {
		where, args = append(where, "p.group_id = ?"), append(args, f.GroupID)
	}
	if f.Search != "" {
		pat := likePattern(f.Search)
		where = append(where, `(lower(p.path) LIKE ? ESCAPE '\' OR lower(p.name) LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat)
	}
	from := projectFrom + whereClause(where)
	c := s.read()
	page := f.Page.Normalize()
	rows, err := c.query(ctx, "SELECT "+projectColumns+from+" ORDER BY "+col+" "+dir+", p.id "+dir+" LIMIT ? OFFSET ?",
		append(args, page.PerPage, page.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, cairn.Total{}, fmt.Errorf("scan project: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list projects: %w", err)
	}
	total, err := countPage(ctx, c, from, args, page, len(out))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count projects: %w", err)
	}
	return out, total, nil
}

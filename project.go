package cairn

import (
	"context"
	"strings"
	"time"
)

// Project belongs to a group and holds issues, project labels and project
// milestones. Issues are numbered per project (iid).
type Project struct {
	ID          int64
	GroupID     int64
	Group       *Group
	Path        string
	Name        string
	Description string
	Visibility  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// FullPath returns "group/project".
func (p *Project) FullPath() string {
	if p.Group == nil {
		return p.Path
	}
	return p.Group.Path + "/" + p.Path
}

// ProjectCreate is the input for creating a project in a group.
type ProjectCreate struct {
	GroupID     int64
	Path        string
	Name        string
	Description string
	Visibility  string // "" inherits the group's
	CreatedAt   time.Time
}

// Validate checks the input and applies defaults.
func (c *ProjectCreate) Validate() error {
	c.Path = strings.TrimSpace(c.Path)
	c.Name = strings.TrimSpace(c.Name)
	if c.GroupID == 0 {
		return Missing("namespace_id")
	}
	if c.Path == "" && c.Name == "" {
		return Missing("name")
	}
	if c.Path == "" {
		c.Path = Slug(c.Name)
	}
	if c.Name == "" {
		c.Name = c.Path
	}
	if !ValidPath(c.Path) {
		return FieldError("path", "can contain only letters, digits, '_', '-' and '.'")
	}
	if len(c.Name) > 255 {
		return FieldError("name", "is too long (maximum is 255 characters)")
	}
	if len(c.Description) > MaxProjectDescription {
		return FieldError("description", "is too long (maximum is 2000 characters)")
	}
	if c.Visibility != "" && !ValidVisibility(c.Visibility) {
		return FieldError("visibility", "must be private, internal or public")
	}
	return nil
}

// ProjectService manages projects.
type ProjectService interface {
	// CreateProject creates a project in a group; ECONFLICT if the path is
	// taken in that group; ENOTFOUND if the group does not exist.
	CreateProject(ctx context.Context, c ProjectCreate) (*Project, error)
	// ProjectByID returns a project with its Group; ENOTFOUND if none.
	ProjectByID(ctx context.Context, id int64) (*Project, error)
	// ProjectByPath returns a project by "group/project" (case-insensitive)
	// with its Group; ENOTFOUND if none.
	ProjectByPath(ctx context.Context, fullPath string) (*Project, error)
	// ListProjects lists projects, each with its Group, ordered as the filter says.
	ListProjects(ctx context.Context, f ProjectFilter) ([]*Project, Total, error)
}

// ProjectFilter selects projects. VisibleTo limits the list to projects in
// groups that user is a member of, or that are not private, unless Admin.
// Membership limits to the user's groups even for admins.
type ProjectFilter struct {
	VisibleTo  int64
	Admin      bool
	Membership bool
	GroupID    int64
	Search     string
	OrderBy    string // id (default), name, path, created_at, updated_at
	Sort       string // asc or desc (default)
	Page
}

package cairn

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// GitLab access levels.
const (
	AccessNone       = 0
	AccessGuest      = 10
	AccessReporter   = 20
	AccessDeveloper  = 30
	AccessMaintainer = 40
	AccessOwner      = 50
)

// ValidAccessLevel reports whether n is one of GitLab's access levels.
func ValidAccessLevel(n int) bool {
	switch n {
	case AccessGuest, AccessReporter, AccessDeveloper, AccessMaintainer, AccessOwner:
		return true
	}
	return false
}

// Planning roles of team members.
const (
	RoleEngineer           = "engineer"
	RoleEngineeringManager = "engineering_manager"
	RoleProductManager     = "product_manager"
	RoleGuest              = "guest"
)

// ValidPlanningRole reports whether s is a planning role.
func ValidPlanningRole(s string) bool {
	switch s {
	case RoleEngineer, RoleEngineeringManager, RoleProductManager, RoleGuest:
		return true
	}
	return false
}

// DefaultCapacityFactor returns the capacity factor a member of the role gets
// when none is given: engineers carry full development capacity, managers
// plan but carry none (planning-model.md).
func DefaultCapacityFactor(role string) float64 {
	if role == RoleEngineer {
		return 1
	}
	return 0
}

// Visibility levels of groups and projects.
const (
	VisibilityPrivate  = "private"
	VisibilityInternal = "internal"
	VisibilityPublic   = "public"
)

// ValidVisibility reports whether s is a visibility level.
func ValidVisibility(s string) bool {
	return s == VisibilityPrivate || s == VisibilityInternal || s == VisibilityPublic
}

// Group is a team: it owns projects, group labels and group milestones, and
// its members are the people who plan together.
type Group struct {
	ID          int64
	Path        string
	Name        string
	Description string
	Visibility  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Member is a user's membership in a group, with the GitLab access level and
// the planning attributes of planning-model.md.
type Member struct {
	GroupID        int64
	User           *User
	AccessLevel    int
	PlanningRole   string
	CapacityFactor float64
	JoinedAt       string // date the member joined the team
	CreatedAt      time.Time
}

var pathRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$`)

// ValidPath reports whether s can be a group or project path.
func ValidPath(s string) bool {
	return pathRE.MatchString(s) && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ".git")
}

// MaxGroupDescription and MaxProjectDescription are GitLab's limits on a
// group's and a project's description.
const (
	MaxGroupDescription   = 500
	MaxProjectDescription = 2000
)

// GroupCreate is the input for creating a group.
type GroupCreate struct {
	Path        string
	Name        string
	Description string
	Visibility  string
	CreatedAt   time.Time // imports keep history; zero means now
}

// Validate checks the input and applies defaults.
func (c *GroupCreate) Validate() error {
	c.Path = strings.TrimSpace(c.Path)
	c.Name = strings.TrimSpace(c.Name)
	if c.Path == "" && c.Name == "" {
		return Missing("path")
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
	if len(c.Description) > MaxGroupDescription {
		return FieldError("description", "is too long (maximum is 500 characters)")
	}
	if c.Visibility == "" {
		c.Visibility = VisibilityPrivate
	}
	if !ValidVisibility(c.Visibility) {
		return FieldError("visibility", "must be private, internal or public")
	}
	return nil
}

// Slug turns a name into a path: lower case, runs of other characters as "-".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}

// MemberInput adds a member to a group or changes one.
type MemberInput struct {
	GroupID        int64
	UserID         int64
	AccessLevel    int
	PlanningRole   string
	CapacityFactor *float64 // nil: the role's default
	JoinedAt       string   // date; "" means today
}

// Validate checks the input and applies defaults (today is the team's date).
func (m *MemberInput) Validate(today string) error {
	if m.UserID == 0 {
		return Missing("user_id")
	}
	if m.AccessLevel == 0 {
		return Missing("access_level")
	}
	if !ValidAccessLevel(m.AccessLevel) {
		return FieldError("access_level", "must be 10, 20, 30, 40 or 50")
	}
	if m.PlanningRole == "" {
		m.PlanningRole = RoleEngineer
		if m.AccessLevel < AccessReporter {
			m.PlanningRole = RoleGuest
		}
	}
	if !ValidPlanningRole(m.PlanningRole) {
		return FieldError("planning_role", "must be engineer, engineering_manager, product_manager or guest")
	}
	if m.CapacityFactor == nil {
		f := DefaultCapacityFactor(m.PlanningRole)
		m.CapacityFactor = &f
	}
	if *m.CapacityFactor < 0 || *m.CapacityFactor > 1 {
		return FieldError("capacity_factor", "must be between 0 and 1")
	}
	if m.JoinedAt == "" {
		m.JoinedAt = today
	}
	if !ValidDate(m.JoinedAt) {
		return FieldError("joined_at", "must be a date like 2026-01-31")
	}
	return nil
}

// MemberUpdate changes a membership; nil fields stay as they are.
type MemberUpdate struct {
	AccessLevel    *int
	PlanningRole   *string
	CapacityFactor *float64
	JoinedAt       *string
}

// Validate checks the input.
func (u *MemberUpdate) Validate() error {
	if u.AccessLevel != nil && !ValidAccessLevel(*u.AccessLevel) {
		return FieldError("access_level", "must be 10, 20, 30, 40 or 50")
	}
	if u.PlanningRole != nil && !ValidPlanningRole(*u.PlanningRole) {
		return FieldError("planning_role", "must be engineer, engineering_manager, product_manager or guest")
	}
	if u.CapacityFactor != nil && (*u.CapacityFactor < 0 || *u.CapacityFactor > 1) {
		return FieldError("capacity_factor", "must be between 0 and 1")
	}
	if u.JoinedAt != nil && !ValidDate(*u.JoinedAt) {
		return FieldError("joined_at", "must be a date like 2026-01-31")
	}
	return nil
}

// GroupService manages groups and their members.
type GroupService interface {
	// CreateGroup creates a group; the acting user (from ctx), if any, becomes
	// its owner. ECONFLICT if the path is taken.
	CreateGroup(ctx context.Context, c GroupCreate) (*Group, error)
	// GroupByID returns a group; ENOTFOUND if none.
	GroupByID(ctx context.Context, id int64) (*Group, error)
	// GroupByPath returns a group by case-insensitive path; ENOTFOUND if none.
	GroupByPath(ctx context.Context, path string) (*Group, error)
	// ListGroups lists the groups visible to the user (all for admins),
	// ordered by path.
	ListGroups(ctx context.Context, f GroupFilter) ([]*Group, Total, error)

	// AddMember adds a user to a group; ECONFLICT if already a member.
	AddMember(ctx context.Context, m MemberInput) (*Member, error)
	// UpdateMember changes a membership; ENOTFOUND if none. The last owner
	// cannot be demoted (ECONFLICT).
	UpdateMember(ctx context.Context, groupID, userID int64, u MemberUpdate) (*Member, error)
	// RemoveMember removes a membership; ENOTFOUND if none; the last owner
	// cannot be removed (ECONFLICT).
	RemoveMember(ctx context.Context, groupID, userID int64) error
	// Member returns one membership; ENOTFOUND if the user is not a member.
	Member(ctx context.Context, groupID, userID int64) (*Member, error)
	// ListMembers lists a group's members ordered by username.
	ListMembers(ctx context.Context, groupID int64, p Page) ([]*Member, Total, error)
}

// GroupFilter selects groups. VisibleTo limits the list to groups that user
// is a member of or that are not private (0 with Admin: all).
type GroupFilter struct {
	VisibleTo int64
	Admin     bool
	Search    string
	Page
}

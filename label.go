package cairn

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Label is a group or project label. Labels of a group apply to all its
// projects. A scoped label ("workflow::in dev") has a scope, everything
// before the last "::", and an issue carries at most one label per scope.
type Label struct {
	ID          int64
	GroupID     *int64
	ProjectID   *int64
	Name        string
	Color       string // "#rrggbb"
	Description string
	Priority    *int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Scope returns the scope of a scoped label name and true, or "" and false.
func LabelScope(name string) (string, bool) {
	i := strings.LastIndex(name, "::")
	if i <= 0 {
		return "", false
	}
	return name[:i], true
}

// TextColor returns the label's text colour: dark on light backgrounds,
// light on dark ones, as GitLab computes it.
func (l *Label) TextColor() string { return TextColorFor(l.Color) }

// TextColorFor returns "#1F1E24" for a light background colour and
// "#FFFFFF" for a dark one.
func TextColorFor(color string) string {
	if len(color) != 7 || color[0] != '#' {
		return "#FFFFFF"
	}
	r, _ := strconv.ParseUint(color[1:3], 16, 8)
	g, _ := strconv.ParseUint(color[3:5], 16, 8)
	b, _ := strconv.ParseUint(color[5:7], 16, 8)
	if (r*299+g*587+b*114)/1000 > 128 {
		return "#1F1E24"
	}
	return "#FFFFFF"
}

// DefaultLabelColor is the colour of labels created without one (GitLab's).
const DefaultLabelColor = "#6699cc"

var colorRE = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// namedColors maps the CSS colour names people most often type to hex.
var namedColors = map[string]string{
	"red": "#ff0000", "green": "#008000", "blue": "#0000ff", "yellow": "#ffff00",
	"orange": "#ffa500", "purple": "#800080", "gray": "#808080", "grey": "#808080",
	"black": "#000000", "white": "#ffffff",
}

// NormalizeColor returns the colour as "#rrggbb", accepting 3-digit hex and a
// few CSS names; EINVALID otherwise.
func NormalizeColor(c string) (string, error) {
	c = strings.TrimSpace(c)
	if c == "" {
		return DefaultLabelColor, nil
	}
	if hex, ok := namedColors[strings.ToLower(c)]; ok {
		return hex, nil
	}
	if len(c) == 4 && c[0] == '#' {
		c = "#" + strings.Repeat(c[1:2], 2) + strings.Repeat(c[2:3], 2) + strings.Repeat(c[3:4], 2)
	}
	if !colorRE.MatchString(c) {
		return "", FieldError("color", "must be a valid color code")
	}
	return strings.ToLower(c), nil
}

// MaxLabelName is the longest label name accepted.
const MaxLabelName = 255

// MaxLabelDescription is the longest label description accepted: a label's
// description is a one-line hint shown on hover, not a document.
const MaxLabelDescription = 1024

func validateLabelDescription(d *string) error {
	if d != nil && len(*d) > MaxLabelDescription {
		return FieldError("description", "is too long (maximum is 1024 characters)")
	}
	return nil
}

// ValidateLabelName checks a label name: not blank, no commas (the API joins
// names with commas), at most MaxLabelName characters.
func ValidateLabelName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return FieldError("title", "can't be blank")
	case strings.Contains(name, ","):
		return FieldError("title", "is invalid: it cannot contain a comma")
	case len(name) > MaxLabelName:
		return FieldError("title", "is too long (maximum is 255 characters)")
	case strings.ContainsAny(name, "\n\r\t"):
		return FieldError("title", "is invalid: it cannot contain line breaks or tabs")
	}
	return nil
}

// ApplyLabelChange returns the label set that results from adding and
// removing names on current, keeping scoped labels exclusive: adding "k::v"
// removes every other label of scope "k". A name both added and removed is
// added. Names compare case-sensitively, as GitLab's do. The result keeps
// current's order, then the added names in order, without duplicates.
func ApplyLabelChange(current, add, remove []string) []string {
	removed := make(map[string]bool, len(remove))
	for _, r := range remove {
		removed[r] = true
	}
	for _, a := range add {
		delete(removed, a)
	}
	// The last added label of a scope wins, as when GitLab applies them in order.
	winner := map[string]string{}
	for _, a := range add {
		if s, ok := LabelScope(a); ok {
			winner[s] = a
		}
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(current)+len(add))
	keep := func(n string) {
		if seen[n] || removed[n] {
			return
		}
		if s, ok := LabelScope(n); ok {
			if w, ok := winner[s]; ok && w != n {
				return
			}
		}
		seen[n] = true
		out = append(out, n)
	}
	for _, n := range current {
		keep(n)
	}
	for _, n := range add {
		keep(n)
	}
	return out
}

// ExclusiveLabels returns names with scoped labels made exclusive: of several
// labels of one scope the last one stays (used when labels are replaced).
func ExclusiveLabels(names []string) []string {
	return ApplyLabelChange(nil, names, nil)
}

// LabelCreate is the input for creating a group or project label.
type LabelCreate struct {
	GroupID     int64 // exactly one of GroupID and ProjectID
	ProjectID   int64
	Name        string
	Color       string
	Description string
	Priority    *int
	CreatedAt   time.Time
}

// Validate checks the input and normalises the colour.
func (c *LabelCreate) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return Missing("name")
	}
	if err := ValidateLabelName(c.Name); err != nil {
		return err
	}
	if (c.GroupID == 0) == (c.ProjectID == 0) {
		return Errorf(EINVALID, "a label belongs to either a group or a project")
	}
	if err := validateLabelDescription(&c.Description); err != nil {
		return err
	}
	col, err := NormalizeColor(c.Color)
	if err != nil {
		return err
	}
	c.Color = col
	if c.Priority != nil && *c.Priority < 0 {
		return FieldError("priority", "must be greater than or equal to 0")
	}
	if c.Priority != nil && *c.Priority > MaxInt {
		return FieldError("priority", "must be less than or equal to 2147483647")
	}
	return nil
}

// LabelUpdate changes a label; nil fields stay.
type LabelUpdate struct {
	NewName     *string
	Color       *string
	Description *string
	Priority    Opt[int]
}

// Validate checks the input.
func (u *LabelUpdate) Validate() error {
	if u.NewName != nil {
		n := strings.TrimSpace(*u.NewName)
		u.NewName = &n
		if err := ValidateLabelName(n); err != nil {
			return err
		}
	}
	if err := validateLabelDescription(u.Description); err != nil {
		return err
	}
	if u.Color != nil {
		c, err := NormalizeColor(*u.Color)
		if err != nil {
			return err
		}
		u.Color = &c
	}
	if u.Priority.Set && u.Priority.Value != nil && *u.Priority.Value > MaxInt {
		return FieldError("priority", "must be less than or equal to 2147483647")
	}
	if u.NewName == nil && u.Color == nil && u.Description == nil && !u.Priority.Set {
		return &Error{Code: EINVALID, Param: "new_name", Message: "new_name, color, description, priority are missing, at least one parameter must be provided"}
	}
	return nil
}

// LabelService manages labels.
type LabelService interface {
	// CreateLabel creates a label; ECONFLICT if the owner already has one of
	// that name (case-insensitive), or, for a project label, its group does.
	CreateLabel(ctx context.Context, c LabelCreate) (*Label, error)
	// LabelByID returns a label; ENOTFOUND if none.
	LabelByID(ctx context.Context, id int64) (*Label, error)
	// ListGroupLabels lists a group's labels ordered by name.
	ListGroupLabels(ctx context.Context, groupID int64, f LabelFilter) ([]*Label, Total, error)
	// ListProjectLabels lists the labels usable in a project: its own and, unless
	// OnlyOwn, its group's; ordered by name.
	ListProjectLabels(ctx context.Context, projectID int64, f LabelFilter) ([]*Label, Total, error)
	// FindLabel finds a label usable in a project (own or the group's) by id or
	// exact name, the project's own label first; ENOTFOUND if none.
	FindProjectLabel(ctx context.Context, projectID int64, idOrName string) (*Label, error)
	// FindGroupLabel finds a group label by id or exact name; ENOTFOUND if none.
	FindGroupLabel(ctx context.Context, groupID int64, idOrName string) (*Label, error)
	// UpdateLabel changes a label; renaming keeps it on its issues.
	UpdateLabel(ctx context.Context, id int64, u LabelUpdate) (*Label, error)
	// DeleteLabel deletes a label and removes it from issues (their history keeps it).
	DeleteLabel(ctx context.Context, id int64) error
	// LabelCounts returns, per label id, the open and closed issue counts and
	// open merge request count (always 0) for with_counts.
	LabelCounts(ctx context.Context, labelIDs []int64) (map[int64]LabelCount, error)
}

// LabelFilter selects labels.
type LabelFilter struct {
	Search  string
	OnlyOwn bool
	Page
}

// LabelCount holds a label's issue counts.
type LabelCount struct {
	OpenIssues   int
	ClosedIssues int
}

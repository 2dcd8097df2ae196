package cairn

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Template is a description template of a group: the text a new issue
// (`template=` on create) or a note starts from. Every group has the
// built-in templates of the planning process; a group template with a
// built-in's name replaces it for that group.
type Template struct {
	ID          int64 // 0 for a built-in
	GroupID     int64 // 0 for a built-in
	Name        string
	Description string
	Content     string
	// BuiltIn says the template is one of Cairn's and the group has not
	// replaced it.
	BuiltIn bool
	// OverridesBuiltIn says this group template replaces a built-in of the
	// same name: deleting it brings the built-in back.
	OverridesBuiltIn bool
	CreatedAt        time.Time // zero for a built-in
	UpdatedAt        time.Time // zero for a built-in
}

// Limits of a template.
const (
	MaxTemplateName        = 64
	MaxTemplateDescription = 1000
	MaxTemplateContent     = MaxDescription
)

// templateNameRE is what a template name may hold: it is a path segment of
// /groups/:id/templates/:name and a query value, so it has no spaces or
// slashes.
var templateNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidateTemplateName returns an EINVALID *Error unless name is a usable
// template name: 1 to 64 letters, digits, '.', '_' and '-', starting with a
// letter or digit.
func ValidateTemplateName(name string) error {
	if name == "" {
		return Missing("name")
	}
	if len(name) > MaxTemplateName {
		return FieldError("name", "is too long (maximum is 64 characters)")
	}
	if !templateNameRE.MatchString(name) {
		return FieldError("name", "can contain only letters, digits, '.', '_' and '-', and must start with a letter or digit")
	}
	return nil
}

// TemplateCreate is the input for creating a group template (a built-in's
// name creates an override).
type TemplateCreate struct {
	GroupID     int64
	Name        string
	Description string
	Content     string
}

// Validate checks the input and returns an EINVALID *Error naming the field.
func (c *TemplateCreate) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	if err := ValidateTemplateName(c.Name); err != nil {
		return err
	}
	if strings.TrimSpace(c.Content) == "" {
		return Missing("content")
	}
	return validateTemplateText(c.Description, c.Content)
}

// TemplateUpdate changes a group template; unset fields stay. Updating a
// built-in the group has not replaced creates the replacement, starting
// from the built-in's text.
type TemplateUpdate struct {
	Name        *string
	Description *string
	Content     *string
}

// Validate checks the input and returns an EINVALID *Error naming the field.
func (u *TemplateUpdate) Validate() error {
	if u.Name != nil {
		n := strings.TrimSpace(*u.Name)
		u.Name = &n
		if err := ValidateTemplateName(n); err != nil {
			return err
		}
	}
	if u.Content != nil && strings.TrimSpace(*u.Content) == "" {
		return FieldError("content", "can't be blank")
	}
	desc, content := "", ""
	if u.Description != nil {
		desc = *u.Description
	}
	if u.Content != nil {
		content = *u.Content
	}
	return validateTemplateText(desc, content)
}

func validateTemplateText(desc, content string) error {
	if utf8.RuneCountInString(desc) > MaxTemplateDescription {
		return FieldError("description", "is too long (maximum is 1000 characters)")
	}
	if len(content) > MaxTemplateContent {
		return FieldError("content", "is too long (maximum is 1048576 characters)")
	}
	return nil
}

// TemplateService manages description templates.
type TemplateService interface {
	// ListTemplates lists a group's templates, built-ins it has not
	// replaced included, by name; ENOTFOUND if the group does not exist.
	ListTemplates(ctx context.Context, groupID int64) ([]*Template, error)
	// TemplateByName returns the group's template of that name (any letter
	// case), or the built-in; ENOTFOUND if neither exists.
	TemplateByName(ctx context.Context, groupID int64, name string) (*Template, error)
	// CreateTemplate creates a group template; ECONFLICT if the group has
	// one of that name already.
	CreateTemplate(ctx context.Context, c TemplateCreate) (*Template, error)
	// UpdateTemplate changes the group's template of that name, creating
	// the replacement of a built-in; ENOTFOUND if neither exists, ECONFLICT
	// for a new name the group already uses.
	UpdateTemplate(ctx context.Context, groupID int64, name string, u TemplateUpdate) (*Template, error)
	// DeleteTemplate deletes the group's template of that name (a replaced
	// built-in comes back); EINVALID for a built-in, ENOTFOUND if neither.
	DeleteTemplate(ctx context.Context, groupID int64, name string) error
}

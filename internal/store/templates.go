package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

var _ cairn.TemplateService = (*Store)(nil)

// This file keeps each group's description templates. The built-in ones
// live in planning/templates.go, not in the database, so that a new
// release's wording reaches every group that has not replaced them; a
// group's row with a built-in's name replaces it for that group.

const templateColumns = "t.id, t.group_id, t.name, t.description, t.content, t.created_at, t.updated_at"

func scanTemplate(r scanner) (*cairn.Template, error) {
	var t cairn.Template
	var created, updated int64
	if err := r.Scan(&t.ID, &t.GroupID, &t.Name, &t.Description, &t.Content, &created, &updated); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	_, t.OverridesBuiltIn = planning.BuiltinTemplateNamed(t.Name)
	return &t, nil
}

func builtinTemplate(b planning.BuiltinTemplate) *cairn.Template {
	return &cairn.Template{Name: b.Name, Description: b.Description, Content: b.Content, BuiltIn: true}
}

// maxGroupTemplates bounds a group's own templates, so that a list stays a
// page.
const maxGroupTemplates = 500

// ListTemplates lists a group's templates by name (lower case, then as
// written): its own, and the built-ins it has not replaced. ENOTFOUND if the
// group does not exist.
func (s *Store) ListTemplates(ctx context.Context, groupID int64) ([]*cairn.Template, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, err
	}
	rows, err := c.query(ctx, "SELECT "+templateColumns+" FROM templates t WHERE t.group_id = ? ORDER BY lower(t.name), t.id LIMIT ?",
		groupID, maxGroupTemplates)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Template
	own := map[string]bool{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, fmt.Errorf("scan template: %w", err)
		}
		own[strings.ToLower(t.Name)] = true
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	for _, b := range planning.BuiltinTemplates() {
		if !own[strings.ToLower(b.Name)] {
			out = append(out, builtinTemplate(b))
		}
	}
	slices.SortStableFunc(out, func(a, b *cairn.Template) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// TemplateByName returns the group's template of that name, in any letter
// case, or else the built-in of that name. ENOTFOUND if neither exists (or
// the group does not).
func (s *Store) TemplateByName(ctx context.Context, groupID int64, name string) (*cairn.Template, error) {
	return templateByName(ctx, s.read(), groupID, name)
}

func templateByName(ctx context.Context, c *conn, groupID int64, name string) (*cairn.Template, error) {
	t, err := groupTemplate(ctx, c, groupID, name, false)
	if err == nil || cairn.ErrorCode(err) != cairn.ENOTFOUND {
		return t, err
	}
	if b, ok := planning.BuiltinTemplateNamed(name); ok {
		if err := checkGroup(ctx, c, groupID); err != nil {
			return nil, err
		}
		return builtinTemplate(b), nil
	}
	return nil, cairn.NotFound("Template")
}

// groupTemplate returns the group's own template of that name, locked for
// the transaction when lock is set; ENOTFOUND if none.
func groupTemplate(ctx context.Context, c *conn, groupID int64, name string, lock bool) (*cairn.Template, error) {
	suffix := ""
	if lock {
		suffix = c.forUpdate()
	}
	t, err := scanTemplate(c.queryRow(ctx, "SELECT "+templateColumns+" FROM templates t WHERE t.group_id = ? AND lower(t.name) = lower(?)"+suffix,
		groupID, name))
	if err != nil {
		return nil, notFound(err, "Template")
	}
	return t, nil
}

func errTemplateExists(name string) error {
	return cairn.Errorf(cairn.ECONFLICT, "Template %q already exists in this group", name)
}

// CreateTemplate creates a group template; with a built-in's name it
// replaces the built-in for the group. ENOTFOUND if the group does not
// exist; ECONFLICT if the group has a template of that name (in any letter
// case); EINVALID for bad input.
func (s *Store) CreateTemplate(ctx context.Context, in cairn.TemplateCreate) (*cairn.Template, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := s.write(ctx, func(c *conn) error {
		if err := checkGroup(ctx, c, in.GroupID); err != nil {
			return err
		}
		now := ms(s.now())
		var err error
		id, err = c.insert(ctx, "INSERT INTO templates (group_id, name, description, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			in.GroupID, in.Name, in.Description, in.Content, now, now)
		if isUniqueViolation(err) {
			return errTemplateExists(in.Name)
		}
		if err != nil {
			return fmt.Errorf("insert template: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return scanTemplate(s.read().queryRow(ctx, "SELECT "+templateColumns+" FROM templates t WHERE t.id = ?", id))
}

// UpdateTemplate changes the group's template of that name. A built-in the
// group has not replaced yet is replaced: the new row starts from the
// built-in's text and takes the changes. ENOTFOUND if the group has no such
// template and there is no such built-in; ECONFLICT for a new name the
// group already uses; EINVALID for bad input.
func (s *Store) UpdateTemplate(ctx context.Context, groupID int64, name string, u cairn.TemplateUpdate) (*cairn.Template, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := s.write(ctx, func(c *conn) error {
		now := ms(s.now())
		cur, err := groupTemplate(ctx, c, groupID, name, true)
		if cairn.ErrorCode(err) == cairn.ENOTFOUND {
			b, ok := planning.BuiltinTemplateNamed(name)
			if !ok {
				return err
			}
			if err := checkGroup(ctx, c, groupID); err != nil {
				return err
			}
			in := cairn.TemplateCreate{GroupID: groupID, Name: b.Name, Description: b.Description, Content: b.Content}
			applyTemplateUpdate(&in, &u)
			id, err = c.insert(ctx, "INSERT INTO templates (group_id, name, description, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				groupID, in.Name, in.Description, in.Content, now, now)
			if isUniqueViolation(err) {
				return errTemplateExists(in.Name)
			}
			if err != nil {
				return fmt.Errorf("insert template: %w", err)
			}
			return nil
		}
		if err != nil {
			return err
		}
		id = cur.ID
		in := cairn.TemplateCreate{Name: cur.Name, Description: cur.Description, Content: cur.Content}
		applyTemplateUpdate(&in, &u)
		_, err = c.exec(ctx, "UPDATE templates SET name = ?, description = ?, content = ?, updated_at = ? WHERE id = ?",
			in.Name, in.Description, in.Content, now, cur.ID)
		if isUniqueViolation(err) {
			return errTemplateExists(in.Name)
		}
		if err != nil {
			return fmt.Errorf("update template: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return scanTemplate(s.read().queryRow(ctx, "SELECT "+templateColumns+" FROM templates t WHERE t.id = ?", id))
}

func applyTemplateUpdate(t *cairn.TemplateCreate, u *cairn.TemplateUpdate) {
	if u.Name != nil {
		t.Name = *u.Name
	}
	if u.Description != nil {
		t.Description = *u.Description
	}
	if u.Content != nil {
		t.Content = *u.Content
	}
}

// DeleteTemplate deletes the group's template of that name; a built-in it
// replaced comes back. EINVALID for a built-in the group has not replaced
// (built-ins cannot be deleted, only replaced); ENOTFOUND if there is no
// such template.
func (s *Store) DeleteTemplate(ctx context.Context, groupID int64, name string) error {
	return s.write(ctx, func(c *conn) error {
		var id int64
		err := c.queryRow(ctx, "DELETE FROM templates WHERE group_id = ? AND lower(name) = lower(?) RETURNING id", groupID, name).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delete template: %w", err)
		}
		if b, ok := planning.BuiltinTemplateNamed(name); ok {
			if err := checkGroup(ctx, c, groupID); err != nil {
				return err
			}
			return cairn.Errorf(cairn.EINVALID, "Template %q is built in and cannot be deleted; replace it with PUT to change it", b.Name)
		}
		return cairn.NotFound("Template")
	})
}

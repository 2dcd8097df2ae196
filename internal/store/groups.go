package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

var _ cairn.GroupService = (*Store)(nil)

// groupColumns are the columns scanGroup reads, for a groups table aliased "g".
const groupColumns = "g.id, g.path, g.name, g.description, g.visibility, g.created_at, g.updated_at"

func scanGroup(r scanner) (*cairn.Group, error) {
	var g cairn.Group
	var created, updated int64
	if err := r.Scan(&g.ID, &g.Path, &g.Name, &g.Description, &g.Visibility, &created, &updated); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return &g, nil
}

// CreateGroup creates a group. The acting user (from ctx), if any, becomes
// its owner and engineering manager in the same transaction, so that a group
// never exists without someone who can manage it. It returns EINVALID for
// bad input and ECONFLICT if the path is taken (case-insensitively).
func (s *Store) CreateGroup(ctx context.Context, in cairn.GroupCreate) (*cairn.Group, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	created := s.orNow(in.CreatedAt)
	g := &cairn.Group{
		Path: in.Path, Name: in.Name, Description: in.Description, Visibility: in.Visibility,
		CreatedAt: created, UpdatedAt: created,
	}
	actor := cairn.UserIDFromContext(ctx)
	err := s.write(ctx, func(c *conn) error {
		id, err := c.insert(ctx, `INSERT INTO groups (path, name, description, visibility, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, g.Path, g.Name, g.Description, g.Visibility, ms(created), ms(created))
		if isUniqueViolation(err) {
			return cairn.Errorf(cairn.ECONFLICT, "Group path has already been taken")
		}
		if err != nil {
			return fmt.Errorf("create group: %w", err)
		}
		g.ID = id
		if actor == 0 {
			return nil
		}
		_, err = c.exec(ctx, `INSERT INTO group_members (group_id, user_id, access_level, planning_role, capacity_factor, joined_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, actor, cairn.AccessOwner, cairn.RoleEngineeringManager, 0.0, s.Today(), ms(s.now()))
		if err != nil {
			return fmt.Errorf("create group: add owner: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// GroupByID returns a group; ENOTFOUND if none.
func (s *Store) GroupByID(ctx context.Context, id int64) (*cairn.Group, error) {
	g, err := scanGroup(s.read().queryRow(ctx, "SELECT "+groupColumns+" FROM groups g WHERE g.id = ?", id))
	if err != nil {
		return nil, notFound(fmt.Errorf("group by id: %w", err), "Group")
	}
	return g, nil
}

// GroupByPath returns a group by case-insensitive path; ENOTFOUND if none.
func (s *Store) GroupByPath(ctx context.Context, path string) (*cairn.Group, error) {
	g, err := scanGroup(s.read().queryRow(ctx, "SELECT "+groupColumns+" FROM groups g WHERE lower(g.path) = lower(?)", path))
	if err != nil {
		return nil, notFound(fmt.Errorf("group by path: %w", err), "Group")
	}
	return g, nil
}

// ListGroups lists groups ordered by path: all of them for an admin; for
// user f.VisibleTo those they are a member of and those that are not
// private; for nobody (VisibleTo 0, not Admin) only public ones. Search
// matches path or name, case-insensitively.
func (s *Store) ListGroups(ctx context.Context, f cairn.GroupFilter) ([]*cairn.Group, cairn.Total, error) {
	var where []string
	var args []any
	switch {
	case f.Admin:
	case f.VisibleTo != 0:
		where = append(where, "(g.visibility <> 'private' OR g.id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ?))")
		args = append(args, f.VisibleTo)
	default:
		where = append(where, "g.visibility = 'public'")
	}
	if f.Search != "" {
		p := likePattern(f.Search)
		where = append(where, `(lower(g.path) LIKE ? ESCAPE '\' OR lower(g.name) LIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	from := " FROM groups g" + whereClause(where)
	c := s.read()
	page := f.Page.Normalize()
	rows, err := c.query(ctx, "SELECT "+groupColumns+from+" ORDER BY lower(g.path), g.id LIMIT ? OFFSET ?",
		append(args, page.PerPage, page.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, cairn.Total{}, fmt.Errorf("scan group: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list groups: %w", err)
	}
	total, err := countPage(ctx, c, from, args, page, len(out))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count groups: %w", err)
	}
	return out, total, nil
}

// memberColumns are the columns scanMember reads: a group_members row "gm"
// joined with its users row "u".
const memberColumns = "gm.group_id, gm.access_level, gm.planning_role, gm.capacity_factor, gm.joined_at, gm.created_at, " + userColumns

func scanMember(r scanner) (*cairn.Member, error) {
	var m cairn.Member
	var u cairn.User
	var created, uCreated, uUpdated int64
	if err := r.Scan(&m.GroupID, &m.AccessLevel, &m.PlanningRole, &m.CapacityFactor, &m.JoinedAt, &created,
		&u.ID, &u.Username, &u.Name, &u.Email, &u.IsAdmin, &u.State, &uCreated, &uUpdated); err != nil {
		return nil, err
	}
	m.CreatedAt = fromMS(created)
	u.CreatedAt, u.UpdatedAt = fromMS(uCreated), fromMS(uUpdated)
	m.User = &u
	return &m, nil
}

func loadMember(ctx context.Context, c *conn, groupID, userID int64) (*cairn.Member, error) {
	m, err := scanMember(c.queryRow(ctx, "SELECT "+memberColumns+
		" FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = ? AND gm.user_id = ?", groupID, userID))
	if err != nil {
		return nil, notFound(fmt.Errorf("member: %w", err), "Member")
	}
	return m, nil
}

// lockGroup checks that the group exists and, on PostgreSQL, locks its row
// until the transaction ends. Membership changes of one group then run one
// after the other, so two owners demoting each other at once cannot leave
// the group without one.
func lockGroup(ctx context.Context, c *conn, groupID int64) error {
	var id int64
	err := c.queryRow(ctx, "SELECT id FROM groups WHERE id = ?"+c.forUpdate(), groupID).Scan(&id)
	if err != nil {
		return notFound(fmt.Errorf("lock group: %w", err), "Group")
	}
	return nil
}

// keepsOwner returns ECONFLICT unless the group has an owner besides userID.
func keepsOwner(ctx context.Context, c *conn, groupID, userID int64) error {
	var n int
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM group_members WHERE group_id = ? AND access_level = ? AND user_id <> ?",
		groupID, cairn.AccessOwner, userID).Scan(&n)
	if err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if n == 0 {
		return cairn.Errorf(cairn.ECONFLICT, "A group must keep at least one owner")
	}
	return nil
}

// AddMember adds a user to a group. It returns EINVALID for bad input,
// ENOTFOUND if the group or the user does not exist, and ECONFLICT if the
// user is a member already.
func (s *Store) AddMember(ctx context.Context, in cairn.MemberInput) (*cairn.Member, error) {
	if err := in.Validate(s.Today()); err != nil {
		return nil, err
	}
	var m *cairn.Member
	err := s.write(ctx, func(c *conn) error {
		if err := lockGroup(ctx, c, in.GroupID); err != nil {
			return err
		}
		var uid int64
		if err := c.queryRow(ctx, "SELECT id FROM users WHERE id = ?", in.UserID).Scan(&uid); err != nil {
			return notFound(fmt.Errorf("add member: %w", err), "User")
		}
		_, err := c.exec(ctx, `INSERT INTO group_members (group_id, user_id, access_level, planning_role, capacity_factor, joined_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			in.GroupID, in.UserID, in.AccessLevel, in.PlanningRole, *in.CapacityFactor, in.JoinedAt, ms(s.now()))
		if isUniqueViolation(err) {
			return cairn.Errorf(cairn.ECONFLICT, "Member already exists")
		}
		if err != nil {
			return fmt.Errorf("add member: %w", err)
		}
		if m, err = loadMember(ctx, c, in.GroupID, in.UserID); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{groupID: in.GroupID, action: cairn.AuditMemberAdd, targetType: "User", targetID: in.UserID,
			details: map[string]any{"add": "user_access", "as": accessLevelName(m.AccessLevel), "planning_role": m.PlanningRole,
				"target_details": m.User.Username}})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// UpdateMember changes a membership; nil fields stay. It returns ENOTFOUND
// if the user is not a member and ECONFLICT when it would demote the
// group's last owner.
func (s *Store) UpdateMember(ctx context.Context, groupID, userID int64, up cairn.MemberUpdate) (*cairn.Member, error) {
	if err := up.Validate(); err != nil {
		return nil, err
	}
	var m *cairn.Member
	err := s.write(ctx, func(c *conn) error {
		if err := lockGroup(ctx, c, groupID); err != nil {
			return notFoundAs(err, "Member")
		}
		cur, err := loadMember(ctx, c, groupID, userID)
		if err != nil {
			return err
		}
		if up.AccessLevel != nil && *up.AccessLevel != cairn.AccessOwner && cur.AccessLevel == cairn.AccessOwner {
			if err := keepsOwner(ctx, c, groupID, userID); err != nil {
				return err
			}
		}
		var sets []string
		var args []any
		if up.AccessLevel != nil {
			sets, args = append(sets, "access_level = ?"), append(args, *up.AccessLevel)
		}
		if up.PlanningRole != nil {
			sets, args = append(sets, "planning_role = ?"), append(args, *up.PlanningRole)
		}
		if up.CapacityFactor != nil {
			sets, args = append(sets, "capacity_factor = ?"), append(args, *up.CapacityFactor)
		}
		if up.JoinedAt != nil {
			sets, args = append(sets, "joined_at = ?"), append(args, *up.JoinedAt)
		}
		if len(sets) == 0 {
			m = cur
			return nil
		}
		_, err = c.exec(ctx, "UPDATE group_members SET "+strings.Join(sets, ", ")+" WHERE group_id = ? AND user_id = ?",
			append(args, groupID, userID)...)
		if err != nil {
			return fmt.Errorf("update member: %w", err)
		}
		if m, err = loadMember(ctx, c, groupID, userID); err != nil {
			return err
		}
		changes := memberChanges(cur, m)
		if len(changes) == 0 {
			return nil
		}
		details := map[string]any{"changes": changes, "target_details": m.User.Username}
		if ch, ok := changes["access_level"].(map[string]any); ok {
			// GitLab's own fields for a role change.
			details["change"], details["from"], details["to"] = "access_level", ch["from"], ch["to"]
		}
		return s.audit(ctx, c, auditEntry{groupID: groupID, action: cairn.AuditMemberUpdate, targetType: "User", targetID: userID,
			details: details})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// RemoveMember removes a membership. It returns ENOTFOUND if the user is not
// a member and ECONFLICT if they are the group's last owner.
func (s *Store) RemoveMember(ctx context.Context, groupID, userID int64) error {
	return s.write(ctx, func(c *conn) error {
		if err := lockGroup(ctx, c, groupID); err != nil {
			return notFoundAs(err, "Member")
		}
		var level int
		var username string
		err := c.queryRow(ctx, "SELECT gm.access_level, u.username FROM group_members gm JOIN users u ON u.id = gm.user_id"+
			" WHERE gm.group_id = ? AND gm.user_id = ?", groupID, userID).Scan(&level, &username)
		if err != nil {
			return notFound(fmt.Errorf("remove member: %w", err), "Member")
		}
		if level == cairn.AccessOwner {
			if err := keepsOwner(ctx, c, groupID, userID); err != nil {
				return err
			}
		}
		if _, err := c.exec(ctx, "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", groupID, userID); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		return s.audit(ctx, c, auditEntry{groupID: groupID, action: cairn.AuditMemberRemove, targetType: "User", targetID: userID,
			details: map[string]any{"remove": "user_access", "as": accessLevelName(level), "target_details": username}})
	})
}

// notFoundAs renames an ENOTFOUND error: a membership of a missing group is
// a missing membership. Other errors pass through.
func notFoundAs(err error, what string) error {
	var ce *cairn.Error
	if errors.As(err, &ce) && ce.Code == cairn.ENOTFOUND {
		return cairn.NotFound(what)
	}
	return err
}

// Member returns one membership with its User; ENOTFOUND if the user is not
// a member of the group.
func (s *Store) Member(ctx context.Context, groupID, userID int64) (*cairn.Member, error) {
	return loadMember(ctx, s.read(), groupID, userID)
}

// ListMembers lists a group's members, each with its User, ordered by
// username.
func (s *Store) ListMembers(ctx context.Context, groupID int64, p cairn.Page) ([]*cairn.Member, cairn.Total, error) {
	c := s.read()
	const from = " FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = ?"
	p = p.Normalize()
	rows, err := c.query(ctx, "SELECT "+memberColumns+from+" ORDER BY lower(u.username), u.id LIMIT ? OFFSET ?",
		groupID, p.PerPage, p.Offset())
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, cairn.Total{}, fmt.Errorf("scan member: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list members: %w", err)
	}
	total, err := countPage(ctx, c, from, []any{groupID}, p, len(out))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count members: %w", err)
	}
	return out, total, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

var _ cairn.MilestoneService = (*Store)(nil)

// milestoneColumns are the columns scanMilestone reads, for a milestones
// table aliased "m".
const milestoneColumns = "m.id, m.iid, m.group_id, m.project_id, m.title, m.description, m.state, m.start_date, m.due_date, m.created_at, m.updated_at"

// milestoneOrder puts the nearest due date first and milestones without one
// last. The databases disagree on where NULLs sort by default; sorting on
// "(due_date IS NULL)" first (false before true on both) settles it.
const milestoneOrder = " ORDER BY (m.due_date IS NULL), m.due_date, m.title, m.id"

func scanMilestone(r scanner) (*cairn.Milestone, error) {
	var m cairn.Milestone
	var groupID, projectID sql.NullInt64
	var start, due sql.NullString
	var created, updated int64
	if err := r.Scan(&m.ID, &m.IID, &groupID, &projectID, &m.Title, &m.Description, &m.State, &start, &due, &created, &updated); err != nil {
		return nil, err
	}
	if groupID.Valid {
		m.GroupID = &groupID.Int64
	}
	if projectID.Valid {
		m.ProjectID = &projectID.Int64
	}
	m.StartDate, m.DueDate = start.String, due.String
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	return &m, nil
}

func errMilestoneTitleTaken() error {
	return cairn.Errorf(cairn.ECONFLICT, "Milestone title has already been taken")
}

// CreateMilestone creates a milestone in a group or a project, numbered
// with the owner's next iid. It returns EINVALID for bad input, ENOTFOUND
// if the owner does not exist and ECONFLICT if the owner has a milestone of
// that title.
func (s *Store) CreateMilestone(ctx context.Context, in cairn.MilestoneCreate) (*cairn.Milestone, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	created := s.orNow(in.CreatedAt)
	m := &cairn.Milestone{
		Title: in.Title, Description: in.Description, State: in.State,
		StartDate: in.StartDate, DueDate: in.DueDate, CreatedAt: created, UpdatedAt: created,
	}
	// Locking the owner's row serialises creations per owner, so two
	// concurrent ones cannot both take MAX(iid)+1.
	lock, owner, what := "SELECT id FROM groups WHERE id = ?", "group_id", "Group"
	ownerID := in.GroupID
	if in.ProjectID != 0 {
		lock, owner, what = "SELECT id FROM projects WHERE id = ?", "project_id", "Project"
		ownerID = in.ProjectID
	}
	err := s.write(ctx, func(c *conn) error {
		var id int64
		if err := c.queryRow(ctx, lock+c.forUpdate(), ownerID).Scan(&id); err != nil {
			return notFound(fmt.Errorf("create milestone: %w", err), what)
		}
		var iid int64
		if err := c.queryRow(ctx, "SELECT COALESCE(MAX(iid), 0) + 1 FROM milestones WHERE "+owner+" = ?", ownerID).Scan(&iid); err != nil {
			return fmt.Errorf("create milestone: next iid: %w", err)
		}
		id, err := c.insert(ctx, `INSERT INTO milestones (iid, `+owner+`, title, description, state, start_date, due_date, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			iid, ownerID, m.Title, m.Description, m.State, nullString(m.StartDate), nullString(m.DueDate), ms(created), ms(created))
		if isUniqueViolation(err) {
			return errMilestoneTitleTaken()
		}
		if err != nil {
			return fmt.Errorf("create milestone: %w", err)
		}
		m.ID, m.IID = id, iid
		return nil
	})
	if err != nil {
		return nil, err
	}
	if in.ProjectID != 0 {
		m.ProjectID = &in.ProjectID
	} else {
		m.GroupID = &in.GroupID
	}
	return m, nil
}

func milestoneByID(ctx context.Context, c *conn, id int64, lock bool) (*cairn.Milestone, error) {
	q := "SELECT " + milestoneColumns + " FROM milestones m WHERE m.id = ?"
	if lock {
		q += c.forUpdate()
	}
	m, err := scanMilestone(c.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(fmt.Errorf("milestone by id: %w", err), "Milestone")
	}
	return m, nil
}

// MilestoneByID returns a milestone; ENOTFOUND if none.
func (s *Store) MilestoneByID(ctx context.Context, id int64) (*cairn.Milestone, error) {
	return milestoneByID(ctx, s.read(), id, false)
}

// ListGroupMilestones lists a group's milestones by due date (none last),
// then title. It returns ENOTFOUND if the group does not exist and EINVALID
// for an unknown state.
func (s *Store) ListGroupMilestones(ctx context.Context, groupID int64, f cairn.MilestoneFilter) ([]*cairn.Milestone, cairn.Total, error) {
	c := s.read()
	var id int64
	if err := c.queryRow(ctx, "SELECT id FROM groups WHERE id = ?", groupID).Scan(&id); err != nil {
		return nil, cairn.Total{}, notFound(fmt.Errorf("list group milestones: %w", err), "Group")
	}
	return listMilestones(ctx, c, "m.group_id = ?", []any{groupID}, f)
}

// ListProjectMilestones lists a project's own milestones and, with
// f.IncludeAncestors, its group's, in the order of ListGroupMilestones. It
// returns ENOTFOUND if the project does not exist.
func (s *Store) ListProjectMilestones(ctx context.Context, projectID int64, f cairn.MilestoneFilter) ([]*cairn.Milestone, cairn.Total, error) {
	c := s.read()
	groupID, err := projectGroupID(ctx, c, projectID)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	if f.IncludeAncestors {
		return listMilestones(ctx, c, "(m.project_id = ? OR m.group_id = ?)", []any{projectID, groupID}, f)
	}
	return listMilestones(ctx, c, "m.project_id = ?", []any{projectID}, f)
}

// listMilestones lists the milestones of owner (a condition on "m" with its
// arguments) that f selects.
func listMilestones(ctx context.Context, c *conn, owner string, args []any, f cairn.MilestoneFilter) ([]*cairn.Milestone, cairn.Total, error) {
	where := []string{owner}
	switch f.State {
	case "", "all":
	case cairn.MilestoneActive, cairn.MilestoneClosed:
		where, args = append(where, "m.state = ?"), append(args, f.State)
	default:
		return nil, cairn.Total{}, &cairn.Error{Code: cairn.EINVALID, Param: "state", Message: "state does not have a valid value"}
	}
	if f.Title != "" {
		where, args = append(where, "m.title = ?"), append(args, f.Title)
	}
	if f.Search != "" {
		p := likePattern(f.Search)
		where = append(where, `(lower(m.title) LIKE ? ESCAPE '\' OR lower(m.description) LIKE ? ESCAPE '\')`)
		args = append(args, p, p)
	}
	if len(f.IIDs) > 0 {
		where, args = append(where, "m.iid IN ("+placeholders(len(f.IIDs))+")"), append(args, int64Args(f.IIDs)...)
	}
	from := " FROM milestones m" + whereClause(where)
	page := f.Page.Normalize()
	rows, err := c.query(ctx, "SELECT "+milestoneColumns+from+milestoneOrder+" LIMIT ? OFFSET ?",
		append(args, page.PerPage, page.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list milestones: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Milestone
	for rows.Next() {
		m, err := scanMilestone(rows)
		if err != nil {
			return nil, cairn.Total{}, fmt.Errorf("scan milestone: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list milestones: %w", err)
	}
	total, err := countPage(ctx, c, from, args, page, len(out))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count milestones: %w", err)
	}
	return out, total, nil
}

// FindProjectMilestone finds a milestone usable in a project by exact
// title: the project's own first, then its group's. It returns ENOTFOUND if
// the project or the milestone does not exist.
func (s *Store) FindProjectMilestone(ctx context.Context, projectID int64, title string) (*cairn.Milestone, error) {
	c := s.read()
	groupID, err := projectGroupID(ctx, c, projectID)
	if err != nil {
		return nil, err
	}
	m, err := scanMilestone(c.queryRow(ctx, "SELECT "+milestoneColumns+" FROM milestones m"+
		" WHERE m.title = ? AND (m.project_id = ? OR m.group_id = ?)"+
		" ORDER BY (m.project_id IS NULL), m.id LIMIT 1", title, projectID, groupID))
	if err != nil {
		return nil, notFound(fmt.Errorf("find project milestone: %w", err), "Milestone")
	}
	return m, nil
}

// UpdateMilestone changes a milestone's title, description or dates, and
// closes or reactivates it. It returns ENOTFOUND if there is no such
// milestone, EINVALID for bad input (dates are checked against the current
// ones) and ECONFLICT if the new title is taken.
func (s *Store) UpdateMilestone(ctx context.Context, id int64, up cairn.MilestoneUpdate) (*cairn.Milestone, error) {
	var m *cairn.Milestone
	err := s.write(ctx, func(c *conn) error {
		cur, err := milestoneByID(ctx, c, id, true)
		if err != nil {
			return err
		}
		// Validate normalises up; work on a copy so a retried transaction
		// starts from the caller's input.
		u := up
		if err := u.Validate(cur); err != nil {
			return err
		}
		sets := []string{"updated_at = ?"}
		args := []any{ms(s.now())}
		if u.Title != nil {
			sets, args = append(sets, "title = ?"), append(args, *u.Title)
		}
		if u.Description != nil {
			sets, args = append(sets, "description = ?"), append(args, *u.Description)
		}
		if u.StartDate.Set {
			sets, args = append(sets, "start_date = ?"), append(args, nullStringPtr(u.StartDate.Value))
		}
		if u.DueDate.Set {
			sets, args = append(sets, "due_date = ?"), append(args, nullStringPtr(u.DueDate.Value))
		}
		switch u.StateEvent {
		case "close":
			sets, args = append(sets, "state = ?"), append(args, cairn.MilestoneClosed)
		case "activate":
			sets, args = append(sets, "state = ?"), append(args, cairn.MilestoneActive)
		}
		_, err = c.exec(ctx, "UPDATE milestones SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
		if isUniqueViolation(err) {
			return errMilestoneTitleTaken()
		}
		if err != nil {
			return fmt.Errorf("update milestone: %w", err)
		}
		m, err = milestoneByID(ctx, c, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// nullStringPtr returns NULL for nil or "", else the string.
func nullStringPtr(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return nullString(*p)
}

// DeleteMilestone deletes a milestone. In the same transaction it records
// a milestone "remove" event, by the acting user, on every issue that had
// it and unsets it there, so that planning history still shows when the
// issues left the milestone. It returns ENOTFOUND if there is no such
// milestone.
func (s *Store) DeleteMilestone(ctx context.Context, id int64) error {
	actor := cairn.UserIDFromContext(ctx)
	var actorArg sql.NullInt64
	if actor != 0 {
		actorArg = sql.NullInt64{Int64: actor, Valid: true}
	}
	return s.write(ctx, func(c *conn) error {
		// The row lock also holds off (on PostgreSQL) any transaction that
		// would put an issue into the milestone meanwhile: its foreign-key
		// check waits for this lock and then finds the milestone gone.
		m, err := milestoneByID(ctx, c, id, true)
		if err != nil {
			return err
		}
		now := ms(s.now())
		// The casts give PostgreSQL the parameter types it cannot infer
		// from a SELECT list. Kind and action are cairn.EventMilestone and
		// cairn.ActionRemove.
		_, err = c.exec(ctx, `INSERT INTO issue_events (issue_id, kind, action, milestone_id, milestone_title, user_id, created_at)
			SELECT i.id, 'milestone', 'remove', CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT)
			FROM issues i WHERE i.milestone_id = ? ORDER BY i.id`,
			m.ID, m.Title, actorArg, now, m.ID)
		if err != nil {
			return fmt.Errorf("delete milestone: record events: %w", err)
		}
		if _, err := c.exec(ctx, "UPDATE issues SET milestone_id = NULL, updated_at = ? WHERE milestone_id = ?", now, m.ID); err != nil {
			return fmt.Errorf("delete milestone: unset on issues: %w", err)
		}
		if _, err := c.exec(ctx, "DELETE FROM milestones WHERE id = ?", m.ID); err != nil {
			return fmt.Errorf("delete milestone: %w", err)
		}
		return nil
	})
}

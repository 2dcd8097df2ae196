package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
)

// labelColumns are the columns scanLabel reads, for a labels table aliased "l".
const labelColumns = "l.id, l.group_id, l.project_id, l.name, l.color, l.description, l.priority, l.created_at, l.updated_at"

// scanLabel reads labelColumns.
func scanLabel(r scanner) (*cairn.Label, error) {
	var l cairn.Label
	var groupID, projectID, priority sql.NullInt64
	var created, updated int64
	if err := r.Scan(&l.ID, &groupID, &projectID, &l.Name, &l.Color, &l.Description, &priority, &created, &updated); err != nil {
		return nil, err
	}
	if groupID.Valid {
		l.GroupID = &groupID.Int64
	}
	if projectID.Valid {
		l.ProjectID = &projectID.Int64
	}
	if priority.Valid {
		p := int(priority.Int64)
		l.Priority = &p
	}
	l.CreatedAt, l.UpdatedAt = fromMS(created), fromMS(updated)
	return &l, nil
}

// errLabelExists is GitLab's answer to a duplicate label name.
func errLabelExists() error { return cairn.Errorf(cairn.ECONFLICT, "Label already exists") }

// CreateLabel creates a group or project label. It returns ECONFLICT if the
// owner already has a label of that name (case-insensitive) or, for a
// project label, if the project's group has one; ENOTFOUND if the owner does
// not exist.
func (s *Store) CreateLabel(ctx context.Context, lc cairn.LabelCreate) (*cairn.Label, error) {
	if err := lc.Validate(); err != nil {
		return nil, err
	}
	at := s.orNow(lc.CreatedAt)
	var id int64
	err := s.write(ctx, func(c *conn) error {
		var err error
		if lc.ProjectID != 0 {
			gid, err := projectGroupID(ctx, c, lc.ProjectID)
			if err != nil {
				return err
			}
			var one int
			err = c.queryRow(ctx, "SELECT 1 FROM labels WHERE group_id = ? AND lower(name) = lower(?)", gid, lc.Name).Scan(&one)
			if err == nil {
				return errLabelExists()
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("check group labels: %w", err)
			}
		} else {
			var one int
			if err := c.queryRow(ctx, "SELECT 1 FROM groups WHERE id = ?", lc.GroupID).Scan(&one); err != nil {
				return notFound(err, "Group")
			}
		}
		var priority sql.NullInt64
		if lc.Priority != nil {
			priority = sql.NullInt64{Int64: int64(*lc.Priority), Valid: true}
		}
		id, err = c.insert(ctx, `INSERT INTO labels (group_id, project_id, name, color, description, priority, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			optID(lc.GroupID), optID(lc.ProjectID), lc.Name, lc.Color, lc.Description, priority, ms(at), ms(at))
		if isUniqueViolation(err) {
			return errLabelExists()
		}
		if err != nil {
			return fmt.Errorf("insert label: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.LabelByID(ctx, id)
}

// optID returns NULL for 0, else the id.
func optID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// LabelByID returns a label; ENOTFOUND if none.
func (s *Store) LabelByID(ctx context.Context, id int64) (*cairn.Label, error) {
	return labelByID(ctx, s.read(), id)
}

func labelByID(ctx context.Context, c *conn, id int64) (*cairn.Label, error) {
	l, err := scanLabel(c.queryRow(ctx, "SELECT "+labelColumns+" FROM labels l WHERE l.id = ?", id))
	if err != nil {
		return nil, notFound(err, "Label")
	}
	return l, nil
}

// ListGroupLabels lists a group's labels ordered by name, with the total.
// ENOTFOUND if the group does not exist.
func (s *Store) ListGroupLabels(ctx context.Context, groupID int64, f cairn.LabelFilter) ([]*cairn.Label, cairn.Total, error) {
	c := s.read()
	var one int
	if err := c.queryRow(ctx, "SELECT 1 FROM groups WHERE id = ?", groupID).Scan(&one); err != nil {
		return nil, cairn.Total{}, notFound(err, "Group")
	}
	return listLabels(ctx, c, "l.group_id = ?", []any{groupID}, f)
}

// ListProjectLabels lists the labels usable in a project, its own and,
// unless f.OnlyOwn, its group's, ordered by name, with the total. ENOTFOUND
// if the project does not exist.
func (s *Store) ListProjectLabels(ctx context.Context, projectID int64, f cairn.LabelFilter) ([]*cairn.Label, cairn.Total, error) {
	c := s.read()
	gid, err := projectGroupID(ctx, c, projectID)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	if f.OnlyOwn {
		return listLabels(ctx, c, "l.project_id = ?", []any{projectID}, f)
	}
	return listLabels(ctx, c, "(l.project_id = ? OR l.group_id = ?)", []any{projectID, gid}, f)
}

func listLabels(ctx context.Context, c *conn, where string, args []any, f cairn.LabelFilter) ([]*cairn.Label, cairn.Total, error) {
	p := f.Page.Normalize()
	if f.Search != "" {
		where += ` AND lower(l.name) LIKE ? ESCAPE '\'`
		args = append(args, likePattern(f.Search))
	}
	rows, err := c.query(ctx, "SELECT "+labelColumns+" FROM labels l WHERE "+where+
		" ORDER BY l.name, l.id LIMIT ? OFFSET ?", append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list labels: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Label
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, cairn.Total{}, fmt.Errorf("scan label: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list labels: %w", err)
	}
	total, err := countPage(ctx, c, "FROM labels l WHERE "+where, args, p, len(out))
	return out, total, err
}

// likePattern returns a LIKE pattern (with '\' as the escape character)
// that matches s anywhere, case-insensitively when compared to lower(col).
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// countPage returns the total of a list whose page p held n rows: exact
// without a query when the page shows where the list ends, else counted up
// to MaxCountedTotal+1 rows. from is "FROM … WHERE …" with its args.
func countPage(ctx context.Context, c *conn, from string, args []any, p cairn.Page, n int) (cairn.Total, error) {
	p = p.Normalize()
	if n > 0 && n < p.PerPage || n == 0 && p.Page == 1 {
		return cairn.Total{Count: p.Offset() + n}, nil
	}
	var count int
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 "+from+" LIMIT ?) t", append(args, cairn.MaxCountedTotal+1)...).Scan(&count)
	if err != nil {
		return cairn.Total{}, fmt.Errorf("count: %w", err)
	}
	if count > cairn.MaxCountedTotal {
		return cairn.Total{Count: cairn.MaxCountedTotal, Capped: true}, nil
	}
	return cairn.Total{Count: count}, nil
}

// FindProjectLabel finds a label usable in a project (its own or its
// group's) by id or name: the exact name, the project's own label first,
// then a case-insensitive match. ENOTFOUND if none.
func (s *Store) FindProjectLabel(ctx context.Context, projectID int64, idOrName string) (*cairn.Label, error) {
	c := s.read()
	gid, err := projectGroupID(ctx, c, projectID)
	if err != nil {
		return nil, err
	}
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil {
		l, err := scanLabel(c.queryRow(ctx, "SELECT "+labelColumns+" FROM labels l WHERE l.id = ? AND (l.project_id = ? OR l.group_id = ?)", id, projectID, gid))
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find label: %w", err)
		}
	}
	m, err := labelsByName(ctx, c, projectID, gid, []string{idOrName})
	if err != nil {
		return nil, err
	}
	if l := m[idOrName]; l != nil {
		return l, nil
	}
	return nil, cairn.NotFound("Label")
}

// FindGroupLabel finds a group label by id or name (exact first, then
// case-insensitive); ENOTFOUND if none.
func (s *Store) FindGroupLabel(ctx context.Context, groupID int64, idOrName string) (*cairn.Label, error) {
	c := s.read()
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil {
		l, err := scanLabel(c.queryRow(ctx, "SELECT "+labelColumns+" FROM labels l WHERE l.id = ? AND l.group_id = ?", id, groupID))
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find label: %w", err)
		}
	}
	// A group has one label per lower-case name; prefer the exact spelling
	// in case an old database holds two.
	l, err := scanLabel(c.queryRow(ctx, "SELECT "+labelColumns+" FROM labels l WHERE l.group_id = ? AND lower(l.name) = lower(?)"+
		" ORDER BY CASE WHEN l.name = ? THEN 0 ELSE 1 END, l.id LIMIT 1", groupID, idOrName, idOrName))
	if err != nil {
		return nil, notFound(err, "Label")
	}
	return l, nil
}

// UpdateLabel changes a label; renaming keeps it on its issues, and the
// issues' history keeps the old name. ENOTFOUND if the label does not exist;
// ECONFLICT if the new name is taken.
func (s *Store) UpdateLabel(ctx context.Context, id int64, u cairn.LabelUpdate) (*cairn.Label, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.write(ctx, func(c *conn) error {
		l, err := scanLabel(c.queryRow(ctx, "SELECT "+labelColumns+" FROM labels l WHERE l.id = ?"+c.forUpdate(), id))
		if err != nil {
			return notFound(err, "Label")
		}
		sets := []string{"updated_at = ?"}
		args := []any{ms(now)}
		if u.NewName != nil && *u.NewName != l.Name {
			if l.ProjectID != nil && !strings.EqualFold(*u.NewName, l.Name) {
				gid, err := projectGroupID(ctx, c, *l.ProjectID)
				if err != nil {
					return err
				}
				var one int
				err = c.queryRow(ctx, "SELECT 1 FROM labels WHERE group_id = ? AND lower(name) = lower(?)", gid, *u.NewName).Scan(&one)
				if err == nil {
					return errLabelExists()
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("check group labels: %w", err)
				}
			}
			sets, args = append(sets, "name = ?"), append(args, *u.NewName)
		}
		if u.Color != nil {
			sets, args = append(sets, "color = ?"), append(args, *u.Color)
		}
		if u.Description != nil {
			sets, args = append(sets, "description = ?"), append(args, *u.Description)
		}
		if u.Priority.Set {
			var p sql.NullInt64
			if u.Priority.Value != nil {
				if *u.Priority.Value < 0 {
					return cairn.FieldError("priority", "must be greater than or equal to 0")
				}
				p = sql.NullInt64{Int64: int64(*u.Priority.Value), Valid: true}
			}
			sets, args = append(sets, "priority = ?"), append(args, p)
		}
		_, err = c.exec(ctx, "UPDATE labels SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
		if isUniqueViolation(err) {
			return errLabelExists()
		}
		if err != nil {
			return fmt.Errorf("update label: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.LabelByID(ctx, id)
}

// DeleteLabel deletes a label and removes it from its issues; their event
// history keeps the label's name. ENOTFOUND if none.
func (s *Store) DeleteLabel(ctx context.Context, id int64) error {
	return s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, "DELETE FROM labels WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete label: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete label: %w", err)
		} else if n == 0 {
			return cairn.NotFound("Label")
		}
		return nil
	})
}

// LabelCounts returns, for each of the labels, the number of open and closed
// issues that carry it; every id asked for has an entry.
func (s *Store) LabelCounts(ctx context.Context, labelIDs []int64) (map[int64]cairn.LabelCount, error) {
	ids := uniqueNonZero(labelIDs)
	out := make(map[int64]cairn.LabelCount, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	for _, id := range ids {
		out[id] = cairn.LabelCount{}
	}
	rows, err := s.read().query(ctx, `SELECT il.label_id,
			SUM(CASE WHEN i.state = 'opened' THEN 1 ELSE 0 END),
			SUM(CASE WHEN i.state = 'closed' THEN 1 ELSE 0 END)
		FROM issue_labels il JOIN issues i ON i.id = il.issue_id
		WHERE il.label_id IN (`+placeholders(len(ids))+`)
		GROUP BY il.label_id ORDER BY il.label_id LIMIT ?`, append(int64Args(ids), len(ids))...)
	if err != nil {
		return nil, fmt.Errorf("count label issues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var open, closed int
		if err := rows.Scan(&id, &open, &closed); err != nil {
			return nil, fmt.Errorf("scan label counts: %w", err)
		}
		out[id] = cairn.LabelCount{OpenIssues: open, ClosedIssues: closed}
	}
	return out, rows.Err()
}

// labelsByName finds the labels usable in a project (its own and its
// group's) for each name. A name maps to, in order of preference: the
// project's label of that exact name, the group's, then a case-insensitive
// match, the project's first. Names with no label are absent from the map.
func labelsByName(ctx context.Context, c *conn, projectID, groupID int64, names []string) (map[string]*cairn.Label, error) {
	out := make(map[string]*cairn.Label, len(names))
	uniq := make([]any, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	if len(uniq) == 0 {
		return out, nil
	}
	args := []any{projectID, groupID}
	args = append(args, uniq...)
	args = append(args, uniq...)
	// At most two owners hold a lower-case name (the project and its group),
	// though a database made before the rules may hold more. The exact-name
	// test is there because SQLite's lower() folds ASCII only.
	args = append(args, 4*len(uniq)+8)
	ph := placeholders(len(uniq))
	rows, err := c.query(ctx, "SELECT "+labelColumns+" FROM labels l WHERE (l.project_id = ? OR l.group_id = ?) AND (l.name IN ("+
		ph+") OR lower(l.name) IN ("+strings.TrimSuffix(strings.Repeat("lower(?), ", len(uniq)), ", ")+")) ORDER BY l.id LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("find labels: %w", err)
	}
	defer rows.Close()
	var found []*cairn.Label
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, fmt.Errorf("scan label: %w", err)
		}
		found = append(found, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find labels: %w", err)
	}
	rank := func(l *cairn.Label, name string) int {
		r := 0
		if l.Name != name {
			r += 2
		}
		if l.ProjectID == nil {
			r++
		}
		return r
	}
	for _, n := range names {
		var best *cairn.Label
		for _, l := range found {
			if l.Name != n && !strings.EqualFold(l.Name, n) {
				continue
			}
			if best == nil || rank(l, n) < rank(best, n) {
				best = l
			}
		}
		if best != nil {
			out[n] = best
		}
	}
	return out, nil
}

// ensureLabels returns the labels for names as labelsByName does, creating
// the missing ones as project labels with the default colour (GitLab
// creates unknown labels named on an issue).
func ensureLabels(ctx context.Context, c *conn, projectID, groupID int64, names []string, now int64) (map[string]*cairn.Label, error) {
	m, err := labelsByName(ctx, c, projectID, groupID, names)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range names {
		if m[n] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return m, nil
	}
	for _, n := range missing {
		if m[n] != nil { // created above under another spelling
			continue
		}
		// A concurrent request may create the same label: DO NOTHING then
		// lets the look-up below find theirs instead of failing.
		if _, err := c.exec(ctx, `INSERT INTO labels (project_id, name, color, description, created_at, updated_at)
			VALUES (?, ?, ?, '', ?, ?) ON CONFLICT DO NOTHING`, projectID, n, cairn.DefaultLabelColor, now, now); err != nil {
			return nil, fmt.Errorf("create label %q: %w", n, err)
		}
		created, err := labelsByName(ctx, c, projectID, groupID, []string{n})
		if err != nil {
			return nil, err
		}
		if created[n] == nil {
			return nil, fmt.Errorf("create label %q: not found after insert", n)
		}
		for _, other := range missing {
			if strings.EqualFold(other, n) {
				m[other] = created[n]
			}
		}
	}
	return m, nil
}

// sortLabels sorts labels by name, as issues show them. (slices.SortFunc
// allocates nothing, and a plan sorts the labels of thousands of issues.)
func sortLabels(ls []*cairn.Label) {
	slices.SortFunc(ls, func(a, b *cairn.Label) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

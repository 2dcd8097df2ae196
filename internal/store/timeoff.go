package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

const timeOffColumns = "t.id, t.group_id, t.user_id, t.start_date, t.end_date, t.half_day, t.note, t.coverage_issue_id, t.created_at"

// storedTimeOff is a time_off row whose user is loaded afterwards.
type storedTimeOff struct {
	*cairn.TimeOff
	userID int64
}

func scanTimeOff(r scanner) (*storedTimeOff, error) {
	t := &cairn.TimeOff{}
	row := &storedTimeOff{TimeOff: t}
	var coverage sql.NullInt64
	var created int64
	if err := r.Scan(&t.ID, &t.GroupID, &row.userID, &t.StartDate, &t.EndDate, &t.HalfDay, &t.Note, &coverage, &created); err != nil {
		return nil, err
	}
	if coverage.Valid {
		t.CoverageIssueID = &coverage.Int64
	}
	t.CreatedAt = fromMS(created)
	return row, nil
}

// loadTimeOff runs query, which selects timeOffColumns, and returns the
// entries with their users.
func loadTimeOff(ctx context.Context, c *conn, query string, args ...any) ([]*cairn.TimeOff, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load time off: %w", err)
	}
	var list []*storedTimeOff
	var userIDs []int64
	for rows.Next() {
		t, err := scanTimeOff(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan time off: %w", err)
		}
		list = append(list, t)
		userIDs = append(userIDs, t.userID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load time off: %w", err)
	}
	users, err := usersByIDs(ctx, c, userIDs)
	if err != nil {
		return nil, err
	}
	out := make([]*cairn.TimeOff, len(list))
	for i, t := range list {
		t.User = users[t.userID]
		if t.User == nil {
			t.User = &cairn.User{ID: t.userID}
		}
		out[i] = t.TimeOff
	}
	return out, nil
}

// CoverageIssue describes the issue opened, in the planning project, to
// arrange cover for a member's time off. It is assigned to the member.
type CoverageIssue struct {
	ProjectPath string
	Title       string
	Description string
	DueDate     string
	Labels      []string
}

// TimeOffInput is time off to record, with the coverage issue to open
// with it when Coverage is set.
type TimeOffInput struct {
	cairn.TimeOffCreate
	Coverage *CoverageIssue
}

// CreateTimeOff records a member's time off, recorded as created by the
// acting user, and opens its coverage issue in the same transaction. It
// returns EINVALID for bad input or a user who is not a member of the
// group, and ENOTFOUND if the group does not exist.
func (s *Store) CreateTimeOff(ctx context.Context, in TimeOffInput) (*cairn.TimeOff, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	actor := cairn.UserIDFromContext(ctx)
	var id int64
	err := s.write(ctx, func(c *conn) error {
		now := ms(s.now())
		if err := checkGroup(ctx, c, in.GroupID); err != nil {
			return err
		}
		var one int
		err := c.queryRow(ctx, "SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?", in.GroupID, in.UserID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return &cairn.Error{Code: cairn.EINVALID, Message: "user is not a member of this group",
				Fields: map[string][]string{"user_id": {"is not a member of this group"}}}
		}
		if err != nil {
			return fmt.Errorf("check member: %w", err)
		}
		var coverage int64
		if in.Coverage != nil {
			projectID, err := ensurePlanningProject(ctx, c, in.GroupID, in.Coverage.ProjectPath, now)
			if err != nil {
				return err
			}
			author := actor
			if author == 0 {
				author = in.UserID
			}
			if coverage, err = createIssueTx(ctx, c, cairn.IssueCreate{
				ProjectID: projectID, Title: in.Coverage.Title, Description: in.Coverage.Description, DueDate: in.Coverage.DueDate,
				Labels: in.Coverage.Labels, AssigneeIDs: []int64{in.UserID},
			}, author, now); err != nil {
				return fmt.Errorf("create coverage issue: %w", err)
			}
		}
		id, err = c.insert(ctx, `INSERT INTO time_off (group_id, user_id, start_date, end_date, half_day, note, coverage_issue_id, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.GroupID, in.UserID, in.StartDate, in.EndDate, in.HalfDay, in.Note, optID(coverage), optID(actor), now)
		if err != nil {
			return fmt.Errorf("insert time off: %w", err)
		}
		planningChanged(c, in.GroupID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.TimeOffByID(ctx, in.GroupID, id)
}

// TimeOffByID returns one time-off entry of the group; ENOTFOUND if none.
func (s *Store) TimeOffByID(ctx context.Context, groupID, id int64) (*cairn.TimeOff, error) {
	list, err := loadTimeOff(ctx, s.read(), "SELECT "+timeOffColumns+" FROM time_off t WHERE t.id = ? AND t.group_id = ?", id, groupID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.NotFound("Time Off")
	}
	return list[0], nil
}

// TimeOffFilter selects a group's time off: one user's (UserID), and the
// entries overlapping From..To (dates; either may be "").
type TimeOffFilter struct {
	GroupID int64
	UserID  int64
	From    string
	To      string
	cairn.Page
}

// ListTimeOff lists time off by start date, then id, a page at a time,
// with the total. EINVALID for a malformed date.
func (s *Store) ListTimeOff(ctx context.Context, f TimeOffFilter) ([]*cairn.TimeOff, cairn.Total, error) {
	where, args, err := timeOffWhere(f)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	c := s.read()
	p := f.Page.Normalize()
	from := " FROM time_off t WHERE " + where
	list, err := loadTimeOff(ctx, c, "SELECT "+timeOffColumns+from+" ORDER BY t.start_date, t.id LIMIT ? OFFSET ?",
		append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	total, err := countPage(ctx, c, from, args, p, len(list))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count time off: %w", err)
	}
	return list, total, nil
}

// maxTimeOffRows bounds TimeOffBetween; a team enters a few hundred a year.
const maxTimeOffRows = 100000

// TimeOffBetween returns all of the group's time off that overlaps the
// dates from..to, by start date, for capacity.
func (s *Store) TimeOffBetween(ctx context.Context, groupID int64, from, to string) ([]*cairn.TimeOff, error) {
	where, args, err := timeOffWhere(TimeOffFilter{GroupID: groupID, From: from, To: to})
	if err != nil {
		return nil, err
	}
	return loadTimeOff(ctx, s.read(), "SELECT "+timeOffColumns+" FROM time_off t WHERE "+where+" ORDER BY t.start_date, t.id LIMIT ?",
		append(args, maxTimeOffRows)...)
}

func timeOffWhere(f TimeOffFilter) (string, []any, error) {
	conds := []string{"t.group_id = ?"}
	args := []any{f.GroupID}
	if f.UserID != 0 {
		conds = append(conds, "t.user_id = ?")
		args = append(args, f.UserID)
	}
	// Dates are text in one format, so text comparison orders them.
	if f.From != "" {
		if !cairn.ValidDate(f.From) {
			return "", nil, &cairn.Error{Code: cairn.EINVALID, Param: "from", Message: "from must be a date like 2026-12-31"}
		}
		conds = append(conds, "t.end_date >= ?")
		args = append(args, f.From)
	}
	if f.To != "" {
		if !cairn.ValidDate(f.To) {
			return "", nil, &cairn.Error{Code: cairn.EINVALID, Param: "to", Message: "to must be a date like 2026-12-31"}
		}
		conds = append(conds, "t.start_date <= ?")
		args = append(args, f.To)
	}
	return strings.Join(conds, " AND "), args, nil
}

// DeleteTimeOff deletes a time-off entry of the group and returns it (its
// coverage issue stays: people may have written in it). ENOTFOUND if none.
func (s *Store) DeleteTimeOff(ctx context.Context, groupID, id int64) (*cairn.TimeOff, error) {
	t, err := s.TimeOffByID(ctx, groupID, id)
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, "DELETE FROM time_off WHERE id = ? AND group_id = ?", id, groupID)
		if err != nil {
			return fmt.Errorf("delete time off: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete time off: %w", err)
		} else if n == 0 {
			return cairn.NotFound("Time Off")
		}
		planningChanged(c, groupID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

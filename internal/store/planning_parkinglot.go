package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cairnhq/cairn"
)

const parkingLotColumns = "pl.id, pl.group_id, pl.milestone_id, pl.issue_id, pl.title, pl.reason, pl.author_id, pl.created_at"

// loadParkingLot runs query, which selects parkingLotColumns, and returns
// the entries with their issues and authors.
func loadParkingLot(ctx context.Context, c *conn, query string, args ...any) ([]*cairn.ParkingLotEntry, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load parking lot: %w", err)
	}
	type row struct {
		e       *cairn.ParkingLotEntry
		issueID sql.NullInt64
		author  sql.NullInt64
	}
	var list []row
	var issueIDs, userIDs []int64
	for rows.Next() {
		r := row{e: &cairn.ParkingLotEntry{}}
		var created int64
		if err := rows.Scan(&r.e.ID, &r.e.GroupID, &r.e.MilestoneID, &r.issueID, &r.e.Title, &r.e.Reason, &r.author, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan parking lot entry: %w", err)
		}
		r.e.CreatedAt = fromMS(created)
		if r.issueID.Valid {
			issueIDs = append(issueIDs, r.issueID.Int64)
		}
		if r.author.Valid {
			userIDs = append(userIDs, r.author.Int64)
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load parking lot: %w", err)
	}
	users, err := usersByIDs(ctx, c, userIDs)
	if err != nil {
		return nil, err
	}
	issues, err := issuesByIDs(ctx, c, uniqueNonZero(issueIDs))
	if err != nil {
		return nil, err
	}
	out := make([]*cairn.ParkingLotEntry, len(list))
	for i, r := range list {
		if r.issueID.Valid {
			r.e.Issue = issues[r.issueID.Int64]
		}
		if r.author.Valid {
			r.e.Author = users[r.author.Int64]
		}
		out[i] = r.e
	}
	return out, nil
}

// CreateParkingLotEntry adds a proposal to a milestone's parking lot,
// written by the acting user: an issue of one of the group's projects, or
// a free-text title. It returns EINVALID for bad input or an issue outside
// the group, and ENOTFOUND if the milestone is not the group's.
func (s *Store) CreateParkingLotEntry(ctx context.Context, in cairn.ParkingLotCreate) (*cairn.ParkingLotEntry, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	actor := cairn.UserIDFromContext(ctx)
	var id int64
	err := s.write(ctx, func(c *conn) error {
		var one int
		if err := c.queryRow(ctx, "SELECT 1 FROM milestones WHERE id = ? AND group_id = ?", in.MilestoneID, in.GroupID).Scan(&one); err != nil {
			return notFound(fmt.Errorf("parking lot: %w", err), "Milestone")
		}
		var issueID int64
		if in.ProjectID != 0 {
			err := c.queryRow(ctx, "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.group_id = ? AND i.project_id = ? AND i.iid = ?",
				in.GroupID, in.ProjectID, in.IssueIID).Scan(&issueID)
			if errors.Is(err, sql.ErrNoRows) {
				return cairn.FieldError("issue", "is not an issue of this group")
			}
			if err != nil {
				return fmt.Errorf("find issue: %w", err)
			}
		}
		var err error
		id, err = c.insert(ctx, `INSERT INTO parking_lot (group_id, milestone_id, issue_id, title, reason, author_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, in.GroupID, in.MilestoneID, optID(issueID), in.Title, in.Reason, optID(actor), ms(s.now()))
		if err != nil {
			return fmt.Errorf("insert parking lot entry: %w", err)
		}
		planningChanged(c, in.GroupID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	list, err := loadParkingLot(ctx, s.read(), "SELECT "+parkingLotColumns+" FROM parking_lot pl WHERE pl.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.NotFound("Parking Lot Entry")
	}
	return list[0], nil
}

// ListParkingLot lists a milestone's parking lot, oldest first, a page at a
// time, with the total.
func (s *Store) ListParkingLot(ctx context.Context, groupID, milestoneID int64, p cairn.Page) ([]*cairn.ParkingLotEntry, cairn.Total, error) {
	c := s.read()
	p = p.Normalize()
	const from = " FROM parking_lot pl WHERE pl.group_id = ? AND pl.milestone_id = ?"
	list, err := loadParkingLot(ctx, c, "SELECT "+parkingLotColumns+from+" ORDER BY pl.id LIMIT ? OFFSET ?", groupID, milestoneID, p.PerPage, p.Offset())
	if err != nil {
		return nil, cairn.Total{}, err
	}
	total, err := countPage(ctx, c, from, []any{groupID, milestoneID}, p, len(list))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count parking lot: %w", err)
	}
	return list, total, nil
}

// maxParkingLotRows bounds the parking lot a planning issue shows.
const maxParkingLotRows = 1000

// ParkingLot returns a milestone's whole parking lot (up to a thousand
// entries), oldest first.
func (s *Store) ParkingLot(ctx context.Context, groupID, milestoneID int64) ([]*cairn.ParkingLotEntry, error) {
	return loadParkingLot(ctx, s.read(), "SELECT "+parkingLotColumns+" FROM parking_lot pl WHERE pl.group_id = ? AND pl.milestone_id = ? ORDER BY pl.id LIMIT ?",
		groupID, milestoneID, maxParkingLotRows)
}

// ParkingLotEntry returns one entry of a milestone's parking lot;
// ENOTFOUND if none.
func (s *Store) ParkingLotEntry(ctx context.Context, groupID, milestoneID, id int64) (*cairn.ParkingLotEntry, error) {
	list, err := loadParkingLot(ctx, s.read(), "SELECT "+parkingLotColumns+" FROM parking_lot pl WHERE pl.id = ? AND pl.group_id = ? AND pl.milestone_id = ?",
		id, groupID, milestoneID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.NotFound("Parking Lot Entry")
	}
	return list[0], nil
}

// DeleteParkingLotEntry removes an entry from a milestone's parking lot.
// ENOTFOUND if none.
func (s *Store) DeleteParkingLotEntry(ctx context.Context, groupID, milestoneID, id int64) error {
	return s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, "DELETE FROM parking_lot WHERE id = ? AND group_id = ? AND milestone_id = ?", id, groupID, milestoneID)
		if err != nil {
			return fmt.Errorf("delete parking lot entry: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete parking lot entry: %w", err)
		} else if n == 0 {
			return cairn.NotFound("Parking Lot Entry")
		}
		planningChanged(c, groupID)
		return nil
	})
}

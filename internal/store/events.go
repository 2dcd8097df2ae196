package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cairnhq/cairn"
)

var _ cairn.EventService = (*Store)(nil)

// ListIssueEvents lists an issue's events of one kind (cairn.EventLabel,
// EventWeight, EventMilestone or EventState; "" for all), oldest first,
// with the acting user and, for label events, the label as it is now (nil
// once deleted: LabelName keeps the name it had). ENOTFOUND if the issue
// does not exist; EINVALID for an unknown kind.
func (s *Store) ListIssueEvents(ctx context.Context, projectID, iid int64, kind string, p cairn.Page) ([]*cairn.Event, cairn.Total, error) {
	switch kind {
	case "", cairn.EventLabel, cairn.EventWeight, cairn.EventMilestone, cairn.EventState:
	default:
		return nil, cairn.Total{}, badFilter("kind")
	}
	p = p.Normalize()
	c := s.read()
	issueID, err := issueIDByIID(ctx, c, projectID, iid)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	where, args := "e.issue_id = ?", []any{issueID}
	if kind != "" {
		where, args = where+" AND e.kind = ?", append(args, kind)
	}
	rows, err := c.query(ctx, `SELECT e.id, e.issue_id, e.kind, e.action, e.label_id, e.label_name, e.weight, e.milestone_id,
			e.milestone_title, e.user_id, e.created_at
		FROM issue_events e WHERE `+where+` ORDER BY e.created_at, e.id LIMIT ? OFFSET ?`, append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list issue events: %w", err)
	}
	out := []*cairn.Event{}
	var userIDs, labelIDs []int64
	users := map[*cairn.Event]int64{}
	for rows.Next() {
		var e cairn.Event
		var labelID, weight, milestoneID, userID sql.NullInt64
		var created int64
		if err := rows.Scan(&e.ID, &e.IssueID, &e.Kind, &e.Action, &labelID, &e.LabelName, &weight, &milestoneID,
			&e.MilestoneTitle, &userID, &created); err != nil {
			rows.Close()
			return nil, cairn.Total{}, fmt.Errorf("scan issue event: %w", err)
		}
		if labelID.Valid {
			e.LabelID = &labelID.Int64
			labelIDs = append(labelIDs, labelID.Int64)
		}
		if weight.Valid {
			w := int(weight.Int64)
			e.Weight = &w
		}
		if milestoneID.Valid {
			e.MilestoneID = &milestoneID.Int64
		}
		if userID.Valid {
			users[&e] = userID.Int64
			userIDs = append(userIDs, userID.Int64)
		}
		e.CreatedAt = fromMS(created)
		out = append(out, &e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list issue events: %w", err)
	}
	byID, err := usersByIDs(ctx, c, userIDs)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	labels, err := labelsByIDs(ctx, c, labelIDs)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	for _, e := range out {
		if id, ok := users[e]; ok {
			e.User = byID[id]
		}
		if e.LabelID != nil {
			e.Label = labels[*e.LabelID]
		}
	}
	total, err := countPage(ctx, c, "FROM issue_events e WHERE "+where, args, p, len(out))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count issue events: %w", err)
	}
	return out, total, nil
}

// labelsByIDs loads the labels with the given ids in one query.
func labelsByIDs(ctx context.Context, c *conn, ids []int64) (map[int64]*cairn.Label, error) {
	ids = uniqueNonZero(ids)
	out := make(map[int64]*cairn.Label, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, "SELECT "+labelColumns+" FROM labels l WHERE l.id IN ("+placeholders(len(ids))+") ORDER BY l.id LIMIT ?",
		append(int64Args(ids), len(ids))...)
	if err != nil {
		return nil, fmt.Errorf("load labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, fmt.Errorf("scan label: %w", err)
		}
		out[l.ID] = l
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cairnhq/cairn"
)

// This file holds the planning tables the planner reads and writes:
// a group's settings, and per milestone its plan record (planning issue,
// retrospective, finalisation) and commitments. The settings are stored as
// the JSON the planning package reads, so the store needs no knowledge of
// their keys.

// checkGroup returns ENOTFOUND unless the group exists.
func checkGroup(ctx context.Context, c *conn, groupID int64) error {
	var id int64
	if err := c.queryRow(ctx, "SELECT id FROM groups WHERE id = ?", groupID).Scan(&id); err != nil {
		return notFound(fmt.Errorf("group: %w", err), "Group")
	}
	return nil
}

// PlanningSettings returns the group's stored planning settings as JSON,
// or nil when the group has stored none (it plans with the defaults).
// ENOTFOUND if the group does not exist.
func (s *Store) PlanningSettings(ctx context.Context, groupID int64) ([]byte, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, err
	}
	var data string
	err := c.queryRow(ctx, "SELECT settings FROM planning_settings WHERE group_id = ?", groupID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load planning settings: %w", err)
	}
	return []byte(data), nil
}

// UpdatePlanningSettings replaces the group's settings with what fn makes
// of the current ones (nil when none are stored), in one transaction that
// locks the group, so that two concurrent changes of different keys both
// land. fn may run more than once and must not keep state between calls;
// its error is returned as it is. ENOTFOUND if the group does not exist.
func (s *Store) UpdatePlanningSettings(ctx context.Context, groupID int64, fn func(current []byte) ([]byte, error)) ([]byte, error) {
	var out []byte
	err := s.write(ctx, func(c *conn) error {
		if err := lockGroup(ctx, c, groupID); err != nil {
			return err
		}
		var cur []byte
		var data string
		err := c.queryRow(ctx, "SELECT settings FROM planning_settings WHERE group_id = ?", groupID).Scan(&data)
		switch {
		case err == nil:
			cur = []byte(data)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("load planning settings: %w", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, `INSERT INTO planning_settings (group_id, settings, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (group_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
			groupID, string(next), ms(s.now())); err != nil {
			return fmt.Errorf("save planning settings: %w", err)
		}
		planningChanged(c, groupID)
		out = next
		changes := settingsChanges(cur, next)
		if len(changes) == 0 {
			return nil
		}
		keys := slices.Sorted(maps.Keys(changes))
		return s.audit(ctx, c, auditEntry{groupID: groupID, action: cairn.AuditPlanningSettingsUpdate, targetType: "Group", targetID: groupID,
			details: map[string]any{"change": "planning_settings", "keys": keys, "changes": changes}})
	})
	return out, err
}

// MilestonePlan is the planning record of one milestone: its planning
// issue, the retrospective opened when it ended, and its finalisation.
type MilestonePlan struct {
	MilestoneID          int64
	GroupID              int64
	PlanningIssueID      *int64
	RetrospectiveIssueID *int64
	FinalizedAt          *time.Time
	FinalizedByID        *int64
	// TeamCapacity is the team capacity the plan was finalised with.
	TeamCapacity *float64
	CreatedAt    time.Time
}

// Finalized reports whether the plan has been finalised.
func (p *MilestonePlan) Finalized() bool { return p != nil && p.FinalizedAt != nil }

const milestonePlanColumns = "mp.milestone_id, mp.group_id, mp.planning_issue_id, mp.retrospective_issue_id, mp.finalized_at, mp.finalized_by, mp.team_capacity, mp.created_at"

func scanMilestonePlan(r scanner) (*MilestonePlan, error) {
	var p MilestonePlan
	var planning, retro, finalized, by sql.NullInt64
	var capacity sql.NullFloat64
	var created int64
	if err := r.Scan(&p.MilestoneID, &p.GroupID, &planning, &retro, &finalized, &by, &capacity, &created); err != nil {
		return nil, err
	}
	if planning.Valid {
		p.PlanningIssueID = &planning.Int64
	}
	if retro.Valid {
		p.RetrospectiveIssueID = &retro.Int64
	}
	p.FinalizedAt = fromNullMS(finalized)
	if by.Valid {
		p.FinalizedByID = &by.Int64
	}
	if capacity.Valid {
		p.TeamCapacity = &capacity.Float64
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

// MilestonePlan returns the planning record of a milestone, or nil when it
// has none yet (no planning issue was ever recorded and it was never
// finalised).
func (s *Store) MilestonePlan(ctx context.Context, milestoneID int64) (*MilestonePlan, error) {
	p, err := scanMilestonePlan(s.read().queryRow(ctx, "SELECT "+milestonePlanColumns+" FROM milestone_plans mp WHERE mp.milestone_id = ?", milestoneID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load milestone plan: %w", err)
	}
	return p, nil
}

// maxGroupRows bounds the lists the planner loads whole (a group's
// milestones, members, plan records): far above any real team, it only
// keeps a runaway group from exhausting memory.
const maxGroupRows = 10000

// MilestonePlans returns the planning records of a group's milestones, by
// milestone id.
func (s *Store) MilestonePlans(ctx context.Context, groupID int64) (map[int64]*MilestonePlan, error) {
	rows, err := s.read().query(ctx, "SELECT "+milestonePlanColumns+" FROM milestone_plans mp WHERE mp.group_id = ? ORDER BY mp.milestone_id LIMIT ?",
		groupID, maxGroupRows)
	if err != nil {
		return nil, fmt.Errorf("list milestone plans: %w", err)
	}
	defer rows.Close()
	out := map[int64]*MilestonePlan{}
	for rows.Next() {
		p, err := scanMilestonePlan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan milestone plan: %w", err)
		}
		out[p.MilestoneID] = p
	}
	return out, rows.Err()
}

// lockMilestonePlan returns the milestone's planning record, creating it
// first when missing, and on PostgreSQL locks it until the transaction
// ends. Every change of a milestone's planning (recording its planning
// issue, its retrospective, finalising it) goes through this lock, so two
// at once run one after the other and the second sees what the first did.
func lockMilestonePlan(ctx context.Context, c *conn, groupID, milestoneID int64, now int64) (*MilestonePlan, error) {
	if _, err := c.exec(ctx, `INSERT INTO milestone_plans (milestone_id, group_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (milestone_id) DO NOTHING`, milestoneID, groupID, now); err != nil {
		return nil, fmt.Errorf("create milestone plan: %w", err)
	}
	p, err := scanMilestonePlan(c.queryRow(ctx, "SELECT "+milestonePlanColumns+" FROM milestone_plans mp WHERE mp.milestone_id = ?"+c.forUpdate(), milestoneID))
	if err != nil {
		return nil, fmt.Errorf("lock milestone plan: %w", err)
	}
	return p, nil
}

// PlanCommitment is one issue a finalised plan committed to.
type PlanCommitment struct {
	MilestoneID int64
	IssueID     int64
	Placement   string // "deliverable" or "stretch"
	Weight      *int   // the weight at finalisation
	Carryover   bool
	CreatedAt   time.Time
}

// Placements of a commitment.
const (
	PlacementDeliverable = "deliverable"
	PlacementStretch     = "stretch"
)

// PlanCommitments returns what the finalised plans of the milestones
// committed to, ordered by milestone and issue id.
func (s *Store) PlanCommitments(ctx context.Context, milestoneIDs ...int64) ([]*PlanCommitment, error) {
	ids := uniqueNonZero(milestoneIDs)
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.read().query(ctx, "SELECT milestone_id, issue_id, placement, weight, carryover, created_at FROM plan_commitments WHERE milestone_id IN ("+
		placeholders(len(ids))+") ORDER BY milestone_id, issue_id LIMIT ?", append(int64Args(ids), maxGroupRows*len(ids))...)
	if err != nil {
		return nil, fmt.Errorf("list plan commitments: %w", err)
	}
	defer rows.Close()
	var out []*PlanCommitment
	for rows.Next() {
		var p PlanCommitment
		var w sql.NullInt64
		var created int64
		if err := rows.Scan(&p.MilestoneID, &p.IssueID, &p.Placement, &w, &p.Carryover, &created); err != nil {
			return nil, fmt.Errorf("scan plan commitment: %w", err)
		}
		if w.Valid {
			v := int(w.Int64)
			p.Weight = &v
		}
		p.CreatedAt = fromMS(created)
		out = append(out, &p)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// This file loads what the planning metrics and the burndown are computed
// from (planning.MetricsInput, planning.BurndownInput), each set with one
// indexed query, and runs the computation. The arithmetic is the planning
// package's; docs/planning-rules.md ("What the store passes") says what
// it needs.

// metricsWindow returns the instants a window of dates [from, to] in the
// team's time zone covers: from's local midnight up to the midnight after
// to. EINVALID for a malformed or reversed window.
func metricsWindow(st planning.Settings, from, to string) (start, end time.Time, err error) {
	loc, err := st.Location()
	if err != nil {
		return start, end, fmt.Errorf("time_zone: %w", err)
	}
	f, err1 := time.Parse(cairn.DateLayout, from)
	t, err2 := time.Parse(cairn.DateLayout, to)
	switch {
	case err1 != nil || !cairn.ValidDate(from):
		return start, end, &cairn.Error{Code: cairn.EINVALID, Param: "from", Message: "from must be a date like 2026-11-01"}
	case err2 != nil || !cairn.ValidDate(to):
		return start, end, &cairn.Error{Code: cairn.EINVALID, Param: "to", Message: "to must be a date like 2026-11-30"}
	case t.Before(f):
		return start, end, &cairn.Error{Code: cairn.EINVALID, Param: "to", Message: "to must not be before from"}
	case f.Year() < 1900 || t.Year() > 2199:
		return start, end, &cairn.Error{Code: cairn.EINVALID, Param: "from", Message: "the window must lie between 1900 and 2199"}
	}
	start = time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc)
	end = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return start, end, nil
}

// resolveWindow fills in a window's missing dates: by default the 90 days
// that end today in the team's time zone; a window with only from ends
// today, one with only to starts 89 days before it.
func resolveWindow(st planning.Settings, now time.Time, from, to string) (string, string) {
	loc, err := st.Location()
	if err != nil {
		loc = time.UTC
	}
	if to == "" {
		to = now.In(loc).Format(cairn.DateLayout)
		if from != "" {
			return from, to
		}
	}
	if from == "" {
		t, err := time.Parse(cairn.DateLayout, to)
		if err != nil {
			return from, to // metricsWindow reports it
		}
		from = t.AddDate(0, 0, -89).Format(cairn.DateLayout)
	}
	return from, to
}

// MetricsReport is a group's planning metrics of one window.
type MetricsReport struct {
	// From and To are the window's dates, defaults filled in.
	From, To string
	*planning.Metrics
}

// PlanningMetrics computes a group's planning metrics for the window of
// dates from–to (both included, in the team's time zone; "" takes the
// default, the 90 days to today): planning.ComputeMetrics on
// MetricsInput. ENOTFOUND if the group does not exist; EINVALID for a bad
// window or stored settings that are no longer valid.
func (s *Store) PlanningMetrics(ctx context.Context, groupID int64, from, to string) (*MetricsReport, error) {
	in, err := s.MetricsInput(ctx, groupID, from, to)
	if err != nil {
		return nil, err
	}
	m, err := planning.ComputeMetrics(*in)
	if err != nil {
		return nil, fmt.Errorf("planning metrics: %w", err)
	}
	return &MetricsReport{From: in.From, To: in.To, Metrics: m}, nil
}

// MetricsInput loads what a group's planning metrics of the window from–to
// ("" for a default date, as PlanningMetrics) are computed from, as planning.MetricsInput asks, with the store's clock
// as Now:
//
//   - the issues "in reach" of the window: those of the group's projects
//     created before its end that were open at some time inside it (open
//     now, or closed at or after its start), those of the milestones due
//     in it (now, committed, or moved in or out), with their facts;
//   - their label events of the refinement label, the ready label and the
//     labels after it, and their state events, before the window's end (an
//     interval that ends in the window may start long before it);
//   - the group's milestones, and the commitments and milestone changes of
//     those due in the window.
//
// An issue closed before the window started, and never reopened, can
// change no figure of the window: its intervals ended before it.
// ENOTFOUND if the group does not exist; EINVALID for a bad window.
func (s *Store) MetricsInput(ctx context.Context, groupID int64, from, to string) (*planning.MetricsInput, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, err
	}
	st, err := groupSettings(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	from, to = resolveWindow(st, s.Now(), from, to)
	start, end, err := metricsWindow(st, from, to)
	if err != nil {
		return nil, err
	}
	in := &planning.MetricsInput{Settings: st, From: from, To: to, Now: s.now()}
	ms, err := groupMilestones(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	var due []int64
	for _, m := range ms {
		in.Milestones = append(in.Milestones, planning.FromMilestone(m))
		if m.StartDate != "" && m.DueDate != "" && m.DueDate >= from && m.DueDate <= to {
			due = append(due, m.ID)
		}
	}

	reach, reachArgs := issuesInReach(groupID, ms64(start), ms64(end), due)
	if in.Issues, err = loadFacts(ctx, c, "SELECT i.id, i.weight, i.created_at, i.closed_at, i.milestone_id FROM issues i WHERE i.id IN ("+
		reach+") ORDER BY i.id", reachArgs); err != nil {
		return nil, err
	}
	tracked := trackedLabels(st)
	if in.LabelEvents, in.StateEvents, err = loadEvents(ctx, c, reach, reachArgs, tracked, end); err != nil {
		return nil, err
	}
	if in.Commitments, err = loadCommitments(ctx, c, due); err != nil {
		return nil, err
	}
	if in.MilestoneChanges, err = loadMilestoneChanges(ctx, c, "SELECT me.issue_id FROM issue_events me WHERE me.milestone_id IN ("+
		placeholders(len(due))+")", int64Args(due)); err != nil {
		return nil, err
	}
	return in, nil
}

func ms64(t time.Time) int64 { return t.UnixMilli() }

// trackedLabels are the labels the metrics replay: refinement, ready and
// every workflow label after ready.
func trackedLabels(st planning.Settings) []string {
	out := []string{st.RefinementLabel, st.ReadyLabel}
	if i := slices.Index(st.WorkflowLabels, st.ReadyLabel); i >= 0 {
		out = append(out, st.WorkflowLabels[i+1:]...)
	}
	return out
}

// issuesInReach returns a query of the ids of the issues in reach of the
// window [start, end) (MetricsInput), and its arguments. Each branch of the
// UNION is one index range: open issues by (project, state, created_at),
// closed ones by (project, closed_at), a milestone's by milestone_id.
func issuesInReach(groupID, start, end int64, due []int64) (string, []any) {
	q := `SELECT i.id FROM projects p JOIN issues i ON i.project_id = p.id WHERE p.group_id = ? AND i.state = 'opened' AND i.created_at < ?
		UNION SELECT i.id FROM projects p JOIN issues i ON i.project_id = p.id WHERE p.group_id = ? AND i.closed_at >= ? AND i.state = 'closed' AND i.created_at < ?`
	args := []any{groupID, end, groupID, start, end}
	if len(due) > 0 {
		ph := placeholders(len(due))
		q += ` UNION SELECT i.id FROM issues i WHERE i.milestone_id IN (` + ph + `)
			UNION SELECT pc.issue_id FROM plan_commitments pc WHERE pc.milestone_id IN (` + ph + `)
			UNION SELECT me.issue_id FROM issue_events me WHERE me.milestone_id IN (` + ph + `)`
		for range 3 {
			args = append(args, int64Args(due)...)
		}
	}
	return q, args
}

// groupMilestones returns a group's milestones by id.
func groupMilestones(ctx context.Context, c *conn, groupID int64) ([]*cairn.Milestone, error) {
	rows, err := c.query(ctx, "SELECT "+milestoneColumns+" FROM milestones m WHERE m.group_id = ? ORDER BY m.id LIMIT ?", groupID, maxGroupRows)
	if err != nil {
		return nil, fmt.Errorf("list group milestones: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Milestone
	for rows.Next() {
		m, err := scanMilestone(rows)
		if err != nil {
			return nil, fmt.Errorf("scan milestone: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// loadFacts runs query, which selects the columns scanFact reads.
func loadFacts(ctx context.Context, c *conn, query string, args []any) ([]planning.IssueFact, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load issue facts: %w", err)
	}
	defer rows.Close()
	var out []planning.IssueFact
	for rows.Next() {
		f, err := scanFact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// loadEvents loads the label events of the labels (in any letter case,
// named as the settings spell them) and the state events, before end, of
// the issues the query ids selects.
func loadEvents(ctx context.Context, c *conn, ids string, idArgs []any, labels []string, end time.Time) ([]planning.LabelEvent, []planning.StateEvent, error) {
	args := append(slices.Clone(idArgs), ms64(end))
	spelling := map[string]string{}
	for _, l := range labels {
		spelling[strings.ToLower(l)] = l
		args = append(args, strings.ToLower(l))
	}
	// Ordered by id only: planning sorts each issue's events by time, and
	// keeps the recorded order of events at the same instant.
	rows, err := c.query(ctx, `SELECT e.issue_id, e.kind, e.action, e.label_name, e.created_at FROM issue_events e
		WHERE e.issue_id IN (`+ids+`) AND e.created_at < ? AND (e.kind = 'state' OR e.kind = 'label' AND lower(e.label_name) IN (`+placeholders(len(labels))+`))
		ORDER BY e.id`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("load issue events: %w", err)
	}
	defer rows.Close()
	var labelEvents []planning.LabelEvent
	var stateEvents []planning.StateEvent
	for rows.Next() {
		var id, at int64
		var kind, action, label string
		if err := rows.Scan(&id, &kind, &action, &label, &at); err != nil {
			return nil, nil, fmt.Errorf("scan issue event: %w", err)
		}
		if kind == cairn.EventState {
			stateEvents = append(stateEvents, planning.StateEvent{IssueID: id, Action: action, At: fromMS(at)})
		} else {
			labelEvents = append(labelEvents, planning.LabelEvent{IssueID: id, Label: spelling[strings.ToLower(label)], Action: action, At: fromMS(at)})
		}
	}
	return labelEvents, stateEvents, rows.Err()
}

// loadCommitments returns the commitments of the milestones.
func loadCommitments(ctx context.Context, c *conn, milestoneIDs []int64) ([]planning.Commitment, error) {
	if len(milestoneIDs) == 0 {
		return nil, nil
	}
	rows, err := c.query(ctx, "SELECT milestone_id, issue_id, placement, weight FROM plan_commitments WHERE milestone_id IN ("+
		placeholders(len(milestoneIDs))+") ORDER BY milestone_id, issue_id", int64Args(milestoneIDs)...)
	if err != nil {
		return nil, fmt.Errorf("load commitments: %w", err)
	}
	defer rows.Close()
	var out []planning.Commitment
	for rows.Next() {
		var cm planning.Commitment
		var w sql.NullInt64
		if err := rows.Scan(&cm.MilestoneID, &cm.IssueID, &cm.Placement, &w); err != nil {
			return nil, fmt.Errorf("scan commitment: %w", err)
		}
		if w.Valid {
			v := int(w.Int64)
			cm.Weight = &v
		}
		out = append(out, cm)
	}
	return out, rows.Err()
}

// loadMilestoneChanges returns every milestone change of the issues the
// query ids selects, from their milestone events: the events of one
// instant make one change, from the milestone removed (0 for none) to the
// one added (0 for none), as UpdateIssue records a move as a remove and an
// add at once. A deleted milestone reads as none.
func loadMilestoneChanges(ctx context.Context, c *conn, ids string, idArgs []any) ([]planning.MilestoneChange, error) {
	if len(idArgs) == 0 {
		return nil, nil
	}
	rows, err := c.query(ctx, `SELECT e.issue_id, e.action, e.milestone_id, e.created_at FROM issue_events e
		WHERE e.kind = 'milestone' AND e.issue_id IN (`+ids+`) ORDER BY e.issue_id, e.created_at, e.id`, idArgs...)
	if err != nil {
		return nil, fmt.Errorf("load milestone changes: %w", err)
	}
	defer rows.Close()
	var out []planning.MilestoneChange
	var cur *planning.MilestoneChange
	var hasFrom, hasTo bool
	for rows.Next() {
		var id, at int64
		var action string
		var milestone sql.NullInt64
		if err := rows.Scan(&id, &action, &milestone, &at); err != nil {
			return nil, fmt.Errorf("scan milestone change: %w", err)
		}
		t := fromMS(at)
		remove := action == cairn.ActionRemove
		// Only a remove followed by an add at the same instant is one move;
		// anything else starts a new change.
		if cur == nil || cur.IssueID != id || !cur.At.Equal(t) || hasTo || remove && hasFrom {
			out = append(out, planning.MilestoneChange{IssueID: id, At: t})
			cur, hasFrom, hasTo = &out[len(out)-1], false, false
		}
		if remove {
			cur.FromMilestoneID, hasFrom = milestone.Int64, true
		} else {
			cur.ToMilestoneID, hasTo = milestone.Int64, true
		}
	}
	return out, rows.Err()
}

// Burndown returns the burndown of a group milestone (planning.ComputeBurndown)
// with the store's clock as today, in the team's time zone. ENOTFOUND unless
// the milestone is the group's; EINVALID when it has no start or due date.
func (s *Store) Burndown(ctx context.Context, groupID, milestoneID int64) ([]planning.BurndownDay, error) {
	in, err := s.BurndownInput(ctx, groupID, milestoneID)
	if err != nil {
		return nil, err
	}
	days, err := planning.ComputeBurndown(*in)
	if err != nil {
		return nil, fmt.Errorf("burndown: %w", err)
	}
	return days, nil
}

// BurndownInput loads what a milestone's burndown is computed from: every
// issue that had the milestone (now, or in a milestone change) or was
// committed to it, with their state events and milestone changes, and the
// milestone's commitments. ENOTFOUND unless the milestone is the group's;
// EINVALID when it has no start or due date.
func (s *Store) BurndownInput(ctx context.Context, groupID, milestoneID int64) (*planning.BurndownInput, error) {
	c := s.read()
	m, err := scanMilestone(c.queryRow(ctx, "SELECT "+milestoneColumns+" FROM milestones m WHERE m.id = ? AND m.group_id = ?", milestoneID, groupID))
	if err != nil {
		return nil, notFound(err, "Milestone")
	}
	if m.StartDate == "" || m.DueDate == "" {
		return nil, cairn.Errorf(cairn.EINVALID, "Milestone %q has no start or due date, so it has no burndown", m.Title)
	}
	st, err := groupSettings(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	loc, err := st.Location()
	if err != nil {
		return nil, fmt.Errorf("time_zone: %w", err)
	}
	in := &planning.BurndownInput{Settings: st, Milestone: planning.FromMilestone(m), Today: s.Now().In(loc).Format(cairn.DateLayout)}
	ids := `SELECT i.id FROM issues i WHERE i.milestone_id = ?
		UNION SELECT pc.issue_id FROM plan_commitments pc WHERE pc.milestone_id = ?
		UNION SELECT me.issue_id FROM issue_events me WHERE me.milestone_id = ?`
	args := []any{milestoneID, milestoneID, milestoneID}
	if in.Issues, err = loadFacts(ctx, c, "SELECT i.id, i.weight, i.created_at, i.closed_at, i.milestone_id FROM issues i WHERE i.id IN ("+
		ids+") ORDER BY i.id", args); err != nil {
		return nil, err
	}
	rows, err := c.query(ctx, "SELECT e.issue_id, e.action, e.created_at FROM issue_events e WHERE e.kind = 'state' AND e.issue_id IN ("+
		ids+") ORDER BY e.id", args...)
	if err != nil {
		return nil, fmt.Errorf("load state events: %w", err)
	}
	for rows.Next() {
		var ev planning.StateEvent
		var at int64
		if err := rows.Scan(&ev.IssueID, &ev.Action, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan state event: %w", err)
		}
		ev.At = fromMS(at)
		in.StateEvents = append(in.StateEvents, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load state events: %w", err)
	}
	if in.MilestoneChanges, err = loadMilestoneChanges(ctx, c, ids, args); err != nil {
		return nil, err
	}
	if in.Commitments, err = loadCommitments(ctx, c, []int64{milestoneID}); err != nil {
		return nil, err
	}
	return in, nil
}

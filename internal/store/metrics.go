package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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

	// The four sets are independent: they are read at once, each on its
	// own connection of the read pool, so that the slowest one sets the
	// time. (Each is a consistent read; a change committed in between may
	// show in one and not another, as in any report read while the team
	// works.)
	reach, reachArgs := issuesInReach(groupID, ms64(start), ms64(end), due)
	var wg sync.WaitGroup
	errs := make([]error, 3+eventShards)
	wg.Go(func() {
		errs[0] = s.analyticRead(ctx, func(c *conn) (err error) {
			in.Issues, err = loadFacts(ctx, c, factsQuery(reach), reachArgs)
			return err
		})
	})
	wg.Go(func() { in.Commitments, errs[1] = loadCommitments(ctx, c, due) })
	wg.Go(func() {
		errs[2] = s.analyticRead(ctx, func(c *conn) (err error) {
			in.MilestoneChanges, err = loadMilestoneChanges(ctx, c, "SELECT DISTINCT me.issue_id FROM issue_events me WHERE me.milestone_id IN ("+
				placeholders(len(due))+")", int64Args(due))
			return err
		})
	})
	// The events are most of the work: they are read in shards of the
	// issues, at once.
	labels := make([][]planning.LabelEvent, eventShards)
	states := make([][]planning.StateEvent, eventShards)
	for k := range eventShards {
		shard := shardQuery(reach, k)
		wg.Go(func() {
			errs[3+k] = s.analyticRead(ctx, func(c *conn) (err error) {
				labels[k], states[k], err = loadEvents(ctx, c, shard, reachArgs, trackedLabels(st), end)
				return err
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	in.LabelEvents, in.StateEvents = slices.Concat(labels...), slices.Concat(states...)
	return in, nil
}

// eventShards is how many parts of the issues in reach MetricsInput reads
// the events of at once.
const eventShards = 2

// shardQuery selects shard k (of eventShards) of the ids the query ids
// selects.
func shardQuery(ids string, k int) string {
	return fmt.Sprintf("SELECT s.id FROM (%s) s WHERE s.id %% %d = %d", ids, eventShards, k)
}

// analyticRead runs fn in a read transaction of its own on the read pool,
// set up for the metrics' large reads: on PostgreSQL without JIT
// compilation, which the planner turns on for their high estimated cost
// and which then takes longer (about 300 ms) than running the query.
func (s *Store) analyticRead(ctx context.Context, fn func(c *conn) error) error {
	tx, err := s.readDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	if s.dialect.name == "postgres" {
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
			return fmt.Errorf("begin read: %w", err)
		}
	}
	if err := fn(&conn{q: tx, d: s.dialect, s: s}); err != nil {
		return err
	}
	return tx.Commit()
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

// factsQuery selects the facts (factScanner) of the issues the query ids
// selects.
func factsQuery(ids string) string {
	return "SELECT i.id, i.weight, i.created_at, i.closed_at, i.milestone_id FROM issues i WHERE i.id IN (" + ids + ") ORDER BY i.id"
}

// eventsQuery selects the state events and the events of n labels (lower
// case) before a time, of the issues the query ids selects; its arguments
// are ids', the labels, the time, then the labels again. Each event comes
// as its issue, its time and, in one number, its id (for its order) and
// what happened: id × eventCodes(n) + code + 2, where the code is −1 for
// closed, −2 for reopened, else 2 × the label's position among the n,
// plus 1 for an add. The metrics read tens of thousands of events, and
// every column costs an allocation per row in database/sql: numbers
// instead of names, and three columns instead of five, halve the time.
func eventsQuery(d dialect, ids string, n int) string {
	var slot strings.Builder
	for k := range n {
		fmt.Fprintf(&slot, " WHEN ? THEN %d", 2*k)
	}
	return perIssueEvents(d, ids, []string{"e.issue_id", "e.created_at",
		fmt.Sprintf("e.id * %d + 2 + ", eventCodes(n)) + `CASE WHEN e.kind = 'state' THEN (CASE WHEN e.action = 'closed' THEN -1 ELSE -2 END)
			ELSE (CASE lower(e.label_name)` + slot.String() + ` END) + (CASE WHEN e.action = 'add' THEN 1 ELSE 0 END) END`},
		`e.kind IN ('label', 'state') AND e.created_at < ? AND (e.kind = 'state' OR lower(e.label_name) IN (`+placeholders(n)+`))`)
}

// eventCodes is how many codes events of n labels take: two states, and
// an add and a remove per label.
func eventCodes(n int) int64 { return int64(2*n + 2) }

// perIssueEvents returns a query of cols of the events that match cond of
// the issues the query ids selects (which must not repeat an issue),
// ordered by the events' columns order ("id", "issue_id", "created_at"),
// if any. The events are looked up issue by issue in
// issue_events_history: a team's
// window reaches a tenth of its issues, and both databases would rather
// read the whole table than believe that. SQLite is told so with CROSS
// JOIN, which fixes the order of the loops; PostgreSQL, which plans a
// CROSS JOIN freely, with a LATERAL subquery, which it can only run as a
// loop. The
// arguments are ids', then cols' and cond's.
func perIssueEvents(d dialect, ids string, cols []string, cond string, order ...string) string {
	var b strings.Builder
	b.WriteString("WITH reach(id) AS (" + ids + ")\n\t\tSELECT ")
	if d.name == "postgres" {
		for k := range cols {
			if k > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "x.c%d", k)
		}
		b.WriteString(" FROM reach r CROSS JOIN LATERAL (SELECT ")
		for k, c := range cols {
			fmt.Fprintf(&b, "%s AS c%d, ", c, k)
		}
		// OFFSET 0 keeps the planner from pulling the subquery up into a
		// plain join, which it would then plan as a hash join again.
		b.WriteString("e.id AS o_id, e.issue_id AS o_issue_id, e.created_at AS o_created_at FROM issue_events e WHERE e.issue_id = r.id AND " +
			cond + " OFFSET 0) x")
		if len(order) > 0 {
			b.WriteString(" ORDER BY ")
		}
		for k, o := range order {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString("x.o_" + o)
		}
		return b.String()
	}
	b.WriteString(strings.Join(cols, ", ") + " FROM reach r CROSS JOIN issue_events e WHERE e.issue_id = r.id AND " + cond)
	if len(order) > 0 {
		b.WriteString(" ORDER BY ")
	}
	for k, o := range order {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString("e." + o)
	}
	return b.String()
}

// loadFacts runs query, which selects the columns factScanner reads.
func loadFacts(ctx context.Context, c *conn, query string, args []any) ([]planning.IssueFact, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load issue facts: %w", err)
	}
	defer rows.Close()
	var out []planning.IssueFact
	fs := newFactScanner()
	for rows.Next() {
		f, err := fs.scan(rows)
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
	codes := eventCodes(len(labels))
	lower := make([]any, len(labels))
	for k, l := range labels {
		lower[k] = strings.ToLower(l)
	}
	args := append(append(append(slices.Clone(idArgs), lower...), ms64(end)), lower...)
	rows, err := c.query(ctx, eventsQuery(c.d, ids, len(labels)), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("load issue events: %w", err)
	}
	defer rows.Close()
	// Events at the same instant must keep the order they were recorded
	// in (a move removes the old label before it adds the new one). The
	// query reads each issue's events in that order, but SQL promises none
	// without an ORDER BY, which would sort tens of thousands of rows in
	// the database; so the ids are checked here, issue by issue, and the
	// events sorted by id only if they came out of order.
	var labelEvents []planning.LabelEvent
	var stateEvents []planning.StateEvent
	var labelIDs, stateIDs []int64
	last := map[int64]int64{}
	ordered := true
	var issue, at, packed int64
	for rows.Next() {
		if err := rows.Scan(&issue, &at, &packed); err != nil {
			return nil, nil, fmt.Errorf("scan issue event: %w", err)
		}
		id, code := packed/codes, packed%codes-2
		if prev, ok := last[issue]; ok && prev > id {
			ordered = false
		}
		last[issue] = id
		switch {
		case code == -1 || code == -2:
			action := cairn.ActionClosed
			if code == -2 {
				action = cairn.ActionReopened
			}
			stateEvents = append(double(stateEvents), planning.StateEvent{IssueID: issue, Action: action, At: fromMS(at)})
			stateIDs = append(double(stateIDs), id)
		case code >= 0 && int(code/2) < len(labels):
			action := cairn.ActionRemove
			if code%2 == 1 {
				action = cairn.ActionAdd
			}
			labelEvents = append(double(labelEvents), planning.LabelEvent{IssueID: issue, Label: labels[code/2], Action: action, At: fromMS(at)})
			labelIDs = append(double(labelIDs), id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load issue events: %w", err)
	}
	if !ordered {
		sortByIDs(labelEvents, labelIDs)
		sortByIDs(stateEvents, stateIDs)
	}
	return labelEvents, stateEvents, nil
}

// double makes room in a full slice by doubling its capacity: append grows
// large slices by a quarter at a time, which copies tens of thousands of
// events over and over.
func double[E any](s []E) []E {
	if len(s) < cap(s) {
		return s
	}
	return slices.Grow(s, max(1024, len(s)))
}

// sortByIDs sorts events by their ids, the order they were recorded in.
func sortByIDs[E any](events []E, ids []int64) {
	order := make([]int, len(events))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ids[a], ids[b]) })
	sorted := make([]E, len(events))
	for k, o := range order {
		sorted[k] = events[o]
	}
	copy(events, sorted)
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
	var cm planning.Commitment
	var w sql.NullInt64
	for rows.Next() {
		cm.Weight = nil
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
// query ids selects (each once), from their milestone events: the events of one
// instant make one change, from the milestone removed (0 for none) to the
// one added (0 for none), as UpdateIssue records a move as a remove and an
// add at once. A deleted milestone reads as none.
func loadMilestoneChanges(ctx context.Context, c *conn, ids string, idArgs []any) ([]planning.MilestoneChange, error) {
	if len(idArgs) == 0 {
		return nil, nil
	}
	rows, err := c.query(ctx, perIssueEvents(c.d, ids, []string{"e.issue_id", "e.action", "e.milestone_id", "e.created_at"},
		"e.kind = 'milestone'", "issue_id", "created_at", "id"), idArgs...)
	if err != nil {
		return nil, fmt.Errorf("load milestone changes: %w", err)
	}
	defer rows.Close()
	var out []planning.MilestoneChange
	var cur *planning.MilestoneChange
	var hasFrom, hasTo bool
	var id, at int64
	var action string
	var milestone sql.NullInt64
	for rows.Next() {
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

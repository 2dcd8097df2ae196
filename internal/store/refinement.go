package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// This file holds the refinement workflow of seed 000: new issues start in
// refinement, the ready gate guards the move to the ready label, the
// refinement queue lists what waits for refinement, and time logged while
// an issue is in refinement counts as refinement time.

// groupSettings returns a group's planning settings inside c (a write
// transaction sees its own changes): the stored ones over the defaults, or
// the defaults when none are stored. Stored settings that a newer release
// refuses are an EINVALID error, as the planner reports them.
func groupSettings(ctx context.Context, c *conn, groupID int64) (planning.Settings, error) {
	var data string
	err := c.queryRow(ctx, "SELECT settings FROM planning_settings WHERE group_id = ?", groupID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return planning.DefaultSettings(), nil
	}
	if err != nil {
		return planning.Settings{}, fmt.Errorf("load planning settings: %w", err)
	}
	st, err := planning.ParseSettings([]byte(data))
	if err != nil {
		return st, fmt.Errorf("stored planning settings: %w", err)
	}
	return st, nil
}

// GroupSettings returns a group's planning settings, defaults included.
// ENOTFOUND if the group does not exist; EINVALID if the stored settings
// are no longer valid.
func (s *Store) GroupSettings(ctx context.Context, groupID int64) (planning.Settings, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return planning.Settings{}, err
	}
	return groupSettings(ctx, c, groupID)
}

// withRefinementLabel returns the labels of a new issue of a team project:
// labels as given, plus the team's refinement label when none of them is a
// workflow label (one of workflow_labels, or any label of the refinement
// label's scope, such as workflow::blocked), as seed 000 labels every new
// issue "workflow::refinement". A team project is a project of a group that
// has the refinement label as a group label (the team works with the
// refinement workflow), other than the team's planning project, whose
// issues are the process's own; issues with the planning label are left
// alone too. A group without the label keeps GitLab's behaviour: Cairn
// does not start a workflow nobody set up.
func withRefinementLabel(ctx context.Context, c *conn, projectID, groupID int64, labels []string) ([]string, error) {
	st, err := groupSettings(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	var name string
	err = c.queryRow(ctx, "SELECT name FROM labels WHERE group_id = ? AND lower(name) = lower(?) ORDER BY id LIMIT 1", groupID, st.RefinementLabel).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return labels, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find refinement label: %w", err)
	}
	var path string
	if err := c.queryRow(ctx, "SELECT path FROM projects WHERE id = ?", projectID).Scan(&path); err != nil {
		return nil, notFound(err, "Project")
	}
	if strings.EqualFold(path, st.PlanningProject) {
		return labels, nil
	}
	scope, scoped := cairn.LabelScope(st.RefinementLabel)
	for _, l := range labels {
		if strings.EqualFold(l, st.PlanningLabel) || slices.ContainsFunc(st.WorkflowLabels, func(w string) bool { return strings.EqualFold(l, w) }) {
			return labels, nil
		}
		if s, ok := cairn.LabelScope(l); ok && scoped && strings.EqualFold(s, scope) {
			return labels, nil
		}
	}
	return append(slices.Clone(labels), name), nil
}

// checkReadyGate applies the ready gate to an update of issue cur (in group
// groupID) whose label change adds gained: when it adds the team's ready
// label and the gate is on, the issue must have, after the update, a weight
// from the scale and non-empty Context, Proposal and Acceptance Criteria
// sections (planning.ReadyGate); otherwise it returns EINVALID with the
// message that lists what is missing, and the caller's transaction rolls
// back. A weight that is the largest of the scale passes, with a system
// note by actor that asks for a split or a spike.
func checkReadyGate(ctx context.Context, c *conn, cur *storedIssue, groupID int64, u *cairn.IssueUpdate, gained []*cairn.Label, actor *cairn.User, now int64) error {
	if len(gained) == 0 {
		return nil
	}
	st, err := groupSettings(ctx, c, groupID)
	if err != nil {
		return err
	}
	if !st.ReadyGate || !slices.ContainsFunc(gained, func(l *cairn.Label) bool { return strings.EqualFold(l.Name, st.ReadyLabel) }) {
		return nil
	}
	weight := cur.Weight
	if u.Weight.Set {
		weight = u.Weight.Value
	}
	desc := cur.Description
	if u.Description != nil {
		desc = *u.Description
	}
	if missing := planning.ReadyGate(st, weight, desc); len(missing) > 0 {
		return cairn.Errorf(cairn.EINVALID, "%s", planning.ReadyGateMessage(st, missing))
	}
	if !planning.NeedsSplit(st, weight) || actor == nil {
		return nil
	}
	// A system note: it is Cairn's remark, so it does not count among the
	// issue's user notes.
	if _, err := c.exec(ctx, "INSERT INTO notes (issue_id, author_id, body, system, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		cur.ID, actor.ID, planning.SplitNote(*weight), true, now, now); err != nil {
		return fmt.Errorf("insert split note: %w", err)
	}
	return nil
}

// RefinementItem is an issue of the refinement queue.
type RefinementItem struct {
	// Issue has its labels, assignees and milestone.
	Issue *cairn.Issue
	// Since is when the issue entered its state: the last event that added
	// the refinement label (the ready label, in ReadyButIncomplete), or its
	// creation when no event records it (history imported without events).
	Since time.Time
	// AgeDays is the number of calendar days, in the team's time zone, from
	// Since to today.
	AgeDays int
	// Missing is what the ready gate would refuse (planning.ReadyGate).
	Missing []string
	// Priority is the issue's highest priority label, "" for none.
	Priority string
	// Checklist is the progress of the most recent posted refinement
	// checklist; nil when none was posted.
	Checklist *ChecklistProgress
}

// ChecklistProgress counts the checkboxes of a posted refinement checklist.
type ChecklistProgress struct {
	NoteID    int64
	Count     int
	Completed int
}

// RefinementQueue is a group's refinement queue.
type RefinementQueue struct {
	Settings planning.Settings
	// Items is one page of the open issues in refinement, oldest first.
	Items []*RefinementItem
	// Total counts every issue of the queue (capped as lists are).
	Total cairn.Total
	// ReadyButIncomplete are open issues that carry the ready label but do
	// not meet the gate (imported, or made ready while the gate was off),
	// oldest first, at most MaxReadyButIncomplete of them; empty while the
	// gate is off.
	ReadyButIncomplete []*RefinementItem
	// ReadyButIncompleteTotal counts all of them.
	ReadyButIncompleteTotal int
}

// MaxReadyButIncomplete bounds the ready-but-incomplete issues the queue
// lists in full; the total counts the rest.
const MaxReadyButIncomplete = 100

// RefinementQueue returns page p of a group's refinement queue: the open
// issues of its projects that carry the refinement label, oldest first by
// when they last entered refinement (then by id), with their age, what the
// ready gate misses, priority and checklist progress; and the open issues
// that carry the ready label without meeting the gate. ENOTFOUND if the
// group does not exist.
func (s *Store) RefinementQueue(ctx context.Context, groupID int64, p cairn.Page) (*RefinementQueue, error) {
	p = p.Normalize()
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, err
	}
	st, err := groupSettings(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	loc, err := st.Location()
	if err != nil {
		return nil, fmt.Errorf("time_zone: %w", err)
	}
	q := &RefinementQueue{Settings: st}
	today := s.Now().In(loc)

	from, args := labelledOpenIssues(groupID, st.RefinementLabel)
	ids, since, err := sinceOrdered(ctx, c, from, args, st.RefinementLabel, p.PerPage, p.Offset())
	if err != nil {
		return nil, err
	}
	if q.Total, err = countPage(ctx, c, from, args, p, len(ids)); err != nil {
		return nil, fmt.Errorf("count refinement queue: %w", err)
	}
	if q.Items, err = refinementItems(ctx, c, st, ids, since, today, true); err != nil {
		return nil, err
	}

	if !st.ReadyGate {
		q.ReadyButIncomplete = []*RefinementItem{}
		return q, nil
	}
	// Every ready issue is read to test the gate: a team has hundreds, and
	// the test needs the description, which SQL cannot judge.
	from, args = labelledOpenIssues(groupID, st.ReadyLabel)
	rows, err := c.query(ctx, "SELECT i.id, i.weight, i.description "+from+" ORDER BY i.id LIMIT ?", append(args, maxPlanningIssues)...)
	if err != nil {
		return nil, fmt.Errorf("load ready issues: %w", err)
	}
	var incomplete []int64
	for rows.Next() {
		var id int64
		var w sql.NullInt64
		var desc string
		if err := rows.Scan(&id, &w, &desc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan ready issue: %w", err)
		}
		var weight *int
		if w.Valid {
			v := int(w.Int64)
			weight = &v
		}
		if len(planning.ReadyGate(st, weight, desc)) > 0 {
			incomplete = append(incomplete, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load ready issues: %w", err)
	}
	q.ReadyButIncompleteTotal = len(incomplete)
	sinceOf, err := labelSince(ctx, c, incomplete, st.ReadyLabel)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(incomplete, func(a, b int64) int {
		if c := sinceOf[a].Compare(sinceOf[b]); c != 0 {
			return c
		}
		return compareInt64(a, b)
	})
	incomplete = incomplete[:min(len(incomplete), MaxReadyButIncomplete)]
	if q.ReadyButIncomplete, err = refinementItems(ctx, c, st, incomplete, sinceOf, today, false); err != nil {
		return nil, err
	}
	return q, nil
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// labelledOpenIssues returns the FROM … WHERE of the open issues of a
// group's projects that carry a label of that name (a group or project
// label, any letter case).
func labelledOpenIssues(groupID int64, label string) (string, []any) {
	return `FROM issue_labels il JOIN issues i ON i.id = il.issue_id JOIN projects p ON p.id = i.project_id
		WHERE p.group_id = ? AND i.state = 'opened' AND il.label_id IN (
			SELECT l.id FROM labels l WHERE lower(l.name) = lower(?) AND (l.group_id = ? OR l.project_id IN (SELECT id FROM projects WHERE group_id = ?)))`,
		[]any{groupID, label, groupID, groupID}
}

// sinceExpr is when an issue of labelledOpenIssues last gained the label:
// its last add event, else its creation.
const sinceExpr = `COALESCE((SELECT max(e.created_at) FROM issue_events e WHERE e.issue_id = i.id AND e.kind = 'label' AND e.action = 'add'
	AND lower(e.label_name) = lower(?)), i.created_at)`

// sinceOrdered returns one page of the issues of from, ordered by when they
// last gained label, then id, with those times.
func sinceOrdered(ctx context.Context, c *conn, from string, args []any, label string, limit, offset int) ([]int64, map[int64]time.Time, error) {
	rows, err := c.query(ctx, "SELECT i.id, "+sinceExpr+" AS since "+from+" ORDER BY since, i.id LIMIT ? OFFSET ?",
		append(append([]any{label}, args...), limit, offset)...)
	if err != nil {
		return nil, nil, fmt.Errorf("load refinement queue: %w", err)
	}
	defer rows.Close()
	var ids []int64
	since := map[int64]time.Time{}
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, nil, fmt.Errorf("scan refinement queue: %w", err)
		}
		ids = append(ids, id)
		since[id] = fromMS(at)
	}
	return ids, since, rows.Err()
}

// labelSince returns when each issue last gained label (else its creation).
func labelSince(ctx context.Context, c *conn, ids []int64, label string) (map[int64]time.Time, error) {
	out := make(map[int64]time.Time, len(ids))
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		rows, err := c.query(ctx, "SELECT i.id, "+sinceExpr+" FROM issues i WHERE i.id IN ("+placeholders(len(batch))+")",
			append([]any{label}, int64Args(batch)...)...)
		if err != nil {
			return nil, fmt.Errorf("load label times: %w", err)
		}
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan label times: %w", err)
			}
			out[id] = fromMS(at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load label times: %w", err)
		}
	}
	return out, nil
}

// refinementItems loads the issues ids, in that order, as queue items;
// withChecklist reads their latest posted refinement checklists.
func refinementItems(ctx context.Context, c *conn, st planning.Settings, ids []int64, since map[int64]time.Time, today time.Time, withChecklist bool) ([]*RefinementItem, error) {
	out := make([]*RefinementItem, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := loadIssues(ctx, c, "SELECT "+issueColumns+" FROM issues i WHERE i.id IN ("+placeholders(len(ids))+") ORDER BY i.id LIMIT ?",
		append(int64Args(ids), len(ids))...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*cairn.Issue, len(list))
	for _, is := range list {
		byID[is.ID] = is
	}
	var checklists map[int64]*ChecklistProgress
	if withChecklist {
		if checklists, err = latestChecklists(ctx, c, ids); err != nil {
			return nil, err
		}
	}
	loc := today.Location()
	y, m, d := today.Date()
	todayUTC := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, id := range ids {
		is := byID[id]
		if is == nil {
			continue // deleted since the page was read
		}
		sy, sm, sd := since[id].In(loc).Date()
		it := &RefinementItem{
			Issue:     is,
			Since:     since[id],
			AgeDays:   max(0, int(todayUTC.Sub(time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC)).Hours()/24)),
			Missing:   planning.ReadyGate(st, is.Weight, is.Description),
			Priority:  highestPriority(st, is),
			Checklist: checklists[id],
		}
		if it.Missing == nil {
			it.Missing = []string{}
		}
		out = append(out, it)
	}
	return out, nil
}

// highestPriority returns the issue's highest priority label, "" for none.
func highestPriority(st planning.Settings, is *cairn.Issue) string {
	for _, p := range st.PriorityLabels {
		for _, l := range is.Labels {
			if strings.EqualFold(l.Name, p) {
				return l.Name
			}
		}
	}
	return ""
}

// latestChecklists returns, per issue, the checkbox count of its most
// recent note that is a refinement checklist (planning.IsRefinementChecklist).
func latestChecklists(ctx context.Context, c *conn, ids []int64) (map[int64]*ChecklistProgress, error) {
	out := map[int64]*ChecklistProgress{}
	// The heading test in SQL only narrows the notes read; Go decides.
	rows, err := c.query(ctx, "SELECT n.id, n.issue_id, n.body FROM notes n WHERE n.issue_id IN ("+placeholders(len(ids))+
		") AND n.system = ? AND lower(n.body) LIKE ? ORDER BY n.issue_id, n.created_at DESC, n.id DESC LIMIT ?",
		append(append(int64Args(ids), false, "%"+strings.ToLower(planning.RefinementChecklistHeading)+"%"), 1000*len(ids))...)
	if err != nil {
		return nil, fmt.Errorf("load checklists: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var noteID, issueID int64
		var body string
		if err := rows.Scan(&noteID, &issueID, &body); err != nil {
			return nil, fmt.Errorf("scan checklist: %w", err)
		}
		if out[issueID] != nil || !planning.IsRefinementChecklist(body) {
			continue
		}
		n, done := planning.ChecklistProgress(body)
		out[issueID] = &ChecklistProgress{NoteID: noteID, Count: n, Completed: done}
	}
	return out, rows.Err()
}

// ShareLine is one engineer's (or the team's) time logged in a window,
// split into refinement and development.
type ShareLine struct {
	User             *cairn.User // nil for the team line
	RefinementHours  float64
	DevelopmentHours float64
	// Share is RefinementHours ÷ (RefinementHours + DevelopmentHours), nil
	// when no time was logged.
	Share *float64
}

// RefinementShareReport is how a team's logged time splits between
// refinement and development in a window, against its refinement_share.
type RefinementShareReport struct {
	From, To string
	Target   float64
	// Engineers are the group's engineers (planning role engineer) and
	// everyone else who logged time on its issues in the window, by
	// username.
	Engineers []*ShareLine
	// Team adds up every time log of the window, those of deleted users
	// too.
	Team ShareLine
}

// RefinementShare splits the time logged (/spend, time logs) on the issues
// of a group's projects between from and to (dates in the team's time zone,
// both included; "" takes the default, the 90 days to today) into refinement and development time, per engineer and
// for the team. A time log is refinement time when its issue was in
// refinement just before the log's time: inside one of its refinement
// intervals (planning.LabelIntervals, the metrics' rules), or at the very
// instant one ended, so that the checklist note that logs the time and
// moves the issue to ready counts as refinement. Everything else is
// development time. ENOTFOUND if the group does not exist; EINVALID for a
// bad window.
func (s *Store) RefinementShare(ctx context.Context, groupID int64, from, to string) (*RefinementShareReport, error) {
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
	rep := &RefinementShareReport{From: from, To: to, Target: st.RefinementShare}

	type timelog struct {
		issueID, userID int64
		seconds         int64
		at              time.Time
	}
	rows, err := c.query(ctx, `SELECT t.issue_id, t.user_id, t.seconds, t.spent_at FROM timelogs t JOIN issues i ON i.id = t.issue_id
		JOIN projects p ON p.id = i.project_id WHERE t.spent_at >= ? AND t.spent_at < ? AND p.group_id = ? ORDER BY t.id LIMIT ?`,
		ms(start), ms(end), groupID, maxShareLogs)
	if err != nil {
		return nil, fmt.Errorf("load time logs: %w", err)
	}
	var logs []timelog
	var issueIDs, userIDs []int64
	for rows.Next() {
		var l timelog
		var user sql.NullInt64
		var at int64
		if err := rows.Scan(&l.issueID, &user, &l.seconds, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan time log: %w", err)
		}
		l.userID, l.at = user.Int64, fromMS(at)
		logs = append(logs, l)
		issueIDs = append(issueIDs, l.issueID)
		userIDs = append(userIDs, l.userID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load time logs: %w", err)
	}

	intervals, err := refinementIntervals(ctx, c, st, uniqueNonZero(issueIDs), end, s.now())
	if err != nil {
		return nil, err
	}
	inRefinement := func(issueID int64, at time.Time) bool {
		for _, iv := range intervals[issueID] {
			if iv.Start.Before(at) && !at.After(iv.End) {
				return true
			}
		}
		return false
	}

	members, err := groupEngineers(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	users, err := usersByIDs(ctx, c, append(userIDs, members...))
	if err != nil {
		return nil, err
	}
	lines := map[int64]*ShareLine{}
	line := func(id int64) *ShareLine {
		if lines[id] == nil {
			lines[id] = &ShareLine{User: users[id]}
		}
		return lines[id]
	}
	for _, id := range members {
		if users[id] != nil {
			line(id)
		}
	}
	for _, l := range logs {
		h := float64(l.seconds) / 3600
		ref := inRefinement(l.issueID, l.at)
		targets := []*ShareLine{&rep.Team}
		if users[l.userID] != nil {
			targets = append(targets, line(l.userID))
		}
		for _, t := range targets {
			if ref {
				t.RefinementHours += h
			} else {
				t.DevelopmentHours += h
			}
		}
	}
	for _, l := range lines {
		finishShare(l)
		rep.Engineers = append(rep.Engineers, l)
	}
	finishShare(&rep.Team)
	slices.SortFunc(rep.Engineers, func(a, b *ShareLine) int {
		if c := strings.Compare(strings.ToLower(a.User.Username), strings.ToLower(b.User.Username)); c != 0 {
			return c
		}
		return compareInt64(a.User.ID, b.User.ID)
	})
	return rep, nil
}

// maxShareLogs bounds the time logs one report reads.
const maxShareLogs = 1000000

// finishShare removes floating-point noise from a line's hours and
// computes its share.
func finishShare(l *ShareLine) {
	l.RefinementHours, l.DevelopmentHours = cleanFigure(l.RefinementHours), cleanFigure(l.DevelopmentHours)
	if total := l.RefinementHours + l.DevelopmentHours; total != 0 {
		v := cleanFigure(l.RefinementHours / total)
		l.Share = &v
	}
}

// cleanFigure drops floating-point noise below 1e-9, as the planning
// package does for the figures it reports.
func cleanFigure(x float64) float64 {
	v := math.Round(x*1e9) / 1e9
	if v == 0 {
		return 0 // no "-0" in JSON
	}
	return v
}

// groupEngineers returns the ids of a group's members whose planning role
// is engineer.
func groupEngineers(ctx context.Context, c *conn, groupID int64) ([]int64, error) {
	rows, err := c.query(ctx, "SELECT user_id FROM group_members WHERE group_id = ? AND planning_role = ? ORDER BY user_id LIMIT ?",
		groupID, cairn.RoleEngineer, maxGroupRows)
	if err != nil {
		return nil, fmt.Errorf("load engineers: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan engineer: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// refinementIntervals returns the refinement intervals of the issues, by
// issue, from their refinement-label and state events before end.
func refinementIntervals(ctx context.Context, c *conn, st planning.Settings, ids []int64, end, now time.Time) (map[int64][]planning.Interval, error) {
	out := map[int64][]planning.Interval{}
	for startIx := 0; startIx < len(ids); startIx += 500 {
		batch := ids[startIx:min(startIx+500, len(ids))]
		in, err := loadHistory(ctx, c, batch, []string{st.RefinementLabel}, end)
		if err != nil {
			return nil, err
		}
		ivs, err := planning.LabelIntervals([]string{st.RefinementLabel}, in.facts, in.labels, in.states, now)
		if err != nil {
			return nil, err
		}
		for _, iv := range ivs {
			out[iv.IssueID] = append(out[iv.IssueID], iv)
		}
	}
	return out, nil
}

// history is what planning.LabelIntervals replays for some issues.
type history struct {
	facts  []planning.IssueFact
	labels []planning.LabelEvent
	states []planning.StateEvent
}

// loadHistory loads the facts of the issues ids and their events of the
// labels (matched in any letter case, reported with the settings'
// spelling) and state events before end.
func loadHistory(ctx context.Context, c *conn, ids []int64, labels []string, end time.Time) (*history, error) {
	h := &history{}
	if len(ids) == 0 {
		return h, nil
	}
	idArgs := int64Args(ids)
	rows, err := c.query(ctx, "SELECT i.id, i.weight, i.created_at, i.closed_at, i.milestone_id FROM issues i WHERE i.id IN ("+
		placeholders(len(ids))+") ORDER BY i.id", idArgs...)
	if err != nil {
		return nil, fmt.Errorf("load issue facts: %w", err)
	}
	fs := newFactScanner()
	for rows.Next() {
		f, err := fs.scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		h.facts = append(h.facts, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load issue facts: %w", err)
	}
	spelling := map[string]string{}
	lower := make([]any, len(labels))
	for k, l := range labels {
		spelling[strings.ToLower(l)] = l
		lower[k] = strings.ToLower(l)
	}
	args := append(append(slices.Clone(idArgs), lower...), ms(end))
	rows, err = c.query(ctx, "SELECT e.issue_id, e.kind, e.action, e.label_name, e.created_at FROM issue_events e WHERE e.issue_id IN ("+
		placeholders(len(ids))+") AND ((e.kind = 'label' AND lower(e.label_name) IN ("+placeholders(len(labels))+
		")) OR e.kind = 'state') AND e.created_at < ? ORDER BY e.issue_id, e.created_at, e.id", args...)
	if err != nil {
		return nil, fmt.Errorf("load issue events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var kind, action, label string
		if err := rows.Scan(&id, &kind, &action, &label, &at); err != nil {
			return nil, fmt.Errorf("scan issue event: %w", err)
		}
		if kind == cairn.EventState {
			h.states = append(h.states, planning.StateEvent{IssueID: id, Action: action, At: fromMS(at)})
		} else {
			h.labels = append(h.labels, planning.LabelEvent{IssueID: id, Label: spelling[strings.ToLower(label)], Action: action, At: fromMS(at)})
		}
	}
	return h, rows.Err()
}

// factScanner reads i.id, i.weight, i.created_at, i.closed_at,
// i.milestone_id into facts. Its scan destinations live as long as it
// does: the metrics read tens of thousands of facts, and destinations
// declared per row would each be allocated anew.
type factScanner struct {
	id, created               int64
	weight, closed, milestone sql.NullInt64
	dest                      []any
}

func newFactScanner() *factScanner {
	fs := &factScanner{}
	fs.dest = []any{&fs.id, &fs.weight, &fs.created, &fs.closed, &fs.milestone}
	return fs
}

func (fs *factScanner) scan(r scanner) (planning.IssueFact, error) {
	if err := r.Scan(fs.dest...); err != nil {
		return planning.IssueFact{}, fmt.Errorf("scan issue fact: %w", err)
	}
	f := planning.IssueFact{ID: fs.id, CreatedAt: fromMS(fs.created), ClosedAt: fromNullMS(fs.closed), MilestoneID: fs.milestone.Int64}
	if fs.weight.Valid {
		w := int(fs.weight.Int64)
		f.Weight = &w
	}
	return f, nil
}

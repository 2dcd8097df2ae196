package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cairnhq/cairn"
)

var (
	_ cairn.IssueService = (*Store)(nil)
	_ cairn.LabelService = (*Store)(nil)
)

// issueColumns are the columns scanIssue reads, for an issues table aliased "i".
const issueColumns = "i.id, i.project_id, i.iid, i.title, i.description, i.state, i.author_id, i.milestone_id, i.weight, " +
	"i.due_date, i.confidential, i.discussion_locked, i.issue_type, i.parent_id, i.health_status, i.relative_position, " +
	"i.time_estimate, i.total_time_spent, i.user_notes_count, i.created_at, i.updated_at, i.closed_at, i.closed_by_id"

// storedIssue is an issue as stored: the ids of the rows its pointers name
// are kept until fillIssues loads them.
type storedIssue struct {
	*cairn.Issue
	authorID    int64
	milestoneID sql.NullInt64
	closedByID  sql.NullInt64
}

// scanIssue reads issueColumns.
func scanIssue(r scanner) (*storedIssue, error) {
	is := &cairn.Issue{}
	row := &storedIssue{Issue: is}
	var weight, parentID, relPos, closedAt sql.NullInt64
	var due, health sql.NullString
	var created, updated int64
	err := r.Scan(&is.ID, &is.ProjectID, &is.IID, &is.Title, &is.Description, &is.State, &row.authorID, &row.milestoneID,
		&weight, &due, &is.Confidential, &is.DiscussionLocked, &is.IssueType, &parentID, &health, &relPos,
		&is.TimeEstimate, &is.TotalTimeSpent, &is.UserNotesCount, &created, &updated, &closedAt, &row.closedByID)
	if err != nil {
		return nil, err
	}
	if weight.Valid {
		w := int(weight.Int64)
		is.Weight = &w
	}
	if parentID.Valid {
		is.ParentID = &parentID.Int64
	}
	if relPos.Valid {
		is.RelativePosition = &relPos.Int64
	}
	is.DueDate, is.HealthStatus = due.String, health.String
	is.CreatedAt, is.UpdatedAt, is.ClosedAt = fromMS(created), fromMS(updated), fromNullMS(closedAt)
	is.Labels, is.Assignees = []*cairn.Label{}, []*cairn.User{}
	return row, nil
}

// loadIssues runs query, which selects issueColumns, and returns the issues
// with their author, assignees, labels, milestone and closer, each loaded
// with one query for all the issues.
func loadIssues(ctx context.Context, c *conn, query string, args ...any) ([]*cairn.Issue, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load issues: %w", err)
	}
	var list []*storedIssue
	for rows.Next() {
		r, err := scanIssue(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan issue: %w", err)
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load issues: %w", err)
	}
	if err := fillIssues(ctx, c, list); err != nil {
		return nil, err
	}
	out := make([]*cairn.Issue, len(list))
	for k, r := range list {
		out[k] = r.Issue
	}
	return out, nil
}

// fillIssues loads the related rows of a page of issues in a fixed number of
// queries, whatever the page size.
func fillIssues(ctx context.Context, c *conn, list []*storedIssue) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*storedIssue, len(list))
	ids := make([]int64, 0, len(list))
	userIDs := make([]int64, 0, 2*len(list))
	var milestoneIDs []int64
	for _, r := range list {
		byID[r.ID] = r
		ids = append(ids, r.ID)
		userIDs = append(userIDs, r.authorID)
		if r.closedByID.Valid {
			userIDs = append(userIDs, r.closedByID.Int64)
		}
		if r.milestoneID.Valid {
			milestoneIDs = append(milestoneIDs, r.milestoneID.Int64)
		}
	}
	idArgs := int64Args(ids)

	type assignee struct{ issueID, userID int64 }
	var assignees []assignee
	rows, err := c.query(ctx, "SELECT issue_id, user_id FROM issue_assignees WHERE issue_id IN ("+placeholders(len(ids))+
		") ORDER BY issue_id, position, user_id LIMIT ?", append(idArgs, len(ids)*cairn.MaxAssignees)...)
	if err != nil {
		return fmt.Errorf("load assignees: %w", err)
	}
	for rows.Next() {
		var a assignee
		if err := rows.Scan(&a.issueID, &a.userID); err != nil {
			rows.Close()
			return fmt.Errorf("scan assignee: %w", err)
		}
		assignees = append(assignees, a)
		userIDs = append(userIDs, a.userID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load assignees: %w", err)
	}

	users, err := usersByIDs(ctx, c, userIDs)
	if err != nil {
		return err
	}
	for _, r := range list {
		r.Author = users[r.authorID]
		if r.closedByID.Valid {
			r.ClosedBy = users[r.closedByID.Int64]
		}
	}
	for _, a := range assignees {
		if u := users[a.userID]; u != nil {
			byID[a.issueID].Assignees = append(byID[a.issueID].Assignees, u)
		}
	}

	rows, err = c.query(ctx, "SELECT il.issue_id, "+labelColumns+" FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id IN ("+
		placeholders(len(ids))+") ORDER BY il.issue_id, l.name, l.id LIMIT ?", append(idArgs, len(ids)*maxIssueLabels)...)
	if err != nil {
		return fmt.Errorf("load issue labels: %w", err)
	}
	for rows.Next() {
		var issueID int64
		l, err := scanLabel(prefixScanner{rows, &issueID})
		if err != nil {
			rows.Close()
			return fmt.Errorf("scan issue label: %w", err)
		}
		byID[issueID].Labels = append(byID[issueID].Labels, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load issue labels: %w", err)
	}
	for _, r := range list {
		sortLabels(r.Labels)
	}

	if len(milestoneIDs) > 0 {
		ms, err := milestonesByIDs(ctx, c, milestoneIDs)
		if err != nil {
			return err
		}
		for _, r := range list {
			if r.milestoneID.Valid {
				r.Milestone = ms[r.milestoneID.Int64]
			}
		}
	}
	return nil
}

// maxIssueLabels bounds the labels one issue can carry: cairn.MaxLabels
// bounds one request, and this the set that requests build up.
const maxIssueLabels = 2 * cairn.MaxLabels

// prefixScanner scans one leading column into first, then the rest as the
// wrapped scanner's caller asks.
type prefixScanner struct {
	r     scanner
	first any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append([]any{p.first}, dest...)...)
}

// milestonesByIDs loads the milestones with the given ids in one query.
func milestonesByIDs(ctx context.Context, c *conn, ids []int64) (map[int64]*cairn.Milestone, error) {
	ids = uniqueNonZero(ids)
	out := make(map[int64]*cairn.Milestone, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, "SELECT "+milestoneColumns+" FROM milestones m WHERE m.id IN ("+placeholders(len(ids))+
		") ORDER BY m.id LIMIT ?", append(int64Args(ids), len(ids))...)
	if err != nil {
		return nil, fmt.Errorf("load milestones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMilestone(rows)
		if err != nil {
			return nil, fmt.Errorf("scan milestone: %w", err)
		}
		out[m.ID] = m
	}
	return out, rows.Err()
}

// IssueByIID returns an issue by project and iid with its relations;
// ENOTFOUND if none.
func (s *Store) IssueByIID(ctx context.Context, projectID, iid int64) (*cairn.Issue, error) {
	return issueWhere(ctx, s.read(), "i.project_id = ? AND i.iid = ?", projectID, iid)
}

// IssueByID returns an issue by global id with its relations; ENOTFOUND if
// none.
func (s *Store) IssueByID(ctx context.Context, id int64) (*cairn.Issue, error) {
	return issueWhere(ctx, s.read(), "i.id = ?", id)
}

func issueWhere(ctx context.Context, c *conn, where string, args ...any) (*cairn.Issue, error) {
	list, err := loadIssues(ctx, c, "SELECT "+issueColumns+" FROM issues i WHERE "+where+" ORDER BY i.id LIMIT 1", args...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.NotFound("Issue")
	}
	return list[0], nil
}

// lockIssue reads an issue row and, on PostgreSQL, locks it until the
// transaction ends (SQLite's write transaction holds the database already),
// so that concurrent changes of one issue run one after the other and each
// sees the labels and weight the previous one left. ENOTFOUND if none.
func lockIssue(ctx context.Context, c *conn, projectID, iid int64) (*storedIssue, error) {
	r, err := scanIssue(c.queryRow(ctx, "SELECT "+issueColumns+" FROM issues i WHERE i.project_id = ? AND i.iid = ?"+c.forUpdate(), projectID, iid))
	if err != nil {
		return nil, notFound(err, "Issue")
	}
	return r, nil
}

// CreateIssue creates an issue with the next iid of its project, authored
// by the acting user, creating the labels it names that do not exist yet.
// It records the initial state as events (a label event per label, and
// milestone and weight events when set), as planning metrics start there.
// EUNAUTHORIZED without an acting user; ENOTFOUND if the project does not
// exist; EINVALID for bad input, a milestone of another group, unknown
// assignees or a parent issue outside the project's group.
func (s *Store) CreateIssue(ctx context.Context, in cairn.IssueCreate) (*cairn.Issue, error) {
	actor := cairn.UserFromContext(ctx)
	if actor == nil {
		return nil, cairn.Errorf(cairn.EUNAUTHORIZED, "401 Unauthorized")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := s.write(ctx, func(c *conn) error {
		at := ms(s.orNow(in.CreatedAt))
		var iid, gid int64
		err := c.queryRow(ctx, "UPDATE projects SET last_issue_iid = last_issue_iid + 1 WHERE id = ? RETURNING last_issue_iid, group_id",
			in.ProjectID).Scan(&iid, &gid)
		if err != nil {
			return notFound(err, "Project")
		}
		planningChanged(c, gid)
		var events []eventRow
		milestoneTitle := ""
		if in.MilestoneID != 0 {
			if milestoneTitle, err = usableMilestoneTitle(ctx, c, in.MilestoneID, in.ProjectID, gid); err != nil {
				return err
			}
		}
		if err := checkAssignees(ctx, c, in.AssigneeIDs); err != nil {
			return err
		}
		if in.ParentID != 0 {
			if err := checkParent(ctx, c, in.ParentID, gid, 0); err != nil {
				return err
			}
		}
		// A new issue of a team project starts in refinement (seed 000);
		// imports do not come here, so their history stays as it was.
		if in.Labels, err = withRefinementLabel(ctx, c, in.ProjectID, gid, in.Labels); err != nil {
			return err
		}
		byName, err := ensureLabels(ctx, c, in.ProjectID, gid, in.Labels, at)
		if err != nil {
			return err
		}
		// Names resolve to labels spelled differently ("bug" → "Bug"), so
		// scoped labels are made exclusive again on the real names.
		names := make([]string, 0, len(in.Labels))
		for _, n := range in.Labels {
			names = append(names, byName[n].Name)
		}
		names = cairn.ExclusiveLabels(names)
		labels := make([]*cairn.Label, 0, len(names))
		canon := map[string]*cairn.Label{}
		for _, l := range byName {
			canon[l.Name] = l
		}
		for _, n := range names {
			labels = append(labels, canon[n])
		}

		var weight sql.NullInt64
		if in.Weight != nil {
			weight = sql.NullInt64{Int64: int64(*in.Weight), Valid: true}
		}
		id, err = c.insert(ctx, `INSERT INTO issues (project_id, iid, title, description, state, author_id, milestone_id, weight,
				due_date, confidential, issue_type, parent_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'opened', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ProjectID, iid, in.Title, in.Description, actor.ID, optID(in.MilestoneID), weight,
			nullString(in.DueDate), in.Confidential, in.IssueType, optID(in.ParentID), at, at)
		if err != nil {
			return fmt.Errorf("insert issue: %w", err)
		}
		if err := insertIssueLabels(ctx, c, id, labels); err != nil {
			return err
		}
		if err := insertAssignees(ctx, c, id, in.AssigneeIDs); err != nil {
			return err
		}
		// To-dos for the assignees and those the description mentions (todos.go).
		if err := todosOnNewIssue(ctx, c, id, actor, in.AssigneeIDs, in.Description, at); err != nil {
			return err
		}
		for _, l := range labels {
			events = append(events, labelEvent(cairn.ActionAdd, l))
		}
		if in.MilestoneID != 0 {
			events = append(events, eventRow{kind: cairn.EventMilestone, action: cairn.ActionAdd,
				milestoneID: optID(in.MilestoneID), milestoneTitle: milestoneTitle})
		}
		if in.Weight != nil {
			events = append(events, eventRow{kind: cairn.EventWeight, action: cairn.ActionAdd, weight: weight})
		}
		if err := insertEvents(ctx, c, id, optID(actor.ID), at, events); err != nil {
			return err
		}
		return s.issueOpenedHook(ctx, c, gid, id, in.Confidential, actor.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.IssueByID(ctx, id)
}

// UpdateIssue applies u to an issue in one transaction that locks the issue
// first, so concurrent updates are serialised and none is lost; it records
// label, weight, milestone and state events. ENOTFOUND if the issue does
// not exist; EINVALID for bad input.
func (s *Store) UpdateIssue(ctx context.Context, projectID, iid int64, u cairn.IssueUpdate) (*cairn.Issue, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := s.write(ctx, func(c *conn) error {
		cur, err := lockIssue(ctx, c, projectID, iid)
		if err != nil {
			return err
		}
		id = cur.ID
		_, err = s.applyIssueUpdate(ctx, c, cur, &u, cairn.UserFromContext(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.IssueByID(ctx, id)
}

// DeleteIssue deletes an issue with its labels, assignees, notes, events,
// links and time logs; its sub-tasks lose their parent. ENOTFOUND if none.
func (s *Store) DeleteIssue(ctx context.Context, projectID, iid int64) error {
	return s.write(ctx, func(c *conn) error {
		projectPlanningChanged(ctx, c, projectID)
		res, err := c.exec(ctx, "DELETE FROM issues WHERE project_id = ? AND iid = ?", projectID, iid)
		if err != nil {
			return fmt.Errorf("delete issue: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete issue: %w", err)
		} else if n == 0 {
			return cairn.NotFound("Issue")
		}
		return nil
	})
}

// applyIssueUpdate applies u to the issue cur, which the caller has locked
// in c's transaction, and records the events of the change with actor (nil
// for a system change) at the store's current time. UpdateIssue and the
// quick actions of CreateNote both go through it, so both record the same
// history. It reports whether anything changed.
func (s *Store) applyIssueUpdate(ctx context.Context, c *conn, cur *storedIssue, u *cairn.IssueUpdate, actor *cairn.User) (bool, error) {
	now := ms(s.now())
	var actorID sql.NullInt64
	if actor != nil {
		actorID = optID(actor.ID)
	}
	gid, err := projectGroupID(ctx, c, cur.ProjectID)
	if err != nil {
		return false, err
	}
	// The issue as it was, for the changes its Issue Hook reports (webhooks.go).
	hookBefore, err := issueHookBefore(ctx, c, gid, cur)
	if err != nil {
		return false, err
	}
	var sets []string
	var args []any
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	var events []eventRow
	touched := false

	if u.Title != nil && *u.Title != cur.Title {
		set("title", *u.Title)
	}
	if u.Description != nil && *u.Description != cur.Description {
		set("description", *u.Description)
	}

	var gained []*cairn.Label // the labels the update adds, for the ready gate
	if u.Labels != nil || len(u.AddLabels) > 0 || len(u.RemoveLabels) > 0 {
		removed, added, err := changeIssueLabels(ctx, c, cur.ID, cur.ProjectID, gid, u, now)
		if err != nil {
			return false, err
		}
		// Removes come first: a scoped label's old value leaves before the
		// new one arrives, as metrics read the intervals.
		for _, l := range removed {
			events = append(events, labelEvent(cairn.ActionRemove, l))
		}
		for _, l := range added {
			events = append(events, labelEvent(cairn.ActionAdd, l))
		}
		touched = touched || len(removed) > 0 || len(added) > 0
		gained = added
	}

	switch u.StateEvent {
	case "close":
		if cur.State != cairn.StateClosed {
			set("state", cairn.StateClosed)
			set("closed_at", now)
			set("closed_by_id", actorID)
			events = append(events, eventRow{kind: cairn.EventState, action: cairn.ActionClosed})
		}
	case "reopen":
		if cur.State == cairn.StateClosed {
			set("state", cairn.StateOpened)
			set("closed_at", nil)
			set("closed_by_id", nil)
			events = append(events, eventRow{kind: cairn.EventState, action: cairn.ActionReopened})
		}
	}

	if u.MilestoneID.Set {
		var newID int64
		if u.MilestoneID.Value != nil {
			newID = *u.MilestoneID.Value
		}
		if newID != cur.milestoneID.Int64 {
			if cur.milestoneID.Valid {
				var title string
				if err := c.queryRow(ctx, "SELECT title FROM milestones WHERE id = ?", cur.milestoneID.Int64).Scan(&title); err != nil && !errors.Is(err, sql.ErrNoRows) {
					return false, fmt.Errorf("load milestone: %w", err)
				}
				events = append(events, eventRow{kind: cairn.EventMilestone, action: cairn.ActionRemove, milestoneID: cur.milestoneID, milestoneTitle: title})
			}
			if newID != 0 {
				title, err := usableMilestoneTitle(ctx, c, newID, cur.ProjectID, gid)
				if err != nil {
					return false, err
				}
				events = append(events, eventRow{kind: cairn.EventMilestone, action: cairn.ActionAdd, milestoneID: optID(newID), milestoneTitle: title})
			}
			set("milestone_id", optID(newID))
		}
	}

	if u.Weight.Set {
		var w sql.NullInt64
		if u.Weight.Value != nil {
			w = sql.NullInt64{Int64: int64(*u.Weight.Value), Valid: true}
		}
		if w.Valid != (cur.Weight != nil) || w.Valid && int(w.Int64) != *cur.Weight {
			set("weight", w)
			action := cairn.ActionAdd
			if !w.Valid {
				action = cairn.ActionRemove
			}
			events = append(events, eventRow{kind: cairn.EventWeight, action: action, weight: w})
		}
	}

	if u.AssigneeIDs != nil {
		// The assignees before, for the to-dos of those newly assigned (todos.go).
		assigneesBefore, err := issueAssigneeIDs(ctx, c, cur.ID)
		if err != nil {
			return false, err
		}
		changed, err := replaceAssignees(ctx, c, cur.ID, *u.AssigneeIDs)
		if err != nil {
			return false, err
		}
		if changed {
			if err := todosAssigned(ctx, c, cur.ID, actor, assigneesBefore, *u.AssigneeIDs, now); err != nil {
				return false, err
			}
		}
		touched = touched || changed
	}

	if u.DueDate.Set {
		d := ""
		if u.DueDate.Value != nil {
			d = *u.DueDate.Value
		}
		if d != cur.DueDate {
			set("due_date", nullString(d))
		}
	}
	if u.Confidential != nil && *u.Confidential != cur.Confidential {
		set("confidential", *u.Confidential)
	}
	if u.DiscussionLocked != nil && *u.DiscussionLocked != cur.DiscussionLocked {
		set("discussion_locked", *u.DiscussionLocked)
	}
	if u.ParentID.Set {
		var p int64
		if u.ParentID.Value != nil {
			p = *u.ParentID.Value
		}
		var curP int64
		if cur.ParentID != nil {
			curP = *cur.ParentID
		}
		if p != curP {
			if p != 0 {
				if err := checkParent(ctx, c, p, gid, cur.ID); err != nil {
					return false, err
				}
			}
			set("parent_id", optID(p))
		}
	}
	if u.IssueType != nil && *u.IssueType != cur.IssueType {
		set("issue_type", *u.IssueType)
	}
	if u.HealthStatus.Set {
		h := ""
		if u.HealthStatus.Value != nil {
			h = *u.HealthStatus.Value
		}
		if h != cur.HealthStatus {
			set("health_status", nullString(h))
		}
	}
	if u.RelativePosition.Set {
		p := nullInt64(u.RelativePosition.Value)
		if p.Valid != (cur.RelativePosition != nil) || p.Valid && p.Int64 != *cur.RelativePosition {
			set("relative_position", p)
		}
	}
	if u.SpendSeconds != 0 {
		if _, err := c.exec(ctx, "INSERT INTO timelogs (issue_id, user_id, seconds, summary, spent_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			cur.ID, actorID, u.SpendSeconds, u.SpendSummary, now, now); err != nil {
			return false, fmt.Errorf("insert time log: %w", err)
		}
		set("total_time_spent", max(0, cur.TotalTimeSpent+u.SpendSeconds))
		touched = true
	}

	// The ready gate judges the issue as the update leaves it (refinement.go).
	if err := checkReadyGate(ctx, c, cur, gid, u, gained, actor, now); err != nil {
		return false, err
	}
	if len(sets) == 0 && !touched {
		return false, nil
	}
	issueUpdatePlanningChanged(c, gid, sets, touched)
	set("updated_at", now)
	if _, err := c.exec(ctx, "UPDATE issues SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, cur.ID)...); err != nil {
		return false, fmt.Errorf("update issue: %w", err)
	}
	// To-dos: the new description's mentions, the closer's done (todos.go).
	if err := todosOnIssueUpdate(ctx, c, cur, u, actor, now); err != nil {
		return false, err
	}
	if err := insertEvents(ctx, c, cur.ID, actorID, now, events); err != nil {
		return false, err
	}
	if err := s.issueChangedHook(ctx, c, gid, hookBefore, actor); err != nil {
		return false, err
	}
	return true, nil
}

// changeIssueLabels computes an issue's new label set from u (Labels
// replaces, then AddLabels and RemoveLabels change it, scoped labels kept
// exclusive), creates the labels it names that do not exist, and writes the
// difference. It returns the labels removed and added.
func changeIssueLabels(ctx context.Context, c *conn, issueID, projectID, groupID int64, u *cairn.IssueUpdate, now int64) (removed, added []*cairn.Label, err error) {
	current, err := issueLabels(ctx, c, issueID)
	if err != nil {
		return nil, nil, err
	}
	byName := make(map[string]*cairn.Label, len(current))
	curNames := make([]string, 0, len(current))
	for _, l := range current {
		byName[l.Name] = l
		curNames = append(curNames, l.Name)
	}
	var create, find []string
	if u.Labels != nil {
		create = append(create, *u.Labels...)
	}
	create = append(create, u.AddLabels...)
	create = slices.DeleteFunc(create, func(n string) bool { return byName[n] != nil })
	find = slices.DeleteFunc(slices.Clone(u.RemoveLabels), func(n string) bool { return byName[n] != nil })
	// A name added and removed at once is added (ApplyLabelChange's rule),
	// so it must exist.
	resolved, err := ensureLabels(ctx, c, projectID, groupID, create, now)
	if err != nil {
		return nil, nil, err
	}
	found, err := labelsByName(ctx, c, projectID, groupID, find)
	if err != nil {
		return nil, nil, err
	}
	// canon maps a name as given to the label's real name; names of no label
	// (only possible among removals) drop out.
	canon := func(names []string) []string {
		out := make([]string, 0, len(names))
		for _, n := range names {
			l := byName[n]
			if l == nil {
				l = resolved[n]
			}
			if l == nil {
				l = found[n]
			}
			if l == nil {
				continue
			}
			if byName[l.Name] == nil {
				byName[l.Name] = l
			}
			out = append(out, l.Name)
		}
		return out
	}
	base := curNames
	if u.Labels != nil {
		base = cairn.ExclusiveLabels(canon(*u.Labels))
	}
	newNames := cairn.ApplyLabelChange(base, canon(u.AddLabels), canon(u.RemoveLabels))
	if len(newNames) > maxIssueLabels {
		return nil, nil, cairn.FieldError("labels", fmt.Sprintf("has too many entries (maximum is %d)", maxIssueLabels))
	}

	keep := make(map[int64]bool, len(newNames))
	for _, n := range newNames {
		keep[byName[n].ID] = true
	}
	had := make(map[int64]bool, len(current))
	for _, l := range current {
		had[l.ID] = true
		if !keep[l.ID] {
			removed = append(removed, l)
		}
	}
	for _, n := range newNames {
		if l := byName[n]; !had[l.ID] {
			added = append(added, l)
			had[l.ID] = true
		}
	}
	if len(removed) > 0 {
		ids := make([]int64, len(removed))
		for k, l := range removed {
			ids[k] = l.ID
		}
		if _, err := c.exec(ctx, "DELETE FROM issue_labels WHERE issue_id = ? AND label_id IN ("+placeholders(len(ids))+")",
			append([]any{issueID}, int64Args(ids)...)...); err != nil {
			return nil, nil, fmt.Errorf("remove issue labels: %w", err)
		}
	}
	if err := insertIssueLabels(ctx, c, issueID, added); err != nil {
		return nil, nil, err
	}
	return removed, added, nil
}

// issueLabels returns the labels an issue carries, by name.
func issueLabels(ctx context.Context, c *conn, issueID int64) ([]*cairn.Label, error) {
	rows, err := c.query(ctx, "SELECT "+labelColumns+" FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = ? ORDER BY l.name, l.id LIMIT ?",
		issueID, maxIssueLabels+1)
	if err != nil {
		return nil, fmt.Errorf("load issue labels: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Label
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, fmt.Errorf("scan label: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func insertIssueLabels(ctx context.Context, c *conn, issueID int64, labels []*cairn.Label) error {
	if len(labels) == 0 {
		return nil
	}
	args := make([]any, 0, len(labels)+1)
	for _, l := range labels {
		args = append(args, l.ID)
	}
	// The issue's state and project are copied here (migration 00010);
	// left to the insert trigger they would cost an update per row.
	if _, err := c.exec(ctx, "INSERT INTO issue_labels (issue_id, label_id, state, project_id)"+
		" SELECT i.id, v.column1, i.state, i.project_id FROM issues i, (VALUES "+typedRows(len(labels), "BIGINT")+") v WHERE i.id = ?",
		append(args, issueID)...); err != nil {
		return fmt.Errorf("add issue labels: %w", err)
	}
	return nil
}

// typedRows returns n rows of placeholders cast to types, for a VALUES
// that is read as a table: PostgreSQL would take untyped parameters there
// for text.
func typedRows(n int, types ...string) string {
	cols := make([]string, len(types))
	for k, t := range types {
		cols[k] = "CAST(? AS " + t + ")"
	}
	row := "(" + strings.Join(cols, ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// valueRows returns n rows of cols placeholders for a multi-row VALUES.
func valueRows(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// checkAssignees returns EINVALID unless every id is an existing user.
func checkAssignees(ctx context.Context, c *conn, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	users, err := usersByIDs(ctx, c, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if users[id] == nil {
			return cairn.FieldError("assignee_ids", fmt.Sprintf("contains %d, which is not a user", id))
		}
	}
	return nil
}

func insertAssignees(ctx context.Context, c *conn, issueID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(ids)+1)
	for k, id := range ids {
		args = append(args, id, k)
	}
	// As in insertIssueLabels.
	if _, err := c.exec(ctx, "INSERT INTO issue_assignees (issue_id, user_id, position, state, project_id)"+
		" SELECT i.id, v.column1, v.column2, i.state, i.project_id FROM issues i, (VALUES "+typedRows(len(ids), "BIGINT", "INTEGER")+") v WHERE i.id = ?",
		append(args, issueID)...); err != nil {
		return fmt.Errorf("add assignees: %w", err)
	}
	return nil
}

// replaceAssignees makes ids, in order, the issue's assignees and reports
// whether that changed anything.
func replaceAssignees(ctx context.Context, c *conn, issueID int64, ids []int64) (bool, error) {
	rows, err := c.query(ctx, "SELECT user_id FROM issue_assignees WHERE issue_id = ? ORDER BY position, user_id LIMIT ?", issueID, cairn.MaxAssignees+1)
	if err != nil {
		return false, fmt.Errorf("load assignees: %w", err)
	}
	var cur []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, fmt.Errorf("scan assignee: %w", err)
		}
		cur = append(cur, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("load assignees: %w", err)
	}
	if slices.Equal(cur, ids) {
		return false, nil
	}
	if err := checkAssignees(ctx, c, ids); err != nil {
		return false, err
	}
	if _, err := c.exec(ctx, "DELETE FROM issue_assignees WHERE issue_id = ?", issueID); err != nil {
		return false, fmt.Errorf("remove assignees: %w", err)
	}
	return true, insertAssignees(ctx, c, issueID, ids)
}

// usableMilestoneTitle returns the title of a milestone of the project or
// its group, or EINVALID for any other milestone.
func usableMilestoneTitle(ctx context.Context, c *conn, milestoneID, projectID, groupID int64) (string, error) {
	var title string
	err := c.queryRow(ctx, "SELECT title FROM milestones WHERE id = ? AND (project_id = ? OR group_id = ?)", milestoneID, projectID, groupID).Scan(&title)
	if errors.Is(err, sql.ErrNoRows) {
		return "", cairn.FieldError("milestone_id", "is not a milestone of this project or its group")
	}
	if err != nil {
		return "", fmt.Errorf("load milestone: %w", err)
	}
	return title, nil
}

// maxParentDepth bounds the walk up a chain of parents when looking for a
// cycle; deeper chains are refused.
const maxParentDepth = 64

// checkParent returns EINVALID unless parentID is an issue of a project in
// the group and making it issueID's parent (0 for a new issue) makes no cycle.
func checkParent(ctx context.Context, c *conn, parentID, groupID, issueID int64) error {
	invalid := cairn.FieldError("parent_id", "is not an issue of this group")
	if parentID == issueID {
		return cairn.FieldError("parent_id", "cannot be the issue itself")
	}
	var gid int64
	var up sql.NullInt64
	err := c.queryRow(ctx, "SELECT p.group_id, i.parent_id FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = ?", parentID).Scan(&gid, &up)
	if errors.Is(err, sql.ErrNoRows) || err == nil && gid != groupID {
		return invalid
	}
	if err != nil {
		return fmt.Errorf("load parent issue: %w", err)
	}
	if issueID == 0 {
		return nil
	}
	for depth := 0; up.Valid; depth++ {
		if up.Int64 == issueID {
			return cairn.FieldError("parent_id", "would make the issue its own ancestor")
		}
		if depth == maxParentDepth {
			return cairn.FieldError("parent_id", "is nested too deeply")
		}
		next := up.Int64
		up = sql.NullInt64{}
		if err := c.queryRow(ctx, "SELECT parent_id FROM issues WHERE id = ?", next).Scan(&up); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("load parent issue: %w", err)
		}
	}
	return nil
}

// eventRow is one issue_events row to write.
type eventRow struct {
	kind, action   string
	labelID        sql.NullInt64
	labelName      string
	weight         sql.NullInt64
	milestoneID    sql.NullInt64
	milestoneTitle string
}

func labelEvent(action string, l *cairn.Label) eventRow {
	return eventRow{kind: cairn.EventLabel, action: action, labelID: optID(l.ID), labelName: l.Name}
}

// insertEvents writes events of one change, in order, with one actor and time.
func insertEvents(ctx context.Context, c *conn, issueID int64, userID sql.NullInt64, at int64, events []eventRow) error {
	if len(events) == 0 {
		return nil
	}
	args := make([]any, 0, 10*len(events))
	for _, e := range events {
		args = append(args, issueID, e.kind, e.action, e.labelID, e.labelName, e.weight, e.milestoneID, e.milestoneTitle, userID, at)
	}
	_, err := c.exec(ctx, `INSERT INTO issue_events (issue_id, kind, action, label_id, label_name, weight, milestone_id, milestone_title, user_id, created_at)
		VALUES `+valueRows(len(events), 10), args...)
	if err != nil {
		return fmt.Errorf("record issue events: %w", err)
	}
	return nil
}

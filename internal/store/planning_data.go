package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/cairnhq/cairn"
)

// This file loads, in a fixed number of queries, what a plan is computed
// from. The issue loader is leaner than ListIssues: a plan of a large
// backlog reads thousands of issues, and descriptions, authors and the
// like are never looked at.

// GroupMilestones returns all of a group's milestones, by start date (none
// first), then id. ENOTFOUND if the group does not exist.
func (s *Store) GroupMilestones(ctx context.Context, groupID int64) ([]*cairn.Milestone, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, err
	}
	rows, err := c.query(ctx, "SELECT "+milestoneColumns+" FROM milestones m WHERE m.group_id = ? ORDER BY (m.start_date IS NOT NULL), m.start_date, m.id LIMIT ?",
		groupID, maxGroupRows)
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

// GroupMembers returns all members of a group, each with its User, by
// username. ENOTFOUND if the group does not exist.
func (s *Store) GroupMembers(ctx context.Context, groupID int64) ([]*cairn.Member, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, err
	}
	rows, err := c.query(ctx, "SELECT "+memberColumns+" FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = ? ORDER BY lower(u.username), u.id LIMIT ?",
		groupID, maxGroupRows)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("scan member: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// GroupProjects returns all projects of a group, each with its Group, by
// path.
func (s *Store) GroupProjects(ctx context.Context, groupID int64) ([]*cairn.Project, error) {
	rows, err := s.read().query(ctx, "SELECT "+projectColumns+projectFrom+" WHERE p.group_id = ? ORDER BY lower(p.path), p.id LIMIT ?", groupID, maxGroupRows)
	if err != nil {
		return nil, fmt.Errorf("list group projects: %w", err)
	}
	defer rows.Close()
	var out []*cairn.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("scan project: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PlanningIssueFilter selects the issues of a group's projects that a plan
// is computed from: those in one state (or any, for ""), with one of
// MilestoneIDs or, with NoMilestone, no milestone; or the issues IDs.
type PlanningIssueFilter struct {
	GroupID      int64
	State        string
	MilestoneIDs []int64
	NoMilestone  bool
	IDs          []int64
}

// maxPlanningIssues bounds the issues one plan reads, so that a group with
// an enormous backlog gets a slow plan rather than an exhausted server. (A
// variable only so that a test can reach it.)
var maxPlanningIssues = 100000

// PlanningIssues returns the issues f selects, ordered by id, with only
// what planning and the plan's tables use: ids, iid, title, state, weight,
// relative position, parent, due date, creation and closing times, labels,
// assignees (full users) and the milestone (id, title and dates). The
// description, author, closer and counters are left empty.
//
// A plan of a team with a backlog of 20,000 reads them all, so every row
// counts: the issues come unsorted and are sorted here (the database's sort
// would copy every row once more), the state the filter fixes and the
// default issue type are not read, and labels and assignees come in one
// query each, joined to the issues rather than to a list of their ids.
func (s *Store) PlanningIssues(ctx context.Context, f PlanningIssueFilter) ([]*cairn.Issue, error) {
	var conds []string
	args := []any{f.GroupID}
	if f.State != "" {
		conds = append(conds, "i.state = ?")
		args = append(args, f.State)
	}
	var ms []string
	if ids := uniqueNonZero(f.MilestoneIDs); len(ids) > 0 {
		ms = append(ms, "i.milestone_id IN ("+placeholders(len(ids))+")")
		args = append(args, int64Args(ids)...)
	}
	if f.NoMilestone {
		ms = append(ms, "i.milestone_id IS NULL")
	}
	if len(f.IDs) > 0 {
		ids := uniqueNonZero(f.IDs)
		ms = append(ms, "i.id IN ("+placeholders(len(ids))+")")
		args = append(args, int64Args(ids)...)
	}
	if len(ms) == 0 {
		return nil, nil
	}
	conds = append(conds, "("+strings.Join(ms, " OR ")+")")
	// The same joins and conditions serve the issues, their labels and
	// their assignees, so that no query lists thousands of ids.
	join := " JOIN projects p ON p.id = i.project_id WHERE p.group_id = ? AND " + strings.Join(conds, " AND ")
	c := s.read()

	// The three queries run at once, each on a connection of the read
	// pool: reading rows is most of what a large plan costs on SQLite, and
	// they do not need each other until they are put together below. (They
	// were never one snapshot: they are separate statements on the pool.)
	var labelPairs, assigneePairs [][2]int64
	var labelErr, assigneeErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		labelPairs, labelErr = scanIDPairs(ctx, c, "issue labels",
			"SELECT x.issue_id, x.label_id FROM issue_labels x JOIN issues i ON i.id = x.issue_id"+join, args)
	}()
	go func() {
		defer wg.Done()
		assigneePairs, assigneeErr = scanIDPairs(ctx, c, "assignees",
			"SELECT x.issue_id, x.user_id FROM issue_assignees x JOIN issues i ON i.id = x.issue_id"+join+
				" ORDER BY x.issue_id, x.position, x.user_id", args)
	}()
	// Without ORDER BY, and one row over the limit to notice a group
	// beyond it: only then are the issues read again in order, so that
	// the limit keeps the lowest ids.
	list, err := scanPlanningIssues(ctx, c, f.State, " FROM issues i"+join+" LIMIT ?", append(args[:len(args):len(args)], maxPlanningIssues+1))
	if err == nil && len(list) > maxPlanningIssues {
		list, err = scanPlanningIssues(ctx, c, f.State, " FROM issues i"+join+" ORDER BY i.id LIMIT ?", append(args[:len(args):len(args)], maxPlanningIssues))
	}
	wg.Wait()
	for _, e := range []error{err, labelErr, assigneeErr} {
		if e != nil {
			return nil, e
		}
	}
	if len(list) == 0 {
		return list, nil
	}
	slices.SortFunc(list, func(a, b *cairn.Issue) int { return cmp.Compare(a.ID, b.ID) })
	byID := make(map[int64]*cairn.Issue, len(list))
	for _, is := range list {
		byID[is.ID] = is
	}

	type pair struct {
		issue *cairn.Issue
		other int64
	}
	// ofList keeps the pairs of issues in the list (not those beyond the
	// limit) and returns the distinct other ids.
	ofList := func(pairs [][2]int64) ([]pair, []int64) {
		out := make([]pair, 0, len(pairs))
		var others []int64
		seen := map[int64]bool{}
		var is *cairn.Issue
		for _, p := range pairs {
			if is == nil || is.ID != p[0] { // an issue's rows come together
				is = byID[p[0]]
			}
			if is == nil {
				continue
			}
			out = append(out, pair{is, p[1]})
			if !seen[p[1]] {
				seen[p[1]] = true
				others = append(others, p[1])
			}
		}
		return out, others
	}
	issueLabels, labelIDs := ofList(labelPairs)
	issueAssignees, userIDs := ofList(assigneePairs)
	labels, err := labelsByIDs(ctx, c, labelIDs)
	if err != nil {
		return nil, err
	}
	users, err := usersByIDs(ctx, c, userIDs)
	if err != nil {
		return nil, err
	}
	var milestoneIDs []int64
	seen := map[int64]bool{}
	for _, is := range list {
		if is.Milestone != nil && !seen[is.Milestone.ID] {
			seen[is.Milestone.ID] = true
			milestoneIDs = append(milestoneIDs, is.Milestone.ID)
		}
	}
	milestones, err := milestonesByIDs(ctx, c, milestoneIDs)
	if err != nil {
		return nil, err
	}

	// Every issue's labels share one array, each issue's part of it capped
	// so that an append elsewhere copies instead of overwriting the next.
	counts := make(map[*cairn.Issue]int, len(list))
	for _, p := range issueLabels {
		if labels[p.other] != nil {
			counts[p.issue]++
		}
	}
	shared := make([]*cairn.Label, 0, len(issueLabels))
	for _, is := range list {
		n := counts[is]
		is.Labels = shared[len(shared) : len(shared) : len(shared)+n]
		shared = shared[:len(shared)+n]
	}
	for _, p := range issueLabels {
		if l := labels[p.other]; l != nil {
			p.issue.Labels = append(p.issue.Labels, l)
		}
	}
	for _, p := range issueAssignees {
		if u := users[p.other]; u != nil {
			p.issue.Assignees = append(p.issue.Assignees, u)
		}
	}
	for _, is := range list {
		sortLabels(is.Labels)
		if is.Milestone != nil {
			is.Milestone = milestones[is.Milestone.ID]
		}
	}
	return list, nil
}

// scanIDPairs runs query, which selects two ids, and returns its rows.
func scanIDPairs(ctx context.Context, c *conn, what, query string, args []any) ([][2]int64, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	defer rows.Close()
	var out [][2]int64
	var a, b int64
	for rows.Next() {
		if err := rows.Scan(&a, &b); err != nil {
			return nil, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, [2]int64{a, b})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	return out, nil
}

// defaultIssueType is the issue type of most issues.
const defaultIssueType = "issue"

// scanPlanningIssues runs the issue query of PlanningIssues: from holds
// FROM … LIMIT ?. state is the state every issue has, or "" to read it.
// Each issue's Milestone holds only the milestone's id. The issues are
// allocated in blocks, which a large plan reads faster.
func scanPlanningIssues(ctx context.Context, c *conn, state, from string, args []any) ([]*cairn.Issue, error) {
	stateColumn := "i.state"
	if state != "" {
		stateColumn = "NULL"
	}
	// NULL for the default issue type: the SQLite driver hands a NULL over
	// faster than a string.
	rows, err := c.query(ctx, `SELECT i.id, i.project_id, i.iid, i.title, `+stateColumn+`, i.milestone_id, i.weight, i.due_date,
		NULLIF(i.issue_type, ?), i.parent_id, i.relative_position, i.created_at, i.updated_at, i.closed_at`+from,
		append([]any{defaultIssueType}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("load planning issues: %w", err)
	}
	defer rows.Close()
	var list []*cairn.Issue
	var block []cairn.Issue
	// One set of destinations for all rows: per row, they would escape.
	var id, project, iid, created, updated int64
	var title string
	var st, due, issueType sql.NullString
	var milestone, weight, parent, rank, closed sql.NullInt64
	dest := []any{&id, &project, &iid, &title, &st, &milestone, &weight, &due, &issueType, &parent, &rank, &created, &updated, &closed}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan planning issue: %w", err)
		}
		if len(block) == 0 {
			block = make([]cairn.Issue, 256)
		}
		is := &block[0]
		block = block[1:]
		is.ID, is.ProjectID, is.IID, is.Title = id, project, iid, title
		is.Labels, is.Assignees = []*cairn.Label{}, []*cairn.User{}
		is.State, is.IssueType = st.String, issueType.String
		if state != "" {
			is.State = state
		}
		if !issueType.Valid {
			is.IssueType = defaultIssueType
		}
		if weight.Valid {
			w := int(weight.Int64)
			is.Weight = &w
		}
		if parent.Valid {
			v := parent.Int64
			is.ParentID = &v
		}
		if rank.Valid {
			v := rank.Int64
			is.RelativePosition = &v
		}
		if milestone.Valid {
			is.Milestone = &cairn.Milestone{ID: milestone.Int64}
		}
		is.DueDate = due.String
		is.CreatedAt, is.UpdatedAt, is.ClosedAt = fromMS(created), fromMS(updated), fromNullMS(closed)
		list = append(list, is)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load planning issues: %w", err)
	}
	return list, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
// an enormous backlog gets a slow plan rather than an exhausted server.
const maxPlanningIssues = 100000

// PlanningIssues returns the issues f selects, ordered by id, with only
// what planning and the plan's tables use: ids, iid, title, state, weight,
// relative position, parent, due date, creation and closing times, labels,
// assignees (full users) and the milestone (id, title and dates). The
// description, author, closer and counters are left empty.
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
	// The same FROM … WHERE serves the issues, their labels and their
	// assignees, so that no query lists thousands of ids.
	from := " FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.group_id = ? AND " + strings.Join(conds, " AND ")
	c := s.read()

	rows, err := c.query(ctx, `SELECT i.id, i.project_id, i.iid, i.title, i.state, i.milestone_id, i.weight, i.due_date, i.issue_type,
		i.parent_id, i.relative_position, i.created_at, i.updated_at, i.closed_at`+from+" ORDER BY i.id LIMIT ?", append(args, maxPlanningIssues)...)
	if err != nil {
		return nil, fmt.Errorf("load planning issues: %w", err)
	}
	var list []*cairn.Issue
	byID := map[int64]*cairn.Issue{}
	milestoneOf := map[int64]int64{}
	for rows.Next() {
		is := &cairn.Issue{Labels: []*cairn.Label{}, Assignees: []*cairn.User{}}
		var milestone, weight, parent, rank, closed sql.NullInt64
		var due sql.NullString
		var created, updated int64
		if err := rows.Scan(&is.ID, &is.ProjectID, &is.IID, &is.Title, &is.State, &milestone, &weight, &due, &is.IssueType,
			&parent, &rank, &created, &updated, &closed); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan planning issue: %w", err)
		}
		if weight.Valid {
			w := int(weight.Int64)
			is.Weight = &w
		}
		if parent.Valid {
			is.ParentID = &parent.Int64
		}
		if rank.Valid {
			is.RelativePosition = &rank.Int64
		}
		is.DueDate = due.String
		is.CreatedAt, is.UpdatedAt, is.ClosedAt = fromMS(created), fromMS(updated), fromNullMS(closed)
		if milestone.Valid {
			milestoneOf[is.ID] = milestone.Int64
		}
		list = append(list, is)
		byID[is.ID] = is
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load planning issues: %w", err)
	}
	if len(list) == 0 {
		return list, nil
	}

	type pair struct{ issue, other int64 }
	scanPairs := func(what, query string) ([]pair, []int64, error) {
		rows, err := c.query(ctx, query, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("load %s: %w", what, err)
		}
		defer rows.Close()
		var out []pair
		var others []int64
		for rows.Next() {
			var p pair
			if err := rows.Scan(&p.issue, &p.other); err != nil {
				return nil, nil, fmt.Errorf("scan %s: %w", what, err)
			}
			if byID[p.issue] != nil { // beyond the issue limit otherwise
				out = append(out, p)
				others = append(others, p.other)
			}
		}
		return out, others, rows.Err()
	}
	labelPairs, labelIDs, err := scanPairs("issue labels", "SELECT il.issue_id, il.label_id FROM issue_labels il WHERE il.issue_id IN (SELECT i.id"+from+")")
	if err != nil {
		return nil, err
	}
	assigneePairs, userIDs, err := scanPairs("assignees", "SELECT ia.issue_id, ia.user_id FROM issue_assignees ia WHERE ia.issue_id IN (SELECT i.id"+from+
		") ORDER BY ia.issue_id, ia.position, ia.user_id")
	if err != nil {
		return nil, err
	}
	labels, err := labelsByIDs(ctx, c, uniqueNonZero(labelIDs))
	if err != nil {
		return nil, err
	}
	users, err := usersByIDs(ctx, c, userIDs)
	if err != nil {
		return nil, err
	}
	var milestoneIDs []int64
	for _, id := range milestoneOf {
		milestoneIDs = append(milestoneIDs, id)
	}
	milestones, err := milestonesByIDs(ctx, c, milestoneIDs)
	if err != nil {
		return nil, err
	}
	for _, p := range labelPairs {
		if l := labels[p.other]; l != nil {
			byID[p.issue].Labels = append(byID[p.issue].Labels, l)
		}
	}
	for _, p := range assigneePairs {
		if u := users[p.other]; u != nil {
			byID[p.issue].Assignees = append(byID[p.issue].Assignees, u)
		}
	}
	for _, is := range list {
		sortLabels(is.Labels)
		if id, ok := milestoneOf[is.ID]; ok {
			is.Milestone = milestones[id]
		}
	}
	return list, nil
}

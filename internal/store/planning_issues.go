package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

// This file creates the issues of the planning process — planning issues,
// retrospectives, coverage issues — inside the planning transactions, in the
// team's planning project, which it creates when first needed.

// PlanningProject returns the group's planning project (path inside the
// group); ENOTFOUND if it does not exist yet.
func (s *Store) PlanningProject(ctx context.Context, groupID int64, path string) (*cairn.Project, error) {
	p, err := scanProject(s.read().queryRow(ctx, "SELECT "+projectColumns+projectFrom+" WHERE p.group_id = ? AND lower(p.path) = lower(?)", groupID, path))
	if err != nil {
		return nil, notFound(fmt.Errorf("planning project: %w", err), "Project")
	}
	return p, nil
}

// ensurePlanningProject returns the id of the group's project at path,
// creating it (private, named "Planning") when missing. A concurrent
// creation is absorbed by the unique path index.
func ensurePlanningProject(ctx context.Context, c *conn, groupID int64, path string, now int64) (int64, error) {
	if path == "" {
		return 0, cairn.FieldError("planning_project", "can't be blank")
	}
	find := func() (int64, error) {
		var id int64
		err := c.queryRow(ctx, "SELECT id FROM projects WHERE group_id = ? AND lower(path) = lower(?)", groupID, path).Scan(&id)
		return id, err
	}
	id, err := find()
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find planning project: %w", err)
	}
	in := cairn.ProjectCreate{GroupID: groupID, Path: path, Name: planningProjectName(path), Visibility: cairn.VisibilityPrivate,
		Description: "Milestone planning, retrospective and time-off coverage issues of the team, kept by Cairn."}
	if err := in.Validate(); err != nil {
		return 0, err
	}
	if _, err := c.exec(ctx, `INSERT INTO projects (group_id, path, name, description, visibility, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, groupID, in.Path, in.Name, in.Description, in.Visibility, now, now); err != nil {
		return 0, fmt.Errorf("create planning project: %w", err)
	}
	if id, err = find(); err != nil {
		return 0, fmt.Errorf("find planning project: %w", err)
	}
	return id, nil
}

// planningProjectName is the display name of a planning project: "Planning"
// for the default path, else the path with its first letter capitalised.
func planningProjectName(path string) string {
	if path == "" {
		return "Planning"
	}
	return strings.ToUpper(path[:1]) + path[1:]
}

// GroupLabelSpec names a group label the planning process uses, with the
// colour and description it is created with when missing.
type GroupLabelSpec struct {
	Name        string
	Color       string
	Description string
}

// ensureGroupLabels creates the group labels that do not exist yet (a
// label of the same name in any letter case counts as existing).
func ensureGroupLabels(ctx context.Context, c *conn, groupID int64, specs []GroupLabelSpec, now int64) error {
	for _, l := range specs {
		if l.Name == "" {
			continue
		}
		color := l.Color
		if color == "" {
			color = cairn.DefaultLabelColor
		}
		if _, err := c.exec(ctx, `INSERT INTO labels (group_id, name, color, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, groupID, l.Name, color, l.Description, now, now); err != nil {
			return fmt.Errorf("create label %q: %w", l.Name, err)
		}
	}
	return nil
}

// planningAuthor returns the user planning issues are written by when no
// one acts: preferred when it is a user, else the group's first
// engineering manager, owner, or member, in that order. ECONFLICT when the
// group has no members at all, since an issue needs an author.
func planningAuthor(ctx context.Context, c *conn, groupID, preferred int64) (int64, error) {
	if preferred != 0 {
		return preferred, nil
	}
	var id int64
	err := c.queryRow(ctx, `SELECT gm.user_id FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = ?
		ORDER BY (gm.planning_role <> ?), (gm.access_level <> ?), gm.created_at, gm.user_id LIMIT 1`,
		groupID, cairn.RoleEngineeringManager, cairn.AccessOwner).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, cairn.Errorf(cairn.ECONFLICT, "The group has no members to write its planning issues")
	}
	if err != nil {
		return 0, fmt.Errorf("find planning author: %w", err)
	}
	return id, nil
}

// engineeringManagers returns the group's engineering managers, the people
// a planning issue is assigned to, oldest membership first.
func engineeringManagers(ctx context.Context, c *conn, groupID int64) ([]int64, error) {
	rows, err := c.query(ctx, "SELECT user_id FROM group_members WHERE group_id = ? AND planning_role = ? ORDER BY created_at, user_id LIMIT ?",
		groupID, cairn.RoleEngineeringManager, cairn.MaxAssignees)
	if err != nil {
		return nil, fmt.Errorf("find engineering managers: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan engineering manager: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// createIssueTx creates an issue inside c's transaction, as CreateIssue
// does (next iid, labels created when missing, the initial state recorded
// as events), written by authorID at now. The planning transactions need it
// because CreateIssue opens its own transaction.
func createIssueTx(ctx context.Context, c *conn, in cairn.IssueCreate, authorID, now int64) (int64, error) {
	if err := in.Validate(); err != nil {
		return 0, err
	}
	var iid, gid int64
	err := c.queryRow(ctx, "UPDATE projects SET last_issue_iid = last_issue_iid + 1 WHERE id = ? RETURNING last_issue_iid, group_id",
		in.ProjectID).Scan(&iid, &gid)
	if err != nil {
		return 0, notFound(fmt.Errorf("create issue: %w", err), "Project")
	}
	milestoneTitle := ""
	if in.MilestoneID != 0 {
		if milestoneTitle, err = usableMilestoneTitle(ctx, c, in.MilestoneID, in.ProjectID, gid); err != nil {
			return 0, err
		}
	}
	if err := checkAssignees(ctx, c, in.AssigneeIDs); err != nil {
		return 0, err
	}
	if in.ParentID != 0 {
		if err := checkParent(ctx, c, in.ParentID, gid, 0); err != nil {
			return 0, err
		}
	}
	byName, err := ensureLabels(ctx, c, in.ProjectID, gid, in.Labels, now)
	if err != nil {
		return 0, err
	}
	var labels []*cairn.Label
	seen := map[int64]bool{}
	for _, n := range in.Labels {
		if l := byName[n]; l != nil && !seen[l.ID] {
			seen[l.ID] = true
			labels = append(labels, l)
		}
	}
	var weight sql.NullInt64
	if in.Weight != nil {
		weight = sql.NullInt64{Int64: int64(*in.Weight), Valid: true}
	}
	id, err := c.insert(ctx, `INSERT INTO issues (project_id, iid, title, description, state, author_id, milestone_id, weight,
			due_date, confidential, issue_type, parent_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'opened', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ProjectID, iid, in.Title, in.Description, authorID, optID(in.MilestoneID), weight,
		nullString(in.DueDate), in.Confidential, in.IssueType, optID(in.ParentID), now, now)
	if err != nil {
		return 0, fmt.Errorf("insert issue: %w", err)
	}
	if err := insertIssueLabels(ctx, c, id, labels); err != nil {
		return 0, err
	}
	if err := insertAssignees(ctx, c, id, in.AssigneeIDs); err != nil {
		return 0, err
	}
	var events []eventRow
	for _, l := range labels {
		events = append(events, labelEvent(cairn.ActionAdd, l))
	}
	if in.MilestoneID != 0 {
		events = append(events, eventRow{kind: cairn.EventMilestone, action: cairn.ActionAdd, milestoneID: optID(in.MilestoneID), milestoneTitle: milestoneTitle})
	}
	if in.Weight != nil {
		events = append(events, eventRow{kind: cairn.EventWeight, action: cairn.ActionAdd, weight: weight})
	}
	if err := insertEvents(ctx, c, id, optID(authorID), now, events); err != nil {
		return 0, err
	}
	if err := c.s.issueOpenedHook(ctx, c, gid, id, in.Confidential, authorID); err != nil {
		return 0, err
	}
	return id, nil
}

// lockIssueByID is lockIssue by global id. ENOTFOUND if none.
func lockIssueByID(ctx context.Context, c *conn, id int64) (*storedIssue, error) {
	r, err := scanIssue(c.queryRow(ctx, "SELECT "+issueColumns+" FROM issues i WHERE i.id = ?"+c.forUpdate(), id))
	if err != nil {
		return nil, notFound(err, "Issue")
	}
	return r, nil
}

// PlanningIssueInput describes the planning issue of a milestone, created
// when the milestone has none.
type PlanningIssueInput struct {
	GroupID     int64
	MilestoneID int64
	// ProjectPath is the planning project's path inside the group.
	ProjectPath string
	// Label is the planning label; the issue is created with it, and an
	// existing issue of the planning project with it and the milestone is
	// adopted instead of creating one.
	Label       string
	Title       string
	Description string
	DueDate     string
	// AuthorID writes the issue; 0 picks the group's engineering manager
	// (or owner). The issue is assigned to the engineering managers.
	AuthorID int64
}

// EnsurePlanningIssue returns the id of the milestone's planning issue,
// recording it in the milestone's plan: the one recorded already, else an
// issue of the planning project with the planning label and the milestone
// (open or closed, so that imported history is adopted), else a new one
// made from in. created reports a new issue. Concurrent calls for one
// milestone give one issue. ENOTFOUND if the milestone is not the group's.
func (s *Store) EnsurePlanningIssue(ctx context.Context, in PlanningIssueInput) (id int64, created bool, err error) {
	err = s.write(ctx, func(c *conn) error {
		id, created, err = ensurePlanningIssueTx(ctx, c, in, ms(s.now()))
		return err
	})
	return id, created, err
}

func ensurePlanningIssueTx(ctx context.Context, c *conn, in PlanningIssueInput, now int64) (int64, bool, error) {
	var one int
	if err := c.queryRow(ctx, "SELECT 1 FROM milestones WHERE id = ? AND group_id = ?", in.MilestoneID, in.GroupID).Scan(&one); err != nil {
		return 0, false, notFound(fmt.Errorf("planning issue: %w", err), "Milestone")
	}
	plan, err := lockMilestonePlan(ctx, c, in.GroupID, in.MilestoneID, now)
	if err != nil {
		return 0, false, err
	}
	if plan.PlanningIssueID != nil {
		return *plan.PlanningIssueID, false, nil
	}
	projectID, err := ensurePlanningProject(ctx, c, in.GroupID, in.ProjectPath, now)
	if err != nil {
		return 0, false, err
	}
	id, err := findPlanningIssue(ctx, c, projectID, in.MilestoneID, in.Label)
	if err != nil {
		return 0, false, err
	}
	created := false
	if id != 0 && in.DueDate != "" {
		// An adopted issue (written by hand or imported) gets the
		// finalisation deadline as its due date unless someone set one.
		if _, err := c.exec(ctx, "UPDATE issues SET due_date = ?, updated_at = ? WHERE id = ? AND due_date IS NULL AND state = 'opened'",
			in.DueDate, now, id); err != nil {
			return 0, false, fmt.Errorf("set planning issue due date: %w", err)
		}
	}
	if id == 0 {
		if err := ensureGroupLabels(ctx, c, in.GroupID, []GroupLabelSpec{{Name: in.Label, Description: "The milestone planning issue."}}, now); err != nil {
			return 0, false, err
		}
		author, err := planningAuthor(ctx, c, in.GroupID, in.AuthorID)
		if err != nil {
			return 0, false, err
		}
		managers, err := engineeringManagers(ctx, c, in.GroupID)
		if err != nil {
			return 0, false, err
		}
		if id, err = createIssueTx(ctx, c, cairn.IssueCreate{
			ProjectID: projectID, Title: in.Title, Description: in.Description, Labels: []string{in.Label},
			MilestoneID: in.MilestoneID, DueDate: in.DueDate, AssigneeIDs: managers,
		}, author, now); err != nil {
			return 0, false, fmt.Errorf("create planning issue: %w", err)
		}
		created = true
	}
	if _, err := c.exec(ctx, "UPDATE milestone_plans SET planning_issue_id = ? WHERE milestone_id = ?", id, in.MilestoneID); err != nil {
		return 0, false, fmt.Errorf("record planning issue: %w", err)
	}
	return id, created, nil
}

// findPlanningIssue returns the planning project's issue with the planning
// label and the milestone, preferring an open one, then the oldest; 0 if
// none.
func findPlanningIssue(ctx context.Context, c *conn, projectID, milestoneID int64, label string) (int64, error) {
	var id int64
	err := c.queryRow(ctx, `SELECT i.id FROM issues i JOIN issue_labels il ON il.issue_id = i.id JOIN labels l ON l.id = il.label_id
		WHERE i.project_id = ? AND i.milestone_id = ? AND lower(l.name) = lower(?)
		ORDER BY (i.state <> 'opened'), i.id LIMIT 1`, projectID, milestoneID, label).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find planning issue: %w", err)
	}
	return id, nil
}

// FindPlanningIssue returns the id of the milestone's planning issue
// without creating anything: the recorded one, else one the planning
// project holds with the planning label and the milestone; 0 if none.
func (s *Store) FindPlanningIssue(ctx context.Context, groupID, milestoneID int64, projectPath, label string) (int64, error) {
	c := s.read()
	var recorded sql.NullInt64
	err := c.queryRow(ctx, "SELECT planning_issue_id FROM milestone_plans WHERE milestone_id = ? AND group_id = ?", milestoneID, groupID).Scan(&recorded)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find planning issue: %w", err)
	}
	if recorded.Valid {
		return recorded.Int64, nil
	}
	var projectID int64
	err = c.queryRow(ctx, "SELECT id FROM projects WHERE group_id = ? AND lower(path) = lower(?)", groupID, projectPath).Scan(&projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find planning project: %w", err)
	}
	return findPlanningIssue(ctx, c, projectID, milestoneID, label)
}

// RewriteIssueDescription replaces an issue's description with
// fn(current description) as a system change (no acting user), in one
// transaction that locks the issue, so that an edit a person saves at the
// same moment is never lost: fn sees it. fn may run more than once. It
// reports whether the description changed. ENOTFOUND if the issue does not
// exist.
func (s *Store) RewriteIssueDescription(ctx context.Context, issueID int64, fn func(current string) string) (bool, error) {
	var changed bool
	err := s.write(ctx, func(c *conn) error {
		changed = false
		cur, err := lockIssueByID(ctx, c, issueID)
		if err != nil {
			return err
		}
		d := fn(cur.Description)
		if d == cur.Description {
			return nil
		}
		u := cairn.IssueUpdate{Description: &d}
		if err := u.Validate(); err != nil {
			return err
		}
		changed, err = s.applyIssueUpdate(ctx, c, cur, &u, nil)
		return err
	})
	return changed, err
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/cairnhq/cairn"
)

// PlanningLabels are the label names finalisation applies.
type PlanningLabels struct {
	Planning      string
	Deliverable   string
	Stretch       string
	Retrospective string
}

// RetrospectiveInput describes the retrospective of the milestone that
// ends as the next one is finalised. It is created once per milestone, as a
// sub-task of that milestone's planning issue when it has one.
type RetrospectiveInput struct {
	MilestoneID int64
	Title       string
	Description string
	DueDate     string
}

// FinalizeInput is a plan to finalise: the commitments the planner chose
// and the issues of the process to create.
type FinalizeInput struct {
	GroupID     int64
	MilestoneID int64
	// ProjectPath is the planning project's path inside the group.
	ProjectPath string
	Labels      PlanningLabels
	// Commitments are the Deliverable and Stretch issues; each gets the
	// milestone and its placement's label (losing the other one).
	Commitments []PlanCommitment
	// Carryover are the open issues of the current milestone; they move to
	// the finalised milestone, and those not among the commitments lose
	// the Deliverable and Stretch labels.
	Carryover    []int64
	TeamCapacity float64
	// PlanningIssue describes the milestone's planning issue, used when it
	// has none yet; Describe gives its final description from the current
	// one (it may run more than once). The issue is closed.
	PlanningIssue PlanningIssueInput
	Describe      func(current string) string
	// Next, when set, is the planning issue of the next milestone, opened
	// now; Retrospective, when set, is the retrospective of the milestone
	// that ends.
	Next          *PlanningIssueInput
	Retrospective *RetrospectiveInput
}

// FinalizeOutcome is what FinalizePlan did.
type FinalizeOutcome struct {
	// AlreadyFinalized says the plan was final before; nothing changed.
	AlreadyFinalized    bool
	Plan                *MilestonePlan
	PlanningIssueID     int64
	NextPlanningIssueID int64
	RetrospectiveID     int64
}

// FinalizePlan finalises a milestone's plan in one transaction: it applies
// the milestone and the Deliverable or Stretch label to each commitment,
// removes both labels from the milestone's other open issues, moves the
// carryover, records the commitments, closes the planning issue with its
// final description, marks the plan final with the acting user and the
// team capacity, opens the next milestone's planning issue and the ending
// milestone's retrospective. Label and milestone changes are recorded as
// events of the acting user, as the API's changes are. The milestone's plan
// record is locked first, so a second call, concurrent or later, finds the
// plan final and changes nothing (AlreadyFinalized). ENOTFOUND if the
// milestone is not the group's; EINVALID for a commitment outside the group.
func (s *Store) FinalizePlan(ctx context.Context, in FinalizeInput) (*FinalizeOutcome, error) {
	actor := cairn.UserFromContext(ctx)
	var out *FinalizeOutcome
	err := s.write(ctx, func(c *conn) error {
		out = &FinalizeOutcome{}
		now := ms(s.now())
		var one int
		if err := c.queryRow(ctx, "SELECT 1 FROM milestones WHERE id = ? AND group_id = ?", in.MilestoneID, in.GroupID).Scan(&one); err != nil {
			return notFound(fmt.Errorf("finalize plan: %w", err), "Milestone")
		}
		// Lock every plan record this touches in id order, so that two
		// finalisations of neighbouring milestones cannot deadlock.
		lockIDs := []int64{in.MilestoneID}
		if in.Next != nil {
			lockIDs = append(lockIDs, in.Next.MilestoneID)
		}
		if in.Retrospective != nil {
			lockIDs = append(lockIDs, in.Retrospective.MilestoneID)
		}
		slices.Sort(lockIDs)
		plans := map[int64]*MilestonePlan{}
		for _, id := range slices.Compact(lockIDs) {
			p, err := lockMilestonePlan(ctx, c, in.GroupID, id, now)
			if err != nil {
				return err
			}
			plans[id] = p
		}
		plan := plans[in.MilestoneID]
		if plan.Finalized() {
			out.AlreadyFinalized, out.Plan = true, plan
			if plan.PlanningIssueID != nil {
				out.PlanningIssueID = *plan.PlanningIssueID
			}
			return nil
		}
		if err := ensureGroupLabels(ctx, c, in.GroupID, []GroupLabelSpec{
			{Name: in.Labels.Deliverable, Color: "#009966", Description: "Committed for the milestone."},
			{Name: in.Labels.Stretch, Color: "#a8d695", Description: "Planned beyond capacity: done if time allows."},
		}, now); err != nil {
			return err
		}

		selected := map[int64]bool{}
		for _, cm := range in.Commitments {
			selected[cm.IssueID] = true
		}
		labelOf := map[string]string{PlacementDeliverable: in.Labels.Deliverable, PlacementStretch: in.Labels.Stretch}
		// An issue deleted since the plan was computed is not committed to.
		commitments := make([]PlanCommitment, 0, len(in.Commitments))
		for _, cm := range in.Commitments {
			add, ok := labelOf[cm.Placement]
			if !ok {
				return fmt.Errorf("finalize plan: issue %d: unknown placement %q", cm.IssueID, cm.Placement)
			}
			remove := labelOf[PlacementStretch]
			if cm.Placement == PlacementStretch {
				remove = labelOf[PlacementDeliverable]
			}
			u := cairn.IssueUpdate{MilestoneID: cairn.SetTo(in.MilestoneID), AddLabels: []string{add}, RemoveLabels: []string{remove}}
			err := s.updateGroupIssue(ctx, c, in.GroupID, cm.IssueID, &u, actor)
			if cairn.ErrorCode(err) == cairn.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			commitments = append(commitments, cm)
		}
		for _, id := range in.Carryover {
			if selected[id] {
				continue
			}
			u := cairn.IssueUpdate{MilestoneID: cairn.SetTo(in.MilestoneID), RemoveLabels: []string{in.Labels.Deliverable, in.Labels.Stretch}}
			if err := s.updateGroupIssue(ctx, c, in.GroupID, id, &u, actor); err != nil && cairn.ErrorCode(err) != cairn.ENOTFOUND {
				return err
			}
		}
		stale, err := issuesWithLabels(ctx, c, in.MilestoneID, []string{in.Labels.Deliverable, in.Labels.Stretch})
		if err != nil {
			return err
		}
		for _, id := range stale {
			if selected[id] {
				continue
			}
			u := cairn.IssueUpdate{RemoveLabels: []string{in.Labels.Deliverable, in.Labels.Stretch}}
			if err := s.updateGroupIssue(ctx, c, in.GroupID, id, &u, actor); err != nil {
				return err
			}
		}

		if _, err := c.exec(ctx, "DELETE FROM plan_commitments WHERE milestone_id = ?", in.MilestoneID); err != nil {
			return fmt.Errorf("clear plan commitments: %w", err)
		}
		for start := 0; start < len(commitments); start += 100 {
			batch := commitments[start:min(start+100, len(commitments))]
			args := make([]any, 0, 6*len(batch))
			for _, cm := range batch {
				var w sql.NullInt64
				if cm.Weight != nil {
					w = sql.NullInt64{Int64: int64(*cm.Weight), Valid: true}
				}
				args = append(args, in.MilestoneID, cm.IssueID, cm.Placement, w, cm.Carryover, now)
			}
			if _, err := c.exec(ctx, "INSERT INTO plan_commitments (milestone_id, issue_id, placement, weight, carryover, created_at) VALUES "+
				valueRows(len(batch), 6), args...); err != nil {
				return fmt.Errorf("record plan commitments: %w", err)
			}
		}

		pin := in.PlanningIssue
		pin.GroupID, pin.MilestoneID = in.GroupID, in.MilestoneID
		if actor != nil && pin.AuthorID == 0 {
			pin.AuthorID = actor.ID
		}
		planningID, _, err := ensurePlanningIssueTx(ctx, c, pin, now)
		if err != nil {
			return err
		}
		out.PlanningIssueID = planningID
		cur, err := lockIssueByID(ctx, c, planningID)
		if err != nil {
			return err
		}
		u := cairn.IssueUpdate{StateEvent: "close"}
		if in.Describe != nil {
			d := in.Describe(cur.Description)
			u.Description = &d
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if _, err := s.applyIssueUpdate(ctx, c, cur, &u, actor); err != nil {
			return fmt.Errorf("close planning issue: %w", err)
		}

		var by sql.NullInt64
		if actor != nil {
			by = optID(actor.ID)
		}
		if _, err := c.exec(ctx, "UPDATE milestone_plans SET finalized_at = ?, finalized_by = ?, team_capacity = ? WHERE milestone_id = ?",
			now, by, in.TeamCapacity, in.MilestoneID); err != nil {
			return fmt.Errorf("finalize plan: %w", err)
		}

		if in.Next != nil {
			next := *in.Next
			next.GroupID = in.GroupID
			if actor != nil && next.AuthorID == 0 {
				next.AuthorID = actor.ID
			}
			if out.NextPlanningIssueID, _, err = ensurePlanningIssueTx(ctx, c, next, now); err != nil {
				return fmt.Errorf("next planning issue: %w", err)
			}
		}
		if in.Retrospective != nil {
			if out.RetrospectiveID, err = ensureRetrospectiveTx(ctx, c, in, plans[in.Retrospective.MilestoneID], actor, now); err != nil {
				return fmt.Errorf("retrospective: %w", err)
			}
		}
		if err := s.planningHook(ctx, c, in.GroupID, in.MilestoneID, commitments, in.TeamCapacity, actor, now); err != nil {
			return err
		}
		if err := s.auditFinalize(ctx, c, in, commitments, out.PlanningIssueID); err != nil {
			return err
		}
		if out.Plan, err = scanMilestonePlan(c.queryRow(ctx, "SELECT "+milestonePlanColumns+" FROM milestone_plans mp WHERE mp.milestone_id = ?",
			in.MilestoneID)); err != nil {
			return fmt.Errorf("load milestone plan: %w", err)
		}
		planningChanged(c, in.GroupID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updateGroupIssue applies u to an issue of the group as UpdateIssue does,
// inside c's transaction. EINVALID if the issue is not the group's.
func (s *Store) updateGroupIssue(ctx context.Context, c *conn, groupID, issueID int64, u *cairn.IssueUpdate, actor *cairn.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	cur, err := lockIssueByID(ctx, c, issueID)
	if err != nil {
		return err
	}
	gid, err := projectGroupID(ctx, c, cur.ProjectID)
	if err != nil {
		return err
	}
	if gid != groupID {
		return cairn.FieldError("issue", fmt.Sprintf("%d is not an issue of this group", issueID))
	}
	if _, err := s.applyIssueUpdate(ctx, c, cur, u, actor); err != nil {
		return fmt.Errorf("update issue %d: %w", issueID, err)
	}
	return nil
}

// issuesWithLabels returns the open issues of the milestone that carry any
// of the named labels (compared without letter case), by id.
func issuesWithLabels(ctx context.Context, c *conn, milestoneID int64, names []string) ([]int64, error) {
	var lower []any
	for _, n := range names {
		if n != "" {
			lower = append(lower, n)
		}
	}
	if len(lower) == 0 {
		return nil, nil
	}
	args := append([]any{milestoneID}, lower...)
	return queryIDs(ctx, c, `SELECT DISTINCT i.id FROM issues i JOIN issue_labels il ON il.issue_id = i.id JOIN labels l ON l.id = il.label_id
		WHERE i.milestone_id = ? AND i.state = 'opened' AND lower(l.name) IN (`+lowerPlaceholders(len(lower))+`) ORDER BY i.id LIMIT ?`,
		append(args, maxPlanningIssues)...)
}

// lowerPlaceholders returns n "lower(?)" placeholders, comma-separated.
func lowerPlaceholders(n int) string {
	out := make([]byte, 0, n*10)
	for i := range n {
		if i > 0 {
			out = append(out, ", "...)
		}
		out = append(out, "lower(?)"...)
	}
	return string(out)
}

// ensureRetrospectiveTx returns the retrospective of the ending milestone
// (whose plan record the caller has locked), creating it when the record
// has none: in the planning project, titled, due and described as given,
// labelled with the retrospective label, a sub-task of the milestone's
// planning issue when there is one. An issue of the planning project with
// the same title and the label is adopted instead.
func ensureRetrospectiveTx(ctx context.Context, c *conn, in FinalizeInput, plan *MilestonePlan, actor *cairn.User, now int64) (int64, error) {
	r := in.Retrospective
	if plan.RetrospectiveIssueID != nil {
		return *plan.RetrospectiveIssueID, nil
	}
	projectID, err := ensurePlanningProject(ctx, c, in.GroupID, in.ProjectPath, now)
	if err != nil {
		return 0, err
	}
	var id int64
	err = c.queryRow(ctx, `SELECT i.id FROM issues i JOIN issue_labels il ON il.issue_id = i.id JOIN labels l ON l.id = il.label_id
		WHERE i.project_id = ? AND i.title = ? AND lower(l.name) = lower(?) ORDER BY i.id LIMIT 1`,
		projectID, r.Title, in.Labels.Retrospective).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find retrospective: %w", err)
	}
	if id == 0 {
		if err := ensureGroupLabels(ctx, c, in.GroupID, []GroupLabelSpec{
			{Name: in.Labels.Retrospective, Color: "#8e44ad", Description: "The asynchronous retrospective of a milestone."},
		}, now); err != nil {
			return 0, err
		}
		var parent int64
		if plan.PlanningIssueID != nil {
			parent = *plan.PlanningIssueID
		} else if parent, err = findPlanningIssue(ctx, c, projectID, r.MilestoneID, in.Labels.Planning); err != nil {
			return 0, err
		}
		var preferred int64
		if actor != nil {
			preferred = actor.ID
		}
		author, err := planningAuthor(ctx, c, in.GroupID, preferred)
		if err != nil {
			return 0, err
		}
		if id, err = createIssueTx(ctx, c, cairn.IssueCreate{
			ProjectID: projectID, Title: r.Title, Description: r.Description, Labels: []string{in.Labels.Retrospective},
			DueDate: r.DueDate, ParentID: parent, IssueType: "task",
		}, author, now); err != nil {
			return 0, err
		}
	}
	if _, err := c.exec(ctx, "UPDATE milestone_plans SET retrospective_issue_id = ? WHERE milestone_id = ?", id, r.MilestoneID); err != nil {
		return 0, fmt.Errorf("record retrospective: %w", err)
	}
	return id, nil
}

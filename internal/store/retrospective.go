package store

import (
	"context"
	"fmt"

	"github.com/cairnhq/cairn"
)

// EnsureRetrospectiveInput describes the retrospective of a milestone that
// ended without finalisation opening it.
type EnsureRetrospectiveInput struct {
	GroupID int64
	// ProjectPath is the planning project's path inside the group; it is
	// created when missing.
	ProjectPath   string
	Labels        PlanningLabels
	Retrospective RetrospectiveInput
}

// EnsureRetrospective returns the id of a group milestone's retrospective,
// creating it when the milestone has none, exactly as FinalizePlan does for
// the milestone before the one it finalises: in the planning project,
// labelled, due and described as given, a sub-task of the milestone's
// planning issue when there is one (an issue of the planning project with
// the same title and the label is adopted instead). It runs in its own
// transaction and locks the milestone's plan record first, so that
// concurrent calls — from several instances, or racing a finalisation —
// give one retrospective. recorded says this call recorded it (created or
// adopted). The author is the acting user, or without one the group's
// engineering manager (else its oldest owner or member). ENOTFOUND if the
// milestone is not the group's; ECONFLICT if the group has no members.
func (s *Store) EnsureRetrospective(ctx context.Context, in EnsureRetrospectiveInput) (id int64, recorded bool, err error) {
	actor := cairn.UserFromContext(ctx)
	r := in.Retrospective
	err = s.write(ctx, func(c *conn) error {
		id, recorded = 0, false
		now := ms(s.now())
		var one int
		if err := c.queryRow(ctx, "SELECT 1 FROM milestones WHERE id = ? AND group_id = ?", r.MilestoneID, in.GroupID).Scan(&one); err != nil {
			return notFound(fmt.Errorf("ensure retrospective: %w", err), "Milestone")
		}
		plan, err := lockMilestonePlan(ctx, c, in.GroupID, r.MilestoneID, now)
		if err != nil {
			return err
		}
		if plan.RetrospectiveIssueID != nil {
			id = *plan.RetrospectiveIssueID
			return nil
		}
		fin := FinalizeInput{GroupID: in.GroupID, ProjectPath: in.ProjectPath, Labels: in.Labels, Retrospective: &r}
		if id, err = ensureRetrospectiveTx(ctx, c, fin, plan, actor, now); err != nil {
			return fmt.Errorf("retrospective: %w", err)
		}
		recorded = true
		planningChanged(c, in.GroupID)
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return id, recorded, nil
}

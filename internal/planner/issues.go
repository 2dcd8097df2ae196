package planner

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// EnsureCadence makes the group's cadence exist ahead of time: the
// milestone containing today and the next milestones_ahead ones exist as
// group milestones (titles and dates from the cadence; a milestone with the
// same title or start date counts as existing, and nothing is created
// twice, even by concurrent calls), and the first milestone that has not
// started and is not finalised has its planning issue. ENOTFOUND if the
// group does not exist.
func (p *Service) EnsureCadence(ctx context.Context, groupID int64) error {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return err
	}
	periods, err := t.settings.Cadence.Upcoming(t.today, t.settings.MilestonesAhead)
	if err != nil {
		return cairn.FieldError("cadence", err.Error())
	}
	created := false
	for _, per := range periods {
		if t.hasPeriod(per) {
			continue
		}
		_, err := p.store.CreateMilestone(ctx, cairn.MilestoneCreate{
			GroupID: groupID, Title: per.Title, StartDate: per.StartDate, DueDate: per.DueDate,
			Description: fmt.Sprintf("Milestone %s, from %s to %s.", per.Title, per.StartDate, per.DueDate),
		})
		switch {
		case err == nil:
			created = true
		case cairn.ErrorCode(err) == cairn.ECONFLICT:
			// Someone created it at the same moment: the title is taken.
		default:
			return fmt.Errorf("create milestone %s: %w", per.Title, err)
		}
	}
	if created {
		if t, err = p.loadTeam(ctx, groupID); err != nil {
			return err
		}
	}
	plans, err := p.store.MilestonePlans(ctx, groupID)
	if err != nil {
		return err
	}
	var target *cairn.Milestone
	for _, m := range t.milestones {
		if !dated(m) || m.StartDate <= t.today || m.State == cairn.MilestoneClosed || plans[m.ID].Finalized() {
			continue
		}
		if target == nil || m.StartDate < target.StartDate {
			target = m
		}
	}
	if target == nil {
		return nil
	}
	_, err = p.ensurePlanningIssue(ctx, t, target)
	return err
}

// hasPeriod reports whether the team has a milestone for the cadence
// period: one of the same title or the same start date.
func (t *team) hasPeriod(per planning.Period) bool {
	for _, m := range t.milestones {
		if m.Title == per.Title || m.StartDate == per.StartDate {
			return true
		}
	}
	return false
}

// ensurePlanningIssue returns the id of the milestone's planning issue,
// adopting or creating it, and refreshes an adopted one.
func (p *Service) ensurePlanningIssue(ctx context.Context, t *team, m *cairn.Milestone) (int64, error) {
	in, err := planningIssueInput(t, m)
	if err != nil {
		return 0, err
	}
	existing, err := p.store.FindPlanningIssue(ctx, t.groupID, m.ID, t.settings.PlanningProject, t.settings.PlanningLabel)
	if err != nil {
		return 0, err
	}
	if existing == 0 {
		// Only a new issue needs the plan now; an existing one is merged
		// by the refresh below.
		c, err := p.compute(ctx, t, m)
		if err != nil {
			return 0, err
		}
		lot, err := p.store.ParkingLot(ctx, t.groupID, m.ID)
		if err != nil {
			return 0, err
		}
		if in.Description, err = planning.RenderPlanningIssue(c.doc(lot, "")); err != nil {
			return 0, err
		}
	}
	id, created, err := p.store.EnsurePlanningIssue(ctx, in)
	if err != nil {
		return 0, err
	}
	if created {
		p.logger.Info("planning issue created", "group_id", t.groupID, "milestone", m.Title, "issue_id", id)
		return id, nil
	}
	return id, p.refresh(ctx, t, m, id)
}

// planningIssueInput describes the planning issue of m, without its
// description.
func planningIssueInput(t *team, m *cairn.Milestone) (store.PlanningIssueInput, error) {
	if !dated(m) {
		return store.PlanningIssueInput{}, cairn.FieldError("milestone", errNoDates.Error())
	}
	due, err := t.settings.FinalizeBy(m.StartDate)
	if err != nil {
		return store.PlanningIssueInput{}, err
	}
	return store.PlanningIssueInput{
		GroupID: t.groupID, MilestoneID: m.ID, ProjectPath: t.settings.PlanningProject, Label: t.settings.PlanningLabel,
		Title: planning.PlanningTitle(m.Title), DueDate: due,
	}, nil
}

// RefreshPlanningIssue recomputes the milestone's plan and rewrites the
// generated sections of its open planning issue, keeping everything people
// wrote outside them. The issue is written only when its text changes, as
// a system change. A milestone without a planning issue, or whose planning
// issue is closed (final), is left alone. ENOTFOUND if the milestone is not
// the group's.
func (p *Service) RefreshPlanningIssue(ctx context.Context, groupID, milestoneID int64) error {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return err
	}
	m, err := t.milestone(milestoneID)
	if err != nil {
		return err
	}
	id, err := p.store.FindPlanningIssue(ctx, groupID, milestoneID, t.settings.PlanningProject, t.settings.PlanningLabel)
	if err != nil || id == 0 {
		return err
	}
	return p.refresh(ctx, t, m, id)
}

// refresh rewrites the generated sections of the planning issue id of m.
func (p *Service) refresh(ctx context.Context, t *team, m *cairn.Milestone, id int64) error {
	is, err := p.store.IssueByID(ctx, id)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if is.State == cairn.StateClosed || !dated(m) {
		return nil
	}
	c, err := p.compute(ctx, t, m)
	if err != nil {
		return err
	}
	lot, err := p.store.ParkingLot(ctx, t.groupID, m.ID)
	if err != nil {
		return err
	}
	fresh := planning.RenderGenerated(c.doc(lot, ""))
	changed, err := p.store.RewriteIssueDescription(systemContext(ctx), id, func(cur string) string {
		return planning.MergeGenerated(cur, fresh)
	})
	if err != nil {
		return fmt.Errorf("refresh planning issue of %s: %w", m.Title, err)
	}
	if changed {
		p.logger.Debug("planning issue refreshed", "group_id", t.groupID, "milestone", m.Title, "issue_id", id)
	}
	return nil
}

// refreshGroup refreshes every open planning issue of the group.
func (p *Service) refreshGroup(ctx context.Context, groupID int64) error {
	t, err := p.loadTeam(ctx, groupID)
	if isNotFound(err) {
		return nil // the group was deleted since its change
	}
	if err != nil {
		return err
	}
	plans, err := p.store.MilestonePlans(ctx, groupID)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range t.milestones {
		mp := plans[m.ID]
		if mp == nil || mp.PlanningIssueID == nil || mp.Finalized() {
			continue
		}
		if err := p.refresh(ctx, t, m, *mp.PlanningIssueID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

package planner

import (
	"context"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

// EnsureRetrospective returns the retrospective of a milestone of the
// group, opening it when the milestone has none: the scheduler calls it
// the day after a milestone ends, for teams that did not finalise the next
// plan (which opens it). It is the retrospective Finalize opens — in the
// planning project, a sub-task of the milestone's planning issue, due
// retro_due_days after the milestone ends, pre-filled with what shipped
// and what slipped — written by Cairn itself (the group's engineering
// manager is its author). It is safe to call again and from several
// instances at once: the milestone gets one retrospective. ENOTFOUND if
// the milestone is not the group's; EINVALID if it lacks a start or due
// date.
func (p *Service) EnsureRetrospective(ctx context.Context, groupID, milestoneID int64) (*cairn.Issue, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	m, err := t.milestone(milestoneID)
	if err != nil {
		return nil, err
	}
	if !dated(m) {
		return nil, cairn.FieldError("milestone", errNoDates.Error())
	}
	mp, err := p.store.MilestonePlan(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if mp != nil && mp.RetrospectiveIssueID != nil {
		return p.store.IssueByID(ctx, *mp.RetrospectiveIssueID)
	}
	// The retrospective needs only the references of the group's issues,
	// not the plan that Finalize computes.
	projects, err := p.store.GroupProjects(ctx, groupID)
	if err != nil {
		return nil, err
	}
	c := &computed{team: t, milestone: m, projects: make(map[int64]*cairn.Project, len(projects))}
	for _, pr := range projects {
		c.projects[pr.ID] = pr
		if strings.EqualFold(pr.Path, t.settings.PlanningProject) {
			c.planningProjectID = pr.ID
		}
	}
	in, err := p.retrospective(ctx, t, c, m)
	if err != nil {
		return nil, err
	}
	id, recorded, err := p.store.EnsureRetrospective(systemContext(ctx), store.EnsureRetrospectiveInput{
		GroupID: groupID, ProjectPath: t.settings.PlanningProject, Retrospective: *in,
		Labels: store.PlanningLabels{
			Planning: t.settings.PlanningLabel, Deliverable: t.settings.DeliverableLabel, Stretch: t.settings.StretchLabel,
			Retrospective: RetrospectiveLabel,
		},
	})
	if err != nil {
		return nil, err
	}
	if recorded {
		p.logger.Info("retrospective opened", "group_id", groupID, "milestone", m.Title, "issue_id", id)
	}
	return p.store.IssueByID(ctx, id)
}

package planner

import (
	"context"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// TeamMilestones is a team's milestones as planning sees them on the team's
// today: which one is in progress and which one is planned next.
type TeamMilestones struct {
	// Today is the team's date in its time zone, "2026-11-23".
	Today    string
	Settings planning.Settings
	// All are the group's milestones, undated ones first, then by start
	// date (store.GroupMilestones).
	All []*cairn.Milestone
	// Current is the milestone whose dates contain today (the latest
	// starting one if several do); nil when none does.
	Current *cairn.Milestone
	// Next is the milestone to plan: the earliest one that is not closed,
	// has both dates and has not started yet. When there is none, it is
	// Current; nil when the team has neither.
	Next *cairn.Milestone
}

// Milestones returns the group's milestones with the one in progress and
// the one to plan next, the default of the planning page. ENOTFOUND if the
// group does not exist; EINVALID if its stored time zone is unusable.
func (p *Service) Milestones(ctx context.Context, groupID int64) (*TeamMilestones, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	out := &TeamMilestones{Today: t.today, Settings: t.settings, All: t.milestones}
	for _, m := range t.milestones {
		if !dated(m) {
			continue
		}
		if m.StartDate <= t.today && t.today <= m.DueDate && (out.Current == nil || m.StartDate > out.Current.StartDate) {
			out.Current = m
		}
		if m.State != cairn.MilestoneClosed && m.StartDate > t.today && (out.Next == nil || m.StartDate < out.Next.StartDate) {
			out.Next = m
		}
	}
	if out.Next == nil {
		out.Next = out.Current
	}
	return out, nil
}

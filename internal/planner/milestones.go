package planner

import (
	"context"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// TeamMilestones is a team's milestones as the team sees them on its
// today: the one in progress, the one to plan next, and those still ahead.
// The planning, metrics and board pages start from it.
type TeamMilestones struct {
	// Today is the team's date in its time zone, "2026-11-23".
	Today    string
	Settings planning.Settings
	// All are the group's milestones, undated ones first, then by start
	// date (store.GroupMilestones).
	All []*cairn.Milestone
	// InProgress is the milestone whose dates contain today (the latest
	// starting one if several do); nil when none does.
	InProgress *cairn.Milestone
	// Current is InProgress or, between milestones, the latest started one:
	// the milestone WorkQueue works in; nil when the group has none.
	Current *cairn.Milestone
	// Next is the milestone to plan: the earliest one that is not closed,
	// has both dates and has not started yet. When there is none, it is
	// InProgress; nil when the team has neither.
	Next *cairn.Milestone
	// Active are the open, dated milestones that have not ended: the
	// current one and the upcoming ones, by start date. Current is among
	// them unless it ended without another starting.
	Active []*cairn.Milestone
}

// Milestones returns the group's milestones with the one in progress, the
// current one, the one to plan next and those ahead. ENOTFOUND if the group
// does not exist; EINVALID if its stored settings are unusable.
func (p *Service) Milestones(ctx context.Context, groupID int64) (*TeamMilestones, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	out := &TeamMilestones{Today: t.today, Settings: t.settings, All: t.milestones, Current: t.current(nil)}
	for _, m := range t.milestones {
		if !dated(m) {
			continue
		}
		if m.StartDate <= t.today && t.today <= m.DueDate && (out.InProgress == nil || m.StartDate > out.InProgress.StartDate) {
			out.InProgress = m
		}
		if m.State != cairn.MilestoneClosed && m.StartDate > t.today && (out.Next == nil || m.StartDate < out.Next.StartDate) {
			out.Next = m
		}
		if m.State != cairn.MilestoneClosed && (m.DueDate >= t.today || out.Current != nil && m.ID == out.Current.ID) {
			out.Active = append(out.Active, m)
		}
	}
	if out.Next == nil {
		out.Next = out.InProgress
	}
	return out, nil
}

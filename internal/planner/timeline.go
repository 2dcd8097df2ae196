package planner

import (
	"context"

	"github.com/cairnhq/cairn"
)

// Timeline is a group's milestones as the team sees them today: the one in
// progress and those still ahead.
type Timeline struct {
	// Today is the date in the team's time zone.
	Today string
	// Current is the milestone in progress (the one whose dates contain
	// today, else the latest started), as WorkQueue takes it; nil when the
	// group has none.
	Current *cairn.Milestone
	// Active are the group's open, dated milestones that have not ended:
	// the current one and the upcoming ones, by start date. Current is
	// among them unless it ended without another starting.
	Active []*cairn.Milestone
	// All are all the group's milestones, by start date (undated first).
	All []*cairn.Milestone
}

// Timeline returns the group's current and upcoming milestones. ENOTFOUND
// if the group does not exist; EINVALID if its stored settings are no
// longer valid.
func (p *Service) Timeline(ctx context.Context, groupID int64) (*Timeline, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	out := &Timeline{Today: t.today, Current: t.current(nil), All: t.milestones}
	for _, m := range t.milestones {
		if dated(m) && m.State != cairn.MilestoneClosed && (m.DueDate >= t.today || out.Current != nil && m.ID == out.Current.ID) {
			out.Active = append(out.Active, m)
		}
	}
	return out, nil
}

package planner

import (
	"context"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/icalfeed"
	"github.com/cairnhq/cairn/internal/store"
)

// CalendarHorizon is how far back a calendar feed reaches: events that
// ended longer ago are left out, so that feeds stay small.
const CalendarHorizon = 365 * 24 * time.Hour

// CalendarTeam loads what a group's calendar feed shows (icalfeed.Team):
// its planning settings, its milestones, where their planning issues and
// retrospectives are, and the time off that ends within the horizon — all
// of it, or only userID's when userID is not 0. ENOTFOUND if the group
// does not exist.
func (p *Service) CalendarTeam(ctx context.Context, g *cairn.Group, userID int64) (icalfeed.Team, error) {
	t, err := p.loadTeam(ctx, g.ID)
	if err != nil {
		return icalfeed.Team{}, err
	}
	from := p.Now().Add(-CalendarHorizon).In(t.loc).Format(cairn.DateLayout)
	out := icalfeed.Team{
		Group: g, Settings: t.settings, Milestones: t.milestones, From: from,
		PlanningIssues: map[int64]icalfeed.IssueRef{}, Retrospectives: map[int64]icalfeed.IssueRef{},
	}
	plans, err := p.store.MilestonePlans(ctx, g.ID)
	if err != nil {
		return icalfeed.Team{}, err
	}
	// Only the issues of milestones inside the horizon are looked up, in
	// one query.
	var ids []int64
	for _, m := range t.milestones {
		mp := plans[m.ID]
		if mp == nil || m.DueDate == "" || m.DueDate < from {
			continue
		}
		for _, id := range []*int64{mp.PlanningIssueID, mp.RetrospectiveIssueID} {
			if id != nil {
				ids = append(ids, *id)
			}
		}
	}
	if len(ids) > 0 {
		issues, err := p.store.PlanningIssues(ctx, store.PlanningIssueFilter{GroupID: g.ID, IDs: ids})
		if err != nil {
			return icalfeed.Team{}, err
		}
		projects, err := p.store.GroupProjects(ctx, g.ID)
		if err != nil {
			return icalfeed.Team{}, err
		}
		paths := make(map[int64]string, len(projects))
		for _, pr := range projects {
			paths[pr.ID] = pr.FullPath()
		}
		refs := make(map[int64]icalfeed.IssueRef, len(issues))
		for _, is := range issues {
			if path, ok := paths[is.ProjectID]; ok {
				refs[is.ID] = icalfeed.IssueRef{ProjectPath: path, IID: is.IID}
			}
		}
		for mid, mp := range plans {
			if mp.PlanningIssueID != nil {
				if r, ok := refs[*mp.PlanningIssueID]; ok {
					out.PlanningIssues[mid] = r
				}
			}
			if mp.RetrospectiveIssueID != nil {
				if r, ok := refs[*mp.RetrospectiveIssueID]; ok {
					out.Retrospectives[mid] = r
				}
			}
		}
	}
	off, err := p.store.TimeOffBetween(ctx, g.ID, from, "")
	if err != nil {
		return icalfeed.Team{}, err
	}
	for _, o := range off {
		if userID == 0 || (o.User != nil && o.User.ID == userID) {
			out.TimeOff = append(out.TimeOff, o)
		}
	}
	return out, nil
}

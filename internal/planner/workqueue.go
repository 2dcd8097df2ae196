package planner

import (
	"context"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// maxWorkQueue bounds the issues of one work queue.
const maxWorkQueue = 1000

// WorkQueue returns the user's open issues in the group's current
// milestone (the one whose dates contain today, else the latest started),
// in the order the seeds say to work on them (planning.WorkOrder):
// Deliverables with the highest priority, other Deliverables, then the rest
// by priority. Planning issues are not part of it. An empty queue when the
// group has no current milestone. ENOTFOUND if the group does not exist.
func (p *Service) WorkQueue(ctx context.Context, groupID, userID int64) ([]*cairn.Issue, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	m := t.current(nil)
	if m == nil {
		return []*cairn.Issue{}, nil
	}
	var issues []*cairn.Issue
	for page := 1; len(issues) < maxWorkQueue; page++ {
		list, _, err := p.store.ListIssues(ctx, cairn.IssueFilter{
			GroupID: groupID, State: cairn.StateOpened, MilestoneID: m.ID, AssigneeID: strconv.FormatInt(userID, 10),
			Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}, SkipTotal: true,
		})
		if err != nil {
			return nil, err
		}
		for _, is := range list {
			if !is.HasLabel(t.settings.PlanningLabel) {
				issues = append(issues, is)
			}
		}
		if len(list) < cairn.MaxPerPage {
			break
		}
	}
	byID := make(map[int64]*cairn.Issue, len(issues))
	in := make([]planning.Issue, len(issues))
	for i, is := range issues {
		byID[is.ID] = is
		in[i] = planning.FromIssue(is, t.loc)
	}
	out := make([]*cairn.Issue, 0, len(issues))
	for _, is := range planning.WorkOrder(t.settings, in) {
		out = append(out, byID[is.ID])
	}
	return out, nil
}

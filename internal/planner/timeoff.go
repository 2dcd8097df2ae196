package planner

import (
	"context"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// maxCoverageIssues bounds the open issues a coverage issue lists.
const maxCoverageIssues = 20

// ListTimeOff lists the group's time off by start date, a page at a time,
// with the total. EINVALID for a malformed from or to date.
func (p *Service) ListTimeOff(ctx context.Context, groupID int64, f TimeOffFilter) ([]*cairn.TimeOff, cairn.Total, error) {
	return p.store.ListTimeOff(ctx, store.TimeOffFilter{GroupID: groupID, UserID: f.UserID, From: f.From, To: f.To, Page: f.Page})
}

// AddTimeOff records a member's time off; capacity counts it from then on.
// With CreateCoverageIssue it also opens, in the planning project and
// assigned to the member, an issue from the coverage template: who is
// away, when, and a checklist of what needs covering, with the member's
// open issues in the milestones the time off falls in. It returns EINVALID
// for bad input or a user who is not a member of the group ("user is not a
// member of this group"), ENOTFOUND if the group does not exist.
func (p *Service) AddTimeOff(ctx context.Context, in cairn.TimeOffCreate) (*cairn.TimeOff, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	si := store.TimeOffInput{TimeOffCreate: in}
	if in.CreateCoverageIssue {
		cov, err := p.coverage(ctx, in)
		if err != nil {
			return nil, err
		}
		si.Coverage = cov
	}
	return p.store.CreateTimeOff(ctx, si)
}

// coverage prepares the coverage issue of a time-off entry.
func (p *Service) coverage(ctx context.Context, in cairn.TimeOffCreate) (*store.CoverageIssue, error) {
	t, err := p.loadTeam(ctx, in.GroupID)
	if err != nil {
		return nil, err
	}
	m, err := p.store.Member(ctx, in.GroupID, in.UserID)
	if isNotFound(err) {
		return nil, &cairn.Error{Code: cairn.EINVALID, Message: "user is not a member of this group",
			Fields: map[string][]string{"user_id": {"is not a member of this group"}}}
	}
	if err != nil {
		return nil, err
	}
	days, err := planning.TimeOffDays([]planning.TimeOff{{UserID: in.UserID, StartDate: in.StartDate, EndDate: in.EndDate, HalfDay: in.HalfDay}},
		in.StartDate, in.EndDate, t.settings.Holidays)
	if err != nil {
		return nil, err
	}
	doc := planning.CoverageDoc{Username: m.User.Username, StartDate: in.StartDate, EndDate: in.EndDate, HalfDay: in.HalfDay, Note: in.Note, WorkingDays: days}
	projects := map[int64]*cairn.Project{}
	for _, ms := range t.milestones {
		if !dated(ms) || ms.StartDate > in.EndDate || ms.DueDate < in.StartDate || len(doc.Issues) >= maxCoverageIssues {
			continue
		}
		list, _, err := p.store.ListIssues(ctx, cairn.IssueFilter{GroupID: in.GroupID, State: cairn.StateOpened, MilestoneID: ms.ID,
			AssigneeID: strconv.FormatInt(in.UserID, 10), OrderBy: "relative_position", Page: cairn.Page{PerPage: maxCoverageIssues}, SkipTotal: true})
		if err != nil {
			return nil, err
		}
		for _, is := range list {
			if len(doc.Issues) >= maxCoverageIssues || is.HasLabel(t.settings.PlanningLabel) {
				continue
			}
			pr := projects[is.ProjectID]
			if pr == nil {
				if pr, err = p.store.ProjectByID(ctx, is.ProjectID); err != nil {
					return nil, err
				}
				projects[is.ProjectID] = pr
			}
			doc.Issues = append(doc.Issues, planning.RetroItem{Ref: pr.FullPath() + "#" + strconv.FormatInt(is.IID, 10), Title: is.Title, Weight: is.Weight})
		}
	}
	return &store.CoverageIssue{
		ProjectPath: t.settings.PlanningProject,
		Title:       planning.CoverageTitle(m.User.Username, in.StartDate, in.EndDate),
		Description: planning.RenderCoverage(doc),
		DueDate:     in.StartDate,
	}, nil
}

// DeleteTimeOff deletes a time-off entry of the group and returns it; its
// coverage issue stays. ENOTFOUND if none.
func (p *Service) DeleteTimeOff(ctx context.Context, groupID, id int64) (*cairn.TimeOff, error) {
	return p.store.DeleteTimeOff(ctx, groupID, id)
}

package api

import (
	"context"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// The JSON shapes of the planning endpoints. Figures are the planning
// package's, unrounded (docs/planning-rules.md, "Rounding"); issues carry
// web_url and their project's path so that a client can link them without
// another request.

// issueRefJSON names an issue compactly: a coverage issue of time off.
type issueRefJSON struct {
	ID         int64          `json:"id"`
	IID        int64          `json:"iid"`
	ProjectID  int64          `json:"project_id"`
	Title      string         `json:"title"`
	State      string         `json:"state"`
	WebURL     string         `json:"web_url"`
	References referencesJSON `json:"references"`
}

func (v *view) issueRef(i *cairn.Issue) (*issueRefJSON, error) {
	p, err := v.projectByID(i.ProjectID)
	if err != nil {
		return nil, err
	}
	full := p.FullPath()
	iid := strconv.FormatInt(i.IID, 10)
	return &issueRefJSON{
		ID: i.ID, IID: i.IID, ProjectID: i.ProjectID, Title: i.Title, State: i.State,
		WebURL:     v.base + "/" + full + "/-/issues/" + iid,
		References: referencesJSON{Short: "#" + iid, Relative: "#" + iid, Full: full + "#" + iid},
	}, nil
}

// timeOffJSON is a member's time-off entry.
type timeOffJSON struct {
	ID              int64         `json:"id"`
	GroupID         int64         `json:"group_id"`
	UserID          int64         `json:"user_id"`
	User            *userJSON     `json:"user"`
	StartDate       Date          `json:"start_date"`
	EndDate         Date          `json:"end_date"`
	HalfDay         bool          `json:"half_day"`
	Note            string        `json:"note"`
	CoverageIssueID *int64        `json:"coverage_issue_id"`
	CoverageIssue   *issueRefJSON `json:"coverage_issue"`
	CreatedAt       Time          `json:"created_at"`
}

func (v *view) timeOff(t *cairn.TimeOff) (timeOffJSON, error) {
	j := timeOffJSON{
		ID: t.ID, GroupID: t.GroupID, User: v.user(t.User),
		StartDate: Date(t.StartDate), EndDate: Date(t.EndDate), HalfDay: t.HalfDay, Note: t.Note,
		CoverageIssueID: t.CoverageIssueID, CreatedAt: Time(t.CreatedAt),
	}
	if t.User != nil {
		j.UserID = t.User.ID
	}
	if t.CoverageIssueID != nil {
		i, err := v.a.svc.IssueByID(v.ctx, *t.CoverageIssueID)
		switch {
		case err == nil:
			if j.CoverageIssue, err = v.issueRef(i); err != nil {
				return j, err
			}
		case cairn.ErrorCode(err) != cairn.ENOTFOUND: // a deleted coverage issue is just gone
			return j, err
		}
	}
	return j, nil
}

// capacityJSON is GET …/capacity: the milestone and the capacity report,
// whose fields (working_days, team_capacity, members, velocity_milestones,
// …) sit beside it at the top level.
type capacityJSON struct {
	Milestone *milestoneJSON `json:"milestone"`
	*planning.CapacityReport
}

func (v *view) capacity(cv *planner.CapacityView) (*capacityJSON, error) {
	ms, err := v.milestone(cv.Milestone)
	if err != nil {
		return nil, err
	}
	return &capacityJSON{Milestone: ms, CapacityReport: cv.CapacityReport}, nil
}

// planEntryJSON is one issue of a plan: the planning package's entry with
// the assignees as users and the issue's project path, labels and web_url.
type planEntryJSON struct {
	ID          int64          `json:"id"`
	ProjectID   int64          `json:"project_id"`
	ProjectPath string         `json:"project_path"`
	IID         int64          `json:"iid"`
	Title       string         `json:"title"`
	Weight      *int           `json:"weight"`
	Assignees   []*userJSON    `json:"assignees"`
	Labels      []string       `json:"labels"`
	Priority    string         `json:"priority"`
	Placement   string         `json:"placement,omitempty"`
	Flags       []string       `json:"flags"`
	Reason      string         `json:"reason,omitempty"`
	Detail      string         `json:"detail,omitempty"`
	WebURL      string         `json:"web_url"`
	References  referencesJSON `json:"references"`
}

// confidentialTitle replaces the title of a confidential issue for members
// who may not see it; its weight still counts, so the totals add up.
const confidentialTitle = "Confidential issue"

func (v *view) planEntries(es []planning.Entry, issues map[int64]*cairn.Issue, sees func(*cairn.Issue) bool) ([]planEntryJSON, error) {
	out := make([]planEntryJSON, 0, len(es))
	for _, e := range es {
		p, err := v.projectByID(e.ProjectID)
		if err != nil {
			return nil, err
		}
		full := p.FullPath()
		iid := strconv.FormatInt(e.IID, 10)
		j := planEntryJSON{
			ID: e.ID, ProjectID: e.ProjectID, ProjectPath: full, IID: e.IID, Title: e.Title, Weight: e.Weight,
			Assignees: make([]*userJSON, 0, len(e.Assignees)), Labels: []string{}, Priority: e.Priority,
			Placement: e.Placement, Flags: e.Flags, Reason: e.Reason, Detail: e.Detail,
			WebURL:     v.base + "/" + full + "/-/issues/" + iid,
			References: referencesJSON{Short: "#" + iid, Relative: "#" + iid, Full: full + "#" + iid},
		}
		if j.Flags == nil {
			j.Flags = []string{}
		}
		i := issues[e.ID]
		if i != nil {
			j.Labels = i.LabelNames()
			if sees != nil && !sees(i) {
				j.Title, j.Labels = confidentialTitle, []string{}
			}
		}
		for _, a := range e.Assignees {
			u := &cairn.User{ID: a.ID, Username: a.Username}
			if i != nil {
				// The issue's assignee carries the name and state.
				for _, full := range i.Assignees {
					if full != nil && full.ID == a.ID {
						u = full
					}
				}
			}
			j.Assignees = append(j.Assignees, v.user(u))
		}
		out = append(out, j)
	}
	return out, nil
}

// parkingJSON is a parking lot proposal: an issue, or a title for work
// without one, and the reason.
type parkingJSON struct {
	ID          int64      `json:"id"`
	MilestoneID int64      `json:"milestone_id"`
	Issue       *issueJSON `json:"issue"`
	Title       string     `json:"title"`
	Reason      string     `json:"reason"`
	Author      *userJSON  `json:"author"`
	CreatedAt   Time       `json:"created_at"`
}

func (v *view) parkingLot(es []*cairn.ParkingLotEntry, s *groupScope) ([]parkingJSON, error) {
	return v.parkingEntries(es, v.confidentialFilter(s))
}

func (v *view) parkingEntries(es []*cairn.ParkingLotEntry, sees func(*cairn.Issue) bool) ([]parkingJSON, error) {
	out := make([]parkingJSON, 0, len(es))
	for _, e := range es {
		j := parkingJSON{ID: e.ID, MilestoneID: e.MilestoneID, Title: e.Title, Reason: e.Reason,
			Author: v.user(e.Author), CreatedAt: Time(e.CreatedAt)}
		if e.Issue != nil {
			ij, err := v.issue(e.Issue, false)
			if err != nil {
				return nil, err
			}
			j.Issue = ij
			if j.Title == "" {
				j.Title = e.Issue.Title
			}
			if sees != nil && !sees(e.Issue) {
				j.Issue, j.Title = nil, confidentialTitle
			}
		}
		out = append(out, j)
	}
	return out, nil
}

// planJSON is GET …/plan.
type planJSON struct {
	Milestone         *milestoneJSON        `json:"milestone"`
	TeamCapacity      float64               `json:"team_capacity"`
	StretchBudget     float64               `json:"stretch_budget"`
	PlannedWeight     int                   `json:"planned_weight"`
	StretchWeight     int                   `json:"stretch_weight"`
	CarryoverWeight   int                   `json:"carryover_weight"`
	RemainingCapacity float64               `json:"remaining_capacity"`
	RemainingStretch  float64               `json:"remaining_stretch"`
	MemberLoad        []planning.MemberLoad `json:"member_load"`
	Carryover         []planEntryJSON       `json:"carryover"`
	Deliverables      []planEntryJSON       `json:"deliverables"`
	Stretch           []planEntryJSON       `json:"stretch"`
	LeftOut           []planEntryJSON       `json:"left_out"`
	RefinementGaps    []planEntryJSON       `json:"refinement_gaps"`
	ParkingLot        []parkingJSON         `json:"parking_lot"`
	PlanningIssue     *issueJSON            `json:"planning_issue"`
	Finalized         bool                  `json:"finalized"`
	FinalizedAt       Time                  `json:"finalized_at"`
}

// plan renders a plan; sees hides confidential issues from members who may
// not see them (nil: the viewer sees everything).
func (v *view) plan(pv *planner.PlanView, sees func(*cairn.Issue) bool) (*planJSON, error) {
	ms, err := v.milestone(pv.Milestone)
	if err != nil {
		return nil, err
	}
	pl := pv.Plan
	if pl == nil {
		pl = &planning.Plan{}
	}
	j := &planJSON{
		Milestone: ms, TeamCapacity: pl.TeamCapacity, StretchBudget: pl.StretchBudget,
		PlannedWeight: pl.PlannedWeight, StretchWeight: pl.StretchWeight, CarryoverWeight: pl.CarryoverWeight,
		RemainingCapacity: pl.RemainingCapacity, RemainingStretch: pl.RemainingStretch,
		MemberLoad: pl.MemberLoad, Finalized: pv.Finalized, FinalizedAt: timePtr(pv.FinalizedAt),
	}
	if j.MemberLoad == nil {
		j.MemberLoad = []planning.MemberLoad{}
	}
	for _, l := range []struct {
		dst *[]planEntryJSON
		src []planning.Entry
	}{
		{&j.Carryover, pl.Carryover}, {&j.Deliverables, pl.Deliverables}, {&j.Stretch, pl.Stretch},
		{&j.LeftOut, pl.LeftOut}, {&j.RefinementGaps, pl.RefinementGaps},
	} {
		if *l.dst, err = v.planEntries(l.src, pv.Issues, sees); err != nil {
			return nil, err
		}
	}
	if j.ParkingLot, err = v.parkingEntries(pv.ParkingLot, sees); err != nil {
		return nil, err
	}
	if pv.PlanningIssue != nil {
		if j.PlanningIssue, err = v.issue(pv.PlanningIssue, false); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// finalizeJSON is POST …/plan/finalize: the plan as committed, with the
// issues finalising opened.
type finalizeJSON struct {
	*planJSON
	AlreadyFinalized  bool       `json:"already_finalized"`
	NextPlanningIssue *issueJSON `json:"next_planning_issue"`
	Retrospective     *issueJSON `json:"retrospective"`
}

// finalizeResult renders res for the caller s (nil: a viewer who sees
// every issue).
func (v *view) finalizeResult(res *planner.FinalizeResult, s *groupScope) (*finalizeJSON, error) {
	j := &finalizeJSON{AlreadyFinalized: res.AlreadyFinalized}
	sees := v.confidentialFilter(s)
	var err error
	if res.Plan != nil {
		if j.planJSON, err = v.plan(res.Plan, sees); err != nil {
			return nil, err
		}
	} else {
		j.planJSON = &planJSON{}
	}
	if res.NextPlanningIssue != nil {
		if j.NextPlanningIssue, err = v.issue(res.NextPlanningIssue, false); err != nil {
			return nil, err
		}
	}
	if res.Retrospective != nil {
		if j.Retrospective, err = v.issue(res.Retrospective, false); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// capacityReport computes and renders a milestone's capacity.
func (a *API) capacityReport(v *view, groupID, milestoneID int64) (*capacityJSON, error) {
	cv, err := a.planner.Capacity(v.ctx, groupID, milestoneID)
	if err != nil {
		return nil, err
	}
	return v.capacity(cv)
}

// planReport computes and renders a milestone's plan for the caller.
func (a *API) planReport(v *view, s *groupScope, groupID, milestoneID int64) (*planJSON, error) {
	pv, err := a.planner.Plan(v.ctx, groupID, milestoneID)
	if err != nil {
		return nil, err
	}
	return v.plan(pv, v.confidentialFilter(s))
}

// confidentialFilter returns what tells whether the caller s sees an issue
// of a plan: nil when s sees every issue (reporters and up, admins). The
// planner's issues carry no confidential flag or author, so for the few
// callers who may not see every issue each one is loaded whole.
func (v *view) confidentialFilter(s *groupScope) func(*cairn.Issue) bool {
	if s == nil || s.user.IsAdmin || s.level >= cairn.AccessReporter {
		return nil
	}
	seen := map[int64]bool{}
	return func(i *cairn.Issue) bool {
		if ok, done := seen[i.ID]; done {
			return ok
		}
		full, err := v.a.svc.IssueByID(v.ctx, i.ID)
		// An issue that cannot be loaded is hidden rather than shown.
		ok := err == nil && s.seesConfidential(full)
		seen[i.ID] = ok
		return ok
	}
}

// reportView is a view outside any request, for RenderCapacity and
// RenderPlan.
func (a *API) reportView(ctx context.Context, baseURL string) *view {
	return &view{
		a: a, ctx: ctx, base: baseURL, viewer: cairn.UserFromContext(ctx),
		projects: map[int64]*cairn.Project{}, groups: map[int64]*cairn.Group{}, labels: map[int64]*cairn.Label{},
	}
}

// RenderCapacity returns the JSON value GET …/milestones/:milestone_id/capacity
// answers with for cv, with web_url fields under baseURL. cmd/cairn uses it
// to print the same JSON as the API without a server.
func (a *API) RenderCapacity(ctx context.Context, baseURL string, cv *planner.CapacityView) (any, error) {
	return a.reportView(ctx, baseURL).capacity(cv)
}

// RenderPlan returns the JSON value GET …/milestones/:milestone_id/plan
// answers with for pv, as a viewer who sees every issue (a member with
// reporter access or more) gets it.
func (a *API) RenderPlan(ctx context.Context, baseURL string, pv *planner.PlanView) (any, error) {
	return a.reportView(ctx, baseURL).plan(pv, nil)
}

// RenderFinalize returns the JSON value POST …/plan/finalize answers with
// for res, as RenderPlan renders the plan.
func (a *API) RenderFinalize(ctx context.Context, baseURL string, res *planner.FinalizeResult) (any, error) {
	return a.reportView(ctx, baseURL).finalizeResult(res, nil)
}

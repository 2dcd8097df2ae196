package planner

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// computed is a milestone's capacity and plan with the data they came from.
type computed struct {
	team      *team
	milestone *cairn.Milestone
	current   *cairn.Milestone
	capacity  *planning.CapacityReport
	plan      *planning.Plan
	// open are the open issues of the team's projects with no milestone,
	// the current one or the planned one, by id.
	open              map[int64]*cairn.Issue
	projects          map[int64]*cairn.Project
	planningProjectID int64
}

// Capacity computes the team's capacity for a milestone of the group, as
// planning-model.md defines it. ENOTFOUND if the milestone is not the
// group's; EINVALID if it lacks a start or due date.
func (p *Service) Capacity(ctx context.Context, groupID, milestoneID int64) (*CapacityView, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	m, err := t.milestone(milestoneID)
	if err != nil {
		return nil, err
	}
	rep, err := p.capacity(ctx, t, m)
	if err != nil {
		return nil, err
	}
	return &CapacityView{Milestone: m, CapacityReport: rep}, nil
}

// capacity loads what capacity needs and computes it. The velocity window
// is chosen by planning.ComputeCapacity itself: a first pass without
// history names the window, and only the window's closed issues and the
// time off since its start are loaded for the second.
func (p *Service) capacity(ctx context.Context, t *team, m *cairn.Milestone) (*planning.CapacityReport, error) {
	if !dated(m) {
		return nil, cairn.FieldError("milestone", errNoDates.Error())
	}
	members, err := p.store.GroupMembers(ctx, t.groupID)
	if err != nil {
		return nil, err
	}
	in := planning.CapacityInput{
		Settings:   t.settings,
		Today:      t.today,
		Milestone:  planning.FromMilestone(m),
		Members:    make([]planning.Member, 0, len(members)),
		Milestones: make([]planning.Milestone, 0, len(t.milestones)),
	}
	for _, mm := range members {
		in.Members = append(in.Members, planning.FromMember(mm))
	}
	for _, mm := range t.milestones {
		in.Milestones = append(in.Milestones, planning.FromMilestone(mm))
	}
	probe, err := planning.ComputeCapacity(in)
	if err != nil {
		return nil, fmt.Errorf("capacity of %q: %w", m.Title, err)
	}
	from := m.StartDate
	var window []int64
	for _, w := range probe.VelocityMilestones {
		window = append(window, w.ID)
		if w.StartDate < from {
			from = w.StartDate
		}
	}
	off, err := p.store.TimeOffBetween(ctx, t.groupID, from, m.DueDate)
	if err != nil {
		return nil, err
	}
	for _, o := range off {
		in.TimeOff = append(in.TimeOff, planning.TimeOff{UserID: o.User.ID, StartDate: o.StartDate, EndDate: o.EndDate, HalfDay: o.HalfDay})
	}
	if len(window) > 0 {
		closed, err := p.store.PlanningIssues(ctx, store.PlanningIssueFilter{GroupID: t.groupID, State: cairn.StateClosed, MilestoneIDs: window})
		if err != nil {
			return nil, err
		}
		in.Closed = planning.FromIssues(closed, t.loc)
	}
	rep, err := planning.ComputeCapacity(in)
	if err != nil {
		return nil, fmt.Errorf("capacity of %q: %w", m.Title, err)
	}
	return rep, nil
}

// compute computes a milestone's capacity and plan.
func (p *Service) compute(ctx context.Context, t *team, m *cairn.Milestone) (*computed, error) {
	rep, err := p.capacity(ctx, t, m)
	if err != nil {
		return nil, err
	}
	c := &computed{team: t, milestone: m, current: t.current(m), capacity: rep}
	ids := []int64{m.ID}
	if c.current != nil {
		ids = append(ids, c.current.ID)
	}
	open, err := p.store.PlanningIssues(ctx, store.PlanningIssueFilter{GroupID: t.groupID, State: cairn.StateOpened, MilestoneIDs: ids, NoMilestone: true})
	if err != nil {
		return nil, err
	}
	projects, err := p.store.GroupProjects(ctx, t.groupID)
	if err != nil {
		return nil, err
	}
	c.projects = make(map[int64]*cairn.Project, len(projects))
	for _, pr := range projects {
		c.projects[pr.ID] = pr
		if strings.EqualFold(pr.Path, t.settings.PlanningProject) {
			c.planningProjectID = pr.ID
		}
	}
	in := planning.PlanInput{
		Settings: t.settings, Milestone: planning.FromMilestone(m), PlanningProjectID: c.planningProjectID,
		Issues: planning.FromIssues(open, t.loc), Capacity: rep,
	}
	if c.current != nil {
		in.CurrentMilestoneID = c.current.ID
	}
	c.open = make(map[int64]*cairn.Issue, len(open))
	for _, is := range open {
		c.open[is.ID] = is
	}
	if c.plan, err = planning.ComputePlan(in); err != nil {
		return nil, fmt.Errorf("plan of %q: %w", m.Title, err)
	}
	return c, nil
}

// ref returns an issue's reference, "group/project#iid".
func (c *computed) ref(projectID, iid int64) string {
	if pr := c.projects[projectID]; pr != nil {
		return pr.FullPath() + "#" + strconv.FormatInt(iid, 10)
	}
	return "#" + strconv.FormatInt(iid, 10)
}

// refs returns the references of the plan's issues and the parking lot's.
func (c *computed) refs(lot []*cairn.ParkingLotEntry) map[int64]string {
	out := make(map[int64]string, len(c.open)+len(lot))
	for id, is := range c.open {
		out[id] = c.ref(is.ProjectID, is.IID)
	}
	for _, e := range lot {
		if e.Issue != nil {
			out[e.Issue.ID] = c.ref(e.Issue.ProjectID, e.Issue.IID)
		}
	}
	return out
}

// Plan computes the milestone's plan — carryover, Deliverables, Stretch,
// left out with reasons, refinement gaps — with its capacity, parking lot,
// planning issue and whether it is final. ENOTFOUND if the milestone is not
// the group's; EINVALID if it lacks a start or due date.
func (p *Service) Plan(ctx context.Context, groupID, milestoneID int64) (*PlanView, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	m, err := t.milestone(milestoneID)
	if err != nil {
		return nil, err
	}
	c, err := p.compute(ctx, t, m)
	if err != nil {
		return nil, err
	}
	return p.view(ctx, c)
}

// view assembles the PlanView of a computed plan.
func (p *Service) view(ctx context.Context, c *computed) (*PlanView, error) {
	t, m := c.team, c.milestone
	lot, err := p.store.ParkingLot(ctx, t.groupID, m.ID)
	if err != nil {
		return nil, err
	}
	v := &PlanView{Milestone: m, Plan: c.plan, Capacity: c.capacity, ParkingLot: lot, Issues: c.open, Projects: c.projects}
	mp, err := p.store.MilestonePlan(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if mp.Finalized() {
		v.Finalized, v.FinalizedAt = true, mp.FinalizedAt
	}
	id, err := p.store.FindPlanningIssue(ctx, t.groupID, m.ID, t.settings.PlanningProject, t.settings.PlanningLabel)
	if err != nil {
		return nil, err
	}
	if id != 0 {
		if v.PlanningIssue, err = p.store.IssueByID(ctx, id); err != nil && !isNotFound(err) {
			return nil, err
		}
	}
	return v, nil
}

// doc returns what the planning issue of a computed plan shows.
func (c *computed) doc(lot []*cairn.ParkingLotEntry, finalizedOn string) planning.PlanningDoc {
	return planning.PlanningDoc{
		Settings: c.team.settings, Milestone: planning.FromMilestone(c.milestone), Capacity: c.capacity, Plan: c.plan,
		ParkingLot: lot, Refs: c.refs(lot), FinalizedOn: finalizedOn,
	}
}

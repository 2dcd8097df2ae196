package planning

import (
	"fmt"
	"sort"
	"strings"
)

// Placements of an issue in a plan.
const (
	PlacementDeliverable = "deliverable"
	PlacementStretch     = "stretch"
	PlacementLeftOut     = "left_out"
)

// Reasons an issue is Stretch or left out. Entry.Detail says more, with the
// numbers.
const (
	// ReasonDoesNotFit: the issue did not fit the team's or an assignee's
	// remaining capacity (Stretch), and, if left out, not the stretch budget
	// either.
	ReasonDoesNotFit = "does not fit"
	// ReasonNotReady: the issue is in the planned milestone but does not
	// carry the ready label or a later workflow label.
	ReasonNotReady = "not ready for development"
	// ReasonNoWeight: the issue is in the planned milestone, or carried
	// over, without a weight, so it cannot be measured against capacity.
	ReasonNoWeight = "no weight"
)

// Reasons an issue is a refinement gap.
const (
	GapInRefinement    = "in refinement"
	GapNoWorkflowLabel = "no workflow label"
	GapNoWeight        = "no weight"
)

// Flags on plan entries.
const (
	// FlagConsiderSplitting marks an issue weighted with the largest weight
	// of the scale (or more): split it into an epic or a spike first.
	FlagConsiderSplitting = "consider splitting"
	// FlagCarryover marks an open issue of the current milestone.
	FlagCarryover = "carryover"
	// FlagOffScale marks a weight that is not one of the team's weights.
	FlagOffScale = "weight not on the scale"
	// FlagNotInTeam starts the flag "assignee not in team: @name" for an
	// assignee who is not a member of the team (or is a guest).
	FlagNotInTeam = "assignee not in team"
)

// PlanInput is everything a plan is made from.
type PlanInput struct {
	Settings Settings
	// Milestone is the planned milestone M'.
	Milestone Milestone
	// CurrentMilestoneID is the milestone in progress, M, whose open issues
	// are carried over; 0 for none. It is ignored when it is M' itself.
	CurrentMilestoneID int64
	// PlanningProjectID is the project holding the planning, retrospective
	// and coverage issues; its issues are never planned. 0 if there is none.
	PlanningProjectID int64
	// Issues are the open issues of the team's projects with no milestone,
	// milestone M or milestone M' (others are ignored, as are closed ones).
	Issues []Issue
	// Capacity is ComputeCapacity's report for M'.
	Capacity *CapacityReport
}

// Plan is the proposed plan of a milestone. Deliverables, Stretch and
// LeftOut are in the order the selection walked them; an issue carried over
// is listed in Carryover and also where it was placed.
type Plan struct {
	MilestoneID  int64   `json:"milestone_id"`
	TeamCapacity float64 `json:"team_capacity"`
	// StretchBudget is stretch_share × team_capacity.
	StretchBudget float64 `json:"stretch_budget"`
	// PlannedWeight is the total weight of the Deliverables.
	PlannedWeight int `json:"planned_weight"`
	// StretchWeight is the total weight of the Stretch issues.
	StretchWeight int `json:"stretch_weight"`
	// CarryoverWeight is the total weight of the weighted carryover issues.
	CarryoverWeight int `json:"carryover_weight"`
	// RemainingCapacity is team_capacity − planned_weight.
	RemainingCapacity float64 `json:"remaining_capacity"`
	// RemainingStretch is stretch_budget − stretch_weight.
	RemainingStretch float64      `json:"remaining_stretch"`
	MemberLoad       []MemberLoad `json:"member_load"`
	Carryover        []Entry      `json:"carryover"`
	Deliverables     []Entry      `json:"deliverables"`
	Stretch          []Entry      `json:"stretch"`
	LeftOut          []Entry      `json:"left_out"`
	RefinementGaps   []Entry      `json:"refinement_gaps"`
}

// MemberLoad is how much of a member's capacity the Deliverables take:
// Planned is the sum of their shares (weight ÷ number of assignees).
type MemberLoad struct {
	UserID    int64   `json:"user_id"`
	Username  string  `json:"username"`
	Capacity  float64 `json:"capacity"`
	Planned   float64 `json:"planned"`
	Remaining float64 `json:"remaining"`
}

// Entry is one issue of a plan.
type Entry struct {
	ID        int64  `json:"id"`
	ProjectID int64  `json:"project_id"`
	IID       int64  `json:"iid"`
	Title     string `json:"title"`
	Weight    *int   `json:"weight"`
	Assignees []User `json:"assignees"`
	// Priority is the short name of the priority label ("high") or "none".
	Priority string `json:"priority"`
	// Placement is deliverable, stretch or left_out ("" for a refinement gap).
	Placement string   `json:"placement,omitempty"`
	Flags     []string `json:"flags"`
	// Reason is one of the Reason or Gap constants, where one applies.
	Reason string `json:"reason,omitempty"`
	// Detail explains the reason with the numbers that decided it.
	Detail string `json:"detail,omitempty"`
}

type candidate struct {
	is     *Issue
	key    orderKey
	carry  bool
	reason string // set: left out without touching the budgets
	detail string
	pri    int
	gap    []string
}

// ComputePlan selects the Deliverables and Stretch of the planned milestone
// (planning-model.md, "Carryover" and "Selection"). The candidates are the
// carryover (open issues of M) and the open issues with no milestone or
// milestone M' that carry the ready label or a later workflow label and a
// weight. They are walked in order — carryover first, then priority, manual
// rank, creation time, iid — against two budgets, the team's remaining
// capacity and each member assignee's remaining capacity (weight ÷ number of
// assignees each):
//
//  1. it fits both: Deliverable, and both budgets shrink;
//  2. else it fits the stretch budget (stretch_share × team_capacity minus the
//     Stretch taken): Stretch;
//  3. else it is left out, "does not fit".
//
// Issues of M' that are not ready or have no weight, and carryover without a
// weight, are left out with their reason and use no budget. Open issues with
// a priority label that are in refinement, have no workflow label or no
// weight are refinement gaps. docs/planning-rules.md has the rules for
// assignees outside the team, zero capacity and ties.
//
// It returns an error for settings the arithmetic cannot use or a missing
// capacity report.
func ComputePlan(in PlanInput) (*Plan, error) {
	s := in.Settings
	if err := fieldErrors(s.problems()); err != nil {
		return nil, err
	}
	if in.Capacity == nil {
		return nil, fmt.Errorf("plan of milestone %q: no capacity report", in.Milestone.Title)
	}
	if in.Capacity.MilestoneID != 0 && in.Milestone.ID != 0 && in.Capacity.MilestoneID != in.Milestone.ID {
		return nil, fmt.Errorf("plan of milestone %q: the capacity report is for milestone %d, not %d",
			in.Milestone.Title, in.Capacity.MilestoneID, in.Milestone.ID)
	}
	l := newLabels(s)
	current := in.CurrentMilestoneID
	if current == in.Milestone.ID {
		current = 0
	}
	maxWeight := s.MaxWeight()

	team := map[int64]int{} // user id → index in MemberLoad
	plan := &Plan{
		MilestoneID:    in.Milestone.ID,
		TeamCapacity:   in.Capacity.TeamCapacity,
		StretchBudget:  s.StretchShare * in.Capacity.TeamCapacity,
		MemberLoad:     make([]MemberLoad, len(in.Capacity.Members)),
		Carryover:      []Entry{},
		Deliverables:   []Entry{},
		Stretch:        []Entry{},
		LeftOut:        []Entry{},
		RefinementGaps: []Entry{},
	}
	remaining := make([]float64, len(in.Capacity.Members))
	for i, m := range in.Capacity.Members {
		team[m.UserID] = i
		plan.MemberLoad[i] = MemberLoad{UserID: m.UserID, Username: m.Username, Capacity: m.Capacity}
		remaining[i] = m.Capacity
	}

	walk := make([]candidate, 0, len(in.Issues))
	var gaps []candidate
	for i := range in.Issues {
		is := &in.Issues[i]
		if is.State == StateClosed || l.process(is, in.PlanningProjectID) {
			continue
		}
		carry := current != 0 && is.MilestoneID == current
		inTarget := in.Milestone.ID != 0 && is.MilestoneID == in.Milestone.ID
		if !carry && !inTarget && is.MilestoneID != 0 {
			continue
		}
		c := candidate{is: is, carry: carry, pri: l.priority(is)}
		group := 1
		if carry {
			group = 0
		}
		c.key = keyOf(is, group, c.pri)

		wf := l.workflowLabel(is)
		if c.pri < len(s.PriorityLabels) {
			if wf == s.RefinementLabel {
				c.gap = append(c.gap, GapInRefinement)
			} else if wf == "" {
				c.gap = append(c.gap, GapNoWorkflowLabel)
			}
			if is.Weight == nil {
				c.gap = append(c.gap, GapNoWeight)
			}
			if len(c.gap) > 0 {
				gaps = append(gaps, c)
			}
		}

		switch {
		case carry && is.Weight == nil:
			c.reason, c.detail = ReasonNoWeight, "carried over without a weight: weigh the remaining work"
		case carry:
			// Every open issue of M is carried over, whatever its labels.
		case !l.ready(is):
			if !inTarget {
				continue // backlog that is not ready: not a candidate
			}
			c.reason = ReasonNotReady
			switch wf {
			case "":
				c.detail = fmt.Sprintf("has no workflow label; it needs %s or later", s.ReadyLabel)
			default:
				c.detail = fmt.Sprintf("is at %s; it needs %s or later", wf, s.ReadyLabel)
			}
		case is.Weight == nil:
			if !inTarget {
				continue
			}
			c.reason, c.detail = ReasonNoWeight, "ready but without a weight"
		}
		walk = append(walk, c)
	}
	// Sort indexes, not the candidates: moving small ints is much cheaper
	// than moving structs with pointers, and a backlog has thousands.
	order := sortedIndexes(len(walk), func(i, j int) bool { return walk[i].key.less(walk[j].key) })
	for i := range gaps {
		gaps[i].key.group = 0 // gaps are listed by priority alone
	}
	gapOrder := sortedIndexes(len(gaps), func(i, j int) bool { return gaps[i].key.less(gaps[j].key) })

	teamLeft := in.Capacity.TeamCapacity
	stretchLeft := plan.StretchBudget
	for _, k := range order {
		c := &walk[k]
		e := newEntry(l, c.is, c.pri, maxWeight, team)
		if c.carry {
			e.Flags = append([]string{FlagCarryover}, e.Flags...)
			if c.is.Weight != nil {
				plan.CarryoverWeight += *c.is.Weight
			}
		}
		switch {
		case c.reason != "":
			e.Placement, e.Reason, e.Detail = PlacementLeftOut, c.reason, c.detail
		default:
			w := float64(*c.is.Weight)
			var misses []string
			if !fits(w, teamLeft) {
				misses = append(misses, fmt.Sprintf("the team has %s left for weight %d", formatNum(teamLeft), *c.is.Weight))
			}
			var members []int
			if n := len(c.is.Assignees); n > 0 {
				share := w / float64(n)
				for _, a := range c.is.Assignees {
					i, ok := team[a.ID]
					if !ok {
						continue // not in the team: only the team budget applies
					}
					members = append(members, i)
					if !fits(share, remaining[i]) {
						misses = append(misses, fmt.Sprintf("@%s has %s left for a share of %s",
							plan.MemberLoad[i].Username, formatNum(remaining[i]), formatNum(share)))
					}
				}
			}
			switch {
			case len(misses) == 0:
				e.Placement = PlacementDeliverable
				teamLeft -= w
				plan.PlannedWeight += *c.is.Weight
				share := w / float64(max(len(c.is.Assignees), 1))
				for _, i := range members {
					remaining[i] -= share
					plan.MemberLoad[i].Planned += share
				}
			case fits(w, stretchLeft):
				e.Placement, e.Reason = PlacementStretch, ReasonDoesNotFit
				e.Detail = strings.Join(misses, "; ")
				stretchLeft -= w
				plan.StretchWeight += *c.is.Weight
			default:
				e.Placement, e.Reason = PlacementLeftOut, ReasonDoesNotFit
				misses = append(misses, fmt.Sprintf("the stretch budget has %s left", formatNum(stretchLeft)))
				e.Detail = strings.Join(misses, "; ")
			}
		}
		switch e.Placement {
		case PlacementDeliverable:
			plan.Deliverables = append(plan.Deliverables, e)
		case PlacementStretch:
			plan.Stretch = append(plan.Stretch, e)
		default:
			plan.LeftOut = append(plan.LeftOut, e)
		}
		if c.carry {
			plan.Carryover = append(plan.Carryover, e)
		}
	}
	for _, k := range gapOrder {
		c := &gaps[k]
		e := newEntry(l, c.is, c.pri, maxWeight, team)
		e.Reason = strings.Join(c.gap, ", ")
		plan.RefinementGaps = append(plan.RefinementGaps, e)
	}

	plan.RemainingCapacity = clean(plan.TeamCapacity - float64(plan.PlannedWeight))
	plan.RemainingStretch = clean(plan.StretchBudget - float64(plan.StretchWeight))
	plan.StretchBudget = clean(plan.StretchBudget)
	for i := range plan.MemberLoad {
		m := &plan.MemberLoad[i]
		m.Planned = clean(m.Planned)
		m.Remaining = clean(m.Capacity - m.Planned)
	}
	return plan, nil
}

// sortedIndexes returns 0..n-1 ordered by less, which must be a total order
// (orderKey's is: it ends on the global id).
func sortedIndexes(n int, less func(i, j int) bool) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return less(idx[a], idx[b]) })
	return idx
}

func newEntry(l labels, is *Issue, pri, maxWeight int, team map[int64]int) Entry {
	e := Entry{
		ID: is.ID, ProjectID: is.ProjectID, IID: is.IID, Title: is.Title,
		Weight:    copyInt(is.Weight),
		Assignees: append([]User{}, is.Assignees...),
		Priority:  l.priorityName(pri),
		Flags:     []string{},
	}
	if is.Weight != nil {
		if maxWeight > 0 && *is.Weight >= maxWeight {
			e.Flags = append(e.Flags, FlagConsiderSplitting)
		}
		if !l.s.OnScale(*is.Weight) {
			e.Flags = append(e.Flags, FlagOffScale)
		}
	}
	for _, a := range is.Assignees {
		if _, ok := team[a.ID]; !ok {
			e.Flags = append(e.Flags, FlagNotInTeam+": @"+a.Username)
		}
	}
	return e
}

func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

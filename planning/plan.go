package planning

import (
	"fmt"
	"slices"
	"strconv"
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
	pri    int
	reason string // set: left out without touching the budgets
	detail string
	// placement is decided by the walk, before the entries are made.
	placement string
}

// gap is a refinement gap before it becomes an entry.
type gap struct {
	is     *Issue
	key    orderKey
	pri    int
	reason string
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

	team := make(map[int64]int, len(in.Capacity.Members)) // user id → index in MemberLoad
	plan := &Plan{
		MilestoneID:   in.Milestone.ID,
		TeamCapacity:  in.Capacity.TeamCapacity,
		StretchBudget: s.StretchShare * in.Capacity.TeamCapacity,
		MemberLoad:    make([]MemberLoad, len(in.Capacity.Members)),
	}
	remaining := make([]float64, len(in.Capacity.Members))
	for i, m := range in.Capacity.Members {
		team[m.UserID] = i
		plan.MemberLoad[i] = MemberLoad{UserID: m.UserID, Username: m.Username, Capacity: m.Capacity}
		remaining[i] = m.Capacity
	}

	walk := make([]candidate, 0, len(in.Issues))
	var gaps []gap
	carried := 0
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
			if reason := gapReason(wf, s.RefinementLabel, is.Weight == nil); reason != "" {
				g := gap{is: is, key: c.key, pri: c.pri, reason: reason}
				g.key.group = 0 // gaps are listed by priority alone
				gaps = append(gaps, g)
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
				c.detail = "has no workflow label; it needs " + s.ReadyLabel + " or later"
			default:
				c.detail = "is at " + wf + "; it needs " + s.ReadyLabel + " or later"
			}
		case is.Weight == nil:
			if !inTarget {
				continue
			}
			c.reason, c.detail = ReasonNoWeight, "ready but without a weight"
		}
		if carry {
			carried++
		}
		walk = append(walk, c)
	}
	// Sort indexes, not the candidates: moving small ints is much cheaper
	// than moving structs with pointers, and a backlog has thousands.
	order := sortedIndexes(len(walk), func(i, j int) int { return walk[i].key.compare(&walk[j].key) })
	gapOrder := sortedIndexes(len(gaps), func(i, j int) int { return gaps[i].key.compare(&gaps[j].key) })

	// The walk decides every placement first, so that each list is made
	// once at its size: a large backlog leaves thousands of issues out.
	teamLeft := in.Capacity.TeamCapacity
	stretchLeft := plan.StretchBudget
	var d details
	var members []int
	counts := map[string]int{}
	for _, k := range order {
		c := &walk[k]
		if c.carry && c.is.Weight != nil {
			plan.CarryoverWeight += *c.is.Weight
		}
		if c.reason != "" {
			c.placement = PlacementLeftOut
			counts[c.placement]++
			continue
		}
		weight := *c.is.Weight
		w := float64(weight)
		teamMiss := !fits(w, teamLeft)
		var memberMisses []string
		members = members[:0]
		if n := len(c.is.Assignees); n > 0 {
			share := w / float64(n)
			for _, a := range c.is.Assignees {
				i, ok := team[a.ID]
				if !ok {
					continue // not in the team: only the team budget applies
				}
				members = append(members, i)
				if !fits(share, remaining[i]) {
					memberMisses = append(memberMisses, "@"+plan.MemberLoad[i].Username+" has "+formatNum(remaining[i])+
						" left for a share of "+formatNum(share))
				}
			}
		}
		switch {
		case !teamMiss && len(memberMisses) == 0:
			c.placement = PlacementDeliverable
			teamLeft -= w
			plan.PlannedWeight += weight
			share := w / float64(max(len(c.is.Assignees), 1))
			for _, i := range members {
				remaining[i] -= share
				plan.MemberLoad[i].Planned += share
			}
		case fits(w, stretchLeft):
			c.placement, c.reason = PlacementStretch, ReasonDoesNotFit
			c.detail = d.text(teamMiss, teamLeft, weight, memberMisses, false, stretchLeft)
			stretchLeft -= w
			plan.StretchWeight += weight
		default:
			c.placement, c.reason = PlacementLeftOut, ReasonDoesNotFit
			c.detail = d.text(teamMiss, teamLeft, weight, memberMisses, true, stretchLeft)
		}
		counts[c.placement]++
	}

	plan.Carryover = make([]Entry, 0, carried)
	plan.Deliverables = make([]Entry, 0, counts[PlacementDeliverable])
	plan.Stretch = make([]Entry, 0, counts[PlacementStretch])
	plan.LeftOut = make([]Entry, 0, counts[PlacementLeftOut])
	plan.RefinementGaps = make([]Entry, 0, len(gaps))
	for _, k := range order {
		c := &walk[k]
		e := newEntry(l, c.is, c.pri, maxWeight, team, c.carry)
		e.Placement, e.Reason, e.Detail = c.placement, c.reason, c.detail
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
		g := &gaps[k]
		e := newEntry(l, g.is, g.pri, maxWeight, team, false)
		e.Reason = g.reason
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

// gapReason says why a prioritised issue is a refinement gap — in
// refinement or without a workflow label, and without a weight — or ""
// when it is none.
func gapReason(workflow, refinement string, noWeight bool) string {
	var reason string
	switch workflow {
	case refinement:
		reason = GapInRefinement
	case "":
		reason = GapNoWorkflowLabel
	}
	switch {
	case !noWeight:
		return reason
	case reason == "":
		return GapNoWeight
	}
	return reason + ", " + GapNoWeight
}

// details writes the Detail of an issue that does not fit: what the team
// (if it missed), each assignee who missed and, if it is left out, the
// stretch budget had left, joined by "; ". Behind a large plan's Deliverables
// thousands of issues are left out against the same budgets, so the texts
// without an assignee's are made once per budgets and weight.
type details struct {
	memo map[detailKey]string
}

type detailKey struct {
	teamLeft, stretchLeft float64
	weight                int
	teamMiss, leftOut     bool
}

func (d *details) text(teamMiss bool, teamLeft float64, weight int, memberMisses []string, leftOut bool, stretchLeft float64) string {
	if len(memberMisses) > 0 {
		return joinMisses(teamMiss, teamLeft, weight, memberMisses, leftOut, stretchLeft)
	}
	k := detailKey{teamLeft: teamLeft, weight: weight, teamMiss: teamMiss, leftOut: leftOut}
	if leftOut {
		k.stretchLeft = stretchLeft
	}
	if t, ok := d.memo[k]; ok {
		return t
	}
	if d.memo == nil {
		d.memo = map[detailKey]string{}
	}
	t := joinMisses(teamMiss, teamLeft, weight, nil, leftOut, stretchLeft)
	d.memo[k] = t
	return t
}

func joinMisses(teamMiss bool, teamLeft float64, weight int, memberMisses []string, leftOut bool, stretchLeft float64) string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
	}
	if teamMiss {
		b.WriteString("the team has " + formatNum(teamLeft) + " left for weight " + strconv.Itoa(weight))
	}
	for _, m := range memberMisses {
		sep()
		b.WriteString(m)
	}
	if leftOut {
		sep()
		b.WriteString("the stretch budget has " + formatNum(stretchLeft) + " left")
	}
	return b.String()
}

// sortedIndexes returns 0..n-1 ordered by cmp, which must be a total order
// (orderKey's is: it ends on the global id).
func sortedIndexes(n int, cmp func(i, j int) int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, cmp)
	return idx
}

// newEntry makes the entry of an issue, flagged as carryover if carry.
func newEntry(l labels, is *Issue, pri, maxWeight int, team map[int64]int, carry bool) Entry {
	e := Entry{
		ID: is.ID, ProjectID: is.ProjectID, IID: is.IID, Title: is.Title,
		Weight:    copyInt(is.Weight),
		Assignees: append([]User{}, is.Assignees...),
		Priority:  l.priorityName(pri),
		Flags:     []string{},
	}
	if carry {
		e.Flags = append(e.Flags, FlagCarryover)
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

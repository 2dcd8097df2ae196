package planning

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// This file proves that ComputePlan, rewritten for speed (one pass that
// decides the placements, exact-size lists, no fmt in the walk, one sort
// of indexes by a compare function), makes the same plans as the
// straightforward version it replaced, kept here verbatim as
// computePlanBefore: the same entries, in the same order, with the same
// reasons, details, flags and totals, over many generated teams and
// backlogs that reach every branch.

// TestComputePlanSameAsBefore compares ComputePlan with computePlanBefore
// over generated inputs: teams from empty to tight to roomy, backlogs with
// every kind of label, weight (none, on and off the scale, zero), assignee
// (members, outsiders, several), milestone and state, with ties in rank
// and creation time, and the two benchmark teams.
func TestComputePlanSameAsBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 20000))
	check := func(t *testing.T, in PlanInput) {
		t.Helper()
		want, wantErr := computePlanBefore(in)
		got, err := ComputePlan(in)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("error %v, before %v", err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("plans differ:\n got %s\nwant %s", planDiff(got, want), planDiff(want, got))
		}
	}
	for n := range 400 {
		in := randomPlanInput(r, n)
		t.Run(fmt.Sprint(n), func(t *testing.T) { check(t, in) })
	}
	t.Run("BenchTeam", func(t *testing.T) {
		cin, pin := benchTeam()
		rep, err := ComputeCapacity(cin)
		if err != nil {
			t.Fatal(err)
		}
		pin.Capacity = rep
		check(t, pin)
	})
	t.Run("Selection", func(t *testing.T) { check(t, selectionInput()) })
	t.Run("NoCapacity", func(t *testing.T) { check(t, PlanInput{Settings: DefaultSettings()}) })
	t.Run("OtherMilestonesCapacity", func(t *testing.T) {
		check(t, PlanInput{Settings: DefaultSettings(), Milestone: Milestone{ID: 11}, Capacity: &CapacityReport{MilestoneID: 12}})
	})
	t.Run("BadSettings", func(t *testing.T) { check(t, PlanInput{Capacity: &CapacityReport{}}) })
}

// planDiff describes the first difference of a against b, for the failure
// message.
func planDiff(a, b *Plan) string {
	if a == nil || b == nil {
		return fmt.Sprintf("%v", a)
	}
	lists := []struct {
		name string
		a, b []Entry
	}{{"carryover", a.Carryover, b.Carryover}, {"deliverables", a.Deliverables, b.Deliverables}, {"stretch", a.Stretch, b.Stretch},
		{"left out", a.LeftOut, b.LeftOut}, {"gaps", a.RefinementGaps, b.RefinementGaps}}
	for _, l := range lists {
		for i := range min(len(l.a), len(l.b)) {
			if !reflect.DeepEqual(l.a[i], l.b[i]) {
				return fmt.Sprintf("%s[%d] = %+v", l.name, i, l.a[i])
			}
		}
		if len(l.a) != len(l.b) || (l.a == nil) != (l.b == nil) {
			return fmt.Sprintf("%s: %d entries (nil %v)", l.name, len(l.a), l.a == nil)
		}
	}
	c := *a
	c.Carryover, c.Deliverables, c.Stretch, c.LeftOut, c.RefinementGaps = nil, nil, nil, nil, nil
	return fmt.Sprintf("%+v", c)
}

// randomPlanInput generates the n-th input: small teams and backlogs first,
// up to a few hundred issues.
func randomPlanInput(r *rand.Rand, n int) PlanInput {
	s := DefaultSettings()
	switch n % 5 {
	case 1:
		s.StretchShare = 0
	case 2:
		s.StretchShare = 0.5
		s.Weights = []int{1, 2, 4, 8, 13}
	case 3:
		s.PriorityLabels = nil
	}
	pick := func(xs ...float64) float64 { return xs[r.IntN(len(xs))] }
	rep := &CapacityReport{MilestoneID: 11}
	var members []User
	for i := range r.IntN(7) {
		u := User{ID: int64(i + 1), Username: fmt.Sprintf("m%d", i+1)}
		members = append(members, u)
		c := pick(0, 0.5, 1, 2.5, 3, 7, 10, 1.0/3)
		rep.Members = append(rep.Members, MemberCapacity{UserID: u.ID, Username: u.Username, Capacity: c})
		rep.TeamCapacity += c
	}
	if r.IntN(4) == 0 {
		rep.TeamCapacity = pick(0, 5, 40)
	}
	outsiders := []User{{ID: 90, Username: "guest"}, {ID: 91, Username: "gone"}}
	labelPool := []string{ready, refining, inDev, inReview, blocked, "workflow::other", high, medium, low,
		s.PlanningLabel, s.DeliverableLabel, s.StretchLabel, "bug", "priority::high"}
	weights := []int{1, 2, 3, 5, 8, 4, 0, 13}
	milestones := []int64{0, 0, 0, 10, 11, 12}
	times := []time.Time{created0, created0.Add(time.Hour), created0.Add(2 * time.Hour), created0.AddDate(0, -1, 0)}
	in := PlanInput{Settings: s, Milestone: Milestone{ID: 11, Title: "November"}, CurrentMilestoneID: 10, Capacity: rep}
	switch n % 7 {
	case 1:
		in.CurrentMilestoneID = 0
	case 2:
		in.CurrentMilestoneID = 11
	case 3:
		in.PlanningProjectID = 3
	}
	size := r.IntN(20)
	if n%4 == 0 {
		size = r.IntN(400)
	}
	for k := range size {
		is := Issue{ID: int64(1000 + k), ProjectID: int64(1 + r.IntN(3)), IID: int64(1 + r.IntN(size+1)),
			Title: fmt.Sprintf("Issue %d", k), State: StateOpened, MilestoneID: milestones[r.IntN(len(milestones))],
			CreatedAt: times[r.IntN(len(times))]}
		if n%9 == 0 && k%3 == 0 {
			is.ID = 1000 // ties on every key but the id
		}
		if r.IntN(10) == 0 {
			is.State = StateClosed
		}
		for range r.IntN(4) {
			is.Labels = append(is.Labels, labelPool[r.IntN(len(labelPool))])
		}
		if r.IntN(5) > 0 {
			is.Weight = wt(weights[r.IntN(len(weights))])
		}
		for range r.IntN(4) {
			if len(members) > 0 && r.IntN(4) > 0 {
				is.Assignees = append(is.Assignees, members[r.IntN(len(members))])
			} else {
				is.Assignees = append(is.Assignees, outsiders[r.IntN(2)])
			}
		}
		if r.IntN(4) == 0 {
			is.RelativePosition = rank(int64(r.IntN(3)))
		}
		in.Issues = append(in.Issues, is)
	}
	return in
}

// The version of ComputePlan before the rewrite, verbatim but for its name
// and the names of its two helpers.

type candidateBefore struct {
	is     *Issue
	key    orderKey
	carry  bool
	reason string // set: left out without touching the budgets
	detail string
	pri    int
	gap    []string
}

func computePlanBefore(in PlanInput) (*Plan, error) {
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

	walk := make([]candidateBefore, 0, len(in.Issues))
	var gaps []candidateBefore
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
		c := candidateBefore{is: is, carry: carry, pri: l.priority(is)}
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
	order := sortedIndexesBefore(len(walk), func(i, j int) bool { return walk[i].key.less(walk[j].key) })
	for i := range gaps {
		gaps[i].key.group = 0 // gaps are listed by priority alone
	}
	gapOrder := sortedIndexesBefore(len(gaps), func(i, j int) bool { return gaps[i].key.less(gaps[j].key) })

	teamLeft := in.Capacity.TeamCapacity
	stretchLeft := plan.StretchBudget
	for _, k := range order {
		c := &walk[k]
		e := newEntryBefore(l, c.is, c.pri, maxWeight, team)
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
		e := newEntryBefore(l, c.is, c.pri, maxWeight, team)
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
func sortedIndexesBefore(n int, less func(i, j int) bool) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return less(idx[a], idx[b]) })
	return idx
}

func newEntryBefore(l labels, is *Issue, pri, maxWeight int, team map[int64]int) Entry {
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

package planning

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	ready    = "workflow::ready for development"
	refining = "workflow::refinement"
	inDev    = "workflow::in dev"
	inReview = "workflow::in review"
	blocked  = "workflow::blocked"
	high     = "code-creation-priority::high"
	medium   = "code-creation-priority::medium"
	low      = "code-creation-priority::low"
)

var created0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// iss builds an open issue of project 1; creation time follows the iid, an
// hour apart, unless the test changes it.
func iss(iid int64, milestone int64, weight *int, labels []string, assignees ...User) Issue {
	return Issue{
		ID: 1000 + iid, ProjectID: 1, IID: iid, Title: fmt.Sprintf("Issue %d", iid), State: StateOpened,
		Weight: weight, Labels: labels, Assignees: assignees, MilestoneID: milestone,
		CreatedAt: created0.Add(time.Duration(iid) * time.Hour),
	}
}

func L(names ...string) []string { return names }

func rank(n int64) *int64 { return &n }

// capacityOf builds a capacity report from capacities alone, so that the
// selection tests read without the capacity arithmetic.
func capacityOf(members map[User]float64) *CapacityReport {
	rep := &CapacityReport{MilestoneID: 11}
	for _, u := range []User{alice, bob, carol, dave, erin} {
		c, ok := members[u]
		if !ok {
			continue
		}
		rep.Members = append(rep.Members, MemberCapacity{UserID: u.ID, Username: u.Username, Capacity: c})
		rep.TeamCapacity += c
	}
	return rep
}

func iids(es []Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("#%d", e.IID))
	}
	return strings.Join(out, " ")
}

func entryByIID(t *testing.T, p *Plan, iid int64) Entry {
	t.Helper()
	for _, list := range [][]Entry{p.Deliverables, p.Stretch, p.LeftOut, p.RefinementGaps} {
		for _, e := range list {
			if e.IID == iid {
				return e
			}
		}
	}
	t.Fatalf("issue #%d is not in the plan", iid)
	return Entry{}
}

// The selection walk-through. M' is November (id 11), M is October (id 10).
//
// Capacities: alice 7, bob 2, carol 8, erin 0 (manager) → team 17.
// Stretch budget: 0.2 × 17 = 3.4.
//
// Walk order: carryover first (#1 low, then #2 none), then by priority:
// high #20 (manual rank −5), #3, #4 (no rank: by creation); medium #5, #6;
// low #7; none #8, #9, #13, #14, #22 (by creation).
//
//	#1  carry  w5 alice       team 17 ≥ 5, alice 7 ≥ 5  → Deliverable; team 12, alice 2
//	#2  carry  no weight bob                           → left out, "no weight"
//	#20 high   w1 carol       team 12, carol 8          → Deliverable; team 11, carol 7
//	#3  high   w3 alice       alice has 2 < 3           → Stretch (3 ≤ 3.4); stretch left 0.4
//	#4  high   w2 bob+carol   1 each: bob 2, carol 7    → Deliverable; team 9, bob 1, carol 6
//	#5  medium w3 bob+dan     1.5 each: bob has 1       → stretch 0.4 < 3 → left out, "does not fit"
//	#6  medium w2 dan         dan is not on the team: only the team budget, 9 ≥ 2
//	                                                    → Deliverable; team 7
//	#7  low    w5 unassigned  team 7 ≥ 5                → Deliverable; team 2
//	#8  none   w1 carol, in M' already, in review       → Deliverable; team 1, carol 5
//	#9  none   w1 unassigned  team 1 ≥ 1 (exactly)      → Deliverable; team 0
//	#13 none   in M', workflow::blocked                  → left out, "not ready for development"
//	#14 none   in M', ready, no weight                   → left out, "no weight"
//	#22 none   w4 unassigned  team 0 < 4, stretch 0.4 < 4 → left out, "does not fit"
//
// Deliverables: #1 #20 #4 #6 #7 #8 #9, planned weight 5+1+2+2+5+1+1 = 17.
// Without carryover, #3 (high) would have fit alice's 7: the carryover took
// her capacity first.
func selectionInput() PlanInput {
	s := DefaultSettings()
	issues := []Issue{
		iss(1, 10, wt(5), L(inDev, low), alice),
		iss(2, 10, nil, L(inDev), bob),
		iss(3, 0, wt(3), L(ready, high), alice),
		iss(4, 0, wt(2), L(ready, high), bob, carol),
		iss(5, 0, wt(3), L(ready, medium), bob, dan),
		iss(6, 0, wt(2), L(ready, medium), dan),
		iss(7, 0, wt(5), L(ready, low)),
		iss(8, 11, wt(1), L(inReview), carol),
		iss(9, 0, wt(1), L(ready)),
		// Refinement gaps: priority, but not refined.
		iss(10, 0, nil, L(refining, high)),
		iss(11, 0, nil, L(ready, medium)),
		iss(12, 0, wt(2), L(low)),
		// In M' but not plannable.
		iss(13, 11, wt(2), L(blocked)),
		iss(14, 11, nil, L(ready)),
		// Never candidates.
		iss(15, 11, wt(1), L(ready, "Planning Issue")),
		iss(17, 12, wt(1), L(ready, high)), // a later milestone
		iss(18, 0, wt(1), L(refining)),     // backlog, not ready, no priority: not even a gap
		iss(19, 5, wt(1), L(ready, high)),  // an old milestone that is neither M nor M'
		iss(20, 0, wt(1), L(ready, high), carol),
		iss(22, 0, wt(4), L(ready)),
	}
	issues[18].RelativePosition = rank(-5) // #20 ranked first among the highs
	planningIssue := iss(16, 0, wt(1), L(ready))
	planningIssue.ProjectID = 99 // the planning project
	closed := iss(21, 0, wt(1), L(ready, high))
	closed.State = StateClosed
	issues = append(issues, planningIssue, closed)
	return PlanInput{
		Settings:           s,
		Milestone:          Milestone{ID: 11, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30"},
		CurrentMilestoneID: 10,
		PlanningProjectID:  99,
		Issues:             issues,
		Capacity:           capacityOf(map[User]float64{alice: 7, bob: 2, carol: 8, erin: 0}),
	}
}

func TestComputePlanSelection(t *testing.T) {
	p, err := ComputePlan(selectionInput())
	if err != nil {
		t.Fatal(err)
	}
	lists := []struct {
		name string
		got  []Entry
		want string
	}{
		{"carryover", p.Carryover, "#1 #2"},
		{"deliverables", p.Deliverables, "#1 #20 #4 #6 #7 #8 #9"},
		{"stretch", p.Stretch, "#3"},
		{"left_out", p.LeftOut, "#2 #5 #13 #14 #22"},
		// By priority: #10 high, #11 medium, #12 low.
		{"refinement_gaps", p.RefinementGaps, "#10 #11 #12"},
	}
	for _, l := range lists {
		if got := iids(l.got); got != l.want {
			t.Errorf("%s = %s, want %s", l.name, got, l.want)
		}
	}

	// team_capacity 17; stretch budget 0.2 × 17 = 3.4; planned 17; stretch 3;
	// remaining 17 − 17 = 0 and 3.4 − 3 = 0.4; carryover weight 5 (#2 has none).
	if !near(p.TeamCapacity, 17) || !near(p.StretchBudget, 3.4) || p.PlannedWeight != 17 || p.StretchWeight != 3 ||
		!near(p.RemainingCapacity, 0) || !near(p.RemainingStretch, 0.4) || p.CarryoverWeight != 5 {
		t.Errorf("totals: capacity %v, stretch budget %v, planned %d, stretch %d, remaining %v / %v, carryover %d",
			p.TeamCapacity, p.StretchBudget, p.PlannedWeight, p.StretchWeight, p.RemainingCapacity, p.RemainingStretch, p.CarryoverWeight)
	}

	// Member load: alice 5 (#1) of 7 → 2 left; bob 1 (#4) of 2 → 1 left;
	// carol 1 (#20) + 1 (#4) + 1 (#8) = 3 of 8 → 5 left; erin 0 of 0.
	wantLoad := map[string][3]float64{"alice": {7, 5, 2}, "bob": {2, 1, 1}, "carol": {8, 3, 5}, "erin": {0, 0, 0}}
	for _, m := range p.MemberLoad {
		w := wantLoad[m.Username]
		if !near(m.Capacity, w[0]) || !near(m.Planned, w[1]) || !near(m.Remaining, w[2]) {
			t.Errorf("%s load = %+v, want capacity/planned/remaining %v", m.Username, m, w)
		}
	}

	entries := []struct {
		iid       int64
		placement string
		priority  string
		flags     []string
		reason    string
		detail    string
	}{
		// The largest weight (5) is flagged, carryover or not.
		{1, PlacementDeliverable, "low", []string{FlagCarryover, FlagConsiderSplitting}, "", ""},
		{2, PlacementLeftOut, "none", []string{FlagCarryover}, ReasonNoWeight, "carried over without a weight: weigh the remaining work"},
		{3, PlacementStretch, "high", []string{}, ReasonDoesNotFit, "@alice has 2 left for a share of 3"},
		{4, PlacementDeliverable, "high", []string{}, "", ""},
		{5, PlacementLeftOut, "medium", []string{"assignee not in team: @dan"}, ReasonDoesNotFit,
			"@bob has 1 left for a share of 1.5; the stretch budget has 0.4 left"},
		{6, PlacementDeliverable, "medium", []string{"assignee not in team: @dan"}, "", ""},
		{7, PlacementDeliverable, "low", []string{FlagConsiderSplitting}, "", ""},
		{8, PlacementDeliverable, "none", []string{}, "", ""},
		{13, PlacementLeftOut, "none", []string{}, ReasonNotReady,
			"is at workflow::blocked; it needs workflow::ready for development or later"},
		{14, PlacementLeftOut, "none", []string{}, ReasonNoWeight, "ready but without a weight"},
		{22, PlacementLeftOut, "none", []string{FlagOffScale}, ReasonDoesNotFit,
			"the team has 0 left for weight 4; the stretch budget has 0.4 left"},
		// Refinement gaps carry their reasons and no placement.
		{10, "", "high", []string{}, "in refinement, no weight", ""},
		{11, "", "medium", []string{}, "no weight", ""},
		{12, "", "low", []string{}, "no workflow label", ""},
	}
	for _, w := range entries {
		e := entryByIID(t, p, w.iid)
		if e.Placement != w.placement || e.Priority != w.priority || !reflect.DeepEqual(e.Flags, w.flags) ||
			e.Reason != w.reason || e.Detail != w.detail {
			t.Errorf("#%d\n got placement %q priority %q flags %q reason %q detail %q\nwant placement %q priority %q flags %q reason %q detail %q",
				w.iid, e.Placement, e.Priority, e.Flags, e.Reason, e.Detail, w.placement, w.priority, w.flags, w.reason, w.detail)
		}
	}
	// Entries carry what the planning issue shows.
	e := entryByIID(t, p, 4)
	if e.ID != 1004 || e.ProjectID != 1 || e.Title != "Issue 4" || *e.Weight != 2 ||
		!reflect.DeepEqual(e.Assignees, []User{bob, carol}) {
		t.Errorf("entry #4 = %+v", e)
	}
}

func TestComputePlanCases(t *testing.T) {
	tests := []struct {
		name    string
		in      func() PlanInput
		deliver string
		stretch string
		leftOut string
		checkFn func(t *testing.T, p *Plan)
		wantErr string
	}{
		{
			// Without the carryover, alice's 7 takes #3 (3) first and #1 is
			// no longer planned: the carryover is what pushed #3 to Stretch.
			//   #20 w1 carol → team 16; #3 w3 alice → team 13, alice 4;
			//   #4 → team 11, bob 1, carol 6; #5 bob 1 < 1.5 → Stretch (3 ≤ 3.4);
			//   #6 → team 9; #7 → 4; #8 → 3; #9 → 2;
			//   #22 w4 > 2 and > stretch 0.4 left → left out.
			name: "WithoutCarryover",
			in: func() PlanInput {
				in := selectionInput()
				in.CurrentMilestoneID = 0
				return in
			},
			deliver: "#20 #3 #4 #6 #7 #8 #9",
			stretch: "#5",
			leftOut: "#13 #14 #22",
		},
		{
			// Planning the milestone that is already current: nothing is
			// carried over from it into itself; its ready issues are candidates.
			// M = M' = October (10): #1 (w5, in dev) and #2 (no weight) are in
			// M'; #8, #13, #14 (milestone 11) are now a later milestone.
			//   #20 → team 16, carol 7; #3 → team 13, alice 4; #4 → team 11,
			//   bob 1, carol 6; #5 → Stretch (3 ≤ 3.4, 0.4 left); #6 → team 9;
			//   #1 low w5 alice 4 < 5 → stretch 0.4 < 5 → left out; #7 → team 4;
			//   #9 → team 3; #2 no weight → left out; #22 w4 > 3 → left out.
			name: "CurrentIsPlanned",
			in: func() PlanInput {
				in := selectionInput()
				in.Milestone.ID = 10
				in.Capacity.MilestoneID = 10
				return in
			},
			deliver: "#20 #3 #4 #6 #7 #9",
			stretch: "#5",
			leftOut: "#1 #2 #22",
		},
		{
			// A manager with capacity 0 assigned to an issue: their share of 1
			// does not fit their 0, so it cannot be a Deliverable; it goes to
			// Stretch (1 ≤ 0.2 × 10 = 2).
			name: "AssigneeWithZeroCapacity",
			in: func() PlanInput {
				return PlanInput{
					Settings:  DefaultSettings(),
					Milestone: Milestone{ID: 11},
					Issues:    []Issue{iss(1, 0, wt(1), L(ready), erin)},
					Capacity:  capacityOf(map[User]float64{alice: 10, erin: 0}),
				}
			},
			deliver: "", stretch: "#1", leftOut: "",
			checkFn: func(t *testing.T, p *Plan) {
				if d := p.Stretch[0].Detail; d != "@erin has 0 left for a share of 1" {
					t.Errorf("detail = %q", d)
				}
			},
		},
		{
			// Two assignees, one with room and one without: the issue needs
			// both shares to fit. alice 5 ≥ 1.5 but bob 1 < 1.5, and the
			// stretch budget 0.2 × 6 = 1.2 is below 3 → left out. bob's own w1
			// then fits his 1.
			name: "MultiAssigneeNeedsEveryShare",
			in: func() PlanInput {
				return PlanInput{
					Settings:  DefaultSettings(),
					Milestone: Milestone{ID: 11},
					Issues: []Issue{
						iss(1, 0, wt(3), L(ready, high), alice, bob),
						iss(2, 0, wt(1), L(ready, low), bob),
					},
					Capacity: capacityOf(map[User]float64{alice: 5, bob: 1}),
				}
			},
			deliver: "#2", stretch: "", leftOut: "#1",
			checkFn: func(t *testing.T, p *Plan) {
				want := "@bob has 1 left for a share of 1.5; the stretch budget has 1.2 left"
				if d := p.LeftOut[0].Detail; d != want {
					t.Errorf("detail = %q, want %q", d, want)
				}
			},
		},
		{
			// Weight split three ways: 5 ÷ 3 = 1.6667 each. alice, bob and
			// carol each have 5/3 exactly: it fits (comparisons allow for
			// float noise), and each has 0 left.
			name: "ThreeWaySplitFitsExactly",
			in: func() PlanInput {
				third := 5.0 / 3
				return PlanInput{
					Settings:  DefaultSettings(),
					Milestone: Milestone{ID: 11},
					Issues:    []Issue{iss(1, 0, wt(5), L(ready), alice, bob, carol)},
					Capacity:  capacityOf(map[User]float64{alice: third, bob: third, carol: third}),
				}
			},
			deliver: "#1", stretch: "", leftOut: "",
			checkFn: func(t *testing.T, p *Plan) {
				for _, m := range p.MemberLoad {
					if !near(m.Planned, 5.0/3) || !near(m.Remaining, 0) {
						t.Errorf("%s load %+v", m.Username, m)
					}
				}
			},
		},
		{
			// Ties among equal priority and no manual rank: creation time,
			// then iid. #3 was created first although its iid is the highest.
			// Team capacity 2 takes the first two.
			name: "TiesByCreationThenIID",
			in: func() PlanInput {
				a, b, c := iss(1, 0, wt(1), L(ready)), iss(2, 0, wt(1), L(ready)), iss(3, 0, wt(1), L(ready))
				c.CreatedAt = created0
				b.CreatedAt = a.CreatedAt
				return PlanInput{
					Settings:  DefaultSettings(),
					Milestone: Milestone{ID: 11},
					Issues:    []Issue{b, a, c},
					Capacity:  capacityOf(map[User]float64{alice: 2}),
				}
			},
			// 0.2 × 2 = 0.4 stretch: #2 (w1) does not fit it either.
			deliver: "#3 #1", stretch: "", leftOut: "#2",
		},
		{
			// Weight 0 always fits, even with no capacity left.
			name: "WeightZero",
			in: func() PlanInput {
				return PlanInput{
					Settings:  DefaultSettings(),
					Milestone: Milestone{ID: 11},
					Issues:    []Issue{iss(1, 0, wt(0), L(ready), erin)},
					Capacity:  capacityOf(map[User]float64{erin: 0}),
				}
			},
			deliver: "#1", stretch: "", leftOut: "",
		},
		{
			name: "ErrNoCapacity",
			in: func() PlanInput {
				in := selectionInput()
				in.Capacity = nil
				return in
			},
			wantErr: "no capacity report",
		},
		{
			name: "ErrCapacityOfAnotherMilestone",
			in: func() PlanInput {
				in := selectionInput()
				in.Capacity.MilestoneID = 12
				return in
			},
			wantErr: "the capacity report is for milestone 12, not 11",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ComputePlan(tt.in())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := iids(p.Deliverables); got != tt.deliver {
				t.Errorf("deliverables = %q, want %q", got, tt.deliver)
			}
			if got := iids(p.Stretch); got != tt.stretch {
				t.Errorf("stretch = %q, want %q", got, tt.stretch)
			}
			if got := iids(p.LeftOut); got != tt.leftOut {
				t.Errorf("left_out = %q, want %q", got, tt.leftOut)
			}
			if tt.checkFn != nil {
				tt.checkFn(t, p)
			}
		})
	}
}

// From capacity to plan for the demo team of capacity_test.go: November
// capacities alice 7, bob 2, carol 6.8936, dave 8, erin 0 = team 23.8936;
// stretch budget 0.2 × 23.8936 = 4.7787.
//
//	#1 high w5 alice      7 ≥ 5 → Deliverable; alice 2, team 18.8936
//	#2 high w3 alice      2 < 3 → Stretch; 4.7787 − 3 = 1.7787 left
//	#3 high w3 bob        2 < 3 → 1.7787 < 3 → left out
//	#4 medium w5 carol+dave  2.5 each: carol 6.8936, dave 8 → Deliverable; team 13.8936
//	#5 low w3 carol       4.3936 ≥ 3 → Deliverable; team 10.8936, carol 1.3936
//	#6 none w2 carol      1.3936 < 2 → 1.7787 ≥ 2? no → left out
func TestCapacityThenPlan(t *testing.T) {
	in := demoTeam()
	rep, err := ComputeCapacity(in)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ComputePlan(PlanInput{
		Settings:  in.Settings,
		Milestone: in.Milestone,
		Issues: []Issue{
			iss(1, 0, wt(5), L(ready, high), alice),
			iss(2, 0, wt(3), L(ready, high), alice),
			iss(3, 0, wt(3), L(ready, high), bob),
			iss(4, 0, wt(5), L(ready, medium), carol, dave),
			iss(5, 0, wt(3), L(ready, low), carol),
			iss(6, 0, wt(2), L(ready), carol),
		},
		Capacity: rep,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, s, l := iids(p.Deliverables), iids(p.Stretch), iids(p.LeftOut); d != "#1 #4 #5" || s != "#2" || l != "#3 #6" {
		t.Errorf("deliverables %q, stretch %q, left out %q", d, s, l)
	}
	if Format1(p.TeamCapacity) != "23.9" || Format1(p.StretchBudget) != "4.8" || p.PlannedWeight != 13 ||
		Format1(p.RemainingCapacity) != "10.9" || Format1(p.RemainingStretch) != "1.8" {
		t.Errorf("plan figures %v %v %v %v %v", p.TeamCapacity, p.StretchBudget, p.PlannedWeight, p.RemainingCapacity, p.RemainingStretch)
	}
	if d := p.LeftOut[1].Detail; d != "@carol has 1.39 left for a share of 2; the stretch budget has 1.78 left" {
		t.Errorf("detail = %q", d)
	}
}

func TestPlanJSONShape(t *testing.T) {
	p, err := ComputePlan(PlanInput{Settings: DefaultSettings(), Milestone: Milestone{ID: 11}, Capacity: capacityOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	// Empty lists are [], not null, so clients can iterate them.
	for _, key := range []string{`"team_capacity":0`, `"stretch_budget":0`, `"planned_weight":0`, `"stretch_weight":0`,
		`"carryover":[]`, `"deliverables":[]`, `"stretch":[]`, `"left_out":[]`, `"refinement_gaps":[]`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("plan JSON lacks %s: %s", key, data)
		}
	}

	in := selectionInput()
	p, err = ComputePlan(in)
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(p.LeftOut[1])
	want := `{"id":1005,"project_id":1,"iid":5,"title":"Issue 5","weight":3,` +
		`"assignees":[{"id":2,"username":"bob"},{"id":99,"username":"dan"}],"priority":"medium",` +
		`"placement":"left_out","flags":["assignee not in team: @dan"],"reason":"does not fit",` +
		`"detail":"@bob has 1 left for a share of 1.5; the stretch budget has 0.4 left"}`
	if string(data) != want {
		t.Errorf("entry JSON\n got %s\nwant %s", data, want)
	}

	rep, err := ComputeCapacity(demoTeam())
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(rep.Members[0])
	for _, key := range []string{`"user_id":1`, `"username":"alice"`, `"planning_role":"engineer"`, `"capacity_factor":1`,
		`"time_off_days":2.5`, `"available_days":17.5`, `"dev_days":12.25`, `"velocity":0.571428571`,
		`"velocity_source":"own"`, `"capacity":7`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("member JSON lacks %s: %s", key, data)
		}
	}
	data, _ = json.Marshal(rep)
	if !strings.Contains(string(data), `"working_days":20`) || !strings.Contains(string(data), `"team_capacity":23.893617021`) {
		t.Errorf("capacity JSON: %s", data)
	}
}

// The seeds' order of work inside a milestone.
func TestWorkOrder(t *testing.T) {
	s := DefaultSettings()
	mk := func(iid int64, labels ...string) Issue { return iss(iid, 11, wt(1), labels) }
	issues := []Issue{
		mk(1, "Deliverable", high),
		mk(2, "Deliverable", low),
		mk(3, "Deliverable", medium),
		mk(4, high),
		mk(5, "Stretch", medium),
		mk(6),
		mk(7, "Deliverable", high),
		mk(8, low),
		mk(9, "Stretch", high),
		mk(10, medium),
	}
	issues[1].RelativePosition = rank(1)  // #2
	issues[6].RelativePosition = rank(10) // #7
	issues[9].CreatedAt = created0        // #10, created before #5
	// 1. Deliverable + high: #7 (ranked) then #1.
	// 2. other Deliverables, whatever their priority: #2 (ranked, low)
	//    before #3 (unranked, medium).
	// 3. high #4, #9 (Stretch does not move an issue); medium #10 (created
	//    first), #5; low #8; none #6.
	want := "#7 #1 #2 #3 #4 #9 #10 #5 #8 #6"
	got := WorkOrder(s, issues)
	var out []string
	for _, is := range got {
		out = append(out, fmt.Sprintf("#%d", is.IID))
	}
	if strings.Join(out, " ") != want {
		t.Errorf("work order = %s\n         want %s", strings.Join(out, " "), want)
	}
	if issues[0].IID != 1 {
		t.Error("WorkOrder changed its input")
	}

	// Two projects with the same iid, same creation time: project id decides,
	// so the order never depends on the input's order.
	a, b := mk(1), mk(1)
	a.ProjectID, b.ProjectID, b.ID = 2, 1, 2001
	if got := WorkOrder(s, []Issue{a, b}); got[0].ProjectID != 1 {
		t.Errorf("tie across projects: %v", got)
	}
}

package planning

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchTeam builds a team of 25 (two managers, five part-timers) with
// 12 milestones of history (January to December 2025), about 1,200 closed
// issues in them, two time-off entries per member, and 3,000 open issues:
// carryover from the current milestone, ready and weighted candidates, and
// issues still in refinement.
func benchTeam() (CapacityInput, PlanInput) {
	r := rand.New(rand.NewPCG(1, 2))
	s := DefaultSettings()
	s.Holidays = []string{"2025-12-25", "2026-01-01", "2026-02-16"}

	var members []Member
	var users []User
	for i := range 25 {
		u := User{ID: int64(i + 1), Username: fmt.Sprintf("user%02d", i+1)}
		users = append(users, u)
		m := Member{UserID: u.ID, Username: u.Username, PlanningRole: "engineer", CapacityFactor: 1, JoinedAt: "2024-06-01"}
		switch {
		case i < 2:
			m.PlanningRole, m.CapacityFactor = "engineering_manager", 0
		case i < 7:
			m.CapacityFactor = 0.5
		case i >= 22:
			m.JoinedAt = "2025-09-15" // joined mid-history
		}
		members = append(members, m)
	}

	var milestones []Milestone
	for i := range 15 { // 2025-01 … 2026-03
		start := time.Date(2025, time.January+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		due := start.AddDate(0, 1, -1)
		m := Milestone{ID: int64(i + 1), Title: start.Format("January 2006"),
			StartDate: start.Format(time.DateOnly), DueDate: due.Format(time.DateOnly), State: "active"}
		if i < 12 {
			m.State = "closed"
		}
		milestones = append(milestones, m)
	}
	current, planned := milestones[12], milestones[13] // January and February 2026

	var closed []Issue
	id := int64(0)
	for k := range 12 {
		for range 100 {
			id++
			n := 1 + r.IntN(2)
			as := []User{users[r.IntN(25)]}
			if n == 2 {
				as = append(as, users[r.IntN(25)])
			}
			day := 1 + r.IntN(28)
			closed = append(closed, Issue{
				ID: id, ProjectID: 1 + id%4, IID: id, State: StateClosed, Weight: wt(s.Weights[r.IntN(4)]),
				Assignees: as, MilestoneID: milestones[k].ID,
				ClosedAt: fmt.Sprintf("%s-%02d", milestones[k].StartDate[:7], day),
			})
		}
	}

	var timeOff []TimeOff
	for _, u := range users {
		d := 1 + r.IntN(20)
		timeOff = append(timeOff,
			TimeOff{UserID: u.ID, StartDate: fmt.Sprintf("2026-02-%02d", d), EndDate: fmt.Sprintf("2026-02-%02d", d+2)},
			TimeOff{UserID: u.ID, StartDate: "2025-08-04", EndDate: "2025-08-08", HalfDay: r.IntN(2) == 0})
	}

	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var open []Issue
	for i := range 3000 {
		id++
		is := Issue{
			ID: id, ProjectID: 1 + id%4, IID: id, Title: fmt.Sprintf("Issue %d", id), State: StateOpened,
			CreatedAt: created.Add(time.Duration(i) * time.Hour),
		}
		labels := []string{s.ReadyLabel}
		switch {
		case i%20 == 0:
			labels = []string{s.RefinementLabel}
		case i%7 == 0:
			labels = []string{"workflow::in dev"}
		}
		if p := r.IntN(4); p < 3 {
			labels = append(labels, s.PriorityLabels[p])
		}
		is.Labels = labels
		if i%25 != 0 {
			is.Weight = wt(s.Weights[r.IntN(4)])
		}
		if i%3 != 0 {
			is.Assignees = []User{users[r.IntN(25)]}
		}
		if i%11 == 0 {
			pos := int64(r.IntN(1000))
			is.RelativePosition = &pos
		}
		switch {
		case i < 150:
			is.MilestoneID = current.ID
		case i < 300:
			is.MilestoneID = planned.ID
		}
		open = append(open, is)
	}

	cin := CapacityInput{
		Settings: s, Today: "2026-01-20", Milestone: planned,
		Members: members, Milestones: milestones, Closed: closed, TimeOff: timeOff,
	}
	pin := PlanInput{Settings: s, Milestone: planned, CurrentMilestoneID: current.ID, Issues: open}
	return cin, pin
}

func TestBenchTeamIsRealistic(t *testing.T) {
	cin, pin := benchTeam()
	rep, err := ComputeCapacity(cin)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.VelocityMilestones) != 3 || rep.Members[2].VelocitySource != SourceOwn || rep.TeamCapacity <= 0 {
		t.Fatalf("capacity: window %d, first engineer %+v, team %v", len(rep.VelocityMilestones), rep.Members[2], rep.TeamCapacity)
	}
	pin.Capacity = rep
	p, err := ComputePlan(pin)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Deliverables) == 0 || len(p.Stretch) == 0 || len(p.LeftOut) < 2000 || len(p.Carryover) == 0 || len(p.RefinementGaps) == 0 {
		t.Errorf("plan: %d deliverables, %d stretch, %d left out, %d carryover, %d gaps",
			len(p.Deliverables), len(p.Stretch), len(p.LeftOut), len(p.Carryover), len(p.RefinementGaps))
	}
	if !fits(float64(p.PlannedWeight), p.TeamCapacity) {
		t.Errorf("planned %d over capacity %v", p.PlannedWeight, p.TeamCapacity)
	}
}

// BenchmarkCapacityAndPlan measures what one GET …/plan costs in planning
// arithmetic: capacity and plan for a team of 25 with 3,000 candidate issues
// and 12 milestones of history.
func BenchmarkCapacityAndPlan(b *testing.B) {
	cin, pin := benchTeam()
	b.ReportAllocs()
	for b.Loop() {
		rep, err := ComputeCapacity(cin)
		if err != nil {
			b.Fatal(err)
		}
		pin.Capacity = rep
		if _, err := ComputePlan(pin); err != nil {
			b.Fatal(err)
		}
	}
}

package planner_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestCapacityHandChecked checks the fixture team's capacity for November
// 2026 against figures worked out by hand:
//
//	November: 21 weekdays − Thanksgiving (26th) = 20 working days.
//	Window: September only (22 working days; October is still running).
//	alice: delivered A 5 + B 3 + half of S 4 = 10 (D closed on 2 October
//	       does not count); history dev days 22 × 0.7 = 15.4;
//	       velocity 10 ÷ 15.4; November: 20 − 2.5 off = 17.5 available,
//	       × 0.7 = 12.25 dev days; capacity 12.25 × 10 ÷ 15.4 = 7.95.
//	bob:   delivered C 2 + half of S 2 = 4 over 22 × 0.35 = 7.7 dev days;
//	       November 20 × 0.35 = 7 dev days; capacity 7 × 4 ÷ 7.7 = 3.64.
//	carol: joined 5 October: no milestone of the window counts, so the team
//	       velocity (10 + 4) ÷ (15.4 + 7.7) = 14 ÷ 23.1; 14 dev days;
//	       capacity 14 × 14 ÷ 23.1 = 8.48.
//	emma:  capacity factor 0: 0 dev days, capacity 0.
//	Team:  7.95 + 3.64 + 8.48 + 0 = 20.08 → shown as 20.1.
func TestCapacityHandChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		v, err := tm.p.Capacity(context.Background(), tm.group.ID, tm.nov.ID)
		if err != nil {
			t.Fatalf("capacity: %v", err)
		}
		if v.Milestone.ID != tm.nov.ID || v.WorkingDays != 20 {
			t.Errorf("milestone %d, working days %d; want %d, 20", v.Milestone.ID, v.WorkingDays, tm.nov.ID)
		}
		if len(v.VelocityMilestones) != 1 || v.VelocityMilestones[0].ID != tm.sep.ID || v.VelocityMilestones[0].WorkingDays != 22 {
			t.Errorf("window %+v, want September with 22 working days", v.VelocityMilestones)
		}
		want := []struct {
			name                     string
			off, avail, dev, vel, cp float64
			source                   string
		}{
			{"alice", 2.5, 17.5, 12.25, 10 / 15.4, 12.25 * 10 / 15.4, "own"},
			{"bob", 0, 20, 7, 4 / 7.7, 7 * 4 / 7.7, "own"},
			{"carol", 0, 20, 14, 14 / 23.1, 14 * 14 / 23.1, "team"},
			{"emma", 0, 20, 0, 14 / 23.1, 0, "team"},
		}
		if len(v.Members) != len(want) {
			t.Fatalf("%d members, want %d", len(v.Members), len(want))
		}
		total := 0.0
		for i, w := range want {
			m := v.Members[i]
			if m.Username != w.name || !near(m.TimeOffDays, w.off) || !near(m.AvailableDays, w.avail) || !near(m.DevDays, w.dev) ||
				!near(m.Velocity, w.vel) || !near(m.Capacity, w.cp) || m.VelocitySource != w.source {
				t.Errorf("member %d = %s off %v avail %v dev %v vel %v (%s) cap %v; want %+v", i, m.Username, m.TimeOffDays,
					m.AvailableDays, m.DevDays, m.Velocity, m.VelocitySource, m.Capacity, w)
			}
			total += w.cp
		}
		if !near(v.TeamCapacity, total) {
			t.Errorf("team capacity %v, want %v", v.TeamCapacity, total)
		}
	})
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestPlanningIssueLifecycle walks one planning issue through its life:
// created by EnsureCadence, kept current as weights and labels change,
// edited by a person outside the generated sections, finalised, and
// finalised again.
func TestPlanningIssueLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		ctx := context.Background()
		g := tm.group.ID

		// Created.
		if err := tm.p.EnsureCadence(ctx, g); err != nil {
			t.Fatalf("ensure cadence: %v", err)
		}
		ms, err := s.GroupMilestones(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		var dec *cairn.Milestone
		for _, m := range ms {
			titles = append(titles, m.Title+" "+m.StartDate+".."+m.DueDate)
			if m.Title == "December 2026" {
				dec = m
			}
		}
		wantTitles := []string{"September 2026 2026-09-01..2026-09-30", "October 2026 2026-10-01..2026-10-31",
			"November 2026 2026-11-01..2026-11-30", "December 2026 2026-12-01..2026-12-31", "January 2027 2027-01-01..2027-01-31"}
		if !slices.Equal(titles, wantTitles) {
			t.Fatalf("milestones %q, want %q", titles, wantTitles)
		}
		list := planningIssuesOf(t, tm, tm.nov)
		if len(list) != 1 {
			t.Fatalf("%d planning issues of November, want 1", len(list))
		}
		pi := list[0]
		if pi.Title != "Milestone Planning: November 2026" || pi.DueDate != "2026-10-29" || pi.State != cairn.StateOpened ||
			!slices.Equal(pi.LabelNames(), []string{"Planning Issue"}) || len(pi.Assignees) != 1 || pi.Assignees[0].ID != tm.emma.ID {
			t.Errorf("planning issue %q due %s %s labels %v assignees %d", pi.Title, pi.DueDate, pi.State, pi.LabelNames(), len(pi.Assignees))
		}
		d := pi.Description
		for _, want := range []string{"- [ ] Parking Lot discussed with the team", "**2026-10-29**"} {
			if !strings.Contains(d, want) {
				t.Errorf("description lacks %q", want)
			}
		}
		capacity := section(t, d, "capacity")
		for _, want := range []string{
			"Working days: **20**",
			"| @alice | engineer | 2.5 | 17.5 | 12.3 | 0.65 | own | 10 delivered in 15.4 dev days | 8.0 |",
			"| @bob | engineer | 0.0 | 20.0 | 7.0 | 0.52 | own | 4 delivered in 7.7 dev days | 3.6 |",
			"| @carol | engineer | 0.0 | 20.0 | 14.0 | 0.61 | team | none | 8.5 |",
			"| @emma | engineering manager | 0.0 | 20.0 | 0.0 | 0.61 | team | 0 delivered in 0 dev days | 0.0 |",
			"| **Team** | | | | | | | | **20.1** |",
		} {
			if !strings.Contains(capacity, want) {
				t.Errorf("capacity section lacks %q:\n%s", want, capacity)
			}
		}
		work := section(t, d, "milestone-work")
		for _, want := range []string{
			"| " + tm.ref("K1") + " | Carry: finish export | 2 | @alice | none | Deliverable (carryover) |",
			"| " + tm.ref("P1") + " | Big feature \\| with pipe | 5 | @alice | high | Deliverable |",
			"| " + tm.ref("P3") + " | Alice again | 3 | @alice | medium | Stretch |",
		} {
			if !strings.Contains(work, want) {
				t.Errorf("milestone work lacks %q:\n%s", want, work)
			}
		}
		if !strings.Contains(section(t, d, "left-out"), tm.ref("P6")) {
			t.Errorf("P6 is not left out:\n%s", section(t, d, "left-out"))
		}
		gaps := section(t, d, "refinement-gaps")
		if !strings.Contains(gaps, "| "+tm.ref("G1")+" | &lt;b&gt;Needs&lt;/b&gt; refining | high |") {
			t.Errorf("refinement gaps lack G1 as plain text:\n%s", gaps)
		}
		if !strings.Contains(section(t, d, "consider-splitting"), tm.ref("P1")) {
			t.Errorf("P1 (weight 5) is not flagged for splitting")
		}

		// Ensuring again changes nothing.
		if err := tm.p.EnsureCadence(ctx, g); err != nil {
			t.Fatalf("ensure cadence again: %v", err)
		}
		if ms2, _ := s.GroupMilestones(ctx, g); len(ms2) != len(ms) {
			t.Errorf("%d milestones after a second EnsureCadence, want %d", len(ms2), len(ms))
		}
		if again := planningIssuesOf(t, tm, tm.nov); len(again) != 1 || again[0].Description != d {
			t.Errorf("a second EnsureCadence changed the planning issues (%d)", len(again))
		}

		// A person ticks a box and writes a note outside the sections.
		edited := strings.Replace(d, "- [ ] Parking Lot discussed", "- [x] Parking Lot discussed", 1) + "\nNote from emma: keep Friday free.\n"
		if _, err := s.UpdateIssue(tm.ctx, pi.ProjectID, pi.IID, cairn.IssueUpdate{Description: &edited}); err != nil {
			t.Fatal(err)
		}

		// Kept current: a weight and a label change.
		tm.update(t, "P6", cairn.IssueUpdate{Weight: cairn.SetTo(2)})
		tm.update(t, "P5", cairn.IssueUpdate{AddLabels: []string{"workflow::refinement"}})
		if _, err := tm.p.AddParkingLot(cairn.NewContextWithUser(ctx, tm.bob), cairn.ParkingLotCreate{GroupID: g, MilestoneID: tm.nov.ID,
			ProjectID: tm.app.ID, IssueIID: tm.issues["P3"].IID, Reason: "Customers ask for it"}); err != nil {
			t.Fatalf("add to parking lot: %v", err)
		}
		if err := tm.p.Flush(ctx); err != nil {
			t.Fatalf("flush: %v", err)
		}
		d = tm.reload(t, pi).Description
		if !strings.Contains(d, "- [x] Parking Lot discussed") || !strings.Contains(d, "Note from emma: keep Friday free.") {
			t.Errorf("the person's edit was lost:\n%s", d)
		}
		work = section(t, d, "milestone-work")
		if !strings.Contains(work, "| "+tm.ref("P6")+" | Too much for carol | 2 | @carol | low | Deliverable |") {
			t.Errorf("P6 re-weighted to 2 is not a Deliverable:\n%s", work)
		}
		if strings.Contains(work, tm.ref("P5")) || !strings.Contains(section(t, d, "refinement-gaps"), tm.ref("P5")+" | Unassigned task | low | 2 | unassigned | in refinement |") {
			t.Errorf("P5 back in refinement is still planned or not a gap:\n%s", d)
		}
		if lot := section(t, d, "parking-lot"); !strings.Contains(lot, tm.ref("P3")+" Alice again (Stretch) — Customers ask for it (proposed by @bob)") {
			t.Errorf("parking lot:\n%s", lot)
		}
		if strings.Count(d, "<!-- cairn:capacity -->") != 1 {
			t.Errorf("the capacity section appears %d times", strings.Count(d, "<!-- cairn:capacity -->"))
		}

		// Finalised.
		res, err := tm.p.Finalize(tm.ctx, g, tm.nov.ID)
		if err != nil {
			t.Fatalf("finalize: %v", err)
		}
		if res.AlreadyFinalized || !res.Plan.Finalized {
			t.Errorf("already %v, finalized %v", res.AlreadyFinalized, res.Plan.Finalized)
		}
		for name, want := range map[string][]string{
			"K1": {"Deliverable"}, "P1": {"Deliverable"}, "P2": {"Deliverable"}, "P4": {"Deliverable"}, "P6": {"Deliverable"},
			"P3": {"Stretch"}, "K2": nil, "Q1": nil, "P5": nil,
		} {
			is := tm.get(t, name)
			var got []string
			for _, l := range is.LabelNames() {
				if l == "Deliverable" || l == "Stretch" {
					got = append(got, l)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s labels %v, want %v", name, got, want)
			}
			inNov := is.Milestone != nil && is.Milestone.ID == tm.nov.ID
			if wantNov := name != "P5"; inNov != wantNov {
				t.Errorf("%s in November: %v, want %v", name, inNov, wantNov)
			}
		}
		events, _, err := s.ListIssueEvents(ctx, tm.app.ID, tm.issues["P1"].IID, cairn.EventLabel, cairn.Page{PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		if last := events[len(events)-1]; last.LabelName != "Deliverable" || last.Action != cairn.ActionAdd || last.User == nil || last.User.ID != tm.emma.ID {
			t.Errorf("last label event of P1: %+v", last)
		}
		commitments, err := s.PlanCommitments(ctx, tm.nov.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range commitments {
			for name, is := range tm.issues {
				if is.ID == c.IssueID {
					w := "-"
					if c.Weight != nil {
						w = string(rune('0' + *c.Weight))
					}
					entry := name + " " + c.Placement + " " + w
					if c.Carryover {
						entry += " carryover"
					}
					got = append(got, entry)
				}
			}
		}
		slices.Sort(got)
		wantCommit := []string{"K1 deliverable 2 carryover", "P1 deliverable 5", "P2 deliverable 3", "P3 stretch 3", "P4 deliverable 5", "P6 deliverable 2"}
		if !slices.Equal(got, wantCommit) {
			t.Errorf("commitments %q, want %q", got, wantCommit)
		}
		mp, err := s.MilestonePlan(ctx, tm.nov.ID)
		if err != nil || !mp.Finalized() || mp.FinalizedByID == nil || *mp.FinalizedByID != tm.emma.ID || mp.TeamCapacity == nil ||
			!near(*mp.TeamCapacity, 12.25*10/15.4+7*4/7.7+14*14/23.1) {
			t.Errorf("milestone plan %+v, %v", mp, err)
		}
		closed := tm.reload(t, pi)
		if closed.State != cairn.StateClosed || !strings.Contains(closed.Description, "**Final** since 2026-10-26") ||
			!strings.Contains(closed.Description, "Note from emma") || !strings.Contains(closed.Description, "- [x] Parking Lot discussed") {
			t.Errorf("November's planning issue after finalising: %s\n%s", closed.State, closed.Description)
		}
		next := res.NextPlanningIssue
		if next == nil || next.Title != "Milestone Planning: December 2026" || next.DueDate != "2026-11-28" || next.State != cairn.StateOpened ||
			next.Milestone == nil || next.Milestone.ID != dec.ID || !strings.Contains(next.Description, "<!-- cairn:milestone-work -->") {
			t.Fatalf("next planning issue %+v", next)
		}
		retro := res.Retrospective
		if retro == nil || retro.Title != "Retrospective: October 2026" || retro.DueDate != "2026-11-14" || retro.ParentID == nil ||
			*retro.ParentID != tm.octPlanning.ID || retro.ProjectID != tm.planningProject.ID || !slices.Equal(retro.LabelNames(), []string{"Retrospective"}) {
			t.Fatalf("retrospective %+v", retro)
		}
		for _, want := range []string{"**1 of 3** done, weight **3 of 5**", "| " + tm.ref("Z1") + " | Done in October | 3 | @bob |",
			"| " + tm.ref("K1") + " | Carry: finish export | 2 | @alice |", "| " + tm.ref("K2") + " | Carry: unweighed | – | @bob |"} {
			if !strings.Contains(retro.Description, want) {
				t.Errorf("retrospective lacks %q:\n%s", want, retro.Description)
			}
		}

		// Finalised again: no change.
		before := countIssues(t, tm, tm.planningProject.ID)
		again, err := tm.p.Finalize(tm.ctx, g, tm.nov.ID)
		if err != nil {
			t.Fatalf("finalize again: %v", err)
		}
		if !again.AlreadyFinalized || again.NextPlanningIssue != nil || again.Retrospective != nil {
			t.Errorf("second finalize: %+v", again)
		}
		if after := countIssues(t, tm, tm.planningProject.ID); after != before {
			t.Errorf("a second finalize made %d planning project issues, want %d", after, before)
		}
		if c2, _ := s.PlanCommitments(ctx, tm.nov.ID); len(c2) != len(commitments) {
			t.Errorf("%d commitments after a second finalize, want %d", len(c2), len(commitments))
		}
		if err := tm.p.Flush(ctx); err != nil {
			t.Errorf("flush after finalising: %v", err)
		}
		if tm.reload(t, closed).Description != closed.Description {
			t.Errorf("a refresh rewrote the finalised planning issue")
		}
	})
}

// reload loads an issue again.
func (tm *team) reload(t *testing.T, is *cairn.Issue) *cairn.Issue {
	t.Helper()
	out, err := tm.s.IssueByID(context.Background(), is.ID)
	if err != nil {
		t.Fatalf("reload issue %d: %v", is.ID, err)
	}
	return out
}

func countIssues(t *testing.T, tm *team, projectID int64) int {
	t.Helper()
	_, total, err := tm.s.ListIssues(context.Background(), cairn.IssueFilter{ProjectID: projectID})
	if err != nil {
		t.Fatal(err)
	}
	return total.Count
}

// TestFinalizeConcurrent finalises one plan from two connections at once:
// exactly one call finalises, and there is one next planning issue and one
// retrospective.
func TestFinalizeConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		ctx := context.Background()
		if err := tm.p.EnsureCadence(ctx, tm.group.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]*struct {
			already bool
			err     error
		}, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := tm.p.Finalize(tm.ctx, tm.group.ID, tm.nov.ID)
				results[i] = &struct {
					already bool
					err     error
				}{err: err}
				if err == nil {
					results[i].already = r.AlreadyFinalized
				}
			}()
		}
		wg.Wait()
		finalised := 0
		for i, r := range results {
			if r.err != nil {
				t.Fatalf("finalize %d: %v", i, r.err)
			}
			if !r.already {
				finalised++
			}
		}
		if finalised != 1 {
			t.Errorf("%d calls finalised, want 1", finalised)
		}
		ms, _ := s.GroupMilestones(ctx, tm.group.ID)
		for _, m := range ms {
			if m.Title == "December 2026" {
				if n := len(planningIssuesOf(t, tm, m)); n != 1 {
					t.Errorf("%d planning issues of December, want 1", n)
				}
			}
		}
		retros, _, err := s.ListIssues(ctx, cairn.IssueFilter{ProjectID: tm.planningProject.ID, Labels: []string{"Retrospective"}})
		if err != nil || len(retros) != 1 {
			t.Errorf("%d retrospectives, want 1 (%v)", len(retros), err)
		}
	})
}

// TestRun checks the background loop: at start it ensures the cadence of
// every group (the planning issue appears), and after a change it
// refreshes the planning issue once the debounce has passed, without a
// Flush.
func TestRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		tm.p.Debounce = 20 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { tm.p.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		var pi *cairn.Issue
		waitFor(t, "the planning issue of November", func() bool {
			list := planningIssuesOf(t, tm, tm.nov)
			if len(list) == 1 {
				pi = list[0]
			}
			return pi != nil
		})
		if strings.Contains(section(t, pi.Description, "milestone-work"), tm.ref("P6")) {
			t.Fatalf("P6 is planned before its change")
		}
		tm.update(t, "P6", cairn.IssueUpdate{Weight: cairn.SetTo(1)})
		waitFor(t, "P6 in the Milestone Work", func() bool {
			return strings.Contains(section(t, tm.reload(t, pi).Description, "milestone-work"), tm.ref("P6"))
		})
	})
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package planner_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/planning"
)

// demoDay is the "today" of the demo team in these tests.
var demoDay = time.Date(2026, 11, 18, 14, 30, 0, 0, time.UTC)

// TestDemoTeamMatchesPlanning imports the demo team and checks that the
// planner's capacity and plan for the next milestone equal what the
// planning package computes from the same data loaded through the store's
// ordinary list methods: the planner's lean loaders lose nothing. It then
// checks that EnsureCadence adopts the demo's planning issue.
func TestDemoTeamMatchesPlanning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		s.Now = func() time.Time { return demoDay }
		ctx := context.Background()
		if _, err := s.ImportArchive(ctx, demo.Generate(demoDay, 1)); err != nil {
			t.Fatalf("import demo: %v", err)
		}
		g, err := s.GroupByPath(ctx, demo.GroupPath)
		if err != nil {
			t.Fatal(err)
		}
		p := planner.New(s, nil)
		settings, err := p.Settings(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := settings.Location()
		if err != nil {
			t.Fatal(err)
		}
		today := demoDay.In(loc).Format(cairn.DateLayout)

		ms, _, err := s.ListGroupMilestones(ctx, g.ID, cairn.MilestoneFilter{Page: cairn.Page{PerPage: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var current, next *cairn.Milestone
		for _, m := range ms {
			if m.StartDate <= today && today <= m.DueDate {
				current = m
			}
		}
		for _, m := range ms {
			if m.StartDate > today && (next == nil || m.StartDate < next.StartDate) {
				next = m
			}
		}
		if current == nil || next == nil {
			t.Fatalf("current %v next %v", current, next)
		}

		members, _, err := s.ListMembers(ctx, g.ID, cairn.Page{PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		in := planning.CapacityInput{Settings: settings, Today: today, Milestone: planning.FromMilestone(next)}
		for _, m := range members {
			in.Members = append(in.Members, planning.FromMember(m))
		}
		for _, m := range ms {
			in.Milestones = append(in.Milestones, planning.FromMilestone(m))
		}
		for _, is := range allIssues(t, s, cairn.IssueFilter{GroupID: g.ID, State: cairn.StateClosed}) {
			in.Closed = append(in.Closed, planning.FromIssue(is, loc))
		}
		off, _, err := s.ListTimeOff(ctx, store.TimeOffFilter{GroupID: g.ID, Page: cairn.Page{PerPage: 100}})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range off {
			in.TimeOff = append(in.TimeOff, planning.TimeOff{UserID: o.User.ID, StartDate: o.StartDate, EndDate: o.EndDate, HalfDay: o.HalfDay})
		}
		want, err := planning.ComputeCapacity(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Capacity(ctx, g.ID, next.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.CapacityReport, want) {
			t.Errorf("capacity\n got %+v\nwant %+v", got.CapacityReport, want)
		}
		if want.TeamCapacity <= 0 || len(want.VelocityMilestones) != settings.VelocityWindow {
			t.Errorf("the demo team should have history: %+v", want)
		}

		planningProject, err := s.PlanningProject(ctx, g.ID, settings.PlanningProject)
		if err != nil {
			t.Fatal(err)
		}
		pin := planning.PlanInput{Settings: settings, Milestone: planning.FromMilestone(next), CurrentMilestoneID: current.ID,
			PlanningProjectID: planningProject.ID, Capacity: want}
		for _, is := range allIssues(t, s, cairn.IssueFilter{GroupID: g.ID, State: cairn.StateOpened}) {
			pin.Issues = append(pin.Issues, planning.FromIssue(is, loc))
		}
		wantPlan, err := planning.ComputePlan(pin)
		if err != nil {
			t.Fatal(err)
		}
		view, err := p.Plan(ctx, g.ID, next.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(view.Plan, wantPlan) {
			t.Errorf("plan\n got %+v\nwant %+v", view.Plan, wantPlan)
		}
		if len(wantPlan.Deliverables) == 0 || len(wantPlan.Carryover) == 0 {
			t.Errorf("the demo plan should have Deliverables and carryover: %+v", wantPlan)
		}
		if view.PlanningIssue == nil || view.PlanningIssue.Title != "Milestone Planning: "+next.Title {
			t.Errorf("planning issue %+v", view.PlanningIssue)
		}

		// The demo's planning issue of the next milestone is adopted and
		// gains the generated sections below the manager's text.
		if err := p.EnsureCadence(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		list, _, err := s.ListIssues(ctx, cairn.IssueFilter{ProjectID: planningProject.ID, MilestoneID: next.ID, Labels: []string{settings.PlanningLabel}})
		if err != nil || len(list) != 1 {
			t.Fatalf("%d planning issues of %s, %v", len(list), next.Title, err)
		}
		d := list[0].Description
		if !strings.HasPrefix(d, "## Milestone Planning "+next.Title) || !strings.Contains(d, "<!-- cairn:milestone-work -->") {
			t.Errorf("adopted planning issue:\n%s", d)
		}
	})
}

// allIssues lists every issue f selects, page by page.
func allIssues(t *testing.T, s *store.Store, f cairn.IssueFilter) []*cairn.Issue {
	t.Helper()
	var out []*cairn.Issue
	for page := 1; ; page++ {
		f.Page = cairn.Page{Page: page, PerPage: cairn.MaxPerPage}
		list, _, err := s.ListIssues(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, list...)
		if len(list) < cairn.MaxPerPage {
			return out
		}
	}
}

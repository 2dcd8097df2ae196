package api_test

import (
	"context"
	"slices"
	"testing"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// milestonePlan is GET /groups/:id/milestone_plans's shape, as a client
// reads it.
type milestonePlan struct {
	Milestone struct {
		Title string `json:"title"`
	} `json:"milestone"`
	PlanningIssue *issueRef `json:"planning_issue"`
	Retrospective *issueRef `json:"retrospective"`
	Finalized     bool      `json:"finalized"`
	FinalizedAt   *string   `json:"finalized_at"`
	FinalizedBy   *struct {
		Username string `json:"username"`
	} `json:"finalized_by"`
	TeamCapacity *float64 `json:"team_capacity"`
	Commitments  []struct {
		Issue     issueRef `json:"issue"`
		Placement string   `json:"placement"`
		Weight    *int     `json:"weight"`
		Carryover bool     `json:"carryover"`
	} `json:"commitments"`
}

type issueRef struct {
	IID        int64  `json:"iid"`
	ProjectID  int64  `json:"project_id"`
	Title      string `json:"title"`
	References struct {
		Full string `json:"full"`
	} `json:"references"`
}

func TestMilestonePlansAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		list := func(as string) []milestonePlan {
			t.Helper()
			r := pt.do("GET", "/groups/team/milestone_plans", as, "")
			want(t, r, 200)
			var out []milestonePlan
			r.decode(t, &out)
			return out
		}
		if got := list(engineer); len(got) != 0 {
			t.Errorf("plans before any planning: %+v", got)
		}
		want(t, pt.do("POST", pt.ms(pt.nov)+"/plan/finalize", manager, ""), 201)

		plans := list(engineer)
		i := slices.IndexFunc(plans, func(p milestonePlan) bool { return p.Milestone.Title == "2026-11" })
		if i < 0 {
			t.Fatalf("no plan of 2026-11 in %+v", plans)
		}
		nov := plans[i]
		if !nov.Finalized || nov.FinalizedAt == nil || nov.FinalizedBy == nil || nov.FinalizedBy.Username != manager {
			t.Errorf("finalised: %v at %v by %+v, want by %s", nov.Finalized, nov.FinalizedAt, nov.FinalizedBy, manager)
		}
		if nov.TeamCapacity == nil || *nov.TeamCapacity <= 0 {
			t.Errorf("team_capacity = %v", nov.TeamCapacity)
		}
		if nov.PlanningIssue == nil {
			t.Error("no planning issue")
		}
		// The commitments are the store's, as the plan was finalised.
		mp, err := st.MilestonePlan(context.Background(), pt.nov)
		if err != nil || mp == nil || mp.TeamCapacity == nil || *mp.TeamCapacity != *nov.TeamCapacity {
			t.Errorf("stored plan %+v (%v), answered capacity %v", mp, err, nov.TeamCapacity)
		}
		stored, err := st.PlanCommitments(context.Background(), pt.nov)
		if err != nil {
			t.Fatal(err)
		}
		if len(nov.Commitments) == 0 || len(nov.Commitments) != len(stored) {
			t.Fatalf("%d commitments answered, %d stored", len(nov.Commitments), len(stored))
		}
		var five string
		for k, c := range nov.Commitments {
			if c.Placement != stored[k].Placement || c.Carryover != stored[k].Carryover || !equalIntPtr(c.Weight, stored[k].Weight) {
				t.Errorf("commitment %d = %+v, stored %+v", k, c, stored[k])
			}
			if c.Issue.References.Full == "" || c.Issue.ProjectID != pt.project {
				t.Errorf("commitment %d issue = %+v", k, c.Issue)
			}
			if c.Issue.IID == 5 {
				five = c.Issue.Title
			}
			if c.Issue.IID == 3 && !c.Carryover {
				t.Error("#3 slipped from October but is not marked carryover")
			}
		}
		if five != "Ready medium" {
			t.Errorf("a reporter sees confidential #5 as %q", five)
		}

		// A guest reads the record, not the confidential title.
		for _, p := range list(guest) {
			for _, c := range p.Commitments {
				if c.Issue.IID == 5 && c.Issue.Title != "Confidential issue" {
					t.Errorf("a guest sees confidential #5 as %q", c.Issue.Title)
				}
			}
		}
		want(t, pt.do("GET", "/groups/team/milestone_plans", outsider, ""), 404)
		want(t, pt.do("GET", "/groups/team/milestone_plans", admin, ""), 200)
	})
}

func equalIntPtr(a, b *int) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func TestGroupProjectsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		var got []struct {
			ID                int64  `json:"id"`
			Path              string `json:"path"`
			PathWithNamespace string `json:"path_with_namespace"`
			IssuesEnabled     *bool  `json:"issues_enabled"`
		}
		r := pt.do("GET", "/groups/team/projects?order_by=id&sort=asc&include_subgroups=false&with_shared=false", engineer, "")
		want(t, r, 200)
		r.decode(t, &got)
		if len(got) != 1 || got[0].ID != pt.project || got[0].PathWithNamespace != "team/app" || got[0].IssuesEnabled == nil {
			t.Errorf("projects of team = %+v", got)
		}
		if r.header.Get("X-Total") != "1" {
			t.Errorf("X-Total = %q", r.header.Get("X-Total"))
		}
		r = pt.do("GET", "/groups/other/projects", engineer, "")
		want(t, r, 404) // a private group of which tomas is no member
		r = pt.do("GET", "/groups/team/projects?archived=true", engineer, "")
		want(t, r, 200)
		if r.body != "[]\n" {
			t.Errorf("archived projects = %s", r.body)
		}
		want(t, pt.do("GET", "/groups/team/projects?order_by=stars", engineer, ""), 400)
	})
}

package api

import (
	"net/http"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
)

// milestonePlanJSON is one milestone's planning record: what GET …/plan
// computes is the plan as it stands; this is what was decided and kept.
type milestonePlanJSON struct {
	Milestone     *milestoneJSON `json:"milestone"`
	PlanningIssue *issueRefJSON  `json:"planning_issue"`
	Retrospective *issueRefJSON  `json:"retrospective"`
	Finalized     bool           `json:"finalized"`
	FinalizedAt   Time           `json:"finalized_at"`
	FinalizedBy   *userJSON      `json:"finalized_by"`
	// TeamCapacity is the capacity the plan was finalised with; null while
	// it is not final.
	TeamCapacity *float64         `json:"team_capacity"`
	Commitments  []commitmentJSON `json:"commitments"`
}

// commitmentJSON is an issue a finalised plan committed to.
type commitmentJSON struct {
	Issue     *issueRefJSON `json:"issue"`
	Placement string        `json:"placement"`
	Weight    *int          `json:"weight"`
	Carryover bool          `json:"carryover"`
}

// ListMilestonePlans serves GET /groups/{id}/milestone_plans: the planning
// records of the group's milestones, by milestone start date, for any
// member: each milestone's planning issue and retrospective and, once
// finalised, when, by whom, the team capacity and the commitments
// (Deliverables and Stretch with their weights at finalisation, carryover
// marked). Milestones without a record are left out. The list is not
// paginated: a team has one record per milestone.
func (a *API) ListMilestonePlans(w http.ResponseWriter, r *http.Request) error {
	s, err := a.planningGroup(r, actReadPlanning)
	if err != nil {
		return err
	}
	records, err := a.planner.PlanRecords(r.Context(), s.group.ID)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	sees := v.confidentialFilter(s)
	out := make([]milestonePlanJSON, 0, len(records))
	for _, rec := range records {
		j, err := v.milestonePlan(rec, sees)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// milestonePlan renders a planning record; sees hides the titles of
// confidential issues from members who may not see them (nil: the viewer
// sees everything), as plans do.
func (v *view) milestonePlan(rec *planner.PlanRecord, sees func(*cairn.Issue) bool) (milestonePlanJSON, error) {
	ms, err := v.milestone(rec.Milestone)
	if err != nil {
		return milestonePlanJSON{}, err
	}
	ref := func(i *cairn.Issue) (*issueRefJSON, error) {
		if i == nil {
			return nil, nil
		}
		j, err := v.issueRef(i)
		if err != nil {
			return nil, err
		}
		if sees != nil && !sees(i) {
			j.Title = confidentialTitle
		}
		return j, nil
	}
	j := milestonePlanJSON{
		Milestone: ms, Finalized: rec.FinalizedAt != nil, FinalizedAt: timePtr(rec.FinalizedAt),
		FinalizedBy: v.user(rec.FinalizedBy), TeamCapacity: rec.TeamCapacity,
		Commitments: make([]commitmentJSON, 0, len(rec.Commitments)),
	}
	if j.PlanningIssue, err = ref(rec.PlanningIssue); err != nil {
		return j, err
	}
	if j.Retrospective, err = ref(rec.Retrospective); err != nil {
		return j, err
	}
	for _, c := range rec.Commitments {
		ij, err := ref(c.Issue)
		if err != nil {
			return j, err
		}
		j.Commitments = append(j.Commitments, commitmentJSON{Issue: ij, Placement: c.Placement, Weight: c.Weight, Carryover: c.Carryover})
	}
	return j, nil
}

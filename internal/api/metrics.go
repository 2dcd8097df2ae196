package api

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// The planning metrics of a team and the burndown of a milestone, for the
// team's members. Every figure comes from the event history, as
// planning-model.md ("Planning metrics") and docs/planning-rules.md define
// it; the arithmetic is planning.ComputeMetrics and ComputeBurndown.

// MetricsJSON is GET /groups/:id/planning_metrics: the window and the
// metrics, hours and ratios unrounded.
type MetricsJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	*planning.Metrics
}

// RenderMetrics returns the JSON of GET /groups/:id/planning_metrics for a
// report, for `cairn metrics --json`.
func RenderMetrics(rep *store.MetricsReport) MetricsJSON {
	return MetricsJSON{From: rep.From, To: rep.To, Metrics: rep.Metrics}
}

// GetPlanningMetrics serves GET /groups/{id}/planning_metrics?from=&to=:
// the metrics of the window (dates YYYY-MM-DD in the team's time zone,
// both included; by default the 90 days to today): average time in
// refinement, issues refined per ISO week, refinement and development
// hours, and per milestone due in the window velocity, say/do and
// carryover, and the cycle time's p50 and p85. A bad date is 400.
func (a *API) GetPlanningMetrics(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actReadPlanning)
	if err != nil {
		return err
	}
	from, to, err := window(r)
	if err != nil {
		return err
	}
	rs, err := a.refinement()
	if err != nil {
		return err
	}
	rep, err := rs.PlanningMetrics(r.Context(), s.group.ID, from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, RenderMetrics(rep))
	return nil
}

// burndownJSON is GET /groups/:id/milestones/:milestone_id/burndown.
type burndownJSON struct {
	MilestoneID int64                  `json:"milestone_id"`
	Milestone   string                 `json:"milestone"`
	StartDate   Date                   `json:"start_date"`
	DueDate     Date                   `json:"due_date"`
	Days        []planning.BurndownDay `json:"days"`
}

// GetBurndown serves GET /groups/{id}/milestones/{milestone_id}/burndown:
// per day from the milestone's start to its due date or today, the weight
// still open of the committed Deliverables (at their finalised weights),
// of all the milestone's issues, and the ideal line. 404 unless the
// milestone is the group's; 400 for a milestone without dates.
func (a *API) GetBurndown(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actReadPlanning)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("milestone_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Milestone")
	}
	m, err := a.svc.MilestoneByID(r.Context(), id)
	if err != nil {
		return err
	}
	if m.GroupID == nil || *m.GroupID != s.group.ID {
		return cairn.NotFound("Milestone")
	}
	rs, err := a.refinement()
	if err != nil {
		return err
	}
	days, err := rs.Burndown(r.Context(), s.group.ID, m.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, burndownJSON{MilestoneID: m.ID, Milestone: m.Title, StartDate: Date(m.StartDate), DueDate: Date(m.DueDate), Days: days})
	return nil
}

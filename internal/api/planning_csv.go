package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// The CSV exports of the planning endpoints, for people who work in
// spreadsheets: the plan, the capacity table and the planning metrics,
// with the same parameters, permissions and errors as their JSON
// endpoints (errors stay JSON). The columns and the format are
// planning.WritePlanCSV's, WriteCapacityCSV's and WriteMetricsCSV's.

// metricsByMilestoneStore is what the metrics export reads beyond the
// JSON endpoint; *store.Store implements it.
type metricsByMilestoneStore interface {
	PlanningMetricsByMilestone(ctx context.Context, groupID int64, from, to string, limit int) (*store.MetricsReport, []*store.MilestoneMetrics, error)
}

// GetPlanCSV serves GET /groups/{id}/milestones/{milestone_id}/plan.csv:
// the plan's Deliverables, Stretch and left-out issues, one row each, for
// any member, as an attachment named after the group, the milestone and
// "plan". Confidential issues the caller may not see have their title and
// labels hidden, as in GET …/plan.
func (a *API) GetPlanCSV(w http.ResponseWriter, r *http.Request) error {
	s, m, err := a.planningGroupMilestone(r, actReadPlanning)
	if err != nil {
		return err
	}
	pv, err := a.planner.Plan(r.Context(), s.group.ID, m.ID)
	if err != nil {
		return err
	}
	in := planning.PlanCSV{Plan: pv.Plan, Issues: pv.Issues, Projects: pv.Projects, BaseURL: a.BaseURL(r)}
	if in.Plan == nil {
		in.Plan = &planning.Plan{}
	}
	if sees := a.view(r).confidentialFilter(s); sees != nil {
		in.Hidden = func(id int64) bool {
			i := pv.Issues[id]
			return i == nil || !sees(i)
		}
	}
	var buf bytes.Buffer
	if err := planning.WritePlanCSV(&buf, in); err != nil {
		return err
	}
	writeCSV(w, planning.CSVFileName(s.group.Path, m.Title, "plan"), buf.Bytes())
	return nil
}

// GetCapacityCSV serves GET /groups/{id}/milestones/{milestone_id}/capacity.csv:
// one row per member with the figures of GET …/capacity, and the planned
// load of the plan's Deliverables and what is left, for any member.
func (a *API) GetCapacityCSV(w http.ResponseWriter, r *http.Request) error {
	s, m, err := a.planningGroupMilestone(r, actReadPlanning)
	if err != nil {
		return err
	}
	pv, err := a.planner.Plan(r.Context(), s.group.ID, m.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := planning.WriteCapacityCSV(&buf, pv.Capacity, pv.Plan); err != nil {
		return err
	}
	writeCSV(w, planning.CSVFileName(s.group.Path, m.Title, "capacity"), buf.Bytes())
	return nil
}

// GetPlanningMetricsCSV serves GET /groups/{id}/planning_metrics.csv?from=&to=:
// one row per milestone due in the window (the same window, defaults and
// errors as GET /groups/{id}/planning_metrics), with its velocity, say/do
// and carryover and the flow metrics of its own dates. A window with more
// than planning.MaxMetricsCSVMilestones such milestones is 400.
func (a *API) GetPlanningMetricsCSV(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actReadPlanning)
	if err != nil {
		return err
	}
	from, to, err := window(r)
	if err != nil {
		return err
	}
	ms, ok := a.svc.(metricsByMilestoneStore)
	if !ok {
		return &cairn.Error{Code: cairn.ENOTFOUND}
	}
	rep, wins, err := metricsForCSV(r.Context(), ms, s.group.ID, from, to, planning.MaxMetricsCSVMilestones)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteMetricsCSV(&buf, rep, wins); err != nil {
		return err
	}
	writeCSV(w, planning.CSVFileName(s.group.Path, "planning-metrics", rep.From, "to", rep.To), buf.Bytes())
	return nil
}

// metricsForCSV loads what the metrics export writes: the window's
// metrics and those of its milestones' own dates. It refuses, with an
// EINVALID error that says what to do, a window with more than maxMilestones
// milestones due in it: the bound on the work of one request.
func metricsForCSV(ctx context.Context, ms metricsByMilestoneStore, groupID int64, from, to string, maxMilestones int) (*store.MetricsReport, []*store.MilestoneMetrics, error) {
	// One more than max keeps every due milestone and the one in
	// progress, which comes last, when there are max due.
	rep, wins, err := ms.PlanningMetricsByMilestone(ctx, groupID, from, to, maxMilestones+1)
	if err != nil {
		return nil, nil, err
	}
	if n := len(rep.Velocity); n > maxMilestones {
		return nil, nil, cairn.Errorf(cairn.EINVALID,
			"the window %s to %s has %d milestones; a CSV export takes at most %d: choose a shorter window with from and to",
			rep.From, rep.To, n, maxMilestones)
	}
	return rep, wins, nil
}

// WriteMetricsCSV writes a metrics report and its milestones' own metrics
// (store.PlanningMetricsByMilestone) as GET …/planning_metrics.csv answers
// them, for `cairn metrics --csv`; the milestone in progress has no row.
// It returns the writer's error, or an error for a nil report.
func WriteMetricsCSV(w io.Writer, rep *store.MetricsReport, wins []*store.MilestoneMetrics) error {
	if rep == nil {
		return fmt.Errorf("write metrics csv: no report")
	}
	own := make([]planning.MilestoneWindow, 0, len(wins))
	for _, mw := range wins {
		if mw.Milestone != nil && !mw.InProgress {
			own = append(own, planning.MilestoneWindow{Milestone: planning.FromMilestone(mw.Milestone), Metrics: mw.Metrics})
		}
	}
	return planning.WriteMetricsCSV(w, rep.Metrics, own)
}

// writeCSV answers 200 with a CSV attachment. name must be a safe file
// name (planning.CSVFileName makes one).
func writeCSV(w http.ResponseWriter, name string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", planning.CSVContentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

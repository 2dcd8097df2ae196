package web

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/planning"
)

// The "Download CSV" links of the planning and metrics pages: the same
// exports as the API's plan.csv, capacity.csv and planning_metrics.csv,
// under the pages' addresses with the session's rights, so that a browser
// downloads them without a token. The columns are planning.WritePlanCSV's,
// WriteCapacityCSV's and WriteMetricsCSV's.

// csvIssueBatch is how many issues one confidentiality check loads (the
// store's bound on IssuesByIDs): a plan can leave thousands out.
const csvIssueBatch = 5000

// planningCSV serves GET /groups/{group}/-/planning/{milestone_id}/plan.csv:
// the plan as CSV, for any member; confidential issues a guest may not
// see have their title and labels hidden, as on the page.
func (w *Web) planningCSV(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, _, m, err := w.planningScope(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	pv, err := w.planner.Plan(ctx, s.Group.ID, m.ID)
	if err != nil {
		return err
	}
	in := planning.PlanCSV{Plan: pv.Plan, Issues: pv.Issues, Projects: pv.Projects, BaseURL: w.externalURL(r)}
	if in.Plan == nil {
		in.Plan = &planning.Plan{}
	}
	if in.Hidden, err = w.hiddenIssues(ctx, s, in.Plan); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := planning.WritePlanCSV(&buf, in); err != nil {
		return err
	}
	writeCSV(rw, planning.CSVFileName(s.Group.Path, m.Title, "plan"), buf.Bytes())
	return nil
}

// capacityCSV serves GET /groups/{group}/-/planning/{milestone_id}/capacity.csv:
// the capacity table as CSV, one row per member, for any member.
func (w *Web) capacityCSV(rw http.ResponseWriter, r *http.Request) error {
	s, _, m, err := w.planningScope(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	pv, err := w.planner.Plan(r.Context(), s.Group.ID, m.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := planning.WriteCapacityCSV(&buf, pv.Capacity, pv.Plan); err != nil {
		return err
	}
	writeCSV(rw, planning.CSVFileName(s.Group.Path, m.Title, "capacity"), buf.Bytes())
	return nil
}

// metricsCSV serves GET /groups/{group}/-/metrics.csv?from=&to=: the
// metrics of the page's window as CSV, one row per milestone due in it.
// A window with more than planning.MaxMetricsCSVMilestones of them is
// refused (400), as by the API.
func (w *Web) metricsCSV(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, to := strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	// One more than the bound keeps every due milestone and the one in
	// progress, which comes last, when there are as many as the bound.
	rep, wins, err := w.store.PlanningMetricsByMilestone(r.Context(), s.Group.ID, from, to, planning.MaxMetricsCSVMilestones+1)
	if err != nil {
		return err
	}
	if n := len(rep.Velocity); n > planning.MaxMetricsCSVMilestones {
		return cairn.Errorf(cairn.EINVALID, "The window %s to %s has %d milestones; a CSV export takes at most %d: choose a shorter window.",
			rep.From, rep.To, n, planning.MaxMetricsCSVMilestones)
	}
	own := make([]planning.MilestoneWindow, 0, len(wins))
	for _, mw := range wins {
		if mw.Milestone != nil && !mw.InProgress {
			own = append(own, planning.MilestoneWindow{Milestone: planning.FromMilestone(mw.Milestone), Metrics: mw.Metrics})
		}
	}
	var buf bytes.Buffer
	if err := planning.WriteMetricsCSV(&buf, rep.Metrics, own); err != nil {
		return err
	}
	writeCSV(rw, planning.CSVFileName(s.Group.Path, "planning-metrics", rep.From, "to", rep.To), buf.Bytes())
	return nil
}

// hiddenIssues returns what tells which of the plan's issues the user may
// not see: nil for reporters and up, who see all; for guests the placed
// issues are loaded in batches and the confidential ones they may not see
// are hidden (so are ids that do not load).
func (w *Web) hiddenIssues(ctx context.Context, s *teamScope, p *planning.Plan) (func(id int64) bool, error) {
	if s.User.IsAdmin || s.Level >= cairn.AccessReporter {
		return nil, nil
	}
	var ids []int64
	for _, list := range [][]planning.Entry{p.Deliverables, p.Stretch, p.LeftOut} {
		for _, e := range list {
			ids = append(ids, e.ID)
		}
	}
	sees := make(map[int64]bool, len(ids))
	for from := 0; from < len(ids); from += csvIssueBatch {
		batch := ids[from:min(from+csvIssueBatch, len(ids))]
		issues, err := w.store.IssuesByIDs(ctx, batch)
		if err != nil {
			return nil, err
		}
		for _, id := range batch {
			if is := issues[id]; is != nil && s.seesConfidential(is) {
				sees[id] = true
			}
		}
	}
	return func(id int64) bool { return !sees[id] }, nil
}

// externalURL is the server's address for the links in an export: the
// configured base URL, or the request's own.
func (w *Web) externalURL(r *http.Request) string {
	if w.baseURL != "" {
		return w.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// writeCSV answers 200 with a CSV attachment; name must be a safe file
// name (planning.CSVFileName makes one).
func writeCSV(rw http.ResponseWriter, name string, body []byte) {
	h := rw.Header()
	h.Set("Content-Type", planning.CSVContentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write(body)
}

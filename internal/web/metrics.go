package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// The metrics page draws the planning metrics of the API (GET
// /groups/:id/planning_metrics and …/milestones/:id/burndown) as charts:
// it calls the same store methods with the same windows, so every figure
// on it is one the API gives for that window, rounded for reading as
// docs/planning-rules.md says (hours one decimal, ratios two).

// maxMetricsMilestones bounds the milestones of the per-milestone charts
// (the latest of the window's).
const maxMetricsMilestones = 12

// metricsPage is the data of the metrics page.
type metricsPage struct {
	// From and To are the window shown; FormFrom and FormTo what the form
	// was sent with ("" for the default window).
	From, To         string
	FormFrom, FormTo string
	// Window is From–To in words.
	Window string
	// Milestones are the team's milestones that have a burndown (dated),
	// latest first, for the burndown's milestone choice.
	Milestones []*cairn.Milestone
	// Milestone is the burndown's milestone; nil when there is none.
	Milestone *cairn.Milestone
	Tiles     []metricTile
	// Charts are the charts in page order; nil when the window was bad.
	Burndown *chart
	Charts   []*chart
}

// metricTile is one headline figure of the window.
type metricTile struct {
	Label, Value, Detail string
}

// metrics serves GET /groups/{group}/-/metrics?from=&to=&milestone_id=:
// the planning metrics of the window (by default the 90 days to today)
// and the burndown of a milestone (by default the current one).
func (w *Web) metrics(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.team(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	data := metricsPage{FormFrom: strings.TrimSpace(q.Get("from")), FormTo: strings.TrimSpace(q.Get("to"))}
	page := &Page{Title: "Metrics · " + s.Group.Name, Section: "metrics", Group: s.Group, Data: &data}

	all, current, err := w.metricsMilestones(ctx, s.Group.ID)
	if err != nil {
		return err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if m := all[i]; m.StartDate != "" && m.DueDate != "" {
			data.Milestones = append(data.Milestones, m)
		}
	}
	if data.Milestone, err = burndownMilestone(q.Get("milestone_id"), data.Milestones, current); err != nil {
		return err
	}

	// The window's metrics (with its milestones') and the burndown are
	// independent reads.
	var rep *store.MetricsReport
	var wins []*store.MilestoneMetrics
	var days []planning.BurndownDay
	var repErr, bdErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		rep, wins, repErr = w.store.PlanningMetricsByMilestone(ctx, s.Group.ID, data.FormFrom, data.FormTo, maxMetricsMilestones)
	})
	if data.Milestone != nil {
		wg.Go(func() { days, bdErr = w.store.Burndown(ctx, s.Group.ID, data.Milestone.ID) })
	}
	wg.Wait()
	if cairn.ErrorCode(repErr) == cairn.EINVALID {
		page.Error = repErr.Error()
		w.render(rw, r, http.StatusBadRequest, "metrics.html", page)
		return nil
	}
	if err := errors.Join(repErr, bdErr); err != nil {
		return err
	}
	data.From, data.To = rep.From, rep.To
	data.Window = chartLongDate(rep.From) + " – " + chartLongDate(rep.To)
	if data.FormFrom == "" && data.FormTo == "" {
		data.FormFrom, data.FormTo = rep.From, rep.To
	}
	shown := rep.Metrics.Rounded()
	data.Tiles = metricTiles(&shown)
	data.Burndown = burndownChart(data.Milestone, days)
	data.Charts = []*chart{
		velocityChart(&shown),
		sayDoChart(&shown),
		refinementTimeChart(wins),
		cycleTimeChart(wins),
		refinedPerWeekChart(&shown),
		refinementVsDevChart(wins),
	}
	w.render(rw, r, http.StatusOK, "metrics.html", page)
	return nil
}

// metricsMilestones returns the team's milestones and the one in
// progress, as the planner sees them (without a planner, or for a team
// whose settings no longer load, none is in progress).
func (w *Web) metricsMilestones(ctx context.Context, groupID int64) ([]*cairn.Milestone, *cairn.Milestone, error) {
	if w.planner != nil {
		tm, err := w.planner.Milestones(ctx, groupID)
		if err == nil {
			return tm.All, tm.InProgress, nil
		}
		if cairn.ErrorCode(err) != cairn.EINVALID {
			return nil, nil, err
		}
	}
	all, err := w.store.GroupMilestones(ctx, groupID)
	return all, nil, err
}

// burndownMilestone returns the milestone named by the milestone_id
// parameter (ENOTFOUND unless it is one of the team's dated milestones),
// or by default the one in progress.
func burndownMilestone(param string, dated []*cairn.Milestone, current *cairn.Milestone) (*cairn.Milestone, error) {
	if param = strings.TrimSpace(param); param != "" {
		id, err := strconv.ParseInt(param, 10, 64)
		if err == nil {
			for _, m := range dated {
				if m.ID == id {
					return m, nil
				}
			}
		}
		return nil, cairn.NotFound("Milestone")
	}
	return current, nil
}

// metricHours writes hours as the screens show them: one decimal.
func metricHours(v float64) string {
	return strconv.FormatFloat(planning.Round1(v), 'f', 1, 64)
}

// metricRatio writes a say/do ratio with two decimals.
func metricRatio(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
}

// chartShortDate writes "2026-11-03" as "3 Nov".
func chartShortDate(d string) string {
	t, err := time.Parse(cairn.DateLayout, d)
	if err != nil {
		return d
	}
	return t.Format("2 Jan")
}

// chartLongDate writes "2026-11-03" as "3 Nov 2026".
func chartLongDate(d string) string {
	t, err := time.Parse(cairn.DateLayout, d)
	if err != nil {
		return d
	}
	return t.Format("2 Jan 2006")
}

func chartNaN() float64 { return math.NaN() }

func chartPtr(p *float64) float64 {
	if p == nil {
		return chartNaN()
	}
	return *p
}

// metricTiles are the window's headline figures.
func metricTiles(m *planning.Metrics) []metricTile {
	var out []metricTile
	t := metricTile{Label: "Average time in refinement", Value: "—", Detail: "no refinement ended in the window"}
	if m.AvgRefinementHours != nil {
		t.Value = metricHours(*m.AvgRefinementHours) + " h"
		t.Detail = plural(m.RefinementIntervals, "refinement interval") + " ended in the window"
	}
	out = append(out, t)
	p50 := metricTile{Label: "Cycle time p50", Value: "—", Detail: "no ready issue was closed in the window"}
	p85 := metricTile{Label: "Cycle time p85", Value: "—", Detail: p50.Detail}
	if c := m.CycleTimeHours; c.P50 != nil && c.P85 != nil {
		p50.Value, p85.Value = metricHours(*c.P50)+" h", metricHours(*c.P85)+" h"
		p50.Detail = "ready → closed, " + plural(c.Count, "issue") + " closed"
		p85.Detail = p50.Detail
	}
	out = append(out, p50, p85,
		metricTile{Label: "Hours in refinement", Value: metricHours(m.RefinementHours) + " h", Detail: "time issues spent in refinement"},
		metricTile{Label: "Hours in development", Value: metricHours(m.DevelopmentHours) + " h", Detail: "time in the labels after ready"})
	if n := len(m.Velocity); n > 0 {
		v := m.Velocity[n-1]
		out = append(out, metricTile{Label: "Velocity, " + v.Milestone, Value: strconv.Itoa(v.Weight), Detail: "weight delivered"})
	}
	if n := len(m.SayDo); n > 0 {
		sd := m.SayDo[n-1]
		t := metricTile{Label: "Say/do, " + sd.Milestone, Value: "—", Detail: "nothing committed at finalisation"}
		if sd.Ratio != nil {
			t.Value = metricRatio(*sd.Ratio)
			t.Detail = fmt.Sprintf("%d of %d Deliverables done", sd.Done, sd.Committed)
		}
		out = append(out, t)
	}
	return out
}

// burndownChart draws a milestone's burndown: the committed Deliverables'
// remaining weight against the ideal line, and the milestone's whole open
// weight (its scope).
func burndownChart(m *cairn.Milestone, days []planning.BurndownDay) *chart {
	c := &chart{ID: "burndown", Kind: chartLine, Title: "Burndown", CategoryName: "Day", YTitle: "weight", Integer: true, Wide: true,
		Empty: "No milestone is in progress, so there is no burndown. Pick a milestone above."}
	if m == nil {
		return c
	}
	c.Title = "Burndown of " + m.Title
	c.Desc = fmt.Sprintf("Weight still open at the end of each day from %s to %s: of the Deliverables committed at finalisation, against the ideal line, and of all the milestone's issues.",
		chartLongDate(m.StartDate), chartLongDate(m.DueDate))
	c.Empty = "The milestone has not started yet, so its burndown is empty."
	committed := chartSeries{Name: "Committed remaining", Style: 0}
	ideal := chartSeries{Name: "Ideal", Style: 1}
	scope := chartSeries{Name: "Scope remaining", Style: 2}
	planned := false
	for _, d := range days {
		c.Categories = append(c.Categories, d.Date)
		c.Ticks = append(c.Ticks, chartShortDate(d.Date))
		committed.Values = append(committed.Values, float64(d.CommittedRemaining))
		ideal.Values = append(ideal.Values, d.Ideal)
		ideal.Labels = append(ideal.Labels, strconv.FormatFloat(planning.Round1(d.Ideal), 'f', -1, 64))
		scope.Values = append(scope.Values, float64(d.ScopeRemaining))
		planned = planned || d.CommittedRemaining > 0 || d.Ideal > 0
	}
	// The axis runs to the due date, so that the lines show how much of
	// the milestone is left; the days to come have no values.
	if n := len(days); n > 0 {
		last, err1 := time.Parse(cairn.DateLayout, days[n-1].Date)
		due, err2 := time.Parse(cairn.DateLayout, m.DueDate)
		for d := last.AddDate(0, 0, 1); err1 == nil && err2 == nil && !d.After(due); d = d.AddDate(0, 0, 1) {
			date := d.Format(cairn.DateLayout)
			c.Categories = append(c.Categories, date)
			c.Ticks = append(c.Ticks, chartShortDate(date))
			committed.Values = append(committed.Values, chartNaN())
			ideal.Values, ideal.Labels = append(ideal.Values, chartNaN()), append(ideal.Labels, "")
			scope.Values = append(scope.Values, chartNaN())
		}
	}
	if !planned {
		// Without commitments the committed and ideal lines are flat at
		// 0: they stay in the table but are not drawn.
		committed.TableOnly, ideal.TableOnly = true, true
		if len(days) > 0 {
			c.Note = "No Deliverables were committed when this milestone's plan was finalised, so only its scope is drawn."
		}
	}
	c.Series = []chartSeries{committed, ideal, scope}
	return c
}

// velocityChart draws the weight delivered per milestone due in the
// window, with the carryover in its table.
func velocityChart(m *planning.Metrics) *chart {
	c := &chart{ID: "velocity", Kind: chartBar, Title: "Velocity", CategoryName: "Milestone", YTitle: "weight", Integer: true,
		Desc:  "Weight of the issues closed within each milestone's dates, per milestone due in the window; the table adds the carryover.",
		Empty: "No milestone with dates is due in this window, or none delivered any weight."}
	v := chartSeries{Name: "Weight delivered"}
	count := chartSeries{Name: "Carried over (issues)", TableOnly: true}
	weight := chartSeries{Name: "Carried over (weight)", TableOnly: true}
	carry := map[int64]planning.MilestoneCarryover{}
	for _, co := range m.Carryover {
		carry[co.MilestoneID] = co
	}
	for _, line := range m.Velocity {
		c.Categories = append(c.Categories, line.Milestone)
		v.Values = append(v.Values, float64(line.Weight))
		co, ok := carry[line.MilestoneID]
		if !ok {
			count.Values, weight.Values = append(count.Values, chartNaN()), append(weight.Values, chartNaN())
			continue
		}
		count.Values = append(count.Values, float64(co.Count))
		weight.Values = append(weight.Values, float64(co.Weight))
	}
	c.Series = []chartSeries{v, count, weight}
	return c
}

// sayDoChart draws, per milestone due in the window, the Deliverables
// committed and those done by the due date, with the ratio in its table.
func sayDoChart(m *planning.Metrics) *chart {
	c := &chart{ID: "say-do", Kind: chartBar, Title: "Say/do", CategoryName: "Milestone", YTitle: "Deliverables", Integer: true,
		Desc:  "Deliverables committed at finalisation (say) and those closed at the end of the due date (do), per milestone due in the window.",
		Empty: "No Deliverables were committed at finalisation in the milestones of this window, so there is no say/do ratio yet."}
	say := chartSeries{Name: "Committed", Style: 1}
	do := chartSeries{Name: "Done", Style: 0}
	r := chartSeries{Name: "Ratio", TableOnly: true}
	for _, sd := range m.SayDo {
		c.Categories = append(c.Categories, sd.Milestone)
		say.Values = append(say.Values, float64(sd.Committed))
		do.Values = append(do.Values, float64(sd.Done))
		if sd.Ratio == nil {
			r.Values, r.Labels = append(r.Values, chartNaN()), append(r.Labels, "—")
		} else {
			r.Values, r.Labels = append(r.Values, *sd.Ratio), append(r.Labels, metricRatio(*sd.Ratio))
		}
	}
	c.Series = []chartSeries{say, do, r}
	return c
}

// windowNote names the milestone in progress, whose figures run to the
// window's end.
func windowNote(wins []*store.MilestoneMetrics) string {
	for _, mw := range wins {
		if mw.InProgress {
			return fmt.Sprintf("%s is in progress: its figures run from %s to %s.", mw.Milestone.Title, chartLongDate(mw.From), chartLongDate(mw.To))
		}
	}
	return ""
}

func windowCategories(c *chart, wins []*store.MilestoneMetrics) {
	for _, mw := range wins {
		c.Categories = append(c.Categories, mw.Milestone.Title)
	}
	c.Note = windowNote(wins)
}

// refinementTimeChart draws the average time in refinement per milestone:
// the metrics of each milestone's own dates.
func refinementTimeChart(wins []*store.MilestoneMetrics) *chart {
	c := &chart{ID: "refinement-time", Kind: chartBar, Title: "Time in refinement", CategoryName: "Milestone", YTitle: "hours",
		Format: metricHours,
		Desc:   "Average length, in hours, of the refinement intervals that ended within each milestone's dates.",
		Empty:  "No refinement ended within these milestones' dates."}
	avg := chartSeries{Name: "Average hours in refinement"}
	n := chartSeries{Name: "Refinement intervals", TableOnly: true}
	for _, mw := range wins {
		m := mw.Metrics.Rounded()
		avg.Values = append(avg.Values, chartPtr(m.AvgRefinementHours))
		n.Values = append(n.Values, float64(m.RefinementIntervals))
		n.Labels = append(n.Labels, strconv.Itoa(m.RefinementIntervals))
	}
	windowCategories(c, wins)
	c.Series = []chartSeries{avg, n}
	return c
}

// cycleTimeChart draws the cycle time's p50 and p85 per milestone.
func cycleTimeChart(wins []*store.MilestoneMetrics) *chart {
	c := &chart{ID: "cycle-time", Kind: chartBar, Title: "Cycle time, ready → closed", CategoryName: "Milestone", YTitle: "hours",
		Format: metricHours,
		Desc:   "Hours from an issue's last ready label to its close, for the issues closed within each milestone's dates: the median (p50) and the 85th percentile (p85).",
		Empty:  "No issue that had been ready was closed within these milestones' dates."}
	p50 := chartSeries{Name: "p50", Style: 0}
	p85 := chartSeries{Name: "p85", Style: 1}
	n := chartSeries{Name: "Issues", TableOnly: true}
	for _, mw := range wins {
		m := mw.Metrics.Rounded()
		p50.Values = append(p50.Values, chartPtr(m.CycleTimeHours.P50))
		p85.Values = append(p85.Values, chartPtr(m.CycleTimeHours.P85))
		n.Values = append(n.Values, float64(m.CycleTimeHours.Count))
		n.Labels = append(n.Labels, strconv.Itoa(m.CycleTimeHours.Count))
	}
	windowCategories(c, wins)
	c.Series = []chartSeries{p50, p85, n}
	return c
}

// refinedPerWeekChart draws the issues refined per ISO week of the window.
func refinedPerWeekChart(m *planning.Metrics) *chart {
	c := &chart{ID: "refined-per-week", Kind: chartBar, Title: "Issues refined per week", CategoryName: "Week", YTitle: "issues", Integer: true,
		Desc:  "Issues that gained the ready label, per ISO week of the window.",
		Empty: "No issue was made ready in this window."}
	s := chartSeries{Name: "Issues refined"}
	for _, wc := range m.RefinedPerWeek {
		c.Categories = append(c.Categories, wc.Week)
		tick := wc.Week
		if i := strings.Index(tick, "-"); i >= 0 {
			tick = tick[i+1:]
		}
		c.Ticks = append(c.Ticks, tick)
		s.Values = append(s.Values, float64(wc.Count))
	}
	c.Series = []chartSeries{s}
	return c
}

// refinementVsDevChart draws, per milestone, the hours spent in
// refinement against those in development.
func refinementVsDevChart(wins []*store.MilestoneMetrics) *chart {
	c := &chart{ID: "refinement-vs-development", Kind: chartBar, Title: "Refinement vs development time", CategoryName: "Milestone", YTitle: "hours",
		Format: metricHours,
		Desc:   "Hours issues spent in refinement and in the workflow labels after ready (development), within each milestone's dates.",
		Empty:  "No issue was in refinement or development within these milestones' dates."}
	ref := chartSeries{Name: "Refinement", Style: 1}
	dev := chartSeries{Name: "Development", Style: 0}
	for _, mw := range wins {
		m := mw.Metrics.Rounded()
		ref.Values = append(ref.Values, m.RefinementHours)
		dev.Values = append(dev.Values, m.DevelopmentHours)
	}
	windowCategories(c, wins)
	c.Series = []chartSeries{ref, dev}
	return c
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/api"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// metrics runs `cairn metrics`: a team's planning metrics over a window,
// as tables, or as GET /groups/:id/planning_metrics answers them.
func (e *environment) metrics(ctx context.Context, args []string) error {
	f := e.newFlags("metrics", "metrics --group G [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json | --csv] [--db cairn.db]")
	db := f.dbFlag()
	group := f.FlagSet.String("group", "", "the team: a group path or id (required)")
	from := f.FlagSet.String("from", "", "first date of the window (default: 89 days before --to)")
	to := f.FlagSet.String("to", "", "last date of the window (default: today in the team's time zone)")
	asJSON := f.FlagSet.Bool("json", false, "print the JSON of GET /groups/:id/planning_metrics")
	asCSV := f.FlagSet.Bool("csv", false, "print CSV, one row per milestone due in the window, as GET /groups/:id/planning_metrics.csv answers it")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if *group == "" {
		fmt.Fprintln(e.stderr, "cairn metrics: --group is required")
		f.Usage()
		return errUsage
	}
	if *asJSON && *asCSV {
		fmt.Fprintln(e.stderr, "cairn metrics: --json and --csv print different things; choose one")
		return errUsage
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	g, err := metricsGroup(ctx, s, *group)
	if err != nil {
		return err
	}
	if *asCSV {
		// The command line reads its own database: no bound on the
		// milestones of the window, unlike the server.
		rep, wins, err := s.PlanningMetricsByMilestone(ctx, g.ID, *from, *to, 0)
		if err != nil {
			return err
		}
		return api.WriteMetricsCSV(e.stdout, rep, wins)
	}
	rep, err := s.PlanningMetrics(ctx, g.ID, *from, *to)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(api.RenderMetrics(rep))
	}
	st, err := s.GroupSettings(ctx, g.ID)
	if err != nil {
		return err
	}
	return printMetrics(e.stdout, g, st, rep)
}

// metricsGroup finds a group by path or id.
func metricsGroup(ctx context.Context, s *store.Store, ref string) (*cairn.Group, error) {
	var g *cairn.Group
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		g, err = s.GroupByID(ctx, id)
	} else {
		g, err = s.GroupByPath(ctx, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", ref, err)
	}
	return g, nil
}

// printMetrics writes the metrics as a person reads them: hours with one
// decimal, ratios with two (planning.Metrics.Rounded), "—" for a figure
// that has no value.
func printMetrics(w io.Writer, g *cairn.Group, st planning.Settings, rep *store.MetricsReport) error {
	m := rep.Rounded()
	hours := func(p *float64) string {
		if p == nil {
			return "—"
		}
		return planning.Format1(*p) + " h"
	}
	total := m.RefinementHours + m.DevelopmentHours
	share := "—"
	if total > 0 {
		share = fmt.Sprintf("%.0f%%", 100*rep.RefinementHours/(rep.RefinementHours+rep.DevelopmentHours))
	}
	fmt.Fprintf(w, "Planning metrics of %s, %s to %s (%s)\n\n", g.Path, rep.From, rep.To, st.TimeZone)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Average time in refinement\t%s\t(%s ended)\n", hours(m.AvgRefinementHours), count(m.RefinementIntervals, "refinement interval"))
	fmt.Fprintf(tw, "Time in refinement\t%s\t(the refinement label)\n", hours(&m.RefinementHours))
	fmt.Fprintf(tw, "Time in development\t%s\t(the workflow labels after ready)\n", hours(&m.DevelopmentHours))
	fmt.Fprintf(tw, "Refinement vs development\t%s\t(of the time in either)\n", share)
	fmt.Fprintf(tw, "Cycle time, ready → closed\tp50 %s, p85 %s\t(%s closed)\n", hours(m.CycleTimeHours.P50), hours(m.CycleTimeHours.P85), count(m.CycleTimeHours.Count, "issue"))
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nIssues refined per week")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WEEK\tREFINED")
	for _, wk := range m.RefinedPerWeek {
		fmt.Fprintf(tw, "%s\t%d\n", wk.Week, wk.Count)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nMilestones due in the window")
	if len(m.Velocity) == 0 {
		fmt.Fprintln(w, "none")
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MILESTONE\tVELOCITY\tCOMMITTED\tDONE\tSAY/DO\tCARRIED OVER\tWEIGHT CARRIED")
	for k := range m.Velocity {
		sd, co := m.SayDo[k], m.Carryover[k]
		ratio := "—"
		if sd.Ratio != nil {
			ratio = strconv.FormatFloat(*sd.Ratio, 'f', 2, 64)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d\n", m.Velocity[k].Milestone, m.Velocity[k].Weight, sd.Committed, sd.Done, ratio, co.Count, co.Weight)
	}
	return tw.Flush()
}

// count writes "1 issue", "2 issues".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/api"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// defaultBaseURL is the server address web_url fields name when neither
// --base-url nor CAIRN_BASE_URL says where Cairn runs.
const defaultBaseURL = "http://localhost:8080"

// plan runs `cairn plan` (capacity and plan of a milestone) and
// `cairn plan finalize`.
func (e *environment) plan(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "finalize" {
		return e.planFinalize(ctx, args[1:])
	}
	f := e.newFlags("plan", "plan --group G --milestone M [--json | --csv | --capacity-csv] [--db cairn.db] [--base-url URL]")
	db := f.dbFlag()
	group := f.FlagSet.String("group", "", "the team: a group path or id (required)")
	milestone := f.FlagSet.String("milestone", "", "the milestone to plan: its title or id (required)")
	asJSON := f.FlagSet.Bool("json", false, `print {"capacity":…,"plan":…} as the API answers them`)
	asCSV := f.FlagSet.Bool("csv", false, "print the plan as CSV, one row per issue, as GET …/plan.csv answers it")
	capacityCSV := f.FlagSet.Bool("capacity-csv", false, "print the capacity table as CSV, one row per member, as GET …/capacity.csv answers it")
	baseURL := f.String("base-url", defaultBaseURL, "external URL of the server, for web_url in --json and url in --csv")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if *group == "" || *milestone == "" {
		fmt.Fprintln(e.stderr, "cairn plan: --group and --milestone are required")
		f.Usage()
		return errUsage
	}
	if countTrue(*asJSON, *asCSV, *capacityCSV) > 1 {
		fmt.Fprintln(e.stderr, "cairn plan: --json, --csv and --capacity-csv print different things; choose one")
		return errUsage
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	g, m, err := findGroupMilestone(ctx, s, *group, *milestone)
	if err != nil {
		return err
	}
	p := planner.New(s, nil)
	if *asCSV || *capacityCSV {
		pv, err := p.Plan(ctx, g.ID, m.ID)
		if err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		return writePlanCSV(e.stdout, pv, strings.TrimRight(*baseURL, "/"), *capacityCSV)
	}
	cv, err := p.Capacity(ctx, g.ID, m.ID)
	if err != nil {
		return fmt.Errorf("capacity: %w", err)
	}
	pv, err := p.Plan(ctx, g.ID, m.ID)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if *asJSON {
		a := api.New(api.Config{Services: s, Planner: p})
		base := strings.TrimRight(*baseURL, "/")
		capJSON, err := a.RenderCapacity(ctx, base, cv)
		if err != nil {
			return err
		}
		planJSON, err := a.RenderPlan(ctx, base, pv)
		if err != nil {
			return err
		}
		return writeIndented(e.stdout, map[string]any{"capacity": capJSON, "plan": planJSON})
	}
	st, err := p.Settings(ctx, g.ID)
	if err != nil {
		return err
	}
	return printPlan(e.stdout, g, st, cv, pv, issueNamer(ctx, s, g.Path))
}

// planFinalize runs `cairn plan finalize`: the user must be allowed to
// finalise in the team (an engineering or product manager, an owner or an
// administrator), and is recorded as having done it.
func (e *environment) planFinalize(ctx context.Context, args []string) error {
	f := e.newFlags("plan finalize", "plan finalize --group G --milestone M --username U [--json] [--db cairn.db] [--base-url URL]")
	db := f.dbFlag()
	group := f.FlagSet.String("group", "", "the team: a group path or id (required)")
	milestone := f.FlagSet.String("milestone", "", "the milestone to finalise: its title or id (required)")
	username := f.FlagSet.String("username", "", "who finalises: an engineering or product manager, or an owner (required)")
	asJSON := f.FlagSet.Bool("json", false, "print the answer of POST …/plan/finalize")
	baseURL := f.String("base-url", defaultBaseURL, "external URL of the server, for web_url")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if *group == "" || *milestone == "" || *username == "" {
		fmt.Fprintln(e.stderr, "cairn plan finalize: --group, --milestone and --username are required")
		f.Usage()
		return errUsage
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	g, m, err := findGroupMilestone(ctx, s, *group, *milestone)
	if err != nil {
		return err
	}
	ctx, u, err := asUser(ctx, s, *username)
	if err != nil {
		return err
	}
	member, err := s.Member(ctx, g.ID, u.ID)
	if err != nil && cairn.ErrorCode(err) != cairn.ENOTFOUND {
		return err
	}
	if !api.CanManagePlanning(u, member) {
		return fmt.Errorf("%s may not finalise %s's plans: only engineering managers, product managers, owners and administrators can", u.Username, g.Path)
	}
	p := planner.New(s, nil)
	res, err := p.Finalize(ctx, g.ID, m.ID)
	if err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	// Finalising queues planning issue refreshes; write them before the
	// process ends.
	if err := p.Flush(ctx); err != nil {
		return fmt.Errorf("refresh planning issues: %w", err)
	}
	if *asJSON {
		a := api.New(api.Config{Services: s, Planner: p})
		j, err := a.RenderFinalize(ctx, strings.TrimRight(*baseURL, "/"), res)
		if err != nil {
			return err
		}
		return writeIndented(e.stdout, j)
	}
	name := issueNamer(ctx, s, "")
	w := e.stdout
	if res.AlreadyFinalized {
		when := ""
		if res.Plan != nil && res.Plan.FinalizedAt != nil {
			when = " on " + res.Plan.FinalizedAt.In(s.Location).Format(cairn.DateLayout)
		}
		fmt.Fprintf(w, "%s was already finalised%s; nothing changed.\n", m.Title, when)
		return nil
	}
	fmt.Fprintf(w, "Finalised %s for %s.\n", m.Title, g.Path)
	if res.Plan != nil && res.Plan.Plan != nil {
		pl := res.Plan.Plan
		fmt.Fprintf(w, "Committed %d Deliverables (weight %d) and %d Stretch (weight %d) of a team capacity of %s.\n",
			len(pl.Deliverables), pl.PlannedWeight, len(pl.Stretch), pl.StretchWeight, planning.Format1(pl.TeamCapacity))
	}
	if res.Plan != nil && res.Plan.PlanningIssue != nil {
		fmt.Fprintf(w, "Planning issue: %s (%s)\n", name(res.Plan.PlanningIssue), res.Plan.PlanningIssue.State)
	}
	if i := res.NextPlanningIssue; i != nil {
		fmt.Fprintf(w, "Next planning issue: %s, due %s\n", name(i), orNone(i.DueDate))
	}
	if i := res.Retrospective; i != nil {
		fmt.Fprintf(w, "Retrospective: %s, due %s\n", name(i), orNone(i.DueDate))
	}
	return nil
}

// findGroupMilestone resolves --group (path or id) and --milestone (title
// or id of one of the group's own milestones).
func findGroupMilestone(ctx context.Context, s *store.Store, group, milestone string) (*cairn.Group, *cairn.Milestone, error) {
	var g *cairn.Group
	var err error
	if id, perr := strconv.ParseInt(group, 10, 64); perr == nil {
		g, err = s.GroupByID(ctx, id)
	} else {
		g, err = s.GroupByPath(ctx, group)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("group %s: %w", group, err)
	}
	ms, _, err := s.ListGroupMilestones(ctx, g.ID, cairn.MilestoneFilter{Title: milestone, Page: cairn.Page{PerPage: 2}})
	if err != nil {
		return nil, nil, fmt.Errorf("milestone %s: %w", milestone, err)
	}
	for _, m := range ms {
		if m.Title == milestone && m.GroupID != nil && *m.GroupID == g.ID {
			return g, m, nil
		}
	}
	if id, perr := strconv.ParseInt(milestone, 10, 64); perr == nil {
		m, err := s.MilestoneByID(ctx, id)
		if err == nil && m.GroupID != nil && *m.GroupID == g.ID {
			return g, m, nil
		}
	}
	return nil, nil, fmt.Errorf("milestone %q: not a milestone of group %s", milestone, g.Path)
}

// issueNamer returns a function that names an issue "group/project#iid",
// or "project#iid" in the group of that path, as the tables show it.
func issueNamer(ctx context.Context, s *store.Store, group string) func(*cairn.Issue) string {
	paths := map[int64]string{}
	return func(i *cairn.Issue) string {
		path, ok := paths[i.ProjectID]
		if !ok {
			path = strconv.FormatInt(i.ProjectID, 10)
			if p, err := s.ProjectByID(ctx, i.ProjectID); err == nil {
				path = p.FullPath()
				if group != "" {
					path = strings.TrimPrefix(path, group+"/")
				}
			}
			paths[i.ProjectID] = path
		}
		return path + "#" + strconv.FormatInt(i.IID, 10)
	}
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// printPlan writes the capacity and the plan of a milestone as tables a
// person can check by hand, with figures rounded as the planning issue
// shows them: one decimal for days and capacity, two for velocity.
func printPlan(w io.Writer, g *cairn.Group, st planning.Settings, cv *planner.CapacityView, pv *planner.PlanView, name func(*cairn.Issue) string) error {
	m := pv.Milestone
	if m == nil {
		m = cv.Milestone
	}
	rep := cv.CapacityReport
	pl := pv.Plan
	if rep == nil || pl == nil {
		return fmt.Errorf("the planner returned no capacity or plan for %s", m.Title)
	}
	state := "proposed"
	if pv.Finalized {
		state = "finalised"
	}
	fmt.Fprintf(w, "%s · %s (%s to %s) · %s plan\n\n", g.Path, m.Title, orNone(m.StartDate), orNone(m.DueDate), state)

	fmt.Fprintf(w, "Capacity: %d working days", rep.WorkingDays)
	if len(st.Holidays) > 0 {
		fmt.Fprintf(w, " (holidays: %s)", strings.Join(st.Holidays, ", "))
	}
	fmt.Fprintf(w, "; focus %s of a day after %s refinement and %s other work\n",
		formatShare(1-st.RefinementShare-st.OtherShare), formatShare(st.RefinementShare), formatShare(st.OtherShare))
	if len(rep.VelocityMilestones) > 0 {
		var ws []string
		for _, wm := range rep.VelocityMilestones {
			ws = append(ws, fmt.Sprintf("%s (%d days)", wm.Title, wm.WorkingDays))
		}
		fmt.Fprintf(w, "Velocity window: %s\n", strings.Join(ws, ", "))
	} else {
		fmt.Fprintf(w, "Velocity window: no finished milestones yet\n")
	}
	fmt.Fprintf(w, "Team velocity: %s weight per dev day (%s)\n\n", formatRate(rep.TeamVelocity), rep.TeamVelocitySource)

	rows := [][]string{{"member", "role", "factor", "time off", "available", "dev days", "velocity", "source", "capacity"}}
	for _, mc := range rep.Members {
		rows = append(rows, []string{mc.Username, mc.PlanningRole,
			strconv.FormatFloat(mc.CapacityFactor, 'f', -1, 64), planning.Format1(mc.TimeOffDays),
			planning.Format1(mc.AvailableDays), planning.Format1(mc.DevDays), formatRate(mc.Velocity), mc.VelocitySource,
			planning.Format1(mc.Capacity)})
	}
	rows = append(rows, []string{"team", "", "", "", "", "", "", "", planning.Format1(rep.TeamCapacity)})
	if err := writeTable(w, rows, []bool{false, false, true, true, true, true, true, false, true}); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nPlan: team capacity %s, planned %d (%s left); stretch budget %s, stretch %d (%s left)\n",
		planning.Format1(pl.TeamCapacity), pl.PlannedWeight, planning.Format1(pl.RemainingCapacity),
		planning.Format1(pl.StretchBudget), pl.StretchWeight, planning.Format1(pl.RemainingStretch))

	entryName := func(e planning.Entry) string {
		if i := pv.Issues[e.ID]; i != nil {
			return name(i)
		}
		return strconv.FormatInt(e.ProjectID, 10) + "#" + strconv.FormatInt(e.IID, 10)
	}
	section := func(title string, es []planning.Entry, withReason bool) error {
		total := 0
		for _, e := range es {
			if e.Weight != nil {
				total += *e.Weight
			}
		}
		fmt.Fprintf(w, "\n%s: %d issues, weight %d\n", title, len(es), total)
		if len(es) == 0 {
			return nil
		}
		head := []string{"issue", "weight", "assignees", "priority", "title", "flags"}
		if withReason {
			head = append(head, "reason")
		}
		rows := [][]string{head}
		for _, e := range es {
			weight := "-"
			if e.Weight != nil {
				weight = strconv.Itoa(*e.Weight)
			}
			var as []string
			for _, a := range e.Assignees {
				as = append(as, "@"+a.Username)
			}
			row := []string{entryName(e), weight, orDash(strings.Join(as, " ")),
				e.Priority, shorten(e.Title, 48), orDash(strings.Join(e.Flags, "; "))}
			if withReason {
				reason := e.Reason
				if e.Detail != "" {
					reason += ": " + e.Detail
				}
				row = append(row, orDash(reason))
			}
			rows = append(rows, row)
		}
		return writeTable(w, rows, []bool{false, true})
	}
	for _, sec := range []struct {
		title  string
		es     []planning.Entry
		reason bool
	}{
		{"Carryover", pl.Carryover, false},
		{"Deliverables", pl.Deliverables, false},
		{"Stretch", pl.Stretch, true},
		{"Left out", pl.LeftOut, true},
		{"Refinement gaps", pl.RefinementGaps, true},
	} {
		if err := section(sec.title, sec.es, sec.reason); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nParking lot: %d proposals\n", len(pv.ParkingLot))
	for _, e := range pv.ParkingLot {
		what := e.Title
		if e.Issue != nil {
			what = name(e.Issue) + " " + e.Issue.Title
		}
		by := ""
		if e.Author != nil {
			by = " (@" + e.Author.Username + ")"
		}
		fmt.Fprintf(w, "  %s%s: %s\n", shorten(what, 60), by, e.Reason)
	}
	if i := pv.PlanningIssue; i != nil {
		fmt.Fprintf(w, "\nPlanning issue: %s (%s), due %s\n", name(i), i.State, orNone(i.DueDate))
	} else {
		fmt.Fprintf(w, "\nPlanning issue: none yet\n")
	}
	return nil
}

// writeTable writes rows as columns two spaces apart, padded to the widest
// cell; right[i] right-aligns column i (figures). The last column is not
// padded, so lines carry no trailing spaces.
func writeTable(w io.Writer, rows [][]string, right []bool) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		line := make([]string, len(r))
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case i < len(right) && right[i]:
				line[i] = pad + c
			case i == len(r)-1:
				line[i] = c
			default:
				line[i] = c + pad
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(line, "  "), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func formatShare(x float64) string {
	return strconv.FormatFloat(planning.Round1(x*1000)/10, 'f', -1, 64) + "%"
}

// formatRate shows a velocity, a rate well below 1, as the planning issue
// does: up to two decimals, without trailing zeros (0.57, 0.5).
func formatRate(x float64) string {
	r := math.Round(x*100) / 100
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shorten cuts s to n characters with an ellipsis, for table columns.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

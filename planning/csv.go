package planning

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
)

// This file writes the CSV exports of a plan, of a capacity report and of
// the planning metrics, for people who work in spreadsheets. The writers
// are pure: they write to an io.Writer and nothing else. The format, the
// same for every export:
//
//   - RFC 4180: comma-separated, CRLF line ends, fields quoted only when
//     they need it (encoding/csv);
//   - UTF-8 without a byte order mark: Google Sheets, LibreOffice, Numbers
//     and Excel's Data → From Text/CSV read it as UTF-8, and a BOM would
//     end up in the first header of every script that reads the file
//     (pandas, csvkit, cut); only a double-click in Excel on Windows
//     guesses the ANSI code page, which is what the import dialog is for;
//   - a header row always, also when there are no data rows;
//   - dates as YYYY-MM-DD; numbers with '.' as the decimal point, no
//     thousands separators and no exponent, unrounded as the JSON API
//     gives them (floating-point noise removed); an absent figure (an
//     issue without a weight, a ratio with nothing committed) is an empty
//     cell; booleans are true and false;
//   - text that a spreadsheet would run as a formula — a cell starting
//     with =, +, -, @, a tab or a carriage return — starts with an
//     apostrophe instead ("'=HYPERLINK(…)"): issue titles, labels and
//     usernames are typed by anyone. Numbers Cairn writes itself, negative
//     ones included, are never changed.

// CSVContentType is the media type the exports are served with.
const CSVContentType = "text/csv; charset=utf-8"

// HiddenTitle replaces the title of an issue the reader may not see (a
// confidential one, for a guest), as the plan API does.
const HiddenTitle = "Confidential issue"

// MaxMetricsCSVMilestones bounds the milestones of one metrics export on
// the server: each row computes the metrics of its milestone's own dates,
// so a window of decades would take one computation per milestone.
const MaxMetricsCSVMilestones = 120

// PlanCSVHeader is the header row of WritePlanCSV.
var PlanCSVHeader = []string{
	"rank", "placement", "reference", "title", "weight", "cumulative_weight", "priority",
	"assignees", "labels", "carryover", "flags", "reason", "detail", "url",
}

// CapacityCSVHeader is the header row of WriteCapacityCSV.
var CapacityCSVHeader = []string{
	"username", "planning_role", "capacity_factor", "working_days", "time_off_days", "available_days", "focus",
	"dev_days", "velocity", "velocity_source", "history_milestones", "history_delivered", "history_dev_days",
	"capacity", "planned", "remaining",
}

// MetricsCSVHeader is the header row of WriteMetricsCSV.
var MetricsCSVHeader = []string{
	"milestone_id", "milestone", "start_date", "due_date",
	"velocity", "say_do_committed", "say_do_done", "say_do_ratio", "carryover_count", "carryover_weight",
	"avg_refinement_hours", "refinement_intervals", "refinement_hours", "development_hours", "issues_refined",
	"cycle_time_count", "cycle_time_p50_hours", "cycle_time_p85_hours",
}

// PlanCSV is what WritePlanCSV writes: the plan, and what the export shows
// of its issues beyond the plan's entries.
type PlanCSV struct {
	Plan *Plan
	// Issues are the plan's issues by global id, for their labels
	// (planner.PlanView.Issues); an entry whose issue is missing has none.
	Issues map[int64]*cairn.Issue
	// Projects are the team's projects by id, for references
	// ("group/project#12") and URLs; an entry whose project is missing is
	// "#12" without a URL.
	Projects map[int64]*cairn.Project
	// BaseURL is the server's external URL without a trailing slash, for
	// the url column; "" leaves it empty.
	BaseURL string
	// Hidden reports whether the reader may not see an issue: its title
	// becomes HiddenTitle and its labels are left out, as in the plan API
	// (its weight still counts, so the totals add up). nil hides nothing.
	Hidden func(id int64) bool
}

// WritePlanCSV writes a plan as CSV (PlanCSVHeader): one row per issue
// placed by the selection — the Deliverables, then Stretch, then what was
// left out, each in the order the selection walked them. rank is the row's
// position in that order, from 1. cumulative_weight runs within a
// placement and is empty for left-out issues: at the last Deliverable it
// is the planned weight, to compare with the team capacity; at the last
// Stretch issue the stretch weight, to compare with the stretch budget.
// carryover is true for an open issue of the current milestone (also
// flagged "carryover"); flags, reason and detail are the plan's. Carried
// over issues appear once, where they were placed; refinement gaps are not
// placed and are not listed. It returns the writer's error, or an error
// for a nil plan.
func WritePlanCSV(w io.Writer, in PlanCSV) error {
	if in.Plan == nil {
		return fmt.Errorf("write plan csv: no plan")
	}
	cw := newCSVWriter(w)
	if err := cw.Write(PlanCSVHeader); err != nil {
		return fmt.Errorf("write plan csv: %w", err)
	}
	rank := 0
	for _, list := range [][]Entry{in.Plan.Deliverables, in.Plan.Stretch, in.Plan.LeftOut} {
		cumulative := 0
		for _, e := range list {
			rank++
			row := in.planRow(e, rank, &cumulative)
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write plan csv: %w", err)
			}
		}
	}
	return flushCSV(cw, "plan")
}

func (in *PlanCSV) planRow(e Entry, rank int, cumulative *int) []string {
	hidden := in.Hidden != nil && in.Hidden(e.ID)
	iid := strconv.FormatInt(e.IID, 10)
	ref, url := "#"+iid, ""
	if p := in.Projects[e.ProjectID]; p != nil {
		ref = p.FullPath() + "#" + iid
		if in.BaseURL != "" {
			url = in.BaseURL + "/" + p.FullPath() + "/-/issues/" + iid
		}
	}
	title := e.Title
	var labels []string
	if hidden {
		title = HiddenTitle
	} else if is := in.Issues[e.ID]; is != nil {
		labels = is.LabelNames()
	}
	weight, cum := "", ""
	if e.Weight != nil {
		weight = strconv.Itoa(*e.Weight)
		if e.Placement != PlacementLeftOut {
			*cumulative += *e.Weight
		}
	}
	if e.Placement != PlacementLeftOut {
		cum = strconv.Itoa(*cumulative)
	}
	assignees := make([]string, len(e.Assignees))
	for i, a := range e.Assignees {
		assignees[i] = a.Username
	}
	return []string{
		strconv.Itoa(rank), CSVText(e.Placement), CSVText(ref), CSVText(title), weight, cum, CSVText(e.Priority),
		CSVText(strings.Join(assignees, ", ")), CSVText(strings.Join(labels, ", ")),
		strconv.FormatBool(hasFlag(e, FlagCarryover)), CSVText(strings.Join(e.Flags, "; ")),
		CSVText(e.Reason), CSVText(e.Detail), CSVText(url),
	}
}

// WriteCapacityCSV writes a capacity report as CSV (CapacityCSVHeader): one
// row per member, in the report's order, with the figures of the capacity
// API and the milestone's working days on every row. planned and
// remaining come from the plan's member load (the Deliverables' shares);
// with a nil plan they are empty. The team's capacity is the sum of the
// capacity column. It returns the writer's error, or an error for a nil
// report.
func WriteCapacityCSV(w io.Writer, c *CapacityReport, p *Plan) error {
	if c == nil {
		return fmt.Errorf("write capacity csv: no capacity report")
	}
	load := map[int64]MemberLoad{}
	if p != nil {
		for _, l := range p.MemberLoad {
			load[l.UserID] = l
		}
	}
	cw := newCSVWriter(w)
	if err := cw.Write(CapacityCSVHeader); err != nil {
		return fmt.Errorf("write capacity csv: %w", err)
	}
	for _, m := range c.Members {
		planned, remaining := "", ""
		if l, ok := load[m.UserID]; ok {
			planned, remaining = csvNum(l.Planned), csvNum(l.Remaining)
		}
		row := []string{
			CSVText(m.Username), CSVText(m.PlanningRole), csvNum(m.CapacityFactor), strconv.Itoa(c.WorkingDays),
			csvNum(m.TimeOffDays), csvNum(m.AvailableDays), csvNum(m.Focus), csvNum(m.DevDays), csvNum(m.Velocity),
			CSVText(m.VelocitySource), strconv.Itoa(m.HistoryMilestones), csvNum(m.HistoryDelivered), csvNum(m.HistoryDevDays),
			csvNum(m.Capacity), planned, remaining,
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write capacity csv: %w", err)
		}
	}
	return flushCSV(cw, "capacity")
}

// MilestoneWindow is a milestone with the metrics of its own dates, start
// to due (store.PlanningMetricsByMilestone computes them).
type MilestoneWindow struct {
	Milestone Milestone
	Metrics   *Metrics
}

// WriteMetricsCSV writes the planning metrics as CSV (MetricsCSVHeader):
// one row per milestone due in the window, in the order of window's
// velocity lines (by due date), as the metrics API lists them.
//
// velocity, say_do_* and carryover_* are the window's figures for the
// milestone, exactly the API's. The flow metrics — avg_refinement_hours,
// refinement_intervals, refinement_hours, development_hours,
// issues_refined (the sum of refined_per_week over the milestone's
// weeks: an issue made ready again in another week counts again) and
// cycle_time_* — are those of the milestone's own dates, from milestones;
// a milestone missing there has them empty, and so are its dates. The
// window-wide flow figures and the week-by-week series are only in the
// JSON. A nil figure (no refinement ended, nothing committed, no cycle)
// is an empty cell. It returns the writer's error, or an error for nil
// metrics.
func WriteMetricsCSV(w io.Writer, window *Metrics, milestones []MilestoneWindow) error {
	if window == nil {
		return fmt.Errorf("write metrics csv: no metrics")
	}
	own := make(map[int64]MilestoneWindow, len(milestones))
	for _, mw := range milestones {
		own[mw.Milestone.ID] = mw
	}
	sayDo := make(map[int64]SayDo, len(window.SayDo))
	for _, sd := range window.SayDo {
		sayDo[sd.MilestoneID] = sd
	}
	carry := make(map[int64]MilestoneCarryover, len(window.Carryover))
	for _, co := range window.Carryover {
		carry[co.MilestoneID] = co
	}
	cw := newCSVWriter(w)
	if err := cw.Write(MetricsCSVHeader); err != nil {
		return fmt.Errorf("write metrics csv: %w", err)
	}
	for _, v := range window.Velocity {
		mw, ok := own[v.MilestoneID]
		start, due := "", ""
		if ok {
			start, due = mw.Milestone.StartDate, mw.Milestone.DueDate
		}
		row := []string{strconv.FormatInt(v.MilestoneID, 10), CSVText(v.Milestone), CSVText(start), CSVText(due), strconv.Itoa(v.Weight)}
		if sd, ok := sayDo[v.MilestoneID]; ok {
			row = append(row, strconv.Itoa(sd.Committed), strconv.Itoa(sd.Done), csvNumPtr(sd.Ratio))
		} else {
			row = append(row, "", "", "")
		}
		if co, ok := carry[v.MilestoneID]; ok {
			row = append(row, strconv.Itoa(co.Count), strconv.Itoa(co.Weight))
		} else {
			row = append(row, "", "")
		}
		if m := mw.Metrics; ok && m != nil {
			refined := 0
			for _, wc := range m.RefinedPerWeek {
				refined += wc.Count
			}
			row = append(row, csvNumPtr(m.AvgRefinementHours), strconv.Itoa(m.RefinementIntervals), csvNum(m.RefinementHours),
				csvNum(m.DevelopmentHours), strconv.Itoa(refined), strconv.Itoa(m.CycleTimeHours.Count),
				csvNumPtr(m.CycleTimeHours.P50), csvNumPtr(m.CycleTimeHours.P85))
		} else {
			row = append(row, "", "", "", "", "", "", "", "")
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write metrics csv: %w", err)
		}
	}
	return flushCSV(cw, "metrics")
}

// CSVText returns s as a CSV cell that no spreadsheet runs as a formula:
// text starting with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets show as text and do not evaluate (the
// OWASP advice on CSV injection). Other text is unchanged. Only text goes
// through it: numbers Cairn formats itself stay numbers.
func CSVText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSVFileName joins parts with "-" into a file name ending in ".csv" that
// is safe in a Content-Disposition header and on any file system: every
// character but ASCII letters, digits, '.', '_' and '-' becomes '-', runs
// of '-' become one, and a part loses its leading and trailing '-' and '.'
// (no hidden files, no ".."). Empty parts are skipped; with none left it
// is "export.csv". The name before ".csv" is at most 120 bytes.
func CSVFileName(parts ...string) string {
	var kept []string
	for _, p := range parts {
		var b strings.Builder
		for _, r := range p {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_':
				b.WriteRune(r)
			default:
				if s := b.String(); s != "" && s[len(s)-1] != '-' {
					b.WriteByte('-')
				}
			}
		}
		if s := strings.Trim(b.String(), "-."); s != "" {
			kept = append(kept, s)
		}
	}
	name := strings.Join(kept, "-")
	if len(name) > 120 {
		name = strings.TrimRight(name[:120], "-.")
	}
	if name == "" {
		name = "export"
	}
	return name + ".csv"
}

func newCSVWriter(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return cw
}

func flushCSV(cw *csv.Writer, what string) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s csv: %w", what, err)
	}
	return nil
}

// csvNum formats a figure: shortest decimal that reads back as the same
// float, never an exponent, no "-0"; NaN and infinities, which no figure
// should be, are an empty cell rather than a word a spreadsheet misreads.
func csvNum(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	if x == 0 {
		x = 0 // -0 → 0
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

func csvNumPtr(p *float64) string {
	if p == nil {
		return ""
	}
	return csvNum(*p)
}

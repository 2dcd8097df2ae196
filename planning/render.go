package planning

import (
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

// This file renders the markdown of the planning process's issues: the
// milestone planning issue (a checklist the manager ticks, then generated
// sections between markers), the retrospective and the time-off coverage
// issue. Rendering is pure: the same input gives the same text, so a
// refresh that changes nothing writes nothing.
//
// Everything people typed (issue titles, reasons, notes) is shown as plain
// text: markdown and HTML characters are escaped, and line breaks inside a
// table cell become spaces.

// Generated sections of a planning issue, in the order they appear. Each
// is wrapped in "<!-- cairn:NAME -->" … "<!-- /cairn:NAME -->".
const (
	SectionCapacity   = "capacity"
	SectionCarryover  = "carryover"
	SectionWork       = "milestone-work"
	SectionLeftOut    = "left-out"
	SectionParkingLot = "parking-lot"
	SectionGaps       = "refinement-gaps"
	SectionSplitting  = "consider-splitting"
)

// Sections lists the generated sections in order.
var Sections = []string{SectionCapacity, SectionCarryover, SectionWork, SectionLeftOut, SectionParkingLot, SectionGaps, SectionSplitting}

// MaxListedRows bounds the rows of a long table in the planning issue (left
// out, refinement gaps): a backlog of thousands would make the issue
// unreadable. The full lists are in the plan API and `cairn plan`.
const MaxListedRows = 50

// PlanningTitle is the title of a milestone's planning issue.
func PlanningTitle(milestoneTitle string) string { return "Milestone Planning: " + milestoneTitle }

// RetrospectiveTitle is the title of a milestone's retrospective.
func RetrospectiveTitle(milestoneTitle string) string { return "Retrospective: " + milestoneTitle }

// PlanningDoc is what a planning issue shows.
type PlanningDoc struct {
	Settings  Settings
	Milestone Milestone
	Capacity  *CapacityReport
	Plan      *Plan
	// ParkingLot are the proposals for the milestone, oldest first.
	ParkingLot []*cairn.ParkingLotEntry
	// Refs maps an issue's global id to its reference, "group/project#12".
	Refs map[int64]string
	// FinalizedOn is the date the plan was finalised, "" while it is not.
	FinalizedOn string
}

// ref returns the reference of an issue, or "#iid" when it is unknown.
func (d *PlanningDoc) ref(id, iid int64) string {
	if r, ok := d.Refs[id]; ok && r != "" {
		return r
	}
	return fmt.Sprintf("#%d", iid)
}

// RenderPlanningIssue returns the whole description of a new planning
// issue: an introduction, the planning checklist of the seeds and the
// generated sections.
func RenderPlanningIssue(d PlanningDoc) (string, error) {
	finalizeBy, err := d.Settings.FinalizeBy(d.Milestone.StartDate)
	if err != nil {
		return "", fmt.Errorf("planning issue of %q: %w", d.Milestone.Title, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Planning of milestone **%s** (%s to %s). Planning is final by **%s**, %s before the milestone starts; "+
		"then this issue is closed and the next milestone's planning issue is opened.\n\n",
		Text(d.Milestone.Title), d.Milestone.StartDate, d.Milestone.DueDate, finalizeBy, plural(d.Settings.FinalizeLeadDays, "day", "days"))
	b.WriteString("This issue is the single source of truth for the milestone's planning: propose work for the Parking Lot " +
		"with a reason, and agree each engineer's workload in a thread. Cairn keeps the sections between `cairn:` markers " +
		"current as issues, weights, labels and time off change; write anywhere outside them.\n\n")
	b.WriteString("### Planning Checklist\n\n")
	for _, item := range checklist(d.Settings) {
		b.WriteString("- [ ] " + item + "\n")
	}
	b.WriteString("\n")
	b.WriteString(RenderGenerated(d))
	return b.String(), nil
}

// checklist is the engineering manager's planning checklist (seed 001).
func checklist(s Settings) []string {
	return []string{
		"Capacity reviewed: time off entered and each engineer's capacity checked with them",
		"Carryover from the current milestone added to the Milestone Work table and re-weighted",
		"Parking Lot discussed with the team",
		"Refinement gaps assigned to be refined",
		"Workload agreed with each engineer in a thread",
		fmt.Sprintf("Planning finalised at least %s before the milestone starts", plural(s.FinalizeLeadDays, "day", "days")),
	}
}

// RenderGenerated returns the generated sections, each between its markers,
// separated by blank lines.
func RenderGenerated(d PlanningDoc) string {
	var b strings.Builder
	for i, name := range Sections {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(wrapSection(name, renderSection(&d, name)))
	}
	return b.String()
}

func startMarker(name string) string { return "<!-- cairn:" + name + " -->" }
func endMarker(name string) string   { return "<!-- /cairn:" + name + " -->" }

func wrapSection(name, body string) string {
	return startMarker(name) + "\n" + strings.TrimRight(body, "\n") + "\n" + endMarker(name) + "\n"
}

func renderSection(d *PlanningDoc, name string) string {
	var b strings.Builder
	switch name {
	case SectionCapacity:
		renderCapacity(&b, d)
	case SectionCarryover:
		renderCarryover(&b, d)
	case SectionWork:
		renderWork(&b, d)
	case SectionLeftOut:
		renderLeftOut(&b, d)
	case SectionParkingLot:
		renderParkingLot(&b, d)
	case SectionGaps:
		renderGaps(&b, d)
	case SectionSplitting:
		renderSplitting(&b, d)
	}
	return b.String()
}

func renderCapacity(b *strings.Builder, d *PlanningDoc) {
	b.WriteString("### Capacity\n\n")
	c := d.Capacity
	if c == nil {
		b.WriteString("_No capacity yet._\n")
		return
	}
	s := d.Settings
	fmt.Fprintf(b, "Working days: **%d** (%s to %s, Monday to Friday, without team holidays). "+
		"Development days are available days × capacity factor × %s (%s refinement, %s other work).\n\n",
		c.WorkingDays, d.Milestone.StartDate, d.Milestone.DueDate, percent(1-s.RefinementShare-s.OtherShare),
		percent(s.RefinementShare), percent(s.OtherShare))
	if len(c.VelocityMilestones) > 0 {
		titles := make([]string, len(c.VelocityMilestones))
		for i, m := range c.VelocityMilestones {
			titles[i] = fmt.Sprintf("%s (%d working days)", Text(m.Title), m.WorkingDays)
		}
		fmt.Fprintf(b, "Velocity (weight per development day) comes from %s. ", strings.Join(titles, ", "))
	} else {
		b.WriteString("There is no finished milestone to measure velocity on yet. ")
	}
	switch c.TeamVelocitySource {
	case SourceDefault:
		fmt.Fprintf(b, "Team velocity: **%s**, the default velocity.\n\n", formatNum(c.TeamVelocity))
	default:
		fmt.Fprintf(b, "Team velocity: **%s**.\n\n", formatNum(c.TeamVelocity))
	}
	b.WriteString("| Member | Role | Time off (days) | Available days | Dev days | Velocity | Source | History | Capacity |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |\n")
	for _, m := range c.Members {
		history := "none"
		if m.HistoryMilestones > 0 {
			history = fmt.Sprintf("%s delivered in %s dev days", formatNum(m.HistoryDelivered), formatNum(m.HistoryDevDays))
		}
		fmt.Fprintf(b, "| @%s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			Cell(m.Username), roleName(m.PlanningRole), Format1(m.TimeOffDays), Format1(m.AvailableDays), Format1(m.DevDays),
			formatNum(m.Velocity), m.VelocitySource, history, Format1(m.Capacity))
	}
	fmt.Fprintf(b, "| **Team** | | | | | | | | **%s** |\n", Format1(c.TeamCapacity))
}

func roleName(role string) string {
	switch role {
	case cairn.RoleEngineeringManager:
		return "engineering manager"
	case cairn.RoleProductManager:
		return "product manager"
	}
	return strings.ReplaceAll(role, "_", " ")
}

func renderCarryover(b *strings.Builder, d *PlanningDoc) {
	b.WriteString("### Carryover\n\n")
	p := d.Plan
	if p == nil || len(p.Carryover) == 0 {
		b.WriteString("_Nothing is carried over from the current milestone._\n")
		return
	}
	fmt.Fprintf(b, "Open issues of the current milestone, placed first with their remaining weight (re-weigh with `/weight N`): "+
		"**%d** issues, weight **%d**.\n\n", len(p.Carryover), p.CarryoverWeight)
	b.WriteString("| Issue | Title | Weight | Assignee | Plan |\n| --- | --- | ---: | --- | --- |\n")
	for _, e := range p.Carryover {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", d.ref(e.ID, e.IID), Cell(e.Title), weightText(e.Weight), assigneesText(e.Assignees), placementText(e))
	}
}

func renderWork(b *strings.Builder, d *PlanningDoc) {
	b.WriteString("### Milestone Work\n\n")
	p := d.Plan
	if p == nil {
		b.WriteString("_No plan yet._\n")
		return
	}
	if d.FinalizedOn != "" {
		fmt.Fprintf(b, "**Final** since %s: the Deliverable and Stretch labels and the milestone are applied.\n\n", d.FinalizedOn)
	} else {
		b.WriteString("Proposed until the plan is finalised; finalising applies the milestone and the Deliverable and Stretch labels.\n\n")
	}
	fmt.Fprintf(b, "Deliverables: weight **%d** of a team capacity of **%s** (%s left). Stretch: weight **%d** of a stretch budget of **%s**.\n\n",
		p.PlannedWeight, Format1(p.TeamCapacity), Format1(p.RemainingCapacity), p.StretchWeight, Format1(p.StretchBudget))
	if len(p.Deliverables)+len(p.Stretch) == 0 {
		b.WriteString("_No issue is ready and weighted for this milestone yet._\n")
	} else {
		b.WriteString("| Issue | Title | Weight | Assignee | Priority | Plan |\n| --- | --- | ---: | --- | --- | --- |\n")
		for _, list := range [][]Entry{p.Deliverables, p.Stretch} {
			for _, e := range list {
				fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", d.ref(e.ID, e.IID), Cell(e.Title), weightText(e.Weight),
					assigneesText(e.Assignees), e.Priority, placementText(e))
			}
		}
	}
	if len(p.MemberLoad) > 0 {
		b.WriteString("\n| Member | Capacity | Planned | Left |\n| --- | ---: | ---: | ---: |\n")
		for _, m := range p.MemberLoad {
			fmt.Fprintf(b, "| @%s | %s | %s | %s |\n", Cell(m.Username), Format1(m.Capacity), Format1(m.Planned), Format1(m.Remaining))
		}
	}
}

func renderLeftOut(b *strings.Builder, d *PlanningDoc) {
	b.WriteString("### Left Out\n\n")
	p := d.Plan
	if p == nil || len(p.LeftOut) == 0 {
		b.WriteString("_Nothing is left out._\n")
		return
	}
	b.WriteString("| Issue | Title | Weight | Assignee | Priority | Reason |\n| --- | --- | ---: | --- | --- | --- |\n")
	for i, e := range p.LeftOut {
		if i == MaxListedRows {
			break
		}
		reason := e.Reason
		if e.Detail != "" {
			reason += ": " + e.Detail
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", d.ref(e.ID, e.IID), Cell(e.Title), weightText(e.Weight),
			assigneesText(e.Assignees), e.Priority, Cell(reason))
	}
	moreRows(b, len(p.LeftOut))
}

// moreRows notes the rows a capped table does not show.
func moreRows(b *strings.Builder, n int) {
	if n > MaxListedRows {
		fmt.Fprintf(b, "\n_… and %d more; `cairn plan` and the plan API list them all._\n", n-MaxListedRows)
	}
}

func renderParkingLot(b *strings.Builder, d *PlanningDoc) {
	b.WriteString("### Parking Lot\n\n")
	b.WriteString("Work anyone on the team proposes for this milestone, with why it would be good to include.\n\n")
	if len(d.ParkingLot) == 0 {
		b.WriteString("_Nothing proposed yet._\n")
		return
	}
	placed := map[int64]string{}
	if d.Plan != nil {
		for _, list := range [][]Entry{d.Plan.Deliverables, d.Plan.Stretch, d.Plan.LeftOut} {
			for _, e := range list {
				placed[e.ID] = placementText(e)
			}
		}
	}
	for _, e := range d.ParkingLot {
		what := "**" + Text(e.Title) + "**"
		if e.Issue != nil {
			what = d.ref(e.Issue.ID, e.Issue.IID) + " " + Text(e.Issue.Title)
			if st := placed[e.Issue.ID]; st != "" {
				what += " (" + st + ")"
			} else if e.Issue.State == cairn.StateClosed {
				what += " (closed)"
			}
		}
		author := "someone"
		if e.Author != nil {
			author = "@" + e.Author.Username
		}
		fmt.Fprintf(b, "- %s — %s (proposed by %s)\n", what, Text(e.Reason), author)
	}
}

func renderGaps(b *strings.Builder, d *PlanningDoc) {
	b.WriteString("### Refinement Gaps\n\n")
	p := d.Plan
	if p == nil || len(p.RefinementGaps) == 0 {
		b.WriteString("_No prioritised issue is waiting for refinement._\n")
		return
	}
	b.WriteString("Prioritised work that is not ready to commit to yet: assign each to be refined.\n\n")
	b.WriteString("| Issue | Title | Priority | Weight | Assignee | Gap |\n| --- | --- | --- | ---: | --- | --- |\n")
	for i, e := range p.RefinementGaps {
		if i == MaxListedRows {
			break
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", d.ref(e.ID, e.IID), Cell(e.Title), e.Priority, weightText(e.Weight),
			assigneesText(e.Assignees), Cell(e.Reason))
	}
	moreRows(b, len(p.RefinementGaps))
}

func renderSplitting(b *strings.Builder, d *PlanningDoc) {
	b.WriteString("### Consider Splitting\n\n")
	var flagged []Entry
	if p := d.Plan; p != nil {
		for _, list := range [][]Entry{p.Deliverables, p.Stretch} {
			for _, e := range list {
				if hasFlag(e, FlagConsiderSplitting) {
					flagged = append(flagged, e)
				}
			}
		}
	}
	if len(flagged) == 0 {
		b.WriteString("_No planned issue has the largest weight._\n")
		return
	}
	fmt.Fprintf(b, "Planned issues with the largest weight (%d or more): consider splitting each into an epic or a spike first.\n\n", d.Settings.MaxWeight())
	for _, e := range flagged {
		fmt.Fprintf(b, "- %s %s (weight %s, %s)\n", d.ref(e.ID, e.IID), Text(e.Title), weightText(e.Weight), placementText(e))
	}
}

func hasFlag(e Entry, flag string) bool {
	for _, f := range e.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

func placementText(e Entry) string {
	var s string
	switch e.Placement {
	case PlacementDeliverable:
		s = "Deliverable"
	case PlacementStretch:
		s = "Stretch"
	case PlacementLeftOut:
		s = "left out"
		if e.Reason != "" {
			s += ": " + e.Reason
		}
	}
	if hasFlag(e, FlagCarryover) && e.Placement != PlacementLeftOut {
		s += " (carryover)"
	}
	return s
}

func weightText(w *int) string {
	if w == nil {
		return "–"
	}
	return fmt.Sprint(*w)
}

func assigneesText(us []User) string {
	if len(us) == 0 {
		return "unassigned"
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = "@" + Cell(u.Username)
	}
	return strings.Join(out, ", ")
}

func percent(x float64) string { return formatNum(x*100) + "%" }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Text escapes s for markdown as plain text: characters markdown or HTML
// would interpret are escaped, and line breaks become spaces.
func Text(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch r {
		case '\r', '\n':
			b.WriteByte(' ')
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// Cell escapes s for a markdown table cell: as Text, which also escapes the
// "|" that would end the cell.
func Cell(s string) string { return Text(s) }

// MergeGenerated returns current with each generated section replaced by
// fresh's: the text between a section's markers in current becomes the text
// between the same markers in fresh, and everything outside the markers —
// what people wrote, ticked checklist boxes — stays as it was. Sections of
// fresh that current lacks (a person deleted them, or the issue was written
// before Cairn kept it) are appended at the end, in fresh's order. A start
// marker without its end marker is left as text.
func MergeGenerated(current, fresh string) string {
	out := current
	var missing []string
	for _, name := range Sections {
		body, ok := sectionBody(fresh, name)
		if !ok {
			continue
		}
		start, end, ok := sectionSpan(out, name)
		if !ok {
			missing = append(missing, wrapSection(name, body))
			continue
		}
		out = out[:start] + body + out[end:]
	}
	if len(missing) > 0 {
		out = strings.TrimRight(out, "\n")
		if out != "" {
			out += "\n\n"
		}
		out += strings.Join(missing, "\n")
	}
	return out
}

// sectionSpan returns the byte range of the body of the named section in
// s: after the start marker's line and up to the end marker. When a start
// marker appears more than once before the end marker (a broken edit), the
// last one counts, so no text outside the section is ever replaced.
func sectionSpan(s, name string) (start, end int, ok bool) {
	sm, em := startMarker(name), endMarker(name)
	e := strings.Index(s, em)
	for e >= 0 {
		st := strings.LastIndex(s[:e], sm)
		if st >= 0 {
			start = st + len(sm)
			if start < len(s) && s[start] == '\n' {
				start++
			} else if strings.HasPrefix(s[start:], "\r\n") {
				start += 2
			}
			return start, e, true
		}
		next := strings.Index(s[e+len(em):], em)
		if next < 0 {
			break
		}
		e += len(em) + next
	}
	return 0, 0, false
}

// sectionBody returns the text between the named section's markers in s,
// ending with a line break.
func sectionBody(s, name string) (string, bool) {
	start, end, ok := sectionSpan(s, name)
	if !ok {
		return "", false
	}
	return s[start:end], true
}

// RetroItem is an issue a retrospective lists.
type RetroItem struct {
	Ref    string
	Title  string
	Weight *int
	// Assignees are usernames.
	Assignees []string
}

// RetroDoc is what a retrospective is pre-filled with.
type RetroDoc struct {
	Milestone Milestone
	DueDate   string
	// Shipped and Slipped are the milestone's Deliverables done and not
	// done.
	Shipped []RetroItem
	Slipped []RetroItem
	// FromCommitment says the Deliverables come from the finalised plan;
	// otherwise from the Deliverable label.
	FromCommitment bool
	// PlanningRef is the reference of the milestone's planning issue.
	PlanningRef string
}

// RenderRetrospective returns the description of a milestone's
// asynchronous retrospective (seed 001): what shipped and what slipped,
// with weights, then the three questions.
func RenderRetrospective(d RetroDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Asynchronous retrospective of milestone **%s** (%s to %s). Add items over the course of the milestone or after it; "+
		"it is due **%s**, and items after that are still welcome.\n\n", Text(d.Milestone.Title), d.Milestone.StartDate, d.Milestone.DueDate, d.DueDate)
	if d.PlanningRef != "" {
		fmt.Fprintf(&b, "Planning issue: %s\n\n", d.PlanningRef)
	}
	weight := func(items []RetroItem) int {
		n := 0
		for _, it := range items {
			if it.Weight != nil {
				n += *it.Weight
			}
		}
		return n
	}
	shipped, slipped := weight(d.Shipped), weight(d.Slipped)
	source := "the Deliverable label (no finalised plan was recorded for this milestone)"
	if d.FromCommitment {
		source = "the plan finalised for this milestone"
	}
	fmt.Fprintf(&b, "### What shipped and what slipped\n\nDeliverables from %s: **%d of %d** done, weight **%d of %d**.\n\n",
		source, len(d.Shipped), len(d.Shipped)+len(d.Slipped), shipped, shipped+slipped)
	list := func(title string, items []RetroItem, none string) {
		fmt.Fprintf(&b, "#### %s\n\n", title)
		if len(items) == 0 {
			b.WriteString("_" + none + "_\n\n")
			return
		}
		b.WriteString("| Issue | Title | Weight | Assignee |\n| --- | --- | ---: | --- |\n")
		for _, it := range items {
			who := make([]string, len(it.Assignees))
			for i, u := range it.Assignees {
				who[i] = "@" + Cell(u)
			}
			assignees := strings.Join(who, ", ")
			if assignees == "" {
				assignees = "unassigned"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", it.Ref, Cell(it.Title), weightText(it.Weight), assignees)
		}
		b.WriteString("\n")
	}
	list("Shipped", d.Shipped, "Nothing committed was done.")
	list("Slipped", d.Slipped, "Nothing committed slipped.")
	b.WriteString("### What went well?\n\n- \n\n### What didn't go well?\n\n- \n\n### What should we change?\n\n- \n")
	return b.String()
}

// CoverageDoc is what a time-off coverage issue is pre-filled with.
type CoverageDoc struct {
	Username  string
	StartDate string
	EndDate   string
	HalfDay   bool
	Note      string
	// WorkingDays is the working days the time off takes (half days 0.5).
	WorkingDays float64
	// Issues are the member's open issues that may need someone else.
	Issues []RetroItem
}

// CoverageTitle is the title of a time-off coverage issue.
func CoverageTitle(username, start, end string) string {
	if start == end {
		return fmt.Sprintf("Coverage: @%s away on %s", username, start)
	}
	return fmt.Sprintf("Coverage: @%s away %s to %s", username, start, end)
}

// RenderCoverage returns the description of a time-off coverage issue:
// who is away and when, and a checklist of what needs covering.
func RenderCoverage(d CoverageDoc) string {
	var b strings.Builder
	when := d.StartDate
	if d.EndDate != d.StartDate {
		when = d.StartDate + " to " + d.EndDate
	}
	kind := ""
	if d.HalfDay {
		kind = " (half days)"
	}
	fmt.Fprintf(&b, "@%s is away %s%s: %s working days.\n\n", Text(d.Username), when, kind, Format1(d.WorkingDays))
	if d.Note != "" {
		fmt.Fprintf(&b, "> %s\n\n", Text(d.Note))
	}
	b.WriteString("### What needs covering\n\n")
	b.WriteString("- [ ] Work in progress has a named backup, or is paused with a note\n")
	b.WriteString("- [ ] Reviews and on-call duties are handed over\n")
	b.WriteString("- [ ] The async status updates of the assigned issues are delegated\n")
	b.WriteString("- [ ] Stakeholders know who to ask in the meantime\n")
	b.WriteString("- [ ] The planning issue's capacity table shows the time off\n")
	if len(d.Issues) > 0 {
		b.WriteString("\n### Open issues to hand over\n\n")
		for _, it := range d.Issues {
			fmt.Fprintf(&b, "- [ ] %s %s (weight %s)\n", it.Ref, Text(it.Title), weightText(it.Weight))
		}
	}
	return b.String()
}

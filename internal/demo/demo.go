// Package demo generates a realistic demo team as an archive: the Code
// Creation group of the seeds, with its members, labels, monthly milestones
// and a few hundred issues whose history follows the team's process:
// created in refinement, refined with the checklist and a weight, planned
// into a milestone as Deliverable or Stretch, developed, reviewed and
// closed, or carried over into the next milestone. `cairn serve --demo`
// imports it into an empty database so that a newcomer sees real data.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn/internal/archive"
)

// Group, project and label names of the demo team.
const (
	GroupPath = "code-creation"

	LabelRefinement = "workflow::refinement"
	LabelReady      = "workflow::ready for development"
	LabelInDev      = "workflow::in dev"
	LabelInReview   = "workflow::in review"
	LabelBlocked    = "workflow::blocked"
	LabelHigh       = "code-creation-priority::high"
	LabelMedium     = "code-creation-priority::medium"
	LabelLow        = "code-creation-priority::low"
	LabelDeliver    = "Deliverable"
	LabelStretch    = "Stretch"
	LabelPlanning   = "Planning Issue"
	LabelRetro      = "Retrospective"
	LabelFeature    = "type::feature"
	LabelBug        = "type::bug"
	LabelMaint      = "type::maintenance"
)

// Demo users. AdminUsername is an instance administrator who is not a
// member of the team.
const (
	AdminUsername = "admin"
	ManagerName   = "emma"
	ProductName   = "priya"
)

const (
	kindFeature     = "feature"
	kindBug         = "bug"
	kindMaintenance = "maintenance"
)

var projectNames = []struct{ path, name, desc string }{
	{"code-suggestions", "Code Suggestions", "Code completion and generation service: context collection, prompts and post-processing."},
	{"duo-chat", "Duo Chat", "The chat assistant: slash commands, conversation history and answer rendering."},
	{"ide-extensions", "IDE Extensions", "Editor extensions and the shared language server that bring suggestions and chat into IDEs."},
}

// PlanningProject is the path of the team's planning project, which holds
// the milestone planning issues (the planning settings' default
// planning_project, so that Cairn's planner adopts them). Work issues are
// never created in it.
const PlanningProject = "planning"

// archiveProjects are the projects of the archive: the work projects, then
// the planning project.
var archiveProjects = append(projectNames[:len(projectNames):len(projectNames)],
	struct{ path, name, desc string }{PlanningProject, "Planning", "Milestone planning, retrospective and time-off coverage issues of the team."})

type person struct {
	username, name string
	role           string
	access         int
	capacity       float64
	joined         time.Time // date the member joined the team
}

// engineer velocity: weight delivered per full-time month, roughly the
// planning model's default velocity times a month's development days.
const weightPerMonth = 10.0

// Generate returns the demo archive for a team whose "now" is today: six
// finished monthly milestones before the current month, the current one
// and the next two, with every issue's history ending at today. The
// finished milestones and the current one come with their finalised plans
// (the finished ones also with their retrospectives), consistent with that
// history; the next milestone is left to plan. The same today and seed
// give the same archive, byte for byte. The archive passes Validate and is
// normalised.
func Generate(today time.Time, seed int64) *archive.Archive {
	g := newGenerator(today, seed)
	g.run()
	a := g.archive()
	archive.Normalize(a)
	return a
}

type milestone struct {
	title      string
	start, due time.Time // dates at 00:00 UTC
	plan       time.Time // planning is final at least three days before start

	// What the simulation decided when it planned the milestone: the
	// instant the plan was finalised (once its labels were applied), the
	// team capacity in weight it was made with, what it committed to, and
	// its planning issue (none for the first milestone).
	final     time.Time
	capacity  float64
	committed []commitment
	planning  *plan
	// retro is the milestone's retrospective, opened when the next plan
	// was finalised; nil while it is not.
	retro *plan
}

// commitment is an issue a milestone's plan committed to, with its weight
// at finalisation.
type commitment struct {
	issue     *plan
	placement string
	weight    int
	carryover bool
}

type generator struct {
	rng        *rand.Rand
	now        time.Time
	today      time.Time // date at 00:00 UTC
	origin     time.Time // the group's creation
	team       []person
	engineers  []*person
	milestones []milestone // 6 finished, current (index 6), next two
	issues     []*plan
	titlesUsed map[string]bool
	titlePool  map[string]map[string][]string // project → kind → shuffled titles
	version    int
}

const current = 6

func newGenerator(today time.Time, seed int64) *generator {
	y, m, d := today.Date()
	g := &generator{
		rng:        rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		now:        today.UTC().Truncate(time.Millisecond),
		today:      time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		titlesUsed: map[string]bool{},
		version:    3,
	}
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	for k := -6; k <= 2; k++ {
		start := first.AddDate(0, k, 0)
		due := start.AddDate(0, 1, -1)
		g.milestones = append(g.milestones, milestone{
			title: start.Format("2006-01"), start: start, due: due,
			plan: workday(start.AddDate(0, 0, -4), -1).Add(14 * time.Hour),
		})
	}
	g.origin = g.milestones[0].start.AddDate(0, 0, -40).Add(9 * time.Hour)
	joined := g.origin
	newJoiner := g.today.AddDate(0, -2, 0)
	g.team = []person{
		{ManagerName, "Emma Lindqvist", "engineering_manager", 50, 0, joined},
		{ProductName, "Priya Raman", "product_manager", 40, 0, joined},
		{"tomas", "Tomás Novak", "engineer", 30, 1, joined},
		{"aiko", "Aiko Tanaka", "engineer", 30, 1, joined},
		{"lena", "Lena Schmidt", "engineer", 30, 1, joined},
		{"mateo", "Mateo Álvarez", "engineer", 30, 0.5, joined},
		{"kwame", "Kwame Mensah", "engineer", 30, 1, newJoiner},
	}
	for i := range g.team {
		if g.team[i].role == "engineer" {
			g.engineers = append(g.engineers, &g.team[i])
		}
	}
	g.titlePool = map[string]map[string][]string{}
	for _, p := range projectNames {
		g.titlePool[p.path] = map[string][]string{}
		for _, kind := range []string{kindFeature, kindBug, kindMaintenance} {
			var all []string
			for _, t := range titles[p.path][kind] {
				all = append(all, g.expand(t)...)
			}
			g.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
			g.titlePool[p.path][kind] = all
		}
	}
	return g
}

// expand returns the titles a template stands for.
func (g *generator) expand(t string) []string {
	switch {
	case strings.Contains(t, "{lang}"):
		out := make([]string, len(langs))
		for i, l := range langs {
			out[i] = strings.ReplaceAll(t, "{lang}", l)
		}
		return out
	case strings.Contains(t, "{ide}"):
		out := make([]string, len(ides))
		for i, l := range ides {
			out[i] = strings.ReplaceAll(t, "{ide}", l)
		}
		return out
	case strings.Contains(t, "{n}"):
		var out []string
		for _, n := range []string{"2.0", "3.1", "4.0", "5.2"} {
			out = append(out, strings.ReplaceAll(t, "{n}", n))
		}
		return out
	}
	return []string{t}
}

// workday returns t, or the nearest working day in direction dir (±1).
func workday(t time.Time, dir int) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, dir)
	}
	return t
}

// addWorkdays moves t forward by n working days (fractions in hours of an
// eight-hour day), skipping weekends.
func addWorkdays(t time.Time, n float64) time.Time {
	whole := int(n)
	for i := 0; i < whole; i++ {
		t = t.AddDate(0, 0, 1)
		for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
			t = t.AddDate(0, 0, 1)
		}
	}
	t = t.Add(time.Duration((n - float64(whole)) * 8 * float64(time.Hour)))
	return workday(t, 1)
}

// at returns a working-hours time on t's date (or the next working day).
func (g *generator) at(t time.Time) time.Time {
	d := workday(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), 1)
	return d.Add(time.Duration(8*60+g.rng.IntN(9*60)) * time.Minute).Add(time.Duration(g.rng.IntN(60)) * time.Second)
}

// office moves t into working hours (08:00–18:00 UTC on a weekday), to the
// next morning if it falls in the evening, and to whole seconds.
func (g *generator) office(t time.Time) time.Time {
	t = t.Truncate(time.Second)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case t.Hour() >= 18:
		day = day.AddDate(0, 0, 1)
		fallthrough
	case t.Hour() < 8:
		t = day.Add(time.Duration(8*60+g.rng.IntN(90)) * time.Minute)
	}
	if d := workday(t, 1); !d.Equal(t) {
		t = time.Date(d.Year(), d.Month(), d.Day(), 8, g.rng.IntN(90), 0, 0, time.UTC)
	}
	return t
}

// later returns a time after t by a few minutes to a few hours, so that the
// steps of an issue never share an instant.
func (g *generator) later(t time.Time) time.Time {
	return t.Add(time.Duration(5+g.rng.IntN(180)) * time.Minute)
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *generator) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// engineersAt returns the engineers who were on the team at t.
func (g *generator) engineersAt(t time.Time) []*person {
	var out []*person
	for _, e := range g.engineers {
		if !e.joined.After(t) {
			out = append(out, e)
		}
	}
	return out
}

func (g *generator) weight() int {
	switch r := g.rng.Float64(); {
	case r < 0.3:
		return 1
	case r < 0.65:
		return 2
	case r < 0.92:
		return 3
	}
	return 5
}

func (g *generator) priority() string {
	switch r := g.rng.Float64(); {
	case r < 0.3:
		return LabelHigh
	case r < 0.7:
		return LabelMedium
	case r < 0.9:
		return LabelLow
	}
	return ""
}

func (g *generator) kind() string {
	switch r := g.rng.Float64(); {
	case r < 0.55:
		return kindFeature
	case r < 0.8:
		return kindBug
	}
	return kindMaintenance
}

func (g *generator) project() string {
	switch r := g.rng.Float64(); {
	case r < 0.4:
		return "code-suggestions"
	case r < 0.75:
		return "duo-chat"
	}
	return "ide-extensions"
}

func typeLabel(kind string) string {
	switch kind {
	case kindBug:
		return LabelBug
	case kindMaintenance:
		return LabelMaint
	}
	return LabelFeature
}

// title returns an unused title for the project and kind.
func (g *generator) title(project, kind string) string {
	pool := g.titlePool[project][kind]
	for len(pool) > 0 {
		t := pool[0]
		pool = pool[1:]
		g.titlePool[project][kind] = pool
		if !g.titlesUsed[t] {
			g.titlesUsed[t] = true
			return t
		}
	}
	// Pools hold far more titles than a demo uses; this keeps titles unique
	// if they ever run out.
	g.version++
	return fmt.Sprintf("%s follow-up %d", strings.ToUpper(kind[:1])+kind[1:], g.version)
}

func (g *generator) description(kind string) string {
	var b strings.Builder
	b.WriteString("## Context\n\n")
	b.WriteString(g.pick(contextLines[kind]))
	b.WriteString("\n\n## References and Resources\n\n")
	refs := slices.Clone(referenceLines)
	g.rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
	for _, r := range refs[:g.between(1, 3)] {
		b.WriteString(r + "\n")
	}
	fmt.Fprintf(&b, "- Domain expert: @%s\n", g.engineers[g.rng.IntN(len(g.engineers))].username)
	b.WriteString("\n## Proposal\n\n")
	b.WriteString(g.pick(proposalLines[kind]))
	b.WriteString("\n\n## Definition of Done / Acceptance Criteria\n\n")
	done := slices.Clone(doneLines[kind])
	g.rng.Shuffle(len(done), func(i, j int) { done[i], done[j] = done[j], done[i] })
	for _, d := range done[:min(len(done), g.between(2, 4))] {
		b.WriteString("- [ ] " + d + "\n")
	}
	return b.String()
}

// refinementNote is the seed's refinement checklist, worked through. The
// quick actions at its end (/weight, /label) ran and are not kept in the
// body, as GitLab does. A nil weight is a refinement that forgot it.
func refinementNote(weight *int) string {
	s := "## Refinement Checklist\n\n" +
		"- [x] Validated the problem is clear and aligns with team priorities, engaged in any discussions with the PM or other stakeholders as needed\n" +
		"- [x] Updated title for clarity (if needed)\n" +
		"- [x] Updated labels for proper categorization (if needed)\n" +
		"- [x] Added or improved the \"Context\" section with necessary background information\n" +
		"- [x] Added or improved the \"Proposal\" section with potential implementation approach or suggested ideas to further investigate\n" +
		"- [x] Added or improved the \"Acceptance Criteria\" or \"Definition of Done\" section\n" +
		"- [x] Identified dependencies or blockers (if any)\n" +
		"- [x] Considered if the issue should be broken down into smaller tasks\n" +
		"  - [ ] Created child issues if needed (link them here)\n"
	if weight == nil {
		return s + "- [ ] Assigned a weight using issue estimation\n"
	}
	return s + "- [x] Assigned a weight using issue estimation\n\n" +
		"Weight " + strconv.Itoa(*weight) + ": " + weightReason(*weight) + "\n"
}

func weightReason(w int) string {
	switch w {
	case 1:
		return "a small, well-understood change."
	case 2:
		return "a few files, clear approach, some tests to write."
	case 3:
		return "touches more than one component and needs coordination on review."
	}
	return "the scope is still large; we should split it or start with a spike."
}

func (g *generator) statusUpdate(day time.Time, progress, next, blocker string, confidence int) string {
	boxes := []string{"Not confident", "Slightly confident", "Very confident"}
	var b strings.Builder
	fmt.Fprintf(&b, "## Async Status Update %s\n\n", day.Format(archive.DateLayout))
	fmt.Fprintf(&b, "- **Progress & Status**: %s\n", progress)
	fmt.Fprintf(&b, "- **Next Steps**: %s\n", next)
	if blocker == "" {
		blocker = "None at the moment."
	}
	fmt.Fprintf(&b, "- **Blockers**: %s\n", blocker)
	b.WriteString("- **How confident are you that this will make it to the current milestone?**\n")
	for i, box := range boxes {
		mark := " "
		if i == confidence {
			mark = "x"
		}
		fmt.Fprintf(&b, "    - [%s] %s\n", mark, box)
	}
	fmt.Fprintf(&b, "\n_Remember to update the workflow label!_\n\ncc @%s @%s\n", ManagerName, ProductName)
	return b.String()
}

// planningDescription is the manager's text of a planning issue: the
// introduction and checklist. Cairn adds the capacity, Milestone Work,
// Parking Lot and other sections below it when it adopts the issue.
func planningDescription(m milestone) string {
	return "## Milestone Planning " + m.title + "\n\n" +
		"Milestone: " + m.start.Format(archive.DateLayout) + " to " + m.due.Format(archive.DateLayout) +
		". Planning is final at least 3 days before the start.\n\n" +
		"### Planning Checklist\n\n" +
		"- [ ] Capacity calculated from time off, historic velocity, refinement (20%) and other work (10%)\n" +
		"- [ ] Carryover from the current milestone identified and re-weighted\n" +
		"- [ ] Priorities set with `code-creation-priority` labels\n" +
		"- [ ] Deliverable and Stretch labels applied\n" +
		"- [ ] Refinement gaps flagged and assigned\n"
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/planning"
)

// The benchmark team: one group with a manager, a product manager and
// engineers, eight work projects and the planning project, monthly
// milestones, and issues whose histories follow the planning process the
// demo team shows (internal/demo), at a size no demo would have.
const (
	benchGroup     = "platform"
	benchManager   = "maria"
	benchProduct   = "paul"
	benchPlanning  = "planning"
	benchPassword  = "cairn-bench-password"
	labelRefine    = "workflow::refinement"
	labelReady     = "workflow::ready for development"
	labelInDev     = "workflow::in dev"
	labelInReview  = "workflow::in review"
	labelDeliver   = "Deliverable"
	labelStretch   = "Stretch"
	labelPlanIssue = "Planning Issue"
)

var (
	priorityLabels = []string{"priority::high", "priority::medium", "priority::low"}
	typeLabels     = []string{"type::feature", "type::bug", "type::maintenance"}
	areaLabels     = []string{"frontend", "backend", "api", "database", "security", "performance", "ux", "documentation", "tech debt", "customer"}
	weightScale    = []int{1, 2, 3, 5}
)

// benchProjects are the work projects with their share of the issues.
var benchProjects = []struct {
	path, name string
	share      int
}{
	{"api", "API", 20}, {"web-app", "Web app", 18}, {"mobile", "Mobile apps", 12}, {"billing", "Billing", 10},
	{"search", "Search", 10}, {"notifications", "Notifications", 8}, {"infrastructure", "Infrastructure", 12}, {"docs", "Documentation", 10},
}

var engineerNames = []string{
	"aiden", "bea", "carlos", "dana", "elif", "felix", "gita", "hugo", "ines", "jonas", "kira", "liam", "mona",
	"nils", "olga", "pedro", "quinn", "rosa", "sven", "tara", "umar", "vera", "wei", "xena", "yusuf", "zoe",
	"amir", "bruno", "chloe", "dmitri", "emeka", "fatima", "goran", "hana", "ivan", "julia", "kofi", "lucia",
}

// teamSpec is what to generate. The same spec gives the same archive,
// byte for byte.
type teamSpec struct {
	// Issues counts every issue, the planning issues included.
	Issues int
	// Events is the exact number of events of all issues.
	Events int
	// Members is the team's size: a manager, a product manager and
	// Members-2 engineers.
	Members int
	// Months is the number of finished monthly milestones of history.
	Months int
	Seed   int64
	// Today is the day the history ends (at 00:00 UTC); the current
	// milestone is the month holding it.
	Today time.Time
}

// Validate reports a spec the generator cannot make.
func (s teamSpec) Validate() error {
	switch {
	case s.Members < 3:
		return fmt.Errorf("--members must be 3 or more (a manager, a product manager and engineers), not %d", s.Members)
	case s.Members > 2+len(engineerNames)*10:
		return fmt.Errorf("--members must be at most %d", 2+len(engineerNames)*10)
	case s.Months < 1 || s.Months > 240:
		return fmt.Errorf("--months must be between 1 and 240, not %d", s.Months)
	case s.Issues < s.planningIssues()+10:
		return fmt.Errorf("--issues must be at least %d for %d months of history (a planning issue per milestone and some work)", s.planningIssues()+10, s.Months)
	case s.Issues > 10_000_000:
		return fmt.Errorf("--issues must be at most 10,000,000")
	case s.Events < 0:
		return fmt.Errorf("--events must not be negative")
	case s.Today.IsZero():
		return fmt.Errorf("no date to end the history on")
	}
	return nil
}

// planningIssues is the number of planning issues: one per milestone from
// the first to the next one.
func (s teamSpec) planningIssues() int { return s.Months + 2 }

// teamStats counts what the generator made.
type teamStats struct {
	Issues, Open, Events, Notes, Commitments int
}

type benchMilestone struct {
	title            string
	start, due       time.Time
	planAt, finalAt  time.Time // issues are scheduled from planAt; the plan is final at finalAt
	committed        []commitment
	capacity         float64
	planningIssue    *genIssue
	finishedOrActive bool // the plan is final by today
}

type commitment struct {
	issue     *genIssue
	placement string
	weight    int
	carryover bool
}

// genIssue is an issue being generated: its archive form, its project and
// whether it was refined (has a weight event to put re-estimates before).
type genIssue struct {
	is       archive.Issue
	project  string
	refineAt time.Time // zero when never refined
}

type teamGen struct {
	spec       teamSpec
	rng        *rand.Rand
	now        time.Time
	origin     time.Time
	engineers  []string
	capacity   map[string]float64
	milestones []*benchMilestone
	current    int // index of the current milestone
	issues     []*genIssue
	events     int
	notes      int
}

// generateTeam builds the benchmark team's archive. It fails when the
// issues' histories need more events than spec.Events.
func generateTeam(spec teamSpec) (*archive.Archive, teamStats, error) {
	if err := spec.Validate(); err != nil {
		return nil, teamStats{}, err
	}
	g := &teamGen{
		spec:     spec,
		rng:      rand.New(rand.NewPCG(uint64(spec.Seed), 0x5eed_cafe)),
		now:      time.Date(spec.Today.Year(), spec.Today.Month(), spec.Today.Day(), 0, 0, 0, 0, time.UTC),
		capacity: map[string]float64{},
	}
	g.members()
	g.calendar()
	work := spec.Issues - spec.planningIssues()
	for i := range work {
		g.workIssue(i, work)
	}
	g.planningIssues()
	if spec.Events < g.events {
		return nil, teamStats{}, fmt.Errorf("these %d issues need at least %d events for their histories; ask for --events %d or more", spec.Issues, g.events, g.events)
	}
	if err := g.reestimates(spec.Events - g.events); err != nil {
		return nil, teamStats{}, err
	}
	a := g.archive()
	st := teamStats{Issues: len(g.issues), Events: g.events, Notes: g.notes}
	for _, is := range g.issues {
		if is.is.State == cairn.StateOpened {
			st.Open++
		}
	}
	for _, m := range g.milestones {
		st.Commitments += len(m.committed)
	}
	return a, st, nil
}

func (g *teamGen) members() {
	for i := range g.spec.Members - 2 {
		name := engineerNames[i%len(engineerNames)]
		if i >= len(engineerNames) {
			name = fmt.Sprintf("%s%d", name, i/len(engineerNames)+1)
		}
		g.engineers = append(g.engineers, name)
		// One engineer in eight works half time.
		g.capacity[name] = 1
		if i%8 == 5 {
			g.capacity[name] = 0.5
		}
	}
}

// calendar makes the monthly milestones: Months finished ones, the
// current one and three ahead (the planning settings' milestones_ahead),
// so that the scheduler has none to create.
func (g *teamGen) calendar() {
	first := time.Date(g.now.Year(), g.now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for k := -g.spec.Months; k <= 3; k++ {
		start := first.AddDate(0, k, 0)
		m := &benchMilestone{title: start.Format("2006-01"), start: start, due: start.AddDate(0, 1, -1)}
		m.planAt = start.AddDate(0, 0, -10).Add(9 * time.Hour)
		m.finalAt = workday(start.AddDate(0, 0, -3), -1).Add(14 * time.Hour)
		m.finishedOrActive = !m.finalAt.After(g.now)
		g.milestones = append(g.milestones, m)
		if k == 0 {
			g.current = len(g.milestones) - 1
		}
	}
	g.origin = g.milestones[0].start.AddDate(0, 0, -30).Add(9 * time.Hour)
}

// workday returns t, or the nearest working day in direction dir (±1).
func workday(t time.Time, dir int) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, dir)
	}
	return t
}

// office moves t into working hours on a weekday, keeping its date when it
// is one (else the Friday before), so that it never moves later by days.
func (g *teamGen) office(t time.Time) time.Time {
	d := workday(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), -1)
	return d.Add(8*time.Hour + time.Duration(g.rng.IntN(10*3600))*time.Second)
}

func (g *teamGen) days(lo, hi float64) time.Duration {
	return time.Duration((lo + g.rng.Float64()*(hi-lo)) * 24 * float64(time.Hour))
}

func (g *teamGen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *teamGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *teamGen) engineer() string { return g.pick(g.engineers) }

// assignee picks an engineer in proportion to their capacity.
func (g *teamGen) assignee() string {
	for {
		e := g.engineer()
		if g.capacity[e] >= 1 || g.chance(g.capacity[e]) {
			return e
		}
	}
}

func (g *teamGen) weight() int {
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

func (g *teamGen) project() string {
	n := g.rng.IntN(100)
	for _, p := range benchProjects {
		if n < p.share {
			return p.path
		}
		n -= p.share
	}
	return benchProjects[0].path
}

// milestoneFrom returns the index of the first milestone whose scheduling
// starts at or after t, or len(milestones) for none.
func (g *teamGen) milestoneFrom(t time.Time) int {
	for k, m := range g.milestones {
		if !m.planAt.Before(t) {
			return k
		}
	}
	return len(g.milestones)
}

// builder writes an issue's history step by step, in time order, and
// stops at today: the issue's labels, weight, milestone and state are what
// its history says at that moment.
type builder struct {
	g       *teamGen
	gi      *genIssue
	labels  []string
	weight  *int
	ms      string
	last    time.Time
	stopped bool
}

// step returns the timestamp of a step at t (moved a minute past the
// previous step if needed), or false once the history has reached today.
func (b *builder) step(t time.Time) (string, bool) {
	if b.stopped {
		return "", false
	}
	if !t.After(b.last) {
		t = b.last.Add(time.Minute)
	}
	if !t.Before(b.g.now) {
		b.stopped = true
		return "", false
	}
	b.last = t
	return archive.FormatTime(t), true
}

func (b *builder) event(e archive.Event) {
	b.gi.is.Events = append(b.gi.is.Events, e)
	b.g.events++
}

// addLabels adds labels; a scoped label removes the other label of its
// scope, and the removal is recorded, as the API does it.
func (b *builder) addLabels(t time.Time, user string, names ...string) bool {
	ts, ok := b.step(t)
	if !ok {
		return false
	}
	for _, name := range names {
		if scope, ok := cairn.LabelScope(name); ok {
			for _, old := range slices.Clone(b.labels) {
				if s, ok := cairn.LabelScope(old); ok && s == scope && old != name {
					b.labels = slices.DeleteFunc(b.labels, func(l string) bool { return l == old })
					b.event(archive.Event{Type: archive.EventLabel, Action: cairn.ActionRemove, Label: old, User: user, CreatedAt: ts})
				}
			}
		}
		if !slices.Contains(b.labels, name) {
			b.labels = append(b.labels, name)
			b.event(archive.Event{Type: archive.EventLabel, Action: cairn.ActionAdd, Label: name, User: user, CreatedAt: ts})
		}
	}
	return true
}

func (b *builder) setWeight(t time.Time, user string, w int) bool {
	ts, ok := b.step(t)
	if !ok {
		return false
	}
	b.weight = &w
	b.event(archive.Event{Type: archive.EventWeight, Action: cairn.ActionAdd, Weight: &w, User: user, CreatedAt: ts})
	return true
}

func (b *builder) setMilestone(t time.Time, user, title string) bool {
	ts, ok := b.step(t)
	if !ok {
		return false
	}
	if b.ms != "" {
		b.event(archive.Event{Type: archive.EventMilestone, Action: cairn.ActionRemove, Milestone: b.ms, User: user, CreatedAt: ts})
	}
	b.ms = title
	b.event(archive.Event{Type: archive.EventMilestone, Action: cairn.ActionAdd, Milestone: title, User: user, CreatedAt: ts})
	return true
}

func (b *builder) close(t time.Time, user string) bool {
	ts, ok := b.step(t)
	if !ok {
		return false
	}
	b.gi.is.State, b.gi.is.ClosedAt, b.gi.is.ClosedBy = cairn.StateClosed, ts, user
	b.event(archive.Event{Type: archive.EventState, Action: cairn.ActionClosed, User: user, CreatedAt: ts})
	return true
}

func (b *builder) note(t time.Time, user, body string) bool {
	ts, ok := b.step(t)
	if !ok {
		return false
	}
	b.gi.is.Notes = append(b.gi.is.Notes, archive.Note{Author: user, Body: body, CreatedAt: ts})
	b.g.notes++
	return true
}

// finish stores the issue's current values.
func (b *builder) finish() {
	is := &b.gi.is
	is.Labels, is.Weight, is.Milestone = b.labels, b.weight, b.ms
	is.UpdatedAt = archive.FormatTime(b.last)
	b.g.issues = append(b.g.issues, b.gi)
}

func (g *teamGen) newBuilder(project, title, description, author string, created time.Time) *builder {
	gi := &genIssue{project: project, is: archive.Issue{
		Title: title, Description: description, State: cairn.StateOpened, Author: author,
		IssueType: "issue", CreatedAt: archive.FormatTime(created),
	}}
	return &builder{g: g, gi: gi, last: created.Add(-time.Minute)}
}

// workIssue generates the i-th of n work issues. Creation times spread
// evenly over the history; what becomes of an issue is drawn:
//
//   - 22% are closed from refinement within weeks (duplicates, won't do);
//   - 5% stay in refinement, and most of those are closed as stale later;
//   - 10% are refined but never scheduled, and most are closed later;
//   - 63% are scheduled into a milestone, committed as Deliverable (85%)
//     or Stretch when its plan is final, developed, reviewed and closed
//     within it, or carried over into the next one (12%).
//
// Histories stop at today, so the recent issues are open at every stage.
func (g *teamGen) workIssue(i, n int) {
	span := g.now.Sub(g.origin) - 24*time.Hour
	created := g.office(g.origin.Add(time.Duration((float64(i) + g.rng.Float64()) / float64(n) * float64(span))))
	kind := g.rng.IntN(100)
	kindIdx := 0
	switch {
	case kind >= 80:
		kindIdx = 2
	case kind >= 55:
		kindIdx = 1
	}
	author := g.engineer()
	if kindIdx == 0 && g.chance(0.6) {
		author = benchProduct
	}
	project := g.project()
	title, desc := g.text(kindIdx, project)
	b := g.newBuilder(project, title, desc, author, created)
	labels := []string{labelRefine, typeLabels[kindIdx]}
	if g.chance(0.4) {
		labels = append(labels, g.pick(priorityLabels))
	}
	if g.chance(0.3) {
		labels = append(labels, g.pick(areaLabels))
	}
	b.addLabels(created, author, labels...)
	defer b.finish()

	fate := g.rng.Float64()
	if fate < 0.22 {
		closer := benchManager
		if g.chance(0.5) {
			closer = author
		}
		at := created.Add(g.days(0.5, 40))
		b.note(at.Add(-time.Hour), closer, g.pick(closingNotes))
		b.close(at, closer)
		return
	}
	if fate < 0.27 {
		if g.chance(0.6) {
			b.close(created.Add(g.days(60, 500)), benchManager)
		}
		return
	}
	refiner := g.engineer()
	refineAt := created.Add(time.Duration(min(g.rng.ExpFloat64()*8+1, 60) * 24 * float64(time.Hour)))
	w := g.weight()
	b.note(refineAt.Add(-15*time.Minute), refiner, refinementNote(w))
	b.setWeight(refineAt, refiner, w)
	if b.addLabels(refineAt, refiner, labelReady) {
		b.gi.refineAt = refineAt
	}
	k := g.milestoneFrom(refineAt)
	switch r := g.rng.Float64(); {
	case r < 0.15:
		k += 2
	case r < 0.4:
		k++
	}
	if fate < 0.37 || k >= len(g.milestones) {
		if fate < 0.37 && g.chance(0.7) {
			b.close(refineAt.Add(g.days(60, 400)), benchManager)
		}
		return
	}
	m := g.milestones[k]
	who := g.assignee()
	schedAt := m.planAt.Add(g.days(0, 6))
	if !b.setMilestone(schedAt, benchManager, m.title) {
		return
	}
	b.gi.is.Assignees = []string{who}
	placement := labelDeliver
	if g.chance(0.15) {
		placement = labelStretch
	}
	if !b.addLabels(m.finalAt, benchManager, placement) {
		return
	}
	m.committed = append(m.committed, commitment{issue: b.gi, placement: placementOf(placement), weight: w})
	length := m.due.Sub(m.start)
	devAt := g.office(m.start.Add(time.Duration(g.rng.Float64() * 0.6 * float64(length))))
	if !b.addLabels(devAt, who, labelInDev) {
		return
	}
	if g.chance(0.5) {
		b.note(devAt.Add(g.days(1, 3)), who, g.statusUpdate(devAt.Add(2*24*time.Hour)))
	}
	reviewAt := devAt.Add(g.days(1, 5))
	if g.chance(0.12) && k+1 < len(g.milestones) {
		next := g.milestones[k+1]
		// Carried over: moved into the next milestone while it is planned,
		// and committed to again there.
		if !b.setMilestone(next.planAt.Add(g.days(0, 5)), benchManager, next.title) {
			return
		}
		if !next.finalAt.After(g.now) {
			next.committed = append(next.committed, commitment{issue: b.gi, placement: placementOf(placement), weight: w, carryover: true})
		}
		reviewAt = g.office(next.start.Add(g.days(1, 10)))
	}
	if !b.addLabels(reviewAt, who, labelInReview) {
		return
	}
	if g.chance(0.3) {
		b.note(reviewAt.Add(g.days(0.1, 1)), g.engineer(), g.pick(reviewNotes))
	}
	b.close(reviewAt.Add(g.days(0.2, 2)), who)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func placementOf(label string) string {
	if label == labelStretch {
		return archive.PlacementStretch
	}
	return archive.PlacementDeliverable
}

// planningIssues opens a planning issue per milestone up to the next one,
// closed when the milestone's plan was finalised.
func (g *teamGen) planningIssues() {
	for k := 0; k <= g.current+1 && k < len(g.milestones); k++ {
		m := g.milestones[k]
		created := m.start.AddDate(0, 0, -25).Add(10 * time.Hour)
		created = later(created, g.origin.Add(time.Hour))
		b := g.newBuilder(benchPlanning, "Milestone Planning: "+m.title,
			"## Milestone Planning "+m.title+"\n\nPlanning is final at least 3 days before the start.\n", benchManager, created)
		b.gi.is.Assignees = []string{benchManager}
		b.addLabels(created, benchManager, labelPlanIssue)
		b.setMilestone(created, benchManager, m.title)
		if m.finishedOrActive {
			b.close(m.finalAt, benchManager)
		}
		b.finish()
		m.planningIssue = b.gi
		for _, c := range m.committed {
			if c.placement == archive.PlacementDeliverable {
				m.capacity += float64(c.weight)
			}
		}
		m.capacity *= 1.05
	}
}

// reestimates adds extra events, up to the number asked for, as earlier
// estimates of refined issues: weight events before the weight the
// refinement settled on, so that the current weight stays what it is.
func (g *teamGen) reestimates(extra int) error {
	if extra == 0 {
		return nil
	}
	var refined []*genIssue
	for _, gi := range g.issues {
		if !gi.refineAt.IsZero() {
			refined = append(refined, gi)
		}
	}
	if len(refined) == 0 {
		return fmt.Errorf("no refined issue to add %d more events to; ask for more issues", extra)
	}
	count := make([]int, len(refined))
	for range extra {
		count[g.rng.IntN(len(refined))]++
	}
	for i, gi := range refined {
		n := count[i]
		if n == 0 {
			continue
		}
		created, _ := archive.ParseTime(gi.is.CreatedAt)
		span := gi.refineAt.Sub(created)
		// Events are in time order; the new ones go before the first
		// event after their time.
		evs := gi.is.Events
		out := make([]archive.Event, 0, len(evs)+n)
		j := 0
		for e := range n {
			at := created.Add(span * time.Duration(e+1) / time.Duration(n+1)).Truncate(time.Millisecond)
			ts := archive.FormatTime(at)
			for j < len(evs) && evs[j].CreatedAt <= ts {
				out = append(out, evs[j])
				j++
			}
			w := weightScale[g.rng.IntN(len(weightScale))]
			out = append(out, archive.Event{Type: archive.EventWeight, Action: cairn.ActionAdd, Weight: &w, User: gi.is.Author, CreatedAt: ts})
		}
		gi.is.Events = append(out, evs[j:]...)
	}
	g.events += extra
	return nil
}

// archive assembles the archive: users, the group with its members,
// labels, milestones, settings, time off and plans, and the projects with
// their issues numbered in the order they were created.
func (g *teamGen) archive() *archive.Archive {
	a := archive.New()
	at := func(t time.Time) string { return archive.FormatTime(t) }
	joined := g.origin.Format(archive.DateLayout)
	grp := archive.Group{
		Path: benchGroup, Name: "Platform", Visibility: cairn.VisibilityPrivate, CreatedAt: at(g.origin),
		Description: "The platform team: API, web and mobile apps, billing, search, notifications, infrastructure and docs.",
		Settings: json.RawMessage(`{"priority_labels":["priority::high","priority::medium","priority::low"],` +
			`"cadence":{"interval":"monthly","start_day":1,"title_format":"` + planning.TitleYearMonth + `"}}`),
	}
	addMember := func(username, name, role string, access int, capacity float64) {
		a.Users = append(a.Users, archive.User{Username: username, Name: name, Email: username + "@bench.example", CreatedAt: at(g.origin.Add(-24 * time.Hour))})
		grp.Members = append(grp.Members, archive.Member{Username: username, PlanningRole: role, CapacityFactor: capacity, AccessLevel: access, JoinedAt: joined})
	}
	addMember(benchManager, "Maria Kowalska", "engineering_manager", 50, 0)
	addMember(benchProduct, "Paul Okafor", "product_manager", 40, 0)
	for _, e := range g.engineers {
		addMember(e, strings.ToUpper(e[:1])+e[1:], "engineer", 30, g.capacity[e])
	}
	for _, l := range []string{labelRefine, labelReady, labelInDev, labelInReview, "workflow::blocked"} {
		grp.Labels = append(grp.Labels, archive.Label{Name: l, Color: "#428bca"})
	}
	for i, l := range priorityLabels {
		grp.Labels = append(grp.Labels, archive.Label{Name: l, Color: "#c21e56", Priority: &[]int{i + 1}[0]})
	}
	for _, l := range append(append([]string{labelDeliver, labelStretch, labelPlanIssue}, typeLabels...), areaLabels...) {
		grp.Labels = append(grp.Labels, archive.Label{Name: l, Color: "#6699cc"})
	}
	for k, m := range g.milestones {
		state := cairn.MilestoneActive
		if k < g.current {
			state = cairn.MilestoneClosed
		}
		created := later(m.start.AddDate(0, 0, -30), g.origin.Add(time.Hour))
		grp.Milestones = append(grp.Milestones, archive.Milestone{Title: m.title, StartDate: m.start.Format(archive.DateLayout),
			DueDate: m.due.Format(archive.DateLayout), State: state, CreatedAt: at(created)})
	}
	if g.current+1 < len(g.milestones) {
		// Time off in the next milestone, for the capacity to account for.
		next := g.milestones[g.current+1]
		for i, e := range g.engineers {
			if i%4 != 1 {
				continue
			}
			start := workday(next.start.AddDate(0, 0, 3+i%10), 1)
			grp.TimeOff = append(grp.TimeOff, archive.TimeOff{Username: e, StartDate: start.Format(archive.DateLayout),
				EndDate: start.AddDate(0, 0, i%5).Format(archive.DateLayout), Note: "Vacation"})
		}
	}
	byProject := map[string][]*genIssue{}
	for _, gi := range g.issues {
		byProject[gi.project] = append(byProject[gi.project], gi)
	}
	projects := append([]struct {
		path, name string
		share      int
	}{}, benchProjects...)
	projects = append(projects, struct {
		path, name string
		share      int
	}{benchPlanning, "Planning", 0})
	for i, p := range projects {
		list := byProject[p.path]
		slices.SortStableFunc(list, func(x, y *genIssue) int { return cmp.Compare(x.is.CreatedAt, y.is.CreatedAt) })
		for n, gi := range list {
			gi.is.IID = int64(n + 1)
		}
		pr := archive.Project{Path: p.path, Name: p.name, Visibility: cairn.VisibilityPrivate, CreatedAt: at(g.origin.Add(time.Duration(i+1) * time.Minute))}
		pr.Issues = make([]archive.Issue, len(list))
		for n, gi := range list {
			pr.Issues[n] = gi.is
		}
		grp.Projects = append(grp.Projects, pr)
	}
	ref := func(gi *genIssue) string { return archive.IssueRef(benchGroup, gi.project, gi.is.IID) }
	for _, m := range g.milestones {
		if m.planningIssue == nil {
			continue
		}
		pl := archive.Plan{Milestone: m.title, PlanningIssue: ref(m.planningIssue)}
		if m.finishedOrActive {
			capacity := m.capacity
			pl.FinalizedAt, pl.FinalizedBy, pl.TeamCapacity = at(m.finalAt), benchManager, &capacity
			for _, c := range m.committed {
				w := c.weight
				pl.Commitments = append(pl.Commitments, archive.Commitment{Issue: ref(c.issue), Placement: c.placement, Weight: &w, Carryover: c.carryover})
			}
		}
		grp.Plans = append(grp.Plans, pl)
	}
	a.Users = append([]archive.User{{Username: "admin", Name: "Administrator", Email: "admin@bench.example", IsAdmin: true,
		CreatedAt: at(g.origin.Add(-48 * time.Hour))}}, a.Users...)
	a.Groups = []archive.Group{grp}
	return a
}

// Text of the issues: titles from a few word lists, descriptions in the
// team's template with every section filled in, so that the ready gate
// would pass them.
var (
	titleVerbs = [][]string{
		{"Add", "Support", "Allow", "Show", "Introduce", "Let users choose", "Offer"},
		{"Fix", "Crash in", "Wrong result from", "Timeout in", "Broken", "Flaky", "Slow"},
		{"Upgrade", "Refactor", "Remove dead code in", "Clean up", "Migrate", "Split", "Document"},
	}
	titleObjects = []string{
		"pagination", "export to CSV", "bulk edit", "audit logging", "rate limiting", "dark mode", "search filters",
		"webhook retries", "invoice PDFs", "push notifications", "SSO login", "password reset", "file uploads",
		"the settings page", "the onboarding flow", "the billing cycle job", "the search index", "the mobile sync",
		"the API client", "the database schema", "the deploy pipeline", "error reporting", "feature flags",
	}
	titlePlaces = []string{
		"for admins", "on Android", "on iOS", "in the dashboard", "for large accounts", "in the public API",
		"for EU customers", "behind the proxy", "after the upgrade", "in the nightly job", "for new users", "",
	}
	contextLines = []string{
		"Customers with large accounts run into this every week; support has linked twelve tickets.",
		"This came up in the last retrospective as the main source of interruptions.",
		"The current behaviour surprises new users and shows up in every usability session.",
		"Sales asked for it for two enterprise deals this quarter.",
		"We keep working around this by hand, which costs the on-call engineer an hour a week.",
	}
	proposalLines = []string{
		"Change the handler to read the setting once per request and cache it per account.",
		"Add a background job that does the work in batches of 500 and records its progress.",
		"Put the new behaviour behind a feature flag, roll it out to 10% of accounts first.",
		"Move the logic into the shared library so that web and mobile use the same code.",
		"Replace the hand-written query with an indexed one and add a regression test.",
	}
	doneLines = []string{
		"Unit tests cover the new paths", "Documented in the user guide", "Metrics show the change in production",
		"Reviewed by a second team", "No regression in the p95 latency", "Works for accounts with 10,000 users",
	}
	closingNotes = []string{
		"Duplicate of an older issue; closing.", "We decided not to do this; see the discussion above.",
		"No longer relevant after the redesign.", "Closing: could not reproduce.",
	}
	reviewNotes = []string{
		"Looks good to me, one small comment on the tests.", "Approved. Please squash before merging.",
		"Can we add a note to the changelog?", "Tested on staging, works as described.",
	}
)

func (g *teamGen) text(kind int, project string) (title, description string) {
	title = g.pick(titleVerbs[kind]) + " " + g.pick(titleObjects)
	if p := g.pick(titlePlaces); p != "" {
		title += " " + p
	}
	var b strings.Builder
	b.WriteString("## Context\n\n" + g.pick(contextLines) + " It affects the " + project + " project.\n\n")
	b.WriteString("## References and Resources\n\n- Support tickets linked above\n- Domain expert: @" + g.engineer() + "\n\n")
	b.WriteString("## Proposal\n\n" + g.pick(proposalLines) + "\n\n")
	b.WriteString("## Definition of Done / Acceptance Criteria\n\n")
	for range 2 + g.rng.IntN(3) {
		b.WriteString("- [ ] " + g.pick(doneLines) + "\n")
	}
	return title, b.String()
}

func refinementNote(w int) string {
	return "## Refinement Checklist\n\n" +
		"- [x] Validated the problem is clear and aligns with team priorities\n" +
		"- [x] Updated title and labels\n" +
		"- [x] Added or improved the Context, Proposal and Acceptance Criteria sections\n" +
		"- [x] Identified dependencies or blockers (if any)\n" +
		"- [x] Considered if the issue should be broken down into smaller tasks\n" +
		fmt.Sprintf("- [x] Assigned a weight using issue estimation\n\nWeight %d.\n", w)
}

func (g *teamGen) statusUpdate(day time.Time) string {
	return "## Async Status Update " + day.Format(archive.DateLayout) + "\n\n" +
		"- **Progress & Status**: Implementation done, tests in progress\n" +
		"- **Next Steps**: Open the merge request\n" +
		"- **Blockers**: None at the moment.\n" +
		"- **How confident are you that this will make it to the current milestone?**\n" +
		"    - [ ] Not confident\n    - [ ] Slightly confident\n    - [x] Very confident\n"
}

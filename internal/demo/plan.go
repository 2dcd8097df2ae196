package demo

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
)

// step is one change to an issue at one instant by one user, as the team
// would make it through the UI or a quick action: labels added and removed,
// weight and milestone set, state changed, assignees set, a note posted.
type step struct {
	at           time.Time
	user         string
	add, remove  []string
	setWeight    bool
	weight       *int
	setMilestone bool
	milestone    string // "" removes
	state        string // cairn.ActionClosed or cairn.ActionReopened
	setAssign    bool
	assign       []string
	note         string
	system       bool
}

// plan is an issue's whole intended life. The generator writes every plan
// to its end; finalize then keeps only the steps up to "now", so that the
// issue's current labels, weight, milestone and state are exactly what its
// history says, whatever day the demo is generated on.
type plan struct {
	project     string
	kind        string
	title       string
	description string
	author      string
	issueType   string
	created     time.Time
	steps       []step
	parent      *plan
	links       []planLink
	relPos      *int64
	timeSpent   int
	dueDate     string
	iid         int64

	// Scheduling state while the milestones are simulated.
	weight   int
	priority string
	assignee string
	stretch  bool
	started  bool // in development before its milestone ended
	reviewed bool // in review before its milestone ended
	leftDays float64
	devStart time.Time
	closeAt  time.Time
}

type planLink struct {
	target   *plan
	linkType string
}

func (p *plan) do(s step) { p.steps = append(p.steps, s) }

func ptr[T any](v T) *T { return &v }

// finalize turns a plan into the archive issue as it stands at now, or
// false if the issue does not exist yet.
func (g *generator) finalize(p *plan) (archive.Issue, bool) {
	if p.created.After(g.now) {
		return archive.Issue{}, false
	}
	slices.SortStableFunc(p.steps, func(x, y step) int { return x.at.Compare(y.at) })
	is := archive.Issue{
		IID: p.iid, Title: p.title, Description: p.description, State: cairn.StateOpened,
		Author: p.author, IssueType: p.issueType, CreatedAt: archive.FormatTime(p.created),
		RelativePosition: p.relPos, DueDate: p.dueDate,
	}
	var labels []string
	var weight *int
	milestone := ""
	last := p.created
	for _, s := range p.steps {
		if s.at.After(g.now) {
			break
		}
		last = s.at
		ts := archive.FormatTime(s.at)
		ev := func(e archive.Event) {
			e.User, e.CreatedAt = s.user, ts
			is.Events = append(is.Events, e)
		}
		// Adding a scoped label removes the scope's other label, and the
		// removal is recorded, as the API does it.
		remove := slices.Clone(s.remove)
		for _, a := range s.add {
			if scope, ok := cairn.LabelScope(a); ok {
				for _, c := range labels {
					if cs, ok := cairn.LabelScope(c); ok && cs == scope && c != a && !slices.Contains(remove, c) {
						remove = append(remove, c)
					}
				}
			}
		}
		for _, r := range remove {
			if i := slices.Index(labels, r); i >= 0 {
				labels = slices.Delete(labels, i, i+1)
				ev(archive.Event{Type: archive.EventLabel, Action: cairn.ActionRemove, Label: r})
			}
		}
		for _, a := range s.add {
			if !slices.Contains(labels, a) {
				labels = append(labels, a)
				ev(archive.Event{Type: archive.EventLabel, Action: cairn.ActionAdd, Label: a})
			}
		}
		if s.setWeight && !equalWeight(weight, s.weight) {
			weight = s.weight
			if weight == nil {
				ev(archive.Event{Type: archive.EventWeight, Action: cairn.ActionRemove})
			} else {
				ev(archive.Event{Type: archive.EventWeight, Action: cairn.ActionAdd, Weight: ptr(*weight)})
			}
		}
		if s.setMilestone && s.milestone != milestone {
			if milestone != "" {
				ev(archive.Event{Type: archive.EventMilestone, Action: cairn.ActionRemove, Milestone: milestone})
			}
			if s.milestone != "" {
				ev(archive.Event{Type: archive.EventMilestone, Action: cairn.ActionAdd, Milestone: s.milestone})
			}
			milestone = s.milestone
		}
		switch {
		case s.state == cairn.ActionClosed && is.State == cairn.StateOpened:
			is.State, is.ClosedAt, is.ClosedBy = cairn.StateClosed, ts, s.user
			ev(archive.Event{Type: archive.EventState, Action: cairn.ActionClosed})
		case s.state == cairn.ActionReopened && is.State == cairn.StateClosed:
			is.State, is.ClosedAt, is.ClosedBy = cairn.StateOpened, "", ""
			ev(archive.Event{Type: archive.EventState, Action: cairn.ActionReopened})
		}
		if s.setAssign {
			is.Assignees = slices.Clone(s.assign)
		}
		if s.note != "" {
			is.Notes = append(is.Notes, archive.Note{Author: s.user, Body: s.note, System: s.system, CreatedAt: ts})
		}
	}
	is.Labels = labels
	is.Weight = weight
	is.Milestone = milestone
	is.UpdatedAt = archive.FormatTime(last)
	if is.State == cairn.StateClosed {
		is.TimeSpent = p.timeSpent
	}
	if p.parent != nil && !p.parent.created.After(g.now) {
		is.ParentIID = p.parent.iid
	}
	for _, l := range p.links {
		if !l.target.created.After(g.now) {
			is.Links = append(is.Links, archive.Link{Target: archive.IssueRef(GroupPath, l.target.project, l.target.iid), LinkType: l.linkType})
		}
	}
	return is, true
}

func equalWeight(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// newIssue starts a plan: the issue is created with the refinement label,
// its type and, when the author is the product manager, often a priority.
func (g *generator) newIssue(project, kind, author string, created time.Time) *plan {
	p := &plan{
		project: project, kind: kind, title: g.title(project, kind), description: g.description(kind),
		author: author, issueType: "issue", created: created, priority: g.priority(),
	}
	labels := []string{LabelRefinement, typeLabel(kind)}
	if p.priority != "" && (author == ProductName || kind == kindBug && p.priority == LabelHigh) {
		labels = append(labels, p.priority)
	}
	p.do(step{at: created, user: author, add: labels})
	g.issues = append(g.issues, p)
	return p
}

// author picks who writes an issue of the kind at t.
func (g *generator) author(kind string, t time.Time) string {
	engs := g.engineersAt(t)
	switch {
	case kind == kindFeature && g.chance(0.6):
		return ProductName
	case kind == kindFeature && g.chance(0.2):
		return ManagerName
	case kind == kindBug && g.chance(0.3):
		return ProductName
	}
	return engs[g.rng.IntN(len(engs))].username
}

// refine records the refinement: the checklist note, the weight, and the
// move from refinement to ready, by one engineer. A nil weight leaves the
// weight unset (it happens).
func (g *generator) refine(p *plan, at time.Time, weight *int) {
	engs := g.engineersAt(at)
	refiner := engs[g.rng.IntN(len(engs))].username
	if comment := g.later(at.Add(-4 * time.Hour)); g.chance(0.15) && comment.After(p.created) && comment.Before(at) {
		p.do(step{at: comment, user: ProductName, note: g.pick(pmComments)})
	}
	s := step{at: at, user: refiner, note: refinementNote(weight), remove: []string{LabelRefinement}, add: []string{LabelReady}}
	if weight != nil {
		s.setWeight, s.weight = true, ptr(*weight)
	}
	p.do(s)
}

func (g *generator) run() {
	var carry []*plan
	for k := 0; k <= current+1; k++ {
		carry = g.simulate(k, carry)
	}
	g.readyPool()
	g.backlog()
	g.unplannedBugs()
	g.closedInRefinement()
	g.planningIssues()
	g.relations()
	g.retrospectives()
}

// simulate plans milestone k (carryover first, then Deliverables up to the
// team's capacity, then a few Stretch issues), schedules the work of each
// engineer through the month, and returns what slips into milestone k+1.
func (g *generator) simulate(k int, carry []*plan) []*plan {
	m := g.milestones[k]
	monthDays := m.due.Sub(m.start).Hours()/24 + 1
	remaining := map[string]float64{}
	team := 0.0
	for _, e := range g.engineersAt(m.due) {
		from := latest(e.joined, m.start)
		share := (m.due.Sub(from).Hours()/24 + 1) / monthDays
		c := weightPerMonth * e.capacity * share * (0.85 + 0.25*g.rng.Float64())
		remaining[e.username] = c
		team += c
	}
	g.milestones[k].capacity = math.Round(team*10) / 10
	for _, p := range carry {
		remaining[p.assignee] -= float64(p.weight)
		team -= float64(p.weight)
	}

	var deliver []*plan
	for team > 1 {
		p := g.plannedIssue(k)
		// The engineer with the most room takes it, as the manager balances load.
		best := ""
		for _, e := range g.engineersAt(m.due) {
			if best == "" || remaining[e.username] > remaining[best] {
				best = e.username
			}
		}
		p.assignee = best
		remaining[best] -= float64(p.weight)
		team -= float64(p.weight)
		deliver = append(deliver, p)
	}
	var stretch []*plan
	for range g.between(2, 3) {
		p := g.plannedIssue(k)
		p.stretch = true
		stretch = append(stretch, p)
	}
	// Finalising the plan: the PM sets priorities, the EM labels and
	// schedules the issues.
	t := m.plan
	for _, p := range append(slices.Clone(deliver), stretch...) {
		if p.priority != "" && !hasLabelStep(p, p.priority) {
			t = t.Add(time.Duration(1+g.rng.IntN(4)) * time.Minute)
			p.do(step{at: t, user: ProductName, add: []string{p.priority}})
		}
	}
	for _, p := range deliver {
		t = t.Add(time.Duration(1+g.rng.IntN(5)) * time.Minute)
		p.do(step{at: t, user: ManagerName, add: []string{LabelDeliver}, setMilestone: true, milestone: m.title,
			setAssign: true, assign: []string{p.assignee}})
	}
	for _, p := range stretch {
		t = t.Add(time.Duration(1+g.rng.IntN(5)) * time.Minute)
		p.do(step{at: t, user: ManagerName, add: []string{LabelStretch}, setMilestone: true, milestone: m.title})
	}
	// The plan is final once its labels are on: it commits to the
	// carryover (moved in when the milestone starts, as a Deliverable),
	// the Deliverables and the Stretch issues, at their weights now.
	g.milestones[k].final = t.Add(time.Minute)
	for _, p := range carry {
		g.milestones[k].committed = append(g.milestones[k].committed, commitment{p, archive.PlacementDeliverable, p.weight, true})
	}
	for _, p := range deliver {
		g.milestones[k].committed = append(g.milestones[k].committed, commitment{p, archive.PlacementDeliverable, p.weight, false})
	}
	for _, p := range stretch {
		g.milestones[k].committed = append(g.milestones[k].committed, commitment{p, archive.PlacementStretch, p.weight, false})
	}

	// The work of the month, engineer by engineer: carryover first, then
	// Deliverables by priority, then Stretch while time is left.
	slices.SortStableFunc(deliver, func(x, y *plan) int { return cmp.Compare(priorityRank(x.priority), priorityRank(y.priority)) })
	cursor := map[string]time.Time{}
	for _, e := range g.engineersAt(m.due) {
		cursor[e.username] = g.at(latest(m.start, e.joined).AddDate(0, 0, g.rng.IntN(2)))
	}
	var slipped []*plan
	work := func(p *plan) {
		if g.schedule(k, p, cursor) {
			slipped = append(slipped, p)
		}
	}
	for _, p := range carry {
		work(p)
	}
	for _, p := range deliver {
		work(p)
	}
	for _, p := range stretch {
		// A Stretch issue is picked up by whoever is free first.
		free := ""
		for _, e := range g.engineersAt(m.due) {
			if free == "" || cursor[e.username].Before(cursor[free]) {
				free = e.username
			}
		}
		if cursor[free].After(addWorkdays(m.due, -6)) {
			slipped = append(slipped, p) // never started
			continue
		}
		p.assignee = free
		assignAt := g.office(g.later(cursor[free]))
		p.do(step{at: assignAt, user: free, setAssign: true, assign: []string{free}})
		cursor[free] = assignAt
		work(p)
	}
	if k == current {
		g.blockSome(deliver)
	}
	if k >= current+1 {
		return nil // their future is after the demo's now
	}
	return g.carryOver(k, slipped)
}

func hasLabelStep(p *plan, label string) bool {
	for _, s := range p.steps {
		if slices.Contains(s.add, label) {
			return true
		}
	}
	return false
}

func priorityRank(l string) int {
	switch l {
	case LabelHigh:
		return 0
	case LabelMedium:
		return 1
	case LabelLow:
		return 2
	}
	return 3
}

// plannedIssue creates an issue that will be ready in time for planning
// milestone k: created some weeks before, refined with a weight.
func (g *generator) plannedIssue(k int) *plan {
	m := g.milestones[k]
	kind := g.kind()
	created := g.at(m.plan.AddDate(0, 0, -g.between(10, 60)))
	if created.Before(g.origin.Add(48 * time.Hour)) {
		created = g.at(g.origin.AddDate(0, 0, 2+g.rng.IntN(10)))
	}
	p := g.newIssue(g.project(), kind, g.author(kind, created), created)
	p.weight = g.weight()
	gap := int(m.plan.Sub(created).Hours() / 24)
	refineAt := g.at(created.AddDate(0, 0, 1+g.rng.IntN(max(1, min(12, gap-2)))))
	if !refineAt.Before(m.plan) {
		refineAt = created.Add(2 * time.Hour)
	}
	g.refine(p, refineAt, ptr(p.weight))
	return p
}

// schedule records an issue's development in milestone k from the
// assignee's cursor: in dev, in review, closed. It reports whether the
// issue slips past the milestone's due date; then only the steps before
// the due date are recorded.
func (g *generator) schedule(k int, p *plan, cursor map[string]time.Time) bool {
	m := g.milestones[k]
	end := m.due.Add(18 * time.Hour)
	who := p.assignee
	factor := 1.0
	for _, e := range g.engineers {
		if e.username == who {
			factor = e.capacity
		}
	}
	days := p.leftDays
	if days == 0 {
		// A weight point is about two and a half working days of a
		// full-time engineer (the planning model's default velocity).
		days = float64(p.weight) * 2.1 * (0.7 + 0.6*g.rng.Float64())
		if g.chance(0.12) {
			days *= 1.8 // the surprise every team knows
		}
	}
	days /= factor
	start := g.office(g.later(cursor[who]))
	if !p.started {
		if !start.Before(end) {
			p.leftDays = days * factor
			return true
		}
		p.devStart = start
		p.do(step{at: start, user: who, add: []string{LabelInDev}})
		p.started = true
	}
	reviewAt := addWorkdays(start, days*0.75)
	if p.reviewed {
		reviewAt = start
	}
	closeAt := addWorkdays(reviewAt, 0.5+days*0.25)
	closeAt = g.at(closeAt)
	if !p.reviewed && reviewAt.Before(end) {
		reviewAt = g.office(g.later(reviewAt))
		s := step{at: reviewAt, user: who, add: []string{LabelInReview}}
		if g.chance(0.5) {
			s.note = g.pick(reviewComments)
		}
		p.do(s)
		p.reviewed = true
	}
	if !closeAt.After(reviewAt) {
		closeAt = g.office(g.later(reviewAt))
		if !closeAt.After(reviewAt) {
			closeAt = reviewAt.Add(10 * time.Minute)
		}
	}
	p.closeAt = closeAt
	// The next issue starts while this one is in review.
	cursor[who] = reviewAt
	if k >= current-1 {
		g.statusUpdates(k, p, start, earliest(closeAt, end))
	}
	if closeAt.After(end) {
		p.leftDays = max(1, workdaysBetween(end, closeAt)) * factor
		return true
	}
	p.do(step{at: closeAt, user: who, state: cairn.ActionClosed})
	if g.chance(0.2) {
		p.timeSpent = p.weight * g.between(3, 9) * 3600
	}
	return false
}

func workdaysBetween(a, b time.Time) float64 {
	n := 0.0
	for t := a; t.Before(b); t = t.AddDate(0, 0, 1) {
		if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
			n++
		}
	}
	return n
}

// statusUpdates posts the weekly async status update on Wednesdays while
// the issue is being worked on.
func (g *generator) statusUpdates(k int, p *plan, from, to time.Time) {
	m := g.milestones[k]
	slips := p.closeAt.After(m.due.Add(18 * time.Hour))
	for d := m.start; !d.After(m.due); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Wednesday {
			continue
		}
		at := d.Add(time.Duration(9*60+g.rng.IntN(7*60)) * time.Minute)
		if at.Before(from) || !at.Before(to) || !g.chance(0.75) {
			continue
		}
		confidence := 2
		if slips {
			confidence = g.rng.IntN(2)
		}
		p.do(step{at: at, user: p.assignee, note: g.statusUpdate(d, g.pick(progressLines), g.pick(nextLines), "", confidence)})
	}
}

// blockSome puts two of the current milestone's issues in
// workflow::blocked for a few days while in development: when possible
// one that is blocked right now, and one earlier in the month.
func (g *generator) blockSome(deliver []*plan) {
	n := 0
	block := func(p *plan, from time.Time) bool {
		from = g.at(from)
		until := g.at(addWorkdays(from, 3))
		if !from.After(p.devStart) || !p.closeAt.IsZero() && !until.Before(p.closeAt.Add(-24*time.Hour)) {
			return false
		}
		// Only while still in development: no other workflow change then.
		if hasStepBetween(p, p.devStart.Add(time.Minute), until.Add(time.Hour)) {
			return false
		}
		p.do(step{at: from, user: p.assignee, add: []string{LabelBlocked}})
		p.do(step{at: g.later(from), user: p.assignee,
			note: g.statusUpdate(from, "Paused until the blocker below is resolved.", "Resume as soon as it is unblocked.", g.pick(blockerLines), 0)})
		p.do(step{at: until, user: p.assignee, add: []string{LabelInDev}})
		n++
		return true
	}
	for _, p := range deliver {
		if !p.devStart.IsZero() && block(p, addWorkdays(workday(g.today, -1), -1)) {
			break
		}
	}
	for _, p := range deliver {
		if n < 2 && !p.devStart.IsZero() && p.devStart.Before(g.now) {
			block(p, addWorkdays(p.devStart, 1))
		}
	}
}

func hasStepBetween(p *plan, a, b time.Time) bool {
	for _, s := range p.steps {
		if !s.at.Before(a) && s.at.Before(b) && (len(s.add) > 0 || s.state != "") {
			return true
		}
	}
	return false
}

// carryOver moves what slipped from milestone k into k+1: the assignee
// re-weights it for the remaining work during planning, and the manager
// moves it on the first day of the next milestone. Stretch issues nobody
// started go back to the pool half of the time.
func (g *generator) carryOver(k int, slipped []*plan) []*plan {
	next := g.milestones[k+1]
	var out []*plan
	for _, p := range slipped {
		if p.stretch && !p.started && g.chance(0.5) {
			at := g.later(next.plan)
			p.do(step{at: at, user: ManagerName, remove: []string{LabelStretch}, setMilestone: true, milestone: ""})
			p.stretch = false
			continue
		}
		if p.assignee == "" {
			engs := g.engineersAt(next.start)
			p.assignee = engs[g.rng.IntN(len(engs))].username
		}
		reweigh := g.at(next.plan.AddDate(0, 0, -g.between(0, 2)))
		if !reweigh.Before(next.plan) {
			// Re-weighting is part of planning: it is done before the plan
			// is final, so that the plan commits to the new weight.
			reweigh = next.plan.Add(-30 * time.Minute)
		}
		if p.started {
			w := max(1, min(p.weight, int(p.leftDays+0.5)))
			if w == 4 {
				w = 3
			}
			p.weight = w
			p.do(step{at: reweigh, user: p.assignee, setWeight: true, weight: ptr(w),
				note: "Re-weighted for the remaining work: carrying this over to " + next.title + "."})
		}
		move := workday(next.start, 1).Add(time.Duration(8*60+g.rng.IntN(120)) * time.Minute)
		s := step{at: move, user: ManagerName, setMilestone: true, milestone: next.title,
			setAssign: true, assign: []string{p.assignee}}
		if p.stretch {
			s.remove, s.add = []string{LabelStretch}, []string{LabelDeliver}
			p.stretch = false
		}
		p.do(s)
		p.do(step{at: move.Add(time.Second), user: ManagerName, system: true, note: "changed milestone to %\"" + next.title + "\""})
		out = append(out, p)
	}
	return out
}

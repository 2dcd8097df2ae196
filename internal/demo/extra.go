package demo

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/planning"
)

// readyPool creates refined issues that no milestone has taken yet: the
// candidates for the next planning. A few were refined without a weight,
// and most carry a manual rank.
func (g *generator) readyPool() {
	for i := range 22 {
		kind := g.kind()
		created := g.at(g.today.AddDate(0, 0, -g.between(20, 100)))
		p := g.newIssue(g.project(), kind, g.author(kind, created), created)
		refined := g.at(created.AddDate(0, 0, g.between(3, 15)))
		if !refined.Before(g.today) {
			refined = g.at(g.today.AddDate(0, 0, -2))
		}
		var w *int
		if i%5 != 4 {
			w = ptr(g.weight())
		}
		g.refine(p, refined, w)
		if p.priority != "" && !hasLabelStep(p, p.priority) && g.chance(0.7) {
			p.do(step{at: g.later(refined.Add(24 * time.Hour)), user: ProductName, add: []string{p.priority}})
		}
		if i < 9 {
			p.relPos = ptr(int64(1000 * (i + 1)))
		}
	}
}

// backlog creates issues still waiting for refinement: mostly recent ones,
// a few old ones nobody got to, some already with a priority (the
// refinement gaps the product manager flags).
func (g *generator) backlog() {
	for i := range 34 {
		kind := g.kind()
		var created time.Time
		if i < 4 {
			created = g.at(latest(g.origin.AddDate(0, 0, 5), g.today.AddDate(0, 0, -g.between(90, 180))))
		} else {
			created = g.at(g.today.AddDate(0, 0, -g.between(1, 40)))
		}
		if created.After(g.now) {
			created = g.now.Add(-time.Duration(1+g.rng.IntN(6)) * time.Hour)
		}
		p := g.newIssue(g.project(), kind, g.author(kind, created), created)
		if p.priority != "" && !hasLabelStep(p, p.priority) && g.chance(0.4) {
			at := g.later(created.Add(20 * time.Hour))
			engs := g.engineersAt(at)
			p.do(step{at: at, user: ProductName, add: []string{p.priority},
				note: fmt.Sprintf("@%s could you refine this one? We would like it in one of the next two milestones.", engs[g.rng.IntN(len(engs))].username)})
		}
	}
}

// closedInRefinement creates issues closed without development: duplicates
// and requests the team decided against during refinement.
func (g *generator) closedInRefinement() {
	for i := range 12 {
		kind := g.kind()
		created := g.at(g.origin.AddDate(0, 0, g.between(5, int(g.today.Sub(g.origin).Hours()/24)-10)))
		p := g.newIssue(g.project(), kind, g.author(kind, created), created)
		at := g.at(created.AddDate(0, 0, g.between(1, 10)))
		engs := g.engineersAt(at)
		who := engs[g.rng.IntN(len(engs))].username
		note := "Closing: this is already covered by an existing issue; let's continue the discussion there."
		if i%3 == 0 {
			note = "After discussing with @" + ProductName + " we decided not to do this: the benefit is small and it would add configuration nobody asked for."
		}
		p.do(step{at: at, user: who, note: note})
		p.do(step{at: g.later(at), user: who, state: cairn.ActionClosed})
	}
}

// unplannedBugs creates urgent bugs that skipped planning: fixed within a
// few days in the month they came in, most without a weight.
func (g *generator) unplannedBugs() {
	for i := range 20 {
		k := g.rng.IntN(current + 1)
		m := g.milestones[k]
		created := g.at(m.start.AddDate(0, 0, g.rng.IntN(25)))
		if created.After(g.now) {
			continue
		}
		engs := g.engineersAt(created)
		who := engs[g.rng.IntN(len(engs))].username
		p := &plan{project: g.project(), kind: kindBug, title: g.title(g.project(), kindBug), description: g.description(kindBug),
			author: ProductName, issueType: "issue", created: created, priority: LabelHigh}
		if i%3 == 0 {
			p.author = who
		}
		g.issues = append(g.issues, p)
		p.do(step{at: created, user: p.author, add: []string{LabelBug, LabelHigh}})
		dev := step{at: g.later(created), user: who, add: []string{LabelInDev}, setMilestone: true, milestone: m.title,
			setAssign: true, assign: []string{who}}
		if i%3 == 1 {
			dev.setWeight, dev.weight = true, ptr(1)
		}
		p.do(dev)
		review := g.at(addWorkdays(dev.at, float64(g.between(1, 2))))
		p.do(step{at: review, user: who, add: []string{LabelInReview}, note: g.pick(reviewComments)})
		p.do(step{at: g.at(addWorkdays(review, 1)), user: who, state: cairn.ActionClosed})
	}
}

// planningIssues creates the manager's planning issue of each milestone in
// the planning project, with the milestone it plans, as Cairn's planner
// names them: opened early in the previous milestone and closed when
// planning is final, as finalising closes it.
func (g *generator) planningIssues() {
	for k := 1; k < len(g.milestones); k++ {
		m := g.milestones[k]
		final := m.final
		if final.IsZero() {
			final = m.plan // not simulated: its planning lies ahead
		}
		created := g.at(g.milestones[k-1].start.AddDate(0, 0, 2))
		p := &plan{project: PlanningProject, kind: kindMaintenance, title: "Milestone Planning: " + m.title,
			description: planningDescription(m), author: ManagerName, issueType: "issue", created: created}
		g.issues = append(g.issues, p)
		g.milestones[k].planning = p
		p.do(step{at: created, user: ManagerName, add: []string{LabelPlanning}, setMilestone: true, milestone: m.title,
			setAssign: true, assign: []string{ManagerName}})
		p.do(step{at: g.at(m.plan.AddDate(0, 0, -6)), user: ProductName,
			note: "Priorities for " + m.title + " are set with the `code-creation-priority` labels. Two refinement gaps flagged in the parking lot."})
		p.do(step{at: final.Add(-time.Minute), user: ManagerName,
			note: "Capacity is calculated from time off, historic velocity, 20% refinement and 10% other work. Carryover is re-weighted; Deliverable and Stretch labels are applied. Planning is final."})
		p.do(step{at: final, user: ManagerName, state: cairn.ActionClosed})
	}
}

// retroDueDays is the planning settings' default retro_due_days.
const retroDueDays = 14

// retrospectives opens the asynchronous retrospective of every milestone
// whose next plan is final, as finalising does: in the planning project,
// by the engineering manager, a sub-task of the milestone's planning issue,
// due two weeks after the milestone ends. The team adds items until it is
// due, and the manager closes it after the combined retrospective and
// kickoff. Its description (what shipped and what slipped) is written once
// the issues have their iids (retroDescription).
func (g *generator) retrospectives() {
	for k := 0; k < current; k++ {
		m := g.milestones[k]
		created := g.milestones[k+1].final
		due := m.due.AddDate(0, 0, retroDueDays)
		p := &plan{project: PlanningProject, kind: kindMaintenance, title: planning.RetrospectiveTitle(m.title),
			author: ManagerName, issueType: "task", created: created, parent: m.planning, dueDate: due.Format(archive.DateLayout)}
		g.issues = append(g.issues, p)
		g.milestones[k].retro = p
		p.do(step{at: created, user: ManagerName, add: []string{LabelRetro}})
		comments := slices.Clone(retroComments)
		g.rng.Shuffle(len(comments), func(i, j int) { comments[i], comments[j] = comments[j], comments[i] })
		at := created
		for _, c := range comments[:g.between(2, 4)] {
			at = g.at(at.AddDate(0, 0, g.between(1, 5)))
			if at.After(due) {
				break
			}
			engs := g.engineersAt(at)
			p.do(step{at: at, user: engs[g.rng.IntN(len(engs))].username, note: c})
		}
		closed := g.at(due.AddDate(0, 0, 1))
		p.do(step{at: closed, user: ManagerName, note: "Discussed in the kickoff of " + g.milestones[k+1].title + "; the changes we agreed on are in its planning issue.", state: cairn.ActionClosed})
	}
}

// retroDescription returns the retrospective of milestone k as Cairn
// pre-fills it when it opens it: the Deliverables of the plan, shipped or
// slipped by then.
func (g *generator) retroDescription(k int) string {
	m := g.milestones[k]
	doc := planning.RetroDoc{
		Milestone:      planning.Milestone{Title: m.title, StartDate: m.start.Format(archive.DateLayout), DueDate: m.due.Format(archive.DateLayout)},
		DueDate:        m.retro.dueDate,
		FromCommitment: true,
	}
	if m.planning != nil {
		doc.PlanningRef = archive.IssueRef(GroupPath, PlanningProject, m.planning.iid)
	}
	for _, c := range m.committed {
		if c.placement != archive.PlacementDeliverable {
			continue
		}
		it := planning.RetroItem{Ref: archive.IssueRef(GroupPath, c.issue.project, c.issue.iid), Title: c.issue.title, Weight: ptr(c.weight)}
		if c.issue.assignee != "" {
			it.Assignees = []string{c.issue.assignee}
		}
		if closedBy(c.issue, m.retro.created) {
			doc.Shipped = append(doc.Shipped, it)
		} else {
			doc.Slipped = append(doc.Slipped, it)
		}
	}
	return planning.RenderRetrospective(doc)
}

// closedBy reports whether the issue is closed at t.
func closedBy(p *plan, t time.Time) bool {
	closed := false
	for _, s := range p.steps {
		if s.at.After(t) {
			continue
		}
		switch s.state {
		case cairn.ActionClosed:
			closed = true
		case cairn.ActionReopened:
			closed = false
		}
	}
	return closed
}

// relations adds a few issue links and one sub-task.
func (g *generator) relations() {
	var planned []*plan
	for _, p := range g.issues {
		if !p.devStart.IsZero() {
			planned = append(planned, p)
		}
	}
	var maint, feature []*plan
	for _, p := range planned {
		switch p.kind {
		case kindMaintenance:
			maint = append(maint, p)
		case kindFeature:
			feature = append(feature, p)
		}
	}
	for i := 0; i < 2 && i < len(maint) && i < len(feature); i++ {
		maint[i].links = append(maint[i].links, planLink{feature[len(feature)-1-i], cairn.LinkBlocks})
	}
	for i := 0; i+1 < len(feature) && i < 6; i += 3 {
		if feature[i].project != feature[i+1].project {
			feature[i].links = append(feature[i].links, planLink{feature[i+1], cairn.LinkRelatesTo})
		}
	}
	// One feature is split: a task for the spike, preferably in the
	// current milestone.
	var split *plan
	for _, p := range feature {
		if p.weight < 3 || !p.devStart.Before(g.now.Add(-24*time.Hour)) {
			continue
		}
		if split == nil || hasMilestoneStep(p, g.milestones[current].title) {
			split = p
		}
	}
	if p := split; p != nil {
		ms := ""
		for _, s := range p.steps {
			if s.setMilestone && !s.at.After(p.devStart) {
				ms = s.milestone
			}
		}
		created := g.later(p.devStart)
		child := &plan{project: p.project, kind: kindFeature, title: "Spike: " + p.title, parent: p, author: p.assignee,
			description: "## Context\n\nSpike for the parent issue: find the approach before the main change.\n\n## References and Resources\n\n- Parent issue\n\n## Proposal\n\nTry the two candidate approaches on a branch and compare them.\n\n## Definition of Done / Acceptance Criteria\n\n- [ ] A short write-up of the chosen approach on the parent issue\n",
			issueType:   "task", created: created}
		g.issues = append(g.issues, child)
		child.do(step{at: created, user: p.assignee, add: []string{LabelInDev, LabelFeature}, setWeight: true, weight: ptr(1),
			setMilestone: ms != "", milestone: ms, setAssign: true, assign: []string{p.assignee}})
		child.do(step{at: g.at(addWorkdays(created, 1)), user: p.assignee, state: cairn.ActionClosed,
			note: "Went with the first approach: it keeps the change small. Details are on the parent issue."})
		p.links = append(p.links, planLink{child, cairn.LinkRelatesTo})
	}
}

func hasMilestoneStep(p *plan, title string) bool {
	for _, s := range p.steps {
		if s.setMilestone && s.milestone == title {
			return true
		}
	}
	return false
}

// archive assembles the archive from the team and the finalised plans.
func (g *generator) archive() *archive.Archive {
	a := archive.New()
	a.Users = append(a.Users, archive.User{Username: AdminUsername, Name: "Administrator", Email: "admin@cairn.example",
		IsAdmin: true, CreatedAt: archive.FormatTime(g.origin.AddDate(0, 0, -10))})
	grp := archive.Group{
		Path: GroupPath, Name: "Code Creation", Visibility: cairn.VisibilityPrivate,
		Description: "AI-powered code creation: code suggestions, chat and the IDE extensions that bring them to developers.",
		CreatedAt:   archive.FormatTime(g.origin),
		// The demo's milestones are named "2026-11"; the cadence names the
		// ones it creates the same way.
		Settings: json.RawMessage(`{"cadence":{"interval":"monthly","start_day":1,"title_format":"` + planning.TitleYearMonth + `"}}`),
	}
	for _, p := range g.team {
		created := g.origin.Add(-24 * time.Hour)
		if p.joined.After(g.origin) {
			created = p.joined.Add(-24*time.Hour + 10*time.Hour)
		}
		a.Users = append(a.Users, archive.User{Username: p.username, Name: p.name, Email: p.username + "@cairn.example",
			CreatedAt: archive.FormatTime(created)})
		grp.Members = append(grp.Members, archive.Member{Username: p.username, PlanningRole: p.role,
			CapacityFactor: p.capacity, AccessLevel: p.access, JoinedAt: p.joined.Format(archive.DateLayout)})
	}
	grp.Labels = groupLabels()
	for k, m := range g.milestones {
		created := m.start.AddDate(0, 0, -21).Add(10 * time.Hour)
		if created.After(g.now) {
			created = g.now.Add(-time.Hour)
		}
		if created.Before(g.origin) {
			created = g.origin.Add(time.Hour)
		}
		state := cairn.MilestoneActive
		if k < current {
			state = cairn.MilestoneClosed
		}
		grp.Milestones = append(grp.Milestones, archive.Milestone{Title: m.title, StartDate: m.start.Format(archive.DateLayout),
			DueDate: m.due.Format(archive.DateLayout), State: state, CreatedAt: archive.FormatTime(created),
			Description: "Monthly milestone " + m.title + "."})
	}
	// Issues are numbered per project in the order they were created.
	byProject := map[string][]*plan{}
	for _, p := range g.issues {
		if !p.created.After(g.now) {
			byProject[p.project] = append(byProject[p.project], p)
		}
	}
	for i, pn := range archiveProjects {
		plans := byProject[pn.path]
		slices.SortStableFunc(plans, func(x, y *plan) int {
			return cmp.Or(x.created.Compare(y.created), cmp.Compare(x.title, y.title))
		})
		for n, p := range plans {
			p.iid = int64(n + 1)
		}
		grp.Projects = append(grp.Projects, archive.Project{Path: pn.path, Name: pn.name, Description: pn.desc,
			CreatedAt: archive.FormatTime(g.origin.Add(time.Duration(i+1) * time.Hour))})
	}
	for k, m := range g.milestones {
		if m.retro != nil {
			m.retro.description = g.retroDescription(k)
		}
	}
	for i, pn := range archiveProjects {
		for _, p := range byProject[pn.path] {
			if is, ok := g.finalize(p); ok {
				grp.Projects[i].Issues = append(grp.Projects[i].Issues, is)
			}
		}
	}
	grp.Plans = g.plans()
	a.Groups = append(a.Groups, grp)
	return a
}

// plans returns the plans of the finished milestones and the current one,
// as the engineering manager finalised them: the planning issue, the team
// capacity and the commitments. The next milestone's plan is left open
// even when the history already shows it final, so that a newcomer can
// finalise it. Issues must have their iids.
func (g *generator) plans() []archive.Plan {
	var out []archive.Plan
	for _, m := range g.milestones[:current+1] {
		pl := archive.Plan{Milestone: m.title, FinalizedAt: archive.FormatTime(m.final), FinalizedBy: ManagerName, TeamCapacity: ptr(m.capacity)}
		if m.planning != nil {
			pl.PlanningIssue = archive.IssueRef(GroupPath, PlanningProject, m.planning.iid)
		}
		if m.retro != nil {
			pl.Retrospective = archive.IssueRef(GroupPath, PlanningProject, m.retro.iid)
		}
		for _, c := range m.committed {
			pl.Commitments = append(pl.Commitments, archive.Commitment{Issue: archive.IssueRef(GroupPath, c.issue.project, c.issue.iid),
				Placement: c.placement, Weight: ptr(c.weight), Carryover: c.carryover})
		}
		out = append(out, pl)
	}
	return out
}

func groupLabels() []archive.Label {
	return []archive.Label{
		{Name: LabelRefinement, Color: "#5843ad", Description: "Needs discussion, clarification and a weight before development."},
		{Name: LabelReady, Color: "#428bca", Description: "Refined and weighted: ready to be planned into a milestone."},
		{Name: LabelInDev, Color: "#1f75cb", Description: "Being developed."},
		{Name: LabelInReview, Color: "#2da160", Description: "The merge request is in review."},
		{Name: LabelBlocked, Color: "#dd2b0e", Description: "Cannot move on until something outside the issue is resolved."},
		{Name: LabelHigh, Color: "#c21e56", Description: "Highest product priority for the team.", Priority: ptr(1)},
		{Name: LabelMedium, Color: "#e9be74", Description: "Important, after the high priority work.", Priority: ptr(2)},
		{Name: LabelLow, Color: "#8fbc8f", Description: "Nice to have.", Priority: ptr(3)},
		{Name: LabelDeliver, Color: "#009966", Description: "Committed for the milestone."},
		{Name: LabelStretch, Color: "#a8d695", Description: "Planned beyond capacity: done if time allows."},
		{Name: LabelPlanning, Color: "#6699cc", Description: "The milestone planning issue."},
		{Name: LabelRetro, Color: "#8e44ad", Description: "The asynchronous retrospective of a milestone."},
		{Name: LabelFeature, Color: "#1068bf", Description: "New functionality or an improvement."},
		{Name: LabelBug, Color: "#dc143c", Description: "Something does not work as intended."},
		{Name: LabelMaint, Color: "#8fa7b2", Description: "Refactoring, upgrades, tooling and other upkeep."},
	}
}

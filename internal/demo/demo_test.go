package demo_test

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/demo"
)

// days the demo is generated on in the tests: mid-month, the first and the
// last day of a month, a leap day and a Sunday, so that truncating history
// at "now" is exercised at every point of a milestone.
var days = []time.Time{
	time.Date(2026, 11, 18, 14, 30, 0, 0, time.UTC),
	time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
	time.Date(2027, 1, 31, 20, 0, 0, 0, time.UTC),
	time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC),
	time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC),
}

func TestGenerateDeterministic(t *testing.T) {
	today := days[0]
	a, err := archive.Marshal(demo.Generate(today, 42))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := archive.Marshal(demo.Generate(today, 42))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed and day gave different archives")
	}
	c, _ := archive.Marshal(demo.Generate(today, 43))
	if bytes.Equal(a, c) {
		t.Error("another seed gave the same archive")
	}
}

func TestGenerateValid(t *testing.T) {
	for _, today := range days {
		for _, seed := range []int64{1, 42, 2026} {
			a := demo.Generate(today, seed)
			if err := a.Validate(); err != nil {
				t.Fatalf("%s seed %d: %v", today.Format(time.DateOnly), seed, err)
			}
			checkHistory(t, a, today)
		}
	}
}

// checkHistory replays every issue's events and checks that they end in
// the issue's current labels, weight, milestone and state, that nothing
// happens after today, and that the archive is normalised.
func checkHistory(t *testing.T, a *archive.Archive, today time.Time) {
	t.Helper()
	now := archive.FormatTime(today)
	n := a.Clone()
	archive.Normalize(n)
	x, _ := archive.Marshal(a)
	y, _ := archive.Marshal(n)
	if !bytes.Equal(x, y) {
		t.Errorf("%s: Generate's archive is not normalised", now)
	}
	for _, p := range a.Groups[0].Projects {
		for _, is := range p.Issues {
			name := p.Path + "#" + strconv.FormatInt(is.IID, 10)
			var labels []string
			var weight *int
			milestone, state := "", cairn.StateOpened
			last := is.CreatedAt
			for _, e := range is.Events {
				if e.CreatedAt > now {
					t.Errorf("%s: event at %s is after now %s", name, e.CreatedAt, now)
				}
				last = max(last, e.CreatedAt)
				switch e.Type + "/" + e.Action {
				case "label/add":
					if slices.Contains(labels, e.Label) {
						t.Errorf("%s: label %q added twice", name, e.Label)
					}
					labels = append(labels, e.Label)
				case "label/remove":
					i := slices.Index(labels, e.Label)
					if i < 0 {
						t.Errorf("%s: label %q removed but not there", name, e.Label)
						continue
					}
					labels = slices.Delete(labels, i, i+1)
				case "weight/add", "weight/remove":
					weight = e.Weight
				case "milestone/add":
					milestone = e.Milestone
				case "milestone/remove":
					if milestone != e.Milestone {
						t.Errorf("%s: milestone %q removed but %q is set", name, e.Milestone, milestone)
					}
					milestone = ""
				case "state/closed":
					state = cairn.StateClosed
				case "state/reopened":
					state = cairn.StateOpened
				}
			}
			for _, nt := range is.Notes {
				if nt.CreatedAt > now {
					t.Errorf("%s: note at %s is after now", name, nt.CreatedAt)
				}
				last = max(last, nt.CreatedAt)
			}
			slices.Sort(labels)
			if !slices.Equal(labels, is.Labels) {
				t.Errorf("%s: events give labels %q, issue has %q", name, labels, is.Labels)
			}
			if (weight == nil) != (is.Weight == nil) || weight != nil && *weight != *is.Weight {
				t.Errorf("%s: events give weight %v, issue has %v", name, weight, is.Weight)
			}
			if milestone != is.Milestone {
				t.Errorf("%s: events give milestone %q, issue has %q", name, milestone, is.Milestone)
			}
			if state != is.State {
				t.Errorf("%s: events give state %s, issue is %s", name, state, is.State)
			}
			// Assigning changes updated_at but records no event.
			if is.UpdatedAt < last || is.UpdatedAt > now {
				t.Errorf("%s: updated_at %s, last event or note %s, now %s", name, is.UpdatedAt, last, now)
			}
		}
	}
}

// TestGenerateTeam checks that the demo looks like the team of the seeds.
func TestGenerateTeam(t *testing.T) {
	today := days[0]
	a := demo.Generate(today, 7)
	if len(a.Groups) != 1 {
		t.Fatalf("%d groups, want 1", len(a.Groups))
	}
	g := a.Groups[0]
	if g.Path != "code-creation" || g.Name != "Code Creation" || g.Visibility != "private" {
		t.Errorf("group %s %q %s", g.Path, g.Name, g.Visibility)
	}
	var paths []string
	for _, p := range g.Projects {
		paths = append(paths, p.Path)
	}
	if strings.Join(paths, ",") != "code-suggestions,duo-chat,ide-extensions,planning" {
		t.Errorf("projects %v", paths)
	}
	admin := false
	for _, u := range a.Users {
		admin = admin || u.Username == "admin" && u.IsAdmin
	}
	if !admin {
		t.Error("no admin user")
	}
	roles := map[string]int{}
	partTime, newJoiner := 0, 0
	for _, m := range g.Members {
		roles[m.PlanningRole]++
		if m.Username == "admin" {
			t.Error("admin is a member")
		}
		if m.PlanningRole == "engineer" && m.CapacityFactor == 0.5 {
			partTime++
		}
		if m.JoinedAt == today.AddDate(0, -2, 0).Format(time.DateOnly) {
			newJoiner++
		}
	}
	if roles["engineering_manager"] != 1 || roles["product_manager"] != 1 || roles["engineer"] < 4 || roles["engineer"] > 5 {
		t.Errorf("roles %v", roles)
	}
	if partTime != 1 || newJoiner != 1 {
		t.Errorf("part-time engineers %d, new joiners %d; want 1 and 1", partTime, newJoiner)
	}
	var titles []string
	closed := 0
	for _, m := range g.Milestones {
		titles = append(titles, m.Title)
		if m.State == "closed" {
			closed++
		}
	}
	want := []string{"2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027-01"}
	if !slices.Equal(titles, want) || closed != 6 {
		t.Errorf("milestones %v (%d closed), want %v (6 closed)", titles, closed, want)
	}
	if g.Milestones[6].StartDate != "2026-11-01" || g.Milestones[6].DueDate != "2026-11-30" {
		t.Errorf("current milestone %s..%s", g.Milestones[6].StartDate, g.Milestones[6].DueDate)
	}

	// The process leaves its marks: count them.
	var issues, closedIssues, refinement, readyNoMilestone, noWeight, carried, stretch, statusUpdates, checklists, links, subtasks, blocked, planning, retros int
	prio := map[string]int{}
	for _, p := range g.Projects {
		for _, is := range p.Issues {
			issues++
			if is.State == "closed" {
				closedIssues++
			}
			has := func(l string) bool { return slices.Contains(is.Labels, l) }
			if has("workflow::refinement") {
				refinement++
			}
			if has("workflow::ready for development") && is.Milestone == "" && is.State == "opened" {
				readyNoMilestone++
			}
			if is.Weight == nil {
				noWeight++
			}
			if has("Stretch") {
				stretch++
			}
			for _, e := range is.Events {
				if e.Label == "workflow::blocked" && e.Action == "add" {
					blocked++
				}
			}
			if has("Planning Issue") {
				planning++
			}
			for _, l := range is.Labels {
				if strings.HasPrefix(l, "code-creation-priority::") {
					prio[l]++
				}
			}
			removed := 0
			for _, e := range is.Events {
				if e.Type == "milestone" && e.Action == "remove" {
					removed++
				}
			}
			if removed > 0 {
				carried++
			}
			for _, n := range is.Notes {
				if strings.HasPrefix(n.Body, "## Async Status Update ") {
					statusUpdates++
				}
				if strings.HasPrefix(n.Body, "## Refinement Checklist") {
					checklists++
				}
			}
			links += len(is.Links)
			if has(demo.LabelRetro) {
				retros++
			} else if is.ParentIID != 0 {
				subtasks++
			}
		}
	}
	t.Logf("issues %d (closed %d), refinement %d, ready without milestone %d, no weight %d, carried over %d, stretch %d, blocked %d, status updates %d, checklists %d, links %d, sub-tasks %d, planning %d, retrospectives %d, priorities %v",
		issues, closedIssues, refinement, readyNoMilestone, noWeight, carried, stretch, blocked, statusUpdates, checklists, links, subtasks, planning, retros, prio)
	checks := []struct {
		what      string
		n, lo, hi int
	}{
		{"issues", issues, 200, 300},
		{"closed issues", closedIssues, 80, 250},
		{"issues in refinement", refinement, 10, 60},
		{"ready issues without milestone", readyNoMilestone, 5, 40},
		{"issues without weight", noWeight, 3, 80},
		{"carried-over issues", carried, 3, 60},
		{"stretch issues", stretch, 2, 40},
		{"status updates", statusUpdates, 3, 200},
		{"refinement checklists", checklists, 100, 300},
		{"links", links, 2, 20},
		{"sub-tasks", subtasks, 1, 1},
		{"blocked", blocked, 1, 2},
		{"planning issues", planning, 5, 8},
		{"retrospectives", retros, 6, 6},
		{"high priority", prio["code-creation-priority::high"], 5, 150},
		{"medium priority", prio["code-creation-priority::medium"], 5, 150},
		{"low priority", prio["code-creation-priority::low"], 3, 150},
	}
	for _, c := range checks {
		if c.n < c.lo || c.n > c.hi {
			t.Errorf("%s: %d, want %d..%d", c.what, c.n, c.lo, c.hi)
		}
	}
}

// issueAt is an issue as its events leave it at a time.
type issueAt struct {
	labels    []string
	weight    *int
	milestone string
	state     string
}

// replay returns the issue as its events leave it at the canonical
// timestamp at (inclusive).
func replay(is archive.Issue, at string) issueAt {
	st := issueAt{state: cairn.StateOpened}
	for _, e := range is.Events {
		if e.CreatedAt > at {
			break
		}
		switch e.Type + "/" + e.Action {
		case "label/add":
			st.labels = append(st.labels, e.Label)
		case "label/remove":
			if i := slices.Index(st.labels, e.Label); i >= 0 {
				st.labels = slices.Delete(st.labels, i, i+1)
			}
		case "weight/add", "weight/remove":
			st.weight = e.Weight
		case "milestone/add":
			st.milestone = e.Milestone
		case "milestone/remove":
			st.milestone = ""
		case "state/closed":
			st.state = cairn.StateClosed
		case "state/reopened":
			st.state = cairn.StateOpened
		}
	}
	return st
}

// TestGeneratePlans checks the demo's milestone plans against its history:
// the finished milestones and the current one have a plan (the next ones
// none, so that they can be finalised in the demo), finalised by the
// engineering manager before it starts, closing its planning issue (the
// first milestone has none). At finalisation every commitment has the
// weight it was committed with, and those that are not carryover have the
// milestone and their placement's label; carryover was committed to by the
// plan before and is moved in by the end of the milestone's first working
// day. Then, the Deliverable and Stretch issues of the milestone are
// exactly its commitments. Every finished milestone has its retrospective,
// opened when the next plan was finalised, as finalising opens it.
func TestGeneratePlans(t *testing.T) {
	for _, today := range days {
		for _, seed := range []int64{1, 42} {
			name := today.Format(time.DateOnly) + "/" + strconv.FormatInt(seed, 10)
			a := demo.Generate(today, seed)
			g := a.Groups[0]
			issues := map[string]archive.Issue{}
			for _, p := range g.Projects {
				for _, is := range p.Issues {
					issues[archive.IssueRef(g.Path, p.Path, is.IID)] = is
				}
			}
			plans := map[string]archive.Plan{}
			for _, pl := range g.Plans {
				plans[pl.Milestone] = pl
			}
			var prev map[string]bool
			for k, m := range g.Milestones {
				pl, ok := plans[m.Title]
				if ok != (k <= 6) {
					t.Errorf("%s: milestone %s has a plan %v, want %v", name, m.Title, ok, k <= 6)
				}
				if !ok {
					prev = nil
					continue
				}
				if pl.FinalizedBy != demo.ManagerName || pl.FinalizedAt >= m.StartDate || pl.FinalizedAt > archive.FormatTime(today) ||
					pl.TeamCapacity == nil || *pl.TeamCapacity <= 0 || len(pl.Commitments) == 0 {
					t.Errorf("%s: plan of %s: %+v", name, m.Title, pl)
				}
				if k == 0 {
					if pl.PlanningIssue != "" {
						t.Errorf("%s: the first milestone has planning issue %s", name, pl.PlanningIssue)
					}
				} else if pi := issues[pl.PlanningIssue]; pi.Title != "Milestone Planning: "+m.Title || pi.ClosedAt != pl.FinalizedAt {
					t.Errorf("%s: planning issue of %s is %q, closed at %s; finalised at %s", name, m.Title, pi.Title, pi.ClosedAt, pl.FinalizedAt)
				}
				// The retrospective opened when the next plan was final.
				if k < 6 {
					due, _ := time.Parse(time.DateOnly, m.DueDate)
					r, ok := issues[pl.Retrospective]
					_, planningIID, _ := strings.Cut(pl.PlanningIssue, "#")
					switch {
					case !ok || r.Title != "Retrospective: "+m.Title || !slices.Contains(r.Labels, demo.LabelRetro) || r.Author != demo.ManagerName:
						t.Errorf("%s: retrospective of %s: %s %q %q", name, m.Title, pl.Retrospective, r.Title, r.Labels)
					case r.CreatedAt != plans[g.Milestones[k+1].Title].FinalizedAt || r.DueDate != due.AddDate(0, 0, 14).Format(time.DateOnly):
						t.Errorf("%s: retrospective of %s opened %s, due %s", name, m.Title, r.CreatedAt, r.DueDate)
					case strconv.FormatInt(r.ParentIID, 10) != planningIID && !(k == 0 && r.ParentIID == 0):
						t.Errorf("%s: retrospective of %s is a sub-task of #%d, not of the planning issue %s", name, m.Title, r.ParentIID, pl.PlanningIssue)
					case !strings.Contains(r.Description, "### What shipped and what slipped"):
						t.Errorf("%s: retrospective of %s:\n%s", name, m.Title, r.Description)
					}
				} else if pl.Retrospective != "" {
					t.Errorf("%s: %s has retrospective %s before its next plan is final", name, m.Title, pl.Retrospective)
				}
				start, _ := time.Parse(time.DateOnly, m.StartDate)
				for start.Weekday() == time.Saturday || start.Weekday() == time.Sunday {
					start = start.AddDate(0, 0, 1)
				}
				started := archive.FormatTime(start.Add(24*time.Hour - time.Millisecond))
				committed := map[string]bool{}
				for _, c := range pl.Commitments {
					committed[c.Issue] = true
					is, ok := issues[c.Issue]
					if !ok {
						t.Errorf("%s: %s commits to unknown issue %s", name, m.Title, c.Issue)
						continue
					}
					at := replay(is, pl.FinalizedAt)
					label := demo.LabelDeliver
					if c.Placement == archive.PlacementStretch {
						label = demo.LabelStretch
					}
					switch {
					case c.Weight == nil || at.weight == nil || *c.Weight != *at.weight:
						t.Errorf("%s: %s commits to %s with weight %v; it weighs %v", name, m.Title, c.Issue, c.Weight, at.weight)
					case !c.Carryover && (at.milestone != m.Title || !slices.Contains(at.labels, label)):
						t.Errorf("%s: %s commits to %s as %s; at finalisation it is in %q with %q", name, m.Title, c.Issue, c.Placement, at.milestone, at.labels)
					case c.Carryover && (!prev[c.Issue] || c.Placement != archive.PlacementDeliverable):
						t.Errorf("%s: %s carries over %s (%s), which the plan before did not commit to", name, m.Title, c.Issue, c.Placement)
					case c.Carryover && started <= archive.FormatTime(today) && replay(is, started).milestone != m.Title:
						t.Errorf("%s: carryover %s is not in %s by %s", name, c.Issue, m.Title, started)
					}
				}
				if started <= archive.FormatTime(today) {
					for ref, is := range issues {
						at := replay(is, started)
						if at.milestone == m.Title && (slices.Contains(at.labels, demo.LabelDeliver) || slices.Contains(at.labels, demo.LabelStretch)) && !committed[ref] {
							t.Errorf("%s: %s is a %q issue of %s at its start but not a commitment", name, ref, at.labels, m.Title)
						}
					}
				}
				prev = committed
			}
		}
	}
}

package archive

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// Normalize puts the archive in its canonical form, so that two archives
// holding the same data encode to the same bytes: defaults are filled in
// (names, visibility, label colours, milestone state, issue type, an issue's
// updated_at), timestamps are rewritten as UTC with milliseconds, user and
// issue references take the spelling of what they refer to, and every list
// is sorted: users by username, groups and projects by path, members by
// username, labels by name, milestones by title, issues by iid, notes by
// created_at and then content, events by created_at with removals before
// additions and then content, links by target, an issue's assignees and
// labels by name, time off by member and dates, the parking lot by
// milestone and time, milestone plans by milestone and their commitments by
// issue (project path, then iid). Planning settings are written out whole,
// defaults included. Normalize changes a in place; values it cannot parse
// are left as they are for Validate to report.
func Normalize(a *Archive) {
	users := make(map[string]string, len(a.Users))
	for i := range a.Users {
		u := &a.Users[i]
		if u.Name == "" {
			u.Name = u.Username
		}
		u.CreatedAt = canonicalTime(u.CreatedAt)
		users[strings.ToLower(u.Username)] = u.Username
	}
	user := func(s string) string {
		if c, ok := users[strings.ToLower(s)]; ok {
			return c
		}
		return s
	}
	projects := map[string]string{} // lower "group/project" → spelling
	for _, g := range a.Groups {
		for _, p := range g.Projects {
			full := g.Path + "/" + p.Path
			projects[strings.ToLower(full)] = full
		}
	}
	ref := func(s string) string {
		proj, iid, ok := ParseIssueRef(s)
		if !ok {
			return s
		}
		if c, ok := projects[strings.ToLower(proj)]; ok {
			return IssueRef(strings.Split(c, "/")[0], strings.Split(c, "/")[1], iid)
		}
		return s
	}

	for gi := range a.Groups {
		g := &a.Groups[gi]
		if g.Name == "" {
			g.Name = g.Path
		}
		if g.Visibility == "" {
			g.Visibility = cairn.VisibilityPrivate
		}
		g.CreatedAt = canonicalTime(g.CreatedAt)
		for i := range g.Members {
			g.Members[i].Username = user(g.Members[i].Username)
		}
		normalizeLabels(g.Labels)
		normalizeMilestones(g.Milestones)
		g.Settings = normalizeSettings(g.Settings)
		for i := range g.TimeOff {
			g.TimeOff[i].Username = user(g.TimeOff[i].Username)
		}
		slices.SortStableFunc(g.TimeOff, compareTimeOff)
		for i := range g.ParkingLot {
			e := &g.ParkingLot[i]
			e.Author = user(e.Author)
			e.Issue = ref(e.Issue)
			e.CreatedAt = canonicalTime(e.CreatedAt)
		}
		slices.SortStableFunc(g.ParkingLot, compareParking)
		for i := range g.Plans {
			normalizePlan(&g.Plans[i], user, ref)
		}
		slices.SortStableFunc(g.Plans, func(x, y Plan) int { return strings.Compare(x.Milestone, y.Milestone) })
		for pi := range g.Projects {
			p := &g.Projects[pi]
			if p.Name == "" {
				p.Name = p.Path
			}
			if p.Visibility == "" {
				p.Visibility = g.Visibility
			}
			p.CreatedAt = canonicalTime(p.CreatedAt)
			normalizeLabels(p.Labels)
			normalizeMilestones(p.Milestones)
			for ii := range p.Issues {
				normalizeIssue(&p.Issues[ii], user, ref)
			}
			slices.SortStableFunc(p.Issues, func(x, y Issue) int { return cmp.Compare(x.IID, y.IID) })
		}
		slices.SortStableFunc(g.Members, func(x, y Member) int { return strings.Compare(x.Username, y.Username) })
		slices.SortStableFunc(g.Projects, func(x, y Project) int { return strings.Compare(x.Path, y.Path) })
	}
	slices.SortStableFunc(a.Users, func(x, y User) int { return strings.Compare(x.Username, y.Username) })
	slices.SortStableFunc(a.Groups, func(x, y Group) int { return strings.Compare(x.Path, y.Path) })
	if a.Users == nil {
		a.Users = []User{}
	}
	if a.Groups == nil {
		a.Groups = []Group{}
	}
}

func normalizeLabels(ls []Label) {
	for i := range ls {
		if c, err := cairn.NormalizeColor(ls[i].Color); err == nil {
			ls[i].Color = c
		}
	}
	slices.SortStableFunc(ls, func(x, y Label) int { return strings.Compare(x.Name, y.Name) })
}

func normalizeMilestones(ms []Milestone) {
	for i := range ms {
		if ms[i].State == "" {
			ms[i].State = cairn.MilestoneActive
		}
		ms[i].CreatedAt = canonicalTime(ms[i].CreatedAt)
	}
	slices.SortStableFunc(ms, func(x, y Milestone) int { return strings.Compare(x.Title, y.Title) })
}

func normalizeIssue(is *Issue, user, ref func(string) string) {
	if is.IssueType == "" {
		is.IssueType = "issue"
	}
	is.Author = user(is.Author)
	if is.ClosedBy != "" {
		is.ClosedBy = user(is.ClosedBy)
	}
	for i := range is.Assignees {
		is.Assignees[i] = user(is.Assignees[i])
	}
	slices.Sort(is.Assignees)
	slices.Sort(is.Labels)
	is.CreatedAt = canonicalTime(is.CreatedAt)
	is.ClosedAt = canonicalTime(is.ClosedAt)
	for i := range is.Notes {
		n := &is.Notes[i]
		n.Author = user(n.Author)
		n.CreatedAt = canonicalTime(n.CreatedAt)
	}
	slices.SortStableFunc(is.Notes, compareNotes)
	for i := range is.Events {
		e := &is.Events[i]
		if e.User != "" {
			e.User = user(e.User)
		}
		e.CreatedAt = canonicalTime(e.CreatedAt)
	}
	slices.SortStableFunc(is.Events, compareEvents)
	for i := range is.Links {
		is.Links[i].Target = ref(is.Links[i].Target)
	}
	slices.SortStableFunc(is.Links, func(x, y Link) int {
		return cmp.Or(strings.Compare(x.Target, y.Target), strings.Compare(x.LinkType, y.LinkType))
	})
	if is.UpdatedAt == "" {
		is.UpdatedAt = DefaultUpdatedAt(is)
	}
	is.UpdatedAt = canonicalTime(is.UpdatedAt)
}

// DefaultUpdatedAt returns the updated_at an issue without one gets: its
// latest timestamp (creation, closing, a note or an event).
func DefaultUpdatedAt(is *Issue) string {
	latest, _ := ParseTime(is.CreatedAt)
	consider := func(s string) {
		if t, err := ParseTime(s); err == nil && t.After(latest) {
			latest = t
		}
	}
	consider(is.ClosedAt)
	for _, n := range is.Notes {
		consider(n.CreatedAt)
	}
	for _, e := range is.Events {
		consider(e.CreatedAt)
	}
	if latest.IsZero() {
		return is.CreatedAt
	}
	return FormatTime(latest)
}

func compareNotes(x, y Note) int {
	return cmp.Or(
		compareTime(x.CreatedAt, y.CreatedAt),
		strings.Compare(x.Author, y.Author),
		strings.Compare(x.Body, y.Body),
		compareBool(x.System, y.System),
	)
}

// compareEvents orders events by time and, at the same time, removals
// before additions: a milestone change is recorded as "remove old, add new"
// at one instant, and whoever replays the history in this order (by time,
// then id once imported) must end with the new milestone.
func compareEvents(x, y Event) int {
	return cmp.Or(
		compareTime(x.CreatedAt, y.CreatedAt),
		cmp.Compare(actionRank(x.Action), actionRank(y.Action)),
		strings.Compare(x.Type, y.Type),
		strings.Compare(x.Action, y.Action),
		strings.Compare(x.Label, y.Label),
		strings.Compare(x.Milestone, y.Milestone),
		compareIntPtr(x.Weight, y.Weight),
		strings.Compare(x.User, y.User),
	)
}

// compareTime orders timestamps by time; canonical ones compare as strings,
// others are parsed.
func compareTime(x, y string) int {
	tx, errX := ParseTime(x)
	ty, errY := ParseTime(y)
	if errX != nil || errY != nil {
		return strings.Compare(x, y)
	}
	return tx.Compare(ty)
}

func actionRank(action string) int {
	if action == cairn.ActionRemove {
		return 0
	}
	return 1
}

func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

func compareIntPtr(x, y *int) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return -1
	case y == nil:
		return 1
	}
	return cmp.Compare(*x, *y)
}

// canonicalTime rewrites a parsable timestamp in TimeLayout.
func canonicalTime(s string) string {
	if s == "" {
		return s
	}
	t, err := ParseTime(s)
	if err != nil {
		return s
	}
	return FormatTime(t)
}

// normalizeSettings returns settings in canonical form: every key, with the
// defaults filled in, in the order of planning.Settings, so that a team
// that left a key out and one that spelt the default out are the same
// archive. "null" is no settings. Settings that do not parse are returned
// as they are, for Validate to report.
func normalizeSettings(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	s, err := planning.ParseSettings(raw)
	if err != nil {
		return raw
	}
	out, err := json.Marshal(s)
	if err != nil {
		return raw
	}
	return out
}

// normalizePlan puts a milestone plan in canonical form: references spelt
// as what they refer to, the time in UTC, commitments by issue.
func normalizePlan(pl *Plan, user, ref func(string) string) {
	pl.PlanningIssue = ref(pl.PlanningIssue)
	pl.Retrospective = ref(pl.Retrospective)
	pl.FinalizedAt = canonicalTime(pl.FinalizedAt)
	pl.FinalizedBy = user(pl.FinalizedBy)
	for i := range pl.Commitments {
		pl.Commitments[i].Issue = ref(pl.Commitments[i].Issue)
	}
	slices.SortStableFunc(pl.Commitments, func(x, y Commitment) int {
		return cmp.Or(
			compareRefs(x.Issue, y.Issue),
			strings.Compare(x.Placement, y.Placement),
			compareIntPtr(x.Weight, y.Weight),
			compareBool(x.Carryover, y.Carryover),
		)
	})
}

// compareRefs orders issue references by project path, then by iid as a
// number (#9 before #10); references that do not parse compare as text.
func compareRefs(x, y string) int {
	px, ix, okX := ParseIssueRef(x)
	py, iy, okY := ParseIssueRef(y)
	if !okX || !okY {
		return strings.Compare(x, y)
	}
	return cmp.Or(strings.Compare(px, py), cmp.Compare(ix, iy))
}

// compareTimeOff orders time off by member, then dates, then the rest, so
// that the order a database returns them in does not show in the archive.
func compareTimeOff(x, y TimeOff) int {
	return cmp.Or(
		strings.Compare(x.Username, y.Username),
		strings.Compare(x.StartDate, y.StartDate),
		strings.Compare(x.EndDate, y.EndDate),
		compareBool(x.HalfDay, y.HalfDay),
		strings.Compare(x.Note, y.Note),
	)
}

// compareParking orders a parking lot by milestone, then in the order the
// entries were proposed.
func compareParking(x, y ParkingEntry) int {
	return cmp.Or(
		strings.Compare(x.Milestone, y.Milestone),
		compareTime(x.CreatedAt, y.CreatedAt),
		strings.Compare(x.Author, y.Author),
		strings.Compare(x.Issue, y.Issue),
		strings.Compare(x.Title, y.Title),
		strings.Compare(x.Reason, y.Reason),
	)
}

// Clone returns a deep copy of the archive.
func (a *Archive) Clone() *Archive {
	c := *a
	c.Users = slices.Clone(a.Users)
	c.Groups = slices.Clone(a.Groups)
	for gi := range c.Groups {
		g := &c.Groups[gi]
		g.Members = slices.Clone(g.Members)
		g.Labels = cloneLabels(g.Labels)
		g.Milestones = slices.Clone(g.Milestones)
		g.Settings = slices.Clone(g.Settings)
		g.TimeOff = slices.Clone(g.TimeOff)
		g.ParkingLot = slices.Clone(g.ParkingLot)
		g.Plans = slices.Clone(g.Plans)
		for i := range g.Plans {
			pl := &g.Plans[i]
			pl.TeamCapacity = clonePtr(pl.TeamCapacity)
			pl.Commitments = slices.Clone(pl.Commitments)
			for ci := range pl.Commitments {
				pl.Commitments[ci].Weight = clonePtr(pl.Commitments[ci].Weight)
			}
		}
		g.Projects = slices.Clone(g.Projects)
		for pi := range g.Projects {
			p := &g.Projects[pi]
			p.Labels = cloneLabels(p.Labels)
			p.Milestones = slices.Clone(p.Milestones)
			p.Issues = slices.Clone(p.Issues)
			for ii := range p.Issues {
				is := &p.Issues[ii]
				is.Assignees = slices.Clone(is.Assignees)
				is.Labels = slices.Clone(is.Labels)
				is.Weight = clonePtr(is.Weight)
				is.RelativePosition = clonePtr(is.RelativePosition)
				is.Notes = slices.Clone(is.Notes)
				is.Events = slices.Clone(is.Events)
				for ei := range is.Events {
					is.Events[ei].Weight = clonePtr(is.Events[ei].Weight)
				}
				is.Links = slices.Clone(is.Links)
			}
		}
	}
	return &c
}

func cloneLabels(ls []Label) []Label {
	out := slices.Clone(ls)
	for i := range out {
		out[i].Priority = clonePtr(out[i].Priority)
	}
	return out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

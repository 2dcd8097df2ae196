package gitlabimport

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
)

// build assembles the archive of the fetched group. Data the archive
// cannot hold as GitLab gave it is adjusted or left out, each time with a
// warning: a label or milestone an issue names that the group does not
// have is added to the issue's project, a second label of one scope is
// dropped, times before an issue's creation are moved to it, and links
// or plan entries that point outside the group are left out. The result
// is normalised but not validated.
func (m *model) build(now time.Time) (*archive.Archive, Counts, []string) {
	b := &builder{m: m, g: m.group, now: now, usernames: map[string]string{}}
	a := b.archive()
	archive.Normalize(a)
	return a, b.counts, b.warnings
}

type builder struct {
	m         *model
	g         *groupData
	now       time.Time
	counts    Counts
	warnings  []string
	usernames map[string]string // lower → spelling, of the archive's users
	// projects maps a source project id to its path; issues the source
	// issue ids to where they are.
	projects map[int64]string
	issues   map[issueAt]*archive.Issue
	ids      map[issueAt]int64
}

func (b *builder) warn(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

func (b *builder) archive() *archive.Archive {
	g := b.g
	grp := g.Group
	if grp.CreatedAt == "" {
		grp.CreatedAt = b.earliest()
	}
	grp.Labels = dedupeLabels(g.Labels)
	seenMilestones := map[string]bool{}
	for _, ms := range g.Milestones {
		if seenMilestones[ms.Title] {
			continue
		}
		seenMilestones[ms.Title] = true
		grp.Milestones = append(grp.Milestones, b.fixMilestone(ms.Milestone, grp.CreatedAt))
	}
	for _, mem := range g.Members {
		if am, ok := b.member(mem, grp.CreatedAt); ok {
			grp.Members = append(grp.Members, am)
		}
	}
	b.counts.Members = len(grp.Members)

	b.projects = map[int64]string{}
	b.issues = map[issueAt]*archive.Issue{}
	b.ids = map[issueAt]int64{}
	groupLabels := map[string]bool{}
	for _, l := range grp.Labels {
		groupLabels[strings.ToLower(l.Name)] = true
	}
	for _, p := range g.Projects {
		b.projects[p.ID] = p.Path
		pr := p.Project
		if pr.CreatedAt == "" {
			pr.CreatedAt = grp.CreatedAt
		}
		meta := b.m.meta[p.ID]
		if meta == nil {
			meta = &metaData{}
		}
		for _, l := range dedupeLabels(meta.Labels) {
			if groupLabels[strings.ToLower(l.Name)] {
				b.warn("project %s: label %q is also a group label; the group's is kept", p.Path, l.Name)
				continue
			}
			pr.Labels = append(pr.Labels, l)
		}
		for _, ms := range meta.Milestones {
			if seenMilestones[ms.Title] {
				b.warn("project %s: milestone %q is also a group milestone; the group's is kept", p.Path, ms.Title)
				continue
			}
			pr.Milestones = append(pr.Milestones, b.fixMilestone(ms, pr.CreatedAt))
		}
		issues, _ := b.m.projectIssues(p.ID)
		byIID := map[int64]bool{}
		idToIID := map[int64]int64{}
		for _, d := range issues {
			idToIID[d.ID] = d.Issue.IID
		}
		for _, d := range issues {
			if byIID[d.Issue.IID] {
				continue
			}
			byIID[d.Issue.IID] = true
			is := d.Issue
			if d.ParentID != nil {
				is.ParentIID = idToIID[*d.ParentID]
			}
			at := issueAt{p.ID, is.IID}
			if det := b.m.details[at]; det != nil {
				is.Notes = slices.Clone(det.Notes)
				is.Events = slices.Clone(det.Events)
			}
			pr.Issues = append(pr.Issues, is)
		}
		for _, d := range issues {
			b.ids[issueAt{p.ID, d.Issue.IID}] = d.ID
		}
		grp.Projects = append(grp.Projects, pr)
	}
	// Pointers into the projects' issue slices are taken once every project
	// is appended, so that they stay valid.
	for pi := range grp.Projects {
		pr := &grp.Projects[pi]
		pid := b.projectID(pr.Path)
		for ii := range pr.Issues {
			b.issues[issueAt{pid, pr.Issues[ii].IID}] = &pr.Issues[ii]
		}
	}
	for pi := range grp.Projects {
		pr := &grp.Projects[pi]
		for ii := range pr.Issues {
			b.fixIssue(&grp, pr, &pr.Issues[ii])
		}
	}
	b.links(&grp)
	b.planning(&grp)
	dropped, internal := 0, 0
	for _, d := range b.m.details {
		dropped += d.Dropped
		internal += d.Internal
	}
	if internal > 0 {
		b.warn("%d internal notes are left out: Cairn has no internal notes and would show them to every member", internal)
	}
	if dropped > 0 {
		b.warn("%d notes and events are left out: empty notes, and events of labels or milestones deleted since", dropped)
	}
	b.counts.Projects = len(grp.Projects)
	b.counts.Labels, b.counts.Milestones = len(grp.Labels), len(grp.Milestones)
	for _, pr := range grp.Projects {
		b.counts.Labels += len(pr.Labels)
		b.counts.Milestones += len(pr.Milestones)
	}

	a := archive.New()
	a.Groups = []archive.Group{grp}
	a.Users = b.users(&grp)
	b.counts.Users = len(a.Users)
	return a
}

// projectID returns the source id of the project with that path.
func (b *builder) projectID(path string) int64 {
	for id, p := range b.projects {
		if p == path {
			return id
		}
	}
	return 0
}

// earliest is the creation time of a group the source did not date: its
// oldest project, milestone or issue, else now.
func (b *builder) earliest() string {
	best := b.now
	consider := func(s string) {
		if t, err := archive.ParseTime(s); err == nil && t.Before(best) {
			best = t
		}
	}
	for _, p := range b.g.Projects {
		consider(p.CreatedAt)
		issues, _ := b.m.projectIssues(p.ID)
		for _, is := range issues {
			consider(is.Issue.CreatedAt)
		}
	}
	for _, ms := range b.g.Milestones {
		consider(ms.CreatedAt)
	}
	return archive.FormatTime(best)
}

func dedupeLabels(ls []archive.Label) []archive.Label {
	seen := map[string]bool{}
	var out []archive.Label
	for _, l := range ls {
		k := strings.ToLower(l.Name)
		if seen[k] || cairn.ValidateLabelName(l.Name) != nil {
			continue
		}
		seen[k] = true
		if _, err := cairn.NormalizeColor(l.Color); err != nil {
			l.Color = ""
		}
		out = append(out, l)
	}
	return out
}

func (b *builder) fixMilestone(ms archive.Milestone, created string) archive.Milestone {
	if ms.CreatedAt == "" {
		ms.CreatedAt = created
	}
	if ms.State != cairn.MilestoneClosed {
		ms.State = cairn.MilestoneActive
	}
	if ms.StartDate != "" && ms.DueDate != "" && ms.DueDate < ms.StartDate {
		b.warn("milestone %q: due date %s is before its start date; the start date is dropped", ms.Title, ms.DueDate)
		ms.StartDate = ""
	}
	ms.Title = truncate(ms.Title, 255)
	return ms
}

// member turns a membership into the archive's; a GitLab member gets the
// planning role and capacity factor Cairn gives a new member of that
// access level (engineer with full capacity; guest below reporter).
func (b *builder) member(md memberData, created string) (archive.Member, bool) {
	level := md.AccessLevel
	switch {
	case level < cairn.AccessGuest:
		// Minimal access: not a member of the team.
		return archive.Member{}, false
	case level > cairn.AccessOwner:
		level = cairn.AccessOwner
	case !cairn.ValidAccessLevel(level):
		level = cairn.AccessGuest
	}
	role := md.PlanningRole
	if !cairn.ValidPlanningRole(role) {
		role = cairn.RoleEngineer
		if level < cairn.AccessReporter {
			role = cairn.RoleGuest
		}
	}
	factor := cairn.DefaultCapacityFactor(role)
	if md.CapacityFactor != nil && *md.CapacityFactor >= 0 && *md.CapacityFactor <= 1 {
		factor = *md.CapacityFactor
	}
	joined := md.JoinedAt
	if !cairn.ValidDate(joined) {
		t, _ := archive.ParseTime(created)
		joined = t.Format(cairn.DateLayout)
	}
	return archive.Member{Username: md.User.Username, PlanningRole: role, CapacityFactor: factor, AccessLevel: level, JoinedAt: joined}, true
}

// fixIssue makes an issue one the archive can hold.
func (b *builder) fixIssue(grp *archive.Group, pr *archive.Project, is *archive.Issue) {
	ref := pr.Path + "#" + fmt.Sprint(is.IID)
	b.counts.Issues++
	if strings.TrimSpace(is.Title) == "" {
		is.Title = "(untitled)"
	}
	is.Title = truncate(is.Title, cairn.MaxTitle)
	is.Description = truncate(is.Description, cairn.MaxDescription)
	if is.Author == "" {
		is.Author = "ghost"
	}
	created, err := archive.ParseTime(is.CreatedAt)
	if err != nil {
		created, _ = archive.ParseTime(pr.CreatedAt)
		is.CreatedAt = archive.FormatTime(created)
	}
	notBefore := func(s string) string {
		if t, err := archive.ParseTime(s); err == nil && t.Before(created) {
			return is.CreatedAt
		}
		return s
	}
	is.UpdatedAt = notBefore(is.UpdatedAt)
	is.ClosedAt = notBefore(is.ClosedAt)
	if is.State == cairn.StateClosed && is.ClosedAt == "" {
		is.ClosedAt = cmp.Or(is.UpdatedAt, is.CreatedAt)
	}
	if is.State != cairn.StateClosed {
		is.ClosedAt, is.ClosedBy = "", ""
	}
	if is.DueDate != "" && !cairn.ValidDate(is.DueDate) {
		is.DueDate = ""
	}
	if is.Weight != nil && (*is.Weight < 0 || *is.Weight > cairn.MaxInt) {
		b.warn("issue %s: weight %d is out of range and is dropped", ref, *is.Weight)
		is.Weight = nil
	}
	is.TimeSpent = max(0, min(is.TimeSpent, cairn.MaxInt))
	if is.ParentIID == is.IID {
		is.ParentIID = 0
	}

	// Labels: known to the project or group (else added to the project),
	// one per scope.
	// known maps a lower-case label name to its spelling.
	known := map[string]string{}
	for _, l := range grp.Labels {
		known[strings.ToLower(l.Name)] = l.Name
	}
	for _, l := range pr.Labels {
		known[strings.ToLower(l.Name)] = l.Name
	}
	var labels []string
	scopes := map[string]string{}
	for _, name := range is.Labels {
		if name == "" || cairn.ValidateLabelName(name) != nil {
			continue
		}
		if spelt, ok := known[strings.ToLower(name)]; ok {
			name = spelt
		} else {
			pr.Labels = append(pr.Labels, archive.Label{Name: name})
			known[strings.ToLower(name)] = name
			b.warn("issue %s: label %q is not a label of the group or project; it is added to the project", ref, name)
		}
		if slices.Contains(labels, name) {
			continue
		}
		if s, ok := cairn.LabelScope(name); ok {
			if other, ok := scopes[s]; ok {
				b.warn("issue %s: labels %q and %q share a scope; %q is dropped", ref, other, name, name)
				continue
			}
			scopes[s] = name
		}
		labels = append(labels, name)
	}
	if len(labels) > cairn.MaxLabels {
		labels = labels[:cairn.MaxLabels]
	}
	is.Labels = labels

	if is.Milestone != "" && !hasMilestone(grp.Milestones, is.Milestone) && !hasMilestone(pr.Milestones, is.Milestone) {
		b.warn("issue %s: milestone %q is not a milestone of the group or project; it is added to the project", ref, is.Milestone)
		pr.Milestones = append(pr.Milestones, archive.Milestone{Title: is.Milestone, State: cairn.MilestoneActive, CreatedAt: is.CreatedAt})
	}

	notes := is.Notes[:0]
	for _, n := range is.Notes {
		n.Body = truncate(n.Body, cairn.MaxNote)
		n.CreatedAt = notBefore(n.CreatedAt)
		if strings.TrimSpace(n.Body) == "" {
			continue
		}
		notes = append(notes, n)
	}
	is.Notes = notes
	for i := range is.Events {
		is.Events[i].CreatedAt = notBefore(is.Events[i].CreatedAt)
	}
	b.counts.Notes += len(is.Notes)
	b.counts.Events += len(is.Events)
}

func hasMilestone(ms []archive.Milestone, title string) bool {
	for _, m := range ms {
		if m.Title == title {
			return true
		}
	}
	return false
}

// links puts each link on one of its two issues. The API lists a link on
// both, and does not say on which it was made: a "blocks" link is kept on
// the blocking issue, and a "relates_to" link on the older issue (the one
// with the lower id at the source). Links to issues outside the group are
// left out.
func (b *builder) links(grp *archive.Group) {
	type pair struct{ a, b issueAt }
	seen := map[pair]bool{}
	outside := 0
	for _, pr := range grp.Projects {
		pid := b.projectID(pr.Path)
		for _, is := range pr.Issues {
			from := issueAt{pid, is.IID}
			det := b.m.details[from]
			if det == nil {
				continue
			}
			for _, l := range det.Links {
				if b.issues[l.Target] == nil {
					outside++
					continue
				}
				src, dst, typ := from, l.Target, l.Type
				switch typ {
				case cairn.LinkBlocks:
				case cairn.LinkIsBlockedBy:
					src, dst, typ = dst, src, cairn.LinkBlocks
				case cairn.LinkRelatesTo:
					if b.ids[dst] < b.ids[src] {
						src, dst = dst, src
					}
				default:
					continue
				}
				if src == dst {
					continue
				}
				key := pair{src, dst}
				if b.ids[dst] < b.ids[src] {
					key = pair{dst, src}
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				owner := b.issues[src]
				owner.Links = append(owner.Links, archive.Link{Target: b.ref(grp, dst), LinkType: typ})
				b.counts.Links++
			}
		}
	}
	if outside > 0 {
		b.warn("%d links to issues outside the group are left out", outside)
	}
}

// ref returns the archive reference of an issue of the group.
func (b *builder) ref(grp *archive.Group, at issueAt) string {
	return archive.IssueRef(grp.Path, b.projects[at.ProjectID], at.IID)
}

// refOf returns the reference of an issue of the group, "" when it is not
// one.
func (b *builder) refOf(grp *archive.Group, at *issueAt) string {
	if at == nil || b.issues[*at] == nil {
		return ""
	}
	return b.ref(grp, *at)
}

// planning adds a Cairn source's planning records.
func (b *builder) planning(grp *archive.Group) {
	p := b.m.planning
	if p == nil {
		return
	}
	grp.Settings = p.Settings
	grp.TimeOff = p.TimeOff
	b.counts.TimeOff = len(p.TimeOff)
	for _, e := range p.Parking {
		pe := archive.ParkingEntry{Milestone: e.Milestone, Title: e.Title, Reason: e.Reason, Author: e.Author, CreatedAt: e.CreatedAt}
		if e.Issue != nil {
			if pe.Issue = b.refOf(grp, e.Issue); pe.Issue == "" {
				b.warn("parking lot of %s: a proposal of an issue outside the group is left out", e.Milestone)
				continue
			}
		}
		grp.ParkingLot = append(grp.ParkingLot, pe)
	}
	b.counts.ParkingLot = len(grp.ParkingLot)
	for _, pd := range p.Plans {
		pl := archive.Plan{Milestone: pd.Milestone, PlanningIssue: b.refOf(grp, pd.PlanningIssue), Retrospective: b.refOf(grp, pd.Retrospective),
			FinalizedAt: pd.FinalizedAt}
		if pl.FinalizedAt != "" {
			pl.FinalizedBy, pl.TeamCapacity = pd.FinalizedBy, pd.TeamCapacity
			for _, c := range pd.Commitments {
				ref := b.refOf(grp, &c.Issue)
				if ref == "" {
					continue
				}
				pl.Commitments = append(pl.Commitments, archive.Commitment{Issue: ref, Placement: c.Placement, Weight: c.Weight, Carryover: c.Carryover})
			}
		}
		if pl.FinalizedAt == "" && pl.PlanningIssue == "" && pl.Retrospective == "" {
			continue
		}
		grp.Plans = append(grp.Plans, pl)
	}
	b.counts.Plans = len(grp.Plans)
}

// users returns the archive's users: everyone the group's data names, with
// the profile fetched for them (a user the source no longer shows keeps
// the name the lists gave, and the group's creation time).
func (b *builder) users(grp *archive.Group) []archive.User {
	byID := map[string]*archive.User{}
	for _, u := range b.m.users {
		byID[strings.ToLower(u.Username)] = u
	}
	need := map[string]bool{}
	use := func(name string) {
		if name != "" {
			need[strings.ToLower(name)] = true
		}
	}
	for _, m := range grp.Members {
		use(m.Username)
	}
	for _, t := range grp.TimeOff {
		use(t.Username)
	}
	for _, e := range grp.ParkingLot {
		use(e.Author)
	}
	for _, pl := range grp.Plans {
		use(pl.FinalizedBy)
	}
	for _, pr := range grp.Projects {
		for _, is := range pr.Issues {
			use(is.Author)
			use(is.ClosedBy)
			for _, a := range is.Assignees {
				use(a)
			}
			for _, n := range is.Notes {
				use(n.Author)
			}
			for _, e := range is.Events {
				use(e.User)
			}
		}
	}
	var out []archive.User
	for name := range need {
		u := archive.User{Username: name}
		if seen, ok := b.m.seen[name]; ok {
			u = archive.User{Username: seen.Username, Name: seen.Name}
		}
		if got := byID[name]; got != nil {
			u = *got
		}
		if u.CreatedAt == "" {
			u.CreatedAt = grp.CreatedAt
		}
		if u.Email != "" && !strings.Contains(u.Email, "@") {
			u.Email = ""
		}
		u.Name = truncate(u.Name, 255)
		u.IsAdmin = false
		out = append(out, u)
	}
	slices.SortFunc(out, func(x, y archive.User) int { return strings.Compare(x.Username, y.Username) })
	return out
}

// truncate cuts s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

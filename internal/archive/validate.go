package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// Validate checks the whole archive and returns the first problem, in
// document order, as an EINVALID *cairn.Error whose message starts with the
// path of the offending value: "groups[0].projects[1].issues[7].weight: must
// be 0 or more". It checks the format and version, required fields, value
// sets (states, roles, access levels, event types and actions, link types),
// dates and timestamps, uniqueness (usernames, group and project paths,
// label names, milestone titles, iids), that every user, label, milestone
// and issue an issue refers to exists in the archive, that an issue's
// current labels hold one label per scope, and a group's planning settings
// (by the planning package's rules), time off, parking lot and milestone
// plans. History is not judged: events only need to be well formed and not
// older than their issue.
func (a *Archive) Validate() error {
	v := newValidator(a)
	if err := v.archive(); err != nil {
		return err
	}
	return nil
}

// validator holds the indexes that cross-references are checked against;
// they are built before the walk so that a reference to something later in
// the document is found.
type validator struct {
	a     *Archive
	users map[string]bool // lower-case username
	// issues maps "group/project" (lower case) to the project's iids.
	issues map[string]map[int64]bool
}

func newValidator(a *Archive) *validator {
	v := &validator{a: a, users: map[string]bool{}, issues: map[string]map[int64]bool{}}
	for _, u := range a.Users {
		v.users[strings.ToLower(u.Username)] = true
	}
	for _, g := range a.Groups {
		for _, p := range g.Projects {
			key := strings.ToLower(g.Path + "/" + p.Path)
			if v.issues[key] == nil {
				v.issues[key] = map[int64]bool{}
			}
			for _, is := range p.Issues {
				v.issues[key][is.IID] = true
			}
		}
	}
	return v
}

// fail returns the EINVALID error for a path.
func fail(path, format string, args ...any) error {
	return invalidf("%s: %s", path, fmt.Sprintf(format, args...))
}

func idx(base string, i int) string { return base + "[" + strconv.Itoa(i) + "]" }

func field(base, name string) string {
	if base == "" {
		return name
	}
	return base + "." + name
}

const (
	rolesMsg      = "must be one of engineer, engineering_manager, product_manager, guest"
	levelsMsg     = "must be one of 10, 20, 30, 40, 50"
	visibilityMsg = "must be one of private, internal, public"
	timeMsg       = "must be an RFC 3339 timestamp like 2026-03-04T09:15:00.000Z"
	dateMsg       = "must be a date like 2026-03-04"
)

func (v *validator) archive() error {
	a := v.a
	if a.Format != FormatName {
		return fail("format", "must be %q", FormatName)
	}
	if a.Version != Version {
		return fail("version", "must be %d", Version)
	}
	if err := checkText("", reflect.ValueOf(a).Elem()); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range a.Users {
		if err := v.user(idx("users", i), &a.Users[i], seen); err != nil {
			return err
		}
	}
	paths := map[string]bool{}
	for i := range a.Groups {
		if err := v.group(idx("groups", i), &a.Groups[i], paths); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) user(p string, u *User, seen map[string]bool) error {
	switch {
	case u.Username == "":
		return fail(field(p, "username"), "is required")
	case !cairn.ValidUsername(u.Username):
		return fail(field(p, "username"), "is not a valid username (letters, digits, '_', '-' and '.')")
	case seen[strings.ToLower(u.Username)]:
		return fail(field(p, "username"), "duplicate username %q", u.Username)
	}
	seen[strings.ToLower(u.Username)] = true
	if len(u.Name) > 255 {
		return fail(field(p, "name"), "is too long (maximum is 255 characters)")
	}
	if u.Email != "" && (!strings.Contains(u.Email, "@") || len(u.Email) > 255) {
		return fail(field(p, "email"), "is not a valid e-mail address")
	}
	_, err := v.timestamp(field(p, "created_at"), u.CreatedAt, true)
	return err
}

// timestamp checks a timestamp and returns it (zero when absent).
func (v *validator) timestamp(p, s string, required bool) (time.Time, error) {
	if s == "" {
		if required {
			return time.Time{}, fail(p, "is required")
		}
		return time.Time{}, nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return time.Time{}, fail(p, timeMsg)
	}
	return t, nil
}

func (v *validator) userRef(p, username string, required bool) error {
	if username == "" {
		if required {
			return fail(p, "is required")
		}
		return nil
	}
	if !v.users[strings.ToLower(username)] {
		return fail(p, "unknown user %q (not in users)", username)
	}
	return nil
}

func (v *validator) group(p string, g *Group, paths map[string]bool) error {
	switch {
	case g.Path == "":
		return fail(field(p, "path"), "is required")
	case !cairn.ValidPath(g.Path):
		return fail(field(p, "path"), "is not a valid path (letters, digits, '_', '-' and '.')")
	case paths[strings.ToLower(g.Path)]:
		return fail(field(p, "path"), "duplicate group path %q", g.Path)
	}
	paths[strings.ToLower(g.Path)] = true
	if len(g.Name) > 255 {
		return fail(field(p, "name"), "is too long (maximum is 255 characters)")
	}
	if g.Visibility != "" && !cairn.ValidVisibility(g.Visibility) {
		return fail(field(p, "visibility"), visibilityMsg)
	}
	if _, err := v.timestamp(field(p, "created_at"), g.CreatedAt, true); err != nil {
		return err
	}
	members := map[string]bool{}
	for i := range g.Members {
		if err := v.member(idx(field(p, "members"), i), &g.Members[i], members); err != nil {
			return err
		}
	}
	groupLabels := map[string]bool{}
	for i := range g.Labels {
		if err := v.label(idx(field(p, "labels"), i), &g.Labels[i], groupLabels, nil); err != nil {
			return err
		}
	}
	groupMilestones := map[string]bool{}
	for i := range g.Milestones {
		if err := v.milestone(idx(field(p, "milestones"), i), &g.Milestones[i], groupMilestones, nil); err != nil {
			return err
		}
	}
	if err := v.settings(field(p, "settings"), g.Settings); err != nil {
		return err
	}
	for i := range g.TimeOff {
		if err := v.timeOff(idx(field(p, "time_off"), i), &g.TimeOff[i]); err != nil {
			return err
		}
	}
	for i := range g.ParkingLot {
		if err := v.parkingEntry(idx(field(p, "parking_lot"), i), g, &g.ParkingLot[i], groupMilestones); err != nil {
			return err
		}
	}
	planned := map[string]bool{}
	for i := range g.Plans {
		if err := v.plan(idx(field(p, "plans"), i), g, &g.Plans[i], groupMilestones, planned); err != nil {
			return err
		}
	}
	projects := map[string]bool{}
	for i := range g.Projects {
		pp := idx(field(p, "projects"), i)
		if err := v.project(pp, g, &g.Projects[i], projects, groupLabels, groupMilestones); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) member(p string, m *Member, seen map[string]bool) error {
	if err := v.userRef(field(p, "username"), m.Username, true); err != nil {
		return err
	}
	if seen[strings.ToLower(m.Username)] {
		return fail(field(p, "username"), "duplicate member %q", m.Username)
	}
	seen[strings.ToLower(m.Username)] = true
	if m.PlanningRole == "" {
		return fail(field(p, "planning_role"), "is required")
	}
	if !cairn.ValidPlanningRole(m.PlanningRole) {
		return fail(field(p, "planning_role"), rolesMsg)
	}
	if m.CapacityFactor < 0 || m.CapacityFactor > 1 {
		return fail(field(p, "capacity_factor"), "must be between 0 and 1")
	}
	if !cairn.ValidAccessLevel(m.AccessLevel) {
		return fail(field(p, "access_level"), levelsMsg)
	}
	if m.JoinedAt == "" {
		return fail(field(p, "joined_at"), "is required")
	}
	if !cairn.ValidDate(m.JoinedAt) {
		return fail(field(p, "joined_at"), dateMsg)
	}
	return nil
}

// label checks a label; names are unique per owner without regard to case,
// and a project label may not take the name of one of its group's labels.
func (v *validator) label(p string, l *Label, seen, groupLabels map[string]bool) error {
	if l.Name == "" {
		return fail(field(p, "name"), "is required")
	}
	if err := cairn.ValidateLabelName(l.Name); err != nil {
		msg := cairn.ErrorMessage(err)
		return fail(field(p, "name"), "%s", strings.TrimPrefix(msg, "title "))
	}
	key := strings.ToLower(l.Name)
	if seen[key] {
		return fail(field(p, "name"), "duplicate label %q", l.Name)
	}
	if groupLabels[key] {
		return fail(field(p, "name"), "the group already has a label %q", l.Name)
	}
	seen[key] = true
	if _, err := cairn.NormalizeColor(l.Color); err != nil {
		return fail(field(p, "color"), "must be a colour like #428bca")
	}
	if l.Priority != nil && *l.Priority < 0 {
		return fail(field(p, "priority"), "must be 0 or more")
	}
	if l.Priority != nil && *l.Priority > cairn.MaxInt {
		return fail(field(p, "priority"), "must be at most %d", cairn.MaxInt)
	}
	return nil
}

func (v *validator) milestone(p string, m *Milestone, seen, groupMilestones map[string]bool) error {
	if strings.TrimSpace(m.Title) == "" {
		return fail(field(p, "title"), "is required")
	}
	if len(m.Title) > 255 {
		return fail(field(p, "title"), "is too long (maximum is 255 characters)")
	}
	if seen[m.Title] {
		return fail(field(p, "title"), "duplicate milestone %q", m.Title)
	}
	// An issue names its milestone by title; the same title in the project
	// and its group would make that ambiguous.
	if groupMilestones[m.Title] {
		return fail(field(p, "title"), "the group already has a milestone %q", m.Title)
	}
	seen[m.Title] = true
	if m.StartDate != "" && !cairn.ValidDate(m.StartDate) {
		return fail(field(p, "start_date"), dateMsg)
	}
	if m.DueDate != "" && !cairn.ValidDate(m.DueDate) {
		return fail(field(p, "due_date"), dateMsg)
	}
	if m.StartDate != "" && m.DueDate != "" && m.DueDate < m.StartDate {
		return fail(field(p, "due_date"), "must not be before start_date")
	}
	if m.State != "" && m.State != cairn.MilestoneActive && m.State != cairn.MilestoneClosed {
		return fail(field(p, "state"), "must be one of active, closed")
	}
	_, err := v.timestamp(field(p, "created_at"), m.CreatedAt, true)
	return err
}

// scope is what an issue in one project may refer to.
type scope struct {
	group      *Group
	project    *Project
	labels     map[string]bool // exact names: the project's and the group's
	milestones map[string]bool
	iids       map[int64]bool
}

func (v *validator) project(p string, g *Group, pr *Project, seen, groupLabels, groupMilestones map[string]bool) error {
	switch {
	case pr.Path == "":
		return fail(field(p, "path"), "is required")
	case !cairn.ValidPath(pr.Path):
		return fail(field(p, "path"), "is not a valid path (letters, digits, '_', '-' and '.')")
	case seen[strings.ToLower(pr.Path)]:
		return fail(field(p, "path"), "duplicate project path %q", pr.Path)
	}
	seen[strings.ToLower(pr.Path)] = true
	if len(pr.Name) > 255 {
		return fail(field(p, "name"), "is too long (maximum is 255 characters)")
	}
	if pr.Visibility != "" && !cairn.ValidVisibility(pr.Visibility) {
		return fail(field(p, "visibility"), visibilityMsg)
	}
	if _, err := v.timestamp(field(p, "created_at"), pr.CreatedAt, true); err != nil {
		return err
	}
	sc := &scope{group: g, project: pr, labels: map[string]bool{}, milestones: map[string]bool{}, iids: map[int64]bool{}}
	for _, l := range g.Labels {
		sc.labels[l.Name] = true
	}
	for _, m := range g.Milestones {
		sc.milestones[m.Title] = true
	}
	own := map[string]bool{}
	for i := range pr.Labels {
		if err := v.label(idx(field(p, "labels"), i), &pr.Labels[i], own, groupLabels); err != nil {
			return err
		}
		sc.labels[pr.Labels[i].Name] = true
	}
	ownMilestones := map[string]bool{}
	for i := range pr.Milestones {
		if err := v.milestone(idx(field(p, "milestones"), i), &pr.Milestones[i], ownMilestones, groupMilestones); err != nil {
			return err
		}
		sc.milestones[pr.Milestones[i].Title] = true
	}
	for _, is := range pr.Issues {
		sc.iids[is.IID] = true
	}
	iids := map[int64]bool{}
	for i := range pr.Issues {
		if err := v.issue(idx(field(p, "issues"), i), sc, &pr.Issues[i], iids); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) issue(p string, sc *scope, is *Issue, iids map[int64]bool) error {
	if is.IID < 1 {
		return fail(field(p, "iid"), "must be 1 or more")
	}
	if iids[is.IID] {
		return fail(field(p, "iid"), "duplicate iid %d in this project", is.IID)
	}
	iids[is.IID] = true
	if strings.TrimSpace(is.Title) == "" {
		return fail(field(p, "title"), "is required")
	}
	if len(is.Title) > cairn.MaxTitle {
		return fail(field(p, "title"), "is too long (maximum is %d characters)", cairn.MaxTitle)
	}
	if len(is.Description) > cairn.MaxDescription {
		return fail(field(p, "description"), "is too long (maximum is %d characters)", cairn.MaxDescription)
	}
	if is.State == "" {
		return fail(field(p, "state"), "is required")
	}
	if is.State != cairn.StateOpened && is.State != cairn.StateClosed {
		return fail(field(p, "state"), "must be one of opened, closed")
	}
	if err := v.userRef(field(p, "author"), is.Author, true); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, u := range is.Assignees {
		ap := idx(field(p, "assignees"), i)
		if err := v.userRef(ap, u, true); err != nil {
			return err
		}
		if seen[strings.ToLower(u)] {
			return fail(ap, "duplicate assignee %q", u)
		}
		seen[strings.ToLower(u)] = true
	}
	if len(is.Labels) > cairn.MaxLabels {
		return fail(field(p, "labels"), "has too many entries (maximum is %d)", cairn.MaxLabels)
	}
	labels := map[string]bool{}
	scopes := map[string]string{}
	for i, name := range is.Labels {
		lp := idx(field(p, "labels"), i)
		switch {
		case name == "":
			return fail(lp, "is required")
		case !sc.labels[name]:
			return fail(lp, "unknown label %q (not a label of the project or its group)", name)
		case labels[name]:
			return fail(lp, "duplicate label %q", name)
		}
		labels[name] = true
		if s, ok := cairn.LabelScope(name); ok {
			if other, ok := scopes[s]; ok {
				return fail(lp, "label %q conflicts with %q: an issue carries one label per scope %q", name, other, s)
			}
			scopes[s] = name
		}
	}
	if is.Weight != nil && *is.Weight < 0 {
		return fail(field(p, "weight"), "must be 0 or more")
	}
	if is.Weight != nil && *is.Weight > cairn.MaxInt {
		return fail(field(p, "weight"), "must be at most %d", cairn.MaxInt)
	}
	if is.Milestone != "" && !sc.milestones[is.Milestone] {
		return fail(field(p, "milestone"), "unknown milestone %q (not a milestone of the project or its group)", is.Milestone)
	}
	if is.DueDate != "" && !cairn.ValidDate(is.DueDate) {
		return fail(field(p, "due_date"), dateMsg)
	}
	switch is.IssueType {
	case "", "issue", "task", "incident":
	default:
		return fail(field(p, "issue_type"), "must be one of issue, task, incident")
	}
	if is.ParentIID != 0 {
		switch {
		case is.ParentIID == is.IID:
			return fail(field(p, "parent_iid"), "cannot be the issue itself")
		case !sc.iids[is.ParentIID]:
			return fail(field(p, "parent_iid"), "unknown issue %d in this project", is.ParentIID)
		}
	}
	created, err := v.timestamp(field(p, "created_at"), is.CreatedAt, true)
	if err != nil {
		return err
	}
	notBefore := func(fp, s string, required bool) error {
		t, err := v.timestamp(fp, s, required)
		if err != nil {
			return err
		}
		if !t.IsZero() && t.Before(created) {
			return fail(fp, "must not be before the issue's created_at")
		}
		return nil
	}
	if err := notBefore(field(p, "updated_at"), is.UpdatedAt, false); err != nil {
		return err
	}
	if is.State == cairn.StateClosed && is.ClosedAt == "" {
		return fail(field(p, "closed_at"), "is required for a closed issue")
	}
	if err := notBefore(field(p, "closed_at"), is.ClosedAt, false); err != nil {
		return err
	}
	if err := v.userRef(field(p, "closed_by"), is.ClosedBy, false); err != nil {
		return err
	}
	if is.TimeSpent < 0 {
		return fail(field(p, "time_spent"), "must be 0 or more")
	}
	if is.TimeSpent > cairn.MaxInt {
		return fail(field(p, "time_spent"), "must be at most %d", cairn.MaxInt)
	}
	for i := range is.Notes {
		np := idx(field(p, "notes"), i)
		n := &is.Notes[i]
		if err := v.userRef(field(np, "author"), n.Author, true); err != nil {
			return err
		}
		if strings.TrimSpace(n.Body) == "" {
			return fail(field(np, "body"), "is required")
		}
		if len(n.Body) > cairn.MaxNote {
			return fail(field(np, "body"), "is too long (maximum is %d characters)", cairn.MaxNote)
		}
		if err := notBefore(field(np, "created_at"), n.CreatedAt, true); err != nil {
			return err
		}
	}
	for i := range is.Events {
		ep := idx(field(p, "events"), i)
		if err := v.event(ep, &is.Events[i]); err != nil {
			return err
		}
		if err := notBefore(field(ep, "created_at"), is.Events[i].CreatedAt, true); err != nil {
			return err
		}
	}
	self := strings.ToLower(sc.group.Path + "/" + sc.project.Path + "#" + strconv.FormatInt(is.IID, 10))
	targets := map[string]bool{}
	for i := range is.Links {
		lp := idx(field(p, "links"), i)
		l := &is.Links[i]
		proj, iid, ok := ParseIssueRef(l.Target)
		switch {
		case l.Target == "":
			return fail(field(lp, "target"), "is required")
		case !ok:
			return fail(field(lp, "target"), "must name an issue as group/project#iid")
		case !v.issues[strings.ToLower(proj)][iid]:
			return fail(field(lp, "target"), "unknown issue %q (not in the archive)", l.Target)
		case strings.ToLower(l.Target) == self:
			return fail(field(lp, "target"), "cannot link an issue to itself")
		case targets[strings.ToLower(l.Target)]:
			return fail(field(lp, "target"), "duplicate link to %q", l.Target)
		}
		targets[strings.ToLower(l.Target)] = true
		switch l.LinkType {
		case cairn.LinkRelatesTo, cairn.LinkBlocks, cairn.LinkIsBlockedBy:
		case "":
			return fail(field(lp, "link_type"), "is required")
		default:
			return fail(field(lp, "link_type"), "must be one of relates_to, blocks, is_blocked_by")
		}
	}
	return nil
}

// event checks one event's type, action and the fields its type takes.
// Label and milestone names are not looked up: history may name labels and
// milestones that were renamed or deleted since.
func (v *validator) event(p string, e *Event) error {
	if e.Type == "" {
		return fail(field(p, "type"), "is required")
	}
	var actions []string
	switch e.Type {
	case EventLabel, EventMilestone:
		actions = []string{cairn.ActionAdd, cairn.ActionRemove}
	case EventWeight:
		actions = []string{cairn.ActionAdd, cairn.ActionRemove}
	case EventState:
		actions = []string{cairn.ActionClosed, cairn.ActionReopened}
	default:
		return fail(field(p, "type"), "must be one of label, weight, milestone, state")
	}
	ok := false
	for _, a := range actions {
		ok = ok || e.Action == a
	}
	if !ok {
		return fail(field(p, "action"), "must be %s or %s for a %s event", actions[0], actions[1], e.Type)
	}
	if e.Type == EventLabel {
		if e.Label == "" {
			return fail(field(p, "label"), "is required for a label event")
		}
	} else if e.Label != "" {
		return fail(field(p, "label"), "must be empty for a %s event", e.Type)
	}
	if e.Type == EventMilestone {
		if e.Milestone == "" {
			return fail(field(p, "milestone"), "is required for a milestone event")
		}
	} else if e.Milestone != "" {
		return fail(field(p, "milestone"), "must be empty for a %s event", e.Type)
	}
	if e.Type == EventWeight {
		switch {
		case e.Action == cairn.ActionAdd && e.Weight == nil:
			return fail(field(p, "weight"), "is required when a weight is set (action add)")
		case e.Action == cairn.ActionRemove && e.Weight != nil:
			return fail(field(p, "weight"), "must be null when the weight is cleared (action remove)")
		case e.Weight != nil && *e.Weight < 0:
			return fail(field(p, "weight"), "must be 0 or more")
		case e.Weight != nil && *e.Weight > cairn.MaxInt:
			return fail(field(p, "weight"), "must be at most %d", cairn.MaxInt)
		}
	} else if e.Weight != nil {
		return fail(field(p, "weight"), "must be empty for a %s event", e.Type)
	}
	return v.userRef(field(p, "user"), e.User, false)
}

// settings checks a group's planning settings with the planning package's
// own rules, so that an archive cannot bring in settings the API would
// refuse. The first bad key is named in the path
// ("groups[0].settings.refinement_share: must be …").
func (v *validator) settings(p string, raw json.RawMessage) error {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	if trimmed[0] != '{' {
		return fail(p, "must be an object of planning settings")
	}
	_, err := planning.ParseSettings(trimmed)
	if err == nil {
		return nil
	}
	var e *cairn.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fail(p+"."+keys[0], "%s", strings.Join(e.Fields[keys[0]], "; "))
	}
	return fail(p, "%s", cairn.ErrorMessage(err))
}

// timeOff checks one time-off entry. Its user need only be in the archive,
// not a member: time off outlives a membership that ended.
func (v *validator) timeOff(p string, t *TimeOff) error {
	if err := v.userRef(field(p, "username"), t.Username, true); err != nil {
		return err
	}
	for _, d := range []struct{ name, val string }{{"start_date", t.StartDate}, {"end_date", t.EndDate}} {
		if d.val == "" {
			return fail(field(p, d.name), "is required")
		}
		if !cairn.ValidDate(d.val) {
			return fail(field(p, d.name), dateMsg)
		}
	}
	if t.EndDate < t.StartDate {
		return fail(field(p, "end_date"), "must not be before start_date")
	}
	start, _ := time.Parse(DateLayout, t.StartDate)
	end, _ := time.Parse(DateLayout, t.EndDate)
	if int(end.Sub(start).Hours()/24)+1 > cairn.MaxTimeOffDays {
		return fail(field(p, "end_date"), "is too far from start_date (at most %d days)", cairn.MaxTimeOffDays)
	}
	if utf8.RuneCountInString(t.Note) > cairn.MaxTimeOffNote {
		return fail(field(p, "note"), "is too long (maximum is %d characters)", cairn.MaxTimeOffNote)
	}
	return nil
}

// parkingEntry checks one parking lot entry: a group milestone of its
// group, an issue of one of the group's projects or a title (or both), a
// reason, and an author if one is named. These are the planner's rules for
// a new proposal.
func (v *validator) parkingEntry(p string, g *Group, e *ParkingEntry, groupMilestones map[string]bool) error {
	switch {
	case e.Milestone == "":
		return fail(field(p, "milestone"), "is required")
	case !groupMilestones[e.Milestone]:
		return fail(field(p, "milestone"), "unknown milestone %q (not a milestone of this group)", e.Milestone)
	}
	if e.Issue != "" {
		if _, err := v.groupIssue(field(p, "issue"), g, e.Issue); err != nil {
			return err
		}
	} else if strings.TrimSpace(e.Title) == "" {
		return fail(field(p, "issue"), "is required unless title is given")
	}
	if len(e.Title) > cairn.MaxTitle {
		return fail(field(p, "title"), "is too long (maximum is %d characters)", cairn.MaxTitle)
	}
	if strings.TrimSpace(e.Reason) == "" {
		return fail(field(p, "reason"), "is required")
	}
	if utf8.RuneCountInString(e.Reason) > cairn.MaxParkingLotReason {
		return fail(field(p, "reason"), "is too long (maximum is %d characters)", cairn.MaxParkingLotReason)
	}
	// The author may be absent: a proposal outlives its author's account.
	if err := v.userRef(field(p, "author"), e.Author, false); err != nil {
		return err
	}
	_, err := v.timestamp(field(p, "created_at"), e.CreatedAt, true)
	return err
}

// groupIssue checks a reference to an issue of one of the group's projects
// and returns the issue's key: the lower-case project path and the iid, so
// that two spellings of one reference compare equal.
func (v *validator) groupIssue(p string, g *Group, ref string) (string, error) {
	proj, iid, ok := ParseIssueRef(ref)
	if !ok {
		return "", fail(p, "must be a reference like group/project#12")
	}
	if !v.issues[strings.ToLower(proj)][iid] {
		return "", fail(p, "unknown issue %s (not in the archive)", ref)
	}
	if group, _, _ := strings.Cut(proj, "/"); !strings.EqualFold(group, g.Path) {
		return "", fail(p, "%s is not an issue of this group", ref)
	}
	return strings.ToLower(proj) + "#" + strconv.FormatInt(iid, 10), nil
}

// plan checks one milestone plan: a milestone of this group planned once,
// issue references into the group, and the finalisation. A plan that is
// not finalised holds only its planning issue and retrospective; a
// finalised one commits to each issue at most once, as a Deliverable or a
// Stretch issue.
func (v *validator) plan(p string, g *Group, pl *Plan, groupMilestones, seen map[string]bool) error {
	switch {
	case pl.Milestone == "":
		return fail(field(p, "milestone"), "is required")
	case !groupMilestones[pl.Milestone]:
		return fail(field(p, "milestone"), "unknown milestone %q (not a milestone of this group)", pl.Milestone)
	case seen[pl.Milestone]:
		return fail(field(p, "milestone"), "duplicate plan of milestone %q", pl.Milestone)
	}
	seen[pl.Milestone] = true
	for _, r := range []struct{ name, ref string }{{"planning_issue", pl.PlanningIssue}, {"retrospective", pl.Retrospective}} {
		if r.ref == "" {
			continue
		}
		if _, err := v.groupIssue(field(p, r.name), g, r.ref); err != nil {
			return err
		}
	}
	if _, err := v.timestamp(field(p, "finalized_at"), pl.FinalizedAt, false); err != nil {
		return err
	}
	if pl.FinalizedAt == "" {
		const notFinal = "must be empty for a plan that is not finalised (no finalized_at)"
		switch {
		case pl.FinalizedBy != "":
			return fail(field(p, "finalized_by"), notFinal)
		case pl.TeamCapacity != nil:
			return fail(field(p, "team_capacity"), notFinal)
		case len(pl.Commitments) > 0:
			return fail(field(p, "commitments"), notFinal)
		case pl.PlanningIssue == "" && pl.Retrospective == "":
			return fail(p, "is empty: a plan needs finalized_at, planning_issue or retrospective")
		}
	}
	// The user who finalised may be absent: the plan outlives their account.
	if err := v.userRef(field(p, "finalized_by"), pl.FinalizedBy, false); err != nil {
		return err
	}
	if pl.TeamCapacity != nil && *pl.TeamCapacity < 0 {
		return fail(field(p, "team_capacity"), "must be 0 or more")
	}
	committed := map[string]bool{}
	for i := range pl.Commitments {
		cp := idx(field(p, "commitments"), i)
		c := &pl.Commitments[i]
		if c.Issue == "" {
			return fail(field(cp, "issue"), "is required")
		}
		key, err := v.groupIssue(field(cp, "issue"), g, c.Issue)
		if err != nil {
			return err
		}
		if committed[key] {
			return fail(field(cp, "issue"), "duplicate commitment to %s", c.Issue)
		}
		committed[key] = true
		switch c.Placement {
		case PlacementDeliverable, PlacementStretch:
		case "":
			return fail(field(cp, "placement"), "is required")
		default:
			return fail(field(cp, "placement"), "must be one of deliverable, stretch")
		}
		if c.Weight != nil && *c.Weight < 0 {
			return fail(field(cp, "weight"), "must be 0 or more")
		}
	}
	return nil
}

// ParseIssueRef splits "group/project#iid" into "group/project" and the iid.
func ParseIssueRef(ref string) (project string, iid int64, ok bool) {
	i := strings.LastIndexByte(ref, '#')
	if i <= 0 {
		return "", 0, false
	}
	project = ref[:i]
	n, err := strconv.ParseInt(ref[i+1:], 10, 64)
	if err != nil || n < 1 {
		return "", 0, false
	}
	g, pr, found := strings.Cut(project, "/")
	if !found || g == "" || pr == "" || strings.Contains(pr, "/") {
		return "", 0, false
	}
	return project, n, true
}

// IssueRef returns the reference "group/project#iid".
func IssueRef(groupPath, projectPath string, iid int64) string {
	return groupPath + "/" + projectPath + "#" + strconv.FormatInt(iid, 10)
}

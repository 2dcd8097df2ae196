package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/planning"
)

// The issue page: the description, the notes and the history as one
// timeline, the weekly status updates, and the sidebar. Its forms (comment
// with quick actions, sidebar edits, status update) go through the same
// store calls as the API's handlers, with the same permission checks and
// the same Deliverable/Stretch guard (planner labels.go), so the ready gate
// refuses here exactly as it does there.

// timelineLimit caps the notes and the events the page loads (each): an
// issue with more shows the oldest ones and says so.
const timelineLimit = 500

// issuePage is the data of the issue page.
type issuePage struct {
	Issue   *cairn.Issue
	Project *cairn.Project
	URL     string // the issue page's path
	Ref     string
	Refs    Refs

	Timeline []timelineEntry
	// TimelineCapped says the timeline stops at timelineLimit notes or events.
	TimelineCapped bool

	StatusUpdates []*cairn.StatusUpdate
	StatusTotal   cairn.Total

	Parent   *cairn.Issue
	Children []*cairn.Issue
	Links    []linkedIssue

	Settings    planning.Settings
	Deliverable bool
	Stretch     bool
	// Missing is what the ready gate would refuse now, for an issue in
	// refinement (nil otherwise).
	Missing []string

	CanEdit       bool // the sidebar controls, close and reopen
	CanCommit     bool // apply and remove Deliverable and Stretch
	CanComment    bool
	CanQuick      bool // quick actions in comments
	CanReadStatus bool
	CanPostStatus bool

	// The sidebar's choices (only for CanEdit).
	Labels     []*cairn.Label
	Milestones []*cairn.Milestone
	Members    []*cairn.Member
	Weights    []int

	// Form holds what the user sent when a form is shown again.
	Form issueForms
}

// issueForms is the input of the issue page's forms kept after a refusal,
// and which form the refusal belongs to.
type issueForms struct {
	Where   string // comment, status, edit or text (title and description)
	Message string
	Comment string
	Status  statusForm
	// Title and Description are the text form's input.
	Title, Description string
}

// statusForm is the weekly status update form's input.
type statusForm struct {
	Progress, NextSteps, Blockers, Confidence string
}

// HasAssignee reports whether the user is among the issue's assignees.
func (p *issuePage) HasAssignee(id int64) bool {
	return slices.ContainsFunc(p.Issue.Assignees, func(u *cairn.User) bool { return u.ID == id })
}

// Removable reports whether the user's remove button on label name
// works: the Deliverable and Stretch labels only for those who manage
// planning (planner.CheckPlanningLabels).
func (p *issuePage) Removable(name string) bool {
	return p.CanCommit || !strings.EqualFold(name, p.Settings.DeliverableLabel) && !strings.EqualFold(name, p.Settings.StretchLabel)
}

// ClosedAt is when the issue was closed (zero when open).
func (p *issuePage) ClosedAt() time.Time {
	if p.Issue.ClosedAt == nil {
		return time.Time{}
	}
	return *p.Issue.ClosedAt
}

// HealthText is the issue's health status in words.
func (p *issuePage) HealthText() string {
	switch p.Issue.HealthStatus {
	case "on_track":
		return "On track"
	case "needs_attention":
		return "Needs attention"
	case "at_risk":
		return "At risk"
	}
	return ""
}

// linkedIssue is an issue linked to the page's, as seen from it.
type linkedIssue struct {
	Type  string // relates to, blocks, is blocked by
	Issue *cairn.Issue
}

// timelineEntry is a note, or a run of changes one user made at once.
type timelineEntry struct {
	At    time.Time
	Note  *cairn.Note
	Actor *cairn.User
	Parts []timelinePart
}

// timelinePart is one change of an event run: a verb and, for label
// changes, the labels.
type timelinePart struct {
	Verb   string
	Labels []string
}

// issueFor loads the project and the issue of the path and checks that the
// user may see it (404 for a confidential issue they may not see, as for
// one that does not exist) and take act (403).
func (w *Web) issueFor(r *http.Request, act access.Action) (*projectScope, *cairn.Issue, error) {
	s, err := w.project(r, access.Read)
	if err != nil {
		return nil, nil, err
	}
	iid, err := pathInt(r, "iid", "Issue")
	if err != nil {
		return nil, nil, err
	}
	is, err := w.store.IssueByIID(r.Context(), s.Project.ID, iid)
	if err != nil {
		return nil, nil, err
	}
	if !s.seesConfidential(is) {
		return nil, nil, cairn.NotFound("Issue")
	}
	vis := s.Project.Visibility
	if vis == "" {
		vis = s.Group.Visibility
	}
	if err := check(s.User, s.Level, s.Role, vis, act); err != nil {
		return nil, nil, err
	}
	return s, is, nil
}

// issueURL is the issue page's path in the project.
func issueURL(p *cairn.Project, is *cairn.Issue) string {
	return "/" + p.FullPath() + "/-/issues/" + strconv.FormatInt(is.IID, 10)
}

// issue serves GET /{group}/{project}/-/issues/{iid}.
func (w *Web) issue(rw http.ResponseWriter, r *http.Request) error {
	s, is, err := w.issueFor(r, access.Read)
	if err != nil {
		return err
	}
	return w.renderIssue(rw, r, http.StatusOK, s, is, issueForms{}, "")
}

// renderIssue renders the issue page with status; forms holds the input
// of a refused form, flash a message of what was done.
func (w *Web) renderIssue(rw http.ResponseWriter, r *http.Request, status int, s *projectScope, is *cairn.Issue, forms issueForms, flash string) error {
	ctx := r.Context()
	projects, err := w.groupProjects(ctx, s.Group)
	if err != nil {
		return err
	}
	d := &issuePage{Issue: is, Project: s.Project, URL: issueURL(s.Project, is), Refs: projectRefs(projects), Form: forms,
		CanEdit: s.projectAllows(access.UpdateIssue), CanComment: s.projectAllows(access.CreateNote),
		// Status updates are the members' (access.MembersOnly): Can says no
		// to non-members of any group.
		CanReadStatus: s.projectAllows(access.ReadStatusUpdates),
		CanPostStatus: s.projectAllows(access.PostStatusUpdate) && is.State == cairn.StateOpened,
	}
	d.CanQuick = d.CanEdit
	d.CanCommit = s.projectAllows(access.ManagePlanning)
	if is.DiscussionLocked && !d.CanEdit {
		d.CanComment = false
	}
	d.Ref = d.Refs.Ref(is)
	if d.Settings, err = w.settings(ctx, s.Group.ID); err != nil {
		return err
	}
	d.Deliverable = hasLabelFold(is, d.Settings.DeliverableLabel)
	d.Stretch = hasLabelFold(is, d.Settings.StretchLabel)
	if d.Settings.ReadyGate && is.State == cairn.StateOpened && hasLabelFold(is, d.Settings.RefinementLabel) {
		d.Missing = planning.ReadyGate(d.Settings, is.Weight, is.Description)
	}
	if err := w.loadTimeline(ctx, s, d); err != nil {
		return err
	}
	if err := w.loadRelations(ctx, s, d); err != nil {
		return err
	}
	if d.CanReadStatus {
		if d.StatusUpdates, d.StatusTotal, err = w.store.ListStatusUpdates(ctx, s.Project.ID, is.IID, cairn.Page{PerPage: 5}); err != nil {
			return err
		}
	}
	if d.CanEdit {
		if err := w.loadChoices(ctx, s, d); err != nil {
			return err
		}
	}
	w.render(rw, r, status, "issue.html", &Page{Title: is.Title + " · " + d.Ref, Section: "issues", Group: s.Group,
		Error: forms.Message, Flash: flash, Data: d})
	return nil
}

// hasLabelFold reports whether the issue carries the label name, in any
// letter case.
func hasLabelFold(is *cairn.Issue, name string) bool {
	return name != "" && slices.ContainsFunc(is.Labels, func(l *cairn.Label) bool { return strings.EqualFold(l.Name, name) })
}

// loadTimeline loads the issue's notes and events and merges them, oldest
// first: the changes a user made at once (a quick-action note, a sidebar
// edit) make one entry.
func (w *Web) loadTimeline(ctx context.Context, s *projectScope, d *issuePage) error {
	var notes []*cairn.Note
	for page := 1; len(notes) < timelineLimit; page++ {
		list, _, err := w.store.ListNotes(ctx, s.Project.ID, d.Issue.IID, cairn.NoteFilter{Sort: "asc", OrderBy: "created_at",
			Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			return err
		}
		notes = append(notes, list...)
		if len(list) < cairn.MaxPerPage {
			break
		}
	}
	var events []*cairn.Event
	for page := 1; len(events) < timelineLimit; page++ {
		list, _, err := w.store.ListIssueEvents(ctx, s.Project.ID, d.Issue.IID, "", cairn.Page{Page: page, PerPage: cairn.MaxPerPage})
		if err != nil {
			return err
		}
		events = append(events, list...)
		if len(list) < cairn.MaxPerPage {
			break
		}
	}
	d.TimelineCapped = len(notes) >= timelineLimit || len(events) >= timelineLimit
	d.Timeline = buildTimeline(notes, eventRuns(events))
	return nil
}

// eventRuns groups events, oldest first, into entries: consecutive events
// by the same user at the same moment (one transaction: a sidebar edit, a
// comment's quick actions) are one change.
func eventRuns(events []*cairn.Event) []timelineEntry {
	var out []timelineEntry
	var added, removed []string
	var parts []timelinePart
	var cur *timelineEntry
	flush := func() {
		if cur == nil {
			return
		}
		if len(added) > 0 {
			cur.Parts = append(cur.Parts, timelinePart{Verb: "added", Labels: added})
		}
		if len(removed) > 0 {
			cur.Parts = append(cur.Parts, timelinePart{Verb: "removed", Labels: removed})
		}
		cur.Parts = append(cur.Parts, parts...)
		out = append(out, *cur)
		cur, added, removed, parts = nil, nil, nil, nil
	}
	for _, e := range events {
		if cur != nil && (userID(cur.Actor) != userID(e.User) || !e.CreatedAt.Equal(cur.At)) {
			flush()
		}
		if cur == nil {
			cur = &timelineEntry{At: e.CreatedAt, Actor: e.User}
		}
		switch e.Kind {
		case cairn.EventLabel:
			name := e.LabelName
			if e.Label != nil {
				name = e.Label.Name
			}
			if e.Action == cairn.ActionRemove {
				removed = append(removed, name)
			} else {
				added = append(added, name)
			}
		case cairn.EventWeight:
			if e.Weight == nil {
				parts = append(parts, timelinePart{Verb: "removed the weight"})
			} else {
				parts = append(parts, timelinePart{Verb: "set the weight to " + strconv.Itoa(*e.Weight)})
			}
		case cairn.EventMilestone:
			if e.Action == cairn.ActionRemove {
				parts = append(parts, timelinePart{Verb: "removed the milestone " + e.MilestoneTitle})
			} else {
				parts = append(parts, timelinePart{Verb: "set the milestone to " + e.MilestoneTitle})
			}
		case cairn.EventState:
			parts = append(parts, timelinePart{Verb: e.Action})
		}
	}
	flush()
	return out
}

func userID(u *cairn.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// buildTimeline merges notes and event runs by time; at the same moment
// the change comes before the note that made it.
func buildTimeline(notes []*cairn.Note, runs []timelineEntry) []timelineEntry {
	out := make([]timelineEntry, 0, len(notes)+len(runs))
	i := 0
	for _, n := range notes {
		for i < len(runs) && !runs[i].At.After(n.CreatedAt) {
			out = append(out, runs[i])
			i++
		}
		out = append(out, timelineEntry{At: n.CreatedAt, Note: n, Actor: n.Author})
	}
	return append(out, runs[i:]...)
}

// loadRelations loads the parent, the sub-tasks and the linked issues the
// user may see.
func (w *Web) loadRelations(ctx context.Context, s *projectScope, d *issuePage) error {
	is := d.Issue
	if is.ParentID != nil {
		parent, err := w.store.IssueByID(ctx, *is.ParentID)
		switch {
		case cairn.ErrorCode(err) == cairn.ENOTFOUND:
		case err != nil:
			return err
		default:
			if ok, err := w.seesIssue(ctx, s, d.Refs, parent); err != nil {
				return err
			} else if ok {
				d.Parent = parent
			}
		}
	}
	children, err := w.store.ListChildren(ctx, is.ID)
	if err != nil {
		return err
	}
	for _, c := range children {
		if ok, err := w.seesIssue(ctx, s, d.Refs, c); err != nil {
			return err
		} else if ok {
			d.Children = append(d.Children, c)
		}
	}
	links, err := w.store.ListLinks(ctx, is.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Target == nil {
			continue
		}
		if ok, err := w.seesIssue(ctx, s, d.Refs, l.Target); err != nil {
			return err
		} else if ok {
			d.Links = append(d.Links, linkedIssue{Type: strings.ReplaceAll(l.LinkType, "_", " "), Issue: l.Target})
		}
	}
	return nil
}

// seesIssue reports whether the user may see issue i, of the page's team
// (refs knows its project) or of another one, whose project path it then
// adds to refs for the link.
func (w *Web) seesIssue(ctx context.Context, s *projectScope, refs Refs, i *cairn.Issue) (bool, error) {
	if _, ok := refs[i.ProjectID]; ok {
		return s.seesConfidential(i), nil
	}
	p, err := w.store.ProjectByID(ctx, i.ProjectID)
	if err != nil {
		return false, err
	}
	level, role, err := w.membership(ctx, s.User, p.GroupID)
	if err != nil {
		return false, err
	}
	vis := p.Visibility
	if vis == "" && p.Group != nil {
		vis = p.Group.Visibility
	}
	other := teamScope{Group: p.Group, User: s.User, Level: level, Role: role}
	if !access.Can(s.User, level, role, vis, access.Read) || !other.seesConfidential(i) {
		return false, nil
	}
	refs[p.ID] = p.FullPath()
	return true, nil
}

// loadChoices loads what the sidebar's controls offer: the labels usable
// in the project, the open milestones (and the issue's own), the members
// and the team's weight scale (and the issue's weight if it is off it).
func (w *Web) loadChoices(ctx context.Context, s *projectScope, d *issuePage) error {
	var err error
	if d.Labels, err = w.projectLabels(ctx, s.Project.ID); err != nil {
		return err
	}
	if d.Milestones, err = w.activeMilestones(ctx, s.Group.ID, s.Project); err != nil {
		return err
	}
	if m := d.Issue.Milestone; m != nil && !slices.ContainsFunc(d.Milestones, func(x *cairn.Milestone) bool { return x.ID == m.ID }) {
		d.Milestones = append(d.Milestones, m)
	}
	if d.Members, err = w.groupMembers(ctx, s.Group.ID); err != nil {
		return err
	}
	d.Weights = slices.Clone(d.Settings.Weights)
	if wt := d.Issue.Weight; wt != nil && !slices.Contains(d.Weights, *wt) {
		d.Weights = append(d.Weights, *wt)
		slices.Sort(d.Weights)
	}
	return nil
}

// projectLabels lists the labels usable in a project (its own and its
// group's), by name, at most a thousand.
func (w *Web) projectLabels(ctx context.Context, projectID int64) ([]*cairn.Label, error) {
	var out []*cairn.Label
	for page := 1; page <= 10; page++ {
		list, _, err := w.store.ListProjectLabels(ctx, projectID, cairn.LabelFilter{Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		if len(list) < cairn.MaxPerPage {
			break
		}
	}
	return out, nil
}

// refusal renders the issue page again with the refusal of a form (422
// for invalid input, the ready gate's included; 403 for what the user may
// not do), keeping the input; other errors go to the error page.
func (w *Web) refusal(rw http.ResponseWriter, r *http.Request, s *projectScope, is *cairn.Issue, forms issueForms, err error) error {
	status := http.StatusUnprocessableEntity
	switch cairn.ErrorCode(err) {
	case cairn.EINVALID:
	case cairn.EFORBIDDEN:
		status = http.StatusForbidden
	default:
		return err
	}
	msg := cairn.ErrorMessage(err)
	if msg == "" || msg == cairn.ErrorCode(err) {
		msg = "You are not allowed to do this."
	}
	forms.Message = sentence(msg)
	// The issue as it is now: the refused change left it as it was, but
	// another may have changed it since the page was loaded.
	cur, lerr := w.store.IssueByIID(r.Context(), s.Project.ID, is.IID)
	if lerr != nil {
		return lerr
	}
	return w.renderIssue(rw, r, status, s, cur, forms, "")
}

// createIssueNote serves POST /{group}/{project}/-/issues/{iid}/notes: a
// comment whose quick actions run with it, as the API's CreateIssueNote
// does — the reporter role for commands, the Deliverable/Stretch guard,
// and one store transaction that refuses everything if a command (the
// ready gate included) fails. The page shows the commands' summary.
func (w *Web) createIssueNote(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, is, err := w.issueFor(r, access.CreateNote)
	if err != nil {
		return err
	}
	body := r.PostFormValue("body")
	forms := issueForms{Where: "comment", Comment: body}
	c := cairn.NoteCreate{ProjectID: s.Project.ID, IssueIID: is.IID, Body: body}
	if err := c.Validate(); err != nil {
		if cairn.ErrorCode(err) == cairn.EINVALID && strings.TrimSpace(body) == "" {
			err = cairn.Errorf(cairn.EINVALID, "Write a comment first.")
		}
		return w.refusal(rw, r, s, is, forms, err)
	}
	if is.DiscussionLocked && !s.projectAllows(access.UpdateIssue) {
		return w.refusal(rw, r, s, is, forms, cairn.Errorf(cairn.EFORBIDDEN, "The discussion is locked: only reporters and up may comment."))
	}
	if _, actions := cairn.ParseQuickActions(body); len(actions) > 0 {
		if !s.projectAllows(access.UpdateIssue) {
			return w.refusal(rw, r, s, is, forms, cairn.Errorf(cairn.EFORBIDDEN, "Quick actions need the reporter role or higher."))
		}
		if err := w.planner.CheckQuickActionLabels(ctx, s.Group.ID, s.projectAllows(access.ManagePlanning), is, actions); err != nil {
			return w.refusal(rw, r, s, is, forms, err)
		}
	}
	res, err := w.store.CreateNote(ctx, c)
	if err != nil {
		return w.refusal(rw, r, s, is, forms, err)
	}
	if len(res.Summary) > 0 {
		// Rendered, not redirected: the summary of what the commands did
		// is the answer.
		return w.renderIssue(rw, r, http.StatusOK, s, res.Issue, issueForms{}, strings.Join(res.Summary, " "))
	}
	target := issueURL(s.Project, is)
	if res.Note != nil {
		target += "#note-" + strconv.FormatInt(res.Note.ID, 10)
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
	return nil
}

// editIssue serves POST /{group}/{project}/-/issues/{iid}/edit, the
// page's controls: title and description, add_labels (comma-separated), remove_labels, weight
// ("" clears), milestone_id ("" or 0 clears), assignee_ids with assignees
// (the marker that the set was sent, so that none clears it), due_date
// ("" clears) and state_event (close, reopen). The update goes through the
// store's UpdateIssue, as the API's does, so the ready gate applies; its
// refusal is shown on the page (422).
func (w *Web) editIssue(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, is, err := w.issueFor(r, access.UpdateIssue)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return cairn.Errorf(cairn.EINVALID, "The form could not be read.")
	}
	forms := issueForms{Where: "edit"}
	if r.PostForm.Has("title") || r.PostForm.Has("description") {
		forms = issueForms{Where: "text", Title: r.PostForm.Get("title"), Description: r.PostForm.Get("description")}
	}
	u, err := readIssueEdit(r)
	if err != nil {
		return w.refusal(rw, r, s, is, forms, err)
	}
	if !u.Empty() {
		if err := u.Validate(); err != nil {
			return w.refusal(rw, r, s, is, forms, err)
		}
		if err := w.planner.CheckUpdateLabels(ctx, s.Group.ID, s.projectAllows(access.ManagePlanning), is, &u); err != nil {
			return w.refusal(rw, r, s, is, forms, err)
		}
		if _, err := w.store.UpdateIssue(ctx, s.Project.ID, is.IID, u); err != nil {
			return w.refusal(rw, r, s, is, forms, err)
		}
	}
	http.Redirect(rw, r, issueURL(s.Project, is), http.StatusSeeOther)
	return nil
}

// readIssueEdit reads the sidebar's form into an update.
func readIssueEdit(r *http.Request) (cairn.IssueUpdate, error) {
	var u cairn.IssueUpdate
	f := r.PostForm
	if f.Has("title") {
		t := f.Get("title")
		u.Title = &t
	}
	if f.Has("description") {
		d := f.Get("description")
		u.Description = &d
	}
	u.AddLabels = splitNames(f["add_labels"])
	u.RemoveLabels = splitNames(f["remove_labels"])
	if f.Has("weight") {
		switch v := strings.TrimSpace(f.Get("weight")); v {
		case "":
			u.Weight = cairn.Clear[int]()
		default:
			n, err := strconv.Atoi(v)
			if err != nil {
				return u, cairn.FieldError("weight", "must be a number")
			}
			u.Weight = cairn.SetTo(n)
		}
	}
	if f.Has("milestone_id") {
		switch v := strings.TrimSpace(f.Get("milestone_id")); v {
		case "", "0":
			u.MilestoneID = cairn.Clear[int64]()
		default:
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return u, cairn.FieldError("milestone", "is not a milestone")
			}
			u.MilestoneID = cairn.SetTo(id)
		}
	}
	if f.Has("assignees") {
		ids := []int64{}
		for _, v := range f["assignee_ids"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return u, cairn.FieldError("assignees", "are not users")
			}
			ids = append(ids, id)
		}
		u.AssigneeIDs = &ids
	}
	if f.Has("due_date") {
		if v := strings.TrimSpace(f.Get("due_date")); v == "" {
			u.DueDate = cairn.Clear[string]()
		} else {
			u.DueDate = cairn.SetTo(v)
		}
	}
	u.StateEvent = f.Get("state_event")
	return u, nil
}

// createIssueStatusUpdate serves POST
// /{group}/{project}/-/issues/{iid}/status_updates: the weekly status
// update (progress, next steps, blockers, confidence), posted as the API's
// CreateStatusUpdate posts it. Members of the reporter role and up.
func (w *Web) createIssueStatusUpdate(rw http.ResponseWriter, r *http.Request) error {
	s, is, err := w.issueFor(r, access.PostStatusUpdate)
	if err != nil {
		return err
	}
	in := cairn.StatusUpdateCreate{ProjectID: s.Project.ID, IssueIID: is.IID,
		Progress: r.PostFormValue("progress"), NextSteps: r.PostFormValue("next_steps"),
		Blockers: r.PostFormValue("blockers"), Confidence: r.PostFormValue("confidence")}
	if _, err := w.store.CreateStatusUpdate(r.Context(), in); err != nil {
		forms := issueForms{Where: "status", Status: statusForm{Progress: in.Progress, NextSteps: in.NextSteps,
			Blockers: in.Blockers, Confidence: in.Confidence}}
		return w.refusal(rw, r, s, is, forms, err)
	}
	http.Redirect(rw, r, issueURL(s.Project, is)+"#status-updates", http.StatusSeeOther)
	return nil
}

package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// The team's issue boards (seed 002): by workflow label, by project and by
// milestone. A board is a row of lists, each the open issues of one value;
// dragging a card to another list changes that value through the same
// store update as the API (so the ready gate, the Deliverable/Stretch
// guard and the event history apply), and the refusal, if any, is shown
// on the card.

// Board kinds, the by= parameter.
const (
	boardWorkflow  = "workflow"
	boardProject   = "project"
	boardMilestone = "milestone"
)

// The values of the workflow board's two lists that are not labels: issues
// without a workflow label (a label name is never blank), and closed issues.
const (
	listOpen   = ""
	listClosed = "closed"
)

// boardListCap bounds the cards of one list; the rest are a link to the
// issue list.
const boardListCap = cairn.MaxPerPage

// boardPage is the data of the boards page.
type boardPage struct {
	By   string
	Tabs []boardTab
	// Filter is what the filter form shows; Milestone is "" for the
	// current milestone.
	Filter           boardFilter
	CurrentMilestone *cairn.Milestone
	Milestones       []*cairn.Milestone
	Members          []*cairn.Member
	Labels           []*cairn.Label
	// CanMove shows the board as draggable (reporters and up).
	CanMove bool
	MoveURL string
	Lists   []*boardList
	// Cards counts the cards shown, for the empty state.
	Cards int
}

// boardTab links to one kind of board with the same filters.
type boardTab struct {
	By, Title, URL string
	Current        bool
}

// boardFilter is the board's filters as the query string gives them.
type boardFilter struct {
	// Milestone is "" (the current milestone), "any", "none" or a title.
	Milestone string
	// Assignee is "" (anyone), "none" or a username.
	Assignee string
	// Label is "" (any) or a label name.
	Label string
}

// boardList is one list of a board.
type boardList struct {
	// Value identifies the list in moves (data-board-list).
	Value string
	Title string
	// Label is the workflow label the list stands for, for its colour.
	Label string
	Hint  string
	Cards []*boardCard
	// Total counts the list's issues (capped as lists are); More are
	// those beyond the cards shown, at MoreURL.
	Total   int
	Capped  bool
	More    int
	MoreURL string
}

// boardCard is one issue on a board.
type boardCard struct {
	Issue *cairn.Issue
	URL   string
	Ref   string
	// ShortRef leaves out the group, which every card of a team's board
	// shares: "duo-chat#12".
	ShortRef string
	// Priority is the issue's highest priority label, "" for none.
	Priority string
	// Commitment is the Deliverable or Stretch label it carries, "" for
	// neither.
	Commitment string
	// Assignees are at most three, the rest counted in MoreAssignees.
	Assignees     []*cairn.User
	MoreAssignees int
}

// boards serves GET /groups/{group}/-/boards?by=workflow|project|milestone
// with the filters milestone (default: the current milestone; "any",
// "none" or a title), assignee (a username or "none") and label.
func (w *Web) boards(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.Read)
	if err != nil {
		return err
	}
	by, err := boardKind(r.URL.Query().Get("by"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := boardFilter{
		Milestone: strings.TrimSpace(q.Get("milestone")),
		Assignee:  strings.TrimSpace(q.Get("assignee")),
		Label:     strings.TrimSpace(q.Get("label")),
	}
	data, err := w.board(r.Context(), s, by, f)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "boards.html", &Page{Title: "Boards", Section: "boards", Group: s.Group, Data: data})
	return nil
}

// boardKind checks the by= parameter.
func boardKind(by string) (string, error) {
	switch by {
	case "", boardWorkflow:
		return boardWorkflow, nil
	case boardProject, boardMilestone:
		return by, nil
	}
	return "", &cairn.Error{Code: cairn.EINVALID, Message: "by must be workflow, project or milestone"}
}

// boardContext is what building a board's lists and cards needs.
type boardContext struct {
	scope    *teamScope
	settings planning.Settings
	timeline *planner.TeamMilestones
	projects []*cairn.Project
	refs     Refs
}

// loadBoardContext loads the team's settings, milestones and projects.
func (w *Web) loadBoardContext(ctx context.Context, s *teamScope) (*boardContext, error) {
	if w.planner == nil {
		return nil, fmt.Errorf("boards need the planning service")
	}
	bc := &boardContext{scope: s, refs: Refs{}}
	var err error
	if bc.settings, err = w.planner.Settings(ctx, s.Group.ID); err != nil {
		return nil, err
	}
	if bc.timeline, err = w.planner.Milestones(ctx, s.Group.ID); err != nil {
		return nil, err
	}
	for page := 1; ; page++ {
		list, _, err := w.store.ListProjects(ctx, cairn.ProjectFilter{Admin: true, GroupID: s.Group.ID, OrderBy: "path", Sort: "asc",
			Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			bc.projects = append(bc.projects, p)
			bc.refs[p.ID] = p.FullPath()
		}
		if len(list) < cairn.MaxPerPage {
			break
		}
	}
	return bc, nil
}

// card makes an issue's card.
func (bc *boardContext) card(is *cairn.Issue) *boardCard {
	c := &boardCard{Issue: is, URL: bc.refs.IssueURL(is), Ref: bc.refs.Ref(is)}
	c.ShortRef = c.Ref[strings.LastIndex(c.Ref, "/")+1:]
	for _, p := range bc.settings.PriorityLabels {
		if c.Priority == "" && hasLabelFold(is, p) {
			c.Priority = p
		}
	}
	switch {
	case hasLabelFold(is, bc.settings.DeliverableLabel):
		c.Commitment = bc.settings.DeliverableLabel
	case hasLabelFold(is, bc.settings.StretchLabel):
		c.Commitment = bc.settings.StretchLabel
	}
	c.Assignees = is.Assignees
	if len(c.Assignees) > 3 {
		c.Assignees, c.MoreAssignees = c.Assignees[:3], len(c.Assignees)-3
	}
	return c
}

// board builds the page: its filter choices and its lists, each loaded
// with one capped query.
func (w *Web) board(ctx context.Context, s *teamScope, by string, f boardFilter) (*boardPage, error) {
	bc, err := w.loadBoardContext(ctx, s)
	if err != nil {
		return nil, err
	}
	g := s.Group
	data := &boardPage{By: by, Filter: f, CurrentMilestone: bc.timeline.Current,
		CanMove: s.Can(access.UpdateIssue),
		MoveURL: "/groups/" + g.Path + "/-/boards/move?by=" + by}
	for _, m := range bc.timeline.All {
		if m.State != cairn.MilestoneClosed {
			data.Milestones = append(data.Milestones, m)
		}
	}
	if data.Members, err = w.store.GroupMembers(ctx, g.ID); err != nil {
		return nil, err
	}
	if data.Labels, _, err = w.store.ListGroupLabels(ctx, g.ID, cairn.LabelFilter{Page: cairn.Page{PerPage: cairn.MaxPerPage}}); err != nil {
		return nil, err
	}
	for _, t := range []struct{ by, title string }{{boardWorkflow, "Workflow"}, {boardProject, "Projects"}, {boardMilestone, "Milestones"}} {
		data.Tabs = append(data.Tabs, boardTab{By: t.by, Title: t.title, Current: t.by == by, URL: boardURL(g, t.by, f)})
	}

	base := cairn.IssueFilter{GroupID: g.ID, State: cairn.StateOpened, OrderBy: "relative_position", Sort: "asc",
		Page: cairn.Page{PerPage: boardListCap}}
	// Planning, retrospective and coverage issues are the process's own,
	// not work on the board. They carry no workflow label, so the lists of
	// workflow labels need not probe every issue for the planning label
	// (on a team of 20,000 issues that probe is most of the page's time):
	// their cards drop planning issues instead (add). Open and Closed,
	// where they would be, leave them out in the query.
	var notPlanning []string
	if bc.settings.PlanningLabel != "" {
		notPlanning = []string{bc.settings.PlanningLabel}
	}
	if by != boardWorkflow {
		base.NotLabels = notPlanning
	}
	issueQuery := url.Values{"state": {"opened"}}
	if by != boardMilestone {
		switch strings.ToLower(f.Milestone) {
		case "":
			if m := bc.timeline.Current; m != nil {
				base.MilestoneID = m.ID
				issueQuery.Set("milestone", m.Title)
			}
		case "any":
			issueQuery.Set("milestone", "Any")
		case "none":
			base.Milestone = cairn.FilterNone
			issueQuery.Set("milestone", "None")
		default:
			base.Milestone = f.Milestone
			issueQuery.Set("milestone", f.Milestone)
		}
	}
	switch {
	case f.Assignee == "":
	case strings.EqualFold(f.Assignee, "none"):
		base.AssigneeID = cairn.FilterNone
		issueQuery.Set("assignee", "None")
	default:
		base.AssigneeUsernames = []string{f.Assignee}
		issueQuery.Set("assignee", f.Assignee)
	}
	if f.Label != "" {
		base.Labels = []string{f.Label}
		issueQuery.Add("labels", f.Label)
	}
	access.HideConfidential(&base, s.User, s.Level)

	issuesURL := "/groups/" + g.Path + "/-/issues?"
	add := func(l *boardList, filter cairn.IssueFilter, more url.Values) error {
		list, total, err := w.store.ListIssues(ctx, filter)
		if err != nil {
			return fmt.Errorf("board list %q: %w", l.Title, err)
		}
		shown := 0
		for _, is := range list {
			if hasLabelFold(is, bc.settings.PlanningLabel) {
				total.Count--
				continue
			}
			shown++
			if s.seesConfidential(is) {
				l.Cards = append(l.Cards, bc.card(is))
			}
		}
		l.Total, l.Capped = total.Count, total.Capped
		l.More = max(0, total.Count-shown)
		if l.More > 0 || l.Capped {
			l.MoreURL = issuesURL + more.Encode()
		}
		data.Cards += len(l.Cards)
		data.Lists = append(data.Lists, l)
		return nil
	}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for key, vals := range issueQuery {
			out[key] = slices.Clone(vals)
		}
		if k != "" {
			out.Add(k, v)
		}
		return out
	}

	switch by {
	case boardWorkflow:
		open := base
		open.NotLabels = append(slices.Clone(notPlanning), bc.settings.WorkflowLabels...)
		if err := add(&boardList{Value: listOpen, Title: "Open", Hint: "No workflow label"}, open, with("", "")); err != nil {
			return nil, err
		}
		for _, name := range bc.settings.WorkflowLabels {
			lf := base
			lf.Labels = append(slices.Clone(base.Labels), name)
			l := &boardList{Value: name, Title: valueOfLabel(name), Label: name}
			if err := add(l, lf, with("labels", name)); err != nil {
				return nil, err
			}
		}
		closed := base
		closed.State, closed.OrderBy, closed.Sort = cairn.StateClosed, "updated_at", "desc"
		closed.NotLabels = notPlanning
		more := with("", "")
		more.Set("state", "closed")
		if err := add(&boardList{Value: listClosed, Title: "Closed"}, closed, more); err != nil {
			return nil, err
		}
	case boardProject:
		for _, p := range bc.projects {
			pf := base
			pf.GroupID, pf.ProjectID = 0, p.ID
			l := &boardList{Value: strconv.FormatInt(p.ID, 10), Title: p.Name, Hint: p.Path}
			if l.Title == "" {
				l.Title = p.Path
			}
			more := with("", "")
			if err := add(l, pf, more); err != nil {
				return nil, err
			}
			l.MoreURL = strings.Replace(l.MoreURL, issuesURL, "/"+p.FullPath()+"/-/issues?", 1)
		}
	case boardMilestone:
		none := base
		none.Milestone = cairn.FilterNone
		if err := add(&boardList{Value: "", Title: "No milestone"}, none, with("milestone", "None")); err != nil {
			return nil, err
		}
		for _, m := range bc.timeline.Active {
			mf := base
			mf.MilestoneID = m.ID
			l := &boardList{Value: strconv.FormatInt(m.ID, 10), Title: m.Title, Hint: m.StartDate + " – " + m.DueDate}
			if bc.timeline.Current != nil && m.ID == bc.timeline.Current.ID {
				l.Hint += " · current"
			}
			if err := add(l, mf, with("milestone", m.Title)); err != nil {
				return nil, err
			}
		}
	}
	return data, nil
}

// boardURL is the URL of a board of the group with the filters f.
func boardURL(g *cairn.Group, by string, f boardFilter) string {
	q := url.Values{"by": {by}}
	if f.Milestone != "" {
		q.Set("milestone", f.Milestone)
	}
	if f.Assignee != "" {
		q.Set("assignee", f.Assignee)
	}
	if f.Label != "" {
		q.Set("label", f.Label)
	}
	return "/groups/" + g.Path + "/-/boards?" + q.Encode()
}

// valueOfLabel is a scoped label's value ("in dev" of "workflow::in dev"),
// the name of an unscoped one.
func valueOfLabel(name string) string {
	if i := strings.LastIndex(name, "::"); i > 0 {
		return name[i+2:]
	}
	return name
}

// boardMove serves POST /groups/{group}/-/boards/move?by=…: issue
// ("<project id>:<iid>"), from and to (list values) and after_id/before_id
// (the global ids of the cards it was dropped between). On the workflow
// board it replaces the issue's workflow label (none for Open) or closes
// it (Closed), reopening a closed one; on the milestone board it sets or
// removes the milestone; on the project board issues stay in their
// project. Within a list it only changes the card's rank. It answers 200
// with the card's new HTML, or a plain-text refusal: 422 for a move the
// rules refuse (the ready gate's message), 403 for users below reporter.
func (w *Web) boardMove(rw http.ResponseWriter, r *http.Request) error {
	err := w.moveCard(rw, r)
	switch cairn.ErrorCode(err) {
	case "":
		return nil
	case cairn.EINVALID, cairn.ECONFLICT:
		plainText(rw, http.StatusUnprocessableEntity, cairn.ErrorMessage(err))
	case cairn.EFORBIDDEN:
		msg := "You are not allowed to move cards on this board: ask a maintainer of the team for the reporter role."
		if e := (*cairn.Error)(nil); errors.As(err, &e) && e.Message != "" {
			msg = e.Message
		}
		plainText(rw, http.StatusForbidden, msg)
	case cairn.ENOTFOUND:
		plainText(rw, http.StatusNotFound, "This issue does not exist any more, or you may not see it. Reload the board.")
	default:
		return err
	}
	return nil
}

// plainText writes a short plain-text answer, as the board's script shows
// it on the card.
func plainText(rw http.ResponseWriter, status int, msg string) {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = rw.Write([]byte(msg))
}

// errUnknownList refuses a move to a list the board does not have.
var errUnknownList = &cairn.Error{Code: cairn.EINVALID, Message: "This board has no such list. Reload the board."}

// moveCard does the move of boardMove; errors are the user's to read.
func (w *Web) moveCard(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.team(r, access.UpdateIssue)
	if err != nil {
		return err
	}
	by, err := boardKind(r.URL.Query().Get("by"))
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &cairn.Error{Code: cairn.EINVALID, Message: "The move could not be read."}
	}
	pid, iid, ok := parseCardRef(r.PostForm.Get("issue"))
	if !ok {
		return &cairn.Error{Code: cairn.EINVALID, Message: "The move names no issue."}
	}
	// The issue's own state decides what changes: "from" only names the
	// list the card left, which a stale board may have wrong.
	to := r.PostForm.Get("to")
	bc, err := w.loadBoardContext(ctx, s)
	if err != nil {
		return err
	}
	if _, ok := bc.refs[pid]; !ok {
		return cairn.NotFound("Issue")
	}
	is, err := w.store.IssueByIID(ctx, pid, iid)
	if err != nil {
		return err
	}
	if !s.seesConfidential(is) {
		return cairn.NotFound("Issue")
	}

	var u cairn.IssueUpdate
	switch by {
	case boardWorkflow:
		if err := workflowMove(bc.settings, is, to, &u); err != nil {
			return err
		}
	case boardProject:
		if to != strconv.FormatInt(is.ProjectID, 10) {
			return &cairn.Error{Code: cairn.EINVALID, Message: "Issues can't move between projects here"}
		}
	case boardMilestone:
		if err := milestoneMove(bc.timeline, is, to, &u); err != nil {
			return err
		}
	}
	// The rank: only the open lists are ordered by it (Closed is by the
	// time of closing), and a card dropped after an unranked one cannot be
	// placed among them, so it keeps its rank.
	if !(by == boardWorkflow && to == listClosed) {
		pos, ok, err := w.rankBetween(ctx, bc, is.ID, formID(r, "after_id"), formID(r, "before_id"))
		if err != nil {
			return err
		}
		if ok {
			u.RelativePosition = cairn.SetTo(pos)
		}
	}
	if !u.Empty() {
		if err := w.planner.CheckUpdateLabels(ctx, s.Group.ID, s.Can(access.ManagePlanning), is, &u); err != nil {
			return err
		}
		if is, err = w.store.UpdateIssue(ctx, pid, iid, u); err != nil {
			return err
		}
	}
	w.renderPartial(rw, r, http.StatusOK, "boards.html", "board-card", bc.card(is))
	return nil
}

// parseCardRef reads a card's data-issue, "<project id>:<iid>".
func parseCardRef(v string) (pid, iid int64, ok bool) {
	a, b, found := strings.Cut(v, ":")
	if !found {
		return 0, 0, false
	}
	pid, err1 := strconv.ParseInt(a, 10, 64)
	iid, err2 := strconv.ParseInt(b, 10, 64)
	return pid, iid, err1 == nil && err2 == nil && pid > 0 && iid > 0
}

// formID reads an optional id of the form; 0 when absent or not a number.
func formID(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(r.PostForm.Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// workflowMove sets u to move issue is to the workflow board's list to:
// the workflow label to (replacing the issue's others), none (Open), or
// closed. A closed issue dropped on an open list is reopened.
func workflowMove(st planning.Settings, is *cairn.Issue, to string, u *cairn.IssueUpdate) error {
	if to == listClosed {
		if is.State != cairn.StateClosed {
			u.StateEvent = "close"
		}
		return nil
	}
	target := ""
	if to != listOpen {
		i := slices.IndexFunc(st.WorkflowLabels, func(l string) bool { return strings.EqualFold(l, to) })
		if i < 0 {
			return errUnknownList
		}
		target = st.WorkflowLabels[i]
	}
	if is.State == cairn.StateClosed {
		u.StateEvent = "reopen"
	}
	for _, l := range is.Labels {
		if slices.ContainsFunc(st.WorkflowLabels, func(w string) bool { return strings.EqualFold(w, l.Name) }) && !strings.EqualFold(l.Name, target) {
			u.RemoveLabels = append(u.RemoveLabels, l.Name)
		}
	}
	if target != "" && !hasLabelFold(is, target) {
		u.AddLabels = []string{target}
	}
	return nil
}

// milestoneMove sets u to move issue is to the milestone board's list to:
// a milestone of the group (by id) or none ("").
func milestoneMove(t *planner.TeamMilestones, is *cairn.Issue, to string, u *cairn.IssueUpdate) error {
	if to == "" {
		if is.Milestone != nil {
			u.MilestoneID = cairn.Clear[int64]()
		}
		return nil
	}
	id, err := strconv.ParseInt(to, 10, 64)
	if err != nil || !slices.ContainsFunc(t.All, func(m *cairn.Milestone) bool { return m.ID == id }) {
		return errUnknownList
	}
	if is.Milestone == nil || is.Milestone.ID != id {
		u.MilestoneID = cairn.SetTo(id)
	}
	return nil
}

// rankGap is the room left between ranks, so that most drops find a free
// rank between two neighbours.
const rankGap = 1024

// rankBetween returns the rank (relative position) that puts issue id
// between the card after which it was dropped (afterID, 0 for the top of
// the list) and the one before which it was (beforeID, 0 for the bottom).
// Lists show ranked issues first, by rank, then the unranked by id; ok is
// false when no rank puts the card there (dropped after an unranked card,
// or between two adjacent ranks).
func (w *Web) rankBetween(ctx context.Context, bc *boardContext, id, afterID, beforeID int64) (int64, bool, error) {
	rank := func(other int64) (*int64, error) {
		if other == 0 || other == id {
			return nil, nil
		}
		is, err := w.store.IssueByID(ctx, other)
		if cairn.ErrorCode(err) == cairn.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if _, ok := bc.refs[is.ProjectID]; !ok {
			return nil, nil // not the team's: no rank to learn from it
		}
		return is.RelativePosition, nil
	}
	prev, err := rank(afterID)
	if err != nil {
		return 0, false, err
	}
	next, err := rank(beforeID)
	if err != nil {
		return 0, false, err
	}
	switch {
	case prev != nil && next != nil:
		if *next-*prev < 2 {
			return 0, false, nil
		}
		return *prev + (*next-*prev)/2, true, nil
	case prev != nil:
		return *prev + rankGap, true, nil
	case afterID != 0:
		return 0, false, nil
	case next != nil:
		return *next - rankGap, true, nil
	}
	// The top of a list with no ranked card.
	return 0, true, nil
}

package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// The milestone planning page: the capacity table, the proposed (or
// committed) plan with carryover, Deliverables, Stretch, what was left out
// and why, refinement gaps, the parking lot, and the "Finalise plan"
// button. It shows what GET …/milestones/:id/plan answers in the API, from
// the same planner call, and posts to the same planner methods.

// planListSize is how many rows of one plan list a page shows: a plan for a
// team with a huge backlog leaves thousands of issues out.
const planListSize = 50

// confidentialIssueTitle replaces the title of a confidential issue for a
// member who may not see it (a guest), as the API does.
const confidentialIssueTitle = "Confidential issue"

// planningPage is the data of the planning page.
type planningPage struct {
	Group *cairn.Group
	// Milestones are the switcher's choices, newest first.
	Milestones []planMilestoneOption
	Milestone  *cairn.Milestone
	// Dates are the milestone's dates for people: "1 Dec – 31 Dec 2026".
	Dates string
	// Prev and Next are the milestones before and after Milestone.
	Prev, Next *cairn.Milestone
	// Planned says Milestone is the one being planned (the default).
	Planned bool
	Current bool
	// Problem says why the milestone has no plan (no dates).
	Problem   string
	Finalized bool
	// FinalizedAt is when the plan was finalised, in the team's zone.
	FinalizedAt *time.Time
	Deadline    *planDeadline
	CanManage   bool
	CanPropose  bool
	Capacity    *planCapacity
	Plan        *planning.Plan
	Carryover   planList
	Deliverable planList
	Stretch     planList
	LeftOut     planList
	Gaps        planList
	Parking     []planParkingRow
	Form        planParkingForm
	// PlanningIssue is the milestone's planning issue; nil when none.
	PlanningIssue *planIssueLink
	// Next planning issue and retrospective a finalisation just opened.
	NextPlanningIssue *planIssueLink
	Retrospective     *planIssueLink
}

// planMilestoneOption is one milestone of the switcher.
type planMilestoneOption struct {
	ID       int64
	Label    string
	Selected bool
}

// planDeadline is the finalisation deadline of a plan not yet final.
type planDeadline struct {
	Date string // "Sat 28 Nov 2026"
	// DaysLeft counts the working days from today to Date, both included.
	DaysLeft int
	Today    bool
	Overdue  bool
}

// planCapacity is the capacity table.
type planCapacity struct {
	WorkingDays    int
	Rows           []planCapacityRow
	TimeOff        string
	Available      string
	DevDays        string
	Capacity       string
	Planned        string
	Remaining      string
	Over           bool
	StretchBudget  string
	Velocity       string
	VelocitySource string
	Window         []planning.WindowMilestone
	Focus          string // "70%"
}

// planCapacityRow is one member's line of the capacity table.
type planCapacityRow struct {
	Username       string
	Name           string
	Role           string
	Factor         string
	TimeOff        string
	Available      string
	Focus          string
	DevDays        string
	Velocity       string
	VelocitySource string
	Capacity       string
	Planned        string
	Remaining      string
	Over           bool
}

// planList is one list of the plan, a page of it.
type planList struct {
	// ID is the section's anchor; Heading, Hint and Empty its texts;
	// Reasons says whether the rows' reasons are shown.
	ID      string
	Heading string
	Hint    string
	Empty   string
	Reasons bool
	Rows    []planRow
	Total   int
	Weight  int
	// Page is the page shown; PrevURL and NextURL are "" at the ends.
	Page    int
	Pages   int
	PrevURL string
	NextURL string
}

// planRow is one issue of a plan list.
type planRow struct {
	Ref       string
	URL       string
	Title     string
	Hidden    bool
	Weight    *int
	Priority  string
	Assignees []string
	Flags     []string
	Carryover bool
	Reason    string
	Detail    string
}

// planParkingRow is one parking lot proposal.
type planParkingRow struct {
	ID        int64
	Title     string
	Ref       string
	URL       string
	Hidden    bool
	Reason    string
	Author    *cairn.User
	CreatedAt time.Time
	CanRemove bool
}

// planParkingForm is the "propose work" form's input.
type planParkingForm struct {
	Issue  string
	Title  string
	Reason string
	// Field names the field an error is about, for aria-invalid.
	Field string
}

// planIssueLink is a link to an issue the page names.
type planIssueLink struct {
	Title string
	Ref   string
	URL   string
	State string
}

// planningFor is what rendering the planning page needs besides the plan.
type planningFor struct {
	scope *teamScope
	tm    *planner.TeamMilestones
	m     *cairn.Milestone
	// view is the plan when the caller has it already (finalising
	// returns it); nil computes it.
	view  *planner.PlanView
	form  planParkingForm
	res   *planner.FinalizeResult
	flash string
	err   string
}

// planning serves GET /groups/{group}/-/planning: the milestone being
// planned, the next one that has not started. ?milestone_id= (the
// switcher's form without JavaScript) redirects to that milestone's page.
func (w *Web) planning(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.planningTeam(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	if id := r.URL.Query().Get("milestone_id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return cairn.NotFound("Milestone")
		}
		http.Redirect(rw, r, planningURL(s.Group, n), http.StatusSeeOther)
		return nil
	}
	tm, err := w.planner.Milestones(r.Context(), s.Group.ID)
	if err != nil {
		return err
	}
	return w.renderPlanning(rw, r, http.StatusOK, planningFor{scope: s, tm: tm, m: tm.Next})
}

// planningMilestone serves GET /groups/{group}/-/planning/{milestone_id}.
func (w *Web) planningMilestone(rw http.ResponseWriter, r *http.Request) error {
	s, tm, m, err := w.planningScope(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	return w.renderPlanning(rw, r, http.StatusOK, planningFor{scope: s, tm: tm, m: m})
}

// finalizePlanning serves POST /groups/{group}/-/planning/{milestone_id}/finalize
// for engineering and product managers and owners: it finalises the plan
// and shows it with what finalising did, or says the plan was already
// final (nothing changes then).
func (w *Web) finalizePlanning(rw http.ResponseWriter, r *http.Request) error {
	s, tm, m, err := w.planningScope(r, access.ManagePlanning)
	if err != nil {
		return err
	}
	res, err := w.planner.Finalize(r.Context(), s.Group.ID, m.ID)
	if cairn.ErrorCode(err) == cairn.EINVALID {
		return w.renderPlanning(rw, r, http.StatusUnprocessableEntity, planningFor{scope: s, tm: tm, m: m, err: planErrorText(err)})
	}
	if err != nil {
		return err
	}
	p := planningFor{scope: s, tm: tm, m: m, view: res.Plan, res: res}
	if res.AlreadyFinalized {
		p.flash = "The plan of " + m.Title + " was already final; nothing changed."
		if res.Plan != nil && res.Plan.FinalizedAt != nil {
			p.flash = "The plan of " + m.Title + " was already final (finalised on " + res.Plan.FinalizedAt.Format("2 Jan 2006") + "); nothing changed."
		}
	} else {
		n, st := 0, 0
		if res.Plan != nil && res.Plan.Plan != nil {
			n, st = len(res.Plan.Plan.Deliverables), len(res.Plan.Plan.Stretch)
		}
		p.flash = fmt.Sprintf("The plan of %s is final: %s and %s committed; the planning issue is closed.", m.Title,
			plural(n, "Deliverable"), plural(st, "Stretch issue"))
	}
	return w.renderPlanning(rw, r, http.StatusOK, p)
}

// addParkingLot serves POST /groups/{group}/-/planning/{milestone_id}/parking_lot:
// a proposal of work for the milestone — an issue reference or a title for
// work without an issue — with the reason. Reporters and up propose (the
// API's rule); an invalid proposal shows the form again with the message.
func (w *Web) addParkingLot(rw http.ResponseWriter, r *http.Request) error {
	s, tm, m, err := w.planningScope(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	if !s.Can(access.ProposePlanning) && !s.Can(access.ManagePlanning) {
		return &cairn.Error{Code: cairn.EFORBIDDEN}
	}
	if err := r.ParseForm(); err != nil {
		return cairn.Errorf(cairn.EINVALID, "The form could not be read.")
	}
	form := planParkingForm{
		Issue:  strings.TrimSpace(r.PostFormValue("issue")),
		Title:  strings.TrimSpace(r.PostFormValue("title")),
		Reason: strings.TrimSpace(r.PostFormValue("reason")),
	}
	in := cairn.ParkingLotCreate{GroupID: s.Group.ID, MilestoneID: m.ID, Title: form.Title, Reason: form.Reason}
	err = w.parkingIssue(r.Context(), s, form.Issue, &in)
	if err == nil {
		err = in.Validate()
	}
	if err == nil {
		_, err = w.planner.AddParkingLot(r.Context(), in)
	}
	if cairn.ErrorCode(err) == cairn.EINVALID {
		form.Field = planErrorField(err)
		return w.renderPlanning(rw, r, http.StatusUnprocessableEntity, planningFor{scope: s, tm: tm, m: m, form: form, err: planErrorText(err)})
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, planningURL(s.Group, m.ID)+"#parking-lot", http.StatusSeeOther)
	return nil
}

// removeParkingLot serves POST
// /groups/{group}/-/planning/{milestone_id}/parking_lot/{entry_id}/delete:
// its author (reporter and up), or a manager or owner, removes a proposal.
func (w *Web) removeParkingLot(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, _, m, err := w.planningScope(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "entry_id", "Parking Lot Entry")
	if err != nil {
		return err
	}
	if !s.Can(access.ManagePlanning) {
		e, err := w.store.ParkingLotEntry(ctx, s.Group.ID, m.ID, id)
		if err != nil {
			return err
		}
		if e.Author == nil || e.Author.ID != s.User.ID || !s.Can(access.ProposePlanning) {
			return &cairn.Error{Code: cairn.EFORBIDDEN}
		}
	}
	if err := w.planner.DeleteParkingLot(ctx, s.Group.ID, m.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, planningURL(s.Group, m.ID)+"#parking-lot", http.StatusSeeOther)
	return nil
}

// planningTeam is w.team for the planning pages, which need the planner.
func (w *Web) planningTeam(r *http.Request, act access.Action) (*teamScope, error) {
	if w.planner == nil {
		return nil, cairn.NotFound("Page")
	}
	return w.team(r, act)
}

// planningScope loads the team, checks act, and finds the {milestone_id}
// among the team's milestones (ENOTFOUND for another group's).
func (w *Web) planningScope(r *http.Request, act access.Action) (*teamScope, *planner.TeamMilestones, *cairn.Milestone, error) {
	s, err := w.planningTeam(r, act)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := pathInt(r, "milestone_id", "Milestone")
	if err != nil {
		return nil, nil, nil, err
	}
	tm, err := w.planner.Milestones(r.Context(), s.Group.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, m := range tm.All {
		if m.ID == id {
			return s, tm, m, nil
		}
	}
	return nil, nil, nil, cairn.NotFound("Milestone")
}

// parkingIssue resolves the issue reference of a proposal into in: one of
// the team's issues that the user may see. An empty reference is a
// proposal without an issue.
func (w *Web) parkingIssue(ctx context.Context, s *teamScope, ref string, in *cairn.ParkingLotCreate) error {
	if ref == "" {
		return nil
	}
	path, iid, ok := parseIssueRef(s.Group.Path, ref)
	if !ok {
		return &cairn.Error{Code: cairn.EINVALID, Param: "issue", Message: "issue " + strconv.Quote(ref) + " is not an issue reference like duo-chat#12 or an issue's address"}
	}
	notOurs := &cairn.Error{Code: cairn.EINVALID, Param: "issue", Message: "there is no issue " + ref + " in this team"}
	p, err := w.store.ProjectByPath(ctx, path)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND || (err == nil && p.GroupID != s.Group.ID) {
		return notOurs
	}
	if err != nil {
		return err
	}
	is, err := w.store.IssueByIID(ctx, p.ID, iid)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND || (err == nil && !s.seesConfidential(is)) {
		// An issue the user may not see is one that does not exist.
		return notOurs
	}
	if err != nil {
		return err
	}
	in.ProjectID, in.IssueIID = p.ID, iid
	return nil
}

var (
	issueRefRE = regexp.MustCompile(`^([A-Za-z0-9_.][A-Za-z0-9_./-]*)?#([0-9]+)$`)
	issueURLRE = regexp.MustCompile(`^/?([A-Za-z0-9_./-]+)/-/issues/([0-9]+)/?$`)
)

// parseIssueRef reads an issue reference — "project#12", "group/project#12"
// or an issue page's address — into the project's full path and the iid.
// A project path without a group is the team's.
func parseIssueRef(group, ref string) (path string, iid int64, ok bool) {
	ref = strings.TrimSpace(ref)
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		ref = u.Path
	}
	m := issueRefRE.FindStringSubmatch(ref)
	if m == nil {
		if m = issueURLRE.FindStringSubmatch(ref); m == nil {
			return "", 0, false
		}
	}
	path = strings.Trim(m[1], "/")
	if path == "" {
		return "", 0, false
	}
	if !strings.Contains(path, "/") {
		path = group + "/" + path
	}
	n, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return path, n, true
}

// planningURL is a milestone's planning page.
func planningURL(g *cairn.Group, milestoneID int64) string {
	return "/groups/" + g.Path + "/-/planning/" + strconv.FormatInt(milestoneID, 10)
}

// renderPlanning computes the plan (unless p has it) and renders the page.
func (w *Web) renderPlanning(rw http.ResponseWriter, r *http.Request, status int, p planningFor) error {
	ctx := r.Context()
	s := p.scope
	data := planningPage{
		Group: s.Group, Milestone: p.m, Form: p.form,
		CanManage: s.Can(access.ManagePlanning), CanPropose: s.Can(access.ProposePlanning) || s.Can(access.ManagePlanning),
	}
	data.Milestones, data.Prev, data.Next = planSwitcher(p.tm, p.m)
	title := "Planning"
	if p.m == nil {
		w.render(rw, r, status, "planning.html", &Page{Title: title, Section: "planning", Group: s.Group, Data: data, Flash: p.flash, Error: p.err})
		return nil
	}
	title = "Planning " + p.m.Title
	data.Dates = planDates(p.m.StartDate, p.m.DueDate)
	data.Planned = p.tm.Next != nil && p.tm.Next.ID == p.m.ID
	data.Current = p.tm.InProgress != nil && p.tm.InProgress.ID == p.m.ID
	pv := p.view
	if pv == nil {
		var err error
		pv, err = w.planner.Plan(ctx, s.Group.ID, p.m.ID)
		if cairn.ErrorCode(err) == cairn.EINVALID {
			data.Problem = planErrorText(err)
			if p.m.StartDate == "" || p.m.DueDate == "" {
				data.Problem = "Milestone " + p.m.Title + " has no start date or no due date, so its capacity and plan cannot be computed."
			}
			w.render(rw, r, status, "planning.html", &Page{Title: title, Section: "planning", Group: s.Group, Data: data, Flash: p.flash, Error: p.err})
			return nil
		}
		if err != nil {
			return err
		}
	}
	refs := Refs{}
	for id, pr := range pv.Projects {
		refs[id] = pr.FullPath()
	}
	data.Finalized, data.FinalizedAt = pv.Finalized, pv.FinalizedAt
	if !pv.Finalized {
		data.Deadline = planDeadlineOf(p.tm, p.m)
	}
	data.Plan = pv.Plan
	if pv.Plan != nil && pv.Capacity != nil {
		members, err := w.store.GroupMembers(ctx, s.Group.ID)
		if err != nil {
			return err
		}
		names := make(map[int64]string, len(members))
		for _, m := range members {
			if m.User != nil {
				names[m.User.ID] = m.User.Name
			}
		}
		data.Capacity = planCapacityOf(p.tm.Settings, pv.Capacity, pv.Plan, names)
	}

	q := r.URL.Query()
	lists := []struct {
		dst     *planList
		entries []planning.Entry
		param   string
	}{
		{&data.Carryover, nil, "carryover_page"}, {&data.Deliverable, nil, "deliverables_page"}, {&data.Stretch, nil, "stretch_page"},
		{&data.LeftOut, nil, "left_out_page"}, {&data.Gaps, nil, "gaps_page"},
	}
	st := p.tm.Settings
	data.Carryover = planList{ID: "carryover", Heading: "Carryover",
		Hint:  "Open issues of the current milestone; they are placed before any new work.",
		Empty: "Nothing carried over."}
	data.Deliverable = planList{ID: "deliverables", Heading: "Deliverables",
		Hint:  "What the team commits to: it fits the team's and the assignees' capacity.",
		Empty: "No Deliverables yet: mark issues " + st.ReadyLabel + " and weigh them."}
	data.Stretch = planList{ID: "stretch", Heading: "Stretch", Reasons: true,
		Hint:  "Does not fit the capacity but fits the stretch budget (" + planPercent(st.StretchShare) + " of capacity).",
		Empty: "No Stretch issues."}
	data.LeftOut = planList{ID: "left-out", Heading: "Left out", Reasons: true,
		Hint: "Candidates that did not make it, and why.", Empty: "Nothing was left out."}
	data.Gaps = planList{ID: "refinement-gaps", Heading: "Refinement gaps", Reasons: true,
		Hint:  "Prioritised work that is not ready to commit to: in refinement, without a workflow label, or without a weight.",
		Empty: "No refinement gaps: every prioritised issue is ready."}
	if pv.Plan != nil {
		lists[0].entries, lists[1].entries, lists[2].entries = pv.Plan.Carryover, pv.Plan.Deliverables, pv.Plan.Stretch
		lists[3].entries, lists[4].entries = pv.Plan.LeftOut, pv.Plan.RefinementGaps
	}
	// Only the rows shown are checked for confidentiality, in one query.
	var shown [][]planning.Entry
	var ids []int64
	for _, l := range lists {
		page := planPageParam(q, l.param)
		rows := planPageOf(l.entries, page, l.dst)
		if l.dst.Pages > 1 {
			if page > 1 {
				l.dst.PrevURL = planPageURL(r.URL, l.param, page-1)
			}
			if page < l.dst.Pages {
				l.dst.NextURL = planPageURL(r.URL, l.param, page+1)
			}
		}
		shown = append(shown, rows)
		for _, e := range rows {
			ids = append(ids, e.ID)
		}
	}
	sees, err := w.seesIssues(ctx, s, ids)
	if err != nil {
		return err
	}
	for i, l := range lists {
		l.dst.Rows = make([]planRow, 0, len(shown[i]))
		for _, e := range shown[i] {
			l.dst.Rows = append(l.dst.Rows, planRowOf(refs, e, sees(e.ID)))
		}
	}

	for _, e := range pv.ParkingLot {
		row := planParkingRow{ID: e.ID, Title: e.Title, Reason: e.Reason, Author: e.Author, CreatedAt: e.CreatedAt}
		row.CanRemove = data.CanManage || (data.CanPropose && e.Author != nil && e.Author.ID == s.User.ID)
		if e.Issue != nil {
			row.Ref, row.URL = shortRef(refs, e.Issue), refs.IssueURL(e.Issue)
			if row.Title == "" {
				row.Title = e.Issue.Title
			}
			if !s.seesConfidential(e.Issue) {
				row.Title, row.Hidden, row.URL = confidentialIssueTitle, true, ""
			}
		}
		data.Parking = append(data.Parking, row)
	}
	data.PlanningIssue = planIssueLinkOf(refs, s, pv.PlanningIssue)
	if p.res != nil {
		data.NextPlanningIssue = planIssueLinkOf(refs, s, p.res.NextPlanningIssue)
		data.Retrospective = planIssueLinkOf(refs, s, p.res.Retrospective)
	}
	w.render(rw, r, status, "planning.html", &Page{Title: title, Section: "planning", Group: s.Group, Data: data, Flash: p.flash, Error: p.err})
	return nil
}

// seesIssues returns what tells whether the user sees the issue with a
// given id: everything for reporters and up; for guests, the issues are
// loaded in one query and confidential ones they may not see are hidden
// (so are ids that do not load).
func (w *Web) seesIssues(ctx context.Context, s *teamScope, ids []int64) (func(id int64) bool, error) {
	if s.User.IsAdmin || s.Level >= cairn.AccessReporter {
		return func(int64) bool { return true }, nil
	}
	issues, err := w.store.IssuesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return func(id int64) bool {
		is := issues[id]
		return is != nil && s.seesConfidential(is)
	}, nil
}

// planSwitcher lists the milestones for the switcher (dated ones, newest
// first) and finds the ones before and after m.
func planSwitcher(tm *planner.TeamMilestones, m *cairn.Milestone) (opts []planMilestoneOption, prev, next *cairn.Milestone) {
	for i := len(tm.All) - 1; i >= 0; i-- {
		o := tm.All[i]
		label := o.Title
		switch {
		case tm.Next != nil && o.ID == tm.Next.ID && (tm.InProgress == nil || o.ID != tm.InProgress.ID):
			label += " · being planned"
		case tm.InProgress != nil && o.ID == tm.InProgress.ID:
			label += " · current"
		case o.State == cairn.MilestoneClosed:
			label += " · closed"
		}
		opts = append(opts, planMilestoneOption{ID: o.ID, Label: label, Selected: m != nil && o.ID == m.ID})
	}
	if m == nil || m.StartDate == "" {
		return opts, nil, nil
	}
	for _, o := range tm.All {
		if o.ID == m.ID || o.StartDate == "" {
			continue
		}
		if o.StartDate < m.StartDate && (prev == nil || o.StartDate > prev.StartDate) {
			prev = o
		}
		if o.StartDate > m.StartDate && (next == nil || o.StartDate < next.StartDate) {
			next = o
		}
	}
	return opts, prev, next
}

// planDeadlineOf is the finalisation deadline of m: finalize_lead_days
// before it starts; nil for a milestone without a start date.
func planDeadlineOf(tm *planner.TeamMilestones, m *cairn.Milestone) *planDeadline {
	if m.StartDate == "" {
		return nil
	}
	by, err := tm.Settings.FinalizeBy(m.StartDate)
	if err != nil {
		return nil
	}
	d := &planDeadline{Date: planDate(by, "Mon 2 Jan 2006"), Today: by == tm.Today, Overdue: by < tm.Today}
	if !d.Overdue {
		d.DaysLeft, _ = planning.WorkingDays(tm.Today, by, tm.Settings.Holidays)
	}
	return d
}

// planCapacityOf makes the capacity table from the report and the plan's
// member load.
func planCapacityOf(st planning.Settings, c *planning.CapacityReport, p *planning.Plan, names map[int64]string) *planCapacity {
	load := map[int64]planning.MemberLoad{}
	for _, l := range p.MemberLoad {
		load[l.UserID] = l
	}
	out := &planCapacity{
		WorkingDays: c.WorkingDays, Velocity: strconv.FormatFloat(c.TeamVelocity, 'f', 2, 64),
		VelocitySource: c.TeamVelocitySource, Window: c.VelocityMilestones,
		Focus: planPercent(1 - st.RefinementShare - st.OtherShare),
	}
	var off, avail, dev, planned float64
	for _, m := range c.Members {
		l := load[m.UserID]
		row := planCapacityRow{
			Username: m.Username, Name: names[m.UserID], Role: strings.ReplaceAll(m.PlanningRole, "_", " "),
			Factor: strconv.FormatFloat(m.CapacityFactor, 'f', -1, 64), TimeOff: planning.Format1(m.TimeOffDays),
			Available: planning.Format1(m.AvailableDays), Focus: planPercent(m.Focus), DevDays: planning.Format1(m.DevDays),
			Velocity: strconv.FormatFloat(m.Velocity, 'f', 2, 64), VelocitySource: m.VelocitySource,
			Capacity: planning.Format1(m.Capacity), Planned: planning.Format1(l.Planned), Remaining: planning.Format1(m.Capacity - l.Planned),
			Over: l.Planned > m.Capacity+1e-9,
		}
		off += m.TimeOffDays
		avail += m.AvailableDays
		dev += m.DevDays
		planned += l.Planned
		out.Rows = append(out.Rows, row)
	}
	out.TimeOff, out.Available, out.DevDays = planning.Format1(off), planning.Format1(avail), planning.Format1(dev)
	out.Capacity, out.Planned = planning.Format1(c.TeamCapacity), strconv.Itoa(p.PlannedWeight)
	out.Remaining, out.Over = planning.Format1(p.RemainingCapacity), p.RemainingCapacity < -1e-9
	out.StretchBudget = planning.Format1(p.StretchBudget)
	return out
}

// planPageParam reads a list's page number; 1 for none or nonsense.
func planPageParam(q url.Values, param string) int {
	n, err := strconv.Atoi(q.Get(param))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// planPageOf fills l's totals and returns the entries of the page (the
// last page for a page past the end).
func planPageOf(es []planning.Entry, page int, l *planList) []planning.Entry {
	l.Total = len(es)
	for _, e := range es {
		if e.Weight != nil {
			l.Weight += *e.Weight
		}
	}
	l.Pages = max(1, (len(es)+planListSize-1)/planListSize)
	l.Page = min(page, l.Pages)
	from := (l.Page - 1) * planListSize
	return es[from:min(from+planListSize, len(es))]
}

// planPageURL is the page's address with one list on another page.
func planPageURL(u *url.URL, param string, page int) string {
	q := u.Query()
	if page <= 1 {
		q.Del(param)
	} else {
		q.Set(param, strconv.Itoa(page))
	}
	out := u.Path
	if enc := q.Encode(); enc != "" {
		out += "?" + enc
	}
	return out
}

// planRowOf makes one row of a plan list.
func planRowOf(refs Refs, e planning.Entry, sees bool) planRow {
	is := &cairn.Issue{ProjectID: e.ProjectID, IID: e.IID}
	row := planRow{Ref: shortRef(refs, is), URL: refs.IssueURL(is), Title: e.Title, Weight: e.Weight, Priority: e.Priority,
		Reason: e.Reason, Detail: e.Detail}
	for _, f := range e.Flags {
		if f == planning.FlagCarryover {
			row.Carryover = true
			continue
		}
		row.Flags = append(row.Flags, f)
	}
	for _, a := range e.Assignees {
		row.Assignees = append(row.Assignees, a.Username)
	}
	if !sees {
		row.Title, row.Hidden, row.URL = confidentialIssueTitle, true, ""
	}
	return row
}

// planIssueLinkOf links an issue the page names; nil for none, and a
// confidential one the user may not see shows no title.
func planIssueLinkOf(refs Refs, s *teamScope, is *cairn.Issue) *planIssueLink {
	if is == nil {
		return nil
	}
	l := &planIssueLink{Title: is.Title, Ref: shortRef(refs, is), URL: refs.IssueURL(is), State: is.State}
	if _, ok := refs[is.ProjectID]; !ok {
		l.Ref = "#" + strconv.FormatInt(is.IID, 10)
	}
	if !s.seesConfidential(is) {
		l.Title = confidentialIssueTitle
	}
	return l
}

// planErrorText is a validation error as a sentence for the page: "Reason
// is missing."
func planErrorText(err error) string {
	msg := err.Error()
	if msg == "" {
		return "That did not work."
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// planErrorField names the form field a validation error is about.
func planErrorField(err error) string {
	var e *cairn.Error
	if !errors.As(err, &e) {
		return ""
	}
	if e.Param != "" {
		return e.Param
	}
	for k := range e.Fields {
		return k
	}
	return ""
}

// planDate formats a date ("2026-12-01") with layout; the date itself when
// it does not parse.
func planDate(d, layout string) string {
	t, err := time.Parse(cairn.DateLayout, d)
	if err != nil {
		return d
	}
	return t.Format(layout)
}

// planDates are a milestone's dates for people: "1 Dec – 31 Dec 2026".
func planDates(start, due string) string {
	switch {
	case start == "" && due == "":
		return "no dates"
	case start == "":
		return "due " + planDate(due, "2 Jan 2006")
	case due == "":
		return "from " + planDate(start, "2 Jan 2006")
	case len(start) >= 4 && len(due) >= 4 && start[:4] == due[:4]:
		return planDate(start, "2 Jan") + " – " + planDate(due, "2 Jan 2006")
	}
	return planDate(start, "2 Jan 2006") + " – " + planDate(due, "2 Jan 2006")
}

// planPercent shows a share as a percentage with at most one decimal:
// 0.2 is "20%", 0.125 is "12.5%".
func planPercent(share float64) string {
	return strconv.FormatFloat(planning.Round1(100*share), 'f', -1, 64) + "%"
}

// shortRef is an issue's reference inside its team's pages: the project
// path without the group, "duo-chat#12".
func shortRef(refs Refs, is *cairn.Issue) string {
	full := refs.Ref(is)
	if i := strings.LastIndex(full, "/"); i >= 0 {
		return full[i+1:]
	}
	return full
}

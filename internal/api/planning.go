package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// The planning endpoints: Cairn's own resources under /api/v4/groups/:id,
// served by the planner (internal/planner) with the conventions of the
// GitLab subset (auth, errors, pagination). Who may do what is in the
// permission matrix (access.go): members read, reporters and up propose
// (parking lot, their own time off), engineering and product managers and
// owners decide (settings, finalising, Deliverable and Stretch, other
// people's time off). Non-members get 404, whatever the group's
// visibility.

// planningGroup loads the {id} group for a planning endpoint and checks act.
func (a *API) planningGroup(r *http.Request, act action) (*groupScope, error) {
	if a.planner == nil {
		// The routes are not served without a planner; this keeps a
		// handler called some other way from dereferencing nil.
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return a.groupFor(r, act)
}

// requireAny returns nil if the caller may take one of acts in the group,
// else what require says for the first.
func (s *groupScope) requireAny(ctx context.Context, acts ...action) error {
	var first error
	for _, act := range acts {
		err := s.require(ctx, act)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// planningMilestone loads {milestone_id}, which must be a milestone of the
// group itself: plans are made for the team's milestones, not a project's.
// planningGroupMilestone resolves the group with act allowed, then its
// milestone from the path, as every per-milestone planning endpoint does.
func (a *API) planningGroupMilestone(r *http.Request, act action) (*groupScope, *cairn.Milestone, error) {
	s, err := a.planningGroup(r, act)
	if err != nil {
		return nil, nil, err
	}
	m, err := a.planningMilestone(r, s)
	if err != nil {
		return nil, nil, err
	}
	return s, m, nil
}

func (a *API) planningMilestone(r *http.Request, s *groupScope) (*cairn.Milestone, error) {
	id, err := strconv.ParseInt(r.PathValue("milestone_id"), 10, 64)
	if err != nil {
		return nil, cairn.NotFound("Milestone")
	}
	m, err := a.svc.MilestoneByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if m.GroupID == nil || *m.GroupID != s.group.ID {
		return nil, cairn.NotFound("Milestone")
	}
	return m, nil
}

// GetPlanningSettings serves GET /groups/{id}/planning_settings: the team's
// settings, defaults included, for any member.
func (a *API) GetPlanningSettings(w http.ResponseWriter, r *http.Request) error {
	s, err := a.planningGroup(r, actReadPlanning)
	if err != nil {
		return err
	}
	st, err := a.planner.Settings(r.Context(), s.group.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// settingKeys are the JSON names of the planning settings, for naming an
// unknown key as a field error.
var settingKeys = func() map[string]bool {
	b, err := json.Marshal(planning.DefaultSettings())
	if err != nil {
		panic(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	keys := make(map[string]bool, len(m))
	for k := range m {
		keys[k] = true
	}
	return keys
}()

// UpdatePlanningSettings serves PUT /groups/{id}/planning_settings. The body
// is a JSON object of the settings to change (any subset); the answer is
// all of them. Invalid values answer 400 {"message":{"key":["why"]}}, every
// bad key at once. Engineering and product managers and owners only.
func (a *API) UpdatePlanningSettings(w http.ResponseWriter, r *http.Request) error {
	s, err := a.planningGroup(r, actManagePlanning)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyError(err)
	}
	// The body is read as JSON whatever its Content-Type: curl -d sends a
	// JSON object as a form, and a settings patch has no form encoding.
	body = bytes.TrimSpace(body)
	var obj map[string]json.RawMessage
	if len(body) == 0 {
		return cairn.Errorf(cairn.EINVALID, "send the settings to change as a JSON object, like {\"stretch_share\": 0.25}")
	}
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return cairn.Errorf(cairn.EINVALID, "the request body is not a valid JSON object")
	}
	unknown := map[string][]string{}
	for k := range obj {
		if !settingKeys[k] {
			unknown[k] = []string{"is not a planning setting"}
		}
	}
	if len(unknown) > 0 {
		return &cairn.Error{Code: cairn.EINVALID, Fields: unknown}
	}
	st, err := a.planner.UpdateSettings(r.Context(), s.group.ID, body)
	if err != nil {
		return fieldsOnly(err)
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// fieldsOnly makes a validation error with per-field messages render as
// GitLab's {"message":{"field":["why"]}}: the planning package also sets a
// one-line summary, which ErrorBody would show instead.
func fieldsOnly(err error) error {
	var e *cairn.Error
	if errors.As(err, &e) && e.Code == cairn.EINVALID && len(e.Fields) > 0 && e.Param == "" {
		return &cairn.Error{Code: cairn.EINVALID, Fields: e.Fields}
	}
	return err
}

// userParam resolves the user a request names with user_id or username;
// def when it names none. ENOTFOUND "User Not Found" for an unknown user.
func (a *API) userParam(ctx context.Context, p *Params, def *cairn.User) (*cairn.User, error) {
	if id, ok := p.Int64("user_id"); ok {
		if err := p.Err(); err != nil {
			return nil, err
		}
		return a.svc.UserByID(ctx, id)
	}
	if name, ok := p.String("username"); ok && name != "" {
		return a.svc.UserByUsername(ctx, name)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return def, nil
}

// ListTimeOff serves GET /groups/{id}/time_off: the team's time off, for any
// member, filtered by user_id (or username) and by the dates from and to
// (entries that overlap them), by start date, paginated.
func (a *API) ListTimeOff(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := a.planningGroup(r, actReadPlanning)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := planner.TimeOffFilter{Page: p.Page()}
	f.From, _ = p.Date("from")
	f.To, _ = p.Date("to")
	u, err := a.userParam(ctx, p, nil)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		// An unknown user has no time off: an empty page, as GitLab's
		// filters answer for an unknown author.
		a.writeList(w, r, f.Page, cairn.Total{}, []timeOffJSON{}, 0)
		return nil
	}
	if err != nil {
		return err
	}
	if u != nil {
		f.UserID = u.ID
	}
	if f.From != "" && f.To != "" && f.To < f.From {
		return &cairn.Error{Code: cairn.EINVALID, Param: "to", Message: "to must not be before from"}
	}
	list, total, err := a.planner.ListTimeOff(ctx, s.group.ID, f)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	out := make([]timeOffJSON, 0, len(list))
	for _, t := range list {
		j, err := v.timeOff(t)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// AddTimeOff serves POST /groups/{id}/time_off: user_id or username (the
// caller by default), start_date, end_date (start_date by default),
// half_day, note and create_coverage_issue. Reporters and up add their own;
// adding someone else's takes a manager or owner. The user must be a
// member of the group.
func (a *API) AddTimeOff(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := a.planningGroup(r, actReadPlanning)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	target, err := a.userParam(ctx, p, s.user)
	if err != nil {
		return err
	}
	if target.ID == s.user.ID {
		err = s.requireAny(ctx, actProposePlanning, actManagePlanning)
	} else {
		err = s.require(ctx, actManagePlanning)
	}
	if err != nil {
		return err
	}
	c := cairn.TimeOffCreate{GroupID: s.group.ID, UserID: target.ID}
	c.StartDate, _ = p.Date("start_date")
	c.EndDate, _ = p.Date("end_date")
	c.HalfDay, _ = p.Bool("half_day")
	c.Note, _ = p.String("note")
	c.CreateCoverageIssue, _ = p.Bool("create_coverage_issue")
	if err := p.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if _, err := a.svc.Member(ctx, s.group.ID, target.ID); err != nil {
		if cairn.ErrorCode(err) == cairn.ENOTFOUND {
			return cairn.FieldError("user_id", "is not a member of the group")
		}
		return err
	}
	t, err := a.planner.AddTimeOff(ctx, c)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	j, err := v.timeOff(t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

// DeleteTimeOff serves DELETE /groups/{id}/time_off/{time_off_id}: reporters
// and up delete their own entries, managers and owners anyone's.
func (a *API) DeleteTimeOff(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := a.planningGroup(r, actReadPlanning)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("time_off_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Time Off")
	}
	if !s.can(actManagePlanning) {
		t, err := a.findTimeOff(ctx, s.group.ID, id)
		if err != nil {
			return err
		}
		if t.User == nil || t.User.ID != s.user.ID {
			return errForbidden
		}
		if err := s.require(ctx, actProposePlanning); err != nil {
			return err
		}
	} else if err := s.require(ctx, actManagePlanning); err != nil {
		return err
	}
	if _, err := a.planner.DeleteTimeOff(ctx, s.group.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// findTimeOff returns the group's time-off entry with that id, or
// ENOTFOUND. The planner has no look-up by id, so it pages through the
// group's entries: a team has a few hundred a year at most.
func (a *API) findTimeOff(ctx context.Context, groupID, id int64) (*cairn.TimeOff, error) {
	for page := 1; ; page++ {
		list, _, err := a.planner.ListTimeOff(ctx, groupID, planner.TimeOffFilter{Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			if t.ID == id {
				return t, nil
			}
		}
		if len(list) < cairn.MaxPerPage {
			return nil, cairn.NotFound("Time Off")
		}
	}
}

// GetCapacity serves GET /groups/{id}/milestones/{milestone_id}/capacity:
// the milestone, its working days, the team's capacity and every member's
// line with the figures behind it (planning-model.md), for any member.
func (a *API) GetCapacity(w http.ResponseWriter, r *http.Request) error {
	s, m, err := a.planningGroupMilestone(r, actReadPlanning)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	j, err := a.capacityReport(v, s.group.ID, m.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// GetPlan serves GET /groups/{id}/milestones/{milestone_id}/plan: the
// proposed (or, once finalised, committed) plan with carryover,
// Deliverables, Stretch, what was left out and why, refinement gaps, the
// parking lot and the planning issue, for any member.
func (a *API) GetPlan(w http.ResponseWriter, r *http.Request) error {
	s, m, err := a.planningGroupMilestone(r, actReadPlanning)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	j, err := a.planReport(v, s, s.group.ID, m.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// FinalizePlan serves POST /groups/{id}/milestones/{milestone_id}/plan/finalize
// for managers and owners: 201 with the plan, the next planning issue and
// the retrospective when this call finalised it, 200 with
// "already_finalized": true when it was final before (nothing changes).
func (a *API) FinalizePlan(w http.ResponseWriter, r *http.Request) error {
	s, m, err := a.planningGroupMilestone(r, actManagePlanning)
	if err != nil {
		return err
	}
	res, err := a.planner.Finalize(r.Context(), s.group.ID, m.ID)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	j, err := v.finalizeResult(res, s)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.AlreadyFinalized {
		status = http.StatusOK
	}
	writeJSON(w, status, j)
	return nil
}

// ListParkingLot serves GET /groups/{id}/milestones/{milestone_id}/parking_lot:
// the proposals for the milestone, oldest first, paginated.
func (a *API) ListParkingLot(w http.ResponseWriter, r *http.Request) error {
	s, m, err := a.planningGroupMilestone(r, actReadPlanning)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	page := p.Page()
	if err := p.Err(); err != nil {
		return err
	}
	list, total, err := a.planner.ListParkingLot(r.Context(), s.group.ID, m.ID, page)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	out, err := v.parkingLot(list, s)
	if err != nil {
		return err
	}
	a.writeList(w, r, page, total, out, len(out))
	return nil
}

// AddParkingLot serves POST /groups/{id}/milestones/{milestone_id}/parking_lot:
// an issue (project_id, a project id or path, with issue_iid) or a title
// for work without an issue, and the reason (required). Reporters and up
// propose; the caller is the author.
func (a *API) AddParkingLot(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := a.planningGroup(r, actReadPlanning)
	if err != nil {
		return err
	}
	if err := s.requireAny(ctx, actProposePlanning, actManagePlanning); err != nil {
		return err
	}
	m, err := a.planningMilestone(r, s)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	c := cairn.ParkingLotCreate{GroupID: s.group.ID, MilestoneID: m.ID}
	project, _ := p.String("project_id")
	c.IssueIID, _ = p.Int64("issue_iid")
	c.Title, _ = p.String("title")
	c.Reason, _ = p.String("reason")
	if err := p.Err(); err != nil {
		return err
	}
	if project != "" {
		// The issue must be one the caller can see: a proposal shows its
		// title to the whole team.
		ps, err := a.projectScope(r, project, actRead)
		if err != nil {
			return err
		}
		c.ProjectID = ps.project.ID
		if c.IssueIID != 0 {
			i, err := a.svc.IssueByIID(ctx, ps.project.ID, c.IssueIID)
			if err != nil {
				return err
			}
			if !ps.seesConfidential(i) {
				return cairn.NotFound("Issue")
			}
		}
	}
	if err := c.Validate(); err != nil {
		return err
	}
	e, err := a.planner.AddParkingLot(ctx, c)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	out, err := v.parkingLot([]*cairn.ParkingLotEntry{e}, s)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out[0])
	return nil
}

// DeleteParkingLot serves DELETE
// /groups/{id}/milestones/{milestone_id}/parking_lot/{entry_id}: its
// author, or a manager or owner.
func (a *API) DeleteParkingLot(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, m, err := a.planningGroupMilestone(r, actReadPlanning)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("entry_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Parking Lot Entry")
	}
	if !s.can(actManagePlanning) {
		e, err := a.findParkingEntry(ctx, s.group.ID, m.ID, id)
		if err != nil {
			return err
		}
		if e.Author == nil || e.Author.ID != s.user.ID {
			return errForbidden
		}
		// The author's own: a write, so a read_api token may not.
		if !scopeAllows(ctx, actProposePlanning) {
			return errForbidden
		}
	} else if err := s.require(ctx, actManagePlanning); err != nil {
		return err
	}
	if err := a.planner.DeleteParkingLot(ctx, s.group.ID, m.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// findParkingEntry returns a milestone's parking lot entry, or ENOTFOUND;
// like findTimeOff it pages, as the planner has no look-up by id.
func (a *API) findParkingEntry(ctx context.Context, groupID, milestoneID, id int64) (*cairn.ParkingLotEntry, error) {
	for page := 1; ; page++ {
		list, _, err := a.planner.ListParkingLot(ctx, groupID, milestoneID, cairn.Page{Page: page, PerPage: cairn.MaxPerPage})
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if e.ID == id {
				return e, nil
			}
		}
		if len(list) < cairn.MaxPerPage {
			return nil, cairn.NotFound("Parking Lot Entry")
		}
	}
}

// GetWorkQueue serves GET /groups/{id}/work_queue?username=U: that member's
// open issues of the current milestone in the order the team works them
// (Deliverables by priority first), the caller's by default.
func (a *API) GetWorkQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := a.planningGroup(r, actReadPlanning)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	u, err := a.userParam(ctx, p, s.user)
	if err != nil {
		return err
	}
	issues, err := a.planner.WorkQueue(ctx, s.group.ID, u.ID)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	out := make([]*issueJSON, 0, len(issues))
	for _, i := range issues {
		if !s.seesConfidential(i) {
			continue
		}
		j, err := v.issue(i, false)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// seesConfidential reports whether the caller may see a confidential issue
// of the group's projects: reporters and up, admins, its author and its
// assignees (the rule of projectScope.seesConfidential).
func (s *groupScope) seesConfidential(i *cairn.Issue) bool {
	ps := projectScope{user: s.user, level: s.level, role: s.role}
	return ps.seesConfidential(i)
}

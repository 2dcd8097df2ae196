package api

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
)

// Weekly status updates (seed 002): posted on an issue as data and as a
// note in the team's template, listed per issue and per group and week;
// who still owes one this week; and each milestone's Deliverables at risk.
// Members read them; reporters and up post them; non-members get 404.

// statusUpdates returns the status update service: *store.Store implements it.
func (a *API) statusUpdates() (cairn.StatusUpdateService, error) {
	ss, ok := a.svc.(cairn.StatusUpdateService)
	if !ok {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return ss, nil
}

// statusUpdateJSON is a status update.
type statusUpdateJSON struct {
	ID         int64     `json:"id"`
	IssueID    int64     `json:"issue_id"`
	IssueIID   int64     `json:"issue_iid"`
	ProjectID  int64     `json:"project_id"`
	Author     *userJSON `json:"author"`
	Week       string    `json:"week"`
	Progress   string    `json:"progress"`
	NextSteps  string    `json:"next_steps"`
	Blockers   string    `json:"blockers"`
	Confidence string    `json:"confidence"`
	NoteID     *int64    `json:"note_id"`
	CreatedAt  Time      `json:"created_at"`
}

func (v *view) statusUpdate(u *cairn.StatusUpdate) *statusUpdateJSON {
	if u == nil {
		return nil
	}
	j := &statusUpdateJSON{
		ID: u.ID, IssueID: u.IssueID, IssueIID: u.IssueIID, ProjectID: u.ProjectID, Week: u.Week,
		Progress: u.Progress, NextSteps: u.NextSteps, Blockers: u.Blockers, Confidence: u.Confidence,
		CreatedAt: Time(u.CreatedAt),
	}
	if u.Author != nil {
		j.Author = v.user(u.Author)
	}
	if u.NoteID != 0 {
		id := u.NoteID
		j.NoteID = &id
	}
	return j
}

// createdStatusUpdateJSON is the answer to posting a status update: the
// update with its note and the issue's new health status.
type createdStatusUpdateJSON struct {
	*statusUpdateJSON
	Note         noteJSON `json:"note"`
	HealthStatus *string  `json:"health_status"`
}

// CreateStatusUpdate serves POST /projects/{id}/issues/{issue_iid}/status_updates:
// progress, next_steps, blockers and confidence (not, slightly or very),
// all required. It posts the update and its note in the team's template and
// sets the issue's health status from the confidence. Reporters and up.
func (a *API) CreateStatusUpdate(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.statusUpdates()
	if err != nil {
		return err
	}
	s, i, err := a.issueFor(r, actPostStatusUpdate)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	in := cairn.StatusUpdateCreate{ProjectID: s.project.ID, IssueIID: i.IID}
	in.Progress, _ = p.String("progress")
	in.NextSteps, _ = p.String("next_steps")
	in.Blockers, _ = p.String("blockers")
	in.Confidence, _ = p.String("confidence")
	if err := p.Err(); err != nil {
		return err
	}
	res, err := ss.CreateStatusUpdate(r.Context(), in)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.remember(s.project)
	out := createdStatusUpdateJSON{statusUpdateJSON: v.statusUpdate(res.Update), Note: v.note(res.Note, nil)}
	if res.Issue != nil && res.Issue.HealthStatus != "" {
		h := res.Issue.HealthStatus
		out.HealthStatus = &h
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// ListIssueStatusUpdates serves GET /projects/{id}/issues/{issue_iid}/status_updates:
// the issue's status updates, newest first, paginated. Members only.
func (a *API) ListIssueStatusUpdates(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.statusUpdates()
	if err != nil {
		return err
	}
	s, i, err := a.issueFor(r, actReadStatusUpdates)
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
	list, total, err := ss.ListStatusUpdates(r.Context(), s.project.ID, i.IID, page)
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]*statusUpdateJSON, 0, len(list))
	for _, u := range list {
		out = append(out, v.statusUpdate(u))
	}
	a.writeList(w, r, page, total, out, len(out))
	return nil
}

// ListGroupStatusUpdates serves GET /groups/{id}/status_updates?week=2026-W48:
// the status updates of that week (default: this week in the team's time
// zone) on the group's issues, newest first, paginated. Members only.
func (a *API) ListGroupStatusUpdates(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.statusUpdates()
	if err != nil {
		return err
	}
	g, err := a.groupFor(r, actReadStatusUpdates)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	page := p.Page()
	week, _ := p.String("week")
	if err := p.Err(); err != nil {
		return err
	}
	list, total, err := ss.ListGroupStatusUpdates(r.Context(), g.group.ID, week, page)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, u := range list {
		ids[i] = u.IssueID
	}
	hidden, err := a.hiddenIssues(r.Context(), g, ids)
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]*statusUpdateJSON, 0, len(list))
	for _, u := range list {
		// Guests see updates on confidential issues only if they wrote them.
		if hidden[u.IssueID] && (u.Author == nil || u.Author.ID != g.user.ID) {
			continue
		}
		out = append(out, v.statusUpdate(u))
	}
	a.writeList(w, r, page, total, out, len(out))
	return nil
}

// statusUpdateDueJSON is one status update owed.
type statusUpdateDueJSON struct {
	Issue        *issueRefJSON `json:"issue"`
	User         *userJSON     `json:"user"`
	LastUpdateAt *Time         `json:"last_update_at"`
}

// ListStatusUpdatesDue serves GET /groups/{id}/status_updates/due?week=2026-W48:
// who owes a status update on which issue that week (default: this week).
// The answer is a list; the X-Cairn-Week, X-Cairn-Status-Update-Day and
// X-Cairn-Milestone-Id headers say which week, day and milestone it is for.
// Members only.
func (a *API) ListStatusUpdatesDue(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.statusUpdates()
	if err != nil {
		return err
	}
	g, err := a.groupFor(r, actReadStatusUpdates)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	week, _ := p.String("week")
	if err := p.Err(); err != nil {
		return err
	}
	due, err := ss.StatusUpdatesDue(r.Context(), g.group.ID, week)
	if err != nil {
		return err
	}
	ids := make([]int64, len(due.Due))
	for i, d := range due.Due {
		ids[i] = d.Issue.ID
	}
	hidden, err := a.hiddenIssues(r.Context(), g, ids)
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]statusUpdateDueJSON, 0, len(due.Due))
	for _, d := range due.Due {
		if hidden[d.Issue.ID] {
			continue
		}
		ref, err := v.issueRef(d.Issue)
		if err != nil {
			return err
		}
		j := statusUpdateDueJSON{Issue: ref, User: v.user(d.User)}
		if d.LastUpdateAt != nil {
			t := Time(*d.LastUpdateAt)
			j.LastUpdateAt = &t
		}
		out = append(out, j)
	}
	w.Header().Set("X-Cairn-Week", due.Week)
	w.Header().Set("X-Cairn-Status-Update-Day", due.Day)
	if due.Milestone != nil {
		w.Header().Set("X-Cairn-Milestone-Id", strconv.FormatInt(due.Milestone.ID, 10))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// riskItemJSON is one Deliverable at risk.
type riskItemJSON struct {
	Issue        *issueRefJSON     `json:"issue"`
	Reason       string            `json:"reason"`
	LatestUpdate *statusUpdateJSON `json:"latest_update"`
}

// riskCountsJSON are a milestone's risk counts.
type riskCountsJSON struct {
	Deliverables   int `json:"deliverables"`
	AtRisk         int `json:"at_risk"`
	NeedsAttention int `json:"needs_attention"`
	Stale          int `json:"stale"`
}

// milestoneRiskJSON is a milestone's risk roll-up.
type milestoneRiskJSON struct {
	Milestone    *milestoneJSON `json:"milestone"`
	Counts       riskCountsJSON `json:"counts"`
	Deliverables []riskItemJSON `json:"deliverables"`
}

// GetMilestoneRisk serves GET /groups/{id}/milestones/{milestone_id}/risk:
// the milestone's open Deliverables that are not or only slightly
// confident, or have had no status update for more than seven days, with
// counts. Members only.
func (a *API) GetMilestoneRisk(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.statusUpdates()
	if err != nil {
		return err
	}
	g, err := a.groupFor(r, actReadStatusUpdates)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("milestone_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Milestone")
	}
	risk, err := ss.MilestoneRisk(r.Context(), g.group.ID, id)
	if err != nil {
		return err
	}
	v := a.view(r)
	mj, err := v.milestone(risk.Milestone)
	if err != nil {
		return err
	}
	out := milestoneRiskJSON{Milestone: mj, Counts: riskCountsJSON{Deliverables: risk.Deliverables, AtRisk: risk.AtRisk,
		NeedsAttention: risk.NeedsAttention, Stale: risk.Stale}, Deliverables: make([]riskItemJSON, 0, len(risk.Items))}
	ids := make([]int64, len(risk.Items))
	for i, it := range risk.Items {
		ids[i] = it.Issue.ID
	}
	hidden, err := a.hiddenIssues(r.Context(), g, ids)
	if err != nil {
		return err
	}
	for _, it := range risk.Items {
		ref, err := v.issueRef(it.Issue)
		if err != nil {
			return err
		}
		item := riskItemJSON{Issue: ref, Reason: it.Reason, LatestUpdate: v.statusUpdate(it.Latest)}
		if hidden[it.Issue.ID] {
			// The counts stay true; what the issue is and says does not show.
			ref.Title, item.LatestUpdate = "Confidential issue", nil
		}
		out.Deliverables = append(out.Deliverables, item)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

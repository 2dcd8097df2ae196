package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// The refinement endpoints (Cairn's own, for the team's members): the
// refinement queue and the split of logged time between refinement and
// development. The rules are in docs/planning-rules.md ("Refinement").

// refinementStore is what the refinement and metrics endpoints read;
// *store.Store implements it.
type refinementStore interface {
	RefinementQueue(ctx context.Context, groupID int64, p cairn.Page) (*store.RefinementQueue, error)
	RefinementShare(ctx context.Context, groupID int64, from, to string) (*store.RefinementShareReport, error)
	PlanningMetrics(ctx context.Context, groupID int64, from, to string) (*store.MetricsReport, error)
	Burndown(ctx context.Context, groupID, milestoneID int64) ([]planning.BurndownDay, error)
}

// refinement returns the store behind the refinement endpoints; 404 when
// the API runs on services without them.
func (a *API) refinement() (refinementStore, error) {
	rs, ok := a.svc.(refinementStore)
	if !ok {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return rs, nil
}

// checklistJSON is the progress of a posted refinement checklist.
type checklistJSON struct {
	NoteID    int64 `json:"note_id"`
	Count     int   `json:"count"`
	Completed int   `json:"completed"`
}

// queueItemJSON is an issue of the refinement queue.
type queueItemJSON struct {
	ID        int64       `json:"id"`
	IID       int64       `json:"iid"`
	ProjectID int64       `json:"project_id"`
	Title     string      `json:"title"`
	WebURL    string      `json:"web_url"`
	Reference string      `json:"reference"`
	Labels    []string    `json:"labels"`
	Weight    *int        `json:"weight"`
	Priority  *string     `json:"priority"`
	Assignees []*userJSON `json:"assignees"`
	// Since is when the issue entered refinement (the ready label, in
	// ready_but_incomplete); AgeDays counts the days since, in the team's
	// time zone.
	Since     Time           `json:"since"`
	AgeDays   int            `json:"age_days"`
	Missing   []string       `json:"missing"`
	Checklist *checklistJSON `json:"checklist"`
}

// refinementQueueJSON is GET /groups/:id/refinement_queue.
type refinementQueueJSON struct {
	RefinementLabel         string          `json:"refinement_label"`
	ReadyLabel              string          `json:"ready_label"`
	ReadyGate               bool            `json:"ready_gate"`
	Issues                  []queueItemJSON `json:"issues"`
	ReadyButIncomplete      []queueItemJSON `json:"ready_but_incomplete"`
	ReadyButIncompleteTotal int             `json:"ready_but_incomplete_total"`
}

// queueItems renders queue items the caller may see (confidential issues
// only for those who see them).
func (v *view) queueItems(s *groupScope, items []*store.RefinementItem) ([]queueItemJSON, error) {
	out := make([]queueItemJSON, 0, len(items))
	for _, it := range items {
		i := it.Issue
		if !s.seesConfidential(i) {
			continue
		}
		p, err := v.projectByID(i.ProjectID)
		if err != nil {
			return nil, err
		}
		iid := strconv.FormatInt(i.IID, 10)
		j := queueItemJSON{
			ID: i.ID, IID: i.IID, ProjectID: i.ProjectID, Title: i.Title,
			WebURL:    v.base + "/" + p.FullPath() + "/-/issues/" + iid,
			Reference: p.FullPath() + "#" + iid,
			Labels:    i.LabelNames(), Weight: i.Weight, Assignees: v.users(i.Assignees),
			Since: Time(it.Since), AgeDays: it.AgeDays, Missing: it.Missing,
		}
		if it.Priority != "" {
			pr := it.Priority
			j.Priority = &pr
		}
		if c := it.Checklist; c != nil {
			j.Checklist = &checklistJSON{NoteID: c.NoteID, Count: c.Count, Completed: c.Completed}
		}
		out = append(out, j)
	}
	return out, nil
}

// GetRefinementQueue serves GET /groups/{id}/refinement_queue: one page
// (page, per_page; pagination headers count them) of the open issues in
// refinement, oldest first by when they entered it, each with its age,
// what the ready gate misses, priority, assignees and the progress of its
// latest refinement checklist; and the open issues that carry the ready
// label without meeting the gate (ready_but_incomplete, at most 100, with
// their total).
func (a *API) GetRefinementQueue(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actReadPlanning)
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
	rs, err := a.refinement()
	if err != nil {
		return err
	}
	q, err := rs.RefinementQueue(r.Context(), s.group.ID, page)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	out := refinementQueueJSON{RefinementLabel: q.Settings.RefinementLabel, ReadyLabel: q.Settings.ReadyLabel,
		ReadyGate: q.Settings.ReadyGate, ReadyButIncompleteTotal: q.ReadyButIncompleteTotal}
	if out.Issues, err = v.queueItems(s, q.Items); err != nil {
		return err
	}
	if out.ReadyButIncomplete, err = v.queueItems(s, q.ReadyButIncomplete); err != nil {
		return err
	}
	a.paginate(w, r, page, q.Total, len(q.Items))
	writeJSON(w, http.StatusOK, out)
	return nil
}

// shareLineJSON is an engineer's, or the team's, logged time in a window.
type shareLineJSON struct {
	UserID           *int64   `json:"user_id,omitempty"`
	Username         string   `json:"username,omitempty"`
	RefinementHours  float64  `json:"refinement_hours"`
	DevelopmentHours float64  `json:"development_hours"`
	Share            *float64 `json:"share"`
	Target           float64  `json:"target"`
}

// refinementShareJSON is GET /groups/:id/refinement_share.
type refinementShareJSON struct {
	From      string          `json:"from"`
	To        string          `json:"to"`
	Target    float64         `json:"target"`
	Engineers []shareLineJSON `json:"engineers"`
	Team      shareLineJSON   `json:"team"`
}

// GetRefinementShare serves GET /groups/{id}/refinement_share?from=&to=:
// the hours logged on the group's issues in the window (dates in the
// team's time zone; by default the 90 days to today), per engineer and for
// the team, split into refinement (logged while the issue was in
// refinement) and development, with the share of refinement against the
// team's refinement_share.
func (a *API) GetRefinementShare(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actReadPlanning)
	if err != nil {
		return err
	}
	rs, err := a.refinement()
	if err != nil {
		return err
	}
	from, to, err := window(r)
	if err != nil {
		return err
	}
	rep, err := rs.RefinementShare(r.Context(), s.group.ID, from, to)
	if err != nil {
		return err
	}
	out := refinementShareJSON{From: rep.From, To: rep.To, Target: rep.Target, Engineers: []shareLineJSON{}}
	line := func(l *store.ShareLine) shareLineJSON {
		j := shareLineJSON{RefinementHours: l.RefinementHours, DevelopmentHours: l.DevelopmentHours, Share: l.Share, Target: rep.Target}
		if l.User != nil {
			id := l.User.ID
			j.UserID, j.Username = &id, l.User.Username
		}
		return j
	}
	for _, l := range rep.Engineers {
		out.Engineers = append(out.Engineers, line(l))
	}
	out.Team = line(&rep.Team)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// window reads the from and to dates of a metrics request ("" when not
// given: the store fills in the default window). 400 {"error":"from is
// invalid"} for a date that is not YYYY-MM-DD.
func window(r *http.Request) (from, to string, err error) {
	p, err := ParseParams(r)
	if err != nil {
		return "", "", err
	}
	from, _ = p.Date("from")
	to, _ = p.Date("to")
	return from, to, p.Err()
}

package api

import (
	"net/http"

	"github.com/cairnhq/cairn"
)

// eventLabelJSON is the label of a label event. A deleted label keeps its
// name (history survives deletions) with a null id.
type eventLabelJSON struct {
	ID          *int64 `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	TextColor   string `json:"text_color"`
	Description string `json:"description"`
}

type labelEventJSON struct {
	ID           int64          `json:"id"`
	User         *userJSON      `json:"user"`
	CreatedAt    Time           `json:"created_at"`
	ResourceType string         `json:"resource_type"`
	ResourceID   int64          `json:"resource_id"`
	Label        eventLabelJSON `json:"label"`
	Action       string         `json:"action"`
}

type weightEventJSON struct {
	ID        int64     `json:"id"`
	User      *userJSON `json:"user"`
	CreatedAt Time      `json:"created_at"`
	IssueID   int64     `json:"issue_id"`
	Weight    *int      `json:"weight"`
}

type milestoneEventJSON struct {
	ID           int64          `json:"id"`
	User         *userJSON      `json:"user"`
	CreatedAt    Time           `json:"created_at"`
	ResourceType string         `json:"resource_type"`
	ResourceID   int64          `json:"resource_id"`
	Milestone    *milestoneJSON `json:"milestone"`
	Action       string         `json:"action"`
}

type stateEventJSON struct {
	ID           int64     `json:"id"`
	User         *userJSON `json:"user"`
	CreatedAt    Time      `json:"created_at"`
	ResourceType string    `json:"resource_type"`
	ResourceID   int64     `json:"resource_id"`
	State        string    `json:"state"`
}

// listEvents serves one kind of an issue's events, oldest first, each
// rendered by render.
func (a *API) listEvents(w http.ResponseWriter, r *http.Request, kind string, render func(v *view, e *cairn.Event) (any, error)) error {
	s, i, err := a.issueFor(r, actRead)
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
	events, total, err := a.svc.ListIssueEvents(r.Context(), s.project.ID, i.IID, kind, page)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.remember(s.project)
	out := make([]any, 0, len(events))
	for _, e := range events {
		j, err := render(v, e)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	a.writeList(w, r, page, total, out, len(out))
	return nil
}

// ListLabelEvents serves GET /projects/{id}/issues/{issue_iid}/resource_label_events.
func (a *API) ListLabelEvents(w http.ResponseWriter, r *http.Request) error {
	return a.listEvents(w, r, cairn.EventLabel, func(v *view, e *cairn.Event) (any, error) {
		l := eventLabelJSON{Name: e.LabelName, Color: cairn.DefaultLabelColor}
		if e.LabelID != nil {
			cur, err := v.label(*e.LabelID)
			if err != nil {
				return nil, err
			}
			if cur != nil {
				l = eventLabelJSON{ID: &cur.ID, Name: cur.Name, Color: cur.Color, Description: cur.Description}
			}
		}
		l.TextColor = cairn.TextColorFor(l.Color)
		return labelEventJSON{
			ID: e.ID, User: v.user(e.User), CreatedAt: Time(e.CreatedAt),
			ResourceType: "Issue", ResourceID: e.IssueID, Label: l, Action: e.Action,
		}, nil
	})
}

// ListWeightEvents serves GET /projects/{id}/issues/{issue_iid}/resource_weight_events.
func (a *API) ListWeightEvents(w http.ResponseWriter, r *http.Request) error {
	return a.listEvents(w, r, cairn.EventWeight, func(v *view, e *cairn.Event) (any, error) {
		return weightEventJSON{ID: e.ID, User: v.user(e.User), CreatedAt: Time(e.CreatedAt), IssueID: e.IssueID, Weight: e.Weight}, nil
	})
}

// ListMilestoneEvents serves GET /projects/{id}/issues/{issue_iid}/resource_milestone_events.
func (a *API) ListMilestoneEvents(w http.ResponseWriter, r *http.Request) error {
	return a.listEvents(w, r, cairn.EventMilestone, func(v *view, e *cairn.Event) (any, error) {
		var mj *milestoneJSON
		if e.MilestoneID != nil {
			m, err := v.a.svc.MilestoneByID(v.ctx, *e.MilestoneID)
			switch {
			case err == nil:
				if mj, err = v.milestone(m); err != nil {
					return nil, err
				}
			case cairn.ErrorCode(err) != cairn.ENOTFOUND:
				return nil, err
			}
		}
		if mj == nil {
			// Deleted since: history keeps the title.
			mj = &milestoneJSON{Title: e.MilestoneTitle, State: cairn.MilestoneClosed}
			if e.MilestoneID != nil {
				mj.ID = *e.MilestoneID
			}
		}
		return milestoneEventJSON{
			ID: e.ID, User: v.user(e.User), CreatedAt: Time(e.CreatedAt),
			ResourceType: "Issue", ResourceID: e.IssueID, Milestone: mj, Action: e.Action,
		}, nil
	})
}

// ListStateEvents serves GET /projects/{id}/issues/{issue_iid}/resource_state_events.
func (a *API) ListStateEvents(w http.ResponseWriter, r *http.Request) error {
	return a.listEvents(w, r, cairn.EventState, func(v *view, e *cairn.Event) (any, error) {
		return stateEventJSON{
			ID: e.ID, User: v.user(e.User), CreatedAt: Time(e.CreatedAt),
			ResourceType: "Issue", ResourceID: e.IssueID, State: e.Action,
		}, nil
	})
}

package web

import (
	"net/http"

	"github.com/cairnhq/cairn"
)

// teamWork is one team's part of the dashboard.
type teamWork struct {
	Group *cairn.Group
	// Queue is the user's open issues of the current milestone, in the
	// order the seeds say to work on them.
	Queue []*cairn.Issue
	// Owed are the issues the user owes this week's status update on.
	Owed []*cairn.StatusUpdateDue
	Week string
	Day  string
}

// dashboardPage is "My work".
type dashboardPage struct {
	Refs  Refs
	Teams []teamWork
	Todos []*cairn.Todo
}

// dashboard serves GET /dashboard: for each of the user's teams, the work
// queue and the status updates owed this week; and the to-dos.
func (w *Web) dashboard(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := userFrom(ctx)
	groups, err := w.userGroups(ctx, u)
	if err != nil {
		return err
	}
	var data dashboardPage
	if data.Refs, err = w.refs(ctx, groups...); err != nil {
		return err
	}
	for _, g := range groups {
		tw := teamWork{Group: g}
		if w.planner != nil {
			if tw.Queue, err = w.planner.WorkQueue(ctx, g.ID, u.ID); err != nil {
				return err
			}
		}
		due, err := w.store.StatusUpdatesDue(ctx, g.ID, "")
		if err != nil {
			return err
		}
		tw.Week, tw.Day = due.Week, due.Day
		for _, d := range due.Due {
			if d.User != nil && d.User.ID == u.ID {
				tw.Owed = append(tw.Owed, d)
			}
		}
		data.Teams = append(data.Teams, tw)
	}
	todos, _, err := w.store.ListTodos(ctx, cairn.TodoFilter{UserID: u.ID, Page: cairn.Page{PerPage: 20}})
	if err != nil {
		return err
	}
	data.Todos = todos
	w.render(rw, r, http.StatusOK, "dashboard.html", &Page{Title: "My work", Section: "dashboard", Groups: groups, Data: data})
	return nil
}

// markTodoDone serves POST /dashboard/todos/{id}/done.
func (w *Web) markTodoDone(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "Todo")
	if err != nil {
		return err
	}
	if _, err := w.store.MarkTodoDone(r.Context(), userFrom(r.Context()).ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/dashboard", http.StatusSeeOther)
	return nil
}

// markAllTodosDone serves POST /dashboard/todos/done.
func (w *Web) markAllTodosDone(rw http.ResponseWriter, r *http.Request) error {
	if err := w.store.MarkAllTodosDone(r.Context(), userFrom(r.Context()).ID); err != nil {
		return err
	}
	http.Redirect(rw, r, "/dashboard", http.StatusSeeOther)
	return nil
}

// todoAction says what a to-do's action means, for people.
func todoAction(name string) string {
	switch name {
	case cairn.TodoAssigned:
		return "assigned you"
	case cairn.TodoMentioned:
		return "mentioned you"
	case cairn.TodoDirectlyAddressed:
		return "addressed you"
	case cairn.TodoMarked:
		return "added a to-do"
	case cairn.TodoStatusUpdateRequested:
		return "status update due"
	case cairn.TodoStatusUpdateReminder:
		return "status update still due"
	case cairn.TodoPlanningFinalization:
		return "planning to finalise"
	}
	return name
}

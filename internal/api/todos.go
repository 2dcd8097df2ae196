package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
)

// The to-do list, in GitLab's shapes: GET /todos, marking to-dos done, and
// putting an issue on one's own list. Every user sees only their own
// to-dos; those about an issue the user may no longer see (made
// confidential, or the user left the group) are left out, so that the list
// leaks no title.

// todoService is the to-do list: *store.Store implements it.
type todoService interface {
	cairn.TodoService
	// MarkTodo puts an issue on the acting user's list and reports whether
	// it added a to-do (false: one was pending already).
	MarkTodo(ctx context.Context, projectID, iid int64) (*cairn.Todo, bool, error)
}

// todos returns the to-do service, or ENOTFOUND when the storage has none.
func (a *API) todos() (todoService, error) {
	ts, ok := a.svc.(todoService)
	if !ok {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return ts, nil
}

// todoActions are the action filter's valid values: GitLab's and Cairn's.
var todoActions = map[string]bool{
	cairn.TodoAssigned: true, cairn.TodoMentioned: true, cairn.TodoDirectlyAddressed: true, cairn.TodoMarked: true,
	"build_failed": true, "approval_required": true, "unmergeable": true, "merge_train_removed": true,
	"member_access_requested": true, "review_requested": true, "review_submitted": true,
	cairn.TodoStatusUpdateRequested: true, cairn.TodoStatusUpdateReminder: true, cairn.TodoPlanningFinalization: true,
}

// gitlabOnlyTodoTypes are target types GitLab knows and Cairn has none of:
// filtering by them is valid and finds nothing.
var gitlabOnlyTodoTypes = map[string]bool{
	"MergeRequest": true, "Commit": true, "Epic": true, "DesignManagement::Design": true,
	"AlertManagement::Alert": true, "Namespace": true, "Project": true, "Vulnerability": true,
	"User": true, "WikiPage::Meta": true, "Key": true,
}

// todoProjectJSON is GitLab's short project of a to-do.
type todoProjectJSON struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	NameWithNamespace string `json:"name_with_namespace"`
	Path              string `json:"path"`
	PathWithNamespace string `json:"path_with_namespace"`
	CreatedAt         Time   `json:"created_at"`
}

// todoJSON is GitLab's to-do. Author is null for Cairn's own reminders;
// target_type is "Issue", or Cairn's "Milestone" and "Group".
type todoJSON struct {
	ID         int64            `json:"id"`
	Project    *todoProjectJSON `json:"project"`
	Group      *namespaceJSON   `json:"group"`
	Author     *userJSON        `json:"author"`
	ActionName string           `json:"action_name"`
	TargetType string           `json:"target_type"`
	Target     any              `json:"target"`
	TargetURL  string           `json:"target_url"`
	Body       string           `json:"body"`
	State      string           `json:"state"`
	CreatedAt  Time             `json:"created_at"`
	UpdatedAt  Time             `json:"updated_at"`
}

// todo renders t. A to-do about an issue the user may no longer see
// (t.Issue nil) shows nothing of it: no project, group, target or body.
func (v *view) todo(t *cairn.Todo) (*todoJSON, error) {
	j := &todoJSON{
		ID: t.ID, Author: v.user(t.Author), ActionName: t.ActionName, Body: t.Body, State: t.State,
		CreatedAt: Time(t.CreatedAt), UpdatedAt: Time(t.UpdatedAt),
	}
	switch {
	case t.IssueID != 0:
		j.TargetType = "Issue"
		if t.Issue == nil {
			j.Body = ""
			return j, nil
		}
	case t.MilestoneID != 0:
		j.TargetType = "Milestone"
	default:
		j.TargetType = "Group"
	}
	if t.ProjectID != 0 {
		p, err := v.projectByID(t.ProjectID)
		if err != nil {
			return nil, err
		}
		pj := v.project(p, true, 0, 0)
		j.Project = &todoProjectJSON{ID: p.ID, Name: pj.Name, NameWithNamespace: pj.NameWithNamespace, Path: p.Path,
			PathWithNamespace: pj.PathWithNamespace, CreatedAt: Time(p.CreatedAt)}
	}
	if t.GroupID != 0 {
		g, err := v.groupByID(t.GroupID)
		if err != nil {
			return nil, err
		}
		web := v.base + "/groups/" + g.Path
		j.Group = &namespaceJSON{ID: g.ID, Name: g.Name, Path: g.Path, Kind: "group", FullPath: g.Path, WebURL: web}
		if j.TargetType == "Group" {
			j.Target, j.TargetURL = v.group(g), web
		}
	}
	switch j.TargetType {
	case "Issue":
		ij, err := v.issue(t.Issue, false)
		if err != nil {
			return nil, err
		}
		j.Target, j.TargetURL = ij, ij.WebURL
		if j.Body == "" {
			// GitLab shows the target's title when no note says more.
			j.Body = t.Issue.Title
		}
	case "Milestone":
		m, err := v.a.svc.MilestoneByID(v.ctx, t.MilestoneID)
		if err != nil {
			return nil, err
		}
		mj, err := v.milestone(m)
		if err != nil {
			return nil, err
		}
		j.Target, j.TargetURL = mj, mj.WebURL
		if j.Body == "" {
			j.Body = m.Title
		}
	}
	return j, nil
}

// ListTodos serves GET /todos: the caller's to-dos, newest first,
// paginated; pending ones unless state=done, filtered by action,
// author_id, project_id, group_id and type (Issue, or Cairn's Milestone
// and Group; GitLab's other types find nothing).
func (a *API) ListTodos(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.todos()
	if err != nil {
		return err
	}
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.TodoFilter{UserID: u.ID, Page: p.Page()}
	f.Action, _ = p.String("action")
	f.AuthorID, _ = p.Int64("author_id")
	f.ProjectID, _ = p.Int64("project_id")
	f.GroupID, _ = p.Int64("group_id")
	f.State, _ = p.String("state")
	f.Type, _ = p.String("type")
	if err := p.Err(); err != nil {
		return err
	}
	if f.Action != "" && !todoActions[f.Action] {
		return invalidValue("action")
	}
	switch f.State {
	case "", cairn.TodoPending, cairn.TodoDone:
	default:
		return invalidValue("state")
	}
	out := []*todoJSON{}
	if gitlabOnlyTodoTypes[f.Type] {
		a.writeList(w, r, f.Page, cairn.Total{}, out, 0)
		return nil
	}
	switch f.Type {
	case "", "Issue", "Milestone", "Group":
	default:
		return invalidValue("type")
	}
	list, total, err := ts.ListTodos(r.Context(), f)
	if err != nil {
		return err
	}
	v := a.view(r)
	for _, t := range list {
		j, err := v.todo(t)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// MarkTodoDone serves POST /todos/{id}/mark_as_done: marks one of the
// caller's to-dos done and answers it (201, as GitLab). Another user's
// to-do is 404, as if it did not exist.
func (a *API) MarkTodoDone(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.todos()
	if err != nil {
		return err
	}
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("todo_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Todo")
	}
	t, err := ts.MarkTodoDone(r.Context(), u.ID, id)
	if err != nil {
		return err
	}
	j, err := a.view(r).todo(t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

// MarkAllTodosDone serves POST /todos/mark_as_done: marks all the caller's
// pending to-dos done (204).
func (a *API) MarkAllTodosDone(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.todos()
	if err != nil {
		return err
	}
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	if err := ts.MarkAllTodosDone(r.Context(), u.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// CreateIssueTodo serves POST /projects/{id}/issues/{issue_iid}/todo: puts
// the issue on the caller's to-do list ("marked", 201), or answers 304
// Not Modified when it is on the list already, as GitLab. Anyone who may
// see the issue.
func (a *API) CreateIssueTodo(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.todos()
	if err != nil {
		return err
	}
	s, i, err := a.issueFor(r, actRead)
	if err != nil {
		return err
	}
	t, added, err := ts.MarkTodo(r.Context(), s.project.ID, i.IID)
	if err != nil {
		return err
	}
	if !added {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	v := a.view(r)
	v.remember(s.project)
	j, err := v.todo(t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

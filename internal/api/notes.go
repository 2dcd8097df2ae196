package api

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
)

// ListIssueNotes serves GET /projects/{id}/issues/{issue_iid}/notes: sort
// asc|desc (default desc), order_by created_at|updated_at.
func (a *API) ListIssueNotes(w http.ResponseWriter, r *http.Request) error {
	s, i, err := a.issueFor(r, actRead)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.NoteFilter{Page: p.Page()}
	f.Sort, _ = p.String("sort")
	f.OrderBy, _ = p.String("order_by")
	if err := p.Err(); err != nil {
		return err
	}
	switch f.Sort {
	case "", "asc", "desc":
	default:
		return invalidValue("sort")
	}
	switch f.OrderBy {
	case "", "created_at", "updated_at":
	default:
		return invalidValue("order_by")
	}
	notes, total, err := a.svc.ListNotes(r.Context(), s.project.ID, i.IID, f)
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]noteJSON, 0, len(notes))
	for _, n := range notes {
		out = append(out, v.note(n, nil))
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// noteFor loads the issue's note named by {note_id}.
func (a *API) noteFor(r *http.Request, s *projectScope, i *cairn.Issue) (*cairn.Note, error) {
	id, err := strconv.ParseInt(r.PathValue("note_id"), 10, 64)
	if err != nil {
		return nil, cairn.NotFound("Note")
	}
	return a.svc.NoteByID(r.Context(), s.project.ID, i.IID, id)
}

// GetIssueNote serves GET /projects/{id}/issues/{issue_iid}/notes/{note_id}.
func (a *API) GetIssueNote(w http.ResponseWriter, r *http.Request) error {
	s, i, err := a.issueFor(r, actRead)
	if err != nil {
		return err
	}
	n, err := a.noteFor(r, s, i)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r).note(n, nil))
	return nil
}

type commandsJSON struct {
	CommandsChanges map[string]any `json:"commands_changes"`
	Summary         []string       `json:"summary"`
}

// CreateIssueNote serves POST /projects/{id}/issues/{issue_iid}/notes
// (body). Quick actions in the body run with the note, in one transaction:
// a note made only of commands answers 202 with commands_changes and
// summary, text with commands 201 with the note, and a failing command 400
// with nothing changed. Running commands needs the reporter role, and a
// locked discussion takes comments from reporters only.
func (a *API) CreateIssueNote(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, i, err := a.issueFor(r, actCreateNote)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	c := cairn.NoteCreate{ProjectID: s.project.ID, IssueIID: i.IID}
	c.Body, _ = p.String("body")
	if err := p.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if i.DiscussionLocked && !s.can(actUpdateIssue) {
		return errForbidden
	}
	if _, actions := cairn.ParseQuickActions(c.Body); len(actions) > 0 {
		if err := s.require(ctx, actUpdateIssue); err != nil {
			return err
		}
		if before, after, ok := labelsAfterActions(i, actions); ok {
			if err := a.checkPlanningLabels(ctx, s, before, after); err != nil {
				return err
			}
		}
	}
	res, err := a.svc.CreateNote(ctx, c)
	if err != nil {
		return err
	}
	changes := res.Changes
	if changes == nil {
		changes = map[string]any{}
	}
	if res.Note == nil {
		summary := res.Summary
		if summary == nil {
			summary = []string{}
		}
		writeJSON(w, http.StatusAccepted, commandsJSON{CommandsChanges: changes, Summary: summary})
		return nil
	}
	writeJSON(w, http.StatusCreated, a.view(r).note(res.Note, changes))
	return nil
}

// UpdateIssueNote serves PUT /projects/{id}/issues/{issue_iid}/notes/{note_id}
// (body). Only a note's author edits it; quick actions do not run again.
func (a *API) UpdateIssueNote(w http.ResponseWriter, r *http.Request) error {
	s, i, err := a.issueFor(r, actCreateNote)
	if err != nil {
		return err
	}
	n, err := a.noteFor(r, s, i)
	if err != nil {
		return err
	}
	if n.System || n.Author == nil || (n.Author.ID != s.user.ID && !s.user.IsAdmin) {
		return errForbidden
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	c := cairn.NoteCreate{Body: ""}
	c.Body, _ = p.String("body")
	if err := p.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	n, err = a.svc.UpdateNote(r.Context(), s.project.ID, i.IID, n.ID, c.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r).note(n, nil))
	return nil
}

// DeleteIssueNote serves DELETE /projects/{id}/issues/{issue_iid}/notes/{note_id}:
// the author, maintainers and owners may delete a note.
func (a *API) DeleteIssueNote(w http.ResponseWriter, r *http.Request) error {
	s, i, err := a.issueFor(r, actCreateNote)
	if err != nil {
		return err
	}
	n, err := a.noteFor(r, s, i)
	if err != nil {
		return err
	}
	own := n.Author != nil && n.Author.ID == s.user.ID && !n.System
	if !own && !s.can(actModerateNotes) {
		return errForbidden
	}
	if err := a.svc.DeleteNote(r.Context(), s.project.ID, i.IID, n.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

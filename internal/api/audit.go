package api

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
)

// Audit events, as GitLab's audit events API: a group's owners read the
// group's events (member, planning settings and webhook changes,
// finalisations); instance admins read every event, the instance-level
// ones (sign-ins, tokens) included.

// audits returns the audit log: *store.Store implements it.
func (a *API) audits() (cairn.AuditService, error) {
	as, ok := a.svc.(cairn.AuditService)
	if !ok {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return as, nil
}

// unauthenticatedAuthor is GitLab's author_id of an event nobody signed in
// took (a failed sign-in).
const unauthenticatedAuthor = -1

// auditEventJSON is GitLab's audit event.
type auditEventJSON struct {
	ID         int64          `json:"id"`
	AuthorID   int64          `json:"author_id"`
	EntityID   int64          `json:"entity_id"`
	EntityType string         `json:"entity_type"`
	EventName  string         `json:"event_name"`
	Details    map[string]any `json:"details"`
	CreatedAt  Time           `json:"created_at"`
}

// auditEventOf shapes an event as GitLab does: its entity is its group,
// or for an instance-level event the user it concerns; details carry the
// action's own particulars and GitLab's author_name, target_id,
// target_type, target_details, ip_address and entity_path.
func auditEventOf(e *cairn.AuditEvent) auditEventJSON {
	out := auditEventJSON{ID: e.ID, AuthorID: e.ActorID, EventName: e.Action, CreatedAt: Time(e.CreatedAt),
		Details: make(map[string]any, len(e.Details)+6)}
	for k, v := range e.Details {
		out.Details[k] = v
	}
	if out.AuthorID == 0 {
		out.AuthorID = unauthenticatedAuthor
	}
	switch {
	case e.ActorName != "":
		out.Details["author_name"] = e.ActorName
	case e.Details["login"] != nil:
		out.Details["author_name"] = e.Details["login"]
	}
	if e.GroupID != 0 {
		out.EntityType, out.EntityID = cairn.AuditEntityGroup, e.GroupID
		if e.GroupPath != "" {
			out.Details["entity_path"] = e.GroupPath
		}
	} else {
		out.EntityType, out.EntityID = cairn.AuditEntityUser, e.TargetID
		if out.EntityID == 0 {
			out.EntityID = unauthenticatedAuthor
		}
		if td, ok := e.Details["target_details"]; ok {
			out.Details["entity_path"] = td
		}
	}
	if e.TargetID != 0 {
		out.Details["target_id"] = e.TargetID
	}
	if e.TargetType != "" {
		out.Details["target_type"] = e.TargetType
	}
	if e.IP != "" {
		out.Details["ip_address"] = e.IP
	}
	return out
}

// listAuditEvents answers one page of f's events, with created_after,
// created_before and the page from the request.
func (a *API) listAuditEvents(w http.ResponseWriter, r *http.Request, f cairn.AuditFilter, p *Params) error {
	as, err := a.audits()
	if err != nil {
		return err
	}
	f.CreatedAfter, _ = p.Time("created_after")
	f.CreatedBefore, _ = p.Time("created_before")
	f.Page = p.Page()
	if err := p.Err(); err != nil {
		return err
	}
	list, total, err := as.ListAuditEvents(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]auditEventJSON, 0, len(list))
	for _, e := range list {
		out = append(out, auditEventOf(e))
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// ListGroupAuditEvents serves GET /groups/{id}/audit_events: the group's
// events, newest first, paginated, between created_after and
// created_before when given. Owners only.
func (a *API) ListGroupAuditEvents(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actReadAudit)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	return a.listAuditEvents(w, r, cairn.AuditFilter{EntityType: cairn.AuditEntityGroup, EntityID: s.group.ID}, p)
}

// GetGroupAuditEvent serves GET /groups/{id}/audit_events/{event_id}.
// Owners only.
func (a *API) GetGroupAuditEvent(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actReadAudit)
	if err != nil {
		return err
	}
	e, err := a.auditEvent(r)
	if err != nil {
		return err
	}
	if e.GroupID != s.group.ID {
		return cairn.NotFound("Audit Event")
	}
	writeJSON(w, http.StatusOK, auditEventOf(e))
	return nil
}

// auditEvent loads the event named by {event_id}.
func (a *API) auditEvent(r *http.Request) (*cairn.AuditEvent, error) {
	as, err := a.audits()
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("event_id"), 10, 64)
	if err != nil {
		return nil, cairn.NotFound("Audit Event")
	}
	return as.AuditEventByID(r.Context(), id)
}

// requireInstanceAdmin returns EFORBIDDEN unless the caller is an instance
// admin; a read_api token will do, as these endpoints only read.
func requireInstanceAdmin(r *http.Request) error {
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	if !u.IsAdmin {
		return errForbidden
	}
	return nil
}

// ListAuditEvents serves GET /audit_events: every event of the instance,
// newest first, paginated; entity_type ("Group" or "User") and entity_id
// narrow them to a group's or to the instance-level events about a user,
// created_after and created_before to a time. Instance admins only.
func (a *API) ListAuditEvents(w http.ResponseWriter, r *http.Request) error {
	if err := requireInstanceAdmin(r); err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var f cairn.AuditFilter
	f.EntityType, _ = p.String("entity_type")
	f.EntityID, _ = p.Int64("entity_id")
	if f.EntityType != "" && f.EntityType != cairn.AuditEntityGroup && f.EntityType != cairn.AuditEntityUser {
		return invalidValue("entity_type")
	}
	return a.listAuditEvents(w, r, f, p)
}

// GetAuditEvent serves GET /audit_events/{event_id}. Instance admins only.
func (a *API) GetAuditEvent(w http.ResponseWriter, r *http.Request) error {
	if err := requireInstanceAdmin(r); err != nil {
		return err
	}
	e, err := a.auditEvent(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, auditEventOf(e))
	return nil
}

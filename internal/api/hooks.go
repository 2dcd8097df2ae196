package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

// Group webhooks, as GitLab's group hooks API: owners add, list, change,
// test and delete them, and read and resend their delivery log. Cairn
// subscribes hooks to issue, note, status update and planning events;
// GitLab's other event flags are accepted and ignored. The secret token is
// never shown back.

// hooks returns the webhook service: *store.Store implements it.
func (a *API) hooks() (cairn.WebhookService, error) {
	hs, ok := a.svc.(cairn.WebhookService)
	if !ok {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return hs, nil
}

// deliveryLog is the outbox's log of deliveries; *store.Store has it.
type deliveryLog interface {
	Deliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, cairn.Total, error)
	DeliveryByID(ctx context.Context, id int64) (*store.Delivery, error)
	RetryDelivery(ctx context.Context, id int64) error
}

func (a *API) deliveryLog() (deliveryLog, error) {
	dl, ok := a.svc.(deliveryLog)
	if !ok {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return dl, nil
}

// hookJSON is GitLab's group hook, with Cairn's own event flags.
type hookJSON struct {
	ID                       int64  `json:"id"`
	URL                      string `json:"url"`
	Name                     string `json:"name"`
	Description              string `json:"description"`
	GroupID                  int64  `json:"group_id"`
	CreatedAt                Time   `json:"created_at"`
	IssuesEvents             bool   `json:"issues_events"`
	ConfidentialIssuesEvents bool   `json:"confidential_issues_events"`
	NoteEvents               bool   `json:"note_events"`
	ConfidentialNoteEvents   bool   `json:"confidential_note_events"`
	EnableSSLVerification    bool   `json:"enable_ssl_verification"`
	StatusUpdateEvents       bool   `json:"status_update_events"`
	PlanningEvents           bool   `json:"planning_events"`
	AlertStatus              string `json:"alert_status"`
}

func hookOf(h *cairn.Webhook) hookJSON {
	return hookJSON{
		ID: h.ID, URL: h.URL, Name: h.Name, Description: h.Description, GroupID: h.GroupID, CreatedAt: Time(h.CreatedAt),
		IssuesEvents: h.IssuesEvents, ConfidentialIssuesEvents: h.ConfidentialIssuesEvents, NoteEvents: h.NoteEvents,
		ConfidentialNoteEvents: h.ConfidentialNoteEvents, EnableSSLVerification: h.EnableSSLVerification,
		StatusUpdateEvents: h.StatusUpdateEvents, PlanningEvents: h.PlanningEvents, AlertStatus: "executable",
	}
}

// hookFor resolves the group and {hook_id} for an owner.
func (a *API) hookFor(r *http.Request) (*groupScope, cairn.WebhookService, *cairn.Webhook, error) {
	s, err := a.groupFor(r, actManageWebhooks)
	if err != nil {
		return nil, nil, nil, err
	}
	hs, err := a.hooks()
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("hook_id"), 10, 64)
	if err != nil {
		return nil, nil, nil, cairn.NotFound("Hook")
	}
	h, err := hs.GroupWebhook(r.Context(), s.group.ID, id)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, hs, h, nil
}

// ListGroupHooks serves GET /groups/{id}/hooks: the group's hooks, oldest
// first, paginated. Owners only.
func (a *API) ListGroupHooks(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actManageWebhooks)
	if err != nil {
		return err
	}
	hs, err := a.hooks()
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
	list, total, err := hs.ListWebhooks(r.Context(), s.group.ID, page)
	if err != nil {
		return err
	}
	out := make([]hookJSON, 0, len(list))
	for _, h := range list {
		out = append(out, hookOf(h))
	}
	a.writeList(w, r, page, total, out, len(out))
	return nil
}

// GetGroupHook serves GET /groups/{id}/hooks/{hook_id}. Owners only.
func (a *API) GetGroupHook(w http.ResponseWriter, r *http.Request) error {
	_, _, h, err := a.hookFor(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hookOf(h))
	return nil
}

// hookFlags are the event flags a hook takes, by parameter name.
func hookFlags(p *Params, set func(name string, v bool)) {
	for _, name := range []string{"issues_events", "confidential_issues_events", "note_events", "confidential_note_events",
		"status_update_events", "planning_events", "enable_ssl_verification"} {
		if v, ok := p.Bool(name); ok {
			set(name, v)
		}
	}
}

// CreateGroupHook serves POST /groups/{id}/hooks: url (required), token,
// name, description, and the event flags issues_events,
// confidential_issues_events, note_events, confidential_note_events,
// status_update_events, planning_events (all false unless given) and
// enable_ssl_verification (true unless given). 201 with the hook. Owners
// only.
func (a *API) CreateGroupHook(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actManageWebhooks)
	if err != nil {
		return err
	}
	hs, err := a.hooks()
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	in := cairn.WebhookCreate{GroupID: s.group.ID}
	in.URL, _ = p.String("url")
	in.Token, _ = p.String("token")
	in.Name, _ = p.String("name")
	in.Description, _ = p.String("description")
	hookFlags(p, func(name string, v bool) {
		switch name {
		case "issues_events":
			in.IssuesEvents = v
		case "confidential_issues_events":
			in.ConfidentialIssuesEvents = v
		case "note_events":
			in.NoteEvents = v
		case "confidential_note_events":
			in.ConfidentialNoteEvents = v
		case "status_update_events":
			in.StatusUpdateEvents = v
		case "planning_events":
			in.PlanningEvents = v
		case "enable_ssl_verification":
			in.EnableSSLVerification = &v
		}
	})
	if err := p.Err(); err != nil {
		return err
	}
	h, err := hs.CreateWebhook(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, hookOf(h))
	return nil
}

// UpdateGroupHook serves PUT /groups/{id}/hooks/{hook_id}: the parameters
// of CreateGroupHook, each optional; a token of "" removes the secret.
// Owners only.
func (a *API) UpdateGroupHook(w http.ResponseWriter, r *http.Request) error {
	s, hs, h, err := a.hookFor(r)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var u cairn.WebhookUpdate
	for name, dst := range map[string]**string{"url": &u.URL, "token": &u.Token, "name": &u.Name, "description": &u.Description} {
		if v, ok := p.String(name); ok {
			*dst = &v
		}
	}
	hookFlags(p, func(name string, v bool) {
		dst := map[string]**bool{
			"issues_events": &u.IssuesEvents, "confidential_issues_events": &u.ConfidentialIssuesEvents,
			"note_events": &u.NoteEvents, "confidential_note_events": &u.ConfidentialNoteEvents,
			"status_update_events": &u.StatusUpdateEvents, "planning_events": &u.PlanningEvents,
			"enable_ssl_verification": &u.EnableSSLVerification,
		}[name]
		*dst = &v
	})
	if err := p.Err(); err != nil {
		return err
	}
	h, err = hs.UpdateWebhook(r.Context(), s.group.ID, h.ID, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hookOf(h))
	return nil
}

// DeleteGroupHook serves DELETE /groups/{id}/hooks/{hook_id}: 204; its
// pending deliveries and log go with it. Owners only.
func (a *API) DeleteGroupHook(w http.ResponseWriter, r *http.Request) error {
	s, hs, h, err := a.hookFor(r)
	if err != nil {
		return err
	}
	if err := hs.DeleteWebhook(r.Context(), s.group.ID, h.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TestGroupHook serves POST /groups/{id}/hooks/{hook_id}/test/issue_events:
// it sends the hook an Issue Hook of the group's latest issue through the
// outbox (so the attempt shows in the delivery log) and answers 201, as
// GitLab does. 400 if the group has no issue the hook may see. Owners only.
func (a *API) TestGroupHook(w http.ResponseWriter, r *http.Request) error {
	s, hs, h, err := a.hookFor(r)
	if err != nil {
		return err
	}
	if _, err := hs.TestWebhook(r.Context(), s.group.ID, h.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"message": "201 Created"})
	return nil
}

// hookEventJSON is one delivery of the log: GitLab's hook event (id, url,
// trigger, request_data, response_status, response_body,
// execution_duration) with Cairn's outbox state.
type hookEventJSON struct {
	ID                int64           `json:"id"`
	URL               string          `json:"url"`
	Trigger           string          `json:"trigger"`
	Event             string          `json:"event"`
	RequestData       json.RawMessage `json:"request_data"`
	ResponseStatus    *string         `json:"response_status"`
	ResponseBody      string          `json:"response_body"`
	ExecutionDuration float64         `json:"execution_duration"`
	Attempts          int             `json:"attempts"`
	State             string          `json:"state"`
	LastError         string          `json:"last_error"`
	NextAttemptAt     Time            `json:"next_attempt_at"`
	CreatedAt         Time            `json:"created_at"`
	FinishedAt        Time            `json:"finished_at"`
}

// hookTrigger is GitLab's trigger name of an event header: "Issue Hook" →
// "issue_hooks", "Confidential Note Hook" → "confidential_note_hooks".
func hookTrigger(event string) string {
	if event == "" {
		return ""
	}
	return strings.ReplaceAll(strings.ToLower(event), " ", "_") + "s"
}

func hookEventOf(d *store.Delivery) hookEventJSON {
	j := hookEventJSON{
		ID: d.ID, URL: d.Recipient, Trigger: hookTrigger(d.Event), Event: d.Event, ResponseBody: d.ResponseBody,
		ExecutionDuration: d.Duration.Seconds(), Attempts: d.Attempts, State: d.State, LastError: d.LastError,
		CreatedAt: Time(d.CreatedAt), FinishedAt: timePtr(d.FinishedAt),
	}
	if json.Valid(d.Payload) {
		j.RequestData = d.Payload
	} else {
		j.RequestData, _ = json.Marshal(string(d.Payload))
	}
	if d.ResponseStatus != 0 {
		st := strconv.Itoa(d.ResponseStatus)
		j.ResponseStatus = &st
	}
	if d.State == store.DeliveryPending {
		j.NextAttemptAt = Time(d.NextAttemptAt)
	}
	return j
}

// ListGroupHookEvents serves GET /groups/{id}/hooks/{hook_id}/events: the
// hook's delivery log, newest first, paginated; state (pending, delivered
// or failed) filters it. Owners only.
func (a *API) ListGroupHookEvents(w http.ResponseWriter, r *http.Request) error {
	_, _, h, err := a.hookFor(r)
	if err != nil {
		return err
	}
	dl, err := a.deliveryLog()
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := store.DeliveryFilter{HookID: h.ID, Kind: store.DeliveryWebhook, Page: p.Page()}
	if st, ok := p.String("state"); ok && st != "" {
		switch st {
		case store.DeliveryPending, store.DeliveryDelivered, store.DeliveryFailed:
			f.State = st
		default:
			return &cairn.Error{Code: cairn.EINVALID, Param: "state", Message: "state does not have a valid value"}
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	list, total, err := dl.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]hookEventJSON, 0, len(list))
	for _, d := range list {
		out = append(out, hookEventOf(d))
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// ResendGroupHookEvent serves POST
// /groups/{id}/hooks/{hook_id}/events/{event_id}/resend: the delivery is
// due again now, whatever its state, and goes out with the hook's current
// URL and token. 201 with the delivery. Owners only.
func (a *API) ResendGroupHookEvent(w http.ResponseWriter, r *http.Request) error {
	_, _, h, err := a.hookFor(r)
	if err != nil {
		return err
	}
	dl, err := a.deliveryLog()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("event_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Hook Event")
	}
	d, err := dl.DeliveryByID(r.Context(), id)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND || err == nil && d.HookID != h.ID {
		return cairn.NotFound("Hook Event")
	}
	if err != nil {
		return err
	}
	if err := dl.RetryDelivery(r.Context(), d.ID); err != nil {
		return err
	}
	if d, err = dl.DeliveryByID(r.Context(), d.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, hookEventOf(d))
	return nil
}

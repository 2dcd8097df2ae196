package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/internal/store"
)

// The team page's webhooks section (owners: access.ManageWebhooks) and
// each hook's delivery log: the same store calls as GitLab's group hooks
// API in internal/api/hooks.go.

// webhookRow is one hook in the list, with its latest delivery.
type webhookRow struct {
	Hook   *cairn.Webhook
	Events []string
	Last   *store.Delivery
}

// webhookForm is the add form's input, kept when it is refused.
type webhookForm struct {
	URL, Name                                       string
	Issues, ConfidentialIssues, Notes, ConfNotes    bool
	StatusUpdates, Planning, DisableSSLVerification bool
}

// webhooksSection is the data of the team page's webhooks section.
type webhooksSection struct {
	Hooks []*webhookRow
	Form  webhookForm
}

// hookEvents names the events a hook is subscribed to.
func hookEvents(h *cairn.Webhook) []string {
	var out []string
	for _, e := range []struct {
		on   bool
		name string
	}{{h.IssuesEvents, "issues"}, {h.ConfidentialIssuesEvents, "confidential issues"}, {h.NoteEvents, "comments"},
		{h.ConfidentialNoteEvents, "confidential comments"}, {h.StatusUpdateEvents, "status updates"}, {h.PlanningEvents, "planning"}} {
		if e.on {
			out = append(out, e.name)
		}
	}
	return out
}

// loadWebhooks fills the webhooks section for owners.
func (w *Web) loadWebhooks(ctx context.Context, groupID int64, form *webhookForm) (*webhooksSection, error) {
	hooks, _, err := w.store.ListWebhooks(ctx, groupID, cairn.Page{PerPage: cairn.MaxPerPage})
	if err != nil {
		return nil, err
	}
	sec := &webhooksSection{Form: webhookForm{Issues: true, Notes: true, StatusUpdates: true, Planning: true}}
	if form != nil {
		sec.Form = *form
	}
	for _, h := range hooks {
		row := &webhookRow{Hook: h, Events: hookEvents(h)}
		last, _, err := w.store.Deliveries(ctx, store.DeliveryFilter{HookID: h.ID, Page: cairn.Page{PerPage: 1}})
		if err != nil {
			return nil, err
		}
		if len(last) > 0 {
			row.Last = last[0]
		}
		sec.Hooks = append(sec.Hooks, row)
	}
	return sec, nil
}

// createWebhook serves POST /groups/{group}/-/team/webhooks.
func (w *Web) createWebhook(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.ManageWebhooks)
	if err != nil {
		return err
	}
	on := func(name string) bool { return r.PostFormValue(name) != "" }
	f := webhookForm{URL: strings.TrimSpace(r.PostFormValue("url")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Issues: on("issues_events"), ConfidentialIssues: on("confidential_issues_events"), Notes: on("note_events"),
		ConfNotes: on("confidential_note_events"), StatusUpdates: on("status_update_events"), Planning: on("planning_events"),
		DisableSSLVerification: on("disable_ssl_verification")}
	verify := !f.DisableSSLVerification
	_, err = w.store.CreateWebhook(r.Context(), cairn.WebhookCreate{GroupID: s.Group.ID, URL: f.URL, Token: r.PostFormValue("token"),
		Name: f.Name, IssuesEvents: f.Issues, ConfidentialIssuesEvents: f.ConfidentialIssues, NoteEvents: f.Notes,
		ConfidentialNoteEvents: f.ConfNotes, StatusUpdateEvents: f.StatusUpdates, PlanningEvents: f.Planning, EnableSSLVerification: &verify})
	if code := cairn.ErrorCode(err); code == cairn.EINVALID || code == cairn.ECONFLICT {
		return w.renderTeam(rw, r, s, teamState{status: http.StatusUnprocessableEntity, errMsg: "Webhook not added: " + err.Error(), webhook: &f})
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/groups/"+s.Group.Path+"/-/team#webhooks", http.StatusSeeOther)
	return nil
}

// deleteWebhook serves POST /groups/{group}/-/team/webhooks/{hook_id}/delete.
func (w *Web) deleteWebhook(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.ManageWebhooks)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "hook_id", "Webhook")
	if err != nil {
		return err
	}
	if err := w.store.DeleteWebhook(r.Context(), s.Group.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/groups/"+s.Group.Path+"/-/team#webhooks", http.StatusSeeOther)
	return nil
}

// deliveriesPage is a hook's delivery log.
type deliveriesPage struct {
	Hook       *cairn.Webhook
	Deliveries []*store.Delivery
	Page       int
	Prev, Next string
	Total      int
}

// webhookDeliveries serves GET /groups/{group}/-/team/webhooks/{hook_id}:
// the hook's deliveries, newest first, 20 a page.
func (w *Web) webhookDeliveries(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.ManageWebhooks)
	if err != nil {
		return err
	}
	id, err := pathInt(r, "hook_id", "Webhook")
	if err != nil {
		return err
	}
	h, err := w.store.GroupWebhook(r.Context(), s.Group.ID, id)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	list, total, err := w.store.Deliveries(r.Context(), store.DeliveryFilter{HookID: h.ID, Page: cairn.Page{Page: page, PerPage: 20}})
	if err != nil {
		return err
	}
	data := deliveriesPage{Hook: h, Deliveries: list, Page: page, Total: total.Count}
	base := "/groups/" + s.Group.Path + "/-/team/webhooks/" + strconv.FormatInt(h.ID, 10) + "?page="
	if page > 1 {
		data.Prev = base + strconv.Itoa(page-1)
	}
	if page*20 < total.Count {
		data.Next = base + strconv.Itoa(page+1)
	}
	w.render(rw, r, http.StatusOK, "webhook.html", &Page{Title: "Webhook deliveries", Section: "team", Group: s.Group, Data: data})
	return nil
}

// resendDelivery serves POST /groups/{group}/-/team/webhooks/{hook_id}/deliveries/{id}/resend.
func (w *Web) resendDelivery(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.ManageWebhooks)
	if err != nil {
		return err
	}
	hookID, err := pathInt(r, "hook_id", "Webhook")
	if err != nil {
		return err
	}
	id, err := pathInt(r, "id", "Delivery")
	if err != nil {
		return err
	}
	d, err := w.store.DeliveryByID(r.Context(), id)
	if err != nil {
		return err
	}
	// The delivery must be this group's hook's.
	if _, err := w.store.GroupWebhook(r.Context(), s.Group.ID, hookID); err != nil || d.HookID != hookID {
		return cairn.NotFound("Delivery")
	}
	if err := w.store.RetryDelivery(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/groups/"+s.Group.Path+"/-/team/webhooks/"+strconv.FormatInt(hookID, 10), http.StatusSeeOther)
	return nil
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

func TestWebhooksSection(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	team := "/groups/code-creation/-/team"
	owner := s.as("emma")
	owner.get(team).want(t, http.StatusOK, `id="webhooks"`, "No webhooks yet.", "Add a webhook")

	// Maintainers and below do not see the section, nor may they post to it.
	s.member("mia", cairn.AccessMaintainer)
	mia := s.as("mia")
	if p := mia.get(team); strings.Contains(p.Body, `id="webhooks"`) {
		t.Error("a maintainer sees the webhooks section")
	}
	if p := mia.post(team+"/webhooks", url.Values{"url": {"https://hooks.example.com/x"}}); p.Status != http.StatusForbidden {
		t.Errorf("maintainer adding a webhook: %d", p.Status)
	}

	// A bad URL is refused with the input kept.
	p := owner.post(team+"/webhooks", url.Values{"url": {"ftp://files.example.com"}, "name": {"Chat"}})
	p.want(t, http.StatusUnprocessableEntity, "Webhook not added", `value="ftp://files.example.com"`)

	p = owner.post(team+"/webhooks", url.Values{"url": {"https://hooks.example.com/cairn"}, "name": {"Chat"}, "token": {"s3cret"},
		"issues_events": {"1"}, "planning_events": {"1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add webhook: %d %s", p.Status, p.Body)
	}
	g, _ := s.st.GroupByPath(ctx, "code-creation")
	hooks, _, err := s.st.ListWebhooks(ctx, g.ID, cairn.Page{})
	if err != nil || len(hooks) != 1 || !hooks[0].IssuesEvents || hooks[0].NoteEvents || !hooks[0].PlanningEvents || hooks[0].Token != "s3cret" {
		t.Fatalf("hooks = %+v, %v", hooks, err)
	}
	page := owner.get(team)
	page.want(t, http.StatusOK, "Chat", "issues, planning", "none yet")
	if strings.Contains(page.Body, "s3cret") {
		t.Error("the token is shown")
	}

	// A change to an issue lands in the delivery log, which can resend it.
	is, _, err := s.st.ListIssues(ctx, cairn.IssueFilter{GroupID: g.ID, Page: cairn.Page{PerPage: 1}})
	if err != nil || len(is) == 0 {
		t.Fatal(err)
	}
	title := "Renamed for the webhook"
	ctx = cairn.NewContextWithUser(ctx, owner.user)
	if _, err := s.st.UpdateIssue(ctx, is[0].ProjectID, is[0].IID, cairn.IssueUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	log := team + "/webhooks/" + strconv.FormatInt(hooks[0].ID, 10)
	owner.get(log).want(t, http.StatusOK, "Issue Hook", "pending", title)
	list, _, _ := s.st.Deliveries(ctx, store.DeliveryFilter{HookID: hooks[0].ID})
	if p := owner.post(log+"/deliveries/"+strconv.FormatInt(list[0].ID, 10)+"/resend", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("resend: %d", p.Status)
	}
	if p := owner.post(team+"/webhooks/"+strconv.FormatInt(hooks[0].ID, 10)+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.Status)
	}
	owner.get(team).want(t, http.StatusOK, "No webhooks yet.")
}

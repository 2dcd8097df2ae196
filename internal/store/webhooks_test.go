package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// hookDeliveries returns the webhook deliveries of the outbox, oldest first.
func hookDeliveries(tb testing.TB, s *store.Store) []*store.Delivery {
	tb.Helper()
	list, _, err := s.Deliveries(tb.Context(), store.DeliveryFilter{Kind: store.DeliveryWebhook, Page: cairn.Page{PerPage: 100}})
	if err != nil {
		tb.Fatalf("deliveries: %v", err)
	}
	slices.Reverse(list)
	return list
}

// hookSummary describes deliveries as "hook-name:X-Gitlab-Event" strings,
// naming hooks by the map.
func hookSummary(list []*store.Delivery, names map[int64]string) []string {
	out := make([]string, 0, len(list))
	for _, d := range list {
		out = append(out, names[d.HookID]+":"+d.Event)
	}
	return out
}

func payloadOf(tb testing.TB, d *store.Delivery) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(d.Payload, &m); err != nil {
		tb.Fatalf("payload of delivery %d: %v\n%s", d.ID, err, d.Payload)
	}
	return m
}

// dig follows keys through nested JSON objects.
func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

func TestWebhookCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPlanFix(t, s)
		ctx := f.ctx
		other := coreGroup(t, s, f.owner, "elsewhere", "private")

		h, err := s.CreateWebhook(ctx, cairn.WebhookCreate{GroupID: f.group.ID, URL: " https://hooks.example.com/cairn ", Token: "s3cret",
			Name: "CI", IssuesEvents: true, PlanningEvents: true})
		issWantCode(t, err, "")
		if h.URL != "https://hooks.example.com/cairn" || h.Token != "s3cret" || !h.IssuesEvents || h.NoteEvents || !h.PlanningEvents ||
			!h.EnableSSLVerification || h.GroupID != f.group.ID || h.CreatedAt.IsZero() {
			t.Fatalf("created %+v", h)
		}

		for _, tc := range []struct {
			name  string
			in    cairn.WebhookCreate
			field string
		}{
			{"ErrURLMissing", cairn.WebhookCreate{}, ""},
			{"ErrURLScheme", cairn.WebhookCreate{URL: "ftp://example.com/x"}, "url"},
			{"ErrURLRelative", cairn.WebhookCreate{URL: "/hooks"}, "url"},
			{"ErrURLNoHost", cairn.WebhookCreate{URL: "http:///path"}, "url"},
			{"ErrTokenNewline", cairn.WebhookCreate{URL: "http://x.example", Token: "a\nb"}, "token"},
			{"ErrNameTooLong", cairn.WebhookCreate{URL: "http://x.example", Name: strings.Repeat("n", 256)}, "name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.GroupID = f.group.ID
				_, err := s.CreateWebhook(ctx, tc.in)
				issWantCode(t, err, cairn.EINVALID)
				if tc.field != "" {
					issWantField(t, err, tc.field)
				} else if ce, _ := err.(*cairn.Error); ce == nil || ce.Param != "url" {
					t.Errorf("error %v, want url is missing", err)
				}
			})
		}
		_, err = s.CreateWebhook(ctx, cairn.WebhookCreate{GroupID: 99999, URL: "http://x.example"})
		issWantCode(t, err, cairn.ENOTFOUND)

		got, err := s.GroupWebhook(ctx, f.group.ID, h.ID)
		if err != nil || *got != *h {
			t.Errorf("get = %+v, %v; want %+v", got, err, h)
		}
		_, err = s.GroupWebhook(ctx, other.ID, h.ID)
		issWantCode(t, err, cairn.ENOTFOUND)

		off, url := false, "http://203.0.113.7:8080/hook"
		up, err := s.UpdateWebhook(ctx, f.group.ID, h.ID, cairn.WebhookUpdate{URL: &url, NoteEvents: issPtr(true), EnableSSLVerification: &off})
		issWantCode(t, err, "")
		if up.URL != url || !up.NoteEvents || up.EnableSSLVerification || up.Token != "s3cret" || up.Name != "CI" || !up.IssuesEvents {
			t.Errorf("updated %+v", up)
		}
		_, err = s.UpdateWebhook(ctx, other.ID, h.ID, cairn.WebhookUpdate{NoteEvents: issPtr(false)})
		issWantCode(t, err, cairn.ENOTFOUND)
		_, err = s.UpdateWebhook(ctx, f.group.ID, h.ID, cairn.WebhookUpdate{URL: issPtr("gopher://x")})
		issWantField(t, err, "url")

		// The group holds at most MaxWebhooksPerGroup hooks.
		for i := 1; i < cairn.MaxWebhooksPerGroup; i++ {
			if _, err := s.CreateWebhook(ctx, cairn.WebhookCreate{GroupID: f.group.ID, URL: fmt.Sprintf("http://h%d.example", i)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = s.CreateWebhook(ctx, cairn.WebhookCreate{GroupID: f.group.ID, URL: "http://one-too-many.example"})
		issWantCode(t, err, cairn.EINVALID)

		list, total, err := s.ListWebhooks(ctx, f.group.ID, cairn.Page{PerPage: 20, Page: 3})
		if err != nil || len(list) != 10 || total.Count != cairn.MaxWebhooksPerGroup || list[0].URL != "http://h40.example" {
			t.Errorf("page 3 = %d hooks, total %+v, %v", len(list), total, err)
		}
		if list, _, _ := s.ListWebhooks(ctx, other.ID, cairn.Page{}); len(list) != 0 {
			t.Errorf("other group lists %d hooks", len(list))
		}

		issWantCode(t, s.DeleteWebhook(ctx, other.ID, h.ID), cairn.ENOTFOUND)
		issWantCode(t, s.DeleteWebhook(ctx, f.group.ID, h.ID), "")
		issWantCode(t, s.DeleteWebhook(ctx, f.group.ID, h.ID), cairn.ENOTFOUND)
		_, err = s.WebhookByID(ctx, h.ID)
		issWantCode(t, err, cairn.ENOTFOUND)
	})
}

// TestWebhookEnqueue checks that changes put their webhook calls in the
// outbox in their own transaction, to the hooks subscribed to them.
func TestWebhookEnqueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		s.BaseURL = "https://cairn.example.com/"
		var woken atomic.Int32
		s.OnDelivery = func() { woken.Add(1) }
		f := newPlanFix(t, s)
		ctx := f.ctx

		t.Run("NoHooks", func(t *testing.T) {
			if _, err := s.CreateIssue(ctx, cairn.IssueCreate{ProjectID: f.work.ID, Title: "quiet"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateNote(ctx, cairn.NoteCreate{ProjectID: f.work.ID, IssueIID: f.issue.IID, Body: "hello\n/weight 4"}); err != nil {
				t.Fatal(err)
			}
			if n := len(hookDeliveries(t, s)); n != 0 || woken.Load() != 0 {
				t.Fatalf("%d deliveries, woken %d times without hooks", n, woken.Load())
			}
		})

		hook := func(in cairn.WebhookCreate) int64 {
			in.GroupID, in.URL = f.group.ID, "https://hooks.example.com/"+in.Name
			h, err := s.CreateWebhook(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return h.ID
		}
		names := map[int64]string{}
		names[hook(cairn.WebhookCreate{Name: "public", IssuesEvents: true, NoteEvents: true})] = "public"
		names[hook(cairn.WebhookCreate{Name: "secret", ConfidentialIssuesEvents: true, ConfidentialNoteEvents: true})] = "secret"
		names[hook(cairn.WebhookCreate{Name: "status", StatusUpdateEvents: true})] = "status"
		names[hook(cairn.WebhookCreate{Name: "plan", PlanningEvents: true})] = "plan"
		// A hook of another group hears nothing of this one.
		elsewhere := coreGroup(t, s, f.owner, "elsewhere", "private")
		if _, err := s.CreateWebhook(ctx, cairn.WebhookCreate{GroupID: elsewhere.ID, URL: "http://x.example", IssuesEvents: true,
			ConfidentialIssuesEvents: true, NoteEvents: true, ConfidentialNoteEvents: true, StatusUpdateEvents: true, PlanningEvents: true}); err != nil {
			t.Fatal(err)
		}
		seen := 0
		// next returns the deliveries enqueued since the last call.
		next := func(t *testing.T) []*store.Delivery {
			t.Helper()
			all := hookDeliveries(t, s)
			out := all[seen:]
			seen = len(all)
			return out
		}

		t.Run("IssueOpened", func(t *testing.T) {
			before := woken.Load()
			is, err := s.CreateIssue(ctx, cairn.IssueCreate{ProjectID: f.work.ID, Title: "Hooked", Labels: []string{"bug"},
				AssigneeIDs: []int64{f.owner.ID}, Weight: issPtr(3)})
			if err != nil {
				t.Fatal(err)
			}
			got := next(t)
			issEqual(t, "deliveries", hookSummary(got, names), []string{"public:Issue Hook"})
			d := got[0]
			if d.State != store.DeliveryPending || d.Recipient != "https://hooks.example.com/public" || d.Attempts != 0 {
				t.Errorf("delivery %+v", d)
			}
			p := payloadOf(t, d)
			if p["object_kind"] != "issue" || p["event_type"] != "issue" || dig(p, "object_attributes", "action") != "open" ||
				dig(p, "object_attributes", "iid") != float64(is.IID) || dig(p, "user", "username") != "owner" ||
				dig(p, "object_attributes", "url") != fmt.Sprintf("https://cairn.example.com/plan/work/-/issues/%d", is.IID) ||
				dig(p, "project", "path_with_namespace") != "plan/work" || dig(p, "changes", "title", "current") != "Hooked" ||
				dig(p, "changes", "weight", "current") != 3.0 || len(p["assignees"].([]any)) != 1 {
				t.Errorf("payload %s", d.Payload)
			}
			if woken.Load() == before {
				t.Error("OnDelivery not called after the commit")
			}
		})

		t.Run("IssueChanged", func(t *testing.T) {
			title := "Renamed"
			is, err := s.UpdateIssue(ctx, f.work.ID, f.issue.IID, cairn.IssueUpdate{Title: &title, AddLabels: []string{"bug"}, StateEvent: "close"})
			if err != nil {
				t.Fatal(err)
			}
			got := next(t)
			issEqual(t, "deliveries", hookSummary(got, names), []string{"public:Issue Hook"})
			p := payloadOf(t, got[0])
			ch, _ := p["changes"].(map[string]any)
			if dig(p, "object_attributes", "action") != "close" || dig(p, "object_attributes", "state") != "closed" ||
				dig(ch, "title", "previous") != "Ready" || dig(ch, "title", "current") != "Renamed" ||
				dig(ch, "state_id", "previous") != 1.0 || dig(ch, "state_id", "current") != 2.0 ||
				len(dig(ch, "labels", "current").([]any)) != len(is.Labels) || ch["weight"] != nil {
				t.Errorf("payload %s", got[0].Payload)
			}
			// Nothing changed, nothing sent.
			if _, err := s.UpdateIssue(ctx, f.work.ID, f.issue.IID, cairn.IssueUpdate{Title: &title}); err != nil {
				t.Fatal(err)
			}
			if got := next(t); len(got) != 0 {
				t.Errorf("a no-op update sent %v", hookSummary(got, names))
			}
			reopened, err := s.UpdateIssue(ctx, f.work.ID, f.issue.IID, cairn.IssueUpdate{StateEvent: "reopen"})
			if err != nil || reopened.State != cairn.StateOpened {
				t.Fatal(err)
			}
			if got := next(t); len(got) != 1 || dig(payloadOf(t, got[0]), "object_attributes", "action") != "reopen" {
				t.Errorf("reopen sent %v", hookSummary(got, names))
			}
		})

		t.Run("Confidential", func(t *testing.T) {
			is, err := s.CreateIssue(ctx, cairn.IssueCreate{ProjectID: f.work.ID, Title: "Embargoed", Confidential: true})
			if err != nil {
				t.Fatal(err)
			}
			got := next(t)
			issEqual(t, "deliveries", hookSummary(got, names), []string{"secret:Confidential Issue Hook"})
			if p := payloadOf(t, got[0]); p["event_type"] != "confidential_issue" {
				t.Errorf("event_type %v", p["event_type"])
			}
			if _, err := s.CreateNote(ctx, cairn.NoteCreate{ProjectID: f.work.ID, IssueIID: is.IID, Body: "psst"}); err != nil {
				t.Fatal(err)
			}
			got = next(t)
			issEqual(t, "note deliveries", hookSummary(got, names), []string{"secret:Confidential Note Hook"})
			// An issue made confidential is reported, with its change, only
			// where confidential issues go.
			pub, err := s.CreateIssue(ctx, cairn.IssueCreate{ProjectID: f.work.ID, Title: "Soon secret"})
			if err != nil {
				t.Fatal(err)
			}
			next(t)
			if _, err := s.UpdateIssue(ctx, f.work.ID, pub.IID, cairn.IssueUpdate{Confidential: issPtr(true)}); err != nil {
				t.Fatal(err)
			}
			got = next(t)
			issEqual(t, "made confidential", hookSummary(got, names), []string{"secret:Confidential Issue Hook"})
			if ch := dig(payloadOf(t, got[0]), "changes", "confidential"); dig(ch.(map[string]any), "current") != true {
				t.Errorf("confidential change %v", ch)
			}
		})

		t.Run("NoteWithQuickAction", func(t *testing.T) {
			res, err := s.CreateNote(ctx, cairn.NoteCreate{ProjectID: f.work.ID, IssueIID: f.issue.IID, Body: "Bigger than we thought.\n/weight 5"})
			if err != nil {
				t.Fatal(err)
			}
			got := next(t)
			issEqual(t, "deliveries", hookSummary(got, names), []string{"public:Issue Hook", "public:Note Hook"})
			if ch := dig(payloadOf(t, got[0]), "changes", "weight"); dig(ch.(map[string]any), "current") != 5.0 {
				t.Errorf("weight change %v", ch)
			}
			p := payloadOf(t, got[1])
			if p["object_kind"] != "note" || dig(p, "object_attributes", "note") != "Bigger than we thought." ||
				dig(p, "object_attributes", "noteable_type") != "Issue" || dig(p, "issue", "iid") != float64(f.issue.IID) ||
				dig(p, "object_attributes", "url") != fmt.Sprintf("https://cairn.example.com/plan/work/-/issues/%d#note_%d", f.issue.IID, res.Note.ID) {
				t.Errorf("note payload %s", got[1].Payload)
			}
		})

		t.Run("StatusUpdate", func(t *testing.T) {
			res, err := s.CreateStatusUpdate(ctx, cairn.StatusUpdateCreate{ProjectID: f.work.ID, IssueIID: f.issue.IID,
				Progress: "parser", NextSteps: "api", Blockers: "none", Confidence: cairn.ConfidenceSlightly})
			if err != nil {
				t.Fatal(err)
			}
			got := next(t)
			issEqual(t, "deliveries", hookSummary(got, names), []string{"public:Note Hook", "public:Issue Hook", "status:Status Update Hook"})
			p := payloadOf(t, got[2])
			if p["object_kind"] != "status_update" || dig(p, "object_attributes", "confidence") != "slightly" ||
				dig(p, "object_attributes", "week") != res.Update.Week || dig(p, "object_attributes", "id") != float64(res.Update.ID) ||
				dig(p, "issue", "health_status") != "needs_attention" {
				t.Errorf("status payload %s", got[2].Payload)
			}
		})

		t.Run("RolledBack", func(t *testing.T) {
			stranger, err := s.CreateIssue(ctx, cairn.IssueCreate{ProjectID: coreProject(t, s, elsewhere, "far", "").ID, Title: "Not ours"})
			if err != nil {
				t.Fatal(err)
			}
			next(t)
			before := woken.Load()
			in := f.input()
			// The first commitment's Issue Hook is enqueued before the second
			// one, of another group, fails the finalisation.
			in.Commitments = append(in.Commitments, store.PlanCommitment{IssueID: stranger.ID, Placement: store.PlacementStretch})
			_, err = s.FinalizePlan(ctx, in)
			issWantCode(t, err, cairn.EINVALID)
			if got := next(t); len(got) != 0 || woken.Load() != before {
				t.Errorf("a rolled-back change enqueued %v (woken %d times)", hookSummary(got, names), woken.Load()-before)
			}
		})

		t.Run("PlanFinalized", func(t *testing.T) {
			if _, err := s.FinalizePlan(ctx, f.input()); err != nil {
				t.Fatal(err)
			}
			var plans []*store.Delivery
			for _, d := range next(t) {
				if names[d.HookID] == "plan" {
					plans = append(plans, d)
				}
			}
			if len(plans) != 1 || plans[0].Event != "Planning Hook" {
				t.Fatalf("planning deliveries %v", hookSummary(plans, names))
			}
			p := payloadOf(t, plans[0])
			dl, _ := p["deliverables"].([]any)
			if p["object_kind"] != "planning" || dig(p, "object_attributes", "action") != "finalized" ||
				dig(p, "object_attributes", "team_capacity") != 12.5 || dig(p, "object_attributes", "deliverable_weight") != 2.0 ||
				dig(p, "milestone", "title") != "M2" || len(dl) != 1 || dig(dl[0].(map[string]any), "id") != float64(f.issue.ID) ||
				dig(dl[0].(map[string]any), "weight") != 2.0 || len(p["stretch"].([]any)) != 0 {
				t.Errorf("planning payload %s", plans[0].Payload)
			}
		})

		t.Run("TestHook", func(t *testing.T) {
			var public int64
			for id, n := range names {
				if n == "public" {
					public = id
				}
			}
			id, err := s.TestWebhook(ctx, f.group.ID, public)
			issWantCode(t, err, "")
			got := next(t)
			if len(got) != 1 || got[0].ID != id || got[0].Event != "Issue Hook" {
				t.Fatalf("test delivery %v", hookSummary(got, names))
			}
			if p := payloadOf(t, got[0]); dig(p, "object_attributes", "confidential") != false {
				t.Errorf("a hook without confidential events was sent %s", got[0].Payload)
			}
			_, err = s.TestWebhook(ctx, elsewhere.ID+1000, public)
			issWantCode(t, err, cairn.ENOTFOUND)
		})
	})
}

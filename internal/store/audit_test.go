package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/netguard"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// auditActions lists the actions of events, as listed (newest first).
func auditActions(list []*cairn.AuditEvent) []string {
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, e.Action)
	}
	return out
}

func listAudit(tb testing.TB, s *store.Store, f cairn.AuditFilter) []*cairn.AuditEvent {
	tb.Helper()
	if f.Page.PerPage == 0 {
		f.Page.PerPage = 100
	}
	list, _, err := s.ListAuditEvents(tb.Context(), f)
	if err != nil {
		tb.Fatalf("list audit events: %v", err)
	}
	return list
}

// TestAuditLog records every audited action through the store, with its
// failures and no-ops, and reads the log back: a group's events, the
// instance's, by user, by time and by page.
func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPlanFix(t, s)
		now := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		ctx := cairn.NewContextWithClientIP(f.ctx, "203.0.113.9")
		dev, err := s.CreateUser(ctx, cairn.UserCreate{Username: "dev", Name: "Dev", Email: "dev@example.com"})
		issWantCode(t, err, "")

		// Members: added, changed, a no-op change, a refused removal, removed.
		_, err = s.AddMember(ctx, cairn.MemberInput{GroupID: f.group.ID, UserID: dev.ID, AccessLevel: cairn.AccessDeveloper})
		issWantCode(t, err, "")
		_, err = s.UpdateMember(ctx, f.group.ID, dev.ID, cairn.MemberUpdate{AccessLevel: issPtr(cairn.AccessMaintainer),
			CapacityFactor: issPtr(0.5)})
		issWantCode(t, err, "")
		_, err = s.UpdateMember(ctx, f.group.ID, dev.ID, cairn.MemberUpdate{AccessLevel: issPtr(cairn.AccessMaintainer)})
		issWantCode(t, err, "")
		issWantCode(t, s.RemoveMember(ctx, f.group.ID, f.owner.ID), cairn.ECONFLICT) // the last owner: rolled back, not logged
		issWantCode(t, s.RemoveMember(ctx, f.group.ID, dev.ID), "")

		// Planning: settings changed, then set to what they are; the plan
		// finalised, then again (already final).
		now = now.Add(time.Hour)
		settingsAt := now
		set := func(doc string) {
			t.Helper()
			_, err := s.UpdatePlanningSettings(ctx, f.group.ID, func([]byte) ([]byte, error) { return []byte(doc), nil })
			issWantCode(t, err, "")
		}
		set(`{"stretch_share": 0.25, "cadence": {"interval": "monthly", "start_day": 1}}`)
		set(`{"cadence":{"start_day":1,"interval":"monthly"},"stretch_share":0.25}`)
		_, err = s.FinalizePlan(ctx, f.input())
		issWantCode(t, err, "")
		out, err := s.FinalizePlan(ctx, f.input())
		if err != nil || !out.AlreadyFinalized {
			t.Fatalf("second finalisation = %+v, %v", out, err)
		}

		// Webhooks: the URL's credentials and the token never reach the log.
		h, err := s.CreateWebhook(ctx, cairn.WebhookCreate{GroupID: f.group.ID, URL: "https://bot:pw@hooks.example.com/in?key=abc",
			Token: "s3cret", IssuesEvents: true})
		issWantCode(t, err, "")
		_, err = s.UpdateWebhook(ctx, f.group.ID, h.ID, cairn.WebhookUpdate{Token: issPtr("n3w"), Name: issPtr("CI")})
		issWantCode(t, err, "")
		_, err = s.UpdateWebhook(ctx, f.group.ID, h.ID, cairn.WebhookUpdate{Name: issPtr("CI")})
		issWantCode(t, err, "")
		issWantCode(t, s.DeleteWebhook(ctx, f.group.ID, h.ID), "")
		issWantCode(t, s.DeleteWebhook(ctx, f.group.ID, h.ID), cairn.ENOTFOUND)

		// Instance-level: a token made and revoked (twice), a sign-in, two
		// failed ones, one of an unknown login.
		now = now.Add(time.Hour)
		tok, _, err := s.CreateToken(ctx, cairn.TokenCreate{UserID: f.owner.ID, Name: "ci", Scopes: []string{cairn.ScopeAPI}})
		issWantCode(t, err, "")
		issWantCode(t, s.RevokeToken(ctx, f.owner.ID, tok.ID), "")
		issWantCode(t, s.RevokeToken(ctx, f.owner.ID, tok.ID), "")
		issWantCode(t, s.RevokeToken(ctx, dev.ID, tok.ID), cairn.ENOTFOUND)
		_, err = s.CreateSession(context.Background(), dev.ID, "Firefox", "198.51.100.1")
		issWantCode(t, err, "")
		issWantCode(t, s.RecordFailedSignIn(context.Background(), " DEV@example.com ", "198.51.100.2"), "")
		issWantCode(t, s.RecordFailedSignIn(cairn.NewContextWithClientIP(context.Background(), "198.51.100.3"), "nobody", ""), "")

		group := listAudit(t, s, cairn.AuditFilter{EntityType: cairn.AuditEntityGroup, EntityID: f.group.ID})
		wantGroup := []string{cairn.AuditWebhookDelete, cairn.AuditWebhookUpdate, cairn.AuditWebhookCreate, cairn.AuditPlanFinalize,
			cairn.AuditPlanningSettingsUpdate, cairn.AuditMemberRemove, cairn.AuditMemberUpdate, cairn.AuditMemberAdd}
		if got := auditActions(group); !slices.Equal(got, wantGroup) {
			t.Fatalf("group events = %v, want %v", got, wantGroup)
		}
		for _, e := range group {
			if e.GroupID != f.group.ID || e.GroupPath != f.group.Path || e.ActorID != f.owner.ID || e.ActorName != "Owner" ||
				e.IP != "203.0.113.9" || e.CreatedAt.IsZero() {
				t.Errorf("%s: group %d %q, actor %d %q, ip %q, at %v", e.Action, e.GroupID, e.GroupPath, e.ActorID, e.ActorName, e.IP, e.CreatedAt)
			}
		}
		byAction := map[string]*cairn.AuditEvent{}
		for _, e := range group {
			byAction[e.Action] = e
		}
		add, upd, rm := byAction[cairn.AuditMemberAdd], byAction[cairn.AuditMemberUpdate], byAction[cairn.AuditMemberRemove]
		if add.TargetType != "User" || add.TargetID != dev.ID || add.Details["as"] != "Developer" || add.Details["target_details"] != "dev" {
			t.Errorf("member added: %+v", add)
		}
		if upd.Details["from"] != "Developer" || upd.Details["to"] != "Maintainer" || dig(upd.Details, "changes", "capacity_factor", "to") != 0.5 {
			t.Errorf("member updated: %v", upd.Details)
		}
		if rm.Details["as"] != "Maintainer" || rm.TargetID != dev.ID {
			t.Errorf("member removed: %v", rm.Details)
		}
		st := byAction[cairn.AuditPlanningSettingsUpdate]
		if keys, _ := st.Details["keys"].([]any); len(keys) != 2 || keys[0] != "cadence" || dig(st.Details, "changes", "stretch_share", "to") != 0.25 ||
			!st.CreatedAt.Equal(settingsAt) {
			t.Errorf("settings updated at %v: %v", st.CreatedAt, st.Details)
		}
		fin := byAction[cairn.AuditPlanFinalize]
		if fin.TargetType != "Milestone" || fin.TargetID != f.m2.ID || fin.Details["target_details"] != f.m2.Title ||
			fin.Details["deliverable"] != 1.0 || fin.Details["team_capacity"] != 12.5 {
			t.Errorf("plan finalised: %+v", fin)
		}
		for _, a := range []string{cairn.AuditWebhookCreate, cairn.AuditWebhookUpdate, cairn.AuditWebhookDelete} {
			e := byAction[a]
			if e.TargetType != "Webhook" || e.TargetID != h.ID || e.Details["target_details"] != "https://hooks.example.com/in" {
				t.Errorf("%s: %+v", a, e)
			}
		}
		if ch := byAction[cairn.AuditWebhookUpdate].Details["changes"].(map[string]any); len(ch) != 2 || ch["token"] == nil || ch["name"] == nil {
			t.Errorf("webhook changes: %v", ch)
		}
		for _, e := range group {
			if d := strings.Join(strings.Fields(strings.ReplaceAll(strings.ToLower(fmtDetails(e)), "\"", "")), ""); strings.Contains(d, "s3cret") ||
				strings.Contains(d, "n3w") || strings.Contains(d, "pw@") || strings.Contains(d, "key=abc") {
				t.Errorf("%s leaks a secret: %v", e.Action, e.Details)
			}
		}

		inst := listAudit(t, s, cairn.AuditFilter{EntityType: cairn.AuditEntityUser})
		wantInst := []string{cairn.AuditSignInFailed, cairn.AuditSignInFailed, cairn.AuditSignIn, cairn.AuditTokenRevoke, cairn.AuditTokenCreate}
		if got := auditActions(inst); !slices.Equal(got, wantInst) {
			t.Fatalf("instance events = %v, want %v", got, wantInst)
		}
		unknown, failed, signIn, revoke := inst[0], inst[1], inst[2], inst[3]
		if unknown.ActorID != 0 || unknown.TargetID != 0 || unknown.Details["login"] != "nobody" || unknown.IP != "198.51.100.3" {
			t.Errorf("failed sign-in of an unknown login: %+v", unknown)
		}
		if failed.ActorID != 0 || failed.TargetID != dev.ID || failed.Details["login"] != "DEV@example.com" || failed.IP != "198.51.100.2" {
			t.Errorf("failed sign-in: %+v", failed)
		}
		if signIn.ActorID != dev.ID || signIn.ActorName != "Dev" || signIn.TargetID != dev.ID || signIn.IP != "198.51.100.1" {
			t.Errorf("sign-in: %+v", signIn)
		}
		if revoke.ActorID != f.owner.ID || revoke.TargetID != f.owner.ID || revoke.Details["token_id"] != float64(tok.ID) ||
			revoke.Details["token_name"] != "ci" || revoke.GroupID != 0 {
			t.Errorf("token revoked: %+v", revoke)
		}
		if got := auditActions(listAudit(t, s, cairn.AuditFilter{EntityType: cairn.AuditEntityUser, EntityID: dev.ID})); !slices.Equal(got,
			[]string{cairn.AuditSignInFailed, cairn.AuditSignIn}) {
			t.Errorf("dev's instance events = %v", got)
		}

		// Time bounds are inclusive; pages go newest first.
		from, to := settingsAt, settingsAt
		if got := listAudit(t, s, cairn.AuditFilter{CreatedAfter: &from, CreatedBefore: &to}); len(got) != 5 {
			t.Errorf("events at %v = %v, want the 5 of that hour", settingsAt, auditActions(got))
		}
		all := listAudit(t, s, cairn.AuditFilter{})
		page, total, err := s.ListAuditEvents(t.Context(), cairn.AuditFilter{Page: cairn.Page{Page: 2, PerPage: 5}})
		if err != nil || total.Count != 13 || len(all) != 13 || len(page) != 5 || page[0].ID != all[5].ID {
			t.Errorf("page 2 = %d events, total %+v, %v; all %d", len(page), total, err, len(all))
		}
		got, err := s.AuditEventByID(t.Context(), fin.ID)
		if err != nil || got.Action != cairn.AuditPlanFinalize || got.GroupPath != f.group.Path {
			t.Errorf("by id = %+v, %v", got, err)
		}
		_, err = s.AuditEventByID(t.Context(), 999999)
		issWantCode(t, err, cairn.ENOTFOUND)
		_, _, err = s.ListAuditEvents(t.Context(), cairn.AuditFilter{EntityType: "Project"})
		issWantField(t, err, "entity_type")
	})
}

// fmtDetails is an event's details as one string, to look for secrets.
func fmtDetails(e *cairn.AuditEvent) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				b.WriteString(k + "=")
				walk(x)
				b.WriteString(" ")
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			b.WriteString(v)
		}
	}
	walk(e.Details)
	return b.String()
}

// TestWebhookAddressPolicy: a hook URL whose host is a literal non-public
// address, or localhost, is refused when added or changed unless the
// store's allow-list names it; the cloud metadata address stays refused
// under "private".
func TestWebhookAddressPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newPlanFix(t, s)
		create := func(u string) error {
			_, err := s.CreateWebhook(f.ctx, cairn.WebhookCreate{GroupID: f.group.ID, URL: u, IssuesEvents: true})
			return err
		}
		blocked := func(t *testing.T, err error, want string) {
			t.Helper()
			ce, _ := err.(*cairn.Error)
			if ce == nil || ce.Code != cairn.EINVALID || len(ce.Fields["url"]) != 1 || ce.Fields["url"][0] != want {
				t.Errorf("error %v, want url %q", err, want)
			}
		}
		for _, tc := range []struct{ url, want string }{
			{"http://10.0.0.5/hook", "is blocked: 10.0.0.5 is a private address; allow it with --webhook-allow-networks"},
			{"http://169.254.169.254/latest/meta-data", "is blocked: 169.254.169.254 is a cloud metadata address; allow it with --webhook-allow-networks"},
			{"http://[::1]:8080/", "is blocked: ::1 is a loopback address; allow it with --webhook-allow-networks"},
			{"http://localhost:3000/", "is blocked: 127.0.0.1 is a loopback address; allow it with --webhook-allow-networks"},
			{"https://0.0.0.0/", "is blocked: 0.0.0.0 is an unspecified address; allow it with --webhook-allow-networks"},
		} {
			blocked(t, create(tc.url), tc.want)
		}
		issWantCode(t, create("https://hooks.example.com/in"), "")
		h, err := s.CreateWebhook(f.ctx, cairn.WebhookCreate{GroupID: f.group.ID, URL: "https://198.51.100.7/in"})
		issWantCode(t, err, "")
		_, err = s.UpdateWebhook(f.ctx, f.group.ID, h.ID, cairn.WebhookUpdate{URL: issPtr("http://192.168.1.20/in")})
		blocked(t, err, "is blocked: 192.168.1.20 is a private address; allow it with --webhook-allow-networks")

		s.WebhookNetworks = netguard.MustParse("private")
		issWantCode(t, create("http://10.0.0.5/hook"), "")
		_, err = s.UpdateWebhook(f.ctx, f.group.ID, h.ID, cairn.WebhookUpdate{URL: issPtr("http://192.168.1.20/in")})
		issWantCode(t, err, "")
		blocked(t, create("http://169.254.169.254/"), "is blocked: 169.254.169.254 is a cloud metadata address; allow it with --webhook-allow-networks")
		blocked(t, create("http://127.0.0.1/"), "is blocked: 127.0.0.1 is a loopback address; allow it with --webhook-allow-networks")
	})
}

package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// maintainer is a user the audit test adds to the team at maintainer level.
const maintainer = "mia"

func TestAuditEventsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, clk := newStatusTeam(t, st)
		ctx := context.Background()
		mia, err := st.CreateUser(ctx, cairn.UserCreate{Username: maintainer, Name: "Mia"})
		if err != nil {
			t.Fatal(err)
		}
		g, err := st.GroupByPath(ctx, "team")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddMember(ctx, cairn.MemberInput{GroupID: g.ID, UserID: mia.ID, AccessLevel: cairn.AccessMaintainer}); err != nil {
			t.Fatal(err)
		}
		_, secret, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: mia.ID, Name: "test", Scopes: []string{cairn.ScopeAPI}})
		if err != nil {
			t.Fatal(err)
		}
		pt.tokens[maintainer] = secret
		const events = "/groups/team/audit_events"

		// The owner changes a member, the settings and a hook, an hour apart.
		clk.add(time.Hour)
		want(t, pt.do("PUT", fmt.Sprintf("/groups/team/members/%d", pt.users[guest].ID), owner, `{"access_level":20}`), 200)
		clk.add(time.Hour)
		since := clk.now()
		want(t, pt.do("PUT", "/groups/team/planning_settings", owner, `{"stretch_share":0.3}`), 200)
		h := pt.do("POST", "/groups/team/hooks", owner, `{"url":"https://hooks.example.com/in?key=abc","token":"s3cret"}`)
		want(t, h, 201)
		want(t, pt.do("DELETE", fmt.Sprintf("/groups/team/hooks/%v", h.obj(t)["id"]), owner, ""), 204)

		t.Run("Permissions", func(t *testing.T) {
			// The owners' (and admins'); non-members do not see the group.
			// The instance's log is the admins' alone.
			for _, tc := range []struct {
				as              string
				group, instance int
			}{
				{owner, 200, 403}, {admin, 200, 200}, {maintainer, 403, 403}, {manager, 403, 403}, {product, 403, 403},
				{engineer, 403, 403}, {guest, 403, 403}, {outsider, 404, 403}, {"", 401, 401},
			} {
				t.Run(tc.as, func(t *testing.T) {
					want(t, pt.do("GET", events, tc.as, ""), tc.group)
					want(t, pt.do("GET", "/audit_events", tc.as, ""), tc.instance)
				})
			}
		})

		var list []map[string]any
		r := pt.do("GET", events, owner, "")
		want(t, r, 200)
		r.decode(t, &list)
		var names []string
		for _, e := range list {
			names = append(names, fmt.Sprint(e["event_name"]))
		}
		wantNames := []string{cairn.AuditWebhookDelete, cairn.AuditWebhookCreate, cairn.AuditPlanningSettingsUpdate, cairn.AuditMemberUpdate,
			cairn.AuditMemberAdd}
		if strings.Join(names, " ") != strings.Join(wantNames, " ") || r.header.Get("X-Total") != "5" {
			t.Fatalf("events %v (X-Total %s), want %v", names, r.header.Get("X-Total"), wantNames)
		}
		if strings.Contains(r.body, "s3cret") || strings.Contains(r.body, "key=abc") {
			t.Errorf("a secret in the log: %s", r.body)
		}

		// GitLab's shape: the member change.
		e := list[3]
		ts, _ := e["created_at"].(string)
		if e["author_id"] != float64(pt.users[owner].ID) || e["entity_id"] != float64(g.ID) || e["entity_type"] != "Group" ||
			!strings.HasSuffix(ts, "Z") || e["id"] == nil {
			t.Errorf("event %v", e)
		}
		d, _ := e["details"].(map[string]any)
		for k, v := range map[string]any{"change": "access_level", "from": "Guest", "to": "Reporter", "author_name": pt.users[owner].Name,
			"target_id": float64(pt.users[guest].ID), "target_type": "User", "target_details": guest, "ip_address": "127.0.0.1",
			"entity_path": "team"} {
			if d[k] != v {
				t.Errorf("details[%s] = %v, want %v (%v)", k, d[k], v, d)
			}
		}
		// The member added without a user in the context has no author.
		if list[4]["author_id"] != float64(-1) {
			t.Errorf("member added by nobody: %v", list[4])
		}

		t.Run("Filters", func(t *testing.T) {
			r := pt.do("GET", events+"?created_after="+url.QueryEscape(since.Format(time.RFC3339)), owner, "")
			want(t, r, 200)
			var l []map[string]any
			r.decode(t, &l)
			if len(l) != 3 {
				t.Errorf("created_after %v: %d events, want 3: %s", since, len(l), r.body)
			}
			r = pt.do("GET", events+"?created_before="+url.QueryEscape(since.Add(-time.Second).Format(time.RFC3339))+"&per_page=1&page=2",
				owner, "")
			want(t, r, 200)
			l = nil
			r.decode(t, &l)
			if len(l) != 1 || l[0]["event_name"] != cairn.AuditMemberAdd || r.header.Get("X-Total") != "2" || r.header.Get("X-Prev-Page") != "1" {
				t.Errorf("created_before, page 2: %s (X-Total %s)", r.body, r.header.Get("X-Total"))
			}
			r = pt.do("GET", events+"?created_after=yesterday", owner, "")
			want(t, r, 400)
			if strings.TrimSpace(r.body) != `{"error":"created_after is invalid"}` {
				t.Errorf("bad time: %s", r.body)
			}
		})

		t.Run("One", func(t *testing.T) {
			id := fmt.Sprint(list[0]["id"])
			r := pt.do("GET", events+"/"+id, owner, "")
			want(t, r, 200)
			if r.obj(t)["event_name"] != cairn.AuditWebhookDelete {
				t.Errorf("event %s: %s", id, r.body)
			}
			want(t, pt.do("GET", events+"/"+id, maintainer, ""), 403)
			want(t, pt.do("GET", events+"/999999", owner, ""), 404)
			want(t, pt.do("GET", "/audit_events/"+id, admin, ""), 200)
			want(t, pt.do("GET", "/audit_events/"+id, owner, ""), 403)
		})

		t.Run("Instance", func(t *testing.T) {
			// The fixture made a token per user: instance-level events,
			// about users, which the group's list does not show.
			r := pt.do("GET", "/audit_events?entity_type=User&entity_id="+fmt.Sprint(mia.ID), admin, "")
			want(t, r, 200)
			var l []map[string]any
			r.decode(t, &l)
			if len(l) != 1 || l[0]["event_name"] != cairn.AuditTokenCreate || l[0]["entity_type"] != "User" ||
				l[0]["entity_id"] != float64(mia.ID) || l[0]["author_id"] != float64(-1) {
				t.Fatalf("mia's events: %s", r.body)
			}
			tokenEvent := fmt.Sprint(l[0]["id"])
			want(t, pt.do("GET", events+"/"+tokenEvent, owner, ""), 404)

			r = pt.do("GET", "/audit_events?entity_type=Group&entity_id="+fmt.Sprint(g.ID), admin, "")
			want(t, r, 200)
			if r.header.Get("X-Total") != "5" {
				t.Errorf("the group's events for the admin: X-Total %s", r.header.Get("X-Total"))
			}
			r = pt.do("GET", "/audit_events?entity_type=Project", admin, "")
			want(t, r, 400)
			if strings.TrimSpace(r.body) != `{"error":"entity_type does not have a valid value"}` {
				t.Errorf("bad entity type: %s", r.body)
			}
		})
	})
}

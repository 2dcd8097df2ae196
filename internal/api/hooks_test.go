package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestGroupHooksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, _ := newStatusTeam(t, st)
		const hooks = "/groups/team/hooks"

		t.Run("Permissions", func(t *testing.T) {
			// Owners only, as GitLab's group hooks; non-members of the
			// private group do not see it at all.
			for _, tc := range []struct {
				as     string
				status int
			}{
				{owner, 200}, {admin, 200}, {engineer, 403}, {manager, 403}, {product, 403}, {guest, 403}, {outsider, 404}, {"", 401},
			} {
				t.Run(tc.as, func(t *testing.T) {
					want(t, pt.do("GET", hooks, tc.as, ""), tc.status)
					if tc.status != 200 {
						want(t, pt.do("POST", hooks, tc.as, `{"url":"https://example.com/h"}`), tc.status)
					}
				})
			}
		})

		t.Run("Validation", func(t *testing.T) {
			for _, tc := range []struct{ name, body, want string }{
				{"ErrURLMissing", `{"issues_events":true}`, `{"error":"url is missing"}`},
				{"ErrScheme", `{"url":"file:///etc/passwd"}`, `{"message":{"url":["is blocked: Only allowed schemes are http, https"]}}`},
				{"ErrNotAURL", `{"url":"example.com/hook"}`, `{"message":{"url":["must be a valid URL"]}}`},
				{"ErrFlag", `{"url":"https://example.com","note_events":"maybe"}`, `{"error":"note_events is invalid"}`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := pt.do("POST", hooks, owner, tc.body)
					want(t, r, 400)
					if strings.TrimSpace(r.body) != tc.want {
						t.Errorf("body %s, want %s", r.body, tc.want)
					}
				})
			}
		})

		r := pt.do("POST", hooks, owner, `{"url":"https://hooks.example.com/cairn","token":"s3cret","name":"CI",
			"issues_events":true,"note_events":true,"planning_events":true,"push_events":true}`)
		want(t, r, 201)
		if strings.Contains(r.body, "s3cret") || strings.Contains(r.body, "token") {
			t.Fatalf("the token is shown: %s", r.body)
		}
		h := r.obj(t)
		for k, v := range map[string]any{"url": "https://hooks.example.com/cairn", "name": "CI", "description": "", "issues_events": true,
			"confidential_issues_events": false, "note_events": true, "confidential_note_events": false, "status_update_events": false,
			"planning_events": true, "enable_ssl_verification": true} {
			if h[k] != v {
				t.Errorf("%s = %v, want %v", k, h[k], v)
			}
		}
		if h["created_at"] == nil || h["group_id"] == nil {
			t.Errorf("hook %v", h)
		}
		hook := fmt.Sprintf("%s/%v", hooks, h["id"])

		t.Run("ListAndGet", func(t *testing.T) {
			r := pt.do("GET", hooks, owner, "")
			want(t, r, 200)
			var list []map[string]any
			r.decode(t, &list)
			if len(list) != 1 || list[0]["id"] != h["id"] || r.header.Get("X-Total") != "1" {
				t.Errorf("list %s (X-Total %q)", r.body, r.header.Get("X-Total"))
			}
			want(t, pt.do("GET", hook, owner, ""), 200)
			want(t, pt.do("GET", hooks+"/999999", owner, ""), 404)
			want(t, pt.do("GET", hooks+"/x", owner, ""), 404)
			// Another group's hook is not found under this one.
			want(t, pt.do("GET", fmt.Sprintf("/groups/other/hooks/%v", h["id"]), admin, ""), 404)
			want(t, pt.do("GET", hook, engineer, ""), 403)
		})

		t.Run("Update", func(t *testing.T) {
			r := pt.do("PUT", hook, owner, `{"enable_ssl_verification":false,"confidential_issues_events":true,"description":"builds"}`)
			want(t, r, 200)
			got := r.obj(t)
			if got["enable_ssl_verification"] != false || got["confidential_issues_events"] != true || got["description"] != "builds" ||
				got["issues_events"] != true || got["url"] != "https://hooks.example.com/cairn" {
				t.Errorf("updated %s", r.body)
			}
			want(t, pt.do("PUT", hook, owner, `{"url":"gopher://x"}`), 400)
			want(t, pt.do("PUT", hook, engineer, `{"name":"mine"}`), 403)
		})

		t.Run("EventsFromChanges", func(t *testing.T) {
			want(t, pt.do("POST", "/projects/team%2Fapp/issues", engineer, `{"title":"Hooked"}`), 201)
			r := pt.do("GET", hook+"/events", owner, "")
			want(t, r, 200)
			var list []map[string]any
			r.decode(t, &list)
			if len(list) != 1 || list[0]["trigger"] != "issue_hooks" || list[0]["state"] != "pending" || list[0]["attempts"] != 0.0 ||
				list[0]["url"] != "https://hooks.example.com/cairn" || list[0]["response_status"] != nil || list[0]["next_attempt_at"] == nil {
				t.Fatalf("events %s", r.body)
			}
			data, _ := list[0]["request_data"].(map[string]any)
			if data["object_kind"] != "issue" || data["object_attributes"].(map[string]any)["title"] != "Hooked" {
				t.Errorf("request_data %v", data)
			}
		})

		t.Run("Test", func(t *testing.T) {
			want(t, pt.do("POST", hook+"/test/issue_events", engineer, ""), 403)
			r := pt.do("POST", hook+"/test/issue_events", owner, "")
			want(t, r, 201)
			r = pt.do("GET", hook+"/events?per_page=1", owner, "")
			want(t, r, 200)
			var list []map[string]any
			r.decode(t, &list)
			if len(list) != 1 || list[0]["event"] != "Issue Hook" || r.header.Get("X-Total") != "2" || r.header.Get("X-Next-Page") != "2" {
				t.Fatalf("events after the test %s (headers %v)", r.body, r.header)
			}
			id := fmt.Sprint(list[0]["id"])

			r = pt.do("POST", hook+"/events/"+id+"/resend", owner, "")
			want(t, r, 201)
			if got := r.obj(t); fmt.Sprint(got["id"]) != id || got["state"] != "pending" {
				t.Errorf("resent %s", r.body)
			}
			want(t, pt.do("POST", hook+"/events/999999/resend", owner, ""), 404)
			want(t, pt.do("POST", hook+"/events/"+id+"/resend", engineer, ""), 403)
			want(t, pt.do("GET", hook+"/events?state=lost", owner, ""), 400)
			r = pt.do("GET", hook+"/events?state=delivered", owner, "")
			want(t, r, 200)
			if strings.TrimSpace(r.body) != "[]" {
				t.Errorf("delivered events %s", r.body)
			}
		})

		t.Run("Delete", func(t *testing.T) {
			want(t, pt.do("DELETE", hook, engineer, ""), 403)
			want(t, pt.do("DELETE", hook, owner, ""), 204)
			r := pt.do("GET", hook, owner, "")
			want(t, r, 404)
			if !strings.Contains(r.body, "404 Hook Not Found") {
				t.Errorf("body %s", r.body)
			}
			want(t, pt.do("GET", hook+"/events", owner, ""), 404)
		})
	})
}

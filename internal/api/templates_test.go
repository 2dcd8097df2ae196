package api_test

import (
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestTemplatesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		type tmpl struct {
			ID               *int64
			Name             string
			Description      string
			Content          string
			BuiltIn          bool    `json:"built_in"`
			OverridesBuiltIn bool    `json:"overrides_built_in"`
			CreatedAt        *string `json:"created_at"`
		}
		names := func(list []tmpl) string {
			var out []string
			for _, x := range list {
				out = append(out, x.Name)
			}
			return strings.Join(out, ",")
		}
		const builtins = "issue,onboarding,planning-issue,refinement-checklist,retrospective,status-update,time-off-coverage"

		t.Run("ListBuiltIns", func(t *testing.T) {
			var list []tmpl
			r := rt.do("GET", "/groups/team/templates", "gus", "")
			r.ok(t, 200, &list)
			if names(list) != builtins || r.header.Get("X-Total") != "7" || list[0].ID != nil || !list[0].BuiltIn || list[0].CreatedAt != nil {
				t.Errorf("list %s, total %s, first %+v", names(list), r.header.Get("X-Total"), list[0])
			}
			r = rt.do("GET", "/groups/team/templates?per_page=2&page=2", "gus", "")
			r.ok(t, 200, &list)
			if names(list) != "planning-issue,refinement-checklist" {
				t.Errorf("page 2: %s", names(list))
			}
		})
		t.Run("GetBuiltIn", func(t *testing.T) {
			var x tmpl
			rt.do("GET", "/groups/team/templates/refinement-checklist", "ana", "").ok(t, 200, &x)
			if !strings.HasPrefix(x.Content, "## Refinement Checklist\n") || !strings.HasSuffix(x.Content, "/weight X\n/label ~\"workflow::ready for development\"\n") {
				t.Errorf("content %q", x.Content)
			}
			rt.do("GET", "/groups/team/templates/nope", "ana", "").ok(t, 404, nil)
		})
		t.Run("Create", func(t *testing.T) {
			rt.do("POST", "/groups/team/templates", "gus", rfJSON(map[string]any{"name": "bug", "content": "x"})).ok(t, 403, nil)
			var x tmpl
			rt.do("POST", "/groups/team/templates", "rita", rfJSON(map[string]any{"name": "bug", "description": "Bugs", "content": "## Steps\n"})).ok(t, 201, &x)
			if x.ID == nil || x.Name != "bug" || x.BuiltIn || x.CreatedAt == nil {
				t.Errorf("created %+v", x)
			}
			rt.do("POST", "/groups/team/templates", "rita", rfJSON(map[string]any{"name": "BUG", "content": "y"})).ok(t, 409, nil)
			r := rt.do("POST", "/groups/team/templates", "rita", rfJSON(map[string]any{"name": "bug"}))
			if r.status != 400 || r.body != `{"error":"content is missing"}`+"\n" {
				t.Errorf("no content: %d %s", r.status, r.body)
			}
			rt.do("POST", "/groups/team/templates", "rita", rfJSON(map[string]any{"name": "a b", "content": "y"})).ok(t, 400, nil)
		})
		t.Run("OverrideAndDelete", func(t *testing.T) {
			var x tmpl
			rt.do("PUT", "/groups/team/templates/onboarding", "rita", rfJSON(map[string]any{"description": "Ours"})).ok(t, 200, &x)
			if x.ID == nil || !x.OverridesBuiltIn || x.BuiltIn || x.Description != "Ours" || !strings.HasPrefix(x.Content, "## Welcome") {
				t.Errorf("override %+v", x)
			}
			var list []tmpl
			rt.do("GET", "/groups/team/templates", "ana", "").ok(t, 200, &list)
			if names(list) != "bug,"+builtins || !list[2].OverridesBuiltIn {
				t.Errorf("list %s", names(list))
			}
			r := rt.do("DELETE", "/groups/team/templates/issue", "rita", "")
			if r.status != 400 || !strings.Contains(r.body, "built in and cannot be deleted") {
				t.Errorf("delete built-in: %d %s", r.status, r.body)
			}
			rt.do("DELETE", "/groups/team/templates/onboarding", "gus", "").ok(t, 403, nil)
			rt.do("DELETE", "/groups/team/templates/onboarding", "rita", "").ok(t, 204, nil)
			rt.do("GET", "/groups/team/templates/onboarding", "ana", "").ok(t, 200, &x)
			if !x.BuiltIn || x.Description == "Ours" {
				t.Errorf("after delete %+v", x)
			}
			rt.do("PUT", "/groups/team/templates/nope", "rita", rfJSON(map[string]any{"content": "x"})).ok(t, 404, nil)
		})
		t.Run("PrivateGroup", func(t *testing.T) {
			rt.do("GET", "/groups/team/templates", "nora", "").ok(t, 404, nil)
			rt.do("POST", "/groups/team/templates", "nora", rfJSON(map[string]any{"name": "x", "content": "y"})).ok(t, 404, nil)
		})
	})
}

package store_test

import (
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/planning"
)

func TestTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newIssFix(t, s)
		ctx := f.ctx
		names := func(list []*cairn.Template) []string {
			var out []string
			for _, tt := range list {
				n := tt.Name
				if tt.BuiltIn {
					n += " (built-in)"
				}
				if tt.OverridesBuiltIn {
					n += " (override)"
				}
				out = append(out, n)
			}
			return out
		}
		builtins := []string{"issue (built-in)", "onboarding (built-in)", "planning-issue (built-in)", "refinement-checklist (built-in)",
			"retrospective (built-in)", "status-update (built-in)", "time-off-coverage (built-in)"}

		t.Run("BuiltInsOnly", func(t *testing.T) {
			list, err := s.ListTemplates(ctx, f.team.ID)
			issWantCode(t, err, "")
			issEqual(t, "templates", names(list), builtins)
			is, err := s.TemplateByName(ctx, f.team.ID, "ISSUE")
			issWantCode(t, err, "")
			if !is.BuiltIn || !strings.HasPrefix(is.Content, "## Context\n\n_Summary or background") || is.ID != 0 {
				t.Errorf("issue template = %+v", is)
			}
		})

		t.Run("Create", func(t *testing.T) {
			tt, err := s.CreateTemplate(ctx, cairn.TemplateCreate{GroupID: f.team.ID, Name: " bug-report ", Description: "A bug", Content: "## Steps\n"})
			issWantCode(t, err, "")
			if tt.ID == 0 || tt.Name != "bug-report" || tt.GroupID != f.team.ID || tt.BuiltIn || tt.OverridesBuiltIn || tt.CreatedAt.IsZero() {
				t.Errorf("created %+v", tt)
			}
			_, err = s.CreateTemplate(ctx, cairn.TemplateCreate{GroupID: f.team.ID, Name: "Bug-Report", Content: "x"})
			issWantCode(t, err, cairn.ECONFLICT)
			// Another group may use the name.
			_, err = s.CreateTemplate(ctx, cairn.TemplateCreate{GroupID: f.other.ID, Name: "bug-report", Content: "y"})
			issWantCode(t, err, "")
		})

		t.Run("Invalid", func(t *testing.T) {
			for _, in := range []cairn.TemplateCreate{
				{GroupID: f.team.ID, Name: "", Content: "x"},
				{GroupID: f.team.ID, Name: "has space", Content: "x"},
				{GroupID: f.team.ID, Name: "a/b", Content: "x"},
				{GroupID: f.team.ID, Name: strings.Repeat("a", 65), Content: "x"},
				{GroupID: f.team.ID, Name: "ok", Content: "  "},
				{GroupID: f.team.ID, Name: "ok", Content: "x", Description: strings.Repeat("d", 1001)},
			} {
				_, err := s.CreateTemplate(ctx, in)
				issWantCode(t, err, cairn.EINVALID)
			}
			_, err := s.CreateTemplate(ctx, cairn.TemplateCreate{GroupID: f.team.ID + 100, Name: "ok", Content: "x"})
			issWantCode(t, err, cairn.ENOTFOUND)
		})

		t.Run("OverrideBuiltIn", func(t *testing.T) {
			tt, err := s.UpdateTemplate(ctx, f.team.ID, "Issue", cairn.TemplateUpdate{Content: issPtr("## Context\n\n## Our proposal\n")})
			issWantCode(t, err, "")
			b, _ := planning.BuiltinTemplateNamed("issue")
			if tt.ID == 0 || tt.Name != "issue" || !tt.OverridesBuiltIn || tt.BuiltIn || tt.Description != b.Description || tt.Content != "## Context\n\n## Our proposal\n" {
				t.Errorf("override = %+v", tt)
			}
			list, err := s.ListTemplates(ctx, f.team.ID)
			issWantCode(t, err, "")
			want := append([]string{"bug-report", "issue (override)"}, builtins[1:]...)
			issEqual(t, "templates", names(list), want)
			got, err := s.TemplateByName(ctx, f.team.ID, "issue")
			issWantCode(t, err, "")
			if got.Content != tt.Content {
				t.Errorf("TemplateByName reads %q", got.Content)
			}
			// The other group still has the built-in.
			got, err = s.TemplateByName(ctx, f.other.ID, "issue")
			issWantCode(t, err, "")
			if !got.BuiltIn {
				t.Errorf("other group's issue template = %+v", got)
			}
		})

		t.Run("Update", func(t *testing.T) {
			tt, err := s.UpdateTemplate(ctx, f.team.ID, "BUG-REPORT", cairn.TemplateUpdate{Name: issPtr("defect"), Description: issPtr("")})
			issWantCode(t, err, "")
			if tt.Name != "defect" || tt.Description != "" || tt.Content != "## Steps\n" {
				t.Errorf("updated %+v", tt)
			}
			_, err = s.UpdateTemplate(ctx, f.team.ID, "defect", cairn.TemplateUpdate{Name: issPtr("ISSUE")})
			issWantCode(t, err, cairn.ECONFLICT)
			_, err = s.UpdateTemplate(ctx, f.team.ID, "nope", cairn.TemplateUpdate{Content: issPtr("x")})
			issWantCode(t, err, cairn.ENOTFOUND)
			_, err = s.UpdateTemplate(ctx, f.team.ID, "defect", cairn.TemplateUpdate{Content: issPtr(" ")})
			issWantCode(t, err, cairn.EINVALID)
		})

		t.Run("Delete", func(t *testing.T) {
			issWantCode(t, s.DeleteTemplate(ctx, f.team.ID, "onboarding"), cairn.EINVALID)
			issWantCode(t, s.DeleteTemplate(ctx, f.team.ID, "nope"), cairn.ENOTFOUND)
			issWantCode(t, s.DeleteTemplate(ctx, f.team.ID+100, "issue"), cairn.ENOTFOUND)
			issWantCode(t, s.DeleteTemplate(ctx, f.team.ID, "Issue"), "") // the override: the built-in returns
			got, err := s.TemplateByName(ctx, f.team.ID, "issue")
			issWantCode(t, err, "")
			if !got.BuiltIn {
				t.Errorf("after deleting the override: %+v", got)
			}
			issWantCode(t, s.DeleteTemplate(ctx, f.team.ID, "defect"), "")
			list, err := s.ListTemplates(ctx, f.team.ID)
			issWantCode(t, err, "")
			issEqual(t, "templates", names(list), builtins)
		})

		t.Run("UnknownGroup", func(t *testing.T) {
			_, err := s.ListTemplates(ctx, f.team.ID+100)
			issWantCode(t, err, cairn.ENOTFOUND)
			_, err = s.TemplateByName(ctx, f.team.ID+100, "issue")
			issWantCode(t, err, cairn.ENOTFOUND)
		})
	})
}

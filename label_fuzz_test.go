package cairn_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

// FuzzLabelScope checks the label name rules on comma-separated lists, as
// the API's labels, add_labels and remove_labels parameters come: scopes
// split at the last "::", ApplyLabelChange keeps one label per scope and
// never a removed one unless it was added, names are validated with
// EINVALID errors, and colours normalise to "#rrggbb" or fail with EINVALID.
func FuzzLabelScope(f *testing.F) {
	f.Add("bug,workflow::in dev", "workflow::in review", "bug", "#FFF")
	f.Add("a::b::c,a::b::d", "a::b::e,a::x", "", "red")
	f.Add("::lead,trail::,::,workflow::", "workflow::,Deliverable", "Deliverable", "#12345g")
	f.Add("code-creation-priority::high", "code-creation-priority::medium,code-creation-priority::low", "code-creation-priority::low", "")
	f.Add("x,x,X", "x", "x", " #AbCdEf ")
	hexRE := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	invalid := func(t *testing.T, what string, err error) {
		t.Helper()
		var e *cairn.Error
		if !errors.As(err, &e) || e.Code != cairn.EINVALID || e.Error() == "" {
			t.Fatalf("%s: error %#v is not an EINVALID *cairn.Error with a message", what, err)
		}
	}
	f.Fuzz(func(t *testing.T, current, add, remove, color string) {
		cur, adds, rms := split(current), split(add), split(remove)
		for _, n := range cur {
			if err := cairn.ValidateLabelName(n); err != nil {
				invalid(t, "ValidateLabelName", err)
			}
		}
		// An issue's labels are exclusive already: the store keeps them so.
		cur = cairn.ExclusiveLabels(cur)
		for _, n := range slices.Concat(cur, adds, rms) {
			scope, ok := cairn.LabelScope(n)
			i := strings.LastIndex(n, "::")
			if ok != (i > 0) || ok && scope != n[:i] || !ok && scope != "" {
				t.Errorf("LabelScope(%q) = %q, %v", n, scope, ok)
			}
		}

		out := cairn.ApplyLabelChange(cur, adds, rms)
		scopes := map[string]string{}
		seen := map[string]bool{}
		for _, n := range out {
			if seen[n] {
				t.Errorf("%q twice in %q", n, out)
			}
			seen[n] = true
			if s, ok := cairn.LabelScope(n); ok {
				if other, dup := scopes[s]; dup {
					t.Errorf("scope %q twice in %q: %q and %q", s, out, other, n)
				}
				scopes[s] = n
			}
			if slices.Contains(rms, n) && !slices.Contains(adds, n) {
				t.Errorf("removed %q still in %q", n, out)
			}
			if !slices.Contains(cur, n) && !slices.Contains(adds, n) {
				t.Errorf("%q in %q comes from nowhere", n, out)
			}
		}
		// The last added label of each scope is always there.
		last := map[string]string{}
		for _, a := range adds {
			if s, ok := cairn.LabelScope(a); ok {
				last[s] = a
			} else if !seen[a] {
				t.Errorf("added %q missing from %q", a, out)
			}
		}
		for _, a := range last {
			if !seen[a] {
				t.Errorf("added %q, last of its scope, missing from %q", a, out)
			}
		}
		if again := cairn.ExclusiveLabels(out); !slices.Equal(again, out) {
			t.Errorf("ExclusiveLabels(%q) = %q, want it unchanged", out, again)
		}

		c, err := cairn.NormalizeColor(color)
		if err != nil {
			invalid(t, "NormalizeColor", err)
		} else if !hexRE.MatchString(c) {
			t.Errorf("NormalizeColor(%q) = %q, not #rrggbb", color, c)
		}
		if tc := cairn.TextColorFor(color); tc != "#1F1E24" && tc != "#FFFFFF" {
			t.Errorf("TextColorFor(%q) = %q", color, tc)
		}
	})
}

package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/demo"
)

// TestFormLimits sends the pages' forms oversized input: each is refused
// with a 4xx that says which field is too long (the form shown again), or
// 413 for a body over the server's limit — never a 5xx, never saved.
func TestFormLimits(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	emma := s.as(demo.ManagerName)
	long := func(n int) string { return strings.Repeat("a", n) }
	issue := "/code-creation/code-suggestions/-/issues/1"
	d1, _ := riskyDeliverables(t, s, g, tm.Current)
	pr, err := s.st.ProjectByID(t.Context(), d1.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	assignee := s.as(d1.Assignees[0].Username)
	statusURL := fmt.Sprintf("/%s/-/issues/%d/status_updates", pr.FullPath(), d1.IID)
	parking := fmt.Sprintf("/groups/%s/-/planning/%d/parking_lot", g.Path, tm.Next.ID)

	for _, tc := range []struct {
		name string
		as   *browser
		path string
		form url.Values
		want string // in the page shown again
	}{
		{"IssueTitle", emma, "/code-creation/code-suggestions/-/issues/new", url.Values{"title": {long(256)}}, "maximum is 255 characters"},
		{"IssueDescription", emma, "/code-creation/code-suggestions/-/issues/new", url.Values{"title": {"x"}, "description": {long(1<<20 + 1)}},
			"maximum is 1048576 characters"},
		{"IssueTitleEdit", emma, issue + "/edit", url.Values{"title": {long(256)}, "description": {"x"}}, "maximum is 255 characters"},
		{"Note", emma, issue + "/notes", url.Values{"body": {long(1<<20 + 1)}}, "maximum is 1048576 characters"},
		{"StatusUpdate", assignee, statusURL, url.Values{"progress": {long(64<<10 + 1)}, "next_steps": {"x"}, "blockers": {"x"}, "confidence": {"very"}},
			"maximum is 65536 characters"},
		{"ParkingLotReason", emma, parking, url.Values{"title": {"x"}, "reason": {long(2001)}}, "maximum is 2000 characters"},
		{"WebhookURL", emma, "/groups/" + g.Path + "/-/team/webhooks", url.Values{"url": {"https://hooks.example.com/" + long(2048)}, "issues_events": {"1"}},
			"maximum is 2048 characters"},
		{"Body", emma, issue + "/notes", url.Values{"body": {long(2 << 20)}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.as.post(tc.path, tc.form)
			if p.Status < 400 || p.Status >= 500 {
				t.Fatalf("status %d, want a 4xx; body:\n%.1500s", p.Status, p.Body)
			}
			if tc.want != "" && !strings.Contains(p.Body, tc.want) {
				t.Errorf("status %d; the page does not say %q:\n%.3000s", p.Status, tc.want, p.Body)
			}
			if tc.name == "Body" && p.Status != 413 {
				t.Errorf("status %d, want 413", p.Status)
			}
		})
	}
}

// TestFormTextOnly: a form post carrying NUL or invalid UTF-8 is a 400,
// not a database error.
func TestFormTextOnly(t *testing.T) {
	s := newSite(t)
	b := s.as("emma")
	for _, v := range []string{"a\x00b", "bad \xff utf-8"} {
		p := b.post("/-/profile/personal_access_tokens", url.Values{"name": {v}})
		if p.Status != http.StatusBadRequest {
			t.Errorf("name %q: %d", v, p.Status)
		}
	}
}

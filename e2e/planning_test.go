package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPlanning opens the milestone being planned as the demo engineering
// manager and checks the capacity table; opens the team's status updates,
// where an update posted shows; then finalises the plan through its
// confirmation dialog and sees it final.
func TestPlanning(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "emma")

	do(t, ctx, "open the planning page",
		chromedp.Navigate(srv.URL+"/groups/code-creation/-/planning"),
		chromedp.WaitVisible(chromedp.CSS(`table.plan-capacity`)),
	)
	if rows := get(t, ctx, "capacity rows", chromedp.Evaluate[int](`document.querySelectorAll("table.plan-capacity tbody tr").length`)); rows < 5 {
		t.Fatalf("the capacity table has %d rows, want one per demo member", rows)
	}
	if n := get(t, ctx, "deliverables", chromedp.Evaluate[int](`document.querySelectorAll("#deliverables ~ table tbody tr").length`)); n == 0 {
		t.Fatal("the plan has no Deliverables")
	}
	if state := get(t, ctx, "deadline", chromedp.Text(chromedp.CSS(`#plan-state`))); !strings.Contains(state, "Finalise by") {
		t.Fatalf("the plan's state says %q, want its deadline", state)
	}
	screenshot(t, ctx, "planning")

	do(t, ctx, "open the status updates",
		chromedp.Navigate(srv.URL+"/groups/code-creation/-/status"),
		chromedp.WaitVisible(chromedp.CSS(`#owed`)),
	)
	if h := get(t, ctx, "status heading", chromedp.Text(chromedp.CSS(`h1`))); !strings.HasPrefix(h, "Status updates") {
		t.Fatalf("the status page's heading is %q", h)
	}
	// An update owed links to the form; one posted (through the
	// API: TestJourney posts with the issue page's form) shows on the page.
	owed := get(t, ctx, "first update owed", chromedp.Evaluate[string](`document.querySelector("#owed ~ ul a").getAttribute("href")`))
	m := regexp.MustCompile(`^/(.+)/-/issues/(\d+)#status-update$`).FindStringSubmatch(owed)
	if m == nil {
		t.Fatalf("an update owed links to %q, not an issue's status update form", owed)
	}
	postStatusUpdate(t, srv, m[1], m[2])
	do(t, ctx, "see the update",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`.status-update`)),
	)
	if text := get(t, ctx, "update text", chromedp.Text(chromedp.CSS(`.status-update`))); !strings.Contains(text, "Parser wired up") {
		t.Fatalf("the update reads %q", text)
	}
	screenshot(t, ctx, "status")

	// Back to the plan: finalising asks first.
	finalizePlan(t, ctx, srv.URL, "code-creation")
}

// postStatusUpdate posts a status update on an issue through the API as the
// demo manager.
func postStatusUpdate(t *testing.T, srv *server, project, iid string) {
	t.Helper()
	form := url.Values{"progress": {"Parser wired up; the **tests** pass."}, "next_steps": {"Review on Friday."},
		"blockers": {"None."}, "confidence": {"slightly"}}
	var out map[string]any
	apiCall(t, srv, http.MethodPost, "/api/v4/projects/"+url.PathEscape(project)+"/issues/"+iid+"/status_updates", form, &out)
}

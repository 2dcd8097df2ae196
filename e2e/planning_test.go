package e2e

import (
	"io"
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
	// API, as the issue page's form is another test's) shows on the page.
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
	do(t, ctx, "back to planning",
		chromedp.Navigate(srv.URL+"/groups/code-creation/-/planning"),
		chromedp.WaitVisible(chromedp.CSS(`#finalize`)),
	)
	acceptConfirm(t, ctx)
	do(t, ctx, "finalise the plan",
		chromedp.Click(chromedp.CSS(`#finalize`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-plan-final]`)),
	)
	if msg := get(t, ctx, "finalised message", chromedp.Text(chromedp.CSS(`.flash`))); !strings.Contains(msg, "is final") {
		t.Fatalf("after finalising the page says %q", msg)
	}
	if n := get(t, ctx, "finalise button", chromedp.Evaluate[int](`document.querySelectorAll("#finalize").length`)); n != 0 {
		t.Fatal("a final plan still has the Finalise button")
	}
}

// postStatusUpdate posts a status update on an issue through the API as the
// demo manager.
func postStatusUpdate(t *testing.T, srv *server, project, iid string) {
	t.Helper()
	form := url.Values{"progress": {"Parser wired up; the **tests** pass."}, "next_steps": {"Review on Friday."},
		"blockers": {"None."}, "confidence": {"slightly"}}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/projects/"+url.PathEscape(project)+"/issues/"+iid+"/status_updates",
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("PRIVATE-TOKEN", srv.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("post a status update: %d %s", res.StatusCode, body)
	}
}

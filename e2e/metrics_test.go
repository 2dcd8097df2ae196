package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestMetricsAndTeam signs in as the demo engineering manager, opens the
// metrics page and checks that the burndown and the velocity chart drew
// their data (lines and points, one bar per milestone of the table), then
// adds time off for herself on the team page and finds it in the list and
// the calendar.
func TestMetricsAndTeam(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "emma")

	// The demo's current milestone's plan is final, so its burndown draws
	// the committed, ideal and scope lines.
	checkCharts(t, ctx, srv.URL, "code-creation")
	screenshot(t, ctx, "metrics")

	// Time off next week, for emma (the form's default member).
	start := time.Now().AddDate(0, 0, 7)
	end := start.AddDate(0, 0, 2)
	do(t, ctx, "open the team page",
		chromedp.Navigate(srv.URL+"/groups/code-creation/-/team"),
		chromedp.WaitVisible(chromedp.CSS(`form.timeoff-form`)),
	)
	if sel := get(t, ctx, "time off member", chromedp.Evaluate[string](`document.querySelector('form.timeoff-form select[name=user_id]').selectedOptions[0].textContent`)); !strings.Contains(sel, "@emma") {
		t.Fatalf("the time off form is for %q, not emma", sel)
	}
	do(t, ctx, "add time off",
		chromedp.SetValue(chromedp.CSS(`form.timeoff-form input[name=start_date]`), start.Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS(`form.timeoff-form input[name=end_date]`), end.Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS(`form.timeoff-form input[name=note]`), "Conference talk"),
	)
	// The form posts and the server answers with a redirect back to the
	// page: wait for that load before reading it.
	loads(t, ctx, "submit time off", chromedp.Click(chromedp.CSS(`form.timeoff-form button[type=submit]`)))
	do(t, ctx, "see the time off",
		chromedp.Poll[chromedp.Void](`(() => { const t = document.querySelector('table.timeoff-list'); return t && t.textContent.includes('Conference talk'); })()`),
	)
	row := get(t, ctx, "time off row", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('table.timeoff-list tbody tr')).map(r => r.textContent).find(t => t.includes('Conference talk')) || ''`))
	for _, want := range []string{"@emma", start.Format("2006-01-02"), end.Format("2006-01-02")} {
		if !strings.Contains(row, want) {
			t.Fatalf("time off row %q lacks %q", row, want)
		}
	}
	off := get(t, ctx, "calendar", chromedp.Evaluate[int](`(() => { const r = Array.from(document.querySelectorAll('table.calendar tbody tr')).find(r => r.querySelector('th').textContent.trim() === 'emma'); return r ? r.querySelectorAll('td.off').length : -1; })()`))
	if off < 1 {
		t.Fatalf("emma's calendar row shows %d days off", off)
	}
	screenshot(t, ctx, "team")
}

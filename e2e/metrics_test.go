package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestMetricsAndTeam signs in as the demo engineering manager, opens the
// metrics page and checks that the burndown and the velocity chart drew
// their data (lines and points, one bar per milestone of the table), then
// adds time off for herself on the team page and finds it in the list and
// the calendar.
func TestMetricsAndTeam(t *testing.T) {
	srv := startServer(t)
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "emma")

	do(t, ctx, "open the metrics page",
		chromedp.Navigate(srv.URL+"/groups/code-creation/-/metrics"),
		chromedp.WaitVisible(chromedp.CSS(`#burndown svg.chart`)),
		chromedp.WaitVisible(chromedp.CSS(`#velocity svg.chart`)),
	)
	if h := get(t, ctx, "heading", chromedp.Text(chromedp.CSS(`h1`))); h != "Metrics" {
		t.Fatalf("the metrics page is headed %q", h)
	}
	// The demo's current milestone has no commitments (the demo archive
	// holds no finalised plans), so its burndown draws the scope line:
	// one path with a point per day of the table.
	lines := get(t, ctx, "count burndown lines", chromedp.Evaluate[int](`document.querySelectorAll('#burndown svg path.line').length`))
	dots := get(t, ctx, "count burndown points", chromedp.Evaluate[int](`document.querySelectorAll('#burndown svg circle.dot').length`))
	days := get(t, ctx, "count burndown days", chromedp.Evaluate[int](`document.querySelectorAll('#burndown table tbody tr').length`))
	if lines < 1 || days < 1 || dots != lines*days {
		t.Fatalf("burndown: %d lines, %d points, %d days in the table", lines, dots, days)
	}
	d := get(t, ctx, "burndown path", chromedp.AttributeValue(chromedp.CSS(`#burndown svg path.line`), "d"))
	if strings.Count(d.Value, "L") != days-1 {
		t.Fatalf("burndown path %q has not one segment per day (%d days)", d.Value, days)
	}
	bars := get(t, ctx, "count velocity bars", chromedp.Evaluate[int](`document.querySelectorAll('#velocity svg rect.bar').length`))
	milestones := get(t, ctx, "count velocity rows", chromedp.Evaluate[int](`document.querySelectorAll('#velocity table tbody tr').length`))
	if milestones < 1 || bars != milestones {
		t.Fatalf("velocity: %d bars for %d milestones", bars, milestones)
	}
	heights := get(t, ctx, "bar heights", chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll('#velocity svg rect.bar')).map(r => r.getBBox().height)`))
	for i, h := range heights {
		if h <= 0 {
			t.Errorf("velocity bar %d has height %v", i, h)
		}
	}
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
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(`form.timeoff-form button[type=submit]`)))); err != nil {
		t.Fatalf("submit time off: %v", err)
	}
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

package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourney is issue 6's end-to-end journey in one browser session, as
// the demo engineering manager and with the same issue throughout: she
// signs in; creates an issue from the issue template in a project; refines
// it (the ready gate refuses, then accepts once it has a weight, the
// current milestone and its sections written); drags its card on the
// default workflow board (the current milestone) from "ready for
// development" to "in dev"; posts its weekly status update with the issue
// page's form and sees it and the health it sets; finalises the plan of
// the milestone being planned; and finds the metrics page's charts drawn
// with data. The other tests look at each page more closely.
func TestJourney(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "emma")
	const group = "code-creation"
	board := srv.URL + "/groups/" + group + "/-/boards"

	// The board's milestone filter names the current milestone, which the
	// board shows by default.
	do(t, ctx, "open the board",
		chromedp.Navigate(board),
		chromedp.WaitVisible(chromedp.CSS(`.board[data-board="workflow"]`)),
	)
	filter := get(t, ctx, "read the current milestone", chromedp.Evaluate[string](
		`document.querySelector('.board-filters select[name=milestone] option[value=""]').textContent`))
	current, ok := strings.CutPrefix(strings.TrimSpace(filter), "Current (")
	current, ok2 := strings.CutSuffix(current, ")")
	if !ok || !ok2 || current == "none" {
		t.Fatalf("the board's current milestone option says %q", filter)
	}

	const title = "Keep the chat input when the IDE panel reloads"
	issueURL := createIssueFromTemplate(t, ctx, srv.URL, group+"/code-suggestions", title)
	refineIssue(t, ctx, "3", current)
	if facts := get(t, ctx, "issue facts", chromedp.Text(chromedp.CSS(`dl.facts`))); !strings.Contains(facts, current) {
		t.Fatalf("the issue is not in the current milestone %q: %q", current, facts)
	}

	// The board: the refined issue waits in the ready list; drag it on.
	do(t, ctx, "open the board again",
		chromedp.Navigate(board),
		chromedp.WaitVisible(chromedp.CSS(listSel(readyList)+` > li.board-card`)),
	)
	card := get(t, ctx, "find the issue's card", chromedp.Evaluate[string](`(() => {
		const c = [...document.querySelectorAll('`+listSel(readyList)+` > li.board-card')].find(li => li.querySelector('a.card-title').href === `+jsString(issueURL)+`);
		return c ? c.dataset.issue : "";
	})()`))
	if card == "" {
		t.Fatalf("the issue %s is not in the ready list of the board", issueURL)
	}
	dragCard(t, ctx, card, readyList, inDevList)
	if got := apiIssue(t, srv, card); !slices.Contains(got.Labels, inDevList) || slices.Contains(got.Labels, readyList) {
		t.Fatalf("after the drag the issue's labels are %v", got.Labels)
	}
	do(t, ctx, "reload the board",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(listSel(inDevList)+` > `+cardSel(card))),
	)

	// The weekly status update, with the form on the issue page (the link
	// the status pages give opens it).
	const progress = "Input state survives a panel reload in the prototype."
	do(t, ctx, "open the status update form",
		chromedp.Navigate(issueURL+"#status-update"),
		chromedp.WaitVisible(chromedp.CSS(`#status-update textarea[name=progress]`)),
		chromedp.SendKeys(chromedp.CSS(`#status-update textarea[name=progress]`), progress),
		chromedp.SendKeys(chromedp.CSS(`#status-update textarea[name=next_steps]`), "Ship it behind the feature flag."),
		chromedp.SendKeys(chromedp.CSS(`#status-update textarea[name=blockers]`), "None."),
		chromedp.Click(chromedp.CSS(`#status-update input[name=confidence][value=slightly]`)),
	)
	loads(t, ctx, "post the status update", chromedp.Click(chromedp.CSS(`#status-update button[type=submit]`)))
	if text := get(t, ctx, "the update", chromedp.Text(chromedp.CSS(`ol.status-list > li.status-card`))); !strings.Contains(text, progress) ||
		!strings.Contains(text, "Slightly confident") {
		t.Fatalf("the issue's status update reads %q", text)
	}
	if health := get(t, ctx, "health", chromedp.Text(chromedp.CSS(`dl.facts .health`))); health != "Needs attention" {
		t.Fatalf("after a slightly confident update the issue's health is %q", health)
	}

	finalizePlan(t, ctx, srv.URL, group)
	checkCharts(t, ctx, srv.URL, group)
}

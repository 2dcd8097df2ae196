package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBoards signs in as the engineering manager, opens the workflow board,
// drags a ready card (weighted, its sections written) to the next list with
// the mouse and checks through the API that its workflow label changed;
// then moves it on with the keyboard, and sees the ready gate's refusal on
// an unrefined card that is moved to the ready list.
func TestBoards(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "emma")
	board := srv.URL + "/groups/code-creation/-/boards"
	do(t, ctx, "open the workflow board",
		chromedp.Navigate(board),
		chromedp.WaitVisible(chromedp.CSS(`.board[data-board="workflow"]`)),
		chromedp.WaitVisible(chromedp.CSS(listSel(readyList)+` > li.board-card`)),
	)

	// A ready card: the first of the ready list with a weight (the ready
	// gate let it in, so its sections are written too).
	card := get(t, ctx, "find a ready card", chromedp.Evaluate[string](`(() => {
		const c = [...document.querySelectorAll('`+listSel(readyList)+` > li.board-card')].find(li => li.querySelector('.weight'));
		return c ? c.dataset.issue : "";
	})()`))
	if card == "" {
		t.Fatal("no weighted card in the ready list of the demo board")
	}
	issue := apiIssue(t, srv, card)
	if !slices.Contains(issue.Labels, readyList) || issue.Weight == nil {
		t.Fatalf("card %s is not ready: labels %v, weight %v", card, issue.Labels, issue.Weight)
	}
	sel := cardSel(card)
	dragCard(t, ctx, card, readyList, inDevList)
	if got := apiIssue(t, srv, card); !slices.Contains(got.Labels, inDevList) || slices.Contains(got.Labels, readyList) {
		t.Fatalf("after the drag the issue's labels are %v", got.Labels)
	}
	do(t, ctx, "reload the board",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(listSel(inDevList)+` > `+sel)),
	)
	// The board of every milestone shows the backlog too (the screenshot).
	do(t, ctx, "open the board of any milestone",
		chromedp.Navigate(board+"?milestone=any"),
		chromedp.WaitVisible(chromedp.CSS(listSel(inDevList)+` > `+sel)),
	)
	screenshot(t, ctx, "board")

	// The keyboard: Alt+→ moves the focused card to the next list.
	do(t, ctx, "move the card on with Alt+→",
		chromedp.Focus(chromedp.CSS(listSel(inDevList)+` > `+sel)),
		chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt)),
	)
	waitLanded(t, ctx, "workflow::in review", sel)
	if got := apiIssue(t, srv, card); !slices.Contains(got.Labels, "workflow::in review") {
		t.Fatalf("after Alt+→ the issue's labels are %v", got.Labels)
	}

	// The ready gate: an unrefined issue (no weight, no sections) moved to
	// the ready list is refused on the card and stays in refinement.
	fresh := apiCreateIssue(t, srv, "Unrefined issue for the board test")
	freshSel := cardSel(fresh)
	do(t, ctx, "open the board of issues without a milestone",
		chromedp.Navigate(board+"?milestone=none"),
		chromedp.WaitVisible(chromedp.CSS(listSel(refineList)+` > `+freshSel)),
		chromedp.Focus(chromedp.CSS(freshSel)),
		chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt)),
		chromedp.WaitVisible(chromedp.CSS(listSel(refineList)+` > `+freshSel+` .refusal`)),
	)
	msg := get(t, ctx, "read the refusal", chromedp.Text(chromedp.CSS(freshSel+` .refusal`)))
	if !strings.Contains(msg, "Cannot move to workflow::ready for development: missing weight") {
		t.Fatalf("refusal on the card: %q", msg)
	}
	if got := apiIssue(t, srv, fresh); !slices.Contains(got.Labels, refineList) {
		t.Fatalf("after the refusal the issue's labels are %v", got.Labels)
	}
}

// apiCreateIssue opens an issue without a milestone in code-suggestions
// through the API and returns its card reference.
func apiCreateIssue(t *testing.T, srv *server, title string) string {
	t.Helper()
	var out apiIssueJSON
	apiCall(t, srv, http.MethodPost, "/api/v4/projects/"+url.PathEscape("code-creation/code-suggestions")+"/issues",
		url.Values{"title": {title}}, &out)
	return fmt.Sprintf("%d:%d", out.ProjectID, out.IID)
}

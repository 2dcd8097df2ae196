package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const (
	readyList  = "workflow::ready for development"
	inDevList  = "workflow::in dev"
	refineList = "workflow::refinement"
)

// listSel selects the cards list of a board list by its value.
func listSel(value string) string { return `ul[data-board-list="` + value + `"]` }

// TestBoards signs in as the engineering manager, opens the workflow board,
// drags a ready card (weighted, its sections written) to the next list with
// the mouse and checks through the API that its workflow label changed;
// then moves it on with the keyboard, and sees the ready gate's refusal on
// an unrefined card that is moved to the ready list.
func TestBoards(t *testing.T) {
	srv := startServer(t)
	ctx := browser(t)
	if srv.Token == "" {
		t.Fatal("cairn serve --demo printed no API token")
	}
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
	cardSel := `li.board-card[data-issue="` + card + `"]`

	do(t, ctx, "drag the card to the in dev list",
		chromedp.DragAndDrop(chromedp.CSS(listSel(readyList)+` > `+cardSel), chromedp.CSS(listSel(inDevList))),
	)
	waitLanded(t, ctx, inDevList, cardSel)
	if got := apiIssue(t, srv, card); !slices.Contains(got.Labels, inDevList) || slices.Contains(got.Labels, readyList) {
		t.Fatalf("after the drag the issue's labels are %v", got.Labels)
	}
	do(t, ctx, "reload the board",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(listSel(inDevList)+` > `+cardSel)),
	)
	// The board of every milestone shows the backlog too (the screenshot).
	do(t, ctx, "open the board of any milestone",
		chromedp.Navigate(board+"?milestone=any"),
		chromedp.WaitVisible(chromedp.CSS(listSel(inDevList)+` > `+cardSel)),
	)
	screenshot(t, ctx, "board")

	// The keyboard: Alt+→ moves the focused card to the next list.
	do(t, ctx, "move the card on with Alt+→",
		chromedp.Focus(chromedp.CSS(listSel(inDevList)+` > `+cardSel)),
		chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierAlt)),
	)
	waitLanded(t, ctx, "workflow::in review", cardSel)
	if got := apiIssue(t, srv, card); !slices.Contains(got.Labels, "workflow::in review") {
		t.Fatalf("after Alt+→ the issue's labels are %v", got.Labels)
	}

	// The ready gate: an unrefined issue (no weight, no sections) moved to
	// the ready list is refused on the card and stays in refinement.
	fresh := apiCreateIssue(t, srv, "Unrefined issue for the board test")
	freshSel := `li.board-card[data-issue="` + fresh + `"]`
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

// waitLanded waits until the card is in the list and its move is done.
func waitLanded(t *testing.T, ctx context.Context, list, cardSel string) {
	t.Helper()
	sel := listSel(list) + ` > ` + cardSel + `:not([aria-busy])`
	get(t, ctx, "wait for the card in "+list, chromedp.Poll[bool](`document.querySelector('`+sel+`') !== null`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if refusal := get(t, ctx, "look for a refusal", chromedp.Evaluate[string](
		`(document.querySelector('`+sel+` .refusal') || {}).textContent || ""`)); refusal != "" {
		t.Fatalf("the move was refused: %s", refusal)
	}
}

// apiIssueJSON is the part of the API's issue that the test reads.
type apiIssueJSON struct {
	ID        int64    `json:"id"`
	IID       int64    `json:"iid"`
	ProjectID int64    `json:"project_id"`
	Labels    []string `json:"labels"`
	Weight    *int     `json:"weight"`
	State     string   `json:"state"`
}

// apiIssue reads an issue, by its card's "<project id>:<iid>", through
// the API with the demo token.
func apiIssue(t *testing.T, srv *server, card string) apiIssueJSON {
	t.Helper()
	pid, iid, _ := strings.Cut(card, ":")
	var out apiIssueJSON
	apiCall(t, srv, http.MethodGet, "/api/v4/projects/"+pid+"/issues/"+iid, nil, &out)
	return out
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

func apiCall(t *testing.T, srv *server, method, path string, form url.Values, out any) {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", srv.Token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: decode: %v", method, path, err)
	}
}

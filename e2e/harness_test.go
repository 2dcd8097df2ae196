// Package e2e drives Cairn's web pages in a real headless Chromium against
// a real `cairn serve --demo` process: the binary is built from this tree,
// started on a free port with a fresh SQLite database, and signed into as
// the demo users. Chromium is found on PATH (Debian's `chromium`) or in
// CAIRN_CHROMIUM; without it the tests skip and say how to install it
// (CAIRN_E2E=required, as .ci/run sets, makes them fail instead).
// Screenshots of the main pages go to CAIRN_SCREENSHOTS when that is set
// (the README's images come from `CAIRN_SCREENSHOTS=docs/screenshots`).
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/cairnhq/cairn/internal/cairntest"
)

// demoPassword is every demo user's password (cmd/cairn DemoPassword).
const demoPassword = "cairn-demo"

// browserPath returns the Chromium to drive, or "" for none.
func browserPath() string {
	if p := os.Getenv("CAIRN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// server is a running `cairn serve --demo` (internal/cairntest builds the
// binary once for all the tests of a run and stops each server when its
// test ends). The tests run in parallel (as many at once as -parallel
// allows, GOMAXPROCS by default), each with its own server and database.
type server struct {
	URL string
	// Token is the demo manager's API token that --demo prints.
	Token string
}

func TestMain(m *testing.M) {
	code := m.Run()
	chromeStop()
	cairntest.Cleanup()
	os.Exit(code)
}

// startServer starts cairn with the demo team on a fresh database; it
// stops when the test ends.
func startServer(t *testing.T) *server {
	t.Helper()
	p := cairntest.Start(t, cairntest.Options{
		DB:   filepath.Join(t.TempDir(), "cairn.db"),
		Demo: true,
		Args: []string{"--log-level", "warn"},
	})
	return &server{URL: p.URL, Token: p.Token}
}

// One headless Chromium serves all the tests of a run (TestMain stops
// it): starting one is the slowest step of a test. Each test gets a tab in
// a browser context of its own, so cookies and storage do not leak
// between tests.
var (
	chromeOnce sync.Once
	chromeCtx  context.Context
	chromeStop = func() {}
	chromeErr  error
)

// sharedChromium starts the Chromium at path the first time it is called.
func sharedChromium(path string) (context.Context, error) {
	chromeOnce.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.WindowSize(1280, 900),
			chromedp.NoSandbox, // CI runs as root in a container
			chromedp.Flag("disable-dev-shm-usage", true),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		chromeCtx, chromeStop = ctx, func() { cancel(); cancelAlloc() }
		chromeErr = chromedp.Do(ctx)
	})
	return chromeCtx, chromeErr
}

// browser returns a chromedp context on a fresh tab, in a browser context
// of its own, of the shared headless Chromium, with a 1280×900 viewport;
// it closes when the test ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := browserPath()
	if path == "" {
		msg := "no Chromium found: install Debian's chromium package (apt-get install chromium) or set CAIRN_CHROMIUM; .ci/run installs it"
		if os.Getenv("CAIRN_E2E") == "required" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bctx, err := sharedChromium(path)
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// Any JavaScript dialog fails the test — an XSS payload that ran would
	// open one — except a confirm() the test announced with acceptConfirm
	// (a data-confirm form), which is accepted.
	expected := &expectedDialogs{}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			accept := ev.Type == page.DialogTypeConfirm && expected.take()
			if !accept {
				t.Errorf("a JavaScript dialog opened: %q", ev.Message)
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
		}
	}()
	return context.WithValue(ctx, expectedDialogsKey{}, expected)
}

// expectedDialogs counts the confirm dialogs a test announced.
type expectedDialogs struct {
	mu       sync.Mutex
	confirms int
}

type expectedDialogsKey struct{}

// take uses up one announced confirm; false when none is left.
func (d *expectedDialogs) take() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.confirms == 0 {
		return false
	}
	d.confirms--
	return true
}

// acceptConfirm announces that the next step opens a confirm() dialog (a
// form with data-confirm): it is accepted instead of failing the test. The
// test fails if it never opens.
func acceptConfirm(t *testing.T, ctx context.Context) {
	t.Helper()
	d, _ := ctx.Value(expectedDialogsKey{}).(*expectedDialogs)
	if d == nil {
		t.Fatal("acceptConfirm needs the context browser returned")
	}
	d.mu.Lock()
	d.confirms++
	d.mu.Unlock()
	t.Cleanup(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.confirms > 0 {
			t.Errorf("an announced confirm dialog did not open")
		}
	})
}

// do runs browser steps with a timeout, failing the test with the step's
// name.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// get runs one browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// signIn signs in as user with the demo password.
func signIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	do(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/users/sign_in"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demoPassword),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.global`)),
	)
}

// screenshot saves the page as name.jpg in CAIRN_SCREENSHOTS, when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CAIRN_SCREENSHOTS")
	if dir == "" {
		return
	}
	// The visible window (1280×900) as JPEG at quality 75 keeps the
	// committed images small; CAIRN_SCREENSHOT_PNG=1 takes the whole page
	// as a lossless PNG instead, for looking at a page closely.
	var buf []byte
	ext := ".jpg"
	if os.Getenv("CAIRN_SCREENSHOT_PNG") != "" {
		ext = ".png"
		buf = get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	} else {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		q := int64(75)
		r, err := chromedp.Call(sctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatJpeg, Quality: &q})
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		buf = r.Data
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+ext), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ---- Shared steps: the pieces of a user's journey that more than one
// test walks (the issue form and the ready gate, the board, the plan, the
// charts), so that each test says what it checks on top of them.

// loads runs a step that loads a new page (a form posted, a link
// followed) and waits for that page's load event: a wait for an element
// could be answered by the page the step leaves.
func loads(t *testing.T, ctx context.Context, step string, trigger chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, trigger)); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// filledSections is a description whose Context, Proposal and Acceptance
// Criteria sections the ready gate accepts.
const filledSections = `## Context

Chat loses the scroll position when an answer streams in, so long answers jump.

## Proposal

Keep the viewport anchored to the last line the user read.

## Definition of Done / Acceptance Criteria

- [ ] Streaming an answer does not move the viewport
`

// createIssueFromTemplate opens the new issue form of project (a full
// path), picks the issue template (htmx fills the description with its
// empty sections), creates the issue titled title and returns the URL of
// its page, where the browser is then.
func createIssueFromTemplate(t *testing.T, ctx context.Context, base, project, title string) string {
	t.Helper()
	do(t, ctx, "open the new issue form",
		chromedp.Navigate(base+"/"+project+"/-/issues/new"),
		chromedp.WaitVisible(chromedp.CSS(`select#template`)),
	)
	// Picking a template asks the server for the filled description.
	_ = get(t, ctx, "pick the issue template", chromedp.Evaluate[bool](
		`(() => { const s = document.querySelector("select#template"); s.value = "issue"; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`))
	desc := get(t, ctx, "template fills the description", chromedp.Poll[string](
		`(() => { const v = document.querySelector("#description").value; return v.includes("## Context") ? v : false })()`))
	if !strings.Contains(desc, "## Proposal") || !strings.Contains(desc, "Acceptance Criteria") {
		t.Fatalf("the template gave %q", desc)
	}
	do(t, ctx, "type the title", chromedp.SendKeys(chromedp.CSS(`input[name=title]`), title))
	loads(t, ctx, "create the issue", chromedp.Click(chromedp.CSS(`.form-actions button.primary`)))
	if h := get(t, ctx, "issue title", chromedp.Text(chromedp.CSS(`#issue-title`))); h != title {
		t.Fatalf("the new issue's page says %q", h)
	}
	return get(t, ctx, "issue URL", chromedp.Location())
}

// readyComment asks for the ready label with a quick action.
const readyComment = "Refined.\n/label ~\"workflow::ready for development\""

// askReady posts readyComment on the issue page and returns the page's
// flash message: the ready gate's refusal (refused) or what the quick
// action did.
func askReady(t *testing.T, ctx context.Context) (msg string, refused bool) {
	t.Helper()
	do(t, ctx, "write the ready comment", chromedp.SetValue(chromedp.CSS(`#comment-body`), readyComment))
	loads(t, ctx, "post the ready comment", chromedp.Click(chromedp.CSS(`#comment button[type=submit]`)))
	flash := get(t, ctx, "read the flash", chromedp.Evaluate[[]string](
		`(() => { const f = document.querySelector("main .flash"); return f ? [f.textContent, f.className] : ["", ""] })()`))
	return flash[0], strings.Contains(flash[1], "error")
}

// setPlanning sets the issue's weight, and its milestone (by title) unless
// milestone is "", with the sidebar's planning form.
func setPlanning(t *testing.T, ctx context.Context, weight, milestone string) {
	t.Helper()
	do(t, ctx, "open the planning form",
		chromedp.Click(chromedp.CSS(`details.side-edit.planning-edit > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`.planning-edit select[name=weight]`)),
		chromedp.SetValue(chromedp.CSS(`.planning-edit select[name=weight]`), weight),
	)
	if milestone != "" {
		picked := get(t, ctx, "pick the milestone", chromedp.Evaluate[bool](`(() => {
			const s = document.querySelector(".planning-edit select[name=milestone_id]");
			const o = [...s.options].find(o => o.textContent.trim() === `+jsString(milestone)+`);
			if (o) s.value = o.value;
			return !!o;
		})()`))
		if !picked {
			t.Fatalf("the milestone %q is not in the issue's milestone list", milestone)
		}
	}
	loads(t, ctx, "save weight and milestone", chromedp.Click(chromedp.CSS(`.planning-edit button[type=submit]`)))
	if wt := get(t, ctx, "weight shown", chromedp.Text(chromedp.CSS(`dl.facts .weight`))); wt != weight {
		t.Fatalf("the issue shows the weight %q, want %q", wt, weight)
	}
}

// writeDescription replaces the issue's description with the edit form.
func writeDescription(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	do(t, ctx, "open the description form",
		chromedp.Click(chromedp.CSS(`details.desc-edit > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`.desc-edit textarea[name=description]`)),
		chromedp.SetValue(chromedp.CSS(`.desc-edit textarea[name=description]`), text),
	)
	loads(t, ctx, "save the description", chromedp.Click(chromedp.CSS(`.desc-edit button[type=submit]`)))
}

// refineIssue walks the ready gate on the issue page the browser shows (an
// issue created from the template, so without weight and with empty
// sections): asking for the ready label is refused and says what is
// missing, the comment kept; with the weight (and milestone, unless "")
// set and the sections written, it is accepted.
func refineIssue(t *testing.T, ctx context.Context, weight, milestone string) {
	t.Helper()
	msg, refused := askReady(t, ctx)
	if !refused || !strings.Contains(msg, "Cannot move to workflow::ready for development: missing weight from the scale") ||
		!strings.Contains(msg, "Context, Proposal, Acceptance Criteria") {
		t.Fatalf("asking for the ready label on an unrefined issue: %q (refused: %v)", msg, refused)
	}
	if kept := get(t, ctx, "comment kept", chromedp.Value(chromedp.CSS(`#comment-body`))); !strings.Contains(kept, "Refined.") {
		t.Fatalf("the refused comment was not kept: %q", kept)
	}
	setPlanning(t, ctx, weight, milestone)
	writeDescription(t, ctx, filledSections)
	if msg, refused := askReady(t, ctx); refused || !strings.Contains(msg, `Added ~"workflow::ready for development" label.`) {
		t.Fatalf("asking for the ready label on a refined issue: %q (refused: %v)", msg, refused)
	}
	labels := get(t, ctx, "labels", chromedp.Text(chromedp.CSS(`.issue-side .label-chips`)))
	if !strings.Contains(labels, readyList) || strings.Contains(labels, refineList) {
		t.Fatalf("labels after the gate: %q", labels)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The workflow board's lists the tests move cards between.
const (
	readyList  = "workflow::ready for development"
	inDevList  = "workflow::in dev"
	refineList = "workflow::refinement"
)

// listSel selects the cards list of a board list by its value.
func listSel(value string) string { return `ul[data-board-list="` + value + `"]` }

// cardSel selects the board card of an issue by its "<project id>:<iid>".
func cardSel(card string) string { return `li.board-card[data-issue="` + card + `"]` }

// dragCard drags a card with the mouse from one list of the board the
// browser shows to another and waits until the move is done (not refused).
func dragCard(t *testing.T, ctx context.Context, card, from, to string) {
	t.Helper()
	do(t, ctx, "drag the card to "+to,
		chromedp.DragAndDrop(chromedp.CSS(listSel(from)+` > `+cardSel(card)), chromedp.CSS(listSel(to))),
	)
	waitLanded(t, ctx, to, cardSel(card))
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

// finalizePlan opens the planning page of the group's milestone being
// planned, finalises its plan through the confirmation dialog and checks
// that the page says it is final, without the button.
func finalizePlan(t *testing.T, ctx context.Context, base, group string) {
	t.Helper()
	do(t, ctx, "open the planning page",
		chromedp.Navigate(base+"/groups/"+group+"/-/planning"),
		chromedp.WaitVisible(chromedp.CSS(`#finalize`)),
	)
	acceptConfirm(t, ctx)
	loads(t, ctx, "finalise the plan", chromedp.Click(chromedp.CSS(`#finalize`)))
	do(t, ctx, "see the plan final", chromedp.WaitVisible(chromedp.CSS(`[data-plan-final]`)))
	if msg := get(t, ctx, "finalised message", chromedp.Text(chromedp.CSS(`main .flash`))); !strings.Contains(msg, "is final") {
		t.Fatalf("after finalising the page says %q", msg)
	}
	if n := get(t, ctx, "finalise button", chromedp.Evaluate[int](`document.querySelectorAll("#finalize").length`)); n != 0 {
		t.Fatal("a final plan still has the Finalise button")
	}
}

// checkCharts opens the group's metrics page and checks that the burndown
// and the velocity chart drew their data: lines with a point per day of
// the burndown's table, one bar of some height per milestone of the
// velocity table.
func checkCharts(t *testing.T, ctx context.Context, base, group string) {
	t.Helper()
	do(t, ctx, "open the metrics page",
		chromedp.Navigate(base+"/groups/"+group+"/-/metrics"),
		chromedp.WaitVisible(chromedp.CSS(`#burndown svg.chart`)),
		chromedp.WaitVisible(chromedp.CSS(`#velocity svg.chart`)),
	)
	if h := get(t, ctx, "heading", chromedp.Text(chromedp.CSS(`h1`))); h != "Metrics" {
		t.Fatalf("the metrics page is headed %q", h)
	}
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
}

// apiIssueJSON is the part of the API's issue that the tests read.
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

// apiCall calls the API as the demo manager (with a form body unless nil)
// and decodes its JSON answer into out; an answer of 300 and up fails.
func apiCall(t *testing.T, srv *server, method, path string, form url.Values, out any) {
	t.Helper()
	if srv.Token == "" {
		t.Fatal("cairn serve --demo printed no API token")
	}
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
		msg, _ := io.ReadAll(res.Body)
		t.Fatalf("%s %s: %s %s", method, path, res.Status, msg)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: decode: %v", method, path, err)
	}
}

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// filledSections is a description whose Context, Proposal and Acceptance
// Criteria sections the ready gate accepts.
const filledSections = `## Context

Chat loses the scroll position when an answer streams in, so long answers jump.

## Proposal

Keep the viewport anchored to the last line the user read.

## Definition of Done / Acceptance Criteria

- [ ] Streaming an answer does not move the viewport
`

// TestIssueRefinement signs in as an engineer, creates an issue from the
// issue template (picked in the form: htmx fills the description), opens
// it, asks for the ready label with a quick action and sees the ready gate
// refuse (no weight, empty sections), sets the weight in the sidebar and
// fills the sections, and asks again: accepted.
func TestIssueRefinement(t *testing.T) {
	srv := startServer(t)
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "tomas")

	do(t, ctx, "open the new issue form",
		chromedp.Navigate(srv.URL+"/code-creation/duo-chat/-/issues/new"),
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
	do(t, ctx, "create the issue",
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "Keep the scroll position while an answer streams"),
		chromedp.Click(chromedp.CSS(`.form-actions button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`#issue-title`)),
	)
	if h := get(t, ctx, "issue title", chromedp.Text(chromedp.CSS(`#issue-title`))); h != "Keep the scroll position while an answer streams" {
		t.Fatalf("the issue page says %q", h)
	}
	if gate := get(t, ctx, "gate hint", chromedp.Text(chromedp.CSS(`.callout.gate`))); !strings.Contains(gate, "weight from the scale") {
		t.Fatalf("the page does not say what the gate lacks: %q", gate)
	}

	readyComment := "Refined.\n/label ~\"workflow::ready for development\""
	do(t, ctx, "ask for the ready label",
		chromedp.SetValue(chromedp.CSS(`#comment-body`), readyComment),
		chromedp.Click(chromedp.CSS(`#comment button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.error`)),
	)
	refusal := get(t, ctx, "read the refusal", chromedp.Text(chromedp.CSS(`.flash.error`)))
	if !strings.Contains(refusal, "Cannot move to workflow::ready for development: missing weight from the scale") ||
		!strings.Contains(refusal, "Context, Proposal, Acceptance Criteria") {
		t.Fatalf("refusal = %q", refusal)
	}
	if kept := get(t, ctx, "comment kept", chromedp.Value(chromedp.CSS(`#comment-body`))); !strings.Contains(kept, "Refined.") {
		t.Fatalf("the refused comment was not kept: %q", kept)
	}

	do(t, ctx, "set the weight",
		chromedp.Click(chromedp.CSS(`details.side-edit.planning-edit > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`.planning-edit select[name=weight]`)),
		chromedp.SetValue(chromedp.CSS(`.planning-edit select[name=weight]`), "2"),
		chromedp.Click(chromedp.CSS(`.planning-edit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#issue-title`)),
	)
	if wt := get(t, ctx, "weight shown", chromedp.Text(chromedp.CSS(`dl.facts .weight`))); wt != "2" {
		t.Fatalf("weight shown %q", wt)
	}
	do(t, ctx, "fill the sections",
		chromedp.Click(chromedp.CSS(`details.desc-edit > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`.desc-edit textarea[name=description]`)),
		chromedp.SetValue(chromedp.CSS(`.desc-edit textarea[name=description]`), filledSections),
		chromedp.Click(chromedp.CSS(`.desc-edit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.description h2`)),
	)
	do(t, ctx, "ask for the ready label again",
		chromedp.SetValue(chromedp.CSS(`#comment-body`), readyComment),
		chromedp.Click(chromedp.CSS(`#comment button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if msg := get(t, ctx, "read the summary", chromedp.Text(chromedp.CSS(`main .flash`))); !strings.Contains(msg, `Added ~"workflow::ready for development" label.`) {
		t.Fatalf("after the accepted comment the page says %q", msg)
	}
	labels := get(t, ctx, "labels", chromedp.Text(chromedp.CSS(`.issue-side .label-chips`)))
	if !strings.Contains(labels, "workflow::ready for development") || strings.Contains(labels, "workflow::refinement") {
		t.Fatalf("labels after the gate: %q", labels)
	}
	if timeline := get(t, ctx, "timeline", chromedp.Text(chromedp.CSS(`ol.timeline`))); !strings.Contains(timeline, "Refined.") ||
		!strings.Contains(timeline, "set the weight to 2") {
		t.Fatalf("the timeline lacks the comment or the weight: %q", timeline)
	}
	screenshot(t, ctx, "issue")
}

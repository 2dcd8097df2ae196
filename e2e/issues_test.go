package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestIssueRefinement signs in as an engineer, creates an issue from the
// issue template (picked in the form: htmx fills the description), sees
// what the ready gate lacks, asks for the ready label with a quick action
// and sees the gate refuse (no weight, empty sections), sets the weight in
// the sidebar and fills the sections, and asks again: accepted, and the
// timeline tells it.
func TestIssueRefinement(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := browser(t)
	signIn(t, ctx, srv.URL, "tomas")

	createIssueFromTemplate(t, ctx, srv.URL, "code-creation/duo-chat", "Keep the scroll position while an answer streams")
	if gate := get(t, ctx, "gate hint", chromedp.Text(chromedp.CSS(`.callout.gate`))); !strings.Contains(gate, "weight from the scale") {
		t.Fatalf("the page does not say what the gate lacks: %q", gate)
	}
	refineIssue(t, ctx, "2", "")
	if timeline := get(t, ctx, "timeline", chromedp.Text(chromedp.CSS(`ol.timeline`))); !strings.Contains(timeline, "Refined.") ||
		!strings.Contains(timeline, "set the weight to 2") {
		t.Fatalf("the timeline lacks the comment or the weight: %q", timeline)
	}
	screenshot(t, ctx, "issue")
}

package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cairnhq/cairn/internal/markdown/markdowntest"
)

// xssLabel is a label name that would run script if a page put it into the
// document as markup.
const xssLabel = `<img src=x onerror="window.__xss=1">`

// domIsClean is the browser-side check: no payload ran (window.__xss is
// undefined), no <script> element other than Cairn's own static files,
// no element with an event handler attribute, and no link or frame with a
// javascript: URL — in the DOM as the browser built it, after htmx and
// app.js ran.
const domIsClean = `(() => {
	const bad = [];
	if (typeof window.__xss !== "undefined") bad.push("window.__xss was set");
	for (const s of document.querySelectorAll("script")) {
		const src = s.getAttribute("src") || "";
		if (!src.startsWith("/-/static/")) bad.push("script " + (src || s.textContent.slice(0, 80)));
	}
	for (const el of document.querySelectorAll("*")) {
		for (const a of el.attributes) {
			if (a.name.startsWith("on")) bad.push(el.tagName + " " + a.name);
			if (["href", "src", "action", "formaction", "xlink:href"].includes(a.name) && /^\s*(javascript|data|vbscript):/i.test(a.value))
				bad.push(el.tagName + " " + a.name + "=" + a.value);
		}
	}
	if (document.querySelector("iframe, object, embed, base")) bad.push("a frame, plugin or base element");
	return bad.join("; ");
})()`

// TestHostileContentStaysInert creates an issue through the API whose
// title, description, label and comment are hostile (script tags, event
// handlers, javascript: links, SVG), opens the issue page, the issue list
// and the board in Chromium, and checks that no dialog opened (the
// harness fails the test on any), that no payload ran and that the DOM
// holds none of the payloads' elements or handlers — while the title is
// still shown, as text.
func TestHostileContentStaysInert(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := browser(t)
	if srv.Token == "" {
		t.Fatal("cairn serve --demo printed no API token")
	}
	title := `<script>alert(1)</script><img src=x onerror="window.__xss=1"> "><svg onload=alert(1)>`
	description := strings.Join(markdowntest.Hostile, "\n\n")
	var is apiIssueJSON
	apiCall(t, srv, http.MethodPost, "/api/v4/projects/"+url.PathEscape("code-creation/code-suggestions")+"/issues",
		url.Values{"title": {title}, "description": {description}, "labels": {xssLabel + ",workflow::in dev"}}, &is)
	path := fmt.Sprintf("/api/v4/projects/%d/issues/%d/notes", is.ProjectID, is.IID)
	for _, body := range []string{`<img src=x onerror="window.__xss=1">`, `[click](javascript:window.__xss=1)`,
		`<svg><script>window.__xss=1</script></svg>`, `<details open ontoggle="window.__xss=1">x</details>`} {
		var note struct{ ID int64 }
		apiCall(t, srv, http.MethodPost, path, url.Values{"body": {body}}, &note)
	}

	signIn(t, ctx, srv.URL, "emma")
	issuePage := fmt.Sprintf("%s/code-creation/code-suggestions/-/issues/%d", srv.URL, is.IID)
	board := srv.URL + "/groups/code-creation/-/boards?milestone=none&label=" + url.QueryEscape(xssLabel)
	for _, p := range []struct{ name, url, ready, titleIn string }{
		{"issue page", issuePage, `#issue-title`, `#issue-title`},
		{"issue list", srv.URL + "/code-creation/code-suggestions/-/issues?search=" + url.QueryEscape("alert(1)"), `nav.global`, `main`},
		{"board", board, `.board`, `.board`},
	} {
		do(t, ctx, "open the "+p.name,
			chromedp.Navigate(p.url),
			chromedp.WaitVisible(chromedp.CSS(p.ready)),
		)
		// Let onerror and onload handlers of images that failed to load,
		// and htmx, run before looking.
		_ = get(t, ctx, "wait for the page to settle", chromedp.Poll[bool](`document.readyState === "complete"`))
		if bad := get(t, ctx, "inspect the DOM of the "+p.name, chromedp.Evaluate[string](domIsClean)); bad != "" {
			t.Errorf("the %s: %s", p.name, bad)
		}
		text := get(t, ctx, "read the "+p.name, chromedp.Text(chromedp.CSS(p.titleIn)))
		if !strings.Contains(text, `<script>alert(1)</script>`) {
			t.Errorf("the %s does not show the title as text: %.500q", p.name, text)
		}
		if p.name == "issue page" {
			screenshot(t, ctx, "xss-issue")
		}
	}
}

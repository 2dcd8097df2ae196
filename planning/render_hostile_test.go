package planning_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cairnhq/cairn/internal/markdown"
	"github.com/cairnhq/cairn/internal/markdown/markdowntest"
	"github.com/cairnhq/cairn/planning"
)

// The planning issue shows titles, names and reasons people typed inside
// markdown tables, bold text and list items; the issue page renders that
// markdown. Whatever a title holds, it must come out as exactly its own
// text in its own place: no live markup, no link, no extra table cell, no
// end of the generated section.
func TestTextKeepsHostileTitlesInTheirPlace(t *testing.T) {
	contexts := []struct {
		name string
		doc  func(s string) string
		in   string // the element whose text must be the title
	}{
		{"TableCell", func(s string) string {
			return "| Issue | Title | Weight |\n| --- | --- | ---: |\n| #1 | " + planning.Cell(s) + " | 3 |\n"
		}, "td"},
		{"Bold", func(s string) string { return "- #1 **" + planning.Text(s) + "**: reason\n" }, "strong"},
		{"ListItem", func(s string) string { return "- [ ] #1 " + planning.Text(s) + " (weight 3)\n" }, "li"},
		{"Paragraph", func(s string) string {
			return "<!-- cairn:parking-lot -->\nPlanning for **" + planning.Text(s) + "**.\n<!-- /cairn:parking-lot -->\n"
		}, "strong"},
	}
	for _, h := range markdowntest.Hostile {
		want := strings.Join(strings.Fields(h), " ")
		for _, c := range contexts {
			src := c.doc(h)
			got := string(markdown.Render(src))
			if bad := markdowntest.Unsafe(got); bad != "" {
				t.Errorf("%s of %q: %s survived in %s", c.name, h, bad, got)
				continue
			}
			texts := elementTexts(t, got, c.in)
			if !contains(texts, want) {
				t.Errorf("%s of %q: <%s> texts %q, want one to be %q (rendered %s)", c.name, h, c.in, texts, want, got)
			}
			if c.in == "td" && len(elementTexts(t, got, "td")) != 3 {
				t.Errorf("%s of %q broke the row's cells: %s", c.name, h, got)
			}
			if strings.Count(src, "<!-- /cairn:") > 1 {
				t.Errorf("%s of %q ends the generated section early: %s", c.name, h, src)
			}
		}
	}
}

// elementTexts returns the text of every element named tag in h, with
// runs of white space as one space.
func elementTexts(t *testing.T, h, tag string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(h))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var text func(n *html.Node, b *strings.Builder)
	text = func(n *html.Node, b *strings.Builder) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			text(c, b)
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			var b strings.Builder
			text(n, &b)
			out = append(out, strings.Join(strings.Fields(b.String()), " "))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if s == want || strings.Contains(s, want) {
			return true
		}
	}
	return false
}

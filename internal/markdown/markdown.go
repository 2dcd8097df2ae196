// Package markdown renders user-written markdown (issue descriptions,
// notes, status updates) to HTML that is safe to put in a page: GitHub
// flavoured markdown through goldmark, then every element and attribute
// outside an allow-list removed by bluemonday, so that no script, event
// handler, javascript: or data: link, style or frame survives — whatever
// the markdown or raw HTML in it says.
package markdown

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
)

// MaxSource is the longest source rendered; longer input is cut there
// (descriptions and notes are at most 1 MiB already).
const MaxSource = 1 << 20

var (
	md = goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// Raw HTML passes goldmark and is then cleaned by the policy, so
		// that harmless tags people paste (<details>, <br>) still work.
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	policy = newPolicy()
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RequireNoReferrerOnLinks(true)
	// Task list checkboxes, rendered disabled, and code block languages.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").OnElements("input")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[\w+-]+$`)).OnElements("code")
	p.AllowElements("details", "summary")
	return p
}

// Render returns src as sanitised HTML.
func Render(src string) template.HTML {
	if len(src) > MaxSource {
		src = src[:MaxSource]
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only on writer errors; show the text escaped.
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised above
}

// Sanitize cleans a fragment of HTML that did not come from Render.
func Sanitize(h string) template.HTML {
	return template.HTML(policy.Sanitize(h)) //nolint:gosec // sanitised
}

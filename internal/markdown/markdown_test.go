package markdown

import (
	"regexp"
	"strings"
	"testing"
)

func TestRenderKeepsMarkdown(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"# Title", "<h1 id=\"title\">Title</h1>"},
		{"**bold** and `code`", "<strong>bold</strong> and <code>code</code>"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<td>1</td>"},
		{"- [x] done\n- [ ] todo", `<input checked="" disabled="" type="checkbox"`},
		{"```go\nx := 1\n```", `<code class="language-go">`},
		{"[GitLab](https://gitlab.com)", `href="https://gitlab.com" rel="nofollow noreferrer noopener" target="_blank"`},
		{"<details><summary>More</summary>Hidden</details>", "<details><summary>More</summary>Hidden</details>"},
	} {
		if got := string(Render(tc.src)); !strings.Contains(got, tc.want) {
			t.Errorf("Render(%q) = %q, want it to contain %q", tc.src, got, tc.want)
		}
	}
}

// hostile is markdown and HTML that tries to run script or load something
// it should not; none of it may survive Render.
var hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`[x](javascript:alert(1))`,
	`[x](JaVaScRiPt:alert(1))`,
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`<svg onload=alert(1)><circle r=1 /></svg>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
	`<form action="https://evil.example"><button>go</button></form>`,
	`<object data="x.swf"></object><embed src="x.swf">`,
	`<<script>script>alert(1)<</script>/script>`,
	`<img src="x" / onerror="alert(1)">`,
	`<body onload=alert(1)>`,
	`<input autofocus onfocus=alert(1)>`,
	`<base href="https://evil.example/">`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
	`<style>*{display:none}</style>`,
}

// badTag finds, inside a real tag (escaped text like "&lt;img onerror" is
// harmless), an event handler, a style attribute or a URL attribute with a
// scheme other than http, https or mailto.
var badTag = regexp.MustCompile(`(?i)<[a-z][^>]*(\son\w+\s*=|\sstyle\s*=|\s(href|src|action|xlink:href)\s*=\s*"?\s*(javascript|data|vbscript):)`)

// badElements are elements that must never come out.
var badElements = []string{"<script", "<iframe", "<svg", "<style", "<form", "<object", "<embed", "<base", "<meta", "<math", "<body", "<input autofocus"}

// unsafe returns what survived of hostile input in h, or "".
func unsafe(h string) string {
	lower := strings.ToLower(h)
	for _, bad := range badElements {
		if strings.Contains(lower, bad) {
			return bad
		}
	}
	return badTag.FindString(h)
}

func TestRenderRemovesHostileInput(t *testing.T) {
	for _, src := range hostile {
		if got := string(Render(src)); unsafe(got) != "" {
			t.Errorf("Render(%q) = %q: %q survived", src, got, unsafe(got))
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if got := string(Render(src)); unsafe(got) != "" {
			t.Fatalf("Render(%q) = %q: %q survived", src, got, unsafe(got))
		}
	})
}

package markdown

import (
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/markdown/markdowntest"
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

func TestRenderRemovesHostileInput(t *testing.T) {
	for _, src := range markdowntest.Hostile {
		if got := string(Render(src)); markdowntest.Unsafe(got) != "" {
			t.Errorf("Render(%q) = %q: %s survived", src, got, markdowntest.Unsafe(got))
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range markdowntest.Hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if got := string(Render(src)); markdowntest.Unsafe(got) != "" {
			t.Fatalf("Render(%q) = %q: %s survived", src, got, markdowntest.Unsafe(got))
		}
	})
}

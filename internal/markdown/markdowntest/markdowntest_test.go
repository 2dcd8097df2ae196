package markdowntest

import (
	"strings"
	"testing"
)

// The checkers must catch what they exist for: raw hostile HTML, as it
// would be if the sanitiser or the template escaping were skipped.
func TestUnsafeCatchesRawHostileHTML(t *testing.T) {
	for _, h := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror="window.__xss=1">`,
		`<img src=x onerror&#61;alert(1)>`,
		`<svg onload=alert(1)>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
		`<a href=" javascript:alert(1)">x</a>`,
		`<a/href="javascript:alert(1)">x</a>`,
		`<img src="data:image/svg+xml;base64,AAAA">`,
		`<img srcset="x 1x, javascript:alert(1) 2x">`,
		`<svg><a xlink:href="javascript:alert(1)">x</a></svg>`,
		`<iframe srcdoc="x"></iframe>`,
		`<div style="color:red">x</div>`,
		`<div hx-post="/dashboard/todos/done" hx-trigger="load">x</div>`,
		`<input autofocus onfocus=alert(1)>`,
		`<input type="text">`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<form action="https://evil.example"></form>`,
	} {
		if bad := Unsafe(h); bad == "" || strings.HasPrefix(bad, "unparsable") {
			t.Errorf("Unsafe(%q) = %q, want what is wrong", h, bad)
		}
	}
}

func TestUnsafeAcceptsSanitisedMarkdown(t *testing.T) {
	for _, h := range []string{
		`<p>Hello <strong>world</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>`,
		`<h2 id="plan">Plan</h2><a href="https://gitlab.com" rel="nofollow noreferrer noopener" target="_blank">GitLab</a>`,
		`<a href="/code-creation/duo-chat/-/issues/3">#3</a> <a href="mailto:a@example.com">mail</a>`,
		`<ul><li><input checked="" disabled="" type="checkbox"> done</li></ul>`,
		`<pre><code class="language-go">x := "&lt;img onerror=alert(1)&gt;"</code></pre>`,
		`<details><summary>More</summary>x</details><img src="https://example.com/x.png" alt="x">`,
		`<table><tr><td>&lt;img src=x onerror=alert(1)&gt;</td></tr></table>`,
	} {
		if bad := Unsafe(h); bad != "" {
			t.Errorf("Unsafe(%q) = %q, want nothing", h, bad)
		}
	}
}

const cleanPage = `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/-/static/app.css"><style nonce="abc">.lbl-1{color:red}</style>
<script src="/-/static/vendor/htmx.min.js" defer></script></head>
<body><form method="post" action="/users/sign_out"><button>Sign out</button></form>
<button hx-post="/groups/g/-/boards/move" hx-target="#x">Move</button>
<svg class="chart"><path class="line" d="M0 0"/><title>a &lt;b&gt;</title></svg>
<input type="text" name="title" value="&lt;script&gt;alert(1)&lt;/script&gt;">
<div class="markdown"><p>ok</p></div></body></html>`

func TestUnsafePage(t *testing.T) {
	if bad := UnsafePage(cleanPage); bad != "" {
		t.Fatalf("UnsafePage(clean page) = %q", bad)
	}
	for _, tc := range []struct{ name, body string }{
		{"InlineScript", `<p>x</p><script>alert(1)</script>`},
		{"ForeignScript", `<script src="https://evil.example/x.js"></script>`},
		{"Handler", `<h1><img src=x onerror=alert(1)></h1>`},
		{"JavascriptLink", `<a href="javascript:alert(1)">x</a>`},
		{"StyleWithoutNonce", `<style>*{display:none}</style>`},
		{"FormElsewhere", `<form action="https://evil.example"></form>`},
		{"Iframe", `<iframe src="/"></iframe>`},
		{"HtmxOn", `<div hx-on:click="alert(1)">x</div>`},
		{"HtmxElsewhere", `<div hx-get="https://evil.example">x</div>`},
		// Inside rendered markdown the strict rules apply: no form, no
		// htmx, no input, even where the page itself may have them.
		{"MarkdownForm", `<div class="markdown"><form action="/users/sign_out"></form></div>`},
		{"MarkdownHtmx", `<div class="markdown"><p hx-post="/users/sign_out">x</p></div>`},
		{"MarkdownInput", `<dd class="markdown"><input autofocus></dd>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if bad := UnsafePage("<!doctype html><html><body>" + tc.body + "</body></html>"); bad == "" || strings.HasPrefix(bad, "unparsable") {
				t.Errorf("UnsafePage(%s) = %q, want what is wrong", tc.body, bad)
			}
		})
	}
}

func TestLabelSafe(t *testing.T) {
	l := LabelSafe()
	if len(l) < len(Hostile)/2 {
		t.Fatalf("only %d of %d hostile strings can be label names", len(l), len(Hostile))
	}
	for _, s := range l {
		if len(s) > 255 {
			t.Errorf("%q is too long for a label", s)
		}
	}
}

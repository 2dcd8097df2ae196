// Package markdowntest holds the hostile-input corpus and the checkers that
// the XSS tests of every package share: markdown and titles that try to
// run script, and functions that parse HTML as a browser does and report
// what of it could run or load something it should not.
package markdowntest

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Marker is the global that payloads meant for a browser set when they
// run; a browser test asserts window.__xss stays undefined.
const Marker = "__xss"

// Hostile is markdown, HTML and title text that tries to run script, load
// something from elsewhere or break out of the context it is put in. Every
// entry must come out of the markdown renderer, html/template and the
// planning issue renderer harmless. Some entries contain commas or line
// breaks, which label names refuse; LabelSafe picks the others.
var Hostile = []string{
	// Script and event handlers.
	`<script>alert(1)</script>`,
	`<script>window.__xss=1</script>`,
	`<img src=x onerror="window.__xss=1">`,
	`<img src=x onerror=alert(1)>`,
	`<img src="x" / onerror="alert(1)">`,
	`<img src=x onerror&#61;alert(1)>`,
	`<svg onload=alert(1)><circle r=1 /></svg>`,
	`<svg><script>window.__xss=1</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>`,
	`<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>`,
	`<details open ontoggle="window.__xss=1">x</details>`,
	`<body onload=alert(1)>`,
	`<input autofocus onfocus=alert(1)>`,
	`<video><source onerror="alert(1)"></video>`,
	`<marquee onstart=alert(1)>x</marquee>`,
	// Links and URLs.
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`<a href="java&#x09;script:alert(1)">x</a>`,
	`<a href=" javascript:alert(1)">x</a>`,
	`<a/href="javascript:alert(1)">x</a>`,
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	`[x](javascript:alert(1))`,
	`[x](JaVaScRiPt:alert(1))`,
	`[x](javascript&#58;alert(1))`,
	`[x]( javascript:alert(1) "t")`,
	"[x](<javascript:alert(1)>)",
	"[x][r]\n\n[r]: javascript:alert(1)",
	`<javascript:alert(1)>`,
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`![x](javascript:alert(1))`,
	`<img srcset="javascript:alert(1)">`,
	`<table><td background="javascript:alert(1)">x</td></table>`,
	// Frames, plugins, forms and document-level elements.
	`<iframe src="https://evil.example"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<object data="x.swf"></object><embed src="x.swf">`,
	`<form action="https://evil.example"><button>go</button></form>`,
	`<button formaction="javascript:alert(1)">x</button>`,
	`<base href="https://evil.example/">`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
	`<link rel="stylesheet" href="https://evil.example/x.css">`,
	`<style>*{display:none}</style>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
	// htmx attributes would make a page send requests on the reader's behalf.
	`<div hx-post="/dashboard/todos/done" hx-trigger="load">x</div>`,
	`<div data-hx-get="/users/sign_out" hx-on:load="window.__xss=1">x</div>`,
	// Malformed and nested HTML that parsers disagree on.
	`<<script>script>alert(1)<</script>/script>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<img """><script>alert(1)</script>">`,
	`<!--<img src="--><img src=x onerror=alert(1)//">`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<template><script>alert(1)</script></template>`,
	`<textarea></textarea><script>alert(1)</script>`,
	`<title></title><script>alert(1)</script>`,
	`<style></style><img src=x onerror=alert(1)>`,
	`<a href="https://ok.example" onclick="alert(1)">x</a>`,
	// Attribute and context break-outs aimed at titles.
	`"><script>alert(1)</script>`,
	`'><img src=x onerror=alert(1)>`,
	`" onmouseover="alert(1)`,
	`' autofocus onfocus='alert(1)`,
	`</a><img src=x onerror=alert(1)>`,
	`</script><script>alert(1)</script>`,
	`{{.}}<script>alert(1)</script>`,
	// Markdown structure break-outs (tables, links, HTML blocks, markers).
	`a | <img src=x onerror=alert(1)> | b`,
	"x |\n| --- |\n| <script>alert(1)</script>",
	`](javascript:alert(1))`,
	`<!-- /cairn:milestone-work --><script>alert(1)</script>`,
	"<div>\n\n<img src=x onerror=alert(1)>\n\n</div>",
	"```\n</code></pre><script>alert(1)</script>\n```",
	"`</code><script>alert(1)</script>`",
	"\\<script>alert(1)\\</script>",
	"&lt;script&gt;alert(1)&lt;/script&gt;",
}

// LabelSafe returns the entries of Hostile that can be label names (no
// comma, no line break or tab, at most 255 bytes).
func LabelSafe() []string {
	var out []string
	for _, h := range Hostile {
		if len(h) <= 255 && !strings.ContainsAny(h, ",\n\r\t") && strings.TrimSpace(h) != "" {
			out = append(out, h)
		}
	}
	return out
}

// Unsafe returns a description of the first thing in the HTML fragment h
// (sanitised markdown) that could run script, load or submit something,
// or change the page it is put in — an element, attribute or URL outside
// what the sanitiser may produce — or "" when there is none. h is parsed
// as a browser parses a fragment inside <body>, so that entities, broken
// tags and nesting are seen as the browser sees them.
func Unsafe(h string) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(h), body)
	if err != nil {
		return "unparsable HTML: " + err.Error()
	}
	for _, n := range nodes {
		if bad := walk(n, strictRule); bad != "" {
			return bad
		}
	}
	return ""
}

// UnsafePage returns a description of the first thing in the whole page h
// that could run script: an inline or foreign <script>, an event handler,
// a style attribute, a javascript:, data: or vbscript: URL, a frame, a form
// posting elsewhere; and, inside an element of class "markdown" (rendered
// user text), anything Unsafe refuses. "" when there is none.
func UnsafePage(h string) string {
	doc, err := html.Parse(strings.NewReader(h))
	if err != nil {
		return "unparsable HTML: " + err.Error()
	}
	return walk(doc, pageRule)
}

// rule checks one element; it returns what is wrong and whether the
// element's subtree is user markdown (checked with the strict rule).
type rule func(n *html.Node) (bad string, markdown bool)

func walk(n *html.Node, check rule) string {
	next := check
	if n.Type == html.ElementNode {
		bad, md := check(n)
		if bad != "" {
			return describe(n, bad)
		}
		if md {
			next = strictRule
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if bad := walk(c, next); bad != "" {
			return bad
		}
	}
	return ""
}

func describe(n *html.Node, bad string) string {
	var b strings.Builder
	_ = html.Render(&b, &html.Node{Type: html.ElementNode, Data: n.Data, Attr: n.Attr})
	s := b.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return fmt.Sprintf("%s in %s", bad, s)
}

// Elements no sanitised markdown may contain: they run script, embed or
// frame other documents, submit or change the page's base, or carry their
// own parsing rules that sanitisers have been tricked with.
var strictElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true,
	"object": true, "embed": true, "applet": true, "base": true, "meta": true,
	"link": true, "form": true, "button": true, "textarea": true, "select": true,
	"svg": true, "math": true, "foreignobject": true, "template": true,
	"noscript": true, "title": true, "xmp": true, "plaintext": true,
	"noembed": true, "noframes": true, "marquee": true, "video": true,
	"audio": true, "source": true, "animate": true, "set": true, "html": true,
	"head": true, "body": true,
}

// Elements a page may never contain, whatever made it.
var pageElements = map[string]bool{
	"iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "base": true, "math": true,
	"foreignobject": true, "animate": true, "set": true, "marquee": true,
}

func strictRule(n *html.Node) (string, bool) {
	name := strings.ToLower(n.Data)
	if strictElements[name] {
		return "element <" + name + ">", false
	}
	if name == "input" && (attr(n, "type") != "checkbox" || !hasAttr(n, "disabled")) {
		return "an input other than a disabled checkbox", false
	}
	for _, a := range n.Attr {
		if strings.HasPrefix(a.Key, "hx-") || strings.HasPrefix(a.Key, "data-hx-") {
			return "htmx attribute " + a.Key, false
		}
		if a.Key == "id" || a.Key == "name" {
			continue // heading ids: at worst a link target
		}
		if bad := badAttr(a); bad != "" {
			return bad, false
		}
	}
	return "", false
}

func pageRule(n *html.Node) (string, bool) {
	name := strings.ToLower(n.Data)
	if pageElements[name] {
		return "element <" + name + ">", false
	}
	switch name {
	case "script":
		src := attr(n, "src")
		if !strings.HasPrefix(src, "/-/static/") || n.FirstChild != nil {
			return "a script that is not one of Cairn's static files", false
		}
	case "style":
		if attr(n, "nonce") == "" {
			return "a <style> without the page's nonce", false
		}
	case "link":
		if href := attr(n, "href"); !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
			return "a <link> to another site", false
		}
	case "meta":
		if hasAttr(n, "http-equiv") && !strings.EqualFold(attr(n, "http-equiv"), "content-type") {
			return "<meta http-equiv>", false
		}
	case "form":
		if action := attr(n, "action"); action != "" && (!strings.HasPrefix(action, "/") || strings.HasPrefix(action, "//")) {
			return "a form posting to another site", false
		}
	}
	for _, a := range n.Attr {
		if strings.HasPrefix(a.Key, "hx-on") || strings.HasPrefix(a.Key, "data-hx-on") {
			return "htmx event handler " + a.Key, false
		}
		if (strings.HasPrefix(a.Key, "hx-") || strings.HasPrefix(a.Key, "data-hx-")) && isURLish(a.Key) {
			if !strings.HasPrefix(a.Val, "/") || strings.HasPrefix(a.Val, "//") {
				return "htmx request to " + a.Val, false
			}
		}
		if bad := badAttr(a); bad != "" {
			return bad, false
		}
	}
	return "", hasClass(n, "markdown")
}

// isURLish reports whether an htmx attribute takes a URL.
func isURLish(key string) bool {
	key = strings.TrimPrefix(key, "data-")
	switch key {
	case "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url":
		return true
	}
	return false
}

// urlAttrs take a URL (or, for srcset and style, may contain one).
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true,
	"data": true, "poster": true, "background": true, "cite": true, "ping": true,
	"srcset": true, "longdesc": true, "lowsrc": true, "dynsrc": true, "manifest": true,
	"codebase": true, "archive": true, "classid": true, "usemap": true, "icon": true,
	"values": true, "from": true, "to": true, "by": true,
}

// schemeRE finds a URL scheme once whitespace and control characters,
// which browsers skip inside one, are taken out.
var schemeRE = regexp.MustCompile(`^([a-z][a-z0-9+.-]*):`)

// listSep separates the URLs of srcset and of SVG animation values.
var listSep = regexp.MustCompile(`[,;]`)

// badAttr returns what is wrong with one attribute, or "".
func badAttr(a html.Attribute) string {
	key := strings.ToLower(a.Key)
	switch {
	case strings.HasPrefix(key, "on"):
		return "event handler " + key
	case key == "style":
		return "style attribute"
	case key == "srcdoc":
		return "srcdoc attribute"
	case urlAttrs[key]:
		if s := badScheme(a.Val, key == "srcset" || key == "values"); s != "" {
			return fmt.Sprintf("%s: URL in %s", s, key)
		}
	}
	return ""
}

// badScheme returns the scheme of v (or of any URL in it, for lists) when
// it is not http, https or mailto, or "".
func badScheme(v string, list bool) string {
	parts := []string{v}
	if list {
		parts = listSep.Split(v, -1)
	}
	for _, p := range parts {
		clean := strings.Map(func(r rune) rune {
			if r <= ' ' || r == 0x7f {
				return -1
			}
			return r
		}, strings.ToLower(p))
		if m := schemeRE.FindStringSubmatch(clean); m != nil {
			switch m[1] {
			case "http", "https", "mailto":
			default:
				return m[1]
			}
		}
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

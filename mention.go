package cairn

import (
	"regexp"
	"strings"
)

// MaxMentions bounds the users one text can mention: the rest are ignored,
// so that a pasted list cannot fan out into thousands of to-dos.
const MaxMentions = 100

// mentionRE finds "@username" not preceded by a character that makes it
// part of a word, an e-mail address or a path. Usernames are as
// ValidUsername allows; a trailing "." is punctuation, not the name's.
var mentionRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.+\-/@` + "`" + `])@([A-Za-z0-9_][A-Za-z0-9_.\-]*)`)

// leadingMentionRE matches one mention at the start of a text, with the
// separators that may follow it ("@ann, @bob please look").
var leadingMentionRE = regexp.MustCompile(`^@([A-Za-z0-9_][A-Za-z0-9_.\-]*)[\s,:;]*`)

// Mentions returns the usernames a markdown text mentions with
// "@username", lower-cased, each once, in order of appearance: addressed
// are those the text starts with ("@ann @bob can you look?"), as GitLab's
// "directly addressed"; mentioned are the others. Mentions inside code
// (fenced blocks and `inline` spans) do not count, nor does "@all".
func Mentions(text string) (mentioned, addressed []string) {
	text = stripCode(text)
	seen := map[string]bool{}
	add := func(list []string, name string) []string {
		name = strings.ToLower(strings.TrimRight(name, ".-"))
		if name == "" || name == "all" || seen[name] || len(seen) >= MaxMentions {
			return list
		}
		seen[name] = true
		return append(list, name)
	}
	rest := strings.TrimLeft(text, " \t\r\n")
	for {
		m := leadingMentionRE.FindStringSubmatchIndex(rest)
		if m == nil {
			break
		}
		addressed = add(addressed, rest[m[2]:m[3]])
		rest = rest[m[1]:]
	}
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		mentioned = add(mentioned, m[1])
	}
	return mentioned, addressed
}

// stripCode blanks out fenced code blocks and inline code spans, where an
// "@" is code, not a mention.
func stripCode(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	fence := ""
	for k, line := range lines {
		trim := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trim, fence) {
				fence = ""
			}
			lines[k] = ""
			continue
		}
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			fence = trim[:3]
			lines[k] = ""
			continue
		}
		lines[k] = stripInlineCode(line)
	}
	return strings.Join(lines, "\n")
}

// stripInlineCode blanks out `code` spans of one line; an unmatched
// backtick is kept as text.
func stripInlineCode(line string) string {
	if !strings.Contains(line, "`") {
		return line
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			b.WriteString(line)
			return b.String()
		}
		n := i
		for n < len(line) && line[n] == '`' {
			n++
		}
		ticks := line[i:n]
		j := strings.Index(line[n:], ticks)
		if j < 0 {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:i])
		b.WriteByte(' ')
		line = line[n+j+len(ticks):]
	}
}

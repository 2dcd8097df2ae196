package planning

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// What the ready gate can find missing, besides the weight (GateWeight
// names that one with the team's scale). The names are the sections of the
// issue template (seed 000), as people read them in the refusal message.
const (
	GateContext    = "Context"
	GateProposal   = "Proposal"
	GateAcceptance = "Acceptance Criteria"
)

// GateWeight names a missing weight with the team's scale: "weight from the
// scale (1, 2, 3, 5)".
func GateWeight(s Settings) string {
	parts := make([]string, len(s.Weights))
	for i, w := range s.Weights {
		parts[i] = strconv.Itoa(w)
	}
	return "weight from the scale (" + strings.Join(parts, ", ") + ")"
}

// ReadyGate returns what an issue lacks before it may move to the ready
// label, in a fixed order: a weight from the team's scale (GateWeight),
// then a non-empty Context, Proposal and Acceptance Criteria section of
// the description (GateContext, GateProposal, GateAcceptance). It returns
// nil when nothing is missing.
//
// A section is a Markdown heading of any level whose text, ignoring letter
// case, is the section's name; a heading with several names separated by
// "/" ("Definition of Done / Acceptance Criteria") counts for each of them,
// and "Definition of Done" counts as Acceptance Criteria. A section runs to
// the next heading of the same or a higher level, so its subsections
// ("### Further Details") are part of it. It is empty when nothing but
// blanks, the template's italic placeholder paragraphs ("_Summary or
// background …_"), HTML comments, empty list items and unticked empty
// checkboxes is left. Headings inside fenced code blocks are text.
//
// ReadyGate does not look at Settings.ReadyGate: the caller decides whether
// the gate is on.
func ReadyGate(s Settings, weight *int, description string) (missing []string) {
	if weight == nil || !s.OnScale(*weight) {
		missing = append(missing, GateWeight(s))
	}
	filled := filledSections(description)
	for _, name := range []string{GateContext, GateProposal, GateAcceptance} {
		if !filled[name] {
			missing = append(missing, name)
		}
	}
	return missing
}

// ReadyGateMessage is the refusal of a move to the ready label: "Cannot
// move to workflow::ready for development: missing weight from the scale
// (1, 2, 3, 5), Context, Proposal, Acceptance Criteria".
func ReadyGateMessage(s Settings, missing []string) string {
	return fmt.Sprintf("Cannot move to %s: missing %s", s.ReadyLabel, strings.Join(missing, ", "))
}

// SplitNote is the note Cairn adds when an issue with the largest weight of
// the scale (or more) moves to the ready label: planning-model.md's "the
// largest means split into an epic or a spike first", and seed 000's
// "a weight of 5 generally indicates … an Epic with sub-issues … or a spike".
func SplitNote(weight int) string {
	return fmt.Sprintf("Weight %d is the largest on the scale: consider splitting this issue into an epic with sub-issues or a spike.", weight)
}

// NeedsSplit reports whether weight is the largest of the scale or more.
func NeedsSplit(s Settings, weight *int) bool {
	return weight != nil && len(s.Weights) > 0 && *weight >= s.MaxWeight()
}

// sectionNames maps a heading part, lower case, to the gate section it
// fills.
var sectionNames = map[string]string{
	"context":             GateContext,
	"proposal":            GateProposal,
	"acceptance criteria": GateAcceptance,
	"definition of done":  GateAcceptance,
}

// filledSections returns the gate sections that have content.
func filledSections(desc string) map[string]bool {
	type open struct {
		level   int
		names   []string
		content bool
	}
	filled := map[string]bool{}
	var stack []open
	closeTo := func(level int) {
		for len(stack) > 0 && stack[len(stack)-1].level >= level {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.content {
				for _, n := range top.names {
					filled[n] = true
				}
			}
		}
	}
	for _, para := range paragraphs(desc) {
		if para.heading > 0 {
			closeTo(para.heading)
			stack = append(stack, open{level: para.heading, names: headingSections(para.text)})
			continue
		}
		if !meaningful(para.text) {
			continue
		}
		// Content belongs to every open section: a subsection's text fills
		// its parent too.
		for i := range stack {
			stack[i].content = true
		}
	}
	closeTo(0)
	return filled
}

// headingSections returns the gate sections a heading names.
func headingSections(text string) []string {
	var out []string
	for _, part := range strings.Split(text, "/") {
		part = strings.ToLower(strings.Join(strings.Fields(strings.Trim(part, " \t*_:")), " "))
		if n, ok := sectionNames[part]; ok {
			out = append(out, n)
		}
	}
	return out
}

// block is a heading (heading > 0, its level) or a paragraph of text.
type block struct {
	heading int
	text    string
}

// paragraphs splits Markdown into ATX headings and paragraphs (runs of
// non-blank lines). A fenced code block is one paragraph, so that a
// template pasted inside one does not open sections.
func paragraphs(desc string) []block {
	var out []block
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, block{text: strings.Join(cur, "\n")})
			cur = nil
		}
	}
	fence := ""
	for _, line := range strings.Split(strings.ReplaceAll(desc, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			cur = append(cur, line)
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
				flush()
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			flush()
			fence = trimmed[:3]
			cur = append(cur, line)
			continue
		}
		if level, text, ok := atxHeading(line); ok {
			flush()
			out = append(out, block{heading: level, text: text})
			continue
		}
		if trimmed == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// atxHeading parses "## Title ##" (up to three spaces of indent, one to
// six #, then a space or the end of the line).
func atxHeading(line string) (level int, text string, ok bool) {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	if indent > 3 {
		return 0, "", false
	}
	rest := line[indent:]
	for level < len(rest) && rest[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || (level < len(rest) && rest[level] != ' ' && rest[level] != '\t') {
		return 0, "", false
	}
	text = strings.TrimSpace(rest[level:])
	text = strings.TrimSpace(strings.TrimRight(text, "#"))
	return level, text, true
}

// meaningful reports whether a paragraph says something: not a template
// placeholder (a paragraph wholly in one italic span, "_…_" or "*…*"), not
// an HTML comment, and with a letter or digit left once list markers and
// empty checkboxes are taken away.
func meaningful(para string) bool {
	t := strings.TrimSpace(htmlComment.ReplaceAllString(para, ""))
	if placeholder(t) {
		return false
	}
	for _, line := range strings.Split(t, "\n") {
		l := strings.TrimSpace(line)
		l = strings.TrimLeft(l, "-*+> \t")
		for _, box := range []string{"[ ]", "[x]", "[X]"} {
			l = strings.TrimPrefix(l, box)
		}
		if placeholder(strings.TrimSpace(l)) {
			continue
		}
		if strings.IndexFunc(l, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			return true
		}
	}
	return false
}

// htmlComment matches an HTML comment, which Markdown does not show.
var htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)

// placeholder reports whether t is one italic span: "_text_" or "*text*"
// (not bold "**text**", which people use for real content).
func placeholder(t string) bool {
	if len(t) < 3 {
		return false
	}
	for _, m := range []string{"_", "*"} {
		if strings.HasPrefix(t, m) && strings.HasSuffix(t, m) && !strings.HasPrefix(t, m+m) &&
			!strings.Contains(t[1:len(t)-1], m+" ") {
			return true
		}
	}
	return false
}

package planning

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzParseStatusUpdate checks that any note body is read without
// panicking, and that a note recognised as a status update has one of the
// three confidences and no placeholder left as a value. The files in
// testdata/fuzz/FuzzParseStatusUpdate are posted as notes by the API's
// no-500 test too.
func FuzzParseStatusUpdate(f *testing.F) {
	f.Add(RenderStatusUpdate("2026-11-25", "Parser done", "Wire the API", "None", "very", []string{"emma", "priya"}))
	f.Add(RenderStatusUpdate("2026-11-25", "", "", "", "not", nil))
	f.Add(RenderStatusUpdate("", "a\nb\n\nc", "next", "- [x] Not confident", "slightly", []string{"em"}))
	f.Add("## Async Status Update\n* **Progress & Status**: x\n* [X] very confident\n* [x] not confident")
	f.Add("# async status update 2026-13-45\n- **how confident**\n- [x] Slightly confident")
	f.Add("no template at all")
	f.Fuzz(func(t *testing.T, body string) {
		got, ok := ParseStatusUpdate(body)
		if !ok {
			if got != (StatusUpdateFields{}) {
				t.Errorf("not a status update, yet fields %+v", got)
			}
			return
		}
		switch got.Confidence {
		case "not", "slightly", "very":
		default:
			t.Errorf("confidence %q", got.Confidence)
		}
		if got.Date != "" && !reDate.MatchString(got.Date) {
			t.Errorf("date %q", got.Date)
		}
		for _, v := range []string{got.Progress, got.NextSteps, got.Blockers} {
			if v != strings.TrimSpace(v) {
				t.Errorf("value %q not trimmed", v)
			}
		}
		if isPlaceholder(got.Progress, ProgressPlaceholder) || isPlaceholder(got.NextSteps, NextStepsPlaceholder) ||
			isPlaceholder(got.Blockers, BlockersPlaceholder) {
			t.Errorf("a placeholder read as a value: %+v", got)
		}
	})
}

var reDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// FuzzStatusUpdateRoundTrip checks that a status update rendered in the
// template parses back to the same fields. A value is kept as lines of
// text: each line trimmed and blank lines dropped, and a line that reads as
// part of the template itself (a field, the question, a box, the reminder)
// is out of scope, since the template has no way to escape it.
func FuzzStatusUpdateRoundTrip(f *testing.F) {
	f.Add("2026-11-25", "Parser done", "Wire the API", "None", "very")
	f.Add("2026-01-01", "line one\n  line two\r\n\nline three", "", "waiting on @emma", "not")
	f.Add("2026-12-31", "_What progress have you made? What's the current state?_", "*What are your planned next actions?*", "", "slightly")
	f.Add("", "café ✓", "**bold** and `code`", "- [link](https://example.com)", "very")
	f.Add("2026-11-25", "x", "y", "z", "unsure")
	f.Fuzz(func(t *testing.T, date, progress, next, blockers, confidence string) {
		if date != "" && !reDate.MatchString(date) {
			t.Skip("the heading holds a date or nothing")
		}
		want := StatusUpdateFields{Date: date, Confidence: confidence}
		for _, p := range []struct {
			dst         *string
			v           string
			placeholder string
		}{{&want.Progress, progress, ProgressPlaceholder}, {&want.NextSteps, next, NextStepsPlaceholder}, {&want.Blockers, blockers, BlockersPlaceholder}} {
			var lines []string
			for _, l := range strings.Split(strings.ReplaceAll(p.v, "\r\n", "\n"), "\n") {
				l = strings.TrimSpace(l)
				if reField.MatchString(l) || reQuestion.MatchString(l) || reBox.MatchString(l) || reEnd.MatchString(l) || reHeading.MatchString(l) {
					t.Skip("a value line reads as part of the template")
				}
				if l != "" {
					lines = append(lines, l)
				}
			}
			*p.dst = strings.Join(lines, "\n")
			if isPlaceholder(*p.dst, p.placeholder) {
				*p.dst = ""
			}
		}
		body := RenderStatusUpdate(date, progress, next, blockers, confidence, []string{"emma"})
		got, ok := ParseStatusUpdate(body)
		switch confidence {
		case "not", "slightly", "very":
		default:
			if ok {
				t.Fatalf("confidence %q, no box ticked, yet parsed as %+v", confidence, got)
			}
			return
		}
		if !ok {
			t.Fatalf("rendered status update not recognised:\n%s", body)
		}
		if got != want {
			t.Errorf("round trip of\n%s\ngot  %+v\nwant %+v", body, got, want)
		}
	})
}

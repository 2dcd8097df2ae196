package planning

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The weekly async status update template of seed 002: a heading with the
// date, three bullets, a confidence checklist with one box ticked, a
// reminder and a /cc line. Cairn renders status updates posted through the
// API in it and recognises notes written in it by hand.

// Placeholders of the template's bullets: left in place, they mean the
// field was not filled in.
const (
	ProgressPlaceholder  = "_What progress have you made? What's the current state?_"
	NextStepsPlaceholder = "_What are your planned next actions?_"
	BlockersPlaceholder  = "_Are you blocked or need assistance with this?_"
)

// StatusUpdateFields are the fields of a status update note.
type StatusUpdateFields struct {
	Date       string // from the heading, "2026-11-25"; "" if it has none
	Progress   string
	NextSteps  string
	Blockers   string
	Confidence string // not, slightly or very
}

var confidenceLines = []struct{ key, text string }{
	{"not", "Not confident"},
	{"slightly", "Slightly confident"},
	{"very", "Very confident"},
}

// RenderStatusUpdate renders a status update in the template: date is the
// team's date ("2026-11-25"), confidence one of not, slightly or very (the
// box ticked), cc the usernames tagged on the last line (none: no line).
// The "/cc" line is text, not a quick action.
func RenderStatusUpdate(date, progress, next, blockers, confidence string, cc []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Async Status Update %s\n\n", date)
	fmt.Fprintf(&b, "- **Progress & Status**: %s\n", orPlaceholder(progress, ProgressPlaceholder))
	fmt.Fprintf(&b, "- **Next Steps**: %s\n", orPlaceholder(next, NextStepsPlaceholder))
	fmt.Fprintf(&b, "- **Blockers**: %s\n", orPlaceholder(blockers, BlockersPlaceholder))
	b.WriteString("- **How confident are you that this will make it to the current milestone?**\n")
	for _, c := range confidenceLines {
		box := " "
		if c.key == confidence {
			box = "x"
		}
		fmt.Fprintf(&b, "    - [%s] %s\n", box, c.text)
	}
	b.WriteString("\n_Remember to update the workflow label!_\n")
	if len(cc) > 0 {
		b.WriteString("\n/cc")
		for _, u := range cc {
			b.WriteString(" @" + u)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// orPlaceholder indents continuation lines of a multi-line value under its
// bullet, and gives the placeholder for an empty one.
func orPlaceholder(v, placeholder string) string {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	if v == "" {
		return placeholder
	}
	return strings.ReplaceAll(v, "\n", "\n  ")
}

var (
	reHeading  = regexp.MustCompile(`(?i)^#{1,6}\s*async\s+status\s+update\b\s*(\d{4}-\d{2}-\d{2})?`)
	reField    = regexp.MustCompile(`(?i)^[*-]\s+\*\*\s*(progress\s*&\s*status|next\s+steps|blockers)\s*\*\*\s*:?\s*(.*)$`)
	reQuestion = regexp.MustCompile(`(?i)^[*-]\s+\*\*\s*how\s+confident\b`)
	reBox      = regexp.MustCompile(`(?i)^[*-]\s+\[([ xX])\]\s+(not|slightly|very)\s+confident\b`)
	reEnd      = regexp.MustCompile(`(?i)^(_remember\b|/cc\b)`)
)

// ParseStatusUpdate recognises a note written in the template: the heading
// "Async Status Update", and a confidence checklist with exactly one box
// ticked ("[x]" or "[X]"). Bullets may be "-" or "*", indented or not;
// a placeholder left in place reads as an empty field. ok is false for any
// other note.
func ParseStatusUpdate(body string) (f StatusUpdateFields, ok bool) {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	heading, ticked, boxes := false, 0, 0
	var cur *string
	vals := map[string]*string{"progress": &f.Progress, "next": &f.NextSteps, "blockers": &f.Blockers}
	for _, raw := range lines {
		line := strings.TrimSpace(raw)
		if !heading {
			if m := reHeading.FindStringSubmatch(line); m != nil {
				heading, f.Date = true, m[1]
			}
			continue
		}
		if m := reField.FindStringSubmatch(line); m != nil {
			key := strings.ToLower(m[1])
			switch {
			case strings.HasPrefix(key, "progress"):
				cur = vals["progress"]
			case strings.HasPrefix(key, "next"):
				cur = vals["next"]
			default:
				cur = vals["blockers"]
			}
			*cur = m[2]
			continue
		}
		if reQuestion.MatchString(line) || reEnd.MatchString(line) {
			cur = nil
			continue
		}
		if m := reBox.FindStringSubmatch(line); m != nil {
			cur = nil
			boxes++
			if m[1] != " " {
				ticked++
				f.Confidence = strings.ToLower(m[2])
			}
			continue
		}
		if cur != nil && line != "" {
			*cur += "\n" + line
		}
	}
	if !heading || boxes == 0 || ticked != 1 {
		return StatusUpdateFields{}, false
	}
	for _, p := range []struct {
		v           *string
		placeholder string
	}{{&f.Progress, ProgressPlaceholder}, {&f.NextSteps, NextStepsPlaceholder}, {&f.Blockers, BlockersPlaceholder}} {
		*p.v = strings.TrimSpace(*p.v)
		if isPlaceholder(*p.v, p.placeholder) {
			*p.v = ""
		}
	}
	return f, true
}

// isPlaceholder reports whether v is the placeholder, in "_…_" or "*…*"
// italics, ignoring case and spacing.
func isPlaceholder(v, placeholder string) bool {
	norm := func(s string) string {
		s = strings.Trim(strings.TrimSpace(s), "_*")
		return strings.ToLower(strings.Join(strings.Fields(s), " "))
	}
	return v != "" && norm(v) == norm(placeholder)
}

// ISOWeek returns the ISO 8601 week of t in loc, "2026-W48".
func ISOWeek(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

var reWeek = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// WeekMonday returns the Monday of an ISO week ("2026-W48") as a date at
// midnight in loc; an error for a malformed or nonexistent week.
func WeekMonday(week string, loc *time.Location) (time.Time, error) {
	m := reWeek.FindStringSubmatch(week)
	if m == nil {
		return time.Time{}, fmt.Errorf("week %q is not like 2026-W48", week)
	}
	var year, w int
	fmt.Sscan(m[1], &year)
	fmt.Sscan(m[2], &w)
	// 4 January is always in week 1.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, loc)
	off := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	mon := jan4.AddDate(0, 0, -off+7*(w-1))
	if y, ww := mon.ISOWeek(); w < 1 || y != year || ww != w {
		return time.Time{}, fmt.Errorf("week %q does not exist", week)
	}
	return mon, nil
}

// WeekBounds returns the instants an ISO week starts and ends (Monday
// 00:00 of it and of the next week) in loc.
func WeekBounds(week string, loc *time.Location) (start, end time.Time, err error) {
	start, err = WeekMonday(week, loc)
	if err != nil {
		return start, end, err
	}
	return start, start.AddDate(0, 0, 7), nil
}

// StatusUpdateDay returns the date ("2026-11-25") of the week's status
// update day, weekday an English day name ("Wednesday"; "" for Wednesday).
func StatusUpdateDay(week, weekday string) (string, error) {
	mon, err := WeekMonday(week, time.UTC)
	if err != nil {
		return "", err
	}
	off := 2
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(d.String(), weekday) {
			off = (int(d) + 6) % 7
		}
	}
	return mon.AddDate(0, 0, off).Format(time.DateOnly), nil
}

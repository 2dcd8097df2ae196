package cairn

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// QuickAction is one "/command args" line of a note.
type QuickAction struct {
	Name string // without the slash, lower case
	Args string // the rest of the line, trimmed
	Line int    // 1-based line in the note
}

// quickActionNames are the commands Cairn runs (GitLab's names and aliases).
var quickActionNames = map[string]string{
	"label": "label", "labels": "label",
	"unlabel": "unlabel", "remove_label": "unlabel",
	"relabel":      "relabel",
	"weight":       "weight",
	"clear_weight": "clear_weight",
	"milestone":    "milestone", "remove_milestone": "remove_milestone",
	"assign": "assign", "unassign": "unassign", "reassign": "reassign",
	"close": "close", "reopen": "reopen",
	"due": "due", "remove_due_date": "remove_due_date",
	"spend": "spend", "spent": "spend", "spend_time": "spend",
}

// ParseQuickActions splits a note body into its text and its quick actions.
// A quick action is a line that starts with "/name" for a known name,
// outside fenced code blocks; other lines, unknown commands included, stay
// in the text. The text is trimmed of surrounding blank lines.
func ParseQuickActions(body string) (text string, actions []QuickAction) {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	kept := make([]string, 0, len(lines))
	fence := ""
	for i, line := range lines {
		trim := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trim, fence) {
				fence = ""
			}
			kept = append(kept, line)
			continue
		}
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			fence = trim[:3]
			kept = append(kept, line)
			continue
		}
		if strings.HasPrefix(line, "/") {
			// The name ends at any white space: "/close\t" is an action,
			// or trimming the text would make it one later.
			name, args := line[1:], ""
			if i := strings.IndexFunc(name, unicode.IsSpace); i >= 0 {
				name, args = name[:i], name[i:]
			}
			if canon, ok := quickActionNames[strings.ToLower(name)]; ok {
				actions = append(actions, QuickAction{Name: canon, Args: strings.TrimSpace(args), Line: i + 1})
				continue
			}
		}
		kept = append(kept, line)
	}
	// Only blank lines go from the start: the first line's indentation is
	// markdown (four spaces make code), and trimming "  /close" would leave a
	// text that holds a quick action when it is parsed again.
	for len(kept) > 0 && strings.TrimSpace(kept[0]) == "" {
		kept = kept[1:]
	}
	return strings.TrimRight(strings.Join(kept, "\n"), "\n \t"), actions
}

// QuickActionResolver looks up what quick actions name. The store implements
// it inside the transaction that applies them.
type QuickActionResolver interface {
	// Label returns the label of that exact name usable in the issue's
	// project; ENOTFOUND if none.
	Label(name string) (*Label, error)
	// Milestone returns the milestone of that title usable in the issue's
	// project; ENOTFOUND if none.
	Milestone(title string) (*Milestone, error)
	// User returns the user of that username; ENOTFOUND if none.
	User(username string) (*User, error)
}

// QuickActionResult is what a list of quick actions does to an issue.
type QuickActionResult struct {
	Update  IssueUpdate
	Changes map[string]any
	Summary []string
}

// ApplyQuickActions turns quick actions into one IssueUpdate for the issue as
// it is now, acted on by actor on the date today. Actions apply in order, so
// "/label ~a" then "/unlabel ~a" leaves a off. The first action that cannot
// be carried out returns an EINVALID *Error that says why, and nothing of the
// list applies.
func ApplyQuickActions(issue *Issue, actions []QuickAction, r QuickActionResolver, actor *User, today string) (*QuickActionResult, error) {
	res := &QuickActionResult{Changes: map[string]any{}}
	labels := issue.LabelNames()
	labelsTouched := false
	assignees := make([]*User, len(issue.Assignees))
	copy(assignees, issue.Assignees)
	assigneesTouched := false
	var addIDs, removeIDs []int64

	fail := func(a QuickAction, format string, args ...any) error {
		return &Error{Code: EINVALID, Message: fmt.Sprintf("/%s: ", a.Name) + fmt.Sprintf(format, args...)}
	}
	resolveLabels := func(a QuickAction) ([]*Label, error) {
		names := ParseReferences(a.Args, '~')
		if len(names) == 0 {
			return nil, fail(a, "name at least one label, like ~bug or ~\"workflow::in dev\"")
		}
		out := make([]*Label, 0, len(names))
		for _, n := range names {
			l, err := r.Label(n)
			if err != nil {
				if ErrorCode(err) == ENOTFOUND {
					return nil, fail(a, "label %s does not exist", LabelRef(n))
				}
				return nil, err
			}
			out = append(out, l)
		}
		return out, nil
	}
	resolveUsers := func(a QuickAction) ([]*User, error) {
		names := ParseReferences(a.Args, '@')
		out := make([]*User, 0, len(names))
		for _, n := range names {
			if n == "me" && actor != nil {
				out = append(out, actor)
				continue
			}
			u, err := r.User(n)
			if err != nil {
				if ErrorCode(err) == ENOTFOUND {
					return nil, fail(a, "user @%s does not exist", n)
				}
				return nil, err
			}
			out = append(out, u)
		}
		return out, nil
	}

	for _, a := range actions {
		switch a.Name {
		case "label", "unlabel", "relabel":
			if a.Name == "unlabel" && a.Args == "" {
				for _, n := range labels {
					if l, err := r.Label(n); err == nil {
						removeIDs = append(removeIDs, l.ID)
					}
				}
				labels = nil
				labelsTouched = true
				res.Summary = append(res.Summary, "Removed all labels.")
				continue
			}
			ls, err := resolveLabels(a)
			if err != nil {
				return nil, err
			}
			names := make([]string, len(ls))
			ids := make([]int64, len(ls))
			for k, l := range ls {
				names[k], ids[k] = l.Name, l.ID
			}
			labelsTouched = true
			switch a.Name {
			case "label":
				labels = ApplyLabelChange(labels, names, nil)
				addIDs = append(addIDs, ids...)
				res.Summary = append(res.Summary, fmt.Sprintf("Added %s %s.", refList(names, LabelRef), plural(len(names), "label", "labels")))
			case "unlabel":
				labels = ApplyLabelChange(labels, nil, names)
				removeIDs = append(removeIDs, ids...)
				res.Summary = append(res.Summary, fmt.Sprintf("Removed %s %s.", refList(names, LabelRef), plural(len(names), "label", "labels")))
			case "relabel":
				labels = ExclusiveLabels(names)
				res.Changes["label_ids"] = ids
				res.Summary = append(res.Summary, fmt.Sprintf("Replaced all labels with %s %s.", refList(names, LabelRef), plural(len(names), "label", "labels")))
			}
		case "weight":
			n, err := strconv.Atoi(strings.TrimSpace(a.Args))
			if err != nil || n < 0 || n > MaxInt {
				return nil, fail(a, "the weight must be a whole number of 0 or more, like /weight 3")
			}
			res.Update.Weight = SetTo(n)
			res.Changes["weight"] = n
			res.Summary = append(res.Summary, fmt.Sprintf("Set weight to %d.", n))
		case "clear_weight":
			res.Update.Weight = Clear[int]()
			res.Changes["weight"] = nil
			res.Summary = append(res.Summary, "Cleared weight.")
		case "milestone":
			refs := ParseReferences(a.Args, '%')
			if len(refs) != 1 {
				return nil, fail(a, "name one milestone, like %%\"2026-12\"")
			}
			m, err := r.Milestone(refs[0])
			if err != nil {
				if ErrorCode(err) == ENOTFOUND {
					return nil, fail(a, "milestone %s does not exist", MilestoneRef(refs[0]))
				}
				return nil, err
			}
			res.Update.MilestoneID = SetTo(m.ID)
			res.Changes["milestone_id"] = m.ID
			res.Summary = append(res.Summary, fmt.Sprintf("Set the milestone to %s.", MilestoneRef(m.Title)))
		case "remove_milestone":
			res.Update.MilestoneID = Clear[int64]()
			res.Changes["milestone_id"] = nil
			if issue.Milestone != nil {
				res.Summary = append(res.Summary, fmt.Sprintf("Removed %s milestone.", MilestoneRef(issue.Milestone.Title)))
			} else {
				res.Summary = append(res.Summary, "Removed the milestone.")
			}
		case "assign", "reassign":
			us, err := resolveUsers(a)
			if err != nil {
				return nil, err
			}
			if len(us) == 0 {
				return nil, fail(a, "name at least one user, like @alice or me")
			}
			if a.Name == "reassign" {
				assignees = nil
			}
			assignees = mergeUsers(assignees, us)
			assigneesTouched = true
			verb := "Assigned"
			if a.Name == "reassign" {
				verb = "Reassigned to"
			}
			res.Summary = append(res.Summary, fmt.Sprintf("%s %s.", verb, userRefs(us)))
		case "unassign":
			if a.Args == "" {
				assignees = nil
				assigneesTouched = true
				res.Summary = append(res.Summary, "Removed all assignees.")
				continue
			}
			us, err := resolveUsers(a)
			if err != nil {
				return nil, err
			}
			assignees = removeUsers(assignees, us)
			assigneesTouched = true
			res.Summary = append(res.Summary, fmt.Sprintf("Removed assignee %s.", userRefs(us)))
		case "close":
			res.Update.StateEvent = "close"
			res.Changes["state_event"] = "close"
			res.Summary = append(res.Summary, "Closed this issue.")
		case "reopen":
			res.Update.StateEvent = "reopen"
			res.Changes["state_event"] = "reopen"
			res.Summary = append(res.Summary, "Reopened this issue.")
		case "due":
			d, err := ParseDueDate(a.Args, today)
			if err != nil {
				return nil, fail(a, "%s", ErrorMessage(err))
			}
			res.Update.DueDate = SetTo(d)
			res.Changes["due_date"] = d
			t, _ := time.Parse(DateLayout, d)
			res.Summary = append(res.Summary, "Set the due date to "+t.Format("Jan 2, 2006")+".")
		case "remove_due_date":
			res.Update.DueDate = Clear[string]()
			res.Changes["due_date"] = nil
			res.Summary = append(res.Summary, "Removed the due date.")
		case "spend":
			durText, date, _ := strings.Cut(a.Args, " ")
			if d := strings.TrimSpace(date); d != "" && !ValidDate(d) {
				// "1h 30m" has a space too: take the whole argument as the duration.
				durText = a.Args
			}
			secs, err := ParseDuration(durText)
			if err != nil {
				return nil, fail(a, "%s", ErrorMessage(err))
			}
			res.Update.SpendSeconds += secs
			res.Changes["spend_time"] = map[string]any{"duration": res.Update.SpendSeconds, "user_id": actorID(actor)}
			if secs >= 0 {
				res.Summary = append(res.Summary, fmt.Sprintf("Added %s spent time.", FormatDuration(secs)))
			} else {
				res.Summary = append(res.Summary, fmt.Sprintf("Subtracted %s spent time.", FormatDuration(-secs)))
			}
		}
	}
	if labelsTouched {
		res.Update.Labels = &labels
		if len(addIDs) > 0 {
			res.Changes["add_label_ids"] = addIDs
		}
		if len(removeIDs) > 0 {
			res.Changes["remove_label_ids"] = removeIDs
		}
	}
	if assigneesTouched {
		ids := make([]int64, len(assignees))
		for k, u := range assignees {
			ids[k] = u.ID
		}
		res.Update.AssigneeIDs = &ids
		res.Changes["assignee_ids"] = ids
	}
	return res, nil
}

func actorID(u *User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

func mergeUsers(cur, add []*User) []*User {
	for _, u := range add {
		found := false
		for _, c := range cur {
			if c.ID == u.ID {
				found = true
				break
			}
		}
		if !found {
			cur = append(cur, u)
		}
	}
	return cur
}

func removeUsers(cur, rm []*User) []*User {
	out := cur[:0:0]
	for _, c := range cur {
		drop := false
		for _, u := range rm {
			if u.ID == c.ID {
				drop = true
			}
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func refList(names []string, ref func(string) string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = ref(n)
	}
	return strings.Join(parts, " ")
}

func userRefs(us []*User) string {
	parts := make([]string, len(us))
	for i, u := range us {
		parts[i] = "@" + u.Username
	}
	return strings.Join(parts, " ")
}

// LabelRef returns the markdown reference of a label: ~name, or ~"two words"
// when the name has characters a bare reference cannot hold.
func LabelRef(name string) string { return ref('~', name) }

// MilestoneRef returns the markdown reference of a milestone title.
func MilestoneRef(title string) string { return ref('%', title) }

var bareRefRE = regexp.MustCompile(`^[A-Za-z0-9_\-.&?!]+$`)

func ref(sigil byte, name string) string {
	if bareRefRE.MatchString(name) {
		return string(sigil) + name
	}
	return string(sigil) + `"` + name + `"`
}

// ParseReferences splits quick-action arguments into names: ~"two words",
// ~bare, "quoted", or bare words; the sigil (~, % or @) is optional.
// A milestone reference without quotes takes the rest of the line.
func ParseReferences(args string, sigil byte) []string {
	var out []string
	s := strings.TrimSpace(args)
	for s != "" {
		if s[0] == sigil {
			s = s[1:]
		}
		if s == "" {
			break
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				out = append(out, strings.TrimSpace(s[1:]))
				break
			}
			if n := s[1 : 1+end]; strings.TrimSpace(n) != "" {
				out = append(out, n)
			}
			s = strings.TrimSpace(s[2+end:])
			continue
		}
		if sigil == '%' {
			out = append(out, strings.TrimSpace(s))
			break
		}
		word, rest, _ := strings.Cut(s, " ")
		if word != "" {
			out = append(out, strings.TrimRight(word, ","))
		}
		s = strings.TrimSpace(rest)
	}
	return out
}

// maxDueOffset bounds the n of "in n days": a larger one overflows the
// date arithmetic rather than naming a date.
const maxDueOffset = 100000

// ParseDueDate parses a due date: "2026-12-01", "today", "tomorrow",
// "in 3 days", "in 2 weeks". today is the team's date.
func ParseDueDate(s, today string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if ValidDate(s) {
		return s, nil
	}
	base, err := time.Parse(DateLayout, today)
	if err != nil {
		return "", Errorf(EINVALID, "no date for today")
	}
	switch s {
	case "today":
		return today, nil
	case "tomorrow":
		return base.AddDate(0, 0, 1).Format(DateLayout), nil
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(s, "in %d %s", &n, &unit); err == nil && n >= 0 {
		var d time.Time
		switch strings.TrimSuffix(unit, "s") {
		case "day":
			d = base.AddDate(0, 0, n)
		case "week":
			d = base.AddDate(0, 0, 7*n)
		case "month":
			d = base.AddDate(0, n, 0)
		}
		// "in 99999999 weeks" lands past year 9999, which no date column holds.
		if !d.IsZero() {
			if out := d.Format(DateLayout); ValidDate(out) && n <= maxDueOffset {
				return out, nil
			}
			return "", Errorf(EINVALID, "the due date is too far away")
		}
	}
	return "", Errorf(EINVALID, "the due date must be a date like 2026-12-31, today, tomorrow or \"in 3 days\"")
}

// Time units of GitLab's time tracking: a day is 8 hours, a week 5 days, a
// month 4 weeks.
const (
	secondsPerHour  = 3600
	secondsPerDay   = 8 * secondsPerHour
	secondsPerWeek  = 5 * secondsPerDay
	secondsPerMonth = 4 * secondsPerWeek
)

var durationPartRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)(mo|w|d|h|m)`)

// ParseDuration parses a time-tracking duration like "1h 30m", "2d", "-1h"
// into seconds, with GitLab's units (mo = 4w, w = 5d, d = 8h).
func ParseDuration(s string) (int, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return 0, Errorf(EINVALID, "give a duration like 1h 30m")
	}
	total := 0.0
	for s != "" {
		m := durationPartRE.FindStringSubmatch(s)
		if m == nil {
			return 0, Errorf(EINVALID, "the duration must look like 1mo 2w 3d 4h 5m")
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		switch m[2] {
		case "mo":
			total += v * secondsPerMonth
		case "w":
			total += v * secondsPerWeek
		case "d":
			total += v * secondsPerDay
		case "h":
			total += v * secondsPerHour
		case "m":
			total += v * 60
		}
		s = s[len(m[0]):]
	}
	if total > 10*365*secondsPerDay {
		return 0, Errorf(EINVALID, "the duration is too long")
	}
	if total == 0 {
		return 0, Errorf(EINVALID, "the duration must be more than zero")
	}
	if neg {
		return -int(total), nil
	}
	return int(total), nil
}

// FormatDuration formats seconds with GitLab's units: "1d 2h 30m".
func FormatDuration(secs int) string {
	if secs == 0 {
		return "0m"
	}
	var parts []string
	for _, u := range []struct {
		n    int
		name string
	}{{secondsPerMonth, "mo"}, {secondsPerWeek, "w"}, {secondsPerDay, "d"}, {secondsPerHour, "h"}, {60, "m"}} {
		if secs >= u.n {
			parts = append(parts, fmt.Sprintf("%d%s", secs/u.n, u.name))
			secs %= u.n
		}
	}
	if len(parts) == 0 {
		return "0m"
	}
	return strings.Join(parts, " ")
}

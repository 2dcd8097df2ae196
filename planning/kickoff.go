package planning

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file renders the agenda of the combined retrospective and kickoff
// meeting (seed 002): one meeting per milestone that reviews the async
// retrospective of the milestone that finished and aligns on the plan of
// the one that starts. The caller (internal/planner) fills KickoffDoc with
// what the viewer may see: titles of confidential issues they may not see
// are already replaced.

// ConfidentialTitle stands for the title of a confidential issue the viewer
// may not see.
const ConfidentialTitle = "Confidential issue"

// MaxDiscussionLine bounds the first line of a retrospective comment the
// agenda quotes, in characters: the link leads to the whole comment.
const MaxDiscussionLine = 200

// KickoffIssue is an issue the agenda links to.
type KickoffIssue struct {
	Ref       string // "team/app#12"
	Title     string // ConfidentialTitle when hidden from the viewer
	URL       string
	Weight    *int
	Assignees []string // usernames
	// Hidden says the viewer may not see the issue: only its reference
	// and weight are shown.
	Hidden bool
}

// KickoffComment is a comment on the retrospective issue: a discussion
// item of the meeting.
type KickoffComment struct {
	Author string // username; "" for a deleted user
	Date   string // "2026-11-03"
	Text   string // the comment's body; the agenda quotes its first line
	URL    string
}

// KickoffBlocker is a Deliverable whose latest status update reports a
// blocker.
type KickoffBlocker struct {
	Issue    KickoffIssue
	Author   string // username of the update's author
	Week     string // "2026-W44"
	Blockers string // empty when the issue is hidden from the viewer
	URL      string // the update's note, or the issue
}

// KickoffParking is a parking-lot proposal: an issue or a title.
type KickoffParking struct {
	Issue  *KickoffIssue
	Title  string
	Reason string
	Author string
}

// KickoffDoc is what the agenda shows.
type KickoffDoc struct {
	Group        string // the group's path
	Date         string // the day the agenda was made, in the team's zone
	Milestone    Milestone
	MilestoneURL string

	// Previous is the milestone that finished (nil when there is none);
	// the rest of this block is about it.
	Previous    *Milestone
	PreviousURL string
	// PreviousEnded says Previous's due date has passed: its figures are
	// final rather than "so far".
	PreviousEnded bool
	// Retrospective is Previous's retrospective issue, nil if none yet.
	Retrospective    *KickoffIssue
	RetrospectiveDue string
	// FromCommitment says Shipped and Slipped come from the plan
	// finalised for Previous; otherwise from the Deliverable label.
	FromCommitment   bool
	Shipped, Slipped []KickoffIssue
	// SayDo is Previous's say/do ratio from the planning metrics; nil when
	// no plan was recorded.
	SayDo *SayDo
	// Discussion are the comments on the retrospective, oldest first;
	// MoreDiscussion counts those not listed.
	Discussion     []KickoffComment
	MoreDiscussion int

	// Finalized says the plan of Milestone is final; otherwise the agenda
	// shows the current proposal.
	Finalized     bool
	FinalizedOn   string
	PlanningIssue *KickoffIssue
	Capacity      *CapacityReport
	// The plan's figures (Plan's fields of the same names).
	TeamCapacity      float64
	PlannedWeight     int
	RemainingCapacity float64
	StretchBudget     float64
	StretchWeight     int
	CarryoverWeight   int
	MemberLoad        []MemberLoad
	Deliverables      []KickoffIssue
	Stretch           []KickoffIssue
	Carryover         []KickoffIssue
	ParkingLot        []KickoffParking

	// Blockers are the Deliverables (of either milestone) whose latest
	// status update reports a blocker.
	Blockers []KickoffBlocker
}

// KickoffTitle is the agenda's title.
func KickoffTitle(milestoneTitle string) string {
	return "Retrospective and kickoff: " + milestoneTitle
}

// RenderKickoff returns the agenda in markdown: the title and date; 1. the
// retrospective of the milestone that finished (its issue, what shipped and
// what slipped, say/do, the discussion items); 2. the kickoff of the
// milestone being planned (capacity, Deliverables with owners and weights,
// Stretch, carryover, parking lot); 3. open questions and blockers. Every
// section says so when it is empty.
func RenderKickoff(d KickoffDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", Text(KickoffTitle(d.Milestone.Title)))
	fmt.Fprintf(&b, "Combined retrospective and kickoff meeting of **%s**, agenda of %s. ", Text(d.Group), d.Date)
	if d.Previous != nil {
		fmt.Fprintf(&b, "We look back on %s and ahead to %s.\n\n", milestoneLink(*d.Previous, d.PreviousURL), milestoneLink(d.Milestone, d.MilestoneURL))
	} else {
		fmt.Fprintf(&b, "We look ahead to %s.\n\n", milestoneLink(d.Milestone, d.MilestoneURL))
	}
	renderKickoffRetro(&b, &d)
	renderKickoffPlan(&b, &d)
	renderKickoffBlockers(&b, &d)
	return b.String()
}

func milestoneLink(m Milestone, url string) string {
	s := "**" + Text(m.Title) + "**"
	if url != "" {
		s = "[" + Text(m.Title) + "](" + url + ")"
	}
	if m.StartDate != "" && m.DueDate != "" {
		s += fmt.Sprintf(" (%s to %s)", m.StartDate, m.DueDate)
	}
	return s
}

// issueLink renders "[team/app#12](url) Title".
func issueLink(i KickoffIssue) string {
	// References are paths and numbers, which need no escaping; "\#"
	// would read badly in the raw markdown.
	ref := i.Ref
	if i.URL != "" {
		ref = "[" + ref + "](" + i.URL + ")"
	}
	switch {
	case i.Hidden:
		return ref + " _" + ConfidentialTitle + "_"
	case i.Title == "":
		return ref
	}
	return ref + " " + Text(i.Title)
}

func owners(us []string) string {
	if len(us) == 0 {
		return "unassigned"
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = "@" + Cell(u)
	}
	return strings.Join(out, ", ")
}

func weightSum(items []KickoffIssue) int {
	n := 0
	for _, it := range items {
		if it.Weight != nil {
			n += *it.Weight
		}
	}
	return n
}

func renderKickoffRetro(b *strings.Builder, d *KickoffDoc) {
	if d.Previous == nil {
		b.WriteString("## 1. Retrospective\n\n")
		fmt.Fprintf(b, "_No milestone before %s: nothing to look back on yet._\n\n", Text(d.Milestone.Title))
		return
	}
	p := d.Previous
	fmt.Fprintf(b, "## 1. Retrospective of %s\n\n", Text(p.Title))
	switch {
	case d.Retrospective != nil:
		fmt.Fprintf(b, "Retrospective issue: %s", issueLink(*d.Retrospective))
		if d.RetrospectiveDue != "" {
			fmt.Fprintf(b, ", due %s", d.RetrospectiveDue)
		}
		b.WriteString(".\n\n")
	default:
		fmt.Fprintf(b, "_No retrospective issue yet: Cairn opens it when the plan of %s is finalised", Text(d.Milestone.Title))
		if d.RetrospectiveDue != "" {
			fmt.Fprintf(b, "; it is due %s", d.RetrospectiveDue)
		}
		b.WriteString("._\n\n")
	}

	b.WriteString("### What shipped and what slipped\n\n")
	total := len(d.Shipped) + len(d.Slipped)
	source := "the Deliverable label (no plan was finalised for " + Text(p.Title) + ")"
	if d.FromCommitment {
		source = "the plan finalised for " + Text(p.Title)
	}
	switch {
	case total == 0 && d.FromCommitment:
		fmt.Fprintf(b, "_The plan finalised for %s committed to no Deliverables._\n\n", Text(p.Title))
	case total == 0:
		fmt.Fprintf(b, "_%s had no Deliverables: no plan was finalised for it and none of its issues has the Deliverable label._\n\n", Text(p.Title))
	default:
		shipped, slipped := weightSum(d.Shipped), weightSum(d.Slipped)
		fmt.Fprintf(b, "Deliverables from %s: **%d of %d** done, weight **%d of %d**", source, len(d.Shipped), total, shipped, shipped+slipped)
		if !d.PreviousEnded {
			fmt.Fprintf(b, " so far (the milestone ends %s)", p.DueDate)
		}
		b.WriteString(".")
		if sd := d.SayDo; sd != nil && sd.Ratio != nil {
			fmt.Fprintf(b, " Say/do ratio: **%s** (%d of %d committed Deliverables closed by the end of %s",
				percent(*sd.Ratio), sd.Done, sd.Committed, p.DueDate)
			if !d.PreviousEnded {
				b.WriteString(", so far")
			}
			b.WriteString(").")
		}
		b.WriteString("\n\n")
		list := func(title string, items []KickoffIssue, none string) {
			fmt.Fprintf(b, "**%s**\n\n", title)
			if len(items) == 0 {
				b.WriteString("_" + none + "_\n\n")
				return
			}
			for _, it := range items {
				fmt.Fprintf(b, "- %s (weight %s, %s)\n", issueLink(it), weightText(it.Weight), owners(it.Assignees))
			}
			b.WriteString("\n")
		}
		list("Shipped", d.Shipped, "Nothing shipped.")
		list("Slipped", d.Slipped, "Nothing slipped.")
	}

	b.WriteString("### Discussion\n\n")
	switch {
	case d.Retrospective == nil:
		b.WriteString("_No retrospective issue yet, so no items to discuss: bring them to the meeting._\n\n")
	case d.Retrospective.Hidden:
		b.WriteString("_The retrospective issue is confidential._\n\n")
	case len(d.Discussion) == 0:
		b.WriteString("_No comments on the retrospective yet._\n\n")
	default:
		b.WriteString("The comments on the retrospective, oldest first:\n\n")
		for _, c := range d.Discussion {
			who := "a former member"
			if c.Author != "" {
				who = "@" + Cell(c.Author)
			}
			line := FirstLine(c.Text, MaxDiscussionLine)
			if line == "" {
				line = "(no text)"
			}
			link := ""
			if c.URL != "" {
				link = " ([comment](" + c.URL + "))"
			}
			fmt.Fprintf(b, "- %s, %s: %s%s\n", who, c.Date, Text(line), link)
		}
		if d.MoreDiscussion > 0 {
			fmt.Fprintf(b, "- _… and %d more on the issue._\n", d.MoreDiscussion)
		}
		b.WriteString("\n")
	}
}

func renderKickoffPlan(b *strings.Builder, d *KickoffDoc) {
	fmt.Fprintf(b, "## 2. Kickoff of %s\n\n", Text(d.Milestone.Title))
	if d.Finalized {
		b.WriteString("The plan is **final**")
		if d.FinalizedOn != "" {
			b.WriteString(" since " + d.FinalizedOn)
		}
		b.WriteString(".")
	} else {
		b.WriteString("_No plan finalised yet — showing the current proposal._")
	}
	if d.PlanningIssue != nil {
		fmt.Fprintf(b, " Planning issue: %s.", issueLink(*d.PlanningIssue))
	}
	b.WriteString("\n\n")

	b.WriteString("### Capacity\n\n")
	if c := d.Capacity; c == nil {
		b.WriteString("_No capacity yet._\n\n")
	} else {
		fmt.Fprintf(b, "**%d** working days; team capacity **%s** (team velocity %s). Deliverables take weight **%d** (%s left); "+
			"Stretch takes **%d** of a budget of **%s**.\n\n",
			c.WorkingDays, Format1(d.TeamCapacity), formatNum(c.TeamVelocity), d.PlannedWeight, Format1(d.RemainingCapacity),
			d.StretchWeight, Format1(d.StretchBudget))
		if len(c.Members) > 0 {
			load := map[int64]MemberLoad{}
			for _, l := range d.MemberLoad {
				load[l.UserID] = l
			}
			b.WriteString("| Member | Time off (days) | Capacity | Planned |\n| --- | ---: | ---: | ---: |\n")
			for _, m := range c.Members {
				fmt.Fprintf(b, "| @%s | %s | %s | %s |\n", Cell(m.Username), Format1(m.TimeOffDays), Format1(m.Capacity), Format1(load[m.UserID].Planned))
			}
			b.WriteString("\n")
		}
	}

	table := func(title string, items []KickoffIssue, none string) {
		fmt.Fprintf(b, "### %s\n\n", title)
		if len(items) == 0 {
			b.WriteString("_" + none + "_\n\n")
			return
		}
		b.WriteString("| Issue | Weight | Owner |\n| --- | ---: | --- |\n")
		for _, it := range items {
			fmt.Fprintf(b, "| %s | %s | %s |\n", issueLink(it), weightText(it.Weight), owners(it.Assignees))
		}
		b.WriteString("\n")
	}
	table("Deliverables", d.Deliverables, "No Deliverables yet: no issue is ready and weighted for this milestone.")
	table("Stretch", d.Stretch, "No Stretch issues.")
	table("Carryover", d.Carryover, "Nothing is carried over.")

	b.WriteString("### Parking lot\n\n")
	if len(d.ParkingLot) == 0 {
		b.WriteString("_Nothing proposed._\n\n")
	} else {
		for _, e := range d.ParkingLot {
			what := "**" + Text(e.Title) + "**"
			if e.Issue != nil {
				what = issueLink(*e.Issue)
			}
			who := "someone"
			if e.Author != "" {
				who = "@" + Cell(e.Author)
			}
			reason := ""
			if r := strings.TrimSpace(e.Reason); r != "" {
				reason = " — " + Text(r)
			}
			fmt.Fprintf(b, "- %s%s (proposed by %s)\n", what, reason, who)
		}
		b.WriteString("\n")
	}
}

func renderKickoffBlockers(b *strings.Builder, d *KickoffDoc) {
	b.WriteString("## 3. Open questions and blockers\n\n")
	if len(d.Blockers) == 0 {
		b.WriteString("_No Deliverable reports a blocker in its latest status update._\n")
		return
	}
	for _, bl := range d.Blockers {
		text := "(details are confidential)"
		if !bl.Issue.Hidden {
			text = Text(FirstLine(bl.Blockers, MaxDiscussionLine))
		}
		var meta []string
		if bl.Author != "" {
			meta = append(meta, "@"+Cell(bl.Author))
		}
		if bl.Week != "" {
			meta = append(meta, bl.Week)
		}
		if bl.URL != "" {
			meta = append(meta, "[update]("+bl.URL+")")
		}
		suffix := ""
		if len(meta) > 0 {
			suffix = " (" + strings.Join(meta, ", ") + ")"
		}
		fmt.Fprintf(b, "- %s: %s%s\n", issueLink(bl.Issue), text, suffix)
	}
}

// FirstLine returns the first non-blank line of s, trimmed and cut to max
// characters (with "…").
func FirstLine(s string, max int) string {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		if l == "" {
			continue
		}
		if utf8.RuneCountInString(l) > max {
			r := []rune(l)
			l = strings.TrimSpace(string(r[:max])) + "…"
		}
		return l
	}
	return ""
}

// HasBlockers reports whether the blockers field of a status update names
// one: not empty, nor a way of saying none ("None", "n/a", "-", "No
// blockers", the template's placeholder).
func HasBlockers(s string) bool {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.Trim(v, " .!_*")
	switch v {
	case "", "none", "no", "n/a", "na", "-", "–", "—", "nothing", "no blockers", "none so far", "not blocked", "nope",
		"are you blocked or need assistance with this?":
		return false
	}
	return true
}

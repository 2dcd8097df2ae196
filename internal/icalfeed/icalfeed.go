// Package icalfeed builds Cairn's iCalendar feeds (RFC 5545): a team's
// milestones, planning finalisation deadlines, retrospective due dates and
// time off, as all-day events that calendar applications subscribe to. It
// is pure: the caller loads the data (internal/planner) and serves the
// text (internal/api); the same input gives the same bytes, so that the
// feed's ETag changes only when an event does.
package icalfeed

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// ProductID is the feed's PRODID.
const ProductID = "-//Cairn//Cairn planning calendar//EN"

// RefreshInterval is how often clients are asked to poll the feed; the
// server lets caches keep it five minutes, and milestone dates change a
// few times a month.
const RefreshInterval = "PT1H"

// Event categories, one per kind of event.
const (
	CategoryMilestone     = "Milestone"
	CategoryFinalization  = "Planning deadline"
	CategoryRetrospective = "Retrospective"
	CategoryTimeOff       = "Time off"
)

// Feed is a calendar to serialise.
type Feed struct {
	// Name is the calendar's name (X-WR-CALNAME).
	Name string
	// Description is X-WR-CALDESC; "" for none.
	Description string
	// TimeZone is the team's IANA zone (X-WR-TIMEZONE); "" leaves it out.
	// Every event is a floating all-day date, so the zone only tells
	// clients where the dates were meant.
	TimeZone string
	Events   []Event
}

// Event is one all-day event from Start to End, both dates included.
type Event struct {
	UID         string
	Summary     string
	Description string
	URL         string
	Start       string // "2026-11-01"
	End         string // "2026-11-30"; "" for a single day
	// Stamp is DTSTAMP: when the information was last revised, so that an
	// unchanged event serialises to the same text.
	Stamp    time.Time
	Category string
}

// Bytes serialises the feed: CRLF line ends, lines folded at 75 octets,
// events in the order of their start date and UID.
func (f *Feed) Bytes() ([]byte, error) {
	cal := ics.NewCalendarFor("Cairn")
	cal.SetProductId(ProductID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName(text(f.Name))
	if f.Description != "" {
		cal.SetXWRCalDesc(text(f.Description))
	}
	if f.TimeZone != "" {
		cal.SetXWRTimezone(f.TimeZone)
	}
	cal.SetRefreshInterval(RefreshInterval)
	cal.SetXPublishedTTL(RefreshInterval)
	events := slices.Clone(f.Events)
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := strings.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.UID, b.UID)
	})
	for _, e := range events {
		start, err := time.Parse(cairn.DateLayout, e.Start)
		if err != nil {
			return nil, fmt.Errorf("event %s: start date %q: %w", e.UID, e.Start, err)
		}
		end := start
		if e.End != "" {
			if end, err = time.Parse(cairn.DateLayout, e.End); err != nil {
				return nil, fmt.Errorf("event %s: end date %q: %w", e.UID, e.End, err)
			}
			if end.Before(start) {
				return nil, fmt.Errorf("event %s: ends %s before it starts %s", e.UID, e.End, e.Start)
			}
		}
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(e.Stamp)
		ev.SetAllDayStartAt(start)
		// DTEND of an all-day event is exclusive: the day after the last.
		ev.SetAllDayEndAt(end.AddDate(0, 0, 1))
		ev.SetSummary(text(e.Summary))
		if e.Description != "" {
			ev.SetDescription(text(e.Description))
		}
		if e.URL != "" {
			ev.SetURL(e.URL)
		}
		if e.Category != "" {
			ev.AddCategory(text(e.Category))
		}
		// Deadlines and milestones do not make anyone busy; time off does.
		if e.Category == CategoryTimeOff {
			ev.SetProperty(ics.ComponentPropertyTransp, "OPAQUE")
		} else {
			ev.SetProperty(ics.ComponentPropertyTransp, "TRANSPARENT")
		}
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows)), nil
}

// text prepares a TEXT value: the library escapes "\", ";", "," and line
// feeds, but not carriage returns, which would end the content line.
func text(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// IssueRef locates an issue for its URL: its project's full path and iid.
type IssueRef struct {
	ProjectPath string
	IID         int64
}

// Team is one group's calendar data, as internal/planner loads it.
type Team struct {
	Group    *cairn.Group
	Settings planning.Settings
	// Milestones are the group's milestones; those without a due date have
	// no event.
	Milestones []*cairn.Milestone
	// PlanningIssues and Retrospectives locate each milestone's planning
	// issue and retrospective, by milestone id, where they exist.
	PlanningIssues map[int64]IssueRef
	Retrospectives map[int64]IssueRef
	// TimeOff is the time off the feed shows, each with its User.
	TimeOff []*cairn.TimeOff
	// From is the horizon: events that end before this date are left
	// out, so that the feed does not grow without bound. "" keeps all.
	From string
}

// Options are what every feed's links and horizon need.
type Options struct {
	// BaseURL is Cairn's external URL without a trailing slash.
	BaseURL string
	// Host names the UIDs' domain ("cairn.example.com"), so that UIDs are
	// unique across Cairn instances.
	Host string
}

// GroupFeed returns the calendar of one team: its milestones, their
// finalisation deadlines and retrospective due dates, and its members'
// time off.
func GroupFeed(t Team, o Options) (*Feed, error) {
	events, err := TeamEvents(t, o)
	if err != nil {
		return nil, err
	}
	name := t.Group.Name
	if name == "" {
		name = t.Group.Path
	}
	return &Feed{
		Name:        name + " – Cairn",
		Description: "Milestones, planning deadlines, retrospectives and time off of " + t.Group.Path + ".",
		TimeZone:    t.Settings.TimeZone,
		Events:      events,
	}, nil
}

// UserFeed returns one person's calendar: the events of every team they
// are a member of, with only their own time off (the caller filters
// Team.TimeOff). The time zone is the teams' when they agree, otherwise
// left out.
func UserFeed(u *cairn.User, teams []Team, o Options) (*Feed, error) {
	f := &Feed{Name: "Cairn – " + u.Name, Description: "Milestones, planning deadlines, retrospectives and time off of @" + u.Username + "'s teams."}
	for i, t := range teams {
		events, err := TeamEvents(t, o)
		if err != nil {
			return nil, err
		}
		f.Events = append(f.Events, events...)
		switch {
		case i == 0:
			f.TimeZone = t.Settings.TimeZone
		case f.TimeZone != t.Settings.TimeZone:
			f.TimeZone = ""
		}
	}
	return f, nil
}

// TeamEvents returns a team's events: per milestone with a due date, the
// milestone itself (from its start date, or only its due date), the
// deadline to finalise its planning (finalize_lead_days before its start)
// and its retrospective's due date (retro_due_days after its end); and
// each time-off entry. Stable UIDs ("milestone-12@host", "finalize-12@host",
// "retrospective-12@host", "timeoff-7@host") let clients update events in
// place when dates move.
func TeamEvents(t Team, o Options) ([]Event, error) {
	s := t.Settings
	var out []Event
	add := func(e Event) {
		last := e.End
		if last == "" {
			last = e.Start
		}
		if t.From == "" || last >= t.From {
			out = append(out, e)
		}
	}
	groupURL := o.BaseURL + "/groups/" + t.Group.Path
	for _, m := range t.Milestones {
		if m.DueDate == "" {
			continue
		}
		id := strconv.FormatInt(m.ID, 10)
		mURL := groupURL + "/-/milestones/" + strconv.FormatInt(m.IID, 10)
		title := "Milestone " + m.Title
		if m.State == cairn.MilestoneClosed {
			title += " (closed)"
		}
		start := m.StartDate
		if start == "" || start > m.DueDate {
			start = m.DueDate
		}
		add(Event{
			UID: "milestone-" + id + "@" + o.Host, Summary: title + " · " + t.Group.Path,
			Description: describe(fmt.Sprintf("Milestone %s of %s, %s to %s.", m.Title, t.Group.Path, start, m.DueDate), m.Description, mURL),
			URL:         mURL, Start: start, End: m.DueDate, Stamp: m.UpdatedAt, Category: CategoryMilestone,
		})
		if m.StartDate != "" {
			by, err := s.FinalizeBy(m.StartDate)
			if err != nil {
				return nil, fmt.Errorf("milestone %q: %w", m.Title, err)
			}
			u := mURL
			if ref, ok := t.PlanningIssues[m.ID]; ok {
				u = issueURL(o.BaseURL, ref)
			}
			add(Event{
				UID: "finalize-" + id + "@" + o.Host, Summary: "Finalise planning of " + m.Title + " · " + t.Group.Path,
				Description: describe(fmt.Sprintf("The planning of milestone %s (starting %s) should be finalised today, %s before it starts.",
					m.Title, m.StartDate, days(s.FinalizeLeadDays)), "", u),
				URL: u, Start: by, Stamp: m.UpdatedAt, Category: CategoryFinalization,
			})
		}
		due, err := s.RetrospectiveDue(m.DueDate)
		if err != nil {
			return nil, fmt.Errorf("milestone %q: %w", m.Title, err)
		}
		u := mURL
		if ref, ok := t.Retrospectives[m.ID]; ok {
			u = issueURL(o.BaseURL, ref)
		}
		add(Event{
			UID: "retrospective-" + id + "@" + o.Host, Summary: "Retrospective of " + m.Title + " due · " + t.Group.Path,
			Description: describe(fmt.Sprintf("The asynchronous retrospective of milestone %s (ended %s) is due today; items after it are still welcome.",
				m.Title, m.DueDate), "", u),
			URL: u, Start: due, Stamp: m.UpdatedAt, Category: CategoryRetrospective,
		})
	}
	for _, to := range t.TimeOff {
		name := "Someone"
		if to.User != nil {
			name = to.User.Name
			if name == "" {
				name = to.User.Username
			}
		}
		summary := name + " – time off"
		if to.HalfDay {
			summary += " (half days)"
		}
		when := to.StartDate
		if to.EndDate != "" && to.EndDate != to.StartDate {
			when += " to " + to.EndDate
		}
		add(Event{
			UID: "timeoff-" + strconv.FormatInt(to.ID, 10) + "@" + o.Host, Summary: summary,
			Description: describe(fmt.Sprintf("%s is away %s (%s).", name, when, t.Group.Path), "", groupURL),
			URL:         groupURL, Start: to.StartDate, End: to.EndDate, Stamp: to.CreatedAt, Category: CategoryTimeOff,
		})
	}
	return out, nil
}

// maxDetail bounds the milestone description an event repeats, in
// characters: the link leads to the rest.
const maxDetail = 500

// describe joins an event's description: a sentence, optional detail and
// the link (clients that ignore URL show the description).
func describe(sentence, detail, link string) string {
	parts := []string{sentence}
	if d := strings.TrimSpace(detail); d != "" {
		if r := []rune(d); len(r) > maxDetail {
			d = strings.TrimSpace(string(r[:maxDetail])) + " …"
		}
		parts = append(parts, d)
	}
	if link != "" {
		parts = append(parts, link)
	}
	return strings.Join(parts, "\n\n")
}

func issueURL(base string, r IssueRef) string {
	return base + "/" + r.ProjectPath + "/-/issues/" + strconv.FormatInt(r.IID, 10)
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

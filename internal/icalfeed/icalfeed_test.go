package icalfeed_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/icalfeed"
	"github.com/cairnhq/cairn/planning"
)

var stamp = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)

func team() icalfeed.Team {
	s := planning.DefaultSettings()
	s.TimeZone = "Pacific/Auckland"
	s.FinalizeLeadDays = 3
	s.RetroDueDays = 14
	return icalfeed.Team{
		Group:    &cairn.Group{ID: 1, Path: "team", Name: "Team"},
		Settings: s,
		Milestones: []*cairn.Milestone{
			{ID: 10, IID: 1, Title: "2026-11", StartDate: "2026-11-01", DueDate: "2026-11-30", UpdatedAt: stamp,
				Description: strings.Repeat("A long, description; with \\ specials and ünïcödé. ", 40)},
			{ID: 11, IID: 2, Title: "undated", UpdatedAt: stamp},
			{ID: 12, IID: 3, Title: "2025-01", StartDate: "2025-01-01", DueDate: "2025-01-31", State: cairn.MilestoneClosed, UpdatedAt: stamp},
		},
		PlanningIssues: map[int64]icalfeed.IssueRef{10: {ProjectPath: "team/planning", IID: 4}},
		From:           "2026-01-01",
		TimeOff: []*cairn.TimeOff{
			{ID: 7, User: &cairn.User{Username: "tomas", Name: "Tomáš Novák"}, StartDate: "2026-11-09", EndDate: "2026-11-13", CreatedAt: stamp},
			{ID: 8, User: &cairn.User{Username: "olga", Name: "Olga"}, StartDate: "2026-11-20", EndDate: "2026-11-20", HalfDay: true, CreatedAt: stamp},
		},
	}
}

var opts = icalfeed.Options{BaseURL: "https://cairn.example.com", Host: "cairn.example.com"}

// checkLines fails unless every line of a serialised calendar ends in CRLF
// and holds at most 75 octets, and continuation lines start with a space.
func checkLines(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatal("calendar does not end in CRLF")
	}
	lines := bytes.Split(b[:len(b)-2], []byte("\r\n"))
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, l)
		}
	}
}

func TestGroupFeed(t *testing.T) {
	f, err := icalfeed.GroupFeed(team(), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, b)
	again, _ := f.Bytes()
	if !bytes.Equal(b, again) {
		t.Error("the same feed serialises differently")
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	props := map[ics.Property]string{}
	for _, p := range cal.CalendarProperties {
		props[ics.Property(p.IANAToken)] = p.Value
	}
	if props[ics.PropertyXWRCalName] != "Team – Cairn" || props[ics.PropertyXWRTimezone] != "Pacific/Auckland" ||
		props[ics.PropertyVersion] != "2.0" || props[ics.PropertyProductId] != icalfeed.ProductID {
		t.Errorf("calendar properties = %v", props)
	}

	type want struct{ start, end, summary, url string }
	wants := map[string]want{
		"milestone-10@cairn.example.com":     {"20261101", "20261201", "Milestone 2026-11 · team", "https://cairn.example.com/groups/team/-/milestones/1"},
		"finalize-10@cairn.example.com":      {"20261029", "20261030", "Finalise planning of 2026-11 · team", "https://cairn.example.com/team/planning/-/issues/4"},
		"retrospective-10@cairn.example.com": {"20261214", "20261215", "Retrospective of 2026-11 due · team", "https://cairn.example.com/groups/team/-/milestones/1"},
		"timeoff-7@cairn.example.com":        {"20261109", "20261114", "Tomáš Novák – time off", "https://cairn.example.com/groups/team"},
		"timeoff-8@cairn.example.com":        {"20261120", "20261121", "Olga – time off (half days)", "https://cairn.example.com/groups/team"},
	}
	events := cal.Events()
	if len(events) != len(wants) {
		t.Errorf("%d events, want %d (the undated milestone and the one before the horizon are left out)", len(events), len(wants))
	}
	prev := ""
	for _, e := range events {
		w, ok := wants[e.Id()]
		if !ok {
			t.Errorf("unexpected event %s", e.Id())
			continue
		}
		get := func(p ics.ComponentProperty) *ics.IANAProperty { return e.GetProperty(p) }
		start, end := get(ics.ComponentPropertyDtStart), get(ics.ComponentPropertyDtEnd)
		if start.Value != w.start || end.Value != w.end || start.ICalParameters["VALUE"][0] != "DATE" || end.ICalParameters["VALUE"][0] != "DATE" {
			t.Errorf("%s: DTSTART %v DTEND %v, want all-day %s–%s", e.Id(), start, end, w.start, w.end)
		}
		if got := ics.FromText(get(ics.ComponentPropertySummary).Value); got != w.summary {
			t.Errorf("%s: SUMMARY %q, want %q", e.Id(), got, w.summary)
		}
		if got := get(ics.ComponentPropertyUrl).Value; got != w.url {
			t.Errorf("%s: URL %q, want %q", e.Id(), got, w.url)
		}
		if desc := ics.FromText(get(ics.ComponentPropertyDescription).Value); !strings.HasSuffix(desc, w.url) {
			t.Errorf("%s: description does not end with the link: %q", e.Id(), desc)
		}
		if ts, err := e.GetDtStampTime(); err != nil || !ts.Equal(stamp) {
			t.Errorf("%s: DTSTAMP %v, %v", e.Id(), ts, err)
		}
		if s, _ := e.GetAllDayStartAt(); s.Format("20060102") < prev {
			t.Errorf("events are not in date order at %s", e.Id())
		} else {
			prev = s.Format("20060102")
		}
	}
	// The long description survives escaping and folding.
	for _, e := range events {
		if e.Id() == "milestone-10@cairn.example.com" {
			desc := ics.FromText(e.GetProperty(ics.ComponentPropertyDescription).Value)
			if !strings.Contains(desc, "A long, description; with \\ specials and ünïcödé.") || !strings.Contains(desc, " …") {
				t.Errorf("milestone description = %q", desc)
			}
		}
	}
}

func TestUserFeed(t *testing.T) {
	u := &cairn.User{Username: "tomas", Name: "Tomáš"}
	a, b := team(), team()
	b.Group = &cairn.Group{ID: 2, Path: "other"}
	b.Milestones = []*cairn.Milestone{{ID: 20, IID: 1, Title: "Q4", StartDate: "2026-10-05", DueDate: "2026-12-18", UpdatedAt: stamp}}
	b.TimeOff, b.PlanningIssues = nil, nil
	for _, tc := range []struct {
		name     string
		zoneB    string
		wantZone string
	}{
		{"SameZone", "Pacific/Auckland", "Pacific/Auckland"},
		{"MixedZones", "Europe/Berlin", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Settings.TimeZone = tc.zoneB
			f, err := icalfeed.UserFeed(u, []icalfeed.Team{a, b}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if f.TimeZone != tc.wantZone {
				t.Errorf("time zone %q, want %q", f.TimeZone, tc.wantZone)
			}
			data, err := f.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, data)
			cal, err := ics.ParseCalendar(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(cal.Events()); n != 5+3 {
				t.Errorf("%d events, want 8", n)
			}
		})
	}
}

func TestEventErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    icalfeed.Event
	}{
		{"BadStart", icalfeed.Event{UID: "x", Start: "2026-13-01"}},
		{"BadEnd", icalfeed.Event{UID: "x", Start: "2026-11-01", End: "soon"}},
		{"Reversed", icalfeed.Event{UID: "x", Start: "2026-11-02", End: "2026-11-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &icalfeed.Feed{Name: "x", Events: []icalfeed.Event{tc.e}}
			if _, err := f.Bytes(); err == nil {
				t.Error("no error")
			}
		})
	}
	// Carriage returns in text cannot end a content line.
	f := &icalfeed.Feed{Name: "a\r\nb\rc", Events: []icalfeed.Event{{UID: "x", Start: "2026-11-01", Summary: "one\r\ntwo"}}}
	data, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, data)
}

package planning

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The schedule's calendar, November and December 2026:
//
//	Mo Tu We Th Fr Sa Su
//	                   1    November; US daylight saving ends on the 1st
//	 2  3  4  5  6  7  8
//	23 24 25 26 27 28 29    W48; Thanksgiving on the 26th in the tests that say so
//	30  1  2  3  4  5  6    W49; December starts on Tuesday the 1st

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDueOccurrences(t *testing.T) {
	const g = 12
	nov := ScheduleMilestone{ID: 7, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30"}
	dec := ScheduleMilestone{ID: 8, Title: "December 2026", StartDate: "2026-12-01", DueDate: "2026-12-31"}
	// Milestones that raise nothing in late November: November is finalised,
	// has its retrospective and ends on the 30th; December is final too.
	quiet := func() []ScheduleMilestone {
		n, d := nov, dec
		n.Finalized, n.HasRetrospective, d.Finalized = true, true, true
		return []ScheduleMilestone{n, d}
	}
	withDec := func(change func(*ScheduleMilestone)) []ScheduleMilestone {
		n, d := nov, dec
		n.Finalized, n.HasRetrospective = true, true
		change(&d)
		return []ScheduleMilestone{n, d}
	}
	withNov := func(change func(*ScheduleMilestone)) []ScheduleMilestone {
		n, d := nov, dec
		d.Finalized = true
		change(&n)
		return []ScheduleMilestone{n, d}
	}
	tests := []struct {
		name       string
		settings   func(*Settings)
		milestones []ScheduleMilestone
		ran        time.Time // this week's status request finished
		now        time.Time
		want       []string // keys, in order
		// wantAt, when set, is At of the occurrence with this key.
		wantAt map[string]time.Time
	}{
		{name: "BeforeRequestTime", milestones: quiet(), now: utc("2026-11-25T09:59:59Z"),
			want: []string{"cadence/12/2026-11-25"}},
		{name: "RequestAtTime", milestones: quiet(), now: utc("2026-11-25T10:00:00Z"),
			want:   []string{"cadence/12/2026-11-25", "status-request/12/2026-W48"},
			wantAt: map[string]time.Time{"status-request/12/2026-W48": utc("2026-11-25T10:00:00Z"), "cadence/12/2026-11-25": utc("2026-11-25T00:05:00Z")}},
		{name: "RequestTimeSetting", settings: func(s *Settings) { s.StatusUpdateTime = "16:30" }, milestones: quiet(),
			now: utc("2026-11-25T16:29:00Z"), want: []string{"cadence/12/2026-11-25"}},
		{name: "RequestLateInTheWeek", milestones: quiet(), now: utc("2026-11-29T23:59:00Z"),
			want: []string{"cadence/12/2026-11-29", "status-request/12/2026-W48"}},
		// Monday of the next week: last week's request is stale, this
		// week's is not due before Wednesday.
		{name: "StaleRequestSkipped", milestones: quiet(), now: utc("2026-11-30T12:00:00Z"),
			want: []string{"cadence/12/2026-11-30"}},
		{name: "ReminderWaitsForTheRequest", milestones: quiet(), now: utc("2026-11-26T10:00:00Z"),
			want: []string{"cadence/12/2026-11-26", "status-request/12/2026-W48"}},
		{name: "ReminderNextDay", milestones: quiet(), ran: utc("2026-11-25T10:00:03Z"), now: utc("2026-11-26T10:00:00Z"),
			want:   []string{"cadence/12/2026-11-26", "status-request/12/2026-W48", "status-reminder/12/2026-W48"},
			wantAt: map[string]time.Time{"status-reminder/12/2026-W48": utc("2026-11-26T10:00:00Z")}},
		{name: "ReminderNotBeforeItsTime", milestones: quiet(), ran: utc("2026-11-25T10:00:03Z"), now: utc("2026-11-26T09:59:00Z"),
			want: []string{"cadence/12/2026-11-26", "status-request/12/2026-W48"}},
		{name: "ReminderSkipsHoliday", settings: func(s *Settings) { s.Holidays = []string{"2026-11-26"} }, milestones: quiet(),
			ran: utc("2026-11-25T10:00:03Z"), now: utc("2026-11-26T12:00:00Z"),
			want: []string{"cadence/12/2026-11-26", "status-request/12/2026-W48"}},
		{name: "ReminderAfterHoliday", settings: func(s *Settings) { s.Holidays = []string{"2026-11-26"} }, milestones: quiet(),
			ran: utc("2026-11-25T10:00:03Z"), now: utc("2026-11-27T10:00:00Z"),
			want:   []string{"cadence/12/2026-11-27", "status-request/12/2026-W48", "status-reminder/12/2026-W48"},
			wantAt: map[string]time.Time{"status-reminder/12/2026-W48": utc("2026-11-27T10:00:00Z")}},
		// The request ran late, on Thursday after downtime: the reminder
		// waits until Friday.
		{name: "LateRequestDelaysReminder", milestones: quiet(), ran: utc("2026-11-26T11:00:00Z"), now: utc("2026-11-26T11:01:00Z"),
			want: []string{"cadence/12/2026-11-26", "status-request/12/2026-W48"}},
		{name: "LateRequestReminderFriday", milestones: quiet(), ran: utc("2026-11-26T11:00:00Z"), now: utc("2026-11-27T10:00:00Z"),
			want: []string{"cadence/12/2026-11-27", "status-request/12/2026-W48", "status-reminder/12/2026-W48"}},
		// A request that ran on Friday has no reminder: Monday is next week.
		{name: "NoReminderNextWeek", milestones: quiet(), ran: utc("2026-11-27T11:00:00Z"), now: utc("2026-11-29T11:00:00Z"),
			want: []string{"cadence/12/2026-11-29", "status-request/12/2026-W48"}},
		{name: "RequestDayHoliday", settings: func(s *Settings) { s.Holidays = []string{"2026-11-25"} }, milestones: quiet(),
			now: utc("2026-11-26T10:00:00Z"), want: []string{"cadence/12/2026-11-26", "status-request/12/2026-W48"},
			wantAt: map[string]time.Time{"status-request/12/2026-W48": utc("2026-11-26T10:00:00Z")}},
		{name: "RequestDayHolidayNotYet", settings: func(s *Settings) { s.Holidays = []string{"2026-11-25"} }, milestones: quiet(),
			now: utc("2026-11-25T23:00:00Z"), want: []string{"cadence/12/2026-11-25"}},
		// Saturday as the status day moves to… nothing: the week has no
		// working day left.
		{name: "RequestDayWeekendNoWorkingDayLeft", settings: func(s *Settings) { s.StatusUpdateWeekday = "Saturday" }, milestones: quiet(),
			now: utc("2026-11-29T12:00:00Z"), want: []string{"cadence/12/2026-11-29"}},
		{name: "CadenceBeforeFiveMinutesPastMidnight", milestones: quiet(), now: utc("2026-11-24T00:04:59Z"),
			want: []string{"cadence/12/2026-11-23"}},

		// Finalisation of December (starts Tuesday 1 December; final by
		// Saturday 28 November). With Thanksgiving: early on Wednesday 25
		// (two working days before Saturday: Friday, then Wednesday), the
		// deadline reminder on Friday 27.
		{name: "FinalizeNotYet", settings: thanksgiving, milestones: withDec(func(*ScheduleMilestone) {}), now: utc("2026-11-25T09:00:00Z"),
			want: []string{"cadence/12/2026-11-25"}},
		{name: "FinalizeEarly", settings: thanksgiving, milestones: withDec(func(*ScheduleMilestone) {}), now: utc("2026-11-25T10:00:00Z"),
			want:   []string{"cadence/12/2026-11-25", "finalize-reminder/12/8/early", "status-request/12/2026-W48"},
			wantAt: map[string]time.Time{"finalize-reminder/12/8/early": utc("2026-11-25T10:00:00Z")}},
		{name: "FinalizeDeadlineSupersedesEarly", settings: thanksgiving, milestones: withDec(func(*ScheduleMilestone) {}), now: utc("2026-11-27T10:00:00Z"),
			want:   []string{"cadence/12/2026-11-27", "finalize-reminder/12/8/deadline", "status-request/12/2026-W48"},
			wantAt: map[string]time.Time{"finalize-reminder/12/8/deadline": utc("2026-11-27T10:00:00Z")}},
		{name: "FinalizeLastMinute", settings: thanksgiving, milestones: withDec(func(*ScheduleMilestone) {}), now: utc("2026-11-30T23:59:00Z"),
			want: []string{"cadence/12/2026-11-30", "finalize-reminder/12/8/deadline"}},
		{name: "FinalizeWindowEndsAtStart", settings: thanksgiving, milestones: withDec(func(*ScheduleMilestone) {}), now: utc("2026-12-01T00:00:00Z"),
			want: []string{"cadence/12/2026-11-30"}},
		{name: "FinalizedPlanNoReminder", settings: thanksgiving, milestones: withDec(func(m *ScheduleMilestone) { m.Finalized = true }),
			now: utc("2026-11-27T10:00:00Z"), want: []string{"cadence/12/2026-11-27", "status-request/12/2026-W48"}},
		{name: "ClosedMilestoneNoReminder", settings: thanksgiving, milestones: withDec(func(m *ScheduleMilestone) { m.Closed = true }),
			now: utc("2026-11-27T10:00:00Z"), want: []string{"cadence/12/2026-11-27", "status-request/12/2026-W48"}},
		// Without the holiday: early is Thursday 26.
		{name: "FinalizeEarlyNoHoliday", milestones: withDec(func(*ScheduleMilestone) {}), now: utc("2026-11-26T10:00:00Z"),
			want: []string{"cadence/12/2026-11-26", "finalize-reminder/12/8/early", "status-request/12/2026-W48"}},
		// Planning due on the first day: the reminder that day still counts.
		{name: "FinalizeLeadZero", settings: func(s *Settings) { s.FinalizeLeadDays = 0 }, milestones: withDec(func(*ScheduleMilestone) {}),
			now: utc("2026-12-01T10:00:00Z"), want: []string{"cadence/12/2026-12-01", "close-milestone/12/7", "finalize-reminder/12/8/deadline"}},
		{name: "UndatedMilestoneIgnored", milestones: withDec(func(m *ScheduleMilestone) { m.StartDate = "" }), now: utc("2026-11-27T10:00:00Z"),
			want: []string{"cadence/12/2026-11-27", "status-request/12/2026-W48"}},

		// November ends on Monday 30: retrospective and closing on
		// Tuesday 1 December at 00:05.
		{name: "MilestoneEndsNotYet", milestones: withNov(func(*ScheduleMilestone) {}), now: utc("2026-12-01T00:04:00Z"),
			want: []string{"cadence/12/2026-11-30"}},
		{name: "MilestoneEnded", milestones: withNov(func(*ScheduleMilestone) {}), now: utc("2026-12-01T00:05:00Z"),
			want: []string{"cadence/12/2026-12-01", "retrospective/12/7", "close-milestone/12/7"}},
		{name: "RetrospectiveExists", milestones: withNov(func(m *ScheduleMilestone) { m.HasRetrospective = true }), now: utc("2026-12-01T09:00:00Z"),
			want: []string{"cadence/12/2026-12-01", "close-milestone/12/7"}},
		{name: "AlreadyClosed", milestones: withNov(func(m *ScheduleMilestone) { m.Closed = true }), now: utc("2026-12-01T09:00:00Z"),
			want: []string{"cadence/12/2026-12-01", "retrospective/12/7"}},
		{name: "AutoCloseOff", settings: func(s *Settings) { s.AutoCloseMilestones = false }, milestones: withNov(func(*ScheduleMilestone) {}),
			now: utc("2026-12-01T09:00:00Z"), want: []string{"cadence/12/2026-12-01", "retrospective/12/7"}},
		// The retrospective is due on 14 December; after that day it is
		// not opened late. Closing waits 90 days.
		{name: "RetrospectiveLastDay", milestones: withNov(func(*ScheduleMilestone) {}), now: utc("2026-12-14T23:59:00Z"),
			want: []string{"cadence/12/2026-12-14", "retrospective/12/7", "close-milestone/12/7"}},
		{name: "RetrospectiveWindowEnded", milestones: withNov(func(*ScheduleMilestone) {}), now: utc("2026-12-15T00:00:00Z"),
			want: []string{"cadence/12/2026-12-14", "close-milestone/12/7"}},
		{name: "CloseWindowLastMinute", milestones: withNov(func(*ScheduleMilestone) {}), now: utc("2027-03-01T00:04:00Z"),
			want: []string{"cadence/12/2027-02-28", "close-milestone/12/7", "close-milestone/12/8"}},
		{name: "CloseWindowEnded", milestones: withNov(func(*ScheduleMilestone) {}), now: utc("2027-03-01T00:05:00Z"),
			want: []string{"cadence/12/2027-03-01", "close-milestone/12/8"}},

		// Auckland is 13 hours ahead in November (NZDT). Monday 23
		// November 10:00 there is Sunday 22 November 21:00 UTC, in ISO
		// week 47 in UTC but 48 in Auckland.
		{name: "AucklandBefore", settings: auckland, milestones: quiet(), now: utc("2026-11-22T20:59:00Z"),
			want: []string{"cadence/12/2026-11-23"}},
		{name: "AucklandRequest", settings: auckland, milestones: quiet(), now: utc("2026-11-22T21:00:00Z"),
			want: []string{"cadence/12/2026-11-23", "status-request/12/2026-W48"},
			wantAt: map[string]time.Time{
				"status-request/12/2026-W48": utc("2026-11-22T21:00:00Z"),
				"cadence/12/2026-11-23":      utc("2026-11-22T11:05:00Z"),
			}},
		// November has ended in Auckland while it is still the 30th in
		// UTC (and Monday's status request, at 10:00 there, has passed).
		{name: "AucklandMilestoneEnded", settings: auckland, milestones: withNov(func(*ScheduleMilestone) {}), now: utc("2026-11-30T11:05:00Z"),
			want:   []string{"cadence/12/2026-12-01", "retrospective/12/7", "close-milestone/12/7", "status-request/12/2026-W49"},
			wantAt: map[string]time.Time{"retrospective/12/7": utc("2026-11-30T11:05:00Z")}},

		// New York leaves daylight saving on Sunday 1 November: 10:00 is
		// 14:00 UTC on Wednesday 28 October and 15:00 UTC on Wednesday 4
		// November.
		{name: "NewYorkBeforeChange", settings: newYork, milestones: quiet(), now: utc("2026-10-28T14:00:00Z"),
			want:   []string{"cadence/12/2026-10-28", "status-request/12/2026-W44"},
			wantAt: map[string]time.Time{"cadence/12/2026-10-28": utc("2026-10-28T04:05:00Z")}},
		{name: "NewYorkReminderBeforeChange", settings: newYork, milestones: quiet(), ran: utc("2026-10-28T14:00:01Z"), now: utc("2026-10-29T14:00:00Z"),
			want: []string{"cadence/12/2026-10-29", "status-request/12/2026-W44", "status-reminder/12/2026-W44"}},
		// The day of the change has 25 hours: its cadence runs at 00:05
		// EDT, the next day's at 00:05 EST.
		{name: "NewYorkChangeDay", settings: newYork, milestones: quiet(), now: utc("2026-11-02T05:04:00Z"),
			want:   []string{"cadence/12/2026-11-01"},
			wantAt: map[string]time.Time{"cadence/12/2026-11-01": utc("2026-11-01T04:05:00Z")}},
		{name: "NewYorkDayAfterChange", settings: newYork, milestones: quiet(), now: utc("2026-11-02T05:05:00Z"),
			want: []string{"cadence/12/2026-11-02"}},
		{name: "NewYorkStillNineLocal", settings: newYork, milestones: quiet(), now: utc("2026-11-04T14:59:00Z"),
			want: []string{"cadence/12/2026-11-04"}},
		{name: "NewYorkAfterChange", settings: newYork, milestones: quiet(), now: utc("2026-11-04T15:00:00Z"),
			want:   []string{"cadence/12/2026-11-04", "status-request/12/2026-W45"},
			wantAt: map[string]time.Time{"status-request/12/2026-W45": utc("2026-11-04T15:00:00Z")}},
		{name: "NewYorkReminderAfterChange", settings: newYork, milestones: quiet(), ran: utc("2026-11-04T15:00:01Z"), now: utc("2026-11-05T14:59:00Z"),
			want: []string{"cadence/12/2026-11-05", "status-request/12/2026-W45"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			if tt.settings != nil {
				tt.settings(&s)
			}
			got, err := DueOccurrences(ScheduleInput{GroupID: g, Settings: s, Milestones: tt.milestones, StatusRequestRan: tt.ran}, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			keys := []string{}
			at := map[string]time.Time{}
			for _, o := range got {
				keys = append(keys, o.Key)
				at[o.Key] = o.At
				if !strings.HasPrefix(o.Key, o.Kind+"/12/") || o.At.After(tt.now) || !o.Until.After(tt.now) {
					t.Errorf("occurrence %+v is not due at %s", o, tt.now)
				}
			}
			if !reflect.DeepEqual(keys, tt.want) {
				t.Errorf("due at %s:\n got %q\nwant %q", tt.now, keys, tt.want)
			}
			for k, want := range tt.wantAt {
				if !at[k].Equal(want) {
					t.Errorf("%s at %s, want %s", k, at[k].UTC(), want)
				}
			}
		})
	}
}

func thanksgiving(s *Settings) { s.Holidays = []string{"2026-11-26"} }
func auckland(s *Settings)     { s.TimeZone, s.StatusUpdateWeekday = "Pacific/Auckland", "Monday" }
func newYork(s *Settings)      { s.TimeZone = "America/New_York" }

// TestDueOccurrencesFields checks what the scheduler's steps read from an
// occurrence.
func TestDueOccurrencesFields(t *testing.T) {
	s := DefaultSettings()
	s.Holidays = []string{"2026-11-25"} // the request moves to Thursday
	got, err := DueOccurrences(ScheduleInput{GroupID: 3, Settings: s, StatusRequestRan: utc("2026-11-26T10:00:00Z"),
		Milestones: []ScheduleMilestone{{ID: 8, Title: "December 2026", StartDate: "2026-12-01", DueDate: "2026-12-31"}}},
		utc("2026-11-27T10:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Occurrence{
		{Key: "cadence/3/2026-11-27", Kind: StepCadence, At: utc("2026-11-27T00:05:00Z"), Until: utc("2026-11-28T00:05:00Z"), Date: "2026-11-27"},
		{Key: "finalize-reminder/3/8/deadline", Kind: StepFinalizeReminder, At: utc("2026-11-27T10:00:00Z"), Until: utc("2026-12-01T00:00:00Z"),
			Date: "2026-11-27", DueDate: "2026-11-28", MilestoneID: 8, Milestone: "December 2026", Stage: FinalizeDeadline},
		{Key: "status-request/3/2026-W48", Kind: StepStatusRequest, At: utc("2026-11-26T10:00:00Z"), Until: utc("2026-11-30T00:00:00Z"),
			Date: "2026-11-26", Week: "2026-W48", DueDate: "2026-11-26"},
		{Key: "status-reminder/3/2026-W48", Kind: StepStatusReminder, At: utc("2026-11-27T10:00:00Z"), Until: utc("2026-11-30T00:00:00Z"),
			Date: "2026-11-27", Week: "2026-W48", DueDate: "2026-11-26"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d occurrences: %+v", len(got), got)
	}
	for i := range want {
		g := got[i]
		g.At, g.Until = g.At.UTC(), g.Until.UTC()
		if g != want[i] {
			t.Errorf("occurrence %d\n got %+v\nwant %+v", i, g, want[i])
		}
	}
}

func TestDueOccurrencesBadSettings(t *testing.T) {
	for _, change := range []func(*Settings){
		func(s *Settings) { s.TimeZone = "Mars/Base" },
		func(s *Settings) { s.StatusUpdateTime = "noon" },
		func(s *Settings) { s.StatusUpdateWeekday = "Caturday" },
		func(s *Settings) { s.Holidays = []string{"xmas"} },
	} {
		s := DefaultSettings()
		change(&s)
		if _, err := DueOccurrences(ScheduleInput{Settings: s}, utc("2026-11-25T10:00:00Z")); err == nil {
			t.Errorf("no error for %+v", s)
		}
	}
}

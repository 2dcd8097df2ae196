package planning

import (
	"math"
	"strings"
	"testing"
)

// November 2026 as a person sees it on a wall calendar:
//
//	Mo Tu We Th Fr Sa Su
//	                   1
//	 2  3  4  5  6  7  8
//	 9 10 11 12 13 14 15
//	16 17 18 19 20 21 22
//	23 24 25 26 27 28 29
//	30
//
// Weekdays: 5 + 5 + 5 + 5 + 1 (the 30th) = 21.

func TestWorkingDays(t *testing.T) {
	tests := []struct {
		name       string
		start, due string
		holidays   []string
		want       int
		wantErr    string
	}{
		// 21 weekdays, nothing else.
		{name: "November2026", start: "2026-11-01", due: "2026-11-30", want: 21},
		// Thursday the 26th is a holiday: 21 − 1 = 20.
		{name: "Holiday", start: "2026-11-01", due: "2026-11-30", holidays: []string{"2026-11-26"}, want: 20},
		// Saturday the 28th is already not a working day: still 21.
		{name: "HolidayOnWeekend", start: "2026-11-01", due: "2026-11-30", holidays: []string{"2026-11-28"}, want: 21},
		// The same holiday twice is one day off: 20.
		{name: "HolidayListedTwice", start: "2026-11-01", due: "2026-11-30", holidays: []string{"2026-11-26", "2026-11-26"}, want: 20},
		// A holiday outside the range changes nothing: 21.
		{name: "HolidayOutside", start: "2026-11-01", due: "2026-11-30", holidays: []string{"2026-12-25"}, want: 21},
		// Monday 2 to Sunday 8: Mon–Fri = 5.
		{name: "OneWeek", start: "2026-11-02", due: "2026-11-08", want: 5},
		// Both ends count: Friday the 6th alone is 1.
		{name: "SingleWeekday", start: "2026-11-06", due: "2026-11-06", want: 1},
		{name: "SingleSaturday", start: "2026-11-07", due: "2026-11-07", want: 0},
		{name: "DueBeforeStart", start: "2026-11-30", due: "2026-11-01", want: 0},
		// July 2026 starts on a Wednesday: 23 weekdays.
		{name: "July2026", start: "2026-07-01", due: "2026-07-31", want: 23},
		// Across a year end: Thu 31 Dec 2026 and Fri 1 Jan 2027 = 2.
		{name: "YearEnd", start: "2026-12-31", due: "2027-01-03", want: 2},
		{name: "ErrBadStart", start: "2026-11-31", due: "2026-11-30", wantErr: `start date: "2026-11-31" is not a date`},
		{name: "ErrBadDue", start: "2026-11-01", due: "30.11.2026", wantErr: `due date: "30.11.2026" is not a date`},
		{name: "ErrBadHoliday", start: "2026-11-01", due: "2026-11-30", holidays: []string{"2026-11-26", "soon"}, wantErr: `holidays[1]: "soon" is not a date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WorkingDays(tt.start, tt.due, tt.holidays)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("WorkingDays(%s, %s) = %d, want %d", tt.start, tt.due, got, tt.want)
			}
		})
	}
}

func TestTimeOffDays(t *testing.T) {
	nov := func(entries ...TimeOff) []TimeOff { return entries }
	full := func(from, to string) TimeOff { return TimeOff{UserID: 1, StartDate: from, EndDate: to} }
	half := func(from, to string) TimeOff { return TimeOff{UserID: 1, StartDate: from, EndDate: to, HalfDay: true} }
	holidays := []string{"2026-11-26"} // Thursday

	tests := []struct {
		name    string
		entries []TimeOff
		want    float64
		wantErr string
	}{
		{name: "None", want: 0},
		// Monday 9 and Tuesday 10: 2 days.
		{name: "TwoFullDays", entries: nov(full("2026-11-09", "2026-11-10")), want: 2},
		// Wednesday 11, half: 0.5.
		{name: "HalfDay", entries: nov(half("2026-11-11", "2026-11-11")), want: 0.5},
		// 2 + 0.5 = 2.5.
		{name: "DaysAndHalfDay", entries: nov(full("2026-11-09", "2026-11-10"), half("2026-11-11", "2026-11-11")), want: 2.5},
		// Mon 9–Fri 13 and Thu 12–Mon 16 overlap on the 12th and 13th.
		// Together they cover 9, 10, 11, 12, 13, 16 = 6 working days, not 5 + 3 = 8.
		{name: "OverlappingRanges", entries: nov(full("2026-11-09", "2026-11-13"), full("2026-11-12", "2026-11-16")), want: 6},
		// The same week entered twice is still 5 days.
		{name: "SameEntryTwice", entries: nov(full("2026-11-09", "2026-11-13"), full("2026-11-09", "2026-11-13")), want: 5},
		// A half day inside a full day off adds nothing: 9 and 10 = 2.
		{name: "HalfDayInsideFullDays", entries: nov(full("2026-11-09", "2026-11-10"), half("2026-11-10", "2026-11-10")), want: 2},
		// Two half days on one date count as that date's largest entry: 0.5.
		{name: "TwoHalfDaysSameDate", entries: nov(half("2026-11-11", "2026-11-11"), half("2026-11-11", "2026-11-11")), want: 0.5},
		// Saturday 14 and Sunday 15 are not working days: 0.
		{name: "Weekend", entries: nov(full("2026-11-14", "2026-11-15")), want: 0},
		// Thursday 26 is already a holiday: 0.
		{name: "OnHoliday", entries: nov(full("2026-11-26", "2026-11-26")), want: 0},
		// Wed 25, Thu 26 (holiday), Fri 27: 2.
		{name: "AroundHoliday", entries: nov(full("2026-11-25", "2026-11-27")), want: 2},
		// Thu 29 Oct to Tue 3 Nov: only Mon 2 and Tue 3 are in November: 2.
		{name: "StartsBeforeMilestone", entries: nov(full("2026-10-29", "2026-11-03")), want: 2},
		// Mon 30 Nov to Fri 4 Dec: only the 30th is in November: 1.
		{name: "EndsAfterMilestone", entries: nov(full("2026-11-30", "2026-12-04")), want: 1},
		// Half days for a week, Mon 16–Fri 20: 5 × 0.5 = 2.5.
		{name: "HalfDaysForAWeek", entries: nov(half("2026-11-16", "2026-11-22")), want: 2.5},
		{name: "ErrEndBeforeStart", entries: nov(full("2026-11-10", "2026-11-09")), wantErr: "end date 2026-11-09 is before start date 2026-11-10"},
		{name: "ErrBadDate", entries: nov(full("2026-11-10", "tomorrow")), wantErr: `end date: "tomorrow" is not a date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TimeOffDays(tt.entries, "2026-11-01", "2026-11-30", holidays)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("TimeOffDays = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCadence(t *testing.T) {
	tests := []struct {
		name  string
		c     Cadence
		today string
		n     int
		want  []Period
	}{
		{
			// Monthly from the 1st: the month of today, then the next two.
			name: "FirstOfMonth", c: Cadence{Interval: CadenceMonthly, StartDay: 1}, today: "2026-11-15", n: 2,
			want: []Period{
				{"November 2026", "2026-11-01", "2026-11-30"},
				{"December 2026", "2026-12-01", "2026-12-31"},
				{"January 2027", "2027-01-01", "2027-01-31"},
			},
		},
		{
			// From the 15th: on 10 November we are still in the milestone
			// that started on 15 October; each ends the day before the next 15th.
			name: "FifteenthOfMonth", c: Cadence{Interval: CadenceMonthly, StartDay: 15}, today: "2026-11-10", n: 1,
			want: []Period{
				{"October 2026", "2026-10-15", "2026-11-14"},
				{"November 2026", "2026-11-15", "2026-12-14"},
			},
		},
		{
			// Early January with a mid-month start reaches back into December.
			name: "AcrossYearEnd", c: Cadence{Interval: CadenceMonthly, StartDay: 15}, today: "2027-01-03", n: 0,
			want: []Period{{"December 2026", "2026-12-15", "2027-01-14"}},
		},
		{
			// February 2027 has 28 days: it ends on the 28th.
			name: "February", c: Cadence{Interval: CadenceMonthly, StartDay: 1}, today: "2027-02-01", n: 0,
			want: []Period{{"February 2027", "2027-02-01", "2027-02-28"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.Upcoming(tt.today, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d periods %v, want %v", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("period %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
	if _, err := (Cadence{Interval: "weekly", StartDay: 1}).PeriodOf("2026-11-01"); err == nil {
		t.Error("weekly cadence: no error")
	}
}

func TestDeadlines(t *testing.T) {
	s := DefaultSettings()
	// Planning of a milestone starting Tue 1 Dec is final 3 days before: Sat 28 Nov.
	if got, err := s.FinalizeBy("2026-12-01"); err != nil || got != "2026-11-28" {
		t.Errorf("FinalizeBy = %q, %v; want 2026-11-28", got, err)
	}
	// A milestone ending 30 Nov has its retrospective due 14 days later: 14 Dec.
	if got, err := s.RetrospectiveDue("2026-11-30"); err != nil || got != "2026-12-14" {
		t.Errorf("RetrospectiveDue = %q, %v; want 2026-12-14", got, err)
	}
	if _, err := s.FinalizeBy(""); err == nil {
		t.Error("FinalizeBy(\"\"): no error")
	}
}

func TestRound1(t *testing.T) {
	tests := []struct {
		in   float64
		want float64
		text string
	}{
		{12.25, 12.3, "12.3"},              // a half rounds up, as by hand
		{17.5 * 0.7, 12.3, "12.3"},         // the same figure as a computer gets it
		{12.249999999999998, 12.3, "12.3"}, // noise below a millionth is not a difference
		{12.24, 12.2, "12.2"},
		{0.05, 0.1, "0.1"},
		{0.04, 0, "0.0"},
		{2.96, 3, "3.0"},
		{20, 20, "20.0"},
		{-0.25, -0.3, "-0.3"}, // halves away from zero
		{6.8936170212765955, 6.9, "6.9"},
	}
	for _, tt := range tests {
		if got := Round1(tt.in); got != tt.want {
			t.Errorf("Round1(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if got := Format1(tt.in); got != tt.text {
			t.Errorf("Format1(%v) = %q, want %q", tt.in, got, tt.text)
		}
	}
	if !math.IsNaN(Round1(math.NaN())) {
		t.Error("Round1(NaN) is not NaN")
	}
}

func TestFormatNum(t *testing.T) {
	for in, want := range map[float64]string{2.96: "2.96", 3: "3", 0.5: "0.5", 1.3936: "1.39", -1e-7: "0", 4.778723: "4.78"} {
		if got := formatNum(in); got != want {
			t.Errorf("formatNum(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestCadenceTitleFormat(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"", "November 2026"}, {TitleMonthYear, "November 2026"}, {TitleYearMonth, "2026-11"},
	} {
		p, err := Cadence{Interval: CadenceMonthly, StartDay: 1, TitleFormat: tc.format}.PeriodOf("2026-11-23")
		if err != nil || p.Title != tc.want {
			t.Errorf("format %q: %q, %v; want %q", tc.format, p.Title, err, tc.want)
		}
	}
	s := DefaultSettings()
	s.Cadence.TitleFormat = "dd.mm"
	if msg := s.Problems()["cadence.title_format"]; msg == "" {
		t.Error("an unknown title format is accepted")
	}
}

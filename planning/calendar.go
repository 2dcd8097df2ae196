package planning

import (
	"fmt"
	"time"
)

// day is a calendar date as a count of days since 1970-01-01. Dates enter
// and leave the package as "YYYY-MM-DD" strings; inside, whole-day integers
// make ranges and weekdays exact and cheap.
type day int32

func parseDay(s string) (day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		return 0, fmt.Errorf("%q is not a date like 2026-11-30", s)
	}
	return day(t.Unix() / 86400), nil
}

// String formats the date as "YYYY-MM-DD".
func (d day) String() string {
	return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)
}

func (d day) weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday(((int(d)+int(time.Thursday))%7 + 7) % 7)
}

func (d day) date() (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

func dayOf(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// calendar knows which days are working days: Monday to Friday, not a
// team holiday.
type calendar struct {
	holidays map[day]bool
}

func newCalendar(holidays []string) (calendar, error) {
	c := calendar{holidays: make(map[day]bool, len(holidays))}
	for i, h := range holidays {
		d, err := parseDay(h)
		if err != nil {
			return c, fmt.Errorf("holidays[%d]: %w", i, err)
		}
		c.holidays[d] = true
	}
	return c, nil
}

func (c calendar) working(d day) bool {
	wd := d.weekday()
	return wd != time.Saturday && wd != time.Sunday && !c.holidays[d]
}

// workingDays counts the working days in [from, to]; 0 for an empty range.
func (c calendar) workingDays(from, to day) int {
	n := 0
	for d := from; d <= to; d++ {
		if c.working(d) {
			n++
		}
	}
	return n
}

// WorkingDays returns the number of working days in the inclusive range
// [start, due]: Monday to Friday dates that are not holidays. Dates are
// "YYYY-MM-DD"; an error names a malformed one. A range whose due date is
// before its start has no working days.
func WorkingDays(start, due string, holidays []string) (int, error) {
	from, to, err := parseRange(start, due)
	if err != nil {
		return 0, err
	}
	cal, err := newCalendar(holidays)
	if err != nil {
		return 0, err
	}
	return cal.workingDays(from, to), nil
}

func parseRange(start, due string) (day, day, error) {
	from, err := parseDay(start)
	if err != nil {
		return 0, 0, fmt.Errorf("start date: %w", err)
	}
	to, err := parseDay(due)
	if err != nil {
		return 0, 0, fmt.Errorf("due date: %w", err)
	}
	return from, to, nil
}

// TimeOff is one entry of a member's time off: the inclusive date range
// [StartDate, EndDate]. HalfDay makes every working day of the range count
// half.
type TimeOff struct {
	UserID    int64  `json:"user_id"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	HalfDay   bool   `json:"half_day"`
}

type offSpan struct {
	from, to day
	amount   float64 // 1, or 0.5 for a half day
}

func parseTimeOff(t TimeOff) (offSpan, error) {
	from, err := parseDay(t.StartDate)
	if err != nil {
		return offSpan{}, fmt.Errorf("time off of user %d: start date: %w", t.UserID, err)
	}
	to, err := parseDay(t.EndDate)
	if err != nil {
		return offSpan{}, fmt.Errorf("time off of user %d: end date: %w", t.UserID, err)
	}
	if to < from {
		return offSpan{}, fmt.Errorf("time off of user %d: end date %s is before start date %s", t.UserID, t.EndDate, t.StartDate)
	}
	s := offSpan{from: from, to: to, amount: 1}
	if t.HalfDay {
		s.amount = 0.5
	}
	return s, nil
}

// offDays counts the time off in [from, to] on working days. Each day counts
// once, as much as the largest entry covering it, so that overlapping entries
// do not count a day twice: a full day beats a half day, and two half days on
// one date count half (nothing says they are a morning and an afternoon).
func (c calendar) offDays(spans []offSpan, from, to day) float64 {
	var in []offSpan
	for _, s := range spans {
		if s.to >= from && s.from <= to {
			in = append(in, s)
		}
	}
	if len(in) == 0 {
		return 0
	}
	total := 0.0
	for d := from; d <= to; d++ {
		if !c.working(d) {
			continue
		}
		best := 0.0
		for _, s := range in {
			if d >= s.from && d <= s.to && s.amount > best {
				best = s.amount
			}
		}
		total += best
	}
	return total
}

// TimeOffDays returns the working days in [start, due] that entries take off,
// taking all entries to be one member's (the caller filters by user): a half
// day counts 0.5, a weekend day or holiday counts 0, and a date covered by
// several entries counts once, as much as its largest entry.
func TimeOffDays(entries []TimeOff, start, due string, holidays []string) (float64, error) {
	from, to, err := parseRange(start, due)
	if err != nil {
		return 0, err
	}
	cal, err := newCalendar(holidays)
	if err != nil {
		return 0, err
	}
	spans := make([]offSpan, 0, len(entries))
	for _, e := range entries {
		s, err := parseTimeOff(e)
		if err != nil {
			return 0, err
		}
		spans = append(spans, s)
	}
	return cal.offDays(spans, from, to), nil
}

// Period is the date range of one milestone of the cadence, with a suggested
// title: the month and year it starts in ("November 2026", or "2026-11"
// with the TitleYearMonth format).
type Period struct {
	Title     string `json:"title"`
	StartDate string `json:"start_date"`
	DueDate   string `json:"due_date"`
}

// PeriodOf returns the cadence's period that contains date.
func (c Cadence) PeriodOf(date string) (Period, error) {
	if c.Interval != CadenceMonthly || c.StartDay < 1 || c.StartDay > 28 {
		return Period{}, fmt.Errorf("cadence: unsupported %q starting on day %d", c.Interval, c.StartDay)
	}
	d, err := parseDay(date)
	if err != nil {
		return Period{}, err
	}
	y, m, dd := d.date()
	if dd < c.StartDay {
		m-- // time.Date normalises month 0 to December of the year before
	}
	return c.period(y, m), nil
}

func (c Cadence) period(y int, m time.Month) Period {
	start := dayOf(y, m, c.StartDay)
	// The day before the start day of the next month.
	due := dayOf(y, m+1, c.StartDay) - 1
	sy, sm, _ := start.date()
	title := fmt.Sprintf("%s %d", sm, sy)
	if c.TitleFormat == TitleYearMonth {
		title = fmt.Sprintf("%04d-%02d", sy, int(sm))
	}
	return Period{
		Title:     title,
		StartDate: start.String(),
		DueDate:   due.String(),
	}
}

// Upcoming returns the period that contains today followed by the next n
// periods: the milestones that should exist ahead of time.
func (c Cadence) Upcoming(today string, n int) ([]Period, error) {
	cur, err := c.PeriodOf(today)
	if err != nil {
		return nil, err
	}
	d, _ := parseDay(cur.StartDate)
	y, m, _ := d.date()
	out := make([]Period, 0, n+1)
	for i := 0; i <= n; i++ {
		out = append(out, c.period(y, m+time.Month(i)))
	}
	return out, nil
}

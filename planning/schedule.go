package planning

import (
	"fmt"
	"sort"
	"time"
)

// The steps Cairn's scheduler runs for every team. Each is the first part
// of its occurrences' keys.
const (
	// StepStatusRequest asks the assignees of the current milestone's open
	// issues for their weekly status updates.
	StepStatusRequest = "status-request"
	// StepStatusReminder reminds those who still owe an update the next
	// working day.
	StepStatusReminder = "status-reminder"
	// StepFinalizeReminder reminds the managers to finalise a plan.
	StepFinalizeReminder = "finalize-reminder"
	// StepCadence keeps the milestones ahead and the planning issue.
	StepCadence = "cadence"
	// StepRetrospective opens the retrospective of a milestone that ended.
	StepRetrospective = "retrospective"
	// StepCloseMilestone closes a milestone that ended.
	StepCloseMilestone = "close-milestone"
)

// The two finalisation reminders of a milestone.
const (
	FinalizeEarly    = "early"
	FinalizeDeadline = "deadline"
)

// dailyMinute is when the daily steps (cadence, retrospective, closing)
// run: five minutes after midnight in the team's zone, so that "the day
// after the milestone ends" has begun everywhere in the team's calendar.
const dailyHour, dailyMinute = 0, 5

// closeWindowDays is how long after its end a milestone that was not
// closed (Cairn was down, or the setting was off) is still closed.
const closeWindowDays = 90

// ScheduleMilestone is what the schedule knows of one of a team's
// milestones. Milestones without both dates are ignored.
type ScheduleMilestone struct {
	ID        int64
	Title     string
	StartDate string
	DueDate   string
	Closed    bool
	// Finalized says the milestone's plan is final.
	Finalized bool
	// HasRetrospective says the milestone's retrospective exists.
	HasRetrospective bool
}

// ScheduleInput is a team as the scheduler sees it.
type ScheduleInput struct {
	GroupID    int64
	Settings   Settings
	Milestones []ScheduleMilestone
	// StatusRequestRan is when this week's status request finished (done,
	// or failed for good); zero while it has not. The reminder follows the
	// request: it is due the next working day after the request went out,
	// so a request that ran late after downtime is not chased minutes later.
	StatusRequestRan time.Time
}

// Occurrence is one occurrence of a scheduled step.
type Occurrence struct {
	// Key names the occurrence: "status-request/12/2026-W48",
	// "finalize-reminder/12/7/early", "cadence/12/2026-11-23",
	// "retrospective/12/7", "close-milestone/12/7". It runs once.
	Key  string
	Kind string // one of the Step constants
	// At is when it is due; Until is when its window ends (exclusive):
	// after that it is skipped, never run late.
	At    time.Time
	Until time.Time
	// Date is the team's date of At ("2026-11-25").
	Date string
	// Week is the ISO week of the status steps ("2026-W48").
	Week string
	// DueDate is what the occurrence chases: the day status updates are due
	// (the request day), the date a plan must be final by, or the
	// retrospective's due date.
	DueDate string
	// MilestoneID and Milestone (its title) are set for the steps about
	// one milestone.
	MilestoneID int64
	Milestone   string
	// Stage is FinalizeEarly or FinalizeDeadline for finalisation reminders.
	Stage string
}

// stepOrder is the order steps run in: the cadence first (it creates what
// the others may need), a milestone's retrospective before it is closed,
// the status request before its reminder.
var stepOrder = map[string]int{
	StepCadence: 0, StepRetrospective: 1, StepCloseMilestone: 2,
	StepFinalizeReminder: 3, StepStatusRequest: 4, StepStatusReminder: 5,
}

// DueOccurrences returns the occurrences due at now, in the order to run
// them: cadence, retrospectives, closing, finalisation reminders, the
// status request, its reminder (then by At and Key). For
// each step (and, for the steps about a milestone, each milestone) it is
// the latest occurrence whose time has passed and whose window has not
// ended: after downtime a missed occurrence runs once, and one whose
// window ended (last week's status request) is skipped. Times of day are
// in the team's time zone, so they stay put across daylight-saving changes.
// The caller runs each occurrence at most once (by its Key). An error says
// the settings are unusable (time zone, status_update_time,
// status_update_weekday, holidays).
func DueOccurrences(in ScheduleInput, now time.Time) ([]Occurrence, error) {
	s := in.Settings
	loc, err := s.Location()
	if err != nil {
		return nil, fmt.Errorf("time_zone: %w", err)
	}
	hour, minute, ok := s.StatusTime()
	if !ok {
		return nil, fmt.Errorf("status_update_time: %q is not a time of day", s.StatusUpdateTime)
	}
	weekday, ok := s.StatusWeekday()
	if !ok {
		return nil, fmt.Errorf("status_update_weekday: %q is not a weekday", s.StatusUpdateWeekday)
	}
	cal, err := newCalendar(s.Holidays)
	if err != nil {
		return nil, err
	}
	sc := schedule{loc: loc, cal: cal, now: now, group: in.GroupID}
	local := now.In(loc)
	today := dayOf(local.Year(), local.Month(), local.Day())

	var out []Occurrence
	add := func(o Occurrence, ok bool) {
		if ok {
			out = append(out, o)
		}
	}
	add(sc.cadence(today))
	add(sc.statusRequest(today, weekday, hour, minute))
	add(sc.statusReminder(today, weekday, hour, minute, in.StatusRequestRan))
	for _, m := range in.Milestones {
		start, err1 := parseDay(m.StartDate)
		end, err2 := parseDay(m.DueDate)
		if err1 != nil || err2 != nil {
			continue
		}
		if !m.Closed && !m.Finalized {
			add(sc.finalizeReminder(m, start, s.FinalizeLeadDays, hour, minute))
		}
		if !m.HasRetrospective {
			add(sc.retrospective(m, end, s.RetroDueDays))
		}
		if s.AutoCloseMilestones && !m.Closed {
			add(sc.closeMilestone(m, end))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if stepOrder[a.Kind] != stepOrder[b.Kind] {
			return stepOrder[a.Kind] < stepOrder[b.Kind]
		}
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		return a.Key < b.Key
	})
	return out, nil
}

// StatusRequestKey returns the key of a group's status request in an ISO
// week: "status-request/12/2026-W48".
func StatusRequestKey(groupID int64, week string) string {
	return fmt.Sprintf("%s/%d/%s", StepStatusRequest, groupID, week)
}

// schedule holds what every step's rule needs.
type schedule struct {
	loc   *time.Location
	cal   calendar
	now   time.Time
	group int64
}

// at returns the instant of the time of day on d in the team's zone. A
// time that a daylight-saving change skips is normalised by time.Date
// (02:30 on a spring-forward night becomes 03:30).
func (sc schedule) at(d day, hour, minute int) time.Time {
	y, m, dd := d.date()
	return time.Date(y, m, dd, hour, minute, 0, 0, sc.loc)
}

// due reports whether an occurrence at at with a window until until is due.
func (sc schedule) due(at, until time.Time) bool {
	return !sc.now.Before(at) && sc.now.Before(until)
}

// week returns the Monday of d's ISO week and its ISO name.
func week(d day) (monday day, name string) {
	monday = d - day((int(d.weekday())+6)%7)
	y, m, dd := d.date()
	yy, w := time.Date(y, m, dd, 12, 0, 0, 0, time.UTC).ISOWeek()
	return monday, fmt.Sprintf("%04d-W%02d", yy, w)
}

// nextWorking returns the first working day from d on, before limit; false
// if there is none.
func (c calendar) nextWorking(d, limit day) (day, bool) {
	for ; d < limit; d++ {
		if c.working(d) {
			return d, true
		}
	}
	return 0, false
}

// lastWorkingOnOrBefore returns d if it is a working day, else the
// working day before it; d itself if none is found within a month (a
// calendar of holidays only).
func (c calendar) lastWorkingOnOrBefore(d day) day {
	for x := d; x > d-31; x-- {
		if c.working(x) {
			return x
		}
	}
	return d
}

// workingDaysBefore returns the n-th working day before d (not counting
// d); d − n when none is found within two months.
func (c calendar) workingDaysBefore(d day, n int) day {
	count := 0
	for x := d - 1; x > d-62; x-- {
		if c.working(x) {
			count++
			if count == n {
				return x
			}
		}
	}
	return d - day(n)
}

// cadence is daily at 00:05; its window ends at the next day's occurrence.
func (sc schedule) cadence(today day) (Occurrence, bool) {
	d := today
	if sc.now.Before(sc.at(d, dailyHour, dailyMinute)) {
		d--
	}
	o := Occurrence{
		Key: fmt.Sprintf("%s/%d/%s", StepCadence, sc.group, d), Kind: StepCadence,
		At: sc.at(d, dailyHour, dailyMinute), Until: sc.at(d+1, dailyHour, dailyMinute), Date: d.String(),
	}
	return o, sc.due(o.At, o.Until)
}

// requestDay returns the status request day of the week starting on
// monday: the status update weekday, or the next working day of the same
// week when it is a weekend day or holiday; false when the rest of the
// week has no working day.
func (sc schedule) requestDay(monday day, weekday time.Weekday) (day, bool) {
	return sc.cal.nextWorking(monday+day((int(weekday)+6)%7), monday+7)
}

// statusRequest is weekly on the request day at status_update_time; its
// window ends with the ISO week.
func (sc schedule) statusRequest(today day, weekday time.Weekday, hour, minute int) (Occurrence, bool) {
	monday, name := week(today)
	d, ok := sc.requestDay(monday, weekday)
	if !ok {
		return Occurrence{}, false
	}
	o := Occurrence{
		Key: StatusRequestKey(sc.group, name), Kind: StepStatusRequest,
		At: sc.at(d, hour, minute), Until: sc.at(monday+7, 0, 0), Date: d.String(), Week: name, DueDate: d.String(),
	}
	return o, sc.due(o.At, o.Until)
}

// statusReminder is due at status_update_time on the next working day
// after the request went out (the request day, or the later day it ran
// on), in the same ISO week only, and not before the request has run.
func (sc schedule) statusReminder(today day, weekday time.Weekday, hour, minute int, ran time.Time) (Occurrence, bool) {
	if ran.IsZero() {
		return Occurrence{}, false
	}
	monday, name := week(today)
	req, ok := sc.requestDay(monday, weekday)
	if !ok {
		return Occurrence{}, false
	}
	base := req
	r := ran.In(sc.loc)
	if rd := dayOf(r.Year(), r.Month(), r.Day()); rd > base {
		base = rd
	}
	d, ok := sc.cal.nextWorking(base+1, monday+7)
	if !ok {
		return Occurrence{}, false
	}
	o := Occurrence{
		Key: fmt.Sprintf("%s/%d/%s", StepStatusReminder, sc.group, name), Kind: StepStatusReminder,
		At: sc.at(d, hour, minute), Until: sc.at(monday+7, 0, 0), Date: d.String(), Week: name, DueDate: req.String(),
	}
	return o, sc.due(o.At, o.Until)
}

// finalizeReminder is the latest passed of a plan's two reminders: two
// working days before the finalisation deadline, and on the deadline (the
// working day before it when it is a weekend day or holiday), both at
// status_update_time, until the milestone starts (or the end of the
// deadline day, when planning is due on the first day).
func (sc schedule) finalizeReminder(m ScheduleMilestone, start day, leadDays, hour, minute int) (Occurrence, bool) {
	deadline := start - day(leadDays)
	until := sc.at(start, 0, 0)
	if end := sc.at(deadline+1, 0, 0); end.After(until) {
		until = end
	}
	var o Occurrence
	for _, st := range []struct {
		stage string
		d     day
	}{
		{FinalizeEarly, sc.cal.workingDaysBefore(deadline, 2)},
		{FinalizeDeadline, sc.cal.lastWorkingOnOrBefore(deadline)},
	} {
		at := sc.at(st.d, hour, minute)
		if sc.now.Before(at) {
			break
		}
		o = Occurrence{
			Key: fmt.Sprintf("%s/%d/%d/%s", StepFinalizeReminder, sc.group, m.ID, st.stage), Kind: StepFinalizeReminder,
			At: at, Until: until, Date: st.d.String(), DueDate: deadline.String(), MilestoneID: m.ID, Milestone: m.Title, Stage: st.stage,
		}
	}
	return o, o.Key != "" && sc.due(o.At, o.Until)
}

// retrospective is due at 00:05 the day after the milestone ends, until
// the end of the retrospective's due date (at least that whole day).
func (sc schedule) retrospective(m ScheduleMilestone, end day, dueDays int) (Occurrence, bool) {
	due := end + day(dueDays)
	last := max(due, end+1)
	o := Occurrence{
		Key: fmt.Sprintf("%s/%d/%d", StepRetrospective, sc.group, m.ID), Kind: StepRetrospective,
		At: sc.at(end+1, dailyHour, dailyMinute), Until: sc.at(last+1, 0, 0), Date: (end + 1).String(),
		DueDate: due.String(), MilestoneID: m.ID, Milestone: m.Title,
	}
	return o, sc.due(o.At, o.Until)
}

// closeMilestone is due at 00:05 the day after the milestone ends, for 90
// days.
func (sc schedule) closeMilestone(m ScheduleMilestone, end day) (Occurrence, bool) {
	o := Occurrence{
		Key: fmt.Sprintf("%s/%d/%d", StepCloseMilestone, sc.group, m.ID), Kind: StepCloseMilestone,
		At: sc.at(end+1, dailyHour, dailyMinute), Until: sc.at(end+1+closeWindowDays, dailyHour, dailyMinute),
		Date: (end + 1).String(), MilestoneID: m.ID, Milestone: m.Title,
	}
	return o, sc.due(o.At, o.Until)
}

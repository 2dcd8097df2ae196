package planning

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/cairnhq/cairn"
)

// LabelEvent is one label change of an issue, as recorded: Action is "add"
// or "remove" (cairn.ActionAdd, cairn.ActionRemove).
type LabelEvent struct {
	IssueID int64     `json:"issue_id"`
	Label   string    `json:"label"`
	Action  string    `json:"action"`
	At      time.Time `json:"at"`
}

// StateEvent is one state change of an issue: Action is "closed" or
// "reopened" (cairn.ActionClosed, cairn.ActionReopened).
type StateEvent struct {
	IssueID int64     `json:"issue_id"`
	Action  string    `json:"action"`
	At      time.Time `json:"at"`
}

// IssueFact is what the metrics need to know about an issue as it is now.
type IssueFact struct {
	ID int64 `json:"id"`
	// Weight is the issue's weight now; nil (no weight) counts as 0.
	Weight *int `json:"weight"`
	// CreatedAt is when the issue was created; the zero time means "always
	// existed" (the burndown uses it for issues created with the milestone).
	CreatedAt time.Time `json:"created_at"`
	// ClosedAt is when the issue was last closed; nil while it is open. It
	// stands in for the state history of an issue that has no state event.
	ClosedAt *time.Time `json:"closed_at"`
	// MilestoneID is the issue's milestone now, 0 for none.
	MilestoneID int64 `json:"milestone_id"`
}

// Commitment is an issue committed to a milestone when its planning was
// finalised: Placement is "deliverable" or "stretch" (PlacementDeliverable,
// PlacementStretch), Weight the issue's weight at that moment.
type Commitment struct {
	MilestoneID int64  `json:"milestone_id"`
	IssueID     int64  `json:"issue_id"`
	Placement   string `json:"placement"`
	Weight      *int   `json:"weight"`
}

// MilestoneChange is one change of an issue's milestone; 0 is "no
// milestone".
type MilestoneChange struct {
	IssueID         int64     `json:"issue_id"`
	FromMilestoneID int64     `json:"from_milestone_id"`
	ToMilestoneID   int64     `json:"to_milestone_id"`
	At              time.Time `json:"at"`
}

// MetricsInput is everything the planning metrics of one window are
// computed from. The events may come in any order; events at the same
// instant keep their input order.
//
// What the caller must pass (each set is one indexed query): the label
// events of the workflow labels for the team's issues that happened before
// the window's end (earlier ones are needed because an interval that ends
// in the window may have begun long before; events of other labels are
// ignored); the state events of the same issues; the facts of those issues
// and of every issue of the window's milestones; the milestones; the
// commitments and the milestone changes of the milestones due in the
// window.
type MetricsInput struct {
	Settings Settings
	// From and To are the window's first and last dates ("YYYY-MM-DD") in
	// the team's time zone; both are inside it.
	From, To string
	// Now is the current instant: an interval still open runs up to it.
	Now              time.Time
	Milestones       []Milestone
	Issues           []IssueFact
	LabelEvents      []LabelEvent
	StateEvents      []StateEvent
	Commitments      []Commitment
	MilestoneChanges []MilestoneChange
}

// Metrics are the planning metrics of one window, as planning-model.md
// ("Planning metrics") and docs/planning-rules.md define them. Hours are
// unrounded (only floating-point noise is removed); Rounded gives the
// one-decimal figures people read.
type Metrics struct {
	// AvgRefinementHours is the mean length of the refinement intervals
	// that ended inside the window; nil when none did.
	AvgRefinementHours *float64 `json:"avg_refinement_hours"`
	// RefinementIntervals is how many refinement intervals ended inside the
	// window: the count behind AvgRefinementHours.
	RefinementIntervals int `json:"refinement_intervals"`
	// RefinedPerWeek lists every ISO week the window touches, in order,
	// with the number of distinct issues that gained the ready label in
	// that week (inside the window).
	RefinedPerWeek []WeekCount `json:"refined_per_week"`
	// RefinementHours is the time issues spent in refinement inside the
	// window.
	RefinementHours float64 `json:"refinement_hours"`
	// DevelopmentHours is the time issues spent in the workflow labels after
	// the ready label ("in dev" and "in review") inside the window.
	DevelopmentHours float64 `json:"development_hours"`
	// Velocity, SayDo and Carryover have one line per milestone due inside
	// the window, by due date.
	Velocity  []MilestoneVelocity  `json:"velocity"`
	SayDo     []SayDo              `json:"say_do"`
	Carryover []MilestoneCarryover `json:"carryover"`
	// CycleTimeHours summarises ready → closed of the issues closed inside
	// the window.
	CycleTimeHours CycleTime `json:"cycle_time_hours"`
}

// WeekCount is the number of issues refined in one ISO week, named
// "2026-W47" (ISO 8601 week-numbering year and week).
type WeekCount struct {
	Week  string `json:"week"`
	Count int    `json:"count"`
}

// MilestoneVelocity is the weight delivered in a milestone: the weights of
// the issues of the milestone closed within its dates (no weight counts 0).
type MilestoneVelocity struct {
	MilestoneID int64  `json:"milestone_id"`
	Milestone   string `json:"milestone"`
	Weight      int    `json:"weight"`
}

// SayDo is a milestone's say/do ratio: Done of the Committed Deliverable
// issues were closed at the end of the due date. Ratio is Done ÷ Committed,
// nil when nothing was committed.
type SayDo struct {
	MilestoneID int64    `json:"milestone_id"`
	Milestone   string   `json:"milestone"`
	Committed   int      `json:"committed"`
	Done        int      `json:"done"`
	Ratio       *float64 `json:"ratio"`
}

// MilestoneCarryover is the number and total weight (now; no weight counts
// 0) of the open issues moved from a milestone to another one once it had
// started.
type MilestoneCarryover struct {
	MilestoneID int64  `json:"milestone_id"`
	Milestone   string `json:"milestone"`
	Count       int    `json:"count"`
	Weight      int    `json:"weight"`
}

// CycleTime summarises the cycle times, in hours from the issue's last
// ready-label add to its close, of the issues closed inside the window that
// had been ready. P50 and P85 are nearest-rank percentiles, nil when Count
// is 0.
type CycleTime struct {
	Count int      `json:"count"`
	P50   *float64 `json:"p50"`
	P85   *float64 `json:"p85"`
}

// How an Interval ended.
const (
	EndedByRemove = "remove" // the label was removed
	EndedByClose  = "close"  // the issue was closed
	EndedByNone   = ""       // still running: End is now
)

// Interval is a stretch of time an issue spent in one label: from the event
// that added the label to the event that removed it or the issue's closing,
// whichever came first; an interval still running ends at now.
type Interval struct {
	IssueID int64     `json:"issue_id"`
	Label   string    `json:"label"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// EndedBy is EndedByRemove, EndedByClose, or EndedByNone while running.
	EndedBy string `json:"ended_by"`
}

// Hours returns the interval's length in hours.
func (iv Interval) Hours() float64 { return iv.End.Sub(iv.Start).Hours() }

// Running reports whether the interval had not ended at now.
func (iv Interval) Running() bool { return iv.EndedBy == EndedByNone }

// LabelIntervals returns the intervals the issues spent in each of labels,
// replaying labelEvents and stateEvents under the rules of
// docs/planning-rules.md ("Planning metrics"): an add starts an interval
// only on an open issue that is not already in the label (a duplicate add is
// ignored), a remove ends it (a remove without an add is ignored), closing
// ends every interval and reopening starts none. issues supply ClosedAt for
// issues without state events. The result is ordered by issue id, then the
// label's position in labels, then start; times are in UTC. It returns an
// error for an event without a time or with an unknown action.
func LabelIntervals(labels []string, issues []IssueFact, labelEvents []LabelEvent, stateEvents []StateEvent, now time.Time) ([]Interval, error) {
	slotOf := func(name string) int {
		for i, l := range labels {
			if l == name {
				return i
			}
		}
		return -1
	}
	h, err := newHistory(issues, labelEvents, slotOf, stateEvents)
	if err != nil {
		return nil, err
	}
	c := &intervalCollector{labels: labels, ids: h.ids}
	r := newReplayer(len(labels), now.UnixNano())
	for i := range h.ids {
		c.issue = int32(i)
		r.replay(h, int32(i), c)
	}
	sort.SliceStable(c.out, func(a, b int) bool {
		x, y := c.out[a], c.out[b]
		if x.IssueID != y.IssueID {
			return x.IssueID < y.IssueID
		}
		if sx, sy := slotOf(x.Label), slotOf(y.Label); sx != sy {
			return sx < sy
		}
		return x.Start.Before(y.Start)
	})
	return c.out, nil
}

type intervalCollector struct {
	labels []string
	ids    []int64
	issue  int32
	out    []Interval
}

func (c *intervalCollector) started(int, int64) {}
func (c *intervalCollector) closed(int64)       {}
func (c *intervalCollector) interval(slot int, start, end int64, endedBy string) {
	c.out = append(c.out, Interval{
		IssueID: c.ids[c.issue], Label: c.labels[slot],
		Start: time.Unix(0, start).UTC(), End: time.Unix(0, end).UTC(), EndedBy: endedBy,
	})
}

// Label slots of the metrics: the refinement label, the ready label, then
// the development labels (every workflow label after the ready label).
const (
	slotRefinement = 0
	slotReady      = 1
	slotDevFirst   = 2
)

// ComputeMetrics computes the planning metrics of the window [From, To]
// (planning-model.md, "Planning metrics"; the rules it leaves open are in
// docs/planning-rules.md):
//
//	avg_refinement_hours  mean length of the refinement intervals that ended in the window
//	refined_per_week      per ISO week, distinct issues that gained the ready label
//	refinement_hours      hours in refinement inside the window
//	development_hours     hours in the labels after ready ("in dev", "in review") inside the window
//	velocity              per milestone due in the window, Σ weight of its issues closed within its dates
//	say_do                per such milestone, Deliverables closed at the end of the due date ÷ committed
//	carryover             per such milestone, open issues moved on to another milestone after it started
//	cycle_time_hours      p50 and p85 (nearest rank) of last ready add → close, for closes in the window
//
// It reads no clock: Now is the input's. It returns an error for settings
// the arithmetic cannot use, a malformed or reversed window (or one outside
// 1900–2199), a malformed
// milestone date, an issue listed twice, or an event without a time or with
// an unknown action.
func ComputeMetrics(in MetricsInput) (*Metrics, error) {
	s := in.Settings
	if err := fieldErrors(s.problems()); err != nil {
		return nil, err
	}
	loc, err := s.Location()
	if err != nil {
		return nil, fmt.Errorf("time_zone: %w", err)
	}
	from, err := parseDay(in.From)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	to, err := parseDay(in.To)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if to < from {
		return nil, fmt.Errorf("the window ends (%s) before it starts (%s)", in.To, in.From)
	}
	if from < dayOf(1900, 1, 1) || to > dayOf(2199, 12, 31) {
		return nil, fmt.Errorf("the window %s to %s is not between 1900 and 2199", in.From, in.To)
	}
	if in.Now.IsZero() {
		return nil, fmt.Errorf("now is not set")
	}

	tracked := trackedLabels(s)
	slotOf := func(name string) int {
		for i, l := range tracked {
			if l == name {
				return i
			}
		}
		return -1
	}
	h, err := newHistory(in.Issues, in.LabelEvents, slotOf, in.StateEvents)
	if err != nil {
		return nil, err
	}

	firstMonday := mondayOf(from)
	acc := &metricsAcc{
		winStart:    localMidnight(from, loc),
		winEnd:      localMidnight(to+1, loc),
		now:         in.Now.UnixNano(),
		loc:         loc,
		firstMonday: firstMonday,
		weekCounts:  make([]int, int(mondayOf(to)-firstMonday)/7+1),
	}
	r := newReplayer(len(tracked), acc.now)
	for i := range h.ids {
		acc.beginIssue()
		r.replay(h, int32(i), acc)
		if acc.hasCycle {
			acc.cycles = append(acc.cycles, hoursOf(acc.cycle))
		}
	}

	m := &Metrics{
		RefinementIntervals: acc.endedCount,
		RefinementHours:     clean(acc.refinement.hours()),
		DevelopmentHours:    clean(acc.development.hours()),
		RefinedPerWeek:      make([]WeekCount, len(acc.weekCounts)),
		Velocity:            []MilestoneVelocity{},
		SayDo:               []SayDo{},
		Carryover:           []MilestoneCarryover{},
	}
	if acc.endedCount > 0 {
		avg := clean(acc.ended.hours() / float64(acc.endedCount))
		m.AvgRefinementHours = &avg
	}
	for k, n := range acc.weekCounts {
		m.RefinedPerWeek[k] = WeekCount{Week: isoWeekLabel(firstMonday + day(7*k)), Count: n}
	}
	m.CycleTimeHours = cycleTime(acc.cycles)

	if err := milestoneMetrics(m, in, h, from, to, loc); err != nil {
		return nil, err
	}
	return m, nil
}

// trackedLabels returns the labels the metrics follow, by slot.
func trackedLabels(s Settings) []string {
	out := []string{s.RefinementLabel, s.ReadyLabel}
	after := false
	for _, l := range s.WorkflowLabels {
		if after {
			out = append(out, l)
		}
		if l == s.ReadyLabel {
			after = true
		}
	}
	return out
}

// metricsAcc adds up the intervals of one window as the issues are replayed.
type metricsAcc struct {
	winStart, winEnd, now int64 // Unix nanoseconds; the window is [winStart, winEnd)
	loc                   *time.Location
	firstMonday           day

	refinement, development, ended span
	endedCount                     int
	weekCounts                     []int

	// per issue
	lastWeek   int   // the last week this issue was counted in, -1 for none
	readyStart int64 // the last ready-label add
	hasReady   bool
	cycle      int64 // ready → close of the last close inside the window
	hasCycle   bool
	cycles     []float64
}

func (a *metricsAcc) beginIssue() {
	a.lastWeek, a.hasReady, a.hasCycle = -1, false, false
}

func (a *metricsAcc) inWindow(t int64) bool { return t >= a.winStart && t < a.winEnd }

// overlap returns how much of [start, end) lies inside the window.
func (a *metricsAcc) overlap(start, end int64) int64 {
	return max(0, min(end, a.winEnd)-max(start, a.winStart))
}

func (a *metricsAcc) started(slot int, at int64) {
	if slot != slotReady {
		return
	}
	a.readyStart, a.hasReady = at, true
	if !a.inWindow(at) {
		return
	}
	// Starts come in time order, so an issue's weeks never go back: one
	// comparison keeps each issue counted once per week.
	w := int(localDay(at, a.loc)-a.firstMonday) / 7
	if w != a.lastWeek {
		a.weekCounts[w]++
		a.lastWeek = w
	}
}

func (a *metricsAcc) closed(at int64) {
	if a.hasReady && a.inWindow(at) {
		a.cycle, a.hasCycle = at-a.readyStart, true
	}
}

func (a *metricsAcc) interval(slot int, start, end int64, endedBy string) {
	switch {
	case slot == slotRefinement:
		a.refinement.add(a.overlap(start, end))
		if endedBy != EndedByNone && a.inWindow(end) {
			a.ended.add(end - start)
			a.endedCount++
		}
	case slot >= slotDevFirst:
		a.development.add(a.overlap(start, end))
	}
}

// milestoneMetrics fills velocity, say/do and carryover for the milestones
// due inside [from, to].
func milestoneMetrics(m *Metrics, in MetricsInput, h *history, from, to day, loc *time.Location) error {
	type ms struct {
		Milestone
		start, due day
	}
	var list []ms
	for _, x := range in.Milestones {
		if x.StartDate == "" || x.DueDate == "" {
			continue // cannot be measured
		}
		start, due, err := parseRange(x.StartDate, x.DueDate)
		if err != nil {
			return fmt.Errorf("milestone %q: %w", x.Title, err)
		}
		if due >= from && due <= to {
			list = append(list, ms{x, start, due})
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.due != b.due {
			return a.due < b.due
		}
		if a.start != b.start {
			return a.start < b.start
		}
		return a.ID < b.ID
	})
	index := make(map[int64]int, len(list))
	for k, x := range list {
		index[x.ID] = k
		m.Velocity = append(m.Velocity, MilestoneVelocity{MilestoneID: x.ID, Milestone: x.Title})
		m.SayDo = append(m.SayDo, SayDo{MilestoneID: x.ID, Milestone: x.Title})
		m.Carryover = append(m.Carryover, MilestoneCarryover{MilestoneID: x.ID, Milestone: x.Title})
	}
	if len(list) == 0 {
		return nil
	}

	for _, is := range in.Issues {
		k, ok := index[is.MilestoneID]
		if !ok || is.ClosedAt == nil || is.Weight == nil {
			continue
		}
		if d := localDay(is.ClosedAt.UnixNano(), loc); d >= list[k].start && d <= list[k].due {
			m.Velocity[k].Weight += *is.Weight
		}
	}

	counted := map[[2]int64]bool{}
	for _, c := range in.Commitments {
		k, ok := index[c.MilestoneID]
		if !ok || c.Placement != PlacementDeliverable || counted[[2]int64{c.MilestoneID, c.IssueID}] {
			continue
		}
		counted[[2]int64{c.MilestoneID, c.IssueID}] = true
		m.SayDo[k].Committed++
		if h.closedBefore(c.IssueID, localMidnight(list[k].due+1, loc)) {
			m.SayDo[k].Done++
		}
	}
	for k := range m.SayDo {
		if sd := &m.SayDo[k]; sd.Committed > 0 {
			r := clean(float64(sd.Done) / float64(sd.Committed))
			sd.Ratio = &r
		}
	}

	moved := map[[2]int64]bool{}
	for _, c := range in.MilestoneChanges {
		k, ok := index[c.FromMilestoneID]
		if !ok || c.ToMilestoneID == 0 || c.ToMilestoneID == c.FromMilestoneID || moved[[2]int64{c.FromMilestoneID, c.IssueID}] {
			continue
		}
		if c.At.IsZero() {
			return fmt.Errorf("milestone change of issue %d has no time", c.IssueID)
		}
		at := c.At.UnixNano()
		if at < localMidnight(list[k].start, loc) || h.closedBefore(c.IssueID, at+1) {
			continue // re-planning before the start, or a closed issue
		}
		moved[[2]int64{c.FromMilestoneID, c.IssueID}] = true
		m.Carryover[k].Count++
		// h.index numbers in.Issues first, in order.
		if ix, ok := h.index[c.IssueID]; ok && int(ix) < len(in.Issues) && in.Issues[ix].Weight != nil {
			m.Carryover[k].Weight += *in.Issues[ix].Weight
		}
	}
	return nil
}

// cycleTime summarises cycle times with nearest-rank percentiles.
func cycleTime(hours []float64) CycleTime {
	ct := CycleTime{Count: len(hours)}
	if len(hours) == 0 {
		return ct
	}
	slices.Sort(hours)
	p50, p85 := clean(nearestRank(hours, 50)), clean(nearestRank(hours, 85))
	ct.P50, ct.P85 = &p50, &p85
	return ct
}

// nearestRank returns the p-th percentile of sorted (ascending, not empty)
// by the nearest-rank method: the value at 1-based rank ⌈p × n ÷ 100⌉, so
// always one of the values. The rank is computed in integers, so that 85% of
// 20 is exactly rank 17.
func nearestRank(sorted []float64, p int) float64 {
	n := len(sorted)
	r := (p*n + 99) / 100
	r = max(1, min(r, n))
	return sorted[r-1]
}

// Rounded returns a copy of m for display: hours rounded to one decimal
// (Round1), the say/do ratios to two.
func (m Metrics) Rounded() Metrics {
	out := m
	r1 := func(p *float64) *float64 {
		if p == nil {
			return nil
		}
		v := Round1(*p)
		return &v
	}
	out.AvgRefinementHours = r1(m.AvgRefinementHours)
	out.RefinementHours = Round1(m.RefinementHours)
	out.DevelopmentHours = Round1(m.DevelopmentHours)
	out.CycleTimeHours.P50 = r1(m.CycleTimeHours.P50)
	out.CycleTimeHours.P85 = r1(m.CycleTimeHours.P85)
	out.SayDo = slices.Clone(m.SayDo)
	for k := range out.SayDo {
		if p := out.SayDo[k].Ratio; p != nil {
			v := math.Round(clean(*p)*100) / 100
			out.SayDo[k].Ratio = &v
		}
	}
	return out
}

// span sums durations exactly: whole seconds and the nanoseconds beyond
// them apart, so that a million intervals of hundreds of hours cannot
// overflow an int64 of nanoseconds.
type span struct{ sec, nsec int64 }

func (s *span) add(d int64) {
	s.sec += d / 1e9
	s.nsec += d % 1e9
}

func (s span) hours() float64 { return (float64(s.sec) + float64(s.nsec)/1e9) / 3600 }

func hoursOf(d int64) float64 { return float64(d) / float64(time.Hour) }

// localMidnight returns the first instant of date d in loc, in Unix
// nanoseconds. On a day that starts with a daylight-saving jump, time.Date
// normalises to the first instant that exists.
func localMidnight(d day, loc *time.Location) int64 {
	y, m, dd := d.date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc).UnixNano()
}

// localDay returns the calendar date of instant t (Unix nanoseconds) in loc.
func localDay(t int64, loc *time.Location) day {
	y, m, d := time.Unix(0, t).In(loc).Date()
	return dayOf(y, m, d)
}

// mondayOf returns the Monday of d's ISO week.
func mondayOf(d day) day {
	return d - day((int(d.weekday())+6)%7)
}

// isoWeekLabel names d's ISO 8601 week "YYYY-Www", with the week-numbering
// year: 2026-12-31 and 2027-01-01 are both in "2026-W53".
func isoWeekLabel(d day) string {
	y, w := time.Unix(int64(d)*86400, 0).UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// history holds the label and state events grouped by issue, each issue's
// in time order, in compact form. Issue i's label events are
// lab[labOff[i]:labOff[i+1]] and its state events st[stOff[i]:stOff[i+1]].
type history struct {
	index map[int64]int32
	// dense maps id − denseMin to the issue's index (−1: none) when the
	// issues' ids are close together, as database ids are: a slice lookup
	// per event instead of a map lookup.
	dense    []int32
	denseMin int64
	ids      []int64
	labOff   []int32
	lab      []labEv
	stOff    []int32
	st       []stEv
}

type labEv struct {
	at   int64 // Unix nanoseconds
	slot int32
	add  bool
}

type stEv struct {
	at     int64
	closed bool
}

// newHistory groups the events by issue with a counting sort, which keeps
// the input order of events at the same instant, then sorts each issue's
// events by time (they usually already are). Label events whose slotOf is
// negative are dropped. An issue without any state event that has a
// ClosedAt gets one closing at ClosedAt.
func newHistory(issues []IssueFact, labelEvents []LabelEvent, slotOf func(string) int, stateEvents []StateEvent) (*history, error) {
	h := &history{index: make(map[int64]int32, len(issues)), ids: make([]int64, 0, len(issues))}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, is := range issues {
		if _, dup := h.index[is.ID]; dup {
			return nil, fmt.Errorf("issue %d is listed twice", is.ID)
		}
		h.index[is.ID] = int32(len(h.ids))
		h.ids = append(h.ids, is.ID)
		lo, hi = min(lo, is.ID), max(hi, is.ID)
	}
	if n := len(issues); n > 0 && uint64(hi-lo) < uint64(4*n+1024) {
		h.denseMin, h.dense = lo, make([]int32, hi-lo+1)
		for i := range h.dense {
			h.dense[i] = -1
		}
		for i, is := range issues {
			h.dense[is.ID-lo] = int32(i)
		}
	}

	// Pass 1: each kept event's issue and slot (−1: not kept), and the
	// number of events per issue. Pass 2 places the events.
	labIssue := make([]int32, len(labelEvents))
	labSlot := make([]int16, len(labelEvents))
	labCount := make([]int32, len(issues))
	kept := 0
	for k := range labelEvents {
		e := &labelEvents[k]
		slot := slotOf(e.Label)
		labSlot[k] = int16(slot)
		if slot < 0 {
			labIssue[k] = -1
			continue
		}
		if e.At.IsZero() {
			return nil, fmt.Errorf("label event of issue %d (%s %q) has no time", e.IssueID, e.Action, e.Label)
		}
		if e.Action != cairn.ActionAdd && e.Action != cairn.ActionRemove {
			return nil, fmt.Errorf("label event of issue %d: unknown action %q (want add or remove)", e.IssueID, e.Action)
		}
		ix := h.lookup(e.IssueID)
		labIssue[k] = ix
		labCount = grow(labCount, ix)
		labCount[ix]++
		kept++
	}
	stIssue := make([]int32, len(stateEvents))
	stCount := make([]int32, len(issues))
	for k := range stateEvents {
		e := &stateEvents[k]
		if e.At.IsZero() {
			return nil, fmt.Errorf("state event of issue %d (%s) has no time", e.IssueID, e.Action)
		}
		if e.Action != cairn.ActionClosed && e.Action != cairn.ActionReopened {
			return nil, fmt.Errorf("state event of issue %d: unknown action %q (want closed or reopened)", e.IssueID, e.Action)
		}
		ix := h.lookup(e.IssueID)
		stIssue[k] = ix
		stCount = grow(stCount, ix)
		stCount[ix]++
	}
	n := len(h.ids)
	labCount = grow(labCount, int32(n-1))
	stCount = grow(stCount, int32(n-1))
	synth := 0
	for ix := range issues {
		if stCount[ix] == 0 && issues[ix].ClosedAt != nil {
			stCount[ix] = 1
			synth++
		}
	}

	h.labOff = offsets(labCount[:n])
	h.lab = make([]labEv, kept)
	fill := slices.Clone(h.labOff[:n])
	for k := range labelEvents {
		ix := labIssue[k]
		if ix < 0 {
			continue
		}
		e := &labelEvents[k]
		h.lab[fill[ix]] = labEv{at: e.At.UnixNano(), slot: int32(labSlot[k]), add: e.Action == cairn.ActionAdd}
		fill[ix]++
	}

	h.stOff = offsets(stCount[:n])
	h.st = make([]stEv, len(stateEvents)+synth)
	copy(fill, h.stOff[:n])
	for k := range stateEvents {
		ix := stIssue[k]
		e := &stateEvents[k]
		h.st[fill[ix]] = stEv{at: e.At.UnixNano(), closed: e.Action == cairn.ActionClosed}
		fill[ix]++
	}
	for ix := range issues {
		// Only issues without state events have room left: a closing at ClosedAt.
		if fill[ix] < h.stOff[ix+1] {
			h.st[fill[ix]] = stEv{at: issues[ix].ClosedAt.UnixNano(), closed: true}
		}
	}

	for i := range n {
		if seg := h.lab[h.labOff[i]:h.labOff[i+1]]; !slices.IsSortedFunc(seg, cmpLab) {
			slices.SortStableFunc(seg, cmpLab)
		}
		if seg := h.st[h.stOff[i]:h.stOff[i+1]]; !slices.IsSortedFunc(seg, cmpSt) {
			slices.SortStableFunc(seg, cmpSt)
		}
	}
	return h, nil
}

// lookup returns the index of issue id, adding an issue that only events
// know of.
func (h *history) lookup(id int64) int32 {
	if d := uint64(id - h.denseMin); d < uint64(len(h.dense)) {
		if ix := h.dense[d]; ix >= 0 {
			return ix
		}
	}
	ix, ok := h.index[id]
	if !ok {
		ix = int32(len(h.ids))
		h.index[id] = ix
		h.ids = append(h.ids, id)
	}
	return ix
}

// grow makes counts long enough to hold index ix.
func grow(counts []int32, ix int32) []int32 {
	if int(ix) < len(counts) {
		return counts
	}
	return append(counts, make([]int32, int(ix)+1-len(counts))...)
}

// offsets turns counts into start offsets: out[i] is where issue i's
// events start and out[len(counts)] is the total.
func offsets(counts []int32) []int32 {
	out := make([]int32, len(counts)+1)
	for i, c := range counts {
		out[i+1] = out[i] + c
	}
	return out
}

func cmpLab(a, b labEv) int { return cmp.Compare(a.at, b.at) }
func cmpSt(a, b stEv) int   { return cmp.Compare(a.at, b.at) }

// closedBefore reports whether the issue was closed just before instant t:
// after its state events before t. An issue the history does not know is
// open.
func (h *history) closedBefore(issueID int64, t int64) bool {
	ix, ok := h.index[issueID]
	if !ok {
		return false
	}
	closed := false
	for _, e := range h.st[h.stOff[ix]:h.stOff[ix+1]] {
		if e.at >= t {
			break
		}
		closed = e.closed
	}
	return closed
}

// visitor receives what a replay finds, in time order.
type visitor interface {
	// started: an interval of slot began at at.
	started(slot int, at int64)
	// interval: an interval of slot ended (endedBy) or is still running
	// (EndedByNone, end is now).
	interval(slot int, start, end int64, endedBy string)
	// closed: the open issue was closed at at (after its intervals ended).
	closed(at int64)
}

// replayer replays one issue's history at a time, reusing its buffers.
type replayer struct {
	now     int64
	start   []int64
	running []bool
}

func newReplayer(slots int, now int64) *replayer {
	return &replayer{now: now, start: make([]int64, slots), running: make([]bool, slots)}
}

// replay walks issue ix's label and state events in time order, label
// events first at the same instant (a request that changes labels and state
// applies the labels first). The issue is open before its first state event.
func (r *replayer) replay(h *history, ix int32, v visitor) {
	labs := h.lab[h.labOff[ix]:h.labOff[ix+1]]
	sts := h.st[h.stOff[ix]:h.stOff[ix+1]]
	open := true
	li, si := 0, 0
	for li < len(labs) || si < len(sts) {
		if li < len(labs) && (si == len(sts) || labs[li].at <= sts[si].at) {
			e := labs[li]
			li++
			switch {
			case e.add && open && !r.running[e.slot]:
				r.running[e.slot], r.start[e.slot] = true, e.at
				v.started(int(e.slot), e.at)
			case !e.add && r.running[e.slot]:
				r.running[e.slot] = false
				v.interval(int(e.slot), r.start[e.slot], e.at, EndedByRemove)
			}
			continue
		}
		e := sts[si]
		si++
		switch {
		case e.closed && open:
			open = false
			for slot, on := range r.running {
				if on {
					r.running[slot] = false
					v.interval(slot, r.start[slot], e.at, EndedByClose)
				}
			}
			v.closed(e.at)
		case !e.closed:
			open = true
		}
	}
	for slot, on := range r.running {
		if on {
			r.running[slot] = false
			v.interval(slot, r.start[slot], max(r.now, r.start[slot]), EndedByNone)
		}
	}
}

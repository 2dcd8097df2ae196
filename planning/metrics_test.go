package planning

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The metrics tests run in the team's zone, Europe/Berlin: CET (UTC+1) in
// December and January, CEST (UTC+2) until Sunday 25 October 2026 03:00,
// when clocks go back to 02:00.
var mxBerlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// mxAt reads "2026-12-14 09:00" as Berlin wall-clock time.
func mxAt(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, mxBerlin)
	if err != nil {
		panic(err)
	}
	return t
}

// mxUTC reads "2026-12-13 23:30" as UTC.
func mxUTC(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func mxPtr(t time.Time) *time.Time { return &t }
func mxF(x float64) *float64       { return &x }

func mxAdd(id int64, label string, at time.Time) LabelEvent {
	return LabelEvent{IssueID: id, Label: label, Action: "add", At: at}
}
func mxRm(id int64, label string, at time.Time) LabelEvent {
	return LabelEvent{IssueID: id, Label: label, Action: "remove", At: at}
}
func mxClose(id int64, at time.Time) StateEvent {
	return StateEvent{IssueID: id, Action: "closed", At: at}
}
func mxReopen(id int64, at time.Time) StateEvent {
	return StateEvent{IssueID: id, Action: "reopened", At: at}
}

// Milestones of the hand-built history.
const (
	msDecember = 10 // 2026-12-01 … 2026-12-31
	msJanuary  = 11 // 2027-01-01 … 2027-01-31
	msHackWeek = 12 // 2027-01-04 … 2027-01-08
	msBacklog  = 13 // no dates
	msNovember = 14 // 2026-11-01 … 2026-11-30
)

// mxHistory is a team's history around the end of 2026, written in Berlin
// wall-clock time (CET all along). R = refinement, D = ready for
// development, V = in dev, W = in review. Every interval is worked out
// next to the events that make it.
//
//	December 2026                 January 2027
//	Mo Tu We Th Fr Sa Su          Mo Tu We Th Fr Sa Su
//	    1  2  3  4  5  6                       1  2  3
//	 7  8  9 10 11 12 13           4  5  6  7  8  9 10
//	14 15 16 17 18 19 20 (W51)    11 12 13 14 15 16 17 (W02)
//	21 22 23 24 25 26 27 (W52)
//	28 29 30 31 (W53 runs Mon 28 Dec – Sun 3 Jan; 2027-W01 starts Mon 4 Jan)
func mxHistory() MetricsInput {
	s := DefaultSettings()
	s.TimeZone = "Europe/Berlin"
	R, D, V, W := refining, ready, inDev, inReview
	at := mxAt

	issues := []IssueFact{
		{ID: 1, Weight: wt(3), MilestoneID: msDecember, ClosedAt: mxPtr(at("2026-12-23 11:00"))},
		{ID: 2, MilestoneID: 0},         // no weight
		{ID: 3, MilestoneID: msJanuary}, // no weight
		{ID: 4, Weight: wt(2), MilestoneID: msJanuary},
		{ID: 5, Weight: wt(5), MilestoneID: msDecember, ClosedAt: mxPtr(at("2026-12-22 15:00"))},
		{ID: 6, Weight: wt(1), MilestoneID: msJanuary},
		{ID: 7, MilestoneID: msDecember, ClosedAt: mxPtr(at("2026-12-15 09:00"))}, // no weight, no state events
		{ID: 8, Weight: wt(2), MilestoneID: msDecember, ClosedAt: mxPtr(at("2027-01-02 12:00"))},
		{ID: 9, Weight: wt(2), MilestoneID: msJanuary},
		{ID: 10, Weight: wt(3), MilestoneID: 0},
		{ID: 11, MilestoneID: msJanuary}, // no weight
		{ID: 12, Weight: wt(1), MilestoneID: msDecember},
		{ID: 13, Weight: wt(2), MilestoneID: msJanuary, ClosedAt: mxPtr(at("2026-12-29 10:00"))}, // no state events
		{ID: 14}, {ID: 15}, {ID: 16}, {ID: 17}, {ID: 18},
	}

	labels := []LabelEvent{
		// #1 enters refinement twice.
		mxAdd(1, R, at("2026-12-14 09:00")),
		mxRm(1, R, at("2026-12-16 15:00")),  // R Mon 09:00 → Wed 15:00 = 54 h
		mxAdd(1, D, at("2026-12-16 15:00")), // ready in W51
		mxRm(1, D, at("2026-12-17 10:00")),
		mxAdd(1, R, at("2026-12-17 10:00")), // sent back to refinement
		mxRm(1, R, at("2026-12-18 12:00")),  // R Thu 10:00 → Fri 12:00 = 26 h
		mxAdd(1, D, at("2026-12-18 12:00")), // ready again in W51: still one issue that week
		mxRm(1, D, at("2026-12-21 09:00")),
		mxAdd(1, V, at("2026-12-21 09:00")),
		mxRm(1, V, at("2026-12-22 17:00")),  // V Mon 09:00 → Tue 17:00 = 32 h
		mxAdd(1, W, at("2026-12-22 17:00")), // W Tue 17:00 → closed Wed 11:00 = 18 h

		// #2 is still in refinement at the window's end.
		mxAdd(2, R, at("2027-01-04 14:00")),

		// #3 is refined across an ISO week and a year boundary.
		mxAdd(3, R, at("2026-12-30 16:00")),
		mxRm(3, R, at("2027-01-04 10:00")),  // R Wed 16:00 → Mon 10:00 = 5 × 24 − 6 = 114 h
		mxAdd(3, D, at("2027-01-04 10:00")), // ready in 2027-W01

		// #4 entered refinement before the window.
		mxAdd(4, R, at("2026-12-07 09:00")),
		mxRm(4, R, at("2026-12-31 09:00")),  // R Mon 7 Dec 09:00 → Thu 31 Dec 09:00 = 24 × 24 = 576 h
		mxAdd(4, D, at("2026-12-31 09:00")), // ready on 31 Dec: 2026-W53

		// #5 is closed, reopened and closed again.
		mxAdd(5, R, at("2026-12-15 09:00")),
		mxRm(5, R, at("2026-12-15 17:00")),  // R Tue 09:00 → 17:00 = 8 h
		mxAdd(5, D, at("2026-12-15 17:00")), // ready in W51
		mxRm(5, D, at("2026-12-16 09:00")),
		mxAdd(5, V, at("2026-12-16 09:00")), // V Wed 09:00 → closed Fri 09:00 = 48 h
		// Reopened Mon 21 Dec 09:00 with V still on: no new interval.
		mxRm(5, V, at("2026-12-22 09:00")),  // ignored: V ended at the close
		mxAdd(5, W, at("2026-12-22 09:00")), // W Tue 09:00 → closed 15:00 = 6 h

		// #6: events out of order, a duplicate add, a remove without add.
		mxRm(6, R, at("2026-12-29 09:00")),
		mxAdd(6, R, at("2026-12-28 09:00")),
		mxAdd(6, R, at("2026-12-28 11:00")), // duplicate: ignored
		mxRm(6, W, at("2026-12-28 08:00")),  // never added: ignored
		mxAdd(6, D, at("2026-12-29 09:00")), // R Mon 09:00 → Tue 09:00 = 24 h; ready in W53

		// #7 was ready before the window; in dev from 10 Dec to its close.
		mxAdd(7, D, at("2026-12-01 10:00")),
		mxRm(7, D, at("2026-12-10 09:00")),
		mxAdd(7, V, at("2026-12-10 09:00")), // V in the window: Mon 14 Dec 00:00 → Tue 09:00 = 33 h

		// #8 is ready in W51 and closed after the due date.
		mxAdd(8, D, at("2026-12-14 10:00")),

		// Ready-label adds around the zone's midnights.
		mxAdd(14, D, mxUTC("2027-01-03 22:30")), // Sun 3 Jan 23:30 in Berlin: 2026-W53
		mxAdd(15, D, mxUTC("2027-01-03 23:30")), // Mon 4 Jan 00:30 in Berlin: 2027-W01
		mxAdd(16, D, at("2027-01-01 10:00")),    // Fri 1 Jan 2027: 2026-W53
		mxAdd(17, D, mxUTC("2026-12-13 23:30")), // Mon 14 Dec 00:30 in Berlin: in the window, W51
		mxAdd(18, D, mxUTC("2027-01-10 23:30")), // Mon 11 Jan 00:30 in Berlin: after the window

		// Labels nobody measures are ignored.
		mxAdd(1, "code-creation-priority::high", at("2026-12-14 09:00")),
	}

	states := []StateEvent{
		mxClose(1, at("2026-12-23 11:00")),
		mxClose(5, at("2026-12-18 09:00")),
		mxReopen(5, at("2026-12-21 09:00")),
		mxClose(5, at("2026-12-22 15:00")),
		mxClose(8, at("2027-01-02 12:00")),
		mxClose(12, at("2026-12-30 10:00")),
		mxReopen(12, at("2027-01-05 09:00")),
	}

	return MetricsInput{
		Settings: s,
		From:     "2026-12-14", To: "2027-01-10",
		Now: at("2027-01-12 10:00"),
		Milestones: []Milestone{
			{ID: msDecember, Title: "December 2026", StartDate: "2026-12-01", DueDate: "2026-12-31"},
			{ID: msJanuary, Title: "January 2027", StartDate: "2027-01-01", DueDate: "2027-01-31"},
			{ID: msHackWeek, Title: "Hack week", StartDate: "2027-01-04", DueDate: "2027-01-08"},
			{ID: msBacklog, Title: "Backlog"},
			{ID: msNovember, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30"},
		},
		Issues:      issues,
		LabelEvents: labels,
		StateEvents: states,
		Commitments: []Commitment{
			{MilestoneID: msDecember, IssueID: 1, Placement: PlacementDeliverable, Weight: wt(3)},
			{MilestoneID: msDecember, IssueID: 1, Placement: PlacementDeliverable, Weight: wt(3)}, // listed twice
			{MilestoneID: msDecember, IssueID: 5, Placement: PlacementDeliverable, Weight: wt(5)},
			{MilestoneID: msDecember, IssueID: 6, Placement: PlacementDeliverable, Weight: wt(1)},
			{MilestoneID: msDecember, IssueID: 7, Placement: PlacementStretch},
			{MilestoneID: msDecember, IssueID: 8, Placement: PlacementDeliverable, Weight: wt(2)},
			{MilestoneID: msDecember, IssueID: 11, Placement: PlacementDeliverable},
			{MilestoneID: msDecember, IssueID: 12, Placement: PlacementDeliverable, Weight: wt(1)},
			{MilestoneID: msJanuary, IssueID: 3, Placement: PlacementDeliverable},
		},
		MilestoneChanges: []MilestoneChange{
			{IssueID: 6, FromMilestoneID: msDecember, ToMilestoneID: msJanuary, At: at("2027-01-04 09:00")},
			{IssueID: 6, FromMilestoneID: msJanuary, ToMilestoneID: msDecember, At: at("2027-01-04 09:05")},
			{IssueID: 6, FromMilestoneID: msDecember, ToMilestoneID: msJanuary, At: at("2027-01-04 09:10")},
			{IssueID: 9, FromMilestoneID: msDecember, ToMilestoneID: msJanuary, At: at("2026-11-20 10:00")},
			{IssueID: 10, FromMilestoneID: msDecember, ToMilestoneID: 0, At: at("2027-01-04 09:00")},
			{IssueID: 11, FromMilestoneID: msDecember, ToMilestoneID: msJanuary, At: at("2027-01-05 09:00")},
			{IssueID: 13, FromMilestoneID: msDecember, ToMilestoneID: msJanuary, At: at("2027-01-04 09:00")},
		},
	}
}

func TestMetricsHandBuiltHistory(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		now      time.Time
		want     Metrics
	}{
		{
			// The window Mon 14 Dec 2026 00:00 → Mon 11 Jan 2027 00:00, Berlin.
			name: "FourWeeksAcrossTheYearEnd", from: "2026-12-14", to: "2027-01-10", now: mxAt("2027-01-12 10:00"),
			want: Metrics{
				// Refinement intervals that ended in the window, at full length:
				// #1 54 + 26, #3 114, #4 576, #5 8, #6 24 = 802 h over 6.
				// #2 is still in refinement: it has not ended.
				AvgRefinementHours:  mxF(802.0 / 6),
				RefinementIntervals: 6,
				// Distinct issues that gained the ready label:
				// W51 #1, #5, #8, #17; W52 none; W53 #6, #4, #16, #14; 2027-W01 #3, #15.
				RefinedPerWeek: []WeekCount{
					{"2026-W51", 4}, {"2026-W52", 0}, {"2026-W53", 4}, {"2027-W01", 2},
				},
				// Refinement inside the window:
				// #1 54 + 26 = 80
				// #2 Mon 4 Jan 14:00 → window end Mon 11 Jan 00:00 = 10 + 6 × 24 = 154 (now is later)
				// #3 114; #5 8; #6 24
				// #4 window start Mon 14 Dec 00:00 → Thu 31 Dec 09:00 = 17 × 24 + 9 = 417
				// 80 + 154 + 114 + 417 + 8 + 24 = 797
				RefinementHours: 797,
				// In dev + in review inside the window:
				// #1 V 32 + W 18 = 50; #5 V 48 + W 6 = 54 (not the 24 h after the
				// reopen); #7 V 33 (ended by its ClosedAt) = 137.
				DevelopmentHours: 137,
				Velocity: []MilestoneVelocity{
					// #1 3 + #5 5 + #7 (no weight) 0 = 8. #8 closed on 2 Jan,
					// #12 is open again, #6 #9 #11 #13 are in January now.
					{msDecember, "December 2026", 8},
					{msHackWeek, "Hack week", 0},
				},
				SayDo: []SayDo{
					// Deliverables #1 #5 #6 #8 #11 #12 (#1 listed twice counts once;
					// #7 is Stretch). Closed at the end of 31 Dec: #1, #5, and #12
					// (reopened only on 5 Jan). 3 ÷ 6 = 0.5.
					{msDecember, "December 2026", 6, 3, mxF(0.5)},
					{msHackWeek, "Hack week", 0, 0, nil},
				},
				Carryover: []MilestoneCarryover{
					// #6 (weight 1, moved three times, counts once) and #11 (no
					// weight): 2 issues, weight 1. Not #9 (moved before December
					// started), #10 (to no milestone), #13 (closed).
					{msDecember, "December 2026", 2, 1},
					{msHackWeek, "Hack week", 0, 0},
				},
				// Last ready add → close, for closes in the window:
				// #1 Fri 18 Dec 12:00 → Wed 23 Dec 11:00 = 5 × 24 − 1 = 119
				// #5 Tue 15 Dec 17:00 → Tue 22 Dec 15:00 (its last close) = 7 × 24 − 2 = 166
				// #7 Tue 1 Dec 10:00 → Tue 15 Dec 09:00 = 14 × 24 − 1 = 335
				// #8 Mon 14 Dec 10:00 → Sat 2 Jan 12:00 = 19 × 24 + 2 = 458
				// (#12 closed in the window but was never ready.)
				// Sorted 119, 166, 335, 458: p50 rank ⌈0.5 × 4⌉ = 2 → 166;
				// p85 rank ⌈0.85 × 4⌉ = ⌈3.4⌉ = 4 → 458.
				CycleTimeHours: CycleTime{Count: 4, P50: mxF(166), P85: mxF(458)},
			},
		},
		{
			// One week, 14 to 20 December, looked at long after.
			name: "OneWeek", from: "2026-12-14", to: "2026-12-20", now: mxAt("2027-01-12 10:00"),
			want: Metrics{
				// Ended in the week: #1 54 (Wed) and 26 (Fri), #5 8 = 88 over 3.
				// #4 is still in refinement at the week's end (until 31 Dec).
				AvgRefinementHours:  mxF(88.0 / 3),
				RefinementIntervals: 3,
				RefinedPerWeek:      []WeekCount{{"2026-W51", 4}},
				// #1 80 + #5 8 + #4 Mon 00:00 → Mon 21 Dec 00:00 = 168: 256.
				RefinementHours: 256,
				// #5 V Wed 09:00 → Fri 09:00 = 48; #7 V 33: 81.
				DevelopmentHours: 81,
				Velocity:         []MilestoneVelocity{},
				SayDo:            []SayDo{},
				Carryover:        []MilestoneCarryover{},
				// Closes in the week: #7 335 h; #5 first close Fri 18 Dec 09:00
				// (its second is later), ready Tue 15 Dec 17:00 → 2 × 24 + 16 = 64 h.
				// Sorted 64, 335: p50 rank 1 → 64; p85 rank ⌈1.7⌉ = 2 → 335.
				CycleTimeHours: CycleTime{Count: 2, P50: mxF(64), P85: mxF(335)},
			},
		},
		{
			// A window that reaches past now (Wed 6 Jan 12:00): open intervals
			// stop at now.
			name: "WindowEndsAfterNow", from: "2027-01-04", to: "2027-01-17", now: mxAt("2027-01-06 12:00"),
			want: Metrics{
				// #3 ended Mon 4 Jan 10:00: its whole 114 h count.
				AvgRefinementHours:  mxF(114),
				RefinementIntervals: 1,
				// W01: #3, #15; W02: #18 (Mon 11 Jan 00:30 in Berlin).
				RefinedPerWeek: []WeekCount{{"2027-W01", 2}, {"2027-W02", 1}},
				// #3 Mon 00:00 → 10:00 = 10; #2 Mon 14:00 → now Wed 12:00 = 46: 56.
				RefinementHours:  56,
				DevelopmentHours: 0,
				Velocity:         []MilestoneVelocity{{msHackWeek, "Hack week", 0}},
				SayDo:            []SayDo{{msHackWeek, "Hack week", 0, 0, nil}},
				Carryover:        []MilestoneCarryover{{msHackWeek, "Hack week", 0, 0}},
				// Nothing closed (#12 was reopened).
				CycleTimeHours: CycleTime{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mxHistory()
			in.From, in.To, in.Now = tt.from, tt.to, tt.now
			got, err := ComputeMetrics(in)
			if err != nil {
				t.Fatal(err)
			}
			mxCompare(t, got, &tt.want)
		})
	}
}

// mxCompare compares two reports, figures within 1e-9.
func mxCompare(t *testing.T, got, want *Metrics) {
	t.Helper()
	ptr := func(name string, g, w *float64) {
		t.Helper()
		switch {
		case g == nil && w == nil:
		case g == nil || w == nil:
			t.Errorf("%s = %v, want %v", name, fmtPtr(g), fmtPtr(w))
		case !near(*g, *w):
			t.Errorf("%s = %v, want %v", name, *g, *w)
		}
	}
	ptr("avg_refinement_hours", got.AvgRefinementHours, want.AvgRefinementHours)
	if got.RefinementIntervals != want.RefinementIntervals {
		t.Errorf("refinement_intervals = %d, want %d", got.RefinementIntervals, want.RefinementIntervals)
	}
	if !slices.Equal(got.RefinedPerWeek, want.RefinedPerWeek) {
		t.Errorf("refined_per_week = %v, want %v", got.RefinedPerWeek, want.RefinedPerWeek)
	}
	if !near(got.RefinementHours, want.RefinementHours) {
		t.Errorf("refinement_hours = %v, want %v", got.RefinementHours, want.RefinementHours)
	}
	if !near(got.DevelopmentHours, want.DevelopmentHours) {
		t.Errorf("development_hours = %v, want %v", got.DevelopmentHours, want.DevelopmentHours)
	}
	if !slices.Equal(got.Velocity, want.Velocity) {
		t.Errorf("velocity = %v, want %v", got.Velocity, want.Velocity)
	}
	if len(got.SayDo) != len(want.SayDo) {
		t.Errorf("say_do = %+v, want %+v", got.SayDo, want.SayDo)
	} else {
		for k := range got.SayDo {
			g, w := got.SayDo[k], want.SayDo[k]
			if g.MilestoneID != w.MilestoneID || g.Milestone != w.Milestone || g.Committed != w.Committed || g.Done != w.Done {
				t.Errorf("say_do[%d] = %+v, want %+v", k, g, w)
			}
			ptr(fmt.Sprintf("say_do[%d].ratio", k), g.Ratio, w.Ratio)
		}
	}
	if !slices.Equal(got.Carryover, want.Carryover) {
		t.Errorf("carryover = %v, want %v", got.Carryover, want.Carryover)
	}
	if got.CycleTimeHours.Count != want.CycleTimeHours.Count {
		t.Errorf("cycle_time_hours.count = %d, want %d", got.CycleTimeHours.Count, want.CycleTimeHours.Count)
	}
	ptr("cycle_time_hours.p50", got.CycleTimeHours.P50, want.CycleTimeHours.P50)
	ptr("cycle_time_hours.p85", got.CycleTimeHours.P85, want.CycleTimeHours.P85)
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestMetricsDST checks week assignment and hours around the end of summer
// time in Berlin: on Sunday 25 October 2026 clocks go back from 03:00 CEST
// to 02:00 CET, so that day has 25 hours. The window is 2026-W43 and W44:
// Mon 19 Oct 00:00 CEST (18 Oct 22:00 UTC) → Mon 2 Nov 00:00 CET (1 Nov
// 23:00 UTC).
func TestMetricsDST(t *testing.T) {
	s := DefaultSettings()
	s.TimeZone = "Europe/Berlin"
	R, D := refining, ready
	in := MetricsInput{
		Settings: s, From: "2026-10-19", To: "2026-11-01", Now: mxUTC("2026-11-05 12:00"),
		LabelEvents: []LabelEvent{
			// #1 R Sat 24 Oct 12:00 CEST (10:00 UTC) → Sun 25 Oct 12:00 CET
			// (11:00 UTC) = 25 h, not 24; ready on Sunday: W43.
			mxAdd(1, R, mxAt("2026-10-24 12:00")),
			mxRm(1, R, mxAt("2026-10-25 12:00")),
			mxAdd(1, D, mxAt("2026-10-25 12:00")),
			// #2 22:30 UTC on Sunday 25 Oct is 23:30 CET, still Sunday: W43
			// (with summer time's +2 it would wrongly be Monday, W44).
			mxAdd(2, D, mxUTC("2026-10-25 22:30")),
			// #3 23:30 UTC is Monday 26 Oct 00:30 CET: W44 (UTC says Sunday).
			mxAdd(3, D, mxUTC("2026-10-25 23:30")),
			// #4 22:30 UTC on Sun 18 Oct is Mon 19 Oct 00:30 CEST: in the
			// window, W43 (UTC says Sunday, before it).
			mxAdd(4, D, mxUTC("2026-10-18 22:30")),
			// #5 21:30 UTC on Sun 18 Oct is 23:30 CEST, Sunday: before the window.
			mxAdd(5, D, mxUTC("2026-10-18 21:30")),
			// #6 23:30 UTC on Sun 1 Nov is Mon 2 Nov 00:30 CET: after the window.
			mxAdd(6, D, mxUTC("2026-11-01 23:30")),
			// #7 R from Sun 1 Nov 12:00 CET, still running: cut at the
			// window's end, Mon 2 Nov 00:00 CET = 12 h.
			mxAdd(7, R, mxAt("2026-11-01 12:00")),
		},
	}
	got, err := ComputeMetrics(in)
	if err != nil {
		t.Fatal(err)
	}
	mxCompare(t, got, &Metrics{
		AvgRefinementHours:  mxF(25),
		RefinementIntervals: 1,
		RefinedPerWeek:      []WeekCount{{"2026-W43", 3}, {"2026-W44", 1}}, // #1 #2 #4; #3
		RefinementHours:     25 + 12,
		Velocity:            []MilestoneVelocity{},
		SayDo:               []SayDo{},
		Carryover:           []MilestoneCarryover{},
	})

	// The same events for a team in UTC: #2 #3 are Sunday (W43), #4 and #5
	// are Sunday 18 Oct (before the window), #6 is Sunday 1 Nov (W44).
	in.Settings.TimeZone = "UTC"
	got, err = ComputeMetrics(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []WeekCount{{"2026-W43", 3}, {"2026-W44", 1}}; !slices.Equal(got.RefinedPerWeek, want) {
		t.Errorf("UTC: refined_per_week = %v, want %v", got.RefinedPerWeek, want)
	}
	// In UTC #7 runs from 11:00 UTC to the window's end, Mon 2 Nov 00:00
	// UTC: 13 h; #1 is 25 h whatever the zone.
	if !near(got.RefinementHours, 25+13) {
		t.Errorf("UTC: refinement_hours = %v, want 38", got.RefinementHours)
	}
}

func TestMetricsWeekLabel(t *testing.T) {
	for date, want := range map[string]string{
		"2026-11-16": "2026-W47",
		"2026-12-28": "2026-W53", // 2026 has 53 ISO weeks: 1 Jan 2026 is a Thursday
		"2026-12-31": "2026-W53",
		"2027-01-01": "2026-W53", // Friday: its Thursday is 31 Dec 2026
		"2027-01-03": "2026-W53",
		"2027-01-04": "2027-W01",
		"2025-12-29": "2026-W01", // Monday: its Thursday is 1 Jan 2026
		"2021-01-03": "2020-W53",
	} {
		d, err := parseDay(date)
		if err != nil {
			t.Fatal(err)
		}
		if got := isoWeekLabel(d); got != want {
			t.Errorf("isoWeekLabel(%s) = %s, want %s", date, got, want)
		}
		if m := mondayOf(d); m.weekday() != time.Monday || d-m > 6 || isoWeekLabel(m) != want {
			t.Errorf("mondayOf(%s) = %s", date, m)
		}
	}
}

func TestMetricsNearestRank(t *testing.T) {
	twenty := make([]float64, 20)
	for i := range twenty {
		twenty[i] = float64(i + 1)
	}
	tests := []struct {
		name   string
		values []float64
		p      int
		want   float64
	}{
		{"One", []float64{7}, 50, 7},
		{"OneP85", []float64{7}, 85, 7},
		{"FourP50", []float64{1, 2, 3, 4}, 50, 2},           // ⌈2⌉ = rank 2
		{"FourP85", []float64{1, 2, 3, 4}, 85, 4},           // ⌈3.4⌉ = rank 4
		{"TwentyP85", twenty, 85, 17},                       // ⌈17⌉ = rank 17, exactly
		{"TwentyP50", twenty, 50, 10},                       // ⌈10⌉ = rank 10
		{"SevenP85", []float64{1, 2, 3, 4, 5, 6, 7}, 85, 6}, // ⌈5.95⌉ = 6
		{"P0", []float64{1, 2, 3}, 0, 1},                    // rank at least 1
		{"P100", []float64{1, 2, 3}, 100, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nearestRank(tt.values, tt.p); got != tt.want {
				t.Errorf("nearestRank(p%d) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestIntervals(t *testing.T) {
	R := refining
	h := func(hh int) time.Time { return time.Date(2026, 12, 14, hh, 0, 0, 0, time.UTC) }
	type iv struct {
		start, end int
		by         string
	}
	tests := []struct {
		name   string
		issue  IssueFact
		labels []LabelEvent
		states []StateEvent
		want   []iv
	}{
		{name: "TwoIntervals",
			labels: []LabelEvent{mxAdd(1, R, h(9)), mxRm(1, R, h(10)), mxAdd(1, R, h(11)), mxRm(1, R, h(12))},
			want:   []iv{{9, 10, EndedByRemove}, {11, 12, EndedByRemove}}},
		{name: "DuplicateAddIgnored",
			labels: []LabelEvent{mxAdd(1, R, h(9)), mxAdd(1, R, h(10)), mxRm(1, R, h(12))},
			want:   []iv{{9, 12, EndedByRemove}}},
		{name: "RemoveWithoutAddIgnored",
			labels: []LabelEvent{mxRm(1, R, h(8)), mxAdd(1, R, h(9)), mxRm(1, R, h(10)), mxRm(1, R, h(11))},
			want:   []iv{{9, 10, EndedByRemove}}},
		{name: "OutOfOrder",
			labels: []LabelEvent{mxRm(1, R, h(12)), mxAdd(1, R, h(11)), mxRm(1, R, h(10)), mxAdd(1, R, h(9))},
			want:   []iv{{9, 10, EndedByRemove}, {11, 12, EndedByRemove}}},
		{name: "RunningToNow", // now is 17:00
			labels: []LabelEvent{mxAdd(1, R, h(9))},
			want:   []iv{{9, 17, EndedByNone}}},
		{name: "CloseEndsReopenDoesNotRestart",
			labels: []LabelEvent{mxAdd(1, R, h(9)), mxRm(1, R, h(13))},
			states: []StateEvent{mxClose(1, h(10)), mxReopen(1, h(11))},
			want:   []iv{{9, 10, EndedByClose}}},
		{name: "ReopenThenAddedAgain",
			labels: []LabelEvent{mxAdd(1, R, h(9)), mxAdd(1, R, h(12)), mxRm(1, R, h(13))},
			states: []StateEvent{mxClose(1, h(10)), mxReopen(1, h(11))},
			want:   []iv{{9, 10, EndedByClose}, {12, 13, EndedByRemove}}},
		{name: "AddWhileClosedIgnored",
			labels: []LabelEvent{mxAdd(1, R, h(9)), mxRm(1, R, h(12))},
			states: []StateEvent{mxClose(1, h(8)), mxReopen(1, h(10))},
			want:   nil},
		{name: "DoubleCloseEndsOnce",
			labels: []LabelEvent{mxAdd(1, R, h(9))},
			states: []StateEvent{mxClose(1, h(10)), mxClose(1, h(11))},
			want:   []iv{{9, 10, EndedByClose}}},
		{name: "ClosedAtWithoutStateEvents",
			issue:  IssueFact{ID: 1, ClosedAt: mxPtr(h(10))},
			labels: []LabelEvent{mxAdd(1, R, h(9))},
			want:   []iv{{9, 10, EndedByClose}}},
		{name: "ClosedAtUnusedWithStateEvents", // the history says it is open again
			issue:  IssueFact{ID: 1, ClosedAt: mxPtr(h(10))},
			labels: []LabelEvent{mxAdd(1, R, h(12))},
			states: []StateEvent{mxClose(1, h(10)), mxReopen(1, h(11))},
			want:   []iv{{12, 17, EndedByNone}}},
		{name: "LabelBeforeStateAtTheSameInstant",
			labels: []LabelEvent{mxAdd(1, R, h(9))},
			states: []StateEvent{mxClose(1, h(9))},
			want:   []iv{{9, 9, EndedByClose}}},
		{name: "SameInstantKeepsInputOrder", // remove (nothing to end), then add
			labels: []LabelEvent{mxRm(1, R, h(9)), mxAdd(1, R, h(9))},
			want:   []iv{{9, 17, EndedByNone}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var issues []IssueFact
			if tt.issue.ID != 0 {
				issues = []IssueFact{tt.issue}
			}
			got, err := LabelIntervals([]string{R}, issues, tt.labels, tt.states, h(17))
			if err != nil {
				t.Fatal(err)
			}
			var g []iv
			for _, x := range got {
				if x.IssueID != 1 || x.Label != R {
					t.Errorf("interval %+v: wrong issue or label", x)
				}
				g = append(g, iv{x.Start.Hour(), x.End.Hour(), x.EndedBy})
				if x.Running() != (x.EndedBy == EndedByNone) || x.Hours() != float64(x.End.Hour()-x.Start.Hour()) {
					t.Errorf("interval %+v: Running %v, Hours %v", x, x.Running(), x.Hours())
				}
			}
			if !slices.Equal(g, tt.want) {
				t.Errorf("intervals = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestIntervalsOfManyIssues(t *testing.T) {
	in := mxHistory()
	got, err := LabelIntervals([]string{refining, inDev}, in.Issues, in.LabelEvents, in.StateEvents, in.Now)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, x := range got {
		lines = append(lines, fmt.Sprintf("#%d %s %s→%s %s", x.IssueID, strings.TrimPrefix(x.Label, "workflow::"),
			x.Start.In(mxBerlin).Format("01-02 15:04"), x.End.In(mxBerlin).Format("01-02 15:04"), x.EndedBy))
	}
	want := []string{
		"#1 refinement 12-14 09:00→12-16 15:00 remove",
		"#1 refinement 12-17 10:00→12-18 12:00 remove",
		"#1 in dev 12-21 09:00→12-22 17:00 remove",
		"#2 refinement 01-04 14:00→01-12 10:00 ", // running to now
		"#3 refinement 12-30 16:00→01-04 10:00 remove",
		"#4 refinement 12-07 09:00→12-31 09:00 remove",
		"#5 refinement 12-15 09:00→12-15 17:00 remove",
		"#5 in dev 12-16 09:00→12-18 09:00 close",
		"#6 refinement 12-28 09:00→12-29 09:00 remove",
		"#7 in dev 12-10 09:00→12-15 09:00 close",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("intervals:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestMetricsErrors(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*MetricsInput)
		wantErr string
	}{
		{"ErrFrom", func(in *MetricsInput) { in.From = "2026-13-01" }, `from: "2026-13-01" is not a date`},
		{"ErrTo", func(in *MetricsInput) { in.To = "" }, `to: "" is not a date`},
		{"ErrReversed", func(in *MetricsInput) { in.From, in.To = "2027-01-10", "2026-12-14" }, "the window ends (2026-12-14) before it starts (2027-01-10)"},
		{"ErrAncientWindow", func(in *MetricsInput) { in.From = "0001-01-01" }, "is not between 1900 and 2199"},
		{"ErrNow", func(in *MetricsInput) { in.Now = time.Time{} }, "now is not set"},
		{"ErrTimeZone", func(in *MetricsInput) { in.Settings.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"ErrSettings", func(in *MetricsInput) { in.Settings.ReadyLabel = "" }, "ready_label: must be set"},
		{"ErrLabelAction", func(in *MetricsInput) { in.LabelEvents[0].Action = "rename" }, `label event of issue 1: unknown action "rename"`},
		{"ErrLabelTime", func(in *MetricsInput) { in.LabelEvents[0].At = time.Time{} }, "label event of issue 1 (add \"workflow::refinement\") has no time"},
		{"ErrStateAction", func(in *MetricsInput) { in.StateEvents[0].Action = "close" }, `state event of issue 1: unknown action "close"`},
		{"ErrIssueTwice", func(in *MetricsInput) { in.Issues = append(in.Issues, IssueFact{ID: 3}) }, "issue 3 is listed twice"},
		{"ErrMilestoneDate", func(in *MetricsInput) { in.Milestones[0].DueDate = "31.12.2026" }, `milestone "December 2026": due date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mxHistory()
			tt.change(&in)
			_, err := ComputeMetrics(in)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestMetricsJSONShape(t *testing.T) {
	in := mxHistory()
	m, err := ComputeMetrics(in)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"avg_refinement_hours", "refinement_intervals", "refined_per_week", "refinement_hours",
		"development_hours", "velocity", "say_do", "carryover", "cycle_time_hours"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %q in %s", key, data)
		}
	}
	for _, want := range []string{
		`"refined_per_week":[{"week":"2026-W51","count":4},`,
		`"velocity":[{"milestone_id":10,"milestone":"December 2026","weight":8},`,
		`{"milestone_id":12,"milestone":"Hack week","committed":0,"done":0,"ratio":null}`,
		`"carryover":[{"milestone_id":10,"milestone":"December 2026","count":2,"weight":1},`,
		`"cycle_time_hours":{"count":4,"p50":166,"p85":458}`,
		`"avg_refinement_hours":133.666666667,`, // unrounded but for noise below 1e-9
		`"refinement_hours":797,`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON lacks %s:\n%s", want, data)
		}
	}

	// An empty window: nulls where there is nothing to average, empty lists.
	empty, err := ComputeMetrics(MetricsInput{Settings: DefaultSettings(), From: "2026-11-16", To: "2026-11-22", Now: mxUTC("2026-11-30 00:00")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(empty)
	const wantEmpty = `{"avg_refinement_hours":null,"refinement_intervals":0,"refined_per_week":[{"week":"2026-W47","count":0}],` +
		`"refinement_hours":0,"development_hours":0,"velocity":[],"say_do":[],"carryover":[],` +
		`"cycle_time_hours":{"count":0,"p50":null,"p85":null}}`
	if string(data) != wantEmpty {
		t.Errorf("empty window:\n%s\nwant\n%s", data, wantEmpty)
	}

	// Rounded, for people: one decimal for hours, two for ratios.
	in.Commitments = append(in.Commitments, Commitment{MilestoneID: msDecember, IssueID: 3, Placement: PlacementDeliverable})
	m, err = ComputeMetrics(in)
	if err != nil {
		t.Fatal(err)
	}
	r := m.Rounded()
	// 802 ÷ 6 = 133.67 → 133.7; say/do 3 ÷ 7 = 0.428… → 0.43.
	if *r.AvgRefinementHours != 133.7 || *r.SayDo[0].Ratio != 0.43 || r.RefinementHours != 797 {
		t.Errorf("Rounded: avg %v, ratio %v, refinement %v", *r.AvgRefinementHours, *r.SayDo[0].Ratio, r.RefinementHours)
	}
	if *m.SayDo[0].Ratio != 0.428571429 {
		t.Errorf("Rounded changed the original: ratio %v", *m.SayDo[0].Ratio)
	}
}

// mxBenchInput builds a team with 100,000 issues and 1,000,000 events over
// two years: every issue goes refinement → ready → in dev → in review and
// also gets a priority label (8 label events), then either leaves review
// and is closed (9th and 10th events) or, one in ten, is closed and reopened.
// Events come ordered by time across all issues, as a store returns them.
func mxBenchInput() MetricsInput {
	r := rand.New(rand.NewPCG(4, 7))
	s := DefaultSettings()
	s.TimeZone = "Europe/Berlin"
	t0 := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	const n = 100_000

	var ms []Milestone
	for k := range 26 {
		start := time.Date(2025, time.January+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
		ms = append(ms, Milestone{ID: int64(k + 1), Title: start.Format("January 2006"),
			StartDate: start.Format(time.DateOnly), DueDate: start.AddDate(0, 1, -1).Format(time.DateOnly)})
	}
	msOf := func(t time.Time) int64 { return int64((t.Year()-2025)*12 + int(t.Month())) }

	issues := make([]IssueFact, 0, n)
	labels := make([]LabelEvent, 0, 9*n)
	states := make([]StateEvent, 0, 2*n)
	var commits []Commitment
	var changes []MilestoneChange
	hours := func(lo, hi int) time.Duration { return time.Duration(lo+r.IntN(hi-lo+1)) * time.Hour }
	for i := range n {
		id := int64(i + 1)
		created := t0.Add(time.Duration(i) * 5 * time.Minute) // about 350 days
		t1 := created.Add(hours(1, 200))
		t2 := t1.Add(hours(1, 300))
		t3 := t2.Add(hours(1, 100))
		end := t3.Add(hours(1, 50))
		labels = append(labels,
			mxAdd(id, refining, created), mxRm(id, refining, t1), mxAdd(id, ready, t1), mxRm(id, ready, t2),
			mxAdd(id, inDev, t2), mxRm(id, inDev, t3), mxAdd(id, inReview, t3),
			mxAdd(id, "code-creation-priority::medium", created.Add(time.Hour)))
		is := IssueFact{ID: id, CreatedAt: created, MilestoneID: msOf(t2)}
		if i%7 != 0 {
			is.Weight = wt([]int{1, 2, 3, 5}[r.IntN(4)])
		}
		if i%10 == 0 {
			states = append(states, mxClose(id, end), mxReopen(id, end.Add(24*time.Hour)))
		} else {
			labels = append(labels, mxRm(id, inReview, end))
			states = append(states, mxClose(id, end))
			is.ClosedAt = &end
		}
		issues = append(issues, is)
		if i%3 == 0 {
			commits = append(commits, Commitment{MilestoneID: is.MilestoneID, IssueID: id, Placement: PlacementDeliverable, Weight: is.Weight})
		}
		if i%20 == 0 {
			changes = append(changes, MilestoneChange{IssueID: id, FromMilestoneID: is.MilestoneID, ToMilestoneID: is.MilestoneID + 1, At: t2.Add(time.Hour)})
		}
	}
	slices.SortStableFunc(labels, func(a, b LabelEvent) int { return a.At.Compare(b.At) })
	slices.SortStableFunc(states, func(a, b StateEvent) int { return a.At.Compare(b.At) })
	return MetricsInput{
		Settings: s, From: "2025-07-01", To: "2025-09-30", Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
		Milestones: ms, Issues: issues, LabelEvents: labels, StateEvents: states,
		Commitments: commits, MilestoneChanges: changes,
	}
}

func TestMetricsBenchInputIsRealistic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 1,000,000 events")
	}
	in := mxBenchInput()
	if len(in.Issues) != 100_000 || len(in.LabelEvents)+len(in.StateEvents) != 1_000_000 {
		t.Fatalf("%d issues, %d events", len(in.Issues), len(in.LabelEvents)+len(in.StateEvents))
	}
	m, err := ComputeMetrics(in)
	if err != nil {
		t.Fatal(err)
	}
	if m.RefinementIntervals < 20_000 || len(m.RefinedPerWeek) != 14 || m.RefinedPerWeek[5].Count == 0 ||
		len(m.Velocity) != 3 || m.Velocity[1].Weight == 0 || m.SayDo[1].Ratio == nil || m.Carryover[1].Count == 0 ||
		m.CycleTimeHours.Count < 20_000 || m.DevelopmentHours <= 0 {
		t.Errorf("metrics look empty: %+v", m)
	}
}

// BenchmarkMetrics measures the planning arithmetic of one GET
// …/planning_metrics for a team with 100,000 issues and 1,000,000 events
// (all of them passed, a worst case: the store's queries need pass only
// the events up to the window's end).
func BenchmarkMetrics(b *testing.B) {
	in := mxBenchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ComputeMetrics(in); err != nil {
			b.Fatal(err)
		}
	}
}

package store_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/planning"
)

// The metrics tests import a hand-built history with timestamps and check
// every figure against values worked out by hand below. All times are UTC,
// the team's zone (the defaults). Labels are the default workflow:
//
//	R = workflow::refinement   D = workflow::ready for development
//	V = workflow::in dev       W = workflow::in review
const (
	mR = "workflow::refinement"
	mD = "workflow::ready for development"
	mV = "workflow::in dev"
	mW = "workflow::in review"
)

// metricsNow is the store's clock: after the window, so that every figure
// of the window is final.
var metricsNow = time.Date(2027, 1, 20, 12, 0, 0, 0, time.UTC)

// mev is a compact event: "+R" adds a label, "-R" removes it, "close" and
// "reopen" change the state, "%2026-12" adds a milestone and "%-2026-12"
// removes it.
type mev struct {
	at   string // "2026-12-15T09:00"
	what string
}

func (e mev) event() archive.Event {
	t := e.at + ":00.000Z"
	switch {
	case e.what == "close":
		return archive.Event{Type: archive.EventState, Action: "closed", CreatedAt: t}
	case e.what == "reopen":
		return archive.Event{Type: archive.EventState, Action: "reopened", CreatedAt: t}
	case strings.HasPrefix(e.what, "%-"):
		return archive.Event{Type: archive.EventMilestone, Action: "remove", Milestone: e.what[2:], CreatedAt: t}
	case strings.HasPrefix(e.what, "%"):
		return archive.Event{Type: archive.EventMilestone, Action: "add", Milestone: e.what[1:], CreatedAt: t}
	}
	label := map[byte]string{'R': mR, 'D': mD, 'V': mV, 'W': mW}[e.what[1]]
	action := "add"
	if e.what[0] == '-' {
		action = "remove"
	}
	return archive.Event{Type: archive.EventLabel, Action: action, Label: label, CreatedAt: t}
}

// metricsIssue builds an archive issue from its events: its labels, state
// and closing time are what the events leave.
func metricsIssue(iid int64, title string, weight int, milestone string, evs ...mev) archive.Issue {
	is := archive.Issue{IID: iid, Title: title, Author: "ana", State: "opened", Milestone: milestone, CreatedAt: evs[0].at + ":00.000Z"}
	if weight > 0 {
		is.Weight = &weight
	}
	on := map[string]bool{}
	for _, e := range evs {
		ev := e.event()
		is.Events = append(is.Events, ev)
		switch {
		case ev.Type == archive.EventLabel:
			on[ev.Label] = ev.Action == "add"
		case ev.Action == "closed":
			is.State, is.ClosedAt = "closed", ev.CreatedAt
		case ev.Action == "reopened":
			is.State, is.ClosedAt = "opened", ""
		}
	}
	for _, l := range []string{mR, mD, mV, mW} {
		if on[l] {
			is.Labels = append(is.Labels, l)
		}
	}
	return is
}

// metricsArchive is the hand-built history. The window of the tests is
// Monday 14 December 2026 to Sunday 10 January 2027: ISO weeks 2026-W51,
// W52, W53 (28 December to 3 January, across the new year) and 2027-W01.
// Milestone 2026-12 (1–31 December) is due inside it; 2027-01 is not.
func metricsArchive() *archive.Archive {
	const t0 = "2026-09-01T09:00:00.000Z"
	return &archive.Archive{
		Format: archive.FormatName, Version: archive.Version,
		Users: []archive.User{{Username: "ana", CreatedAt: t0}},
		Groups: []archive.Group{{
			Path: "team", CreatedAt: t0,
			Members: []archive.Member{{Username: "ana", PlanningRole: "engineer", AccessLevel: 30, CapacityFactor: 1, JoinedAt: "2026-09-01"}},
			Labels:  []archive.Label{{Name: mR}, {Name: mD}, {Name: mV}, {Name: mW}},
			Milestones: []archive.Milestone{
				{Title: "2026-12", StartDate: "2026-12-01", DueDate: "2026-12-31", CreatedAt: t0},
				{Title: "2027-01", StartDate: "2027-01-01", DueDate: "2027-01-31", CreatedAt: t0},
			},
			Projects: []archive.Project{{Path: "app", CreatedAt: t0, Issues: []archive.Issue{
				// Enters refinement twice: R 1 Dec → 15 Dec (336 h, 33 h of
				// them in the window), ready, sent back 16 Dec, R again to
				// 18 Dec (48 h); in dev 48 h, in review 24 h, closed 24 Dec:
				// cycle 18 Dec → 24 Dec = 144 h. Committed, done.
				metricsIssue(1, "Refined twice", 3, "2026-12",
					mev{"2026-12-01T09:00", "+R"}, mev{"2026-12-01T09:00", "%2026-12"},
					mev{"2026-12-15T09:00", "-R"}, mev{"2026-12-15T09:00", "+D"},
					mev{"2026-12-16T09:00", "-D"}, mev{"2026-12-16T09:00", "+R"},
					mev{"2026-12-18T09:00", "-R"}, mev{"2026-12-18T09:00", "+D"},
					mev{"2026-12-21T09:00", "-D"}, mev{"2026-12-21T09:00", "+V"},
					mev{"2026-12-23T09:00", "-V"}, mev{"2026-12-23T09:00", "+W"},
					mev{"2026-12-24T09:00", "close"}),
				// Still in refinement at the window's end, no weight: 5 Jan
				// 12:00 → 11 Jan 00:00 = 132 h in the window, in no average.
				metricsIssue(2, "Still refining", 0, "", mev{"2027-01-05T12:00", "+R"}),
				// Refined across an ISO week and a year: Thursday 31 Dec
				// 18:00 (2026-W53) → Monday 4 Jan 09:00 (2027-W01) = 87 h.
				metricsIssue(3, "Across the new year", 2, "2027-01",
					mev{"2026-12-31T18:00", "+R"}, mev{"2026-12-31T18:00", "%2027-01"},
					mev{"2027-01-04T09:00", "-R"}, mev{"2027-01-04T09:00", "+D"}),
				// No weight, closed while in refinement: 10 Dec → 20 Dec =
				// 240 h (153 h in the window); never ready, so no cycle time.
				metricsIssue(4, "Closed unrefined", 0, "",
					mev{"2026-12-10T09:00", "+R"}, mev{"2026-12-20T09:00", "close"}),
				// Committed to December, in dev from 10 Dec for the whole
				// window (672 h), moved to January on 28 Dec: carryover.
				metricsIssue(5, "Carried over", 5, "2027-01",
					mev{"2026-11-20T09:00", "+D"}, mev{"2026-11-20T09:00", "%2026-12"},
					mev{"2026-12-10T09:00", "-D"}, mev{"2026-12-10T09:00", "+V"},
					mev{"2026-12-28T09:00", "%-2026-12"}, mev{"2026-12-28T09:00", "%2027-01"}),
				// Committed, closed 9 Dec before the window: velocity and
				// say/do count it; its intervals are all before the window.
				metricsIssue(6, "Done early", 2, "2026-12",
					mev{"2026-11-25T09:00", "+D"}, mev{"2026-11-25T09:00", "%2026-12"},
					mev{"2026-12-02T09:00", "-D"}, mev{"2026-12-02T09:00", "+V"},
					mev{"2026-12-09T09:00", "close"}),
				// Stretch: neither committed nor closed.
				metricsIssue(7, "Stretch", 1, "2026-12",
					mev{"2026-11-26T09:00", "+D"}, mev{"2026-11-26T09:00", "%2026-12"}),
				// Committed, closed 30 Dec, reopened 5 Jan: done at the end
				// of the due date, open now (no velocity). Cycle: ready 27
				// Nov 09:00 → closed 30 Dec 09:00 = 792 h.
				metricsIssue(8, "Reopened later", 1, "2026-12",
					mev{"2026-11-27T09:00", "+D"}, mev{"2026-11-27T09:00", "%2026-12"},
					mev{"2026-12-30T09:00", "close"}, mev{"2027-01-05T09:00", "reopen"}),
				// Committed, in review from 28 Dec 09:00 to the window's end:
				// 327 h; not done.
				metricsIssue(9, "In review", 3, "2026-12",
					mev{"2026-11-28T09:00", "+D"}, mev{"2026-11-28T09:00", "%2026-12"},
					mev{"2026-12-28T09:00", "-D"}, mev{"2026-12-28T09:00", "+W"}),
				// Refined 29 Dec 09:00 → Friday 1 Jan 2027 09:00 = 72 h: a
				// new calendar year, still ISO week 2026-W53.
				metricsIssue(10, "Ready on new year's day", 1, "",
					mev{"2026-12-29T09:00", "+R"}, mev{"2027-01-01T09:00", "-R"}, mev{"2027-01-01T09:00", "+D"}),
				// Long before the window: changes nothing.
				metricsIssue(11, "Old news", 2, "",
					mev{"2026-10-01T09:00", "+R"}, mev{"2026-10-05T09:00", "-R"}, mev{"2026-10-05T09:00", "+D"},
					mev{"2026-10-10T09:00", "-D"}, mev{"2026-10-10T09:00", "+V"}, mev{"2026-11-15T09:00", "close"}),
			}}},
		}},
	}
}

// metricsTeam imports metricsArchive into s with the clock at metricsNow
// and records December's commitments (finalised on 28 November): #1, #5,
// #6, #8 and #9 as Deliverables, #7 as Stretch. It returns the group id
// and the ids of milestone 2026-12 and of the issues by iid.
func metricsTeam(t *testing.T, s *store.Store) (groupID, dec int64, issues map[int64]int64) {
	t.Helper()
	ctx := context.Background()
	s.Now = func() time.Time { return metricsNow }
	if _, err := s.ImportArchive(ctx, metricsArchive()); err != nil {
		t.Fatalf("import: %v", err)
	}
	g, err := s.GroupByPath(ctx, "team")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.ProjectByPath(ctx, "team/app")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RawQueryRowForTest(ctx, "SELECT id FROM milestones WHERE group_id = ? AND title = '2026-12'", g.ID).Scan(&dec); err != nil {
		t.Fatal(err)
	}
	issues = map[int64]int64{}
	for iid := int64(1); iid <= 11; iid++ {
		is, err := s.IssueByIID(ctx, p.ID, iid)
		if err != nil {
			t.Fatal(err)
		}
		issues[iid] = is.ID
	}
	finalised := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).UnixMilli()
	for _, c := range []struct {
		iid       int64
		placement string
		weight    int
	}{{1, "deliverable", 3}, {5, "deliverable", 5}, {6, "deliverable", 2}, {7, "stretch", 1}, {8, "deliverable", 1}, {9, "deliverable", 3}} {
		if err := s.RawExecForTest(ctx, "INSERT INTO plan_commitments (milestone_id, issue_id, placement, weight, carryover, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			dec, issues[c.iid], c.placement, c.weight, false, finalised); err != nil {
			t.Fatal(err)
		}
	}
	return g.ID, dec, issues
}

func TestPlanningMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		gid, dec, _ := metricsTeam(t, s)
		m, err := s.PlanningMetrics(context.Background(), gid, "2026-12-14", "2027-01-10")
		if err != nil {
			t.Fatal(err)
		}
		f := func(v float64) *float64 { return &v }
		want := &planning.Metrics{
			// Refinement intervals that ended in the window: #1 336 h and
			// 48 h, #4 240 h, #3 87 h, #10 72 h: 783 ÷ 5.
			AvgRefinementHours:  f(156.6),
			RefinementIntervals: 5,
			// #1 twice in W51 counts once; #10 on 1 Jan is in 2026-W53; #3
			// on Monday 4 Jan starts 2027-W01.
			RefinedPerWeek: []planning.WeekCount{{Week: "2026-W51", Count: 1}, {Week: "2026-W52", Count: 0},
				{Week: "2026-W53", Count: 1}, {Week: "2027-W01", Count: 1}},
			// #1 33 + 48, #2 132, #3 87, #4 153, #10 72.
			RefinementHours: 525,
			// #1 48 in dev + 24 in review, #5 672 in dev, #9 327 in review.
			DevelopmentHours: 1071,
			// #1 (3) and #6 (2); #8 was reopened and is open now.
			Velocity: []planning.MilestoneVelocity{{MilestoneID: dec, Milestone: "2026-12", Weight: 5}},
			// Deliverables #1, #5, #6, #8, #9; done at the end of 31 Dec:
			// #1, #6 and #8 (closed 30 Dec, reopened only on 5 Jan).
			SayDo: []planning.SayDo{{MilestoneID: dec, Milestone: "2026-12", Committed: 5, Done: 3, Ratio: f(0.6)}},
			// #5 moved to 2027-01 on 28 Dec while open, weight 5 now.
			Carryover: []planning.MilestoneCarryover{{MilestoneID: dec, Milestone: "2026-12", Count: 1, Weight: 5}},
			// Closes in the window after a ready: #1 144 h, #8 792 h (#4 was
			// never ready). Nearest rank: p50 rank 1, p85 rank ⌈1.7⌉ = 2.
			CycleTimeHours: planning.CycleTime{Count: 2, P50: f(144), P85: f(792)},
		}
		if m.From != "2026-12-14" || m.To != "2027-01-10" {
			t.Errorf("window %s – %s", m.From, m.To)
		}
		got, _ := json.Marshal(m.Metrics)
		exp, _ := json.Marshal(want)
		if string(got) != string(exp) {
			t.Errorf("metrics\n got %s\nwant %s", got, exp)
		}
	})
}

func TestPlanningMetricsWindows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		gid, _, _ := metricsTeam(t, s)
		ctx := context.Background()
		t.Run("OneWeek", func(t *testing.T) {
			// 28 Dec – 3 Jan: #10's 72 h interval ended inside it (1 Jan);
			// #3's began inside it and ended after it. Refinement in the
			// week: #3 31 Dec 18:00 → 4 Jan 00:00 = 78 h, #10 29 Dec 09:00
			// → 1 Jan 09:00 = 72 h. December is due inside the week too.
			m, err := s.PlanningMetrics(ctx, gid, "2026-12-28", "2027-01-03")
			if err != nil {
				t.Fatal(err)
			}
			if m.RefinementIntervals != 1 || m.AvgRefinementHours == nil || *m.AvgRefinementHours != 72 || m.RefinementHours != 150 ||
				len(m.RefinedPerWeek) != 1 || m.RefinedPerWeek[0] != (planning.WeekCount{Week: "2026-W53", Count: 1}) ||
				len(m.Velocity) != 1 || m.Velocity[0].Weight != 5 || m.CycleTimeHours.Count != 1 || *m.CycleTimeHours.P50 != 792 {
				b, _ := json.Marshal(m)
				t.Errorf("metrics %s", b)
			}
		})
		t.Run("Empty", func(t *testing.T) {
			m, err := s.PlanningMetrics(ctx, gid, "2025-01-01", "2025-01-01")
			if err != nil {
				t.Fatal(err)
			}
			if m.AvgRefinementHours != nil || m.RefinementHours != 0 || m.CycleTimeHours.P50 != nil || len(m.RefinedPerWeek) != 1 {
				b, _ := json.Marshal(m)
				t.Errorf("metrics %s", b)
			}
		})
		for _, tc := range []struct{ name, from, to, param string }{
			{"BadFrom", "2026-13-01", "2027-01-10", "from"},
			{"BadTo", "2026-12-01", "tomorrow", "to"},
			{"Reversed", "2027-01-10", "2026-12-14", "to"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.PlanningMetrics(ctx, gid, tc.from, tc.to)
				issWantCode(t, err, "invalid")
			})
		}
		t.Run("DefaultWindow", func(t *testing.T) {
			// The 90 days to today (20 January 2027); from alone ends today;
			// to alone starts 89 days before.
			for _, tc := range []struct{ from, to, wantFrom, wantTo string }{
				{"", "", "2026-10-23", "2027-01-20"},
				{"2027-01-01", "", "2027-01-01", "2027-01-20"},
				{"", "2026-12-31", "2026-10-03", "2026-12-31"},
			} {
				m, err := s.PlanningMetrics(ctx, gid, tc.from, tc.to)
				issWantCode(t, err, "")
				if m.From != tc.wantFrom || m.To != tc.wantTo {
					t.Errorf("%q–%q: window %s – %s, want %s – %s", tc.from, tc.to, m.From, m.To, tc.wantFrom, tc.wantTo)
				}
			}
		})
		t.Run("UnknownGroup", func(t *testing.T) {
			_, err := s.PlanningMetrics(ctx, gid+100, "2026-12-14", "2027-01-10")
			issWantCode(t, err, "not_found")
		})
	})
}

func TestBurndown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		gid, dec, _ := metricsTeam(t, s)
		days, err := s.Burndown(context.Background(), gid, dec)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 31 || days[0].Date != "2026-12-01" || days[30].Date != "2026-12-31" {
			t.Fatalf("%d days from %v", len(days), days)
		}
		// Committed: #1 3, #5 5, #6 2, #8 1, #9 3 = 14. Scope adds the
		// Stretch #7 (1): 15. December 2026 has 23 working days.
		for _, tc := range []struct {
			date             string
			committed, scope int
			ideal            float64
		}{
			{"2026-12-01", 14, 15, 13.391304348}, // 14 × 22 ÷ 23
			{"2026-12-04", 14, 15, 11.565217391}, // Friday: 14 × 19 ÷ 23
			{"2026-12-05", 14, 15, 11.565217391}, // Saturday keeps Friday's
			{"2026-12-09", 12, 13, 9.739130435},  // #6 closed; Wednesday, 7 working days: 14 × 16 ÷ 23
			{"2026-12-24", 9, 10, 3.043478261},   // #1 closed; 18 working days: 14 × 5 ÷ 23
			{"2026-12-28", 9, 5, 1.826086957},    // 14 × 3 ÷ 23; #5 moved to January: out of scope, still committed
			{"2026-12-30", 8, 4, 0.608695652},    // 14 × 1 ÷ 23; #8 closed
			{"2026-12-31", 8, 4, 0},
		} {
			var d *planning.BurndownDay
			for k := range days {
				if days[k].Date == tc.date {
					d = &days[k]
				}
			}
			if d == nil || d.CommittedRemaining != tc.committed || d.ScopeRemaining != tc.scope || math.Abs(d.Ideal-tc.ideal) > 1e-9 {
				t.Errorf("%s: %+v, want committed %d scope %d ideal %v", tc.date, d, tc.committed, tc.scope, tc.ideal)
			}
		}
		t.Run("OtherGroupsMilestone", func(t *testing.T) {
			_, err := s.Burndown(context.Background(), gid+100, dec)
			issWantCode(t, err, "not_found")
		})
	})
}

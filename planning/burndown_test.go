package planning

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The sprint runs Monday 7 to Friday 18 December 2026 in Berlin (CET):
//
//	Mo Tu We Th Fr Sa Su
//	 7  8  9 10 11 12 13
//	14 15 16 17 18
//
// 10 working days. Committed Deliverables (weight at finalisation):
// #1 A 3, #2 B 2, #3 C 5, #4 D no weight = 10; #5 S is Stretch.
const (
	msSprint = 20
	msNext   = 21
	msOther  = 99
)

func burndownInput() BurndownInput {
	s := DefaultSettings()
	s.TimeZone = "Europe/Berlin"
	at := mxAt
	created := at("2026-12-01 09:00")
	return BurndownInput{
		Settings:  s,
		Milestone: Milestone{ID: msSprint, Title: "Sprint", StartDate: "2026-12-07", DueDate: "2026-12-18"},
		Today:     "2026-12-16",
		Issues: []IssueFact{
			{ID: 1, Weight: wt(3), MilestoneID: msSprint, CreatedAt: created, ClosedAt: mxPtr(at("2026-12-09 15:00"))},
			{ID: 2, Weight: wt(2), MilestoneID: msSprint, CreatedAt: created, ClosedAt: mxPtr(at("2026-12-15 10:00"))},
			// C was re-weighted from 5 to 3 during the sprint: the committed
			// line keeps 5, the scope line uses 3.
			{ID: 3, Weight: wt(3), MilestoneID: msSprint, CreatedAt: created},
			{ID: 4, MilestoneID: msSprint, CreatedAt: created, ClosedAt: mxPtr(at("2026-12-07 10:00"))}, // no state events
			{ID: 5, Weight: wt(1), MilestoneID: msSprint, CreatedAt: created},
			{ID: 6, Weight: wt(2), MilestoneID: msSprint, CreatedAt: created},                // E: joins Thu 10 Dec
			{ID: 7, Weight: wt(1), MilestoneID: msOther, CreatedAt: created},                 // F: leaves Tue 8 Dec
			{ID: 8, Weight: wt(3), MilestoneID: msSprint, CreatedAt: at("2026-12-14 10:00")}, // G: created in the sprint
			{ID: 9, Weight: wt(2), MilestoneID: msNext, CreatedAt: created},                  // H: moved on Tue 15 Dec
			{ID: 10, Weight: wt(4), MilestoneID: msNext, CreatedAt: created},                 // never in the sprint
		},
		StateEvents: []StateEvent{
			mxClose(1, at("2026-12-09 15:00")),
			// Sat 12 Dec 00:30 in Berlin (Fri 23:30 UTC): B counts as open at
			// the end of Friday.
			mxClose(2, at("2026-12-12 00:30")),
			mxReopen(2, at("2026-12-14 09:00")),
			mxClose(2, at("2026-12-15 10:00")),
		},
		MilestoneChanges: []MilestoneChange{
			{IssueID: 7, FromMilestoneID: msSprint, ToMilestoneID: msOther, At: at("2026-12-08 11:00")},
			{IssueID: 6, FromMilestoneID: 0, ToMilestoneID: msSprint, At: at("2026-12-10 09:00")},
			{IssueID: 9, FromMilestoneID: msSprint, ToMilestoneID: msNext, At: at("2026-12-15 16:00")},
		},
		Commitments: []Commitment{
			{MilestoneID: msSprint, IssueID: 1, Placement: PlacementDeliverable, Weight: wt(3)},
			{MilestoneID: msSprint, IssueID: 2, Placement: PlacementDeliverable, Weight: wt(2)},
			{MilestoneID: msSprint, IssueID: 3, Placement: PlacementDeliverable, Weight: wt(5)},
			{MilestoneID: msSprint, IssueID: 4, Placement: PlacementDeliverable},
			{MilestoneID: msSprint, IssueID: 5, Placement: PlacementStretch, Weight: wt(1)},
			{MilestoneID: msNext, IssueID: 3, Placement: PlacementDeliverable, Weight: wt(3)}, // another milestone
		},
	}
}

func TestBurndown(t *testing.T) {
	// Each line is the end of its day. Ideal = 10 × (10 − working days so
	// far) ÷ 10; weekends keep Friday's value.
	//
	//	date   committed                 scope (open, in the sprint, weight now)        ideal
	//	Mon 7  10  D closed (weight 0)   A3 B2 C3 S1 F1 H2 = 12                         9
	//	Tue 8  10                        F moved out: 11                                8
	//	Wed 9   7  A closed              B2 C3 S1 H2 = 8                                7
	//	Thu 10  7                        E joins: 10                                    6
	//	Fri 11  7  (B closes at 00:30 Saturday)  10                                     5
	//	Sat 12  5  B closed              C3 S1 E2 H2 = 8                                5
	//	Sun 13  5                        8                                              5
	//	Mon 14  7  B reopened            B2 C3 S1 E2 G3 H2 = 13 (G created)             4
	//	Tue 15  5  B closed              C3 S1 E2 G3 = 9 (H moved on)                   3
	//	Wed 16  5  (today)               9                                              2
	want := []BurndownDay{
		{"2026-12-07", 10, 12, 9},
		{"2026-12-08", 10, 11, 8},
		{"2026-12-09", 7, 8, 7},
		{"2026-12-10", 7, 10, 6},
		{"2026-12-11", 7, 10, 5},
		{"2026-12-12", 5, 8, 5},
		{"2026-12-13", 5, 8, 5},
		{"2026-12-14", 7, 13, 4},
		{"2026-12-15", 5, 9, 3},
		{"2026-12-16", 5, 9, 2},
	}
	got, err := ComputeBurndown(burndownInput())
	if err != nil {
		t.Fatal(err)
	}
	burndownEqual(t, got, want)
}

func burndownEqual(t *testing.T, got, want []BurndownDay) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d days %+v, want %d", len(got), got, len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Date != w.Date || g.CommittedRemaining != w.CommittedRemaining || g.ScopeRemaining != w.ScopeRemaining || !near(g.Ideal, w.Ideal) {
			t.Errorf("day %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestBurndownCases(t *testing.T) {
	tests := []struct {
		name   string
		change func(*BurndownInput)
		// check a few lines by index; -1 is the last
		lines map[int]BurndownDay
		days  int
	}{
		{
			// After the due date the burndown stops at the due date, Fri 18:
			// 12 lines; ideal reaches 0 on the last working day.
			name: "AfterDue", change: func(in *BurndownInput) { in.Today = "2027-01-20" }, days: 12,
			lines: map[int]BurndownDay{-1: {"2026-12-18", 5, 9, 0}},
		},
		{
			name: "BeforeStart", change: func(in *BurndownInput) { in.Today = "2026-12-06" }, days: 0,
		},
		{
			name: "FirstDay", change: func(in *BurndownInput) { in.Today = "2026-12-07" }, days: 1,
			lines: map[int]BurndownDay{0: {"2026-12-07", 10, 12, 9}},
		},
		{
			// Fri 11 Dec a holiday: 9 working days. End of Thu 10 (4 done):
			// 10 × 5 ÷ 9 = 5.5556; Fri 11 the same; Mon 14 (5 done) 10 × 4 ÷ 9 = 4.4444.
			name: "Holiday", change: func(in *BurndownInput) { in.Settings.Holidays = []string{"2026-12-11"} }, days: 10,
			lines: map[int]BurndownDay{
				3: {"2026-12-10", 7, 10, 50.0 / 9},
				4: {"2026-12-11", 7, 10, 50.0 / 9},
				7: {"2026-12-14", 7, 13, 40.0 / 9},
			},
		},
		{
			// In UTC, B's close (Fri 23:30 UTC) is on Friday.
			name: "UTC", change: func(in *BurndownInput) { in.Settings.TimeZone = "UTC" }, days: 10,
			lines: map[int]BurndownDay{4: {"2026-12-11", 5, 8, 5}},
		},
		{
			// Nothing committed: the committed and ideal lines are 0.
			name: "NoCommitments", change: func(in *BurndownInput) { in.Commitments = nil }, days: 10,
			lines: map[int]BurndownDay{0: {"2026-12-07", 0, 12, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := burndownInput()
			tt.change(&in)
			got, err := ComputeBurndown(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.days {
				t.Fatalf("got %d days, want %d: %+v", len(got), tt.days, got)
			}
			for i, w := range tt.lines {
				if i < 0 {
					i = len(got) + i
				}
				burndownEqual(t, got[i:i+1], []BurndownDay{w})
			}
		})
	}
}

func TestBurndownJSONAndErrors(t *testing.T) {
	in := burndownInput()
	in.Today = "2026-12-06"
	got, err := ComputeBurndown(in)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := json.Marshal(got); string(data) != "[]" {
		t.Errorf("before the start: %s, want []", data)
	}
	in.Today = "2026-12-07"
	got, _ = ComputeBurndown(in)
	if data, _ := json.Marshal(got); string(data) != `[{"date":"2026-12-07","committed_remaining":10,"scope_remaining":12,"ideal":9}]` {
		t.Errorf("JSON: %s", data)
	}

	for name, change := range map[string]func(*BurndownInput){
		`milestone "Sprint" needs a start date`:   func(in *BurndownInput) { in.Milestone.StartDate = "" },
		`today: "16.12." is not a date`:           func(in *BurndownInput) { in.Today = "16.12." },
		`unknown action "close"`:                  func(in *BurndownInput) { in.StateEvents[0].Action = "close" },
		"milestone change of issue 7 has no time": func(in *BurndownInput) { in.MilestoneChanges[0].At = time.Time{} },
		"time_zone": func(in *BurndownInput) { in.Settings.TimeZone = "Nowhere/Special" },
	} {
		in := burndownInput()
		change(&in)
		if _, err := ComputeBurndown(in); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("err = %v, want it to contain %q", err, name)
		}
	}
}

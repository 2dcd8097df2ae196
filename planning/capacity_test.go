package planning

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func wt(n int) *int { return &n }

func closedIssue(id int64, milestone int64, weight int, closedAt string, assignees ...User) Issue {
	return Issue{ID: id, IID: id, ProjectID: 1, State: StateClosed, Weight: wt(weight), MilestoneID: milestone, ClosedAt: closedAt, Assignees: assignees}
}

var (
	alice = User{1, "alice"}
	bob   = User{2, "bob"}
	carol = User{3, "carol"}
	dave  = User{4, "dave"}
	erin  = User{5, "erin"}
	frank = User{6, "frank"}
	dan   = User{99, "dan"} // not a member of the team
)

// The demo team plans November 2026 on 26 October, while October is the
// current milestone. Holidays: Labor Day, Monday 7 September, and
// Thanksgiving, Thursday 26 November.
//
// Working days (weekdays minus holidays):
//
//	July 2026       23              (starts on a Wednesday)
//	August 2026     21
//	September 2026  22 − 1 = 21     (Labor Day)
//	October 2026    22              (current, not finished: due 31 Oct ≥ today)
//	November 2026   21 − 1 = 20     (Thanksgiving)
//
// The velocity window is the last 3 finished milestones that end before
// 1 November, most recent first: September, August, July. October is
// active and due after today, so it is not finished.
//
// focus = capacity_factor × (1 − 0.2 − 0.1) = capacity_factor × 0.7.
func demoTeam() CapacityInput {
	s := DefaultSettings()
	s.Holidays = []string{"2026-09-07", "2026-11-26"}
	return CapacityInput{
		Settings:  s,
		Today:     "2026-10-26",
		Milestone: Milestone{ID: 11, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30", State: "active"},
		Members: []Member{
			{UserID: 1, Username: "alice", PlanningRole: "engineer", CapacityFactor: 1, JoinedAt: "2025-01-06"},
			{UserID: 2, Username: "bob", PlanningRole: "engineer", CapacityFactor: 0.5, JoinedAt: "2025-01-06"},
			{UserID: 3, Username: "carol", PlanningRole: "engineer", CapacityFactor: 1, JoinedAt: "2026-10-05"},
			{UserID: 4, Username: "dave", PlanningRole: "engineer", CapacityFactor: 1, JoinedAt: "2026-08-10"},
			{UserID: 5, Username: "erin", PlanningRole: "engineering_manager", CapacityFactor: 0, JoinedAt: "2025-01-06"},
			{UserID: 6, Username: "frank", PlanningRole: "guest", CapacityFactor: 0, JoinedAt: "2025-01-06"},
		},
		Milestones: []Milestone{
			{ID: 7, Title: "July 2026", StartDate: "2026-07-01", DueDate: "2026-07-31", State: "closed"},
			{ID: 8, Title: "August 2026", StartDate: "2026-08-01", DueDate: "2026-08-31", State: "closed"},
			{ID: 9, Title: "September 2026", StartDate: "2026-09-01", DueDate: "2026-09-30", State: "closed"},
			{ID: 10, Title: "October 2026", StartDate: "2026-10-01", DueDate: "2026-10-31", State: "active"},
			{ID: 11, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30", State: "active"},
			{ID: 12, Title: "December 2026", StartDate: "2026-12-01", DueDate: "2026-12-31", State: "active"},
			{ID: 13, Title: "Backlog", State: "active"}, // no dates: never measured
		},
		Closed: []Issue{
			// alice: July 5 + 3 = 8; August 3 + 3 + 2 = 8; September 5 + 3 + 1 = 9,
			// plus half of a weight-2 issue shared with bob = 1. Total 26.
			closedIssue(101, 7, 5, "2026-07-10", alice),
			closedIssue(102, 7, 3, "2026-07-31", alice), // the due date itself counts
			closedIssue(103, 8, 3, "2026-08-03", alice),
			closedIssue(104, 8, 3, "2026-08-14", alice),
			closedIssue(105, 8, 2, "2026-08-01", alice), // the start date itself counts
			closedIssue(106, 9, 5, "2026-09-11", alice),
			closedIssue(107, 9, 3, "2026-09-18", alice),
			closedIssue(108, 9, 1, "2026-09-25", alice),
			closedIssue(109, 9, 2, "2026-09-29", alice, bob), // 2 ÷ 2 = 1 each
			// Not delivered in the window:
			closedIssue(110, 9, 3, "2026-10-02", alice),                                                          // closed after September ended
			closedIssue(111, 9, 2, "2026-08-28", alice),                                                          // closed before September started
			closedIssue(112, 10, 5, "2026-10-10", alice),                                                         // October is not finished
			closedIssue(113, 0, 3, "2026-09-10", alice),                                                          // no milestone
			{ID: 114, State: StateClosed, MilestoneID: 9, ClosedAt: "2026-09-10", Assignees: []User{alice}},      // no weight
			{ID: 115, State: StateOpened, Weight: wt(5), MilestoneID: 9, Assignees: []User{alice}},               // still open
			{ID: 116, State: StateClosed, Weight: wt(3), MilestoneID: 9, ClosedAt: "2026-09-10", Assignees: nil}, // nobody delivered it
			closedIssue(117, 9, 1, "2026-09-10", frank),                                                          // a guest: not on the team
			// bob: July 3; August 2; September 1 (issue 109) + half of a weight-1
			// issue shared with carol = 0.5. Total 6.5.
			closedIssue(201, 7, 3, "2026-07-20", bob),
			closedIssue(202, 8, 2, "2026-08-20", bob),
			closedIssue(203, 9, 1, "2026-09-21", bob, carol), // 0.5 each; carol's half predates her joining
			// dave joined on 10 August: August started before that, so only
			// September counts for him: 5 + 3 = 8.
			closedIssue(401, 8, 3, "2026-08-25", dave), // does not count
			closedIssue(402, 9, 5, "2026-09-15", dave),
			closedIssue(403, 9, 3, "2026-09-24", dave),
		},
		TimeOff: []TimeOff{
			// alice in November: Mon 9 and Tue 10 full, Wed 11 half = 2.5 days.
			{UserID: 1, StartDate: "2026-11-09", EndDate: "2026-11-10"},
			{UserID: 1, StartDate: "2026-11-11", EndDate: "2026-11-11", HalfDay: true},
			{UserID: 1, StartDate: "2026-11-10", EndDate: "2026-11-10", HalfDay: true}, // inside a full day: adds nothing
			{UserID: 1, StartDate: "2026-11-14", EndDate: "2026-11-15"},                // a weekend: 0
			{UserID: 1, StartDate: "2026-11-26", EndDate: "2026-11-26"},                // Thanksgiving: 0
			{UserID: 1, StartDate: "2026-12-21", EndDate: "2026-12-31"},                // December: not in November
			// dave in September: two half days, Mon 14 and Tue 15 = 1 day.
			{UserID: 4, StartDate: "2026-09-14", EndDate: "2026-09-15", HalfDay: true},
		},
	}
}

func TestComputeCapacityDemoTeam(t *testing.T) {
	rep, err := ComputeCapacity(demoTeam())
	if err != nil {
		t.Fatal(err)
	}
	if rep.WorkingDays != 20 {
		t.Errorf("working_days = %d, want 20 (21 weekdays − Thanksgiving)", rep.WorkingDays)
	}
	var window []string
	for _, m := range rep.VelocityMilestones {
		window = append(window, m.Title)
	}
	if got := strings.Join(window, ", "); got != "September 2026, August 2026, July 2026" {
		t.Errorf("velocity window = %s", got)
	}
	wantDays := []int{21, 21, 23}
	for i, m := range rep.VelocityMilestones {
		if m.WorkingDays != wantDays[i] {
			t.Errorf("%s working days = %d, want %d", m.Title, m.WorkingDays, wantDays[i])
		}
	}

	// Team velocity, for members without history of their own:
	//   delivered: alice 26 + bob 6.5 + dave 8 = 40.5 (carol and erin 0)
	//   dev days:  alice 45.5 + bob 22.75 + dave 14 = 82.25 (carol none, erin 0)
	//   40.5 ÷ 82.25 = 0.4924
	teamVelocity := 40.5 / 82.25
	if !near(rep.TeamVelocity, teamVelocity) || rep.TeamVelocitySource != SourceTeam {
		t.Errorf("team velocity = %v (%s), want %v (team)", rep.TeamVelocity, rep.TeamVelocitySource, teamVelocity)
	}

	type want struct {
		timeOff, available, focus, devDays, velocity float64
		source                                       string
		capacity, histDelivered, histDevDays         float64
		histMilestones                               int
	}
	wants := map[string]want{
		// alice, full time, with time off and a half day:
		//   November: 20 − 2.5 = 17.5 available; 17.5 × 0.7 = 12.25 dev days.
		//   History: (23 + 21 + 21) × 0.7 = 16.1 + 14.7 + 14.7 = 45.5 dev days,
		//   26 delivered → velocity 26 ÷ 45.5 = 0.5714 (= 4/7).
		//   Capacity 12.25 × 4/7 = 7.0.
		"alice": {2.5, 17.5, 0.7, 12.25, 26 / 45.5, SourceOwn, 7, 26, 45.5, 3},
		// bob, part time (0.5): focus 0.5 × 0.7 = 0.35.
		//   November: 20 available × 0.35 = 7 dev days.
		//   History: 65 working days × 0.35 = 22.75 dev days, 6.5 delivered →
		//   6.5 ÷ 22.75 = 0.2857 (= 2/7). Capacity 7 × 2/7 = 2.0.
		"bob": {0, 20, 0.35, 7, 6.5 / 22.75, SourceOwn, 2, 6.5, 22.75, 3},
		// carol joined on 5 October: no milestone of the window started after
		// that, so she has no dev days of her own and takes the team velocity.
		//   November: 20 × 0.7 = 14 dev days; capacity 14 × 0.4924 = 6.89.
		"carol": {0, 20, 0.7, 14, teamVelocity, SourceTeam, 14 * teamVelocity, 0, 0, 0},
		// dave joined on 10 August, mid-window: only September counts.
		//   September: 21 − 1 (two half days) = 20 available × 0.7 = 14 dev days;
		//   8 delivered → 8 ÷ 14 = 0.5714. November: 20 × 0.7 = 14 dev days;
		//   capacity 14 × 8/14 = 8.0.
		"dave": {0, 20, 0.7, 14, 8.0 / 14, SourceOwn, 8, 8, 14, 1},
		// erin, an engineering manager with capacity factor 0: focus 0, so no
		// dev days in the window either; she takes the team velocity, and
		// 0 dev days × anything = capacity 0.
		"erin": {0, 20, 0, 0, teamVelocity, SourceTeam, 0, 0, 0, 3},
	}
	if len(rep.Members) != len(wants) {
		t.Fatalf("members = %d, want %d (frank is a guest)", len(rep.Members), len(wants))
	}
	for _, m := range rep.Members {
		w, ok := wants[m.Username]
		if !ok {
			t.Errorf("unexpected member %s", m.Username)
			continue
		}
		got := want{m.TimeOffDays, m.AvailableDays, m.Focus, m.DevDays, m.Velocity, m.VelocitySource,
			m.Capacity, m.HistoryDelivered, m.HistoryDevDays, m.HistoryMilestones}
		if !near(got.timeOff, w.timeOff) || !near(got.available, w.available) || !near(got.focus, w.focus) ||
			!near(got.devDays, w.devDays) || !near(got.velocity, w.velocity) || got.source != w.source ||
			!near(got.capacity, w.capacity) || !near(got.histDelivered, w.histDelivered) ||
			!near(got.histDevDays, w.histDevDays) || got.histMilestones != w.histMilestones {
			t.Errorf("%s\n got %+v\nwant %+v", m.Username, got, w)
		}
	}
	// Members are listed by username.
	if rep.Members[0].Username != "alice" || rep.Members[4].Username != "erin" {
		t.Errorf("order: %v", rep.Members)
	}

	// team_capacity = 7 + 2 + 6.8936 + 8 + 0 = 23.8936, shown as 23.9.
	wantTeam := 7 + 2 + 14*teamVelocity + 8
	if !near(rep.TeamCapacity, wantTeam) || Format1(rep.TeamCapacity) != "23.9" {
		t.Errorf("team_capacity = %v, want %v (23.9)", rep.TeamCapacity, wantTeam)
	}
	// The reported figures carry no float noise: 12.25, not 12.250000000000002.
	if rep.Members[0].DevDays != 12.25 || rep.Members[0].Focus != 0.7 {
		t.Errorf("alice dev days %v, focus %v", rep.Members[0].DevDays, rep.Members[0].Focus)
	}
}

func TestComputeCapacityCases(t *testing.T) {
	type memberWant struct {
		velocity float64
		source   string
		capacity float64
	}
	tests := []struct {
		name   string
		change func(*CapacityInput)
		window string // titles of the velocity window, most recent first
		want   map[string]memberWant
	}{
		{
			// A team with no finished milestone: everyone gets
			// default_velocity 0.5. alice: 17.5 × 0.7 = 12.25 dev days ×
			// 0.5 = 6.125; bob 7 × 0.5 = 3.5; carol and dave 14 × 0.5 = 7.
			name: "NoHistoryUsesDefaultVelocity",
			change: func(in *CapacityInput) {
				in.Milestones = []Milestone{in.Milestone}
				in.Closed = nil
			},
			window: "",
			want: map[string]memberWant{
				"alice": {0.5, SourceDefault, 6.125},
				"bob":   {0.5, SourceDefault, 3.5},
				"carol": {0.5, SourceDefault, 7},
				"dave":  {0.5, SourceDefault, 7},
				"erin":  {0.5, SourceDefault, 0},
			},
		},
		{
			// A team whose only member carries no development capacity has
			// history but no dev days in it: default_velocity too.
			name: "NoDevDaysInHistoryUsesDefault",
			change: func(in *CapacityInput) {
				in.Members = in.Members[4:5] // erin
			},
			window: "September 2026, August 2026, July 2026",
			want:   map[string]memberWant{"erin": {0.5, SourceDefault, 0}},
		},
		{
			// velocity_window 2 keeps September and August and drops July
			// (alice's 8, bob's 3).
			//   alice: (21 + 21) × 0.7 = 29.4 dev days, 26 − 8 = 18 delivered →
			//   18 ÷ 29.4 = 0.6122; capacity 12.25 × 0.6122 = 7.5.
			//   bob: 42 × 0.35 = 14.7 dev days, 6.5 − 3 = 3.5 delivered →
			//   3.5 ÷ 14.7 = 0.2381; capacity 7 × 0.2381 = 1.6667.
			//   dave: unchanged, September only: 8 ÷ 14; capacity 8.
			name:   "VelocityWindowLimitsHistory",
			change: func(in *CapacityInput) { in.Settings.VelocityWindow = 2 },
			window: "September 2026, August 2026",
			want: map[string]memberWant{
				"alice": {18 / 29.4, SourceOwn, 12.25 * 18 / 29.4},
				"bob":   {3.5 / 14.7, SourceOwn, 7 * 3.5 / 14.7},
				"dave":  {8.0 / 14, SourceOwn, 8},
			},
		},
		{
			// velocity_window 5 finds only three finished milestones with
			// dates: the same as the demo team.
			name:   "WindowLongerThanHistory",
			change: func(in *CapacityInput) { in.Settings.VelocityWindow = 5 },
			window: "September 2026, August 2026, July 2026",
			want:   map[string]memberWant{"alice": {26 / 45.5, SourceOwn, 7}},
		},
		{
			// A "Hackweek" milestone, closed, from Mon 26 Oct to Fri 6 Nov ends
			// after November starts, so it is skipped although it is the most
			// recent; alice's weight 5 in it does not count. And on 2 November
			// October is finished (due 31 Oct before today), so the window is
			// October, September, August.
			//   alice: October 22 × 0.7 = 15.4, September 14.7, August 14.7 =
			//   44.8 dev days; delivered October 5 (issue 112, closed on
			//   10 October, counts now) + September 10 + August 8 = 23 →
			//   23 ÷ 44.8 = 0.5134;
			//   capacity 12.25 × 23/44.8 = 6.2891.
			name: "WindowSkipsMilestonesEndingAfterPlannedStart",
			change: func(in *CapacityInput) {
				in.Today = "2026-11-02"
				in.Milestones = append(in.Milestones, Milestone{ID: 20, Title: "Hackweek", StartDate: "2026-10-26", DueDate: "2026-11-06", State: "closed"})
				in.Closed = append(in.Closed, closedIssue(120, 20, 5, "2026-10-30", alice))
			},
			window: "October 2026, September 2026, August 2026",
			want: map[string]memberWant{
				"alice": {23 / 44.8, SourceOwn, 12.25 * 23 / 44.8},
			},
		},
		{
			// A milestone that is still active but was due before today is
			// finished: on 2 November, October counts even if nobody closed it.
			// Same numbers as above without the Hackweek.
			name:   "ActiveButPastDueIsFinished",
			change: func(in *CapacityInput) { in.Today = "2026-11-02" },
			window: "October 2026, September 2026, August 2026",
			want:   map[string]memberWant{"alice": {23 / 44.8, SourceOwn, 12.25 * 23 / 44.8}},
		},
		{
			// A closed milestone counts even when its due date is not yet past:
			// October closed early on 26 October. Window: October, September,
			// August, as above.
			name: "ClosedEarlyIsFinished",
			change: func(in *CapacityInput) {
				in.Milestones[3].State = "closed"
			},
			window: "October 2026, September 2026, August 2026",
			want:   map[string]memberWant{"alice": {23 / 44.8, SourceOwn, 12.25 * 23 / 44.8}},
		},
		{
			// A new member with no team history at all still falls back to the
			// team velocity of the others: carol, as in the demo team,
			// 14 × 40.5/82.25 = 6.8936.
			name:   "NewMemberFallsBackToTeamVelocity",
			change: func(in *CapacityInput) {},
			window: "September 2026, August 2026, July 2026",
			want:   map[string]memberWant{"carol": {40.5 / 82.25, SourceTeam, 14 * 40.5 / 82.25}},
		},
		{
			// A member whose joined_at is unknown counts every milestone of the
			// window: dave now has September (20 available, as before) plus
			// August (21) and July (23): (20 + 21 + 23) × 0.7 = 44.8 dev days,
			// 8 + 3 = 11 delivered → 11 ÷ 44.8 = 0.2455; capacity 14 × that = 3.4375.
			name:   "NoJoinDateCountsWholeWindow",
			change: func(in *CapacityInput) { in.Members[3].JoinedAt = "" },
			window: "September 2026, August 2026, July 2026",
			want:   map[string]memberWant{"dave": {11 / 44.8, SourceOwn, 14 * 11 / 44.8}},
		},
		{
			// A member who was away for the whole window (dave, all of
			// September off) has no dev days of his own: team velocity.
			//   Team: delivered 26 + 6.5 + 8 = 40.5 (dave's 8 still counts: he
			//   delivered it), dev days 45.5 + 22.75 + 0 = 68.25 → 0.5934.
			//   dave: 14 × 40.5/68.25 = 8.3077.
			name: "AwayForWholeWindowUsesTeamVelocity",
			change: func(in *CapacityInput) {
				in.TimeOff = append(in.TimeOff, TimeOff{UserID: 4, StartDate: "2026-09-01", EndDate: "2026-09-30"})
			},
			window: "September 2026, August 2026, July 2026",
			want:   map[string]memberWant{"dave": {40.5 / 68.25, SourceTeam, 14 * 40.5 / 68.25}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := demoTeam()
			tt.change(&in)
			rep, err := ComputeCapacity(in)
			if err != nil {
				t.Fatal(err)
			}
			var window []string
			for _, m := range rep.VelocityMilestones {
				window = append(window, m.Title)
			}
			if got := strings.Join(window, ", "); got != tt.window {
				t.Errorf("window = %q, want %q", got, tt.window)
			}
			found := 0
			for _, m := range rep.Members {
				w, ok := tt.want[m.Username]
				if !ok {
					continue
				}
				found++
				if !near(m.Velocity, w.velocity) || m.VelocitySource != w.source || !near(m.Capacity, w.capacity) {
					t.Errorf("%s: velocity %v (%s), capacity %v; want %v (%s), %v",
						m.Username, m.Velocity, m.VelocitySource, m.Capacity, w.velocity, w.source, w.capacity)
				}
			}
			if found != len(tt.want) {
				t.Errorf("found %d of the members %v", found, tt.want)
			}
		})
	}
}

func TestComputeCapacityErrors(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*CapacityInput)
		wantErr string
	}{
		{"ErrNoDates", func(in *CapacityInput) { in.Milestone.StartDate = "" }, `milestone "November 2026" needs a start date and a due date`},
		{"ErrDueBeforeStart", func(in *CapacityInput) { in.Milestone.DueDate = "2026-10-01" }, "due date 2026-10-01 is before start date 2026-11-01"},
		{"ErrBadToday", func(in *CapacityInput) { in.Today = "" }, `today: "" is not a date`},
		{"ErrMemberTwice", func(in *CapacityInput) { in.Members = append(in.Members, in.Members[0]) }, `member "alice" (user 1) is listed twice`},
		{"ErrBadJoinedAt", func(in *CapacityInput) { in.Members[1].JoinedAt = "last year" }, `member "bob": joined_at`},
		{"ErrBadTimeOff", func(in *CapacityInput) { in.TimeOff[0].EndDate = "2026-11-01" }, "time off of user 1: end date 2026-11-01 is before start date 2026-11-09"},
		{"ErrBadClosedAt", func(in *CapacityInput) { in.Closed[0].ClosedAt = "July" }, `issue 101: closed_at: "July" is not a date`},
		{"ErrBadHistoryMilestone", func(in *CapacityInput) { in.Milestones[0].DueDate = "2026-07-32" }, `milestone "July 2026": due date`},
		{"ErrBadSettings", func(in *CapacityInput) { in.Settings.Weights = []int{3, 2} }, "weights must be positive and strictly increasing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := demoTeam()
			tt.change(&in)
			_, err := ComputeCapacity(in)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

package planner_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		ctx := context.Background()
		g := tm.group.ID
		tests := []struct {
			name   string
			patch  string
			code   string
			field  string
			stored func(t *testing.T)
		}{
			{name: "OKOneKey", patch: `{"stretch_share": 0.25}`, stored: func(t *testing.T) {
				st, err := tm.p.Settings(ctx, g)
				if err != nil || st.StretchShare != 0.25 || !slices.Equal(st.Holidays, []string{"2026-11-26"}) || st.VelocityWindow != 3 {
					t.Errorf("settings %+v, %v: want stretch 0.25, the holiday kept, defaults elsewhere", st, err)
				}
			}},
			{name: "ErrShare", patch: `{"refinement_share": 0.7, "other_share": 0.5}`, code: cairn.EINVALID, field: "refinement_share"},
			{name: "ErrUnknownKey", patch: `{"velocity": 2}`, code: cairn.EINVALID},
			{name: "ErrType", patch: `{"velocity_window": "three"}`, code: cairn.EINVALID, field: "velocity_window"},
			{name: "ErrTimeZone", patch: `{"time_zone": "Mars/Olympus"}`, code: cairn.EINVALID, field: "time_zone"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tm.p.UpdateSettings(ctx, g, []byte(tc.patch))
				if got := cairn.ErrorCode(err); got != tc.code {
					t.Fatalf("error %v (code %q), want code %q", err, got, tc.code)
				}
				if tc.field != "" {
					var ce *cairn.Error
					if !errors.As(err, &ce) || len(ce.Fields[tc.field]) == 0 {
						t.Errorf("error %v does not name %s", err, tc.field)
					}
				}
				if tc.stored != nil {
					tc.stored(t)
				}
			})
		}
		t.Run("ErrGroup", func(t *testing.T) {
			if _, err := tm.p.Settings(ctx, g+1000); cairn.ErrorCode(err) != cairn.ENOTFOUND {
				t.Errorf("settings of a missing group: %v", err)
			}
			if _, err := tm.p.UpdateSettings(ctx, g+1000, []byte(`{}`)); cairn.ErrorCode(err) != cairn.ENOTFOUND {
				t.Errorf("update settings of a missing group: %v", err)
			}
		})
		t.Run("OKDefaults", func(t *testing.T) {
			other, err := s.CreateGroup(tm.ctx, cairn.GroupCreate{Path: "other"})
			if err != nil {
				t.Fatal(err)
			}
			st, err := tm.p.Settings(ctx, other.ID)
			if err != nil || st.PlanningLabel != "Planning Issue" || st.MilestonesAhead != 3 || st.PlanningProject != "planning" {
				t.Errorf("defaults %+v, %v", st, err)
			}
		})
	})
}

func TestTimeOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		ctx := context.Background()
		g := tm.group.ID
		tm.update(t, "P3", cairn.IssueUpdate{MilestoneID: cairn.SetTo(tm.nov.ID)})

		t.Run("OKCoverageIssue", func(t *testing.T) {
			off, err := tm.p.AddTimeOff(cairn.NewContextWithUser(ctx, tm.alice), cairn.TimeOffCreate{GroupID: g, UserID: tm.alice.ID,
				StartDate: "2026-11-16", EndDate: "2026-11-20", Note: "Family | trip", CreateCoverageIssue: true})
			if err != nil {
				t.Fatalf("add time off: %v", err)
			}
			if off.User == nil || off.User.ID != tm.alice.ID || off.StartDate != "2026-11-16" || off.EndDate != "2026-11-20" || off.CoverageIssueID == nil {
				t.Fatalf("time off %+v", off)
			}
			cov, err := s.IssueByID(ctx, *off.CoverageIssueID)
			if err != nil {
				t.Fatal(err)
			}
			if cov.ProjectID != tm.planningProject.ID || cov.Title != "Coverage: @alice away 2026-11-16 to 2026-11-20" || cov.DueDate != "2026-11-16" ||
				len(cov.Assignees) != 1 || cov.Assignees[0].ID != tm.alice.ID || cov.Author.ID != tm.alice.ID {
				t.Errorf("coverage issue %q in %d due %s", cov.Title, cov.ProjectID, cov.DueDate)
			}
			for _, want := range []string{"@alice is away 2026-11-16 to 2026-11-20: 5.0 working days.", "> Family \\| trip",
				"- [ ] Reviews and on-call duties are handed over", "- [ ] " + tm.ref("P3") + " Alice again (weight 3)"} {
				if !strings.Contains(cov.Description, want) {
					t.Errorf("coverage issue lacks %q:\n%s", want, cov.Description)
				}
			}
			v, err := tm.p.Capacity(ctx, g, tm.nov.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m := v.Members[0]; m.Username != "alice" || m.TimeOffDays != 7.5 {
				t.Errorf("alice's time off in November: %v, want 2.5 + 5", m.TimeOffDays)
			}
		})
		t.Run("OKList", func(t *testing.T) {
			if _, err := tm.p.AddTimeOff(tm.ctx, cairn.TimeOffCreate{GroupID: g, UserID: tm.bob.ID, StartDate: "2026-11-02"}); err != nil {
				t.Fatal(err)
			}
			list, total, err := tm.p.ListTimeOff(ctx, g, planner.TimeOffFilter{UserID: 0, From: "", To: ""})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range list {
				got = append(got, o.User.Username+" "+o.StartDate+" "+o.EndDate)
			}
			want := []string{"bob 2026-11-02 2026-11-02", "alice 2026-11-09 2026-11-10", "alice 2026-11-11 2026-11-11", "alice 2026-11-16 2026-11-20"}
			if !slices.Equal(got, want) || total.Count != 4 {
				t.Errorf("time off %q (total %d), want %q", got, total.Count, want)
			}
			list, _, err = tm.p.ListTimeOff(ctx, g, planner.TimeOffFilter{UserID: tm.alice.ID, From: "2026-11-11", To: "2026-11-15"})
			if err != nil || len(list) != 1 || list[0].StartDate != "2026-11-11" || !list[0].HalfDay {
				t.Errorf("alice's time off from 11 to 15 November: %+v, %v", list, err)
			}
			if _, _, err := tm.p.ListTimeOff(ctx, g, planner.TimeOffFilter{UserID: 0, From: "11/11/2026", To: ""}); cairn.ErrorCode(err) != cairn.EINVALID {
				t.Errorf("bad from date: %v", err)
			}
		})
		t.Run("ErrNotMember", func(t *testing.T) {
			outsider, err := s.CreateUser(ctx, cairn.UserCreate{Username: "zoe", Name: "Zoe"})
			if err != nil {
				t.Fatal(err)
			}
			for _, cov := range []bool{false, true} {
				_, err := tm.p.AddTimeOff(tm.ctx, cairn.TimeOffCreate{GroupID: g, UserID: outsider.ID, StartDate: "2026-11-02", CreateCoverageIssue: cov})
				if cairn.ErrorCode(err) != cairn.EINVALID || !strings.Contains(err.Error(), "not a member") {
					t.Errorf("coverage %v: %v, want EINVALID not a member", cov, err)
				}
			}
		})
		t.Run("ErrInput", func(t *testing.T) {
			for _, in := range []cairn.TimeOffCreate{
				{GroupID: g, UserID: tm.bob.ID, StartDate: "2026-11-31"},
				{GroupID: g, UserID: tm.bob.ID, StartDate: "2026-11-05", EndDate: "2026-11-04"},
				{GroupID: g, UserID: tm.bob.ID, StartDate: "2026-01-01", EndDate: "2027-01-02"},
				{GroupID: g, UserID: tm.bob.ID, StartDate: "2026-11-05", Note: strings.Repeat("x", 1001)},
			} {
				if _, err := tm.p.AddTimeOff(tm.ctx, in); cairn.ErrorCode(err) != cairn.EINVALID {
					t.Errorf("%+v: %v, want EINVALID", in, err)
				}
			}
		})
		t.Run("OKDelete", func(t *testing.T) {
			list, _, _ := tm.p.ListTimeOff(ctx, g, planner.TimeOffFilter{UserID: tm.bob.ID, From: "", To: ""})
			if len(list) != 1 {
				t.Fatalf("bob has %d entries", len(list))
			}
			got, err := tm.p.DeleteTimeOff(ctx, g, list[0].ID)
			if err != nil || got.ID != list[0].ID {
				t.Fatalf("delete: %+v, %v", got, err)
			}
			if _, err := tm.p.DeleteTimeOff(ctx, g, list[0].ID); cairn.ErrorCode(err) != cairn.ENOTFOUND {
				t.Errorf("delete again: %v", err)
			}
		})
	})
}

func TestParkingLot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		ctx := context.Background()
		g := tm.group.ID
		bob := cairn.NewContextWithUser(ctx, tm.bob)
		e1, err := tm.p.AddParkingLot(bob, cairn.ParkingLotCreate{GroupID: g, MilestoneID: tm.nov.ID, ProjectID: tm.app.ID, IssueIID: tm.issues["P6"].IID, Reason: "Unblocks the launch"})
		if err != nil {
			t.Fatalf("add issue: %v", err)
		}
		if e1.Issue == nil || e1.Issue.ID != tm.issues["P6"].ID || e1.Author.ID != tm.bob.ID || e1.Reason != "Unblocks the launch" {
			t.Errorf("entry %+v", e1)
		}
		e2, err := tm.p.AddParkingLot(bob, cairn.ParkingLotCreate{GroupID: g, MilestoneID: tm.nov.ID, Title: "Faster <script> builds", Reason: "CI takes\n40 minutes"})
		if err != nil || e2.Issue != nil || e2.Title != "Faster <script> builds" {
			t.Fatalf("add title: %+v, %v", e2, err)
		}
		other, err := s.CreateGroup(tm.ctx, cairn.GroupCreate{Path: "other"})
		if err != nil {
			t.Fatal(err)
		}
		otherProject, err := s.CreateProject(ctx, cairn.ProjectCreate{GroupID: other.ID, Path: "x"})
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := s.CreateIssue(tm.ctx, cairn.IssueCreate{ProjectID: otherProject.ID, Title: "Not ours"})
		if err != nil {
			t.Fatal(err)
		}
		otherMilestone, err := s.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: other.ID, Title: "Theirs"})
		if err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			in   cairn.ParkingLotCreate
			code string
		}{
			"ErrNoReason":       {cairn.ParkingLotCreate{GroupID: g, MilestoneID: tm.nov.ID, Title: "x"}, cairn.EINVALID},
			"ErrNothing":        {cairn.ParkingLotCreate{GroupID: g, MilestoneID: tm.nov.ID, Reason: "why"}, cairn.EINVALID},
			"ErrIssueElsewhere": {cairn.ParkingLotCreate{GroupID: g, MilestoneID: tm.nov.ID, ProjectID: otherProject.ID, IssueIID: foreign.IID, Reason: "why"}, cairn.EINVALID},
			"ErrMissingIssue":   {cairn.ParkingLotCreate{GroupID: g, MilestoneID: tm.nov.ID, ProjectID: tm.app.ID, IssueIID: 999, Reason: "why"}, cairn.EINVALID},
			"ErrMilestone":      {cairn.ParkingLotCreate{GroupID: g, MilestoneID: otherMilestone.ID, Title: "x", Reason: "why"}, cairn.ENOTFOUND},
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := tm.p.AddParkingLot(bob, tc.in); cairn.ErrorCode(err) != tc.code {
					t.Errorf("%v, want %s", err, tc.code)
				}
			})
		}
		list, total, err := tm.p.ListParkingLot(ctx, g, tm.nov.ID, cairn.Page{})
		if err != nil || len(list) != 2 || total.Count != 2 || list[0].ID != e1.ID || list[1].ID != e2.ID {
			t.Fatalf("list %+v total %d, %v", list, total.Count, err)
		}
		if _, _, err := tm.p.ListParkingLot(ctx, g, otherMilestone.ID, cairn.Page{}); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Errorf("list another group's milestone: %v", err)
		}

		// The planning issue shows the proposals as plain text.
		if err := tm.p.EnsureCadence(ctx, g); err != nil {
			t.Fatal(err)
		}
		pi := planningIssuesOf(t, tm, tm.nov)[0]
		lot := section(t, pi.Description, "parking-lot")
		for _, want := range []string{
			"- " + tm.ref("P6") + " Too much for carol (left out: does not fit) — Unblocks the launch (proposed by @bob)",
			"- **Faster &lt;script&gt; builds** — CI takes 40 minutes (proposed by @bob)",
		} {
			if !strings.Contains(lot, want) {
				t.Errorf("parking lot lacks %q:\n%s", want, lot)
			}
		}
		if err := tm.p.DeleteParkingLot(ctx, g, tm.nov.ID, e1.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if err := tm.p.DeleteParkingLot(ctx, g, tm.nov.ID, e1.ID); cairn.ErrorCode(err) != cairn.ENOTFOUND {
			t.Errorf("delete again: %v", err)
		}
		if err := tm.p.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if lot := section(t, tm.reload(t, pi).Description, "parking-lot"); strings.Contains(lot, "Unblocks the launch") {
			t.Errorf("deleted proposal still shown:\n%s", lot)
		}
	})
}

func TestWorkQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tm := newTeam(t, s)
		ctx := context.Background()
		// alice's October work: K1 (Deliverable, no priority), plus two
		// more: a high priority Deliverable and a medium one without.
		tm.issue(t, "W1", cairn.IssueCreate{Title: "Medium", Weight: ptr(1), MilestoneID: tm.oct.ID, AssigneeIDs: []int64{tm.alice.ID},
			Labels: []string{"code-creation-priority::medium"}})
		tm.issue(t, "W2", cairn.IssueCreate{Title: "Urgent deliverable", Weight: ptr(1), MilestoneID: tm.oct.ID, AssigneeIDs: []int64{tm.alice.ID},
			Labels: []string{"Deliverable", "code-creation-priority::high"}})
		tm.issue(t, "W3", cairn.IssueCreate{Title: "Done", Weight: ptr(1), MilestoneID: tm.oct.ID, AssigneeIDs: []int64{tm.alice.ID}})
		tm.update(t, "W3", cairn.IssueUpdate{StateEvent: "close"})
		q, err := tm.p.WorkQueue(ctx, tm.group.ID, tm.alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, is := range q {
			got = append(got, is.Title)
		}
		want := []string{"Urgent deliverable", "Carry: finish export", "Medium"}
		if !slices.Equal(got, want) {
			t.Errorf("work queue %q, want %q", got, want)
		}
		if q, err := tm.p.WorkQueue(ctx, tm.group.ID, tm.carol.ID); err != nil || len(q) != 0 {
			t.Errorf("carol's queue %d, %v", len(q), err)
		}
	})
}

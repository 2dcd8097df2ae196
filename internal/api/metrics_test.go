package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestPlanningMetricsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		// November 2026 of rfArchive, now 20 November 12:00:
		//   #1 refinement 1 → 2 Nov (24 h, ended) and from 10 Nov 09:00, still
		//      running: 243 h to now;
		//   #4 refinement 25 Oct → 2 Nov (192 h, ended; 33 h in November),
		//      ready 2 Nov (2026-W45), closed 12 Nov: cycle 240 h; weight 2 in
		//      milestone 2026-11: velocity 2.
		const want = `{"from":"2026-11-01","to":"2026-11-30","avg_refinement_hours":108,"refinement_intervals":2,` +
			`"refined_per_week":[{"week":"2026-W44","count":0},{"week":"2026-W45","count":1},{"week":"2026-W46","count":0},` +
			`{"week":"2026-W47","count":0},{"week":"2026-W48","count":0},{"week":"2026-W49","count":0}],` +
			`"refinement_hours":300,"development_hours":0,` +
			`"velocity":[{"milestone_id":MID,"milestone":"2026-11","weight":2}],` +
			`"say_do":[{"milestone_id":MID,"milestone":"2026-11","committed":0,"done":0,"ratio":null}],` +
			`"carryover":[{"milestone_id":MID,"milestone":"2026-11","count":0,"weight":0}],` +
			`"cycle_time_hours":{"count":1,"p50":240,"p85":240}}` + "\n"
		nov := rfMilestone(t, rt, "team", "2026-11")
		r := rt.do("GET", "/groups/team/planning_metrics?from=2026-11-01&to=2026-11-30", "gus", "")
		r.ok(t, 200, nil)
		if exp := strings.ReplaceAll(want, "MID", strconv.FormatInt(nov, 10)); r.body != exp {
			t.Errorf("metrics\n got %s\nwant %s", r.body, exp)
		}

		t.Run("DefaultWindow", func(t *testing.T) {
			var m struct{ From, To string }
			rt.do("GET", "/groups/team/planning_metrics", "ana", "").ok(t, 200, &m)
			if m.From != "2026-08-23" || m.To != "2026-11-20" {
				t.Errorf("window %s – %s", m.From, m.To)
			}
		})
		t.Run("BadDates", func(t *testing.T) {
			for q, body := range map[string]string{
				"from=2026-11-31":                 `{"error":"from is invalid"}`,
				"to=yesterday":                    `{"error":"to is invalid"}`,
				"from=2026-11-30&to=2026-11-01":   `{"error":"to must not be before from"}`,
				"from=1800-01-01&to=1800-01-02":   `{"error":"the window must lie between 1900 and 2199"}`,
				"from=2026-11-01T00:00:00Z&to=oh": `{"error":"to is invalid"}`,
			} {
				r := rt.do("GET", "/groups/team/planning_metrics?"+q, "ana", "")
				if r.status != 400 || r.body != body+"\n" {
					t.Errorf("%s: %d %s", q, r.status, r.body)
				}
			}
		})
		t.Run("NonMember", func(t *testing.T) {
			rt.do("GET", "/groups/team/planning_metrics", "nora", "").ok(t, 404, nil)
		})
	})
}

func TestBurndownAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		nov := rfMilestone(t, rt, "team", "2026-11")
		var b struct {
			MilestoneID int64  `json:"milestone_id"`
			Milestone   string `json:"milestone"`
			StartDate   string `json:"start_date"`
			Days        []struct {
				Date               string
				CommittedRemaining int     `json:"committed_remaining"`
				ScopeRemaining     int     `json:"scope_remaining"`
				Ideal              float64 `json:"ideal"`
			}
		}
		rt.do("GET", "/groups/team/milestones/"+strconv.FormatInt(nov, 10)+"/burndown", "gus", "").ok(t, 200, &b)
		// 1 to 20 November (today); #4 (weight 2) joined on 2 November and was
		// closed on the 12th; nothing was committed.
		if b.MilestoneID != nov || b.Milestone != "2026-11" || b.StartDate != "2026-11-01" || len(b.Days) != 20 {
			t.Fatalf("burndown %+v", b)
		}
		for k, want := range map[int]int{0: 0, 1: 2, 10: 2, 11: 0, 19: 0} {
			if d := b.Days[k]; d.ScopeRemaining != want || d.CommittedRemaining != 0 || d.Ideal != 0 {
				t.Errorf("day %s: %+v, want scope %d", d.Date, d, want)
			}
		}
		rt.do("GET", "/groups/team/milestones/"+strconv.FormatInt(rfMilestone(t, rt, "other", "2026-11"), 10)+"/burndown", "ana", "").ok(t, 404, nil)
		r := rt.do("GET", "/groups/team/milestones/"+strconv.FormatInt(rfMilestone(t, rt, "team", "old"), 10)+"/burndown", "ana", "")
		if r.status != 400 || r.body != `{"message":"Milestone \"old\" has no start or due date, so it has no burndown"}`+"\n" {
			t.Errorf("no dates: %d %s", r.status, r.body)
		}
		rt.do("GET", "/groups/team/milestones/x/burndown", "ana", "").ok(t, 404, nil)
	})
}

// rfMilestone returns the id of a group milestone.
func rfMilestone(t *testing.T, rt *rfTeam, group, title string) int64 {
	t.Helper()
	ctx := context.Background()
	g, err := rt.st.GroupByPath(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := rt.st.ListGroupMilestones(ctx, g.ID, cairn.MilestoneFilter{Title: title})
	if err != nil || len(ms) != 1 {
		t.Fatalf("milestone %s: %v %v", title, ms, err)
	}
	return ms[0].ID
}

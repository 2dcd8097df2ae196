package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/planning"
)

// csvRows parses a CSV answer and checks its headers and header row.
func csvRows(t *testing.T, header []string, status int, hdr map[string][]string, body, filename string) [][]string {
	t.Helper()
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if got := strings.Join(hdr["Content-Type"], ";"); got != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := strings.Join(hdr["Content-Disposition"], ";"); got != `attachment; filename="`+filename+`"` {
		t.Errorf("Content-Disposition %q, want file %s", got, filename)
	}
	r := csv.NewReader(strings.NewReader(body))
	r.FieldsPerRecord = len(header)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(header, ",") {
		t.Fatalf("header row %v", rows)
	}
	return rows[1:]
}

func TestPlanCSVAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		csvPath := pt.ms(pt.nov) + "/plan.csv"

		t.Run("Plan", func(t *testing.T) {
			r := pt.do("GET", csvPath, engineer, "")
			rows := csvRows(t, planning.PlanCSVHeader, r.status, r.header, r.body, "team-2026-11-plan.csv")
			// The rows are the JSON's Deliverables, Stretch and left-out
			// issues, in that order.
			var pl planJSON
			pt.do("GET", pt.ms(pt.nov)+"/plan", engineer, "").decode(t, &pl)
			var all []planEntry
			placements := []string{}
			for _, l := range []struct {
				es        []planEntry
				placement string
			}{{pl.Deliverables, "deliverable"}, {pl.Stretch, "stretch"}, {pl.LeftOut, "left_out"}} {
				all = append(all, l.es...)
				for range l.es {
					placements = append(placements, l.placement)
				}
			}
			if len(rows) != len(all) || len(all) == 0 {
				t.Fatalf("%d rows, the JSON places %d issues", len(rows), len(all))
			}
			for i, e := range all {
				row := rows[i]
				weight := ""
				if e.Weight != nil {
					weight = strconv.Itoa(*e.Weight)
				}
				want := []string{strconv.Itoa(i + 1), placements[i], "team/app#" + strconv.FormatInt(e.IID, 10), e.Title, weight}
				if strings.Join(row[:5], "|") != strings.Join(want, "|") || row[6] != e.Priority || row[13] != e.WebURL {
					t.Errorf("row %d = %v, want %v … %s %s", i+1, row, want, e.Priority, e.WebURL)
				}
			}
			// #3 is carried over from October; #4 is ready and labelled.
			for _, row := range rows {
				switch row[2] {
				case "team/app#3":
					if row[9] != "true" || !strings.Contains(row[10], "carryover") {
						t.Errorf("#3 = %v, want it marked as carryover", row)
					}
				case "team/app#4":
					if row[7] != engineer || row[8] != "code-creation-priority::high, workflow::ready for development" {
						t.Errorf("#4 = %v, want its assignee and labels", row)
					}
				}
			}
			// By the group's id as by its path.
			byID := pt.do("GET", "/groups/"+strconv.FormatInt(pt.groupID(), 10)+"/milestones/"+strconv.FormatInt(pt.nov, 10)+"/plan.csv", engineer, "")
			if byID.status != 200 || byID.body != r.body {
				t.Errorf("by group id: %d, differs: %v", byID.status, byID.body != r.body)
			}
		})

		t.Run("Confidential", func(t *testing.T) {
			// #5 is confidential: a guest sees its row and weight, not its
			// title or labels, as in the JSON.
			row5 := func(as string) []string {
				r := pt.do("GET", csvPath, as, "")
				for _, row := range csvRows(t, planning.PlanCSVHeader, r.status, r.header, r.body, "team-2026-11-plan.csv") {
					if row[2] == "team/app#5" {
						return row
					}
				}
				t.Fatalf("no row for #5 as %s", as)
				return nil
			}
			if r := row5(engineer); r[3] != "Ready medium" || r[4] != "3" || !strings.Contains(r[8], "priority::medium") {
				t.Errorf("a reporter sees #5 as %v", r)
			}
			if r := row5(guest); r[3] != "Confidential issue" || r[4] != "3" || r[8] != "" {
				t.Errorf("a guest sees #5 as %v", r)
			}
		})

		t.Run("Capacity", func(t *testing.T) {
			r := pt.do("GET", pt.ms(pt.nov)+"/capacity.csv", guest, "")
			rows := csvRows(t, planning.CapacityCSVHeader, r.status, r.header, r.body, "team-2026-11-capacity.csv")
			var c struct {
				WorkingDays int `json:"working_days"`
				Members     []struct {
					Username string  `json:"username"`
					Capacity float64 `json:"capacity"`
					DevDays  float64 `json:"dev_days"`
				} `json:"members"`
			}
			pt.do("GET", pt.ms(pt.nov)+"/capacity", guest, "").decode(t, &c)
			var pl struct {
				MemberLoad []struct {
					Username string  `json:"username"`
					Planned  float64 `json:"planned"`
				} `json:"member_load"`
			}
			pt.do("GET", pt.ms(pt.nov)+"/plan", guest, "").decode(t, &pl)
			if len(rows) != len(c.Members) || len(rows) == 0 {
				t.Fatalf("%d rows, %d members", len(rows), len(c.Members))
			}
			for i, m := range c.Members {
				row := rows[i]
				if row[0] != m.Username || row[3] != strconv.Itoa(c.WorkingDays) || row[7] != fmt.Sprint(m.DevDays) || row[13] != fmt.Sprint(m.Capacity) {
					t.Errorf("row %v, want %+v with %d working days", row, m, c.WorkingDays)
				}
				if row[14] != fmt.Sprint(pl.MemberLoad[i].Planned) {
					t.Errorf("%s planned %s, the plan says %v", m.Username, row[14], pl.MemberLoad[i].Planned)
				}
			}
		})

		// Every caller gets from the CSV endpoints what the JSON ones give
		// them: the same status, and the same error body.
		t.Run("Permissions", func(t *testing.T) {
			for _, p := range []struct{ csv, json string }{
				{csvPath, pt.ms(pt.nov) + "/plan"},
				{pt.ms(pt.nov) + "/capacity.csv", pt.ms(pt.nov) + "/capacity"},
				{pt.ms(pt.other) + "/plan.csv", pt.ms(pt.other) + "/plan"},
				{pt.ms(pt.other) + "/capacity.csv", pt.ms(pt.other) + "/capacity"},
				{"/groups/team/milestones/x/plan.csv", "/groups/team/milestones/x/plan"},
				{"/groups/nope/milestones/1/plan.csv", "/groups/nope/milestones/1/plan"},
				{"/groups/team/planning_metrics.csv", "/groups/team/planning_metrics"},
				{"/groups/team/planning_metrics.csv?from=soon", "/groups/team/planning_metrics?from=soon"},
			} {
				for _, as := range []string{engineer, manager, product, owner, guest, outsider, admin, ""} {
					c, j := pt.do("GET", p.csv, as, ""), pt.do("GET", p.json, as, "")
					if c.status != j.status {
						t.Errorf("%s as %q: %d, the JSON endpoint %d", p.csv, as, c.status, j.status)
						continue
					}
					if c.status != 200 && c.body != j.body {
						t.Errorf("%s as %q: %s, the JSON endpoint %s", p.csv, as, c.body, j.body)
					}
				}
			}
			if r := pt.do("GET", csvPath, outsider, ""); r.status != 404 || r.body != `{"message":"404 Group Not Found"}`+"\n" {
				t.Errorf("a non-member: %d %s", r.status, r.body)
			}
		})
	})
}

func TestPlanningMetricsCSVAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		nov := rfMilestone(t, rt, "team", "2026-11")

		// The figures of TestPlanningMetricsAPI: the window is November's
		// own dates, so its flow metrics are the window's.
		r := rt.do("GET", "/groups/team/planning_metrics.csv?from=2026-11-01&to=2026-11-30", "gus", "")
		rows := csvRows(t, planning.MetricsCSVHeader, r.status, r.header, r.body, "team-planning-metrics-2026-11-01-to-2026-11-30.csv")
		want := strconv.FormatInt(nov, 10) + ",2026-11,2026-11-01,2026-11-30,2,0,0,,0,0,108,2,300,0,1,1,240,240"
		if len(rows) != 1 || strings.Join(rows[0], ",") != want {
			t.Errorf("rows %v\nwant [%s]", rows, want)
		}

		t.Run("OwnDates", func(t *testing.T) {
			// A window wider than November keeps November's row: its
			// velocity is the same and its flow metrics are its own dates',
			// not the window's.
			r := rt.do("GET", "/groups/team/planning_metrics.csv?from=2026-10-01&to=2026-12-31", "ana", "")
			rows := csvRows(t, planning.MetricsCSVHeader, r.status, r.header, r.body, "team-planning-metrics-2026-10-01-to-2026-12-31.csv")
			if len(rows) != 1 || strings.Join(rows[0], ",") != want {
				t.Errorf("rows %v\nwant [%s]", rows, want)
			}
			var m struct {
				RefinementHours float64 `json:"refinement_hours"`
			}
			rt.do("GET", "/groups/team/planning_metrics?from=2026-10-01&to=2026-12-31", "ana", "").ok(t, 200, &m)
			if m.RefinementHours == 300 {
				t.Errorf("the wider window's refinement hours are November's (%v): the test shows nothing", m.RefinementHours)
			}
		})

		t.Run("NoMilestones", func(t *testing.T) {
			r := rt.do("GET", "/groups/team/planning_metrics.csv?from=2026-01-01&to=2026-01-31", "ana", "")
			if rows := csvRows(t, planning.MetricsCSVHeader, r.status, r.header, r.body, "team-planning-metrics-2026-01-01-to-2026-01-31.csv"); len(rows) != 0 {
				t.Errorf("rows %v, want only the header", rows)
			}
		})

		t.Run("TooManyMilestones", func(t *testing.T) {
			ctx := cairn.NewContextWithUser(context.Background(), nil)
			g, err := st.GroupByPath(ctx, "team")
			if err != nil {
				t.Fatal(err)
			}
			// 121 monthly milestones, January 2015 to January 2025.
			for k := range planning.MaxMetricsCSVMilestones + 1 {
				y, m := 2015+k/12, k%12+1
				_, err := st.CreateMilestone(ctx, cairn.MilestoneCreate{GroupID: g.ID, Title: fmt.Sprintf("m%04d-%02d", y, m),
					StartDate: fmt.Sprintf("%04d-%02d-01", y, m), DueDate: fmt.Sprintf("%04d-%02d-28", y, m)})
				if err != nil {
					t.Fatal(err)
				}
			}
			r := rt.do("GET", "/groups/team/planning_metrics.csv?from=2015-01-01&to=2025-01-31", "ana", "")
			if r.status != 400 || !strings.Contains(r.body, "has 121 milestones; a CSV export takes at most 120") {
				t.Errorf("121 milestones: %d %s", r.status, r.body)
			}
			r = rt.do("GET", "/groups/team/planning_metrics.csv?from=2015-02-01&to=2025-01-31", "ana", "")
			rows := csvRows(t, planning.MetricsCSVHeader, r.status, r.header, r.body, "team-planning-metrics-2015-02-01-to-2025-01-31.csv")
			if len(rows) != planning.MaxMetricsCSVMilestones || rows[0][1] != "m2015-02" || rows[len(rows)-1][1] != "m2025-01" || rows[0][2] != "2015-02-01" {
				t.Errorf("%d rows, from %v to %v", len(rows), rows[0], rows[len(rows)-1])
			}
		})
	})
}

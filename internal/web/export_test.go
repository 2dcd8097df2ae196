package web_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// apiRaw fetches an API path as username (a token made in the store) and
// returns the body; it fails the test unless the status is 200.
func (s *site) apiRaw(username, path string) string {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.st.UserByUsername(ctx, username)
	if err != nil {
		s.t.Fatal(err)
	}
	_, secret, err := s.st.CreateToken(ctx, cairn.TokenCreate{UserID: u.ID, Name: "csv " + path, Scopes: []string{cairn.ScopeAPI}})
	if err != nil {
		s.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.ts.URL+path, nil)
	req.Header.Set("PRIVATE-TOKEN", secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s: status %d: %s", path, res.StatusCode, b)
	}
	return string(b)
}

// csvDownload checks that p is a CSV attachment named filename with the
// header row, and returns its data rows.
func csvDownload(t *testing.T, p page, header []string, filename string) [][]string {
	t.Helper()
	if p.Status != http.StatusOK {
		t.Fatalf("status %d: %.500s", p.Status, p.Body)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := p.Header.Get("Content-Disposition"); cd != `attachment; filename="`+filename+`"` {
		t.Errorf("Content-Disposition %q, want %s", cd, filename)
	}
	r := csv.NewReader(strings.NewReader(p.Body))
	r.FieldsPerRecord = len(header)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%.500s", err, p.Body)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(header, ",") {
		t.Fatalf("header row %v", rows)
	}
	return rows[1:]
}

func TestPlanningCSVDownload(t *testing.T) {
	s := newSite(t)
	g, tm := planMilestones(t, s)
	pv, err := s.p.Plan(context.Background(), g.ID, tm.Next.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(tm.Next.ID, 10)
	path := "/groups/code-creation/-/planning/" + id
	emma := s.as("emma")

	// The page links both exports.
	emma.get(path).want(t, http.StatusOK, `href="`+path+`/plan.csv" download>Download CSV</a>`,
		`href="`+path+`/capacity.csv" download>Download the capacity table as CSV</a>`)
	emma.get("/groups/code-creation/-/planning").want(t, http.StatusOK, `href="`+path+`/plan.csv" download>`)

	t.Run("Plan", func(t *testing.T) {
		p := emma.get(path + "/plan.csv")
		rows := csvDownload(t, p, planning.PlanCSVHeader, "code-creation-2026-12-plan.csv")
		placed := append(append(append([]planning.Entry{}, pv.Plan.Deliverables...), pv.Plan.Stretch...), pv.Plan.LeftOut...)
		if len(rows) != len(placed) || len(rows) == 0 {
			t.Fatalf("%d rows, the plan places %d issues", len(rows), len(placed))
		}
		for i, e := range placed {
			ref := pv.Projects[e.ProjectID].FullPath() + "#" + strconv.FormatInt(e.IID, 10)
			if rows[i][0] != strconv.Itoa(i+1) || rows[i][1] != e.Placement || rows[i][2] != ref || rows[i][3] != planning.CSVText(e.Title) {
				t.Errorf("row %d = %.6v, want %s %s", i+1, rows[i], e.Placement, ref)
			}
		}
		if last := rows[len(pv.Plan.Deliverables)-1]; last[5] != strconv.Itoa(pv.Plan.PlannedWeight) {
			t.Errorf("the last Deliverable's cumulative weight %s, planned weight %d", last[5], pv.Plan.PlannedWeight)
		}
		// The same file as the API's for the same user.
		if api := s.apiRaw("emma", "/api/v4/groups/code-creation/milestones/"+id+"/plan.csv"); api != p.Body {
			t.Error("the page's plan.csv differs from the API's")
		}
	})

	t.Run("Capacity", func(t *testing.T) {
		p := emma.get(path + "/capacity.csv")
		rows := csvDownload(t, p, planning.CapacityCSVHeader, "code-creation-2026-12-capacity.csv")
		if len(rows) != len(pv.Capacity.Members) || len(rows) == 0 {
			t.Fatalf("%d rows, %d members", len(rows), len(pv.Capacity.Members))
		}
		for i, m := range pv.Capacity.Members {
			if rows[i][0] != m.Username || rows[i][13] != strconv.FormatFloat(m.Capacity, 'f', -1, 64) {
				t.Errorf("row %v, want %s with capacity %v", rows[i], m.Username, m.Capacity)
			}
		}
		if api := s.apiRaw("emma", "/api/v4/groups/code-creation/milestones/"+id+"/capacity.csv"); api != p.Body {
			t.Error("the page's capacity.csv differs from the API's")
		}
	})

	t.Run("Permissions", func(t *testing.T) {
		// A guest downloads the plan with a confidential title hidden.
		addGuest(t, s, g, "csvguest")
		secret := pv.Plan.Deliverables[len(pv.Plan.Deliverables)-1]
		makeConfidential(t, s, secret.ProjectID, secret.IID)
		ref := pv.Projects[secret.ProjectID].FullPath() + "#" + strconv.FormatInt(secret.IID, 10)
		titleOf := func(username string) string {
			for _, row := range csvDownload(t, s.as(username).get(path+"/plan.csv"), planning.PlanCSVHeader, "code-creation-2026-12-plan.csv") {
				if row[2] == ref {
					return row[3]
				}
			}
			t.Fatalf("no row for %s", ref)
			return ""
		}
		if got := titleOf("csvguest"); got != planning.HiddenTitle {
			t.Errorf("a guest sees the confidential %s as %q", ref, got)
		}
		if got := titleOf("emma"); got != planning.CSVText(secret.Title) {
			t.Errorf("emma sees %s as %q", ref, got)
		}
		s.member("csvoutsider", 0)
		for _, f := range []string{"/plan.csv", "/capacity.csv"} {
			s.as("csvoutsider").get(path+f).want(t, http.StatusNotFound)
			if p := s.anonymous().get(path + f); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/users/sign_in") {
				t.Errorf("anonymous %s: %d %s", f, p.Status, p.Location)
			}
			emma.get("/groups/code-creation/-/planning/999999"+f).want(t, http.StatusNotFound)
		}
	})
}

func TestMetricsCSVDownload(t *testing.T) {
	s := newSite(t)
	g := demoTeam(t, s)
	emma := s.as("emma")

	// The link carries the window the page shows.
	var m apiMetrics
	s.apiJSON("emma", "/api/v4/groups/code-creation/planning_metrics", &m)
	csvPath := "/groups/code-creation/-/metrics.csv?from=" + m.From + "&to=" + m.To
	emma.get("/groups/code-creation/-/metrics").want(t, http.StatusOK,
		`href="/groups/code-creation/-/metrics.csv?from=`+m.From+`&amp;to=`+m.To+`" download>Download CSV</a>`)

	p := emma.get(csvPath)
	rows := csvDownload(t, p, planning.MetricsCSVHeader, "code-creation-planning-metrics-"+m.From+"-to-"+m.To+".csv")
	if len(rows) != len(m.Velocity) || len(rows) == 0 {
		t.Fatalf("%d rows, the API lists %d milestones", len(rows), len(m.Velocity))
	}
	for i, v := range m.Velocity {
		ms := milestoneByTitle(t, s, g, v.Milestone)
		if rows[i][1] != v.Milestone || rows[i][2] != ms.StartDate || rows[i][3] != ms.DueDate || rows[i][4] != strconv.Itoa(v.Weight) ||
			rows[i][5] != strconv.Itoa(m.SayDo[i].Committed) || rows[i][8] != strconv.Itoa(m.Carryover[i].Count) {
			t.Errorf("row %v, the API: %+v %+v %+v", rows[i], v, m.SayDo[i], m.Carryover[i])
		}
	}
	if api := s.apiRaw("emma", "/api/v4/groups/code-creation/planning_metrics.csv?from="+m.From+"&to="+m.To); api != p.Body {
		t.Error("the page's metrics.csv differs from the API's")
	}

	t.Run("Errors", func(t *testing.T) {
		emma.get("/groups/code-creation/-/metrics.csv?from=2026-13-01").want(t, http.StatusBadRequest, "from must be a date")
		s.member("csvmetricsoutsider", 0)
		s.as("csvmetricsoutsider").get(csvPath).want(t, http.StatusNotFound)
		if p := s.anonymous().get(csvPath); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/users/sign_in") {
			t.Errorf("anonymous: %d %s", p.Status, p.Location)
		}
	})
}

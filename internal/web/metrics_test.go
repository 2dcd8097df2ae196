package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/store/storetest"
	"github.com/cairnhq/cairn/planning"
)

// apiJSON fetches an API path as username (with a personal access token
// made in the store) and decodes the answer into out; it fails the test
// unless the status is 200.
func (s *site) apiJSON(username, path string, out any) {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.st.UserByUsername(ctx, username)
	if err != nil {
		s.t.Fatal(err)
	}
	_, secret, err := s.st.CreateToken(ctx, cairn.TokenCreate{UserID: u.ID, Name: "test " + path, Scopes: []string{cairn.ScopeAPI}})
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
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s: status %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
}

// apiMetrics is GET /groups/:id/planning_metrics's answer.
type apiMetrics struct {
	From string `json:"from"`
	To   string `json:"to"`
	planning.Metrics
}

// apiBurndown is GET /groups/:id/milestones/:id/burndown's answer.
type apiBurndown struct {
	Milestone string                 `json:"milestone"`
	Days      []planning.BurndownDay `json:"days"`
}

var (
	figureRE = regexp.MustCompile(`(?s)<figure class="chart-figure" id="([^"]+)">(.*?)</figure>`)
	rowRE    = regexp.MustCompile(`(?s)<tr><th scope="row">(.*?)</th>(.*?)</tr>`)
	cellRE   = regexp.MustCompile(`<td class="num">(.*?)</td>`)
)

// figures returns the charts of a page by id: their HTML.
func figures(body string) map[string]string {
	out := map[string]string{}
	for _, m := range figureRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// tableRows reads a chart's data table: the cells of each row, by the
// row's heading.
func tableRows(t *testing.T, fig string) (keys []string, rows map[string][]string) {
	t.Helper()
	rows = map[string][]string{}
	for _, m := range rowRE.FindAllStringSubmatch(fig, -1) {
		key := html.UnescapeString(m[1])
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(m[2], -1) {
			cells = append(cells, html.UnescapeString(c[1]))
		}
		keys = append(keys, key)
		rows[key] = cells
	}
	return keys, rows
}

// want1 is an API figure as the screens show it: one decimal.
func want1(v float64) string { return strconv.FormatFloat(planning.Round1(v), 'f', 1, 64) }

func wantPtr1(p *float64) string {
	if p == nil {
		return "—"
	}
	return want1(*p)
}

// checkRows fails unless the chart's table has exactly the rows of want,
// in order.
func checkRows(t *testing.T, chart, fig string, want [][]string) {
	t.Helper()
	keys, rows := tableRows(t, fig)
	if len(keys) != len(want) {
		t.Fatalf("%s: table rows %v, want %d rows", chart, keys, len(want))
	}
	for i, w := range want {
		if keys[i] != w[0] {
			t.Fatalf("%s: row %d is %q, want %q", chart, i, keys[i], w[0])
		}
		if got := rows[w[0]]; strings.Join(got, "|") != strings.Join(w[1:], "|") {
			t.Errorf("%s %s: cells %q, API %q", chart, w[0], got, w[1:])
		}
	}
}

// checkMetricsPage compares a metrics page with the API's planning metrics
// of the same window: every chart's table, the number of bars and points
// drawn, and the headline figures.
func checkMetricsPage(t *testing.T, s *site, g *cairn.Group, query string, burndownID int64) string {
	t.Helper()
	p := s.as("emma").get("/groups/code-creation/-/metrics" + query)
	p.want(t, http.StatusOK, `role="img"`)
	figs := figures(p.Body)

	var m apiMetrics
	apiQuery := strings.TrimPrefix(query, "?")
	s.apiJSON("emma", fmt.Sprintf("/api/v4/groups/%d/planning_metrics?%s", g.ID, apiQuery), &m)
	if !p.Has("Window " + longDay(m.From) + " – " + longDay(m.To)) {
		t.Errorf("the page does not name the window %s – %s", m.From, m.To)
	}

	// Velocity, with the carryover.
	var want [][]string
	for i, v := range m.Velocity {
		co := m.Carryover[i]
		want = append(want, []string{v.Milestone, strconv.Itoa(v.Weight), strconv.Itoa(co.Count), strconv.Itoa(co.Weight)})
	}
	checkRows(t, "velocity", figs["velocity"], want)
	if got := strings.Count(figs["velocity"], `<rect class="bar bar-0"`); len(m.Velocity) > 0 && got != len(m.Velocity) {
		t.Errorf("velocity: %d bars for %d milestones", got, len(m.Velocity))
	}

	// Say/do.
	want = nil
	for _, sd := range m.SayDo {
		r := "—"
		if sd.Ratio != nil {
			r = strconv.FormatFloat(math.Round(*sd.Ratio*100)/100, 'f', 2, 64)
		}
		want = append(want, []string{sd.Milestone, strconv.Itoa(sd.Committed), strconv.Itoa(sd.Done), r})
	}
	checkRows(t, "say-do", figs["say-do"], want)

	// Issues refined per week.
	want = nil
	bars := 0
	for _, wc := range m.RefinedPerWeek {
		want = append(want, []string{wc.Week, strconv.Itoa(wc.Count)})
		bars++
	}
	checkRows(t, "refined-per-week", figs["refined-per-week"], want)
	if got := strings.Count(figs["refined-per-week"], `<rect class="bar bar-`); got != bars {
		t.Errorf("refined per week: %d bars for %d weeks", got, bars)
	}

	// The headline figures of the window.
	for _, part := range []string{
		wantPtr1(m.AvgRefinementHours) + " h", wantPlural(m.RefinementIntervals, "refinement interval"),
		want1(m.RefinementHours) + " h", want1(m.DevelopmentHours) + " h",
		wantPtr1(m.CycleTimeHours.P50) + " h", wantPtr1(m.CycleTimeHours.P85) + " h",
	} {
		if !p.Has(part) {
			t.Errorf("the page lacks the window's %q", part)
		}
	}

	// The per-milestone charts: each milestone's own window, as the API
	// gives it for ?from=start&to=due (the one in progress to the
	// window's end).
	ms, err := s.st.GroupMilestones(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ref, cyc, rvd [][]string
	for _, ml := range ms {
		from, to := ml.StartDate, ml.DueDate
		due := false
		for _, v := range m.Velocity {
			due = due || v.MilestoneID == ml.ID
		}
		inProgress := from != "" && from <= m.To && m.To < to
		if !due && !inProgress {
			continue
		}
		if inProgress {
			to = m.To
		}
		var mm apiMetrics
		s.apiJSON("emma", fmt.Sprintf("/api/v4/groups/%d/planning_metrics?from=%s&to=%s", g.ID, from, to), &mm)
		ref = append(ref, []string{ml.Title, wantPtr1(mm.AvgRefinementHours), strconv.Itoa(mm.RefinementIntervals)})
		cyc = append(cyc, []string{ml.Title, wantPtr1(mm.CycleTimeHours.P50), wantPtr1(mm.CycleTimeHours.P85), strconv.Itoa(mm.CycleTimeHours.Count)})
		rvd = append(rvd, []string{ml.Title, want1(mm.RefinementHours), want1(mm.DevelopmentHours)})
	}
	if len(ref) == 0 {
		t.Fatal("no milestone in the window: the test checks nothing")
	}
	checkRows(t, "refinement-time", figs["refinement-time"], ref)
	checkRows(t, "cycle-time", figs["cycle-time"], cyc)
	checkRows(t, "refinement-vs-development", figs["refinement-vs-development"], rvd)
	if got := strings.Count(figs["refinement-vs-development"], `<rect class="bar bar-`); got != 2*len(rvd) {
		t.Errorf("refinement vs development: %d bars for %d milestones", got, len(rvd))
	}

	// The burndown.
	if burndownID != 0 {
		var bd apiBurndown
		s.apiJSON("emma", fmt.Sprintf("/api/v4/groups/%d/milestones/%d/burndown", g.ID, burndownID), &bd)
		want = nil
		for _, d := range bd.Days {
			want = append(want, []string{d.Date, strconv.Itoa(d.CommittedRemaining), strconv.FormatFloat(planning.Round1(d.Ideal), 'f', -1, 64), strconv.Itoa(d.ScopeRemaining)})
		}
		if len(want) == 0 {
			t.Fatal("the API's burndown has no days: the test checks nothing")
		}
		fig := figs["burndown"]
		checkRows(t, "burndown", fig, want)
		lines := strings.Count(fig, `<path class="line`)
		if lines < 1 || strings.Count(fig, `<circle class="dot`) != lines*len(bd.Days) {
			t.Errorf("burndown: %d lines, %d points for %d days", lines, strings.Count(fig, `<circle class="dot`), len(bd.Days))
		}
		if !strings.Contains(fig, "Burndown of "+bd.Milestone) {
			t.Errorf("the burndown is not titled with %s", bd.Milestone)
		}
	}
	return p.Body
}

func longDay(d string) string {
	var y, m, day int
	fmt.Sscanf(d, "%d-%d-%d", &y, &m, &day)
	return fmt.Sprintf("%d %s %d", day, [...]string{"", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[m], y)
}

func wantPlural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func demoTeam(t *testing.T, s *site) *cairn.Group {
	t.Helper()
	g, err := s.st.GroupByPath(context.Background(), demo.GroupPath)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func milestoneByTitle(t *testing.T, s *site, g *cairn.Group, title string) *cairn.Milestone {
	t.Helper()
	ms, err := s.st.GroupMilestones(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Title == title {
			return m
		}
	}
	t.Fatalf("no milestone %s", title)
	return nil
}

func TestMetricsPage(t *testing.T) {
	s := newSite(t)
	g := demoTeam(t, s)
	current := milestoneByTitle(t, s, g, "2026-11")

	t.Run("DefaultWindowMatchesAPI", func(t *testing.T) {
		body := checkMetricsPage(t, s, g, "", current.ID)
		// The demo's plans are final: the burndown draws the committed
		// line, and say/do has a bar per finished milestone.
		figs := figures(body)
		if !strings.Contains(figs["burndown"], `<path class="line series-0" data-series="Committed remaining"`) {
			t.Error("the burndown of the demo's current milestone draws no committed line")
		}
		if !strings.Contains(figs["say-do"], `<rect class="bar bar-1" data-series="Committed"`) {
			t.Error("say/do of the demo draws no committed bar")
		}
		for _, id := range []string{"burndown", "velocity", "refinement-time", "cycle-time", "refined-per-week", "refinement-vs-development"} {
			if !strings.Contains(figs[id], `<svg class="chart`) || !strings.Contains(figs[id], `<title id="`+id+`-title">`) ||
				!strings.Contains(figs[id], `<desc id="`+id+`-desc">`) || !strings.Contains(figs[id], `<details class="chart-data">`) {
				t.Errorf("chart %s lacks its svg, title, desc or data table", id)
			}
		}
		// The axis runs to the due date; the table lists only the days
		// the API gives.
		if !strings.Contains(figs["burndown"], ">30 Nov<") && !strings.Contains(figs["burndown"], ">29 Nov<") {
			t.Error("the burndown's axis does not reach the end of the milestone")
		}
	})
	t.Run("WindowMatchesAPI", func(t *testing.T) {
		checkMetricsPage(t, s, g, "?from=2026-09-01&to=2026-10-31", 0)
	})
	t.Run("OtherMilestoneBurndown", func(t *testing.T) {
		oct := milestoneByTitle(t, s, g, "2026-10")
		body := checkMetricsPage(t, s, g, "?milestone_id="+strconv.FormatInt(oct.ID, 10), oct.ID)
		if !strings.Contains(body, `<option value="`+strconv.FormatInt(oct.ID, 10)+`" selected>2026-10</option>`) {
			t.Error("the burndown's milestone is not selected in the form")
		}
	})
	t.Run("BadWindow", func(t *testing.T) {
		emma := s.as("emma")
		emma.get("/groups/code-creation/-/metrics?from=2026-13-01").want(t, http.StatusBadRequest, "from must be a date", `value="2026-13-01"`)
		emma.get("/groups/code-creation/-/metrics?from=2026-11-10&to=2026-11-01").want(t, http.StatusBadRequest, "to must not be before from")
	})
	t.Run("UnknownMilestone", func(t *testing.T) {
		s.as("emma").get("/groups/code-creation/-/metrics?milestone_id=999999").want(t, http.StatusNotFound)
		s.as("emma").get("/groups/code-creation/-/metrics?milestone_id=abc").want(t, http.StatusNotFound)
	})
	t.Run("Permissions", func(t *testing.T) {
		s.member("metricsguest", cairn.AccessGuest)
		s.member("metricsoutsider", 0)
		s.as("metricsguest").get("/groups/code-creation/-/metrics").want(t, http.StatusOK, `id="velocity"`)
		s.as("metricsoutsider").get("/groups/code-creation/-/metrics").want(t, http.StatusNotFound)
		p := s.anonymous().get("/groups/code-creation/-/metrics")
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/users/sign_in") {
			t.Fatalf("anonymous: %d %s", p.Status, p.Location)
		}
		s.as("emma").get("/groups/no-such-team/-/metrics").want(t, http.StatusNotFound)
	})
}

// TestMetricsPageCommitted starts from the demo without its milestone
// plans, where the burndown draws the scope only and says why and say/do
// is empty, then finalises the current milestone's plan, so that its
// burndown has a committed line and an ideal line, and a window through
// its due date has a say/do line: both as the API gives them.
func TestMetricsPageCommitted(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	st.Now = func() time.Time { return demoToday }
	a := demo.Generate(demoToday, 1)
	a.Groups[0].Plans = nil
	if _, err := st.ImportArchive(context.Background(), a); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	s := startSite(t, st)
	g := demoTeam(t, s)
	current := milestoneByTitle(t, s, g, "2026-11")

	figs := figures(checkMetricsPage(t, s, g, "", current.ID))
	if !strings.Contains(figs["burndown"], "only its scope is drawn") || strings.Contains(figs["burndown"], `class="line series-0"`) {
		t.Error("the burndown without commitments draws a committed line or does not say why")
	}
	if !strings.Contains(figs["say-do"], "no say/do ratio yet") || strings.Contains(figs["say-do"], "<svg") {
		t.Error("say/do without commitments is not an empty state")
	}

	res, err := s.p.Finalize(asUser(t, s, "emma"), g.ID, current.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadyFinalized {
		t.Fatal("the demo's current milestone was already finalised")
	}
	figs = figures(checkMetricsPage(t, s, g, "?from=2026-11-01&to=2026-11-30", current.ID))
	for _, part := range []string{`<path class="line series-0" data-series="Committed remaining"`, `<path class="line series-1" data-series="Ideal"`,
		`<path class="line series-2" data-series="Scope remaining"`, `<g class="legend">`} {
		if !strings.Contains(figs["burndown"], part) {
			t.Errorf("the burndown lacks %s", part)
		}
	}
	if !strings.Contains(figs["say-do"], `<rect class="bar bar-1" data-series="Committed"`) {
		t.Error("say/do draws no committed bar")
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// nextMilestone is the title of the demo milestone after the current one,
// the one a team plans now ("2026-12" in November 2026).
func nextMilestone(now time.Time) string {
	y, m, _ := now.UTC().Date()
	return time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// TestCLIPlan prints the demo team's plan for next month as tables and as
// JSON, and checks the JSON against what the API answers for the same
// milestone.
func TestCLIPlan(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := storetest.DSN(t, dialect)
			env := map[string]string{"CAIRN_DB": dsn}
			if _, stderr, err := runCLI(t, env, "", "demo"); err != nil {
				t.Fatalf("demo: %v\n%s", err, stderr)
			}
			title := nextMilestone(time.Now())

			t.Run("Table", func(t *testing.T) {
				out, stderr, err := runCLI(t, env, "", "plan", "--group", "code-creation", "--milestone", title)
				if err != nil {
					t.Fatalf("plan: %v\n%s", err, stderr)
				}
				for _, re := range []string{
					`(?m)^code-creation · ` + title + ` \(` + title + `-01 to ` + title + `-\d\d\) · proposed plan$`,
					`(?m)^Capacity: \d+ working days; focus 70% of a day after 20% refinement and 10% other work$`,
					`(?m)^Velocity window: \d{4}-\d\d \(\d+ days\), \d{4}-\d\d \(\d+ days\), \d{4}-\d\d \(\d+ days\)$`,
					`(?m)^Team velocity: \d+(\.\d{1,2})? weight per dev day \((own|team|default)\)$`,
					`(?m)^\s*member\s+role\s+factor\s+time off\s+available\s+dev days\s+velocity\s+source\s+capacity\s*$`,
					`(?m)^\s*emma\s+engineering_manager\s+0\s+\d+\.\d\s+\d+\.\d\s+0\.0\s+\d+(\.\d{1,2})?\s+\w+\s+0\.0\s*$`,
					`(?m)^\s*mateo\s+engineer\s+0\.5\s+`,
					`(?m)^\s*kwame\s+engineer\s+1\s+.*\s(team|own)\s+\d+\.\d\s*$`,
					`(?m)^\s*team\s+\d+\.\d\s*$`,
					`(?m)^Plan: team capacity \d+\.\d, planned \d+ \(-?\d+\.\d left\); stretch budget \d+\.\d, stretch \d+ \(-?\d+\.\d left\)$`,
					`(?m)^Carryover: \d+ issues, weight \d+$`,
					`(?m)^Deliverables: [1-9]\d* issues, weight \d+$`,
					`(?m)^issue\s+weight\s+assignees\s+priority\s+title\s+flags$`,
					`(?m)^(code-suggestions|duo-chat|ide-extensions)#\d+\s+\d\s+(@\w+|-)\s+(high|medium|low|none)\s+`,
					`(?m)^Stretch: \d+ issues, weight \d+$`,
					`(?m)^Left out: \d+ issues, weight \d+$`,
					`(?m)^Refinement gaps: \d+ issues, weight \d+$`,
					`(?m)^Parking lot: \d+ proposals$`,
					`(?m)^Planning issue: `,
				} {
					if !regexp.MustCompile(re).MatchString(out) {
						t.Errorf("plan output lacks %s:\n%s", re, out)
					}
				}
				// The team line is the sum of the members' capacities, as
				// the table shows them to one decimal (within rounding).
				var sum, team float64
				for _, line := range strings.Split(out, "\n") {
					f := strings.Fields(line)
					if len(f) == 9 && (f[1] == "engineer" || f[1] == "engineering_manager" || f[1] == "product_manager") {
						v, _ := strconv.ParseFloat(f[8], 64)
						sum += v
					}
					if len(f) == 2 && f[0] == "team" {
						team, _ = strconv.ParseFloat(f[1], 64)
					}
				}
				if team == 0 || sum < team-0.4 || sum > team+0.4 {
					t.Errorf("team capacity %.1f, members add up to %.1f", team, sum)
				}
			})

			t.Run("JSONEqualsAPI", func(t *testing.T) {
				const base = "http://cairn.test"
				out, stderr, err := runCLI(t, env, "", "plan", "--group", "code-creation", "--milestone", title, "--json", "--base-url", base)
				if err != nil {
					t.Fatalf("plan --json: %v\n%s", err, stderr)
				}
				var cli map[string]any
				if err := json.Unmarshal([]byte(out), &cli); err != nil {
					t.Fatalf("plan --json is not JSON: %v\n%s", err, out)
				}
				st, err := store.Open(context.Background(), dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				ts := httptest.NewServer(server.New(server.Config{Services: st, Planner: planner.New(st, nil), BaseURL: base}).Handler())
				defer ts.Close()
				token := demoToken(t, st, "emma")
				ms, _, err := st.ListGroupMilestones(context.Background(), groupID(t, st, "code-creation"), cairn.MilestoneFilter{Title: title})
				if err != nil || len(ms) != 1 {
					t.Fatalf("milestone %s: %v %v", title, ms, err)
				}
				prefix := ts.URL + "/api/v4/groups/code-creation/milestones/" + strconv.FormatInt(ms[0].ID, 10)
				for _, part := range []string{"capacity", "plan"} {
					api := getJSON(t, prefix+"/"+part, token)
					if !reflect.DeepEqual(cli[part], api) {
						a, _ := json.MarshalIndent(api, "", " ")
						c, _ := json.MarshalIndent(cli[part], "", " ")
						t.Errorf("cairn plan --json %s differs from the API's:\nAPI: %.2000s\nCLI: %.2000s", part, a, c)
					}
				}
			})

			t.Run("Finalize", func(t *testing.T) {
				_, _, err := runCLI(t, env, "", "plan", "finalize", "--group", "code-creation", "--milestone", title, "--username", "tomas")
				if err == nil || !strings.Contains(err.Error(), "tomas may not finalise") {
					t.Errorf("an engineer finalised: %v", err)
				}
				out, stderr, err := runCLI(t, env, "", "plan", "finalize", "--group", "code-creation", "--milestone", title, "--username", "emma")
				if err != nil {
					t.Fatalf("finalize: %v\n%s", err, stderr)
				}
				if !strings.Contains(out, "Finalised "+title+" for code-creation.") || !regexp.MustCompile(`Committed \d+ Deliverables \(weight \d+\)`).MatchString(out) {
					t.Errorf("finalize said:\n%s", out)
				}
				out, _, err = runCLI(t, env, "", "plan", "finalize", "--group", "code-creation", "--milestone", title, "--username", "priya")
				if err != nil || !strings.Contains(out, "already finalised") {
					t.Errorf("second finalize: %v\n%s", err, out)
				}
				out, _, err = runCLI(t, env, "", "plan", "--group", "code-creation", "--milestone", title)
				if err != nil || !strings.Contains(out, "· finalised plan") {
					t.Errorf("plan after finalize: %v\n%.300s", err, out)
				}
			})

			t.Run("Errors", func(t *testing.T) {
				if _, _, err := runCLI(t, env, "", "plan", "--group", "code-creation", "--milestone", "1999-01"); err == nil ||
					!strings.Contains(err.Error(), "not a milestone of group code-creation") {
					t.Errorf("unknown milestone: %v", err)
				}
				if _, _, err := runCLI(t, env, "", "plan", "--group", "nope", "--milestone", title); err == nil {
					t.Error("unknown group: no error")
				}
				if _, stderr, err := runCLI(t, env, "", "plan", "--group", "code-creation"); err != errUsage || !strings.Contains(stderr, "--milestone are required") {
					t.Errorf("missing --milestone: %v %s", err, stderr)
				}
			})
		})
	}
}

func groupID(t *testing.T, st *store.Store, path string) int64 {
	t.Helper()
	g, err := st.GroupByPath(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

func demoToken(t *testing.T, st *store.Store, username string) string {
	t.Helper()
	u, err := st.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := st.CreateToken(context.Background(), cairn.TokenCreate{UserID: u.ID, Name: "test", Scopes: []string{cairn.ScopeAPI}})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func getJSON(t *testing.T, url, token string) any {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

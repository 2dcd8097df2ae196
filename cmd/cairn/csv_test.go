package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	"github.com/cairnhq/cairn/planning"
)

// getRaw fetches url with a token and returns the body; it fails the test
// unless the status is 200.
func getRaw(t *testing.T, url, token string) string {
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
	return string(b)
}

// TestCLIPlanCSV prints the demo team's plan and capacity as CSV and
// checks them against what the API's exports answer for the same
// milestone.
func TestCLIPlanCSV(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	env := map[string]string{"CAIRN_DB": dsn}
	if _, stderr, err := runCLI(t, env, "", "demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr)
	}
	title := nextMilestone(time.Now())
	const base = "http://cairn.test"

	plan, stderr, err := runCLI(t, env, "", "plan", "--group", "code-creation", "--milestone", title, "--csv", "--base-url", base+"/")
	if err != nil {
		t.Fatalf("plan --csv: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(plan, strings.Join(planning.PlanCSVHeader, ",")+"\r\n1,deliverable,code-creation/") ||
		!strings.Contains(plan, ","+base+"/code-creation/") {
		t.Errorf("plan --csv:\n%.600s", plan)
	}
	capacity, stderr, err := runCLI(t, env, "", "plan", "--group", "code-creation", "--milestone", title, "--capacity-csv")
	if err != nil {
		t.Fatalf("plan --capacity-csv: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`\r\nemma,engineering_manager,0,\d+,`).MatchString(capacity) {
		t.Errorf("plan --capacity-csv:\n%s", capacity)
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
	if api := getRaw(t, prefix+"/plan.csv", token); api != plan {
		t.Errorf("cairn plan --csv differs from the API's plan.csv:\nAPI: %.600s\nCLI: %.600s", api, plan)
	}
	if api := getRaw(t, prefix+"/capacity.csv", token); api != capacity {
		t.Errorf("cairn plan --capacity-csv differs from the API's capacity.csv:\nAPI: %s\nCLI: %s", api, capacity)
	}

	t.Run("Exclusive", func(t *testing.T) {
		for _, flags := range [][]string{{"--json", "--csv"}, {"--csv", "--capacity-csv"}, {"--json", "--capacity-csv"}} {
			args := append([]string{"plan", "--group", "code-creation", "--milestone", title}, flags...)
			out, stderr, err := runCLI(t, env, "", args...)
			if err != errUsage || !strings.Contains(stderr, "--json, --csv and --capacity-csv print different things; choose one") || out != "" {
				t.Errorf("%v: %v, stderr %q, stdout %.100q", flags, err, stderr, out)
			}
		}
	})
}

func TestCLIMetricsCSV(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	env := map[string]string{"CAIRN_DB": dsn}
	file := filepath.Join(t.TempDir(), "team.json")
	data, err := json.Marshal(metricsCLIArchive())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runCLI(t, env, "", "import", file); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	out, stderr, err := runCLI(t, env, "", "metrics", "--group", "team", "--from", "2025-03-01", "--to", "2025-03-31", "--csv")
	if err != nil {
		t.Fatalf("metrics --csv: %v\n%s", err, stderr)
	}
	// The figures of TestCLIMetrics: March is the window, so its own
	// dates' flow metrics are the window's.
	want := regexp.MustCompile(`^` + strings.Join(planning.MetricsCSVHeader, ",") + "\r\n" +
		`\d+,2025-03,2025-03-01,2025-03-31,3,0,0,,0,0,48,1,567,24,1,1,48,48` + "\r\n$")
	if !want.MatchString(out) {
		t.Errorf("metrics --csv:\n%q\nwant %s", out, want)
	}

	// A window without milestones is the header alone.
	out, _, err = runCLI(t, env, "", "metrics", "--group", "team", "--from", "2025-05-01", "--to", "2025-05-31", "--csv")
	if err != nil || out != strings.Join(planning.MetricsCSVHeader, ",")+"\r\n" {
		t.Errorf("empty window: %v %q", err, out)
	}

	_, stderr, err = runCLI(t, env, "", "metrics", "--group", "team", "--json", "--csv")
	if err != errUsage || !strings.Contains(stderr, "--json and --csv print different things; choose one") {
		t.Errorf("--json --csv: %v %q", err, stderr)
	}
	if _, _, err := runCLI(t, env, "", "metrics", "--group", "team", "--from", "March", "--csv"); err == nil || !strings.Contains(err.Error(), "from must be a date") {
		t.Errorf("bad date: %v", err)
	}
}

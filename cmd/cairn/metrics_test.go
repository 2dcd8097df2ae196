package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// metricsCLIArchive is a team with March 2025 behind it: #1 refined from
// 3 to 5 March (48 h, ready in 2025-W10), in dev from the 6th, closed on
// the 7th (24 h; cycle 48 h; weight 3 in milestone 2025-03); #2 in
// refinement from 10 March 09:00, still: 519 h to the window's end.
func metricsCLIArchive() *archive.Archive {
	const t0 = "2025-01-01T09:00:00.000Z"
	three := 3
	ev := func(action, label, at string) archive.Event {
		return archive.Event{Type: archive.EventLabel, Action: action, Label: label, CreatedAt: at + ":00.000Z"}
	}
	const r, d, v = "workflow::refinement", "workflow::ready for development", "workflow::in dev"
	return &archive.Archive{
		Format: archive.FormatName, Version: archive.Version,
		Users: []archive.User{{Username: "ana", CreatedAt: t0}},
		Groups: []archive.Group{{
			Path: "team", CreatedAt: t0,
			Labels:     []archive.Label{{Name: r}, {Name: d}, {Name: v}},
			Milestones: []archive.Milestone{{Title: "2025-03", StartDate: "2025-03-01", DueDate: "2025-03-31", CreatedAt: t0}},
			Projects: []archive.Project{{Path: "app", CreatedAt: t0, Issues: []archive.Issue{
				{IID: 1, Title: "Done", State: "closed", Author: "ana", Weight: &three, Milestone: "2025-03", Labels: []string{v},
					CreatedAt: "2025-03-03T09:00:00.000Z", ClosedAt: "2025-03-07T09:00:00.000Z",
					Events: []archive.Event{ev("add", r, "2025-03-03T09:00"), ev("remove", r, "2025-03-05T09:00"), ev("add", d, "2025-03-05T09:00"),
						ev("remove", d, "2025-03-06T09:00"), ev("add", v, "2025-03-06T09:00"),
						{Type: archive.EventState, Action: "closed", CreatedAt: "2025-03-07T09:00:00.000Z"}}},
				{IID: 2, Title: "Refining", State: "opened", Author: "ana", Labels: []string{r}, CreatedAt: "2025-03-10T09:00:00.000Z",
					Events: []archive.Event{ev("add", r, "2025-03-10T09:00")}},
			}}},
		}},
	}
}

func TestCLIMetrics(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			env := map[string]string{"CAIRN_DB": storetest.DSN(t, dialect)}
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

			t.Run("Table", func(t *testing.T) {
				out, stderr, err := runCLI(t, env, "", "metrics", "--group", "team", "--from", "2025-03-01", "--to", "2025-03-31")
				if err != nil {
					t.Fatalf("metrics: %v\n%s", err, stderr)
				}
				// 567 h of refinement (48 + 519) against 24 h of development: 96%.
				want := `Planning metrics of team, 2025-03-01 to 2025-03-31 (UTC)

Average time in refinement  48.0 h                  (1 refinement interval ended)
Time in refinement          567.0 h                 (the refinement label)
Time in development         24.0 h                  (the workflow labels after ready)
Refinement vs development   96%                     (of the time in either)
Cycle time, ready → closed  p50 48.0 h, p85 48.0 h  (1 issue closed)

Issues refined per week
WEEK      REFINED
2025-W09  0
2025-W10  1
2025-W11  0
2025-W12  0
2025-W13  0
2025-W14  0

Milestones due in the window
MILESTONE  VELOCITY  COMMITTED  DONE  SAY/DO  CARRIED OVER  WEIGHT CARRIED
2025-03    3         0          0     —       0             0
`
				if out != want {
					t.Errorf("output\n%s\nwant\n%s", out, want)
				}
			})

			t.Run("JSON", func(t *testing.T) {
				out, _, err := runCLI(t, env, "", "metrics", "--group", "team", "--from", "2025-03-01", "--to", "2025-03-31", "--json")
				if err != nil {
					t.Fatal(err)
				}
				var m struct {
					From               string   `json:"from"`
					AvgRefinementHours *float64 `json:"avg_refinement_hours"`
					RefinementHours    float64  `json:"refinement_hours"`
					DevelopmentHours   float64  `json:"development_hours"`
					Velocity           []struct {
						Milestone string
						Weight    int
					}
					CycleTimeHours struct{ P50, P85 *float64 } `json:"cycle_time_hours"`
				}
				if err := json.Unmarshal([]byte(out), &m); err != nil {
					t.Fatalf("%v: %s", err, out)
				}
				if m.From != "2025-03-01" || m.AvgRefinementHours == nil || *m.AvgRefinementHours != 48 || m.RefinementHours != 567 ||
					m.DevelopmentHours != 24 || len(m.Velocity) != 1 || m.Velocity[0].Weight != 3 || *m.CycleTimeHours.P85 != 48 {
					t.Errorf("json %s", out)
				}
			})

			t.Run("Errors", func(t *testing.T) {
				if _, stderr, err := runCLI(t, env, "", "metrics"); err != errUsage || !strings.Contains(stderr, "--group is required") {
					t.Errorf("no group: %v %q", err, stderr)
				}
				if _, _, err := runCLI(t, env, "", "metrics", "--group", "team", "--from", "March"); err == nil || !strings.Contains(err.Error(), "from must be a date") {
					t.Errorf("bad date: %v", err)
				}
				if _, _, err := runCLI(t, env, "", "metrics", "--group", "nope"); err == nil || !strings.Contains(err.Error(), "Group Not Found") {
					t.Errorf("unknown group: %v", err)
				}
			})
		})
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestMain also serves as `cairn-bench trivial`: run starts the trivial
// handler by running its own executable, which in tests is this binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "trivial" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := trivialCmd(ctx, os.Args[2:], os.Stdout, os.Stderr)
		stop()
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	cairntest.Cleanup()
	os.Exit(code)
}

var testDay = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func TestGenerateTeam(t *testing.T) {
	spec := teamSpec{Issues: 3000, Events: 33000, Members: 25, Months: 12, Seed: 7, Today: testDay}
	a, st, err := generateTeam(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("the archive does not validate: %v", err)
	}
	var issues, events, open int
	for _, g := range a.Groups {
		if len(g.Members) != spec.Members {
			t.Errorf("%d members, want %d", len(g.Members), spec.Members)
		}
		for _, p := range g.Projects {
			for i := range p.Issues {
				is := &p.Issues[i]
				issues++
				events += len(is.Events)
				if is.State == cairn.StateOpened {
					open++
				}
				checkHistory(t, p.Path, is)
			}
		}
	}
	if issues != spec.Issues || events != spec.Events || st.Issues != issues || st.Events != events || st.Open != open {
		t.Errorf("made %d issues with %d events (stats %+v), want %d and %d", issues, events, st, spec.Issues, spec.Events)
	}
	// A realistic team: most issues closed, a backlog open, plans final.
	if open < issues/20 || open > issues/4 {
		t.Errorf("%d of %d issues open, want between 5%% and 25%%", open, issues)
	}
	if st.Commitments == 0 || st.Notes == 0 {
		t.Errorf("stats %+v: no commitments or no notes", st)
	}

	again, _, err := generateTeam(spec)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := archive.Marshal(a)
	b2, _ := archive.Marshal(again)
	if !bytes.Equal(b1, b2) {
		t.Error("the same spec gave two different archives")
	}
	spec.Seed = 8
	other, _, _ := generateTeam(spec)
	if b3, _ := archive.Marshal(other); bytes.Equal(b1, b3) {
		t.Error("another seed gave the same archive")
	}
}

// checkHistory replays an issue's events, which must be in time order,
// and compares the outcome with its current labels, weight, milestone
// and state.
func checkHistory(t *testing.T, project string, is *archive.Issue) {
	t.Helper()
	var labels []string
	var weight *int
	milestone, state := "", cairn.StateOpened
	last := ""
	for _, e := range is.Events {
		if e.CreatedAt < last {
			t.Fatalf("%s#%d: events out of order at %s", project, is.IID, e.CreatedAt)
		}
		last = e.CreatedAt
		switch e.Type {
		case archive.EventLabel:
			if e.Action == cairn.ActionAdd {
				labels = append(labels, e.Label)
			} else {
				labels = slices.DeleteFunc(labels, func(l string) bool { return l == e.Label })
			}
		case archive.EventWeight:
			weight = e.Weight
		case archive.EventMilestone:
			if e.Action == cairn.ActionAdd {
				milestone = e.Milestone
			} else if milestone == e.Milestone {
				milestone = ""
			}
		case archive.EventState:
			state = cairn.StateClosed
		}
	}
	slices.Sort(labels)
	current := slices.Sorted(slices.Values(is.Labels))
	if !slices.Equal(labels, current) || milestone != is.Milestone || state != is.State ||
		(weight == nil) != (is.Weight == nil) || weight != nil && *weight != *is.Weight {
		t.Fatalf("%s#%d: history gives labels %q, milestone %q, state %s; the issue has %q, %q, %s",
			project, is.IID, labels, milestone, state, current, is.Milestone, is.State)
	}
}

func TestGenerateTeamErrors(t *testing.T) {
	ok := teamSpec{Issues: 500, Events: 6000, Members: 25, Months: 6, Seed: 1, Today: testDay}
	tests := []struct {
		name string
		edit func(s *teamSpec)
		want string
	}{
		{"ErrTooFewEvents", func(s *teamSpec) { s.Events = 100 }, "ask for --events"},
		{"ErrTooFewMembers", func(s *teamSpec) { s.Members = 2 }, "--members"},
		{"ErrTooFewIssues", func(s *teamSpec) { s.Issues = 5 }, "--issues"},
		{"ErrMonths", func(s *teamSpec) { s.Months = 0 }, "--months"},
		{"ErrNegativeEvents", func(s *teamSpec) { s.Events = -1 }, "--events"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			_, _, err := generateTeam(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("generateTeam = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error or stderr
	}{
		{"NoCommand", nil, "Usage:"},
		{"UnknownCommand", []string{"bench"}, `unknown command "bench"`},
		{"SeedWithoutDB", []string{"seed"}, "--db is required"},
		{"SeedBadDate", []string{"seed", "--db", "x.db", "--today", "23.11.2026"}, "is not a date"},
		{"SeedTooFewEvents", []string{"seed", "--db", "x.db", "--issues", "500", "--events", "10", "--months", "6"}, "ask for --events"},
		{"RunWithoutDB", []string{"run"}, "--db is required"},
		{"RunBadConns", []string{"run", "--db", "x.db", "--conns", "0"}, "--conns"},
		{"RunBadMix", []string{"run", "--db", "x.db", "--mix", "list=3"}, "unknown operation"},
		{"RunBadPhases", []string{"run", "--db", "x.db", "--phases", "all", "--cairn", "/nonexistent"}, "--phases"},
		{"Positional", []string{"trivial", "extra"}, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%q) succeeded", tc.args)
			}
			got := err.Error() + "\n" + stderr.String()
			if !strings.Contains(got, tc.want) {
				t.Errorf("run(%q) = %v, stderr %q; want %q", tc.args, err, stderr.String(), tc.want)
			}
			if _, err := os.Stat("x.db"); err == nil {
				t.Error("a failed command created the database")
			}
		})
	}
}

func TestParseMix(t *testing.T) {
	m, err := parseMix("get=3, plan=1")
	if err != nil || m["get"] != 3 || m["plan"] != 1 || len(m) != 2 {
		t.Errorf("parseMix = %v, %v", m, err)
	}
	for name, mix := range mixes {
		for op := range mix {
			if !slices.Contains(opNames, op) {
				t.Errorf("mix %s names an unknown operation %s", name, op)
			}
		}
	}
	for _, op := range opNames {
		if !slices.Contains(phaseOrder, op) {
			t.Errorf("operation %s is not in phaseOrder", op)
		}
	}
	if _, err := parseMix("get=-1"); err == nil {
		t.Error("a negative weight was accepted")
	}
}

// TestBench seeds a tiny team, runs every phase briefly against the real
// cairn binary and the trivial handler, and checks that the tool reports
// sane numbers: requests for every operation and no errors. It never
// judges speed.
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, dialect)
			today := time.Now().UTC()
			spec := teamSpec{Issues: 500, Events: 6000, Members: 25, Months: 6, Seed: 1, Today: today}
			var progress bytes.Buffer
			seeded, err := seedTeam(ctx, dsn, spec, &progress)
			if err != nil {
				t.Fatal(err)
			}
			if seeded.stats.Issues != 500 || seeded.stats.Events != 6000 || !strings.HasPrefix(seeded.token, "glpat-") {
				t.Fatalf("seeded %+v, token %q", seeded.stats, seeded.token)
			}
			if _, err := seedTeam(ctx, dsn, spec, &progress); err == nil || !strings.Contains(err.Error(), "already holds groups") {
				t.Errorf("seeding twice: %v, want a refusal", err)
			}

			o := runOptions{
				DB: dsn, Cairn: cairntest.Binary(t), Token: seeded.token, Password: benchPassword,
				Mix: "default", Phases: "each,mix", Duration: 150 * time.Millisecond, Conns: []int{2},
				ColdStarts: 2, Trivial: true, LogLevel: "warn", Copy: true, Today: today.Format(cairn.DateLayout), Seed: 1,
				ServerLog: t.TempDir() + "/serve.log",
			}
			if dialect == "sqlite" {
				// Profiles take a second per phase; once is enough.
				o.CPUProfile = t.TempDir()
			}
			rep, err := runBench(ctx, o, &progress)
			if err != nil {
				log, _ := os.ReadFile(o.ServerLog)
				t.Fatalf("run: %v\n%s\nserver log:\n%s", err, progress.String(), log)
			}
			var names []string
			for _, p := range rep.Phases {
				names = append(names, p.Name)
				op := p.op()
				if op.Requests == 0 || op.Errors != 0 || op.Latency.Count() != op.Requests {
					t.Errorf("%s: %d requests, %d errors %q, %d latencies", p.Name, op.Requests, op.Errors, op.ErrorSamples, op.Latency.Count())
				}
				if p.MaxRSS <= 0 {
					t.Errorf("%s: no RSS sampled", p.Name)
				}
			}
			want := []string{"list_label", "list_milestone", "list_assignee", "get", "board", "plan", "metrics", "note", "mix", "create"}
			if !slices.Equal(names, want) {
				t.Errorf("phases %q, want %q", names, want)
			}
			if mix := rep.find("mix", 2); mix != nil && len(mix.Result.Ops) != len(opNames) {
				t.Errorf("the mix ran %d operations, want %d", len(mix.Result.Ops), len(opNames))
			}
			if len(rep.Trivial) != 1 || rep.trivialAt(2) <= 0 || rep.Trivial[0].op().Errors != 0 {
				t.Errorf("trivial phases: %+v", rep.Trivial)
			}
			if len(rep.Cold) != 2 || rep.Cold[0].Ready <= 0 || rep.Cold[0].FirstAPI < rep.Cold[0].Ready {
				t.Errorf("cold starts: %+v", rep.Cold)
			}
			if rep.Memory.RSS <= 0 || rep.Memory.HWM < rep.Memory.RSS {
				t.Errorf("memory: %+v", rep.Memory)
			}
			// A CPU profile per phase and the heap profile.
			if o.CPUProfile != "" && len(rep.Profiles) != len(rep.Phases)+1 {
				t.Errorf("%d profiles for %d phases: %q", len(rep.Profiles), len(rep.Phases), rep.Profiles)
			}
			for _, p := range rep.Profiles {
				if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
					t.Errorf("profile %s: %v", p, err)
				}
			}
			var out bytes.Buffer
			rep.print(&out)
			for _, s := range []string{"| list_label | 2 |", "| create | 2 |", "The trivial net/http handler", "| cold start ≤ 300 ms", "VmHWM"} {
				if !strings.Contains(out.String(), s) {
					t.Errorf("the report lacks %q:\n%s", s, out.String())
				}
			}
			if strings.Contains(out.String(), "Errors (first of each kind)") {
				t.Errorf("the report lists errors:\n%s", out.String())
			}
		})
	}
}

func TestReadMemory(t *testing.T) {
	m, err := readMemory(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("readMemory = %+v", m)
	}
	if _, err := readMemory(-1); err == nil || errors.Is(err, nil) {
		t.Error("readMemory of no process succeeded")
	}
}

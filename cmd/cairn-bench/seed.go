package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

// seedCmd builds the benchmark team into an empty database: it generates
// the team as an archive (team.go) and loads it with store.ImportArchive,
// the path `cairn import` takes, so the result is an ordinary Cairn
// database. The manager gets a password (for the web pages) and an API
// token, printed for `cairn-bench run --token`.
func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed", "seed --db DSN [--issues N] [--events N] [--seed N] [--members N] [--months N] [--today YYYY-MM-DD]", stderr)
	db := fs.String("db", "", "database to fill: an SQLite file path or a postgres:// URL; must be empty (required)")
	issues := fs.Int("issues", 100_000, "issues in all, the milestones' planning issues included")
	events := fs.Int("events", 1_000_000, "events (label, weight, milestone and state changes) in all")
	seed := fs.Int64("seed", 1, "random seed: the same flags give the same team")
	members := fs.Int("members", 25, "team members: a manager, a product manager and engineers")
	months := fs.Int("months", 48, "finished monthly milestones of history")
	today := fs.String("today", "", "the day the history ends, YYYY-MM-DD (default: today, UTC)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *db == "" {
		fmt.Fprintln(stderr, "cairn-bench seed: --db is required")
		fs.Usage()
		return errUsage
	}
	day := time.Now().UTC()
	if *today != "" {
		var err error
		if day, err = time.Parse(cairn.DateLayout, *today); err != nil {
			return fmt.Errorf("--today: %q is not a date like 2026-11-23", *today)
		}
	}
	spec := teamSpec{Issues: *issues, Events: *events, Members: *members, Months: *months, Seed: *seed, Today: day}
	if err := spec.Validate(); err != nil {
		return err
	}
	res, err := seedTeam(ctx, *db, spec, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s: %d issues (%d open), %d events, %d notes, %d plan commitments; %d members\n",
		store.RedactDSN(*db), res.stats.Issues, res.stats.Open, res.stats.Events, res.stats.Notes, res.stats.Commitments, spec.Members)
	fmt.Fprintf(stdout, "seeding took %s: generate %s, import %s, finish %s\n",
		res.total.Round(time.Millisecond), res.generate.Round(time.Millisecond), res.load.Round(time.Millisecond), res.finish.Round(time.Millisecond))
	fmt.Fprintf(stdout, "group %s, manager %s (password %s)\n", benchGroup, benchManager, benchPassword)
	fmt.Fprintf(stdout, "token %s\n", res.token)
	return nil
}

type seedResult struct {
	stats                         teamStats
	token                         string
	generate, load, finish, total time.Duration
}

// seedTeam generates the team and loads it into dsn.
func seedTeam(ctx context.Context, dsn string, spec teamSpec, progress io.Writer) (*seedResult, error) {
	start := time.Now()
	res := &seedResult{}
	fmt.Fprintf(progress, "generating %d issues with %d events…\n", spec.Issues, spec.Events)
	a, stats, err := generateTeam(spec)
	if err != nil {
		return nil, err
	}
	res.stats = stats
	res.generate = time.Since(start)

	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", store.RedactDSN(dsn), err)
	}
	defer s.Close()
	_, total, err := s.ListGroups(ctx, cairn.GroupFilter{Admin: true, Page: cairn.Page{PerPage: 1}})
	if err != nil {
		return nil, fmt.Errorf("check that the database is empty: %w", err)
	}
	if total.Count > 0 || total.Capped {
		return nil, fmt.Errorf("%s already holds groups; seed fills an empty database (remove the SQLite file, or createdb a new PostgreSQL database)", store.RedactDSN(dsn))
	}
	fmt.Fprintf(progress, "importing into %s…\n", s.Dialect())
	t := time.Now()
	if _, err := s.ImportArchive(ctx, a); err != nil {
		return nil, fmt.Errorf("import the team: %w", err)
	}
	res.load = time.Since(t)

	t = time.Now()
	mgr, err := s.UserByUsername(ctx, benchManager)
	if err != nil {
		return nil, fmt.Errorf("manager %s: %w", benchManager, err)
	}
	if err := s.SetPassword(ctx, mgr.ID, benchPassword); err != nil {
		return nil, fmt.Errorf("set the manager's password: %w", err)
	}
	_, res.token, err = s.CreateToken(ctx, cairn.TokenCreate{UserID: mgr.ID, Name: "cairn-bench", Scopes: []string{cairn.ScopeAPI}})
	if err != nil {
		return nil, fmt.Errorf("create a token: %w", err)
	}
	res.finish = time.Since(t)
	res.total = time.Since(start)
	return res, nil
}

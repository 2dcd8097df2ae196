package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
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
		redact(*db), res.stats.Issues, res.stats.Open, res.stats.Events, res.stats.Notes, res.stats.Commitments, spec.Members)
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
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	defer s.Close()
	_, total, err := s.ListGroups(ctx, cairn.GroupFilter{Admin: true, Page: cairn.Page{PerPage: 1}})
	if err != nil {
		return nil, fmt.Errorf("check that the database is empty: %w", err)
	}
	if total.Count > 0 || total.Capped {
		return nil, fmt.Errorf("%s already holds groups; seed fills an empty database (remove the SQLite file, or createdb a new PostgreSQL database)", redact(dsn))
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
	if s.Dialect() == "postgres" {
		if err := analyzePostgres(ctx, dsn); err != nil {
			return nil, err
		}
	}
	res.finish = time.Since(t)
	res.total = time.Since(start)
	return res, nil
}

// analyzePostgres gathers PostgreSQL's planner statistics of Cairn's
// tables, which autovacuum would do on its own a little after a bulk load;
// doing it now makes the first measurements those of a settled database.
// Only the tables of the DSN's schema are analysed. SQLite gets nothing:
// Cairn never runs ANALYZE there, so a real installation has no
// statistics either.
func analyzePostgres(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("open postgres for ANALYZE: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
	if err != nil {
		return fmt.Errorf("list tables to analyze: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("list tables to analyze: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list tables to analyze: %w", err)
	}
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, `ANALYZE "`+strings.ReplaceAll(t, `"`, `""`)+`"`); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// redact hides a PostgreSQL URL's password.
func redact(dsn string) string {
	at := strings.LastIndexByte(dsn, '@')
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + user + ":xxxxx" + dsn[at:]
	}
	return dsn
}

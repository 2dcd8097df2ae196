package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairnhq/cairn/internal/gitlabimport"
	"github.com/cairnhq/cairn/internal/store"
)

// importGitLab runs `cairn import gitlab`: a GitLab group's history,
// fetched through GitLab's API (resumably) and loaded in one transaction.
func (e *environment) importGitLab(ctx context.Context, args []string) error {
	f := e.newFlags("import gitlab", "import gitlab --url URL --group PATH [--token T] [--db cairn.db] [--state FILE]")
	db := f.dbFlag()
	rawURL := f.FlagSet.String("url", "", "the GitLab instance (or another Cairn), like https://gitlab.example.com (required)")
	group := f.FlagSet.String("group", "", "full path of the group to import, like my-org/my-team (required)")
	token := f.FlagSet.String("token", "", "personal access token with the read_api scope; prefer CAIRN_GITLAB_TOKEN or GITLAB_TOKEN, as flags show in process lists")
	state := f.FlagSet.String("state", "", "state file that makes the import resumable (default: cairn-import-<host>-<group>.json beside an SQLite database, else in the working directory)")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if *rawURL == "" || *group == "" {
		fmt.Fprintln(e.stderr, "cairn import gitlab: --url and --group are required")
		f.Usage()
		return errUsage
	}
	base, err := gitlabimport.NormalizeURL(*rawURL)
	if err != nil {
		return err
	}
	tok := *token
	for _, name := range []string{"CAIRN_GITLAB_TOKEN", "GITLAB_TOKEN"} {
		if tok == "" {
			tok = e.getenv(name)
		}
	}
	statePath := *state
	if statePath == "" {
		statePath = gitlabimport.DefaultStatePath(stateDir(*db), base, *group)
	}

	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	progress := gitlabimport.NewProgressPrinter(e.stderr, isTerminal(e.stderr))
	defer progress.Done()
	res, err := gitlabimport.Import(ctx, gitlabimport.Options{
		URL: base, Group: *group, Token: tok, StatePath: statePath,
		Logger:   slog.New(slog.NewTextHandler(progress.LogWriter(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Progress: progress.Update,
	}, s, store.RedactDSN(*db))
	progress.Done()
	if err != nil {
		return fmt.Errorf("import gitlab: %w", err)
	}
	if res.AlreadyImported {
		fmt.Fprintf(e.stderr, "Group %s from %s was already imported into %s on %s (%d issues); nothing to do.\n",
			*group, base, res.Loaded.Database, res.Loaded.At.Local().Format(time.DateTime), res.Counts.Issues)
		fmt.Fprintf(e.stderr, "To import it again, move the state file away: %s\n", statePath)
		return nil
	}
	printImportSummary(e.stderr, *group, base, res, statePath)
	return nil
}

// printImportSummary says what the import brought and what it took.
func printImportSummary(w io.Writer, group, base string, res *gitlabimport.Result, statePath string) {
	c := res.Counts
	fmt.Fprintf(w, "Imported group %s from %s as %s: %d users, %d members, %d projects, %d labels, %d milestones, %d issues, %d notes, %d events, %d links.\n",
		group, base, res.Group, c.Users, c.Members, c.Projects, c.Labels, c.Milestones, c.Issues, c.Notes, c.Events, c.Links)
	if c.TimeOff+c.ParkingLot+c.Plans > 0 {
		fmt.Fprintf(w, "Planning records: %d time off, %d parking lot proposals, %d milestone plans.\n", c.TimeOff, c.ParkingLot, c.Plans)
	}
	var took strings.Builder
	fmt.Fprintf(&took, "%d requests in %s", res.Requests, res.Elapsed.Round(100*time.Millisecond))
	if res.Resumed {
		fmt.Fprintf(&took, " (resumed: %d units fetched before; %d requests over all runs)", res.Reused, res.AllRequests)
	}
	if res.Throttled > 0 {
		fmt.Fprintf(&took, "; rate limited %d times, waited %s", res.Throttled, res.RateWait.Round(time.Second))
	}
	fmt.Fprintf(w, "%s.\n", took.String())
	if n := len(res.Warnings); n > 0 {
		fmt.Fprintf(w, "%d adjustments to fit Cairn (see the warnings above).\n", n)
	}
	fmt.Fprintf(w, "State: %s\n", statePath)
}

// stateDir is where the state file goes by default: beside an SQLite
// database file, else (PostgreSQL) the working directory.
func stateDir(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "."
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	path, _, _ = strings.Cut(path, "?")
	if path == "" || strings.Contains(path, ":memory:") {
		return "."
	}
	return filepath.Dir(path)
}

// isTerminal reports whether w is a terminal (a character device), where
// the progress bar is redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

package store_test

import (
	"context"
	"testing"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestPlannerStatistics checks that an SQLite database has the query
// planner's statistics for its issues after an import, and again after a
// start on a file that lost them, since plans of large groups depend on
// them.
func TestPlannerStatistics(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t, "sqlite")
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stats := func(s *store.Store) int {
		t.Helper()
		var n int
		if err := s.RawQueryRowForTest(ctx, "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'issues'").Scan(&n); err != nil {
			t.Fatalf("read statistics: %v", err)
		}
		return n
	}
	if _, err := s.ImportArchive(ctx, roundTripArchive()); err != nil {
		t.Fatalf("import: %v", err)
	}
	if n := stats(s); n == 0 {
		t.Error("no statistics for issues after an import")
	}
	if err := s.RawExecForTest(ctx, "DELETE FROM sqlite_stat1"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := stats(s); n == 0 {
		t.Error("no statistics for issues after a start")
	}
}

// TestPlannerStatisticsPostgres checks that an import leaves PostgreSQL's
// statistics of the imported tables fresh, instead of waiting for
// autovacuum.
func TestPlannerStatisticsPostgres(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, "postgres")
	if _, err := s.ImportArchive(ctx, roundTripArchive()); err != nil {
		t.Fatalf("import: %v", err)
	}
	var analyzed bool
	err := s.RawQueryRowForTest(ctx, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'issues'").Scan(&analyzed)
	if err != nil {
		t.Fatalf("read statistics: %v", err)
	}
	if !analyzed {
		t.Error("issues was not analysed after an import")
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db": "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db":             "postgres://u@h/db",
		"/tmp/cairn.db":                 "/tmp/cairn.db",
	} {
		if got := store.RedactDSN(in); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

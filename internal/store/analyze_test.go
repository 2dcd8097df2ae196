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

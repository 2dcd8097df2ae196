package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStmtCache checks that SQLite statements are prepared once and reused
// in reads and in writes (a write asks; the committer prepares between
// transactions), and that SQL with ever new text cannot grow the cache past
// its bound while still running correctly.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RawExecForTest(ctx, "CREATE TABLE sc_test (k INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	insert := "INSERT INTO sc_test (k, v) VALUES (?, ?)"
	for i := range 3 {
		if err := s.write(ctx, func(c *conn) error {
			_, err := c.exec(ctx, insert, i, "x")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if s.writeStmts.lookup(insert) == nil {
		t.Error("the write statement was not prepared after it ran")
	}
	read := "SELECT count(*) FROM sc_test WHERE v = ?"
	var n int
	if err := s.read().queryRow(ctx, read, "x").Scan(&n); err != nil || n != 3 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if s.readStmts.lookup(read) == nil {
		t.Error("the read statement was not prepared")
	}

	// Distinct texts past the bound: all answer, the cache stays bounded.
	for i := range maxCachedStmts + 50 {
		q := fmt.Sprintf("SELECT %d + count(*) FROM sc_test", i)
		if err := s.read().queryRow(ctx, q).Scan(&n); err != nil || n != i+3 {
			t.Fatalf("%s = %d, %v", q, n, err)
		}
	}
	s.readStmts.mu.RLock()
	size := len(s.readStmts.m)
	s.readStmts.mu.RUnlock()
	if size > maxCachedStmts {
		t.Errorf("cache holds %d statements, bound %d", size, maxCachedStmts)
	}
	// A statement with an error is reported, not cached.
	if err := s.read().queryRow(ctx, "SELECT nope FROM sc_test").Scan(&n); err == nil {
		t.Error("a bad statement ran")
	}
}

package store

import (
	"context"
	"errors"
)

// WriteStepForTest is one write of a group-commit test: it runs the
// statements, then returns Fail (nil for success), or panics with Panic.
type WriteStepForTest struct {
	Statements []string
	Fail       error
	Panic      any
	// Before runs inside the transaction before the statements (tests
	// block the committer with it).
	Before func()
	// After runs once the write has committed.
	After func()
}

// WriteForTest runs step through Store.write, as every service method does.
func (s *Store) WriteForTest(ctx context.Context, step WriteStepForTest) error {
	return s.write(ctx, func(c *conn) error {
		if step.Before != nil {
			step.Before()
		}
		for _, q := range step.Statements {
			if _, err := c.exec(ctx, q); err != nil {
				return err
			}
		}
		if step.Panic != nil {
			panic(step.Panic)
		}
		if step.After != nil {
			c.afterCommit(step.After)
		}
		return step.Fail
	})
}

// CommitsForTest returns how many transactions the SQLite group committer
// has committed, and how many writes they held; zeros on PostgreSQL.
func (s *Store) CommitsForTest() (commits, writes int64) {
	if s.committer == nil {
		return 0, 0
	}
	return s.committer.commits.Load(), s.committer.writes.Load()
}

// ErrTestFail is a ready-made failure for WriteStepForTest.Fail.
var ErrTestFail = errors.New("test failure")

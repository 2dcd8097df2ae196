package store

import (
	"context"
	"database/sql"
)

// RawExecForTest runs one statement in a write transaction. Tests use it for
// rows no service method makes (a blocked user, an issue in a milestone
// before issues.go exists) without depending on other services.
func (s *Store) RawExecForTest(ctx context.Context, query string, args ...any) error {
	return s.write(ctx, func(c *conn) error {
		_, err := c.exec(ctx, query, args...)
		return err
	})
}

// RawQueryRowForTest runs one query on the read pool, for tests that check
// rows no service method returns.
func (s *Store) RawQueryRowForTest(ctx context.Context, query string, args ...any) *sql.Row {
	return s.read().queryRow(ctx, query, args...)
}

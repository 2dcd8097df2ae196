package store

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite compiles every statement it is given: parsing and planning took
// close to half of the CPU of an issue create, for SQL that is the same
// every time. A stmtCache keeps one prepared statement per SQL text for an
// SQLite pool (database/sql then prepares it once per connection and
// reuses it). PostgreSQL needs none: pgx caches prepared statements itself.
//
// The write pool has a single connection, and a write transaction holds
// it, so a statement cannot be prepared at the moment a write first needs
// it (preparing asks the pool for a connection: a deadlock). A write runs
// such a statement unprepared and asks for it; the group committer
// prepares what was asked for between transactions, when the connection
// is free (prepareWanted).
//
// The cache stops growing at maxCachedStmts: SQL built with a varying
// number of placeholders would otherwise fill it without end. Statements
// beyond it run unprepared, as before.
type stmtCache struct {
	db   *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
	want map[string]struct{}
}

const maxCachedStmts = 1000

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt), want: make(map[string]struct{})}
}

// lookup returns the prepared statement for query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	st := c.m[query]
	c.mu.RUnlock()
	return st
}

// forPool returns the prepared statement for query on the cache's pool,
// preparing it now if there is room; nil means run it unprepared.
func (c *stmtCache) forPool(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[query]; st != nil {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		// Let the statement run unprepared and report its own error.
		return nil
	}
	c.m[query] = st
	return st
}

// ask records that a write wanted query prepared.
func (c *stmtCache) ask(query string) {
	c.mu.Lock()
	if len(c.m)+len(c.want) < maxCachedStmts {
		c.want[query] = struct{}{}
	}
	c.mu.Unlock()
}

// prepareWanted prepares the statements writes asked for. The caller
// makes sure no transaction holds the pool's connection.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.want {
		delete(c.want, q)
		if c.m[q] != nil {
			continue
		}
		if st, err := c.db.PrepareContext(ctx, q); err == nil {
			c.m[q] = st
		}
	}
}

// close closes the cached statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}

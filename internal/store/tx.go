package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cairnhq/cairn"
)

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs "?"-placeholder SQL on a pool or a transaction, rewriting it for
// the dialect. Store methods get one from Store.read or Store.write and pass
// it to their lowercase helpers, so a helper works the same inside and
// outside a transaction.
type conn struct {
	q queryer
	// tx is q when it is a transaction; stmts is the statement cache of
	// the pool behind q (SQLite only; stmtcache.go).
	tx      *sql.Tx
	stmts   *stmtCache
	d       dialect
	s       *Store
	inTx    bool
	afterFn []func()
	// stmtCtx, when set, replaces the context statements are given: the
	// group committer runs a write with its caller's values but without
	// its cancellation (groupcommit.go).
	stmtCtx context.Context
}

// ctx returns the context a statement runs with.
func (c *conn) ctx(ctx context.Context) context.Context {
	if c.stmtCtx != nil {
		return c.stmtCtx
	}
	return ctx
}

// prepared returns the cached prepared statement for query, usable on c,
// or nil to run query as it is.
func (c *conn) prepared(ctx context.Context, query string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	if c.tx == nil {
		return c.stmts.forPool(ctx, query)
	}
	st := c.stmts.lookup(query)
	if st == nil {
		c.stmts.ask(query)
		return nil
	}
	return c.tx.StmtContext(ctx, st)
}

func (c *conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, query = c.ctx(ctx), c.d.rebind(query)
	if st := c.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, query, args...)
}

func (c *conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, query = c.ctx(ctx), c.d.rebind(query)
	if st := c.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, query, args...)
}

func (c *conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, query = c.ctx(ctx), c.d.rebind(query)
	if st := c.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, query, args...)
}

// insert runs an INSERT … RETURNING id and returns the id.
func (c *conn) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := c.queryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// forUpdate is the row-locking suffix for SELECTs inside write transactions.
func (c *conn) forUpdate() string { return c.d.forUpdate }

// afterCommit runs fn once the transaction has committed (notifications
// must not announce a change that was rolled back).
func (c *conn) afterCommit(fn func()) { c.afterFn = append(c.afterFn, fn) }

// read returns a conn on the read pool.
func (s *Store) read() *conn {
	return &conn{q: s.readDB, d: s.dialect, s: s, stmts: s.readStmts}
}

// maxTxAttempts bounds how often a transaction that lost a race is re-run.
const maxTxAttempts = 5

// write runs fn in one write transaction: committed if fn returns nil,
// rolled back otherwise. A transaction that failed only because a concurrent
// one won (serialization failure, deadlock, busy) runs again, so fn must not
// keep state between calls. On SQLite the group committer runs it, sharing
// one commit among the writes that arrive together (groupcommit.go).
func (s *Store) write(ctx context.Context, fn func(c *conn) error) error {
	if s.committer != nil {
		return s.mapErr(s.committer.do(ctx, fn))
	}
	var after []func()
	err := s.retryWrite(ctx, func(ctx context.Context) error {
		var err error
		after, err = s.writeOnce(ctx, fn)
		return err
	})
	if err != nil {
		return s.mapErr(err)
	}
	for _, f := range after {
		f()
	}
	return nil
}

// retryWrite runs once until it succeeds, fails for a reason other than a
// lost race, or has been tried maxTxAttempts times.
func (s *Store) retryWrite(ctx context.Context, once func(ctx context.Context) error) error {
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = once(ctx)
		if err == nil || !isRetryable(err) || ctx.Err() != nil {
			break
		}
		s.Logger.Debug("transaction retried", "attempt", attempt, "err", err)
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
	return err
}

// writeOnce runs fn in a transaction of its own and returns, once it has
// committed, the functions fn asked to run after the commit.
func (s *Store) writeOnce(ctx context.Context, fn func(c *conn) error) (after []func(), err error) {
	tx, err := s.writeDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	c := &conn{q: tx, tx: tx, d: s.dialect, s: s, inTx: true, stmts: s.writeStmts}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(c); err != nil {
		return nil, err
	}
	if err = tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return c.afterFn, nil
}

// mapErr turns driver errors a user should see into *cairn.Error: an
// unreachable database into EUNAVAILABLE. Others pass through.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *cairn.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isUnavailable(err) {
		return &cairn.Error{Code: cairn.EUNAVAILABLE, Message: "The database is unavailable; try again shortly."}
	}
	return err
}

// notFound maps sql.ErrNoRows to the ENOTFOUND error for what.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return cairn.NotFound(what)
	}
	return err
}

package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// SQLite makes every commit durable with an fsync of its write-ahead log
// (synchronous=FULL), and that fsync, not the SQL, bounds how many writes a
// second one connection commits. The group committer lets writes that
// arrive together share one commit: a single goroutine owns the write
// connection, takes every write waiting at that moment (up to
// maxGroupCommit), runs each inside its own SAVEPOINT of one transaction —
// a write that fails is rolled back to its savepoint alone — and commits
// once. A caller hears of success only after that commit, so what it was
// told is committed is on disk, exactly as with a transaction of its own.
// Nothing waits for company: a write that arrives alone is committed alone,
// so an idle server's latency does not change.
//
// When the shared commit itself fails, or a write's failure took the whole
// transaction with it (SQLite rolls back everything when a statement is
// interrupted), the writes of the group that had not failed on their own
// run again one by one, each in a transaction of its own, as write always
// did; fn must therefore keep no state between calls, which write already
// requires.
//
// Inside a group a write's statements run with its context's values but
// without its cancellation (see conn.ctx): an interrupted statement would
// roll back the writes of the others too. A write whose context ended
// before its turn does not run.
const maxGroupCommit = 64

// writeRequest is one write waiting for the committer.
type writeRequest struct {
	ctx  context.Context
	fn   func(c *conn) error
	done chan writeResult
}

// writeResult is what the committer reports back: the write's error, a
// panic to re-raise in the caller, and, on success, the functions to run
// after the commit.
type writeResult struct {
	err   error
	panic any
	after []func()
}

// groupCommitter owns SQLite's single write connection.
type groupCommitter struct {
	s        *Store
	requests chan *writeRequest
	quit     chan struct{}
	stopped  sync.WaitGroup
	stopOnce sync.Once
	// commits and writes count the transactions committed and the writes
	// they held; writes/commits is the mean group size.
	commits, writes atomic.Int64
}

func newGroupCommitter(s *Store) *groupCommitter {
	g := &groupCommitter{s: s, requests: make(chan *writeRequest), quit: make(chan struct{})}
	g.stopped.Add(1)
	go g.loop()
	return g
}

// errStoreClosed answers writes that arrive after Close.
var errStoreClosed = errors.New("store: closed")

// do runs fn as one write and returns once it is committed or failed.
func (g *groupCommitter) do(ctx context.Context, fn func(c *conn) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case g.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.quit:
		return errStoreClosed
	}
	// Once handed over, the write is waited for even if ctx ends: the
	// committer may be committing it, and the caller must not be told
	// "cancelled" about a write that is on disk.
	res := <-req.done
	if res.panic != nil {
		panic(res.panic)
	}
	if res.err != nil {
		return res.err
	}
	for _, f := range res.after {
		f()
	}
	return nil
}

// close stops the committer after the group it is running.
func (g *groupCommitter) close() {
	g.stopOnce.Do(func() { close(g.quit) })
	g.stopped.Wait()
}

func (g *groupCommitter) loop() {
	defer g.stopped.Done()
	for {
		var first *writeRequest
		select {
		case first = <-g.requests:
		case <-g.quit:
			return
		}
		group := []*writeRequest{first}
	gather:
		for len(group) < maxGroupCommit {
			select {
			case r := <-g.requests:
				group = append(group, r)
			default:
				break gather
			}
		}
		g.run(group)
	}
}

// run commits a group: alone when it is one write, together otherwise.
func (g *groupCommitter) run(group []*writeRequest) {
	// No transaction holds the connection now: prepare the statements the
	// last writes asked for (stmtcache.go).
	if g.s.writeStmts != nil {
		g.s.writeStmts.prepareWanted(context.Background())
	}
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- writeResult{err: err}
			continue
		}
		live = append(live, r)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		g.alone(live[0])
		return
	}
	for _, r := range g.together(live) {
		g.alone(r)
	}
}

// alone runs one write in a transaction of its own, with write's retries.
func (g *groupCommitter) alone(r *writeRequest) {
	var res writeResult
	func() {
		defer func() {
			if p := recover(); p != nil {
				res = writeResult{panic: p}
			}
		}()
		var after []func()
		err := g.s.retryWrite(r.ctx, func(ctx context.Context) error {
			var err error
			after, err = g.s.writeOnce(ctx, r.fn)
			return err
		})
		res = writeResult{err: err, after: after}
		if err == nil {
			g.commits.Add(1)
			g.writes.Add(1)
		}
	}()
	r.done <- res
}

// together runs the group in one transaction, each write in a savepoint,
// and reports to every write whose outcome is settled. It returns the
// writes that must run again alone: all that had not failed on their own
// when the shared transaction failed, and any that lost a race.
func (g *groupCommitter) together(group []*writeRequest) []*writeRequest {
	const (
		again = iota // not run, or its work was lost: run it alone
		ran          // ran inside the transaction; committed with it
		final        // failed on its own; results holds the answer
	)
	s := g.s
	// The transaction is the committer's, not any caller's: one caller
	// going away must not roll back the others.
	tx, err := s.writeDB.BeginTx(context.Background(), nil)
	if err != nil {
		return group
	}
	state := make([]int, len(group))
	results := make([]writeResult, len(group))
	broken := false
	for i, r := range group {
		ctx := context.WithoutCancel(r.ctx)
		if _, err := tx.ExecContext(ctx, "SAVEPOINT cairn_write"); err != nil {
			broken = true
			break
		}
		c := &conn{q: tx, tx: tx, d: s.dialect, s: s, inTx: true, stmtCtx: ctx, stmts: s.writeStmts}
		panicked, err := callWrite(r.fn, c)
		if err == nil && panicked == nil {
			if _, err := tx.ExecContext(ctx, "RELEASE cairn_write"); err != nil {
				broken = true
				break
			}
			state[i], results[i] = ran, writeResult{after: c.afterFn}
			continue
		}
		switch {
		case panicked != nil:
			state[i], results[i] = final, writeResult{panic: panicked}
		case !isRetryable(err):
			state[i], results[i] = final, writeResult{err: err}
		}
		// Undo the failed write alone. If that is impossible, its failure
		// ended the transaction, and the others' work with it.
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO cairn_write"); err != nil {
			broken = true
			break
		}
		if _, err := tx.ExecContext(ctx, "RELEASE cairn_write"); err != nil {
			broken = true
			break
		}
	}
	if broken {
		_ = tx.Rollback()
	} else if err := tx.Commit(); err != nil {
		broken = true
	} else {
		g.commits.Add(1)
		for i := range group {
			if state[i] == ran {
				g.writes.Add(1)
			}
		}
	}
	var redo []*writeRequest
	for i, r := range group {
		switch {
		case state[i] == final, state[i] == ran && !broken:
			r.done <- results[i]
		default:
			redo = append(redo, r)
		}
	}
	return redo
}

// callWrite runs fn, turning a panic into a value for the caller.
func callWrite(fn func(c *conn) error, c *conn) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
			if panicked == nil {
				panicked = fmt.Errorf("write panicked with nil")
			}
		}
	}()
	return nil, fn(c)
}

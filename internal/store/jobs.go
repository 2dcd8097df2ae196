package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The states of a scheduled occurrence (job_runs.state).
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// JobRun is one occurrence of a recurring scheduler step.
type JobRun struct {
	Key        string
	State      string
	Owner      string
	Attempts   int
	LeaseUntil time.Time
	LastError  string
	StartedAt  time.Time
	FinishedAt *time.Time
}

// ClaimJob claims the occurrence key for owner until now+lease. It succeeds
// when nobody has claimed the key yet, or when its last claim is still
// running but its lease ran out (the runner crashed or gave up). A key that
// is done or failed is never claimed again. attempts is the claim's number
// (1 for the first). Concurrent claims of one key, from any number of
// instances on one database, give it to exactly one of them.
func (s *Store) ClaimJob(ctx context.Context, key, owner string, lease time.Duration) (claimed bool, attempts int, err error) {
	if key == "" || owner == "" {
		return false, 0, errors.New("claim job: empty key or owner")
	}
	err = s.write(ctx, func(c *conn) error {
		now := s.now()
		until := ms(now.Add(lease))
		res, err := c.exec(ctx, `INSERT INTO job_runs (key, state, owner, attempts, lease_until, started_at)
			VALUES (?, 'running', ?, 1, ?, ?)
			ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, attempts = job_runs.attempts + 1,
				lease_until = excluded.lease_until, started_at = excluded.started_at
			WHERE job_runs.state = 'running' AND job_runs.lease_until < ?`,
			key, owner, until, ms(now), ms(now))
		if err != nil {
			return fmt.Errorf("claim job %s: %w", key, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			claimed = false
			return nil
		}
		claimed = true
		return c.queryRow(ctx, `SELECT attempts FROM job_runs WHERE key = ?`, key).Scan(&attempts)
	})
	return claimed, attempts, err
}

// FinishJob records how owner's claim of key ended: done when runErr is
// nil. A failed run stays 'running' with its lease moved to retryAt, so
// that any instance retries it then; after maxAttempts it is 'failed' for
// good. A claim that owner no longer holds (another instance took it over)
// changes nothing.
func (s *Store) FinishJob(ctx context.Context, key, owner string, runErr error, retryAt time.Time, maxAttempts int) error {
	return s.write(ctx, func(c *conn) error {
		now := ms(s.now())
		var err error
		if runErr == nil {
			_, err = c.exec(ctx, `UPDATE job_runs SET state = 'done', finished_at = ?, last_error = ''
				WHERE key = ? AND owner = ? AND state = 'running'`, now, key, owner)
		} else {
			msg := truncate(runErr.Error(), 2000)
			_, err = c.exec(ctx, `UPDATE job_runs SET last_error = ?, lease_until = ?,
					state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'running' END,
					finished_at = CASE WHEN attempts >= ? THEN ? ELSE finished_at END
				WHERE key = ? AND owner = ? AND state = 'running'`,
				msg, ms(retryAt), maxAttempts, maxAttempts, now, key, owner)
		}
		if err != nil {
			return fmt.Errorf("finish job %s: %w", key, err)
		}
		return nil
	})
}

// JobRunByKey returns the occurrence key's run; ENOTFOUND-free: nil, nil
// when it never ran.
func (s *Store) JobRunByKey(ctx context.Context, key string) (*JobRun, error) {
	runs, err := s.loadJobRuns(ctx, `WHERE key = ?`, key)
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	return runs[0], nil
}

// JobRuns lists the occurrences whose key starts with prefix ("" for all),
// newest first, at most limit.
func (s *Store) JobRuns(ctx context.Context, prefix string, limit int) ([]*JobRun, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.loadJobRuns(ctx, `WHERE substr(key, 1, ?) = ? ORDER BY started_at DESC, key LIMIT ?`, len(prefix), prefix, limit)
}

func (s *Store) loadJobRuns(ctx context.Context, where string, args ...any) ([]*JobRun, error) {
	rows, err := s.read().query(ctx, `SELECT key, state, owner, attempts, lease_until, last_error, started_at, finished_at
		FROM job_runs `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list job runs: %w", err)
	}
	defer rows.Close()
	var out []*JobRun
	for rows.Next() {
		var j JobRun
		var lease, started int64
		var finished sql.NullInt64
		if err := rows.Scan(&j.Key, &j.State, &j.Owner, &j.Attempts, &lease, &j.LastError, &started, &finished); err != nil {
			return nil, err
		}
		j.LeaseUntil, j.StartedAt = fromMS(lease), fromMS(started)
		if finished.Valid {
			t := fromMS(finished.Int64)
			j.FinishedAt = &t
		}
		out = append(out, &j)
	}
	return out, rows.Err()
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

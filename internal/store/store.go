// Package store implements Cairn's services on database/sql for SQLite (the
// default, one file, pure Go) and PostgreSQL (pgx). Both run the same SQL,
// written by hand beside the method that runs it; dialect.go holds every
// difference. Every write runs in one transaction through Store.write.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/netguard"
)

// Store is the database behind Cairn. It is safe for concurrent use.
type Store struct {
	dialect dialect
	// writeDB runs every write transaction. On SQLite it holds a single
	// connection whose transactions begin IMMEDIATE, so writers queue in Go
	// instead of failing with "database is locked".
	writeDB *sql.DB
	// readDB serves reads; on PostgreSQL it is the same pool as writeDB.
	readDB *sql.DB
	// committer runs SQLite's writes, letting those that arrive together
	// share a commit (groupcommit.go); nil on PostgreSQL.
	committer *groupCommitter
	// writeStmts and readStmts cache SQLite's prepared statements
	// (stmtcache.go); nil on PostgreSQL. With :memory: both are the one
	// pool's.
	writeStmts, readStmts *stmtCache

	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Location is the time zone dates are computed in ("today").
	Location *time.Location
	// Logger receives slow-query and retry messages.
	Logger *slog.Logger
	// OnChange, when set, is called after a committed change that can alter
	// a group's plan (an issue created, changed or deleted, time off, the
	// parking lot, an import), with the group's id. It runs on the writer's
	// goroutine, so it must only take note and return.
	OnChange func(groupID int64)
	// BaseURL is Cairn's external URL ("https://cairn.example.com"), for
	// the links in webhook payloads, which are built when a change is
	// written and not in answer to a request.
	BaseURL string
	// OnDelivery, when set, is called after a committed transaction put
	// deliveries (webhook calls, e-mails) in the outbox, so that the outbox
	// worker sends them at once instead of at its next poll. It runs on the
	// writer's goroutine, so it must only take note and return.
	OnDelivery func()
	// EmailEnabled makes Notify put an e-mail in the outbox beside its
	// to-dos. `cairn serve` sets it when SMTP is configured; without a
	// mail server to send them, e-mails would only pile up.
	EmailEnabled bool
	// WebhookNetworks are the non-public networks webhooks may call
	// (--webhook-allow-networks); nil allows public addresses only. A hook
	// URL whose host is a literal address outside them is refused when it
	// is added or changed; the sender checks every address it dials.
	WebhookNetworks *netguard.Policy
}

// Options configure Open.
type Options struct {
	Logger *slog.Logger
	// MaxReadConns bounds the read pool (default: 4 × CPUs, at least 8).
	MaxReadConns int
	// SkipMigrate leaves the schema as it is (for `cairn migrate --status`).
	SkipMigrate bool
}

// Open opens the database named by dsn and applies pending migrations.
// dsn is a PostgreSQL URL ("postgres://…" or "postgresql://…"), an SQLite
// URL ("sqlite:/path/cairn.db", "sqlite::memory:"), or a plain file path.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxReadConns == 0 {
		opts.MaxReadConns = max(8, 4*runtime.NumCPU())
	}
	s := &Store{Now: time.Now, Location: time.UTC, Logger: opts.Logger}
	var err error
	if isPostgres(dsn) {
		s.dialect = dialectPostgres
		s.writeDB, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.writeDB.SetMaxOpenConns(max(16, opts.MaxReadConns))
		s.writeDB.SetMaxIdleConns(max(16, opts.MaxReadConns))
		s.writeDB.SetConnMaxIdleTime(5 * time.Minute)
		s.readDB = s.writeDB
	} else {
		s.dialect = dialectSQLite
		path, err := sqlitePath(dsn)
		if err != nil {
			return nil, err
		}
		if path != ":memory:" {
			if dir := filepath.Dir(path); dir != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, fmt.Errorf("create database folder: %w", err)
				}
			}
		}
		if s.writeDB, err = sql.Open("sqlite", sqliteDSN(path, "immediate")); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		s.writeDB.SetMaxOpenConns(1)
		s.writeDB.SetMaxIdleConns(1)
		s.writeDB.SetConnMaxLifetime(0)
		if path == ":memory:" {
			// Every connection to :memory: is its own database: share the one.
			s.readDB = s.writeDB
		} else {
			if s.readDB, err = sql.Open("sqlite", sqliteDSN(path, "deferred")); err != nil {
				s.writeDB.Close()
				return nil, fmt.Errorf("open sqlite: %w", err)
			}
			s.readDB.SetMaxOpenConns(opts.MaxReadConns)
			s.readDB.SetMaxIdleConns(opts.MaxReadConns)
		}
	}
	if s.dialect.name == "sqlite" && s.readDB != s.writeDB {
		path, _ := sqlitePath(dsn)
		unlock, err := lockFile(path + ".lock")
		if err != nil {
			s.Close()
			return nil, err
		}
		defer unlock()
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.writeDB.PingContext(pingCtx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s database: %w", s.dialect.name, err)
	}
	if !opts.SkipMigrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if s.dialect.name == "sqlite" {
		s.analyze(ctx)
		s.writeStmts = newStmtCache(s.writeDB)
		s.readStmts = s.writeStmts
		if s.readDB != s.writeDB {
			s.readStmts = newStmtCache(s.readDB)
		}
		s.committer = newGroupCommitter(s)
	}
	return s, nil
}

// sqliteOptimize refreshes SQLite's query planner statistics
// (sqlite_stat1) for the tables that have none or have grown or shrunk a
// lot since, with a bounded sample, as SQLite recommends at connection
// open; it does nothing (0.3 ms) when they are current. PostgreSQL's
// autovacuum keeps its own.
const sqliteOptimize = "PRAGMA optimize=0x10002"

// analyze runs sqliteOptimize before the store serves, so that every read
// connection, which loads the statistics when it opens, plans with them.
// Without statistics SQLite walks a whole index for "milestone IN (…) OR
// milestone IS NULL", which a plan asks for: 14 instead of 5 ms for the
// labels of a 100,000-issue group's open issues. A failure is logged, not
// fatal: the statistics only steer the planner.
func (s *Store) analyze(ctx context.Context) {
	start := time.Now()
	if _, err := s.writeDB.ExecContext(ctx, sqliteOptimize); err != nil {
		s.Logger.Warn("refresh query planner statistics", "err", err)
		return
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		s.Logger.Info("refreshed query planner statistics", "took", took.Round(time.Millisecond))
	}
}

// refreshStatistics brings the planner's statistics up to date after a
// bulk change: sqliteOptimize on SQLite (through the writer, which readers
// opened later see), ANALYZE of the store's own tables on PostgreSQL (only
// those of its schema, not the whole database).
func (s *Store) refreshStatistics(ctx context.Context) error {
	if s.dialect.name == "sqlite" {
		err := s.write(ctx, func(c *conn) error {
			_, err := c.exec(ctx, sqliteOptimize)
			return err
		})
		if err != nil {
			return fmt.Errorf("refresh planner statistics: %w", err)
		}
		return nil
	}
	rows, err := s.read().query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
	if err != nil {
		return fmt.Errorf("list tables to analyze: %w", err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return fmt.Errorf("list tables to analyze: %w", err)
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list tables to analyze: %w", err)
	}
	rows.Close()
	for _, t := range tables {
		if _, err := s.writeDB.ExecContext(ctx, `ANALYZE "`+strings.ReplaceAll(t, `"`, `""`)+`"`); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// RedactDSN hides the password of a database URL before it is printed.
func RedactDSN(dsn string) string {
	at := strings.LastIndexByte(dsn, '@')
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + user + ":xxxxx" + dsn[at:]
	}
	return dsn
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqlitePath returns the file path of an SQLite DSN.
func sqlitePath(dsn string) (string, error) {
	p := dsn
	switch {
	case strings.HasPrefix(p, "sqlite://"):
		p = strings.TrimPrefix(p, "sqlite://")
	case strings.HasPrefix(p, "sqlite:"):
		p = strings.TrimPrefix(p, "sqlite:")
	case strings.HasPrefix(p, "file:"):
		p = strings.TrimPrefix(p, "file:")
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "", cairn.Errorf(cairn.EINVALID, "no database file given; use --db cairn.db or a postgres:// URL")
	}
	return p, nil
}

// sqliteDSN builds the modernc DSN. The busy timeout comes first so that it
// is in force before the other pragmas touch the file; synchronous=FULL
// makes every commit durable before it is acknowledged.
func sqliteDSN(path, txlock string) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(FULL)")
	v.Add("_pragma", "foreign_keys(1)")
	v.Add("_txlock", txlock)
	v.Add("_time_format", "sqlite")
	return "file:" + path + "?" + v.Encode()
}

// Close closes the database.
func (s *Store) Close() error {
	if s.committer != nil {
		s.committer.close()
	}
	for _, c := range []*stmtCache{s.readStmts, s.writeStmts} {
		if c != nil {
			c.close()
		}
	}
	var err error
	if s.readDB != nil && s.readDB != s.writeDB {
		err = s.readDB.Close()
	}
	if s.writeDB != nil {
		err = errors.Join(err, s.writeDB.Close())
	}
	return err
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name }

// Ping checks that the database answers (for /-/readiness).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writeDB.PingContext(ctx); err != nil {
		return &cairn.Error{Code: cairn.EUNAVAILABLE, Message: "database unavailable"}
	}
	return nil
}

// Today returns the current date in the store's location.
func (s *Store) Today() string { return s.Now().In(s.Location).Format(cairn.DateLayout) }

// now returns the current time truncated to milliseconds, the precision of
// every stored time.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// ms converts a time to stored milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored milliseconds to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS converts nullable stored milliseconds.
func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// orNow returns t truncated to milliseconds, or now when t is zero.
func (s *Store) orNow(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return t.UTC().Truncate(time.Millisecond)
}

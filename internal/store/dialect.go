package store

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds every difference between SQLite and PostgreSQL that the
// store's SQL meets. Queries are written once with "?" placeholders.
type dialect struct {
	name string
	// forUpdate locks the selected rows until the transaction ends. SQLite
	// needs none: its write transactions begin IMMEDIATE and so hold the
	// database's write lock already.
	forUpdate string
	// skipLocked ends a FOR UPDATE that passes over rows another
	// transaction holds (outbox workers on several instances).
	skipLocked string
	rebind     func(string) string
}

var (
	dialectSQLite   = dialect{name: "sqlite", forUpdate: "", rebind: func(q string) string { return q }}
	dialectPostgres = dialect{name: "postgres", forUpdate: " FOR UPDATE", skipLocked: " FOR UPDATE SKIP LOCKED", rebind: rebindDollar}
)

var rebindCache sync.Map // query → rewritten query

// rebindDollar rewrites "?" placeholders to "$1", "$2", … for PostgreSQL,
// leaving question marks inside quoted strings alone.
func rebindDollar(q string) string {
	if v, ok := rebindCache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	// Queries built with a variable number of placeholders would fill the
	// cache without bound; cache only the short, fixed ones.
	if len(q) < 4096 && strings.Count(q, "?") < 32 {
		rebindCache.Store(q, out)
	}
	return out
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key violation.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// isRetryable reports whether a transaction failed only because of a
// concurrent one and can run again: a PostgreSQL serialization failure or
// deadlock, or SQLite still busy after its timeout.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// isUnavailable reports whether err means the database cannot be reached
// (see IsUnavailable).
func isUnavailable(err error) bool { return IsUnavailable(err) }

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// int64Args converts ids to query arguments.
func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

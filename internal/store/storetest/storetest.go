// Package storetest opens real databases for tests: a fresh SQLite file in
// t.TempDir(), and a fresh schema on a real PostgreSQL server.
//
// PostgreSQL is found through CAIRN_TEST_POSTGRES (a postgres:// URL). When
// it is set, a server that cannot be reached fails the test. When it is not
// set, the local default (postgres://postgres@127.0.0.1:5432/postgres) is
// tried once; if nothing answers there, PostgreSQL tests are skipped with a
// message that says how to run them. CAIRN_TEST_POSTGRES=off skips them.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/cairnhq/cairn/internal/store"
)

// EnvPostgres names the environment variable with the PostgreSQL test URL.
const EnvPostgres = "CAIRN_TEST_POSTGRES"

const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Dialects are the databases every storage test runs on.
var Dialects = []string{"sqlite", "postgres"}

// Each runs fn once per database as subtests named "sqlite" and "postgres",
// each with a fresh, migrated, empty store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated store of the dialect ("sqlite" or
// "postgres"), closed and removed when the test ends.
func Open(tb testing.TB, dialect string) *store.Store {
	tb.Helper()
	dsn := DSN(tb, dialect)
	s, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		tb.Fatalf("open %s store: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// DSN returns the connection string of a fresh, empty database of the
// dialect, removed when the test ends; for PostgreSQL a new schema.
func DSN(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return "sqlite:" + filepath.Join(tb.TempDir(), "cairn.db")
	case "postgres":
		base := PostgresURL(tb)
		schema := "t_" + randomHex(8)
		admin := adminDB(tb, base)
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			tb.Fatalf("create test schema: %v", err)
		}
		tb.Cleanup(func() {
			if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
				tb.Logf("drop test schema %s: %v", schema, err)
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatalf("parse %s: %v", EnvPostgres, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

var (
	probeOnce   sync.Once
	probeURL    string
	probeErr    error
	probeForced bool

	adminMu  sync.Mutex
	adminDBs = map[string]*sql.DB{}
)

// PostgresURL returns the PostgreSQL server URL for tests, or skips the test
// (or fails it, when CAIRN_TEST_POSTGRES is set but unreachable).
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	probeOnce.Do(func() {
		env := os.Getenv(EnvPostgres)
		if env == "off" {
			probeErr = fmt.Errorf("%s=off", EnvPostgres)
			return
		}
		probeURL, probeForced = env, env != ""
		if probeURL == "" {
			probeURL = defaultPostgres
		}
		db, err := sql.Open("pgx", probeURL)
		if err != nil {
			probeErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		probeErr = db.PingContext(ctx)
	})
	if probeErr != nil {
		if probeForced {
			tb.Fatalf("PostgreSQL at %s=%s cannot be reached: %v", EnvPostgres, probeURL, probeErr)
		}
		tb.Skipf("PostgreSQL tests skipped: no server answered at %s (%v); set %s=postgres://user@host:5432/db?sslmode=disable to run them", defaultPostgres, probeErr, EnvPostgres)
	}
	return probeURL
}

func adminDB(tb testing.TB, base string) *sql.DB {
	adminMu.Lock()
	defer adminMu.Unlock()
	if db, ok := adminDBs[base]; ok {
		return db
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	db.SetMaxOpenConns(4)
	adminDBs[base] = db
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

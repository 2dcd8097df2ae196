package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"Nil", nil, false},
		{"Plain", errors.New("boom"), false},
		{"NoRows", fmt.Errorf("issue: %w", sql.ErrNoRows), false},
		{"CodeUnavailable", &cairn.Error{Code: cairn.EUNAVAILABLE}, true},
		{"CodeNotFound", fmt.Errorf("load: %w", cairn.NotFound("Issue")), false},
		{"Canceled", fmt.Errorf("list: %w", context.Canceled), false},
		{"DeadlineExceeded", context.DeadlineExceeded, false},
		{"ConnectionFailure08006", &pgconn.PgError{Code: "08006"}, true},
		{"ConnectionException08000", fmt.Errorf("query: %w", &pgconn.PgError{Code: "08000"}), true},
		{"AdminShutdown57P01", fmt.Errorf("list issues: %w", &pgconn.PgError{Code: "57P01", Severity: "FATAL"}), true},
		{"CrashShutdown57P02", &pgconn.PgError{Code: "57P02"}, true},
		{"CannotConnectNow57P03", &pgconn.PgError{Code: "57P03"}, true},
		{"IdleSessionTimeout57P05", &pgconn.PgError{Code: "57P05"}, true},
		{"DatabaseDropped57P04", &pgconn.PgError{Code: "57P04"}, false},
		{"QueryCanceled57014", &pgconn.PgError{Code: "57014"}, false},
		{"UniqueViolation", &pgconn.PgError{Code: "23505"}, false},
		{"SerializationFailure", &pgconn.PgError{Code: "40001"}, false},
		{"UndefinedTable", &pgconn.PgError{Code: "42P01"}, false},
		{"BadConn", fmt.Errorf("user by token: %w", driver.ErrBadConn), true},
		{"ConnClosed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"UnexpectedEOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"Refused", fmt.Errorf("connect: %w", refused), true},
		{"Reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"BrokenPipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"RefusedAsText", errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.IsUnavailable(tc.err); got != tc.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestUnavailableRealErrors checks the errors the PostgreSQL driver really
// returns: a server that does not listen, and a connection the server
// ends (as it does to every connection when it shuts down). The store
// recovers from the latter without help.
func TestUnavailableRealErrors(t *testing.T) {
	storetest.PostgresURL(t) // skips, or fails, without a server
	ctx := context.Background()

	t.Run("ConnectRefused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = store.Open(ctx, "postgres://postgres@"+addr+"/postgres?sslmode=disable&connect_timeout=5", store.Options{})
		if err == nil {
			t.Fatalf("opened a store on %s, where nothing listens", addr)
		}
		if !store.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = false", err)
		}
	})

	t.Run("TerminatedConnection", func(t *testing.T) {
		s := storetest.Open(t, "postgres")
		var ok bool
		err := s.RawQueryRowForTest(ctx, "SELECT pg_terminate_backend(pg_backend_pid())").Scan(&ok)
		if err == nil {
			t.Fatal("the connection survived its own termination")
		}
		if !store.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = false", err)
		}
		// The pool drops the dead connection and dials a new one.
		for i := range 3 {
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("ping %d after the termination: %v", i+1, err)
			}
			if _, _, err := s.ListGroups(ctx, cairn.GroupFilter{Admin: true}); err != nil {
				t.Fatalf("query %d after the termination: %v", i+1, err)
			}
		}
	})
}

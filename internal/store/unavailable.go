package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cairnhq/cairn"
)

// RetryAfterSeconds is what the API and the pages put in the Retry-After
// header of a 503 for an unavailable database: a restarting PostgreSQL is
// usually back within seconds, and database/sql reconnects by itself.
const RetryAfterSeconds = 5

// IsUnavailable reports whether err, returned by a store method, means
// that the database could not be reached or dropped the connection (it is
// down, restarting or shutting down) rather than that the request was
// wrong: an EUNAVAILABLE *cairn.Error; a PostgreSQL connection exception
// (SQLSTATE class 08), shutdown (57P01 admin_shutdown, 57P02
// crash_shutdown, 57P03 cannot_connect_now) or ended session (57P05); a
// failed connect; a
// connection the driver found broken (driver.ErrBadConn, pgconn's
// ErrConnClosed, an unexpected EOF); or a network error under them. The
// API and the pages answer these with 503 and Retry-After, so that
// clients and load balancers retry later, and Cairn itself needs no
// restart: the pool drops broken connections and dials anew.
//
// A cancelled or timed-out context is not unavailability: the client went
// away or the request ran too long.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *cairn.Error
	if errors.As(err, &ce) {
		return ce.Code == cairn.EUNAVAILABLE
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "57P05": // 57P05: idle_session_timeout
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08")
	}
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	// Some driver errors carry the cause as text only.
	s := err.Error()
	for _, m := range []string{"connection refused", "connection reset by peer", "broken pipe", "driver: bad connection", "unexpected EOF", "conn closed"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

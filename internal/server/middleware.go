package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/api"
	"github.com/cairnhq/cairn/internal/monitor"
)

func writeJSON(w http.ResponseWriter, status int, v any) { api.WriteJSON(w, status, v) }

// requestState is what the inner layers learn about a request for the
// access log, which runs outside them: the route pattern and the user.
type requestState struct {
	pattern string
	userID  int64
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	if st == nil {
		return &requestState{}
	}
	return st
}

// logger returns the request's logger (with its request id), or def.
func logger(r *http.Request, def *slog.Logger) *slog.Logger {
	if l := api.LoggerFromContext(r.Context()); l != nil {
		return l
	}
	return def
}

// maxRequestIDLen bounds a client-supplied request id, which goes into logs.
const maxRequestIDLen = 128

// validRequestID reports whether a client's X-Request-Id is safe to log and
// echo: printable ASCII without spaces, and not too long.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// remoteIP is the address of the request's peer, for the audit log. It is
// the connection's, not an X-Forwarded-For header's, which any client can
// write; behind a reverse proxy it is the proxy's.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestID gives every request an id: the client's X-Request-Id when it is
// sane, a new one otherwise. The id is echoed in the response and put on the
// request's logger, so one request's log lines can be found together.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := api.NewContextWithLogger(r.Context(), s.logger.With("request_id", id))
		ctx = context.WithValue(ctx, stateKey{}, &requestState{})
		ctx = cairn.NewContextWithClientIP(ctx, remoteIP(r))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusWriter records the status and size of a response for the access
// log and for panic recovery (which may only answer if nothing was sent).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs one line per request: method, route pattern, path, status,
// duration, size and user. Health probes and metrics scrapes log at debug
// level, as they come every few seconds.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		st := stateFrom(r.Context())
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		switch {
		case strings.HasPrefix(r.URL.Path, "/-/"), st.pattern == "GET "+monitor.Path:
			level = slog.LevelDebug
		case status >= 500:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("route", st.pattern),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int64("bytes", sw.bytes),
		}
		if st.userID != 0 {
			attrs = append(attrs, slog.Int64("user_id", st.userID))
		}
		logger(r, s.logger).LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// recoverPanic turns a panicking handler into a logged 500 with GitLab's
// body, so one bad request does not take the connection down silently.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p) // the server's own signal to drop the connection
			}
			logger(r, s.logger).Error("panic serving request", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if sw.status == 0 {
				writeJSON(sw, http.StatusInternalServerError, map[string]string{"message": "500 Internal Server Error"})
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody refuses bodies over the limit: at once when Content-Length says
// so, and while reading otherwise (handlers then get ETOOLARGE).
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBodyBytes {
			s.api.Error(w, r, &cairn.Error{Code: cairn.ETOOLARGE})
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r2 := *r
			r2.Body = http.MaxBytesReader(w, r.Body, s.maxBodyBytes)
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}

// tokenFrom returns the personal access token of a request: the
// PRIVATE-TOKEN header (any case), Authorization: Bearer, or the
// private_token or access_token query parameter.
func tokenFrom(r *http.Request) string {
	if t := r.Header.Get("Private-Token"); t != "" {
		return strings.TrimSpace(t)
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, t, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(t)
		}
	}
	q := r.URL.Query()
	if t := q.Get("private_token"); t != "" {
		return t
	}
	return q.Get("access_token")
}

// safeMethod reports whether a method only reads.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticate lets a request through only with a valid token, putting the
// user and the token in its context: 401 without one, 403 for a read_api
// token on a request that writes, 403 for a blocked user.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := tokenFrom(r)
		if secret == "" {
			s.api.Error(w, r, &cairn.Error{Code: cairn.EUNAUTHORIZED})
			return
		}
		u, tok, err := s.svc.UserByToken(r.Context(), secret)
		if err != nil {
			switch cairn.ErrorCode(err) {
			case cairn.EUNAUTHORIZED, cairn.ENOTFOUND:
				err = &cairn.Error{Code: cairn.EUNAUTHORIZED}
			}
			s.api.Error(w, r, err)
			return
		}
		stateFrom(r.Context()).userID = u.ID
		if u.State == "blocked" {
			s.api.Error(w, r, &cairn.Error{Code: cairn.EFORBIDDEN, Message: "Your account has been blocked."})
			return
		}
		if tok != nil && !tok.CanWrite() && !safeMethod(r.Method) {
			s.api.Error(w, r, &cairn.Error{Code: cairn.EFORBIDDEN})
			return
		}
		ctx := cairn.NewContextWithUser(r.Context(), u)
		if tok != nil {
			ctx = api.NewContextWithToken(ctx, tok)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// route records the matched route pattern for the access log and, with
// metrics on, counts and times the route's requests by that pattern.
func (s *Server) route(pattern string, next http.Handler) http.Handler {
	if s.metrics != nil {
		next = s.metrics.InstrumentRoute(pattern, next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stateFrom(r.Context()).pattern = pattern
		next.ServeHTTP(w, r)
	})
}

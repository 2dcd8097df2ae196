// Package cairn holds Cairn's domain: the types of a milestone-planning team
// (users, groups, projects, issues, labels, milestones, notes and their event
// history), the input structs with their validation, the service interfaces
// that storage implements, and the error codes every layer speaks.
//
// The package imports only the standard library. Storage lives in
// internal/store, HTTP in internal/server and internal/api.
package cairn

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Error codes. Each maps to one HTTP status in internal/api.
const (
	ECONFLICT     = "conflict"     // 409: the write clashes with existing data
	EINTERNAL     = "internal"     // 500: a bug or an unavailable dependency
	EINVALID      = "invalid"      // 400: the input is wrong
	ENOTFOUND     = "not_found"    // 404: no such thing, or not visible to the caller
	EFORBIDDEN    = "forbidden"    // 403: visible, but the caller may not do this
	EUNAUTHORIZED = "unauthorized" // 401: no or bad credentials
	EUNAVAILABLE  = "unavailable"  // 503: the database cannot be reached
	ETOOLARGE     = "too_large"    // 413: the request body is over the limit
)

// Error is an error a user should see: a code and a message written for that
// user. Fields holds per-field validation messages (GitLab's
// {"message":{"title":["can't be blank"]}}); Param names a missing request
// parameter (GitLab's {"error":"title is missing"}).
type Error struct {
	Code    string
	Message string
	Fields  map[string][]string
	Param   string
}

// Error returns the message.
func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+" "+strings.Join(e.Fields[k], ", "))
		}
		return strings.Join(parts, "; ")
	}
	return e.Code
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the ENOTFOUND error for a kind of thing ("Project",
// "Issue"); the API renders it as GitLab does: "404 Project Not Found".
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + " Not Found"}
}

// Missing returns the EINVALID error for a required parameter that was not
// given; the API renders it as {"error":"title is missing"}.
func Missing(param string) *Error {
	return &Error{Code: EINVALID, Param: param, Message: param + " is missing"}
}

// FieldError returns an EINVALID error with one message for one field, as
// GitLab reports model validation failures.
func FieldError(field, msg string) *Error {
	return &Error{Code: EINVALID, Fields: map[string][]string{field: {msg}}}
}

// ErrorCode returns the code of err if it is, or wraps, an *Error, and
// EINTERNAL otherwise (nil gives "").
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err, or a generic one for
// internal errors so that no internals leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "Internal server error"
}

type contextKey int

const userContextKey contextKey = iota

// NewContextWithUser returns a context carrying the acting user. Store methods
// record this user as the actor of the events they write.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey, u)
}

// UserFromContext returns the acting user, or nil for none.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey).(*User)
	return u
}

// UserIDFromContext returns the acting user's id, or 0 for none.
func UserIDFromContext(ctx context.Context) int64 {
	if u := UserFromContext(ctx); u != nil {
		return u.ID
	}
	return 0
}

// DateLayout is the layout of calendar dates ("2026-07-22").
const DateLayout = "2006-01-02"

// ValidDate reports whether s is a calendar date in DateLayout.
func ValidDate(s string) bool {
	if len(s) != len(DateLayout) {
		return false
	}
	_, err := time.Parse(DateLayout, s)
	return err == nil
}

// Opt is an optional, nullable update field: Set says the caller gave it,
// and a nil Value then means "clear it".
type Opt[T any] struct {
	Set   bool
	Value *T
}

// SetTo returns an Opt that sets v.
func SetTo[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: &v} }

// Clear returns an Opt that clears the field.
func Clear[T any]() Opt[T] { return Opt[T]{Set: true} }

// MaxPerPage is the largest page size the API serves, as GitLab.
const MaxPerPage = 100

// MaxPage is the highest page number served: a larger one is served as
// this one (an empty page past the end), so that page × per_page cannot
// overflow into a negative offset, which PostgreSQL refuses.
const MaxPage = 1_000_000

// MaxCountedTotal is the number of results above which list totals are not
// counted (GitLab omits X-Total beyond 10,000 for the same reason: counting
// a huge result costs more than the page).
const MaxCountedTotal = 10000

// Page selects one page of a list: Page from 1, PerPage up to MaxPerPage.
type Page struct {
	Page    int
	PerPage int
}

// Normalize applies the defaults (page 1, 20 per page) and the limits.
func (p Page) Normalize() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Page > MaxPage {
		p.Page = MaxPage
	}
	if p.PerPage < 1 {
		p.PerPage = 20
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

// Offset returns the number of rows before the page.
func (p Page) Offset() int { p = p.Normalize(); return (p.Page - 1) * p.PerPage }

// Total is a list's result count; Capped says there are more than
// MaxCountedTotal and Count is not exact.
type Total struct {
	Count  int
	Capped bool
}

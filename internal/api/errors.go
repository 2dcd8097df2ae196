package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

// Error writes err as GitLab does: the status its code maps to and GitLab's
// body for it (see ErrorBody). An unreachable database answers 503 with
// Retry-After. Other errors without a code are bugs the client cannot act
// on: they are logged with the request's logger and answer a bare 500, so
// that no internals leak.
func (a *API) Error(w http.ResponseWriter, r *http.Request, err error) {
	status, body := ErrorBody(err)
	switch {
	case status == http.StatusInternalServerError && errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer and nothing is broken.
		a.log(r).Info("request canceled", "err", err)
	case status == http.StatusServiceUnavailable:
		// The database is down or restarting: the client is to come back
		// soon, and the pool reconnects by itself.
		w.Header().Set("Retry-After", strconv.Itoa(store.RetryAfterSeconds))
		a.log(r).Warn("database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	case status >= 500:
		a.log(r).Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, body)
}

// ErrorBody maps err to an HTTP status and GitLab's error body. It is the
// one place that turns *cairn.Error codes into HTTP:
//
//	ENOTFOUND      404 {"message":"404 Project Not Found"}
//	EINVALID       400 {"error":"title is missing"} when Param is set,
//	               {"message":{"title":["can't be blank"]}} when Fields are,
//	               {"message":"…"} otherwise
//	EUNAUTHORIZED  401 {"message":"401 Unauthorized"}
//	EFORBIDDEN     403 {"message":"403 Forbidden"}
//	ECONFLICT      409 {"message":"…"}
//	ETOOLARGE      413 {"message":"413 Request Entity Too Large"}
//	EUNAVAILABLE   503 {"message":"503 Service Unavailable"}, also for a
//	               database that cannot be reached (store.IsUnavailable)
//	anything else  500 {"message":"500 Internal Server Error"}
func ErrorBody(err error) (int, any) {
	var e *cairn.Error
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, message("413 Request Entity Too Large")
	}
	if store.IsUnavailable(err) {
		return http.StatusServiceUnavailable, message("503 Service Unavailable")
	}
	if !errors.As(err, &e) {
		return http.StatusInternalServerError, message("500 Internal Server Error")
	}
	switch e.Code {
	case cairn.ENOTFOUND:
		if e.Message == "" {
			return http.StatusNotFound, message("404 Not Found")
		}
		return http.StatusNotFound, message("404 " + e.Message)
	case cairn.EINVALID:
		switch {
		case e.Param != "":
			msg := e.Message
			if msg == "" {
				msg = e.Param + " is invalid"
			}
			return http.StatusBadRequest, map[string]string{"error": msg}
		case len(e.Fields) > 0 && e.Message == "":
			return http.StatusBadRequest, map[string]any{"message": e.Fields}
		default:
			return http.StatusBadRequest, message(e.Error())
		}
	case cairn.EUNAUTHORIZED:
		return http.StatusUnauthorized, message("401 Unauthorized")
	case cairn.EFORBIDDEN:
		if e.Message != "" {
			return http.StatusForbidden, message("403 Forbidden - " + e.Message)
		}
		return http.StatusForbidden, message("403 Forbidden")
	case cairn.ECONFLICT:
		return http.StatusConflict, message(e.Error())
	case cairn.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, message("413 Request Entity Too Large")
	case cairn.EUNAVAILABLE:
		return http.StatusServiceUnavailable, message("503 Service Unavailable")
	}
	return http.StatusInternalServerError, message("500 Internal Server Error")
}

func message(s string) map[string]string { return map[string]string{"message": s} }

// errForbidden is the 403 for a caller who can see a thing but not change it.
var errForbidden = &cairn.Error{Code: cairn.EFORBIDDEN}

// invalidParam is the 400 {"error":"<name> is invalid"} for a bad value.
func invalidParam(name string) error {
	return &cairn.Error{Code: cairn.EINVALID, Param: name, Message: name + " is invalid"}
}

// invalidValue is the 400 {"error":"<name> does not have a valid value"}
// for a value outside a fixed set.
func invalidValue(name string) error {
	return &cairn.Error{Code: cairn.EINVALID, Param: name, Message: name + " does not have a valid value"}
}

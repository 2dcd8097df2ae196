package server

import "net/http"

// WithMiddleware wraps h in the middleware every request passes, so that
// tests can check it with handlers of their own (a panicking one).
func (s *Server) WithMiddleware(h http.Handler) http.Handler {
	return s.requestID(s.accessLog(s.recoverPanic(s.textURL(s.limitBody(h)))))
}

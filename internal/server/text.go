package server

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cairnhq/cairn"
)

// badText reports a string no text column can hold: PostgreSQL refuses NUL
// characters and invalid UTF-8.
func badText(s string) bool {
	return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0
}

// textURL refuses, with a 400, a request whose path or query decodes to
// something that is not text. Path segments and query values reach the
// database as names and filters (a group path, a label name, a search), and
// there such bytes are a database error, a 500, rather than a bad request.
// Bodies are checked by api.ParseParams.
func (s *Server) textURL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := badText(r.URL.Path)
		if !bad && r.URL.RawQuery != "" {
			// Pairs with bad escapes are dropped here as by every handler.
			q, _ := url.ParseQuery(r.URL.RawQuery)
		check:
			for k, vs := range q {
				if badText(k) {
					bad = true
					break
				}
				for _, v := range vs {
					if badText(v) {
						bad = true
						break check
					}
				}
			}
		}
		if bad {
			s.api.Error(w, r, cairn.Errorf(cairn.EINVALID, "400 Bad request - the URL must be UTF-8 text without NUL characters"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"
)

type nonceKey struct{}

// nonceFrom returns the request's CSP nonce ("" outside SecurityHeaders).
func nonceFrom(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey{}).(string)
	return n
}

// SecurityHeaders sets the headers every page gets: a Content-Security-
// Policy that allows scripts and styles only from the server itself (and
// the page's one nonce'd <style> element with label colours), no framing,
// no MIME sniffing, and no referrer outside the origin.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 16)
		_, _ = rand.Read(buf)
		nonce := base64.RawStdEncoding.EncodeToString(buf)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-"+nonce+"'; "+
			"img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "+
			"form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	})
}

// csrf refuses cross-origin state-changing browser requests (a form on
// another site posting to Cairn with the user's cookie), using the
// browser's Sec-Fetch-Site and Origin headers.
var csrf = http.NewCrossOriginProtection()

// protect wraps a page handler with CSRF protection and the form check.
func protect(h http.Handler) http.Handler { return csrf.Handler(textForm(h)) }

// textForm refuses, with the error page and 400, a form post whose fields
// are not text (invalid UTF-8 or NUL characters, which no database text
// column holds), before a handler reads them. Paths and queries are checked
// by the server for every request.
func textForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				http.Error(rw, "The form could not be read.", http.StatusBadRequest)
				return
			}
			for k, vs := range r.PostForm {
				for _, v := range append(vs, k) {
					if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
						http.Error(rw, "The form holds characters that are not text (NUL or invalid UTF-8).", http.StatusBadRequest)
						return
					}
				}
			}
		}
		next.ServeHTTP(rw, r)
	})
}

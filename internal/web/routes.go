package web

import (
	"net/http"
	"strconv"
)

// Register adds every page route to mux. wrap is applied to each handler
// (the server's route-pattern recording for the access log).
func (w *Web) Register(mux *http.ServeMux, wrap func(pattern string, h http.Handler) http.Handler) {
	// page registers a page for anyone; user for signed-in users only.
	// Every one passes the security headers, the session and CSRF checks.
	page := func(pattern string, h HandlerFunc) {
		mux.Handle(pattern, wrap(pattern, SecurityHeaders(w.sessions(protect(w.handle(h))))))
	}
	user := func(pattern string, h HandlerFunc) {
		mux.Handle(pattern, wrap(pattern, SecurityHeaders(w.sessions(protect(signedIn(w.handle(h)))))))
	}
	mux.Handle("GET /-/static/{path...}", wrap("GET /-/static/{path...}", w.assets))

	page("GET /{$}", w.home)
	page("GET /users/sign_in", w.signInForm)
	page("POST /users/sign_in", w.signIn)
	page("POST /users/sign_out", w.signOut)

	user("GET /dashboard", w.dashboard)
	user("GET /-/profile/personal_access_tokens", w.tokens)
	user("POST /-/profile/personal_access_tokens", w.createToken)
	user("POST /-/profile/personal_access_tokens/{id}/revoke", w.revokeToken)
}

// home serves GET /: the dashboard for the signed in, sign-in otherwise.
func (w *Web) home(rw http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) == nil {
		http.Redirect(rw, r, "/users/sign_in", http.StatusSeeOther)
		return nil
	}
	http.Redirect(rw, r, "/dashboard", http.StatusSeeOther)
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

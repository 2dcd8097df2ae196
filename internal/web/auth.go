package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "cairn_session"

type userKey struct{}

// userFrom returns the signed-in user, nil for none.
func userFrom(ctx context.Context) *cairn.User {
	u, _ := ctx.Value(userKey{}).(*cairn.User)
	return u
}

// sessions puts the session's user, if any, into the request context (as
// the API's user too, so that store writes record the actor).
func (w *Web) sessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err == nil && c.Value != "" {
			u, _, err := w.store.UserBySession(r.Context(), c.Value)
			switch {
			case err == nil:
				ctx := context.WithValue(r.Context(), userKey{}, u)
				r = r.WithContext(cairn.NewContextWithUser(ctx, u))
			case cairn.ErrorCode(err) == cairn.EUNAUTHORIZED:
				w.clearCookie(rw, r)
			default:
				w.fail(rw, r, err)
				return
			}
		}
		next.ServeHTTP(rw, r)
	})
}

// signedIn lets only signed-in users through; others go to the sign-in
// page and come back afterwards.
func signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if userFrom(r.Context()) == nil {
			http.Redirect(rw, r, signInURL(r), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(rw, r)
	})
}

// signInURL is the sign-in page that returns to r's page.
func signInURL(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.Path == "/" {
		return "/users/sign_in"
	}
	return "/users/sign_in?redirect_to=" + url.QueryEscape(r.URL.RequestURI())
}

// safeRedirect returns target if it is a path on this server, "/"
// otherwise (no open redirects to other sites).
func safeRedirect(target string) string {
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return "/"
	}
	return target
}

func (w *Web) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(w.baseURL, "https://")
}

func (w *Web) setCookie(rw http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(rw, &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/", HttpOnly: true, Secure: w.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(store.SessionLifetime / time.Second),
	})
}

func (w *Web) clearCookie(rw http.ResponseWriter, r *http.Request) {
	http.SetCookie(rw, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: w.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// signInPage is the data of the sign-in page.
type signInPage struct {
	Login      string
	RedirectTo string
}

// signInForm serves GET /users/sign_in.
func (w *Web) signInForm(rw http.ResponseWriter, r *http.Request) error {
	if userFrom(r.Context()) != nil {
		http.Redirect(rw, r, safeRedirect(r.URL.Query().Get("redirect_to")), http.StatusSeeOther)
		return nil
	}
	w.render(rw, r, http.StatusOK, "signin.html", &Page{Title: "Sign in", Data: signInPage{RedirectTo: r.URL.Query().Get("redirect_to")}})
	return nil
}

// signIn serves POST /users/sign_in: a new session for the right login and
// password; the same message for every failure; 429 when an account or
// an address tries too often.
func (w *Web) signIn(rw http.ResponseWriter, r *http.Request) error {
	login := strings.TrimSpace(r.PostFormValue("login"))
	password := r.PostFormValue("password")
	data := signInPage{Login: login, RedirectTo: r.PostFormValue("redirect_to")}
	ip := clientIP(r)
	if wait := w.limiter.blocked(login, ip, time.Now()); wait > 0 {
		rw.Header().Set("Retry-After", itoa(int(wait.Seconds())+1))
		w.render(rw, r, http.StatusTooManyRequests, "signin.html", &Page{Title: "Sign in", Data: data,
			Error: "Too many sign-in attempts. Wait " + wait.Round(time.Second).String() + " and try again."})
		return nil
	}
	u, err := w.store.Authenticate(r.Context(), login, password)
	if err != nil {
		if cairn.ErrorCode(err) != cairn.EUNAUTHORIZED {
			return err
		}
		w.limiter.failed(login, ip, time.Now())
		if err := w.store.RecordFailedSignIn(r.Context(), login, ip); err != nil {
			// The visitor's answer does not depend on the log.
			w.logger.Warn("audit failed sign-in", "err", err)
		}
		w.render(rw, r, http.StatusUnauthorized, "signin.html", &Page{Title: "Sign in", Data: data, Error: "Invalid login or password."})
		return nil
	}
	w.limiter.succeeded(login)
	// A session from before (another user, or a planted id) ends here.
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		_ = w.store.DeleteSession(r.Context(), c.Value)
	}
	// CreateSession records the sign-in in the audit log.
	secret, err := w.store.CreateSession(r.Context(), u.ID, r.UserAgent(), ip)
	if err != nil {
		return err
	}
	w.setCookie(rw, r, secret)
	w.logger.Info("signed in", "user", u.Username, "ip", ip)
	http.Redirect(rw, r, safeRedirect(data.RedirectTo), http.StatusSeeOther)
	return nil
}

// signOut serves POST /users/sign_out: the session ends on the server.
func (w *Web) signOut(rw http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := w.store.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	w.clearCookie(rw, r)
	http.Redirect(rw, r, "/users/sign_in", http.StatusSeeOther)
	return nil
}

// clientIP is the request's remote address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter slows down password guessing: after loginFreeAttempts
// failures within loginWindow, an account, or an address, must wait until
// the window has passed. It is per instance; behind several instances an
// attacker gets that many tries per instance, which still bounds guessing.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

const (
	loginFreeAttempts = 10
	loginWindow       = 5 * time.Minute
)

func newLoginLimiter() *loginLimiter { return &loginLimiter{failures: map[string][]time.Time{}} }

func (l *loginLimiter) keys(login, ip string) []string {
	return []string{"login:" + strings.ToLower(login), "ip:" + ip}
}

// blocked returns how long login from ip must wait; 0 for not at all.
func (l *loginLimiter) blocked(login, ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range l.keys(login, ip) {
		recent := l.prune(k, now)
		if len(recent) >= loginFreeAttempts {
			wait = max(wait, recent[0].Add(loginWindow).Sub(now))
		}
	}
	return wait
}

func (l *loginLimiter) failed(login, ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range l.keys(login, ip) {
		l.failures[k] = append(l.prune(k, now), now)
	}
	if len(l.failures) > 100_000 {
		// Bound memory under a spray of logins: forget everything old.
		for k := range l.failures {
			if len(l.prune(k, now)) == 0 {
				delete(l.failures, k)
			}
		}
	}
}

func (l *loginLimiter) succeeded(login string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "login:"+strings.ToLower(login))
}

// prune drops failures older than the window; the caller holds mu.
func (l *loginLimiter) prune(k string, now time.Time) []time.Time {
	list := l.failures[k]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= loginWindow {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.failures, k)
		return nil
	}
	l.failures[k] = list
	return list
}

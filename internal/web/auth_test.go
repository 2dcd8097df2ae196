package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSignInAndOut(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	u, err := s.st.UserByUsername(ctx, "emma")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.SetPassword(ctx, u.ID, "correct horse"); err != nil {
		t.Fatal(err)
	}
	anon := s.anonymous()

	// Pages need a session; the sign-in page brings you back.
	if p := anon.get("/dashboard"); p.Status != http.StatusSeeOther || p.Location != "/users/sign_in?redirect_to=%2Fdashboard" {
		t.Fatalf("dashboard without session: %d %q", p.Status, p.Location)
	}
	anon.get("/users/sign_in").want(t, http.StatusOK, `name="login"`, `name="password"`)

	for _, tc := range []struct {
		name, login, password string
		status                int
	}{
		{"wrong password", "emma", "nope", http.StatusUnauthorized},
		{"unknown user", "nobody", "correct horse", http.StatusUnauthorized},
		{"empty", "", "", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := anon.post("/users/sign_in", url.Values{"login": {tc.login}, "password": {tc.password}})
			p.want(t, tc.status, "Invalid login or password.")
		})
	}

	// A cross-site form post is refused before it is looked at.
	if p := anon.postFrom("/users/sign_in", "cross-site", url.Values{"login": {"emma"}, "password": {"correct horse"}}); p.Status != http.StatusForbidden {
		t.Fatalf("cross-site sign-in: %d", p.Status)
	}

	// Signing in redirects only to paths on this server.
	p := anon.post("/users/sign_in", url.Values{"login": {"emma"}, "password": {"correct horse"}, "redirect_to": {"//evil.example/x"}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		t.Fatalf("sign-in redirect: %d %q", p.Status, p.Location)
	}
	cookie := ""
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "cairn_session" {
			cookie = c.Raw
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	anon.get("/dashboard").want(t, http.StatusOK, "My work", "Code Creation")

	// Security headers on every page.
	h := anon.get("/dashboard").Header
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff")
	}

	// Signing out ends the session on the server: the old cookie is dead.
	if p := anon.post("/users/sign_out", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", p.Status)
	}
	if p := anon.get("/dashboard"); p.Status != http.StatusSeeOther {
		t.Fatalf("dashboard after sign-out: %d", p.Status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	s := newSite(t)
	anon := s.anonymous()
	for range 10 {
		anon.post("/users/sign_in", url.Values{"login": {"priya"}, "password": {"wrong"}}).want(t, http.StatusUnauthorized)
	}
	p := anon.post("/users/sign_in", url.Values{"login": {"priya"}, "password": {"wrong"}})
	p.want(t, http.StatusTooManyRequests, "Too many sign-in attempts")
	if p.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

func TestTokensPage(t *testing.T) {
	s := newSite(t)
	b := s.as("emma")
	b.get("/-/profile/personal_access_tokens").want(t, http.StatusOK, "Personal access tokens")
	b.post("/-/profile/personal_access_tokens", url.Values{"name": {""}}).want(t, http.StatusUnprocessableEntity, "name")
	p := b.post("/-/profile/personal_access_tokens", url.Values{"name": {"laptop"}, "scopes": {"read_api"}})
	p.want(t, http.StatusCreated, "glpat-", "laptop", "will not be shown again")
	// The secret is shown once: the list does not show it again.
	if l := b.get("/-/profile/personal_access_tokens"); strings.Contains(l.Body, "glpat-") {
		t.Error("token secret shown again")
	}
}

func TestStaticAssets(t *testing.T) {
	s := newSite(t)
	b := s.anonymous()
	p := b.get("/users/sign_in")
	i := strings.Index(p.Body, "/-/static/app.css?v=")
	if i < 0 {
		t.Fatalf("no versioned stylesheet in %s", p.Body)
	}
	ref := p.Body[i : i+len("/-/static/app.css?v=")+12]
	a := b.get(ref)
	if a.Status != http.StatusOK || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(a.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("asset: %d %v", a.Status, a.Header)
	}
	if p := b.get("/-/static/../web.go"); p.Status == http.StatusOK {
		t.Error("path escape served")
	}
}

package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/cairnhq/cairn"
)

// TestSignInAudit: the web sign-in puts its successes and failures in the
// audit log, with the client's address; a failure names the login typed
// and, when it is someone's, that user.
func TestSignInAudit(t *testing.T) {
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
	anon.post("/users/sign_in", url.Values{"login": {"Emma"}, "password": {"nope"}}).want(t, http.StatusUnauthorized)
	anon.post("/users/sign_in", url.Values{"login": {"nobody"}, "password": {"nope"}}).want(t, http.StatusUnauthorized)
	if p := anon.post("/users/sign_in", url.Values{"login": {"emma"}, "password": {"correct horse"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.Status)
	}

	list, _, err := s.st.ListAuditEvents(ctx, cairn.AuditFilter{EntityType: cairn.AuditEntityUser, Page: cairn.Page{PerPage: 3}})
	if err != nil || len(list) != 3 {
		t.Fatalf("audit events: %d, %v", len(list), err)
	}
	ok, unknown, failed := list[0], list[1], list[2]
	if ok.Action != cairn.AuditSignIn || ok.ActorID != u.ID || ok.TargetID != u.ID || ok.IP != "127.0.0.1" {
		t.Errorf("sign-in: %+v", ok)
	}
	if unknown.Action != cairn.AuditSignInFailed || unknown.TargetID != 0 || unknown.Details["login"] != "nobody" || unknown.IP != "127.0.0.1" {
		t.Errorf("failed sign-in of an unknown login: %+v", unknown)
	}
	if failed.Action != cairn.AuditSignInFailed || failed.ActorID != 0 || failed.TargetID != u.ID || failed.Details["login"] != "Emma" {
		t.Errorf("failed sign-in: %+v", failed)
	}
}

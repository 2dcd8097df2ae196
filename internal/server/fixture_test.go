package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
)

// fixture is a real Cairn server over a real store, with an admin and
// their Go client.
type fixture struct {
	t     *testing.T
	st    *store.Store
	ts    *httptest.Server
	admin *cairn.User
	token string // the admin's api token
	gl    *gitlab.Client
}

// newFixture starts a server over st with an admin user. baseURL may be
// empty (derived from requests).
func newFixture(t *testing.T, st *store.Store, baseURL string) *fixture {
	t.Helper()
	ctx := context.Background()
	admin, err := st.CreateUser(ctx, cairn.UserCreate{Username: "root", Name: "Administrator", Email: "root@example.com", IsAdmin: true})
	if err != nil {
		t.Fatalf("create admin: %v", err)
	}
	srv := server.New(server.Config{
		Services: st,
		BaseURL:  baseURL,
		Logger:   slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Version:  "0.0.0-test",
		Revision: "abc123",
	})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f := &fixture{t: t, st: st, ts: ts, admin: admin}
	f.token = f.tokenFor(admin, cairn.ScopeAPI)
	f.gl = f.client(f.token)
	return f
}

// tokenFor creates a token of the scope for u, directly in the store.
func (f *fixture) tokenFor(u *cairn.User, scope string) string {
	f.t.Helper()
	_, secret, err := f.st.CreateToken(context.Background(), cairn.TokenCreate{UserID: u.ID, Name: "test", Scopes: []string{scope}})
	if err != nil {
		f.t.Fatalf("create token: %v", err)
	}
	return secret
}

// client returns a Go client using token, without retries: a 5xx is a bug
// to see at once, not to retry.
func (f *fixture) client(token string) *gitlab.Client {
	f.t.Helper()
	gl, err := gitlab.NewClient(token, gitlab.WithBaseURL(f.ts.URL), gitlab.WithoutRetries())
	if err != nil {
		f.t.Fatalf("new client: %v", err)
	}
	return gl
}

// user creates a user in the store and returns it with an api token.
func (f *fixture) user(username string) (*cairn.User, string) {
	f.t.Helper()
	u, err := f.st.CreateUser(context.Background(), cairn.UserCreate{Username: username, Email: username + "@example.com"})
	if err != nil {
		f.t.Fatalf("create user %s: %v", username, err)
	}
	return u, f.tokenFor(u, cairn.ScopeAPI)
}

// response is a raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   string
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}

// do sends a raw request with a PRIVATE-TOKEN (none when token is "") and a
// JSON body (none when body is "").
func (f *fixture) do(method, path, token, body string) response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.send(req)
}

func (f *fixture) send(req *http.Request) response {
	f.t.Helper()
	res, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// team is a group with a project, made through the API by the admin.
type team struct {
	group   *gitlab.Group
	project *gitlab.Project
}

// newTeam creates group path and project proj in it with the Go client.
func (f *fixture) newTeam(path, proj string) team {
	f.t.Helper()
	g, _, err := f.gl.Groups.CreateGroup(&gitlab.CreateGroupOptions{Name: gitlab.Ptr(path), Path: gitlab.Ptr(path)})
	if err != nil {
		f.t.Fatalf("create group: %v", err)
	}
	p, _, err := f.gl.Projects.CreateProject(&gitlab.CreateProjectOptions{Name: gitlab.Ptr(proj), Path: gitlab.Ptr(proj), NamespaceID: gitlab.Ptr(g.ID)})
	if err != nil {
		f.t.Fatalf("create project: %v", err)
	}
	return team{group: g, project: p}
}

// addMember adds u to the group with the access level through the API.
func (f *fixture) addMember(g *gitlab.Group, u *cairn.User, level gitlab.AccessLevelValue) {
	f.t.Helper()
	if _, _, err := f.gl.GroupMembers.AddGroupMember(g.ID, &gitlab.AddGroupMemberOptions{UserID: gitlab.Ptr(u.ID), AccessLevel: gitlab.Ptr(level)}); err != nil {
		f.t.Fatalf("add member %s: %v", u.Username, err)
	}
}

// iids returns the iids of issues in order.
func iids(is []*gitlab.Issue) []int64 {
	out := make([]int64, len(is))
	for i, x := range is {
		out[i] = x.IID
	}
	return out
}

// do2 is do with the admin's token for use off the test goroutine: it
// returns an error instead of failing the test.
func (f *fixture) do2(method, path, body string) (int, error) {
	req, err := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("PRIVATE-TOKEN", f.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := f.ts.Client().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode, nil
}

package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// permFixture is a real server over a real store with two identical
// groups, "priv" (private) and "pub" (public), a member of both for every
// member column of the permission matrix, a non-member, an administrator,
// and alice, who writes the issues and notes the roles act on.
type permFixture struct {
	t      *testing.T
	st     *store.Store
	ts     *httptest.Server
	tokens map[string]string // by username, or username+"/read_api"
	nov    map[string]int64  // the planned milestone of each group
	n      int               // for fresh names
}

// Users of the fixture that are not a column of the matrix.
const (
	permAuthor   = "alice"
	permOutsider = "outsider"
	permAdmin    = "root"
)

// permUser is the username of the member of access.Roles()[i].
func permUser(i int) string { return "role" + strconv.Itoa(i) }

func newPermFixture(t *testing.T, st *store.Store) *permFixture {
	t.Helper()
	ctx := context.Background()
	st.Now = func() time.Time { return planToday }
	const t0 = "2026-07-01T09:00:00.000Z"
	a := &archive.Archive{Format: archive.FormatName, Version: archive.Version}
	members := []archive.Member{{Username: permAuthor, PlanningRole: cairn.RoleEngineer, AccessLevel: cairn.AccessDeveloper,
		CapacityFactor: 1, JoinedAt: "2026-07-01"}}
	for _, name := range []string{permAuthor, permOutsider} {
		a.Users = append(a.Users, archive.User{Username: name, CreatedAt: t0})
	}
	a.Users = append(a.Users, archive.User{Username: permAdmin, IsAdmin: true, CreatedAt: t0})
	for i, r := range access.Roles() {
		if r.Level == cairn.AccessNone {
			continue // the outsider, or the administrator
		}
		role := r.PlanningRole
		if role == "" {
			role = cairn.RoleEngineer // a member's role is required; an engineer's adds no rights
		}
		a.Users = append(a.Users, archive.User{Username: permUser(i), CreatedAt: t0})
		members = append(members, archive.Member{Username: permUser(i), PlanningRole: role, AccessLevel: r.Level,
			JoinedAt: "2026-07-01"})
	}
	for _, g := range []struct{ path, visibility string }{{"priv", cairn.VisibilityPrivate}, {"pub", cairn.VisibilityPublic}} {
		a.Groups = append(a.Groups, archive.Group{
			Path: g.path, Visibility: g.visibility, CreatedAt: t0, Members: members,
			Labels:     []archive.Label{{Name: "bug"}},
			Milestones: []archive.Milestone{{Title: "2026-11", StartDate: "2026-11-01", DueDate: "2026-11-30", CreatedAt: t0}},
			Projects: []archive.Project{{Path: "app", CreatedAt: t0, Issues: []archive.Issue{
				{IID: 1, Title: "Alice's issue", State: "opened", Author: permAuthor, CreatedAt: t0},
			}}},
		})
	}
	if _, err := st.ImportArchive(ctx, a); err != nil {
		t.Fatalf("import: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ts := httptest.NewServer(server.New(server.Config{Services: st, Planner: planner.New(st, logger), Logger: logger}).Handler())
	t.Cleanup(ts.Close)
	f := &permFixture{t: t, st: st, ts: ts, tokens: map[string]string{}, nov: map[string]int64{}}
	for _, u := range a.Users {
		user, err := st.UserByUsername(ctx, u.Username)
		if err != nil {
			t.Fatal(err)
		}
		for _, scope := range []string{cairn.ScopeAPI, cairn.ScopeReadAPI} {
			_, secret, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: user.ID, Name: scope, Scopes: []string{scope}})
			if err != nil {
				t.Fatal(err)
			}
			key := u.Username
			if scope == cairn.ScopeReadAPI {
				key += "/read_api"
			}
			f.tokens[key] = secret
		}
	}
	for _, g := range []string{"priv", "pub"} {
		grp, err := st.GroupByPath(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		ms, _, err := st.ListGroupMilestones(ctx, grp.ID, cairn.MilestoneFilter{Title: "2026-11"})
		if err != nil || len(ms) != 1 {
			t.Fatalf("milestone of %s: %v %v", g, ms, err)
		}
		f.nov[g] = ms[0].ID
	}
	return f
}

// do sends a request with the token of key and a JSON body ("" for none).
func (f *permFixture) do(method, path, key, body string) resp {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.ts.URL+"/api/v4"+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", f.tokens[key])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// fresh returns a name no request has used yet.
func (f *permFixture) fresh(prefix string) string {
	f.n++
	return prefix + strconv.Itoa(f.n)
}

// created has alice create something and returns the id field of it.
func (f *permFixture) created(path, body, field string) int64 {
	f.t.Helper()
	r := f.do("POST", path, permAuthor, body)
	want(f.t, r, http.StatusCreated)
	id, ok := r.obj(f.t)[field].(float64)
	if !ok {
		f.t.Fatalf("no %s in %s", field, r.body)
	}
	return int64(id)
}

// newUser creates a user who is in no group, for adding as a member.
func (f *permFixture) newUser() int64 {
	f.t.Helper()
	name := f.fresh("newbie")
	u, err := f.st.CreateUser(context.Background(), cairn.UserCreate{Username: name, Email: name + "@example.com"})
	if err != nil {
		f.t.Fatal(err)
	}
	return u.ID
}

// permRequest is the one real request that exercises an action in group
// g, and the status it answers when allowed. It may prepare what it acts
// on (as alice or through the store), so that every request has a fresh
// target and the order of the cases does not matter.
type permRequest struct {
	ok    int
	build func(f *permFixture, g string) (method, path, body string)
}

// permRequests maps every action of the matrix to its request.
var permRequests = map[access.Action]permRequest{
	access.Read: {http.StatusOK, func(f *permFixture, g string) (string, string, string) {
		return "GET", projectPath(g) + "/issues/1", ""
	}},
	access.CreateIssue: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", projectPath(g) + "/issues", `{"title":"A new issue"}`
	}},
	access.CreateNote: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", projectPath(g) + "/issues/1/notes", `{"body":"A comment"}`
	}},
	access.UpdateIssue: {http.StatusOK, func(f *permFixture, g string) (string, string, string) {
		return "PUT", projectPath(g) + "/issues/1", `{"weight":2,"add_labels":"bug"}`
	}},
	access.DeleteIssue: {http.StatusNoContent, func(f *permFixture, g string) (string, string, string) {
		iid := f.created(projectPath(g)+"/issues", `{"title":"To delete"}`, "iid")
		return "DELETE", fmt.Sprintf("%s/issues/%d", projectPath(g), iid), ""
	}},
	access.ModerateNotes: {http.StatusNoContent, func(f *permFixture, g string) (string, string, string) {
		id := f.created(projectPath(g)+"/issues/1/notes", `{"body":"Alice's note"}`, "id")
		return "DELETE", fmt.Sprintf("%s/issues/1/notes/%d", projectPath(g), id), ""
	}},
	access.AdminLabels: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", "/groups/" + g + "/labels", fmt.Sprintf(`{"name":%q,"color":"#428BCA"}`, f.fresh("label"))
	}},
	access.AdminMilestones: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", "/groups/" + g + "/milestones", fmt.Sprintf(`{"title":%q}`, f.fresh("milestone"))
	}},
	access.AdminMembers: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", "/groups/" + g + "/members", fmt.Sprintf(`{"user_id":%d,"access_level":30}`, f.newUser())
	}},
	access.CreateProject: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		name := f.fresh("project")
		return "POST", "/projects", fmt.Sprintf(`{"name":%q,"path":%q,"namespace_id":%q}`, name, name, g)
	}},
	access.AdminGroup: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", "/groups/" + g + "/members", fmt.Sprintf(`{"user_id":%d,"access_level":50}`, f.newUser())
	}},
	access.Admin: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		name := f.fresh("user")
		return "POST", "/users", fmt.Sprintf(`{"username":%q,"name":"New","email":"%s@example.com"}`, name, name)
	}},
	access.ReadPlanning: {http.StatusOK, func(f *permFixture, g string) (string, string, string) {
		return "GET", "/groups/" + g + "/planning_settings", ""
	}},
	access.ProposePlanning: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", fmt.Sprintf("/groups/%s/milestones/%d/parking_lot", g, f.nov[g]), `{"title":"Spike","reason":"We need it"}`
	}},
	access.ManagePlanning: {http.StatusOK, func(f *permFixture, g string) (string, string, string) {
		return "PUT", "/groups/" + g + "/planning_settings", `{"stretch_share":0.25}`
	}},
	access.ManageTemplates: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", "/groups/" + g + "/templates", fmt.Sprintf(`{"name":%q,"content":"## Why"}`, f.fresh("template"))
	}},
	access.ReadStatusUpdates: {http.StatusOK, func(f *permFixture, g string) (string, string, string) {
		return "GET", "/groups/" + g + "/status_updates", ""
	}},
	access.PostStatusUpdate: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", projectPath(g) + "/issues/1/status_updates",
			`{"progress":"Half done","next_steps":"Tests","blockers":"None","confidence":"very"}`
	}},
	access.ManageWebhooks: {http.StatusCreated, func(f *permFixture, g string) (string, string, string) {
		return "POST", "/groups/" + g + "/hooks", fmt.Sprintf(`{"url":"https://example.com/%s","issues_events":true}`, f.fresh("hook"))
	}},
	access.ReadAudit: {http.StatusOK, func(f *permFixture, g string) (string, string, string) {
		return "GET", "/groups/" + g + "/audit_events", ""
	}},
}

// projectPath is the API path of group g's project.
func projectPath(g string) string { return "/projects/" + url.PathEscape(g+"/app") }

// permColumn is who sends the requests: a role of the matrix (or one of
// the cases its footnotes and text describe), their token, and the group
// they act in.
type permColumn struct {
	name     string
	role     access.Role
	token    string
	readOnly bool
}

// permColumns are the README's columns, then a non-member of a private
// group and read_api tokens of an owner and an administrator.
func permColumns() []permColumn {
	var cols []permColumn
	var owner permColumn
	for i, r := range access.Roles() {
		c := permColumn{name: strings.TrimRight(r.Name, "¹²"), role: r, token: permUser(i)}
		switch {
		case r.Admin:
			c.token = permAdmin
		case r.Level == cairn.AccessNone:
			c.token = permOutsider
		case r.Level == cairn.AccessOwner && r.PlanningRole == "":
			owner = c
		}
		cols = append(cols, c)
	}
	if owner.token == "" {
		panic("the matrix has no owner column")
	}
	return append(cols,
		permColumn{name: "non-member of a private group", role: access.Role{Visibility: cairn.VisibilityPrivate}, token: permOutsider},
		permColumn{name: "owner read_api", role: owner.role, token: owner.token + "/read_api", readOnly: true},
		permColumn{name: "admin read_api", role: access.Role{Admin: true, Visibility: cairn.VisibilityPrivate}, token: permAdmin + "/read_api", readOnly: true},
	)
}

// group is the group the column acts in.
func (c permColumn) group() string {
	if c.role.Visibility == cairn.VisibilityPrivate {
		return "priv"
	}
	return "pub"
}

// wantStatus is what the matrix says the request for act answers: the
// server refuses a read_api token's writes (403) before anything else;
// then 404 when the caller may not see the group or, as a non-member, a
// members-only action's resources; 403 when they see it but may not act;
// else ok. Creating users is the instance's, visible to everyone.
func (c permColumn) wantStatus(act access.Action, ok int) int {
	r := c.role
	if c.readOnly && !access.ReadOnly(act) {
		return http.StatusForbidden
	}
	u := r.User()
	visible := access.Can(u, r.Level, r.PlanningRole, r.Visibility, access.Read) &&
		!(access.MembersOnly(act) && r.Level == cairn.AccessNone && !r.Admin)
	if act != access.Admin && !visible {
		return http.StatusNotFound
	}
	if !r.Allows(act) {
		return http.StatusForbidden
	}
	return ok
}

// TestPermissionMatrix walks the permission matrix the README shows
// (access.Roles × access.Actions) through the real API: every allowed
// action succeeds, every other one answers 404 or 403 as the matrix says.
func TestPermissionMatrix(t *testing.T) {
	for _, a := range access.Actions() {
		if _, ok := permRequests[a.Action]; !ok {
			t.Fatalf("action %q has no request in permRequests", a.Name)
		}
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newPermFixture(t, st)
		for _, c := range permColumns() {
			t.Run(c.name, func(t *testing.T) {
				f.t = t
				for _, a := range access.Actions() {
					req := permRequests[a.Action]
					method, path, body := req.build(f, c.group())
					wantSt := c.wantStatus(a.Action, req.ok)
					if r := f.do(method, path, c.token, body); r.status != wantSt {
						t.Errorf("%s: %s %s %s = %d, want %d: %s", a.Name, method, path, body, r.status, wantSt, r.body)
					}
				}
			})
		}
	})
}

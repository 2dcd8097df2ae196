package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// The refinement, template and metrics tests share rfTeam: a real server
// (without a planner: these endpoints need none) over a real store holding
// rfArchive. Their helpers carry the prefix "rf".

// rfNow is the store's clock: Friday 20 November 2026, noon UTC.
var rfNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const (
	rfRefinement = "workflow::refinement"
	rfReady      = "workflow::ready for development"
	rfInDev      = "workflow::in dev"
	// rfComplete has every section the ready gate asks for.
	rfComplete = "## Context\n\nDrafts vanish.\n\n## Proposal\n\nAutosave.\n\n## Acceptance Criteria\n\n- drafts survive a reload\n"
)

// rfArchive is team "team" (private) with project "app": ana (developer,
// engineer), rita (reporter), gus (guest); nora is no member; root is an
// administrator. #1 is in refinement since 10 November with a checklist
// note, #2 since it was created on 5 November, #3 was imported ready
// without a weight, #4 is ready and complete, #5 was closed in October.
// Milestone 2026-11 holds #4 (closed 12 November) and #5's history; "old"
// has no dates.
func rfArchive() *archive.Archive {
	const t0 = "2026-09-01T09:00:00.000Z"
	two := 2
	ev := func(action, label, at string) archive.Event {
		return archive.Event{Type: archive.EventLabel, Action: action, Label: label, CreatedAt: at}
	}
	u := func(name string) archive.User { return archive.User{Username: name, CreatedAt: t0} }
	mem := func(name string, access int) archive.Member {
		return archive.Member{Username: name, PlanningRole: "engineer", AccessLevel: access, CapacityFactor: 1, JoinedAt: "2026-09-01"}
	}
	return &archive.Archive{
		Format: archive.FormatName, Version: archive.Version,
		Users: []archive.User{u("ana"), u("rita"), u("gus"), u("nora"), {Username: "root", IsAdmin: true, CreatedAt: t0}},
		Groups: []archive.Group{{
			Path: "team", CreatedAt: t0, Visibility: "private",
			Members: []archive.Member{mem("ana", 30), mem("rita", 20), mem("gus", 10)},
			Labels: []archive.Label{{Name: rfRefinement}, {Name: rfReady}, {Name: rfInDev}, {Name: "workflow::in review"},
				{Name: "code-creation-priority::high"}, {Name: "bug"}},
			Milestones: []archive.Milestone{
				{Title: "2026-11", StartDate: "2026-11-01", DueDate: "2026-11-30", CreatedAt: t0},
				{Title: "old", CreatedAt: t0},
			},
			Projects: []archive.Project{{Path: "app", CreatedAt: t0, Issues: []archive.Issue{
				{IID: 1, Title: "Refine me", State: "opened", Author: "ana", Assignees: []string{"ana"},
					Labels: []string{rfRefinement, "code-creation-priority::high"}, CreatedAt: "2026-11-01T09:00:00.000Z",
					Events: []archive.Event{ev("add", rfRefinement, "2026-11-01T09:00:00.000Z"), ev("remove", rfRefinement, "2026-11-02T09:00:00.000Z"),
						ev("add", rfRefinement, "2026-11-10T09:00:00.000Z")},
					Notes: []archive.Note{{Author: "ana", Body: "## Refinement Checklist\n\n- [x] a\n- [ ] b\n- [x] c", CreatedAt: "2026-11-11T09:00:00.000Z"}}},
				{IID: 2, Title: "Imported in refinement", State: "opened", Author: "ana", Weight: &two, Description: rfComplete,
					Labels: []string{rfRefinement}, CreatedAt: "2026-11-05T09:00:00.000Z"},
				{IID: 3, Title: "Imported ready", State: "opened", Author: "ana", Labels: []string{rfReady}, CreatedAt: "2026-10-20T09:00:00.000Z"},
				{IID: 4, Title: "Done", State: "closed", Author: "ana", Weight: &two, Description: rfComplete, Milestone: "2026-11",
					Labels: []string{rfReady}, CreatedAt: "2026-10-25T09:00:00.000Z", ClosedAt: "2026-11-12T09:00:00.000Z",
					Events: []archive.Event{ev("add", rfRefinement, "2026-10-25T09:00:00.000Z"),
						ev("remove", rfRefinement, "2026-11-02T09:00:00.000Z"), ev("add", rfReady, "2026-11-02T09:00:00.000Z"),
						{Type: archive.EventMilestone, Action: "add", Milestone: "2026-11", CreatedAt: "2026-11-02T09:00:00.000Z"},
						{Type: archive.EventState, Action: "closed", CreatedAt: "2026-11-12T09:00:00.000Z"}}},
				{IID: 5, Title: "Old", State: "closed", Author: "ana", Labels: []string{rfRefinement}, CreatedAt: "2026-10-01T09:00:00.000Z",
					ClosedAt: "2026-10-02T09:00:00.000Z"},
			}}},
		}, {
			Path: "other", CreatedAt: t0, Visibility: "private",
			Members:    []archive.Member{mem("nora", 30)},
			Milestones: []archive.Milestone{{Title: "2026-11", StartDate: "2026-11-01", DueDate: "2026-11-30", CreatedAt: t0}},
		}},
	}
}

type rfTeam struct {
	t      *testing.T
	st     *store.Store
	ts     *httptest.Server
	tokens map[string]string
}

func newRFTeam(t *testing.T, st *store.Store) *rfTeam {
	t.Helper()
	ctx := context.Background()
	st.Now = func() time.Time { return rfNow }
	if _, err := st.ImportArchive(ctx, rfArchive()); err != nil {
		t.Fatalf("import: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ts := httptest.NewServer(server.New(server.Config{Services: st, Logger: logger}).Handler())
	t.Cleanup(ts.Close)
	rt := &rfTeam{t: t, st: st, ts: ts, tokens: map[string]string{}}
	for _, name := range []string{"ana", "rita", "gus", "nora", "root"} {
		u, err := st.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: u.ID, Name: "test", Scopes: []string{cairn.ScopeAPI}})
		if err != nil {
			t.Fatal(err)
		}
		rt.tokens[name] = secret
	}
	return rt
}

// rfResp is a raw answer.
type rfResp struct {
	status int
	header http.Header
	body   string
}

// do sends a request under /api/v4 as the user, with a JSON body ("" for
// none).
func (rt *rfTeam) do(method, path, as, body string) rfResp {
	rt.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rt.ts.URL+"/api/v4"+path, rd)
	if err != nil {
		rt.t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", rt.tokens[as])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := rt.ts.Client().Do(req)
	if err != nil {
		rt.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		rt.t.Fatal(err)
	}
	return rfResp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// ok fails unless the answer has the status, and decodes its body into v
// (nil: not decoded).
func (r rfResp) ok(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(r.body), v); err != nil {
			t.Fatalf("decode %q: %v", r.body, err)
		}
	}
}

// rfJSON encodes a request body.
func rfJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// issue reads an issue of team/app.
type rfIssue struct {
	Labels      []string `json:"labels"`
	Weight      *int     `json:"weight"`
	Description string   `json:"description"`
	UpdatedAt   string   `json:"updated_at"`
}

func (rt *rfTeam) issue(iid string) rfIssue {
	rt.t.Helper()
	var is rfIssue
	rt.do("GET", "/projects/team%2Fapp/issues/"+iid, "ana", "").ok(rt.t, 200, &is)
	return is
}

func TestReadyGateAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		const refusal = `{"message":"Cannot move to workflow::ready for development: missing weight from the scale (1, 2, 3, 5), Context, Proposal, Acceptance Criteria"}` + "\n"
		newIssue := func(body map[string]any) string {
			t.Helper()
			var is struct{ IID json.Number }
			rt.do("POST", "/projects/team%2Fapp/issues", "ana", rfJSON(body)).ok(t, 201, &is)
			return is.IID.String()
		}
		for _, tc := range []struct {
			name    string
			request func(iid string) rfResp
		}{
			{"Labels", func(iid string) rfResp {
				return rt.do("PUT", "/projects/team%2Fapp/issues/"+iid, "ana", rfJSON(map[string]any{"labels": rfReady + ",bug"}))
			}},
			{"AddLabels", func(iid string) rfResp {
				return rt.do("PUT", "/projects/team%2Fapp/issues/"+iid, "ana", rfJSON(map[string]any{"add_labels": rfReady}))
			}},
			{"QuickAction", func(iid string) rfResp {
				return rt.do("POST", "/projects/team%2Fapp/issues/"+iid+"/notes", "ana", rfJSON(map[string]any{"body": "Refined.\n/label ~\"workflow::ready for development\""}))
			}},
		} {
			t.Run(tc.name+"Refused", func(t *testing.T) {
				iid := newIssue(map[string]any{"title": tc.name})
				before := rt.issue(iid)
				r := tc.request(iid)
				if r.status != 400 || r.body != refusal {
					t.Fatalf("%d %s", r.status, r.body)
				}
				after := rt.issue(iid)
				if strings.Join(after.Labels, ",") != rfRefinement || after.Weight != nil || after.UpdatedAt != before.UpdatedAt {
					t.Errorf("issue changed: %+v (was %+v)", after, before)
				}
				var notes []any
				rt.do("GET", "/projects/team%2Fapp/issues/"+iid+"/notes", "ana", "").ok(t, 200, &notes)
				if len(notes) != 0 {
					t.Errorf("%d notes", len(notes))
				}
			})
		}
		t.Run("AddLabelsPass", func(t *testing.T) {
			iid := newIssue(map[string]any{"title": "complete", "description": rfComplete, "weight": 3})
			rt.do("PUT", "/projects/team%2Fapp/issues/"+iid, "ana", rfJSON(map[string]any{"add_labels": rfReady})).ok(t, 200, nil)
			if got := rt.issue(iid).Labels; strings.Join(got, ",") != rfReady {
				t.Errorf("labels %v", got)
			}
		})
		t.Run("QuickActionWeightAndLabelPass", func(t *testing.T) {
			iid := newIssue(map[string]any{"title": "checklist", "template": "issue"})
			rt.do("PUT", "/projects/team%2Fapp/issues/"+iid, "ana", rfJSON(map[string]any{"description": rfComplete})).ok(t, 200, nil)
			var note struct{ Body string }
			rt.do("POST", "/projects/team%2Fapp/issues/"+iid+"/notes", "ana", rfJSON(map[string]any{
				"body": "## Refinement Checklist\n\n- [x] done\n\n/weight 3\n/label ~\"workflow::ready for development\""})).ok(t, 201, &note)
			got := rt.issue(iid)
			if strings.Join(got.Labels, ",") != rfReady || got.Weight == nil || *got.Weight != 3 || !strings.HasPrefix(note.Body, "## Refinement Checklist") {
				t.Errorf("issue %+v note %q", got, note.Body)
			}
		})
	})
}

func TestCreateIssueWithTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		type created struct {
			Description string
			Labels      []string
		}
		t.Run("BuiltIn", func(t *testing.T) {
			var is created
			rt.do("POST", "/projects/team%2Fapp/issues", "ana", rfJSON(map[string]any{"title": "t", "template": "issue"})).ok(t, 201, &is)
			if !strings.HasPrefix(is.Description, "## Context\n\n_Summary or background") || !strings.Contains(is.Description, "## Definition of Done / Acceptance Criteria") {
				t.Errorf("description %q", is.Description)
			}
			// A new issue without a workflow label starts in refinement.
			if strings.Join(is.Labels, ",") != rfRefinement {
				t.Errorf("labels %v", is.Labels)
			}
		})
		t.Run("DescriptionWins", func(t *testing.T) {
			var is created
			rt.do("POST", "/projects/team%2Fapp/issues", "ana", rfJSON(map[string]any{"title": "t", "template": "issue", "description": "mine",
				"labels": rfInDev})).ok(t, 201, &is)
			if is.Description != "mine" || strings.Join(is.Labels, ",") != rfInDev {
				t.Errorf("issue %+v", is)
			}
		})
		t.Run("GroupTemplate", func(t *testing.T) {
			rt.do("PUT", "/groups/team/templates/issue", "rita", rfJSON(map[string]any{"content": "## Context\n\nOurs.\n"})).ok(t, 200, nil)
			var is created
			rt.do("POST", "/projects/team%2Fapp/issues?template=ISSUE", "gus", rfJSON(map[string]any{"title": "guest"})).ok(t, 201, &is)
			if is.Description != "## Context\n\nOurs.\n" || strings.Join(is.Labels, ",") != rfRefinement {
				t.Errorf("issue %+v", is)
			}
		})
		t.Run("Unknown", func(t *testing.T) {
			r := rt.do("POST", "/projects/team%2Fapp/issues", "ana", rfJSON(map[string]any{"title": "t", "template": "nope"}))
			if r.status != 400 || r.body != `{"message":"template \"nope\" does not exist"}`+"\n" {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	})
}

func TestRefinementQueueAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		type item struct {
			IID       int64
			Title     string
			Reference string
			WebURL    string `json:"web_url"`
			AgeDays   int    `json:"age_days"`
			Since     string
			Missing   []string
			Priority  *string
			Weight    *int
			Assignees []struct{ Username string }
			Checklist *struct{ Count, Completed int }
		}
		var q struct {
			RefinementLabel         string `json:"refinement_label"`
			ReadyGate               bool   `json:"ready_gate"`
			Issues                  []item
			ReadyButIncomplete      []item `json:"ready_but_incomplete"`
			ReadyButIncompleteTotal int    `json:"ready_but_incomplete_total"`
		}
		r := rt.do("GET", "/groups/team/refinement_queue", "gus", "")
		r.ok(t, 200, &q)
		if r.header.Get("X-Total") != "2" || q.RefinementLabel != rfRefinement || !q.ReadyGate {
			t.Errorf("X-Total %q, label %q, gate %v", r.header.Get("X-Total"), q.RefinementLabel, q.ReadyGate)
		}
		all := []string{"weight from the scale (1, 2, 3, 5)", "Context", "Proposal", "Acceptance Criteria"}
		if len(q.Issues) != 2 {
			t.Fatalf("issues %+v", q.Issues)
		}
		first, second := q.Issues[0], q.Issues[1]
		if first.IID != 2 || first.AgeDays != 15 || first.Since != "2026-11-05T09:00:00.000Z" || len(first.Missing) != 0 || first.Checklist != nil ||
			first.Priority != nil || first.Weight == nil || first.Reference != "team/app#2" || !strings.HasSuffix(first.WebURL, "/team/app/-/issues/2") {
			t.Errorf("first %+v", first)
		}
		if second.IID != 1 || second.AgeDays != 10 || strings.Join(second.Missing, ";") != strings.Join(all, ";") || second.Priority == nil ||
			*second.Priority != "code-creation-priority::high" || second.Checklist == nil || second.Checklist.Count != 3 || second.Checklist.Completed != 2 ||
			len(second.Assignees) != 1 || second.Assignees[0].Username != "ana" {
			t.Errorf("second %+v", second)
		}
		if len(q.ReadyButIncomplete) != 1 || q.ReadyButIncomplete[0].IID != 3 || q.ReadyButIncompleteTotal != 1 ||
			strings.Join(q.ReadyButIncomplete[0].Missing, ";") != strings.Join(all, ";") {
			t.Errorf("ready but incomplete %+v", q.ReadyButIncomplete)
		}

		t.Run("Page", func(t *testing.T) {
			r := rt.do("GET", "/groups/team/refinement_queue?per_page=1&page=2", "ana", "")
			r.ok(t, 200, &q)
			if len(q.Issues) != 1 || q.Issues[0].IID != 1 || r.header.Get("X-Page") != "2" || r.header.Get("X-Total-Pages") != "2" {
				t.Errorf("page 2: %+v %v", q.Issues, r.header)
			}
		})
		t.Run("NonMember", func(t *testing.T) {
			rt.do("GET", "/groups/team/refinement_queue", "nora", "").ok(t, 404, nil)
			rt.do("GET", "/groups/team/refinement_queue", "root", "").ok(t, 200, nil)
		})
	})
}

func TestRefinementShareAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rt := newRFTeam(t, st)
		// ana logs 2 h on #1 while it is in refinement, then 1 h on #4… which
		// is closed: development.
		rt.do("POST", "/projects/team%2Fapp/issues/1/notes", "ana", rfJSON(map[string]any{"body": "/spend 2h"})).ok(t, 202, nil)
		rt.do("POST", "/projects/team%2Fapp/issues/4/notes", "ana", rfJSON(map[string]any{"body": "/spend 1h"})).ok(t, 202, nil)
		type line struct {
			UserID           *int64   `json:"user_id"`
			Username         string   `json:"username"`
			RefinementHours  float64  `json:"refinement_hours"`
			DevelopmentHours float64  `json:"development_hours"`
			Share            *float64 `json:"share"`
			Target           float64  `json:"target"`
		}
		var rep struct {
			From, To  string
			Target    float64
			Engineers []line
			Team      line
		}
		rt.do("GET", "/groups/team/refinement_share?from=2026-11-01&to=2026-11-30", "gus", "").ok(t, 200, &rep)
		if rep.From != "2026-11-01" || rep.To != "2026-11-30" || rep.Target != 0.2 || len(rep.Engineers) != 3 {
			t.Fatalf("report %+v", rep)
		}
		ana := rep.Engineers[0]
		if ana.Username != "ana" || ana.RefinementHours != 2 || ana.DevelopmentHours != 1 || ana.Share == nil || *ana.Share != 0.666666667 || ana.Target != 0.2 {
			t.Errorf("ana %+v", ana)
		}
		if g := rep.Engineers[1]; g.Username != "gus" || g.Share != nil {
			t.Errorf("gus %+v", g)
		}
		if rep.Team.UserID != nil || rep.Team.RefinementHours != 2 || rep.Team.DevelopmentHours != 1 {
			t.Errorf("team %+v", rep.Team)
		}
		rt.do("GET", "/groups/team/refinement_share", "ana", "").ok(t, 200, &rep)
		if rep.From != "2026-08-23" || rep.To != "2026-11-20" {
			t.Errorf("default window %s – %s", rep.From, rep.To)
		}
		r := rt.do("GET", "/groups/team/refinement_share?from="+url.QueryEscape("11/01/2026"), "ana", "")
		if r.status != 400 || r.body != `{"error":"from is invalid"}`+"\n" {
			t.Errorf("bad date: %d %s", r.status, r.body)
		}
	})
}

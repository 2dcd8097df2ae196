package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// planToday is the team's "today" in these tests: Monday 26 October 2026,
// while October is the current milestone and November is being planned.
var planToday = time.Date(2026, 10, 26, 10, 0, 0, 0, time.UTC)

// planTeam is a real server over a real store and planner, holding the
// team of planArchive, with a token for every role.
type planTeam struct {
	t       *testing.T
	st      *store.Store
	p       *planner.Service
	ts      *httptest.Server
	group   string // "team"
	tokens  map[string]string
	users   map[string]*cairn.User
	nov     int64 // the planned milestone, 2026-11
	oct     int64 // the current one
	other   int64 // a milestone of another group
	project int64
}

// Roles of the permission tests, by username in planArchive.
const (
	engineer = "tomas" // engineer, developer access
	manager  = "emma"  // engineering manager with developer access only
	product  = "priya" // product manager with reporter access
	owner    = "olga"  // owner, planning role engineer
	guest    = "gus"   // guest access
	outsider = "nora"  // not a member (of a private group)
	admin    = "root"  // instance administrator, not a member
)

// planArchive is the test team: one closed milestone of history (tomas
// delivered weights 5 and 3 in September), October current with one
// issue to carry over, November planned, and a few candidates.
func planArchive() *archive.Archive {
	const t0 = "2026-07-01T09:00:00.000Z"
	u := func(name string) archive.User {
		return archive.User{Username: name, Name: strings.ToUpper(name[:1]) + name[1:], CreatedAt: t0}
	}
	mem := func(name, role string, access int, factor float64) archive.Member {
		return archive.Member{Username: name, PlanningRole: role, AccessLevel: access, CapacityFactor: factor, JoinedAt: "2026-07-01"}
	}
	w := func(n int) *int { return &n }
	const ready = "workflow::ready for development"
	return &archive.Archive{
		Format: archive.FormatName, Version: archive.Version,
		Users: []archive.User{u("tomas"), u("emma"), u("priya"), u("olga"), u("gus"), u("nora"),
			{Username: "root", Name: "Root", IsAdmin: true, CreatedAt: t0}},
		Groups: []archive.Group{{
			Path: "team", Name: "Team", CreatedAt: t0,
			Members: []archive.Member{
				mem("tomas", "engineer", 30, 1), mem("emma", "engineering_manager", 30, 0),
				mem("priya", "product_manager", 20, 0), mem("olga", "engineer", 50, 1), mem("gus", "guest", 10, 0),
			},
			Labels: []archive.Label{
				{Name: "workflow::refinement"}, {Name: ready}, {Name: "workflow::in dev"}, {Name: "workflow::in review"},
				{Name: "code-creation-priority::high"}, {Name: "code-creation-priority::medium"},
				{Name: "Deliverable"}, {Name: "Stretch"}, {Name: "Committed"}, {Name: "bug"},
			},
			Milestones: []archive.Milestone{
				{Title: "2026-09", StartDate: "2026-09-01", DueDate: "2026-09-30", State: "closed", CreatedAt: t0},
				{Title: "2026-10", StartDate: "2026-10-01", DueDate: "2026-10-31", CreatedAt: t0},
				{Title: "2026-11", StartDate: "2026-11-01", DueDate: "2026-11-30", CreatedAt: t0},
			},
			Projects: []archive.Project{{
				Path: "app", CreatedAt: t0,
				Milestones: []archive.Milestone{{Title: "v1", CreatedAt: t0}},
				Issues: []archive.Issue{
					{IID: 1, Title: "Shipped A", State: "closed", Author: "tomas", Assignees: []string{"tomas"}, Weight: w(5),
						Milestone: "2026-09", Labels: []string{"workflow::in review"}, CreatedAt: "2026-08-20T09:00:00.000Z",
						ClosedAt: "2026-09-15T12:00:00.000Z", ClosedBy: "tomas"},
					{IID: 2, Title: "Shipped B", State: "closed", Author: "tomas", Assignees: []string{"tomas"}, Weight: w(3),
						Milestone: "2026-09", Labels: []string{"workflow::in review"}, CreatedAt: "2026-08-21T09:00:00.000Z",
						ClosedAt: "2026-09-25T12:00:00.000Z", ClosedBy: "tomas"},
					{IID: 3, Title: "Carry me", State: "opened", Author: "emma", Assignees: []string{"tomas"}, Weight: w(1),
						Milestone: "2026-10", Labels: []string{"workflow::in dev", "Deliverable"}, CreatedAt: "2026-09-20T09:00:00.000Z"},
					{IID: 4, Title: "Ready high", State: "opened", Author: "priya", Assignees: []string{"tomas"}, Weight: w(2),
						Labels: []string{ready, "code-creation-priority::high"}, CreatedAt: "2026-10-01T09:00:00.000Z"},
					{IID: 5, Title: "Ready medium", State: "opened", Author: "priya", Weight: w(3), Confidential: true,
						Labels: []string{ready, "code-creation-priority::medium"}, CreatedAt: "2026-10-02T09:00:00.000Z"},
					{IID: 6, Title: "Needs refinement", State: "opened", Author: "priya",
						Labels: []string{"workflow::refinement", "code-creation-priority::high"}, CreatedAt: "2026-10-03T09:00:00.000Z"},
					{IID: 7, Title: "Stretchy", State: "opened", Author: "emma", Weight: w(1),
						Labels: []string{ready, "Stretch"}, CreatedAt: "2026-10-04T09:00:00.000Z"},
				},
			}},
		}, {
			Path: "other", CreatedAt: t0,
			Members:    []archive.Member{mem("nora", "engineer", 30, 1)},
			Milestones: []archive.Milestone{{Title: "2026-11", StartDate: "2026-11-01", DueDate: "2026-11-30", CreatedAt: t0}},
		}},
	}
}

// newPlanTeam imports planArchive into st and starts a server with a
// planner over it, with the store's clock stopped at planToday.
func newPlanTeam(t *testing.T, st *store.Store) *planTeam {
	t.Helper()
	return newPlanTeamAt(t, st, func() time.Time { return planToday })
}

// newPlanTeamAt is newPlanTeam with the store clock now.
func newPlanTeamAt(t *testing.T, st *store.Store, now func() time.Time) *planTeam {
	t.Helper()
	ctx := context.Background()
	st.Now = now
	if _, err := st.ImportArchive(ctx, planArchive()); err != nil {
		t.Fatalf("import team: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	p := planner.New(st, logger)
	ts := httptest.NewServer(server.New(server.Config{Services: st, Planner: p, Logger: logger}).Handler())
	t.Cleanup(ts.Close)
	pt := &planTeam{t: t, st: st, p: p, ts: ts, group: "team", tokens: map[string]string{}, users: map[string]*cairn.User{}}
	for _, name := range []string{engineer, manager, product, owner, guest, outsider, admin} {
		u, err := st.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: u.ID, Name: "test", Scopes: []string{cairn.ScopeAPI}})
		if err != nil {
			t.Fatal(err)
		}
		pt.users[name], pt.tokens[name] = u, secret
	}
	g, err := st.GroupByPath(ctx, "team")
	if err != nil {
		t.Fatal(err)
	}
	pt.nov, pt.oct = pt.milestone(g.ID, "2026-11"), pt.milestone(g.ID, "2026-10")
	og, err := st.GroupByPath(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	pt.other = pt.milestone(og.ID, "2026-11")
	pr, err := st.ProjectByPath(ctx, "team/app")
	if err != nil {
		t.Fatal(err)
	}
	pt.project = pr.ID
	return pt
}

func (pt *planTeam) milestone(groupID int64, title string) int64 {
	pt.t.Helper()
	ms, _, err := pt.st.ListGroupMilestones(context.Background(), groupID, cairn.MilestoneFilter{Title: title})
	if err != nil || len(ms) != 1 {
		pt.t.Fatalf("milestone %s: %v %v", title, ms, err)
	}
	return ms[0].ID
}

// resp is a raw answer.
type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// do sends a request as the user with a JSON body ("" for none).
func (pt *planTeam) do(method, path, as, body string) resp {
	pt.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, pt.ts.URL+"/api/v4"+path, rd)
	if err != nil {
		pt.t.Fatal(err)
	}
	if as != "" {
		req.Header.Set("PRIVATE-TOKEN", pt.tokens[as])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := pt.ts.Client().Do(req)
	if err != nil {
		pt.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		pt.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// want fails the test unless r has the status.
func want(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

func (pt *planTeam) ms(id int64) string {
	return "/groups/team/milestones/" + strconv.FormatInt(id, 10)
}

func TestPlanningSettingsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		r := pt.do("GET", "/groups/team/planning_settings", engineer, "")
		want(t, r, 200)
		got := r.obj(t)
		if got["deliverable_label"] != "Deliverable" || got["stretch_share"] != 0.2 || got["velocity_window"] != 3.0 {
			t.Errorf("default settings = %v", got)
		}
		t.Run("PatchOneKey", func(t *testing.T) {
			r := pt.do("PUT", "/groups/team/planning_settings", manager, `{"stretch_share": 0.25, "holidays": ["2026-11-26"]}`)
			want(t, r, 200)
			got := r.obj(t)
			if got["stretch_share"] != 0.25 || got["refinement_share"] != 0.2 || fmt.Sprint(got["holidays"]) != "[2026-11-26]" {
				t.Errorf("after PUT: %v", got)
			}
			r = pt.do("GET", "/groups/team/planning_settings", guest, "")
			want(t, r, 200)
			if r.obj(t)["stretch_share"] != 0.25 {
				t.Errorf("GET after PUT: %s", r.body)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			r := pt.do("PUT", "/groups/team/planning_settings", manager, `{"stretch_share": 2, "velocity_window": 0}`)
			want(t, r, 400)
			var body struct {
				Message map[string][]string `json:"message"`
			}
			r.decode(t, &body)
			if len(body.Message["stretch_share"]) != 1 || len(body.Message["velocity_window"]) != 1 || len(body.Message) != 2 {
				t.Errorf("400 body = %s, want both fields", r.body)
			}
			// Nothing of a refused PUT is kept.
			if r := pt.do("GET", "/groups/team/planning_settings", manager, ""); r.obj(t)["velocity_window"] != 3.0 {
				t.Errorf("refused PUT changed settings: %s", r.body)
			}
		})
		t.Run("ErrUnknownKey", func(t *testing.T) {
			r := pt.do("PUT", "/groups/team/planning_settings", manager, `{"colour": "red"}`)
			want(t, r, 400)
			if r.body != `{"message":{"colour":["is not a planning setting"]}}`+"\n" {
				t.Errorf("body = %s", r.body)
			}
		})
		t.Run("ErrWrongType", func(t *testing.T) {
			r := pt.do("PUT", "/groups/team/planning_settings", manager, `{"weights": "1,2,3"}`)
			want(t, r, 400)
			var body struct {
				Message map[string][]string `json:"message"`
			}
			r.decode(t, &body)
			if len(body.Message["weights"]) != 1 {
				t.Errorf("body = %s", r.body)
			}
		})
		t.Run("ErrNotJSON", func(t *testing.T) {
			want(t, pt.do("PUT", "/groups/team/planning_settings", manager, `stretch_share=0.3`), 400)
			want(t, pt.do("PUT", "/groups/team/planning_settings", manager, ""), 400)
		})
	})
}

// timeOff is the JSON of a time-off entry.
type timeOff struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"user_id"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	HalfDay   bool   `json:"half_day"`
	Note      string `json:"note"`
	User      struct {
		Username string `json:"username"`
	} `json:"user"`
	CoverageIssue *struct {
		WebURL string `json:"web_url"`
	} `json:"coverage_issue"`
}

func TestTimeOffAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		// The engineer's own time off: two days and a half day.
		r := pt.do("POST", "/groups/team/time_off", engineer, `{"start_date":"2026-11-09","end_date":"2026-11-10","note":"Dentist & more"}`)
		want(t, r, 201)
		var full timeOff
		r.decode(t, &full)
		if full.UserID != pt.users[engineer].ID || full.User.Username != engineer || full.StartDate != "2026-11-09" ||
			full.EndDate != "2026-11-10" || full.HalfDay || full.Note != "Dentist & more" {
			t.Errorf("created = %+v", full)
		}
		r = pt.do("POST", "/groups/team/time_off", engineer, `{"start_date":"2026-11-11","half_day":true}`)
		want(t, r, 201)
		var half timeOff
		r.decode(t, &half)
		if half.EndDate != "2026-11-11" || !half.HalfDay {
			t.Errorf("half day = %+v (end_date defaults to start_date)", half)
		}
		// A manager enters someone else's, by username.
		r = pt.do("POST", "/groups/team/time_off", manager, `{"username":"olga","start_date":"2026-12-21","end_date":"2026-12-31"}`)
		want(t, r, 201)

		// The capacity of November counts the engineer's 2.5 days.
		r = pt.do("GET", pt.ms(pt.nov)+"/capacity", engineer, "")
		want(t, r, 200)
		var capacity struct {
			Members []struct {
				Username    string  `json:"username"`
				TimeOffDays float64 `json:"time_off_days"`
			} `json:"members"`
		}
		r.decode(t, &capacity)
		found := false
		for _, m := range capacity.Members {
			if m.Username == engineer {
				found = true
				if m.TimeOffDays != 2.5 {
					t.Errorf("%s time_off_days = %v, want 2.5", engineer, m.TimeOffDays)
				}
			}
		}
		if !found {
			t.Errorf("no capacity line for %s: %s", engineer, r.body)
		}

		t.Run("List", func(t *testing.T) {
			r := pt.do("GET", "/groups/team/time_off", guest, "")
			want(t, r, 200)
			var all []timeOff
			r.decode(t, &all)
			if len(all) != 3 || r.header.Get("X-Total") != "3" {
				t.Errorf("list = %d entries, X-Total %q", len(all), r.header.Get("X-Total"))
			}
			r = pt.do("GET", "/groups/team/time_off?user_id="+strconv.FormatInt(pt.users[owner].ID, 10), engineer, "")
			want(t, r, 200)
			var mine []timeOff
			r.decode(t, &mine)
			if len(mine) != 1 || mine[0].User.Username != owner {
				t.Errorf("user_id filter = %+v", mine)
			}
			r = pt.do("GET", "/groups/team/time_off?from=2026-11-10&to=2026-11-30", engineer, "")
			var nov []timeOff
			r.decode(t, &nov)
			if len(nov) != 2 {
				t.Errorf("from/to filter = %+v, want the two November entries that overlap", nov)
			}
			r = pt.do("GET", "/groups/team/time_off?per_page=1&page=2", engineer, "")
			var page []timeOff
			r.decode(t, &page)
			if len(page) != 1 || r.header.Get("X-Page") != "2" || r.header.Get("X-Next-Page") != "3" {
				t.Errorf("page 2 of 1 = %d entries, headers %v", len(page), r.header)
			}
			r = pt.do("GET", "/groups/team/time_off?username=nobody", engineer, "")
			if r.status != 200 || r.body != "[]\n" {
				t.Errorf("unknown username: %d %s", r.status, r.body)
			}
			want(t, pt.do("GET", "/groups/team/time_off?from=nope", engineer, ""), 400)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			r := pt.do("POST", "/groups/team/time_off", engineer, `{"end_date":"2026-11-09"}`)
			want(t, r, 400)
			if !strings.Contains(r.body, "start_date") {
				t.Errorf("body = %s", r.body)
			}
			r = pt.do("POST", "/groups/team/time_off", engineer, `{"start_date":"2026-11-09","end_date":"2026-11-01"}`)
			want(t, r, 400)
			want(t, pt.do("POST", "/groups/team/time_off", manager, `{"username":"nobody","start_date":"2026-11-09"}`), 404)
			r = pt.do("POST", "/groups/team/time_off", manager, `{"username":"nora","start_date":"2026-11-09"}`)
			want(t, r, 400)
			if !strings.Contains(r.body, "not a member") {
				t.Errorf("non-member time off: %s", r.body)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			want(t, pt.do("DELETE", "/groups/team/time_off/"+strconv.FormatInt(full.ID, 10), engineer, ""), 204)
			want(t, pt.do("DELETE", "/groups/team/time_off/"+strconv.FormatInt(full.ID, 10), manager, ""), 404)
			want(t, pt.do("DELETE", "/groups/team/time_off/999999", engineer, ""), 404)
			want(t, pt.do("DELETE", "/groups/team/time_off/x", engineer, ""), 404)
		})
	})
}

// planJSON is the part of GET …/plan the tests read.
type planJSON struct {
	Milestone struct {
		ID     int64  `json:"id"`
		Title  string `json:"title"`
		WebURL string `json:"web_url"`
	} `json:"milestone"`
	TeamCapacity   float64     `json:"team_capacity"`
	StretchBudget  float64     `json:"stretch_budget"`
	PlannedWeight  int         `json:"planned_weight"`
	StretchWeight  int         `json:"stretch_weight"`
	Carryover      []planEntry `json:"carryover"`
	Deliverables   []planEntry `json:"deliverables"`
	Stretch        []planEntry `json:"stretch"`
	LeftOut        []planEntry `json:"left_out"`
	RefinementGaps []planEntry `json:"refinement_gaps"`
	ParkingLot     []struct {
		ID     int64  `json:"id"`
		Title  string `json:"title"`
		Reason string `json:"reason"`
	} `json:"parking_lot"`
	PlanningIssue *struct {
		IID    int64  `json:"iid"`
		WebURL string `json:"web_url"`
	} `json:"planning_issue"`
	Finalized bool `json:"finalized"`
}

type planEntry struct {
	ProjectID   int64    `json:"project_id"`
	ProjectPath string   `json:"project_path"`
	IID         int64    `json:"iid"`
	Title       string   `json:"title"`
	Weight      *int     `json:"weight"`
	Priority    string   `json:"priority"`
	WebURL      string   `json:"web_url"`
	Flags       []string `json:"flags"`
	Reason      string   `json:"reason"`
	Assignees   []struct {
		Username string `json:"username"`
		Name     string `json:"name"`
	} `json:"assignees"`
}

func iidsOf(es []planEntry) []int64 {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.IID)
	}
	return out
}

func TestCapacityAndPlanAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		ctx := context.Background()
		gid := pt.groupID()

		t.Run("Capacity", func(t *testing.T) {
			r := pt.do("GET", pt.ms(pt.nov)+"/capacity", guest, "")
			want(t, r, 200)
			got := r.obj(t)
			m, _ := got["milestone"].(map[string]any)
			if m["title"] != "2026-11" || m["group_id"] != float64(gid) || !strings.HasSuffix(fmt.Sprint(m["web_url"]), "/groups/team/-/milestones/3") {
				t.Errorf("milestone = %v", m)
			}
			// 2 to 30 November 2026: 21 weekdays.
			if got["working_days"] != 21.0 {
				t.Errorf("working_days = %v, want 21", got["working_days"])
			}
			cv, err := pt.p.Capacity(ctx, gid, pt.nov)
			if err != nil {
				t.Fatal(err)
			}
			if got["team_capacity"] != cv.TeamCapacity {
				t.Errorf("team_capacity = %v, planner says %v", got["team_capacity"], cv.TeamCapacity)
			}
			members, _ := got["members"].([]any)
			if len(members) != len(cv.Members) || len(members) == 0 {
				t.Fatalf("members = %v", members)
			}
			line, _ := members[0].(map[string]any)
			for _, k := range []string{"user_id", "username", "planning_role", "capacity_factor", "time_off_days", "available_days",
				"dev_days", "velocity", "velocity_source", "capacity"} {
				if _, ok := line[k]; !ok {
					t.Errorf("member line lacks %q: %v", k, line)
				}
			}
			// By the group's id as by its path.
			r2 := pt.do("GET", "/groups/"+strconv.FormatInt(gid, 10)+"/milestones/"+strconv.FormatInt(pt.nov, 10)+"/capacity", guest, "")
			want(t, r2, 200)
			if r2.body != r.body {
				t.Error("capacity by group id differs from by path")
			}
		})
		t.Run("ErrMilestone", func(t *testing.T) {
			want(t, pt.do("GET", pt.ms(pt.other)+"/capacity", engineer, ""), 404)
			want(t, pt.do("GET", pt.ms(pt.other)+"/plan", engineer, ""), 404)
			want(t, pt.do("GET", "/groups/team/milestones/x/plan", engineer, ""), 404)
			want(t, pt.do("GET", "/groups/team/milestones/99999/capacity", engineer, ""), 404)
			r := pt.do("GET", pt.ms(pt.other)+"/plan", engineer, "")
			if r.body != `{"message":"404 Milestone Not Found"}`+"\n" {
				t.Errorf("body = %s", r.body)
			}
		})
		t.Run("Plan", func(t *testing.T) {
			r := pt.do("GET", pt.ms(pt.nov)+"/plan", engineer, "")
			want(t, r, 200)
			raw := r.obj(t)
			for _, k := range []string{"milestone", "team_capacity", "stretch_budget", "planned_weight", "stretch_weight", "carryover",
				"deliverables", "stretch", "left_out", "refinement_gaps", "parking_lot", "planning_issue", "finalized"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("plan lacks %q", k)
				}
			}
			var pl planJSON
			r.decode(t, &pl)
			pv, err := pt.p.Plan(ctx, gid, pt.nov)
			if err != nil {
				t.Fatal(err)
			}
			if pl.TeamCapacity != pv.Plan.TeamCapacity || pl.PlannedWeight != pv.Plan.PlannedWeight || pl.Finalized {
				t.Errorf("plan figures = %+v, planner %+v", pl, pv.Plan)
			}
			if got := iidsOf(pl.Carryover); !reflect.DeepEqual(got, []int64{3}) {
				t.Errorf("carryover = %v, want #3", got)
			}
			if got := iidsOf(pl.RefinementGaps); !reflect.DeepEqual(got, []int64{6}) {
				t.Errorf("refinement gaps = %v, want #6", got)
			}
			all := append(append(append([]planEntry{}, pl.Deliverables...), pl.Stretch...), pl.LeftOut...)
			if len(all) != len(pv.Plan.Deliverables)+len(pv.Plan.Stretch)+len(pv.Plan.LeftOut) || len(all) == 0 {
				t.Fatalf("placed entries = %d", len(all))
			}
			for _, e := range all {
				if e.ProjectID != pt.project || e.ProjectPath != "team/app" ||
					e.WebURL != pt.ts.URL+"/team/app/-/issues/"+strconv.FormatInt(e.IID, 10) || e.Flags == nil || e.Priority == "" {
					t.Errorf("entry = %+v", e)
				}
				if e.IID == 4 && (len(e.Assignees) != 1 || e.Assignees[0].Username != engineer || e.Assignees[0].Name != "Tomas") {
					t.Errorf("#4 assignees = %+v", e.Assignees)
				}
			}
			for _, e := range append(pl.Stretch, pl.LeftOut...) {
				if e.Reason == "" {
					t.Errorf("%d placed as stretch or left out without a reason", e.IID)
				}
			}
			// #5 is confidential: a guest sees that it is planned and its
			// weight, not its title.
			titleOf5 := func(as string) string {
				var pl planJSON
				pt.do("GET", pt.ms(pt.nov)+"/plan", as, "").decode(t, &pl)
				for _, e := range append(append(pl.Deliverables, pl.Stretch...), pl.LeftOut...) {
					if e.IID == 5 {
						return e.Title
					}
				}
				return "(not planned)"
			}
			if got := titleOf5(engineer); got != "Ready medium" {
				t.Errorf("reporter sees #5 as %q", got)
			}
			if got := titleOf5(guest); got != "Confidential issue" {
				t.Errorf("guest sees #5 as %q", got)
			}
		})
		t.Run("Finalize", func(t *testing.T) {
			r := pt.do("POST", pt.ms(pt.nov)+"/plan/finalize", manager, "")
			want(t, r, 201)
			first := r.obj(t)
			if first["already_finalized"] != false || first["finalized"] != true {
				t.Errorf("first finalize: already_finalized %v, finalized %v", first["already_finalized"], first["finalized"])
			}
			for _, k := range []string{"next_planning_issue", "retrospective", "deliverables", "planning_issue"} {
				if _, ok := first[k]; !ok {
					t.Errorf("finalize answer lacks %q", k)
				}
			}
			r = pt.do("POST", pt.ms(pt.nov)+"/plan/finalize", product, "")
			want(t, r, 200)
			if again := r.obj(t); again["already_finalized"] != true {
				t.Errorf("second finalize: %v", again["already_finalized"])
			}
			r = pt.do("GET", pt.ms(pt.nov)+"/plan", engineer, "")
			var pl planJSON
			r.decode(t, &pl)
			if !pl.Finalized {
				t.Error("plan not finalized after finalize")
			}
		})
	})
}

func (pt *planTeam) groupID() int64 {
	pt.t.Helper()
	g, err := pt.st.GroupByPath(context.Background(), pt.group)
	if err != nil {
		pt.t.Fatal(err)
	}
	return g.ID
}

func TestParkingLotAndWorkQueueAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		lot := pt.ms(pt.nov) + "/parking_lot"
		r := pt.do("POST", lot, engineer, `{"project_id":"team/app","issue_iid":6,"reason":"Customers keep asking"}`)
		want(t, r, 201)
		var byIssue struct {
			ID     int64  `json:"id"`
			Title  string `json:"title"`
			Reason string `json:"reason"`
			Issue  *struct {
				IID    int64  `json:"iid"`
				WebURL string `json:"web_url"`
			} `json:"issue"`
			Author struct {
				Username string `json:"username"`
			} `json:"author"`
		}
		r.decode(t, &byIssue)
		if byIssue.Issue == nil || byIssue.Issue.IID != 6 || byIssue.Title != "Needs refinement" || byIssue.Author.Username != engineer ||
			byIssue.Reason != "Customers keep asking" {
			t.Errorf("by issue = %s", r.body)
		}
		r = pt.do("POST", lot, manager, `{"title":"Faster cache","reason":"It is slow"}`)
		want(t, r, 201)
		var byTitle struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
			Issue any    `json:"issue"`
		}
		r.decode(t, &byTitle)
		if byTitle.Title != "Faster cache" || byTitle.Issue != nil {
			t.Errorf("by title = %s", r.body)
		}
		t.Run("ErrInvalid", func(t *testing.T) {
			r := pt.do("POST", lot, engineer, `{"title":"No reason"}`)
			want(t, r, 400)
			if !strings.Contains(r.body, "reason") {
				t.Errorf("body = %s", r.body)
			}
			want(t, pt.do("POST", lot, engineer, `{"reason":"nothing named"}`), 400)
			want(t, pt.do("POST", lot, engineer, `{"project_id":"team/app","issue_iid":99,"reason":"x"}`), 404)
			want(t, pt.do("POST", lot, engineer, `{"project_id":"other/none","issue_iid":1,"reason":"x"}`), 404)
			want(t, pt.do("POST", pt.ms(pt.other)+"/parking_lot", engineer, `{"title":"x","reason":"y"}`), 404)
		})
		t.Run("ListAndPlan", func(t *testing.T) {
			r := pt.do("GET", lot, guest, "")
			want(t, r, 200)
			var list []struct {
				ID int64 `json:"id"`
			}
			r.decode(t, &list)
			if len(list) != 2 || list[0].ID != byIssue.ID || r.header.Get("X-Total") != "2" {
				t.Errorf("parking lot = %s (X-Total %s)", r.body, r.header.Get("X-Total"))
			}
			r = pt.do("GET", pt.ms(pt.nov)+"/plan", engineer, "")
			var pl planJSON
			r.decode(t, &pl)
			if len(pl.ParkingLot) != 2 {
				t.Errorf("plan parking_lot = %+v", pl.ParkingLot)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			want(t, pt.do("DELETE", lot+"/"+strconv.FormatInt(byTitle.ID, 10), engineer, ""), 403)
			want(t, pt.do("DELETE", lot+"/"+strconv.FormatInt(byIssue.ID, 10), engineer, ""), 204)
			want(t, pt.do("DELETE", lot+"/"+strconv.FormatInt(byIssue.ID, 10), manager, ""), 404)
			want(t, pt.do("DELETE", lot+"/"+strconv.FormatInt(byTitle.ID, 10), owner, ""), 204)
		})
		t.Run("WorkQueue", func(t *testing.T) {
			r := pt.do("GET", "/groups/team/work_queue?username=tomas", manager, "")
			want(t, r, 200)
			var mine []struct {
				IID    int64  `json:"iid"`
				WebURL string `json:"web_url"`
			}
			r.decode(t, &mine)
			queue, err := pt.p.WorkQueue(context.Background(), pt.groupID(), pt.users[engineer].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(mine) != len(queue) {
				t.Fatalf("work queue = %s, planner has %d issues", r.body, len(queue))
			}
			for k := range queue {
				if mine[k].IID != queue[k].IID {
					t.Errorf("work queue[%d] = #%d, planner #%d", k, mine[k].IID, queue[k].IID)
				}
			}
			// The caller's by default.
			r2 := pt.do("GET", "/groups/team/work_queue", engineer, "")
			want(t, r2, 200)
			if r2.body != r.body {
				t.Errorf("default work queue %s differs from ?username=tomas %s", r2.body, r.body)
			}
			want(t, pt.do("GET", "/groups/team/work_queue?username=nobody", engineer, ""), 404)
		})
	})
}

// TestPlanningPermissions runs every planning endpoint as every role: who
// may read, propose and decide (README, "Planning permissions").
func TestPlanningPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		ctx := context.Background()
		gid := pt.groupID()
		nov := pt.ms(pt.nov)
		// seedTimeOff adds an entry for user directly, for the deletes.
		seedTimeOff := func(user string) string {
			t.Helper()
			tctx := cairn.NewContextWithUser(ctx, pt.users[manager])
			to, err := pt.p.AddTimeOff(tctx, cairn.TimeOffCreate{GroupID: gid, UserID: pt.users[user].ID, StartDate: "2026-12-01", EndDate: "2026-12-01"})
			if err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(to.ID, 10)
		}
		seedProposal := func(author string) string {
			t.Helper()
			actx := cairn.NewContextWithUser(ctx, pt.users[author])
			e, err := pt.p.AddParkingLot(actx, cairn.ParkingLotCreate{GroupID: gid, MilestoneID: pt.nov, Title: "Idea of " + author, Reason: "because"})
			if err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(e.ID, 10)
		}
		roles := []string{engineer, manager, product, owner, guest, outsider, admin}
		type check struct {
			name   string
			method string
			path   func(as string) string
			body   string
			want   map[string]int // by role
		}
		fixed := func(p string) func(string) string { return func(string) string { return p } }
		read := map[string]int{engineer: 200, manager: 200, product: 200, owner: 200, guest: 200, outsider: 404, admin: 200}
		decide := map[string]int{engineer: 403, manager: 200, product: 200, owner: 200, guest: 403, outsider: 404, admin: 200}
		checks := []check{
			{"GetSettings", "GET", fixed("/groups/team/planning_settings"), "", read},
			{"PutSettings", "PUT", fixed("/groups/team/planning_settings"), `{"retro_due_days": 10}`, decide},
			{"ListTimeOff", "GET", fixed("/groups/team/time_off"), "", read},
			{"AddOwnTimeOff", "POST", fixed("/groups/team/time_off"), `{"start_date":"2026-11-20"}`,
				map[string]int{engineer: 201, manager: 201, product: 201, owner: 201, guest: 403, outsider: 404, admin: 400}},
			{"AddOthersTimeOff", "POST", fixed("/groups/team/time_off"), `{"username":"olga","start_date":"2026-11-23"}`,
				map[string]int{engineer: 403, manager: 201, product: 201, owner: 201, guest: 403, outsider: 404, admin: 201}},
			{"DeleteOwnTimeOff", "DELETE", func(as string) string {
				if as == outsider || as == admin {
					return "/groups/team/time_off/" + seedTimeOff(engineer)
				}
				return "/groups/team/time_off/" + seedTimeOff(as)
			}, "", map[string]int{engineer: 204, manager: 204, product: 204, owner: 204, guest: 403, outsider: 404, admin: 204}},
			{"DeleteOthersTimeOff", "DELETE", func(as string) string {
				other := engineer
				if as == engineer {
					other = owner
				}
				return "/groups/team/time_off/" + seedTimeOff(other)
			}, "", map[string]int{engineer: 403, manager: 204, product: 204, owner: 204, guest: 403, outsider: 404, admin: 204}},
			{"Capacity", "GET", fixed(nov + "/capacity"), "", read},
			{"Plan", "GET", fixed(nov + "/plan"), "", read},
			{"ListParkingLot", "GET", fixed(nov + "/parking_lot"), "", read},
			{"AddParkingLot", "POST", fixed(nov + "/parking_lot"), `{"title":"An idea","reason":"why not"}`,
				map[string]int{engineer: 201, manager: 201, product: 201, owner: 201, guest: 403, outsider: 404, admin: 201}},
			{"DeleteOwnProposal", "DELETE", func(as string) string {
				if as == outsider || as == admin || as == guest {
					return nov + "/parking_lot/" + seedProposal(engineer)
				}
				return nov + "/parking_lot/" + seedProposal(as)
			}, "", map[string]int{engineer: 204, manager: 204, product: 204, owner: 204, guest: 403, outsider: 404, admin: 204}},
			{"DeleteOthersProposal", "DELETE", func(as string) string {
				other := engineer
				if as == engineer {
					other = owner
				}
				return nov + "/parking_lot/" + seedProposal(other)
			}, "", map[string]int{engineer: 403, manager: 204, product: 204, owner: 204, guest: 403, outsider: 404, admin: 204}},
			{"WorkQueue", "GET", fixed("/groups/team/work_queue?username=tomas"), "", read},
		}
		for _, c := range checks {
			t.Run(c.name, func(t *testing.T) {
				for _, as := range roles {
					r := pt.do(c.method, c.path(as), as, c.body)
					if r.status != c.want[as] {
						t.Errorf("%s as %s: %d, want %d: %s", c.name, as, r.status, c.want[as], r.body)
					}
					if r.status == 404 && as == outsider && r.body != `{"message":"404 Group Not Found"}`+"\n" {
						t.Errorf("%s as a non-member: %s, want the group hidden", c.name, r.body)
					}
				}
			})
		}
		// Finalising changes the plan once: the refusals come first.
		t.Run("Finalize", func(t *testing.T) {
			for _, c := range []struct {
				as     string
				status int
			}{{engineer, 403}, {guest, 403}, {outsider, 404}, {manager, 201}, {product, 200}, {owner, 200}, {admin, 200}} {
				if r := pt.do("POST", nov+"/plan/finalize", c.as, ""); r.status != c.status {
					t.Errorf("finalize as %s: %d, want %d: %s", c.as, r.status, c.status, r.body)
				}
			}
		})
		t.Run("ReadAPIToken", func(t *testing.T) {
			_, secret, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: pt.users[manager].ID, Name: "ro", Scopes: []string{cairn.ScopeReadAPI}})
			if err != nil {
				t.Fatal(err)
			}
			pt.tokens["ro"] = secret
			want(t, pt.do("GET", nov+"/plan", "ro", ""), 200)
			want(t, pt.do("PUT", "/groups/team/planning_settings", "ro", `{"retro_due_days": 11}`), 403)
		})
	})
}

// TestPlanningLabelGuard checks that only managers and owners add or remove
// the team's Deliverable and Stretch labels, whichever way an edit names
// them, and that the labels are the ones the team's settings name.
func TestPlanningLabelGuard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		const forbidden = `{"message":"403 Forbidden - only engineering managers, product managers and owners can apply Deliverable or Stretch"}` + "\n"
		issue := func(iid int) string { return "/projects/team%2Fapp/issues/" + strconv.Itoa(iid) }
		refused := func(t *testing.T, r resp) {
			t.Helper()
			if r.status != 403 || r.body != forbidden {
				t.Errorf("got %d %s, want the Deliverable 403", r.status, r.body)
			}
		}
		labels := func(iid int) string {
			r := pt.do("GET", issue(iid), manager, "")
			var i struct {
				Labels []string `json:"labels"`
			}
			r.decode(t, &i)
			return strings.Join(i.Labels, ",")
		}
		ready := "workflow::ready for development"

		t.Run("PutLabels", func(t *testing.T) {
			refused(t, pt.do("PUT", issue(4), engineer, `{"labels":"`+ready+`,code-creation-priority::high,Deliverable"}`))
			// Replacing the labels of #3 without Deliverable removes it.
			refused(t, pt.do("PUT", issue(3), engineer, `{"labels":"workflow::in dev"}`))
			// The same set with Deliverable kept is fine.
			want(t, pt.do("PUT", issue(3), engineer, `{"labels":"workflow::in review,Deliverable"}`), 200)
		})
		t.Run("AddRemoveLabels", func(t *testing.T) {
			refused(t, pt.do("PUT", issue(4), engineer, `{"add_labels":"Deliverable"}`))
			refused(t, pt.do("PUT", issue(4), engineer, `{"add_labels":"deliverable"}`))
			refused(t, pt.do("PUT", issue(7), engineer, `{"remove_labels":"Stretch"}`))
			// A guest may not edit labels at all.
			want(t, pt.do("PUT", issue(4), guest, `{"add_labels":"Stretch"}`), 403)
			// Other labels on an issue that carries Deliverable: fine.
			want(t, pt.do("PUT", issue(3), engineer, `{"add_labels":"bug"}`), 200)
			if got := labels(4); strings.Contains(got, "Deliverable") {
				t.Errorf("a refused edit applied Deliverable: %s", got)
			}
			want(t, pt.do("PUT", issue(4), manager, `{"add_labels":"Deliverable"}`), 200)
			want(t, pt.do("PUT", issue(4), product, `{"remove_labels":"Deliverable"}`), 200)
			want(t, pt.do("PUT", issue(4), owner, `{"add_labels":"Stretch"}`), 200)
			want(t, pt.do("PUT", issue(4), admin, `{"remove_labels":"Stretch"}`), 200)
		})
		t.Run("QuickActions", func(t *testing.T) {
			note := func(body string) string { b, _ := json.Marshal(map[string]string{"body": body}); return string(b) }
			refused(t, pt.do("POST", issue(4)+"/notes", engineer, note("/label ~Deliverable")))
			refused(t, pt.do("POST", issue(7)+"/notes", engineer, note("Not this time.\n/unlabel ~Stretch")))
			refused(t, pt.do("POST", issue(3)+"/notes", engineer, note(`/relabel ~"workflow::in dev"`)))
			refused(t, pt.do("POST", issue(3)+"/notes", engineer, note("/unlabel")))
			// Label and unlabel in one note changes nothing: allowed.
			want(t, pt.do("POST", issue(4)+"/notes", engineer, note("/label ~Stretch\n/unlabel ~Stretch")), 202)
			want(t, pt.do("POST", issue(4)+"/notes", engineer, note("/label ~bug")), 202)
			want(t, pt.do("POST", issue(4)+"/notes", manager, note("/label ~Deliverable")), 202)
			if got := labels(4); !strings.Contains(got, "Deliverable") {
				t.Errorf("manager's /label did not apply: %s", got)
			}
		})
		t.Run("CreateIssue", func(t *testing.T) {
			refused(t, pt.do("POST", "/projects/team%2Fapp/issues", engineer, `{"title":"Mine","labels":"Deliverable"}`))
			want(t, pt.do("POST", "/projects/team%2Fapp/issues", engineer, `{"title":"Mine","labels":"bug"}`), 201)
			want(t, pt.do("POST", "/projects/team%2Fapp/issues", manager, `{"title":"Committed one","labels":"Deliverable"}`), 201)
		})
		t.Run("SettingsName", func(t *testing.T) {
			want(t, pt.do("PUT", "/groups/team/planning_settings", manager, `{"deliverable_label":"Committed"}`), 200)
			refused(t, pt.do("PUT", issue(5), engineer, `{"add_labels":"Committed"}`))
			// "Deliverable" is an ordinary label now.
			want(t, pt.do("PUT", issue(5), engineer, `{"add_labels":"Deliverable"}`), 200)
		})
	})
}

// TestPlanningWithoutPlanner checks that a server without a planner does
// not serve the planning routes, and guards no labels.
func TestPlanningWithoutPlanner(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	ctx := context.Background()
	if _, err := st.ImportArchive(ctx, planArchive()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(server.New(server.Config{Services: st}).Handler())
	defer ts.Close()
	u, err := st.UserByUsername(ctx, engineer)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: u.ID, Name: "t", Scopes: []string{cairn.ScopeAPI}})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/groups/team/planning_settings", "/groups/team/time_off", "/groups/team/work_queue"} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v4"+path, nil)
		req.Header.Set("PRIVATE-TOKEN", secret)
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 404 || string(b) != `{"error":"404 Not Found"}`+"\n" {
			t.Errorf("GET %s without a planner: %d %s", path, res.StatusCode, b)
		}
	}
	form := url.Values{"add_labels": {"Deliverable"}}
	req, _ := http.NewRequest("PUT", ts.URL+"/api/v4/projects/team%2Fapp/issues/4", strings.NewReader(form.Encode()))
	req.Header.Set("PRIVATE-TOKEN", secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("without a planner, Deliverable is an ordinary label: %d", res.StatusCode)
	}
}

package gitlabimport_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/api"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/gitlabimport"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// The source of these imports is a second Cairn: the real server over a
// real store holding the demo team, behind a handler that can fail or
// rate-limit requests on cue. The destination is a fresh store on SQLite
// and on PostgreSQL.

// today is the day both Cairns live on, so that "current" and "next"
// milestones agree whatever the wall clock says.
var today = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return today }

// cairnSource is the source Cairn.
type cairnSource struct {
	st     *store.Store
	p      *planner.Service
	ts     *httptest.Server
	token  string
	faults *faults
}

func newCairnSource(t *testing.T) *cairnSource {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	st.Now = clock
	if _, err := st.ImportArchive(ctx, demo.Generate(today, 1)); err != nil {
		t.Fatalf("load the demo team: %v", err)
	}
	admin, err := st.UserByUsername(ctx, demo.AdminUsername)
	if err != nil {
		t.Fatal(err)
	}
	// The import only reads: a read_api token must do.
	_, token, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: admin.ID, Name: "import", Scopes: []string{cairn.ScopeReadAPI}})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	p := planner.New(st, logger)
	addPlanning(t, st, p)
	f := &faults{next: server.New(server.Config{Services: st, Planner: p, Logger: logger}).Handler()}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return &cairnSource{st: st, p: p, ts: ts, token: token, faults: f}
}

// addPlanning gives the demo team what it lacks for the import to carry:
// time off (in the current and the next milestone, one a half day) and
// parking lot proposals for the next milestone (an issue, an issue with a
// title of its own, work without an issue).
func addPlanning(t *testing.T, st *store.Store, p *planner.Service) {
	t.Helper()
	ctx := context.Background()
	g, err := st.GroupByPath(ctx, demo.GroupPath)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := p.Milestones(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	user := func(name string) *cairn.User {
		u, err := st.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, in := range []cairn.TimeOffCreate{
		{UserID: user("aiko").ID, StartDate: "2026-11-26", EndDate: "2026-11-27", Note: "Conference"},
		{UserID: user("tomas").ID, StartDate: ms.Next.StartDate, EndDate: ms.Next.StartDate, HalfDay: true},
		{UserID: user("lena").ID, StartDate: "2026-12-14", EndDate: "2026-12-18", Note: "Holiday"},
	} {
		in.GroupID = g.ID
		if _, err := p.AddTimeOff(ctx, in); err != nil {
			t.Fatalf("time off: %v", err)
		}
	}
	issues, _, err := st.ListIssues(ctx, cairn.IssueFilter{GroupID: g.ID, State: cairn.StateOpened, OrderBy: "created_at", Sort: "asc",
		Page: cairn.Page{Page: 1, PerPage: 2}})
	if err != nil || len(issues) < 2 {
		t.Fatalf("open issues: %v (%d)", err, len(issues))
	}
	for i, e := range []struct {
		as string
		in cairn.ParkingLotCreate
	}{
		{"priya", cairn.ParkingLotCreate{ProjectID: issues[0].ProjectID, IssueIID: issues[0].IID, Reason: "Customers keep asking"}},
		{"emma", cairn.ParkingLotCreate{ProjectID: issues[1].ProjectID, IssueIID: issues[1].IID, Title: "Only the API part", Reason: "Unblocks the IDE work"}},
		{"tomas", cairn.ParkingLotCreate{Title: "Spike: faster indexing", Reason: "Latency complaints"}},
	} {
		// Proposals made a minute apart: at one instant, the archive's order
		// (by author) and the source's (by id) would differ.
		proposed := today.Add(-time.Hour).Add(time.Duration(i) * time.Minute)
		st.Now = func() time.Time { return proposed }
		e.in.GroupID, e.in.MilestoneID = g.ID, ms.Next.ID
		if _, err := p.AddParkingLot(cairn.NewContextWithUser(ctx, user(e.as)), e.in); err != nil {
			t.Fatalf("parking lot: %v", err)
		}
	}
	st.Now = clock
}

// faults passes requests to the real handler, or fails them: after
// failAfter requests it drops every connection (a network outage), and
// the requests numbered in throttle get 429 Too Many Requests with
// Retry-After: 1. The request numbered spend gets its answer with
// RateLimit-Remaining: 0, and the arrival of the next one is recorded.
type faults struct {
	next      http.Handler
	n         atomic.Int64
	failAfter atomic.Int64 // 0: never
	throttle  map[int64]bool
	spend     int64

	mu        sync.Mutex
	throttled int
	resetAt   time.Time // the reset the spent answer named
	nextAt    time.Time // when the request after it arrived
}

func (f *faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.n.Add(1)
	if limit := f.failAfter.Load(); limit > 0 && n > limit {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	f.mu.Lock()
	if f.spend > 0 && n == f.spend+1 {
		f.nextAt = time.Now()
	}
	throttle := f.throttle[n]
	if throttle {
		f.throttled++
	}
	f.mu.Unlock()
	h := w.Header()
	h.Set("RateLimit-Limit", "600")
	if throttle {
		h.Set("Retry-After", "1")
		h.Set("RateLimit-Remaining", "0")
		h.Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"message":"429 Too Many Requests"}`))
		return
	}
	if n == f.spend {
		reset := time.Now().Truncate(time.Second).Add(2 * time.Second)
		f.mu.Lock()
		f.resetAt = reset
		f.mu.Unlock()
		h.Set("RateLimit-Remaining", "0")
		h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	} else {
		h.Set("RateLimit-Remaining", "500")
	}
	f.next.ServeHTTP(w, r)
}

// options are the import's options against the source, with fast
// retries: a failure test should not wait for backoffs meant for people.
func (s *cairnSource) options(t *testing.T, state string) gitlabimport.Options {
	return gitlabimport.Options{
		URL: s.ts.URL, Group: demo.GroupPath, Token: s.token, StatePath: state,
		Retries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Now:    time.Now,
	}
}

// destination opens a fresh destination store of the dialect on the same
// day as the source.
func destination(t *testing.T, dialect string) *store.Store {
	st := storetest.Open(t, dialect)
	st.Now = clock
	return st
}

func TestImportCairn(t *testing.T) {
	src := newCairnSource(t)
	want := groupArchive(t, src.st)
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dest := destination(t, dialect)
			state := filepath.Join(t.TempDir(), "state.json")
			before := src.faults.n.Load()
			started := time.Now()
			res, err := gitlabimport.Import(ctx, src.options(t, state), dest, dialect)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			t.Logf("imported the demo team into %s in %s with %d requests: %+v", dialect, time.Since(started).Round(time.Millisecond), res.Requests, res.Counts)
			if got := src.faults.n.Load() - before; got != res.Requests {
				t.Errorf("the import counted %d requests, the server saw %d", res.Requests, got)
			}
			if res.AlreadyImported || res.Resumed || res.Loaded == nil {
				t.Errorf("result = %+v, want a fresh, loaded import", res)
			}
			if len(res.Warnings) > 0 {
				t.Errorf("warnings importing a Cairn: %q", res.Warnings)
			}
			compareTeams(t, src.st, src.p, dest, want)
			if _, err := os.Stat(gitlabimport.JournalPath(state)); !os.IsNotExist(err) {
				t.Errorf("the journal is still there after the load (%v)", err)
			}

			// Again: the state says it is done; nothing is fetched or written.
			before = src.faults.n.Load()
			again, err := gitlabimport.Import(ctx, src.options(t, state), dest, dialect)
			if err != nil {
				t.Fatalf("second import: %v", err)
			}
			if !again.AlreadyImported || again.Requests != 0 || src.faults.n.Load() != before {
				t.Errorf("second import: %+v with %d requests, want already imported, none", again, src.faults.n.Load()-before)
			}
			if again.Counts != res.Counts {
				t.Errorf("second import counts %+v, want the first's %+v", again.Counts, res.Counts)
			}
			if got := groupArchive(t, dest); len(got.Groups[0].Projects) != len(want.Groups[0].Projects) {
				t.Errorf("after the second run the destination has %d projects", len(got.Groups[0].Projects))
			}

			// A run that died after the database committed, before the state
			// file said so, left "loading": the group found is this import's.
			var st map[string]any
			b, err := os.ReadFile(state)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &st); err != nil {
				t.Fatal(err)
			}
			st["loading"], st["loaded"] = st["loaded"], nil
			b, _ = json.Marshal(st)
			if err := os.WriteFile(state, b, 0o600); err != nil {
				t.Fatal(err)
			}
			again, err = gitlabimport.Import(ctx, src.options(t, state), dest, dialect)
			if err != nil || !again.AlreadyImported {
				t.Fatalf("after a crash at the end: %+v, %v; want already imported", again, err)
			}
			if b, _ := os.ReadFile(state); !strings.Contains(string(b), `"loaded"`) || strings.Contains(string(b), `"loading"`) {
				t.Errorf("the state file still says loading:\n%s", b)
			}
		})
	}
}

func TestImportResume(t *testing.T) {
	src := newCairnSource(t)
	want := groupArchive(t, src.st)
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			// A full run's requests, to compare the resumed run with.
			full, err := gitlabimport.Import(ctx, src.options(t, filepath.Join(t.TempDir(), "full.json")), destination(t, dialect), "full")
			if err != nil {
				t.Fatal(err)
			}

			dest := destination(t, dialect)
			state := filepath.Join(t.TempDir(), "state.json")
			// The source goes down a third of the way through.
			src.faults.failAfter.Store(src.faults.n.Load() + full.Requests/3)
			_, err = gitlabimport.Import(ctx, src.options(t, state), dest, dialect)
			src.faults.failAfter.Store(0)
			if err == nil {
				t.Fatal("the import succeeded against a source that went down")
			}
			for _, part := range []string{"cannot reach " + src.ts.URL, "run the same command again to continue", state} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not say %q", err, part)
				}
			}
			if _, err := dest.GroupByPath(ctx, demo.GroupPath); cairn.ErrorCode(err) != cairn.ENOTFOUND {
				t.Errorf("after the failed run the destination has the group (%v); nothing should be written", err)
			}
			for _, f := range []string{state, gitlabimport.JournalPath(state)} {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("after the failed run: %v", err)
				}
			}

			res, err := gitlabimport.Import(ctx, src.options(t, state), dest, dialect)
			if err != nil {
				t.Fatalf("resumed import: %v", err)
			}
			t.Logf("full run %d requests; resumed run %d requests (%d units reused)", full.Requests, res.Requests, res.Reused)
			if !res.Resumed || res.Reused == 0 {
				t.Errorf("the second run did not resume: %+v", res)
			}
			if res.Requests >= full.Requests {
				t.Errorf("the resumed run made %d requests, a full run %d: it fetched again what it had", res.Requests, full.Requests)
			}
			if res.Counts != full.Counts {
				t.Errorf("resumed import brought %+v, a full one %+v", res.Counts, full.Counts)
			}
			compareTeams(t, src.st, src.p, dest, want)
		})
	}
}

func TestImportRateLimited(t *testing.T) {
	src := newCairnSource(t)
	want := groupArchive(t, src.st)
	ctx := context.Background()
	dest := destination(t, "sqlite")
	base := src.faults.n.Load()
	src.faults.throttle = map[int64]bool{base + 3: true, base + 40: true, base + 41: true, base + 300: true}
	src.faults.spend = base + 120
	o := src.options(t, filepath.Join(t.TempDir(), "state.json"))
	// One request at a time, so that "the request after" is well defined:
	// with several in flight, others may be on their way before the
	// client reads the answer that spends the budget.
	o.Concurrency = 1
	res, err := gitlabimport.Import(ctx, o, dest, "sqlite")
	if err != nil {
		t.Fatalf("import under rate limits: %v", err)
	}
	if res.RateWait <= 0 {
		t.Error("the import reports no time waited for rate limits")
	}
	if src.faults.throttled != 4 || res.Throttled != 4 {
		t.Errorf("the server answered 429 %d times, the import counted %d; want 4", src.faults.throttled, res.Throttled)
	}
	// The request after the answer that spent the budget waits for its reset.
	if src.faults.nextAt.IsZero() {
		t.Error("the import made too few requests to test the rate limit reset")
	}
	if src.faults.nextAt.Before(src.faults.resetAt) {
		t.Errorf("a request arrived at %s, before the rate limit reset at %s", src.faults.nextAt.Format(time.StampMilli), src.faults.resetAt.Format(time.StampMilli))
	}
	compareTeams(t, src.st, src.p, dest, want)
}

func TestImportRefusals(t *testing.T) {
	src := newCairnSource(t)
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(o *gitlabimport.Options)
		want string
	}{
		{"BadURL", func(o *gitlabimport.Options) { o.URL = "gitlab.example.com" }, "is not the address of a GitLab instance"},
		{"URLWithCredentials", func(o *gitlabimport.Options) { o.URL = "https://me:secret@gitlab.example.com" }, "must not hold credentials"},
		{"NoGroup", func(o *gitlabimport.Options) { o.Group = "" }, "--group is required"},
		{"BadGroup", func(o *gitlabimport.Options) { o.Group = "a b" }, "is not a group path"},
		{"NoToken", func(o *gitlabimport.Options) { o.Token = "" }, "a token is needed"},
		{"BadToken", func(o *gitlabimport.Options) { o.Token = "glpat-wrongwrongwrongwrong" }, "refused the token (401 Unauthorized)"},
		{"GroupNotFound", func(o *gitlabimport.Options) { o.Group = "nowhere" }, "group nowhere not found at " + src.ts.URL},
		{"Unreachable", func(o *gitlabimport.Options) { o.URL = "http://127.0.0.1:1" }, "cannot reach http://127.0.0.1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := src.options(t, filepath.Join(t.TempDir(), "state.json"))
			tc.edit(&o)
			_, err := gitlabimport.Import(ctx, o, destination(t, "sqlite"), "dest")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}

	t.Run("GroupExists", func(t *testing.T) {
		dest := destination(t, "sqlite")
		if _, err := dest.ImportArchive(ctx, demo.Generate(today, 1)); err != nil {
			t.Fatal(err)
		}
		before := src.faults.n.Load()
		_, err := gitlabimport.Import(ctx, src.options(t, filepath.Join(t.TempDir(), "state.json")), dest, "dest.db")
		if err == nil || !strings.Contains(err.Error(), "dest.db already has a group code-creation that this import did not create") {
			t.Errorf("err = %v", err)
		}
		if n := src.faults.n.Load() - before; n != 0 {
			t.Errorf("%d requests before refusing", n)
		}
	})

	t.Run("NothingFetched", func(t *testing.T) {
		// A run that fetched nothing leaves nothing to trip over.
		state := filepath.Join(t.TempDir(), "state.json")
		o := src.options(t, state)
		o.Group = "nowhere"
		if _, err := gitlabimport.Import(ctx, o, destination(t, "sqlite"), "dest"); err == nil {
			t.Fatal("imported a group that does not exist")
		}
		if left, _ := filepath.Glob(state + "*"); len(left) > 0 {
			t.Errorf("files left after a run that fetched nothing: %q", left)
		}
	})

	t.Run("OtherGroupsState", func(t *testing.T) {
		state := filepath.Join(t.TempDir(), "state.json")
		src.faults.failAfter.Store(src.faults.n.Load() + 20)
		_, err := gitlabimport.Import(ctx, src.options(t, state), destination(t, "sqlite"), "dest")
		src.faults.failAfter.Store(0)
		if err == nil {
			t.Fatal("the import succeeded against a source that went down")
		}
		o := src.options(t, state)
		o.Group = "other-team"
		_, err = gitlabimport.Import(ctx, o, destination(t, "sqlite"), "dest")
		if err == nil || !strings.Contains(err.Error(), "belongs to the import of group code-creation from "+src.ts.URL) {
			t.Errorf("err = %v", err)
		}
	})
}

// groupArchive exports the demo group from st: the group and the users it
// names, normalised, links canonical (see canonicalLinks), admin flags off.
func groupArchive(t *testing.T, st *store.Store) *archive.Archive {
	t.Helper()
	a, err := st.ExportArchive(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var g *archive.Group
	for i := range a.Groups {
		if a.Groups[i].Path == demo.GroupPath {
			g = &a.Groups[i]
		}
	}
	if g == nil {
		t.Fatalf("no group %s", demo.GroupPath)
	}
	names := referenced(g)
	out := archive.New()
	for _, u := range a.Users {
		if names[strings.ToLower(u.Username)] {
			u.IsAdmin = false
			out.Users = append(out.Users, u)
		}
	}
	out.Groups = []archive.Group{*g}
	canonicalLinks(&out.Groups[0])
	archive.Normalize(out)
	return out
}

// referenced returns the lower-case usernames a group's data names.
func referenced(g *archive.Group) map[string]bool {
	out := map[string]bool{}
	add := func(s string) {
		if s != "" {
			out[strings.ToLower(s)] = true
		}
	}
	for _, m := range g.Members {
		add(m.Username)
	}
	for _, t := range g.TimeOff {
		add(t.Username)
	}
	for _, e := range g.ParkingLot {
		add(e.Author)
	}
	for _, p := range g.Plans {
		add(p.FinalizedBy)
	}
	for _, p := range g.Projects {
		for _, is := range p.Issues {
			add(is.Author)
			add(is.ClosedBy)
			for _, a := range is.Assignees {
				add(a)
			}
			for _, n := range is.Notes {
				add(n.Author)
			}
			for _, e := range is.Events {
				add(e.User)
			}
		}
	}
	return out
}

// canonicalLinks puts every link where the import puts it: the API lists
// a link on both of its issues without saying where it was made, so the
// import keeps "blocks" on the blocking issue and "relates_to" on the
// older issue. The demo's issues got their ids in project and iid order.
func canonicalLinks(g *archive.Group) {
	type at struct {
		project string
		iid     int64
	}
	less := func(x, y at) bool {
		return cmp.Or(strings.Compare(x.project, y.project), cmp.Compare(x.iid, y.iid)) < 0
	}
	type link struct {
		from, to at
		typ      string
	}
	var links []link
	for pi := range g.Projects {
		p := &g.Projects[pi]
		for ii := range p.Issues {
			is := &p.Issues[ii]
			for _, l := range is.Links {
				proj, iid, _ := archive.ParseIssueRef(l.Target)
				_, path, _ := strings.Cut(proj, "/")
				from, to, typ := at{p.Path, is.IID}, at{path, iid}, l.LinkType
				switch {
				case typ == cairn.LinkIsBlockedBy:
					from, to, typ = to, from, cairn.LinkBlocks
				case typ == cairn.LinkRelatesTo && less(to, from):
					from, to = to, from
				}
				links = append(links, link{from, to, typ})
			}
			is.Links = nil
		}
	}
	for _, l := range links {
		for pi := range g.Projects {
			p := &g.Projects[pi]
			for ii := range p.Issues {
				if p.Path == l.from.project && p.Issues[ii].IID == l.from.iid {
					p.Issues[ii].Links = append(p.Issues[ii].Links, archive.Link{
						Target: archive.IssueRef(g.Path, l.to.project, l.to.iid), LinkType: l.typ})
				}
			}
		}
	}
}

// compareTeams checks that dest holds the source's team: the same
// archive of the group, and the same plans, capacities and planning
// metrics as the planner and the store compute them on both sides.
func compareTeams(t *testing.T, src *store.Store, srcPlanner *planner.Service, dest *store.Store, want *archive.Archive) {
	t.Helper()
	got := groupArchive(t, dest)
	wantJSON, _ := archive.Marshal(want)
	gotJSON, _ := archive.Marshal(got)
	if !bytes.Equal(wantJSON, gotJSON) {
		t.Errorf("the imported group's archive differs from the source's:\n%s", firstDiff(string(wantJSON), string(gotJSON)))
	}
	destPlanner := planner.New(dest, nil)
	left := planningFigures(t, src, srcPlanner)
	right := planningFigures(t, dest, destPlanner)
	if len(left) == 0 {
		t.Fatal("no planning figures computed")
	}
	for _, k := range slices.Sorted(maps.Keys(left)) {
		if !reflect.DeepEqual(left[k], right[k]) {
			l, _ := json.MarshalIndent(left[k], "", " ")
			r, _ := json.MarshalIndent(right[k], "", " ")
			t.Errorf("%s differs after the import:\n%s", k, firstDiff(string(l), string(r)))
		}
	}
}

// planningFigures computes, for the demo team in st, the capacity and the
// plan of the current and the next milestone and the planning metrics,
// as JSON values with the ids (which differ between databases) left out.
func planningFigures(t *testing.T, st *store.Store, p *planner.Service) map[string]any {
	t.Helper()
	ctx := context.Background()
	g, err := st.GroupByPath(ctx, demo.GroupPath)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := p.Milestones(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ms.Current == nil || ms.Next == nil || ms.Current.ID == ms.Next.ID {
		t.Fatalf("the demo team has no current and next milestone: %+v", ms)
	}
	a := api.New(api.Config{Services: st, Planner: p})
	out := map[string]any{}
	for _, m := range []*cairn.Milestone{ms.Current, ms.Next} {
		cv, err := p.Capacity(ctx, g.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.RenderCapacity(ctx, "http://cairn.test", cv)
		if err != nil {
			t.Fatal(err)
		}
		out["capacity of "+m.Title] = withoutIDs(t, c)
		pv, err := p.Plan(ctx, g.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := a.RenderPlan(ctx, "http://cairn.test", pv)
		if err != nil {
			t.Fatal(err)
		}
		out["plan of "+m.Title] = withoutIDs(t, pl)
	}
	rep, err := st.PlanningMetrics(ctx, g.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	out["planning metrics"] = withoutIDs(t, api.RenderMetrics(rep))
	// The whole history, not only the default 90 days.
	rep, err = st.PlanningMetrics(ctx, g.ID, today.AddDate(0, -8, 0).Format(cairn.DateLayout), today.Format(cairn.DateLayout))
	if err != nil {
		t.Fatal(err)
	}
	out["planning metrics since "+rep.From] = withoutIDs(t, api.RenderMetrics(rep))
	return out
}

// withoutIDs returns v as generic JSON without the database ids: keys
// "id" and "…_id", and "_links" (API URLs with ids).
func withoutIDs(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	var strip func(any) any
	strip = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if k == "id" || strings.HasSuffix(k, "_id") || k == "_links" {
					delete(x, k)
					continue
				}
				x[k] = strip(v)
			}
		case []any:
			for i := range x {
				x[i] = strip(x[i])
			}
		}
		return x
	}
	return strip(g)
}

// firstDiff shows the first lines where two texts differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			lo := max(0, i-3)
			ctx := strings.Join(al[lo:i], "\n")
			return fmt.Sprintf("line %d:\n%s\n- %s\n+ %s", i+1, ctx, x, y)
		}
	}
	return "(no line differs)"
}

package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// demoDay is the "today" of the demo archives in these tests.
var demoDay = time.Date(2026, 11, 18, 14, 30, 0, 0, time.UTC)

// eachRaw runs fn on both databases with a fresh store and a plain
// database handle on the same database, for checks and sabotage no store
// method offers.
func eachRaw(t *testing.T, fn func(t *testing.T, s *store.Store, db *sql.DB, dialect string)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			s, db := openRaw(t, d)
			fn(t, s, db, d)
		})
	}
}

func openRaw(tb testing.TB, dialect string) (*store.Store, *sql.DB) {
	tb.Helper()
	dsn := storetest.DSN(tb, dialect)
	s, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		tb.Fatalf("open %s store: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	driver, rawDSN := "pgx", dsn
	if dialect == "sqlite" {
		driver, rawDSN = "sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:")+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, rawDSN)
	if err != nil {
		tb.Fatalf("open raw %s: %v", dialect, err)
	}
	tb.Cleanup(func() { db.Close() })
	return s, db
}

var archiveTables = []string{"users", "groups", "group_members", "projects", "labels", "milestones", "issues",
	"issue_labels", "issue_assignees", "notes", "issue_events", "issue_links", "planning_settings", "time_off", "parking_lot",
	"milestone_plans", "plan_commitments"}

// counts returns the number of rows of every table the importer writes.
func counts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range archiveTables {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + tbl).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tbl, err)
		}
		out[tbl] = n
	}
	return out
}

func mustJSON(t *testing.T, a *archive.Archive) []byte {
	t.Helper()
	b, err := archive.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// diffLines reports the first differing line of two texts with context.
func diffLines(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (want %d lines, got %d)\n", i+1, len(w), len(g))
	from := max(0, i-6)
	for k := from; k < min(len(w), i+6); k++ {
		mark := " "
		if k >= i {
			mark = "-"
		}
		fmt.Fprintf(&b, "%s%5d %s\n", mark, k+1, w[k])
	}
	b.WriteString("---\n")
	for k := from; k < min(len(g), i+6); k++ {
		mark := " "
		if k >= i {
			mark = "+"
		}
		fmt.Fprintf(&b, "%s%5d %s\n", mark, k+1, g[k])
	}
	return b.String()
}

func archiveStats(a *archive.Archive) store.ImportStats {
	st := store.ImportStats{Users: len(a.Users), Groups: len(a.Groups)}
	for _, g := range a.Groups {
		st.Projects += len(g.Projects)
		for _, p := range g.Projects {
			st.Issues += len(p.Issues)
			for _, is := range p.Issues {
				st.Notes += len(is.Notes)
				st.Events += len(is.Events)
			}
		}
	}
	return st
}

func TestArchiveRoundTrip(t *testing.T) {
	eachRaw(t, func(t *testing.T, s *store.Store, db *sql.DB, _ string) {
		ctx := context.Background()
		a := roundTripArchive()
		want := mustJSON(t, a)
		stats, err := s.ImportArchive(ctx, a)
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if ws := archiveStats(a); stats != ws {
			t.Errorf("stats = %+v, want %+v", stats, ws)
		}
		if after := mustJSON(t, a); !bytes.Equal(after, want) {
			t.Error("ImportArchive changed its argument")
		}
		checkListedCopies(t, s, "import")
		exp, err := s.ExportArchive(ctx)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		got := mustJSON(t, exp)
		if !bytes.Equal(got, want) {
			t.Fatalf("export differs from the imported archive:\n%s", diffLines(want, got))
		}
		if err := exp.Validate(); err != nil {
			t.Errorf("exported archive does not validate: %v", err)
		}

		// Planning data lands where the planner reads it.
		g, err := s.GroupByPath(ctx, "code-creation")
		if err != nil {
			t.Fatal(err)
		}
		st, err := planner.New(s, nil).Settings(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(st.Holidays, ",") != "2026-11-26,2026-12-25" || st.TimeZone != "America/New_York" || st.StretchShare != 0.25 || st.VelocityWindow != 3 {
			t.Errorf("planner reads imported settings as %+v", st)
		}
		var halfDays, titled, noAuthor int
		if err := db.QueryRow("SELECT count(*) FROM time_off WHERE half_day").Scan(&halfDays); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT count(*) FROM parking_lot WHERE issue_id IS NULL AND title <> ''").Scan(&titled); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT count(*) FROM parking_lot WHERE author_id IS NULL").Scan(&noAuthor); err != nil {
			t.Fatal(err)
		}
		if halfDays != 1 || titled != 1 || noAuthor != 1 {
			t.Errorf("half days %d, title-only proposals %d, proposals without author %d; want 1 each", halfDays, titled, noAuthor)
		}

		// Plans land where the planner, the metrics and the kickoff
		// agenda read them.
		plans, err := s.MilestonePlans(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := s.GroupMilestones(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		finalised := 0
		for _, m := range ms {
			p := plans[m.ID]
			if !p.Finalized() {
				if m.Title <= "2026-11" {
					t.Errorf("milestone %s: plan %+v is not final", m.Title, p)
				}
				continue
			}
			finalised++
			if p.FinalizedByID == nil || p.TeamCapacity == nil || *p.TeamCapacity <= 0 || (m.Title > "2026-05") != (p.PlanningIssueID != nil) {
				t.Errorf("milestone %s: plan %+v", m.Title, p)
			}
			cms, err := s.PlanCommitments(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(cms) == 0 || !cms[0].CreatedAt.Equal(*p.FinalizedAt) {
				t.Errorf("milestone %s: commitments %+v", m.Title, cms)
			}
		}
		if finalised != 7 {
			t.Errorf("%d finalised plans of code-creation, want 7", finalised)
		}
		var notFinal, noUser, unweighted int
		if err := db.QueryRow("SELECT count(*) FROM milestone_plans WHERE finalized_at IS NULL AND planning_issue_id IS NOT NULL").Scan(&notFinal); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT count(*) FROM milestone_plans WHERE finalized_at IS NOT NULL AND finalized_by IS NULL AND team_capacity IS NULL").Scan(&noUser); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT count(*) FROM plan_commitments WHERE weight IS NULL").Scan(&unweighted); err != nil {
			t.Fatal(err)
		}
		if notFinal != 1 || noUser != 1 || unweighted != 1 {
			t.Errorf("plans not final %d, finalised by nobody %d, unweighted commitments %d; want 1 each", notFinal, noUser, unweighted)
		}

		// What the format does not hold is derived as documented.
		var lastIID, maxIID int64
		if err := db.QueryRow(`SELECT p.last_issue_iid, (SELECT max(iid) FROM issues i WHERE i.project_id = p.id)
			FROM projects p WHERE p.path = 'duo-chat'`).Scan(&lastIID, &maxIID); err != nil {
			t.Fatal(err)
		}
		if lastIID != maxIID || lastIID == 0 {
			t.Errorf("last_issue_iid = %d, max iid %d", lastIID, maxIID)
		}
		var bad int
		if err := db.QueryRow(`SELECT count(*) FROM issues i WHERE user_notes_count <>
			(SELECT count(*) FROM notes n WHERE n.issue_id = i.id AND NOT n.system)`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Errorf("%d issues with a wrong user_notes_count", bad)
		}
		var iids string
		rows, err := db.Query("SELECT iid FROM milestones ORDER BY title")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n int
			rows.Scan(&n)
			iids += strconv.Itoa(n) + ","
		}
		rows.Close()
		if iids != "1,2,3,4,5,6,7,8,9,1,1," {
			t.Errorf("milestone iids by title = %s, want 1..9 for the demo group, 1 for extras and 1 for its project", iids)
		}
		// Events were inserted in history order: replaying by id is
		// replaying by time.
		var outOfOrder int
		if err := db.QueryRow(`SELECT count(*) FROM (SELECT created_at,
			lag(created_at) OVER (PARTITION BY issue_id ORDER BY id) AS prev FROM issue_events) e
			WHERE e.prev > e.created_at`).Scan(&outOfOrder); err != nil {
			t.Fatal(err)
		}
		if outOfOrder != 0 {
			t.Errorf("%d event pairs whose ids disagree with their times", outOfOrder)
		}
		// History naming labels and milestones that no longer exist keeps
		// the names without a link; all others are linked.
		var unresolved string
		rows, err = db.Query(`SELECT label_name || milestone_title FROM issue_events WHERE (kind = 'label' AND label_id IS NULL)
			OR (kind = 'milestone' AND milestone_id IS NULL) ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			unresolved += n + ";"
		}
		rows.Close()
		if unresolved != "deleted milestone;gone::label;" {
			t.Errorf("events without a label or milestone link: %q", unresolved)
		}
	})
}

// roundTripArchive is the demo archive plus a group with what the demo
// does not use: project labels and milestones, confidential issues, due
// dates, a cleared weight, a reopened issue, an event without a user, a
// link into another group, a project more visible than its group; and
// planning settings, time off (with a half day), a parking lot (an issue
// with a title of its own, and a title whose author is gone) and milestone
// plans beside the demo's finalised ones (one not finalised that only
// names its planning issue, one finalised by a user who is gone with a
// retrospective, no team capacity and an unweighted commitment).
func roundTripArchive() *archive.Archive {
	a := demo.Generate(demoDay, 1)
	cc := &a.Groups[0]
	for _, p := range cc.Projects {
		for _, is := range p.Issues {
			if is.Title == "Milestone Planning: 2026-12" {
				cc.Plans = append(cc.Plans, archive.Plan{Milestone: "2026-12", PlanningIssue: archive.IssueRef(cc.Path, p.Path, is.IID)})
			}
		}
	}
	cc.Settings = []byte(`{"holidays": ["2026-11-26", "2026-12-25"], "time_zone": "America/New_York", "stretch_share": 0.25}`)
	cc.TimeOff = []archive.TimeOff{
		{Username: "tomas", StartDate: "2026-12-07", EndDate: "2026-12-09", Note: "Conference"},
		{Username: "aiko", StartDate: "2026-12-11", EndDate: "2026-12-11", HalfDay: true},
		{Username: "tomas", StartDate: "2026-12-21", EndDate: "2027-01-01", Note: "Holidays <3 & more"},
	}
	cc.ParkingLot = []archive.ParkingEntry{
		{Milestone: "2026-12", Issue: "code-creation/ide-extensions#3", Title: "Why now", Reason: "Blocks the chat work", Author: "lena", CreatedAt: "2026-11-10T09:00:00.000Z"},
		{Milestone: "2026-12", Title: "Faster completions for Rust", Reason: "Top customer ask", CreatedAt: "2026-11-11T09:00:00.000Z"},
		{Milestone: "2027-01", Issue: "code-creation/duo-chat#1", Reason: "Keeps coming back", Author: "priya", CreatedAt: "2026-11-12T09:00:00.000Z"},
	}
	w := 3
	prio := 0
	a.Users = append(a.Users, archive.User{Username: "zed", Name: "Zed", Email: "zed@example.com", CreatedAt: "2025-12-31T23:59:59.999Z"})
	a.Groups = append(a.Groups, archive.Group{
		Path: "extras", Name: "Extras", Description: "Odds and ends", Visibility: "internal", CreatedAt: "2026-01-01T00:00:00.000Z",
		Members:    []archive.Member{{Username: "zed", PlanningRole: "guest", CapacityFactor: 0.25, AccessLevel: 10, JoinedAt: "2026-01-01"}},
		Milestones: []archive.Milestone{{Title: "E1", StartDate: "2026-01-01", DueDate: "2026-01-31", CreatedAt: "2026-01-01T00:00:00.000Z"}},
		Plans: []archive.Plan{{Milestone: "E1", Retrospective: "extras/misc#7", FinalizedAt: "2025-12-28T16:30:00.250Z",
			Commitments: []archive.Commitment{{Issue: "extras/misc#7", Placement: "stretch"}}}},
		Projects: []archive.Project{{
			Path: "misc", Name: "Misc", Visibility: "public", CreatedAt: "2026-01-01T00:00:00.000Z",
			Labels:     []archive.Label{{Name: "local::one", Color: "#abcdef", Description: "own label", Priority: &prio}},
			Milestones: []archive.Milestone{{Title: "v1", Description: "first", DueDate: "2026-03-01", State: "closed", CreatedAt: "2026-01-01T00:00:00.000Z"}},
			Issues: []archive.Issue{{
				IID: 7, Title: "Odd one", Description: "x", State: "opened", Author: "zed", Assignees: []string{"zed", "emma"},
				Labels: []string{"local::one"}, Milestone: "v1", DueDate: "2026-02-28", IssueType: "incident", Confidential: true,
				RelativePosition: ptr(int64(-5)), CreatedAt: "2026-01-05T10:00:00.123Z", UpdatedAt: "2026-02-01T00:00:00.000Z",
				ClosedAt: "2026-01-20T00:00:00.000Z", TimeSpent: 5400,
				Notes: []archive.Note{{Author: "zed", Body: "system says hi", System: true, CreatedAt: "2026-01-06T00:00:00.000Z"}},
				Events: []archive.Event{
					{Type: "weight", Action: "add", Weight: &w, User: "zed", CreatedAt: "2026-01-06T00:00:00.000Z"},
					{Type: "weight", Action: "remove", CreatedAt: "2026-01-07T00:00:00.000Z"},
					{Type: "label", Action: "add", Label: "gone::label", User: "zed", CreatedAt: "2026-01-07T00:00:00.000Z"},
					{Type: "milestone", Action: "add", Milestone: "deleted milestone", CreatedAt: "2026-01-08T00:00:00.000Z"},
					{Type: "state", Action: "closed", User: "zed", CreatedAt: "2026-01-20T00:00:00.000Z"},
					{Type: "state", Action: "reopened", User: "emma", CreatedAt: "2026-01-21T00:00:00.000Z"},
				},
				Links: []archive.Link{{Target: "code-creation/duo-chat#1", LinkType: "is_blocked_by"}},
			}},
		}},
	})
	archive.Normalize(a)
	return a
}

func ptr[T any](v T) *T { return &v }

// smallArchive is a one-issue archive for the failure cases.
func smallArchive(group string) *archive.Archive {
	w := 2
	return &archive.Archive{
		Format: archive.FormatName, Version: archive.Version,
		Users: []archive.User{{Username: "ana", Name: "Ana", CreatedAt: "2026-01-01T00:00:00.000Z"}},
		Groups: []archive.Group{{
			Path: group, CreatedAt: "2026-01-01T00:00:00.000Z",
			Members: []archive.Member{{Username: "ana", PlanningRole: "engineer", CapacityFactor: 1, AccessLevel: 30, JoinedAt: "2026-01-01"}},
			Labels:  []archive.Label{{Name: "bug"}},
			Projects: []archive.Project{{
				Path: "app", CreatedAt: "2026-01-01T00:00:00.000Z",
				Issues: []archive.Issue{
					{IID: 3, Title: "Broken", State: "opened", Author: "ana", Labels: []string{"bug"}, Weight: &w,
						CreatedAt: "2026-01-02T00:00:00.000Z",
						Events:    []archive.Event{{Type: "label", Action: "add", Label: "bug", User: "ana", CreatedAt: "2026-01-02T00:00:00.000Z"}},
						Links:     []archive.Link{{Target: group + "/app#4", LinkType: "relates_to"}}},
					{IID: 4, Title: "Also broken", State: "opened", Author: "ana", CreatedAt: "2026-01-02T00:00:00.000Z"},
				},
			}},
		}},
	}
}

func TestImportArchiveInvalidWritesNothing(t *testing.T) {
	eachRaw(t, func(t *testing.T, s *store.Store, db *sql.DB, _ string) {
		a := smallArchive("team")
		w := -1
		a.Groups[0].Projects[0].Issues[1].Weight = &w
		_, err := s.ImportArchive(context.Background(), a)
		want := "groups[0].projects[0].issues[1].weight: must be 0 or more"
		if cairn.ErrorCode(err) != cairn.EINVALID || cairn.ErrorMessage(err) != want {
			t.Fatalf("import = %v (%s), want EINVALID %q", err, cairn.ErrorCode(err), want)
		}
		for tbl, n := range counts(t, db) {
			if n != 0 {
				t.Errorf("%s has %d rows after a rejected import", tbl, n)
			}
		}
	})
}

// TestImportArchiveRollback makes the last statement of an import fail and
// checks that everything written before it is gone.
func TestImportArchiveRollback(t *testing.T) {
	eachRaw(t, func(t *testing.T, s *store.Store, db *sql.DB, dialect string) {
		stmts := []string{`CREATE TRIGGER no_links BEFORE INSERT ON issue_links BEGIN SELECT RAISE(ABORT, 'no links today'); END`}
		if dialect == "postgres" {
			stmts = []string{
				`CREATE FUNCTION no_links() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no links today'; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER no_links BEFORE INSERT ON issue_links FOR EACH ROW EXECUTE FUNCTION no_links()`,
			}
		}
		for _, q := range stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("sabotage: %v", err)
			}
		}
		_, err := s.ImportArchive(context.Background(), smallArchive("team"))
		if err == nil || !strings.Contains(err.Error(), "no links today") {
			t.Fatalf("import = %v, want the trigger's error", err)
		}
		for tbl, n := range counts(t, db) {
			if n != 0 {
				t.Errorf("%s has %d rows after a failed import", tbl, n)
			}
		}
	})
}

func TestImportArchiveConflict(t *testing.T) {
	eachRaw(t, func(t *testing.T, s *store.Store, db *sql.DB, _ string) {
		ctx := context.Background()
		first := smallArchive("team")
		if _, err := s.ImportArchive(ctx, first); err != nil {
			t.Fatalf("first import: %v", err)
		}
		before := counts(t, db)
		exportBefore, err := s.ExportArchive(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// The same group again, spelled differently, with a new user that
		// must not be created either.
		again := smallArchive("Team")
		again.Users = append(again.Users, archive.User{Username: "ben", CreatedAt: "2026-01-01T00:00:00.000Z"})
		_, err = s.ImportArchive(ctx, again)
		if cairn.ErrorCode(err) != cairn.ECONFLICT || cairn.ErrorMessage(err) != "group Team already exists" {
			t.Fatalf("second import = %v (%s), want ECONFLICT \"group Team already exists\"", err, cairn.ErrorCode(err))
		}
		after := counts(t, db)
		for tbl, n := range before {
			if after[tbl] != n {
				t.Errorf("%s: %d rows before, %d after the rejected import", tbl, n, after[tbl])
			}
		}
		exportAfter, err := s.ExportArchive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, exportBefore), mustJSON(t, exportAfter); !bytes.Equal(a, b) {
			t.Errorf("the rejected import changed the data:\n%s", diffLines(a, b))
		}

		// Another group reuses the existing user unchanged.
		other := smallArchive("other")
		other.Users[0].Name = "Someone Else"
		stats, err := s.ImportArchive(ctx, other)
		if err != nil {
			t.Fatalf("import of another group: %v", err)
		}
		if stats.Users != 0 || stats.Groups != 1 || stats.Issues != 2 {
			t.Errorf("stats = %+v, want 0 users, 1 group, 2 issues", stats)
		}
		var name string
		var n int
		if err := db.QueryRow("SELECT name, (SELECT count(*) FROM users) FROM users WHERE username = 'ana'").Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		if name != "Ana" || n != 1 {
			t.Errorf("user ana is %q and there are %d users; want the existing \"Ana\" reused", name, n)
		}
	})
}

// benchArchive builds an archive of n issues with about eventsPer events
// and a note each, in one group and project, as an import at scale sees.
func benchArchive(n, eventsPer int) *archive.Archive {
	a := archive.New()
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	users := []string{"u0", "u1", "u2", "u3", "u4"}
	g := archive.Group{Path: "bench", CreatedAt: archive.FormatTime(start)}
	for _, u := range users {
		a.Users = append(a.Users, archive.User{Username: u, CreatedAt: archive.FormatTime(start)})
		g.Members = append(g.Members, archive.Member{Username: u, PlanningRole: "engineer", CapacityFactor: 1, AccessLevel: 30, JoinedAt: "2025-01-01"})
	}
	labels := []string{"workflow::refinement", "workflow::ready", "workflow::in dev", "workflow::in review", "Deliverable"}
	for _, l := range labels {
		g.Labels = append(g.Labels, archive.Label{Name: l})
	}
	for m := range 12 {
		s := start.AddDate(0, m, 0)
		g.Milestones = append(g.Milestones, archive.Milestone{Title: s.Format("2006-01"), StartDate: s.Format(archive.DateLayout),
			DueDate: s.AddDate(0, 1, -1).Format(archive.DateLayout), CreatedAt: archive.FormatTime(start)})
	}
	p := archive.Project{Path: "app", CreatedAt: archive.FormatTime(start)}
	for i := range n {
		created := start.Add(time.Duration(i) * time.Minute)
		w := 1 + i%5
		is := archive.Issue{IID: int64(i + 1), Title: "Issue " + strconv.Itoa(i), Description: "## Context\n\nSome text.",
			State: "opened", Author: users[i%5], Assignees: []string{users[(i+1)%5]}, Labels: []string{"Deliverable", "workflow::in dev"},
			Weight: &w, Milestone: g.Milestones[i%12].Title, CreatedAt: archive.FormatTime(created),
			Notes: []archive.Note{{Author: users[i%5], Body: "Looks good.", CreatedAt: archive.FormatTime(created)}}}
		for e := range eventsPer {
			at := archive.FormatTime(created.Add(time.Duration(e) * time.Second))
			switch e % 4 {
			case 0, 1:
				act := "add"
				if e%8 >= 4 {
					act = "remove"
				}
				is.Events = append(is.Events, archive.Event{Type: "label", Action: act, Label: labels[e%5], User: users[e%5], CreatedAt: at})
			case 2:
				ew := e % 6
				is.Events = append(is.Events, archive.Event{Type: "weight", Action: "add", Weight: &ew, User: users[e%5], CreatedAt: at})
			case 3:
				is.Events = append(is.Events, archive.Event{Type: "milestone", Action: "add", Milestone: g.Milestones[e%12].Title, User: users[e%5], CreatedAt: at})
			}
		}
		p.Issues = append(p.Issues, is)
	}
	g.Projects = []archive.Project{p}
	a.Groups = []archive.Group{g}
	return a
}

// BenchmarkImport imports 10,000 issues with 100,000 events (and 10,000
// notes) into a fresh database per iteration. CAIRN_BENCH_ISSUES changes
// the number of issues (10 events each), e.g. 100000 for a million events.
func BenchmarkImport(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CAIRN_BENCH_ISSUES")); err == nil && v > 0 {
		n = v
	}
	a := benchArchive(n, 10)
	if err := a.Validate(); err != nil {
		b.Fatal(err)
	}
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			var total time.Duration
			for b.Loop() {
				b.StopTimer()
				s := storetest.Open(b, d)
				b.StartTimer()
				t0 := time.Now()
				st, err := s.ImportArchive(ctx, a)
				total += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				if st.Events != n*10 {
					b.Fatalf("imported %d events, want %d", st.Events, n*10)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "issues/s")
			b.ReportMetric(float64(n*10)*float64(b.N)/total.Seconds(), "events/s")
		})
	}
}

// BenchmarkExport reads back an archive of 10,000 issues.
func BenchmarkExport(b *testing.B) {
	a := benchArchive(10000, 10)
	for _, d := range storetest.Dialects {
		b.Run(d, func(b *testing.B) {
			ctx := context.Background()
			s := storetest.Open(b, d)
			if _, err := s.ImportArchive(ctx, a); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.ExportArchive(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestArchiveRoundTripFinalized finalises a plan with the planner (which
// records its commitments, opens the next planning issue and the
// retrospective of the milestone before), exports the database, imports
// the export into a fresh database and exports that again: the plans
// survive byte for byte, and the planner finds the plan final there.
func TestArchiveRoundTripFinalized(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, d)
			s.Now = func() time.Time { return demoDay }
			if _, err := s.ImportArchive(ctx, demo.Generate(demoDay, 1)); err != nil {
				t.Fatal(err)
			}
			g, err := s.GroupByPath(ctx, demo.GroupPath)
			if err != nil {
				t.Fatal(err)
			}
			emma, err := s.UserByUsername(ctx, demo.ManagerName)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := s.GroupMilestones(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			var dec *cairn.Milestone
			for _, m := range ms {
				if m.Title == "2026-12" {
					dec = m
				}
			}
			res, err := planner.New(s, nil).Finalize(cairn.NewContextWithUser(ctx, emma), g.ID, dec.ID)
			if err != nil || res.AlreadyFinalized || res.Retrospective == nil {
				t.Fatalf("finalise 2026-12: %+v, %v", res, err)
			}
			first, err := s.ExportArchive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var plan *archive.Plan
			for i, p := range first.Groups[0].Plans {
				if p.Milestone == "2026-12" {
					plan = &first.Groups[0].Plans[i]
				}
			}
			if plan == nil || plan.FinalizedBy != "emma" || plan.PlanningIssue == "" || plan.TeamCapacity == nil || len(plan.Commitments) == 0 {
				t.Fatalf("exported plan of 2026-12: %+v", plan)
			}

			again := storetest.Open(t, d)
			again.Now = s.Now
			if _, err := again.ImportArchive(ctx, first); err != nil {
				t.Fatalf("import the export: %v", err)
			}
			second, err := again.ExportArchive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := mustJSON(t, first), mustJSON(t, second); !bytes.Equal(a, b) {
				t.Fatalf("export → import → export differs:\n%s", diffLines(a, b))
			}
			g2, err := again.GroupByPath(ctx, demo.GroupPath)
			if err != nil {
				t.Fatal(err)
			}
			emma2, err := again.UserByUsername(ctx, demo.ManagerName)
			if err != nil {
				t.Fatal(err)
			}
			ms2, err := again.GroupMilestones(ctx, g2.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms2 {
				if m.Title != "2026-12" {
					continue
				}
				res, err := planner.New(again, nil).Finalize(cairn.NewContextWithUser(ctx, emma2), g2.ID, m.ID)
				if err != nil || !res.AlreadyFinalized {
					t.Fatalf("finalise the imported final plan again: %+v, %v", res, err)
				}
			}
		})
	}
}

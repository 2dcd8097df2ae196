package gitlabimport

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/archive"
)

func TestRateLimitWait(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	reset := func(d time.Duration) string { return strconvI(now.Add(d).Unix()) }
	tests := []struct {
		name    string
		status  int
		headers map[string]string
		want    time.Duration
		ok      bool
	}{
		{"Plain", 200, nil, 0, false},
		{"BudgetLeft", 200, map[string]string{"RateLimit-Remaining": "12", "RateLimit-Reset": reset(30 * time.Second)}, 0, false},
		{"BudgetSpent", 200, map[string]string{"RateLimit-Remaining": "0", "RateLimit-Reset": reset(30 * time.Second)}, 30 * time.Second, true},
		{"SpentNoReset", 200, map[string]string{"RateLimit-Remaining": "0"}, 10 * time.Second, true},
		{"SpentResetPassed", 200, map[string]string{"RateLimit-Remaining": "0", "RateLimit-Reset": reset(-5 * time.Second)}, 0, true},
		{"RetryAfterSeconds", 429, map[string]string{"Retry-After": "7", "RateLimit-Reset": reset(30 * time.Second)}, 7 * time.Second, true},
		{"RetryAfterDate", 503, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{"TooManyWithReset", 429, map[string]string{"RateLimit-Reset": reset(12 * time.Second)}, 12 * time.Second, true},
		{"TooManyBare", 429, nil, 0, false},
		{"RetryAfterOn500", 500, map[string]string{"Retry-After": "7"}, 0, false},
		{"GarbageRetryAfter", 429, map[string]string{"Retry-After": "soon", "RateLimit-Reset": reset(3 * time.Second)}, 3 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			got, ok := rateLimitWait(h, tc.status, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("rateLimitWait = %s, %v; want %s, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func strconvI(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := &source{now: func() time.Time { return now }, gate: &rateGate{now: func() time.Time { return now }, maxWait: time.Minute}}
	for attempt := 0; attempt < 10; attempt++ {
		d := s.backoff(time.Second, 30*time.Second, attempt, &http.Response{StatusCode: 502, Header: http.Header{}})
		cap := min(time.Second<<attempt, 30*time.Second)
		if d < cap/2 || d > cap {
			t.Errorf("attempt %d: backoff %s, want between %s and %s", attempt, d, cap/2, cap)
		}
	}
	h := http.Header{}
	h.Set("Retry-After", "3600")
	if d := s.backoff(time.Second, 30*time.Second, 0, &http.Response{StatusCode: 429, Header: h}); d != time.Minute {
		t.Errorf("an hour's Retry-After waits %s, want the one-minute cap", d)
	}
	h.Set("Retry-After", "0")
	if d := s.backoff(time.Second, 30*time.Second, 0, &http.Response{StatusCode: 429, Header: h}); d != time.Second {
		t.Errorf("Retry-After: 0 waits %s, want the minimum", d)
	}
}

func TestRateGate(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	g := &rateGate{now: func() time.Time { return now }, maxWait: time.Minute}
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	g.observe(h("RateLimit-Remaining", "5"), 200)
	if g.totalWaited() != 0 || !g.until.IsZero() {
		t.Fatalf("a budget left closed the gate until %s", g.until)
	}
	g.observe(h("RateLimit-Remaining", "0", "RateLimit-Reset", strconvI(now.Add(30*time.Second).Unix())), 200)
	g.observe(h("Retry-After", "10"), 429) // within the 30 s already waited for
	if got := g.totalWaited(); got != 30*time.Second {
		t.Errorf("closed %s, want 30s", got)
	}
	g.observe(h("Retry-After", "3600"), 429) // capped at maxWait
	if got := g.totalWaited(); got != time.Minute || !g.until.Equal(now.Add(time.Minute)) {
		t.Errorf("closed %s until %s, want a minute", got, g.until)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Wait(ctx); err != context.Canceled {
		t.Errorf("Wait on a closed gate with a cancelled context = %v", err)
	}
	now = now.Add(2 * time.Minute)
	if err := g.Wait(context.Background()); err != nil {
		t.Errorf("Wait after the reset = %v", err)
	}
}

func TestJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.journal")
	read := func() ([]string, *journal) {
		t.Helper()
		var keys []string
		j, err := openJournal(path, func(k string, d json.RawMessage) error {
			keys = append(keys, k+"="+string(d))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return keys, j
	}
	keys, j := read()
	if len(keys) != 0 {
		t.Fatalf("new journal holds %q", keys)
	}
	for i, v := range []any{map[string]int{"a": 1}, []string{"x <y> & \"z\"\n"}, 3} {
		if err := j.append("unit/"+strconvI(int64(i)), v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := openJournal(path, func(string, json.RawMessage) error { return nil }); err == nil || !strings.Contains(err.Error(), "in use by another cairn import") {
		t.Errorf("a second opener got %v, want in use", err)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}
	want := []string{`unit/0={"a":1}`, `unit/1=["x \u003cy\u003e \u0026 \"z\"\n"]`, `unit/2=3`}

	// A run that died mid-write leaves a torn line; one whose disk lost a
	// block leaves a corrupt one. Both are cut off with what follows.
	good, _ := os.ReadFile(path)
	for name, tail := range map[string]string{
		"Torn":    `0badc0de {"k":"unit/3","d":{"a"`,
		"Corrupt": "00000000 {\"k\":\"unit/3\",\"d\":4}\n" + `{"k":"unit/4"}` + "\n",
		"Zeros":   string(make([]byte, 64)),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, append(slices.Clone(good), tail...), 0o600); err != nil {
				t.Fatal(err)
			}
			keys, j := read()
			if !slices.Equal(keys, want) {
				t.Errorf("records = %q, want %q", keys, want)
			}
			if err := j.append("unit/9", 9); err != nil {
				t.Fatal(err)
			}
			j.close()
			keys, j = read()
			j.close()
			if !slices.Equal(keys, append(slices.Clone(want), "unit/9=9")) {
				t.Errorf("after appending: %q", keys)
			}
		})
	}
}

func TestStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if st, err := readState(path); st != nil || err != nil {
		t.Fatalf("missing state = %v, %v", st, err)
	}
	st := &State{Version: stateVersion, URL: "https://gitlab.example.com", Group: "org/team", Runs: 2,
		Loaded: &LoadRecord{Database: "cairn.db", GroupPath: "team", Counts: &Counts{Issues: 3}}}
	if err := writeState(path, st); err != nil {
		t.Fatal(err)
	}
	got, err := readState(path)
	if err != nil || got.Group != "org/team" || got.Loaded == nil || got.Loaded.Counts.Issues != 3 {
		t.Errorf("read back %+v, %v", got, err)
	}
	if leftovers, _ := filepath.Glob(path + ".tmp*"); len(leftovers) > 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
	for name, body := range map[string]string{"Garbage": "{not json", "OtherVersion": `{"version": 99}`} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := readState(path); err == nil || !strings.Contains(err.Error(), "move it away to start over") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNormalizeOptions(t *testing.T) {
	for in, want := range map[string]string{
		"https://gitlab.example.com":         "https://gitlab.example.com",
		"https://gitlab.example.com/":        "https://gitlab.example.com",
		"https://gitlab.example.com/api/v4/": "https://gitlab.example.com",
		"http://host:8080/gitlab":            "http://host:8080/gitlab",
		" https://gitlab.example.com ":       "https://gitlab.example.com",
	} {
		if got, err := NormalizeURL(in); got != want || err != nil {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "gitlab.example.com", "ftp://x", "https://", "https://x?a=1", "https://u:p@x", "mailto:x@y"} {
		if _, err := NormalizeURL(in); err == nil {
			t.Errorf("NormalizeURL(%q) accepted", in)
		}
	}
	if got := DefaultStatePath("/var/lib", "https://gitlab.example.com:8443", "org/team"); got != "/var/lib/cairn-import-gitlab.example.com_8443-org_team.json" {
		t.Errorf("DefaultStatePath = %q", got)
	}
	if got := DestinationPath("org/sub/team"); got != "team" {
		t.Errorf("DestinationPath = %q", got)
	}
}

// TestBuildFromGitLab builds the archive of what a GitLab (not a Cairn)
// might answer, with the oddities the archive cannot hold as they are.
func TestBuildFromGitLab(t *testing.T) {
	const t0, t1, t2 = "2026-01-05T09:00:00.000Z", "2026-02-01T09:00:00.000Z", "2026-03-01T09:00:00.000Z"
	w := func(n int) *int { return &n }
	m := newModel()
	m.add(keyGroup, &groupData{ID: 7, FullPath: "org/team", Group: archive.Group{Path: "team", Name: "Team", Visibility: "internal"},
		Members: []memberData{
			{User: apiUser{ID: 1, Username: "ann"}, AccessLevel: 50, JoinedAt: "2026-01-01"},
			{User: apiUser{ID: 2, Username: "bob"}, AccessLevel: 10},
			{User: apiUser{ID: 3, Username: "cy"}, AccessLevel: 5},
			{User: apiUser{ID: 4, Username: "dee"}, AccessLevel: 60},
		},
		Labels:     []archive.Label{{Name: "bug", Color: "#ff0000"}, {Name: "Bug"}, {Name: "prio::high"}, {Name: "prio::low"}},
		Milestones: []milestoneData{{ID: 70, Milestone: archive.Milestone{Title: "M1", StartDate: "2026-02-01", DueDate: "2026-01-01", State: "active"}}},
		Projects:   []projectData{{ID: 100, Project: archive.Project{Path: "app", CreatedAt: t0}}, {ID: 101, Project: archive.Project{Path: "web", CreatedAt: t0}}},
	})
	m.add(keyMeta(100), &metaData{Labels: []archive.Label{{Name: "BUG"}, {Name: "ui"}}, Milestones: []archive.Milestone{{Title: "M1"}, {Title: "v2"}}})
	m.add(keyPage(100, 1), &pageData{Page: 1, Issues: []issueData{
		{ID: 1000, Issue: archive.Issue{IID: 1, Title: "", State: "closed", Author: "ann", CreatedAt: t1,
			Labels: []string{"Bug", "prio::high", "prio::low", "external", "ui"}, Milestone: "elsewhere", Weight: w(-1)}},
		{ID: 1001, ParentID: ptr(int64(1000)), Issue: archive.Issue{IID: 2, Title: "Child", State: "opened", Author: "bob", CreatedAt: t1}},
	}})
	m.add(keyPage(101, 1), &pageData{Page: 1, Issues: []issueData{
		{ID: 999, Issue: archive.Issue{IID: 1, Title: "Older", State: "opened", Author: "gone", CreatedAt: t0}},
	}})
	m.add(keyIssue(issueAt{100, 1}), &detailData{
		Notes:  []archive.Note{{Author: "ann", Body: "early", CreatedAt: t0}, {Author: "ann", Body: "  ", CreatedAt: t2}},
		Events: []archive.Event{{Type: "label", Action: "add", Label: "bug", User: "ann", CreatedAt: t0}},
		Links: []linkData{
			{LinkID: 1, Target: issueAt{100, 2}, Type: "is_blocked_by"},
			{LinkID: 2, Target: issueAt{101, 1}, Type: "relates_to"},
			{LinkID: 3, Target: issueAt{555, 9}, Type: "relates_to"},
		},
		Users: []apiUser{{ID: 1, Username: "ann"}},
	})
	m.add(keyIssue(issueAt{100, 2}), &detailData{Links: []linkData{{LinkID: 1, Target: issueAt{100, 1}, Type: "blocks"}}, Internal: 2, Dropped: 1})
	m.add(keyIssue(issueAt{101, 1}), &detailData{Links: []linkData{{LinkID: 2, Target: issueAt{100, 1}, Type: "relates_to"}}})
	m.add(keyUser(1), &archive.User{Username: "ann", Name: "Ann", Email: "ann@example.com", CreatedAt: t0})

	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	a, counts, warnings := m.build(now)
	if err := a.Validate(); err != nil {
		t.Fatalf("the archive is invalid: %v", err)
	}
	g := a.Groups[0]
	if g.CreatedAt != t0 {
		t.Errorf("undated group created_at = %s, want its oldest project's %s", g.CreatedAt, t0)
	}
	var members []string
	for _, mm := range g.Members {
		members = append(members, mm.Username+":"+mm.PlanningRole+":"+strconvI(int64(mm.AccessLevel)))
	}
	if want := []string{"ann:engineer:50", "bob:guest:10", "dee:engineer:50"}; !slices.Equal(members, want) {
		t.Errorf("members = %q, want %q (minimal access left out, admin level capped)", members, want)
	}
	if len(g.Labels) != 3 {
		t.Errorf("group labels = %+v, want bug and the two prio labels", g.Labels)
	}
	app := g.Projects[0]
	is := app.Issues[0]
	if is.Title != "(untitled)" || is.Weight != nil || is.ClosedAt == "" {
		t.Errorf("issue 1: title %q weight %v closed_at %q", is.Title, is.Weight, is.ClosedAt)
	}
	if want := []string{"bug", "external", "prio::high", "ui"}; !slices.Equal(is.Labels, want) {
		t.Errorf("labels = %q, want %q", is.Labels, want)
	}
	if len(is.Notes) != 1 || is.Notes[0].CreatedAt != t1 || is.Events[0].CreatedAt != t1 {
		t.Errorf("notes %+v events %+v: want the empty note gone and early times moved to the issue's creation", is.Notes, is.Events)
	}
	if app.Issues[1].ParentIID != 1 {
		t.Errorf("parent_iid = %d, want 1", app.Issues[1].ParentIID)
	}
	var links []string
	for _, pr := range g.Projects {
		for _, is := range pr.Issues {
			for _, l := range is.Links {
				links = append(links, pr.Path+"#"+strconvI(is.IID)+" "+l.LinkType+" "+l.Target)
			}
		}
	}
	want := []string{"app#2 blocks team/app#1", "web#1 relates_to team/app#1"}
	if !slices.Equal(links, want) {
		t.Errorf("links = %q, want %q (one per pair: blocks on the blocker, relates_to on the older issue)", links, want)
	}
	var users []string
	for _, u := range a.Users {
		users = append(users, u.Username+"/"+u.Email)
	}
	if want := []string{"ann/ann@example.com", "bob/", "dee/", "gone/"}; !slices.Equal(users, want) {
		t.Errorf("users = %q, want %q", users, want)
	}
	if counts.Issues != 3 || counts.Links != 2 || counts.Members != 3 {
		t.Errorf("counts = %+v", counts)
	}
	for _, w := range []string{`label "external" is not a label`, `labels "prio::high" and "prio::low" share a scope`,
		`milestone "elsewhere" is not a milestone`, "weight -1 is out of range", `label "BUG" is also a group label`,
		`milestone "M1" is also a group milestone`, "1 links to issues outside the group", "before its start date",
		"2 internal notes are left out", "1 notes and events are left out"} {
		if !slices.ContainsFunc(warnings, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("no warning says %q: %q", w, warnings)
		}
	}
}

func ptr[T any](v T) *T { return &v }

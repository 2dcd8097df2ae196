package api_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// testClock is a store clock the tests move while the server runs.
type testClock struct{ ms atomic.Int64 }

func (c *testClock) now() time.Time      { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *testClock) set(t time.Time)     { c.ms.Store(t.UnixMilli()) }
func (c *testClock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// newStatusTeam is newPlanTeam with a clock the test controls, starting at
// planToday (Monday 26 October 2026, ISO week 2026-W44; the October
// milestone is current and issue #3 "Carry me", assigned to tomas, is its
// Deliverable).
func newStatusTeam(t *testing.T, st *store.Store) (*planTeam, *testClock) {
	t.Helper()
	clk := &testClock{}
	clk.set(planToday)
	return newPlanTeamAt(t, st, clk.now), clk
}

func (pt *planTeam) issuePath(iid int64) string {
	return "/projects/" + strconv.FormatInt(pt.project, 10) + "/issues/" + strconv.FormatInt(iid, 10)
}

// postStatus posts a status update on an issue and returns the answer.
func (pt *planTeam) postStatus(iid int64, as, confidence string) resp {
	pt.t.Helper()
	return pt.do("POST", pt.issuePath(iid)+"/status_updates", as,
		fmt.Sprintf(`{"progress":"Parser done","next_steps":"Wire the API","blockers":"None","confidence":%q}`, confidence))
}

// statusCount returns how many status updates an issue has.
func (pt *planTeam) statusCount(iid int64) int {
	pt.t.Helper()
	r := pt.do("GET", pt.issuePath(iid)+"/status_updates", engineer, "")
	want(pt.t, r, 200)
	var list []map[string]any
	r.decode(pt.t, &list)
	return len(list)
}

func (pt *planTeam) health(iid int64) any {
	pt.t.Helper()
	r := pt.do("GET", pt.issuePath(iid), engineer, "")
	want(pt.t, r, 200)
	return r.obj(pt.t)["health_status"]
}

// handTemplate is the seed's template filled in by hand, "very" ticked,
// with star bullets and a capital X.
const handTemplate = `## Async Status Update 2026-10-26

* **Progress & Status**: Reviewed
* **Next Steps**: _What are your planned next actions?_
* **Blockers**: none
* **How confident are you that this will make it to the current milestone?**
    * [ ] Not confident
    * [ ] Slightly confident
    * [X] Very confident

_Remember to update the workflow label!_

/cc @emma @priya`

func TestStatusUpdatesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, _ := newStatusTeam(t, st)

		t.Run("OK", func(t *testing.T) {
			r := pt.postStatus(3, engineer, "slightly")
			want(t, r, 201)
			got := r.obj(t)
			if got["week"] != "2026-W44" || got["confidence"] != "slightly" || got["health_status"] != "needs_attention" ||
				got["progress"] != "Parser done" || got["author"].(map[string]any)["username"] != engineer {
				t.Errorf("created = %v", got)
			}
			body := got["note"].(map[string]any)["body"].(string)
			for _, s := range []string{"## Async Status Update 2026-10-26", "- **Progress & Status**: Parser done",
				"- **Blockers**: None", "    - [x] Slightly confident", "    - [ ] Very confident",
				"_Remember to update the workflow label!_", "/cc @emma @priya"} {
				if !strings.Contains(body, s) {
					t.Errorf("note lacks %q:\n%s", s, body)
				}
			}
			if strings.Count(body, "[x]") != 1 {
				t.Errorf("note ticks %d boxes", strings.Count(body, "[x]"))
			}
			if h := pt.health(3); h != "needs_attention" {
				t.Errorf("health = %v", h)
			}
			// The note is an ordinary note of the issue, and the /cc line stays text.
			r = pt.do("GET", pt.issuePath(3)+"/notes", engineer, "")
			want(t, r, 200)
			if !strings.Contains(r.body, "/cc @emma @priya") {
				t.Errorf("notes: %s", r.body)
			}
			r = pt.postStatus(3, engineer, "not")
			want(t, r, 201)
			if h := pt.health(3); h != "at_risk" {
				t.Errorf("health after not = %v", h)
			}
			r = pt.do("GET", pt.issuePath(3)+"/status_updates?per_page=1", guest, "")
			want(t, r, 200)
			var list []map[string]any
			r.decode(t, &list)
			if len(list) != 1 || list[0]["confidence"] != "not" || r.header.Get("X-Total") != "2" {
				t.Errorf("newest first, paginated: %s (X-Total %s)", r.body, r.header.Get("X-Total"))
			}
			r = pt.do("GET", "/groups/team/status_updates?week=2026-W44", guest, "")
			want(t, r, 200)
			r.decode(t, &list)
			if len(list) != 2 {
				t.Errorf("group week list: %s", r.body)
			}
			r = pt.do("GET", "/groups/team/status_updates?week=2026-W43", engineer, "")
			want(t, r, 200)
			if strings.TrimSpace(r.body) != "[]" {
				t.Errorf("other week: %s", r.body)
			}
		})

		t.Run("ErrInvalid", func(t *testing.T) {
			r := pt.postStatus(3, engineer, "maybe")
			want(t, r, 400)
			if !strings.Contains(r.body, "confidence") || !strings.Contains(r.body, "message") {
				t.Errorf("bad confidence body: %s", r.body)
			}
			r = pt.do("POST", pt.issuePath(3)+"/status_updates", engineer, `{"next_steps":"a","blockers":"b","confidence":"very"}`)
			want(t, r, 400)
			if !strings.Contains(r.body, "progress") {
				t.Errorf("missing progress body: %s", r.body)
			}
			want(t, pt.do("GET", "/groups/team/status_updates?week=2026-48", engineer, ""), 400)
			want(t, pt.do("GET", "/groups/team/status_updates/due?week=2026-W99", engineer, ""), 400)
		})

		t.Run("Permissions", func(t *testing.T) {
			before := pt.statusCount(3)
			want(t, pt.postStatus(3, guest, "very"), 403)
			want(t, pt.postStatus(3, outsider, "very"), 404)
			want(t, pt.postStatus(3, product, "very"), 201) // reporter
			want(t, pt.do("GET", pt.issuePath(3)+"/status_updates", outsider, ""), 404)
			want(t, pt.do("GET", "/groups/team/status_updates", outsider, ""), 404)
			want(t, pt.do("GET", "/groups/team/status_updates/due", outsider, ""), 404)
			want(t, pt.do("GET", pt.ms(pt.oct)+"/risk", outsider, ""), 404)
			want(t, pt.do("GET", "/groups/team/status_updates/due", guest, ""), 200)
			if n := pt.statusCount(3); n != before+1 {
				t.Errorf("updates %d, want %d", n, before+1)
			}
		})

		t.Run("HandWrittenNote", func(t *testing.T) {
			before := pt.statusCount(4)
			r := pt.do("POST", pt.issuePath(4)+"/notes", engineer, fmt.Sprintf(`{"body":%q}`, handTemplate))
			want(t, r, 201)
			r = pt.do("GET", pt.issuePath(4)+"/status_updates", engineer, "")
			want(t, r, 200)
			var list []map[string]any
			r.decode(t, &list)
			if len(list) != before+1 || list[0]["confidence"] != "very" || list[0]["progress"] != "Reviewed" ||
				list[0]["next_steps"] != "" || list[0]["blockers"] != "none" || list[0]["week"] != "2026-W44" || list[0]["note_id"] == nil {
				t.Fatalf("hand-written update: %s", r.body)
			}
			if h := pt.health(4); h != "on_track" {
				t.Errorf("health = %v", h)
			}
			two := strings.Replace(handTemplate, "[ ] Not", "[x] Not", 1)
			want(t, pt.do("POST", pt.issuePath(4)+"/notes", engineer, fmt.Sprintf(`{"body":%q}`, two)), 201)
			// A guest may comment, but not post a status update.
			want(t, pt.do("POST", pt.issuePath(4)+"/notes", guest, fmt.Sprintf(`{"body":%q}`, handTemplate)), 201)
			if n := pt.statusCount(4); n != before+1 {
				t.Errorf("two ticked boxes or a guest's note recorded: %d updates, want %d", n, before+1)
			}
		})
	})
}

// dueEntry is one entry of the due list.
type dueEntry struct {
	Issue struct {
		ProjectID int64  `json:"project_id"`
		IID       int64  `json:"iid"`
		Title     string `json:"title"`
		WebURL    string `json:"web_url"`
	} `json:"issue"`
	User struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	LastUpdateAt *string `json:"last_update_at"`
}

func (pt *planTeam) due(query string) ([]dueEntry, resp) {
	pt.t.Helper()
	r := pt.do("GET", "/groups/team/status_updates/due"+query, engineer, "")
	want(pt.t, r, 200)
	var list []dueEntry
	r.decode(pt.t, &list)
	return list, r
}

func dueKeys(list []dueEntry) string {
	var keys []string
	for _, d := range list {
		keys = append(keys, fmt.Sprintf("#%d@%s", d.Issue.IID, d.User.Username))
	}
	return strings.Join(keys, " ")
}

func TestStatusUpdatesDueAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, clk := newStatusTeam(t, st)
		oct := strconv.FormatInt(pt.oct, 10)
		ids := fmt.Sprintf("[%d,%d]", pt.users[engineer].ID, pt.users[owner].ID)
		r := pt.do("POST", "/projects/"+strconv.FormatInt(pt.project, 10)+"/issues", owner,
			`{"title":"Pair work","milestone_id":`+oct+`,"assignee_ids":`+ids+`}`)
		want(t, r, 201)
		pair := int64(r.obj(t)["iid"].(float64))
		r = pt.do("POST", "/projects/"+strconv.FormatInt(pt.project, 10)+"/issues", owner,
			fmt.Sprintf(`{"title":"Done already","milestone_id":%s,"assignee_ids":[%d]}`, oct, pt.users[engineer].ID))
		want(t, r, 201)
		done := int64(r.obj(t)["iid"].(float64))
		want(t, pt.do("PUT", pt.issuePath(done), owner, `{"state_event":"close"}`), 200)

		list, r := pt.due("")
		wantKeys := fmt.Sprintf("#3@tomas #%d@olga #%d@tomas", pair, pair)
		if got := dueKeys(list); got != wantKeys || r.header.Get("X-Cairn-Week") != "2026-W44" ||
			r.header.Get("X-Cairn-Status-Update-Day") != "2026-10-28" || r.header.Get("X-Cairn-Milestone-Id") != oct {
			t.Fatalf("due = %s (week %s, day %s), want %s", got, r.header.Get("X-Cairn-Week"), r.header.Get("X-Cairn-Status-Update-Day"), wantKeys)
		}
		if list[0].LastUpdateAt != nil || list[0].Issue.Title != "Carry me" || list[0].Issue.WebURL != pt.ts.URL+"/team/app/-/issues/3" {
			t.Errorf("first due = %+v", list[0])
		}

		// tomas posts on the pair issue on Wednesday; a second update the
		// same day adds history and changes nothing owed.
		clk.add(48 * time.Hour)
		want(t, pt.postStatus(pair, engineer, "very"), 201)
		want(t, pt.postStatus(pair, engineer, "slightly"), 201)
		list, _ = pt.due("?week=2026-W44")
		if got, want := dueKeys(list), fmt.Sprintf("#3@tomas #%d@olga", pair); got != want {
			t.Errorf("after tomas's updates: %s, want %s", got, want)
		}
		want(t, pt.postStatus(pair, owner, "very"), 201)
		list, _ = pt.due("?week=2026-W44")
		if got := dueKeys(list); got != "#3@tomas" {
			t.Errorf("after olga's update: %s", got)
		}

		// The week after, everything is owed again, with the last update time.
		clk.add(7 * 24 * time.Hour)
		list, r = pt.due("")
		if r.header.Get("X-Cairn-Week") != "2026-W45" {
			t.Errorf("week after: %s", r.header.Get("X-Cairn-Week"))
		}
		// 2026-W45's Wednesday is 4 November: the November milestone is
		// current, and nothing of it is assigned.
		if len(list) != 0 {
			t.Errorf("W45 due = %s", dueKeys(list))
		}
		list, _ = pt.due("?week=2026-W43")
		if got := dueKeys(list); got != wantKeys {
			t.Errorf("W43 due = %s, want %s", got, wantKeys)
		}
		for _, d := range list {
			if (d.Issue.IID == pair) != (d.LastUpdateAt != nil) {
				t.Errorf("last_update_at of #%d@%s = %v", d.Issue.IID, d.User.Username, d.LastUpdateAt)
			}
		}
	})
}

func TestStatusUpdatesTimeZone(t *testing.T) {
	if _, err := time.LoadLocation("Pacific/Auckland"); err != nil {
		t.Skip("no time zone database:", err)
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, clk := newStatusTeam(t, st)
		want(t, pt.do("PUT", "/groups/team/planning_settings", manager, `{"time_zone":"Pacific/Auckland"}`), 200)
		// Sunday 25 October 20:00 UTC is Monday 26 October 09:00 in Auckland:
		// week 44 there, still week 43 in UTC.
		clk.set(time.Date(2026, 10, 25, 20, 0, 0, 0, time.UTC))
		r := pt.postStatus(3, engineer, "very")
		want(t, r, 201)
		got := r.obj(t)
		if got["week"] != "2026-W44" || !strings.Contains(got["note"].(map[string]any)["body"].(string), "Async Status Update 2026-10-26") {
			t.Errorf("Auckland update: week %v, note %v", got["week"], got["note"])
		}
		list, r := pt.due("")
		if r.header.Get("X-Cairn-Week") != "2026-W44" || dueKeys(list) != "" {
			t.Errorf("Auckland due: week %s, %s", r.header.Get("X-Cairn-Week"), dueKeys(list))
		}
		r = pt.do("GET", "/groups/team/status_updates?week=2026-W43", engineer, "")
		want(t, r, 200)
		if strings.TrimSpace(r.body) != "[]" {
			t.Errorf("UTC week holds the Auckland update: %s", r.body)
		}
	})
}

// riskAnswer is the risk endpoint's answer.
type riskAnswer struct {
	Counts struct {
		Deliverables   int `json:"deliverables"`
		AtRisk         int `json:"at_risk"`
		NeedsAttention int `json:"needs_attention"`
		Stale          int `json:"stale"`
	} `json:"counts"`
	Deliverables []struct {
		Issue struct {
			IID int64 `json:"iid"`
		} `json:"issue"`
		Reason       string         `json:"reason"`
		LatestUpdate map[string]any `json:"latest_update"`
	} `json:"deliverables"`
}

func TestMilestoneRiskAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, clk := newStatusTeam(t, st)
		risk := func() riskAnswer {
			t.Helper()
			r := pt.do("GET", pt.ms(pt.oct)+"/risk", guest, "")
			want(t, r, 200)
			var a riskAnswer
			r.decode(t, &a)
			return a
		}
		summary := func(a riskAnswer) string {
			var s []string
			for _, d := range a.Deliverables {
				s = append(s, fmt.Sprintf("#%d %s", d.Issue.IID, d.Reason))
			}
			return fmt.Sprintf("%d/%d/%d/%d %s", a.Counts.Deliverables, a.Counts.AtRisk, a.Counts.NeedsAttention, a.Counts.Stale, strings.Join(s, ", "))
		}
		// October has no recorded plan: its Deliverables are its issues
		// labelled Deliverable, #3 only.
		steps := []struct {
			name       string
			confidence string        // "" posts nothing
			advance    time.Duration // before posting
			want       string
		}{
			{"NoUpdateYet", "", 0, "1/0/0/1 #3 no update yet"},
			{"Slightly", "slightly", 0, "1/0/1/0 #3 slightly confident"},
			{"Very", "very", time.Hour, "1/0/0/0 "},
			{"SevenDaysIsFine", "", 7 * 24 * time.Hour, "1/0/0/0 "},
			{"Stale", "", time.Minute, "1/0/0/1 #3 no update since 2026-10-26"},
			{"Not", "not", 0, "1/1/0/0 #3 not confident"},
		}
		for _, s := range steps {
			clk.add(s.advance)
			if s.confidence != "" {
				want(t, pt.postStatus(3, engineer, s.confidence), 201)
			}
			a := risk()
			if got := summary(a); got != s.want {
				t.Errorf("%s: risk %s, want %s", s.name, got, s.want)
			}
			if s.confidence != "" && len(a.Deliverables) == 1 && a.Deliverables[0].LatestUpdate["confidence"] != s.confidence {
				t.Errorf("%s: latest update %v", s.name, a.Deliverables[0].LatestUpdate)
			}
		}
		// A delivered (closed) Deliverable is counted, never at risk.
		want(t, pt.do("PUT", pt.issuePath(3), owner, `{"state_event":"close"}`), 200)
		if got := summary(risk()); got != "1/0/0/0 " {
			t.Errorf("closed: %s", got)
		}
		want(t, pt.do("GET", "/groups/team/milestones/"+strconv.FormatInt(pt.other, 10)+"/risk", engineer, ""), 404)
		want(t, pt.do("GET", "/groups/team/milestones/x/risk", engineer, ""), 404)
	})
}

// TestStatusUpdatesHideConfidential: guests see neither the status updates
// on a confidential issue they are not part of, nor it among the updates
// owed; the risk roll-up keeps its counts but not the title.
func TestStatusUpdatesHideConfidential(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt, _ := newStatusTeam(t, st)
		want(t, pt.postStatus(3, engineer, "not"), 201)
		group := "/groups/" + strconv.FormatInt(pt.groupID(), 10)
		risk := group + "/milestones/" + strconv.FormatInt(pt.oct, 10) + "/risk"
		for _, tc := range []struct {
			name         string
			confidential bool
			as           string
			seen         bool
		}{
			{"public issue, guest", false, guest, true},
			{"confidential, guest", true, guest, false},
			{"confidential, reporter and up", true, manager, true},
			{"confidential, assignee", true, engineer, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want(t, pt.do("PUT", pt.issuePath(3), owner, fmt.Sprintf(`{"confidential":%v}`, tc.confidential)), 200)
				r := pt.do("GET", group+"/status_updates?week=2026-W44", tc.as, "")
				want(t, r, 200)
				if got := strings.Contains(r.body, `"issue_iid":3`); got != tc.seen {
					t.Errorf("week list shows the update: %v, want %v: %s", got, tc.seen, r.body)
				}
				r = pt.do("GET", risk, tc.as, "")
				want(t, r, 200)
				if got := strings.Contains(r.body, "Carry me"); got != tc.seen {
					t.Errorf("risk shows the title: %v, want %v: %s", got, tc.seen, r.body)
				}
				if !strings.Contains(r.body, `"at_risk":1`) {
					t.Errorf("risk counts changed: %s", r.body)
				}
			})
		}
	})
}

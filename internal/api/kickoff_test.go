package api_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// kickoff fetches the kickoff agenda of a milestone as markdown.
func (pt *planTeam) kickoff(milestone int64, as string) string {
	pt.t.Helper()
	r := pt.do("GET", pt.ms(milestone)+"/kickoff", as, "")
	want(pt.t, r, 200)
	if ct := r.header.Get("Content-Type"); ct != "text/markdown; charset=utf-8" {
		pt.t.Errorf("Content-Type %q", ct)
	}
	return r.body
}

// wantIn fails unless md contains every one of parts, and none of not.
func wantIn(t *testing.T, md string, parts []string, not []string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(md, p) {
			t.Errorf("agenda lacks %q", p)
		}
	}
	for _, p := range not {
		if strings.Contains(md, p) {
			t.Errorf("agenda has %q", p)
		}
	}
	if t.Failed() {
		t.Logf("agenda:\n%s", md)
	}
}

func TestKickoffAgenda(t *testing.T) {
	t.Run("FinalisedWithComments", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			pt := newPlanTeam(t, st)
			// October's plan is finalised (its commitments recorded), then
			// November's, which opens October's retrospective.
			want(t, pt.do("POST", pt.ms(pt.oct)+"/plan/finalize", manager, ""), 201)
			var oct planJSON
			pt.do("GET", pt.ms(pt.oct)+"/plan", engineer, "").decode(t, &oct)
			if len(oct.Deliverables) < 2 {
				t.Fatalf("October has %d Deliverables, the test needs two", len(oct.Deliverables))
			}
			shipped, slipped := oct.Deliverables[0], oct.Deliverables[1]
			want(t, pt.do("PUT", pt.issuePath(shipped.IID), engineer, `{"state_event":"close"}`), 200)

			r := pt.do("POST", pt.ms(pt.nov)+"/plan/finalize", manager, "")
			want(t, r, 201)
			retro, _ := r.obj(t)["retrospective"].(map[string]any)
			if retro == nil {
				t.Fatalf("no retrospective: %s", r.body)
			}
			notes := "/projects/" + fmt.Sprint(retro["project_id"]) + "/issues/" + fmt.Sprint(retro["iid"]) + "/notes"
			want(t, pt.do("POST", notes, engineer, `{"body":"Went well: pairing on the parser\nmore detail below"}`), 201)
			want(t, pt.do("POST", notes, manager, `{"body":"\n\nTo improve: refine earlier"}`), 201)
			// A label change leaves a system note, which is no item.
			retroPath := "/projects/" + fmt.Sprint(retro["project_id"]) + "/issues/" + fmt.Sprint(retro["iid"])
			want(t, pt.do("PUT", retroPath, manager, `{"add_labels":"bug"}`), 200)

			// A blocker on one of November's Deliverables.
			var nov planJSON
			pt.do("GET", pt.ms(pt.nov)+"/plan", engineer, "").decode(t, &nov)
			if len(nov.Deliverables) == 0 {
				t.Fatal("November has no Deliverables")
			}
			blocked := nov.Deliverables[0]
			want(t, pt.do("POST", pt.issuePath(blocked.IID)+"/status_updates", engineer,
				`{"progress":"Started","next_steps":"More","blockers":"Waiting on the API team\nsecond line","confidence":"slightly"}`), 201)

			md := pt.kickoff(pt.nov, engineer)
			retroURL := retro["web_url"].(string)
			wantIn(t, md, []string{
				"# Retrospective and kickoff: 2026-11\n",
				"agenda of 2026-10-26",
				"## 1. Retrospective of 2026-10",
				"Retrospective issue: [team/",
				"](" + retroURL + ")",
				"Deliverables from the plan finalised for 2026-10: **1 of ",
				"Say/do ratio: **",
				"so far",
				"**Shipped**\n\n- [team/app#" + strconv.FormatInt(shipped.IID, 10) + "](" + shipped.WebURL + ") " + shipped.Title,
				"**Slipped**\n\n- [team/app#",
				"- [team/app#" + strconv.FormatInt(slipped.IID, 10) + "](" + slipped.WebURL + ") " + slipped.Title + " (weight ",
				"@tomas, 2026-10-26: Went well: pairing on the parser ([comment](" + retroURL + "#note_",
				"@emma, 2026-10-26: To improve: refine earlier",
				"## 2. Kickoff of 2026-11",
				"The plan is **final** since 2026-10-26.",
				"### Capacity",
				"### Deliverables",
				"| [team/app#" + strconv.FormatInt(blocked.IID, 10) + "](" + blocked.WebURL + ") ",
				"### Stretch", "### Carryover", "### Parking lot",
				"## 3. Open questions and blockers",
				"Waiting on the API team (@tomas, 2026-W44, [update](" + blocked.WebURL + "#note_",
			}, []string{"more detail below", "second line", "added ~", "No retrospective issue yet", "No plan finalised yet"})

			// JSON: the milestones and the same markdown.
			r = pt.do("GET", pt.ms(pt.nov)+"/kickoff?format=json", engineer, "")
			want(t, r, 200)
			var j struct {
				Milestone struct {
					ID    int64  `json:"id"`
					Title string `json:"title"`
				} `json:"milestone"`
				Previous *struct {
					ID int64 `json:"id"`
				} `json:"previous_milestone"`
				Markdown string `json:"markdown"`
			}
			r.decode(t, &j)
			if j.Milestone.ID != pt.nov || j.Previous == nil || j.Previous.ID != pt.oct || j.Markdown != md {
				t.Errorf("json = %+v", j)
			}
		})
	})

	t.Run("NoRetrospective", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			pt := newPlanTeam(t, st)
			md := pt.kickoff(pt.nov, engineer)
			wantIn(t, md, []string{
				"## 1. Retrospective of 2026-10",
				"_No retrospective issue yet: Cairn opens it when the plan of 2026-11 is finalised; it is due 2026-11-14._",
				// October has no plan: its Deliverables are the labelled
				// ones, #3 still open.
				"Deliverables from the Deliverable label (no plan was finalised for 2026-10): **0 of 1** done",
				"**Shipped**\n\n_Nothing shipped._",
				"- [team/app#3](" + pt.ts.URL + "/team/app/-/issues/3) Carry me (weight 1, @tomas)",
				"_No retrospective issue yet, so no items to discuss",
				"_No plan finalised yet — showing the current proposal._",
				"### Carryover\n\n| Issue | Weight | Owner |\n| --- | ---: | --- |\n| [team/app#3]",
				"_Nothing proposed._",
				"_No Deliverable reports a blocker in its latest status update._",
			}, []string{"Say/do ratio"})

			// The first milestone has nothing before it.
			sep := pt.milestone(pt.groupID(), "2026-09")
			md = pt.kickoff(sep, engineer)
			wantIn(t, md, []string{"## 1. Retrospective\n\n_No milestone before 2026-09: nothing to look back on yet._"}, nil)
		})
	})

	t.Run("GuestSeesNoConfidentialTitles", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			pt := newPlanTeam(t, st)
			// #5 is confidential; proposed for November it shows in the
			// parking lot whatever the plan does with it.
			want(t, pt.do("POST", pt.ms(pt.nov)+"/parking_lot", engineer, `{"project_id":"team/app","issue_iid":5,"reason":"Asked for"}`), 201)
			md := pt.kickoff(pt.nov, engineer)
			wantIn(t, md, []string{"[team/app#5](" + pt.ts.URL + "/team/app/-/issues/5) Ready medium"}, nil)
			md = pt.kickoff(pt.nov, guest)
			wantIn(t, md, []string{"[team/app#5](" + pt.ts.URL + "/team/app/-/issues/5) _Confidential issue_ — Asked for"},
				[]string{"Ready medium"})
		})
	})

	t.Run("Errors", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, st *store.Store) {
			pt := newPlanTeam(t, st)
			for _, tc := range []struct {
				name, path, as string
				status         int
			}{
				{"NotMember", pt.ms(pt.nov) + "/kickoff", outsider, 404},
				{"OtherGroupsMilestone", pt.ms(pt.other) + "/kickoff", engineer, 404},
				{"UnknownMilestone", "/groups/team/milestones/99999/kickoff", engineer, 404},
				{"BadFormat", pt.ms(pt.nov) + "/kickoff?format=pdf", engineer, 400},
				{"NoToken", pt.ms(pt.nov) + "/kickoff", "", 401},
				{"Guest", pt.ms(pt.nov) + "/kickoff", guest, 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					want(t, pt.do("GET", tc.path, tc.as, ""), tc.status)
				})
			}
		})
	})
}

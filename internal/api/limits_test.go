package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// jsonStr quotes s as a JSON string (the test strings need no escaping).
func jsonStr(s string) string { return `"` + s + `"` }

// manyLabels is a JSON array of n distinct label names.
func manyLabels(n int) string { return labelsFrom("l", n) }

// labelsFrom is a JSON array of n label names starting with prefix.
func labelsFrom(prefix string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = jsonStr(prefix + strconv.Itoa(i))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// manyInts is a comma-joined list of n numbers, for a query.
func manyInts(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(parts, ",")
}

// TestInputLimits sends every kind of oversized input the API takes and
// checks that each is refused with a 4xx and GitLab's error body naming
// the field — never a 500, never accepted — and that oversized paging is
// served within the limits.
func TestInputLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		proj := "/projects/" + strconv.FormatInt(pt.project, 10)
		grp := "/groups/team"
		long := func(n int) string { return strings.Repeat("a", n) }
		// A note to edit, by its author.
		note := pt.do(http.MethodPost, proj+"/issues/4/notes", engineer, `{"body":"hello"}`)
		want(t, note, http.StatusCreated)
		noteID := int64(note.obj(t)["id"].(float64))

		for _, tc := range []struct {
			name         string
			method, path string
			as           string
			body         string
			status       int
			wantBody     string // a part of the error body
		}{
			{"IssueTitle", "POST", proj + "/issues", owner, `{"title":"` + long(256) + `"}`, 400,
				`{"message":{"title":["is too long (maximum is 255 characters)"]}}`},
			{"IssueTitleUpdate", "PUT", proj + "/issues/4", owner, `{"title":"` + long(256) + `"}`, 400, `"title":["is too long`},
			{"IssueDescription", "POST", proj + "/issues", owner, `{"title":"x","description":"` + long(1<<20+1) + `"}`, 400,
				`{"message":{"description":["is too long (maximum is 1048576 characters)"]}}`},
			{"IssueLabelCount", "POST", proj + "/issues", owner, `{"title":"x","labels":` + manyLabels(101) + `}`, 400, `"labels":["has too many entries`},
			// One request carries at most 100 labels; the set that requests
			// build up on one issue stops at 200 (store maxIssueLabels).
			{"IssueAddLabels", "PUT", proj + "/issues/4", owner, `{"labels":` + labelsFrom("a", 100) + `}`, 200, ""},
			{"IssueAddMoreLabels", "PUT", proj + "/issues/4", owner, `{"add_labels":` + labelsFrom("b", 100) + `}`, 200, ""},
			{"IssueAddLabelsOverLimit", "PUT", proj + "/issues/4", owner, `{"add_labels":["c"]}`, 400, `"labels":["has too many entries (maximum is 200)"]`},
			{"IssueAddLabelsInOneRequest", "PUT", proj + "/issues/4", owner, `{"add_labels":` + labelsFrom("d", 101) + `}`, 400, `"labels":["has too many entries (maximum is 100)"]`},
			{"LabelNameOnIssue", "POST", proj + "/issues", owner, `{"title":"x","labels":["` + long(256) + `"]}`, 400, `"labels":["has an invalid label name`},
			{"LabelName", "POST", grp + "/labels", owner, `{"name":"` + long(256) + `","color":"#ff0000"}`, 400, `"title":["is too long (maximum is 255 characters)"]`},
			{"LabelDescription", "POST", grp + "/labels", owner, `{"name":"ok","color":"#ff0000","description":"` + long(1025) + `"}`, 400,
				`"description":["is too long (maximum is 1024 characters)"]`},
			{"LabelDescriptionUpdate", "PUT", grp + "/labels/bug", owner, `{"description":"` + long(1025) + `"}`, 400, `"description":["is too long`},
			{"NoteBody", "POST", proj + "/issues/4/notes", engineer, `{"body":"` + long(1<<20+1) + `"}`, 400,
				`{"message":{"note":["is too long (maximum is 1048576 characters)"]}}`},
			{"NoteBodyUpdate", "PUT", fmt.Sprintf("%s/issues/4/notes/%d", proj, noteID), engineer, `{"body":"` + long(1<<20+1) + `"}`, 400, `"note":["is too long`},
			{"MilestoneTitle", "POST", grp + "/milestones", owner, `{"title":"` + long(256) + `"}`, 400, `"title":["is too long (maximum is 255 characters)"]`},
			{"MilestoneDescription", "POST", grp + "/milestones", owner, `{"title":"m","description":"` + long(1<<20+1) + `"}`, 400,
				`"description":["is too long (maximum is 1048576 characters)"]`},
			{"MilestoneTitleUpdate", "PUT", grp + "/milestones/" + strconv.FormatInt(pt.nov, 10), owner, `{"title":"` + long(256) + `"}`, 400, `"title":["is too long`},
			{"MilestoneDescriptionUpdate", "PUT", grp + "/milestones/" + strconv.FormatInt(pt.nov, 10), owner, `{"description":"` + long(1<<20+1) + `"}`, 400, `"description":["is too long`},
			{"StatusUpdateField", "POST", proj + "/issues/4/status_updates", engineer,
				`{"progress":"` + long(64<<10+1) + `","next_steps":"x","blockers":"x","confidence":"very"}`, 400, `"progress":["is too long (maximum is 65536 characters)"]`},
			{"ParkingLotReason", "POST", grp + "/milestones/" + strconv.FormatInt(pt.nov, 10) + "/parking_lot", owner, `{"title":"x","reason":"` + long(2001) + `"}`, 400, `"reason":["is too long`},
			{"TimeOffNote", "POST", grp + "/time_off", engineer, `{"start_date":"2026-11-02","note":"` + long(1001) + `"}`, 400, `"note":["is too long`},
			{"WebhookURL", "POST", grp + "/hooks", owner, `{"url":"https://hooks.example.com/` + long(2048) + `"}`, 400, `"url":["is too long (maximum is 2048 characters)"]`},
			{"TemplateContent", "POST", grp + "/templates", owner, `{"name":"t","content":"` + long(1<<20+1) + `"}`, 400, `"content":["is too long`},
			{"GroupDescription", "POST", "/groups", admin, `{"path":"g2","name":"G2","description":"` + long(501) + `"}`, 400,
				`"description":["is too long (maximum is 500 characters)"]`},
			{"ProjectDescription", "POST", "/projects", owner, `{"path":"p2","namespace_id":"team","description":"` + long(2001) + `"}`, 400,
				`"description":["is too long (maximum is 2000 characters)"]`},
			{"Body", "POST", proj + "/issues", owner, `{"title":"x","description":"` + long(2<<20) + `"}`, 413, `{"message":"413 Request Entity Too Large"}`},
			// Query parameters: too many values in a list, and paging.
			{"ManyIIDs", "GET", proj + "/issues?iids=" + manyInts(1001), owner, "", 400, `{"error":"iids has too many values (maximum is 1000)"}`},
			{"VeryManyIIDs", "GET", proj + "/issues?iids=" + manyInts(40000), owner, "", 400, `"error":"iids`},
			{"ManyNotIIDs", "GET", proj + "/issues?not[iids]=" + manyInts(40000), owner, "", 400, `"error":"not[iids]`},
			{"ManyAssignees", "GET", proj + "/issues?assignee_username=" + strings.Repeat("x,", 101) + "y", owner, "", 400, `"error":"assignee_username`},
			{"ManyLabelsInFilter", "GET", proj + "/issues?labels=" + strings.Trim(strings.ReplaceAll(manyLabels(101), `"`, ""), "[]"), owner, "", 400, `"error":"labels`},
			{"ManyMilestoneIIDs", "GET", grp + "/milestones?iids=" + manyInts(1001), owner, "", 400, `"error":"iids`},
			{"LongSearch", "GET", proj + "/issues?search=" + long(4097), owner, "", 400, `{"error":"search is too long (maximum is 4096 characters)"}`},
			{"MilestoneSearch", "GET", grp + "/milestones?search=" + long(4097), owner, "", 400, `"error":"search`},
			{"PerPageCapped", "GET", proj + "/issues?per_page=100000", owner, "", 200, ""},
			{"HugePage", "GET", proj + "/issues?page=9223372036854775807&per_page=100", owner, "", 200, ""},
			{"HugePageGroup", "GET", grp + "/issues?page=4611686018427387904", owner, "", 200, ""},
			{"HugePageNotes", "GET", proj + "/issues/4/notes?page=9223372036854775807", owner, "", 200, ""},
			{"NegativePage", "GET", proj + "/issues?page=-3&per_page=-1", owner, "", 200, ""},
			{"PageNotANumber", "GET", proj + "/issues?page=x", owner, "", 400, `{"error":"page is invalid"}`},
			{"PageOverflow", "GET", proj + "/issues?page=99999999999999999999", owner, "", 400, `{"error":"page is invalid"}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := pt.do(tc.method, tc.path, tc.as, tc.body)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
				}
				if !strings.Contains(r.body, tc.wantBody) {
					t.Errorf("body %.300s, want it to contain %s", r.body, tc.wantBody)
				}
				if tc.status == 200 {
					if pp := r.header.Get("X-Per-Page"); pp != "" && pp != "100" && pp != "20" {
						t.Errorf("X-Per-Page %s", pp)
					}
				}
			})
		}
	})
}

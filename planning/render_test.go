package planning

import (
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Plain", "Export CSV", "Export CSV"},
		{"HTML", `<img src=x onerror="alert(1)">`, `&lt;img src=x onerror="alert(1)"&gt;`},
		{"Pipe", "a | b", `a \| b`},
		{"Lines", "one\ntwo\r\nthree", "one two  three"},
		{"Markdown", "*bold* _it_ [link](javascript:x) `code` ~~s~~ #1 ![i]", `\*bold\* \_it\_ \[link\](javascript:x) \` + "`" + `code\` + "`" + ` \~\~s\~\~ \#1 \!\[i\]`},
		{"Ampersand", "R&D", "R&amp;D"},
		{"Backslash", `a\|b`, `a\\\|b`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Cell(tc.in); got != tc.want {
				t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMergeGenerated(t *testing.T) {
	fresh := "intro\n" + wrapSection(SectionCapacity, "### Capacity\n\nnew capacity\n") + "\n" + wrapSection(SectionWork, "### Milestone Work\n\nnew work\n")
	tests := []struct {
		name, current, want string
	}{
		{
			name:    "ReplacesOnlySections",
			current: "My intro\n- [x] ticked\n\n<!-- cairn:capacity -->\nold capacity\n<!-- /cairn:capacity -->\n\nA note between\n\n<!-- cairn:milestone-work -->\nold work\n<!-- /cairn:milestone-work -->\nTrailing note\n",
			want:    "My intro\n- [x] ticked\n\n<!-- cairn:capacity -->\n### Capacity\n\nnew capacity\n<!-- /cairn:capacity -->\n\nA note between\n\n<!-- cairn:milestone-work -->\n### Milestone Work\n\nnew work\n<!-- /cairn:milestone-work -->\nTrailing note\n",
		},
		{
			name:    "AppendsMissing",
			current: "Written by hand\n\n<!-- cairn:milestone-work -->\nold\n<!-- /cairn:milestone-work -->\n",
			want:    "Written by hand\n\n<!-- cairn:milestone-work -->\n### Milestone Work\n\nnew work\n<!-- /cairn:milestone-work -->\n\n<!-- cairn:capacity -->\n### Capacity\n\nnew capacity\n<!-- /cairn:capacity -->\n",
		},
		{
			name:    "EmptyCurrent",
			current: "",
			want:    wrapSection(SectionCapacity, "### Capacity\n\nnew capacity\n") + "\n" + wrapSection(SectionWork, "### Milestone Work\n\nnew work\n"),
		},
		{
			name: "BrokenStartMarkerKeepsText",
			// Someone deleted the first end marker: the orphan start and
			// the text after it are theirs and stay.
			current: "<!-- cairn:capacity -->\nkeep me\n\n<!-- cairn:capacity -->\nold\n<!-- /cairn:capacity -->\n",
			want:    "<!-- cairn:capacity -->\nkeep me\n\n<!-- cairn:capacity -->\n### Capacity\n\nnew capacity\n<!-- /cairn:capacity -->\n\n" + wrapSection(SectionWork, "### Milestone Work\n\nnew work\n"),
		},
		{
			name:    "CRLF",
			current: "hand\r\n<!-- cairn:capacity -->\r\nold\r\n<!-- /cairn:capacity -->\r\n<!-- cairn:milestone-work -->\r\nold\r\n<!-- /cairn:milestone-work -->\r\n",
			want:    "hand\r\n<!-- cairn:capacity -->\r\n### Capacity\n\nnew capacity\n<!-- /cairn:capacity -->\r\n<!-- cairn:milestone-work -->\r\n### Milestone Work\n\nnew work\n<!-- /cairn:milestone-work -->\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := MergeGenerated(tc.current, fresh)
			if got != tc.want {
				t.Errorf("MergeGenerated:\n got %q\nwant %q", got, tc.want)
			}
			if again := MergeGenerated(got, fresh); again != got {
				t.Errorf("merging twice changed the text:\n%q\n%q", got, again)
			}
		})
	}
}

// renderDoc is a small plan: capacity of two members and one entry of
// each kind.
func renderDoc() PlanningDoc {
	w3, w5 := 3, 5
	return PlanningDoc{
		Settings:  DefaultSettings(),
		Milestone: Milestone{ID: 2, Title: "November 2026", StartDate: "2026-11-01", DueDate: "2026-11-30"},
		Capacity: &CapacityReport{MilestoneID: 2, WorkingDays: 20, TeamCapacity: 12.25, TeamVelocity: 0.5, TeamVelocitySource: SourceDefault,
			Members: []MemberCapacity{{UserID: 1, Username: "alice", PlanningRole: cairn.RoleEngineer, CapacityFactor: 1, AvailableDays: 17.5,
				TimeOffDays: 2.5, DevDays: 12.25, Velocity: 0.5, VelocitySource: SourceDefault, Capacity: 6.125}}},
		Plan: &Plan{MilestoneID: 2, TeamCapacity: 12.25, StretchBudget: 2.45, PlannedWeight: 5, RemainingCapacity: 7.25,
			Deliverables: []Entry{{ID: 10, IID: 4, Title: "Big | one", Weight: &w5, Assignees: []User{{ID: 1, Username: "alice"}}, Priority: "high",
				Placement: PlacementDeliverable, Flags: []string{FlagConsiderSplitting}}},
			LeftOut: []Entry{{ID: 11, IID: 5, Title: "Later", Weight: &w3, Priority: "low", Placement: PlacementLeftOut, Reason: ReasonDoesNotFit,
				Detail: "the stretch budget has 2.45 left"}},
			RefinementGaps: []Entry{{ID: 12, IID: 6, Title: "<i>vague</i>", Priority: "high", Reason: "in refinement, no weight"}},
		},
		ParkingLot: []*cairn.ParkingLotEntry{{ID: 1, Title: "Rust support", Reason: "Top ask", Author: &cairn.User{Username: "bob"}}},
		Refs:       map[int64]string{10: "team/app#4", 11: "team/app#5"},
	}
}

func TestRenderPlanningIssue(t *testing.T) {
	d, err := RenderPlanningIssue(renderDoc())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"final by **2026-10-29**, 3 days before",
		"- [ ] Workload agreed with each engineer in a thread",
		"| @alice | engineer | 2.5 | 17.5 | 12.3 | 0.5 | default | none | 6.1 |",
		"| **Team** | | | | | | | | **12.3** |",
		"Team velocity: **0.5**, the default velocity.",
		"| team/app#4 | Big \\| one | 5 | @alice | high | Deliverable |",
		"| team/app#5 | Later | 3 | unassigned | low | does not fit: the stretch budget has 2.45 left |",
		"| #6 | &lt;i&gt;vague&lt;/i&gt; | high | – | unassigned | in refinement, no weight |",
		"- **Rust support** — Top ask (proposed by @bob)",
		"- team/app#4 Big \\| one (weight 5, Deliverable)",
		"_Nothing is carried over from the current milestone._",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("planning issue lacks %q:\n%s", want, d)
		}
	}
	for _, name := range Sections {
		if strings.Count(d, startMarker(name)) != 1 || strings.Count(d, endMarker(name)) != 1 {
			t.Errorf("section %s is not wrapped once", name)
		}
	}
	if again, _ := RenderPlanningIssue(renderDoc()); again != d {
		t.Errorf("rendering is not deterministic")
	}
	if MergeGenerated(d, RenderGenerated(renderDoc())) != d {
		t.Errorf("merging the same plan changes the description")
	}
}

func TestRenderLongListsAreCapped(t *testing.T) {
	doc := renderDoc()
	w := 1
	for i := 0; i < MaxListedRows+7; i++ {
		doc.Plan.LeftOut = append(doc.Plan.LeftOut, Entry{ID: int64(100 + i), IID: int64(100 + i), Title: "x", Weight: &w, Placement: PlacementLeftOut})
	}
	out := RenderGenerated(doc)
	left := out[strings.Index(out, startMarker(SectionLeftOut)):strings.Index(out, endMarker(SectionLeftOut))]
	if rows := strings.Count(left, "\n| #") + strings.Count(left, "\n| team/"); rows != MaxListedRows {
		t.Errorf("%d left-out rows, want %d", rows, MaxListedRows)
	}
	if !strings.Contains(left, "… and 8 more") {
		t.Errorf("no note of the rows left off:\n%s", left)
	}
}

func TestRenderRetrospective(t *testing.T) {
	w2, w3 := 2, 3
	d := RenderRetrospective(RetroDoc{
		Milestone: Milestone{Title: "October 2026", StartDate: "2026-10-01", DueDate: "2026-10-31"}, DueDate: "2026-11-14",
		Shipped:        []RetroItem{{Ref: "team/app#1", Title: "Done", Weight: &w3, Assignees: []string{"bob"}}},
		Slipped:        []RetroItem{{Ref: "team/app#2", Title: "Not | done", Weight: &w2}, {Ref: "team/app#3", Title: "No weight"}},
		FromCommitment: true, PlanningRef: "team/planning#1",
	})
	for _, want := range []string{
		"it is due **2026-11-14**",
		"Planning issue: team/planning#1",
		"Deliverables from the plan finalised for this milestone: **1 of 3** done, weight **3 of 5**.",
		"| team/app#1 | Done | 3 | @bob |",
		"| team/app#2 | Not \\| done | 2 | unassigned |",
		"### What went well?", "### What didn't go well?", "### What should we change?",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("retrospective lacks %q:\n%s", want, d)
		}
	}
}

func TestRenderCoverage(t *testing.T) {
	w := 2
	d := RenderCoverage(CoverageDoc{Username: "alice", StartDate: "2026-11-11", EndDate: "2026-11-11", HalfDay: true, WorkingDays: 0.5,
		Note: "Dentist\n<b>", Issues: []RetroItem{{Ref: "team/app#4", Title: "Export", Weight: &w}}})
	for _, want := range []string{
		"@alice is away 2026-11-11 (half days): 0.5 working days.",
		"> Dentist &lt;b&gt;",
		"- [ ] Work in progress has a named backup",
		"- [ ] team/app#4 Export (weight 2)",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("coverage lacks %q:\n%s", want, d)
		}
	}
	if got := CoverageTitle("alice", "2026-11-11", "2026-11-11"); got != "Coverage: @alice away on 2026-11-11" {
		t.Errorf("title %q", got)
	}
}

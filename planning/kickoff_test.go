package planning

import (
	"strings"
	"testing"
)

func TestRenderKickoff(t *testing.T) {
	w := func(n int) *int { return &n }
	ratio := 0.5
	nov := Milestone{ID: 3, Title: "2026-11", StartDate: "2026-11-01", DueDate: "2026-11-30"}
	oct := Milestone{ID: 2, Title: "2026-10", StartDate: "2026-10-01", DueDate: "2026-10-31"}
	full := KickoffDoc{
		Group: "team", Date: "2026-11-02", Milestone: nov, MilestoneURL: "https://c/groups/team/-/milestones/3",
		Previous: &oct, PreviousURL: "https://c/groups/team/-/milestones/2", PreviousEnded: true,
		Retrospective:    &KickoffIssue{Ref: "team/planning#9", Title: "Retrospective: 2026-10", URL: "https://c/team/planning/-/issues/9"},
		RetrospectiveDue: "2026-11-14", FromCommitment: true,
		Shipped: []KickoffIssue{{Ref: "team/app#1", Title: "Parser *fast*", URL: "https://c/team/app/-/issues/1", Weight: w(3), Assignees: []string{"tomas"}}},
		Slipped: []KickoffIssue{{Ref: "team/app#2", Title: "Secret thing", Hidden: true, Weight: w(2), URL: "https://c/team/app/-/issues/2"}},
		SayDo:   &SayDo{Committed: 2, Done: 1, Ratio: &ratio},
		Discussion: []KickoffComment{
			{Author: "emma", Date: "2026-11-01", Text: "\n  Good: <b>pairing</b>  \nsecond line", URL: "https://c/team/planning/-/issues/9#note_4"},
			{Date: "2026-11-02", Text: strings.Repeat("x", 300)},
		},
		MoreDiscussion: 2,
		Finalized:      true, FinalizedOn: "2026-10-29",
		Capacity:     &CapacityReport{WorkingDays: 21, TeamVelocity: 0.5, Members: []MemberCapacity{{UserID: 1, Username: "tomas", Capacity: 8}}},
		TeamCapacity: 8, PlannedWeight: 5, RemainingCapacity: 3, StretchBudget: 1.6,
		MemberLoad:   []MemberLoad{{UserID: 1, Username: "tomas", Planned: 5}},
		Deliverables: []KickoffIssue{{Ref: "team/app#2", Title: "Secret thing", Hidden: true, Weight: w(2), Assignees: []string{"olga"}}},
		ParkingLot: []KickoffParking{
			{Title: "Faster | cache", Reason: "It is slow", Author: "priya"},
			{Issue: &KickoffIssue{Ref: "team/app#5", Title: "Hidden", Hidden: true}, Reason: "Asked for"},
		},
		Blockers: []KickoffBlocker{
			{Issue: KickoffIssue{Ref: "team/app#6", Title: "Visible", URL: "u6"}, Author: "tomas", Week: "2026-W45", Blockers: "API team\nmore", URL: "u6#note_1"},
			{Issue: KickoffIssue{Ref: "team/app#2", Hidden: true}, Author: "olga", Week: "2026-W45"},
		},
	}
	for _, tc := range []struct {
		name string
		doc  KickoffDoc
		want []string
		not  []string
	}{
		{
			name: "Full",
			doc:  full,
			want: []string{
				"# Retrospective and kickoff: 2026-11\n\n",
				"agenda of 2026-11-02. We look back on [2026-10](https://c/groups/team/-/milestones/2) (2026-10-01 to 2026-10-31) and ahead to [2026-11](",
				"## 1. Retrospective of 2026-10\n\nRetrospective issue: [team/planning#9](https://c/team/planning/-/issues/9) Retrospective: 2026-10, due 2026-11-14.",
				"Deliverables from the plan finalised for 2026-10: **1 of 2** done, weight **3 of 5**. Say/do ratio: **50%** (1 of 2 committed Deliverables closed by the end of 2026-10-31).",
				"- [team/app#1](https://c/team/app/-/issues/1) Parser \\*fast\\* (weight 3, @tomas)",
				"- [team/app#2](https://c/team/app/-/issues/2) _Confidential issue_ (weight 2, unassigned)",
				"- @emma, 2026-11-01: Good: &lt;b&gt;pairing&lt;/b&gt; ([comment](https://c/team/planning/-/issues/9#note_4))",
				"- a former member, 2026-11-02: " + strings.Repeat("x", 200) + "…\n",
				"- _… and 2 more on the issue._",
				"The plan is **final** since 2026-10-29.",
				"**21** working days; team capacity **8.0** (team velocity 0.5). Deliverables take weight **5** (3.0 left); Stretch takes **0** of a budget of **1.6**.",
				"| @tomas | 0.0 | 8.0 | 5.0 |",
				"| team/app#2 _Confidential issue_ | 2 | @olga |",
				"- **Faster \\| cache** — It is slow (proposed by @priya)",
				"- team/app#5 _Confidential issue_ — Asked for (proposed by someone)",
				"- [team/app#6](u6) Visible: API team (@tomas, 2026-W45, [update](u6#note_1))",
				"- team/app#2 _Confidential issue_: (details are confidential) (@olga, 2026-W45)",
			},
			not: []string{"Secret thing", "Hidden", "second line", "more)", "so far", "No plan finalised"},
		},
		{
			name: "Empty",
			doc:  KickoffDoc{Group: "team", Date: "2026-09-01", Milestone: nov},
			want: []string{
				"We look ahead to **2026-11** (2026-11-01 to 2026-11-30).",
				"## 1. Retrospective\n\n_No milestone before 2026-11: nothing to look back on yet._",
				"_No plan finalised yet — showing the current proposal._",
				"### Capacity\n\n_No capacity yet._",
				"_No Deliverables yet: no issue is ready and weighted for this milestone._",
				"_No Stretch issues._", "_Nothing is carried over._", "_Nothing proposed._",
				"_No Deliverable reports a blocker in its latest status update._",
			},
		},
		{
			name: "NoRetrospectiveYet",
			doc:  KickoffDoc{Group: "team", Date: "2026-10-26", Milestone: nov, Previous: &oct, RetrospectiveDue: "2026-11-14"},
			want: []string{
				"_No retrospective issue yet: Cairn opens it when the plan of 2026-11 is finalised; it is due 2026-11-14._",
				"_2026-10 had no Deliverables: no plan was finalised for it and none of its issues has the Deliverable label._",
				"_No retrospective issue yet, so no items to discuss: bring them to the meeting._",
			},
			not: []string{"Say/do"},
		},
		{
			name: "RunningAndNoComments",
			doc: KickoffDoc{Group: "team", Date: "2026-10-26", Milestone: nov, Previous: &oct,
				Retrospective: &KickoffIssue{Ref: "team/planning#9", Title: "Retrospective: 2026-10"},
				Slipped:       []KickoffIssue{{Ref: "team/app#3", Title: "Carry me"}}, SayDo: &SayDo{Committed: 1, Ratio: new(float64)}},
			want: []string{
				"Retrospective issue: team/planning#9 Retrospective: 2026-10.",
				"**0 of 1** done, weight **0 of 0** so far (the milestone ends 2026-10-31). Say/do ratio: **0%** (0 of 1 committed Deliverables closed by the end of 2026-10-31, so far).",
				"**Shipped**\n\n_Nothing shipped._", "- team/app#3 Carry me (weight –, unassigned)",
				"_No comments on the retrospective yet._",
			},
		},
		{
			name: "ConfidentialRetrospective",
			doc: KickoffDoc{Group: "team", Milestone: nov, Previous: &oct,
				Retrospective: &KickoffIssue{Ref: "team/planning#9", Hidden: true}, Discussion: []KickoffComment{{Author: "emma", Text: "secret"}}},
			want: []string{"_The retrospective issue is confidential._"},
			not:  []string{"secret"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := RenderKickoff(tc.doc)
			for _, s := range tc.want {
				if !strings.Contains(md, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(md, s) {
					t.Errorf("has %q", s)
				}
			}
			if t.Failed() {
				t.Logf("agenda:\n%s", md)
			}
			if again := RenderKickoff(tc.doc); again != md {
				t.Error("rendering is not deterministic")
			}
		})
	}
}

func TestHasBlockers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", false}, {"None", false}, {" none. ", false}, {"N/A", false}, {"-", false}, {"No blockers!", false},
		{"_Are you blocked or need assistance with this?_", false},
		{"Waiting on review", true}, {"None of the reviewers answer", true}, {"no access to staging", true},
	} {
		if got := HasBlockers(tc.in); got != tc.want {
			t.Errorf("HasBlockers(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"", 10, ""},
		{"\r\n \n  hello world \r\nnext", 20, "hello world"},
		{"ünïcödé text", 5, "ünïcö…"},
		{"abc", 3, "abc"},
	} {
		if got := FirstLine(tc.in, tc.max); got != tc.want {
			t.Errorf("FirstLine(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

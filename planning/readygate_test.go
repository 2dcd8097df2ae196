package planning

import (
	"slices"
	"strings"
	"testing"
)

func TestReadyGate(t *testing.T) {
	s := DefaultSettings()
	w := func(n int) *int { return &n }
	const scale = "weight from the scale (1, 2, 3, 5)"
	complete := "## Context\n\nUsers lose drafts.\n\n## Proposal\n\nAutosave every 10 s.\n\n## Acceptance Criteria\n\n- drafts survive a reload\n"
	tmpl, _ := BuiltinTemplateNamed(TemplateIssue)

	tests := []struct {
		name   string
		weight *int
		desc   string
		want   []string
	}{
		{"OK", w(3), complete, nil},
		{"LargestWeightPasses", w(5), complete, nil},
		{"NoWeight", nil, complete, []string{scale}},
		{"WeightOffScale", w(4), complete, []string{scale}},
		{"WeightZero", w(0), complete, []string{scale}},
		{"EmptyDescription", w(2), "", []string{GateContext, GateProposal, GateAcceptance}},
		{"NothingAtAll", nil, "", []string{scale, GateContext, GateProposal, GateAcceptance}},
		// The seed's template as it comes: headings with placeholders only.
		{"TemplateUntouched", w(2), tmpl.Content, []string{GateContext, GateProposal, GateAcceptance}},
		{"TemplateWithContextOnly", w(2), strings.Replace(tmpl.Content, "_Summary or background", "Drafts vanish on reload.\n\n_Summary or background", 1),
			[]string{GateProposal, GateAcceptance}},
		{"DefinitionOfDoneCounts", w(1), "## Context\nx\n## Proposal\ny\n## Definition of Done\n- [ ] it works\n", nil},
		{"CombinedHeadingCounts", w(1), "## Context\nx\n## Proposal\ny\n## Definition of Done / Acceptance Criteria\nAll green.\n", nil},
		{"CaseAndLevelsIgnored", w(1), "### CONTEXT\nx\n# proposal\ny\n#### acceptance criteria:\nz\n", nil},
		{"SubsectionFillsParent", w(1), "## Context\n\n### Further Details\n\nThe cache is cold.\n\n## Proposal\np\n## Acceptance Criteria\na\n", nil},
		{"SiblingDoesNotFill", w(1), "## Context\n\n## Further Details\n\nThe cache is cold.\n\n## Proposal\np\n## Acceptance Criteria\na\n", []string{GateContext}},
		{"PlaceholderAndEmptyBoxesAreEmpty", w(1), "## Context\n_Summary of it._\n\n- [ ]\n-\n<!-- fill me -->\n## Proposal\np\n## Acceptance Criteria\na\n", []string{GateContext}},
		{"BoldIsContent", w(1), "## Context\n**Drafts vanish.**\n## Proposal\np\n## Acceptance Criteria\na\n", nil},
		{"HeadingInCodeFenceIsText", w(1), "```markdown\n## Context\nx\n## Proposal\ny\n## Acceptance Criteria\nz\n```\n", []string{GateContext, GateProposal, GateAcceptance}},
		{"HashWithoutSpaceIsNoHeading", w(1), "#Context\nx\n## Proposal\ny\n## Acceptance Criteria\nz\n", []string{GateContext}},
		{"CRLF", w(1), "## Context\r\nx\r\n## Proposal\r\ny\r\n## Acceptance Criteria\r\nz\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReadyGate(s, tt.weight, tt.desc); !slices.Equal(got, tt.want) {
				t.Errorf("ReadyGate = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadyGateMessage(t *testing.T) {
	s := DefaultSettings()
	got := ReadyGateMessage(s, ReadyGate(s, nil, ""))
	want := "Cannot move to workflow::ready for development: missing weight from the scale (1, 2, 3, 5), Context, Proposal, Acceptance Criteria"
	if got != want {
		t.Errorf("message\n got %q\nwant %q", got, want)
	}
	s.Weights = []int{1, 2, 4, 8}
	if got, want := GateWeight(s), "weight from the scale (1, 2, 4, 8)"; got != want {
		t.Errorf("GateWeight = %q, want %q", got, want)
	}
}

func TestNeedsSplit(t *testing.T) {
	s := DefaultSettings()
	for _, tt := range []struct {
		w    *int
		want bool
	}{{nil, false}, {gateW(3), false}, {gateW(5), true}, {gateW(8), true}} {
		if got := NeedsSplit(s, tt.w); got != tt.want {
			t.Errorf("NeedsSplit(%v) = %v, want %v", tt.w, got, tt.want)
		}
	}
	if got, want := SplitNote(5), "Weight 5 is the largest on the scale: consider splitting this issue into an epic with sub-issues or a spike."; got != want {
		t.Errorf("SplitNote = %q", got)
	}
}

func TestChecklistProgress(t *testing.T) {
	tmpl, _ := BuiltinTemplateNamed(TemplateRefinement)
	tests := []struct {
		name            string
		body            string
		count, complete int
	}{
		{"Template", tmpl.Content, 10, 0},
		{"Ticked", "## Refinement Checklist\n- [x] one\n- [X] two\n  - [ ] nested\n* [x] star\n1. [ ] numbered\n", 5, 3},
		{"NoBoxes", "just words [x] here", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, done := ChecklistProgress(tt.body)
			if n != tt.count || done != tt.complete {
				t.Errorf("ChecklistProgress = %d, %d; want %d, %d", n, done, tt.count, tt.complete)
			}
		})
	}
	if !IsRefinementChecklist(tmpl.Content) || !IsRefinementChecklist("## refinement checklist\n") || IsRefinementChecklist("# Checklist") {
		t.Error("IsRefinementChecklist misreads the heading")
	}
}

func TestBuiltinTemplates(t *testing.T) {
	seen := map[string]bool{}
	for _, tt := range BuiltinTemplates() {
		if seen[tt.Name] || tt.Content == "" || tt.Description == "" {
			t.Errorf("template %q is repeated or empty", tt.Name)
		}
		seen[tt.Name] = true
	}
	for _, n := range []string{TemplateIssue, TemplateRefinement, TemplateOnboarding, TemplateTimeOff, TemplatePlanning, TemplateRetrospective, TemplateStatusUpdate} {
		if !seen[n] {
			t.Errorf("built-in %q is missing", n)
		}
	}
	if _, ok := BuiltinTemplateNamed("ISSUE"); !ok {
		t.Error("BuiltinTemplateNamed is case-sensitive")
	}
}

func gateW(n int) *int { return &n }

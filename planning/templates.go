package planning

import (
	"regexp"
	"strings"
)

// BuiltinTemplate is a description template every team has: the texts of
// the seeds' process. A team's own template of the same name replaces it.
type BuiltinTemplate struct {
	Name        string
	Description string
	Content     string
}

// Names of the built-in templates, as `template=` on a new issue takes them.
const (
	TemplateIssue         = "issue"
	TemplateRefinement    = "refinement-checklist"
	TemplateOnboarding    = "onboarding"
	TemplateTimeOff       = "time-off-coverage"
	TemplatePlanning      = "planning-issue"
	TemplateRetrospective = "retrospective"
	TemplateStatusUpdate  = "status-update"
)

// RefinementChecklistHeading marks a note as a posted refinement checklist;
// the refinement queue reads its checkboxes.
const RefinementChecklistHeading = "## Refinement Checklist"

// BuiltinTemplates returns the built-in templates, by name. The issue
// template, the refinement checklist and the status update are the seeds'
// texts exactly (000 and 002); the others follow the process the seeds
// describe (001: the planning issue and the retrospective; 002: onboarding
// and time-off coverage).
func BuiltinTemplates() []BuiltinTemplate {
	return []BuiltinTemplate{
		{TemplateIssue, "A new issue, written for low context: what the ready gate checks.", issueTemplate},
		{TemplateOnboarding, "A new engineer's first weeks on the team.", onboardingTemplate},
		{TemplatePlanning, "The single source of truth of a milestone's planning.", planningTemplate},
		{TemplateRefinement, "Post as a comment when an issue is refined: its last lines set the weight and the ready label.", refinementTemplate},
		{TemplateRetrospective, "The asynchronous retrospective of a milestone.", retrospectiveTemplate},
		{TemplateStatusUpdate, "The weekly asynchronous status update on an assigned issue.", statusUpdateTemplate},
		{TemplateTimeOff, "Who covers what while a team member is away.", timeOffTemplate},
	}
}

// BuiltinTemplateNamed returns the built-in template of that name (any letter
// case), or false.
func BuiltinTemplateNamed(name string) (BuiltinTemplate, bool) {
	for _, t := range BuiltinTemplates() {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return BuiltinTemplate{}, false
}

// checkbox matches a Markdown task list item; group 1 is the mark.
var checkbox = regexp.MustCompile(`(?m)^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[([ xX])\]`)

// ChecklistProgress counts the task list items of a note ("- [ ]" and
// "- [x]", nested ones too) and how many are ticked.
func ChecklistProgress(body string) (count, completed int) {
	for _, m := range checkbox.FindAllStringSubmatch(body, -1) {
		count++
		if m[1] != " " {
			completed++
		}
	}
	return count, completed
}

// IsRefinementChecklist reports whether a note is a posted refinement
// checklist: it has the checklist's heading, in any letter case.
func IsRefinementChecklist(body string) bool {
	return strings.Contains(strings.ToLower(body), strings.ToLower(RefinementChecklistHeading))
}

const issueTemplate = `## Context

_Summary or background of the feature, feature change, bug, or investigation. If applicable, include subsections such as "Further Details", "Scope", etc._

## References and Resources

_Include any links to documentations, other issues, or MRs that you think may be useful to the assignee. If applicable, indicate a domain expert or resource person/group._

## Proposal

_Proposed/suggested solution or any guidance related to it. For investigations or spikes, this may describe an expected outcome or expected output._

## Definition of Done / Acceptance Criteria

_List the specific conditions that must be met for this issue to be considered complete._
`

const refinementTemplate = `## Refinement Checklist

- [ ] Validated the problem is clear and aligns with team priorities, engaged in any discussions with the PM or other stakeholders as needed 
- [ ] Updated title for clarity (if needed)
- [ ] Updated labels for proper categorization (if needed)
- [ ] Added or improved the "Context" section with necessary background information
- [ ] Added or improved the "Proposal" section with potential implementation approach or suggested ideas to further investigate
- [ ] Added or improved the "Acceptance Criteria" or "Definition of Done" section
- [ ] Identified dependencies or blockers (if any)
- [ ] Considered if the issue should be broken down into smaller tasks
  - [ ] Created child issues if needed (link them here)
- [ ] Assigned a weight using [issue estimation](/handbook/engineering/ai/code-creation/milestone_planning/#issues-estimation)

/weight X
/label ~"workflow::ready for development"
`

const statusUpdateTemplate = `## Async Status Update yyyy-mm-dd

- **Progress & Status**: _What progress have you made? What's the current state?_
- **Next Steps**: _What are your planned next actions?_
- **Blockers**: _Are you blocked or need assistance with this?_
- **How confident are you that this will make it to the current milestone?**
    - [ ] Not confident
    - [ ] Slightly confident
    - [ ] Very confident

_Remember to update the workflow label!_

/cc @mnohr @jordanjanes
`

const onboardingTemplate = `## Welcome

_Who is joining, when, and who their onboarding buddy is._

## First week

- [ ] Read how the team works: issue creation, refinement, milestone planning and weekly status updates
- [ ] Get access to the team's projects, boards and chat channel
- [ ] Set up the development environment and run the tests
- [ ] Meet the engineering manager, the product manager and the onboarding buddy

## First milestone

- [ ] Refine one issue with the refinement checklist, with the buddy
- [ ] Pick a small Deliverable (weight 1 or 2) and take it to review
- [ ] Post a weekly status update on every assigned issue
- [ ] Join the combined retrospective and kickoff meeting

## Notes

_Questions, blockers and anything the next newcomer should know._
`

const timeOffTemplate = `## Time off

_Who is away, from and to which dates, and how to reach them in an emergency (if at all)._

## Coverage

| Area or issue | Covered by | Notes |
| --- | --- | --- |
| _Assigned issues, reviews, on-call or other duties_ | _@username_ | _Context the person covering needs_ |

## Before leaving

- [ ] Time off is recorded, so that capacity planning counts it
- [ ] Assigned issues have a status update and a workflow label that is up to date
- [ ] Open reviews are handed over or finished
- [ ] The people covering have agreed
`

const planningTemplate = `## Planning Checklist

- [ ] Capacity calculated from time off, historic velocity, refinement time and other activities
- [ ] Carryover from the current milestone added to the Milestone Work table, weights adjusted to the remaining work
- [ ] Refinement gaps identified and assigned to a team member
- [ ] Priorities set by the product manager
- [ ] Deliverable and Stretch labels applied
- [ ] Each team member agreed with their workload
- [ ] Planning finalised at least 3 days before the milestone starts

## Milestone Work

| Issue | Weight | Assignee | Priority | Deliverable / Stretch |
| --- | --- | --- | --- | --- |

## Parking Lot

_Potential work for the milestone, with a brief explanation of why it would be good to include. Discuss in threads below._

## Refinement Gaps

_Issues the product manager wants in the milestone that are not yet refined and weighted._
`

const retrospectiveTemplate = `## Retrospective

_Add items over the course of the milestone or after it ends; this retrospective is due two weeks after the milestone's end._

## What went well?

-

## What didn't go well?

-

## What should we change?

-

## Follow-up actions

- [ ] _Action, owner and the issue that tracks it_
`

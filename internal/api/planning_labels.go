package api

import (
	"context"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
)

// The Deliverable and Stretch guard lives in the planner (labels.go there),
// shared with the web pages; these are the API's calls of it.

// checkPlanningLabels returns planner.ErrPlanningLabels (403) when the
// change from labels before to labels after adds or removes the group's
// deliverable or stretch label and the caller may not manage planning.
// Without a planner there are no planning labels to guard.
func (a *API) checkPlanningLabels(ctx context.Context, s *projectScope, before, after []string) error {
	return a.planner.CheckPlanningLabels(ctx, s.project.GroupID, s.can(actManagePlanning), before, after)
}

// lowerAll returns names in lower case (planner.LowerAll).
func lowerAll(names []string) []string { return planner.LowerAll(names) }

// labelsAfterUpdate returns an issue's labels after u, lower case; ok is
// false when u does not touch labels (planner.LabelsAfterUpdate).
func labelsAfterUpdate(i *cairn.Issue, u *cairn.IssueUpdate) (before, after []string, ok bool) {
	return planner.LabelsAfterUpdate(i, u)
}

// labelsAfterActions returns an issue's labels after the label quick
// actions among actions, lower case; ok is false when there are none
// (planner.LabelsAfterQuickActions).
func labelsAfterActions(i *cairn.Issue, actions []cairn.QuickAction) (before, after []string, ok bool) {
	return planner.LabelsAfterQuickActions(i, actions)
}

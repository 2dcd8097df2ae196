package api

import (
	"context"
	"strings"

	"github.com/cairnhq/cairn"
)

// errPlanningLabels is the 403 for applying or removing the Deliverable or
// Stretch label without the right to manage planning: those labels are the
// team's commitment, which only its managers and owners make.
var errPlanningLabels = &cairn.Error{Code: cairn.EFORBIDDEN,
	Message: "only engineering managers, product managers and owners can apply Deliverable or Stretch"}

// checkPlanningLabels returns errPlanningLabels when the change from
// labels before to labels after adds or removes the group's deliverable or
// stretch label (the team's settings name them) and the caller may not
// manage planning. Names compare without regard to case, as the store
// resolves "deliverable" to the label "Deliverable". Without a planner
// there are no planning labels to guard.
func (a *API) checkPlanningLabels(ctx context.Context, s *projectScope, before, after []string) error {
	if a.planner == nil || s.can(actManagePlanning) {
		return nil
	}
	st, err := a.planner.Settings(ctx, s.project.GroupID)
	if err != nil {
		return err
	}
	for _, name := range []string{st.DeliverableLabel, st.StretchLabel} {
		if name != "" && containsFold(before, name) != containsFold(after, name) {
			return errPlanningLabels
		}
	}
	return nil
}

func containsFold(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// lowerAll returns names in lower case, so that the label arithmetic of
// cairn.ApplyLabelChange (which compares exactly) matches names as the
// store resolves them.
func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(n)
	}
	return out
}

// labelsAfterUpdate returns an issue's labels after u as the store computes
// them (Labels replaces, then AddLabels and RemoveLabels apply), lower case;
// ok is false when u does not touch labels.
func labelsAfterUpdate(i *cairn.Issue, u *cairn.IssueUpdate) (before, after []string, ok bool) {
	if u.Labels == nil && len(u.AddLabels) == 0 && len(u.RemoveLabels) == 0 {
		return nil, nil, false
	}
	before = lowerAll(i.LabelNames())
	base := before
	if u.Labels != nil {
		base = cairn.ExclusiveLabels(lowerAll(*u.Labels))
	}
	return before, cairn.ApplyLabelChange(base, lowerAll(u.AddLabels), lowerAll(u.RemoveLabels)), true
}

// labelsAfterActions returns an issue's labels after the label quick
// actions among actions (/label, /unlabel, /relabel), lower case; ok is
// false when there are none.
func labelsAfterActions(i *cairn.Issue, actions []cairn.QuickAction) (before, after []string, ok bool) {
	before = lowerAll(i.LabelNames())
	after = before
	for _, qa := range actions {
		names := lowerAll(cairn.ParseReferences(qa.Args, '~'))
		switch qa.Name {
		case "label":
			after = cairn.ApplyLabelChange(after, names, nil)
		case "unlabel":
			if qa.Args == "" {
				after = nil
			} else {
				after = cairn.ApplyLabelChange(after, nil, names)
			}
		case "relabel":
			after = cairn.ExclusiveLabels(names)
		default:
			continue
		}
		ok = true
	}
	return before, after, ok
}

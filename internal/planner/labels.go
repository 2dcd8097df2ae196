package planner

import (
	"context"
	"strings"

	"github.com/cairnhq/cairn"
)

// The Deliverable and Stretch labels are the team's commitment, which only
// its managers and owners make. The API and the web pages both guard them
// with the functions here, so that the rule and its arithmetic live once.

// ErrPlanningLabels is the refusal (403) of applying or removing the
// Deliverable or Stretch label without the right to manage planning.
var ErrPlanningLabels = &cairn.Error{Code: cairn.EFORBIDDEN,
	Message: "only engineering managers, product managers and owners can apply Deliverable or Stretch"}

// CheckPlanningLabels returns ErrPlanningLabels when the change from labels
// before to labels after adds or removes the group's deliverable or stretch
// label (the team's settings name them) and the caller may not manage
// planning (mayManage). Names compare without regard to case, as the store
// resolves "deliverable" to the label "Deliverable". A nil Service has no
// settings, so no planning labels to guard.
func (p *Service) CheckPlanningLabels(ctx context.Context, groupID int64, mayManage bool, before, after []string) error {
	if p == nil || mayManage {
		return nil
	}
	st, err := p.Settings(ctx, groupID)
	if err != nil {
		return err
	}
	for _, name := range []string{st.DeliverableLabel, st.StretchLabel} {
		if name != "" && containsFold(before, name) != containsFold(after, name) {
			return ErrPlanningLabels
		}
	}
	return nil
}

// CheckUpdateLabels applies CheckPlanningLabels to the label change of
// update u of issue i (none when u does not touch labels).
func (p *Service) CheckUpdateLabels(ctx context.Context, groupID int64, mayManage bool, i *cairn.Issue, u *cairn.IssueUpdate) error {
	if before, after, ok := LabelsAfterUpdate(i, u); ok {
		return p.CheckPlanningLabels(ctx, groupID, mayManage, before, after)
	}
	return nil
}

// CheckQuickActionLabels applies CheckPlanningLabels to the label change
// of the quick actions of a note on issue i (none when they do not touch
// labels).
func (p *Service) CheckQuickActionLabels(ctx context.Context, groupID int64, mayManage bool, i *cairn.Issue, actions []cairn.QuickAction) error {
	if before, after, ok := LabelsAfterQuickActions(i, actions); ok {
		return p.CheckPlanningLabels(ctx, groupID, mayManage, before, after)
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

// LowerAll returns names in lower case, so that the label arithmetic of
// cairn.ApplyLabelChange (which compares exactly) matches names as the
// store resolves them.
func LowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToLower(n)
	}
	return out
}

// LabelsAfterUpdate returns an issue's labels after u as the store computes
// them (Labels replaces, then AddLabels and RemoveLabels apply), lower case;
// ok is false when u does not touch labels.
func LabelsAfterUpdate(i *cairn.Issue, u *cairn.IssueUpdate) (before, after []string, ok bool) {
	if u.Labels == nil && len(u.AddLabels) == 0 && len(u.RemoveLabels) == 0 {
		return nil, nil, false
	}
	before = LowerAll(i.LabelNames())
	base := before
	if u.Labels != nil {
		base = cairn.ExclusiveLabels(LowerAll(*u.Labels))
	}
	return before, cairn.ApplyLabelChange(base, LowerAll(u.AddLabels), LowerAll(u.RemoveLabels)), true
}

// LabelsAfterQuickActions returns an issue's labels after the label quick
// actions among actions (/label, /unlabel, /relabel), lower case; ok is
// false when there are none.
func LabelsAfterQuickActions(i *cairn.Issue, actions []cairn.QuickAction) (before, after []string, ok bool) {
	before = LowerAll(i.LabelNames())
	after = before
	for _, qa := range actions {
		names := LowerAll(cairn.ParseReferences(qa.Args, '~'))
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

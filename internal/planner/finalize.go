package planner

import (
	"context"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// RetrospectiveLabel labels the retrospectives Cairn opens; it is created
// as a group label when missing.
const RetrospectiveLabel = "Retrospective"

// Finalize finalises the milestone's plan as the acting user (the caller
// checks that they are an engineering manager, product manager or owner).
// In one transaction it applies the milestone and the Deliverable or
// Stretch label to the selected issues, removes those labels from the
// milestone's issues no longer selected, moves the carryover, records the
// commitments, closes the planning issue with the final plan, opens the next
// milestone's planning issue (after EnsureCadence, so the next milestone
// exists) and the retrospective of the milestone before, as a sub-task of
// that milestone's planning issue, due retro_due_days after it ends and
// pre-filled with what shipped and what slipped. A plan that is already
// final is returned with AlreadyFinalized and nothing changes, also when
// two calls race. ENOTFOUND if the milestone is not the group's; EINVALID if
// it lacks a start or due date.
func (p *Service) Finalize(ctx context.Context, groupID, milestoneID int64) (*FinalizeResult, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	m, err := t.milestone(milestoneID)
	if err != nil {
		return nil, err
	}
	if !dated(m) {
		return nil, cairn.FieldError("milestone", errNoDates.Error())
	}
	mp, err := p.store.MilestonePlan(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if mp.Finalized() {
		return p.alreadyFinalized(ctx, groupID, m.ID)
	}
	if err := p.EnsureCadence(ctx, groupID); err != nil {
		return nil, err
	}
	if t, err = p.loadTeam(ctx, groupID); err != nil {
		return nil, err
	}
	if m, err = t.milestone(milestoneID); err != nil {
		return nil, err
	}
	c, err := p.compute(ctx, t, m)
	if err != nil {
		return nil, err
	}
	lot, err := p.store.ParkingLot(ctx, groupID, m.ID)
	if err != nil {
		return nil, err
	}
	pin, err := planningIssueInput(t, m)
	if err != nil {
		return nil, err
	}
	if pin.Description, err = planning.RenderPlanningIssue(c.doc(lot, "")); err != nil {
		return nil, err
	}
	final := planning.RenderGenerated(c.doc(lot, t.today))
	in := store.FinalizeInput{
		GroupID: groupID, MilestoneID: m.ID, ProjectPath: t.settings.PlanningProject,
		Labels: store.PlanningLabels{
			Planning: t.settings.PlanningLabel, Deliverable: t.settings.DeliverableLabel, Stretch: t.settings.StretchLabel,
			Retrospective: RetrospectiveLabel,
		},
		TeamCapacity:  c.capacity.TeamCapacity,
		PlanningIssue: pin,
		Describe:      func(cur string) string { return planning.MergeGenerated(cur, final) },
	}
	carry := map[int64]bool{}
	for _, e := range c.plan.Carryover {
		carry[e.ID] = true
		in.Carryover = append(in.Carryover, e.ID)
	}
	for _, e := range c.plan.Deliverables {
		in.Commitments = append(in.Commitments, store.PlanCommitment{IssueID: e.ID, Placement: store.PlacementDeliverable, Weight: e.Weight, Carryover: carry[e.ID]})
	}
	for _, e := range c.plan.Stretch {
		in.Commitments = append(in.Commitments, store.PlanCommitment{IssueID: e.ID, Placement: store.PlacementStretch, Weight: e.Weight, Carryover: carry[e.ID]})
	}
	next := t.next(m)
	if next != nil {
		nin, err := planningIssueInput(t, next)
		if err != nil {
			return nil, err
		}
		// The next plan depends on this one; the refresh after the commit
		// fills it in.
		if nin.Description, err = planning.RenderPlanningIssue(planning.PlanningDoc{Settings: t.settings, Milestone: planning.FromMilestone(next)}); err != nil {
			return nil, err
		}
		in.Next = &nin
	}
	prev := t.previous(m)
	if prev != nil {
		if in.Retrospective, err = p.retrospective(ctx, t, c, prev); err != nil {
			return nil, err
		}
	}

	out, err := p.store.FinalizePlan(ctx, in)
	if err != nil {
		return nil, err
	}
	if out.AlreadyFinalized {
		return p.alreadyFinalized(ctx, groupID, m.ID)
	}
	p.logger.Info("plan finalised", "group_id", groupID, "milestone", m.Title, "deliverables", len(c.plan.Deliverables),
		"stretch", len(c.plan.Stretch), "by", cairn.UserIDFromContext(ctx))
	res := &FinalizeResult{}
	if next != nil && out.NextPlanningIssueID != 0 {
		if err := p.RefreshPlanningIssue(ctx, groupID, next.ID); err != nil {
			p.logger.Warn("refresh next planning issue", "group_id", groupID, "milestone", next.Title, "err", err)
		}
		if res.NextPlanningIssue, err = p.store.IssueByID(ctx, out.NextPlanningIssueID); err != nil {
			return nil, err
		}
	}
	if out.RetrospectiveID != 0 {
		if res.Retrospective, err = p.store.IssueByID(ctx, out.RetrospectiveID); err != nil {
			return nil, err
		}
	}
	if res.Plan, err = p.view(ctx, c); err != nil {
		return nil, err
	}
	return res, nil
}

// alreadyFinalized is Finalize's answer for a plan that was final before.
func (p *Service) alreadyFinalized(ctx context.Context, groupID, milestoneID int64) (*FinalizeResult, error) {
	v, err := p.Plan(ctx, groupID, milestoneID)
	if err != nil {
		return nil, err
	}
	return &FinalizeResult{Plan: v, AlreadyFinalized: true}, nil
}

// retrospective prepares the retrospective of milestone m, the one before
// the milestone being finalised: its Deliverables (retroDeliverables),
// closed ones shipped, open ones slipped.
func (p *Service) retrospective(ctx context.Context, t *team, c *computed, m *cairn.Milestone) (*store.RetrospectiveInput, error) {
	due, err := t.settings.RetrospectiveDue(m.DueDate)
	if err != nil {
		return nil, err
	}
	issues, fromCommitment, err := p.retroDeliverables(ctx, t, c.planningProjectID, m)
	if err != nil {
		return nil, err
	}
	doc := planning.RetroDoc{Milestone: planning.FromMilestone(m), DueDate: due, FromCommitment: fromCommitment}
	for _, is := range issues {
		item := planning.RetroItem{Ref: c.ref(is.ProjectID, is.IID), Title: is.Title, Weight: is.Weight}
		for _, a := range is.Assignees {
			item.Assignees = append(item.Assignees, a.Username)
		}
		if is.State == cairn.StateClosed {
			doc.Shipped = append(doc.Shipped, item)
		} else {
			doc.Slipped = append(doc.Slipped, item)
		}
	}
	id, err := p.store.FindPlanningIssue(ctx, t.groupID, m.ID, t.settings.PlanningProject, t.settings.PlanningLabel)
	if err != nil {
		return nil, err
	}
	if id != 0 {
		if is, err := p.store.IssueByID(ctx, id); err == nil {
			doc.PlanningRef = c.ref(is.ProjectID, is.IID)
		}
	}
	return &store.RetrospectiveInput{MilestoneID: m.ID, Title: planning.RetrospectiveTitle(m.Title), Description: planning.RenderRetrospective(doc), DueDate: due}, nil
}

// retroDeliverables returns the Deliverables a retrospective of milestone m
// looks back on, as the retrospective issue and the kickoff agenda list
// them: those m's own finalised plan committed to, at their committed
// weights (fromCommitment), or, without such a plan, m's issues with the
// Deliverable label outside the planning project. The issues are loaded
// lean (store.PlanningIssues), ordered by id.
func (p *Service) retroDeliverables(ctx context.Context, t *team, planningProjectID int64, m *cairn.Milestone) (issues []*cairn.Issue, fromCommitment bool, err error) {
	commitments, err := p.store.PlanCommitments(ctx, m.ID)
	if err != nil {
		return nil, false, err
	}
	if len(commitments) > 0 {
		weights := map[int64]*int{}
		var ids []int64
		for _, cm := range commitments {
			if cm.Placement == store.PlacementDeliverable {
				ids = append(ids, cm.IssueID)
				weights[cm.IssueID] = cm.Weight
			}
		}
		if len(ids) == 0 {
			return nil, true, nil
		}
		if issues, err = p.store.PlanningIssues(ctx, store.PlanningIssueFilter{GroupID: t.groupID, IDs: ids}); err != nil {
			return nil, false, err
		}
		for _, is := range issues {
			// The committed weight is what the team said it would do.
			if w, ok := weights[is.ID]; ok && w != nil {
				is.Weight = w
			}
		}
		return issues, true, nil
	}
	all, err := p.store.PlanningIssues(ctx, store.PlanningIssueFilter{GroupID: t.groupID, MilestoneIDs: []int64{m.ID}})
	if err != nil {
		return nil, false, err
	}
	for _, is := range all {
		if is.HasLabel(t.settings.DeliverableLabel) && is.ProjectID != planningProjectID {
			issues = append(issues, is)
		}
	}
	return issues, false, nil
}

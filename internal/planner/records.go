package planner

import (
	"context"
	"fmt"
	"time"

	"github.com/cairnhq/cairn"
)

// PlanRecord is the stored planning record of one of a group's milestones:
// its planning issue and retrospective and, once its plan was finalised,
// when, by whom, with which team capacity and what the plan committed to.
// Unlike Plan it computes nothing: it is what the team decided, as an
// archive keeps it, so that another Cairn can take the history over.
type PlanRecord struct {
	Milestone *cairn.Milestone
	// PlanningIssue and Retrospective are nil when the milestone has none
	// (or they were deleted).
	PlanningIssue *cairn.Issue
	Retrospective *cairn.Issue
	// FinalizedAt is nil while the plan is not final; FinalizedBy is nil
	// then, and when the user who finalised it is gone.
	FinalizedAt  *time.Time
	FinalizedBy  *cairn.User
	TeamCapacity *float64
	// Commitments are what a final plan committed to, by issue id; none
	// while the plan is not final.
	Commitments []PlanRecordCommitment
}

// PlanRecordCommitment is an issue a finalised plan committed to, as a
// Deliverable or a Stretch issue ("deliverable", "stretch"), with its
// weight at finalisation; Carryover marks an issue that slipped from the
// milestone before.
type PlanRecordCommitment struct {
	Issue     *cairn.Issue
	Placement string
	Weight    *int
	Carryover bool
}

// PlanRecords returns the planning records of the group's milestones in
// the order of the group's milestones (by start date), leaving out
// milestones that have none or whose record holds nothing (no planning
// issue, no retrospective, not final), as an archive export does. A
// commitment whose issue was deleted is left out. ENOTFOUND if the group
// does not exist.
func (p *Service) PlanRecords(ctx context.Context, groupID int64) ([]*PlanRecord, error) {
	milestones, err := p.store.GroupMilestones(ctx, groupID)
	if err != nil {
		return nil, err
	}
	plans, err := p.store.MilestonePlans(ctx, groupID)
	if err != nil {
		return nil, err
	}
	var out []*PlanRecord
	var final []int64
	var issueIDs []int64
	for _, m := range milestones {
		mp := plans[m.ID]
		if mp == nil || (mp.PlanningIssueID == nil && mp.RetrospectiveIssueID == nil && !mp.Finalized()) {
			continue
		}
		if mp.PlanningIssueID != nil {
			issueIDs = append(issueIDs, *mp.PlanningIssueID)
		}
		if mp.RetrospectiveIssueID != nil {
			issueIDs = append(issueIDs, *mp.RetrospectiveIssueID)
		}
		if mp.Finalized() {
			final = append(final, m.ID)
		}
		out = append(out, &PlanRecord{Milestone: m, FinalizedAt: mp.FinalizedAt, TeamCapacity: mp.TeamCapacity})
	}
	commitments, err := p.store.PlanCommitments(ctx, final...)
	if err != nil {
		return nil, err
	}
	for _, c := range commitments {
		issueIDs = append(issueIDs, c.IssueID)
	}
	issues := map[int64]*cairn.Issue{}
	// IssuesByIDs takes a bounded number of ids at once.
	for start := 0; start < len(issueIDs); start += 1000 {
		part, err := p.store.IssuesByIDs(ctx, issueIDs[start:min(start+1000, len(issueIDs))])
		if err != nil {
			return nil, fmt.Errorf("load plan issues: %w", err)
		}
		for id, is := range part {
			issues[id] = is
		}
	}
	byMilestone := make(map[int64]*PlanRecord, len(out))
	users := map[int64]*cairn.User{}
	for _, r := range out {
		byMilestone[r.Milestone.ID] = r
		mp := plans[r.Milestone.ID]
		if mp.PlanningIssueID != nil {
			r.PlanningIssue = issues[*mp.PlanningIssueID]
		}
		if mp.RetrospectiveIssueID != nil {
			r.Retrospective = issues[*mp.RetrospectiveIssueID]
		}
		if mp.FinalizedByID == nil {
			continue
		}
		u, ok := users[*mp.FinalizedByID]
		if !ok {
			u, err = p.store.UserByID(ctx, *mp.FinalizedByID)
			switch {
			case isNotFound(err):
				u = nil
			case err != nil:
				return nil, fmt.Errorf("load plan finaliser: %w", err)
			}
			users[*mp.FinalizedByID] = u
		}
		r.FinalizedBy = u
	}
	for _, c := range commitments {
		r, is := byMilestone[c.MilestoneID], issues[c.IssueID]
		if r == nil || is == nil {
			continue
		}
		r.Commitments = append(r.Commitments, PlanRecordCommitment{Issue: is, Placement: c.Placement, Weight: c.Weight, Carryover: c.Carryover})
	}
	return out, nil
}

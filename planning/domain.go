package planning

import (
	"time"

	"github.com/cairnhq/cairn"
)

// FromIssue converts a domain issue for planning. ClosedAt becomes the date
// the issue was closed in the team's time zone loc (nil means UTC), which is
// the date velocity compares with a milestone's range.
func FromIssue(i *cairn.Issue, loc *time.Location) Issue {
	if loc == nil {
		loc = time.UTC
	}
	out := Issue{
		ID: i.ID, ProjectID: i.ProjectID, IID: i.IID, Title: i.Title, State: i.State,
		Weight:           copyInt(i.Weight),
		Labels:           i.LabelNames(),
		Assignees:        make([]User, 0, len(i.Assignees)),
		RelativePosition: i.RelativePosition,
		CreatedAt:        i.CreatedAt,
	}
	for _, a := range i.Assignees {
		if a != nil {
			out.Assignees = append(out.Assignees, User{ID: a.ID, Username: a.Username})
		}
	}
	if i.Milestone != nil {
		out.MilestoneID = i.Milestone.ID
	}
	if i.ClosedAt != nil && i.State == cairn.StateClosed {
		out.ClosedAt = i.ClosedAt.In(loc).Format(cairn.DateLayout)
	}
	return out
}

// FromIssues converts domain issues for planning, each as FromIssue does;
// the label names, weights and assignees of all of them take one allocation
// each rather than one per issue, which counts for a backlog of thousands.
func FromIssues(issues []*cairn.Issue, loc *time.Location) []Issue {
	if loc == nil {
		loc = time.UTC
	}
	nLabels, nAssignees, nWeights := 0, 0, 0
	for _, i := range issues {
		nLabels += len(i.Labels)
		nAssignees += len(i.Assignees)
		if i.Weight != nil {
			nWeights++
		}
	}
	labels := make([]string, 0, nLabels)
	assignees := make([]User, 0, nAssignees)
	weights := make([]int, 0, nWeights)
	out := make([]Issue, len(issues))
	for k, i := range issues {
		o := &out[k]
		*o = Issue{ID: i.ID, ProjectID: i.ProjectID, IID: i.IID, Title: i.Title, State: i.State,
			RelativePosition: i.RelativePosition, CreatedAt: i.CreatedAt}
		if i.Weight != nil {
			weights = append(weights, *i.Weight)
			o.Weight = &weights[len(weights)-1]
		}
		// Each issue's part of a shared array is capped, so that an append
		// to one copies instead of overwriting the next.
		from := len(labels)
		for _, l := range i.Labels {
			labels = append(labels, l.Name)
		}
		o.Labels = labels[from:len(labels):len(labels)]
		from = len(assignees)
		for _, a := range i.Assignees {
			if a != nil {
				assignees = append(assignees, User{ID: a.ID, Username: a.Username})
			}
		}
		o.Assignees = assignees[from:len(assignees):len(assignees)]
		if i.Milestone != nil {
			o.MilestoneID = i.Milestone.ID
		}
		if i.ClosedAt != nil && i.State == cairn.StateClosed {
			o.ClosedAt = i.ClosedAt.In(loc).Format(cairn.DateLayout)
		}
	}
	return out
}

// FromMember converts a group membership for planning.
func FromMember(m *cairn.Member) Member {
	out := Member{PlanningRole: m.PlanningRole, CapacityFactor: m.CapacityFactor, JoinedAt: m.JoinedAt}
	if m.User != nil {
		out.UserID, out.Username = m.User.ID, m.User.Username
	}
	return out
}

// FromMilestone converts a domain milestone for planning.
func FromMilestone(m *cairn.Milestone) Milestone {
	return Milestone{ID: m.ID, Title: m.Title, StartDate: m.StartDate, DueDate: m.DueDate, State: m.State}
}

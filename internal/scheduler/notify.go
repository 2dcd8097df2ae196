package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// longDate formats a team date for people: "Wednesday 25 November 2026".
func longDate(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return d.Format("Monday 2 January 2006")
}

// name is how a message greets a user.
func name(u *cairn.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}

// plural returns "1 issue" or "3 issues".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// projectPaths returns the full paths of the group's projects by id
// ("team/app"), for issue references.
func (s *Scheduler) projectPaths(ctx context.Context, groupID int64) (map[int64]string, error) {
	projects, err := s.Store.GroupProjects(ctx, groupID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(projects))
	for _, p := range projects {
		out[p.ID] = p.FullPath()
	}
	return out, nil
}

// ref returns an issue's reference, "team/app#12".
func ref(paths map[int64]string, is *cairn.Issue) string {
	return paths[is.ProjectID] + "#" + strconv.FormatInt(is.IID, 10)
}

// managers returns the active members whose planning role is engineering
// manager or product manager; the owners when there are none.
func (s *Scheduler) managers(ctx context.Context, groupID int64) ([]*cairn.User, error) {
	members, err := s.Store.GroupMembers(ctx, groupID)
	if err != nil {
		return nil, err
	}
	var managers, owners []*cairn.User
	for _, m := range members {
		if m.User == nil || m.User.State != "active" {
			continue
		}
		switch {
		case m.PlanningRole == cairn.RoleEngineeringManager || m.PlanningRole == cairn.RoleProductManager:
			managers = append(managers, m.User)
		case m.AccessLevel >= cairn.AccessOwner:
			owners = append(owners, m.User)
		}
	}
	if len(managers) == 0 {
		return owners, nil
	}
	return managers, nil
}

// owed is what one person owes this week.
type owed struct {
	user   *cairn.User
	issues []*cairn.Issue
}

// statusUpdates asks each assignee who owes this week's status update on
// an open issue of the current milestone for it, or reminds them: one
// notification per person, one to-do per issue. Those who posted their
// update (or whose issue was closed) since the schedule was evaluated owe
// nothing and get nothing.
func (s *Scheduler) statusUpdates(ctx context.Context, t *team, o planning.Occurrence) error {
	due, err := s.Store.StatusUpdatesDue(ctx, t.group.ID, o.Week)
	if err != nil {
		return err
	}
	if due.Milestone == nil || len(due.Due) == 0 {
		return nil
	}
	paths, err := s.projectPaths(ctx, t.group.ID)
	if err != nil {
		return err
	}
	managers, err := s.Store.GroupMembers(ctx, t.group.ID)
	if err != nil {
		return err
	}
	var order []int64
	people := map[int64]*owed{}
	for _, d := range due.Due {
		if d.User == nil || d.Issue == nil || d.User.State != "active" {
			continue
		}
		p := people[d.User.ID]
		if p == nil {
			p = &owed{user: d.User}
			people[d.User.ID] = p
			order = append(order, d.User.ID)
		}
		p.issues = append(p.issues, d.Issue)
	}
	var errs []error
	for _, id := range order {
		p := people[id]
		var cc []string
		for _, m := range managers {
			if m.User != nil && m.User.ID != id && (m.PlanningRole == cairn.RoleEngineeringManager || m.PlanningRole == cairn.RoleProductManager) {
				cc = append(cc, m.User.Username)
			}
		}
		n := statusNotification(t, o, due.Milestone, p, paths, cc)
		if err := s.Notifier.Notify(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("notify %s: %w", p.user.Username, err))
		}
	}
	return errors.Join(errs...)
}

// statusNotification is the request or reminder for one person.
func statusNotification(t *team, o planning.Occurrence, m *cairn.Milestone, p *owed, paths map[int64]string, cc []string) cairn.Notification {
	reminder := o.Kind == planning.StepStatusReminder
	dueDay := longDate(o.DueDate)
	refs := make([]string, len(p.issues))
	n := cairn.Notification{
		Key: o.Key, UserID: p.user.ID, GroupID: t.group.ID, MilestoneID: m.ID,
		Action: cairn.TodoStatusUpdateRequested,
	}
	if reminder {
		n.Action = cairn.TodoStatusUpdateReminder
	}
	for i, is := range p.issues {
		refs[i] = ref(paths, is)
		body := fmt.Sprintf("Please post your status update for week %s on %s (%s) by %s.", o.Week, refs[i], is.Title, dueDay)
		if reminder {
			body = fmt.Sprintf("Reminder: your status update for week %s on %s (%s) was due %s.", o.Week, refs[i], is.Title, dueDay)
		}
		n.Items = append(n.Items, cairn.NotificationItem{ProjectID: is.ProjectID, IssueID: is.ID, Body: body})
	}
	count := plural(len(p.issues), "issue")
	var b strings.Builder
	if reminder {
		n.Subject = fmt.Sprintf("Reminder: status update still due on %s (week %s)", count, o.Week)
		fmt.Fprintf(&b, "Hi %s,\n\nyou have not posted this week's status update yet on %s of milestone %s (week %s, due %s): %s.\n",
			name(p.user), count, m.Title, o.Week, dueDay, joinRefs(refs))
	} else {
		n.Subject = fmt.Sprintf("Status update due: %s (week %s)", count, o.Week)
		fmt.Fprintf(&b, "Hi %s,\n\nit is time for this week's async status update (week %s, due %s) on the %s of milestone %s assigned to you: %s.\n",
			name(p.user), o.Week, dueDay, count, m.Title, joinRefs(refs))
	}
	b.WriteString("\nFor each issue, say what progress you made, your next steps, what blocks you, and how confident you are " +
		"that it makes the milestone. Post it on the issue's status updates " +
		"(`POST /api/v4/projects/:id/issues/:iid/status_updates`), or as a comment in the team's template with one confidence box ticked:\n\n")
	b.WriteString("```markdown\n")
	b.WriteString(planning.RenderStatusUpdate(o.DueDate, "", "", "", "", cc))
	b.WriteString("```\n")
	n.Body = b.String()
	return n
}

// joinRefs lists references as people write them: "a, b and c".
func joinRefs(refs []string) string {
	switch len(refs) {
	case 0:
		return ""
	case 1:
		return refs[0]
	}
	return strings.Join(refs[:len(refs)-1], ", ") + " and " + refs[len(refs)-1]
}

// finalizeReminder reminds the engineering and product managers (the
// owners, when the team has none) that a plan must be final by its
// deadline, with the planning issue as the to-do's subject when it exists.
// A plan finalised since the schedule was evaluated needs no reminder.
func (s *Scheduler) finalizeReminder(ctx context.Context, t *team, o planning.Occurrence) error {
	m, err := s.Store.MilestoneByID(ctx, o.MilestoneID)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if m.State == cairn.MilestoneClosed || m.GroupID == nil || *m.GroupID != t.group.ID {
		return nil
	}
	plan, err := s.Store.MilestonePlan(ctx, m.ID)
	if err != nil {
		return err
	}
	if plan.Finalized() {
		return nil
	}
	recipients, err := s.managers(ctx, t.group.ID)
	if err != nil {
		return err
	}
	var planningIssue *cairn.Issue
	id, err := s.Store.FindPlanningIssue(ctx, t.group.ID, m.ID, t.settings.PlanningProject, t.settings.PlanningLabel)
	if err != nil {
		return err
	}
	if id != 0 {
		if planningIssue, err = s.Store.IssueByID(ctx, id); err != nil && cairn.ErrorCode(err) != cairn.ENOTFOUND {
			return err
		}
	}
	paths, err := s.projectPaths(ctx, t.group.ID)
	if err != nil {
		return err
	}
	deadline := longDate(o.DueDate)
	var errs []error
	for _, u := range recipients {
		n := cairn.Notification{
			Key: o.Key, UserID: u.ID, Action: cairn.TodoPlanningFinalization, GroupID: t.group.ID, MilestoneID: m.ID,
		}
		var b strings.Builder
		if o.Stage == planning.FinalizeDeadline {
			n.Subject = fmt.Sprintf("Last call: finalise the plan of %s by %s", m.Title, deadline)
			fmt.Fprintf(&b, "Hi %s,\n\nthe plan of milestone %s must be final by %s, and it is not final yet.", name(u), m.Title, deadline)
		} else {
			n.Subject = fmt.Sprintf("Finalise the plan of %s by %s", m.Title, deadline)
			fmt.Fprintf(&b, "Hi %s,\n\nthe plan of milestone %s must be final by %s.", name(u), m.Title, deadline)
		}
		fmt.Fprintf(&b, " The milestone starts on %s.\n\n", longDate(m.StartDate))
		if planningIssue != nil {
			fmt.Fprintf(&b, "Review its planning issue %s — capacity, Deliverables, Stretch and the parking lot — ", ref(paths, planningIssue))
		} else {
			b.WriteString("Review the plan — capacity, Deliverables, Stretch and the parking lot — ")
		}
		fmt.Fprintf(&b, "and finalise it (`POST /api/v4/groups/%d/milestones/%d/plan/finalize`). "+
			"Finalising labels the committed issues, closes the planning issue and opens the next one.\n", t.group.ID, m.ID)
		n.Body = b.String()
		if planningIssue != nil {
			n.Items = []cairn.NotificationItem{{ProjectID: planningIssue.ProjectID, IssueID: planningIssue.ID,
				Body: fmt.Sprintf("Finalise the plan of %s by %s.", m.Title, deadline)}}
		}
		if err := s.Notifier.Notify(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("notify %s: %w", u.Username, err))
		}
	}
	return errors.Join(errs...)
}

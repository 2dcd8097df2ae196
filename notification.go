package cairn

import (
	"context"
	"time"
)

// The action names of to-dos: GitLab's for assignments and mentions, and
// Cairn's own for what its scheduler chases (seeds 001 and 002).
const (
	TodoAssigned          = "assigned"
	TodoMentioned         = "mentioned"
	TodoDirectlyAddressed = "directly_addressed"
	TodoMarked            = "marked"
	// TodoStatusUpdateRequested asks an assignee for this week's status
	// update on an issue; TodoStatusUpdateReminder repeats the request the
	// next working day to those who still owe one.
	TodoStatusUpdateRequested = "status_update_requested"
	TodoStatusUpdateReminder  = "status_update_reminder"
	// TodoPlanningFinalization reminds the engineering and product managers
	// that a milestone's planning must be finalised by its deadline.
	TodoPlanningFinalization = "planning_finalization_due"
)

// The states of a to-do.
const (
	TodoPending = "pending"
	TodoDone    = "done"
)

// Todo is an item on a user's to-do list. It is about an issue (IssueID
// set) or about a milestone of a group (MilestoneID set, IssueID 0), or
// about the group alone (both 0).
type Todo struct {
	ID        int64
	UserID    int64
	Author    *User // nil: Cairn itself (the scheduler), or a deleted user
	GroupID   int64
	ProjectID int64
	// IssueID names the issue a to-do is about (0 for a milestone's).
	// Issue is that issue, or nil when the user may no longer see it (it
	// was made confidential, or the user left its group): its title must
	// not leak through the to-do list.
	IssueID     int64
	Issue       *Issue
	MilestoneID int64
	ActionName  string
	Body        string
	State       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Notification is something Cairn tells one user: one to-do per item (or
// one about the milestone when there are no items) and, when e-mail is
// configured and the user has an address, one e-mail with Subject and Body.
// Key makes it idempotent: notifying a user again with a Key used before
// creates no second to-do and sends no second e-mail, so a scheduler step
// that runs again after a crash notifies nobody twice.
type Notification struct {
	// Key names the occurrence ("status-request/12/2026-W48").
	Key         string
	UserID      int64
	Action      string // a Todo action name
	GroupID     int64
	MilestoneID int64
	Items       []NotificationItem
	// Subject and Body are the e-mail's; Body (markdown) is also the body of
	// a to-do whose item has none.
	Subject string
	Body    string
}

// NotificationItem is one issue a notification is about.
type NotificationItem struct {
	ProjectID int64
	IssueID   int64
	Body      string // the to-do's body; "" takes the notification's
}

// TodoFilter selects a user's to-dos, as GitLab's GET /todos does. State ""
// means pending.
type TodoFilter struct {
	UserID    int64
	State     string
	Action    string
	AuthorID  int64
	ProjectID int64
	GroupID   int64
	Type      string // "Issue" or "Milestone"; "" for both
	Page
}

// TodoService is the to-do list.
type TodoService interface {
	// Notify delivers n: its to-dos, and its e-mail when mail is on.
	Notify(ctx context.Context, n Notification) error
	ListTodos(ctx context.Context, f TodoFilter) ([]*Todo, Total, error)
	// MarkTodoDone marks one of the user's to-dos done; ENOTFOUND when the
	// user has no such to-do.
	MarkTodoDone(ctx context.Context, userID, id int64) (*Todo, error)
	// MarkAllTodosDone marks all the user's pending to-dos done.
	MarkAllTodosDone(ctx context.Context, userID int64) error
}

package cairn

import (
	"context"
	"time"
)

// Event kinds: the history of an issue that planning metrics are computed
// from.
const (
	EventLabel     = "label"
	EventWeight    = "weight"
	EventMilestone = "milestone"
	EventState     = "state"
)

// Event actions. Label and milestone events add or remove; state events
// record the new state.
const (
	ActionAdd      = "add"
	ActionRemove   = "remove"
	ActionClosed   = "closed"
	ActionReopened = "reopened"
)

// Event is one recorded change of an issue. The label name and milestone
// title are kept with the event, so history survives renames and deletions.
type Event struct {
	ID             int64
	IssueID        int64
	Kind           string
	Action         string
	LabelID        *int64 // nil once the label is deleted
	LabelName      string
	Label          *Label // label events: the label as it is now; nil once deleted
	Weight         *int   // weight events: the new weight, nil when cleared
	MilestoneID    *int64
	MilestoneTitle string
	User           *User // nil for system changes
	CreatedAt      time.Time
}

// EventService lists issue history.
type EventService interface {
	// ListIssueEvents lists an issue's events of one kind, oldest first.
	ListIssueEvents(ctx context.Context, projectID, iid int64, kind string, p Page) ([]*Event, Total, error)
}

// Issue link types.
const (
	LinkRelatesTo   = "relates_to"
	LinkBlocks      = "blocks"
	LinkIsBlockedBy = "is_blocked_by"
)

// IssueLink links two issues. A link is stored once (source → target); seen
// from the target, "blocks" reads "is_blocked_by".
type IssueLink struct {
	ID        int64
	Source    *Issue
	Target    *Issue
	LinkType  string
	CreatedAt time.Time
}

// LinkService manages issue links.
type LinkService interface {
	// CreateLink links two issues; ECONFLICT if they are already linked,
	// EINVALID for a self-link or a bad link type.
	CreateLink(ctx context.Context, sourceID, targetID int64, linkType string) (*IssueLink, error)
	// ListLinks lists the links of an issue seen from it (its issue is Source).
	ListLinks(ctx context.Context, issueID int64) ([]*IssueLink, error)
	// DeleteLink deletes a link of the issue; ENOTFOUND if none.
	DeleteLink(ctx context.Context, issueID, linkID int64) error
	// ListChildren lists an issue's sub-tasks by iid.
	ListChildren(ctx context.Context, issueID int64) ([]*Issue, error)
}

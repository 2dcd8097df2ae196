package cairn

import (
	"context"
	"strings"
	"time"
)

// The confidences of a status update: how sure its author is that the
// issue makes the current milestone.
const (
	ConfidenceNot      = "not"
	ConfidenceSlightly = "slightly"
	ConfidenceVery     = "very"
)

// HealthForConfidence returns the health status an issue takes from its
// latest status update's confidence: very → on_track, slightly →
// needs_attention, not → at_risk; "" for anything else.
func HealthForConfidence(confidence string) string {
	switch confidence {
	case ConfidenceVery:
		return "on_track"
	case ConfidenceSlightly:
		return "needs_attention"
	case ConfidenceNot:
		return "at_risk"
	}
	return ""
}

// StatusUpdate is one weekly async status update on an issue. Each is also
// a note on the issue (NoteID, 0 once the note is deleted).
type StatusUpdate struct {
	ID         int64
	IssueID    int64
	IssueIID   int64
	ProjectID  int64
	Author     *User  // nil once the user is deleted
	Week       string // ISO week in the team's time zone, "2026-W48"
	Progress   string
	NextSteps  string
	Blockers   string
	Confidence string // not, slightly or very
	NoteID     int64
	CreatedAt  time.Time
}

// MaxStatusField is the longest text accepted in one field of a status update.
const MaxStatusField = 64 << 10

// StatusUpdateCreate is the input for posting a status update as the
// acting user.
type StatusUpdateCreate struct {
	ProjectID  int64
	IssueIID   int64
	Progress   string
	NextSteps  string
	Blockers   string
	Confidence string
}

// Validate checks the input: every field is required, and the confidence
// is not, slightly or very. It returns an EINVALID error naming the first
// bad field.
func (c *StatusUpdateCreate) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"progress", c.Progress}, {"next_steps", c.NextSteps}, {"blockers", c.Blockers}, {"confidence", c.Confidence},
	} {
		if strings.TrimSpace(f.v) == "" {
			return Missing(f.name)
		}
		if len(f.v) > MaxStatusField {
			return FieldError(f.name, "is too long (maximum is 65536 characters)")
		}
	}
	if HealthForConfidence(c.Confidence) == "" {
		return FieldError("confidence", "must be not, slightly or very")
	}
	return nil
}

// StatusUpdateResult is what posting a status update did: the update, its
// note, and the issue with its new health status.
type StatusUpdateResult struct {
	Update *StatusUpdate
	Note   *Note
	Issue  *Issue
}

// StatusUpdateDue is one status update owed this week: the assignee User has
// not posted one on Issue (ID, IID, ProjectID, Title and State only).
// LastUpdateAt is when User last posted one on it, nil if never.
type StatusUpdateDue struct {
	Issue        *Issue
	User         *User
	LastUpdateAt *time.Time
}

// StatusUpdatesDue lists the status updates owed in a week: for each open
// issue with assignees of the group's current milestone (the group
// milestone whose dates contain the week's status update day), each
// assignee who has not posted an update on it that week. Milestone is nil
// when no milestone contains that day.
type StatusUpdatesDue struct {
	Week      string
	Day       string // the status update day of the week, "2026-11-25"
	Milestone *Milestone
	Due       []*StatusUpdateDue
}

// Why a Deliverable is at risk.
const (
	RiskNotConfident      = "not confident"
	RiskSlightlyConfident = "slightly confident"
)

// DeliverableRisk is one Deliverable at risk: Issue (ID, IID, ProjectID,
// Title and State only), why, and its latest status update (nil for none).
type DeliverableRisk struct {
	Issue  *Issue
	Reason string // "not confident", "slightly confident", "no update since 2026-11-10", "no update yet"
	Latest *StatusUpdate
}

// MilestoneRisk rolls up a milestone's Deliverables at risk: open ones whose
// latest confidence is not (AtRisk) or slightly (NeedsAttention), or whose
// latest update is more than seven days old or missing (Stale).
type MilestoneRisk struct {
	Milestone      *Milestone
	Deliverables   int // all Deliverables of the milestone, closed ones included
	AtRisk         int
	NeedsAttention int
	Stale          int
	Items          []*DeliverableRisk
}

// StatusUpdateService manages weekly status updates. Weeks are ISO weeks in
// the team's time zone (planning setting time_zone).
type StatusUpdateService interface {
	// CreateStatusUpdate posts a status update and its note on an issue and
	// sets the issue's health status from the confidence, in one
	// transaction. EUNAUTHORIZED without an acting user; ENOTFOUND if the
	// issue does not exist; EINVALID for bad input.
	CreateStatusUpdate(ctx context.Context, in StatusUpdateCreate) (*StatusUpdateResult, error)
	// ListStatusUpdates lists an issue's status updates, newest first.
	// ENOTFOUND if the issue does not exist.
	ListStatusUpdates(ctx context.Context, projectID, iid int64, p Page) ([]*StatusUpdate, Total, error)
	// ListGroupStatusUpdates lists the status updates of a week ("" for the
	// current one) on the issues of a group's projects, newest first.
	// ENOTFOUND if the group does not exist; EINVALID for a bad week.
	ListGroupStatusUpdates(ctx context.Context, groupID int64, week string, p Page) ([]*StatusUpdate, Total, error)
	// StatusUpdatesDue lists who owes a status update on which issue in a
	// week ("" for the current one). ENOTFOUND if the group does not exist;
	// EINVALID for a bad week.
	StatusUpdatesDue(ctx context.Context, groupID int64, week string) (*StatusUpdatesDue, error)
	// MilestoneRisk rolls up a group milestone's Deliverables at risk.
	// ENOTFOUND unless the milestone is the group's.
	MilestoneRisk(ctx context.Context, groupID, milestoneID int64) (*MilestoneRisk, error)
}

package cairn

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxParkingLotReason bounds the reason of a parking lot proposal, in
// characters.
const MaxParkingLotReason = 2000

// ParkingLotEntry is a proposal, from anyone on the team, of work to pull
// into a milestone, with the reason it would be good to include (seed 001).
// It names an existing issue, or is a free-text Title when no issue exists
// yet.
type ParkingLotEntry struct {
	ID          int64
	GroupID     int64
	MilestoneID int64
	Issue       *Issue // nil for a free-text proposal
	Title       string
	Reason      string
	Author      *User
	CreatedAt   time.Time
}

// ParkingLotCreate is the input for adding to a milestone's parking lot: an
// issue reference (ProjectID and IssueIID) or a Title, and a Reason.
type ParkingLotCreate struct {
	GroupID     int64
	MilestoneID int64
	ProjectID   int64
	IssueIID    int64
	Title       string
	Reason      string
}

// Validate checks the input and returns an EINVALID *Error naming the field.
func (c *ParkingLotCreate) Validate() error {
	c.Title = strings.TrimSpace(c.Title)
	c.Reason = strings.TrimSpace(c.Reason)
	if c.Reason == "" {
		return Missing("reason")
	}
	if utf8.RuneCountInString(c.Reason) > MaxParkingLotReason {
		return FieldError("reason", "is too long (maximum is 2000 characters)")
	}
	hasIssue := c.ProjectID != 0 || c.IssueIID != 0
	if hasIssue && (c.ProjectID == 0 || c.IssueIID == 0) {
		return FieldError("issue", "needs both a project and an issue iid")
	}
	if !hasIssue && c.Title == "" {
		return &Error{Code: EINVALID, Param: "title", Message: "title or issue is missing"}
	}
	if len(c.Title) > MaxTitle {
		return FieldError("title", "is too long (maximum is 255 characters)")
	}
	return nil
}

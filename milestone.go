package cairn

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Milestone is a timebox, usually a month, with start and due dates. It
// belongs to a group (the team's planning milestones) or a project.
type Milestone struct {
	ID          int64
	IID         int64
	GroupID     *int64
	ProjectID   *int64
	Title       string
	Description string
	State       string // "active" or "closed"
	StartDate   string // date or ""
	DueDate     string // date or ""
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Milestone states.
const (
	MilestoneActive = "active"
	MilestoneClosed = "closed"
)

// Expired reports whether the milestone's due date is before today (a date).
func (m *Milestone) Expired(today string) bool {
	return m.DueDate != "" && m.DueDate < today
}

// MilestoneCreate is the input for creating a milestone.
type MilestoneCreate struct {
	GroupID     int64 // exactly one of GroupID and ProjectID
	ProjectID   int64
	Title       string
	Description string
	StartDate   string
	DueDate     string
	State       string // imports only; "" is active
	CreatedAt   time.Time
}

// Validate checks the input.
func (c *MilestoneCreate) Validate() error {
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" {
		return Missing("title")
	}
	if len(c.Title) > 255 {
		return FieldError("title", "is too long (maximum is 255 characters)")
	}
	if len(c.Description) > MaxDescription {
		return FieldError("description", "is too long (maximum is 1048576 characters)")
	}
	if (c.GroupID == 0) == (c.ProjectID == 0) {
		return Errorf(EINVALID, "a milestone belongs to either a group or a project")
	}
	if c.State == "" {
		c.State = MilestoneActive
	}
	if c.State != MilestoneActive && c.State != MilestoneClosed {
		return FieldError("state", "must be active or closed")
	}
	return validateMilestoneDates(c.StartDate, c.DueDate)
}

func validateMilestoneDates(start, due string) error {
	if start != "" && !ValidDate(start) {
		return FieldError("start_date", "must be a date like 2026-12-01")
	}
	if due != "" && !ValidDate(due) {
		return FieldError("due_date", "must be a date like 2026-12-31")
	}
	if start != "" && due != "" && due < start {
		return FieldError("due_date", "must be greater than start date")
	}
	return nil
}

// MilestoneUpdate changes a milestone; unset fields stay.
type MilestoneUpdate struct {
	Title       *string
	Description *string
	StartDate   Opt[string]
	DueDate     Opt[string]
	StateEvent  string // "close" or "activate"
}

// Validate checks the update against the milestone's current dates.
func (u *MilestoneUpdate) Validate(cur *Milestone) error {
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		u.Title = &t
		if t == "" {
			return FieldError("title", "can't be blank")
		}
		if len(t) > 255 {
			return FieldError("title", "is too long (maximum is 255 characters)")
		}
	}
	if u.Description != nil && len(*u.Description) > MaxDescription {
		return FieldError("description", "is too long (maximum is 1048576 characters)")
	}
	if u.StateEvent != "" && u.StateEvent != "close" && u.StateEvent != "activate" {
		return FieldError("state_event", "must be close or activate")
	}
	start, due := cur.StartDate, cur.DueDate
	if u.StartDate.Set {
		start = deref(u.StartDate.Value)
	}
	if u.DueDate.Set {
		due = deref(u.DueDate.Value)
	}
	return validateMilestoneDates(start, due)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// MilestoneService manages milestones.
type MilestoneService interface {
	// CreateMilestone creates a milestone; ECONFLICT if its owner has one of that title.
	CreateMilestone(ctx context.Context, c MilestoneCreate) (*Milestone, error)
	// MilestoneByID returns a milestone; ENOTFOUND if none.
	MilestoneByID(ctx context.Context, id int64) (*Milestone, error)
	// ListGroupMilestones lists a group's milestones, ordered by due date
	// (none last), then title.
	ListGroupMilestones(ctx context.Context, groupID int64, f MilestoneFilter) ([]*Milestone, Total, error)
	// ListProjectMilestones lists a project's own milestones and, with
	// IncludeAncestors, its group's; same order.
	ListProjectMilestones(ctx context.Context, projectID int64, f MilestoneFilter) ([]*Milestone, Total, error)
	// FindProjectMilestone finds a milestone usable in a project (own or its
	// group's) by exact title; ENOTFOUND if none.
	FindProjectMilestone(ctx context.Context, projectID int64, title string) (*Milestone, error)
	// UpdateMilestone changes a milestone.
	UpdateMilestone(ctx context.Context, id int64, u MilestoneUpdate) (*Milestone, error)
	// DeleteMilestone deletes a milestone and unsets it on its issues
	// (recording milestone events).
	DeleteMilestone(ctx context.Context, id int64) error
}

// MilestoneFilter selects milestones.
type MilestoneFilter struct {
	State            string // "", active, closed
	Title            string
	Search           string
	IIDs             []int64
	IncludeAncestors bool
	Page
}

// Validate checks the filter's state and its limits (MaxFilterIIDs iids,
// MaxSearch characters of search and title); EINVALID naming the parameter.
func (f *MilestoneFilter) Validate() error {
	if f.State != "" && f.State != MilestoneActive && f.State != MilestoneClosed {
		return &Error{Code: EINVALID, Param: "state", Message: "state does not have a valid value"}
	}
	if len(f.IIDs) > MaxFilterIIDs {
		return tooManyValues("iids", MaxFilterIIDs)
	}
	for param, v := range map[string]string{"search": f.Search, "title": f.Title} {
		if len(v) > MaxSearch {
			return &Error{Code: EINVALID, Param: param, Message: fmt.Sprintf("%s is too long (maximum is %d characters)", param, MaxSearch)}
		}
	}
	return nil
}

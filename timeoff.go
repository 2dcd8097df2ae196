package cairn

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTimeOffDays is the longest time-off range one entry may cover; longer
// absences are entered as several entries (and usually mean a change of
// capacity factor instead).
const MaxTimeOffDays = 366

// MaxTimeOffNote bounds a time-off note, in characters.
const MaxTimeOffNote = 1000

// TimeOff is a member's absence from StartDate to EndDate (inclusive dates in
// the team's time zone). A half-day entry counts 0.5 for each working day it
// covers (planning-model.md).
type TimeOff struct {
	ID              int64
	GroupID         int64
	User            *User
	StartDate       string
	EndDate         string
	HalfDay         bool
	Note            string
	CoverageIssueID *int64 // the coverage issue opened for it, if any
	CreatedAt       time.Time
}

// TimeOffCreate is the input for adding time off. CreateCoverageIssue opens
// an issue in the team's planning project listing what needs covering.
type TimeOffCreate struct {
	GroupID             int64
	UserID              int64
	StartDate           string
	EndDate             string
	HalfDay             bool
	Note                string
	CreateCoverageIssue bool
}

// Validate checks the input and returns an EINVALID *Error naming the field.
// An empty EndDate means a single day.
func (c *TimeOffCreate) Validate() error {
	c.StartDate = strings.TrimSpace(c.StartDate)
	c.EndDate = strings.TrimSpace(c.EndDate)
	c.Note = strings.TrimSpace(c.Note)
	if c.UserID == 0 {
		return Missing("user_id")
	}
	if c.StartDate == "" {
		return Missing("start_date")
	}
	if !ValidDate(c.StartDate) {
		return FieldError("start_date", "must be a date like 2026-12-31")
	}
	if c.EndDate == "" {
		c.EndDate = c.StartDate
	}
	if !ValidDate(c.EndDate) {
		return FieldError("end_date", "must be a date like 2026-12-31")
	}
	if c.EndDate < c.StartDate {
		return FieldError("end_date", "must be on or after start_date")
	}
	start, _ := time.Parse(DateLayout, c.StartDate)
	end, _ := time.Parse(DateLayout, c.EndDate)
	if days := int(end.Sub(start).Hours()/24) + 1; days > MaxTimeOffDays {
		return FieldError("end_date", "is too far from start_date (at most 366 days)")
	}
	if utf8.RuneCountInString(c.Note) > MaxTimeOffNote {
		return FieldError("note", "is too long (maximum is 1000 characters)")
	}
	return nil
}

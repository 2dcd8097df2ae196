package cairn

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Issue states.
const (
	StateOpened = "opened"
	StateClosed = "closed"
)

// Issue is a unit of work in a project, numbered per project by IID.
type Issue struct {
	ID               int64
	IID              int64
	ProjectID        int64
	Title            string
	Description      string
	State            string
	Author           *User
	Assignees        []*User
	Labels           []*Label // sorted by name
	Milestone        *Milestone
	Weight           *int
	DueDate          string // date or ""
	Confidential     bool
	DiscussionLocked bool
	IssueType        string // "issue" or "task"
	ParentID         *int64 // sub-task of this issue (global id)
	HealthStatus     string // "", on_track, needs_attention, at_risk
	RelativePosition *int64 // manual rank; lower first
	TimeEstimate     int    // seconds
	TotalTimeSpent   int    // seconds
	UserNotesCount   int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	ClosedAt         *time.Time
	ClosedBy         *User
}

// LabelNames returns the issue's label names, sorted.
func (i *Issue) LabelNames() []string {
	out := make([]string, len(i.Labels))
	for k, l := range i.Labels {
		out[k] = l.Name
	}
	return out
}

// HasLabel reports whether the issue carries the named label.
func (i *Issue) HasLabel(name string) bool {
	for _, l := range i.Labels {
		if l.Name == name {
			return true
		}
	}
	return false
}

// Field limits, so that bad input gets a clear 400 and not a bloated row.
const (
	MaxTitle       = 255
	MaxDescription = 1 << 20 // 1 MiB, as GitLab's limit
	MaxLabels      = 100     // labels on one issue
	MaxAssignees   = 100
	// MaxInt is the largest weight, label priority or other count stored
	// in a 32-bit integer column (GitLab's MAX_INT_VALUE): a larger one
	// is a 400, not a database overflow.
	MaxInt = 1<<31 - 1
)

// IssueCreate is the input for creating an issue. Labels that do not exist
// yet are created as project labels.
type IssueCreate struct {
	ProjectID    int64
	Title        string
	Description  string
	Labels       []string
	MilestoneID  int64
	Weight       *int
	AssigneeIDs  []int64
	DueDate      string
	IssueType    string
	Confidential bool
	ParentID     int64

	// Imports keep history: these are honoured only by the importer path.
	CreatedAt time.Time
}

// Validate checks the input.
func (c *IssueCreate) Validate() error {
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" {
		return Missing("title")
	}
	if len(c.Title) > MaxTitle {
		return FieldError("title", "is too long (maximum is 255 characters)")
	}
	if len(c.Description) > MaxDescription {
		return FieldError("description", "is too long (maximum is 1048576 characters)")
	}
	if c.IssueType == "" {
		c.IssueType = "issue"
	}
	if c.IssueType != "issue" && c.IssueType != "task" && c.IssueType != "incident" {
		return FieldError("issue_type", "must be issue, task or incident")
	}
	if c.Weight != nil && *c.Weight < 0 {
		return FieldError("weight", "must be greater than or equal to 0")
	}
	if c.Weight != nil && *c.Weight > MaxInt {
		return FieldError("weight", "must be less than or equal to 2147483647")
	}
	if c.DueDate != "" && !ValidDate(c.DueDate) {
		return FieldError("due_date", "must be a date like 2026-12-31")
	}
	labels, err := cleanLabelNames(c.Labels)
	if err != nil {
		return err
	}
	c.Labels = ExclusiveLabels(labels)
	if len(c.AssigneeIDs) > MaxAssignees {
		return FieldError("assignee_ids", "has too many entries")
	}
	c.AssigneeIDs = uniqueIDs(c.AssigneeIDs)
	return nil
}

func cleanLabelNames(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if err := ValidateLabelName(n); err != nil {
			return nil, FieldError("labels", "has an invalid label name: "+ErrorMessage(err))
		}
		out = append(out, n)
	}
	if len(out) > MaxLabels {
		return nil, FieldError("labels", "has too many entries (maximum is 100)")
	}
	return out, nil
}

func uniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id == 0 || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

// IssueUpdate changes an issue; unset fields stay. Labels replaces the whole
// set; AddLabels and RemoveLabels change it. Label names that do not exist
// are created as project labels when added (as GitLab does).
type IssueUpdate struct {
	Title            *string
	Description      *string
	Labels           *[]string
	AddLabels        []string
	RemoveLabels     []string
	StateEvent       string // "close" or "reopen"
	MilestoneID      Opt[int64]
	Weight           Opt[int]
	AssigneeIDs      *[]int64 // empty clears
	DueDate          Opt[string]
	Confidential     *bool
	DiscussionLocked *bool
	ParentID         Opt[int64]
	IssueType        *string
	HealthStatus     Opt[string]
	RelativePosition Opt[int64]
	SpendSeconds     int    // time logged (may be negative to subtract)
	SpendSummary     string // note on the time log
}

// Empty reports whether the update changes nothing.
func (u *IssueUpdate) Empty() bool {
	return u.Title == nil && u.Description == nil && u.Labels == nil && len(u.AddLabels) == 0 &&
		len(u.RemoveLabels) == 0 && u.StateEvent == "" && !u.MilestoneID.Set && !u.Weight.Set &&
		u.AssigneeIDs == nil && !u.DueDate.Set && u.Confidential == nil && u.DiscussionLocked == nil &&
		!u.ParentID.Set && u.IssueType == nil && !u.HealthStatus.Set && !u.RelativePosition.Set && u.SpendSeconds == 0
}

// Validate checks the input.
func (u *IssueUpdate) Validate() error {
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		u.Title = &t
		if t == "" {
			return FieldError("title", "can't be blank")
		}
		if len(t) > MaxTitle {
			return FieldError("title", "is too long (maximum is 255 characters)")
		}
	}
	if u.Description != nil && len(*u.Description) > MaxDescription {
		return FieldError("description", "is too long (maximum is 1048576 characters)")
	}
	if u.StateEvent != "" && u.StateEvent != "close" && u.StateEvent != "reopen" {
		return FieldError("state_event", "must be close or reopen")
	}
	if u.Weight.Set && u.Weight.Value != nil && *u.Weight.Value < 0 {
		return FieldError("weight", "must be greater than or equal to 0")
	}
	if u.Weight.Set && u.Weight.Value != nil && *u.Weight.Value > MaxInt {
		return FieldError("weight", "must be less than or equal to 2147483647")
	}
	if u.DueDate.Set && u.DueDate.Value != nil && *u.DueDate.Value != "" && !ValidDate(*u.DueDate.Value) {
		return FieldError("due_date", "must be a date like 2026-12-31")
	}
	if u.IssueType != nil && *u.IssueType != "issue" && *u.IssueType != "task" && *u.IssueType != "incident" {
		return FieldError("issue_type", "must be issue, task or incident")
	}
	if u.HealthStatus.Set && u.HealthStatus.Value != nil {
		switch *u.HealthStatus.Value {
		case "", "on_track", "needs_attention", "at_risk":
		default:
			return FieldError("health_status", "must be on_track, needs_attention or at_risk")
		}
	}
	var err error
	if u.Labels != nil {
		var l []string
		if l, err = cleanLabelNames(*u.Labels); err != nil {
			return err
		}
		l = ExclusiveLabels(l)
		u.Labels = &l
	}
	if u.AddLabels, err = cleanLabelNames(u.AddLabels); err != nil {
		return err
	}
	if u.RemoveLabels, err = cleanLabelNames(u.RemoveLabels); err != nil {
		return err
	}
	if u.AssigneeIDs != nil {
		ids := uniqueIDs(*u.AssigneeIDs)
		if len(ids) > MaxAssignees {
			return FieldError("assignee_ids", "has too many entries")
		}
		u.AssigneeIDs = &ids
	}
	return nil
}

// Special filter values, as GitLab takes them.
const (
	FilterNone = "None"
	FilterAny  = "Any"
)

// IssueFilter selects issues for the project and group issue lists. String
// filters take a value, FilterNone or FilterAny; "" means no filter.
type IssueFilter struct {
	ProjectID int64 // one of ProjectID and GroupID
	GroupID   int64

	IIDs              []int64
	State             string   // "", opened, closed
	Labels            []string // AND; a single FilterNone or FilterAny
	Milestone         string   // title, None, Any
	MilestoneID       int64    // milestone's issues, by id
	AssigneeID        string   // id, None, Any
	AssigneeUsernames []string // AND
	AuthorID          int64
	AuthorUsername    string
	Weight            string // number, None, Any
	Search            string
	In                []string // title, description; default both
	Confidential      *bool
	IssueType         string
	DueDate           string // None, Any, overdue
	CreatedAfter      *time.Time
	CreatedBefore     *time.Time
	UpdatedAfter      *time.Time
	UpdatedBefore     *time.Time

	NotLabels            []string // none of these
	NotMilestone         string
	NotAssigneeID        int64
	NotAssigneeUsernames []string
	NotAuthorID          int64
	NotWeight            *int
	NotIIDs              []int64

	// OrderBy is created_at (default), updated_at, priority, due_date,
	// relative_position, label_priority, milestone_due, weight, title.
	OrderBy string
	Sort    string // asc or desc (default desc)
	Page

	// SkipTotal leaves Total zero (the caller needs no count).
	SkipTotal bool
}

// Validate checks the filter values that have a fixed set.
func (f *IssueFilter) Validate() error {
	switch f.State {
	case "", "all":
		f.State = ""
	case StateOpened, StateClosed:
	default:
		return &Error{Code: EINVALID, Param: "state", Message: "state does not have a valid value"}
	}
	switch f.OrderBy {
	case "":
		f.OrderBy = "created_at"
	case "created_at", "updated_at", "priority", "due_date", "relative_position", "label_priority", "milestone_due", "weight", "title":
	default:
		return &Error{Code: EINVALID, Param: "order_by", Message: "order_by does not have a valid value"}
	}
	switch f.Sort {
	case "":
		f.Sort = "desc"
		if f.OrderBy == "relative_position" {
			f.Sort = "asc"
		}
	case "asc", "desc":
	default:
		return &Error{Code: EINVALID, Param: "sort", Message: "sort does not have a valid value"}
	}
	for _, in := range f.In {
		if in != "title" && in != "description" {
			return &Error{Code: EINVALID, Param: "in", Message: "in does not have a valid value"}
		}
	}
	if err := checkFilterLimits(f); err != nil {
		return err
	}
	f.Page = f.Page.Normalize()
	return nil
}

// Filter limits: each list a query string can carry is bounded, so that a
// long URL is a 400 and not thousands of SQL parameters (more than SQLite
// or PostgreSQL take in one statement), and the search text is bounded
// as GitLab's is.
const (
	MaxFilterIIDs = 1000
	MaxSearch     = 4096
)

// tooManyValues is the 400 {"error":"iids has too many values (maximum is
// 1000)"} for a list parameter over its limit.
func tooManyValues(param string, max int) *Error {
	return &Error{Code: EINVALID, Param: param, Message: fmt.Sprintf("%s has too many values (maximum is %d)", param, max)}
}

func checkFilterLimits(f *IssueFilter) error {
	for _, l := range []struct {
		param string
		n     int
		max   int
	}{
		{"iids", len(f.IIDs), MaxFilterIIDs},
		{"not[iids]", len(f.NotIIDs), MaxFilterIIDs},
		{"labels", len(f.Labels), MaxLabels},
		{"not[labels]", len(f.NotLabels), MaxLabels},
		{"assignee_username", len(f.AssigneeUsernames), MaxAssignees},
		{"not[assignee_username]", len(f.NotAssigneeUsernames), MaxAssignees},
	} {
		if l.n > l.max {
			return tooManyValues(l.param, l.max)
		}
	}
	if len(f.Search) > MaxSearch {
		return &Error{Code: EINVALID, Param: "search", Message: fmt.Sprintf("search is too long (maximum is %d characters)", MaxSearch)}
	}
	return nil
}

// IssueService manages issues. Every change records its events (label,
// weight, milestone, state) with the acting user from ctx and the time.
type IssueService interface {
	// CreateIssue creates an issue with the next iid of its project.
	CreateIssue(ctx context.Context, c IssueCreate) (*Issue, error)
	// IssueByIID returns an issue by project and iid; ENOTFOUND if none.
	IssueByIID(ctx context.Context, projectID, iid int64) (*Issue, error)
	// IssueByID returns an issue by global id; ENOTFOUND if none.
	IssueByID(ctx context.Context, id int64) (*Issue, error)
	// ListIssues lists issues matching f, with the total count (capped at
	// MaxCountedTotal).
	ListIssues(ctx context.Context, f IssueFilter) ([]*Issue, Total, error)
	// UpdateIssue applies u in one transaction; concurrent updates of the same
	// issue are serialised so that none is lost.
	UpdateIssue(ctx context.Context, projectID, iid int64, u IssueUpdate) (*Issue, error)
	// DeleteIssue deletes an issue with its notes, events and links.
	DeleteIssue(ctx context.Context, projectID, iid int64) error
}

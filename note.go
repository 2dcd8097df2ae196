package cairn

import (
	"context"
	"strings"
	"time"
)

// Note is a comment on an issue. System notes are written by Cairn.
type Note struct {
	ID        int64
	IssueID   int64
	IssueIID  int64
	ProjectID int64
	Author    *User
	Body      string
	System    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxNote is the longest note body accepted.
const MaxNote = 1 << 20

// NoteCreate is the input for posting a note.
type NoteCreate struct {
	ProjectID int64
	IssueIID  int64
	Body      string
	CreatedAt time.Time // imports only
}

// Validate checks the input.
func (c *NoteCreate) Validate() error {
	if strings.TrimSpace(c.Body) == "" {
		return Missing("body")
	}
	if len(c.Body) > MaxNote {
		return FieldError("note", "is too long (maximum is 1048576 characters)")
	}
	return nil
}

// NoteResult is what posting a note did: the note, unless the body was only
// quick actions, and the quick actions' changes and summary.
type NoteResult struct {
	Note    *Note          // nil for a commands-only note
	Issue   *Issue         // the issue after the commands
	Changes map[string]any // GitLab's commands_changes
	Summary []string       // one sentence per command, "Set weight to 3."
}

// NoteService manages notes. Posting a note runs its quick actions and
// stores the note in one transaction: a failing command changes nothing.
type NoteService interface {
	// CreateNote posts a note on an issue and runs its quick actions; EINVALID
	// with the command's message if one fails.
	CreateNote(ctx context.Context, c NoteCreate) (*NoteResult, error)
	// ListNotes lists an issue's notes; sort "asc" or "desc" (default) by
	// created_at or updated_at.
	ListNotes(ctx context.Context, projectID, iid int64, f NoteFilter) ([]*Note, Total, error)
	// NoteByID returns one note of an issue; ENOTFOUND if none.
	NoteByID(ctx context.Context, projectID, iid, noteID int64) (*Note, error)
	// UpdateNote replaces a note's body (quick actions are not run again).
	UpdateNote(ctx context.Context, projectID, iid, noteID int64, body string) (*Note, error)
	// DeleteNote deletes a note.
	DeleteNote(ctx context.Context, projectID, iid, noteID int64) error
}

// NoteFilter orders and pages notes.
type NoteFilter struct {
	OrderBy string // created_at (default) or updated_at
	Sort    string // asc or desc (default)
	Page
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cairnhq/cairn"
)

var _ cairn.NoteService = (*Store)(nil)

// noteColumns are the columns scanNote reads, for notes "n" joined with
// their issue "i".
const noteColumns = "n.id, n.issue_id, i.iid, i.project_id, n.author_id, n.body, n.system, n.created_at, n.updated_at"

func scanNote(r scanner) (*cairn.Note, int64, error) {
	var n cairn.Note
	var authorID, created, updated int64
	if err := r.Scan(&n.ID, &n.IssueID, &n.IssueIID, &n.ProjectID, &authorID, &n.Body, &n.System, &created, &updated); err != nil {
		return nil, 0, err
	}
	n.CreatedAt, n.UpdatedAt = fromMS(created), fromMS(updated)
	return &n, authorID, nil
}

// CreateNote posts a note on an issue as the acting user and runs its quick
// actions, all in one transaction: the issue is locked, the actions are
// resolved and applied through the same path as UpdateIssue (so they record
// the same events), and the text left after the command lines is stored as
// the note. A body of commands only stores no note. If any command fails,
// nothing changes and its EINVALID error is returned. EUNAUTHORIZED without
// an acting user; ENOTFOUND if the issue does not exist.
func (s *Store) CreateNote(ctx context.Context, in cairn.NoteCreate) (*cairn.NoteResult, error) {
	actor := cairn.UserFromContext(ctx)
	if actor == nil {
		return nil, cairn.Errorf(cairn.EUNAUTHORIZED, "401 Unauthorized")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	text, actions := cairn.ParseQuickActions(in.Body)
	var res *cairn.NoteResult
	var issueID, noteID int64
	err := s.write(ctx, func(c *conn) error {
		res, noteID = &cairn.NoteResult{}, 0
		cur, err := lockIssue(ctx, c, in.ProjectID, in.IssueIID)
		if err != nil {
			return err
		}
		issueID = cur.ID
		if len(actions) > 0 {
			// The actions read the issue as it is under the lock: its labels,
			// assignees and milestone.
			if err := fillIssues(ctx, c, []*storedIssue{cur}); err != nil {
				return err
			}
			gid, err := projectGroupID(ctx, c, cur.ProjectID)
			if err != nil {
				return err
			}
			r := &quickActionResolver{ctx: ctx, c: c, projectID: cur.ProjectID, groupID: gid}
			qa, err := cairn.ApplyQuickActions(cur.Issue, actions, r, actor, s.Today())
			if err != nil {
				return err
			}
			res.Changes, res.Summary = qa.Changes, qa.Summary
			u := qa.Update
			if err := u.Validate(); err != nil {
				return err
			}
			if _, err := s.applyIssueUpdate(ctx, c, cur, &u, actor); err != nil {
				return err
			}
		}
		if text == "" {
			return nil
		}
		at := ms(s.orNow(in.CreatedAt))
		noteID, err = c.insert(ctx, "INSERT INTO notes (issue_id, author_id, body, system, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			cur.ID, actor.ID, text, false, at, at)
		if err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		// The note counts on the issue and makes it recently updated, as in GitLab.
		if _, err := c.exec(ctx, "UPDATE issues SET user_notes_count = user_notes_count + 1, updated_at = ? WHERE id = ?",
			at, cur.ID); err != nil {
			return fmt.Errorf("count note: %w", err)
		}
		if err := s.noteHook(ctx, c, cur.ID, noteID, actor); err != nil {
			return err
		}
		// To-dos for those the note mentions (todos.go).
		if err := todosOnNote(ctx, c, cur.ID, actor, text, at); err != nil {
			return err
		}
		// A note in the weekly status update template is a status update too.
		return s.noteStatusUpdate(ctx, c, cur, actor, noteID, text, at)
	})
	if err != nil {
		return nil, err
	}
	c := s.read()
	if noteID != 0 {
		if res.Note, err = noteWhere(ctx, c, "n.id = ?", noteID); err != nil {
			return nil, err
		}
	}
	if res.Issue, err = issueWhere(ctx, c, "i.id = ?", issueID); err != nil {
		return nil, err
	}
	return res, nil
}

// quickActionResolver looks up what quick actions name inside the
// transaction that applies them.
type quickActionResolver struct {
	ctx                context.Context
	c                  *conn
	projectID, groupID int64
}

// Label returns the label of that name usable in the project (the exact
// name first); ENOTFOUND if none. Quick actions create no labels.
func (r *quickActionResolver) Label(name string) (*cairn.Label, error) {
	m, err := labelsByName(r.ctx, r.c, r.projectID, r.groupID, []string{name})
	if err != nil {
		return nil, err
	}
	if l := m[name]; l != nil {
		return l, nil
	}
	return nil, cairn.NotFound("Label")
}

// Milestone returns the milestone of that title usable in the project, the
// project's own first; ENOTFOUND if none.
func (r *quickActionResolver) Milestone(title string) (*cairn.Milestone, error) {
	m, err := scanMilestone(r.c.queryRow(r.ctx, "SELECT "+milestoneColumns+" FROM milestones m WHERE (m.project_id = ? OR m.group_id = ?) AND m.title = ?"+
		" ORDER BY CASE WHEN m.project_id IS NULL THEN 1 ELSE 0 END, m.id LIMIT 1", r.projectID, r.groupID, title))
	if err != nil {
		return nil, notFound(err, "Milestone")
	}
	return m, nil
}

// User returns the user of that username (case-insensitive); ENOTFOUND if none.
func (r *quickActionResolver) User(username string) (*cairn.User, error) {
	u, err := scanUser(r.c.queryRow(r.ctx, "SELECT "+userColumns+" FROM users u WHERE lower(u.username) = lower(?)", username))
	if err != nil {
		return nil, notFound(err, "User")
	}
	return u, nil
}

// issueIDByIID returns the global id of an issue; ENOTFOUND if none.
func issueIDByIID(ctx context.Context, c *conn, projectID, iid int64) (int64, error) {
	var id int64
	if err := c.queryRow(ctx, "SELECT id FROM issues WHERE project_id = ? AND iid = ?", projectID, iid).Scan(&id); err != nil {
		return 0, notFound(err, "Issue")
	}
	return id, nil
}

// ListNotes lists an issue's notes, f.Sort "asc" or "desc" (the default) by
// f.OrderBy created_at (the default) or updated_at, with the total.
// ENOTFOUND if the issue does not exist; EINVALID for a bad order.
func (s *Store) ListNotes(ctx context.Context, projectID, iid int64, f cairn.NoteFilter) ([]*cairn.Note, cairn.Total, error) {
	col := "n.created_at"
	switch f.OrderBy {
	case "", "created_at":
	case "updated_at":
		col = "n.updated_at"
	default:
		return nil, cairn.Total{}, badFilter("order_by")
	}
	dir := " DESC"
	switch f.Sort {
	case "", "desc":
	case "asc":
		dir = " ASC"
	default:
		return nil, cairn.Total{}, badFilter("sort")
	}
	p := f.Page.Normalize()
	c := s.read()
	issueID, err := issueIDByIID(ctx, c, projectID, iid)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	list, err := loadNotes(ctx, c, "SELECT "+noteColumns+" FROM notes n JOIN issues i ON i.id = n.issue_id WHERE n.issue_id = ? ORDER BY "+
		col+dir+", n.id"+dir+" LIMIT ? OFFSET ?", issueID, p.PerPage, p.Offset())
	if err != nil {
		return nil, cairn.Total{}, err
	}
	total, err := countPage(ctx, c, "FROM notes n WHERE n.issue_id = ?", []any{issueID}, p, len(list))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count notes: %w", err)
	}
	return list, total, nil
}

// loadNotes runs query, which selects noteColumns, and loads the authors.
func loadNotes(ctx context.Context, c *conn, query string, args ...any) ([]*cairn.Note, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load notes: %w", err)
	}
	out := []*cairn.Note{}
	var authors []int64
	for rows.Next() {
		n, author, err := scanNote(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan note: %w", err)
		}
		out = append(out, n)
		authors = append(authors, author)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load notes: %w", err)
	}
	users, err := usersByIDs(ctx, c, authors)
	if err != nil {
		return nil, err
	}
	for k, n := range out {
		n.Author = users[authors[k]]
	}
	return out, nil
}

func noteWhere(ctx context.Context, c *conn, where string, args ...any) (*cairn.Note, error) {
	list, err := loadNotes(ctx, c, "SELECT "+noteColumns+" FROM notes n JOIN issues i ON i.id = n.issue_id WHERE "+where+" ORDER BY n.id LIMIT 1", args...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.NotFound("Note")
	}
	return list[0], nil
}

// NoteByID returns one note of an issue; ENOTFOUND ("Issue" or "Note") if
// either does not exist.
func (s *Store) NoteByID(ctx context.Context, projectID, iid, noteID int64) (*cairn.Note, error) {
	c := s.read()
	issueID, err := issueIDByIID(ctx, c, projectID, iid)
	if err != nil {
		return nil, err
	}
	return noteWhere(ctx, c, "n.id = ? AND n.issue_id = ?", noteID, issueID)
}

// UpdateNote replaces a note's body; quick actions in it are not run again.
// ENOTFOUND if the issue or note does not exist; EINVALID for a blank or
// too long body.
func (s *Store) UpdateNote(ctx context.Context, projectID, iid, noteID int64, body string) (*cairn.Note, error) {
	check := cairn.NoteCreate{Body: body}
	if err := check.Validate(); err != nil {
		return nil, err
	}
	var issueID int64
	err := s.write(ctx, func(c *conn) error {
		var err error
		if issueID, err = issueIDByIID(ctx, c, projectID, iid); err != nil {
			return err
		}
		res, err := c.exec(ctx, "UPDATE notes SET body = ?, updated_at = ? WHERE id = ? AND issue_id = ?", body, ms(s.now()), noteID, issueID)
		if err != nil {
			return fmt.Errorf("update note: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update note: %w", err)
		} else if n == 0 {
			return cairn.NotFound("Note")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return noteWhere(ctx, s.read(), "n.id = ? AND n.issue_id = ?", noteID, issueID)
}

// DeleteNote deletes a note of an issue; ENOTFOUND if the issue or the note
// does not exist.
func (s *Store) DeleteNote(ctx context.Context, projectID, iid, noteID int64) error {
	return s.write(ctx, func(c *conn) error {
		issueID, err := issueIDByIID(ctx, c, projectID, iid)
		if err != nil {
			return err
		}
		var system bool
		err = c.queryRow(ctx, "DELETE FROM notes WHERE id = ? AND issue_id = ? RETURNING system", noteID, issueID).Scan(&system)
		if errors.Is(err, sql.ErrNoRows) {
			return cairn.NotFound("Note")
		}
		if err != nil {
			return fmt.Errorf("delete note: %w", err)
		}
		if !system {
			if _, err := c.exec(ctx, "UPDATE issues SET user_notes_count = user_notes_count - 1 WHERE id = ? AND user_notes_count > 0", issueID); err != nil {
				return fmt.Errorf("count note: %w", err)
			}
		}
		return nil
	})
}

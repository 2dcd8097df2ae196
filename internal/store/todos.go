package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
)

var _ cairn.TodoService = (*Store)(nil)

// The to-do list (issue 5): to-dos from issue activity (assignments and
// mentions, written in the transaction of the change), from the scheduler
// (Notify, idempotent per occurrence key, with an e-mail through the outbox
// when mail is configured), and GitLab's list and mark-done endpoints.

// issueVisibleCond is true when user u may see issue i of project p, with
// gm u's membership in the issue's group (LEFT JOINed: NULL for none): the
// API's rule (access.go) in SQL. Members see their group's issues and
// signed-in users those of internal and public projects; a confidential
// issue only reporters and up, its author and its assignees; admins all.
// Blocked users see nothing.
var issueVisibleCond = `(u.state = 'active' AND (u.is_admin OR (
	(COALESCE(gm.access_level, 0) > 0 OR p.visibility IN ('public', 'internal'))
	AND (NOT i.confidential OR COALESCE(gm.access_level, 0) >= ` + strconv.Itoa(cairn.AccessReporter) + ` OR i.author_id = u.id
		OR EXISTS (SELECT 1 FROM issue_assignees ia WHERE ia.issue_id = i.id AND ia.user_id = u.id)))))`

// todoVisibleCond is true when the to-do t's user u may see what it is
// about: its issue (issueVisibleCond), or its group g for a milestone's.
var todoVisibleCond = `(CASE WHEN t.issue_id IS NOT NULL THEN ` + issueVisibleCond + `
	ELSE (u.is_admin OR t.group_id IS NULL OR COALESCE(gm.access_level, 0) > 0 OR g.visibility IN ('public', 'internal')) END)`

// todoFrom joins a to-do "t" with what todoVisibleCond reads.
const todoFrom = ` FROM todos t
	JOIN users u ON u.id = t.user_id
	LEFT JOIN issues i ON i.id = t.issue_id
	LEFT JOIN projects p ON p.id = i.project_id
	LEFT JOIN groups g ON g.id = COALESCE(p.group_id, t.group_id)
	LEFT JOIN group_members gm ON gm.group_id = g.id AND gm.user_id = t.user_id`

// todoColumns are the columns scanTodo reads, with the visibility of the
// to-do's subject last.
var todoColumns = "t.id, t.user_id, t.author_id, t.group_id, t.project_id, t.issue_id, t.milestone_id, t.action_name, t.body, t.state, " +
	"t.created_at, t.updated_at, CASE WHEN " + todoVisibleCond + " THEN 1 ELSE 0 END"

// maxTodoBody bounds the text a to-do keeps of the note that mentions its
// user; the note itself is on the issue.
const maxTodoBody = 4000

// loadTodos runs "SELECT todoColumns todoFrom " + rest and returns the
// to-dos with their authors and, where the user may see it, their issue.
func loadTodos(ctx context.Context, c *conn, rest string, args ...any) ([]*cairn.Todo, error) {
	rows, err := c.query(ctx, "SELECT "+todoColumns+todoFrom+" "+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("load to-dos: %w", err)
	}
	out := []*cairn.Todo{}
	var authors, issueIDs []int64
	authorOf := map[*cairn.Todo]int64{}
	for rows.Next() {
		var t cairn.Todo
		var author, group, project, issue, milestone sql.NullInt64
		var created, updated int64
		var visible int
		if err := rows.Scan(&t.ID, &t.UserID, &author, &group, &project, &issue, &milestone, &t.ActionName, &t.Body, &t.State,
			&created, &updated, &visible); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan to-do: %w", err)
		}
		t.GroupID, t.ProjectID, t.IssueID, t.MilestoneID = group.Int64, project.Int64, issue.Int64, milestone.Int64
		t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
		if visible == 1 && t.IssueID != 0 {
			issueIDs = append(issueIDs, t.IssueID)
		} else if visible != 1 {
			// What it says may come from the hidden issue (a mention in a
			// note): it goes too.
			t.Body = ""
		}
		if author.Valid {
			authors = append(authors, author.Int64)
			authorOf[&t] = author.Int64
		}
		out = append(out, &t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load to-dos: %w", err)
	}
	users, err := usersByIDs(ctx, c, authors)
	if err != nil {
		return nil, err
	}
	issueIDs = uniqueNonZero(issueIDs)
	issues := map[int64]*cairn.Issue{}
	if len(issueIDs) > 0 {
		list, err := loadIssues(ctx, c, "SELECT "+issueColumns+" FROM issues i WHERE i.id IN ("+placeholders(len(issueIDs))+") ORDER BY i.id LIMIT ?",
			append(int64Args(issueIDs), len(issueIDs))...)
		if err != nil {
			return nil, err
		}
		for _, is := range list {
			issues[is.ID] = is
		}
	}
	for _, t := range out {
		t.Author = users[authorOf[t]]
		t.Issue = issues[t.IssueID]
	}
	return out, nil
}

// todoByID loads one to-do of a user; ENOTFOUND if the user has none of
// that id.
func todoByID(ctx context.Context, c *conn, userID, id int64) (*cairn.Todo, error) {
	list, err := loadTodos(ctx, c, "WHERE t.id = ? AND t.user_id = ? ORDER BY t.id LIMIT 1", id, userID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, cairn.NotFound("Todo")
	}
	return list[0], nil
}

// todoTypes maps TodoFilter.Type to its condition.
var todoTypes = map[string]string{
	"":          "",
	"Issue":     "t.issue_id IS NOT NULL",
	"Milestone": "t.issue_id IS NULL AND t.milestone_id IS NOT NULL",
	"Group":     "t.issue_id IS NULL AND t.milestone_id IS NULL",
}

// ListTodos lists a user's to-dos, newest first, with the total: pending
// ones unless f.State says "done", of f's action, author, project, group
// and target type ("Issue", "Milestone" or "Group"). To-dos about an issue
// or group the user may no longer see are left out. EINVALID for an
// unknown state or type.
func (s *Store) ListTodos(ctx context.Context, f cairn.TodoFilter) ([]*cairn.Todo, cairn.Total, error) {
	conds := []string{"t.user_id = ?", "t.state = ?", todoVisibleCond}
	state := f.State
	switch state {
	case "":
		state = cairn.TodoPending
	case cairn.TodoPending, cairn.TodoDone:
	default:
		return nil, cairn.Total{}, badFilter("state")
	}
	args := []any{f.UserID, state}
	typ, ok := todoTypes[f.Type]
	if !ok {
		return nil, cairn.Total{}, badFilter("type")
	}
	if typ != "" {
		conds = append(conds, typ)
	}
	if f.Action != "" {
		conds, args = append(conds, "t.action_name = ?"), append(args, f.Action)
	}
	if f.AuthorID != 0 {
		conds, args = append(conds, "t.author_id = ?"), append(args, f.AuthorID)
	}
	if f.ProjectID != 0 {
		conds, args = append(conds, "t.project_id = ?"), append(args, f.ProjectID)
	}
	if f.GroupID != 0 {
		conds, args = append(conds, "t.group_id = ?"), append(args, f.GroupID)
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	p := f.Page.Normalize()
	c := s.read()
	list, err := loadTodos(ctx, c, where+" ORDER BY t.id DESC LIMIT ? OFFSET ?", append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	total, err := countPage(ctx, c, todoFrom+where, args, p, len(list))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count to-dos: %w", err)
	}
	return list, total, nil
}

// MarkTodoDone marks one of the user's to-dos done (a done one stays as
// it was) and returns it; ENOTFOUND when the user has no such to-do.
func (s *Store) MarkTodoDone(ctx context.Context, userID, id int64) (*cairn.Todo, error) {
	err := s.write(ctx, func(c *conn) error {
		res, err := c.exec(ctx, "UPDATE todos SET state = 'done', updated_at = ? WHERE id = ? AND user_id = ? AND state = 'pending'",
			ms(s.now()), id, userID)
		if err != nil {
			return fmt.Errorf("mark to-do done: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("mark to-do done: %w", err)
		} else if n == 0 {
			var one int
			if err := c.queryRow(ctx, "SELECT 1 FROM todos WHERE id = ? AND user_id = ?", id, userID).Scan(&one); err != nil {
				return notFound(err, "Todo")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return todoByID(ctx, s.read(), userID, id)
}

// MarkAllTodosDone marks all the user's pending to-dos done.
func (s *Store) MarkAllTodosDone(ctx context.Context, userID int64) error {
	return s.write(ctx, func(c *conn) error {
		if _, err := c.exec(ctx, "UPDATE todos SET state = 'done', updated_at = ? WHERE user_id = ? AND state = 'pending'",
			ms(s.now()), userID); err != nil {
			return fmt.Errorf("mark all to-dos done: %w", err)
		}
		return nil
	})
}

// MarkTodo puts an issue on the acting user's to-do list ("marked"), as
// GitLab's POST /projects/:id/issues/:iid/todo, and reports whether it
// added one: with a pending to-do on the issue already it adds none and
// returns that one (GitLab answers 304). The caller checks that the user
// may see the issue. EUNAUTHORIZED without an acting user; ENOTFOUND if
// the issue does not exist.
func (s *Store) MarkTodo(ctx context.Context, projectID, iid int64) (*cairn.Todo, bool, error) {
	actor := cairn.UserFromContext(ctx)
	if actor == nil {
		return nil, false, cairn.Errorf(cairn.EUNAUTHORIZED, "401 Unauthorized")
	}
	var id int64
	var added bool
	err := s.write(ctx, func(c *conn) error {
		// The lock makes two concurrent requests add one to-do, not two.
		cur, err := lockIssue(ctx, c, projectID, iid)
		if err != nil {
			return err
		}
		err = c.queryRow(ctx, "SELECT id FROM todos WHERE user_id = ? AND issue_id = ? AND state = 'pending' ORDER BY id LIMIT 1",
			actor.ID, cur.ID).Scan(&id)
		if err == nil {
			added = false
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find to-do: %w", err)
		}
		gid, err := projectGroupID(ctx, c, cur.ProjectID)
		if err != nil {
			return err
		}
		now := ms(s.now())
		id, err = c.insert(ctx, `INSERT INTO todos (user_id, author_id, group_id, project_id, issue_id, action_name, body, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)`, actor.ID, actor.ID, gid, cur.ProjectID, cur.ID, cairn.TodoMarked, now, now)
		if err != nil {
			return fmt.Errorf("add to-do: %w", err)
		}
		added = true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	t, err := todoByID(ctx, s.read(), actor.ID, id)
	return t, added, err
}

// validateNotification checks what Notify needs.
func validateNotification(n *cairn.Notification) error {
	switch {
	case strings.TrimSpace(n.Key) == "":
		return cairn.Missing("key")
	case len(n.Key) > 200:
		return cairn.FieldError("key", "is too long (maximum is 200 characters)")
	case n.UserID == 0:
		return cairn.Missing("user_id")
	case n.Action == "":
		return cairn.Missing("action")
	case len(n.Items) == 0 && n.GroupID == 0:
		return cairn.FieldError("group_id", "is required for a notification without issues")
	}
	for _, it := range n.Items {
		if it.IssueID == 0 {
			return cairn.Missing("issue_id")
		}
	}
	return nil
}

// Notify delivers n in one transaction: one to-do per item (or one about
// the milestone or group when n has no items), each keyed n.Key+"/"+issue
// id (or n.Key), and, when EmailEnabled is set and the user is active with
// an e-mail address, one e-mail keyed n.Key+"/"+user id into the outbox.
// Notifying again with the same Key adds no to-do and no e-mail, so a
// scheduler step that runs again notifies nobody twice. An item whose
// issue no longer exists is skipped; the project and group of a to-do are
// its issue's. ENOTFOUND if the user does not exist; EINVALID for a
// notification without key, user, action, or group.
func (s *Store) Notify(ctx context.Context, n cairn.Notification) error {
	if err := validateNotification(&n); err != nil {
		return err
	}
	return s.write(ctx, func(c *conn) error {
		u, err := scanUser(c.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", n.UserID))
		if err != nil {
			return notFound(fmt.Errorf("notify: %w", err), "User")
		}
		now := ms(s.now())
		if len(n.Items) == 0 {
			_, err := c.exec(ctx, `INSERT INTO todos (user_id, group_id, milestone_id, action_name, body, dedupe_key, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				n.UserID, n.GroupID, optID(n.MilestoneID), n.Action, n.Body, n.Key, now, now)
			if err != nil {
				return fmt.Errorf("notify: add to-do: %w", err)
			}
		}
		for _, it := range n.Items {
			body := it.Body
			if body == "" {
				body = n.Body
			}
			// The issue's project and group, read in the insert, keep the
			// to-do's filters true whatever the caller passed.
			_, err := c.exec(ctx, `INSERT INTO todos (user_id, group_id, project_id, issue_id, milestone_id, action_name, body, dedupe_key, created_at, updated_at)
				SELECT ?, p.group_id, i.project_id, i.id, ?, ?, ?, ?, ?, ?
				FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = ?
				ON CONFLICT DO NOTHING`,
				n.UserID, optID(n.MilestoneID), n.Action, body, n.Key+"/"+strconv.FormatInt(it.IssueID, 10), now, now, it.IssueID)
			if err != nil {
				return fmt.Errorf("notify: add to-do: %w", err)
			}
		}
		if !s.EmailEnabled || u.Email == "" || u.State != "active" {
			return nil
		}
		text, err := s.notificationMail(ctx, c, &n)
		if err != nil {
			return err
		}
		subject := n.Subject
		if subject == "" {
			subject = "Cairn: " + strings.ReplaceAll(n.Action, "_", " ")
		}
		_, err = s.enqueueDelivery(ctx, c, &Delivery{Kind: DeliveryEmail, DedupeKey: n.Key + "/" + strconv.FormatInt(u.ID, 10),
			Recipient: u.Email, Subject: subject, Payload: []byte(text)})
		return err
	})
}

// notificationMail is the text of n's e-mail: its body, then a link to
// each issue it is about and to the to-do list (links need BaseURL; without
// it the issues are named by reference).
func (s *Store) notificationMail(ctx context.Context, c *conn, n *cairn.Notification) (string, error) {
	var b strings.Builder
	b.WriteString(strings.TrimRight(n.Body, "\n"))
	b.WriteString("\n\n")
	base := strings.TrimRight(s.BaseURL, "/")
	ids := make([]int64, 0, len(n.Items))
	for _, it := range n.Items {
		ids = append(ids, it.IssueID)
	}
	ids = uniqueNonZero(ids)
	if len(ids) > 0 {
		rows, err := c.query(ctx, `SELECT i.id, i.iid, i.title, p.path, g.path FROM issues i
			JOIN projects p ON p.id = i.project_id JOIN groups g ON g.id = p.group_id
			WHERE i.id IN (`+placeholders(len(ids))+`) ORDER BY i.id LIMIT ?`, append(int64Args(ids), len(ids))...)
		if err != nil {
			return "", fmt.Errorf("notify: load issues: %w", err)
		}
		lines := map[int64]string{}
		for rows.Next() {
			var id, iid int64
			var title, project, group string
			if err := rows.Scan(&id, &iid, &title, &project, &group); err != nil {
				rows.Close()
				return "", fmt.Errorf("notify: scan issue: %w", err)
			}
			ref := group + "/" + project + "#" + strconv.FormatInt(iid, 10)
			line := "- " + title + " (" + ref + ")"
			if base != "" {
				line += "\n  " + base + "/" + group + "/" + project + "/-/issues/" + strconv.FormatInt(iid, 10)
			}
			lines[id] = line
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", fmt.Errorf("notify: load issues: %w", err)
		}
		for _, id := range ids {
			if l, ok := lines[id]; ok {
				b.WriteString(l + "\n")
			}
		}
		b.WriteString("\n")
	}
	if base != "" {
		b.WriteString("Your to-do list: " + base + "/dashboard/todos\n")
	}
	return b.String(), nil
}

// issueTodoUser is a user a to-do from issue activity goes to.
type issueTodoUser struct {
	id     int64
	action string
}

// addIssueTodos adds to-dos of one action-per-user about an issue, from
// issue activity by actor (nil for a system change): only for users who may
// see the issue (issueVisibleCond) and never for the actor. body is what
// the to-do shows ("" shows the issue's title).
func addIssueTodos(ctx context.Context, c *conn, issueID int64, actor *cairn.User, users []issueTodoUser, body string, at int64) error {
	var actorID int64
	if actor != nil {
		actorID = actor.ID
	}
	users = slices.DeleteFunc(users, func(u issueTodoUser) bool { return u.id == actorID || u.id == 0 })
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, len(users))
	for k, u := range users {
		ids[k] = u.id
	}
	visible, err := queryIDs(ctx, c, `SELECT u.id FROM users u
		JOIN issues i ON i.id = ?
		JOIN projects p ON p.id = i.project_id
		LEFT JOIN group_members gm ON gm.group_id = p.group_id AND gm.user_id = u.id
		WHERE u.id IN (`+placeholders(len(ids))+`) AND `+issueVisibleCond+` ORDER BY u.id LIMIT ?`,
		append(append([]any{issueID}, int64Args(ids)...), len(ids))...)
	if err != nil {
		return fmt.Errorf("to-dos: who sees the issue: %w", err)
	}
	if len(visible) == 0 {
		return nil
	}
	var gid, pid int64
	if err := c.queryRow(ctx, "SELECT p.group_id, p.id FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = ?", issueID).Scan(&gid, &pid); err != nil {
		return fmt.Errorf("to-dos: load issue: %w", err)
	}
	if len([]rune(body)) > maxTodoBody {
		body = string([]rune(body)[:maxTodoBody]) + "…"
	}
	args := make([]any, 0, 9*len(visible))
	n := 0
	for _, u := range users {
		if !slices.Contains(visible, u.id) {
			continue
		}
		args = append(args, u.id, optID(actorID), gid, pid, issueID, u.action, body, at, at)
		n++
	}
	if _, err := c.exec(ctx, `INSERT INTO todos (user_id, author_id, group_id, project_id, issue_id, action_name, body, created_at, updated_at)
		VALUES `+valueRows(n, 9), args...); err != nil {
		return fmt.Errorf("add to-dos: %w", err)
	}
	return nil
}

// todosAssigned adds "assigned" to-dos for the users in after who were not
// in before, as an assignment by actor (assigning oneself adds none).
func todosAssigned(ctx context.Context, c *conn, issueID int64, actor *cairn.User, before, after []int64, at int64) error {
	var users []issueTodoUser
	for _, id := range uniqueNonZero(after) {
		if !slices.Contains(before, id) {
			users = append(users, issueTodoUser{id: id, action: cairn.TodoAssigned})
		}
	}
	return addIssueTodos(ctx, c, issueID, actor, users, "", at)
}

// todosMentioned adds "mentioned" and "directly_addressed" to-dos for the
// users text mentions (cairn.Mentions) and old did not, written by actor
// on the issue. body is the to-do's text: the note, or "" for a
// description (which shows the issue's title).
func todosMentioned(ctx context.Context, c *conn, issueID int64, actor *cairn.User, old, text, body string, at int64) error {
	mentioned, addressed := cairn.Mentions(text)
	if len(mentioned)+len(addressed) == 0 {
		return nil
	}
	before := map[string]bool{}
	if old != "" {
		m, a := cairn.Mentions(old)
		for _, name := range append(m, a...) {
			before[name] = true
		}
	}
	action := map[string]string{}
	var names []any
	for _, list := range []struct {
		names  []string
		action string
	}{{addressed, cairn.TodoDirectlyAddressed}, {mentioned, cairn.TodoMentioned}} {
		for _, name := range list.names {
			if !before[name] && action[name] == "" {
				action[name] = list.action
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	rows, err := c.query(ctx, "SELECT id, lower(username) FROM users WHERE lower(username) IN ("+placeholders(len(names))+") ORDER BY id LIMIT ?",
		append(names, len(names))...)
	if err != nil {
		return fmt.Errorf("to-dos: find mentioned users: %w", err)
	}
	var users []issueTodoUser
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return fmt.Errorf("to-dos: scan user: %w", err)
		}
		users = append(users, issueTodoUser{id: id, action: action[name]})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("to-dos: find mentioned users: %w", err)
	}
	return addIssueTodos(ctx, c, issueID, actor, users, body, at)
}

// todosOnNewIssue adds the to-dos of a new issue: its assignees' and those
// its description mentions.
func todosOnNewIssue(ctx context.Context, c *conn, issueID int64, actor *cairn.User, assigneeIDs []int64, description string, at int64) error {
	if err := todosAssigned(ctx, c, issueID, actor, nil, assigneeIDs, at); err != nil {
		return err
	}
	return todosMentioned(ctx, c, issueID, actor, "", description, "", at)
}

// todosOnNote adds the to-dos of a note (not a system note) by actor: for
// those it mentions, with the note's text.
func todosOnNote(ctx context.Context, c *conn, issueID int64, actor *cairn.User, text string, at int64) error {
	return todosMentioned(ctx, c, issueID, actor, "", text, text, at)
}

// issueAssigneeIDs returns an issue's assignees, for todosAssigned to
// compare with the new ones.
func issueAssigneeIDs(ctx context.Context, c *conn, issueID int64) ([]int64, error) {
	ids, err := queryIDs(ctx, c, "SELECT user_id FROM issue_assignees WHERE issue_id = ? ORDER BY position, user_id LIMIT ?", issueID, cairn.MaxAssignees+1)
	if err != nil {
		return nil, fmt.Errorf("load assignees: %w", err)
	}
	return ids, nil
}

// todosOnIssueUpdate adds and settles the to-dos of an update u by actor
// (nil for a system change) of the issue cur, after the issues row is
// written: those the new description mentions that the old one did not,
// and, when actor closes the issue, actor's pending to-dos on it are done.
func todosOnIssueUpdate(ctx context.Context, c *conn, cur *storedIssue, u *cairn.IssueUpdate, actor *cairn.User, at int64) error {
	if u.Description != nil && *u.Description != cur.Description {
		if err := todosMentioned(ctx, c, cur.ID, actor, cur.Description, *u.Description, "", at); err != nil {
			return err
		}
	}
	if u.StateEvent == "close" && cur.State != cairn.StateClosed && actor != nil {
		if _, err := c.exec(ctx, "UPDATE todos SET state = 'done', updated_at = ? WHERE user_id = ? AND issue_id = ? AND state = 'pending'",
			at, actor.ID, cur.ID); err != nil {
			return fmt.Errorf("mark to-dos done on close: %w", err)
		}
	}
	return nil
}

// todosDoneOnStatusUpdate marks the author's pending requests and
// reminders for a status update on the issue done: the update is posted.
func todosDoneOnStatusUpdate(ctx context.Context, c *conn, issueID, authorID int64, at int64) error {
	if _, err := c.exec(ctx, `UPDATE todos SET state = 'done', updated_at = ?
		WHERE user_id = ? AND issue_id = ? AND state = 'pending' AND action_name IN (?, ?)`,
		at, authorID, issueID, cairn.TodoStatusUpdateRequested, cairn.TodoStatusUpdateReminder); err != nil {
		return fmt.Errorf("mark status update to-dos done: %w", err)
	}
	return nil
}

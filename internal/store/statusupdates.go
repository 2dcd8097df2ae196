package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

var _ cairn.StatusUpdateService = (*Store)(nil)

// statusUpdateColumns are the columns scanStatusUpdate reads, for
// status_updates "su" joined with their issue "i".
const statusUpdateColumns = "su.id, su.issue_id, i.iid, i.project_id, su.author_id, su.week, su.progress, su.next_steps, su.blockers, " +
	"su.confidence, su.note_id, su.created_at"

type storedStatusUpdate struct {
	*cairn.StatusUpdate
	authorID sql.NullInt64
}

func scanStatusUpdate(r scanner) (*storedStatusUpdate, error) {
	u := &cairn.StatusUpdate{}
	row := &storedStatusUpdate{StatusUpdate: u}
	var noteID sql.NullInt64
	var created int64
	if err := r.Scan(&u.ID, &u.IssueID, &u.IssueIID, &u.ProjectID, &row.authorID, &u.Week, &u.Progress, &u.NextSteps,
		&u.Blockers, &u.Confidence, &noteID, &created); err != nil {
		return nil, err
	}
	u.NoteID, u.CreatedAt = noteID.Int64, fromMS(created)
	return row, nil
}

// loadStatusUpdates runs query, which selects statusUpdateColumns, and
// loads the authors.
func loadStatusUpdates(ctx context.Context, c *conn, query string, args ...any) ([]*cairn.StatusUpdate, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load status updates: %w", err)
	}
	var stored []*storedStatusUpdate
	for rows.Next() {
		su, err := scanStatusUpdate(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan status update: %w", err)
		}
		stored = append(stored, su)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load status updates: %w", err)
	}
	users := map[int64]*cairn.User{}
	out := make([]*cairn.StatusUpdate, 0, len(stored))
	for _, su := range stored {
		if su.authorID.Valid {
			u, ok := users[su.authorID.Int64]
			if !ok {
				u, err = scanUser(c.queryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", su.authorID.Int64))
				if err != nil {
					return nil, fmt.Errorf("load status update author: %w", err)
				}
				users[su.authorID.Int64] = u
			}
			su.Author = u
		}
		out = append(out, su.StatusUpdate)
	}
	return out, nil
}

// teamLocation returns the group's time zone (planning setting time_zone).
func teamLocation(ctx context.Context, c *conn, groupID int64) (planning.Settings, *time.Location, error) {
	st, err := groupSettings(ctx, c, groupID)
	if err != nil {
		return st, nil, err
	}
	loc, err := st.Location()
	if err != nil {
		return st, nil, fmt.Errorf("team time zone: %w", err)
	}
	return st, loc, nil
}

// statusCC returns the usernames a status update tags: the group's
// engineering and product managers other than the author.
func statusCC(ctx context.Context, c *conn, groupID, authorID int64) ([]string, error) {
	rows, err := c.query(ctx, "SELECT u.username FROM group_members m JOIN users u ON u.id = m.user_id"+
		" WHERE m.group_id = ? AND m.planning_role IN (?, ?) AND m.user_id <> ?"+
		" ORDER BY CASE WHEN m.planning_role = ? THEN 0 ELSE 1 END, u.username LIMIT 20",
		groupID, cairn.RoleEngineeringManager, cairn.RoleProductManager, authorID, cairn.RoleEngineeringManager)
	if err != nil {
		return nil, fmt.Errorf("status update cc: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// CreateStatusUpdate posts a status update as the acting user, in one
// transaction: the note rendered in the seed's template, the update, and
// the issue's health status from the confidence (through the same path as
// UpdateIssue, so it records the same history). EUNAUTHORIZED without an
// acting user; ENOTFOUND if the issue does not exist; EINVALID for bad
// input.
func (s *Store) CreateStatusUpdate(ctx context.Context, in cairn.StatusUpdateCreate) (*cairn.StatusUpdateResult, error) {
	actor := cairn.UserFromContext(ctx)
	if actor == nil {
		return nil, cairn.Errorf(cairn.EUNAUTHORIZED, "401 Unauthorized")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var issueID, noteID, updateID int64
	err := s.write(ctx, func(c *conn) error {
		cur, err := lockIssue(ctx, c, in.ProjectID, in.IssueIID)
		if err != nil {
			return err
		}
		issueID = cur.ID
		gid, err := projectGroupID(ctx, c, cur.ProjectID)
		if err != nil {
			return err
		}
		_, loc, err := teamLocation(ctx, c, gid)
		if err != nil {
			return err
		}
		now := s.now()
		cc, err := statusCC(ctx, c, gid, actor.ID)
		if err != nil {
			return err
		}
		body := planning.RenderStatusUpdate(now.In(loc).Format(time.DateOnly), in.Progress, in.NextSteps, in.Blockers, in.Confidence, cc)
		at := ms(now)
		noteID, err = c.insert(ctx, "INSERT INTO notes (issue_id, author_id, body, system, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			cur.ID, actor.ID, strings.TrimRight(body, "\n"), false, at, at)
		if err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		if _, err := c.exec(ctx, "UPDATE issues SET user_notes_count = user_notes_count + 1, updated_at = ? WHERE id = ?", at, cur.ID); err != nil {
			return fmt.Errorf("count note: %w", err)
		}
		if err := s.noteHook(ctx, c, cur.ID, noteID, actor); err != nil {
			return err
		}
		// The note's /cc mentions the managers, as a note in the template does (todos.go).
		if err := todosOnNote(ctx, c, cur.ID, actor, body, at); err != nil {
			return err
		}
		f := planning.StatusUpdateFields{Progress: strings.TrimSpace(in.Progress), NextSteps: strings.TrimSpace(in.NextSteps),
			Blockers: strings.TrimSpace(in.Blockers), Confidence: in.Confidence}
		updateID, err = s.recordStatusUpdate(ctx, c, cur, gid, loc, actor, noteID, f, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	c := s.read()
	res := &cairn.StatusUpdateResult{}
	list, err := loadStatusUpdates(ctx, c, "SELECT "+statusUpdateColumns+" FROM status_updates su JOIN issues i ON i.id = su.issue_id WHERE su.id = ?", updateID)
	if err != nil {
		return nil, err
	}
	if len(list) == 1 {
		res.Update = list[0]
	}
	if res.Note, err = noteWhere(ctx, c, "n.id = ?", noteID); err != nil {
		return nil, err
	}
	if res.Issue, err = issueWhere(ctx, c, "i.id = ?", issueID); err != nil {
		return nil, err
	}
	return res, nil
}

// recordStatusUpdate stores a status update of the issue cur (locked by the
// caller) in the week of at in the team's time zone loc, and sets the
// issue's health status from its confidence.
func (s *Store) recordStatusUpdate(ctx context.Context, c *conn, cur *storedIssue, groupID int64, loc *time.Location,
	actor *cairn.User, noteID int64, f planning.StatusUpdateFields, at int64) (int64, error) {
	week := planning.ISOWeek(fromMS(at), loc)
	id, err := c.insert(ctx, "INSERT INTO status_updates (issue_id, author_id, week, progress, next_steps, blockers, confidence, note_id, created_at)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", cur.ID, optID(actor.ID), week, f.Progress, f.NextSteps, f.Blockers, f.Confidence, optID(noteID), at)
	if err != nil {
		return 0, fmt.Errorf("insert status update: %w", err)
	}
	// Read the issue again: quick actions of the same note may have changed it.
	fresh, err := lockIssue(ctx, c, cur.ProjectID, cur.IID)
	if err != nil {
		return 0, err
	}
	health := cairn.HealthForConfidence(f.Confidence)
	if fresh.HealthStatus != health {
		u := cairn.IssueUpdate{HealthStatus: cairn.SetTo(health)}
		if _, err := s.applyIssueUpdate(ctx, c, fresh, &u, actor); err != nil {
			return 0, err
		}
	}
	if err := s.statusUpdateHook(ctx, c, cur.ID, id, actor); err != nil {
		return 0, err
	}
	// The author's requests for this update are answered (todos.go).
	if err := todosDoneOnStatusUpdate(ctx, c, cur.ID, actor.ID, at); err != nil {
		return 0, err
	}
	return id, nil
}

// noteStatusUpdate records a note posted by hand in the status update
// template (with one confidence box ticked) as a status update, inside
// CreateNote's transaction, when its author is a reporter or more in the
// issue's group (or an admin). Other notes are left alone.
func (s *Store) noteStatusUpdate(ctx context.Context, c *conn, cur *storedIssue, actor *cairn.User, noteID int64, text string, at int64) error {
	f, ok := planning.ParseStatusUpdate(text)
	if !ok {
		return nil
	}
	gid, err := projectGroupID(ctx, c, cur.ProjectID)
	if err != nil {
		return err
	}
	// Only those who may post status updates (reporters and up, as in the
	// API's permission matrix) post one by writing the template; anyone
	// else's note stays a note.
	if !actor.IsAdmin {
		var level int
		err := c.queryRow(ctx, "SELECT access_level FROM group_members WHERE group_id = ? AND user_id = ?", gid, actor.ID).Scan(&level)
		if err == sql.ErrNoRows || err == nil && level < cairn.AccessReporter {
			return nil
		}
		if err != nil {
			return fmt.Errorf("status update author: %w", err)
		}
	}
	_, loc, err := teamLocation(ctx, c, gid)
	if err != nil {
		return err
	}
	_, err = s.recordStatusUpdate(ctx, c, cur, gid, loc, actor, noteID, f, at)
	return err
}

// ListStatusUpdates lists an issue's status updates, newest first, with
// the total. ENOTFOUND if the issue does not exist.
func (s *Store) ListStatusUpdates(ctx context.Context, projectID, iid int64, p cairn.Page) ([]*cairn.StatusUpdate, cairn.Total, error) {
	p = p.Normalize()
	c := s.read()
	issueID, err := issueIDByIID(ctx, c, projectID, iid)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	list, err := loadStatusUpdates(ctx, c, "SELECT "+statusUpdateColumns+" FROM status_updates su JOIN issues i ON i.id = su.issue_id"+
		" WHERE su.issue_id = ? ORDER BY su.created_at DESC, su.id DESC LIMIT ? OFFSET ?", issueID, p.PerPage, p.Offset())
	if err != nil {
		return nil, cairn.Total{}, err
	}
	total, err := countPage(ctx, c, "FROM status_updates su WHERE su.issue_id = ?", []any{issueID}, p, len(list))
	return list, total, err
}

// weekOrNow checks week, or returns the current one in loc for "".
func (s *Store) weekOrNow(week string, loc *time.Location) (string, error) {
	if week == "" {
		return planning.ISOWeek(s.now(), loc), nil
	}
	if _, err := planning.WeekMonday(week, loc); err != nil {
		return "", cairn.FieldError("week", "must be an ISO week like 2026-W48")
	}
	return week, nil
}

// ListGroupStatusUpdates lists a week's status updates on the issues of a
// group's projects, newest first, with the total; week "" is the current
// week in the team's time zone. ENOTFOUND if the group does not exist;
// EINVALID for a bad week.
func (s *Store) ListGroupStatusUpdates(ctx context.Context, groupID int64, week string, p cairn.Page) ([]*cairn.StatusUpdate, cairn.Total, error) {
	p = p.Normalize()
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, cairn.Total{}, err
	}
	_, loc, err := teamLocation(ctx, c, groupID)
	if err != nil {
		return nil, cairn.Total{}, err
	}
	if week, err = s.weekOrNow(week, loc); err != nil {
		return nil, cairn.Total{}, err
	}
	from := " FROM status_updates su JOIN issues i ON i.id = su.issue_id JOIN projects pr ON pr.id = i.project_id WHERE su.week = ? AND pr.group_id = ?"
	list, err := loadStatusUpdates(ctx, c, "SELECT "+statusUpdateColumns+from+" ORDER BY su.created_at DESC, su.id DESC LIMIT ? OFFSET ?",
		week, groupID, p.PerPage, p.Offset())
	if err != nil {
		return nil, cairn.Total{}, err
	}
	total, err := countPage(ctx, c, from, []any{week, groupID}, p, len(list))
	return list, total, err
}

// currentMilestone returns the group milestone whose dates contain day
// (the latest starting one if several do), nil if none.
func currentMilestone(ctx context.Context, c *conn, groupID int64, day string) (*cairn.Milestone, error) {
	m, err := scanMilestone(c.queryRow(ctx, "SELECT "+milestoneColumns+" FROM milestones m WHERE m.group_id = ?"+
		" AND m.start_date IS NOT NULL AND m.due_date IS NOT NULL AND m.start_date <= ? AND m.due_date >= ?"+
		" ORDER BY m.start_date DESC, m.id DESC LIMIT 1", groupID, day, day))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("current milestone: %w", err)
	}
	return m, nil
}

// maxDue bounds the due list: a team's current milestone has far fewer
// assigned issues.
const maxDue = 5000

// StatusUpdatesDue lists who owes a status update on which issue in a week
// ("" for the current week in the team's time zone): each assignee of each
// open issue of the group's current milestone (the group milestone whose
// dates contain the week's status update day) who has posted no update on
// it that week. Closed issues owe nothing. ENOTFOUND if the group does not
// exist; EINVALID for a bad week.
func (s *Store) StatusUpdatesDue(ctx context.Context, groupID int64, week string) (*cairn.StatusUpdatesDue, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, err
	}
	st, loc, err := teamLocation(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	if week, err = s.weekOrNow(week, loc); err != nil {
		return nil, err
	}
	day, err := planning.StatusUpdateDay(week, st.StatusUpdateWeekday)
	if err != nil {
		return nil, cairn.FieldError("week", "must be an ISO week like 2026-W48")
	}
	out := &cairn.StatusUpdatesDue{Week: week, Day: day, Due: []*cairn.StatusUpdateDue{}}
	if out.Milestone, err = currentMilestone(ctx, c, groupID, day); err != nil || out.Milestone == nil {
		return out, err
	}
	rows, err := c.query(ctx, "SELECT i.id, i.project_id, i.iid, i.title, i.state, "+userColumns+","+
		" (SELECT MAX(l.created_at) FROM status_updates l WHERE l.issue_id = i.id AND l.author_id = u.id)"+
		" FROM issues i JOIN issue_assignees a ON a.issue_id = i.id JOIN users u ON u.id = a.user_id"+
		" WHERE i.milestone_id = ? AND i.state = 'opened'"+
		" AND NOT EXISTS (SELECT 1 FROM status_updates w WHERE w.issue_id = i.id AND w.author_id = u.id AND w.week = ?)"+
		" ORDER BY i.project_id, i.iid, u.username LIMIT ?", out.Milestone.ID, week, maxDue)
	if err != nil {
		return nil, fmt.Errorf("status updates due: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		is := &cairn.Issue{}
		var last sql.NullInt64
		u, err := scanUser(aroundScanner{rows, []any{&is.ID, &is.ProjectID, &is.IID, &is.Title, &is.State}, []any{&last}})
		if err != nil {
			return nil, fmt.Errorf("scan status update due: %w", err)
		}
		out.Due = append(out.Due, &cairn.StatusUpdateDue{Issue: is, User: u, LastUpdateAt: fromNullMS(last)})
	}
	return out, rows.Err()
}

// aroundScanner scans columns before and after the ones its caller asks
// for, so that scanUser can read users in the middle of a wider row.
type aroundScanner struct {
	r           scanner
	before, aft []any
}

func (a aroundScanner) Scan(dest ...any) error {
	all := append(append(append([]any{}, a.before...), dest...), a.aft...)
	return a.r.Scan(all...)
}

// staleAfter is how old a Deliverable's latest status update may get
// before the Deliverable counts as stale.
const staleAfter = 7 * 24 * time.Hour

// MilestoneRisk rolls up a group milestone's Deliverables at risk: those
// committed as Deliverables in its plan (plan_commitments), or, when no
// plan was recorded, its issues with the team's Deliverable label. An open
// Deliverable is at risk if its latest confidence is not, needs attention
// if slightly, and is stale if its latest update is more than seven days
// old or missing; closed ones are delivered and never listed. ENOTFOUND
// unless the milestone is the group's.
func (s *Store) MilestoneRisk(ctx context.Context, groupID, milestoneID int64) (*cairn.MilestoneRisk, error) {
	c := s.read()
	m, err := milestoneByID(ctx, c, milestoneID, false)
	if err != nil {
		return nil, err
	}
	if m.GroupID == nil || *m.GroupID != groupID {
		return nil, cairn.NotFound("Milestone")
	}
	st, loc, err := teamLocation(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	var committed int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM plan_commitments WHERE milestone_id = ? AND placement = 'deliverable'", m.ID).Scan(&committed); err != nil {
		return nil, fmt.Errorf("count commitments: %w", err)
	}
	var q string
	var args []any
	if committed > 0 {
		q = "SELECT i.id, i.project_id, i.iid, i.title, i.state FROM plan_commitments pc JOIN issues i ON i.id = pc.issue_id" +
			" WHERE pc.milestone_id = ? AND pc.placement = 'deliverable' ORDER BY i.project_id, i.iid LIMIT ?"
		args = []any{m.ID, maxDue}
	} else {
		q = "SELECT i.id, i.project_id, i.iid, i.title, i.state FROM issues i WHERE i.milestone_id = ?" +
			" AND EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = i.id AND l.name = ?)" +
			" ORDER BY i.project_id, i.iid LIMIT ?"
		args = []any{m.ID, st.DeliverableLabel, maxDue}
	}
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("load deliverables: %w", err)
	}
	var issues []*cairn.Issue
	for rows.Next() {
		is := &cairn.Issue{}
		if err := rows.Scan(&is.ID, &is.ProjectID, &is.IID, &is.Title, &is.State); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan deliverable: %w", err)
		}
		issues = append(issues, is)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load deliverables: %w", err)
	}
	out := &cairn.MilestoneRisk{Milestone: m, Deliverables: len(issues), Items: []*cairn.DeliverableRisk{}}
	now := s.now()
	for _, is := range issues {
		if is.State != "opened" {
			continue
		}
		latest, err := loadStatusUpdates(ctx, c, "SELECT "+statusUpdateColumns+" FROM status_updates su JOIN issues i ON i.id = su.issue_id"+
			" WHERE su.issue_id = ? ORDER BY su.created_at DESC, su.id DESC LIMIT 1", is.ID)
		if err != nil {
			return nil, err
		}
		r := &cairn.DeliverableRisk{Issue: is}
		switch {
		case len(latest) == 0:
			r.Reason = "no update yet"
			out.Stale++
		case latest[0].Confidence == cairn.ConfidenceNot:
			r.Reason, r.Latest = cairn.RiskNotConfident, latest[0]
			out.AtRisk++
		case latest[0].Confidence == cairn.ConfidenceSlightly:
			r.Reason, r.Latest = cairn.RiskSlightlyConfident, latest[0]
			out.NeedsAttention++
		case now.Sub(latest[0].CreatedAt) > staleAfter:
			r.Reason, r.Latest = "no update since "+latest[0].CreatedAt.In(loc).Format(time.DateOnly), latest[0]
			out.Stale++
		default:
			continue
		}
		out.Items = append(out.Items, r)
	}
	return out, nil
}

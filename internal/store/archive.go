package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
)

// ImportStats counts what ImportArchive created. Users counts new users
// only; users that already existed are reused and not counted.
type ImportStats struct {
	Users    int
	Groups   int
	Projects int
	Issues   int
	Notes    int
	Events   int
}

// ImportArchive validates the archive and writes all of it in one
// transaction: nothing is written when any part fails. Original timestamps,
// iids and the event history are kept exactly as given (the importer
// derives no events and judges no history); milestone plans are recorded
// as given, so a finalised plan stays final and no issue is relabelled for
// it. A user whose username already exists is reused unchanged; a group
// whose path exists fails the import with ECONFLICT. Validation problems
// are EINVALID errors naming the first offending path.
func (s *Store) ImportArchive(ctx context.Context, a *archive.Archive) (ImportStats, error) {
	if err := a.Validate(); err != nil {
		return ImportStats{}, err
	}
	// The normalised copy fills the defaults in one place and orders
	// events by time, so that their ids follow their history.
	n := a.Clone()
	archive.Normalize(n)
	var stats ImportStats
	err := s.write(ctx, func(c *conn) error {
		im := &importer{c: c, a: n, refs: map[string]importedIssue{}, groups: map[string]importedGroup{}}
		if err := im.run(ctx); err != nil {
			return err
		}
		stats = im.stats
		return nil
	})
	if err != nil {
		return ImportStats{}, fmt.Errorf("import archive: %w", err)
	}
	// A large import changes the tables' sizes by orders of magnitude:
	// the planner's statistics are refreshed now rather than by the next
	// start (SQLite) or by autovacuum a while later (PostgreSQL).
	if err := s.refreshStatistics(ctx); err != nil {
		return stats, fmt.Errorf("import archive: %w", err)
	}
	return stats, nil
}

// importer writes one archive inside one transaction.
type importer struct {
	c     *conn
	a     *archive.Archive
	stats ImportStats
	users map[string]int64 // lower-case username → id
	// refs maps a lower-case "group/project#iid" to the imported issue.
	refs map[string]importedIssue
	// groups maps a group's path to its id and its milestones, for the
	// parking lots, which are written once every issue is in.
	groups map[string]importedGroup
}

type importedGroup struct {
	id         int64
	created    int64
	milestones map[string]int64
}

type importedIssue struct{ id, created int64 }

// archiveOwner holds the ids of a group's or project's labels and milestones.
type archiveOwner struct {
	labels     map[string]int64
	milestones map[string]int64
}

func (im *importer) run(ctx context.Context) error {
	for _, g := range im.a.Groups {
		var one int
		err := im.c.queryRow(ctx, "SELECT 1 FROM groups WHERE lower(path) = lower(?)", g.Path).Scan(&one)
		if err == nil {
			return cairn.Errorf(cairn.ECONFLICT, "group %s already exists", g.Path)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up group %s: %w", g.Path, err)
		}
	}
	if err := im.importUsers(ctx); err != nil {
		return err
	}
	for i := range im.a.Groups {
		if err := im.importGroup(ctx, &im.a.Groups[i]); err != nil {
			return err
		}
	}
	for i := range im.a.Groups {
		if err := im.importLinks(ctx, &im.a.Groups[i]); err != nil {
			return fmt.Errorf("group %s: %w", im.a.Groups[i].Path, err)
		}
		if err := im.importParkingLot(ctx, &im.a.Groups[i]); err != nil {
			return fmt.Errorf("group %s: %w", im.a.Groups[i].Path, err)
		}
		if err := im.importPlans(ctx, &im.a.Groups[i]); err != nil {
			return fmt.Errorf("group %s: %w", im.a.Groups[i].Path, err)
		}
	}
	return nil
}

// importUsers creates the users that do not exist yet and maps every
// username to its id.
func (im *importer) importUsers(ctx context.Context) error {
	names := make([]string, len(im.a.Users))
	for i, u := range im.a.Users {
		names[i] = strings.ToLower(u.Username)
	}
	existing, err := im.userIDs(ctx, names)
	if err != nil {
		return err
	}
	b := newRowBatch(im.c, "users", "username, name, email, is_admin, state, created_at, updated_at")
	for _, u := range im.a.Users {
		if _, ok := existing[strings.ToLower(u.Username)]; ok {
			continue
		}
		created, _ := archive.ParseTime(u.CreatedAt)
		if err := b.add(ctx, u.Username, u.Name, u.Email, u.IsAdmin, "active", ms(created), ms(created)); err != nil {
			return userInsertError(err)
		}
		im.stats.Users++
	}
	if err := b.close(ctx); err != nil {
		return userInsertError(err)
	}
	im.users, err = im.userIDs(ctx, names)
	return err
}

func userInsertError(err error) error {
	if isUniqueViolation(err) {
		// Another writer created one of these users after the look-up.
		return cairn.Errorf(cairn.ECONFLICT, "a user of the archive was created while importing; import again")
	}
	return fmt.Errorf("insert users: %w", err)
}

// userIDs returns the ids of the users with the given lower-case usernames.
func (im *importer) userIDs(ctx context.Context, names []string) (map[string]int64, error) {
	out := make(map[string]int64, len(names))
	for start := 0; start < len(names); start += 500 {
		chunk := names[start:min(start+500, len(names))]
		args := make([]any, len(chunk))
		for i, n := range chunk {
			args[i] = n
		}
		rows, err := im.c.query(ctx, "SELECT id, lower(username) FROM users WHERE lower(username) IN ("+placeholders(len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("look up users: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scan user: %w", err)
			}
			out[name] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up users: %w", err)
		}
	}
	return out, nil
}

// user returns the id of a username the archive validated.
func (im *importer) user(name string) any {
	if name == "" {
		return nil
	}
	return im.users[strings.ToLower(name)]
}

func (im *importer) importGroup(ctx context.Context, g *archive.Group) error {
	created, _ := archive.ParseTime(g.CreatedAt)
	gid, err := im.c.insert(ctx, `INSERT INTO groups (path, name, description, visibility, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, g.Path, g.Name, g.Description, g.Visibility, ms(created), ms(created))
	if err != nil {
		if isUniqueViolation(err) {
			return cairn.Errorf(cairn.ECONFLICT, "group %s already exists", g.Path)
		}
		return fmt.Errorf("insert group %s: %w", g.Path, err)
	}
	im.stats.Groups++
	planningChanged(im.c, gid)

	b := newRowBatch(im.c, "group_members", "group_id, user_id, access_level, planning_role, capacity_factor, joined_at, created_at")
	for _, m := range g.Members {
		joined, _ := time.Parse(cairn.DateLayout, m.JoinedAt)
		if err := b.add(ctx, gid, im.user(m.Username), m.AccessLevel, m.PlanningRole, m.CapacityFactor, m.JoinedAt, ms(joined)); err != nil {
			return fmt.Errorf("insert members of %s: %w", g.Path, err)
		}
	}
	if err := b.close(ctx); err != nil {
		return fmt.Errorf("insert members of %s: %w", g.Path, err)
	}
	gown, err := im.ownerRows(ctx, "group_id", gid, g.Labels, g.Milestones, created)
	if err != nil {
		return fmt.Errorf("group %s: %w", g.Path, err)
	}
	im.groups[g.Path] = importedGroup{id: gid, created: ms(created), milestones: gown.milestones}
	if err := im.importPlanning(ctx, g, gid, ms(created)); err != nil {
		return fmt.Errorf("group %s: %w", g.Path, err)
	}
	for _, p := range g.Projects {
		if err := im.importProject(ctx, g, gid, gown, &p); err != nil {
			return fmt.Errorf("project %s/%s: %w", g.Path, p.Path, err)
		}
	}
	return nil
}

// ownerRows inserts the labels and milestones of a group or project (col
// names the owner column) and returns their ids. Milestone iids count from 1
// per owner, in the archive's order.
func (im *importer) ownerRows(ctx context.Context, col string, id int64, labels []archive.Label, milestones []archive.Milestone, created time.Time) (*archiveOwner, error) {
	o := &archiveOwner{labels: map[string]int64{}, milestones: map[string]int64{}}
	b := newRowBatch(im.c, "labels", col+", name, color, description, priority, created_at, updated_at")
	for _, l := range labels {
		var prio any
		if l.Priority != nil {
			prio = *l.Priority
		}
		if err := b.add(ctx, id, l.Name, l.Color, l.Description, prio, ms(created), ms(created)); err != nil {
			return nil, fmt.Errorf("insert labels: %w", err)
		}
	}
	if err := b.close(ctx); err != nil {
		return nil, fmt.Errorf("insert labels: %w", err)
	}
	b = newRowBatch(im.c, "milestones", "iid, "+col+", title, description, state, start_date, due_date, created_at, updated_at")
	for i, m := range milestones {
		mc, _ := archive.ParseTime(m.CreatedAt)
		if err := b.add(ctx, i+1, id, m.Title, m.Description, m.State, nullString(m.StartDate), nullString(m.DueDate), ms(mc), ms(mc)); err != nil {
			return nil, fmt.Errorf("insert milestones: %w", err)
		}
	}
	if err := b.close(ctx); err != nil {
		return nil, fmt.Errorf("insert milestones: %w", err)
	}
	if err := im.scanNames(ctx, o.labels, "SELECT id, name FROM labels WHERE "+col+" = ?", id); err != nil {
		return nil, fmt.Errorf("read labels: %w", err)
	}
	if err := im.scanNames(ctx, o.milestones, "SELECT id, title FROM milestones WHERE "+col+" = ?", id); err != nil {
		return nil, fmt.Errorf("read milestones: %w", err)
	}
	return o, nil
}

func (im *importer) scanNames(ctx context.Context, into map[string]int64, query string, args ...any) error {
	rows, err := im.c.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		into[name] = id
	}
	return rows.Err()
}

// resolve returns the id of a name in the project's map, else the group's,
// else NULL (history may name labels and milestones that are gone).
func resolveName(own, group map[string]int64, name string) any {
	if id, ok := own[name]; ok {
		return id
	}
	if id, ok := group[name]; ok {
		return id
	}
	return nil
}

func (im *importer) importProject(ctx context.Context, g *archive.Group, gid int64, gown *archiveOwner, p *archive.Project) error {
	created, _ := archive.ParseTime(p.CreatedAt)
	var last int64
	for _, is := range p.Issues {
		last = max(last, is.IID)
	}
	pid, err := im.c.insert(ctx, `INSERT INTO projects (group_id, path, name, description, visibility, last_issue_iid, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, gid, p.Path, p.Name, p.Description, p.Visibility, last, ms(created), ms(created))
	if err != nil {
		return fmt.Errorf("insert project: %w", err)
	}
	im.stats.Projects++
	pown, err := im.ownerRows(ctx, "project_id", pid, p.Labels, p.Milestones, created)
	if err != nil {
		return err
	}

	b := newRowBatch(im.c, "issues", "project_id, iid, title, description, state, author_id, milestone_id, weight, due_date, "+
		"confidential, issue_type, relative_position, total_time_spent, user_notes_count, created_at, updated_at, closed_at, closed_by_id")
	for i := range p.Issues {
		is := &p.Issues[i]
		userNotes := 0
		for _, n := range is.Notes {
			if !n.System {
				userNotes++
			}
		}
		var milestone any
		if is.Milestone != "" {
			milestone = resolveName(pown.milestones, gown.milestones, is.Milestone)
		}
		err := b.add(ctx, pid, is.IID, is.Title, is.Description, is.State, im.user(is.Author), milestone,
			argInt(is.Weight), nullString(is.DueDate), is.Confidential, is.IssueType, argInt64(is.RelativePosition),
			is.TimeSpent, userNotes, archiveMS(is.CreatedAt), archiveMS(is.UpdatedAt), archiveMSOrNil(is.ClosedAt), im.user(is.ClosedBy))
		if err != nil {
			return fmt.Errorf("insert issues: %w", err)
		}
		im.stats.Issues++
	}
	if err := b.close(ctx); err != nil {
		return fmt.Errorf("insert issues: %w", err)
	}
	ids, err := im.issueIDs(ctx, pid)
	if err != nil {
		return err
	}
	for i := range p.Issues {
		is := &p.Issues[i]
		im.refs[strings.ToLower(archive.IssueRef(g.Path, p.Path, is.IID))] = importedIssue{ids[is.IID], archiveMS(is.CreatedAt)}
	}

	// The issue's state and project are given here rather than left to
	// the insert triggers of migration 00010, which would update every
	// row a second time.
	labels := newRowBatch(im.c, "issue_labels", "issue_id, label_id, state, project_id")
	assignees := newRowBatch(im.c, "issue_assignees", "issue_id, user_id, position, state, project_id")
	notes := newRowBatch(im.c, "notes", "issue_id, author_id, body, system, created_at, updated_at")
	events := newRowBatch(im.c, "issue_events", "issue_id, kind, action, label_id, label_name, weight, milestone_id, milestone_title, user_id, created_at")
	for i := range p.Issues {
		is := &p.Issues[i]
		id := ids[is.IID]
		if is.ParentIID != 0 {
			if _, err := im.c.exec(ctx, "UPDATE issues SET parent_id = ? WHERE id = ?", ids[is.ParentIID], id); err != nil {
				return fmt.Errorf("set parent of #%d: %w", is.IID, err)
			}
		}
		for _, name := range is.Labels {
			if err := labels.add(ctx, id, resolveName(pown.labels, gown.labels, name), is.State, pid); err != nil {
				return fmt.Errorf("insert issue labels: %w", err)
			}
		}
		for pos, u := range is.Assignees {
			if err := assignees.add(ctx, id, im.user(u), pos, is.State, pid); err != nil {
				return fmt.Errorf("insert assignees: %w", err)
			}
		}
		for _, n := range is.Notes {
			t := archiveMS(n.CreatedAt)
			if err := notes.add(ctx, id, im.user(n.Author), n.Body, n.System, t, t); err != nil {
				return fmt.Errorf("insert notes: %w", err)
			}
			im.stats.Notes++
		}
		for _, e := range is.Events {
			var labelID, milestoneID any
			if e.Label != "" {
				labelID = resolveName(pown.labels, gown.labels, e.Label)
			}
			if e.Milestone != "" {
				milestoneID = resolveName(pown.milestones, gown.milestones, e.Milestone)
			}
			if err := events.add(ctx, id, e.Type, e.Action, labelID, e.Label, argInt(e.Weight), milestoneID,
				e.Milestone, im.user(e.User), archiveMS(e.CreatedAt)); err != nil {
				return fmt.Errorf("insert events: %w", err)
			}
			im.stats.Events++
		}
	}
	for _, b := range []*rowBatch{labels, assignees, notes, events} {
		if err := b.close(ctx); err != nil {
			return fmt.Errorf("insert %s: %w", b.table, err)
		}
	}
	return nil
}

// importLinks inserts a group's issue links. It runs once every group is
// in, as a link may point to an issue of a group imported later.
func (im *importer) importLinks(ctx context.Context, g *archive.Group) error {
	b := newRowBatch(im.c, "issue_links", "source_id, target_id, link_type, created_at")
	for _, p := range g.Projects {
		for _, is := range p.Issues {
			if len(is.Links) == 0 {
				continue
			}
			src := im.refs[strings.ToLower(archive.IssueRef(g.Path, p.Path, is.IID))]
			for _, l := range is.Links {
				dst, ok := im.refs[strings.ToLower(l.Target)]
				if !ok {
					return fmt.Errorf("link target %s not imported", l.Target)
				}
				// The format holds no link time: the link cannot be older than
				// either of its issues.
				if err := b.add(ctx, src.id, dst.id, l.LinkType, max(src.created, dst.created)); err != nil {
					return fmt.Errorf("insert links: %w", err)
				}
			}
		}
	}
	if err := b.close(ctx); err != nil {
		return fmt.Errorf("insert links: %w", err)
	}
	return nil
}

// importPlanning writes a group's planning settings and time off. The
// normalised archive holds the settings whole, in the JSON the planner
// reads. The format keeps no time for settings and time off: they take the
// group's creation time, and time off has no recorded author.
func (im *importer) importPlanning(ctx context.Context, g *archive.Group, gid, created int64) error {
	if len(g.Settings) > 0 {
		if _, err := im.c.exec(ctx, "INSERT INTO planning_settings (group_id, settings, updated_at) VALUES (?, ?, ?)",
			gid, string(g.Settings), created); err != nil {
			return fmt.Errorf("insert planning settings: %w", err)
		}
	}
	b := newRowBatch(im.c, "time_off", "group_id, user_id, start_date, end_date, half_day, note, created_at")
	for _, t := range g.TimeOff {
		if err := b.add(ctx, gid, im.user(t.Username), t.StartDate, t.EndDate, t.HalfDay, t.Note, created); err != nil {
			return fmt.Errorf("insert time off: %w", err)
		}
	}
	if err := b.close(ctx); err != nil {
		return fmt.Errorf("insert time off: %w", err)
	}
	return nil
}

// importParkingLot writes a group's parking lot. It runs once every group
// is in, as links do, so that it need not care where an issue lives.
func (im *importer) importParkingLot(ctx context.Context, g *archive.Group) error {
	ig := im.groups[g.Path]
	b := newRowBatch(im.c, "parking_lot", "group_id, milestone_id, issue_id, title, reason, author_id, created_at")
	for _, e := range g.ParkingLot {
		var issue any
		if e.Issue != "" {
			dst, ok := im.refs[strings.ToLower(e.Issue)]
			if !ok {
				return fmt.Errorf("parking lot issue %s not imported", e.Issue)
			}
			issue = dst.id
		}
		if err := b.add(ctx, ig.id, ig.milestones[e.Milestone], issue, e.Title, e.Reason, im.user(e.Author),
			archiveMS(e.CreatedAt)); err != nil {
			return fmt.Errorf("insert parking lot: %w", err)
		}
	}
	if err := b.close(ctx); err != nil {
		return fmt.Errorf("insert parking lot: %w", err)
	}
	return nil
}

// importPlans writes a group's milestone plans and their commitments. It
// runs once every group is in, as the parking lot does. The format keeps
// no creation time for plan records: a plan takes its finalisation time,
// or the group's creation time when it is not finalised, and commitments
// are recorded at the finalisation that made them, as FinalizePlan does.
func (im *importer) importPlans(ctx context.Context, g *archive.Group) error {
	ig := im.groups[g.Path]
	issue := func(ref string) (any, error) {
		if ref == "" {
			return nil, nil
		}
		dst, ok := im.refs[strings.ToLower(ref)]
		if !ok {
			return nil, fmt.Errorf("plan issue %s not imported", ref)
		}
		return dst.id, nil
	}
	plans := newRowBatch(im.c, "milestone_plans",
		"milestone_id, group_id, planning_issue_id, retrospective_issue_id, finalized_at, finalized_by, team_capacity, created_at")
	commitments := newRowBatch(im.c, "plan_commitments", "milestone_id, issue_id, placement, weight, carryover, created_at")
	for _, pl := range g.Plans {
		milestoneID := ig.milestones[pl.Milestone]
		planning, err := issue(pl.PlanningIssue)
		if err != nil {
			return err
		}
		retro, err := issue(pl.Retrospective)
		if err != nil {
			return err
		}
		created := ig.created
		var finalized, capacity any
		if pl.FinalizedAt != "" {
			created = archiveMS(pl.FinalizedAt)
			finalized = created
		}
		if pl.TeamCapacity != nil {
			capacity = *pl.TeamCapacity
		}
		if err := plans.add(ctx, milestoneID, ig.id, planning, retro, finalized, im.user(pl.FinalizedBy), capacity, created); err != nil {
			return fmt.Errorf("insert milestone plans: %w", err)
		}
		for _, cm := range pl.Commitments {
			id, err := issue(cm.Issue)
			if err != nil {
				return err
			}
			if err := commitments.add(ctx, milestoneID, id, cm.Placement, argInt(cm.Weight), cm.Carryover, created); err != nil {
				return fmt.Errorf("insert plan commitments: %w", err)
			}
		}
	}
	if err := plans.close(ctx); err != nil {
		return fmt.Errorf("insert milestone plans: %w", err)
	}
	if err := commitments.close(ctx); err != nil {
		return fmt.Errorf("insert plan commitments: %w", err)
	}
	return nil
}

func (im *importer) issueIDs(ctx context.Context, projectID int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	rows, err := im.c.query(ctx, "SELECT iid, id FROM issues WHERE project_id = ?", projectID)
	if err != nil {
		return nil, fmt.Errorf("read issue ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var iid, id int64
		if err := rows.Scan(&iid, &id); err != nil {
			return nil, fmt.Errorf("scan issue id: %w", err)
		}
		out[iid] = id
	}
	return out, rows.Err()
}

// rowBatch inserts rows with multi-row INSERT statements: one statement
// per few hundred rows instead of one per row, and the full-size statement
// prepared once, is what makes a million events import in seconds.
type rowBatch struct {
	c       *conn
	table   string
	prefix  string
	cols    int
	perStmt int
	args    []any
	rows    int
	full    *sql.Stmt // the statement for perStmt rows, once prepared
}

// maxBatchArgs keeps a statement well under SQLite's and PostgreSQL's
// limits on bound parameters (32766 and 65535).
const maxBatchArgs = 8000

func newRowBatch(c *conn, table, columns string) *rowBatch {
	cols := strings.Count(columns, ",") + 1
	per := min(500, maxBatchArgs/cols)
	return &rowBatch{c: c, table: table, prefix: "INSERT INTO " + table + " (" + columns + ") VALUES ",
		cols: cols, perStmt: per, args: make([]any, 0, per*cols)}
}

func (b *rowBatch) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows == b.perStmt {
		return b.flush(ctx)
	}
	return nil
}

// statement returns the INSERT for n rows, rebound for the dialect once
// rather than by c.exec for every statement.
func (b *rowBatch) statement(n int) string {
	row := "(" + placeholders(b.cols) + ")"
	var sb strings.Builder
	sb.Grow(len(b.prefix) + n*(len(row)+2))
	sb.WriteString(b.prefix)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(row)
	}
	return b.c.d.rebind(sb.String())
}

type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (b *rowBatch) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	ctx = b.c.ctx(ctx)
	var err error
	if p, ok := b.c.q.(preparer); ok && b.rows == b.perStmt {
		if b.full == nil {
			if b.full, err = p.PrepareContext(ctx, b.statement(b.rows)); err != nil {
				return err
			}
		}
		_, err = b.full.ExecContext(ctx, b.args...)
	} else {
		_, err = b.c.q.ExecContext(ctx, b.statement(b.rows), b.args...)
	}
	if err != nil {
		return err
	}
	b.args = b.args[:0]
	b.rows = 0
	return nil
}

// close flushes the remaining rows and releases the prepared statement
// (a transaction that ends early closes it too).
func (b *rowBatch) close(ctx context.Context) error {
	err := b.flush(ctx)
	if b.full != nil {
		if cerr := b.full.Close(); err == nil && cerr != nil {
			err = cerr
		}
		b.full = nil
	}
	return err
}

func argInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func argInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// msOf converts a validated archive timestamp to stored milliseconds.
func archiveMS(s string) int64 {
	t, _ := archive.ParseTime(s)
	return ms(t)
}

func archiveMSOrNil(s string) any {
	if s == "" {
		return nil
	}
	return archiveMS(s)
}

// ExportArchive reads the whole database into an archive: every user, and
// every group with its members, labels, milestones, planning settings, time
// off, parking lot, milestone plans and projects, and their issues with
// notes, events and links; only the data the format holds. The archive is
// normalised (see archive.Normalize). It reads from one snapshot, so
// concurrent writes do not tear it.
func (s *Store) ExportArchive(ctx context.Context) (*archive.Archive, error) {
	// PostgreSQL's default READ COMMITTED would let each query see writes
	// committed after the previous one; SQLite's read transactions are
	// snapshots already, and its driver ignores the level.
	tx, err := s.readDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, s.mapErr(fmt.Errorf("export archive: begin: %w", err))
	}
	// Read-only: ending it has nothing to undo, so its error is moot.
	defer func() { _ = tx.Rollback() }()
	ex := &exporter{c: &conn{q: tx, d: s.dialect, s: s}}
	a, err := ex.run(ctx)
	if err != nil {
		return nil, s.mapErr(fmt.Errorf("export archive: %w", err))
	}
	archive.Normalize(a)
	return a, nil
}

// exporter reads one archive; the maps join rows by id in memory, so that
// each table is read with one query whatever its size.
type exporter struct {
	c          *conn
	users      map[int64]string
	groups     map[int64]*archive.Group
	projects   map[int64]*archive.Project
	projectRef map[int64]string // project id → "group/project"
	milestones map[int64]string // id → title
	issues     map[int64]*archive.Issue
	issueIID   map[int64]int64
	issueProj  map[int64]int64
	projGroup  map[int64]int64
}

// each runs a query and calls fn for every row, scanning into dest.
func (ex *exporter) each(ctx context.Context, what, query string, dest []any, fn func() error) error {
	rows, err := ex.c.query(ctx, query)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan %s: %w", what, err)
		}
		if err := fn(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

func (ex *exporter) run(ctx context.Context) (*archive.Archive, error) {
	a := archive.New()
	ex.users = map[int64]string{}
	ex.groups = map[int64]*archive.Group{}
	ex.projects = map[int64]*archive.Project{}
	ex.projectRef = map[int64]string{}
	ex.milestones = map[int64]string{}
	ex.issues = map[int64]*archive.Issue{}
	ex.issueIID = map[int64]int64{}
	ex.issueProj = map[int64]int64{}
	ex.projGroup = map[int64]int64{}

	var (
		id, created       int64
		u                 archive.User
		name, path, desc  string
		vis               string
		groupID, projID   sql.NullInt64
		groupOrder        []int64
		projectOrder      []int64
		color             string
		prio              sql.NullInt64
		startDate, dueStr sql.NullString
	)
	err := ex.each(ctx, "users", "SELECT id, username, name, email, is_admin, created_at FROM users ORDER BY id",
		[]any{&id, &u.Username, &u.Name, &u.Email, &u.IsAdmin, &created}, func() error {
			u.CreatedAt = archive.FormatTime(fromMS(created))
			a.Users = append(a.Users, u)
			ex.users[id] = u.Username
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = ex.each(ctx, "groups", "SELECT id, path, name, description, visibility, created_at FROM groups ORDER BY id",
		[]any{&id, &path, &name, &desc, &vis, &created}, func() error {
			ex.groups[id] = &archive.Group{Path: path, Name: name, Description: desc, Visibility: vis,
				CreatedAt: archive.FormatTime(fromMS(created))}
			groupOrder = append(groupOrder, id)
			return nil
		})
	if err != nil {
		return nil, err
	}
	var m archive.Member
	var userID int64
	err = ex.each(ctx, "members", `SELECT group_id, user_id, planning_role, capacity_factor, access_level, joined_at
		FROM group_members ORDER BY group_id, user_id`,
		[]any{&id, &userID, &m.PlanningRole, &m.CapacityFactor, &m.AccessLevel, &m.JoinedAt}, func() error {
			m.Username = ex.users[userID]
			g := ex.groups[id]
			g.Members = append(g.Members, m)
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = ex.each(ctx, "projects", "SELECT id, group_id, path, name, description, visibility, created_at FROM projects ORDER BY id",
		[]any{&id, &groupID, &path, &name, &desc, &vis, &created}, func() error {
			ex.projects[id] = &archive.Project{Path: path, Name: name, Description: desc, Visibility: vis,
				CreatedAt: archive.FormatTime(fromMS(created))}
			ex.projectRef[id] = ex.groups[groupID.Int64].Path + "/" + path
			ex.projGroup[id] = groupID.Int64
			projectOrder = append(projectOrder, id)
			return nil
		})
	if err != nil {
		return nil, err
	}
	labelNames := map[int64]string{}
	err = ex.each(ctx, "labels", "SELECT id, group_id, project_id, name, color, description, priority FROM labels ORDER BY id",
		[]any{&id, &groupID, &projID, &name, &color, &desc, &prio}, func() error {
			l := archive.Label{Name: name, Color: color, Description: desc}
			if prio.Valid {
				p := int(prio.Int64)
				l.Priority = &p
			}
			labelNames[id] = name
			if groupID.Valid {
				g := ex.groups[groupID.Int64]
				g.Labels = append(g.Labels, l)
			} else {
				p := ex.projects[projID.Int64]
				p.Labels = append(p.Labels, l)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	var title, state string
	err = ex.each(ctx, "milestones", `SELECT id, group_id, project_id, title, description, state, start_date, due_date, created_at
		FROM milestones ORDER BY id`,
		[]any{&id, &groupID, &projID, &title, &desc, &state, &startDate, &dueStr, &created}, func() error {
			ms := archive.Milestone{Title: title, Description: desc, State: state, StartDate: startDate.String,
				DueDate: dueStr.String, CreatedAt: archive.FormatTime(fromMS(created))}
			ex.milestones[id] = title
			if groupID.Valid {
				g := ex.groups[groupID.Int64]
				g.Milestones = append(g.Milestones, ms)
			} else {
				p := ex.projects[projID.Int64]
				p.Milestones = append(p.Milestones, ms)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := ex.readIssues(ctx); err != nil {
		return nil, err
	}
	if err := ex.readPlanning(ctx); err != nil {
		return nil, err
	}
	// Order within the lists does not matter here: Normalize sorts them.
	for id, is := range ex.issues {
		p := ex.projects[ex.issueProj[id]]
		p.Issues = append(p.Issues, *is)
	}
	for _, pid := range projectOrder {
		g := ex.groups[ex.projGroup[pid]]
		g.Projects = append(g.Projects, *ex.projects[pid])
	}
	for _, gid := range groupOrder {
		a.Groups = append(a.Groups, *ex.groups[gid])
	}
	return a, nil
}

// readPlanning reads every group's planning settings, time off and parking
// lot. Settings are exported as stored; Normalize writes them whole.
func (ex *exporter) readPlanning(ctx context.Context) error {
	var gid, userID int64
	var settings string
	err := ex.each(ctx, "planning settings", "SELECT group_id, settings FROM planning_settings ORDER BY group_id",
		[]any{&gid, &settings}, func() error {
			if !json.Valid([]byte(settings)) {
				return fmt.Errorf("planning settings of group %s are not valid JSON", ex.groups[gid].Path)
			}
			ex.groups[gid].Settings = json.RawMessage(settings)
			return nil
		})
	if err != nil {
		return err
	}
	var t archive.TimeOff
	err = ex.each(ctx, "time off", "SELECT group_id, user_id, start_date, end_date, half_day, note FROM time_off ORDER BY id",
		[]any{&gid, &userID, &t.StartDate, &t.EndDate, &t.HalfDay, &t.Note}, func() error {
			t.Username = ex.users[userID]
			g := ex.groups[gid]
			g.TimeOff = append(g.TimeOff, t)
			return nil
		})
	if err != nil {
		return err
	}
	var (
		milestoneID, created int64
		issueID, authorID    sql.NullInt64
		title, reason        string
	)
	err = ex.each(ctx, "parking lot", "SELECT group_id, milestone_id, issue_id, title, reason, author_id, created_at FROM parking_lot ORDER BY id",
		[]any{&gid, &milestoneID, &issueID, &title, &reason, &authorID, &created}, func() error {
			e := archive.ParkingEntry{Milestone: ex.milestones[milestoneID], Title: title, Reason: reason,
				CreatedAt: archive.FormatTime(fromMS(created))}
			if issueID.Valid {
				e.Issue = ex.issueRef(issueID.Int64)
			}
			if authorID.Valid {
				e.Author = ex.users[authorID.Int64]
			}
			g := ex.groups[gid]
			g.ParkingLot = append(g.ParkingLot, e)
			return nil
		})
	if err != nil {
		return err
	}
	return ex.readPlans(ctx)
}

// issueRef returns the archive reference of an issue ("group/project#iid").
func (ex *exporter) issueRef(id int64) string {
	group, project, _ := strings.Cut(ex.projectRef[ex.issueProj[id]], "/")
	return archive.IssueRef(group, project, ex.issueIID[id])
}

// readPlans reads every group's milestone plans with their commitments. A
// plan record that holds nothing (no planning issue, retrospective or
// finalisation) is left out, and so are commitments of a plan that is not
// final, which the format cannot hold; FinalizePlan writes neither.
func (ex *exporter) readPlans(ctx context.Context) error {
	var (
		milestoneID, gid                  int64
		planning, retro, finalized, final sql.NullInt64
		capacity                          sql.NullFloat64
	)
	plans := map[int64]*archive.Plan{}
	type groupPlan struct{ group, milestone int64 }
	var order []groupPlan
	err := ex.each(ctx, "milestone plans", `SELECT milestone_id, group_id, planning_issue_id, retrospective_issue_id, finalized_at,
		finalized_by, team_capacity FROM milestone_plans ORDER BY milestone_id`,
		[]any{&milestoneID, &gid, &planning, &retro, &finalized, &final, &capacity}, func() error {
			if !planning.Valid && !retro.Valid && !finalized.Valid {
				return nil
			}
			pl := &archive.Plan{Milestone: ex.milestones[milestoneID]}
			if planning.Valid {
				pl.PlanningIssue = ex.issueRef(planning.Int64)
			}
			if retro.Valid {
				pl.Retrospective = ex.issueRef(retro.Int64)
			}
			if finalized.Valid {
				pl.FinalizedAt = archive.FormatTime(fromMS(finalized.Int64))
				if final.Valid {
					pl.FinalizedBy = ex.users[final.Int64]
				}
				if capacity.Valid {
					c := capacity.Float64
					pl.TeamCapacity = &c
				}
			}
			plans[milestoneID] = pl
			order = append(order, groupPlan{gid, milestoneID})
			return nil
		})
	if err != nil {
		return err
	}
	var issueID int64
	var weight sql.NullInt64
	var cm archive.Commitment
	err = ex.each(ctx, "plan commitments", "SELECT milestone_id, issue_id, placement, weight, carryover FROM plan_commitments ORDER BY milestone_id, issue_id",
		[]any{&milestoneID, &issueID, &cm.Placement, &weight, &cm.Carryover}, func() error {
			pl := plans[milestoneID]
			if pl == nil || pl.FinalizedAt == "" {
				return nil
			}
			cm.Issue = ex.issueRef(issueID)
			cm.Weight = nil
			if weight.Valid {
				w := int(weight.Int64)
				cm.Weight = &w
			}
			pl.Commitments = append(pl.Commitments, cm)
			return nil
		})
	if err != nil {
		return err
	}
	for _, o := range order {
		g := ex.groups[o.group]
		g.Plans = append(g.Plans, *plans[o.milestone])
	}
	return nil
}

// readIssues reads every issue with its labels, assignees, notes, events
// and links.
func (ex *exporter) readIssues(ctx context.Context) error {
	var (
		id, projectID, iid, authorID, created, updated, timeSpent int64
		title, desc, state, issueType                             string
		milestoneID, weight, parentID, relPos, closedAt, closer   sql.NullInt64
		dueDate                                                   sql.NullString
		confidential                                              bool
	)
	parents := map[int64]int64{}
	err := ex.each(ctx, "issues", `SELECT id, project_id, iid, title, description, state, author_id, milestone_id, weight,
		due_date, issue_type, confidential, parent_id, relative_position, created_at, updated_at, closed_at, closed_by_id,
		total_time_spent FROM issues ORDER BY id`,
		[]any{&id, &projectID, &iid, &title, &desc, &state, &authorID, &milestoneID, &weight, &dueDate, &issueType,
			&confidential, &parentID, &relPos, &created, &updated, &closedAt, &closer, &timeSpent}, func() error {
			is := &archive.Issue{IID: iid, Title: title, Description: desc, State: state, Author: ex.users[authorID],
				DueDate: dueDate.String, IssueType: issueType, Confidential: confidential,
				CreatedAt: archive.FormatTime(fromMS(created)), UpdatedAt: archive.FormatTime(fromMS(updated)),
				TimeSpent: int(timeSpent)}
			if milestoneID.Valid {
				is.Milestone = ex.milestones[milestoneID.Int64]
			}
			if weight.Valid {
				w := int(weight.Int64)
				is.Weight = &w
			}
			if relPos.Valid {
				v := relPos.Int64
				is.RelativePosition = &v
			}
			if closedAt.Valid {
				is.ClosedAt = archive.FormatTime(fromMS(closedAt.Int64))
			}
			if closer.Valid {
				is.ClosedBy = ex.users[closer.Int64]
			}
			if parentID.Valid {
				parents[id] = parentID.Int64
			}
			ex.issues[id] = is
			ex.issueIID[id] = iid
			ex.issueProj[id] = projectID
			return nil
		})
	if err != nil {
		return err
	}
	for child, parent := range parents {
		// The format names a parent by iid in the same project; a parent
		// elsewhere cannot be expressed and is left out.
		if ex.issueProj[parent] == ex.issueProj[child] {
			ex.issues[child].ParentIID = ex.issueIID[parent]
		}
	}

	var name string
	err = ex.each(ctx, "issue labels", "SELECT il.issue_id, l.name FROM issue_labels il JOIN labels l ON l.id = il.label_id ORDER BY il.issue_id, l.name",
		[]any{&id, &name}, func() error {
			is := ex.issues[id]
			is.Labels = append(is.Labels, name)
			return nil
		})
	if err != nil {
		return err
	}
	var userID int64
	err = ex.each(ctx, "assignees", "SELECT issue_id, user_id FROM issue_assignees ORDER BY issue_id, position, user_id",
		[]any{&id, &userID}, func() error {
			is := ex.issues[id]
			is.Assignees = append(is.Assignees, ex.users[userID])
			return nil
		})
	if err != nil {
		return err
	}
	var body string
	var system bool
	err = ex.each(ctx, "notes", "SELECT issue_id, author_id, body, system, created_at FROM notes ORDER BY id",
		[]any{&id, &userID, &body, &system, &created}, func() error {
			is := ex.issues[id]
			is.Notes = append(is.Notes, archive.Note{Author: ex.users[userID], Body: body, System: system,
				CreatedAt: archive.FormatTime(fromMS(created))})
			return nil
		})
	if err != nil {
		return err
	}
	var kind, action, labelName, milestoneTitle string
	var eventUser sql.NullInt64
	err = ex.each(ctx, "events", `SELECT issue_id, kind, action, label_name, weight, milestone_title, user_id, created_at
		FROM issue_events ORDER BY id`,
		[]any{&id, &kind, &action, &labelName, &weight, &milestoneTitle, &eventUser, &created}, func() error {
			e := archive.Event{Type: kind, Action: action, Label: labelName, Milestone: milestoneTitle,
				CreatedAt: archive.FormatTime(fromMS(created))}
			if eventUser.Valid {
				e.User = ex.users[eventUser.Int64]
			}
			if weight.Valid {
				w := int(weight.Int64)
				e.Weight = &w
			}
			if kind == archive.EventWeight {
				// The archive says whether a weight was set or cleared by its
				// action, whatever word the writer of the row used.
				e.Action = cairn.ActionAdd
				if e.Weight == nil {
					e.Action = cairn.ActionRemove
				}
			}
			is := ex.issues[id]
			is.Events = append(is.Events, e)
			return nil
		})
	if err != nil {
		return err
	}
	var source, target int64
	var linkType string
	return ex.each(ctx, "links", "SELECT source_id, target_id, link_type FROM issue_links ORDER BY id",
		[]any{&source, &target, &linkType}, func() error {
			is := ex.issues[source]
			ref := ex.projectRef[ex.issueProj[target]]
			group, project, _ := strings.Cut(ref, "/")
			is.Links = append(is.Links, archive.Link{Target: archive.IssueRef(group, project, ex.issueIID[target]), LinkType: linkType})
			return nil
		})
}

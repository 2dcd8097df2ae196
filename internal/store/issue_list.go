package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
)

// ListIssues lists the issues of a project or a group that match f, one
// page in f's order with the id as the last tie-break, and the total count
// (capped above cairn.MaxCountedTotal) unless f.SkipTotal. Names in the
// filter (labels, milestone title, usernames) are resolved to ids first, so
// the main query compares ids only. EINVALID for a bad filter value;
// ENOTFOUND if the project or group does not exist.
func (s *Store) ListIssues(ctx context.Context, f cairn.IssueFilter) ([]*cairn.Issue, cairn.Total, error) {
	if err := f.Validate(); err != nil {
		return nil, cairn.Total{}, err
	}
	c := s.read()
	q := &issueQuery{c: c, today: s.Today(), reach: f.Offset() + f.PerPage}
	if err := q.build(ctx, &f); err != nil {
		return nil, cairn.Total{}, err
	}
	if q.none {
		return []*cairn.Issue{}, cairn.Total{}, nil
	}
	where := strings.Join(q.conds, " AND ")
	if where == "" {
		where = "1 = 1"
	}
	from, order := "issues i", issueOrder(f.OrderBy, f.Sort)
	var fromArgs []any
	switch f.OrderBy {
	case "milestone_due":
		from += " LEFT JOIN milestones dm ON dm.id = i.milestone_id"
	case "priority", "label_priority":
		// Few labels have a priority: aggregating only their issues is far
		// cheaper than a look-up per listed issue, and with none the order
		// is the tie-break alone.
		prio, err := queryIDs(ctx, c, "SELECT l.id FROM labels l WHERE "+q.labelScope+" AND l.priority IS NOT NULL ORDER BY l.id LIMIT 1000", q.labelScopeArgs...)
		if err != nil {
			return nil, cairn.Total{}, err
		}
		if len(prio) == 0 {
			order = issueOrder("id", f.Sort)
		} else {
			from += " LEFT JOIN (SELECT pil.issue_id, MIN(pl.priority) AS priority FROM issue_labels pil JOIN labels pl ON pl.id = pil.label_id" +
				" WHERE pil.label_id IN (" + placeholders(len(prio)) + ") GROUP BY pil.issue_id) lp ON lp.issue_id = i.id"
			fromArgs = int64Args(prio)
		}
	}
	// The page is chosen on ids and sort keys alone, then its rows are
	// loaded: a sort that cannot use an index (due date, weight, priority
	// over a whole project) then moves small tuples, not whole issues.
	args := append(append(fromArgs, q.args...), f.PerPage, f.Offset())
	ids, err := queryIDs(ctx, c, "SELECT i.id FROM "+from+" WHERE "+where+" ORDER BY "+order+" LIMIT ? OFFSET ?", args...)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list issues: %w", err)
	}
	byID, err := issuesByIDs(ctx, c, ids)
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("list issues: %w", err)
	}
	list := make([]*cairn.Issue, 0, len(ids))
	for _, id := range ids {
		// An issue deleted between the two queries drops out of the page.
		if is := byID[id]; is != nil {
			list = append(list, is)
		}
	}
	if f.SkipTotal {
		return list, cairn.Total{}, nil
	}
	from, args = "FROM issues i WHERE "+where, q.args
	if m, ok := q.countable(); ok {
		if len(q.memberN) == 1 && q.memberN[0] < driveProbe {
			// rarest has counted them already.
			return list, cairn.Total{Count: q.memberN[0]}, nil
		}
		from, args = m.from(q)
	}
	total, err := countPage(ctx, c, from, args, f.Page, len(list))
	if err != nil {
		return nil, cairn.Total{}, fmt.Errorf("count issues: %w", err)
	}
	return list, total, nil
}

// issueOrder returns the ORDER BY terms of an issue list. Issues without
// the sorted value come last either way, as in GitLab.
func issueOrder(orderBy, sort string) string {
	dir := " DESC"
	if sort == "asc" {
		dir = " ASC"
	}
	tie := ", i.id" + dir
	switch orderBy {
	case "updated_at":
		return "i.updated_at" + dir + tie
	case "due_date":
		return "i.due_date" + dir + " NULLS LAST" + tie
	case "weight":
		return "i.weight" + dir + " NULLS LAST" + tie
	case "relative_position":
		return "i.relative_position" + dir + " NULLS LAST" + tie
	case "title":
		return "i.title" + dir + tie
	case "priority", "label_priority":
		// The issue's most urgent label (lowest priority number) decides;
		// ListIssues joins it as lp.
		return "lp.priority" + dir + " NULLS LAST" + tie
	case "id":
		return "i.id" + dir
	case "milestone_due":
		return "dm.due_date" + dir + " NULLS LAST" + tie
	default:
		return "i.created_at" + dir + tie
	}
}

// issueQuery builds the WHERE clause of an issue list.
type issueQuery struct {
	c     *conn
	today string
	conds []string
	args  []any
	// none is set when a filter names something that does not exist, so no
	// issue can match and the list is empty without a query.
	none bool

	// labelScope and milestoneScope select the labels and milestones usable
	// in the listed project or group, with their args.
	labelScope, milestoneScope         string
	labelScopeArgs, milestoneScopeArgs []any

	// projects are the listed project or the group's projects (nil for
	// every project) and state the state filter ("" for any): the
	// conditions the (label or user, state, project) indexes of
	// issue_labels and issue_assignees also hold. members are the
	// conditions "has one of these labels" and "is assigned to one of
	// these users"; plain counts the conditions that are none of these.
	projects []int64
	state    string
	members  []membership
	plain    int

	// scopeConds and scopeArgs are how many of conds and args select the
	// scope: the project or group, the iids and the state.
	scopeConds, scopeArgs int
	// reach is the number of issues up to the end of the listed page.
	reach int
	// memberN holds, once rarest has counted them, the number of issues
	// of each membership with the listed state and project, up to
	// driveProbe.
	memberN []int
}

// membership is the condition that an issue has a row in table (issue_labels
// or issue_assignees) whose col (label_id or user_id) is one of ids.
type membership struct {
	table, col string
	ids        []int64
}

// from returns the FROM clause of the issues that satisfy m and q's
// project and state, read from the index of migration 00010 alone. Rows
// are distinct issues unless m has several ids, hence the DISTINCT then.
func (m membership) from(q *issueQuery) (string, []any) {
	sel := "m.issue_id"
	if len(m.ids) > 1 {
		sel = "DISTINCT m.issue_id"
	}
	where := "m." + m.col + " IN (" + placeholders(len(m.ids)) + ")"
	args := int64Args(m.ids)
	if q.state != "" {
		where += " AND m.state = ?"
		args = append(args, q.state)
	}
	if q.projects != nil {
		where += " AND m.project_id IN (" + placeholders(len(q.projects)) + ")"
		args = append(args, int64Args(q.projects)...)
	}
	return "FROM (SELECT " + sel + " FROM " + m.table + " m WHERE " + where + ") listed", args
}

// countable returns the one membership that, with the project and the
// state, makes the whole filter, if that is what q holds: its issues can
// then be counted from the membership's index without reading issues
// (1.7 instead of 7 ms for a common label's open issues in a group of
// 100,000).
func (q *issueQuery) countable() (membership, bool) {
	if len(q.members) != 1 || q.plain != 0 {
		return membership{}, false
	}
	return q.members[0], true
}

// add adds a condition that is not the project, the state or a membership.
func (q *issueQuery) add(cond string, args ...any) {
	q.plain++
	q.addKnown(cond, args...)
}

// addKnown adds a condition that the fields of q also describe.
func (q *issueQuery) addKnown(cond string, args ...any) {
	q.conds = append(q.conds, cond)
	q.args = append(q.args, args...)
}

func badFilter(param string) error {
	return &cairn.Error{Code: cairn.EINVALID, Param: param, Message: param + " does not have a valid value"}
}

func (q *issueQuery) build(ctx context.Context, f *cairn.IssueFilter) error {
	switch {
	case f.ProjectID != 0:
		gid, err := projectGroupID(ctx, q.c, f.ProjectID)
		if err != nil {
			return err
		}
		q.addKnown("i.project_id = ?", f.ProjectID)
		q.projects = []int64{f.ProjectID}
		q.labelScope, q.labelScopeArgs = "(l.project_id = ? OR l.group_id = ?)", []any{f.ProjectID, gid}
		q.milestoneScope, q.milestoneScopeArgs = "(m.project_id = ? OR m.group_id = ?)", []any{f.ProjectID, gid}
	case f.GroupID != 0:
		var one int
		if err := q.c.queryRow(ctx, "SELECT 1 FROM groups WHERE id = ?", f.GroupID).Scan(&one); err != nil {
			return notFound(err, "Group")
		}
		// The group's projects as a list of values, not a subquery:
		// PostgreSQL then uses the (project, state, created) index instead
		// of scanning every issue (28 -> a few ms for a page of a
		// 100,000-issue group's open issues).
		pids, err := queryIDs(ctx, q.c, "SELECT id FROM projects WHERE group_id = ? ORDER BY id", f.GroupID)
		if err != nil {
			return fmt.Errorf("group projects: %w", err)
		}
		if len(pids) == 0 {
			q.none = true
			return nil
		}
		q.addKnown("i.project_id IN ("+placeholders(len(pids))+")", int64Args(pids)...)
		q.projects = pids
		q.labelScope, q.labelScopeArgs = "(l.group_id = ? OR l.project_id IN (SELECT id FROM projects WHERE group_id = ?))", []any{f.GroupID, f.GroupID}
		q.milestoneScope, q.milestoneScopeArgs = "(m.group_id = ? OR m.project_id IN (SELECT id FROM projects WHERE group_id = ?))", []any{f.GroupID, f.GroupID}
	default:
		q.labelScope, q.milestoneScope = "1 = 1", "1 = 1"
	}

	if len(f.IIDs) > 0 {
		q.add("i.iid IN ("+placeholders(len(f.IIDs))+")", int64Args(f.IIDs)...)
	}
	if len(f.NotIIDs) > 0 {
		q.add("i.iid NOT IN ("+placeholders(len(f.NotIIDs))+")", int64Args(f.NotIIDs)...)
	}
	if f.State != "" {
		q.addKnown("i.state = ?", f.State)
		q.state = f.State
	}
	// The scope's conditions, which rarest counts.
	q.scopeConds, q.scopeArgs = len(q.conds), len(q.args)
	if err := q.labels(ctx, f.Labels, f.NotLabels); err != nil {
		return err
	}
	if err := q.milestone(ctx, f.Milestone, f.NotMilestone, f.MilestoneID); err != nil {
		return err
	}
	if err := q.assignees(ctx, f); err != nil {
		return err
	}
	if q.none {
		return nil
	}
	// A milestone or iids narrow the issues more than a label or an
	// assignee usually does; without them the rarest membership's issues
	// may be the place to start (memberships decides).
	narrowed := f.MilestoneID != 0 || len(f.IIDs) > 0 || f.Milestone != "" && !strings.EqualFold(f.Milestone, cairn.FilterAny)
	if err := q.memberships(ctx, !narrowed); err != nil {
		return err
	}
	if f.AuthorID != 0 {
		q.add("i.author_id = ?", f.AuthorID)
	}
	if f.AuthorUsername != "" {
		q.add("i.author_id IN (SELECT id FROM users WHERE lower(username) = lower(?))", f.AuthorUsername)
	}
	if f.NotAuthorID != 0 {
		q.add("i.author_id <> ?", f.NotAuthorID)
	}
	switch {
	case f.Weight == "":
	case strings.EqualFold(f.Weight, cairn.FilterNone):
		q.add("i.weight IS NULL")
	case strings.EqualFold(f.Weight, cairn.FilterAny):
		q.add("i.weight IS NOT NULL")
	default:
		w, err := strconv.Atoi(f.Weight)
		if err != nil {
			return badFilter("weight")
		}
		q.add("i.weight = ?", w)
	}
	if f.NotWeight != nil {
		q.add("(i.weight IS NULL OR i.weight <> ?)", *f.NotWeight)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		inTitle, inDesc := len(f.In) == 0, len(f.In) == 0
		for _, in := range f.In {
			inTitle = inTitle || in == "title"
			inDesc = inDesc || in == "description"
		}
		p := likePattern(s)
		switch {
		case inTitle && inDesc:
			q.add(`(lower(i.title) LIKE ? ESCAPE '\' OR lower(i.description) LIKE ? ESCAPE '\')`, p, p)
		case inTitle:
			q.add(`lower(i.title) LIKE ? ESCAPE '\'`, p)
		default:
			q.add(`lower(i.description) LIKE ? ESCAPE '\'`, p)
		}
	}
	if f.Confidential != nil {
		q.add("i.confidential = ?", *f.Confidential)
	}
	if f.IssueType != "" {
		q.add("i.issue_type = ?", f.IssueType)
	}
	if err := q.dueDate(f.DueDate); err != nil {
		return err
	}
	if f.CreatedAfter != nil {
		q.add("i.created_at >= ?", ms(*f.CreatedAfter))
	}
	if f.CreatedBefore != nil {
		q.add("i.created_at <= ?", ms(*f.CreatedBefore))
	}
	if f.UpdatedAfter != nil {
		q.add("i.updated_at >= ?", ms(*f.UpdatedAfter))
	}
	if f.UpdatedBefore != nil {
		q.add("i.updated_at <= ?", ms(*f.UpdatedBefore))
	}
	return nil
}

// labelIDs returns the ids of the labels usable in the listed scope that
// are called name: a group label and a project label may share one.
func (q *issueQuery) labelIDs(ctx context.Context, name string) ([]int64, error) {
	args := append(append([]any{}, q.labelScopeArgs...), name, name)
	return queryIDs(ctx, q.c, "SELECT l.id FROM labels l WHERE "+q.labelScope+
		" AND (l.name = ? OR lower(l.name) = lower(?)) ORDER BY l.id LIMIT 1000", args...)
}

// labels adds the label filters: "has this label" as a membership (for
// memberships to write), the others as conditions.
func (q *issueQuery) labels(ctx context.Context, labels, notLabels []string) error {
	if len(labels) == 1 && strings.EqualFold(labels[0], cairn.FilterNone) {
		q.add("NOT EXISTS (SELECT 1 FROM issue_labels il WHERE il.issue_id = i.id)")
	} else if len(labels) == 1 && strings.EqualFold(labels[0], cairn.FilterAny) {
		q.add("EXISTS (SELECT 1 FROM issue_labels il WHERE il.issue_id = i.id)")
	} else {
		for _, name := range labels {
			ids, err := q.labelIDs(ctx, name)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				q.none = true
				return nil
			}
			q.members = append(q.members, membership{table: "issue_labels", col: "label_id", ids: ids})
		}
	}
	var not []int64
	for _, name := range notLabels {
		ids, err := q.labelIDs(ctx, name)
		if err != nil {
			return err
		}
		not = append(not, ids...)
	}
	if len(not) > 0 {
		q.add("NOT EXISTS (SELECT 1 FROM issue_labels il WHERE il.issue_id = i.id AND il.label_id IN ("+placeholders(len(not))+"))", int64Args(not)...)
	}
	return nil
}

// memberships adds the conditions of q.members. With drive, the rarest
// one's may be written as "i.id IN (…)", which lets SQLite start from
// that label's or person's issues; the others are EXISTS probes, cheapest
// once the candidates are few. PostgreSQL plans both forms alike and takes
// the first membership as the IN.
func (q *issueQuery) memberships(ctx context.Context, drive bool) error {
	driver := -1
	if drive && len(q.members) > 0 {
		driver = 0
		if q.c.d.name == "sqlite" {
			var err error
			if driver, err = q.rarest(ctx); err != nil {
				return err
			}
		}
	}
	for k, m := range q.members {
		if k == driver {
			from, args := m.from(q)
			q.addKnown("i.id IN (SELECT listed.issue_id "+from+")", args...)
			continue
		}
		alias := "m" + strconv.Itoa(k)
		q.addKnown("EXISTS (SELECT 1 FROM "+m.table+" "+alias+" WHERE "+alias+".issue_id = i.id AND "+alias+"."+m.col+
			" IN ("+placeholders(len(m.ids))+"))", int64Args(m.ids)...)
	}
	return nil
}

// driveProbe bounds the counts rarest makes: enough to tell a rare label
// from a common one, cheap enough (index ranges of at most this many
// entries) to run before every such list.
const driveProbe = 10000

// rarest returns the index of the membership to start from, or -1 to walk
// the scope's index in list order and probe every membership. It counts
// each membership's issues of the listed state and project (m, up to
// driveProbe; kept in q.memberN) and compares the two ways' rows:
// starting from the rarest reads its m issues and sorts them; walking the
// scope (n issues in p projects) stops in each project once a page's
// worth (k = offset + per page) is found, after about k·n/m rows per
// project. So the rarest is the start when m·m < p·k·n, which needs no
// scope count when m < p·k (n is at least m). For the open issues of a
// 100,000-issue group (n = 9,471, p = 9, k = 50): workflow::in review
// (m = 15) starts from its issues, type::feature (m = 5,194) walks the
// scope, 0.3 instead of 2 ms.
func (q *issueQuery) rarest(ctx context.Context) (int, error) {
	best, fewest := -1, driveProbe+1
	q.memberN = make([]int, len(q.members))
	for k, m := range q.members {
		from, args := m.from(q)
		var n int
		if err := q.c.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 "+from+" LIMIT ?) t", append(args, driveProbe)...).Scan(&n); err != nil {
			return -1, fmt.Errorf("count %s: %w", m.table, err)
		}
		q.memberN[k] = n
		if n < fewest {
			best, fewest = k, n
		}
	}
	p := max(1, len(q.projects))
	if fewest < p*q.reach {
		return best, nil
	}
	where := "1 = 1"
	if q.scopeConds > 0 {
		where = strings.Join(q.conds[:q.scopeConds], " AND ")
	}
	var inScope int
	if err := q.c.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM issues i WHERE "+where+" LIMIT ?) t",
		append(append([]any{}, q.args[:q.scopeArgs]...), driveProbe)...).Scan(&inScope); err != nil {
		return -1, fmt.Errorf("count listed issues: %w", err)
	}
	if fewest*fewest < p*q.reach*inScope {
		return best, nil
	}
	return -1, nil
}

func (q *issueQuery) milestoneIDs(ctx context.Context, title string) ([]int64, error) {
	args := append(append([]any{}, q.milestoneScopeArgs...), title)
	return queryIDs(ctx, q.c, "SELECT m.id FROM milestones m WHERE "+q.milestoneScope+" AND m.title = ? ORDER BY m.id LIMIT 1000", args...)
}

func (q *issueQuery) milestone(ctx context.Context, title, notTitle string, id int64) error {
	switch {
	case title == "":
	case strings.EqualFold(title, cairn.FilterNone):
		q.add("i.milestone_id IS NULL")
	case strings.EqualFold(title, cairn.FilterAny):
		q.add("i.milestone_id IS NOT NULL")
	default:
		ids, err := q.milestoneIDs(ctx, title)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			q.none = true
			return nil
		}
		q.add("i.milestone_id IN ("+placeholders(len(ids))+")", int64Args(ids)...)
	}
	if id != 0 {
		q.add("i.milestone_id = ?", id)
	}
	switch {
	case notTitle == "":
	case strings.EqualFold(notTitle, cairn.FilterNone):
		q.add("i.milestone_id IS NOT NULL")
	case strings.EqualFold(notTitle, cairn.FilterAny):
		q.add("i.milestone_id IS NULL")
	default:
		ids, err := q.milestoneIDs(ctx, notTitle)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			q.add("(i.milestone_id IS NULL OR i.milestone_id NOT IN ("+placeholders(len(ids))+"))", int64Args(ids)...)
		}
	}
	return nil
}

func (q *issueQuery) assignees(ctx context.Context, f *cairn.IssueFilter) error {
	const has = "EXISTS (SELECT 1 FROM issue_assignees a WHERE a.issue_id = i.id"
	member := func(ids []int64) {
		q.members = append(q.members, membership{table: "issue_assignees", col: "user_id", ids: ids})
	}
	switch {
	case f.AssigneeID == "":
	case strings.EqualFold(f.AssigneeID, cairn.FilterNone) || f.AssigneeID == "0":
		q.add("NOT " + has + ")")
	case strings.EqualFold(f.AssigneeID, cairn.FilterAny):
		q.add(has + ")")
	default:
		id, err := strconv.ParseInt(f.AssigneeID, 10, 64)
		if err != nil {
			return badFilter("assignee_id")
		}
		member([]int64{id})
	}
	for _, name := range f.AssigneeUsernames {
		// Resolved first, so that the membership is a list of ids the
		// count can look up in issue_assignees' index.
		ids, err := queryIDs(ctx, q.c, "SELECT id FROM users WHERE lower(username) = lower(?) ORDER BY id LIMIT 1000", name)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			q.none = true
			return nil
		}
		member(ids)
	}
	if f.NotAssigneeID != 0 {
		q.add("NOT "+has+" AND a.user_id = ?)", f.NotAssigneeID)
	}
	if n := len(f.NotAssigneeUsernames); n > 0 {
		args := make([]any, n)
		for k, name := range f.NotAssigneeUsernames {
			args[k] = name
		}
		q.add("NOT "+has+" AND a.user_id IN (SELECT id FROM users WHERE lower(username) IN ("+
			strings.TrimSuffix(strings.Repeat("lower(?), ", n), ", ")+")))", args...)
	}
	return nil
}

// dueDate filters by due date as GitLab's due_date parameter: None, Any,
// overdue, week (this Monday to Sunday), month (this calendar month) and
// next_month_and_previous_two_weeks.
func (q *issueQuery) dueDate(v string) error {
	if v == "" {
		return nil
	}
	today, err := time.Parse(cairn.DateLayout, q.today)
	if err != nil {
		return fmt.Errorf("today %q: %w", q.today, err)
	}
	between := func(from, to time.Time) {
		q.add("i.due_date >= ? AND i.due_date <= ?", from.Format(cairn.DateLayout), to.Format(cairn.DateLayout))
	}
	switch strings.ToLower(v) {
	case "none", "0":
		q.add("i.due_date IS NULL")
	case "any":
		q.add("i.due_date IS NOT NULL")
	case "overdue":
		q.add("i.due_date < ?", q.today)
	case "week":
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		between(monday, monday.AddDate(0, 0, 6))
	case "month":
		first := today.AddDate(0, 0, 1-today.Day())
		between(first, first.AddDate(0, 1, -1))
	case "next_month_and_previous_two_weeks":
		first := today.AddDate(0, 0, 1-today.Day())
		between(today.AddDate(0, 0, -14), first.AddDate(0, 2, -1))
	default:
		return badFilter("due_date")
	}
	return nil
}

// queryIDs runs a query that selects one id column.
func queryIDs(ctx context.Context, c *conn, query string, args ...any) ([]int64, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("resolve filter: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("resolve filter: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

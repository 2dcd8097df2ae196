package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/planning"
)

// The issue lists of a team and of one project: the same store query and
// filter as the API's ListGroupIssues and ListProjectIssues
// (cairn.IssueFilter, confidential issues hidden from guests by
// access.HideConfidential), read from a GET form.

// issuesPerPage is the issue list's page size: long enough to scan, short
// enough to render fast on any team.
const issuesPerPage = 50

// issueListForm is the filter form of an issue list, as the user typed it.
type issueListForm struct {
	State     string // opened (default), closed, all
	Labels    string // comma-separated
	Milestone string // title, None, Any
	Assignee  string // username, None, Any
	Weight    string // number, None, Any
	Search    string
	Sort      string // created (default), updated, priority
}

// readIssueListForm reads the form from a query string. labels may come
// several times and each may hold several names separated by commas.
func readIssueListForm(q url.Values) issueListForm {
	f := issueListForm{
		State: q.Get("state"), Milestone: strings.TrimSpace(q.Get("milestone")), Assignee: strings.TrimSpace(q.Get("assignee")),
		Weight: strings.TrimSpace(q.Get("weight")), Search: strings.TrimSpace(q.Get("search")), Sort: q.Get("sort"),
	}
	f.Labels = strings.Join(splitNames(q["labels"]), ", ")
	if f.State == "" {
		f.State = cairn.StateOpened
	}
	if f.Sort == "" {
		f.Sort = "created"
	}
	return f
}

// splitNames splits comma-separated names, trimmed, empty ones dropped.
func splitNames(values []string) []string {
	var out []string
	for _, v := range values {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// specialValue returns GitLab's None and Any in the store's spelling, and
// any other value unchanged.
func specialValue(s string) string {
	switch strings.ToLower(s) {
	case "none":
		return cairn.FilterNone
	case "any":
		return cairn.FilterAny
	}
	return s
}

// filter turns the form into the store's filter (without the project or
// group and the page); EINVALID for a value that makes no sense.
func (f issueListForm) filter() (cairn.IssueFilter, error) {
	var out cairn.IssueFilter
	switch f.State {
	case cairn.StateOpened, cairn.StateClosed:
		out.State = f.State
	case "all":
	default:
		return out, cairn.FieldError("state", "must be opened, closed or all")
	}
	if labels := splitNames([]string{f.Labels}); len(labels) > 0 {
		if len(labels) == 1 {
			labels[0] = specialValue(labels[0])
		}
		out.Labels = labels
	}
	if f.Milestone != "" {
		out.Milestone = specialValue(f.Milestone)
	}
	if f.Assignee != "" {
		switch a := specialValue(f.Assignee); a {
		case cairn.FilterNone, cairn.FilterAny:
			out.AssigneeID = a
		default:
			out.AssigneeUsernames = []string{strings.TrimPrefix(a, "@")}
		}
	}
	if f.Weight != "" {
		switch wt := specialValue(f.Weight); wt {
		case cairn.FilterNone, cairn.FilterAny:
			out.Weight = wt
		default:
			if n, err := strconv.Atoi(wt); err != nil || n < 0 {
				return out, cairn.FieldError("weight", "must be a number, None or Any")
			}
			out.Weight = wt
		}
	}
	out.Search = f.Search
	switch f.Sort {
	case "created":
		out.OrderBy, out.Sort = "created_at", "desc"
	case "updated":
		out.OrderBy, out.Sort = "updated_at", "desc"
	case "priority":
		// The most urgent label (the lowest priority number) first.
		out.OrderBy, out.Sort = "priority", "asc"
	default:
		return out, cairn.FieldError("sort", "must be created, updated or priority")
	}
	return out, nil
}

// query is the form as a query string, for links that keep the filter.
func (f issueListForm) query() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"state", f.State}, {"labels", f.Labels}, {"milestone", f.Milestone}, {"assignee", f.Assignee},
		{"weight", f.Weight}, {"search", f.Search}, {"sort", f.Sort}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// Filtered reports whether the form filters beyond the default open issues.
func (f issueListForm) Filtered() bool {
	return f.Labels != "" || f.Milestone != "" || f.Assignee != "" || f.Weight != "" || f.Search != "" || f.State != cairn.StateOpened
}

// issueListPage is the data of the issue list.
type issueListPage struct {
	Group   *cairn.Group
	Project *cairn.Project // nil on the team's list
	// BaseURL is the list's own path; NewURL the new issue form's.
	BaseURL string
	NewURL  string
	Form    issueListForm
	Issues  []*cairn.Issue
	Refs    Refs
	Total   cairn.Total
	Pager   pager
	// The filter form's choices.
	Milestones []*cairn.Milestone
	Members    []*cairn.Member
	Weights    []int
	// Projects are the team's projects, for the new issue entry of the
	// team's list.
	Projects  []*cairn.Project
	CanCreate bool
	// StateURLs are the list under each state, the rest of the filter kept.
	StateURLs map[string]string
}

// LabelURL is the list filtered by one label (the rest of the filter kept).
func (p *issueListPage) LabelURL(name string) string {
	q := p.Form.query()
	q.Set("labels", name)
	q.Del("page")
	return p.BaseURL + "?" + q.Encode()
}

// groupIssues serves GET /groups/{group}/-/issues: the issues of all the
// team's projects.
func (w *Web) groupIssues(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.Read)
	if err != nil {
		return err
	}
	projects, err := w.groupProjects(r.Context(), s.Group)
	if err != nil {
		return err
	}
	base := "/groups/" + s.Group.Path + "/-/issues"
	data := &issueListPage{Group: s.Group, BaseURL: base, NewURL: base + "/new", Projects: projects, Refs: projectRefs(projects),
		CanCreate: s.Can(access.CreateIssue) && len(projects) > 0}
	return w.renderIssueList(rw, r, s, data, cairn.IssueFilter{GroupID: s.Group.ID})
}

// projectIssues serves GET /{group}/{project}/-/issues.
func (w *Web) projectIssues(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.project(r, access.Read)
	if err != nil {
		return err
	}
	base := "/" + s.Project.FullPath() + "/-/issues"
	data := &issueListPage{Group: s.Group, Project: s.Project, BaseURL: base, NewURL: base + "/new",
		Refs: Refs{s.Project.ID: s.Project.FullPath()}, CanCreate: s.projectAllows(access.CreateIssue)}
	return w.renderIssueList(rw, r, &s.teamScope, data, cairn.IssueFilter{ProjectID: s.Project.ID})
}

// renderIssueList runs the list's filter within base and renders the page;
// a filter that makes no sense shows its message over an empty list (400).
func (w *Web) renderIssueList(rw http.ResponseWriter, r *http.Request, s *teamScope, data *issueListPage, base cairn.IssueFilter) error {
	ctx := r.Context()
	q := r.URL.Query()
	data.Form = readIssueListForm(q)
	status, msg := http.StatusOK, ""
	f, err := data.Form.filter()
	if err == nil {
		f.ProjectID, f.GroupID = base.ProjectID, base.GroupID
		f.Page = cairn.Page{Page: pageParam(q), PerPage: issuesPerPage}
		access.HideConfidential(&f, s.User, s.Level)
		data.Issues, data.Total, err = w.store.ListIssues(ctx, f)
	}
	switch {
	case cairn.ErrorCode(err) == cairn.EINVALID:
		status, msg = http.StatusBadRequest, sentence(err.Error())
		data.Issues, data.Total = nil, cairn.Total{}
	case err != nil:
		return err
	}
	data.Pager = newPager(data.BaseURL, data.Form.query(), f.Page, data.Total, len(data.Issues))
	data.StateURLs = map[string]string{}
	for _, st := range []string{cairn.StateOpened, cairn.StateClosed, "all"} {
		sq := data.Form.query()
		sq.Set("state", st)
		data.StateURLs[st] = data.BaseURL + "?" + sq.Encode()
	}
	if data.Members, err = w.groupMembers(ctx, s.Group.ID); err != nil {
		return err
	}
	if data.Milestones, err = w.activeMilestones(ctx, s.Group.ID, data.Project); err != nil {
		return err
	}
	if m := data.Form.Milestone; m != "" && specialValue(m) == m &&
		!slices.ContainsFunc(data.Milestones, func(x *cairn.Milestone) bool { return x.Title == m }) {
		// A closed milestone (from a link) stays selectable as the filter.
		data.Milestones = append(data.Milestones, &cairn.Milestone{Title: m})
	}
	settings, err := w.settings(ctx, s.Group.ID)
	if err != nil {
		return err
	}
	data.Weights = settings.Weights
	title := s.Group.Name + " issues"
	if data.Project != nil {
		title = data.Project.Name + " issues"
	}
	w.render(rw, r, status, "issues.html", &Page{Title: title, Section: "issues", Group: s.Group, Error: msg, Data: data})
	return nil
}

// pageParam reads ?page=, 1 for anything but a positive number.
func pageParam(q url.Values) int {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// sentence starts a message with a capital letter, for display.
func sentence(msg string) string {
	r, size := utf8.DecodeRuneInString(msg)
	if r == utf8.RuneError {
		return msg
	}
	return string(unicode.ToUpper(r)) + msg[size:]
}

// groupProjects lists the team's projects by name.
func (w *Web) groupProjects(ctx context.Context, g *cairn.Group) ([]*cairn.Project, error) {
	var out []*cairn.Project
	for page := 1; ; page++ {
		list, _, err := w.store.ListProjects(ctx, cairn.ProjectFilter{Admin: true, GroupID: g.ID, OrderBy: "name", Sort: "asc",
			Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		if len(list) < cairn.MaxPerPage {
			return out, nil
		}
	}
}

// projectRefs are the Refs of projects.
func projectRefs(projects []*cairn.Project) Refs {
	out := Refs{}
	for _, p := range projects {
		out[p.ID] = p.FullPath()
	}
	return out
}

// groupMembers lists the team's members (the first hundred, which every
// team of people is), by name, for assignee choices.
func (w *Web) groupMembers(ctx context.Context, groupID int64) ([]*cairn.Member, error) {
	list, _, err := w.store.ListMembers(ctx, groupID, cairn.Page{PerPage: cairn.MaxPerPage})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *cairn.Member) int {
		return strings.Compare(strings.ToLower(a.User.Name), strings.ToLower(b.User.Name))
	})
	return list, nil
}

// activeMilestones lists the open milestones usable in the project (its own
// and its group's), or the group's when project is nil: the first hundred
// by due date.
func (w *Web) activeMilestones(ctx context.Context, groupID int64, project *cairn.Project) ([]*cairn.Milestone, error) {
	f := cairn.MilestoneFilter{State: cairn.MilestoneActive, IncludeAncestors: true, Page: cairn.Page{PerPage: cairn.MaxPerPage}}
	if project != nil {
		list, _, err := w.store.ListProjectMilestones(ctx, project.ID, f)
		return list, err
	}
	list, _, err := w.store.ListGroupMilestones(ctx, groupID, f)
	return list, err
}

// settings returns the team's planning settings (the defaults without a
// planner).
func (w *Web) settings(ctx context.Context, groupID int64) (planning.Settings, error) {
	if w.planner == nil {
		return planning.DefaultSettings(), nil
	}
	return w.planner.Settings(ctx, groupID)
}

// projectAllows reports whether the user may take act in the project (its
// own visibility, or its group's).
func (s *projectScope) projectAllows(act access.Action) bool {
	vis := s.Project.Visibility
	if vis == "" {
		vis = s.Group.Visibility
	}
	return access.Can(s.User, s.Level, s.Role, vis, act)
}

// pager is a list's pagination: the page links around the current one,
// previous and next, and what the page shows of the total.
type pager struct {
	Page     int
	From, To int
	Total    cairn.Total
	Prev     string
	Next     string
	Links    []pageLink
}

// pageLink is one numbered page link, or a gap ("…") when Gap.
type pageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// newPager builds the pagination of a list at path with the query q (its
// filter) showing n rows of page p out of total.
func newPager(path string, q url.Values, p cairn.Page, total cairn.Total, n int) pager {
	p = p.Normalize()
	pg := pager{Page: p.Page, Total: total}
	if n > 0 {
		pg.From, pg.To = p.Offset()+1, p.Offset()+n
	}
	link := func(page int) string {
		lq := url.Values{}
		for k, v := range q {
			lq[k] = v
		}
		if page > 1 {
			lq.Set("page", strconv.Itoa(page))
		}
		if len(lq) == 0 {
			return path
		}
		return path + "?" + lq.Encode()
	}
	pages := (total.Count + p.PerPage - 1) / p.PerPage
	if total.Capped {
		// The total is not exact: there may be more pages than it says.
		pages = max(pages, p.Page+1)
	}
	if p.Page > 1 {
		pg.Prev = link(p.Page - 1)
	}
	if p.Page < pages && n == p.PerPage {
		pg.Next = link(p.Page + 1)
	}
	if pages <= 1 {
		return pg
	}
	last := 0
	for k := 1; k <= pages; k++ {
		if k != 1 && k != pages && (k < p.Page-2 || k > p.Page+2) {
			continue
		}
		if last != 0 && k > last+1 {
			pg.Links = append(pg.Links, pageLink{Gap: true})
		}
		pg.Links = append(pg.Links, pageLink{Number: k, URL: link(k), Current: k == p.Page})
		last = k
	}
	return pg
}

package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
)

// special returns GitLab's None and Any in the case the store expects, and
// any other value unchanged.
func special(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none":
		return cairn.FilterNone
	case "any":
		return cairn.FilterAny
	}
	return strings.TrimSpace(s)
}

// numberOrSpecial reads a filter that takes a number, None or Any
// (assignee_id, weight); anything else is invalid.
func numberOrSpecial(p *Params, name string) (string, error) {
	s, ok := p.String(name)
	if !ok || strings.TrimSpace(s) == "" {
		return "", nil
	}
	s = special(s)
	if s == cairn.FilterNone || s == cairn.FilterAny {
		return s, nil
	}
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return "", invalidParam(name)
	}
	return s, nil
}

// issueFilter reads GitLab's issue list parameters into a filter. u is the
// caller, for scope=created_by_me and assigned_to_me. It also returns
// with_labels_details.
func (a *API) issueFilter(ctx context.Context, p *Params, u *cairn.User) (cairn.IssueFilter, bool, error) {
	f := cairn.IssueFilter{Page: p.Page()}
	var err error
	f.State, _ = p.String("state")
	if l, ok := p.StringList("labels"); ok && len(l) > 0 {
		if len(l) == 1 {
			if s := special(l[0]); s == cairn.FilterNone || s == cairn.FilterAny {
				l[0] = s
			}
		}
		f.Labels = l
	}
	if s, ok := p.String("milestone"); ok {
		f.Milestone = special(s)
	}
	if f.AssigneeID, err = numberOrSpecial(p, "assignee_id"); err != nil {
		return f, false, err
	}
	f.AssigneeUsernames, _ = p.StringList("assignee_username")
	f.AuthorID, _ = p.Int64("author_id")
	f.AuthorUsername, _ = p.String("author_username")
	if f.Weight, err = numberOrSpecial(p, "weight"); err != nil {
		return f, false, err
	}
	f.Search, _ = p.String("search")
	f.In, _ = p.StringList("in")
	f.OrderBy, _ = p.String("order_by")
	f.Sort, _ = p.String("sort")
	f.IIDs, _ = p.IntList("iids")
	details, _ := p.Bool("with_labels_details")
	f.CreatedAfter, _ = p.Time("created_after")
	f.CreatedBefore, _ = p.Time("created_before")
	f.UpdatedAfter, _ = p.Time("updated_after")
	f.UpdatedBefore, _ = p.Time("updated_before")
	if c, ok := p.Bool("confidential"); ok {
		f.Confidential = &c
	}
	if t, ok := p.String("issue_type"); ok && t != "" {
		switch t {
		case "issue", "task", "incident":
			f.IssueType = t
		default:
			return f, false, invalidValue("issue_type")
		}
	}
	if d, ok := p.String("due_date"); ok && d != "" {
		switch special(d) {
		case cairn.FilterNone, "0":
			f.DueDate = cairn.FilterNone
		case cairn.FilterAny:
			f.DueDate = cairn.FilterAny
		case "overdue":
			f.DueDate = "overdue"
		default:
			return f, false, invalidValue("due_date")
		}
	}
	switch scope, _ := p.String("scope"); strings.ReplaceAll(scope, "-", "_") {
	case "", "all":
	case "created_by_me":
		f.AuthorID = u.ID
	case "assigned_to_me":
		f.AssigneeID = strconv.FormatInt(u.ID, 10)
	default:
		return f, false, invalidValue("scope")
	}

	// Cairn has no iterations: no issue is in one. glab's --iteration
	// sends iteration_id; answering with every issue would claim they all
	// are, so anything but "None" matches nothing (iid 0 never exists).
	for _, name := range []string{"iteration_id", "iteration_title"} {
		if v, ok := p.String(name); ok && v != "" && special(v) != cairn.FilterNone {
			f.IIDs = []int64{0}
		}
	}

	f.NotLabels, _ = p.StringList("not[labels]")
	if s, ok := p.String("not[milestone]"); ok {
		f.NotMilestone = special(s)
	}
	f.NotAssigneeID, _ = p.Int64("not[assignee_id]")
	f.NotAssigneeUsernames, _ = p.StringList("not[assignee_username]")
	f.NotAuthorID, _ = p.Int64("not[author_id]")
	if n, ok := p.Int("not[weight]"); ok {
		f.NotWeight = &n
	}
	f.NotIIDs, _ = p.IntList("not[iids]")
	notAuthor, _ := p.String("not[author_username]")
	if err := p.Err(); err != nil {
		return f, false, err
	}
	if notAuthor != "" && f.NotAuthorID == 0 {
		// The filter has no username form of this one; an unknown user
		// excludes nobody.
		nu, err := a.svc.UserByUsername(ctx, notAuthor)
		switch {
		case err == nil:
			f.NotAuthorID = nu.ID
		case cairn.ErrorCode(err) != cairn.ENOTFOUND:
			return f, false, err
		}
	}
	if err := f.Validate(); err != nil {
		return f, false, err
	}
	return f, details, nil
}

// hideConfidential limits a list to non-confidential issues for callers
// below reporter, who may not see others' confidential issues. (Their own
// confidential issues are then left out of lists too; a single GET shows
// them.)
func hideConfidential(f *cairn.IssueFilter, u *cairn.User, level int) {
	access.HideConfidential(f, u, level)
}

// listIssues runs f and writes the page.
func (a *API) listIssues(w http.ResponseWriter, r *http.Request, f cairn.IssueFilter, details bool, v *view) error {
	issues, total, err := a.svc.ListIssues(r.Context(), f)
	if err != nil {
		return err
	}
	out, err := v.issues(issues, details)
	if err != nil {
		return err
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// ListProjectIssues serves GET /projects/{id}/issues with every filter of
// gitlab-api.md; state defaults to all.
func (a *API) ListProjectIssues(w http.ResponseWriter, r *http.Request) error {
	s, err := a.projectFor(r, actRead)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f, details, err := a.issueFilter(r.Context(), p, s.user)
	if err != nil {
		return err
	}
	f.ProjectID = s.project.ID
	hideConfidential(&f, s.user, s.level)
	v := a.view(r)
	v.remember(s.project)
	return a.listIssues(w, r, f, details, v)
}

// ListGroupIssues serves GET /groups/{id}/issues: the issues of all the
// group's projects, with the same filters.
func (a *API) ListGroupIssues(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f, details, err := a.issueFilter(r.Context(), p, s.user)
	if err != nil {
		return err
	}
	f.GroupID = s.group.ID
	hideConfidential(&f, s.user, s.level)
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	return a.listIssues(w, r, f, details, v)
}

// issueFor loads the project and the issue named by {id} and {issue_iid}
// and checks act: 404 "Issue Not Found" for an issue the caller may not see
// (confidential), 403 when the caller may see it but not do this.
func (a *API) issueFor(r *http.Request, act action) (*projectScope, *cairn.Issue, error) {
	s, err := a.projectFor(r, actRead)
	if err != nil {
		return nil, nil, err
	}
	iid, err := strconv.ParseInt(r.PathValue("issue_iid"), 10, 64)
	if err != nil {
		return nil, nil, cairn.NotFound("Issue")
	}
	i, err := a.svc.IssueByIID(r.Context(), s.project.ID, iid)
	if err != nil {
		return nil, nil, err
	}
	if !s.seesConfidential(i) {
		return nil, nil, cairn.NotFound("Issue")
	}
	if err := s.require(r.Context(), act); err != nil {
		return nil, nil, err
	}
	return s, i, nil
}

// writeIssue renders one issue with status.
func (a *API) writeIssue(w http.ResponseWriter, r *http.Request, s *projectScope, i *cairn.Issue, status int) error {
	v := a.view(r)
	v.remember(s.project)
	details, _ := detailsParam(r)
	j, err := v.issue(i, details)
	if err != nil {
		return err
	}
	writeJSON(w, status, j)
	return nil
}

// detailsParam reads with_labels_details from the query string.
func detailsParam(r *http.Request) (bool, bool) {
	b, err := strconv.ParseBool(r.URL.Query().Get("with_labels_details"))
	return b, err == nil
}

// GetIssue serves GET /projects/{id}/issues/{issue_iid}.
func (a *API) GetIssue(w http.ResponseWriter, r *http.Request) error {
	s, i, err := a.issueFor(r, actRead)
	if err != nil {
		return err
	}
	return a.writeIssue(w, r, s, i, http.StatusOK)
}

// checkMilestone returns ENOTFOUND unless milestone id belongs to the
// project or its group.
func (a *API) checkMilestone(ctx context.Context, p *cairn.Project, id int64) error {
	m, err := a.svc.MilestoneByID(ctx, id)
	if err != nil {
		return err
	}
	if (m.ProjectID != nil && *m.ProjectID == p.ID) || (m.GroupID != nil && *m.GroupID == p.GroupID) {
		return nil
	}
	return cairn.NotFound("Milestone")
}

// CreateIssue serves POST /projects/{id}/issues: title (required),
// description, labels (unknown ones are created), milestone_id, weight,
// assignee_ids or assignee_id, due_date, issue_type, confidential, and
// Cairn's parent_id and template (a group template that fills an empty
// description). Metadata from callers below reporter is ignored.
func (a *API) CreateIssue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := a.projectFor(r, actCreateIssue)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	c := cairn.IssueCreate{ProjectID: s.project.ID}
	c.Title, _ = p.String("title")
	c.Description, _ = p.String("description")
	c.Labels, _ = p.StringList("labels")
	c.MilestoneID, _ = p.Int64("milestone_id")
	if n, ok := p.Int("weight"); ok {
		c.Weight = &n
	}
	c.AssigneeIDs, _ = p.IntList("assignee_ids")
	if id, ok := p.Int64("assignee_id"); ok && id != 0 {
		c.AssigneeIDs = append(c.AssigneeIDs, id)
	}
	c.DueDate, _ = p.Date("due_date")
	c.IssueType, _ = p.String("issue_type")
	c.Confidential, _ = p.Bool("confidential")
	c.ParentID, _ = p.Int64("parent_id")
	if err := p.Err(); err != nil {
		return err
	}
	// template=<name> starts the description from a group template
	// (templates.go) when none is given; an unknown name is a mistake.
	if name, ok := p.String("template"); ok && name != "" {
		content, err := a.templateContent(ctx, s.project.GroupID, name)
		if err != nil {
			return err
		}
		if c.Description == "" {
			c.Description = content
		}
	}
	if !s.can(actUpdateIssue) {
		// As in GitLab, guests open issues but do not triage them: the
		// metadata they send is left out rather than refused, so that
		// their tools work unchanged.
		c.Labels, c.MilestoneID, c.Weight, c.AssigneeIDs, c.DueDate, c.ParentID = nil, 0, nil, nil, "", 0
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if len(c.Labels) > 0 {
		if err := a.checkPlanningLabels(ctx, s, nil, cairn.ExclusiveLabels(lowerAll(c.Labels))); err != nil {
			return err
		}
	}
	if c.MilestoneID != 0 {
		if err := a.checkMilestone(ctx, s.project, c.MilestoneID); err != nil {
			return err
		}
	}
	if c.ParentID != 0 {
		if err := a.checkParent(ctx, s, c.ParentID); err != nil {
			return err
		}
	}
	i, err := a.svc.CreateIssue(ctx, c)
	if err != nil {
		return err
	}
	return a.writeIssue(w, r, s, i, http.StatusCreated)
}

// checkParent returns ENOTFOUND unless the caller can see the parent issue.
func (a *API) checkParent(ctx context.Context, s *projectScope, parentID int64) error {
	parent, err := a.svc.IssueByID(ctx, parentID)
	if err != nil {
		return err
	}
	if parent.ProjectID == s.project.ID {
		return nil
	}
	pp, err := a.svc.ProjectByID(ctx, parent.ProjectID)
	if err != nil {
		return err
	}
	level, err := a.accessLevel(ctx, s.user, pp.GroupID)
	if err != nil {
		return err
	}
	if !can(s.user, level, pp.Visibility, actRead) {
		return cairn.NotFound("Issue")
	}
	return nil
}

// issueUpdateParams lists the attributes PUT takes, for the "at least one"
// error, in GitLab's words.
const issueUpdateParams = "title, description, labels, add_labels, remove_labels, state_event, milestone_id, weight, assignee_ids, assignee_id, due_date, confidential, discussion_locked, issue_type, health_status, parent_id are missing, at least one parameter must be provided"

// UpdateIssue serves PUT /projects/{id}/issues/{issue_iid}. labels replaces
// the set; add_labels and remove_labels change it; milestone_id 0 or null
// clears, as weight null, assignee_ids [0] and due_date null do.
func (a *API) UpdateIssue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, i, err := a.issueFor(r, actRead)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var u cairn.IssueUpdate
	if t, ok := p.String("title"); ok {
		u.Title = &t
	}
	if d, ok := p.String("description"); ok {
		u.Description = &d
	}
	if l, ok := p.StringList("labels"); ok {
		u.Labels = &l
	}
	u.AddLabels, _ = p.StringList("add_labels")
	u.RemoveLabels, _ = p.StringList("remove_labels")
	u.StateEvent, _ = p.String("state_event")
	if mid, o := p.OptInt64("milestone_id"); o.Set {
		u.MilestoneID = o
		if mid == 0 {
			u.MilestoneID = cairn.Clear[int64]()
		}
	}
	u.Weight = p.OptInt("weight")
	if ids, ok := p.IntList("assignee_ids"); ok {
		u.AssigneeIDs = &ids
	} else if p.Has("assignee_id") {
		id, _ := p.Int64("assignee_id")
		ids := []int64{id}
		u.AssigneeIDs = &ids
	}
	u.DueDate = p.OptDate("due_date")
	if b, ok := p.Bool("confidential"); ok {
		u.Confidential = &b
	}
	if b, ok := p.Bool("discussion_locked"); ok {
		u.DiscussionLocked = &b
	}
	if t, ok := p.String("issue_type"); ok {
		u.IssueType = &t
	}
	u.HealthStatus = p.OptString("health_status")
	if pid, o := p.OptInt64("parent_id"); o.Set {
		u.ParentID = o
		if pid == 0 {
			u.ParentID = cairn.Clear[int64]()
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if u.Empty() {
		return &cairn.Error{Code: cairn.EINVALID, Param: "title", Message: issueUpdateParams}
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := s.require(ctx, actUpdateIssue); err != nil {
		// GitLab lets authors edit the text of their own issues and close or
		// reopen them, whatever their role.
		if cairn.ErrorCode(err) != cairn.EFORBIDDEN || !authorOnlyChange(s.user, i, &u) || !scopeAllows(ctx, actCreateIssue) {
			return err
		}
	}
	if before, after, ok := labelsAfterUpdate(i, &u); ok {
		if err := a.checkPlanningLabels(ctx, s, before, after); err != nil {
			return err
		}
	}
	if u.MilestoneID.Set && u.MilestoneID.Value != nil {
		if err := a.checkMilestone(ctx, s.project, *u.MilestoneID.Value); err != nil {
			return err
		}
	}
	if u.ParentID.Set && u.ParentID.Value != nil {
		if err := a.checkParent(ctx, s, *u.ParentID.Value); err != nil {
			return err
		}
	}
	updated, err := a.svc.UpdateIssue(ctx, s.project.ID, i.IID, u)
	if err != nil {
		return err
	}
	return a.writeIssue(w, r, s, updated, http.StatusOK)
}

// authorOnlyChange reports whether u is an edit the issue's author may make
// without the reporter role: title, description and state.
func authorOnlyChange(user *cairn.User, i *cairn.Issue, u *cairn.IssueUpdate) bool {
	if i.Author == nil || i.Author.ID != user.ID {
		return false
	}
	rest := *u
	rest.Title, rest.Description, rest.StateEvent = nil, nil, ""
	return rest.Empty()
}

// DeleteIssue serves DELETE /projects/{id}/issues/{issue_iid} (owners and
// admins, as in GitLab).
func (a *API) DeleteIssue(w http.ResponseWriter, r *http.Request) error {
	s, i, err := a.issueFor(r, actDeleteIssue)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteIssue(r.Context(), s.project.ID, i.IID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
)

// The new issue form: title, description from a template (the group's
// templates and the built-ins, as the API's GET /groups/:id/templates
// lists them), and — for reporters and up — labels, weight, milestone and
// assignees, as the API's CreateIssue takes them. Picking a template fills
// the description on the server: with htmx the select asks for the filled
// textarea; without JavaScript the "Use template" button posts the form
// back and it comes again with the template applied, the rest kept.

// newIssueForm is the new issue form's input.
type newIssueForm struct {
	Title        string
	Description  string
	Template     string
	Labels       string // comma-separated
	Weight       string
	MilestoneID  int64
	AssigneeIDs  []int64
	Confidential bool
}

// HasAssignee reports whether the form assigns user id.
func (f newIssueForm) HasAssignee(id int64) bool {
	for _, a := range f.AssigneeIDs {
		if a == id {
			return true
		}
	}
	return false
}

// newIssuePage is the data of the new issue form, or of the project
// chooser that the team's "New issue" leads to (Choose).
type newIssuePage struct {
	Group   *cairn.Group
	Project *cairn.Project
	Action  string // the form's path
	Form    newIssueForm
	// CanTriage shows the metadata fields: as in GitLab, guests open
	// issues but do not triage them.
	CanTriage  bool
	Templates  []*cairn.Template
	Labels     []*cairn.Label
	Milestones []*cairn.Milestone
	Members    []*cairn.Member
	Weights    []int

	Choose   bool
	Projects []*cairn.Project
}

// readNewIssueForm reads the form from the request (query or body).
func readNewIssueForm(v url.Values) newIssueForm {
	f := newIssueForm{Title: v.Get("title"), Description: v.Get("description"), Template: strings.TrimSpace(v.Get("template")),
		Labels: strings.Join(splitNames(v["labels"]), ", "), Weight: strings.TrimSpace(v.Get("weight")),
		Confidential: v.Get("confidential") != ""}
	f.MilestoneID, _ = strconv.ParseInt(v.Get("milestone_id"), 10, 64)
	for _, s := range v["assignee_ids"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			f.AssigneeIDs = append(f.AssigneeIDs, id)
		}
	}
	return f
}

// templateContent returns the content of the template name usable in the
// group: EINVALID `template "x" does not exist` for none, as the API says.
func (w *Web) templateContent(ctx context.Context, groupID int64, name string) (string, error) {
	t, err := w.store.TemplateByName(ctx, groupID, name)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return "", cairn.Errorf(cairn.EINVALID, "template %q does not exist", name)
	}
	if err != nil {
		return "", err
	}
	return t.Content, nil
}

// newIssue serves GET /{group}/{project}/-/issues/new; ?template=name
// starts the description from that template.
func (w *Web) newIssue(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.project(r, access.CreateIssue)
	if err != nil {
		return err
	}
	f := readNewIssueForm(r.URL.Query())
	msg, status := "", http.StatusOK
	if f.Template != "" && f.Description == "" {
		content, err := w.templateContent(r.Context(), s.Group.ID, f.Template)
		switch {
		case cairn.ErrorCode(err) == cairn.EINVALID:
			msg, status, f.Template = sentence(err.Error()), http.StatusBadRequest, ""
		case err != nil:
			return err
		default:
			f.Description = content
		}
	}
	return w.renderNewIssue(rw, r, status, s, f, msg)
}

// newIssueTemplate serves GET /{group}/{project}/-/issues/new/template, the
// htmx request of the template picker: the description textarea filled
// with the template's content (or left as sent, for no template).
func (w *Web) newIssueTemplate(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.project(r, access.CreateIssue)
	if err != nil {
		return err
	}
	f := readNewIssueForm(r.URL.Query())
	if f.Template != "" {
		if f.Description, err = w.templateContent(r.Context(), s.Group.ID, f.Template); err != nil {
			return err
		}
	}
	w.renderPartial(rw, r, http.StatusOK, "issue_new.html", "issue-description", f)
	return nil
}

// createIssue serves POST /{group}/{project}/-/issues/new: the issue is
// created as the API's CreateIssue creates it (a chosen template fills an
// empty description; metadata only from reporters and up; the
// Deliverable/Stretch guard) and the browser goes to it. Invalid input
// shows the form again with the input. The "Use template" button (name
// apply_template) only fills the description from the chosen template.
func (w *Web) createIssue(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.project(r, access.CreateIssue)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return cairn.Errorf(cairn.EINVALID, "The form could not be read.")
	}
	f := readNewIssueForm(r.PostForm)
	if r.PostForm.Has("apply_template") {
		if f.Template == "" {
			return w.renderNewIssue(rw, r, http.StatusOK, s, f, "")
		}
		content, err := w.templateContent(ctx, s.Group.ID, f.Template)
		if err != nil {
			return w.newIssueRefused(rw, r, s, f, err)
		}
		f.Description = content
		return w.renderNewIssue(rw, r, http.StatusOK, s, f, "")
	}
	c := cairn.IssueCreate{ProjectID: s.Project.ID, Title: f.Title, Description: f.Description,
		Confidential: f.Confidential}
	if f.Template != "" && strings.TrimSpace(c.Description) == "" {
		if c.Description, err = w.templateContent(ctx, s.Group.ID, f.Template); err != nil {
			return w.newIssueRefused(rw, r, s, f, err)
		}
	}
	if s.projectAllows(access.UpdateIssue) {
		c.Labels, c.MilestoneID, c.AssigneeIDs = splitNames([]string{f.Labels}), f.MilestoneID, f.AssigneeIDs
		if f.Weight != "" {
			n, err := strconv.Atoi(f.Weight)
			if err != nil {
				return w.newIssueRefused(rw, r, s, f, cairn.FieldError("weight", "must be a number"))
			}
			c.Weight = &n
		}
	}
	if err := c.Validate(); err != nil {
		if cairn.ErrorCode(err) == cairn.EINVALID && c.Title == "" {
			err = cairn.Errorf(cairn.EINVALID, "The issue needs a title.")
		}
		return w.newIssueRefused(rw, r, s, f, err)
	}
	if len(c.Labels) > 0 {
		if err := w.planner.CheckPlanningLabels(ctx, s.Group.ID, s.projectAllows(access.ManagePlanning), nil, c.Labels); err != nil {
			return w.newIssueRefused(rw, r, s, f, err)
		}
	}
	is, err := w.store.CreateIssue(ctx, c)
	if err != nil {
		return w.newIssueRefused(rw, r, s, f, err)
	}
	http.Redirect(rw, r, issueURL(s.Project, is), http.StatusSeeOther)
	return nil
}

// newIssueRefused shows the form again with the input and the refusal:
// 422 for invalid input, 403 for what the user may not do; other errors go
// to the error page.
func (w *Web) newIssueRefused(rw http.ResponseWriter, r *http.Request, s *projectScope, f newIssueForm, err error) error {
	status := http.StatusUnprocessableEntity
	switch cairn.ErrorCode(err) {
	case cairn.EINVALID:
	case cairn.EFORBIDDEN:
		status = http.StatusForbidden
	default:
		return err
	}
	return w.renderNewIssue(rw, r, status, s, f, sentence(cairn.ErrorMessage(err)))
}

// renderNewIssue renders the form with its choices.
func (w *Web) renderNewIssue(rw http.ResponseWriter, r *http.Request, status int, s *projectScope, f newIssueForm, msg string) error {
	ctx := r.Context()
	d := &newIssuePage{Group: s.Group, Project: s.Project, Action: "/" + s.Project.FullPath() + "/-/issues/new", Form: f,
		CanTriage: s.projectAllows(access.UpdateIssue)}
	var err error
	if d.Templates, err = w.store.ListTemplates(ctx, s.Group.ID); err != nil {
		return err
	}
	if d.CanTriage {
		if d.Labels, err = w.projectLabels(ctx, s.Project.ID); err != nil {
			return err
		}
		if d.Milestones, err = w.activeMilestones(ctx, s.Group.ID, s.Project); err != nil {
			return err
		}
		if d.Members, err = w.groupMembers(ctx, s.Group.ID); err != nil {
			return err
		}
		settings, err := w.settings(ctx, s.Group.ID)
		if err != nil {
			return err
		}
		d.Weights = settings.Weights
	}
	w.render(rw, r, status, "issue_new.html", &Page{Title: "New issue · " + s.Project.Name, Section: "issues", Group: s.Group,
		Error: msg, Data: d})
	return nil
}

// newGroupIssue serves GET /groups/{group}/-/issues/new: with ?project=path
// it goes to that project's form (the template kept); without, it asks for
// the project.
func (w *Web) newGroupIssue(rw http.ResponseWriter, r *http.Request) error {
	s, err := w.team(r, access.CreateIssue)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if name := strings.TrimSpace(q.Get("project")); name != "" {
		p, err := w.store.ProjectByPath(r.Context(), s.Group.Path+"/"+name)
		if err == nil {
			target := "/" + p.FullPath() + "/-/issues/new"
			if t := q.Get("template"); t != "" {
				target += "?template=" + url.QueryEscape(t)
			}
			http.Redirect(rw, r, target, http.StatusSeeOther)
			return nil
		}
		if cairn.ErrorCode(err) != cairn.ENOTFOUND {
			return err
		}
	}
	projects, err := w.groupProjects(r.Context(), s.Group)
	if err != nil {
		return err
	}
	d := &newIssuePage{Group: s.Group, Choose: true, Projects: projects, Form: newIssueForm{Template: q.Get("template")}}
	w.render(rw, r, http.StatusOK, "issue_new.html", &Page{Title: "New issue · " + s.Group.Name, Section: "issues", Group: s.Group, Data: d})
	return nil
}

package api

import (
	"context"
	"net/http"

	"github.com/cairnhq/cairn"
)

// The description templates of a group (Cairn's own resource): the
// built-ins of the planning process (planning/templates.go) and the
// group's own, which replace built-ins of the same name. Members and
// anyone who can see the group read them; reporters and up write them.

// templateJSON is a template. Built-ins have no id and no times.
type templateJSON struct {
	ID               *int64 `json:"id"`
	Name             string `json:"name"`
	Description      string `json:"description"`
	Content          string `json:"content"`
	BuiltIn          bool   `json:"built_in"`
	OverridesBuiltIn bool   `json:"overrides_built_in"`
	CreatedAt        Time   `json:"created_at"`
	UpdatedAt        Time   `json:"updated_at"`
}

func templateOf(t *cairn.Template) templateJSON {
	j := templateJSON{Name: t.Name, Description: t.Description, Content: t.Content, BuiltIn: t.BuiltIn,
		OverridesBuiltIn: t.OverridesBuiltIn, CreatedAt: Time(t.CreatedAt), UpdatedAt: Time(t.UpdatedAt)}
	if t.ID != 0 {
		id := t.ID
		j.ID = &id
	}
	return j
}

// templates returns the template service: *store.Store implements it.
func (a *API) templates() (cairn.TemplateService, error) {
	ts, ok := a.svc.(cairn.TemplateService)
	if !ok {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return ts, nil
}

// templateContent returns the content of the template name usable in a
// group, for `template=` on a new issue: 400 {"message":"template \"x\"
// does not exist"} when there is none.
func (a *API) templateContent(ctx context.Context, groupID int64, name string) (string, error) {
	ts, err := a.templates()
	if err != nil {
		return "", err
	}
	t, err := ts.TemplateByName(ctx, groupID, name)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return "", cairn.Errorf(cairn.EINVALID, "template %q does not exist", name)
	}
	if err != nil {
		return "", err
	}
	return t.Content, nil
}

// ListTemplates serves GET /groups/{id}/templates: the group's templates,
// built-ins it has not replaced included, by name, paginated.
func (a *API) ListTemplates(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	page := p.Page()
	if err := p.Err(); err != nil {
		return err
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	list, err := ts.ListTemplates(r.Context(), s.group.ID)
	if err != nil {
		return err
	}
	// The list is whole and short: paged here, with an exact total.
	total := cairn.Total{Count: len(list)}
	from := min(page.Offset(), len(list))
	list = list[from:min(from+page.PerPage, len(list))]
	out := make([]templateJSON, 0, len(list))
	for _, t := range list {
		out = append(out, templateOf(t))
	}
	a.writeList(w, r, page, total, out, len(out))
	return nil
}

// GetTemplate serves GET /groups/{id}/templates/{name}.
func (a *API) GetTemplate(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actRead)
	if err != nil {
		return err
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	t, err := ts.TemplateByName(r.Context(), s.group.ID, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templateOf(t))
	return nil
}

// CreateTemplate serves POST /groups/{id}/templates: name and content
// (required), description. A built-in's name replaces the built-in for
// the group; 409 if the group has a template of that name.
func (a *API) CreateTemplate(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actManageTemplates)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	in := cairn.TemplateCreate{GroupID: s.group.ID}
	in.Name, _ = p.String("name")
	in.Description, _ = p.String("description")
	in.Content, _ = p.String("content")
	if err := p.Err(); err != nil {
		return err
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	t, err := ts.CreateTemplate(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, templateOf(t))
	return nil
}

// UpdateTemplate serves PUT /groups/{id}/templates/{name}: name (renames),
// description, content. Changing a built-in creates the group's
// replacement of it.
func (a *API) UpdateTemplate(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actManageTemplates)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var u cairn.TemplateUpdate
	for name, dst := range map[string]**string{"name": &u.Name, "description": &u.Description, "content": &u.Content} {
		if v, ok := p.String(name); ok {
			*dst = &v
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	t, err := ts.UpdateTemplate(r.Context(), s.group.ID, r.PathValue("name"), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templateOf(t))
	return nil
}

// DeleteTemplate serves DELETE /groups/{id}/templates/{name}: 204. Deleting
// a replacement brings the built-in back; a built-in itself cannot be
// deleted (400).
func (a *API) DeleteTemplate(w http.ResponseWriter, r *http.Request) error {
	s, err := a.groupFor(r, actManageTemplates)
	if err != nil {
		return err
	}
	ts, err := a.templates()
	if err != nil {
		return err
	}
	if err := ts.DeleteTemplate(r.Context(), s.group.ID, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

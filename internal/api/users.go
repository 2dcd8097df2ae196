package api

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
)

// CurrentUser serves GET /user: the signed-in user.
func (a *API) CurrentUser(w http.ResponseWriter, r *http.Request) error {
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r).userFull(u))
	return nil
}

// ListUsers serves GET /users (username=, search=). Every signed-in user may
// list users, as in GitLab, to find assignees.
func (a *API) ListUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	f := cairn.UserFilter{Page: p.Page()}
	f.Username, _ = p.String("username")
	f.Search, _ = p.String("search")
	if err := p.Err(); err != nil {
		return err
	}
	users, total, err := a.svc.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	v := a.view(r)
	out := make([]userFullJSON, 0, len(users))
	for _, u := range users {
		out = append(out, v.userFull(u))
	}
	a.writeList(w, r, f.Page, total, out, len(out))
	return nil
}

// GetUser serves GET /users/{user_id}.
func (a *API) GetUser(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("user_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("User")
	}
	u, err := a.svc.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.view(r).userFull(u))
	return nil
}

// CreateUser serves POST /users (admins only): username, name, email,
// password, admin.
func (a *API) CreateUser(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r); err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	var c cairn.UserCreate
	c.Username, _ = p.String("username")
	c.Name, _ = p.String("name")
	c.Email, _ = p.String("email")
	c.Password, _ = p.String("password")
	c.IsAdmin, _ = p.Bool("admin")
	if err := p.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	u, err := a.svc.CreateUser(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a.view(r).userFull(u))
	return nil
}

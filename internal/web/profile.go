package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
)

// tokensPage is the personal access tokens page.
type tokensPage struct {
	Tokens []*cairn.Token
	// Created is the secret of the token just created, shown this once.
	Created string
	Name    string
	Scopes  []string
	Expires string
}

// tokens serves GET /-/profile/personal_access_tokens.
func (w *Web) tokens(rw http.ResponseWriter, r *http.Request) error {
	return w.renderTokens(rw, r, http.StatusOK, tokensPage{Scopes: []string{cairn.ScopeAPI}}, "", "")
}

func (w *Web) renderTokens(rw http.ResponseWriter, r *http.Request, status int, data tokensPage, flash, errMsg string) error {
	u := userFrom(r.Context())
	list, err := w.store.ListTokens(r.Context(), u.ID)
	if err != nil {
		return err
	}
	data.Tokens = list
	w.render(rw, r, status, "tokens.html", &Page{Title: "Access tokens", Section: "profile", Data: data, Flash: flash, Error: errMsg})
	return nil
}

// createToken serves POST /-/profile/personal_access_tokens: the new
// token's secret is shown once, on the page that answers.
func (w *Web) createToken(rw http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		return cairn.Errorf(cairn.EINVALID, "The form could not be read.")
	}
	in := cairn.TokenCreate{UserID: u.ID, Name: strings.TrimSpace(r.PostFormValue("name")),
		Scopes: r.PostForm["scopes"], ExpiresAt: r.PostFormValue("expires_at")}
	_, secret, err := w.store.CreateToken(r.Context(), in)
	if cairn.ErrorCode(err) == cairn.EINVALID {
		return w.renderTokens(rw, r, http.StatusUnprocessableEntity, tokensPage{Name: in.Name, Scopes: in.Scopes, Expires: in.ExpiresAt}, "", err.Error())
	}
	if err != nil {
		return err
	}
	return w.renderTokens(rw, r, http.StatusCreated, tokensPage{Created: secret, Scopes: []string{cairn.ScopeAPI}},
		"Token "+in.Name+" created. Copy it now: it will not be shown again.", "")
}

// revokeToken serves POST /-/profile/personal_access_tokens/{id}/revoke.
func (w *Web) revokeToken(rw http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Token")
	}
	if err := w.store.RevokeToken(r.Context(), u.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/-/profile/personal_access_tokens", http.StatusSeeOther)
	return nil
}

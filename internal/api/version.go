package api

import "net/http"

// GitLabVersion is the GitLab version Cairn reports: the API level it
// follows, marked as Cairn's so that nobody mistakes it for GitLab. glab and
// the Go client parse it to decide which features to use.
const GitLabVersion = "17.0.0-cairn"

type kasJSON struct {
	Enabled     bool    `json:"enabled"`
	ExternalURL *string `json:"externalUrl"`
	Version     *string `json:"version"`
}

type versionJSON struct {
	Version    string  `json:"version"`
	Revision   string  `json:"revision"`
	KAS        kasJSON `json:"kas"`
	Enterprise bool    `json:"enterprise"`
	// Cairn is Cairn's own version, an extension.
	Cairn string `json:"cairn_version,omitempty"`
}

// Version serves GET /version.
func (a *API) Version(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, versionJSON{
		Version:  GitLabVersion,
		Revision: a.revision,
		Cairn:    a.version,
	})
	return nil
}

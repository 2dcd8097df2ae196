package api

import (
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// kickoffJSON is GET …/kickoff?format=json.
type kickoffJSON struct {
	Milestone         *milestoneJSON `json:"milestone"`
	PreviousMilestone *milestoneJSON `json:"previous_milestone"`
	Markdown          string         `json:"markdown"`
}

// GetKickoff serves GET /groups/{id}/milestones/{milestone_id}/kickoff: the
// agenda of the combined retrospective and kickoff meeting (seed 002) that
// kicks off the milestone — the retrospective of the milestone before it
// and this one's plan — in markdown (text/markdown), or with
// ?format=json as {"milestone", "previous_milestone", "markdown"}. Any
// member may read it; titles of confidential issues the caller may not see
// read "Confidential issue". 404 for non-members and for a milestone that
// is not the group's; 400 for a milestone without dates or a bad format.
func (a *API) GetKickoff(w http.ResponseWriter, r *http.Request) error {
	s, m, err := a.planningGroupMilestone(r, actReadPlanning)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "md", "markdown", "json":
	default:
		return &cairn.Error{Code: cairn.EINVALID, Param: "format", Message: "format does not have a valid value"}
	}
	kv, err := a.planner.Kickoff(r.Context(), s.group.ID, m.ID)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.groups[s.group.ID] = s.group
	md := planning.RenderKickoff(kv.Doc(planner.KickoffOptions{
		BaseURL: v.base, GroupPath: s.group.Path, Sees: v.confidentialFilter(s),
	}))
	if format != "json" {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(md)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(md))
		return nil
	}
	j := kickoffJSON{Markdown: md}
	if j.Milestone, err = v.milestone(kv.Milestone); err != nil {
		return err
	}
	if kv.Previous != nil {
		if j.PreviousMilestone, err = v.milestone(kv.Previous); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
)

// linkedIssueJSON is an issue as seen through a link from another one.
type linkedIssueJSON struct {
	*issueJSON
	IssueLinkID   int64  `json:"issue_link_id"`
	LinkType      string `json:"link_type"`
	LinkCreatedAt Time   `json:"link_created_at"`
	LinkUpdatedAt Time   `json:"link_updated_at"`
}

// issueLinkJSON is a link between two issues, as POST and DELETE answer.
type issueLinkJSON struct {
	ID          int64      `json:"id,omitempty"`
	SourceIssue *issueJSON `json:"source_issue"`
	TargetIssue *issueJSON `json:"target_issue"`
	LinkType    string     `json:"link_type"`
}

// visibleIssue reports whether the caller may see issue i of another
// project (or the same one).
func (a *API) visibleIssue(ctx context.Context, v *view, levels *projectLevels, i *cairn.Issue) (bool, error) {
	p, err := v.projectByID(i.ProjectID)
	if err != nil {
		return false, err
	}
	level, err := levels.level(ctx, p.GroupID)
	if err != nil {
		return false, err
	}
	vis := p.Visibility
	if vis == "" && p.Group != nil {
		vis = p.Group.Visibility
	}
	s := &projectScope{project: p, user: levels.user, level: level}
	return can(levels.user, level, vis, actRead) && s.seesConfidential(i), nil
}

// ListIssueLinks serves GET /projects/{id}/issues/{issue_iid}/links: the
// linked issues the caller may see, each with issue_link_id, link_type and
// the link's times.
func (a *API) ListIssueLinks(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, i, err := a.issueFor(r, actRead)
	if err != nil {
		return err
	}
	links, err := a.svc.ListLinks(ctx, i.ID)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.remember(s.project)
	levels := &projectLevels{a: a, user: s.user, levels: map[int64]int{s.project.GroupID: s.level}}
	out := make([]linkedIssueJSON, 0, len(links))
	for _, l := range links {
		ok, err := a.visibleIssue(ctx, v, levels, l.Target)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		j, err := v.issue(l.Target, false)
		if err != nil {
			return err
		}
		out = append(out, linkedIssueJSON{
			issueJSON: j, IssueLinkID: l.ID, LinkType: l.LinkType,
			LinkCreatedAt: Time(l.CreatedAt), LinkUpdatedAt: Time(l.CreatedAt),
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// CreateIssueLink serves POST /projects/{id}/issues/{issue_iid}/links:
// target_project_id (id or path; absent or null is the same project),
// target_issue_iid, link_type relates_to|blocks|is_blocked_by.
func (a *API) CreateIssueLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, src, err := a.issueFor(r, actUpdateIssue)
	if err != nil {
		return err
	}
	p, err := ParseParams(r)
	if err != nil {
		return err
	}
	targetProject, _ := p.String("target_project_id")
	targetIID, ok := p.Int64("target_issue_iid")
	linkType, _ := p.String("link_type")
	if err := p.Err(); err != nil {
		return err
	}
	if !ok {
		return cairn.Missing("target_issue_iid")
	}
	if linkType == "" {
		linkType = cairn.LinkRelatesTo
	}
	if linkType != cairn.LinkRelatesTo && linkType != cairn.LinkBlocks && linkType != cairn.LinkIsBlockedBy {
		return invalidValue("link_type")
	}
	ts := s
	if targetProject != "" && targetProject != strconv.FormatInt(s.project.ID, 10) {
		if ts, err = a.projectScope(r, targetProject, actRead); err != nil {
			return err
		}
	}
	target, err := a.svc.IssueByIID(ctx, ts.project.ID, targetIID)
	if err != nil {
		return err
	}
	if !ts.seesConfidential(target) {
		return cairn.NotFound("Issue")
	}
	link, err := a.svc.CreateLink(ctx, src.ID, target.ID, linkType)
	if err != nil {
		return err
	}
	v := a.view(r)
	v.remember(s.project)
	v.remember(ts.project)
	out := issueLinkJSON{ID: link.ID, LinkType: link.LinkType}
	if out.SourceIssue, err = v.issue(src, false); err != nil {
		return err
	}
	if out.TargetIssue, err = v.issue(target, false); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// DeleteIssueLink serves DELETE /projects/{id}/issues/{issue_iid}/links/{issue_link_id}. It
// answers 200 with the deleted link, as GitLab does (the Go client decodes
// that body).
func (a *API) DeleteIssueLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, i, err := a.issueFor(r, actUpdateIssue)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("issue_link_id"), 10, 64)
	if err != nil {
		return cairn.NotFound("Issue link")
	}
	links, err := a.svc.ListLinks(ctx, i.ID)
	if err != nil {
		return err
	}
	var link *cairn.IssueLink
	for _, l := range links {
		if l.ID == id {
			link = l
		}
	}
	if link == nil {
		return cairn.NotFound("Issue link")
	}
	if err := a.svc.DeleteLink(ctx, i.ID, id); err != nil {
		return err
	}
	v := a.view(r)
	v.remember(s.project)
	out := issueLinkJSON{ID: link.ID, LinkType: link.LinkType}
	if out.SourceIssue, err = v.issue(i, false); err != nil {
		return err
	}
	if out.TargetIssue, err = v.issue(link.Target, false); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Package webhook builds the JSON payloads of Cairn's outgoing webhooks
// from domain values: GitLab's "Issue Hook" and "Note Hook" shapes, so that
// receivers written for GitLab work unchanged, and Cairn's own "Status
// Update Hook" and "Planning Hook". It does no I/O: internal/store builds a
// payload in the transaction of the change and puts it in the outbox;
// internal/notify sends it.
package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
)

// The events a webhook can subscribe to.
const (
	EventIssue        = "issue"
	EventNote         = "note"
	EventStatusUpdate = "status_update"
	EventPlanning     = "planning"
)

// Header returns the X-Gitlab-Event header of an event: GitLab's "Issue
// Hook", "Confidential Issue Hook", "Note Hook" and "Confidential Note
// Hook", and Cairn's "Status Update Hook" and "Planning Hook".
func Header(event string, confidential bool) string {
	var h string
	switch event {
	case EventIssue:
		h = "Issue Hook"
	case EventNote:
		h = "Note Hook"
	case EventStatusUpdate:
		return "Status Update Hook"
	case EventPlanning:
		return "Planning Hook"
	default:
		return ""
	}
	if confidential {
		h = "Confidential " + h
	}
	return h
}

// timeLayout is the timestamp format of the payloads, as GitLab's hook
// data: UTC, in seconds.
const timeLayout = "2006-01-02T15:04:05Z"

func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

func tsPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// links builds web URLs under the external base URL.
type links struct{ base string }

func newLinks(base string) links { return links{base: strings.TrimRight(base, "/")} }

func (l links) project(p *cairn.Project) string { return l.base + "/" + p.FullPath() }

func (l links) issue(p *cairn.Project, iid int64) string {
	return l.project(p) + "/-/issues/" + strconv.FormatInt(iid, 10)
}

func (l links) note(p *cairn.Project, iid, noteID int64) string {
	return l.issue(p, iid) + "#note_" + strconv.FormatInt(noteID, 10)
}

func (l links) group(g *cairn.Group) string { return l.base + "/groups/" + g.Path }

// userJSON is GitLab's hook user. The e-mail address is redacted, as
// GitLab does, so that a receiver learns no addresses.
type userJSON struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Username  string  `json:"username"`
	AvatarURL *string `json:"avatar_url"`
	Email     string  `json:"email"`
}

func user(u *cairn.User) *userJSON {
	if u == nil {
		return nil
	}
	return &userJSON{ID: u.ID, Name: u.Name, Username: u.Username, Email: "[REDACTED]"}
}

func users(us []*cairn.User) []userJSON {
	out := make([]userJSON, 0, len(us))
	for _, u := range us {
		if u != nil {
			out = append(out, *user(u))
		}
	}
	return out
}

// projectJSON is GitLab's hook project, without the repository fields a
// planning tool has no use for.
type projectJSON struct {
	ID                int64   `json:"id"`
	Name              string  `json:"name"`
	Description       string  `json:"description"`
	WebURL            string  `json:"web_url"`
	AvatarURL         *string `json:"avatar_url"`
	Namespace         string  `json:"namespace"`
	VisibilityLevel   int     `json:"visibility_level"`
	PathWithNamespace string  `json:"path_with_namespace"`
	DefaultBranch     *string `json:"default_branch"`
	Homepage          string  `json:"homepage"`
}

// repositoryJSON is GitLab's hook repository; Cairn's is the project.
type repositoryJSON struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Description string `json:"description"`
	Homepage    string `json:"homepage"`
}

func visibilityLevel(v string) int {
	switch v {
	case cairn.VisibilityPublic:
		return 20
	case cairn.VisibilityInternal:
		return 10
	}
	return 0
}

func (l links) projectJSON(p *cairn.Project) projectJSON {
	j := projectJSON{ID: p.ID, Name: p.Name, Description: p.Description, WebURL: l.project(p),
		PathWithNamespace: p.FullPath(), Homepage: l.project(p)}
	vis := p.Visibility
	if p.Group != nil {
		j.Namespace = p.Group.Name
		if vis == "" {
			vis = p.Group.Visibility
		}
	}
	j.VisibilityLevel = visibilityLevel(vis)
	return j
}

func (l links) repository(p *cairn.Project) repositoryJSON {
	return repositoryJSON{Name: p.Name, URL: l.project(p), Description: p.Description, Homepage: l.project(p)}
}

// labelJSON is GitLab's hook label.
type labelJSON struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Color       string `json:"color"`
	ProjectID   *int64 `json:"project_id"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
	Template    bool   `json:"template"`
	Description string `json:"description"`
	Type        string `json:"type"`
	GroupID     *int64 `json:"group_id"`
}

func labels(ls []*cairn.Label) []labelJSON {
	out := make([]labelJSON, 0, len(ls))
	for _, l := range ls {
		typ := "ProjectLabel"
		if l.GroupID != nil {
			typ = "GroupLabel"
		}
		out = append(out, labelJSON{ID: l.ID, Title: l.Name, Color: l.Color, ProjectID: l.ProjectID,
			CreatedAt: ts(l.CreatedAt), UpdatedAt: ts(l.UpdatedAt), Description: l.Description, Type: typ, GroupID: l.GroupID})
	}
	return out
}

// issueJSON is GitLab's hook issue: the object_attributes of an Issue Hook
// and the issue of a Note Hook.
type issueJSON struct {
	ID                  int64       `json:"id"`
	IID                 int64       `json:"iid"`
	ProjectID           int64       `json:"project_id"`
	Title               string      `json:"title"`
	Description         string      `json:"description"`
	AuthorID            int64       `json:"author_id"`
	AssigneeIDs         []int64     `json:"assignee_ids"`
	AssigneeID          *int64      `json:"assignee_id"`
	CreatedAt           string      `json:"created_at"`
	UpdatedAt           string      `json:"updated_at"`
	ClosedAt            *string     `json:"closed_at"`
	MilestoneID         *int64      `json:"milestone_id"`
	StateID             int         `json:"state_id"`
	State               string      `json:"state"`
	Confidential        bool        `json:"confidential"`
	DiscussionLocked    bool        `json:"discussion_locked"`
	DueDate             *string     `json:"due_date"`
	RelativePosition    *int64      `json:"relative_position"`
	TimeEstimate        int         `json:"time_estimate"`
	TotalTimeSpent      int         `json:"total_time_spent"`
	HumanTimeEstimate   *string     `json:"human_time_estimate"`
	HumanTotalTimeSpent *string     `json:"human_total_time_spent"`
	Weight              *int        `json:"weight"`
	HealthStatus        *string     `json:"health_status"`
	Type                string      `json:"type"`
	Severity            string      `json:"severity"`
	URL                 string      `json:"url"`
	Labels              []labelJSON `json:"labels"`
	// Action is the Issue Hook's: open, update, close or reopen.
	Action string `json:"action,omitempty"`
}

// stateID is GitLab's number of an issue state.
func stateID(state string) int {
	if state == cairn.StateClosed {
		return 2
	}
	return 1
}

func humanDuration(secs int) *string {
	if secs == 0 {
		return nil
	}
	s := cairn.FormatDuration(secs)
	return &s
}

// issueType is GitLab's object_attributes.type: "Issue", "Task", "Incident".
func issueType(t string) string {
	if t == "" {
		t = "issue"
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

func (l links) issueJSON(p *cairn.Project, i *cairn.Issue) issueJSON {
	j := issueJSON{
		ID: i.ID, IID: i.IID, ProjectID: i.ProjectID, Title: i.Title, Description: i.Description,
		AssigneeIDs: assigneeIDs(i), CreatedAt: ts(i.CreatedAt), UpdatedAt: ts(i.UpdatedAt), ClosedAt: tsPtr(i.ClosedAt),
		StateID: stateID(i.State), State: i.State, Confidential: i.Confidential, DiscussionLocked: i.DiscussionLocked,
		DueDate: strPtr(i.DueDate), RelativePosition: i.RelativePosition, TimeEstimate: i.TimeEstimate,
		TotalTimeSpent: i.TotalTimeSpent, HumanTimeEstimate: humanDuration(i.TimeEstimate),
		HumanTotalTimeSpent: humanDuration(i.TotalTimeSpent), Weight: i.Weight, HealthStatus: strPtr(i.HealthStatus),
		Type: issueType(i.IssueType), Severity: "unknown", URL: l.issue(p, i.IID), Labels: labels(i.Labels),
	}
	if i.Author != nil {
		j.AuthorID = i.Author.ID
	}
	if len(j.AssigneeIDs) > 0 {
		j.AssigneeID = &j.AssigneeIDs[0]
	}
	if i.Milestone != nil {
		j.MilestoneID = &i.Milestone.ID
	}
	return j
}

func assigneeIDs(i *cairn.Issue) []int64 {
	out := make([]int64, 0, len(i.Assignees))
	for _, u := range i.Assignees {
		out = append(out, u.ID)
	}
	return out
}

// change is one entry of an Issue Hook's changes.
type change struct {
	Previous any `json:"previous"`
	Current  any `json:"current"`
}

// IssueEvent is an issue opened or changed.
type IssueEvent struct {
	// User is who made the change; nil for Cairn itself.
	User    *cairn.User
	Project *cairn.Project // with its Group
	// Issue is the issue as the change left it, Previous as it was before
	// (nil when the issue was opened).
	Issue    *cairn.Issue
	Previous *cairn.Issue
}

// Confidential reports whether the event is about a confidential issue: one
// that is confidential now or was before the change, since the payload
// shows both.
func (e IssueEvent) Confidential() bool {
	return e.Issue.Confidential || e.Previous != nil && e.Previous.Confidential
}

// Action returns the Issue Hook's action: open, close, reopen or update.
func (e IssueEvent) Action() string {
	switch {
	case e.Previous == nil:
		return "open"
	case e.Previous.State != cairn.StateClosed && e.Issue.State == cairn.StateClosed:
		return "close"
	case e.Previous.State == cairn.StateClosed && e.Issue.State != cairn.StateClosed:
		return "reopen"
	}
	return "update"
}

// issuePayload is GitLab's Issue Hook.
type issuePayload struct {
	ObjectKind       string            `json:"object_kind"`
	EventType        string            `json:"event_type"`
	User             *userJSON         `json:"user"`
	Project          projectJSON       `json:"project"`
	ObjectAttributes issueJSON         `json:"object_attributes"`
	Repository       repositoryJSON    `json:"repository"`
	Assignees        []userJSON        `json:"assignees"`
	Labels           []labelJSON       `json:"labels"`
	Changes          map[string]change `json:"changes"`
}

// IssuePayload returns the Issue Hook of e, its links under base (the
// external URL, "https://cairn.example.com").
func IssuePayload(base string, e IssueEvent) ([]byte, error) {
	l := newLinks(base)
	p := issuePayload{
		ObjectKind: "issue", EventType: "issue", User: user(e.User), Project: l.projectJSON(e.Project),
		ObjectAttributes: l.issueJSON(e.Project, e.Issue), Repository: l.repository(e.Project),
		Assignees: users(e.Issue.Assignees), Labels: labels(e.Issue.Labels), Changes: issueChanges(e),
	}
	if e.Confidential() {
		p.EventType = "confidential_issue"
	}
	p.ObjectAttributes.Action = e.Action()
	return marshal(p)
}

// issueChanges returns the fields e changed, each with its previous and
// current value; for an opened issue, the fields it was opened with.
func issueChanges(e IssueEvent) map[string]change {
	out := map[string]change{}
	cur, prev := e.Issue, e.Previous
	opened := prev == nil
	if opened {
		prev = &cairn.Issue{}
	}
	add := func(field string, changed bool, before, after any) {
		if !changed {
			return
		}
		if opened {
			before = nil
		}
		out[field] = change{Previous: before, Current: after}
	}
	add("title", prev.Title != cur.Title, prev.Title, cur.Title)
	add("description", prev.Description != cur.Description, prev.Description, cur.Description)
	add("labels", !slices.Equal(labelIDs(prev.Labels), labelIDs(cur.Labels)), labels(prev.Labels), labels(cur.Labels))
	add("milestone_id", milestoneID(prev) != milestoneID(cur), nilIfZero(milestoneID(prev)), nilIfZero(milestoneID(cur)))
	add("weight", !equalPtr(prev.Weight, cur.Weight), prev.Weight, cur.Weight)
	add("assignees", !slices.Equal(assigneeIDs(prev), assigneeIDs(cur)), users(prev.Assignees), users(cur.Assignees))
	add("due_date", prev.DueDate != cur.DueDate, strPtr(prev.DueDate), strPtr(cur.DueDate))
	add("health_status", prev.HealthStatus != cur.HealthStatus, strPtr(prev.HealthStatus), strPtr(cur.HealthStatus))
	add("confidential", prev.Confidential != cur.Confidential, prev.Confidential, cur.Confidential)
	if !opened && prev.State != cur.State {
		add("state_id", true, stateID(prev.State), stateID(cur.State))
		add("state", true, prev.State, cur.State)
		add("closed_at", true, tsPtr(prev.ClosedAt), tsPtr(cur.ClosedAt))
	}
	if !opened && len(out) > 0 && !prev.UpdatedAt.Equal(cur.UpdatedAt) {
		add("updated_at", true, ts(prev.UpdatedAt), ts(cur.UpdatedAt))
	}
	if len(out) > 0 && e.User != nil {
		add("updated_by_id", true, nil, e.User.ID)
	}
	return out
}

func labelIDs(ls []*cairn.Label) []int64 {
	out := make([]int64, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.ID)
	}
	slices.Sort(out)
	return out
}

func milestoneID(i *cairn.Issue) int64 {
	if i.Milestone == nil {
		return 0
	}
	return i.Milestone.ID
}

func nilIfZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// NoteEvent is a note posted on an issue.
type NoteEvent struct {
	User    *cairn.User
	Project *cairn.Project
	Issue   *cairn.Issue
	Note    *cairn.Note
}

// noteJSON is GitLab's Note Hook object_attributes for a note on an issue.
type noteJSON struct {
	ID           int64   `json:"id"`
	Note         string  `json:"note"`
	NoteableType string  `json:"noteable_type"`
	AuthorID     int64   `json:"author_id"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	ProjectID    int64   `json:"project_id"`
	Attachment   *string `json:"attachment"`
	LineCode     *string `json:"line_code"`
	CommitID     string  `json:"commit_id"`
	NoteableID   int64   `json:"noteable_id"`
	System       bool    `json:"system"`
	StDiff       any     `json:"st_diff"`
	Type         *string `json:"type"`
	URL          string  `json:"url"`
	Action       string  `json:"action"`
}

// notePayload is GitLab's Note Hook on an issue.
type notePayload struct {
	ObjectKind       string         `json:"object_kind"`
	EventType        string         `json:"event_type"`
	User             *userJSON      `json:"user"`
	ProjectID        int64          `json:"project_id"`
	Project          projectJSON    `json:"project"`
	ObjectAttributes noteJSON       `json:"object_attributes"`
	Repository       repositoryJSON `json:"repository"`
	Issue            issueJSON      `json:"issue"`
}

// NotePayload returns the Note Hook of e, its links under base.
func NotePayload(base string, e NoteEvent) ([]byte, error) {
	l := newLinks(base)
	n := e.Note
	p := notePayload{
		ObjectKind: "note", EventType: "note", User: user(e.User), ProjectID: e.Project.ID, Project: l.projectJSON(e.Project),
		ObjectAttributes: noteJSON{
			ID: n.ID, Note: n.Body, NoteableType: "Issue", CreatedAt: ts(n.CreatedAt), UpdatedAt: ts(n.UpdatedAt),
			ProjectID: e.Project.ID, NoteableID: e.Issue.ID, System: n.System, URL: l.note(e.Project, e.Issue.IID, n.ID),
			Action: "create",
		},
		Repository: l.repository(e.Project), Issue: l.issueJSON(e.Project, e.Issue),
	}
	if n.Author != nil {
		p.ObjectAttributes.AuthorID = n.Author.ID
	}
	if e.Issue.Confidential {
		p.EventType = "confidential_note"
	}
	return marshal(p)
}

// StatusUpdateEvent is a weekly status update posted on an issue.
type StatusUpdateEvent struct {
	User    *cairn.User
	Project *cairn.Project
	Issue   *cairn.Issue // with the health status the update set
	Update  *cairn.StatusUpdate
}

// statusUpdateJSON is the Status Update Hook's object_attributes.
type statusUpdateJSON struct {
	ID           int64   `json:"id"`
	Week         string  `json:"week"`
	Progress     string  `json:"progress"`
	NextSteps    string  `json:"next_steps"`
	Blockers     string  `json:"blockers"`
	Confidence   string  `json:"confidence"`
	HealthStatus string  `json:"health_status"`
	AuthorID     *int64  `json:"author_id"`
	NoteID       *int64  `json:"note_id"`
	CreatedAt    string  `json:"created_at"`
	URL          *string `json:"url"`
	Action       string  `json:"action"`
}

// statusUpdatePayload is Cairn's Status Update Hook.
type statusUpdatePayload struct {
	ObjectKind       string           `json:"object_kind"`
	EventType        string           `json:"event_type"`
	User             *userJSON        `json:"user"`
	Project          projectJSON      `json:"project"`
	ObjectAttributes statusUpdateJSON `json:"object_attributes"`
	Issue            issueJSON        `json:"issue"`
}

// StatusUpdatePayload returns the Status Update Hook of e, its links under
// base.
func StatusUpdatePayload(base string, e StatusUpdateEvent) ([]byte, error) {
	l := newLinks(base)
	u := e.Update
	p := statusUpdatePayload{
		ObjectKind: "status_update", EventType: "status_update", User: user(e.User), Project: l.projectJSON(e.Project),
		ObjectAttributes: statusUpdateJSON{
			ID: u.ID, Week: u.Week, Progress: u.Progress, NextSteps: u.NextSteps, Blockers: u.Blockers,
			Confidence: u.Confidence, HealthStatus: cairn.HealthForConfidence(u.Confidence), NoteID: nilIfZero(u.NoteID),
			CreatedAt: ts(u.CreatedAt), Action: "create",
		},
		Issue: l.issueJSON(e.Project, e.Issue),
	}
	if u.Author != nil {
		p.ObjectAttributes.AuthorID = &u.Author.ID
	}
	if u.NoteID != 0 {
		url := l.note(e.Project, e.Issue.IID, u.NoteID)
		p.ObjectAttributes.URL = &url
	}
	if e.Issue.Confidential {
		p.EventType = "confidential_status_update"
	}
	return marshal(p)
}

// PlannedIssue is one commitment of a finalised plan.
type PlannedIssue struct {
	Issue   *cairn.Issue
	Project *cairn.Project
	// Weight is the weight the issue was committed with.
	Weight    *int
	Carryover bool
}

// PlanningEvent is a milestone's plan finalised.
type PlanningEvent struct {
	User         *cairn.User // nil for Cairn's scheduler
	Group        *cairn.Group
	Milestone    *cairn.Milestone
	FinalizedAt  time.Time
	TeamCapacity float64
	Deliverables []PlannedIssue
	Stretch      []PlannedIssue
}

type groupJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	FullPath string `json:"full_path"`
	WebURL   string `json:"web_url"`
}

type milestoneJSON struct {
	ID          int64   `json:"id"`
	IID         int64   `json:"iid"`
	GroupID     *int64  `json:"group_id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	State       string  `json:"state"`
	StartDate   *string `json:"start_date"`
	DueDate     *string `json:"due_date"`
	WebURL      string  `json:"web_url"`
}

// plannedJSON is a commitment. A confidential issue's title and assignees
// are left out: every hook with planning events gets the same payload,
// also those not subscribed to confidential issues.
type plannedJSON struct {
	ID           int64      `json:"id"`
	IID          int64      `json:"iid"`
	ProjectID    int64      `json:"project_id"`
	Title        *string    `json:"title"`
	State        string     `json:"state"`
	Confidential bool       `json:"confidential"`
	Weight       *int       `json:"weight"`
	Carryover    bool       `json:"carryover"`
	Assignees    []userJSON `json:"assignees"`
	URL          string     `json:"url"`
}

type planningAttrsJSON struct {
	Action            string  `json:"action"`
	MilestoneID       int64   `json:"milestone_id"`
	FinalizedAt       string  `json:"finalized_at"`
	TeamCapacity      float64 `json:"team_capacity"`
	DeliverableWeight int     `json:"deliverable_weight"`
	StretchWeight     int     `json:"stretch_weight"`
}

// planningPayload is Cairn's Planning Hook.
type planningPayload struct {
	ObjectKind       string            `json:"object_kind"`
	EventType        string            `json:"event_type"`
	User             *userJSON         `json:"user"`
	Group            groupJSON         `json:"group"`
	ObjectAttributes planningAttrsJSON `json:"object_attributes"`
	Milestone        milestoneJSON     `json:"milestone"`
	Deliverables     []plannedJSON     `json:"deliverables"`
	Stretch          []plannedJSON     `json:"stretch"`
}

// PlanningPayload returns the Planning Hook of e (action "finalized"), its
// links under base.
func PlanningPayload(base string, e PlanningEvent) ([]byte, error) {
	l := newLinks(base)
	m := e.Milestone
	p := planningPayload{
		ObjectKind: "planning", EventType: "planning", User: user(e.User),
		Group: groupJSON{ID: e.Group.ID, Name: e.Group.Name, Path: e.Group.Path, FullPath: e.Group.Path, WebURL: l.group(e.Group)},
		ObjectAttributes: planningAttrsJSON{Action: "finalized", MilestoneID: m.ID, FinalizedAt: ts(e.FinalizedAt),
			TeamCapacity: e.TeamCapacity},
		Milestone: milestoneJSON{ID: m.ID, IID: m.IID, GroupID: m.GroupID, Title: m.Title, Description: m.Description,
			State: m.State, StartDate: strPtr(m.StartDate), DueDate: strPtr(m.DueDate),
			WebURL: l.group(e.Group) + "/-/milestones/" + strconv.FormatInt(m.IID, 10)},
	}
	var err error
	if p.Deliverables, p.ObjectAttributes.DeliverableWeight, err = l.planned(e.Deliverables); err != nil {
		return nil, err
	}
	if p.Stretch, p.ObjectAttributes.StretchWeight, err = l.planned(e.Stretch); err != nil {
		return nil, err
	}
	return marshal(p)
}

func (l links) planned(list []PlannedIssue) ([]plannedJSON, int, error) {
	out := make([]plannedJSON, 0, len(list))
	sum := 0
	for _, pi := range list {
		if pi.Issue == nil || pi.Project == nil {
			return nil, 0, fmt.Errorf("planning payload: commitment without its issue or project")
		}
		i := pi.Issue
		j := plannedJSON{ID: i.ID, IID: i.IID, ProjectID: i.ProjectID, State: i.State, Confidential: i.Confidential,
			Weight: pi.Weight, Carryover: pi.Carryover, Assignees: []userJSON{}, URL: l.issue(pi.Project, i.IID)}
		if !i.Confidential {
			j.Title = &i.Title
			j.Assignees = users(i.Assignees)
		}
		if pi.Weight != nil {
			sum += *pi.Weight
		}
		out = append(out, j)
	}
	return out, sum, nil
}

// marshal encodes v without escaping HTML characters, as GitLab does not.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode webhook payload: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

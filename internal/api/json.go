package api

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
)

// WriteJSON writes v as a JSON response with status, as every API answer
// is written.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

// writeJSON writes v as the response body with status. HTML characters are
// not escaped, as GitLab does not escape them.
func writeJSON(w http.ResponseWriter, status int, v any) {
	// The encoder marshals v whole into its own pooled buffer and only
	// then writes it, in one Write (TestWriteJSONLength holds it to that):
	// the headers wait for that Write, so a value that cannot be encoded
	// still gets a 500, and the answer (4 MB for a large plan) is not
	// copied into a buffer of ours first.
	out := &jsonResponse{w: w, status: status}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil && !out.wrote {
		// Only a bug in a JSON shape gets here; answer something parseable.
		out.status = http.StatusInternalServerError
		_, _ = out.Write([]byte(`{"message":"500 Internal Server Error"}` + "\n"))
	}
}

// jsonResponse sends the headers of a JSON answer, with the length of the
// body, when the body is written.
type jsonResponse struct {
	w      http.ResponseWriter
	status int
	wrote  bool
}

func (r *jsonResponse) Write(p []byte) (int, error) {
	if !r.wrote {
		r.wrote = true
		h := r.w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(p)))
		r.w.WriteHeader(r.status)
	}
	return r.w.Write(p)
}

// timeLayout is GitLab's timestamp format: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Time is a timestamp as GitLab writes it ("2016-01-04T15:31:51.081Z"); the
// zero time is null.
type Time time.Time

// MarshalJSON writes the UTC timestamp with milliseconds, or null.
func (t Time) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format(timeLayout) + `"`), nil
}

// timePtr converts a nullable time.
func timePtr(t *time.Time) Time {
	if t == nil {
		return Time{}
	}
	return Time(*t)
}

// Date is a calendar date ("2016-07-22"); "" is null, never "" (the Go
// client fails to parse an empty date).
type Date string

// MarshalJSON writes the date or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(d))
}

// userJSON is GitLab's basic user (author, assignee, member, event user).
type userJSON struct {
	ID        int64   `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Locked    bool    `json:"locked"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

// userFullJSON is GET /user and GET /users/:id. Email and is_admin are
// shown to the user themself and to admins only.
type userFullJSON struct {
	userJSON
	CreatedAt        Time    `json:"created_at"`
	Bio              string  `json:"bio"`
	PublicEmail      *string `json:"public_email"`
	Email            string  `json:"email,omitempty"`
	IsAdmin          *bool   `json:"is_admin,omitempty"`
	CanCreateGroup   bool    `json:"can_create_group"`
	CanCreateProject bool    `json:"can_create_project"`
	TwoFactorEnabled bool    `json:"two_factor_enabled"`
	External         bool    `json:"external"`
	PrivateProfile   bool    `json:"private_profile"`
	Bot              bool    `json:"bot"`
}

// view renders domain values as GitLab JSON for one request. It caches the
// projects, groups and labels that the shapes refer to, so a list of issues
// loads each project once.
type view struct {
	a        *API
	ctx      context.Context
	base     string
	viewer   *cairn.User
	projects map[int64]*cairn.Project
	groups   map[int64]*cairn.Group
	labels   map[int64]*cairn.Label
}

func (a *API) view(r *http.Request) *view {
	return &view{
		a:        a,
		ctx:      r.Context(),
		base:     a.BaseURL(r),
		viewer:   cairn.UserFromContext(r.Context()),
		projects: map[int64]*cairn.Project{},
		groups:   map[int64]*cairn.Group{},
		labels:   map[int64]*cairn.Label{},
	}
}

func (v *view) projectByID(id int64) (*cairn.Project, error) {
	if p, ok := v.projects[id]; ok {
		return p, nil
	}
	p, err := v.a.svc.ProjectByID(v.ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load project %d: %w", id, err)
	}
	v.remember(p)
	return p, nil
}

// remember caches a project (and its group) the handler has loaded already.
func (v *view) remember(p *cairn.Project) {
	v.projects[p.ID] = p
	if p.Group != nil {
		v.groups[p.Group.ID] = p.Group
	}
}

func (v *view) groupByID(id int64) (*cairn.Group, error) {
	if g, ok := v.groups[id]; ok {
		return g, nil
	}
	g, err := v.a.svc.GroupByID(v.ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load group %d: %w", id, err)
	}
	v.groups[id] = g
	return g, nil
}

// label returns a label by id, or nil once it is deleted.
func (v *view) label(id int64) (*cairn.Label, error) {
	if l, ok := v.labels[id]; ok {
		return l, nil
	}
	l, err := v.a.svc.LabelByID(v.ctx, id)
	switch {
	case cairn.ErrorCode(err) == cairn.ENOTFOUND:
		l = nil
	case err != nil:
		return nil, fmt.Errorf("load label %d: %w", id, err)
	}
	v.labels[id] = l
	return l, nil
}

func (v *view) user(u *cairn.User) *userJSON {
	if u == nil {
		return nil
	}
	return &userJSON{
		ID:       u.ID,
		Username: u.Username,
		Name:     u.Name,
		State:    orDefault(u.State, "active"),
		Locked:   u.State == "blocked",
		WebURL:   v.base + "/" + url.PathEscape(u.Username),
	}
}

func (v *view) userFull(u *cairn.User) userFullJSON {
	j := userFullJSON{
		userJSON:         *v.user(u),
		CreatedAt:        Time(u.CreatedAt),
		CanCreateGroup:   true,
		CanCreateProject: true,
	}
	if v.viewer != nil && (v.viewer.ID == u.ID || v.viewer.IsAdmin) {
		j.Email = u.Email
		admin := u.IsAdmin
		j.IsAdmin = &admin
	}
	return j
}

func (v *view) users(us []*cairn.User) []*userJSON {
	out := make([]*userJSON, 0, len(us))
	for _, u := range us {
		out = append(out, v.user(u))
	}
	return out
}

// groupJSON is GitLab's group.
type groupJSON struct {
	ID                   int64   `json:"id"`
	Name                 string  `json:"name"`
	Path                 string  `json:"path"`
	Description          string  `json:"description"`
	Visibility           string  `json:"visibility"`
	FullName             string  `json:"full_name"`
	FullPath             string  `json:"full_path"`
	WebURL               string  `json:"web_url"`
	AvatarURL            *string `json:"avatar_url"`
	ParentID             *int64  `json:"parent_id"`
	CreatedAt            Time    `json:"created_at"`
	RequestAccessEnabled bool    `json:"request_access_enabled"`
	LFSEnabled           bool    `json:"lfs_enabled"`
}

func (v *view) group(g *cairn.Group) groupJSON {
	return groupJSON{
		ID:          g.ID,
		Name:        g.Name,
		Path:        g.Path,
		Description: g.Description,
		Visibility:  g.Visibility,
		FullName:    g.Name,
		FullPath:    g.Path,
		WebURL:      v.base + "/groups/" + g.Path,
		CreatedAt:   Time(g.CreatedAt),
	}
}

// memberJSON is GitLab's group member, with Cairn's planning attributes.
type memberJSON struct {
	userJSON
	AccessLevel     int     `json:"access_level"`
	CreatedAt       Time    `json:"created_at"`
	ExpiresAt       Date    `json:"expires_at"`
	MembershipState string  `json:"membership_state"`
	PlanningRole    string  `json:"planning_role"`
	CapacityFactor  float64 `json:"capacity_factor"`
	JoinedAt        Date    `json:"joined_at"`
}

func (v *view) member(m *cairn.Member) memberJSON {
	return memberJSON{
		userJSON:        *v.user(m.User),
		AccessLevel:     m.AccessLevel,
		CreatedAt:       Time(m.CreatedAt),
		MembershipState: "active",
		PlanningRole:    m.PlanningRole,
		CapacityFactor:  m.CapacityFactor,
		JoinedAt:        Date(m.JoinedAt),
	}
}

// namespaceJSON is a project's namespace; Cairn's are always groups.
type namespaceJSON struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	Kind      string  `json:"kind"`
	FullPath  string  `json:"full_path"`
	ParentID  *int64  `json:"parent_id"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

type accessJSON struct {
	AccessLevel       int `json:"access_level"`
	NotificationLevel int `json:"notification_level"`
}

type permissionsJSON struct {
	ProjectAccess *accessJSON `json:"project_access"`
	GroupAccess   *accessJSON `json:"group_access"`
}

// projectJSON is GitLab's project. glab needs issues_enabled to create
// issues; the Go client reads path_with_namespace and namespace.
type projectJSON struct {
	ID                int64             `json:"id"`
	Description       string            `json:"description"`
	Name              string            `json:"name"`
	NameWithNamespace string            `json:"name_with_namespace"`
	Path              string            `json:"path"`
	PathWithNamespace string            `json:"path_with_namespace"`
	CreatedAt         Time              `json:"created_at"`
	DefaultBranch     string            `json:"default_branch"`
	TagList           []string          `json:"tag_list"`
	Topics            []string          `json:"topics"`
	WebURL            string            `json:"web_url"`
	ReadmeURL         *string           `json:"readme_url"`
	AvatarURL         *string           `json:"avatar_url"`
	ForksCount        int               `json:"forks_count"`
	StarCount         int               `json:"star_count"`
	LastActivityAt    Time              `json:"last_activity_at"`
	Namespace         namespaceJSON     `json:"namespace"`
	Links             map[string]string `json:"_links,omitempty"`
	Visibility        string            `json:"visibility,omitempty"`
	IssuesEnabled     *bool             `json:"issues_enabled,omitempty"`
	Archived          *bool             `json:"archived,omitempty"`
	OpenIssuesCount   *int              `json:"open_issues_count,omitempty"`
	IssuesAccessLevel string            `json:"issues_access_level,omitempty"`
	Permissions       *permissionsJSON  `json:"permissions,omitempty"`
}

// project renders p; simple gives GitLab's short form (simple=true), and
// level is the viewer's access level for permissions (not shown when simple).
func (v *view) project(p *cairn.Project, simple bool, level int, openIssues int) projectJSON {
	g := p.Group
	if g == nil {
		g = &cairn.Group{ID: p.GroupID}
	}
	full := p.FullPath()
	j := projectJSON{
		ID:                p.ID,
		Description:       p.Description,
		Name:              p.Name,
		NameWithNamespace: g.Name + " / " + p.Name,
		Path:              p.Path,
		PathWithNamespace: full,
		CreatedAt:         Time(p.CreatedAt),
		DefaultBranch:     "main",
		TagList:           []string{},
		Topics:            []string{},
		WebURL:            v.base + "/" + full,
		LastActivityAt:    Time(p.UpdatedAt),
		Namespace: namespaceJSON{
			ID: g.ID, Name: g.Name, Path: g.Path, Kind: "group", FullPath: g.Path,
			WebURL: v.base + "/groups/" + g.Path,
		},
	}
	if simple {
		return j
	}
	api := v.base + "/api/v4/projects/" + strconv.FormatInt(p.ID, 10)
	j.Links = map[string]string{
		"self":          api,
		"issues":        api + "/issues",
		"labels":        api + "/labels",
		"events":        api + "/events",
		"members":       api + "/members",
		"repo_branches": api + "/repository/branches",
	}
	t, f := true, false
	j.Visibility = orDefault(p.Visibility, cairn.VisibilityPrivate)
	j.IssuesEnabled = &t
	j.Archived = &f
	j.OpenIssuesCount = &openIssues
	j.IssuesAccessLevel = "enabled"
	j.Permissions = &permissionsJSON{}
	if level > 0 {
		j.Permissions.GroupAccess = &accessJSON{AccessLevel: level, NotificationLevel: 3}
	}
	return j
}

// labelJSON is GitLab's label. Counts appear with with_counts and on single
// labels, as GitLab shows them.
type labelJSON struct {
	ID                     int64   `json:"id"`
	Name                   string  `json:"name"`
	Color                  string  `json:"color"`
	TextColor              string  `json:"text_color"`
	Description            *string `json:"description"`
	DescriptionHTML        string  `json:"description_html"`
	OpenIssuesCount        *int    `json:"open_issues_count,omitempty"`
	ClosedIssuesCount      *int    `json:"closed_issues_count,omitempty"`
	OpenMergeRequestsCount *int    `json:"open_merge_requests_count,omitempty"`
	Subscribed             bool    `json:"subscribed"`
	Priority               *int    `json:"priority"`
	IsProjectLabel         bool    `json:"is_project_label"`
}

func labelOf(l *cairn.Label, counts *cairn.LabelCount) labelJSON {
	j := labelJSON{
		ID:             l.ID,
		Name:           l.Name,
		Color:          l.Color,
		TextColor:      l.TextColor(),
		Priority:       l.Priority,
		IsProjectLabel: l.ProjectID != nil,
	}
	if l.Description != "" {
		d := l.Description
		j.Description = &d
		j.DescriptionHTML = "<p>" + html.EscapeString(d) + "</p>"
	}
	if counts != nil {
		zero := 0
		open, closed := counts.OpenIssues, counts.ClosedIssues
		j.OpenIssuesCount, j.ClosedIssuesCount, j.OpenMergeRequestsCount = &open, &closed, &zero
	}
	return j
}

// issueLabelJSON is a label inside an issue with with_labels_details.
type issueLabelJSON struct {
	ID              int64   `json:"id"`
	Name            string  `json:"name"`
	Color           string  `json:"color"`
	Description     *string `json:"description"`
	DescriptionHTML string  `json:"description_html"`
	TextColor       string  `json:"text_color"`
}

// milestoneJSON is GitLab's milestone: project_id for project milestones,
// group_id for group ones.
type milestoneJSON struct {
	ID          int64  `json:"id"`
	IID         int64  `json:"iid"`
	ProjectID   *int64 `json:"project_id,omitempty"`
	GroupID     *int64 `json:"group_id,omitempty"`
	Title       string `json:"title"`
	Description string `json:"description"`
	State       string `json:"state"`
	CreatedAt   Time   `json:"created_at"`
	UpdatedAt   Time   `json:"updated_at"`
	DueDate     Date   `json:"due_date"`
	StartDate   Date   `json:"start_date"`
	Expired     bool   `json:"expired"`
	WebURL      string `json:"web_url"`
}

func (v *view) milestone(m *cairn.Milestone) (*milestoneJSON, error) {
	if m == nil {
		return nil, nil
	}
	j := &milestoneJSON{
		ID: m.ID, IID: m.IID, ProjectID: m.ProjectID, GroupID: m.GroupID,
		Title: m.Title, Description: m.Description, State: m.State,
		CreatedAt: Time(m.CreatedAt), UpdatedAt: Time(m.UpdatedAt),
		DueDate: Date(m.DueDate), StartDate: Date(m.StartDate),
		Expired: m.Expired(v.a.svc.Today()),
	}
	iid := strconv.FormatInt(m.IID, 10)
	switch {
	case m.ProjectID != nil:
		p, err := v.projectByID(*m.ProjectID)
		if err != nil {
			return nil, err
		}
		j.WebURL = v.base + "/" + p.FullPath() + "/-/milestones/" + iid
	case m.GroupID != nil:
		g, err := v.groupByID(*m.GroupID)
		if err != nil {
			return nil, err
		}
		j.WebURL = v.base + "/groups/" + g.Path + "/-/milestones/" + iid
	}
	return j, nil
}

type timeStatsJSON struct {
	TimeEstimate        int     `json:"time_estimate"`
	TotalTimeSpent      int     `json:"total_time_spent"`
	HumanTimeEstimate   *string `json:"human_time_estimate"`
	HumanTotalTimeSpent *string `json:"human_total_time_spent"`
}

type taskStatusJSON struct {
	Count          int `json:"count"`
	CompletedCount int `json:"completed_count"`
}

type referencesJSON struct {
	Short    string `json:"short"`
	Relative string `json:"relative"`
	Full     string `json:"full"`
}

type issueLinksJSON struct {
	Self       string `json:"self"`
	Notes      string `json:"notes"`
	AwardEmoji string `json:"award_emoji"`
	Project    string `json:"project"`
}

// issueJSON is GitLab's issue with every field glab and the Go client read:
// author, created_at and issue_type are never null (glab crashes on them).
type issueJSON struct {
	ID                   int64          `json:"id"`
	IID                  int64          `json:"iid"`
	ProjectID            int64          `json:"project_id"`
	Title                string         `json:"title"`
	Description          string         `json:"description"`
	State                string         `json:"state"`
	CreatedAt            Time           `json:"created_at"`
	UpdatedAt            Time           `json:"updated_at"`
	ClosedAt             Time           `json:"closed_at"`
	ClosedBy             *userJSON      `json:"closed_by"`
	Labels               any            `json:"labels"`
	Milestone            *milestoneJSON `json:"milestone"`
	Assignees            []*userJSON    `json:"assignees"`
	Author               *userJSON      `json:"author"`
	Type                 string         `json:"type"`
	Assignee             *userJSON      `json:"assignee"`
	UserNotesCount       int            `json:"user_notes_count"`
	MergeRequestsCount   int            `json:"merge_requests_count"`
	Upvotes              int            `json:"upvotes"`
	Downvotes            int            `json:"downvotes"`
	DueDate              Date           `json:"due_date"`
	Confidential         bool           `json:"confidential"`
	DiscussionLocked     bool           `json:"discussion_locked"`
	IssueType            string         `json:"issue_type"`
	WebURL               string         `json:"web_url"`
	TimeStats            timeStatsJSON  `json:"time_stats"`
	TaskCompletionStatus taskStatusJSON `json:"task_completion_status"`
	Weight               *int           `json:"weight"`
	BlockingIssuesCount  int            `json:"blocking_issues_count"`
	HasTasks             bool           `json:"has_tasks"`
	TaskStatus           string         `json:"task_status"`
	Links                issueLinksJSON `json:"_links"`
	References           referencesJSON `json:"references"`
	Severity             string         `json:"severity"`
	Subscribed           bool           `json:"subscribed"`
	MovedToID            *int64         `json:"moved_to_id"`
	ServiceDeskReplyTo   *string        `json:"service_desk_reply_to"`
	EpicIID              *int64         `json:"epic_iid"`
	Epic                 any            `json:"epic"`
	Iteration            any            `json:"iteration"`
	HealthStatus         *string        `json:"health_status"`
	Imported             bool           `json:"imported"`
	ImportedFrom         string         `json:"imported_from"`
	// ParentID is Cairn's: the issue this one is a sub-task of (global id).
	ParentID *int64 `json:"parent_id"`
	// RelativePosition is Cairn's manual rank (lower first; null when never
	// ranked), so that an import from another Cairn keeps the board order.
	RelativePosition *int64 `json:"relative_position"`
}

func (v *view) issue(i *cairn.Issue, labelDetails bool) (*issueJSON, error) {
	p, err := v.projectByID(i.ProjectID)
	if err != nil {
		return nil, err
	}
	ms, err := v.milestone(i.Milestone)
	if err != nil {
		return nil, err
	}
	full := p.FullPath()
	iid := strconv.FormatInt(i.IID, 10)
	api := v.base + "/api/v4/projects/" + strconv.FormatInt(p.ID, 10)
	done, total := taskCounts(i.Description)
	j := &issueJSON{
		ID:                   i.ID,
		IID:                  i.IID,
		ProjectID:            i.ProjectID,
		Title:                i.Title,
		Description:          i.Description,
		State:                i.State,
		CreatedAt:            Time(i.CreatedAt),
		UpdatedAt:            Time(i.UpdatedAt),
		ClosedAt:             timePtr(i.ClosedAt),
		ClosedBy:             v.user(i.ClosedBy),
		Milestone:            ms,
		Assignees:            v.users(i.Assignees),
		Author:               v.user(i.Author),
		Type:                 "ISSUE",
		UserNotesCount:       i.UserNotesCount,
		DueDate:              Date(i.DueDate),
		Confidential:         i.Confidential,
		DiscussionLocked:     i.DiscussionLocked,
		IssueType:            orDefault(i.IssueType, "issue"),
		WebURL:               v.base + "/" + full + "/-/issues/" + iid,
		TaskCompletionStatus: taskStatusJSON{Count: total, CompletedCount: done},
		Weight:               i.Weight,
		HasTasks:             total > 0,
		TaskStatus:           fmt.Sprintf("%d of %d checklist items completed", done, total),
		Links: issueLinksJSON{
			Self:       api + "/issues/" + iid,
			Notes:      api + "/issues/" + iid + "/notes",
			AwardEmoji: api + "/issues/" + iid + "/award_emoji",
			Project:    api,
		},
		References:       referencesJSON{Short: "#" + iid, Relative: "#" + iid, Full: full + "#" + iid},
		Severity:         "UNKNOWN",
		ImportedFrom:     "none",
		ParentID:         i.ParentID,
		RelativePosition: i.RelativePosition,
		TimeStats: timeStatsJSON{
			TimeEstimate:        i.TimeEstimate,
			TotalTimeSpent:      i.TotalTimeSpent,
			HumanTimeEstimate:   humanDuration(i.TimeEstimate),
			HumanTotalTimeSpent: humanDuration(i.TotalTimeSpent),
		},
	}
	if j.Author == nil {
		// Never null: glab dereferences it. Only a deleted author gets here.
		j.Author = &userJSON{Username: "ghost", Name: "Ghost User", State: "active", WebURL: v.base + "/ghost"}
	}
	if len(j.Assignees) > 0 {
		j.Assignee = j.Assignees[0]
	}
	if i.HealthStatus != "" {
		h := i.HealthStatus
		j.HealthStatus = &h
	}
	if labelDetails {
		ls := make([]issueLabelJSON, 0, len(i.Labels))
		for _, l := range i.Labels {
			lj := labelOf(l, nil)
			ls = append(ls, issueLabelJSON{ID: l.ID, Name: l.Name, Color: l.Color, Description: lj.Description, DescriptionHTML: lj.DescriptionHTML, TextColor: lj.TextColor})
		}
		j.Labels = ls
	} else {
		j.Labels = i.LabelNames()
	}
	return j, nil
}

func (v *view) issues(is []*cairn.Issue, labelDetails bool) ([]*issueJSON, error) {
	out := make([]*issueJSON, 0, len(is))
	for _, i := range is {
		j, err := v.issue(i, labelDetails)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

func humanDuration(secs int) *string {
	if secs == 0 {
		return nil
	}
	s := cairn.FormatDuration(secs)
	return &s
}

// taskCounts returns the completed and total task list items of a
// description, as GitLab counts them for task_completion_status: a line
// that starts, after spaces or tabs, with a bullet ("-", "*", "+") or a
// number and "." or ")", then spaces or tabs, then "[ ]", "[x]" or "[X]"
// and a space or tab. "[~]" (inapplicable) counts as neither. A scan by
// hand, not a regular expression: lists render it for 50 issues per page,
// and the expression took a tenth of a list's CPU.
func taskCounts(desc string) (done, total int) {
	for desc != "" {
		line := desc
		if k := strings.IndexByte(desc, '\n'); k >= 0 {
			line, desc = desc[:k], desc[k+1:]
		} else {
			desc = ""
		}
		switch taskMark(line) {
		case ' ':
			total++
		case 'x', 'X':
			total++
			done++
		}
	}
	return done, total
}

// taskMark returns the character between the brackets of a task list
// item's line, or 0 if the line is not one.
func taskMark(line string) byte {
	isBlank := func(c byte) bool { return c == ' ' || c == '\t' }
	i := 0
	for i < len(line) && isBlank(line[i]) {
		i++
	}
	switch {
	case i < len(line) && (line[i] == '-' || line[i] == '*' || line[i] == '+'):
		i++
	case i < len(line) && line[i] >= '0' && line[i] <= '9':
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		if i == len(line) || line[i] != '.' && line[i] != ')' {
			return 0
		}
		i++
	default:
		return 0
	}
	start := i
	for i < len(line) && isBlank(line[i]) {
		i++
	}
	if i == start || i+3 >= len(line) || line[i] != '[' || line[i+2] != ']' || !isBlank(line[i+3]) {
		return 0
	}
	switch c := line[i+1]; c {
	case ' ', 'x', 'X', '~':
		return c
	}
	return 0
}

// noteJSON is GitLab's note on an issue.
type noteJSON struct {
	ID              int64          `json:"id"`
	Type            *string        `json:"type"`
	Body            string         `json:"body"`
	Attachment      *string        `json:"attachment"`
	Author          *userJSON      `json:"author"`
	CreatedAt       Time           `json:"created_at"`
	UpdatedAt       Time           `json:"updated_at"`
	System          bool           `json:"system"`
	NoteableID      int64          `json:"noteable_id"`
	NoteableType    string         `json:"noteable_type"`
	ProjectID       int64          `json:"project_id"`
	NoteableIID     int64          `json:"noteable_iid"`
	Resolvable      bool           `json:"resolvable"`
	Confidential    bool           `json:"confidential"`
	Internal        bool           `json:"internal"`
	Imported        bool           `json:"imported"`
	ImportedFrom    string         `json:"imported_from"`
	CommandsChanges map[string]any `json:"commands_changes"`
}

func (v *view) note(n *cairn.Note, changes map[string]any) noteJSON {
	if changes == nil {
		changes = map[string]any{}
	}
	return noteJSON{
		ID:              n.ID,
		Body:            n.Body,
		Author:          v.user(n.Author),
		CreatedAt:       Time(n.CreatedAt),
		UpdatedAt:       Time(n.UpdatedAt),
		System:          n.System,
		NoteableID:      n.IssueID,
		NoteableType:    "Issue",
		ProjectID:       n.ProjectID,
		NoteableIID:     n.IssueIID,
		ImportedFrom:    "none",
		CommandsChanges: changes,
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

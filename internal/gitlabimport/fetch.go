package gitlabimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
)

// fetcher walks the source and fills the model, one unit at a time.
type fetcher struct {
	o   *Options
	src *source
	st  *State
	// reqBase is the requests of earlier runs, for the state's total.
	reqBase int
	start   time.Time
	// noWeights says the source has no weight events (GitLab's free tier).
	noWeights atomic.Bool

	// mu guards what the workers change: the model (its group and project
	// list are set before they start and only read after), the journal,
	// the state and the phase.
	mu             sync.Mutex
	m              *model
	j              *journal
	lastCheckpoint time.Time
	phase          string
}

// commit records a completed unit: in the journal first, so that it is
// never fetched again, then in the model.
func (f *fetcher) commit(key string, data any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.j.append(key, data); err != nil {
		return err
	}
	f.m.add(key, data)
	if f.o.now().Sub(f.lastCheckpoint) >= f.o.CheckpointEvery {
		if err := f.checkpointLocked(); err != nil {
			return err
		}
	}
	f.progressLocked()
	return nil
}

// checkpoint syncs the journal and rewrites the state file.
func (f *fetcher) checkpoint() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checkpointLocked()
}

func (f *fetcher) checkpointLocked() error {
	f.lastCheckpoint = f.o.now()
	if err := f.j.sync(); err != nil {
		return err
	}
	f.st.Units = f.m.units
	f.st.Requests = f.reqBase + int(f.src.requests.Load())
	f.st.UpdatedAt = f.o.now().UTC()
	return writeState(f.o.StatePath, f.st)
}

func (f *fetcher) setPhase(p string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.phase = p
	f.progressLocked()
}

func (f *fetcher) progressLocked() {
	if f.o.Progress == nil {
		return
	}
	p := Progress{Phase: f.phase, Details: len(f.m.details), Users: len(f.m.seen), UsersDone: len(f.m.users),
		Requests: f.src.requests.Load(), Elapsed: f.o.now().Sub(f.start)}
	for pid := range f.m.pages {
		is, _ := f.m.projectIssues(pid)
		p.Issues += len(is)
	}
	f.o.Progress(p)
}

// fetch fetches every unit not in the journal yet.
func (f *fetcher) fetch(ctx context.Context) error {
	if f.m.group == nil {
		f.setPhase("group")
		g, err := f.fetchGroup(ctx)
		if err != nil {
			return err
		}
		if err := f.commit(keyGroup, g); err != nil {
			return err
		}
	}
	g := f.m.group
	f.setPhase("issues")
	var todo []issueAt
	for _, p := range g.Projects {
		if f.m.meta[p.ID] == nil {
			meta, err := f.fetchMeta(ctx, p)
			if err != nil {
				return err
			}
			if err := f.commit(keyMeta(p.ID), meta); err != nil {
				return err
			}
		}
		for page := f.m.nextPage(p.ID); page != 0; {
			d, err := f.fetchIssuePage(ctx, p, page)
			if err != nil {
				return err
			}
			if err := f.commit(keyPage(p.ID, page), d); err != nil {
				return err
			}
			page = d.Next
		}
		issues, _ := f.m.projectIssues(p.ID)
		for _, is := range issues {
			at := issueAt{p.ID, is.Issue.IID}
			if f.m.details[at] == nil {
				todo = append(todo, at)
			}
		}
	}
	f.setPhase("details")
	err := forEach(ctx, f.o.Concurrency, todo, func(ctx context.Context, at issueAt) error {
		d, err := f.fetchDetails(ctx, at)
		if err != nil {
			return err
		}
		return f.commit(keyIssue(at), d)
	})
	if err != nil {
		return err
	}
	if g.Cairn && f.m.planning == nil {
		f.setPhase("planning")
		d, err := f.fetchPlanning(ctx)
		if err != nil {
			return err
		}
		if err := f.commit(keyPlanning, d); err != nil {
			return err
		}
	}
	f.setPhase("users")
	var users []apiUser
	f.mu.Lock()
	for _, u := range f.m.seen {
		if u.ID > 0 && f.m.users[u.ID] == nil {
			users = append(users, u)
		}
	}
	f.mu.Unlock()
	slices.SortFunc(users, func(a, b apiUser) int { return int(a.ID - b.ID) })
	return forEach(ctx, f.o.Concurrency, users, func(ctx context.Context, u apiUser) error {
		d, err := f.fetchUser(ctx, u)
		if err != nil {
			return err
		}
		return f.commit(keyUser(u.ID), d)
	})
}

// forEach calls fn for every item with n goroutines; the first error stops
// the others (their context is cancelled) and is returned.
func forEach[T any](ctx context.Context, n int, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ch := make(chan T)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(n, len(items)) {
		wg.Go(func() {
			for it := range ch {
				if err := fn(ctx, it); err != nil {
					once.Do(func() { first = err; cancel(err) })
					return
				}
			}
		})
	}
feed:
	for _, it := range items {
		select {
		case ch <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}

// get sends a GET for a shape client-go has no (lossless) type for: a
// GitLab member with Cairn's planning fields, an issue whose weight may be
// null, Cairn's planning endpoints. It goes through client-go all the
// same (auth, retries, rate limits, errors).
func get[T any](ctx context.Context, s *source, path string, opt any) (T, *gitlab.Response, error) {
	var out T
	req, err := s.gl.NewRequest(http.MethodGet, path, opt, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return out, nil, err
	}
	resp, err := s.gl.Do(req, &out)
	return out, resp, err
}

// list is get for one page of a list, in the form pages takes.
func list[T any](ctx context.Context, s *source, path string) func(gitlab.ListOptions, gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error) {
	return func(opt gitlab.ListOptions, _ gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error) {
		return get[[]T](ctx, s, path, &opt)
	}
}

func groupPath(id int64) string   { return "groups/" + strconv.FormatInt(id, 10) }
func projectPath(id int64) string { return "projects/" + strconv.FormatInt(id, 10) }

// apiMember is a group member; the planning fields are a Cairn's.
type apiMember struct {
	apiUser
	AccessLevel    int        `json:"access_level"`
	CreatedAt      *time.Time `json:"created_at"`
	PlanningRole   string     `json:"planning_role"`
	CapacityFactor *float64   `json:"capacity_factor"`
	JoinedAt       *string    `json:"joined_at"`
}

func (f *fetcher) fetchGroup(ctx context.Context) (*groupData, error) {
	s := f.src
	// The first request does not retry network errors: a mistyped --url
	// should fail at once, not after minutes of backoff.
	failFast := gitlab.WithRequestRetry(func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil {
			return false, nil
		}
		return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented, nil
	})
	g, _, err := s.gl.Groups.GetGroup(f.o.Group, nil, gitlab.WithContext(ctx), failFast)
	if errors.Is(err, gitlab.ErrNotFound) {
		return nil, fmt.Errorf("group %s not found at %s (or the token may not see it)", f.o.Group, f.o.URL)
	}
	if err != nil {
		return nil, s.explain(err, "group "+f.o.Group)
	}
	d := &groupData{ID: g.ID, FullPath: g.FullPath, Group: archive.Group{
		Path: DestinationPath(f.o.Group), Name: g.Name, Description: g.Description,
		Visibility: string(g.Visibility), CreatedAt: timeString(g.CreatedAt),
	}}
	// A Cairn answers its planning settings; GitLab knows no such route.
	_, _, err = get[json.RawMessage](ctx, s, groupPath(g.ID)+"/planning_settings", nil)
	switch {
	case err == nil:
		d.Cairn = true
	case !errors.Is(err, gitlab.ErrNotFound):
		return nil, s.explain(err, "planning settings of "+f.o.Group)
	}
	members, err := pages(ctx, list[apiMember](ctx, s, groupPath(g.ID)+"/members"))
	if err != nil {
		return nil, s.explain(err, "members of "+f.o.Group)
	}
	for _, m := range members {
		md := memberData{User: m.apiUser, AccessLevel: m.AccessLevel, PlanningRole: m.PlanningRole, CapacityFactor: m.CapacityFactor}
		switch {
		case m.JoinedAt != nil && cairn.ValidDate(*m.JoinedAt):
			md.JoinedAt = *m.JoinedAt
		case m.CreatedAt != nil:
			md.JoinedAt = m.CreatedAt.UTC().Format(cairn.DateLayout)
		}
		d.Members = append(d.Members, md)
	}
	labels, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.GroupLabel, *gitlab.Response, error) {
		return s.gl.GroupLabels.ListGroupLabels(g.ID, &gitlab.ListGroupLabelsOptions{ListOptions: opt, IncludeAncestorGroups: gitlab.Ptr(true)}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "labels of "+f.o.Group)
	}
	for _, l := range labels {
		d.Labels = append(d.Labels, label((*gitlab.Label)(l)))
	}
	milestones, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.GroupMilestone, *gitlab.Response, error) {
		return s.gl.GroupMilestones.ListGroupMilestones(g.ID, &gitlab.ListGroupMilestonesOptions{ListOptions: opt, IncludeAncestors: gitlab.Ptr(true)}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "milestones of "+f.o.Group)
	}
	for _, m := range milestones {
		d.Milestones = append(d.Milestones, milestoneData{ID: m.ID, Milestone: milestone(m.Title, m.Description, m.State, m.StartDate, m.DueDate, m.CreatedAt)})
	}
	projects, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.Project, *gitlab.Response, error) {
		return s.gl.Groups.ListGroupProjects(g.ID, &gitlab.ListGroupProjectsOptions{ListOptions: opt,
			IncludeSubGroups: gitlab.Ptr(false), WithShared: gitlab.Ptr(false), OrderBy: gitlab.Ptr("id"), Sort: gitlab.Ptr("asc")}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "projects of "+f.o.Group)
	}
	for _, p := range projects {
		d.Projects = append(d.Projects, projectData{ID: p.ID, Project: archive.Project{
			Path: p.Path, Name: p.Name, Description: p.Description, Visibility: string(p.Visibility), CreatedAt: timeString(p.CreatedAt),
		}})
	}
	return d, nil
}

func label(l *gitlab.Label) archive.Label {
	out := archive.Label{Name: l.Name, Color: l.Color, Description: l.Description}
	if p, err := l.Priority.Get(); err == nil && l.Priority.IsSpecified() && !l.Priority.IsNull() {
		n := int(p)
		out.Priority = &n
	}
	return out
}

func milestone(title, desc, state string, start, due *gitlab.ISOTime, created *time.Time) archive.Milestone {
	m := archive.Milestone{Title: title, Description: desc, State: state, CreatedAt: timeString(created)}
	if start != nil {
		m.StartDate = start.String()
	}
	if due != nil {
		m.DueDate = due.String()
	}
	return m
}

func (f *fetcher) fetchMeta(ctx context.Context, p projectData) (*metaData, error) {
	s := f.src
	what := "project " + f.o.Group + "/" + p.Path
	labels, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.Label, *gitlab.Response, error) {
		return s.gl.Labels.ListLabels(p.ID, &gitlab.ListLabelsOptions{ListOptions: opt, IncludeAncestorGroups: gitlab.Ptr(false)}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "labels of "+what)
	}
	d := &metaData{}
	for _, l := range labels {
		// GitLab lists the group's labels with the project's.
		if l.IsProjectLabel {
			d.Labels = append(d.Labels, label(l))
		}
	}
	milestones, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.Milestone, *gitlab.Response, error) {
		return s.gl.Milestones.ListMilestones(p.ID, &gitlab.ListMilestonesOptions{ListOptions: opt}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "milestones of "+what)
	}
	for _, m := range milestones {
		if m.ProjectID == p.ID {
			d.Milestones = append(d.Milestones, milestone(m.Title, m.Description, m.State, m.StartDate, m.DueDate, m.CreatedAt))
		}
	}
	return d, nil
}

// apiIssue is an issue as the list answers it. Weight is a pointer: null
// (no weight) and 0 are different weights, which client-go's Issue does
// not tell apart. ParentID and RelativePosition are a Cairn's.
type apiIssue struct {
	ID          int64      `json:"id"`
	IID         int64      `json:"iid"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	State       string     `json:"state"`
	CreatedAt   *time.Time `json:"created_at"`
	UpdatedAt   *time.Time `json:"updated_at"`
	ClosedAt    *time.Time `json:"closed_at"`
	ClosedBy    *apiUser   `json:"closed_by"`
	Labels      []string   `json:"labels"`
	Milestone   *struct {
		Title string `json:"title"`
	} `json:"milestone"`
	Assignees    []apiUser `json:"assignees"`
	Author       *apiUser  `json:"author"`
	DueDate      *string   `json:"due_date"`
	Confidential bool      `json:"confidential"`
	IssueType    *string   `json:"issue_type"`
	Weight       *int      `json:"weight"`
	TimeStats    *struct {
		TotalTimeSpent int `json:"total_time_spent"`
	} `json:"time_stats"`
	ParentID         *int64 `json:"parent_id"`
	RelativePosition *int64 `json:"relative_position"`
}

// issueListOptions are the query of an issue page: every state, oldest
// first, so that issues opened while the import runs land on later pages
// instead of shifting the pages already fetched.
type issueListOptions struct {
	gitlab.ListOptions
	State   string `url:"state,omitempty"`
	Scope   string `url:"scope,omitempty"`
	OrderBy string `url:"order_by,omitempty"`
	Sort    string `url:"sort,omitempty"`
}

func (f *fetcher) fetchIssuePage(ctx context.Context, p projectData, page int64) (*pageData, error) {
	opt := &issueListOptions{ListOptions: gitlab.ListOptions{Page: page, PerPage: 100}, State: "all", Scope: "all", OrderBy: "created_at", Sort: "asc"}
	issues, resp, err := get[[]apiIssue](ctx, f.src, projectPath(p.ID)+"/issues", opt)
	if err != nil {
		return nil, f.src.explain(err, fmt.Sprintf("issues of %s/%s (page %d)", f.o.Group, p.Path, page))
	}
	d := &pageData{Page: page, Total: resp.TotalItems}
	if resp.NextPage > page {
		d.Next = resp.NextPage
	}
	for i := range issues {
		d.Issues = append(d.Issues, convertIssue(&issues[i]))
	}
	return d, nil
}

func convertIssue(x *apiIssue) issueData {
	is := archive.Issue{
		IID: x.IID, Title: x.Title, Description: x.Description, State: x.State, Labels: x.Labels, Weight: x.Weight,
		Confidential: x.Confidential, CreatedAt: timeString(x.CreatedAt), UpdatedAt: timeString(x.UpdatedAt),
		ClosedAt: timeString(x.ClosedAt), RelativePosition: x.RelativePosition,
	}
	d := issueData{ID: x.ID, ParentID: x.ParentID}
	if x.State != cairn.StateClosed {
		is.State = cairn.StateOpened
	}
	if x.Author != nil {
		is.Author = x.Author.Username
		d.Users = append(d.Users, *x.Author)
	}
	for _, a := range x.Assignees {
		if !slices.Contains(is.Assignees, a.Username) {
			is.Assignees = append(is.Assignees, a.Username)
			d.Users = append(d.Users, a)
		}
	}
	if x.ClosedBy != nil {
		is.ClosedBy = x.ClosedBy.Username
		d.Users = append(d.Users, *x.ClosedBy)
	}
	if x.Milestone != nil {
		is.Milestone = x.Milestone.Title
	}
	if x.DueDate != nil {
		is.DueDate = *x.DueDate
	}
	if x.IssueType != nil {
		switch *x.IssueType {
		case "issue", "task", "incident":
			is.IssueType = *x.IssueType
		}
	}
	if x.TimeStats != nil {
		is.TimeSpent = x.TimeStats.TotalTimeSpent
	}
	d.Issue = is
	return d
}

// apiWeightEvent is a weight event: a null weight is a cleared one.
type apiWeightEvent struct {
	User      *apiUser   `json:"user"`
	CreatedAt *time.Time `json:"created_at"`
	Weight    *int       `json:"weight"`
}

// fetchDetails fetches an issue's notes (system notes included), its
// label, weight, milestone and state events, and its links.
func (f *fetcher) fetchDetails(ctx context.Context, at issueAt) (*detailData, error) {
	s := f.src
	pid, iid := at.ProjectID, at.IID
	what := fmt.Sprintf("issue %s#%d", f.projectRef(pid), iid)
	d := &detailData{}
	user := func(u *apiUser) string {
		if u == nil || u.Username == "" {
			return ""
		}
		d.Users = append(d.Users, *u)
		return u.Username
	}
	basic := func(u *gitlab.BasicUser) *apiUser {
		if u == nil {
			return nil
		}
		return &apiUser{ID: u.ID, Username: u.Username, Name: u.Name}
	}

	notes, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.Note, *gitlab.Response, error) {
		return s.gl.Notes.ListIssueNotes(pid, iid, &gitlab.ListIssueNotesOptions{ListOptions: opt, OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("asc")}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "notes of "+what)
	}
	for _, n := range notes {
		if n.Internal {
			d.Internal++
			continue
		}
		author := user(&apiUser{ID: n.Author.ID, Username: n.Author.Username, Name: n.Author.Name})
		if author == "" || n.Body == "" || n.CreatedAt == nil {
			d.Dropped++
			continue
		}
		d.Notes = append(d.Notes, archive.Note{Author: author, Body: n.Body, System: n.System, CreatedAt: timeString(n.CreatedAt)})
	}

	labelEvents, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.LabelEvent, *gitlab.Response, error) {
		return s.gl.ResourceLabelEvents.ListIssueLabelEvents(pid, iid, &gitlab.ListLabelEventsOptions{ListOptions: opt}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "label events of "+what)
	}
	for _, e := range labelEvents {
		// A label deleted since leaves events without one on GitLab.
		if e.Label.Name == "" || e.CreatedAt == nil || (e.Action != cairn.ActionAdd && e.Action != cairn.ActionRemove) {
			d.Dropped++
			continue
		}
		d.Events = append(d.Events, archive.Event{Type: archive.EventLabel, Action: e.Action, Label: e.Label.Name,
			User: user(basic(&e.User)), CreatedAt: timeString(e.CreatedAt)})
	}

	if !f.noWeights.Load() {
		weights, err := pages(ctx, list[apiWeightEvent](ctx, s, fmt.Sprintf("%s/issues/%d/resource_weight_events", projectPath(pid), iid)))
		switch {
		case errors.Is(err, gitlab.ErrNotFound):
			// GitLab's free tier has no weights and no such route.
			f.noWeights.Store(true)
		case err != nil:
			return nil, s.explain(err, "weight events of "+what)
		}
		for _, e := range weights {
			if e.CreatedAt == nil {
				d.Dropped++
				continue
			}
			ev := archive.Event{Type: archive.EventWeight, Action: cairn.ActionAdd, Weight: e.Weight, User: user(e.User), CreatedAt: timeString(e.CreatedAt)}
			if e.Weight == nil {
				ev.Action = cairn.ActionRemove
			}
			d.Events = append(d.Events, ev)
		}
	}

	milestoneEvents, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.MilestoneEvent, *gitlab.Response, error) {
		return s.gl.ResourceMilestoneEvents.ListIssueMilestoneEvents(pid, iid, &gitlab.ListMilestoneEventsOptions{ListOptions: opt}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "milestone events of "+what)
	}
	for _, e := range milestoneEvents {
		if e.Milestone == nil || e.Milestone.Title == "" || e.CreatedAt == nil || (e.Action != cairn.ActionAdd && e.Action != cairn.ActionRemove) {
			d.Dropped++
			continue
		}
		d.Events = append(d.Events, archive.Event{Type: archive.EventMilestone, Action: e.Action, Milestone: e.Milestone.Title,
			User: user(basic(e.User)), CreatedAt: timeString(e.CreatedAt)})
	}

	stateEvents, err := pages(ctx, func(opt gitlab.ListOptions, ro gitlab.RequestOptionFunc) ([]*gitlab.StateEvent, *gitlab.Response, error) {
		return s.gl.ResourceStateEvents.ListIssueStateEvents(pid, iid, &gitlab.ListStateEventsOptions{ListOptions: opt}, ro)
	})
	if err != nil {
		return nil, s.explain(err, "state events of "+what)
	}
	for _, e := range stateEvents {
		action := string(e.State)
		if (action != cairn.ActionClosed && action != cairn.ActionReopened) || e.CreatedAt == nil {
			d.Dropped++
			continue
		}
		d.Events = append(d.Events, archive.Event{Type: archive.EventState, Action: action, User: user(basic(e.User)), CreatedAt: timeString(e.CreatedAt)})
	}

	links, _, err := s.gl.IssueLinks.ListIssueRelations(pid, iid, gitlab.WithContext(ctx))
	if err != nil {
		return nil, s.explain(err, "links of "+what)
	}
	for _, l := range links {
		d.Links = append(d.Links, linkData{LinkID: l.IssueLinkID, Target: issueAt{l.ProjectID, l.IID}, Type: l.LinkType})
	}
	return d, nil
}

// projectRef names a project of the group for messages.
func (f *fetcher) projectRef(id int64) string {
	for _, p := range f.m.group.Projects {
		if p.ID == id {
			return f.o.Group + "/" + p.Path
		}
	}
	return "project " + strconv.FormatInt(id, 10)
}

// Cairn's planning shapes.
type apiIssueRef struct {
	ID        int64  `json:"id"`
	IID       int64  `json:"iid"`
	ProjectID int64  `json:"project_id"`
	Title     string `json:"title"`
}

type apiTimeOff struct {
	User      *apiUser `json:"user"`
	StartDate string   `json:"start_date"`
	EndDate   string   `json:"end_date"`
	HalfDay   bool     `json:"half_day"`
	Note      string   `json:"note"`
}

type apiParking struct {
	Issue     *apiIssueRef `json:"issue"`
	Title     string       `json:"title"`
	Reason    string       `json:"reason"`
	Author    *apiUser     `json:"author"`
	CreatedAt *time.Time   `json:"created_at"`
}

type apiPlan struct {
	Milestone *struct {
		Title string `json:"title"`
	} `json:"milestone"`
	PlanningIssue *apiIssueRef `json:"planning_issue"`
	Retrospective *apiIssueRef `json:"retrospective"`
	FinalizedAt   *time.Time   `json:"finalized_at"`
	FinalizedBy   *apiUser     `json:"finalized_by"`
	TeamCapacity  *float64     `json:"team_capacity"`
	Commitments   []struct {
		Issue     *apiIssueRef `json:"issue"`
		Placement string       `json:"placement"`
		Weight    *int         `json:"weight"`
		Carryover bool         `json:"carryover"`
	} `json:"commitments"`
}

func refAt(r *apiIssueRef) *issueAt {
	if r == nil {
		return nil
	}
	return &issueAt{r.ProjectID, r.IID}
}

// fetchPlanning fetches a Cairn's planning records of the group: its
// settings, time off, every group milestone's parking lot and the
// milestone plans with their commitments.
func (f *fetcher) fetchPlanning(ctx context.Context) (*planningData, error) {
	s, g := f.src, f.m.group
	what := "planning records of " + f.o.Group
	d := &planningData{}
	settings, _, err := get[json.RawMessage](ctx, s, groupPath(g.ID)+"/planning_settings", nil)
	if err != nil {
		return nil, s.explain(err, what)
	}
	d.Settings = settings
	user := func(u *apiUser) string {
		if u == nil || u.Username == "" {
			return ""
		}
		d.Users = append(d.Users, *u)
		return u.Username
	}
	off, err := pages(ctx, list[apiTimeOff](ctx, s, groupPath(g.ID)+"/time_off"))
	if err != nil {
		return nil, s.explain(err, "time off of "+f.o.Group)
	}
	for _, t := range off {
		name := user(t.User)
		if name == "" {
			continue
		}
		d.TimeOff = append(d.TimeOff, archive.TimeOff{Username: name, StartDate: t.StartDate, EndDate: t.EndDate, HalfDay: t.HalfDay, Note: t.Note})
	}
	for _, m := range g.Milestones {
		lot, err := pages(ctx, list[apiParking](ctx, s, fmt.Sprintf("%s/milestones/%d/parking_lot", groupPath(g.ID), m.ID)))
		if err != nil {
			return nil, s.explain(err, "parking lot of "+m.Title)
		}
		for _, e := range lot {
			p := parkingData{Milestone: m.Title, Issue: refAt(e.Issue), Title: e.Title, Reason: e.Reason,
				Author: user(e.Author), CreatedAt: timeString(e.CreatedAt)}
			// The API shows an issue's title where the proposal has none.
			if e.Issue != nil && e.Title == e.Issue.Title {
				p.Title = ""
			}
			d.Parking = append(d.Parking, p)
		}
	}
	plans, _, err := get[[]apiPlan](ctx, s, groupPath(g.ID)+"/milestone_plans", nil)
	if err != nil {
		return nil, s.explain(err, "milestone plans of "+f.o.Group)
	}
	for _, p := range plans {
		if p.Milestone == nil {
			continue
		}
		pd := planData{Milestone: p.Milestone.Title, PlanningIssue: refAt(p.PlanningIssue), Retrospective: refAt(p.Retrospective),
			FinalizedAt: timeString(p.FinalizedAt), FinalizedBy: user(p.FinalizedBy), TeamCapacity: p.TeamCapacity}
		for _, c := range p.Commitments {
			if c.Issue == nil {
				continue
			}
			pd.Commitments = append(pd.Commitments, commitmentData{Issue: *refAt(c.Issue), Placement: c.Placement, Weight: c.Weight, Carryover: c.Carryover})
		}
		d.Plans = append(d.Plans, pd)
	}
	return d, nil
}

// fetchUser fetches a user's profile. A user the source no longer shows
// (deleted, or hidden from the token) is kept with what the lists said.
func (f *fetcher) fetchUser(ctx context.Context, u apiUser) (*archive.User, error) {
	got, _, err := f.src.gl.Users.GetUser(u.ID, &gitlab.GetUserOptions{}, gitlab.WithContext(ctx))
	if errors.Is(err, gitlab.ErrNotFound) {
		return &archive.User{Username: u.Username, Name: u.Name}, nil
	}
	if err != nil {
		return nil, f.src.explain(err, "user "+u.Username)
	}
	out := &archive.User{Username: got.Username, Name: got.Name, Email: got.Email, CreatedAt: timeString(got.CreatedAt)}
	if out.Email == "" {
		out.Email = got.PublicEmail
	}
	// Admin rights on the source grant nothing here: IsAdmin stays false.
	return out, nil
}

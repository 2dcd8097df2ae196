package gitlabimport

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn/internal/archive"
)

// The fetch is cut into units, each fetched whole and then written to the
// journal under its key; a unit in the journal is never fetched again.
//
//	group                      the group, its members, labels, milestones, projects
//	project/<id>/meta          a project's own labels and milestones
//	project/<id>/issues/<page> one page (100) of a project's issues
//	issue/<project id>/<iid>   an issue's notes, events and links
//	planning                   a Cairn's planning records of the group
//	user/<id>                  a user's profile
const (
	keyGroup    = "group"
	keyPlanning = "planning"
)

func keyMeta(projectID int64) string { return "project/" + strconv.FormatInt(projectID, 10) + "/meta" }
func keyPage(projectID, page int64) string {
	return "project/" + strconv.FormatInt(projectID, 10) + "/issues/" + strconv.FormatInt(page, 10)
}
func keyIssue(at issueAt) string {
	return "issue/" + strconv.FormatInt(at.ProjectID, 10) + "/" + strconv.FormatInt(at.IID, 10)
}
func keyUser(id int64) string { return "user/" + strconv.FormatInt(id, 10) }

// apiUser is a user as lists name one (author, assignee, event user).
type apiUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

// issueAt names an issue by its project's id at the source and its iid.
type issueAt struct {
	ProjectID int64 `json:"project_id"`
	IID       int64 `json:"iid"`
}

// groupData is the group unit. Group holds the group's own fields only.
type groupData struct {
	ID         int64           `json:"id"`
	FullPath   string          `json:"full_path"`
	Group      archive.Group   `json:"group"`
	Cairn      bool            `json:"cairn,omitempty"`
	Members    []memberData    `json:"members"`
	Labels     []archive.Label `json:"labels"`
	Milestones []milestoneData `json:"milestones"`
	Projects   []projectData   `json:"projects"`
}

type memberData struct {
	User        apiUser `json:"user"`
	AccessLevel int     `json:"access_level"`
	// PlanningRole and CapacityFactor come from a Cairn; a GitLab has none.
	PlanningRole   string   `json:"planning_role,omitempty"`
	CapacityFactor *float64 `json:"capacity_factor,omitempty"`
	JoinedAt       string   `json:"joined_at,omitempty"`
}

type milestoneData struct {
	ID int64 `json:"id"`
	archive.Milestone
}

type projectData struct {
	ID int64 `json:"id"`
	archive.Project
}

// metaData is a project meta unit.
type metaData struct {
	Labels     []archive.Label     `json:"labels"`
	Milestones []archive.Milestone `json:"milestones"`
}

// pageData is an issue page unit: Next is the following page (0: none).
type pageData struct {
	Page   int64       `json:"page"`
	Next   int64       `json:"next"`
	Total  int64       `json:"total"`
	Issues []issueData `json:"issues"`
}

// issueData is an issue's own fields (Issue without notes, events and
// links), with the global ids that name it and its parent at the source.
type issueData struct {
	ID       int64         `json:"id"`
	ParentID *int64        `json:"parent_id,omitempty"`
	Issue    archive.Issue `json:"issue"`
	Users    []apiUser     `json:"users,omitempty"`
}

// detailData is an issue unit.
type detailData struct {
	Notes  []archive.Note  `json:"notes,omitempty"`
	Events []archive.Event `json:"events,omitempty"`
	Links  []linkData      `json:"links,omitempty"`
	Users  []apiUser       `json:"users,omitempty"`
	// Dropped counts what the archive cannot hold (an event of a label
	// deleted since, an empty note).
	Dropped int `json:"dropped,omitempty"`
	// Internal counts the internal notes left out: Cairn has none, and
	// would show them to every member.
	Internal int `json:"internal,omitempty"`
}

// linkData is a link as seen from the issue it was listed on.
type linkData struct {
	LinkID int64   `json:"link_id"`
	Target issueAt `json:"target"`
	Type   string  `json:"type"`
}

// planningData is the planning unit of a Cairn source.
type planningData struct {
	Settings json.RawMessage   `json:"settings,omitempty"`
	TimeOff  []archive.TimeOff `json:"time_off,omitempty"`
	Parking  []parkingData     `json:"parking,omitempty"`
	Plans    []planData        `json:"plans,omitempty"`
	Users    []apiUser         `json:"users,omitempty"`
}

type parkingData struct {
	Milestone string   `json:"milestone"`
	Issue     *issueAt `json:"issue,omitempty"`
	Title     string   `json:"title,omitempty"`
	Reason    string   `json:"reason"`
	Author    string   `json:"author,omitempty"`
	CreatedAt string   `json:"created_at"`
}

type planData struct {
	Milestone     string           `json:"milestone"`
	PlanningIssue *issueAt         `json:"planning_issue,omitempty"`
	Retrospective *issueAt         `json:"retrospective,omitempty"`
	FinalizedAt   string           `json:"finalized_at,omitempty"`
	FinalizedBy   string           `json:"finalized_by,omitempty"`
	TeamCapacity  *float64         `json:"team_capacity,omitempty"`
	Commitments   []commitmentData `json:"commitments,omitempty"`
}

type commitmentData struct {
	Issue     issueAt `json:"issue"`
	Placement string  `json:"placement"`
	Weight    *int    `json:"weight,omitempty"`
	Carryover bool    `json:"carryover,omitempty"`
}

// model is everything fetched so far, from the journal and this run.
type model struct {
	group    *groupData
	planning *planningData
	meta     map[int64]*metaData
	pages    map[int64]map[int64]*pageData
	details  map[issueAt]*detailData
	users    map[int64]*archive.User
	// seen are the users referenced anywhere, by lower-case username.
	seen  map[string]apiUser
	units int
}

func newModel() *model {
	return &model{
		meta: map[int64]*metaData{}, pages: map[int64]map[int64]*pageData{}, details: map[issueAt]*detailData{},
		users: map[int64]*archive.User{}, seen: map[string]apiUser{},
	}
}

// see records a referenced user; a later sighting with an id fills one in.
func (m *model) see(us ...apiUser) {
	for _, u := range us {
		if u.Username == "" {
			continue
		}
		k := strings.ToLower(u.Username)
		if old, ok := m.seen[k]; ok && old.ID != 0 {
			continue
		}
		m.seen[k] = u
	}
}

// decode reads a journal record into the model.
func (m *model) decode(key string, raw json.RawMessage) error {
	var err error
	switch {
	case key == keyGroup:
		var d groupData
		if err = json.Unmarshal(raw, &d); err == nil {
			m.add(key, &d)
		}
	case key == keyPlanning:
		var d planningData
		if err = json.Unmarshal(raw, &d); err == nil {
			m.add(key, &d)
		}
	case strings.HasPrefix(key, "project/") && strings.HasSuffix(key, "/meta"):
		var d metaData
		if err = json.Unmarshal(raw, &d); err == nil {
			m.add(key, &d)
		}
	case strings.HasPrefix(key, "project/"):
		var d pageData
		if err = json.Unmarshal(raw, &d); err == nil {
			m.add(key, &d)
		}
	case strings.HasPrefix(key, "issue/"):
		var d detailData
		if err = json.Unmarshal(raw, &d); err == nil {
			m.add(key, &d)
		}
	case strings.HasPrefix(key, "user/"):
		var d archive.User
		if err = json.Unmarshal(raw, &d); err == nil {
			m.add(key, &d)
		}
	default:
		return fmt.Errorf("unknown unit")
	}
	return err
}

// add puts a unit's data into the model under its key.
func (m *model) add(key string, data any) {
	m.units++
	parts := strings.Split(key, "/")
	num := func(i int) int64 {
		if i >= len(parts) {
			return 0
		}
		n, _ := strconv.ParseInt(parts[i], 10, 64)
		return n
	}
	switch d := data.(type) {
	case *groupData:
		m.group = d
		for _, mem := range d.Members {
			m.see(mem.User)
		}
	case *planningData:
		m.planning = d
		m.see(d.Users...)
	case *metaData:
		m.meta[num(1)] = d
	case *pageData:
		pid := num(1)
		if m.pages[pid] == nil {
			m.pages[pid] = map[int64]*pageData{}
		}
		m.pages[pid][d.Page] = d
		for _, is := range d.Issues {
			m.see(is.Users...)
		}
	case *detailData:
		m.details[issueAt{num(1), num(2)}] = d
		m.see(d.Users...)
	case *archive.User:
		m.users[num(1)] = d
	}
}

// projectIssues returns a project's fetched issues in page order, and
// whether its last page is in.
func (m *model) projectIssues(projectID int64) ([]issueData, bool) {
	pages := m.pages[projectID]
	var out []issueData
	for page := int64(1); ; {
		p := pages[page]
		if p == nil {
			return out, false
		}
		out = append(out, p.Issues...)
		if p.Next == 0 {
			return out, true
		}
		page = p.Next
	}
}

// nextPage returns the first issue page of a project not fetched yet (0
// when all are in).
func (m *model) nextPage(projectID int64) int64 {
	pages := m.pages[projectID]
	page := int64(1)
	for {
		p := pages[page]
		if p == nil {
			return page
		}
		if p.Next == 0 {
			return 0
		}
		page = p.Next
	}
}

// timeString formats an API time for the archive; "" for none.
func timeString(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return archive.FormatTime(*t)
}

package planning

import (
	"fmt"
	"sort"
	"time"

	"github.com/cairnhq/cairn"
)

// Member is a team member as planning sees them.
type Member struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	// PlanningRole is engineer, engineering_manager, product_manager or
	// guest. Guests are not part of the team's capacity (they are skipped).
	PlanningRole string `json:"planning_role"`
	// CapacityFactor is 1 for full time, 0.5 for half time, 0 for no
	// development capacity (managers by default).
	CapacityFactor float64 `json:"capacity_factor"`
	// JoinedAt is the date the member joined the team; "" counts as having
	// always been on it.
	JoinedAt string `json:"joined_at"`
}

// Milestone is a milestone's dates and state.
type Milestone struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	StartDate string `json:"start_date"` // "" when not set
	DueDate   string `json:"due_date"`   // "" when not set
	State     string `json:"state"`      // "active" or "closed"
}

// User names an assignee.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

// Issue is an issue as planning sees it; the same struct serves the open
// issues a plan is made from and the closed issues velocity is measured on.
type Issue struct {
	ID        int64    `json:"id"` // global id
	ProjectID int64    `json:"project_id"`
	IID       int64    `json:"iid"`
	Title     string   `json:"title"`
	State     string   `json:"state"`  // "opened" or "closed"; anything but "closed" is open
	Weight    *int     `json:"weight"` // nil: no weight
	Labels    []string `json:"labels"`
	Assignees []User   `json:"assignees"`
	// MilestoneID is the issue's milestone, 0 for none.
	MilestoneID int64 `json:"milestone_id"`
	// RelativePosition is the manual rank; lower comes first, nil last.
	RelativePosition *int64    `json:"relative_position"`
	CreatedAt        time.Time `json:"created_at"`
	// ClosedAt is the date, in the team's time zone, the issue was closed
	// ("" while open).
	ClosedAt string `json:"closed_at"`
}

// Issue states, the domain's.
const (
	StateOpened = cairn.StateOpened
	StateClosed = cairn.StateClosed
)

// MilestoneClosed is the state of a closed milestone, the domain's.
const MilestoneClosed = cairn.MilestoneClosed

// Velocity sources: where a member's velocity comes from.
const (
	SourceOwn     = "own"     // the member's own history
	SourceTeam    = "team"    // no development days of their own in the window
	SourceDefault = "default" // the team has no history: default_velocity
)

// RoleGuest is the planning role of people outside the team's capacity.
const RoleGuest = cairn.RoleGuest

// CapacityInput is everything capacity is computed from. The caller passes
// the team's members, the team's milestones (any state; the function picks
// the velocity window), the closed issues of those milestones, and the time
// off of the members over the planned milestone and the history.
type CapacityInput struct {
	Settings Settings
	// Today is the team's current date; it decides which milestones are
	// finished (closed, or due before today).
	Today string
	// Milestone is the planned milestone M'; it needs a start and a due date.
	Milestone Milestone
	// Members are the team's members; guests are skipped.
	Members []Member
	// Milestones are the team's milestones in any state; the velocity
	// window is chosen from them.
	Milestones []Milestone
	// Closed are the closed issues of those milestones (others are
	// ignored), with ClosedAt set.
	Closed []Issue
	// TimeOff are the members' time-off entries covering the planned
	// milestone and the history; entries of other users are ignored.
	TimeOff []TimeOff
}

// CapacityReport is the capacity of a team for one milestone, with the
// figures a person needs to check it by hand. JSON numbers are unrounded.
type CapacityReport struct {
	MilestoneID  int64   `json:"milestone_id"`
	WorkingDays  int     `json:"working_days"`
	TeamCapacity float64 `json:"team_capacity"`
	// TeamVelocity is Σ delivered ÷ Σ dev days over all members' windows,
	// or default_velocity when that has no development days
	// (TeamVelocitySource "default").
	TeamVelocity       float64 `json:"team_velocity"`
	TeamVelocitySource string  `json:"team_velocity_source"`
	// VelocityMilestones are the milestones of the velocity window, most
	// recent first, with the working days each had.
	VelocityMilestones []WindowMilestone `json:"velocity_milestones"`
	Members            []MemberCapacity  `json:"members"`
}

// WindowMilestone is one milestone of the velocity window.
type WindowMilestone struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	StartDate   string `json:"start_date"`
	DueDate     string `json:"due_date"`
	WorkingDays int    `json:"working_days"`
}

// MemberCapacity is one member's line of the capacity table. TimeOffDays,
// AvailableDays, DevDays and Capacity are for the planned milestone;
// HistoryDelivered, HistoryDevDays and HistoryMilestones are the sums behind
// an "own" velocity (the milestones of the window that started on or after
// the member joined).
type MemberCapacity struct {
	UserID         int64   `json:"user_id"`
	Username       string  `json:"username"`
	PlanningRole   string  `json:"planning_role"`
	CapacityFactor float64 `json:"capacity_factor"`
	TimeOffDays    float64 `json:"time_off_days"`
	AvailableDays  float64 `json:"available_days"`
	Focus          float64 `json:"focus"`
	DevDays        float64 `json:"dev_days"`
	Velocity       float64 `json:"velocity"`
	VelocitySource string  `json:"velocity_source"`
	Capacity       float64 `json:"capacity"`

	HistoryDelivered  float64 `json:"history_delivered"`
	HistoryDevDays    float64 `json:"history_dev_days"`
	HistoryMilestones int     `json:"history_milestones"`
}

// window is a milestone of the velocity window, parsed.
type window struct {
	m           Milestone
	start, due  day
	workingDays int
}

// ComputeCapacity computes each member's and the team's capacity for the
// planned milestone, as planning-model.md defines it:
//
//	working_days(M)     = Monday–Friday dates in [M.start, M.due] not in holidays
//	available_days(u,M) = working_days(M) − u's time-off working days in M
//	focus(u)            = capacity_factor × (1 − refinement_share − other_share)
//	dev_days(u,M)       = available_days(u,M) × focus(u)
//	velocity(u)         = Σ delivered(u,M) ÷ Σ dev_days(u,M) over the window
//	capacity(u,M')      = velocity(u) × dev_days(u,M')
//
// It returns an error, naming the input, for settings the arithmetic cannot
// use, a malformed date, a planned milestone without dates, or a member
// listed twice.
func ComputeCapacity(in CapacityInput) (*CapacityReport, error) {
	s := in.Settings
	if err := fieldErrors(s.problems()); err != nil {
		return nil, err
	}
	today, err := parseDay(in.Today)
	if err != nil {
		return nil, fmt.Errorf("today: %w", err)
	}
	target, err := plannedRange(in.Milestone)
	if err != nil {
		return nil, err
	}
	cal, err := newCalendar(s.Holidays)
	if err != nil {
		return nil, err
	}

	off := map[int64][]offSpan{}
	for _, t := range in.TimeOff {
		sp, err := parseTimeOff(t)
		if err != nil {
			return nil, err
		}
		off[t.UserID] = append(off[t.UserID], sp)
	}

	type member struct {
		Member
		joined    day
		hasJoined bool
	}
	members := make([]member, 0, len(in.Members))
	index := map[int64]int{}
	for _, m := range in.Members {
		if m.PlanningRole == RoleGuest {
			continue
		}
		if _, dup := index[m.UserID]; dup {
			return nil, fmt.Errorf("member %q (user %d) is listed twice", m.Username, m.UserID)
		}
		mm := member{Member: m}
		if m.JoinedAt != "" {
			if mm.joined, err = parseDay(m.JoinedAt); err != nil {
				return nil, fmt.Errorf("member %q: joined_at: %w", m.Username, err)
			}
			mm.hasJoined = true
		}
		index[m.UserID] = len(members)
		members = append(members, mm)
	}
	sort.SliceStable(members, func(i, j int) bool {
		if members[i].Username != members[j].Username {
			return members[i].Username < members[j].Username
		}
		return members[i].UserID < members[j].UserID
	})
	for i, m := range members {
		index[m.UserID] = i
	}

	win, err := velocityWindow(in.Milestones, in.Milestone.ID, target.from, today, s.VelocityWindow)
	if err != nil {
		return nil, err
	}
	winIndex := make(map[int64]int, len(win))
	for k := range win {
		win[k].workingDays = cal.workingDays(win[k].start, win[k].due)
		winIndex[win[k].m.ID] = k
	}

	// delivered[member][window milestone] = Σ weight ÷ |assignees|.
	delivered := make([][]float64, len(members))
	for i := range delivered {
		delivered[i] = make([]float64, len(win))
	}
	for _, is := range in.Closed {
		k, ok := winIndex[is.MilestoneID]
		if !ok || is.State != StateClosed || is.Weight == nil || *is.Weight <= 0 || len(is.Assignees) == 0 || is.ClosedAt == "" {
			continue
		}
		closed, err := parseDay(is.ClosedAt)
		if err != nil {
			return nil, fmt.Errorf("issue %d: closed_at: %w", is.ID, err)
		}
		if closed < win[k].start || closed > win[k].due {
			continue
		}
		share := float64(*is.Weight) / float64(len(is.Assignees))
		for _, a := range is.Assignees {
			if i, ok := index[a.ID]; ok {
				delivered[i][k] += share
			}
		}
	}

	rep := &CapacityReport{
		MilestoneID:        in.Milestone.ID,
		WorkingDays:        cal.workingDays(target.from, target.to),
		VelocityMilestones: make([]WindowMilestone, len(win)),
		Members:            make([]MemberCapacity, len(members)),
	}
	for k, w := range win {
		rep.VelocityMilestones[k] = WindowMilestone{
			ID: w.m.ID, Title: w.m.Title, StartDate: w.m.StartDate, DueDate: w.m.DueDate, WorkingDays: w.workingDays,
		}
	}

	var teamDelivered, teamDevDays float64
	for i, m := range members {
		focus := s.Focus(m.CapacityFactor)
		mc := &rep.Members[i]
		*mc = MemberCapacity{
			UserID: m.UserID, Username: m.Username, PlanningRole: m.PlanningRole,
			CapacityFactor: m.CapacityFactor, Focus: focus,
		}
		for k, w := range win {
			if m.hasJoined && w.start < m.joined {
				continue
			}
			avail := float64(w.workingDays) - cal.offDays(off[m.UserID], w.start, w.due)
			mc.HistoryDevDays += avail * focus
			mc.HistoryDelivered += delivered[i][k]
			mc.HistoryMilestones++
		}
		teamDelivered += mc.HistoryDelivered
		teamDevDays += mc.HistoryDevDays

		mc.TimeOffDays = cal.offDays(off[m.UserID], target.from, target.to)
		mc.AvailableDays = float64(rep.WorkingDays) - mc.TimeOffDays
		mc.DevDays = mc.AvailableDays * focus
	}

	rep.TeamVelocity, rep.TeamVelocitySource = s.DefaultVelocity, SourceDefault
	if teamDevDays > epsilon {
		rep.TeamVelocity, rep.TeamVelocitySource = teamDelivered/teamDevDays, SourceTeam
	}
	for i := range rep.Members {
		mc := &rep.Members[i]
		mc.Velocity, mc.VelocitySource = rep.TeamVelocity, rep.TeamVelocitySource
		if mc.HistoryDevDays > epsilon {
			mc.Velocity, mc.VelocitySource = mc.HistoryDelivered/mc.HistoryDevDays, SourceOwn
		}
		mc.Capacity = mc.Velocity * mc.DevDays
		rep.TeamCapacity += mc.Capacity
	}

	rep.cleanFigures()
	return rep, nil
}

func (r *CapacityReport) cleanFigures() {
	r.TeamCapacity = clean(r.TeamCapacity)
	r.TeamVelocity = clean(r.TeamVelocity)
	for i := range r.Members {
		m := &r.Members[i]
		m.TimeOffDays = clean(m.TimeOffDays)
		m.AvailableDays = clean(m.AvailableDays)
		m.Focus = clean(m.Focus)
		m.DevDays = clean(m.DevDays)
		m.Velocity = clean(m.Velocity)
		m.Capacity = clean(m.Capacity)
		m.HistoryDelivered = clean(m.HistoryDelivered)
		m.HistoryDevDays = clean(m.HistoryDevDays)
	}
}

type dayRange struct{ from, to day }

// plannedRange parses the planned milestone's dates, which capacity needs.
func plannedRange(m Milestone) (dayRange, error) {
	if m.StartDate == "" || m.DueDate == "" {
		return dayRange{}, fmt.Errorf("milestone %q needs a start date and a due date to be planned", m.Title)
	}
	from, to, err := parseRange(m.StartDate, m.DueDate)
	if err != nil {
		return dayRange{}, fmt.Errorf("milestone %q: %w", m.Title, err)
	}
	if to < from {
		return dayRange{}, fmt.Errorf("milestone %q: due date %s is before start date %s", m.Title, m.DueDate, m.StartDate)
	}
	return dayRange{from, to}, nil
}

// velocityWindow picks the team's last n finished milestones (closed, or due
// before today) that end before the planned milestone starts, most recent
// first. Milestones without both dates cannot be measured and are skipped.
func velocityWindow(ms []Milestone, plannedID int64, plannedStart, today day, n int) ([]window, error) {
	var all []window
	for _, m := range ms {
		if m.ID == plannedID || m.StartDate == "" || m.DueDate == "" {
			continue
		}
		from, to, err := parseRange(m.StartDate, m.DueDate)
		if err != nil {
			return nil, fmt.Errorf("milestone %q: %w", m.Title, err)
		}
		finished := m.State == MilestoneClosed || to < today
		if !finished || to >= plannedStart || to < from {
			continue
		}
		all = append(all, window{m: m, start: from, due: to})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.due != b.due {
			return a.due > b.due
		}
		if a.start != b.start {
			return a.start > b.start
		}
		return a.m.ID > b.m.ID
	})
	if len(all) > n {
		all = all[:n]
	}
	return all, nil
}

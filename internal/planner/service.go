// Package planner runs Cairn's milestone planning on top of the store: it
// loads what the pure planning package computes from (members, milestones,
// delivery history, time off, open issues), keeps each milestone's planning
// issue current, finalises plans, keeps the milestone cadence ahead, and
// opens retrospectives and time-off coverage issues. The arithmetic lives
// in planning/; this package is the I/O around it.
//
// Access control is the caller's: the service checks only that a milestone
// belongs to the group it is asked about.
package planner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// Service is the planning service. It is safe for concurrent use.
type Service struct {
	store  *store.Store
	logger *slog.Logger
	// Now returns the current time; "today" is its date in the team's time
	// zone. It defaults to the store's clock, so that both agree.
	Now func() time.Time
	// Debounce is how long Run waits after a group's last change before it
	// refreshes the group's planning issues; a burst of changes gives one
	// refresh.
	Debounce time.Duration
	// CadenceEvery is how often Run calls EnsureCadence for every group and
	// refreshes every open planning issue (dates move on; members change).
	CadenceEvery time.Duration

	mu      sync.Mutex
	pending map[int64]debounce // groups changed since their last refresh
	wake    chan struct{}
	// refreshMu serialises refreshes between Run and Flush, so that a test's
	// Flush returns only when the refresh it waits for is done.
	refreshMu sync.Mutex
}

// debounce is a group's pending refresh: due at the last change plus the
// debounce delay, but no later than the first change plus ten delays, so
// that a steady stream of changes still refreshes.
type debounce struct {
	first, due time.Time
}

// TimeOffFilter selects time-off entries: one user's (UserID), and those
// overlapping the dates From..To (either may be "").
type TimeOffFilter struct {
	UserID int64
	From   string
	To     string
	cairn.Page
}

// CapacityView is a milestone's capacity report with its milestone.
type CapacityView struct {
	Milestone *cairn.Milestone
	*planning.CapacityReport
}

// PlanView is a milestone's plan with what the API and the planning issue
// show beside it.
type PlanView struct {
	Milestone     *cairn.Milestone
	Plan          *planning.Plan
	Capacity      *planning.CapacityReport
	ParkingLot    []*cairn.ParkingLotEntry
	PlanningIssue *cairn.Issue // nil while the milestone has none
	Finalized     bool
	FinalizedAt   *time.Time
	// Issues are the open issues the plan was made from, by global id, for
	// the web_url and project of its entries. They are loaded lean: no
	// description, author or counters (store.PlanningIssues).
	Issues map[int64]*cairn.Issue
	// Projects are the group's projects by id, for references and URLs.
	Projects map[int64]*cairn.Project
}

// FinalizeResult is what Finalize did.
type FinalizeResult struct {
	Plan *PlanView
	// AlreadyFinalized says the plan had been finalised before this call,
	// which then changed nothing.
	AlreadyFinalized  bool
	NextPlanningIssue *cairn.Issue // nil when there is no next milestone
	Retrospective     *cairn.Issue // nil when no milestone ended before this one
}

// New returns a planning service on s and registers it for s's change
// notifications (store.Store.OnChange), keeping any hook set before. Call
// it before the store is shared between goroutines.
func New(s *store.Store, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Service{
		store: s, logger: logger,
		Now:          func() time.Time { return s.Now() },
		Debounce:     300 * time.Millisecond,
		CadenceEvery: time.Hour,
		pending:      map[int64]debounce{},
		wake:         make(chan struct{}, 1),
	}
	prev := s.OnChange
	s.OnChange = func(groupID int64) {
		if prev != nil {
			prev(groupID)
		}
		p.changed(groupID)
	}
	return p
}

// Settings returns the group's planning settings: the stored ones over the
// defaults, or the defaults when none are stored. ENOTFOUND if the group
// does not exist.
func (p *Service) Settings(ctx context.Context, groupID int64) (planning.Settings, error) {
	data, err := p.store.PlanningSettings(ctx, groupID)
	if err != nil {
		return planning.Settings{}, err
	}
	return parseStored(data)
}

// parseStored reads stored settings over the defaults. Stored settings were
// valid when saved; a later release that refuses them reports it here as
// an EINVALID error, which a PUT of the offending key repairs.
func parseStored(data []byte) (planning.Settings, error) {
	if len(data) == 0 {
		return planning.DefaultSettings(), nil
	}
	s, err := planning.ParseSettings(data)
	if err != nil {
		return s, fmt.Errorf("stored planning settings: %w", err)
	}
	return s, nil
}

// UpdateSettings applies patch, a JSON object of settings keys, over the
// group's current settings and saves the result: keys it does not name keep
// their values. It returns the new settings, or an EINVALID *cairn.Error
// whose Fields name each refused key (unknown keys and values of the wrong
// type too); ENOTFOUND if the group does not exist.
func (p *Service) UpdateSettings(ctx context.Context, groupID int64, patch []byte) (planning.Settings, error) {
	var out planning.Settings
	_, err := p.store.UpdatePlanningSettings(ctx, groupID, func(cur []byte) ([]byte, error) {
		s := planning.DefaultSettings()
		if len(cur) > 0 {
			// Decode without validating: a patch may repair a stored value
			// that a newer release refuses.
			if err := planning.DecodeSettings(cur, &s); err != nil {
				return nil, fmt.Errorf("stored planning settings: %w", err)
			}
		}
		if err := planning.DecodeSettings(patch, &s); err != nil {
			return nil, err
		}
		if err := s.Validate(); err != nil {
			return nil, err
		}
		data, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("encode planning settings: %w", err)
		}
		out = s
		return data, nil
	})
	if err != nil {
		return planning.Settings{}, err
	}
	return out, nil
}

// team is a group's planning context: its settings, time zone, today and
// milestones.
type team struct {
	groupID    int64
	settings   planning.Settings
	loc        *time.Location
	today      string
	milestones []*cairn.Milestone
}

func (p *Service) loadTeam(ctx context.Context, groupID int64) (*team, error) {
	s, err := p.Settings(ctx, groupID)
	if err != nil {
		return nil, err
	}
	loc, err := s.Location()
	if err != nil {
		return nil, cairn.FieldError("time_zone", err.Error())
	}
	ms, err := p.store.GroupMilestones(ctx, groupID)
	if err != nil {
		return nil, err
	}
	return &team{groupID: groupID, settings: s, loc: loc, today: p.Now().In(loc).Format(cairn.DateLayout), milestones: ms}, nil
}

// milestone returns the group's milestone; ENOTFOUND "Milestone" when it
// is not one of the group's.
func (t *team) milestone(id int64) (*cairn.Milestone, error) {
	for _, m := range t.milestones {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, cairn.NotFound("Milestone")
}

// dated reports whether a milestone has both dates, which planning needs.
func dated(m *cairn.Milestone) bool { return m.StartDate != "" && m.DueDate != "" }

// current returns the milestone in progress: the group milestone whose
// dates contain today (the latest starting one, if several do), else the
// latest one that started before target (or before today when target is
// nil). It never returns target itself; nil when there is none.
func (t *team) current(target *cairn.Milestone) *cairn.Milestone {
	var best *cairn.Milestone
	for _, m := range t.milestones {
		if dated(m) && m.StartDate <= t.today && t.today <= m.DueDate && (best == nil || m.StartDate > best.StartDate) {
			best = m
		}
	}
	if best == nil {
		for _, m := range t.milestones {
			if !dated(m) || m.StartDate > t.today || (target != nil && m.StartDate >= target.StartDate) {
				continue
			}
			if best == nil || m.StartDate > best.StartDate {
				best = m
			}
		}
	}
	if best != nil && target != nil && best.ID == target.ID {
		return nil
	}
	return best
}

// previous returns the milestone that comes before m: the latest one that
// starts before it. nil when there is none.
func (t *team) previous(m *cairn.Milestone) *cairn.Milestone {
	var best *cairn.Milestone
	for _, o := range t.milestones {
		if dated(o) && o.ID != m.ID && o.StartDate < m.StartDate && (best == nil || o.StartDate > best.StartDate) {
			best = o
		}
	}
	return best
}

// next returns the milestone that comes after m: the earliest active one
// that starts after it. nil when there is none.
func (t *team) next(m *cairn.Milestone) *cairn.Milestone {
	var best *cairn.Milestone
	for _, o := range t.milestones {
		if dated(o) && o.ID != m.ID && o.State != cairn.MilestoneClosed && o.StartDate > m.StartDate && (best == nil || o.StartDate < best.StartDate) {
			best = o
		}
	}
	return best
}

// isNotFound reports whether err is an ENOTFOUND error.
func isNotFound(err error) bool { return cairn.ErrorCode(err) == cairn.ENOTFOUND }

// systemContext returns ctx without an acting user: the planner's own
// writes (refreshing a planning issue) are system changes.
func systemContext(ctx context.Context) context.Context {
	return cairn.NewContextWithUser(ctx, nil)
}

var errNoDates = errors.New("the milestone needs a start date and a due date to be planned")

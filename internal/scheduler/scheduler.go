// Package scheduler runs Cairn's recurring process steps inside `cairn
// serve`: the weekly status-update requests and reminders, the planning
// finalisation reminders, the milestone cadence and planning issue, the
// retrospective of a milestone that ended, and closing it.
//
// planning.DueOccurrences says which occurrences are due for a team; each
// has a stable key ("status-request/12/2026-W48"). An occurrence runs only
// after its key is claimed in the database (store.ClaimJob), so that it runs
// once even when several instances share one PostgreSQL database; a run
// that crashed is taken over when its lease runs out, and a failed one is
// retried with exponential back-off up to MaxAttempts. Steps are
// idempotent, so a run repeated after a crash changes nothing twice.
package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/planning"
)

// Notifier delivers a notification to one user: to-dos, and an e-mail when
// mail is on. Notifying again with a Key used before must notify nobody
// twice. *store.Store implements it.
type Notifier interface {
	Notify(ctx context.Context, n cairn.Notification) error
}

// Defaults of the Scheduler's fields.
const (
	DefaultLease       = 5 * time.Minute
	DefaultTick        = time.Minute
	DefaultMaxAttempts = 5
	DefaultBackoff     = time.Minute
	maxBackoff         = time.Hour
)

// Scheduler runs the due occurrences of every team's recurring steps. Set
// its fields before the first RunOnce or Run; zero fields take their
// defaults then.
type Scheduler struct {
	Store    *store.Store
	Planner  *planner.Service
	Notifier Notifier
	// Now is the scheduler's clock (default: the store's). Leases are
	// measured on the store's clock; both should agree.
	Now func() time.Time
	// Owner names this instance in its claims (default
	// hostname-pid-random); every instance needs its own.
	Owner string
	// Lease is how long a claim lasts: a run that crashed is taken over
	// by any instance after it. A step that runs this long is cancelled at
	// three quarters of it, so that two instances never run one occurrence
	// at once.
	Lease time.Duration
	// Tick is how often Run evaluates the schedule.
	Tick time.Duration
	// MaxAttempts is how often a failing occurrence is tried before it
	// is given up (store.JobFailed).
	MaxAttempts int
	// Backoff is the wait before the first retry of a failed occurrence;
	// each further retry waits twice as long, at most an hour.
	Backoff time.Duration
	Logger  *slog.Logger
	// OnStep, when set, is called after each step this instance ran and
	// recorded, with its kind (a planning.Step constant), how long it took
	// and its error (nil when it succeeded), for monitoring. A step cut
	// short by shutdown is not reported: its attempt does not count.
	OnStep func(kind string, took time.Duration, err error)

	once sync.Once
}

// New returns a scheduler over st and p that notifies through n, with the
// default lease, tick and attempts, and a fresh owner name.
func New(st *store.Store, p *planner.Service, n Notifier, logger *slog.Logger) *Scheduler {
	s := &Scheduler{Store: st, Planner: p, Notifier: n, Logger: logger}
	s.init()
	return s
}

// init fills in the zero fields with their defaults.
func (s *Scheduler) init() {
	s.once.Do(func() {
		if s.Now == nil {
			st := s.Store
			s.Now = func() time.Time { return st.Now() }
		}
		if s.Owner == "" {
			s.Owner = defaultOwner()
		}
		if s.Lease <= 0 {
			s.Lease = DefaultLease
		}
		if s.Tick <= 0 {
			s.Tick = DefaultTick
		}
		if s.MaxAttempts <= 0 {
			s.MaxAttempts = DefaultMaxAttempts
		}
		if s.Backoff <= 0 {
			s.Backoff = DefaultBackoff
		}
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// defaultOwner names this process: host, process id and a random part, so
// that a restarted process does not pass for the one that crashed.
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "cairn"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Run evaluates the schedule at once and then every Tick until ctx ends.
// Failures are logged; the next round goes on (a failed occurrence is
// retried when its back-off has passed).
func (s *Scheduler) Run(ctx context.Context) {
	s.init()
	s.Logger.Info("scheduler started", "owner", s.Owner, "tick", s.Tick.String(), "lease", s.Lease.String())
	t := time.NewTicker(s.Tick)
	defer t.Stop()
	for {
		if err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("scheduler round had failures", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce evaluates every group's schedule once and runs the occurrences
// that are due and that this instance claims. It returns the failures of
// the round, joined (a group whose settings are unusable, a step that
// failed); the other groups and steps still run.
func (s *Scheduler) RunOnce(ctx context.Context) error {
	s.init()
	var errs []error
	for page := 1; ; page++ {
		groups, _, err := s.Store.ListGroups(ctx, cairn.GroupFilter{Admin: true, Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("list groups: %w", err))...)
		}
		for _, g := range groups {
			if err := ctx.Err(); err != nil {
				return errors.Join(append(errs, err)...)
			}
			if err := s.runGroup(ctx, g); err != nil {
				errs = append(errs, fmt.Errorf("group %s: %w", g.Path, err))
			}
		}
		if len(groups) < cairn.MaxPerPage {
			return errors.Join(errs...)
		}
	}
}

// team is one group's state for a round.
type team struct {
	group    *cairn.Group
	settings planning.Settings
	loc      *time.Location
}

// runGroup evaluates one group's schedule and runs what is due.
func (s *Scheduler) runGroup(ctx context.Context, g *cairn.Group) error {
	settings, err := s.Planner.Settings(ctx, g.ID)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return nil // deleted since it was listed
	}
	if err != nil {
		return err
	}
	loc, err := settings.Location()
	if err != nil {
		return cairn.FieldError("time_zone", err.Error())
	}
	milestones, err := s.Store.GroupMilestones(ctx, g.ID)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	plans, err := s.Store.MilestonePlans(ctx, g.ID)
	if err != nil {
		return err
	}
	now := s.Now()
	in := planning.ScheduleInput{GroupID: g.ID, Settings: settings}
	for _, m := range milestones {
		if m.StartDate == "" || m.DueDate == "" {
			continue
		}
		p := plans[m.ID]
		in.Milestones = append(in.Milestones, planning.ScheduleMilestone{
			ID: m.ID, Title: m.Title, StartDate: m.StartDate, DueDate: m.DueDate,
			Closed: m.State == cairn.MilestoneClosed, Finalized: p.Finalized(),
			HasRetrospective: p != nil && p.RetrospectiveIssueID != nil,
		})
	}
	req, err := s.Store.JobRunByKey(ctx, planning.StatusRequestKey(g.ID, planning.ISOWeek(now, loc)))
	if err != nil {
		return err
	}
	if req != nil && req.State != store.JobRunning && req.FinishedAt != nil {
		in.StatusRequestRan = *req.FinishedAt
	}
	due, err := planning.DueOccurrences(in, now)
	if err != nil {
		return cairn.Errorf(cairn.EINVALID, "planning settings: %v", err)
	}
	t := &team{group: g, settings: settings, loc: loc}
	var errs []error
	for _, o := range due {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := s.runOccurrence(ctx, t, o); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runOccurrence claims an occurrence, runs it and records the outcome. An
// occurrence that is done, given up, held by another instance or waiting
// for its retry is left alone; the claim decides races.
func (s *Scheduler) runOccurrence(ctx context.Context, t *team, o planning.Occurrence) error {
	// A read first: most due occurrences ran in an earlier round, and a
	// claim is a write.
	run, err := s.Store.JobRunByKey(ctx, o.Key)
	if err != nil {
		return err
	}
	if run != nil && (run.State != store.JobRunning || !run.LeaseUntil.Before(s.Now())) {
		return nil
	}
	claimed, attempt, err := s.Store.ClaimJob(ctx, o.Key, s.Owner, s.Lease)
	if err != nil || !claimed {
		return err
	}
	log := s.Logger.With("key", o.Key, "group", t.group.Path, "attempt", attempt)
	stepCtx, cancel := context.WithTimeout(ctx, s.Lease*3/4)
	began := time.Now()
	runErr := s.step(stepCtx, t, o)
	took := time.Since(began)
	cancel()
	if runErr != nil && ctx.Err() != nil {
		// Shutting down: leave the claim to run out, so that the attempt
		// is not counted as a failure; any instance takes it over then.
		return runErr
	}
	retryAt := s.Now().Add(s.backoff(attempt))
	if err := s.Store.FinishJob(ctx, o.Key, s.Owner, runErr, retryAt, s.MaxAttempts); err != nil {
		log.Error("record scheduled step", "err", err)
		return errors.Join(runErr, err)
	}
	if s.OnStep != nil {
		s.OnStep(o.Kind, took, runErr)
	}
	switch {
	case runErr == nil:
		log.Info("scheduled step done", "step", o.Kind)
	case attempt >= s.MaxAttempts:
		log.Error("scheduled step failed; giving up", "step", o.Kind, "err", runErr)
	default:
		log.Warn("scheduled step failed; will retry", "step", o.Kind, "err", runErr, "retry_at", retryAt)
	}
	if runErr != nil {
		return fmt.Errorf("%s: %w", o.Key, runErr)
	}
	return nil
}

// backoff is the wait after the attempt-th failure: Backoff, doubled for
// each earlier failure, at most an hour.
func (s *Scheduler) backoff(attempt int) time.Duration {
	d := s.Backoff
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// step runs one occurrence.
func (s *Scheduler) step(ctx context.Context, t *team, o planning.Occurrence) error {
	switch o.Kind {
	case planning.StepCadence:
		return s.Planner.EnsureCadence(ctx, t.group.ID)
	case planning.StepStatusRequest, planning.StepStatusReminder:
		return s.statusUpdates(ctx, t, o)
	case planning.StepFinalizeReminder:
		return s.finalizeReminder(ctx, t, o)
	case planning.StepRetrospective:
		_, err := s.Planner.EnsureRetrospective(ctx, t.group.ID, o.MilestoneID)
		if cairn.ErrorCode(err) == cairn.ENOTFOUND {
			return nil // the milestone was deleted
		}
		return err
	case planning.StepCloseMilestone:
		return s.closeMilestone(ctx, t, o)
	}
	return fmt.Errorf("unknown scheduled step %q", o.Kind)
}

// closeMilestone closes a milestone that ended, as Cairn itself, unless
// someone closed it or turned the setting off meanwhile.
func (s *Scheduler) closeMilestone(ctx context.Context, t *team, o planning.Occurrence) error {
	settings, err := s.Planner.Settings(ctx, t.group.ID)
	if err != nil {
		return err
	}
	if !settings.AutoCloseMilestones {
		return nil
	}
	m, err := s.Store.MilestoneByID(ctx, o.MilestoneID)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if m.State == cairn.MilestoneClosed || m.GroupID == nil || *m.GroupID != t.group.ID {
		return nil
	}
	if _, err := s.Store.UpdateMilestone(cairn.NewContextWithUser(ctx, nil), m.ID, cairn.MilestoneUpdate{StateEvent: "close"}); err != nil {
		return fmt.Errorf("close milestone %s: %w", m.Title, err)
	}
	return nil
}

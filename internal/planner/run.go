package planner

import (
	"context"
	"errors"
	"time"

	"github.com/cairnhq/cairn"
)

// changed notes that a group's plan may have changed; Run refreshes the
// group's planning issues once its changes settle. It is the store's
// OnChange hook, so it only records and returns.
func (p *Service) changed(groupID int64) {
	now := time.Now()
	p.mu.Lock()
	d, ok := p.pending[groupID]
	if !ok {
		d.first = now
	}
	d.due = now.Add(p.Debounce)
	if limit := d.first.Add(10 * p.Debounce); d.due.After(limit) {
		d.due = limit
	}
	p.pending[groupID] = d
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// take removes and returns the pending groups that are due at now, or all
// of them with all; next is when the earliest remaining one is due (zero
// for none).
func (p *Service) take(now time.Time, all bool) (groups []int64, next time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for g, d := range p.pending {
		if all || !d.due.After(now) {
			groups = append(groups, g)
			delete(p.pending, g)
			continue
		}
		if next.IsZero() || d.due.Before(next) {
			next = d.due
		}
	}
	return groups, next
}

// Run keeps planning current until ctx ends: it refreshes a group's
// planning issues shortly after the group's changes settle (Debounce), and
// at start and every CadenceEvery it calls EnsureCadence for every group
// and refreshes all open planning issues. Failures are logged; the next
// change or round tries again.
func (p *Service) Run(ctx context.Context) {
	p.allGroups(ctx)
	cadence := time.NewTicker(p.CadenceEvery)
	defer cadence.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		groups, next := p.take(time.Now(), false)
		if len(groups) > 0 {
			p.refreshGroups(ctx, groups)
			continue // more may have become due meanwhile
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-timer.C:
		case <-cadence.C:
			p.allGroups(ctx)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// Flush refreshes the planning issues of every group changed since its
// last refresh, now, without waiting for the debounce. Tests call it after
// a change; a server calls it at shutdown.
func (p *Service) Flush(ctx context.Context) error {
	groups, _ := p.take(time.Time{}, true)
	return p.refreshGroups(ctx, groups)
}

func (p *Service) refreshGroups(ctx context.Context, groups []int64) error {
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	var errs []error
	for _, g := range groups {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := p.refreshGroup(ctx, g); err != nil {
			p.logger.Error("refresh planning issues", "group_id", g, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// allGroups calls EnsureCadence for every group and refreshes its planning
// issues.
func (p *Service) allGroups(ctx context.Context) {
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	for page := 1; ctx.Err() == nil; page++ {
		groups, _, err := p.store.ListGroups(ctx, cairn.GroupFilter{Admin: true, Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			p.logger.Error("list groups for planning", "err", err)
			return
		}
		for _, g := range groups {
			if err := p.EnsureCadence(ctx, g.ID); err != nil {
				p.logger.Warn("ensure milestone cadence", "group", g.Path, "err", err)
			}
			if err := p.refreshGroup(ctx, g.ID); err != nil {
				p.logger.Warn("refresh planning issues", "group", g.Path, "err", err)
			}
		}
		if len(groups) < cairn.MaxPerPage {
			return
		}
	}
}

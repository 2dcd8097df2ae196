package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// MilestoneMetrics are the planning metrics of one milestone's own dates.
type MilestoneMetrics struct {
	Milestone *cairn.Milestone
	// From and To are the window: the milestone's start and due dates, or
	// for the milestone in progress its start to the report's end.
	From, To string
	// InProgress marks the milestone in progress at the report's end.
	InProgress bool
	*planning.Metrics
}

// PlanningMetricsByMilestone returns the planning metrics of the window
// from–to, as PlanningMetrics does (the same defaults and errors), and
// those of the milestones of the window, each over its own dates: the
// milestones due in it (with both dates; by due date, start date and id,
// as the metrics list them), then the one in progress at its end (the
// latest starting one whose dates contain the end and run past it), up to
// the end. limit keeps the latest ones (0 keeps all).
//
// Every report equals what PlanningMetrics returns for its window; they
// are computed from one read of the widest window instead of one each. A
// window's figures depend only on the issues in its reach and on their
// events before its end (docs/planning-rules.md, "Which issues the store
// reads"), and the reach of a window inside a wider one is inside the
// wider one's: so each window gets the wider read with the events at or
// after its end left out, and the issues beyond its reach change none of
// its figures. TestPlanningMetricsByMilestone checks the equality on both
// databases.
func (s *Store) PlanningMetricsByMilestone(ctx context.Context, groupID int64, from, to string, limit int) (*MetricsReport, []*MilestoneMetrics, error) {
	c := s.read()
	if err := checkGroup(ctx, c, groupID); err != nil {
		return nil, nil, err
	}
	st, err := groupSettings(ctx, c, groupID)
	if err != nil {
		return nil, nil, err
	}
	from, to = resolveWindow(st, s.Now(), from, to)
	if _, _, err := metricsWindow(st, from, to); err != nil {
		return nil, nil, err
	}
	ms, err := groupMilestones(ctx, c, groupID)
	if err != nil {
		return nil, nil, err
	}
	wins := milestoneWindows(st, ms, from, to)
	if limit > 0 && len(wins) > limit {
		wins = wins[len(wins)-limit:]
	}
	widest := from
	for _, w := range wins {
		widest = min(widest, w.From)
	}

	in, err := s.MetricsInput(ctx, groupID, widest, to)
	if err != nil {
		return nil, nil, err
	}
	compute := func(from, to string) (*planning.Metrics, error) {
		_, end, err := metricsWindow(in.Settings, from, to)
		if err != nil {
			return nil, err
		}
		sub := *in
		sub.From, sub.To = from, to
		cut := ms64(end)
		sub.LabelEvents = slices.DeleteFunc(slices.Clone(in.LabelEvents), func(e planning.LabelEvent) bool { return e.At.UnixMilli() >= cut })
		sub.StateEvents = slices.DeleteFunc(slices.Clone(in.StateEvents), func(e planning.StateEvent) bool { return e.At.UnixMilli() >= cut })
		m, err := planning.ComputeMetrics(sub)
		if err != nil {
			return nil, fmt.Errorf("planning metrics %s to %s: %w", from, to, err)
		}
		return m, nil
	}
	main, err := compute(from, to)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range wins {
		if w.Metrics, err = compute(w.From, w.To); err != nil {
			return nil, nil, err
		}
	}
	return &MetricsReport{From: from, To: to, Metrics: main}, wins, nil
}

// milestoneWindows returns the windows of the milestones of from–to: those
// due in it, ordered as planning.ComputeMetrics lists them, then the one
// in progress at to. Milestones whose dates make no window are left out.
func milestoneWindows(st planning.Settings, ms []*cairn.Milestone, from, to string) []*MilestoneMetrics {
	var due []*MilestoneMetrics
	var cur *cairn.Milestone
	for _, m := range ms {
		if m.StartDate == "" || m.DueDate == "" || m.StartDate > m.DueDate {
			continue
		}
		if _, _, err := metricsWindow(st, m.StartDate, m.DueDate); err != nil {
			continue
		}
		switch {
		case m.DueDate >= from && m.DueDate <= to:
			due = append(due, &MilestoneMetrics{Milestone: m, From: m.StartDate, To: m.DueDate})
		case m.StartDate <= to && to < m.DueDate && (cur == nil || m.StartDate > cur.StartDate || m.StartDate == cur.StartDate && m.ID > cur.ID):
			cur = m
		}
	}
	slices.SortStableFunc(due, func(a, b *MilestoneMetrics) int {
		return cmp.Or(cmp.Compare(a.To, b.To), cmp.Compare(a.From, b.From), cmp.Compare(a.Milestone.ID, b.Milestone.ID))
	})
	if cur != nil {
		due = append(due, &MilestoneMetrics{Milestone: cur, From: cur.StartDate, To: to, InProgress: true})
	}
	return due
}

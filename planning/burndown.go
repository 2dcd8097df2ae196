package planning

import (
	"fmt"
	"slices"
)

// BurndownInput is everything a milestone's burndown is computed from.
type BurndownInput struct {
	Settings Settings
	// Milestone needs a start and a due date.
	Milestone Milestone
	// Today is the team's current date ("YYYY-MM-DD"); the burndown stops
	// there while the milestone runs.
	Today string
	// Issues are every issue that had the milestone at some time (now, or
	// in a milestone change) and every committed issue.
	Issues []IssueFact
	// StateEvents are those issues' state events.
	StateEvents []StateEvent
	// MilestoneChanges are those issues' milestone changes.
	MilestoneChanges []MilestoneChange
	// Commitments are the milestone's commitments; those of other
	// milestones and Stretch ones are ignored.
	Commitments []Commitment
}

// BurndownDay is the state of a milestone at the end of one day.
type BurndownDay struct {
	Date string `json:"date"`
	// CommittedRemaining is the weight (at finalisation) of the committed
	// Deliverables still open.
	CommittedRemaining int `json:"committed_remaining"`
	// ScopeRemaining is the weight (now) of the open issues that had the
	// milestone.
	ScopeRemaining int `json:"scope_remaining"`
	// Ideal is the committed weight falling linearly to 0 over the
	// milestone's working days.
	Ideal float64 `json:"ideal"`
}

// ComputeBurndown returns a milestone's burndown: one line per day from its
// start date to its due date or today, whichever comes first (none before
// it starts), each as at the end of that day in the team's time zone:
//
//	committed_remaining  Σ commitment weight of the Deliverables still open
//	scope_remaining      Σ weight of the open issues whose milestone it was (from the milestone changes)
//	ideal                committed × (working days − working days up to that day) ÷ working days
//
// Issues without a weight count 0. It returns an error for settings the
// arithmetic cannot use, a milestone without dates, a malformed date, an
// issue listed twice, or an event without a time or with an unknown action.
func ComputeBurndown(in BurndownInput) ([]BurndownDay, error) {
	s := in.Settings
	if err := fieldErrors(s.problems()); err != nil {
		return nil, err
	}
	loc, err := s.Location()
	if err != nil {
		return nil, fmt.Errorf("time_zone: %w", err)
	}
	rng, err := plannedRange(in.Milestone)
	if err != nil {
		return nil, err
	}
	today, err := parseDay(in.Today)
	if err != nil {
		return nil, fmt.Errorf("today: %w", err)
	}
	cal, err := newCalendar(s.Holidays)
	if err != nil {
		return nil, err
	}
	h, err := newHistory(in.Issues, nil, nil, in.StateEvents)
	if err != nil {
		return nil, err
	}

	type committed struct {
		issueID int64
		weight  int
	}
	var commits []committed
	total := 0
	seen := map[int64]bool{}
	for _, c := range in.Commitments {
		if c.MilestoneID != in.Milestone.ID || c.Placement != PlacementDeliverable || seen[c.IssueID] {
			continue
		}
		seen[c.IssueID] = true
		w := 0
		if c.Weight != nil {
			w = *c.Weight
		}
		commits = append(commits, committed{c.IssueID, w})
		total += w
	}

	changes := map[int64][]MilestoneChange{}
	for _, c := range in.MilestoneChanges {
		if c.At.IsZero() {
			return nil, fmt.Errorf("milestone change of issue %d has no time", c.IssueID)
		}
		changes[c.IssueID] = append(changes[c.IssueID], c)
	}
	for _, cs := range changes {
		slices.SortStableFunc(cs, func(a, b MilestoneChange) int { return a.At.Compare(b.At) })
	}
	// milestoneBefore is the issue's milestone just before t: the last
	// change before t, else where the first change moved it from, else its
	// milestone now; none before the issue was created.
	milestoneBefore := func(is *IssueFact, t int64) int64 {
		if !is.CreatedAt.IsZero() && is.CreatedAt.UnixNano() >= t {
			return 0
		}
		cs := changes[is.ID]
		if len(cs) == 0 {
			return is.MilestoneID
		}
		m := cs[0].FromMilestoneID
		for _, c := range cs {
			if c.At.UnixNano() >= t {
				break
			}
			m = c.ToMilestoneID
		}
		return m
	}

	last := min(rng.to, today)
	out := []BurndownDay{}
	working := cal.workingDays(rng.from, rng.to)
	done := 0
	for d := rng.from; d <= last; d++ {
		end := localMidnight(d+1, loc)
		if cal.working(d) {
			done++
		}
		line := BurndownDay{Date: d.String(), Ideal: float64(total)}
		if working > 0 {
			line.Ideal = clean(float64(total) * float64(working-done) / float64(working))
		}
		for _, c := range commits {
			if !h.closedBefore(c.issueID, end) {
				line.CommittedRemaining += c.weight
			}
		}
		for k := range in.Issues {
			is := &in.Issues[k]
			if is.Weight == nil || milestoneBefore(is, end) != in.Milestone.ID || h.closedBefore(is.ID, end) {
				continue
			}
			line.ScopeRemaining += *is.Weight
		}
		out = append(out, line)
	}
	return out, nil
}

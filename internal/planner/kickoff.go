package planner

import (
	"context"
	"strconv"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// maxKickoffComments bounds the retrospective comments an agenda lists;
// maxKickoffNotePages bounds the pages of notes read to find them.
const (
	maxKickoffComments  = 50
	maxKickoffNotePages = 10
)

// KickoffView is what the combined retrospective and kickoff meeting of a
// milestone covers (seed 002): the retrospective of the milestone before it
// and the plan of this one. Issues are loaded lean (no description,
// author or confidential flag) except Retrospective.
type KickoffView struct {
	Milestone *cairn.Milestone
	// Today is the team's date the agenda was made on.
	Today    string
	Settings planning.Settings
	// Plan is the milestone's plan: final, or the current proposal.
	Plan *PlanView

	// Previous is the milestone before Milestone (nil when there is none);
	// the fields after it are about it.
	Previous *cairn.Milestone
	// Retrospective is Previous's retrospective issue, nil if none yet.
	Retrospective    *cairn.Issue
	RetrospectiveDue string
	// Deliverables are Previous's Deliverables as its retrospective lists
	// them: closed ones shipped, open ones slipped.
	Deliverables   []*cairn.Issue
	FromCommitment bool
	// SayDo is Previous's say/do ratio; nil when no plan was recorded.
	SayDo *planning.SayDo
	// Discussion are the non-system comments on the retrospective, oldest
	// first, at most 50; MoreDiscussion counts those left out.
	Discussion     []*cairn.Note
	MoreDiscussion int

	// Blockers are the Deliverables and carryover of Milestone, and the
	// slipped Deliverables of Previous, whose latest status update names a
	// blocker.
	Blockers []KickoffBlocker
}

// KickoffBlocker is an issue whose latest status update names a blocker.
type KickoffBlocker struct {
	Issue  *cairn.Issue
	Update *cairn.StatusUpdate
}

// Kickoff gathers the agenda of the milestone's combined retrospective and
// kickoff meeting. ENOTFOUND if the milestone is not the group's; EINVALID
// if it lacks a start or due date (as Plan).
func (p *Service) Kickoff(ctx context.Context, groupID, milestoneID int64) (*KickoffView, error) {
	t, err := p.loadTeam(ctx, groupID)
	if err != nil {
		return nil, err
	}
	m, err := t.milestone(milestoneID)
	if err != nil {
		return nil, err
	}
	c, err := p.compute(ctx, t, m)
	if err != nil {
		return nil, err
	}
	v := &KickoffView{Milestone: m, Today: t.today, Settings: t.settings}
	if v.Plan, err = p.view(ctx, c); err != nil {
		return nil, err
	}
	known := map[int64]*cairn.Issue{}
	for id, is := range v.Plan.Issues {
		known[id] = is
	}
	if prev := t.previous(m); prev != nil {
		if err := p.kickoffRetro(ctx, t, c, v, prev); err != nil {
			return nil, err
		}
		for _, is := range v.Deliverables {
			known[is.ID] = is
		}
	}

	// Blockers: this milestone's Deliverables and carryover, then what
	// slipped from the previous one, each once.
	var watch []*cairn.Issue
	seen := map[int64]bool{}
	add := func(id int64) {
		if is := known[id]; is != nil && !seen[id] && is.State != cairn.StateClosed {
			seen[id] = true
			watch = append(watch, is)
		}
	}
	if pl := v.Plan.Plan; pl != nil {
		for _, e := range pl.Deliverables {
			add(e.ID)
		}
		for _, e := range pl.Carryover {
			add(e.ID)
		}
	}
	for _, is := range v.Deliverables {
		add(is.ID)
	}
	for _, is := range watch {
		latest, _, err := p.store.ListStatusUpdates(ctx, is.ProjectID, is.IID, cairn.Page{PerPage: 1})
		if err != nil {
			if isNotFound(err) {
				continue // deleted meanwhile
			}
			return nil, err
		}
		if len(latest) > 0 && planning.HasBlockers(latest[0].Blockers) {
			v.Blockers = append(v.Blockers, KickoffBlocker{Issue: is, Update: latest[0]})
		}
	}
	return v, nil
}

// kickoffRetro fills in the retrospective of prev, the milestone before
// the one kicked off: the same Deliverables its retrospective issue lists,
// its say/do ratio, and the comments on its retrospective issue.
func (p *Service) kickoffRetro(ctx context.Context, t *team, c *computed, v *KickoffView, prev *cairn.Milestone) error {
	v.Previous = prev
	var err error
	if prev.DueDate != "" {
		if v.RetrospectiveDue, err = t.settings.RetrospectiveDue(prev.DueDate); err != nil {
			return err
		}
	}
	if v.Deliverables, v.FromCommitment, err = p.retroDeliverables(ctx, t, c.planningProjectID, prev); err != nil {
		return err
	}
	if v.FromCommitment && prev.DueDate != "" {
		rep, err := p.store.PlanningMetrics(ctx, t.groupID, prev.DueDate, prev.DueDate)
		if err != nil {
			return err
		}
		for i := range rep.SayDo {
			if rep.SayDo[i].MilestoneID == prev.ID {
				sd := rep.SayDo[i]
				v.SayDo = &sd
			}
		}
	}
	mp, err := p.store.MilestonePlan(ctx, prev.ID)
	if err != nil {
		return err
	}
	if mp == nil || mp.RetrospectiveIssueID == nil {
		return nil
	}
	retro, err := p.store.IssueByID(ctx, *mp.RetrospectiveIssueID)
	if isNotFound(err) {
		return nil // deleted: as if there were none
	}
	if err != nil {
		return err
	}
	v.Retrospective = retro
	for page := 1; page <= maxKickoffNotePages; page++ {
		notes, _, err := p.store.ListNotes(ctx, retro.ProjectID, retro.IID,
			cairn.NoteFilter{Sort: "asc", Page: cairn.Page{Page: page, PerPage: cairn.MaxPerPage}})
		if err != nil {
			return err
		}
		for _, n := range notes {
			if n.System {
				continue
			}
			if len(v.Discussion) < maxKickoffComments {
				v.Discussion = append(v.Discussion, n)
			} else {
				v.MoreDiscussion++
			}
		}
		if len(notes) < cairn.MaxPerPage {
			break
		}
	}
	return nil
}

// KickoffOptions are what turning a KickoffView into an agenda needs
// besides the view.
type KickoffOptions struct {
	// BaseURL is Cairn's external URL, for links.
	BaseURL string
	// GroupPath is the group's full path.
	GroupPath string
	// Sees reports whether the viewer may see an issue (only its id is
	// set on lean issues); nil: every issue. Issues the viewer may not
	// see show as "Confidential issue", without their comments or
	// blocker text.
	Sees func(*cairn.Issue) bool
}

// Doc returns the agenda's content for a viewer, for planning.RenderKickoff.
func (v *KickoffView) Doc(o KickoffOptions) planning.KickoffDoc {
	projects := map[int64]*cairn.Project{}
	if v.Plan != nil {
		projects = v.Plan.Projects
	}
	msURL := func(m *cairn.Milestone) string {
		return o.BaseURL + "/groups/" + o.GroupPath + "/-/milestones/" + strconv.FormatInt(m.IID, 10)
	}
	sees := func(is *cairn.Issue) bool { return o.Sees == nil || o.Sees(is) }
	link := func(is *cairn.Issue) planning.KickoffIssue {
		k := planning.KickoffIssue{Ref: "#" + strconv.FormatInt(is.IID, 10), Title: is.Title, Weight: is.Weight}
		if pr := projects[is.ProjectID]; pr != nil {
			k.Ref = pr.FullPath() + k.Ref
			k.URL = o.BaseURL + "/" + pr.FullPath() + "/-/issues/" + strconv.FormatInt(is.IID, 10)
		}
		for _, a := range is.Assignees {
			k.Assignees = append(k.Assignees, a.Username)
		}
		if !sees(is) {
			// As the plan API: the viewer learns that the issue is planned,
			// for whom and its weight, not what it is about.
			k.Title, k.Hidden = planning.ConfidentialTitle, true
		}
		return k
	}

	d := planning.KickoffDoc{
		Group: o.GroupPath, Date: v.Today,
		Milestone: planning.FromMilestone(v.Milestone), MilestoneURL: msURL(v.Milestone),
		RetrospectiveDue: v.RetrospectiveDue, FromCommitment: v.FromCommitment, SayDo: v.SayDo,
		MoreDiscussion: v.MoreDiscussion,
	}
	if v.Previous != nil {
		pm := planning.FromMilestone(v.Previous)
		d.Previous, d.PreviousURL = &pm, msURL(v.Previous)
		d.PreviousEnded = v.Previous.DueDate != "" && v.Previous.DueDate < v.Today
	}
	for _, is := range v.Deliverables {
		if is.State == cairn.StateClosed {
			d.Shipped = append(d.Shipped, link(is))
		} else {
			d.Slipped = append(d.Slipped, link(is))
		}
	}
	if v.Retrospective != nil {
		r := link(v.Retrospective)
		d.Retrospective = &r
		if !r.Hidden {
			for _, n := range v.Discussion {
				c := planning.KickoffComment{Text: n.Body, Date: n.CreatedAt.In(location(v.Settings)).Format(cairn.DateLayout)}
				if n.Author != nil {
					c.Author = n.Author.Username
				}
				if r.URL != "" {
					c.URL = r.URL + "#note_" + strconv.FormatInt(n.ID, 10)
				}
				d.Discussion = append(d.Discussion, c)
			}
		}
	}

	if pv := v.Plan; pv != nil {
		d.Finalized, d.Capacity = pv.Finalized, pv.Capacity
		if pv.FinalizedAt != nil {
			d.FinalizedOn = pv.FinalizedAt.In(location(v.Settings)).Format(cairn.DateLayout)
		}
		if pv.PlanningIssue != nil {
			pi := link(pv.PlanningIssue)
			d.PlanningIssue = &pi
		}
		entries := func(es []planning.Entry) []planning.KickoffIssue {
			out := make([]planning.KickoffIssue, 0, len(es))
			for _, e := range es {
				is := pv.Issues[e.ID]
				if is == nil {
					is = &cairn.Issue{ID: e.ID, ProjectID: e.ProjectID, IID: e.IID, Title: e.Title}
				}
				k := link(is)
				// The plan's weight and assignees are what it was made with.
				k.Weight, k.Assignees = e.Weight, nil
				for _, a := range e.Assignees {
					k.Assignees = append(k.Assignees, a.Username)
				}
				out = append(out, k)
			}
			return out
		}
		if pl := pv.Plan; pl != nil {
			d.TeamCapacity, d.PlannedWeight, d.RemainingCapacity = pl.TeamCapacity, pl.PlannedWeight, pl.RemainingCapacity
			d.StretchBudget, d.StretchWeight, d.CarryoverWeight = pl.StretchBudget, pl.StretchWeight, pl.CarryoverWeight
			d.MemberLoad = pl.MemberLoad
			d.Deliverables, d.Stretch, d.Carryover = entries(pl.Deliverables), entries(pl.Stretch), entries(pl.Carryover)
		}
		for _, e := range pv.ParkingLot {
			k := planning.KickoffParking{Title: e.Title, Reason: e.Reason}
			if e.Author != nil {
				k.Author = e.Author.Username
			}
			if e.Issue != nil {
				il := link(e.Issue)
				k.Issue = &il
			}
			d.ParkingLot = append(d.ParkingLot, k)
		}
	}

	for _, b := range v.Blockers {
		k := planning.KickoffBlocker{Issue: link(b.Issue), Week: b.Update.Week}
		if b.Update.Author != nil {
			k.Author = b.Update.Author.Username
		}
		if !k.Issue.Hidden {
			k.Blockers = b.Update.Blockers
			k.URL = k.Issue.URL
			if b.Update.NoteID != 0 && k.URL != "" {
				k.URL += "#note_" + strconv.FormatInt(b.Update.NoteID, 10)
			}
		}
		d.Blockers = append(d.Blockers, k)
	}
	return d
}

// location returns the team's time zone, UTC if the stored one is unknown
// (loadTeam has refused such settings before a view exists).
func location(s planning.Settings) *time.Location {
	loc, err := s.Location()
	if err != nil {
		return time.UTC
	}
	return loc
}

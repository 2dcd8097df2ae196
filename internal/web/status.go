package web

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/planning"
)

// The team's status updates page: a week's updates on the team's issues,
// grouped by issue; who still owes one that week; and the risk of the
// milestone that week belongs to. It reads what GET …/status_updates,
// …/status_updates/due and …/milestones/:id/risk answer in the API. The
// form that posts an update is on the issue page (#status-update).

// statusPerPage is how many updates one page of the status page shows.
const statusPerPage = 50

// statusPage is the data of the status updates page.
type statusPage struct {
	Group *cairn.Group
	Week  string // "2026-W48"
	// WeekLabel and DayLabel are for people: "Week 48, 2026",
	// "Wednesday 25 Nov".
	WeekLabel string
	DayLabel  string
	ThisWeek  string
	IsCurrent bool
	PrevWeek  string
	NextWeek  string
	Milestone *cairn.Milestone
	// Issues are the week's updates by issue, the most recently updated
	// issue first.
	Issues       []statusIssue
	UpdatesTotal int
	Page         int
	Pages        int
	PrevURL      string
	NextURL      string
	// Owed are the status updates still owed, by person.
	Owed      []statusOwer
	OwedCount int
	Risk      *statusRisk
	// CanPost says the user may post status updates (on their issues).
	CanPost bool
}

// statusIssue is one issue's updates of the week.
type statusIssue struct {
	statusIssueRef
	Updates []*cairn.StatusUpdate
}

// statusIssueRef names an issue on the page; Hidden says it is a
// confidential issue the user may not see (no title, no link, no text).
type statusIssueRef struct {
	Title  string
	Ref    string
	URL    string
	Hidden bool
}

// statusOwer is one person who owes updates, with the issues.
type statusOwer struct {
	User  *cairn.User
	Items []statusOwed
}

// statusOwed is one update owed.
type statusOwed struct {
	statusIssueRef
	LastUpdateAt *time.Time
}

// statusRisk is the milestone's risk roll-up.
type statusRisk struct {
	Milestone      *cairn.Milestone
	Deliverables   int
	AtRisk         int
	NeedsAttention int
	Stale          int
	OnTrack        int
	Items          []statusRiskItem
}

// statusRiskItem is one Deliverable at risk.
type statusRiskItem struct {
	statusIssueRef
	Reason string
	// Level is the item's class: at-risk, attention or stale.
	Level  string
	Latest *cairn.StatusUpdate
}

// statusUpdates serves GET /groups/{group}/-/status?week=2026-W48 (this
// week in the team's time zone by default; ?page= pages the updates).
func (w *Web) statusUpdates(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.team(r, access.ReadStatusUpdates)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	week := q.Get("week")
	page := planPageParam(q, "page")
	// The due list validates the week (EINVALID "week must be an ISO week
	// like 2026-W48") and says which it is when none is given.
	due, err := w.store.StatusUpdatesDue(ctx, s.Group.ID, week)
	if err != nil {
		return err
	}
	week = due.Week
	updates, total, err := w.store.ListGroupStatusUpdates(ctx, s.Group.ID, week, cairn.Page{Page: page, PerPage: statusPerPage})
	if err != nil {
		return err
	}
	var risk *cairn.MilestoneRisk
	if due.Milestone != nil {
		if risk, err = w.store.MilestoneRisk(ctx, s.Group.ID, due.Milestone.ID); err != nil {
			return err
		}
	}
	st, err := w.store.GroupSettings(ctx, s.Group.ID)
	if err != nil {
		return err
	}
	loc, err := st.Location()
	if err != nil {
		loc = time.UTC
	}
	refs, err := w.refs(ctx, s.Group)
	if err != nil {
		return err
	}

	// One query for every issue the page names: the updates carry no
	// title, and guests must not see confidential issues' titles.
	guest := !s.User.IsAdmin && s.Level < cairn.AccessReporter
	var ids []int64
	for _, u := range updates {
		ids = append(ids, u.IssueID)
	}
	if guest {
		for _, d := range due.Due {
			ids = append(ids, d.Issue.ID)
		}
		if risk != nil {
			for _, it := range risk.Items {
				ids = append(ids, it.Issue.ID)
			}
		}
	}
	issues, err := w.store.IssuesByIDs(ctx, ids)
	if err != nil {
		return err
	}
	name := func(id, projectID, iid int64, title string) statusIssueRef {
		is := &cairn.Issue{ID: id, ProjectID: projectID, IID: iid, Title: title}
		if full := issues[id]; full != nil {
			is = full
		}
		ref := statusIssueRef{Title: is.Title, Ref: shortRef(refs, is), URL: refs.IssueURL(is)}
		full := issues[id]
		if guest && (full == nil || !s.seesConfidential(full)) {
			ref.Title, ref.URL, ref.Hidden = confidentialIssueTitle, "", true
		}
		return ref
	}

	data := statusPage{Group: s.Group, Week: week, Milestone: due.Milestone, CanPost: s.Can(access.PostStatusUpdate)}
	data.ThisWeek = planning.ISOWeek(w.store.Now(), loc)
	data.IsCurrent = week == data.ThisWeek
	if mon, err := planning.WeekMonday(week, loc); err == nil {
		data.PrevWeek = planning.ISOWeek(mon.AddDate(0, 0, -7), loc)
		data.NextWeek = planning.ISOWeek(mon.AddDate(0, 0, 7), loc)
		y, n := mon.ISOWeek()
		data.WeekLabel = "Week " + strconv.Itoa(n) + ", " + strconv.Itoa(y)
	}
	data.DayLabel = planDate(due.Day, "Monday 2 Jan")

	byIssue := map[int64]int{}
	for _, u := range updates {
		k, ok := byIssue[u.IssueID]
		if !ok {
			k = len(data.Issues)
			byIssue[u.IssueID] = k
			data.Issues = append(data.Issues, statusIssue{statusIssueRef: name(u.IssueID, u.ProjectID, u.IssueIID, "")})
		}
		if !data.Issues[k].Hidden {
			data.Issues[k].Updates = append(data.Issues[k].Updates, u)
		}
	}
	data.UpdatesTotal = total.Count
	data.Page = max(page, 1)
	data.Pages = max(1, (total.Count+statusPerPage-1)/statusPerPage)
	if data.Page > 1 {
		data.PrevURL = planPageURL(r.URL, "page", data.Page-1)
	}
	if data.Page < data.Pages || (total.Capped && len(updates) == statusPerPage) {
		data.NextURL = planPageURL(r.URL, "page", data.Page+1)
	}

	byUser := map[int64]int{}
	for _, d := range due.Due {
		if d.User == nil {
			continue
		}
		k, ok := byUser[d.User.ID]
		if !ok {
			k = len(data.Owed)
			byUser[d.User.ID] = k
			data.Owed = append(data.Owed, statusOwer{User: d.User})
		}
		data.Owed[k].Items = append(data.Owed[k].Items, statusOwed{
			statusIssueRef: name(d.Issue.ID, d.Issue.ProjectID, d.Issue.IID, d.Issue.Title), LastUpdateAt: d.LastUpdateAt})
		data.OwedCount++
	}
	sort.SliceStable(data.Owed, func(i, j int) bool { return data.Owed[i].User.Username < data.Owed[j].User.Username })

	if risk != nil {
		sr := &statusRisk{Milestone: risk.Milestone, Deliverables: risk.Deliverables, AtRisk: risk.AtRisk,
			NeedsAttention: risk.NeedsAttention, Stale: risk.Stale}
		sr.OnTrack = max(0, risk.Deliverables-risk.AtRisk-risk.NeedsAttention-risk.Stale)
		for _, it := range risk.Items {
			item := statusRiskItem{statusIssueRef: name(it.Issue.ID, it.Issue.ProjectID, it.Issue.IID, it.Issue.Title), Reason: it.Reason, Latest: it.Latest}
			switch it.Reason {
			case cairn.RiskNotConfident:
				item.Level = "at-risk"
			case cairn.RiskSlightlyConfident:
				item.Level = "attention"
			default:
				item.Level = "stale"
			}
			sr.Items = append(sr.Items, item)
		}
		// The worst first: not confident, slightly, then stale.
		rank := map[string]int{"at-risk": 0, "attention": 1, "stale": 2}
		sort.SliceStable(sr.Items, func(i, j int) bool { return rank[sr.Items[i].Level] < rank[sr.Items[j].Level] })
		data.Risk = sr
	}
	w.render(rw, r, http.StatusOK, "status.html", &Page{Title: "Status updates " + week, Section: "status", Group: s.Group, Data: data})
	return nil
}

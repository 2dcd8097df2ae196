package web

import (
	"math"
	"net/http"
	"strconv"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/access"
	"github.com/cairnhq/cairn/internal/store"
)

// refinementPerPage is the refinement queue's page size.
const refinementPerPage = 50

// refinementPage is the data of the refinement queue page.
type refinementPage struct {
	Refs  Refs
	Queue *store.RefinementQueue
	// Items and ReadyButIncomplete are the queue's issues the user may see.
	Items              []refinementRow
	ReadyButIncomplete []refinementRow
	Share              *store.RefinementShareReport
	// ShareRows are the engineers' lines, then the team's, as shown.
	ShareRows []shareRow
	// ShareLogged says time was logged in the window at all.
	ShareLogged      bool
	Target           string
	Page             int
	PrevURL, NextURL string
}

// refinement serves GET /groups/{group}/-/refinement?page=: the team's
// refinement queue as the API's refinement_queue serves it (oldest in
// refinement first, with age, weight, priority and what the ready gate
// misses), the ready issues that do not meet the gate, and how the team's
// logged time splits between refinement and development over the last 90
// days against its refinement share.
func (w *Web) refinement(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := w.team(r, access.ReadPlanning)
	if err != nil {
		return err
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return &cairn.Error{Code: cairn.EINVALID, Message: "page must be a positive number"}
		}
	}
	q, err := w.store.RefinementQueue(ctx, s.Group.ID, cairn.Page{Page: page, PerPage: refinementPerPage})
	if err != nil {
		return err
	}
	share, err := w.store.RefinementShare(ctx, s.Group.ID, "", "")
	if err != nil {
		return err
	}
	data := refinementPage{Queue: q, Share: share, Page: page}
	if data.Refs, err = w.refs(ctx, s.Group); err != nil {
		return err
	}
	for _, it := range q.Items {
		if s.seesConfidential(it.Issue) {
			data.Items = append(data.Items, refinementRow{Item: it, Refs: data.Refs})
		}
	}
	for _, it := range q.ReadyButIncomplete {
		if s.seesConfidential(it.Issue) {
			data.ReadyButIncomplete = append(data.ReadyButIncomplete, refinementRow{Item: it, Refs: data.Refs})
		}
	}
	data.Target = sharePercent(share.Target)
	data.ShareLogged = share.Team.RefinementHours+share.Team.DevelopmentHours > 0
	for _, l := range share.Engineers {
		data.ShareRows = append(data.ShareRows, shareRowOf(l, share.Target))
	}
	team := shareRowOf(&share.Team, share.Target)
	team.Team = true
	data.ShareRows = append(data.ShareRows, team)
	base := "/groups/" + s.Group.Path + "/-/refinement?page="
	if page > 1 {
		data.PrevURL = base + strconv.Itoa(page-1)
	}
	if q.Total.Capped || q.Total.Count > page*refinementPerPage {
		data.NextURL = base + strconv.Itoa(page+1)
	}
	w.render(rw, r, http.StatusOK, "refinement.html", &Page{Title: "Refinement", Section: "refinement", Group: s.Group, Data: data})
	return nil
}

// refinementRow is a queue item with the links of its issue.
type refinementRow struct {
	Item *store.RefinementItem
	Refs Refs
}

// shareRow is one line of the refinement share table.
type shareRow struct {
	User        *cairn.User // nil for the team
	Team        bool
	Refinement  string
	Development string
	Share       string
	// Off says the share is more than ten points from the target.
	Off bool
}

func shareRowOf(l *store.ShareLine, target float64) shareRow {
	row := shareRow{User: l.User, Refinement: shareHours(l.RefinementHours), Development: shareHours(l.DevelopmentHours), Share: "–"}
	if l.Share != nil {
		row.Share = sharePercent(*l.Share)
		row.Off = math.Abs(*l.Share-target) > 0.10
	}
	return row
}

func sharePercent(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "%" }

func shareHours(h float64) string {
	return strconv.FormatFloat(math.Round(h*10)/10, 'f', -1, 64) + " h"
}

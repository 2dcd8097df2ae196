package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
)

// paginate writes GitLab's pagination headers for one page of n results out
// of total: X-Page, X-Per-Page, X-Next-Page and X-Prev-Page (empty when
// there is none), X-Total and X-Total-Pages (at least 1), and Link with
// prev, next, first and last as absolute URLs from the base URL, carrying the
// request's query parameters (gitbeaker and glab follow rel="next" as is).
// When the total is capped (more than cairn.MaxCountedTotal results), X-Total,
// X-Total-Pages and the last link are left out, as GitLab does, and a full
// page means there may be a next one.
func (a *API) paginate(w http.ResponseWriter, r *http.Request, page cairn.Page, total cairn.Total, n int) {
	SetPageHeaders(w.Header(), a.BaseURL(r), r.URL, page, total, n)
}

// SetPageHeaders sets the pagination headers of paginate on h for a
// request to reqURL (its path and query) served under baseURL.
func SetPageHeaders(h http.Header, baseURL string, reqURL *url.URL, page cairn.Page, total cairn.Total, n int) {
	page = page.Normalize()
	h.Set("X-Page", strconv.Itoa(page.Page))
	h.Set("X-Per-Page", strconv.Itoa(page.PerPage))

	hasNext := page.Page*page.PerPage < total.Count
	lastPage := 0
	if total.Capped {
		hasNext = n >= page.PerPage
	} else {
		lastPage = max(1, (total.Count+page.PerPage-1)/page.PerPage)
		h.Set("X-Total", strconv.Itoa(total.Count))
		h.Set("X-Total-Pages", strconv.Itoa(lastPage))
	}
	next, prev := "", ""
	if hasNext {
		next = strconv.Itoa(page.Page + 1)
	}
	if page.Page > 1 {
		prev = strconv.Itoa(page.Page - 1)
		if lastPage > 0 && page.Page-1 > lastPage {
			// Past the end: prev leads back to the last real page.
			prev = strconv.Itoa(lastPage)
		}
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)

	base := strings.TrimRight(baseURL, "/") + reqURL.EscapedPath()
	query := reqURL.Query()
	// A token given in the query must not be echoed into headers that
	// proxies and logs keep; clients send it again with the next request.
	query.Del("private_token")
	query.Del("access_token")
	link := func(p, rel string) string {
		q := url.Values{}
		for k, vs := range query {
			q[k] = vs
		}
		q.Set("page", p)
		q.Set("per_page", strconv.Itoa(page.PerPage))
		return "<" + base + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	var links []string
	if prev != "" {
		links = append(links, link(prev, "prev"))
	}
	if next != "" {
		links = append(links, link(next, "next"))
	}
	links = append(links, link("1", "first"))
	if lastPage > 0 {
		links = append(links, link(strconv.Itoa(lastPage), "last"))
	}
	h.Set("Link", strings.Join(links, ", "))
}

// writeList writes one page of a list with its pagination headers.
func (a *API) writeList(w http.ResponseWriter, r *http.Request, page cairn.Page, total cairn.Total, items any, n int) {
	a.paginate(w, r, page, total, n)
	writeJSON(w, http.StatusOK, items)
}

package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/icalfeed"
)

// Calendar feeds (Cairn's own): a group's and a user's milestones,
// planning finalisation deadlines, retrospective due dates and time off as
// iCalendar, for calendar applications to subscribe to. Those applications
// cannot send a token header, so the feeds authenticate only with the
// user's feed token in the query (?feed_token=), a secret that shows
// nothing but these feeds; POST /user/feed_token makes a new one and
// returns the feed URLs.

// Calendar feed response headers: private, since the URL carries a secret
// and the content is the user's; five minutes, since clients poll.
const (
	calendarContentType  = "text/calendar; charset=utf-8"
	calendarCacheControl = "private, max-age=300"
)

// feeds returns the feed token service: *store.Store implements it.
func (a *API) feeds() (cairn.FeedService, error) {
	fs, ok := a.svc.(cairn.FeedService)
	if !ok || a.planner == nil {
		return nil, &cairn.Error{Code: cairn.ENOTFOUND}
	}
	return fs, nil
}

// feedUser returns the user of the request's feed_token: EUNAUTHORIZED if
// it is missing, unknown, reset since, or its user is blocked. Other
// credentials are ignored: a feed URL must not work because a browser
// happens to hold a session.
func (a *API) feedUser(r *http.Request, fs cairn.FeedService) (*cairn.User, error) {
	token := r.URL.Query().Get("feed_token")
	if token == "" {
		return nil, &cairn.Error{Code: cairn.EUNAUTHORIZED}
	}
	u, err := fs.UserByFeedToken(r.Context(), token)
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return nil, &cairn.Error{Code: cairn.EUNAUTHORIZED}
	}
	return u, err
}

// feedOptions returns the links and UID domain of the feeds served to r.
func (a *API) feedOptions(r *http.Request) icalfeed.Options {
	base := a.BaseURL(r)
	host := "cairn"
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return icalfeed.Options{BaseURL: base, Host: host}
}

// GroupCalendar serves GET /groups/{id}/calendar.ics?feed_token=: the
// group's milestones, finalisation deadlines, retrospective due dates and
// its members' time off. 401 without a valid feed token; 404 unless the
// token's user is a member of the group (administrators too: a feed URL
// carries less trust than a signed-in session).
func (a *API) GroupCalendar(w http.ResponseWriter, r *http.Request) error {
	fs, err := a.feeds()
	if err != nil {
		return err
	}
	u, err := a.feedUser(r, fs)
	if err != nil {
		return err
	}
	ctx := r.Context()
	g, err := a.findGroup(ctx, r.PathValue("id"))
	if err != nil {
		return feedNotFound(err, "Group")
	}
	if _, err := a.svc.Member(ctx, g.ID, u.ID); err != nil {
		return feedNotFound(err, "Group")
	}
	t, err := a.planner.CalendarTeam(ctx, g, 0)
	if err != nil {
		return err
	}
	f, err := icalfeed.GroupFeed(t, a.feedOptions(r))
	if err != nil {
		return err
	}
	return writeCalendar(w, r, f)
}

// UserCalendar serves GET /user/calendar.ics?feed_token=: the events of
// every group the token's user is a member of, with only their own time
// off. 401 without a valid feed token.
func (a *API) UserCalendar(w http.ResponseWriter, r *http.Request) error {
	fs, err := a.feeds()
	if err != nil {
		return err
	}
	u, err := a.feedUser(r, fs)
	if err != nil {
		return err
	}
	ctx := r.Context()
	groups, err := fs.MemberGroups(ctx, u.ID)
	if err != nil {
		return err
	}
	teams := make([]icalfeed.Team, 0, len(groups))
	for _, g := range groups {
		t, err := a.planner.CalendarTeam(ctx, g, u.ID)
		if cairn.ErrorCode(err) == cairn.EINVALID {
			// One team's broken settings (a time zone a newer release
			// refuses) must not take the person's whole calendar down.
			a.log(r).Warn("calendar feed: group skipped", "group_id", g.ID, "err", err)
			continue
		}
		if err != nil {
			return err
		}
		teams = append(teams, t)
	}
	f, err := icalfeed.UserFeed(u, teams, a.feedOptions(r))
	if err != nil {
		return err
	}
	return writeCalendar(w, r, f)
}

// writeCalendar answers with the serialised feed, or 304 when the client's
// If-None-Match names its ETag (a hash of the bytes: the feed serialises
// the same while nothing in it changes).
func writeCalendar(w http.ResponseWriter, r *http.Request, f *icalfeed.Feed) error {
	body, err := f.Bytes()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("Content-Type", calendarContentType)
	h.Set("Cache-Control", calendarCacheControl)
	h.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// etagMatches reports whether an If-None-Match header names etag: "*", or
// one of its entity tags, weak or strong (RFC 9110 compares them weakly
// for If-None-Match).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// feedTokenJSON is POST /user/feed_token's answer.
type feedTokenJSON struct {
	FeedToken string            `json:"feed_token"`
	Calendars feedCalendarsJSON `json:"calendars"`
}

type feedCalendarsJSON struct {
	User   string              `json:"user"`
	Groups []groupCalendarJSON `json:"groups"`
}

type groupCalendarJSON struct {
	GroupID int64  `json:"group_id"`
	Path    string `json:"path"`
	URL     string `json:"url"`
}

// ResetFeedToken serves POST /user/feed_token: a new feed token for the
// caller, shown this once, and the absolute URLs of their calendar feeds
// (theirs, and each group's they are a member of). The previous token
// stops working. 201; read_api tokens are refused (403) like any write.
func (a *API) ResetFeedToken(w http.ResponseWriter, r *http.Request) error {
	u, err := currentUser(r)
	if err != nil {
		return err
	}
	fs, err := a.feeds()
	if err != nil {
		return err
	}
	ctx := r.Context()
	token, err := fs.ResetFeedToken(ctx, u.ID)
	if err != nil {
		return err
	}
	groups, err := fs.MemberGroups(ctx, u.ID)
	if err != nil {
		return err
	}
	base := a.BaseURL(r)
	q := "?feed_token=" + url.QueryEscape(token)
	out := feedTokenJSON{FeedToken: token, Calendars: feedCalendarsJSON{
		User: base + "/api/v4/user/calendar.ics" + q, Groups: make([]groupCalendarJSON, 0, len(groups)),
	}}
	for _, g := range groups {
		out.Calendars.Groups = append(out.Calendars.Groups, groupCalendarJSON{
			GroupID: g.ID, Path: g.Path, URL: base + "/api/v4/groups/" + strconv.FormatInt(g.ID, 10) + "/calendar.ics" + q,
		})
	}
	a.log(r).Info("feed token reset", "user_id", u.ID)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// feedNotFound turns ENOTFOUND into "404 <what> Not Found" and leaves other
// errors alone.
func feedNotFound(err error, what string) error {
	if cairn.ErrorCode(err) == cairn.ENOTFOUND {
		return cairn.NotFound(what)
	}
	return err
}

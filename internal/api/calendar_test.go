package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// feedAnswer is POST /user/feed_token's answer.
type feedAnswer struct {
	FeedToken string `json:"feed_token"`
	Calendars struct {
		User   string `json:"user"`
		Groups []struct {
			GroupID int64  `json:"group_id"`
			Path    string `json:"path"`
			URL     string `json:"url"`
		} `json:"groups"`
	} `json:"calendars"`
}

// resetFeed makes a new feed token for the user.
func (pt *planTeam) resetFeed(as string) feedAnswer {
	pt.t.Helper()
	r := pt.do("POST", "/user/feed_token", as, "")
	want(pt.t, r, 201)
	var fa feedAnswer
	r.decode(pt.t, &fa)
	return fa
}

// getRaw fetches an absolute URL with the headers given, without any token.
func (pt *planTeam) getRaw(u string, header map[string]string) resp {
	pt.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		pt.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := pt.ts.Client().Do(req)
	if err != nil {
		pt.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		pt.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// parseFeed checks a feed's framing strictly — every line ends in CRLF
// and has at most 75 octets, folded lines do not split a character — and
// parses it with golang-ical, returning the events by UID.
func parseFeed(t *testing.T, body string) (*ics.Calendar, map[string]*ics.VEvent) {
	t.Helper()
	b := []byte(body)
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("feed does not end in CRLF: %q", body[max(0, len(body)-20):])
	}
	for i, l := range bytes.Split(b[:len(b)-2], []byte("\r\n")) {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets long: %q", i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d splits a character: %q", i+1, l)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse feed: %v\n%s", err, body)
	}
	events := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		if events[e.Id()] != nil {
			t.Errorf("UID %s twice", e.Id())
		}
		events[e.Id()] = e
	}
	return cal, events
}

func calProp(cal *ics.Calendar, p ics.Property) string {
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value
		}
	}
	return ""
}

// dates returns an all-day event's DTSTART and DTEND values, "" unless
// both are VALUE=DATE.
func dates(e *ics.VEvent) (string, string) {
	s, en := e.GetProperty(ics.ComponentPropertyDtStart), e.GetProperty(ics.ComponentPropertyDtEnd)
	if s == nil || en == nil || len(s.ICalParameters["VALUE"]) != 1 || s.ICalParameters["VALUE"][0] != "DATE" ||
		len(en.ICalParameters["VALUE"]) != 1 || en.ICalParameters["VALUE"][0] != "DATE" {
		return "", ""
	}
	return s.Value, en.Value
}

func TestCalendarFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		pt := newPlanTeam(t, st)
		ctx := context.Background()
		// A team far from UTC: its dates are Auckland's.
		want(t, pt.do("PUT", "/groups/team/planning_settings", manager, `{"time_zone":"Pacific/Auckland","retro_due_days":10}`), 200)
		want(t, pt.do("POST", "/groups/team/time_off", engineer, `{"start_date":"2026-11-09","end_date":"2026-11-13"}`), 201)
		want(t, pt.do("POST", "/groups/team/time_off", owner, `{"start_date":"2026-11-20","half_day":true}`), 201)
		// Finalising November opens October's retrospective, which the
		// feed links to.
		r := pt.do("POST", pt.ms(pt.nov)+"/plan/finalize", manager, "")
		want(t, r, 201)
		retro, _ := r.obj(t)["retrospective"].(map[string]any)
		if retro == nil {
			t.Fatalf("finalize opened no retrospective: %s", r.body)
		}
		host := strings.TrimPrefix(pt.ts.URL, "http://")
		host = host[:strings.LastIndex(host, ":")]
		uid := func(kind string, id int64) string { return kind + "-" + strconv.FormatInt(id, 10) + "@" + host }

		fa := pt.resetFeed(engineer)
		if !strings.HasPrefix(fa.FeedToken, "glft-") || len(fa.FeedToken) != 25 {
			t.Errorf("feed token %q", fa.FeedToken)
		}
		gid := pt.groupID()
		if fa.Calendars.User != pt.ts.URL+"/api/v4/user/calendar.ics?feed_token="+fa.FeedToken ||
			len(fa.Calendars.Groups) != 1 || fa.Calendars.Groups[0].GroupID != gid || fa.Calendars.Groups[0].Path != "team" ||
			fa.Calendars.Groups[0].URL != pt.ts.URL+"/api/v4/groups/"+strconv.FormatInt(gid, 10)+"/calendar.ics?feed_token="+fa.FeedToken {
			t.Errorf("calendars = %+v", fa.Calendars)
		}

		t.Run("GroupFeed", func(t *testing.T) {
			r := pt.getRaw(fa.Calendars.Groups[0].URL, nil)
			want(t, r, 200)
			if ct := r.header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := r.header.Get("Cache-Control"); cc != "private, max-age=300" {
				t.Errorf("Cache-Control %q", cc)
			}
			cal, events := parseFeed(t, r.body)
			if z := calProp(cal, ics.PropertyXWRTimezone); z != "Pacific/Auckland" {
				t.Errorf("X-WR-TIMEZONE %q", z)
			}
			if n := calProp(cal, ics.PropertyXWRCalName); !strings.Contains(n, "Team") {
				t.Errorf("X-WR-CALNAME %q", n)
			}
			for _, tc := range []struct {
				uid, start, end, summary, url string
			}{
				{uid("milestone", pt.nov), "20261101", "20261201", "Milestone 2026-11 · team", pt.ts.URL + "/groups/team/-/milestones/"},
				{uid("milestone", pt.oct), "20261001", "20261101", "Milestone 2026-10 · team", pt.ts.URL + "/groups/team/-/milestones/"},
				// Three days before 1 November; its planning issue.
				{uid("finalize", pt.nov), "20261029", "20261030", "Finalise planning of 2026-11 · team", pt.ts.URL + "/team/"},
				// Ten days after 31 October; October's retrospective.
				{uid("retrospective", pt.oct), "20261110", "20261111", "Retrospective of 2026-10 due · team", retro["web_url"].(string)},
				{"", "20261109", "20261114", "Tomas – time off", pt.ts.URL + "/groups/team"},
				{"", "20261120", "20261121", "Olga – time off (half days)", pt.ts.URL + "/groups/team"},
			} {
				var e *ics.VEvent
				if tc.uid != "" {
					e = events[tc.uid]
				} else {
					for _, x := range events {
						if ics.FromText(x.GetProperty(ics.ComponentPropertySummary).Value) == tc.summary {
							e = x
						}
					}
				}
				if e == nil {
					t.Errorf("no event %s %q", tc.uid, tc.summary)
					continue
				}
				if s, en := dates(e); s != tc.start || en != tc.end {
					t.Errorf("%s: dates %s–%s, want all-day %s–%s", e.Id(), s, en, tc.start, tc.end)
				}
				if got := ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value); got != tc.summary {
					t.Errorf("%s: SUMMARY %q, want %q", e.Id(), got, tc.summary)
				}
				u := e.GetProperty(ics.ComponentPropertyUrl)
				if u == nil || !strings.HasPrefix(u.Value, tc.url) {
					t.Errorf("%s: URL %v, want %s…", e.Id(), u, tc.url)
				} else if d := e.GetProperty(ics.ComponentPropertyDescription); d == nil || !strings.Contains(ics.FromText(d.Value), u.Value) {
					t.Errorf("%s: the description does not link to %s", e.Id(), u.Value)
				}
				if _, err := e.GetDtStampTime(); err != nil {
					t.Errorf("%s: DTSTAMP: %v", e.Id(), err)
				}
			}
			// Unchanged, the feed answers the same, and 304 to its ETag.
			etag := r.header.Get("ETag")
			again := pt.getRaw(fa.Calendars.Groups[0].URL, nil)
			if again.body != r.body || again.header.Get("ETag") != etag || etag == "" {
				t.Error("the feed changed between two requests")
			}
			nm := pt.getRaw(fa.Calendars.Groups[0].URL, map[string]string{"If-None-Match": `"other", ` + etag})
			want(t, nm, http.StatusNotModified)
			if nm.body != "" {
				t.Errorf("304 with a body: %q", nm.body)
			}
			// By path as by id.
			byPath := pt.getRaw(pt.ts.URL+"/api/v4/groups/team/calendar.ics?feed_token="+url.QueryEscape(fa.FeedToken), nil)
			want(t, byPath, 200)
			if byPath.body != r.body {
				t.Error("feed by path differs from by id")
			}
		})

		t.Run("UserFeed", func(t *testing.T) {
			r := pt.getRaw(fa.Calendars.User, nil)
			want(t, r, 200)
			cal, events := parseFeed(t, r.body)
			if z := calProp(cal, ics.PropertyXWRTimezone); z != "Pacific/Auckland" {
				t.Errorf("X-WR-TIMEZONE %q", z)
			}
			if events[uid("milestone", pt.nov)] == nil || events[uid("retrospective", pt.oct)] == nil {
				t.Error("the user feed lacks the team's milestones")
			}
			var off []string
			for _, e := range events {
				if s := ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value); strings.Contains(s, "time off") {
					off = append(off, s)
				}
			}
			if len(off) != 1 || off[0] != "Tomas – time off" {
				t.Errorf("time off in the user feed = %q, want only the user's own", off)
			}
			if events[uid("milestone", pt.other)] != nil {
				t.Error("the user feed shows a group the user is not a member of")
			}
		})

		t.Run("ErrAuth", func(t *testing.T) {
			groupURL := pt.ts.URL + "/api/v4/groups/team/calendar.ics"
			for name, u := range map[string]string{
				"Missing":       groupURL,
				"Wrong":         groupURL + "?feed_token=glft-AAAAAAAAAAAAAAAAAAAA",
				"NotAFeedToken": groupURL + "?feed_token=" + pt.tokens[engineer],
				"UserMissing":   pt.ts.URL + "/api/v4/user/calendar.ics",
			} {
				r := pt.getRaw(u, nil)
				if r.status != 401 || r.body != `{"message":"401 Unauthorized"}`+"\n" {
					t.Errorf("%s: %d %s", name, r.status, r.body)
				}
			}
			// A personal access token does not open a feed.
			r := pt.getRaw(groupURL, map[string]string{"PRIVATE-TOKEN": pt.tokens[engineer]})
			want(t, r, 401)
			r = pt.getRaw(groupURL+"?private_token="+pt.tokens[engineer], nil)
			want(t, r, 401)
		})

		t.Run("ErrNotMember", func(t *testing.T) {
			for _, g := range []string{"other", "nope", "99999"} {
				r := pt.getRaw(pt.ts.URL+"/api/v4/groups/"+g+"/calendar.ics?feed_token="+fa.FeedToken, nil)
				if r.status != 404 || r.body != `{"message":"404 Group Not Found"}`+"\n" {
					t.Errorf("group %s: %d %s", g, r.status, r.body)
				}
			}
			// Administrators read feeds of their own groups only.
			adminFeed := pt.resetFeed(admin)
			if len(adminFeed.Calendars.Groups) != 0 {
				t.Errorf("admin's group calendars = %+v", adminFeed.Calendars.Groups)
			}
			want(t, pt.getRaw(pt.ts.URL+"/api/v4/groups/team/calendar.ics?feed_token="+adminFeed.FeedToken, nil), 404)
			r := pt.getRaw(adminFeed.Calendars.User, nil)
			want(t, r, 200)
			if _, events := parseFeed(t, r.body); len(events) != 0 {
				t.Errorf("admin's user feed has %d events", len(events))
			}
		})

		t.Run("ErrWriteScope", func(t *testing.T) {
			u := pt.users[engineer]
			_, ro, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: u.ID, Name: "read only", Scopes: []string{cairn.ScopeReadAPI}})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("POST", pt.ts.URL+"/api/v4/user/feed_token", nil)
			req.Header.Set("PRIVATE-TOKEN", ro)
			res, err := pt.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 403 {
				t.Errorf("read_api token resets the feed token: %d", res.StatusCode)
			}
			want(t, pt.do("POST", "/user/feed_token", "", ""), 401)
		})

		t.Run("ResetInvalidates", func(t *testing.T) {
			old := fa.Calendars.User
			want(t, pt.getRaw(old, nil), 200)
			fresh := pt.resetFeed(engineer)
			if fresh.FeedToken == fa.FeedToken {
				t.Fatal("reset returned the same token")
			}
			want(t, pt.getRaw(old, nil), 401)
			want(t, pt.getRaw(fa.Calendars.Groups[0].URL, nil), 401)
			want(t, pt.getRaw(fresh.Calendars.User, nil), 200)
		})
	})
}

// Package gitlabimport brings a GitLab group's history into Cairn through
// GitLab's REST API, read with GitLab's official Go client: the group, its
// members, projects, labels and milestones, and every issue with its
// notes, links and label, weight, milestone and state events, with their
// original authors and times. When the source is another Cairn it also
// brings the team's planning records (settings, members' planning roles
// and capacity factors, time off, parking lots, finalised plans).
//
// The fetch is resumable: it is cut into units (a project's issue page, an
// issue's notes and events, …), and each completed unit goes to a journal
// beside the state file, so that a run that fails or is interrupted
// continues where it stopped without fetching a unit twice. The fetched
// data becomes one archive (internal/archive) that is loaded with
// store.ImportArchive in one transaction: the group arrives whole or not
// at all.
package gitlabimport

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
)

// Options configure an import.
type Options struct {
	// URL is the GitLab (or Cairn) instance, "https://gitlab.example.com";
	// a trailing /api/v4 is allowed.
	URL string
	// Group is the full path of the group at the source ("team" or
	// "org/team"); in Cairn the group takes its last segment as its path.
	Group string
	// Token is a personal access token with the read_api scope.
	Token string
	// StatePath is the state file; the journal of fetched units is kept
	// beside it (JournalPath).
	StatePath string
	// Concurrency is the number of requests in flight at once (default 4).
	Concurrency int
	// Retries is how often a request is retried after a network error, a
	// 5xx or a 429 (default 8).
	Retries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries of failures (default 1 s and 30 s); rate limits wait what the
	// server asks instead, up to MaxRateWait (default 5 min).
	RetryWaitMin, RetryWaitMax time.Duration
	MaxRateWait                time.Duration
	// CheckpointEvery is how often the state file is rewritten and the
	// journal synced while fetching (default 2 s); every completed unit is
	// in the journal at once.
	CheckpointEvery time.Duration
	// Logger receives warnings (data the archive cannot hold) and, at debug
	// level, retries and rate limits. Nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called as the fetch advances, from one
	// goroutine at a time.
	Progress func(Progress)
	// Now is the clock (default time.Now).
	Now func() time.Time

	now func() time.Time
}

// setDefaults validates the options and fills in the defaults.
func (o *Options) setDefaults() error {
	u, err := NormalizeURL(o.URL)
	if err != nil {
		return err
	}
	o.URL = u
	g, err := normalizeGroup(o.Group)
	if err != nil {
		return err
	}
	o.Group = g
	if strings.TrimSpace(o.Token) == "" {
		return fmt.Errorf("a token is needed: set CAIRN_GITLAB_TOKEN (or GITLAB_TOKEN, or --token) to a personal access token with the read_api scope")
	}
	if o.StatePath == "" {
		return fmt.Errorf("no state file given")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Concurrency > 32 {
		return fmt.Errorf("concurrency %d is too high (at most 32): be kind to the server", o.Concurrency)
	}
	if o.Retries <= 0 {
		o.Retries = 8
	}
	if o.RetryWaitMin <= 0 {
		o.RetryWaitMin = time.Second
	}
	if o.RetryWaitMax < o.RetryWaitMin {
		o.RetryWaitMax = max(30*time.Second, o.RetryWaitMin)
	}
	if o.MaxRateWait <= 0 {
		o.MaxRateWait = 5 * time.Minute
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.now = o.Now
	if o.now == nil {
		o.now = time.Now
	}
	return nil
}

// NormalizeURL checks the address of a GitLab instance and returns it
// without a trailing slash or /api/v4.
func NormalizeURL(raw string) (string, error) {
	bad := fmt.Errorf("--url %q is not the address of a GitLab instance; give one like https://gitlab.example.com", raw)
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", bad
	}
	if u.User != nil {
		return "", fmt.Errorf("--url must not hold credentials; give the token with CAIRN_GITLAB_TOKEN instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", bad
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v4")
	u.RawPath = ""
	return strings.TrimRight(u.String(), "/"), nil
}

// normalizeGroup checks a group's full path: segments that are valid paths.
func normalizeGroup(raw string) (string, error) {
	g := strings.Trim(strings.TrimSpace(raw), "/")
	if g == "" {
		return "", fmt.Errorf("--group is required: the full path of the group to import, like my-org/my-team")
	}
	for _, seg := range strings.Split(g, "/") {
		if !cairn.ValidPath(seg) {
			return "", fmt.Errorf("--group %q is not a group path (segments of letters, digits, '_', '-' and '.', joined by '/')", raw)
		}
	}
	return g, nil
}

// DestinationPath returns the path a source group gets in Cairn: the last
// segment of its full path.
func DestinationPath(group string) string {
	g := strings.Trim(group, "/")
	return g[strings.LastIndexByte(g, '/')+1:]
}

// DefaultStatePath returns the state file for importing group from the
// instance at rawURL, in dir: cairn-import-<host>-<group>.json.
func DefaultStatePath(dir, rawURL, group string) string {
	host := rawURL
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		host = u.Host
	}
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
				return r
			}
			return '_'
		}, s)
	}
	return filepath.Join(dir, "cairn-import-"+clean(host)+"-"+clean(strings.Trim(group, "/"))+".json")
}

// Progress is how far an import got.
type Progress struct {
	// Phase is what is being fetched: "group", "issues" (the issue lists),
	// "details" (notes, events and links), "planning", "users", then
	// "loading" into the database.
	Phase string
	// Issues are the issues listed so far; Details those whose notes,
	// events and links are in.
	Issues, Details int
	// Users are the users referenced; UsersDone those fetched.
	Users, UsersDone int
	// Requests are the HTTP requests of this run.
	Requests int64
	Elapsed  time.Duration
}

// Counts is what an import brought.
type Counts struct {
	Users      int `json:"users"`
	Members    int `json:"members"`
	Projects   int `json:"projects"`
	Labels     int `json:"labels"`
	Milestones int `json:"milestones"`
	Issues     int `json:"issues"`
	Notes      int `json:"notes"`
	Events     int `json:"events"`
	Links      int `json:"links"`
	TimeOff    int `json:"time_off,omitempty"`
	ParkingLot int `json:"parking_lot,omitempty"`
	Plans      int `json:"plans,omitempty"`
}

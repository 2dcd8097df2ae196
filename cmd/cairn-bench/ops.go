package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn/internal/loadgen"
)

// client sends the benchmark's requests: every worker shares one
// transport, which keeps one idle connection per worker, so that each
// worker reuses its own connection like a real client would.
type client struct {
	base    string
	token   string
	session string // the web session cookie's value
	hc      *http.Client
}

func newClient(base, token string, conns int) *client {
	tr := &http.Transport{
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{base: base, token: token, hc: &http.Client{
		Transport: tr,
		Timeout:   2 * time.Minute,
		// A redirect is an answer to check (the sign-in page means the
		// session is gone), not one to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// statusError is an answer with an unexpected status.
type statusError struct {
	op, method, route string
	status            int
	body              string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: %s %s answered %d: %s", e.op, e.method, e.route, e.status, e.body)
}

// call sends one request and reads the whole answer, which must have the
// status want. route names the request in errors without the ids that
// vary, so that the same failure is reported once. out, when not nil,
// receives the decoded JSON answer.
func (c *client) call(ctx context.Context, op, method, path, route string, body any, web bool, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if web {
		req.AddCookie(&http.Cookie{Name: "cairn_session", Value: c.session})
	} else {
		req.Header.Set("PRIVATE-TOKEN", c.token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %s %s: %w", op, method, route, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s: %s %s: read the answer: %w", op, method, route, err)
	}
	if res.StatusCode != want {
		snippet := strings.TrimSpace(string(data))
		if len(snippet) > 200 {
			snippet = snippet[:200] + "…"
		}
		return &statusError{op: op, method: method, route: route, status: res.StatusCode, body: snippet}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: %s %s: decode the answer: %w", op, method, route, err)
		}
	}
	return nil
}

// signIn signs the manager in to the web pages and keeps the session.
func (c *client) signIn(ctx context.Context, login, password string) error {
	form := url.Values{"login": {login}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/users/sign_in", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	for _, ck := range res.Cookies() {
		if ck.Name == "cairn_session" && ck.Value != "" {
			c.session = ck.Value
			return nil
		}
	}
	return fmt.Errorf("sign in as %s: answered %d without a session (wrong password? seed sets %q)", login, res.StatusCode, benchPassword)
}

// world is what the operations pick their targets from, read from the
// server before the load starts.
type world struct {
	groupID    int64
	projects   []benchProject // work projects with issues
	milestones []benchMS      // by start date
	current    *benchMS
	next       *benchMS
	labels     []string
	engineers  []string
}

type benchProject struct {
	id     int64
	path   string
	maxIID int64
}

type benchMS struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	StartDate string `json:"start_date"`
	DueDate   string `json:"due_date"`
}

// discover reads the benchmark team's group, projects, milestones, labels
// and engineers through the API.
func discover(ctx context.Context, c *client, group, today string) (*world, error) {
	w := &world{}
	var g struct {
		ID int64 `json:"id"`
	}
	if err := c.call(ctx, "discover", "GET", "/api/v4/groups/"+url.PathEscape(group), "/groups/:id", nil, false, 200, &g); err != nil {
		return nil, fmt.Errorf("find group %s (seeded with cairn-bench seed?): %w", group, err)
	}
	w.groupID = g.ID
	gid := strconv.FormatInt(g.ID, 10)

	var projects []struct {
		ID                int64  `json:"id"`
		Path              string `json:"path"`
		PathWithNamespace string `json:"path_with_namespace"`
	}
	if err := c.call(ctx, "discover", "GET", "/api/v4/projects?per_page=100", "/projects", nil, false, 200, &projects); err != nil {
		return nil, err
	}
	for _, p := range projects {
		if !strings.HasPrefix(p.PathWithNamespace, group+"/") || p.Path == benchPlanning {
			continue
		}
		var last []struct {
			IID int64 `json:"iid"`
		}
		path := fmt.Sprintf("/api/v4/projects/%d/issues?state=all&order_by=created_at&sort=desc&per_page=1", p.ID)
		if err := c.call(ctx, "discover", "GET", path, "/projects/:id/issues", nil, false, 200, &last); err != nil {
			return nil, err
		}
		if len(last) == 1 {
			w.projects = append(w.projects, benchProject{id: p.ID, path: p.Path, maxIID: last[0].IID})
		}
	}
	if len(w.projects) == 0 {
		return nil, fmt.Errorf("group %s has no project with issues", group)
	}
	sort.Slice(w.projects, func(i, j int) bool { return w.projects[i].id < w.projects[j].id })

	for page := 1; ; page++ {
		var ms []benchMS
		path := fmt.Sprintf("/api/v4/groups/%s/milestones?per_page=100&page=%d", gid, page)
		if err := c.call(ctx, "discover", "GET", path, "/groups/:id/milestones", nil, false, 200, &ms); err != nil {
			return nil, err
		}
		w.milestones = append(w.milestones, ms...)
		if len(ms) < 100 {
			break
		}
	}
	slices.SortFunc(w.milestones, func(a, b benchMS) int { return strings.Compare(a.StartDate, b.StartDate) })
	for i := range w.milestones {
		m := &w.milestones[i]
		if m.StartDate <= today && today <= m.DueDate {
			w.current = m
		}
		if m.StartDate > today && w.next == nil {
			w.next = m
		}
	}
	if w.current == nil || w.next == nil {
		return nil, fmt.Errorf("group %s has no current or next milestone on %s; seed the team with --today set to the day of the run", group, today)
	}

	var labels []struct {
		Name string `json:"name"`
	}
	if err := c.call(ctx, "discover", "GET", "/api/v4/groups/"+gid+"/labels?per_page=100", "/groups/:id/labels", nil, false, 200, &labels); err != nil {
		return nil, err
	}
	for _, l := range labels {
		if l.Name != labelPlanIssue {
			w.labels = append(w.labels, l.Name)
		}
	}
	var members []struct {
		Username     string `json:"username"`
		PlanningRole string `json:"planning_role"`
	}
	if err := c.call(ctx, "discover", "GET", "/api/v4/groups/"+gid+"/members?per_page=100", "/groups/:id/members", nil, false, 200, &members); err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.PlanningRole == "engineer" {
			w.engineers = append(w.engineers, m.Username)
		}
	}
	if len(w.labels) == 0 || len(w.engineers) == 0 {
		return nil, fmt.Errorf("group %s has no labels or no engineers", group)
	}
	return w, nil
}

// recentMilestones are the milestones the milestone filter picks from:
// the last year, the current one and the next.
func (w *world) recentMilestones() []benchMS {
	end := 0
	for i, m := range w.milestones {
		if m.ID == w.next.ID {
			end = i + 1
		}
	}
	return w.milestones[max(0, end-14):end]
}

// opNames are the operations, in the order the tables list them.
var opNames = []string{"list_label", "list_milestone", "list_assignee", "get", "create", "note", "board", "plan", "metrics"}

// mixes are the named mixes: operation → weight.
var mixes = map[string]map[string]int{
	// default is a team at work: mostly reading lists and issues, one
	// request in five a write, the heavy planning views now and then.
	"default": {"list_label": 15, "list_milestone": 15, "list_assignee": 15, "get": 25, "create": 10, "note": 10, "board": 5, "plan": 3, "metrics": 2},
	"reads":   {"list_label": 20, "list_milestone": 20, "list_assignee": 20, "get": 30, "board": 5, "plan": 3, "metrics": 2},
	"writes":  {"create": 50, "note": 50},
}

// parseMix returns the mix named, or one written as "op=weight,…".
func parseMix(s string) (map[string]int, error) {
	if m, ok := mixes[s]; ok {
		return m, nil
	}
	out := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		name, weight, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(weight)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--mix: %q is neither a mix (default, reads, writes) nor op=weight", part)
		}
		if !slices.Contains(opNames, name) {
			return nil, fmt.Errorf("--mix: unknown operation %q (operations: %s)", name, strings.Join(opNames, ", "))
		}
		out[name] = n
	}
	return out, nil
}

// cairnOps returns the operations against the benchmark team, with the
// weights of mix (operations not in it get weight 0).
func cairnOps(c *client, w *world, mix map[string]int) []loadgen.Op {
	gid := strconv.FormatInt(w.groupID, 10)
	groupIssues := "/api/v4/groups/" + gid + "/issues?per_page=50"
	recent := w.recentMilestones()
	project := func(r interface{ IntN(int) int }) benchProject { return w.projects[r.IntN(len(w.projects))] }
	ops := map[string]func(ctx context.Context, wk *loadgen.Worker) error{
		// The team's issue list filtered as the lists and boards do it:
		// open issues with a label; a milestone's issues; an engineer's
		// open issues. Each answers a page of 50 with X-Total.
		"list_label": func(ctx context.Context, wk *loadgen.Worker) error {
			l := w.labels[wk.Rand.IntN(len(w.labels))]
			return c.call(ctx, "list_label", "GET", groupIssues+"&state=opened&labels="+url.QueryEscape(l), "/groups/:id/issues?labels", nil, false, 200, nil)
		},
		"list_milestone": func(ctx context.Context, wk *loadgen.Worker) error {
			m := recent[wk.Rand.IntN(len(recent))]
			return c.call(ctx, "list_milestone", "GET", groupIssues+"&milestone="+url.QueryEscape(m.Title), "/groups/:id/issues?milestone", nil, false, 200, nil)
		},
		"list_assignee": func(ctx context.Context, wk *loadgen.Worker) error {
			e := w.engineers[wk.Rand.IntN(len(w.engineers))]
			return c.call(ctx, "list_assignee", "GET", groupIssues+"&state=opened&assignee_username="+url.QueryEscape(e), "/groups/:id/issues?assignee_username", nil, false, 200, nil)
		},
		"get": func(ctx context.Context, wk *loadgen.Worker) error {
			p := project(wk.Rand)
			path := fmt.Sprintf("/api/v4/projects/%d/issues/%d", p.id, 1+wk.Rand.Int64N(p.maxIID))
			return c.call(ctx, "get", "GET", path, "/projects/:id/issues/:iid", nil, false, 200, nil)
		},
		"create": func(ctx context.Context, wk *loadgen.Worker) error {
			p := project(wk.Rand)
			body := map[string]any{
				"title":       fmt.Sprintf("Load test issue from worker %d", wk.ID),
				"description": "## Context\n\nCreated by cairn-bench.\n\n## Proposal\n\nNone.\n",
				"labels":      typeLabels[wk.Rand.IntN(len(typeLabels))] + "," + areaLabels[wk.Rand.IntN(len(areaLabels))],
			}
			return c.call(ctx, "create", "POST", fmt.Sprintf("/api/v4/projects/%d/issues", p.id), "/projects/:id/issues", body, false, 201, nil)
		},
		// A comment whose quick actions re-weight and re-prioritise the
		// issue: a note, label and weight changes with their events.
		"note": func(ctx context.Context, wk *loadgen.Worker) error {
			p := project(wk.Rand)
			body := map[string]any{"body": fmt.Sprintf("Re-estimated after the review.\n\n/weight %d\n/label ~\"%s\"",
				weightScale[wk.Rand.IntN(len(weightScale))], priorityLabels[wk.Rand.IntN(len(priorityLabels))])}
			path := fmt.Sprintf("/api/v4/projects/%d/issues/%d/notes", p.id, 1+wk.Rand.Int64N(p.maxIID))
			return c.call(ctx, "note", "POST", path, "/projects/:id/issues/:iid/notes", body, false, 201, nil)
		},
		// The workflow board of the current milestone, the web page.
		"board": func(ctx context.Context, wk *loadgen.Worker) error {
			return c.call(ctx, "board", "GET", "/groups/"+benchGroup+"/-/boards", "/groups/:group/-/boards", nil, true, 200, nil)
		},
		"plan": func(ctx context.Context, wk *loadgen.Worker) error {
			path := fmt.Sprintf("/api/v4/groups/%s/milestones/%d/plan", gid, w.next.ID)
			return c.call(ctx, "plan", "GET", path, "/groups/:id/milestones/:milestone_id/plan", nil, false, 200, nil)
		},
		// The planning metrics of the default window, the 90 days to today.
		"metrics": func(ctx context.Context, wk *loadgen.Worker) error {
			return c.call(ctx, "metrics", "GET", "/api/v4/groups/"+gid+"/planning_metrics", "/groups/:id/planning_metrics", nil, false, 200, nil)
		},
	}
	var out []loadgen.Op
	for _, name := range opNames {
		out = append(out, loadgen.Op{Name: name, Weight: mix[name], Do: ops[name]})
	}
	return out
}

// trivialOp loads the trivial handler.
func trivialOp(c *client) loadgen.Op {
	return loadgen.Op{Name: "trivial", Weight: 1, Do: func(ctx context.Context, _ *loadgen.Worker) error {
		return c.call(ctx, "trivial", "GET", "/", "/", nil, false, 200, nil)
	}}
}

package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/demo"
)

const (
	glabVersion = "v1.52.0"
	glabInstall = "bash scripts/install-glab.sh"
	// glabTimeout bounds one glab invocation. Each makes a handful of
	// requests and takes well under a second; the bound is there so that a
	// prompt glab should not show fails the test instead of hanging it.
	glabTimeout = 2 * time.Minute

	// glabReadProject is the demo project the read-only scenarios list;
	// glabWriteProject the one the others create their issues in.
	glabReadProject  = demo.GroupPath + "/ide-extensions"
	glabWriteProject = demo.GroupPath + "/code-suggestions"
	// glabPerPage is small so that --paginate has to follow many Link
	// headers.
	glabPerPage = 7
)

// glabBenignStderr are the progress lines glab writes to standard error
// when all goes well; anything else there fails the test.
var glabBenignStderr = []*regexp.Regexp{
	regexp.MustCompile(`^- Creating issue in \S+$`),
}

// TestGlab runs the real glab CLI against `cairn serve --demo` on SQLite
// and on PostgreSQL: listing with filters, paginating, creating, viewing,
// commenting with quick actions, updating, closing and reopening issues,
// and configuring glab through its config file. Every invocation must exit
// 0 and write nothing unexpected to standard error.
func TestGlab(t *testing.T) {
	bin := glabBinary(t)
	eachServer(t, func(t *testing.T, srv *cairntest.Process) {
		g := newGlab(t, bin, srv)
		t.Run("ListFilters", func(t *testing.T) { testGlabListFilters(t, g) })
		t.Run("Paginate", func(t *testing.T) { testGlabPaginate(t, g) })
		t.Run("CreateView", func(t *testing.T) { testGlabCreateView(t, g) })
		t.Run("NoteQuickActions", func(t *testing.T) { testGlabNoteQuickActions(t, g) })
		t.Run("UpdateCloseReopen", func(t *testing.T) { testGlabUpdateCloseReopen(t, g) })
		t.Run("ConfigFile", func(t *testing.T) { testGlabConfigFile(t, g) })
	})
}

// glabBinary returns the glab to test: $CAIRN_GLAB, else the one
// scripts/install-glab.sh builds, else glab on PATH, as long as it is
// version 1.52.0. Without one the test skips (or fails, see missingTool).
func glabBinary(t *testing.T) string {
	t.Helper()
	what := "glab " + glabVersion
	if p := os.Getenv("CAIRN_GLAB"); p != "" {
		if !glabExecutable(p) {
			missingTool(t, what+" (CAIRN_GLAB="+p+" is not an executable file)", glabInstall)
		}
		// Absolute, since glab runs in a temporary working directory.
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return checkGlabVersion(t, p)
	}
	tools := os.Getenv("CAIRN_TOOLS_DIR")
	if tools == "" {
		if home, err := os.UserHomeDir(); err == nil {
			tools = filepath.Join(home, ".cache", "cairn-tools")
		}
	}
	if tools != "" {
		if p := filepath.Join(tools, "glab-"+glabVersion, "glab"); glabExecutable(p) {
			return checkGlabVersion(t, p)
		}
	}
	if p, err := exec.LookPath("glab"); err == nil {
		return checkGlabVersion(t, p)
	}
	missingTool(t, what, glabInstall)
	return ""
}

func glabExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// checkGlabVersion returns p if it is glab 1.52.0: the scenarios depend on
// that version's flags and output.
func checkGlabVersion(t *testing.T, p string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), glabTimeout)
	defer cancel()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, p, "--version")
	cmd.Env = []string{"HOME=" + home, "GLAB_CONFIG_DIR=" + filepath.Join(home, "glab"), "CHECK_UPDATE=false", "GLAB_SEND_TELEMETRY=false", "NO_PROMPT=true"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", p, err, out)
	}
	if !strings.Contains(string(out), strings.TrimPrefix(glabVersion, "v")+" ") {
		missingTool(t, fmt.Sprintf("glab %s (%s is %s)", glabVersion, p, strings.TrimSpace(string(out))), glabInstall)
	}
	return p
}

// glabCLI runs glab with its own configuration directory, configured for
// one server through the environment only.
type glabCLI struct {
	bin  string
	srv  *cairntest.Process
	host string // host:port, as GITLAB_HOST wants it
	dir  string // working directory: not a git checkout
	env  []string
}

func newGlab(t *testing.T, bin string, srv *cairntest.Process) *glabCLI {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil || u.Host == "" {
		t.Fatalf("server URL %q: %v", srv.URL, err)
	}
	g := &glabCLI{bin: bin, srv: srv, host: u.Host, dir: t.TempDir()}
	g.env = append(glabBaseEnv(t.TempDir()),
		"GITLAB_HOST="+g.host,
		"GITLAB_TOKEN="+srv.Token,
		"API_PROTOCOL=http",
	)
	// As the README tells users to; CHECK_UPDATE=false already keeps it
	// from asking gitlab.com.
	g.run(t, "config", "set", "check_update", "false", "--global")
	return g
}

// glabBaseEnv is the environment of every glab run: nothing of the user's
// (no token, no config, no git remotes), no prompts, no update check, no
// telemetry, and editors and browsers that fail rather than open.
func glabBaseEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"GLAB_CONFIG_DIR=" + filepath.Join(home, "glab"),
		"NO_PROMPT=true",
		"GLAB_SEND_TELEMETRY=false",
		"CHECK_UPDATE=false",
		"NO_COLOR=1",
		"TERM=dumb",
		"GLAB_EDITOR=false", "VISUAL=false", "EDITOR=false", "BROWSER=false",
		"GIT_TERMINAL_PROMPT=0",
	}
}

// exec runs glab with stdin and extra environment and returns what it
// printed; err is non-nil when it did not exit 0.
func (g *glabCLI) exec(stdin string, env []string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), glabTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, g.bin, args...)
	cmd.Dir = g.dir
	cmd.Env = append(slices.Clone(g.env), env...)
	// An empty standard input: a prompt reads EOF instead of waiting.
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("no answer within %s (waiting on a prompt?): %w", glabTimeout, err)
	}
	return out.String(), errb.String(), err
}

// run runs glab and returns its standard output. It fails the test unless
// glab exits 0 and writes nothing to standard error but progress lines.
func (g *glabCLI) run(t *testing.T, args ...string) string {
	t.Helper()
	return g.runWith(t, "", nil, args...)
}

func (g *glabCLI) runWith(t *testing.T, stdin string, env []string, args ...string) string {
	t.Helper()
	stdout, stderr, err := g.exec(stdin, env, args...)
	if err != nil {
		t.Fatalf("glab %s: %v\nstdout:\n%s\nstderr:\n%s\nserver log:\n%s", glabArgs(args), err, stdout, stderr, glabLastLines(g.srv.Log(), 8))
	}
	if bad := glabUnexpectedStderr(stderr); bad != "" {
		t.Fatalf("glab %s exited 0 but printed to stderr:\n%s\nstdout:\n%s", glabArgs(args), bad, stdout)
	}
	return stdout
}

// runJSON runs glab with args that make it print JSON and decodes that
// into v, rejecting trailing data.
func (g *glabCLI) runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := g.run(t, args...)
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("glab %s: output is not the JSON expected: %v\n%s", glabArgs(args), err, out)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("glab %s: more than one JSON value in the output:\n%s", glabArgs(args), out)
	}
}

func glabUnexpectedStderr(stderr string) string {
	var bad []string
	for line := range strings.SplitSeq(stderr, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !slices.ContainsFunc(glabBenignStderr, func(re *regexp.Regexp) bool { return re.MatchString(line) }) {
			bad = append(bad, line)
		}
	}
	return strings.Join(bad, "\n")
}

func glabArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\"'~#") {
			a = strconv.Quote(a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func glabLastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// glabIssue is an issue as glab prints it with -O json / -F json (its
// client's Issue type); Notes is filled by `issue view --comments -F json`.
type glabIssue struct {
	ID          int      `json:"id"`
	IID         int      `json:"iid"`
	ProjectID   int      `json:"project_id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	State       string   `json:"state"`
	Labels      []string `json:"labels"`
	Milestone   *struct {
		ID    int    `json:"id"`
		Title string `json:"title"`
	} `json:"milestone"`
	Assignees      []glabUser `json:"assignees"`
	Author         *glabUser  `json:"author"`
	ClosedBy       *glabUser  `json:"closed_by"`
	Weight         int        `json:"weight"`
	DueDate        *string    `json:"due_date"`
	UserNotesCount int        `json:"user_notes_count"`
	WebURL         string     `json:"web_url"`
	Notes          []struct {
		ID     int      `json:"id"`
		Body   string   `json:"body"`
		System bool     `json:"system"`
		Author glabUser `json:"author"`
	} `json:"Notes"`
}

type glabUser struct {
	Username string `json:"username"`
}

func (is glabIssue) assignees() []string {
	var names []string
	for _, a := range is.Assignees {
		names = append(names, a.Username)
	}
	slices.Sort(names)
	return names
}

func (is glabIssue) milestoneTitle() string {
	if is.Milestone == nil {
		return ""
	}
	return is.Milestone.Title
}

// apiPaginate lists path with `glab api --paginate` and decodes the pages
// it prints one after the other; it returns them page by page.
func (g *glabCLI) apiPaginate(t *testing.T, path string) [][]glabIssue {
	t.Helper()
	out := g.run(t, "api", "--paginate", path)
	dec := json.NewDecoder(strings.NewReader(out))
	var pages [][]glabIssue
	for {
		var page []glabIssue
		err := dec.Decode(&page)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("glab api --paginate %s: page %d is not a JSON array of issues: %v", path, len(pages)+1, err)
		}
		pages = append(pages, page)
	}
	return pages
}

// apiHeaders runs `glab api --include path` and returns the response
// headers it printed.
func (g *glabCLI) apiHeaders(t *testing.T, path string) map[string]string {
	t.Helper()
	out := g.run(t, "api", "--include", path)
	head, _, ok := strings.Cut(strings.ReplaceAll(out, "\r\n", "\n"), "\n\n")
	if !ok {
		t.Fatalf("glab api --include %s printed no header block:\n%s", path, out)
	}
	h := map[string]string{}
	for line := range strings.SplitSeq(head, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			h[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return h
}

// listAll runs `glab issue list args -O json` page by page, as a user
// would with --page, until a page comes back short.
func (g *glabCLI) listAll(t *testing.T, project string, args ...string) []glabIssue {
	t.Helper()
	const perPage = 100
	var all []glabIssue
	for page := 1; ; page++ {
		if page > 50 {
			t.Fatalf("glab issue list %s: still issues on page %d", glabArgs(args), page)
		}
		var issues []glabIssue
		g.runJSON(t, &issues, append([]string{"issue", "list", "-R", project, "-O", "json",
			"--per-page", strconv.Itoa(perPage), "--page", strconv.Itoa(page)}, args...)...)
		all = append(all, issues...)
		if len(issues) < perPage {
			return all
		}
	}
}

func glabEscape(project string) string { return url.PathEscape(project) }

// testGlabPaginate follows the Link headers of a list that spans many
// pages with `glab api --paginate` and checks that every issue comes back
// exactly once, as many as X-Total says.
func testGlabPaginate(t *testing.T, g *glabCLI) {
	path := fmt.Sprintf("projects/%s/issues?state=all&per_page=%d", glabEscape(glabReadProject), glabPerPage)
	h := g.apiHeaders(t, path)
	total, err := strconv.Atoi(h["x-total"])
	if err != nil || total <= 2*glabPerPage {
		t.Fatalf("X-Total = %q; want more than %d issues in %s so that the list spans several pages (headers %v)", h["x-total"], 2*glabPerPage, glabReadProject, h)
	}
	wantPages := (total + glabPerPage - 1) / glabPerPage
	if h["x-total-pages"] != strconv.Itoa(wantPages) {
		t.Errorf("X-Total-Pages = %q, want %d", h["x-total-pages"], wantPages)
	}

	pages := g.apiPaginate(t, path)
	t.Logf("glab api --paginate %s: %d pages, X-Total %d", path, len(pages), total)
	if len(pages) != wantPages {
		t.Errorf("glab api --paginate fetched %d pages, want %d", len(pages), wantPages)
	}
	seen := map[int]int{}
	var all []glabIssue
	for i, page := range pages {
		if len(page) == 0 || len(page) > glabPerPage {
			t.Errorf("page %d has %d issues, want 1..%d", i+1, len(page), glabPerPage)
		}
		for _, is := range page {
			seen[is.IID]++
			all = append(all, is)
		}
	}
	for iid, n := range seen {
		if n != 1 {
			t.Errorf("issue #%d came %d times", iid, n)
		}
	}
	if len(seen) != total {
		t.Errorf("glab api --paginate returned %d distinct issues, X-Total says %d", len(seen), total)
	}

	// glab's own list, page by page, sees the same issues.
	listed := g.listAll(t, glabReadProject, "--all")
	if got, want := glabIIDs(listed), glabIIDs(all); !slices.Equal(got, want) {
		t.Errorf("glab issue list --all --page ... gave issues %v; glab api --paginate gave %v", got, want)
	}
}

// testGlabListFilters runs `glab issue list` with each filter and compares
// the issues it prints with the same filter applied to the whole list.
func testGlabListFilters(t *testing.T, g *glabCLI) {
	all := slices.Concat(g.apiPaginate(t, fmt.Sprintf("projects/%s/issues?state=all&per_page=100", glabEscape(glabReadProject)))...)
	var open, closed []glabIssue
	for _, is := range all {
		switch is.State {
		case "opened":
			open = append(open, is)
		case "closed":
			closed = append(closed, is)
		default:
			t.Fatalf("issue #%d has state %q", is.IID, is.State)
		}
	}
	if len(open) == 0 || len(closed) == 0 {
		t.Fatalf("%s has %d open and %d closed issues; the scenarios need both", glabReadProject, len(open), len(closed))
	}

	// Filter values taken from the data, each selecting some but not all
	// issues, so that a filter that is ignored fails the comparison.
	label := glabPick(t, "label of some open issues", open, func(is glabIssue) []string { return is.Labels })
	var withLabel []glabIssue
	for _, is := range open {
		if slices.Contains(is.Labels, label) {
			withLabel = append(withLabel, is)
		}
	}
	label2 := glabPick(t, "second label of some open issues with "+label, withLabel, func(is glabIssue) []string {
		return slices.DeleteFunc(slices.Clone(is.Labels), func(l string) bool { return l == label })
	})
	milestone := glabPick(t, "milestone of some open issues", open, func(is glabIssue) []string {
		return glabNonEmpty(is.milestoneTitle())
	})
	assignee := glabPick(t, "assignee of some open issues", open, func(is glabIssue) []string { return is.assignees() })
	author := glabPick(t, "author of some open issues", open, func(is glabIssue) []string {
		if is.Author == nil {
			return nil
		}
		return []string{is.Author.Username}
	})
	closedMilestone := glabPick(t, "milestone of some closed issues", closed, func(is glabIssue) []string {
		return glabNonEmpty(is.milestoneTitle())
	})
	var closedInMilestone []glabIssue
	for _, is := range closed {
		if is.milestoneTitle() == closedMilestone {
			closedInMilestone = append(closedInMilestone, is)
		}
	}
	closedAssignee := glabPick(t, "assignee of closed issues in "+closedMilestone, closedInMilestone, func(is glabIssue) []string {
		return is.assignees()
	})

	t.Logf("%s: %d open, %d closed issues; filtering by label %q and %q, milestone %q, assignee %q, author %q, closed in %q assigned to %q",
		glabReadProject, len(open), len(closed), label, label2, milestone, assignee, author, closedMilestone, closedAssignee)

	isOpen := func(is glabIssue) bool { return is.State == "opened" }
	isClosed := func(is glabIssue) bool { return is.State == "closed" }
	for _, tc := range []struct {
		name string
		args []string
		want func(glabIssue) bool
	}{
		{"Open", nil, isOpen},
		{"Closed", []string{"--closed"}, isClosed},
		{"All", []string{"--all"}, func(glabIssue) bool { return true }},
		{"Label", []string{"--label", label}, func(is glabIssue) bool {
			return isOpen(is) && slices.Contains(is.Labels, label)
		}},
		{"TwoLabels", []string{"--label", label + "," + label2}, func(is glabIssue) bool {
			return isOpen(is) && slices.Contains(is.Labels, label) && slices.Contains(is.Labels, label2)
		}},
		{"NotLabel", []string{"--not-label", label}, func(is glabIssue) bool {
			return isOpen(is) && !slices.Contains(is.Labels, label)
		}},
		{"Milestone", []string{"--milestone", milestone}, func(is glabIssue) bool {
			return isOpen(is) && is.milestoneTitle() == milestone
		}},
		{"Assignee", []string{"--assignee", assignee}, func(is glabIssue) bool {
			return isOpen(is) && slices.Contains(is.assignees(), assignee)
		}},
		{"NotAssignee", []string{"--not-assignee", assignee}, func(is glabIssue) bool {
			return isOpen(is) && !slices.Contains(is.assignees(), assignee)
		}},
		{"Author", []string{"--author", author}, func(is glabIssue) bool {
			return isOpen(is) && is.Author != nil && is.Author.Username == author
		}},
		{"NotAuthor", []string{"--not-author", author}, func(is glabIssue) bool {
			return isOpen(is) && (is.Author == nil || is.Author.Username != author)
		}},
		{"ClosedMilestoneAssignee", []string{"--closed", "--milestone", closedMilestone, "--assignee", closedAssignee}, func(is glabIssue) bool {
			return isClosed(is) && is.milestoneTitle() == closedMilestone && slices.Contains(is.assignees(), closedAssignee)
		}},
		{"AllLabelMilestone", []string{"--all", "--label", label, "--milestone", milestone}, func(is glabIssue) bool {
			return slices.Contains(is.Labels, label) && is.milestoneTitle() == milestone
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []glabIssue
			for _, is := range all {
				if tc.want(is) {
					want = append(want, is)
				}
			}
			if len(want) == 0 {
				t.Fatalf("no issue of %s matches %v; pick other values", glabReadProject, tc.args)
			}
			got := g.listAll(t, glabReadProject, tc.args...)
			t.Logf("glab issue list %s: %d issues", glabArgs(tc.args), len(got))
			if gi, wi := glabIIDs(got), glabIIDs(want); !slices.Equal(gi, wi) {
				t.Errorf("glab issue list %s:\n got %v\nwant %v", glabArgs(tc.args), gi, wi)
			}
		})
	}

	// The table glab prints for people: a header, then one "#iid" row per
	// issue, at most --per-page of them.
	t.Run("Text", func(t *testing.T) {
		out := g.run(t, "issue", "list", "-R", glabReadProject, "--label", label)
		var want []int
		for _, is := range open {
			if slices.Contains(is.Labels, label) {
				want = append(want, is.IID)
			}
		}
		row := regexp.MustCompile(`^#(\d+)\t` + regexp.QuoteMeta(glabReadProject) + `#(\d+)\t`)
		var got []int
		for line := range strings.SplitSeq(out, "\n") {
			if m := row.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				got = append(got, n)
			}
		}
		// One page of glab's default 30 rows, each an issue with the label.
		if len(got) != min(len(want), 30) || slices.ContainsFunc(got, func(n int) bool { return !slices.Contains(want, n) }) {
			t.Errorf("glab issue list --label %q printed rows %v; want %d of %v:\n%s", label, got, min(len(want), 30), want, out)
		}
		if !strings.Contains(out, " in "+glabReadProject+" that match your search") {
			t.Errorf("glab issue list printed no header naming %s:\n%s", glabReadProject, out)
		}
	})
}

// glabPick returns the most common value of values over issues that is
// not shared by all of them (so that filtering by it selects a strict,
// non-empty subset), ties broken by name.
func glabPick(t *testing.T, what string, issues []glabIssue, values func(glabIssue) []string) string {
	t.Helper()
	count := map[string]int{}
	for _, is := range issues {
		for _, v := range slices.Compact(slices.Sorted(slices.Values(values(is)))) {
			count[v]++
		}
	}
	best := ""
	for v, n := range count {
		if n == len(issues) {
			continue
		}
		if best == "" || n > count[best] || n == count[best] && v < best {
			best = v
		}
	}
	if best == "" {
		t.Fatalf("no %s in the demo data selects some but not all of %d issues", what, len(issues))
	}
	return best
}

func glabNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func glabIIDs(issues []glabIssue) []int {
	iids := make([]int, len(issues))
	for i, is := range issues {
		iids[i] = is.IID
	}
	slices.Sort(iids)
	return iids
}

// glabMilestone is an active milestone of the demo group.
type glabMilestone struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
	State string `json:"state"`
}

func (g *glabCLI) activeMilestone(t *testing.T) glabMilestone {
	t.Helper()
	var ms []glabMilestone
	g.runJSON(t, &ms, "api", "groups/"+demo.GroupPath+"/milestones?state=active")
	if len(ms) == 0 {
		t.Fatal("the demo group has no active milestone")
	}
	return ms[0]
}

// twoAssignees returns two usernames, sorted, that are assignees of issues
// in the demo project (other than the manager, who runs the suite).
func (g *glabCLI) twoAssignees(t *testing.T) []string {
	t.Helper()
	var issues []glabIssue
	g.runJSON(t, &issues, "issue", "list", "-R", glabWriteProject, "--all", "-O", "json", "--per-page", "100")
	var names []string
	for _, is := range issues {
		for _, a := range is.assignees() {
			if a != demo.ManagerName && !slices.Contains(names, a) {
				names = append(names, a)
			}
		}
	}
	if len(names) < 2 {
		t.Fatalf("found assignees %v in %s; want two", names, glabWriteProject)
	}
	slices.Sort(names)
	return names[:2]
}

var glabIssueURL = regexp.MustCompile(`/-/issues/(\d+)$`)

// createIssue runs `glab issue create` with args and returns the new
// issue's iid, read from the URL glab prints.
func (g *glabCLI) createIssue(t *testing.T, args ...string) int {
	t.Helper()
	out := strings.TrimSpace(g.run(t, append([]string{"issue", "create", "-R", glabWriteProject, "--yes"}, args...)...))
	prefix := g.srv.URL + "/" + glabWriteProject + "/-/issues/"
	m := glabIssueURL.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(out, prefix) {
		t.Fatalf("glab issue create printed %q; want the new issue's URL %s<iid>", out, prefix)
	}
	iid, _ := strconv.Atoi(m[1])
	return iid
}

// view returns the issue as `glab issue view --comments -F json` prints it.
func (g *glabCLI) view(t *testing.T, iid int) glabIssue {
	t.Helper()
	var is glabIssue
	g.runJSON(t, &is, "issue", "view", strconv.Itoa(iid), "-R", glabWriteProject, "--comments", "-F", "json")
	if is.IID != iid {
		t.Fatalf("glab issue view %d -F json showed issue #%d", iid, is.IID)
	}
	return is
}

// testGlabCreateView creates an issue with labels (one of them new),
// a milestone, a weight, assignees and a due date, and reads it back with
// `glab issue view`.
func testGlabCreateView(t *testing.T, g *glabCLI) {
	ms := g.activeMilestone(t)
	assignees := g.twoAssignees(t)
	const (
		title    = "Compat: created by glab"
		desc     = "Created by the **glab** compatibility suite."
		newLabel = "glab-compat-created"
		due      = "2031-03-14"
	)
	// glab looks a milestone title up among the project's own milestones
	// only (as on GitLab), so a group milestone is given by its id.
	iid := g.createIssue(t, "--title", title, "--description", desc,
		"--label", "type::bug,"+newLabel, "--milestone", strconv.Itoa(ms.ID),
		"--weight", "5", "--assignee", strings.Join(assignees, ","), "--due-date", due)

	is := g.view(t, iid)
	if is.Title != title || is.Description != desc || is.State != "opened" {
		t.Errorf("title, description, state = %q, %q, %q; want %q, %q, opened", is.Title, is.Description, is.State, title, desc)
	}
	for _, l := range []string{"type::bug", newLabel} {
		if !slices.Contains(is.Labels, l) {
			t.Errorf("labels %q lack %q", is.Labels, l)
		}
	}
	if is.Milestone == nil || is.Milestone.ID != ms.ID || is.Milestone.Title != ms.Title {
		t.Errorf("milestone = %+v, want %d %q", is.Milestone, ms.ID, ms.Title)
	}
	if is.Weight != 5 {
		t.Errorf("weight = %d, want 5", is.Weight)
	}
	if got := is.assignees(); !slices.Equal(got, assignees) {
		t.Errorf("assignees = %v, want %v", got, assignees)
	}
	if is.DueDate == nil || *is.DueDate != due {
		t.Errorf("due_date = %v, want %s", is.DueDate, due)
	}
	if is.Author == nil || is.Author.Username != demo.ManagerName {
		t.Errorf("author = %+v, want %s (the token's user)", is.Author, demo.ManagerName)
	}
	if len(is.Notes) != 0 || is.UserNotesCount != 0 {
		t.Errorf("a new issue has %d notes (user_notes_count %d)", len(is.Notes), is.UserNotesCount)
	}

	// The text view people read.
	out := g.run(t, "issue", "view", strconv.Itoa(iid), "-R", glabWriteProject, "--comments")
	for _, want := range []string{
		"title:\t" + title + "\n",
		"state:\topen\n",
		"author:\t" + demo.ManagerName + "\n",
		"assignees:\t" + strings.Join(assignees, ", ") + "\n",
		"milestone:\t" + ms.Title + "\n",
		"comments:\t0\n",
		desc,
		"There are no comments on this issue.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("glab issue view --comments lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^labels:\t.*\b` + regexp.QuoteMeta(newLabel)).MatchString(out) {
		t.Errorf("glab issue view shows no label %s:\n%s", newLabel, out)
	}

	// The unknown label was created, in the project.
	var labels []struct {
		Name string `json:"name"`
	}
	g.runJSON(t, &labels, "label", "list", "-R", glabWriteProject, "-F", "json", "--per-page", "100")
	if !slices.ContainsFunc(labels, func(l struct {
		Name string `json:"name"`
	}) bool {
		return l.Name == newLabel
	}) {
		t.Errorf("glab label list shows no %q after the issue was created with it: %v", newLabel, labels)
	}
}

// testGlabNoteQuickActions comments with a note that mixes text and quick
// actions, then with one made of quick actions only, and checks their
// effect and that only the text is kept as a comment.
func testGlabNoteQuickActions(t *testing.T, g *glabCLI) {
	iid := g.createIssue(t, "--title", "Compat: quick actions from glab", "--description", "d", "--label", "type::bug")
	prefix := fmt.Sprintf("%s/%s/-/issues/%d#note_", g.srv.URL, glabWriteProject, iid)

	body := "Refined: ready to go.\n/label ~\"code-creation-priority::high\" ~Stretch\n/weight 3"
	out := strings.TrimSpace(g.run(t, "issue", "note", strconv.Itoa(iid), "-R", glabWriteProject, "-m", body))
	noteID, err := strconv.Atoi(strings.TrimPrefix(out, prefix))
	if !strings.HasPrefix(out, prefix) || err != nil || noteID <= 0 {
		t.Fatalf("glab issue note printed %q; want %s<id>", out, prefix)
	}
	is := g.view(t, iid)
	for _, l := range []string{"code-creation-priority::high", "Stretch", "type::bug"} {
		if !slices.Contains(is.Labels, l) {
			t.Errorf("after /label: labels %q lack %q", is.Labels, l)
		}
	}
	if is.Weight != 3 {
		t.Errorf("after /weight 3: weight = %d", is.Weight)
	}
	var comments []string
	for _, n := range is.Notes {
		if !n.System {
			comments = append(comments, n.Body)
		}
	}
	if !slices.Equal(comments, []string{"Refined: ready to go."}) || is.UserNotesCount != 1 {
		t.Errorf("comments = %q (user_notes_count %d); want the note's text without its commands", comments, is.UserNotesCount)
	}

	// Commands only: GitLab keeps no note (and answers 202 without one,
	// so glab prints note id 0); the commands still apply. Scoped labels
	// replace the one of their scope.
	out = strings.TrimSpace(g.run(t, "issue", "note", strconv.Itoa(iid), "-R", glabWriteProject, "-m", "/weight 1\n/label ~type::feature"))
	if !strings.HasPrefix(out, prefix) {
		t.Errorf("glab issue note (commands only) printed %q; want %s<id>", out, prefix)
	}
	is = g.view(t, iid)
	if is.Weight != 1 || !slices.Contains(is.Labels, "type::feature") || slices.Contains(is.Labels, "type::bug") {
		t.Errorf("after /weight 1 /label ~type::feature: weight %d, labels %q", is.Weight, is.Labels)
	}
	if is.UserNotesCount != 1 {
		t.Errorf("user_notes_count = %d after a commands-only note, want 1", is.UserNotesCount)
	}

	text := g.run(t, "issue", "view", strconv.Itoa(iid), "-R", glabWriteProject, "--comments")
	if !strings.Contains(text, demo.ManagerName+" commented ") || !strings.Contains(text, "\nRefined: ready to go.\n") {
		t.Errorf("glab issue view --comments does not show the comment:\n%s", text)
	}
	if strings.Contains(text, "/weight") || strings.Contains(text, "/label") {
		t.Errorf("glab issue view --comments shows the quick actions as text:\n%s", text)
	}
}

// testGlabUpdateCloseReopen changes an issue with `glab issue update`, then
// closes and reopens it.
func testGlabUpdateCloseReopen(t *testing.T, g *glabCLI) {
	const keep, drop, add = "glab-compat-keep", "glab-compat-drop", "glab-compat-add"
	iid := g.createIssue(t, "--title", "Compat: updated by glab", "--description", "d",
		"--label", strings.Join([]string{"type::bug", keep, drop}, ","))
	id := strconv.Itoa(iid)

	out := g.run(t, "issue", "update", id, "-R", glabWriteProject, "--label", add+",type::maintenance", "--unlabel", drop)
	if !strings.Contains(out, fmt.Sprintf("- Updating issue #%d", iid)) {
		t.Errorf("glab issue update printed:\n%s", out)
	}
	is := g.view(t, iid)
	for _, l := range []string{keep, add, "type::maintenance"} {
		if !slices.Contains(is.Labels, l) {
			t.Errorf("after update: labels %q lack %q", is.Labels, l)
		}
	}
	for _, l := range []string{drop, "type::bug"} {
		if slices.Contains(is.Labels, l) {
			t.Errorf("after update: labels %q still have %q", is.Labels, l)
		}
	}

	ms := g.activeMilestone(t)
	g.run(t, "issue", "update", id, "-R", glabWriteProject, "--title", "Compat: renamed by glab",
		"--weight", "8", "--milestone", strconv.Itoa(ms.ID), "--assignee", demo.ManagerName)
	is = g.view(t, iid)
	if is.Title != "Compat: renamed by glab" || is.Weight != 8 || is.milestoneTitle() != ms.Title ||
		!slices.Equal(is.assignees(), []string{demo.ManagerName}) {
		t.Errorf("after update: title %q, weight %d, milestone %q, assignees %v", is.Title, is.Weight, is.milestoneTitle(), is.assignees())
	}
	g.run(t, "issue", "update", id, "-R", glabWriteProject, "--milestone", "0", "--unassign")
	is = g.view(t, iid)
	if is.Milestone != nil || len(is.Assignees) != 0 {
		t.Errorf("after --milestone 0 --unassign: milestone %+v, assignees %v", is.Milestone, is.assignees())
	}

	out = g.run(t, "issue", "close", id, "-R", glabWriteProject)
	if !strings.Contains(out, fmt.Sprintf("Closed issue #%d", iid)) {
		t.Errorf("glab issue close printed:\n%s", out)
	}
	is = g.view(t, iid)
	if is.State != "closed" || is.ClosedBy == nil || is.ClosedBy.Username != demo.ManagerName {
		t.Errorf("after close: state %q, closed_by %+v", is.State, is.ClosedBy)
	}
	if got := glabIIDs(g.listAll(t, glabWriteProject, "--closed", "--label", keep)); !slices.Equal(got, []int{iid}) {
		t.Errorf("glab issue list --closed --label %s = %v, want [%d]", keep, got, iid)
	}
	if got := g.listAll(t, glabWriteProject, "--label", keep); len(got) != 0 {
		t.Errorf("glab issue list --label %s (open) = %v, want none", keep, glabIIDs(got))
	}

	out = g.run(t, "issue", "reopen", id, "-R", glabWriteProject)
	if !strings.Contains(out, fmt.Sprintf("Reopened issue #%d.", iid)) {
		t.Errorf("glab issue reopen printed:\n%s", out)
	}
	is = g.view(t, iid)
	if is.State != "opened" || is.ClosedBy != nil {
		t.Errorf("after reopen: state %q, closed_by %+v", is.State, is.ClosedBy)
	}
	if got := glabIIDs(g.listAll(t, glabWriteProject, "--label", keep)); !slices.Equal(got, []int{iid}) {
		t.Errorf("glab issue list --label %s = %v, want [%d]", keep, got, iid)
	}
}

// testGlabConfigFile configures glab the way the README tells users to,
// with `glab auth login` and `glab config set` and no GITLAB_* variables,
// and checks that `glab auth status` and a list work.
func testGlabConfigFile(t *testing.T, g *glabCLI) {
	c := &glabCLI{bin: g.bin, srv: g.srv, host: g.host, dir: g.dir, env: glabBaseEnv(t.TempDir())}
	c.run(t, "config", "set", "check_update", "false", "--global")
	c.runWith(t, g.srv.Token+"\n", nil, "auth", "login", "--hostname", c.host, "--api-protocol", "http", "--stdin")
	c.run(t, "config", "set", "host", c.host, "--global")

	// auth status reports on standard error, even when all is well.
	stdout, stderr, err := c.exec("", nil, "auth", "status", "--hostname", c.host)
	if err != nil {
		t.Fatalf("glab auth status: %v\n%s%s", err, stdout, stderr)
	}
	status := stdout + stderr
	for _, want := range []string{
		"Logged in to " + c.host + " as " + demo.ManagerName,
		"API calls for " + c.host + " are made over http protocol",
		"REST API Endpoint: " + g.srv.URL + "/api/v4/",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("glab auth status lacks %q:\n%s", want, status)
		}
	}
	if strings.Contains(status, " x ") || strings.Contains(strings.ToLower(status), "error") {
		t.Errorf("glab auth status reports a problem:\n%s", status)
	}

	var issues []glabIssue
	c.runJSON(t, &issues, "issue", "list", "-R", glabReadProject, "-O", "json", "--per-page", "5")
	if len(issues) == 0 {
		t.Error("glab issue list with the config file listed nothing")
	}
}

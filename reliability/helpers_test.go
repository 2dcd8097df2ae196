package reliability

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/cairntest"
)

// The environment variables that steer the package (see doc.go).
const (
	envMode     = "CAIRN_RELIABILITY"          // "" or "short": bounded; "long": the long forms
	envSeed     = "CAIRN_RELIABILITY_SEED"     // replays a run's random choices
	envRequired = "CAIRN_RELIABILITY_REQUIRED" // "1": fail instead of skipping for want of tools
)

func TestMain(m *testing.M) {
	code := m.Run()
	cairntest.Cleanup()
	os.Exit(code)
}

// long reports whether the long forms of the tests run; an unknown mode
// fails the test rather than silently running the short one.
func long(tb testing.TB) bool {
	tb.Helper()
	switch v := os.Getenv(envMode); v {
	case "", "short":
		return false
	case "long":
		return true
	default:
		tb.Fatalf("%s=%q: want \"long\", \"short\" or nothing", envMode, v)
		return false
	}
}

// pick returns short or, in long mode, long.
func pick[T any](tb testing.TB, short, long_ T) T {
	tb.Helper()
	if long(tb) {
		return long_
	}
	return short
}

// required reports whether a test must fail, not skip, when the tools it
// needs are missing (CI sets it).
func required() bool { return os.Getenv(envRequired) == "1" }

// seed returns the run's random seed, from CAIRN_RELIABILITY_SEED when set,
// and logs it so that a failing run can be replayed.
func seed(tb testing.TB) uint64 {
	tb.Helper()
	if v := os.Getenv(envSeed); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			tb.Fatalf("%s=%q: want a non-negative integer", envSeed, v)
		}
		tb.Logf("seed %d (from %s)", n, envSeed)
		return n
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := binary.LittleEndian.Uint64(b[:]) >> 1
	tb.Logf("seed %d (replay with %s=%d)", n, envSeed, n)
	return n
}

// client calls one Cairn server's API with a token, never following
// redirects (so that the web tests see them).
//
// Go's client does not silently send a POST or PUT twice: the transport
// retries a request on a new connection only when nothing of it was
// written yet, or when it is idempotent (GET, HEAD, or with an
// Idempotency-Key header) — see net/http's shouldRetryRequest. So a write
// that failed in transport is either not sent (a dial error) or of unknown
// outcome, never applied twice by the client.
type client struct {
	hc    *http.Client
	base  string
	token string
	// cookie, when set, is sent as the Cookie header (web requests).
	cookie string
}

// newClient returns a client of base with the API token; timeout bounds
// each request, so that a hanging server fails the test instead of
// stalling it.
func newClient(base, token string, timeout time.Duration) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &client{
		hc: &http.Client{
			Transport:     tr,
			Timeout:       timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		base:  base,
		token: token,
	}
}

// close drops the client's idle connections.
func (c *client) close() { c.hc.CloseIdleConnections() }

// response is a complete answer: status, headers, body and how long it
// took.
type response struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

func (r *response) String() string {
	b := r.body
	if i := bytes.Index(b, []byte("<title>")); i >= 0 {
		// A page: its title says enough.
		b = b[i:]
		if j := bytes.Index(b, []byte("</title>")); j >= 0 {
			b = b[:j+len("</title>")]
		}
	}
	if len(b) > 300 {
		b = append(b[:300:300], "…"...)
	}
	return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(b))
}

// decode unmarshals the body into v.
func (r *response) decode(v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("decode %s: %w", r, err)
	}
	return nil
}

// do sends one request: form, when not nil, as the urlencoded body of a
// POST or PUT. A response whose status arrived but whose body did not is
// returned with the error, as its status already tells the outcome.
func (c *client) do(method, path string, form url.Values) (*response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.token != "" {
		req.Header.Set("PRIVATE-TOKEN", c.token)
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
		// Browsers send it with forms; the CSRF protection wants it.
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	start := time.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	r := &response{status: res.StatusCode, header: res.Header, body: b, took: time.Since(start)}
	if err != nil {
		return r, fmt.Errorf("read body of %s %s: %w", method, path, err)
	}
	return r, nil
}

// must sends a request that has to succeed (2xx) and decodes its body into
// v when v is not nil.
func (c *client) must(tb testing.TB, method, path string, form url.Values, v any) *response {
	tb.Helper()
	r, err := c.do(method, path, form)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	if !r.ok() {
		tb.Fatalf("%s %s: %s", method, path, r)
	}
	if v != nil {
		if err := r.decode(v); err != nil {
			tb.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return r
}

// all GETs every page of a list (100 a page, following X-Next-Page) and
// appends its items to *out.
func all[T any](c *client, path string, out *[]T) error {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for page := 1; page <= 10000; page++ {
		p := fmt.Sprintf("%s%sper_page=100&page=%d", path, sep, page)
		r, err := c.do("GET", p, nil)
		if err != nil {
			return fmt.Errorf("GET %s: %w", p, err)
		}
		if !r.ok() {
			return fmt.Errorf("GET %s: %s", p, r)
		}
		var items []T
		if err := r.decode(&items); err != nil {
			return err
		}
		*out = append(*out, items...)
		if r.header.Get("X-Next-Page") == "" {
			return nil
		}
	}
	return fmt.Errorf("GET %s: more than 10000 pages", path)
}

// notSent reports whether a request failed before reaching the server:
// the connection could not be made, so a write was certainly not applied.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// project is what the tests need of the demo team: a project, its group,
// and a milestone to put issues in (0 for none).
type project struct {
	ID          int64
	GroupID     int64
	MilestoneID int64
}

// demoProject returns the demo team's first project and an active
// milestone of its group.
func demoProject(tb testing.TB, c *client) project {
	tb.Helper()
	var projects []struct {
		ID        int64 `json:"id"`
		Namespace struct {
			ID   int64  `json:"id"`
			Kind string `json:"kind"`
		} `json:"namespace"`
	}
	c.must(tb, "GET", "/api/v4/projects?order_by=id&sort=asc&per_page=20", nil, &projects)
	for _, p := range projects {
		if p.Namespace.Kind != "group" {
			continue
		}
		var ms []struct {
			ID int64 `json:"id"`
		}
		c.must(tb, "GET", fmt.Sprintf("/api/v4/groups/%d/milestones?state=active&per_page=1", p.Namespace.ID), nil, &ms)
		out := project{ID: p.ID, GroupID: p.Namespace.ID}
		if len(ms) > 0 {
			out.MilestoneID = ms[0].ID
		}
		return out
	}
	tb.Fatalf("the demo team has no project in a group: %+v", projects)
	return project{}
}

// issueJSON is what the tests read of an issue.
type issueJSON struct {
	ID        int64    `json:"id"`
	IID       int64    `json:"iid"`
	Title     string   `json:"title"`
	State     string   `json:"state"`
	Labels    []string `json:"labels"`
	Weight    *int     `json:"weight"`
	Milestone *struct {
		ID int64 `json:"id"`
	} `json:"milestone"`
}

// signIn signs in through the web form as login and returns the session
// cookie ("cairn_session=…").
func signIn(tb testing.TB, c *client, login, password string) string {
	tb.Helper()
	web := newClient(c.base, "", c.hc.Timeout) // a fresh visitor
	req, err := http.NewRequest("POST", c.base+"/users/sign_in", strings.NewReader(url.Values{"login": {login}, "password": {password}}.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := web.hc.Do(req)
	if err != nil {
		tb.Fatalf("sign in: %v", err)
	}
	res.Body.Close()
	web.close()
	if res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("sign in as %s: status %d, want 303", login, res.StatusCode)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "cairn_session" && ck.Value != "" {
			return ck.Name + "=" + ck.Value
		}
	}
	tb.Fatalf("sign in as %s: no session cookie in %v", login, res.Header.Values("Set-Cookie"))
	return ""
}

// demoPassword is the password `cairn serve --demo` gives every demo user
// (cmd/cairn.DemoPassword), and demoLogin the manager it prints.
const (
	demoPassword = "cairn-demo"
	demoLogin    = "emma"
)

// rssBytes returns the resident set size of process pid, from
// /proc/PID/status.
func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("unexpected VmRSS line %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", line, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

package reliability

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/cairntest"
)

// Bounds of TestPostgresRestart, generous for a busy machine: no request
// may take longer than maxLatency; once PostgreSQL is back, requests must
// succeed within recoverWithin; after the first success, settle later
// every request must succeed.
const (
	maxLatency    = 10 * time.Second
	recoverWithin = 30 * time.Second
	settle        = 2 * time.Second
)

// TestPostgresRestart stops PostgreSQL under load and starts it again,
// without restarting Cairn. While the database is down, API requests must
// answer 503 with GitLab's body and a Retry-After header, web pages 503,
// and /-/readiness 503, each promptly; none may answer 500 or hang. Once
// it is back, requests must succeed again by themselves. It runs its own
// PostgreSQL cluster (the shared server on 5432 serves other tests) and
// skips when it cannot, unless CAIRN_RELIABILITY_REQUIRED=1.
func TestPostgresRestart(t *testing.T) {
	pg := startPrivatePostgres(t)
	cycles := pick(t, 2, 6)
	downFor := pick(t, time.Second, 5*time.Second)
	p := cairntest.Start(t, cairntest.Options{DB: pg.dsn, Demo: true})
	c := newClient(p.URL, p.Token, 2*maxLatency)
	defer c.close()
	proj := demoProject(t, c)
	cookie := signIn(t, c, demoLogin, demoPassword)
	rng := rand.New(rand.NewPCG(seed(t), 4))

	ld := &restartLoad{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	issues := fmt.Sprintf("/api/v4/projects/%d/issues", proj.ID)
	var iids []int64
	var list []issueJSON
	c.must(t, "GET", issues+"?per_page=20", nil, &list)
	for _, is := range list {
		iids = append(iids, is.IID)
	}
	if len(iids) == 0 {
		t.Fatal("the demo project has no issues")
	}
	for w := range 3 {
		wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
		wc := newClient(p.URL, p.Token, 2*maxLatency)
		wg.Go(func() {
			defer wc.close()
			ld.run(stop, "api", func(n int) (*response, error) {
				iid := iids[wrng.IntN(len(iids))]
				switch wrng.IntN(5) {
				case 0:
					title := fmt.Sprintf("rl-pg-%d-%d", w, n)
					r, err := wc.do("POST", issues, url.Values{"title": {title}})
					ld.created(title, err == nil && r.ok())
					return r, err
				case 1:
					return wc.do("POST", fmt.Sprintf("%s/%d/notes", issues, iid), url.Values{"body": {fmt.Sprintf("rl-pg note %d-%d", w, n)}})
				case 2:
					return wc.do("GET", fmt.Sprintf("%s/%d", issues, iid), nil)
				default:
					return wc.do("GET", issues+"?per_page=20", nil)
				}
			})
		})
	}
	web := newClient(p.URL, "", 2*maxLatency)
	web.cookie = cookie
	defer web.close()
	wg.Go(func() {
		ld.run(stop, "web", func(int) (*response, error) { return web.do("GET", "/dashboard", nil) })
	})
	probe := newClient(p.URL, "", 2*maxLatency)
	defer probe.close()
	wg.Go(func() {
		ld.run(stop, "readiness", func(int) (*response, error) { return probe.do("GET", "/-/readiness", nil) })
	})
	stopLoad := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	defer stopLoad()

	time.Sleep(settle)
	for cycle := range cycles {
		mode := "fast"
		if cycle%2 == 1 {
			mode = "immediate" // as a crash of the database server
		}
		stopping := time.Now()
		pg.stop(t, mode)
		stopped := time.Now()
		// Down for a while, and until each kind of request has answered
		// a few times.
		for time.Since(stopped) < downFor || !ld.enough(stopped, 3) {
			if time.Since(stopped) > 3*maxLatency {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		starting := time.Now()
		pg.start(t)
		started := time.Now()
		var okAt time.Time
		for deadline := started.Add(recoverWithin); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if okAt = ld.firstOK(started); !okAt.IsZero() {
				break
			}
		}
		if okAt.IsZero() {
			t.Fatalf("cycle %d: no request succeeded within %s of PostgreSQL's start; Cairn did not recover by itself\n%s",
				cycle+1, recoverWithin, tail(p.Log(), 40))
		}
		time.Sleep(2 * settle) // requests after okAt+settle must succeed
		down := ld.judge(t, cycle+1, stopping, stopped, starting, started, okAt.Add(settle))
		t.Logf("cycle %d (stop -m %s): down %s, %d answers while down; first success %s after the start",
			cycle+1, mode, starting.Sub(stopped).Round(time.Millisecond), down, okAt.Sub(started).Round(time.Millisecond))
		if t.Failed() {
			t.Fatalf("server log:\n%s", tail(p.Log(), 60))
		}
	}
	select {
	case <-p.Done():
		t.Fatalf("cairn exited:\n%s", tail(p.Log(), 40))
	default:
	}

	// Every create that was answered 2xx survived the restarts, once; one
	// answered 503 may have committed (the connection can drop after the
	// commit, before its answer), but at most once.
	stopLoad()
	var got []issueJSON
	if err := all(c, issues+"?state=all&search=rl-pg-&in=title", &got); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, is := range got {
		count[is.Title]++
	}
	acked := 0
	for title, ok := range ld.creates {
		switch {
		case count[title] > 1:
			t.Errorf("%s exists %d times", title, count[title])
		case ok && count[title] == 0:
			t.Errorf("%s was created (2xx) but is gone after the database restarts", title)
		}
		if ok {
			acked++
		}
	}
	t.Logf("%d creates acknowledged, all there after %d restarts of the database; %d more answered 503", acked, cycles, len(ld.creates)-acked)
}

// result is one request of the load: what it was, when, and its answer.
type result struct {
	kind       string // "api", "web" or "readiness"
	start, end time.Time
	r          *response
	err        error
}

func (r result) String() string {
	if r.err != nil {
		return fmt.Sprintf("%s request at %s: %v (after %s)", r.kind, r.start.Format("15:04:05.000"), r.err, r.end.Sub(r.start).Round(time.Millisecond))
	}
	return fmt.Sprintf("%s request at %s: %s (after %s)", r.kind, r.start.Format("15:04:05.000"), r.r, r.end.Sub(r.start).Round(time.Millisecond))
}

// restartLoad records every request of the load.
type restartLoad struct {
	mu      sync.Mutex
	results []result
	creates map[string]bool // title: answered 2xx
}

// created records a create and whether it was answered 2xx.
func (l *restartLoad) created(title string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.creates == nil {
		l.creates = map[string]bool{}
	}
	l.creates[title] = ok
}

// run sends requests one after the other, every 20ms at most, until stop.
func (l *restartLoad) run(stop <-chan struct{}, kind string, send func(n int) (*response, error)) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		start := time.Now()
		r, err := send(n)
		l.mu.Lock()
		l.results = append(l.results, result{kind: kind, start: start, end: time.Now(), r: r, err: err})
		l.mu.Unlock()
	}
}

// enough reports whether each kind of request has answered at least n
// times after since.
func (l *restartLoad) enough(since time.Time, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	count := map[string]int{}
	for _, r := range l.results {
		if r.start.After(since) {
			count[r.kind]++
		}
	}
	return count["api"] >= n && count["web"] >= n && count["readiness"] >= n
}

// firstOK returns the start of the first API request after since that
// succeeded, or the zero time.
func (l *restartLoad) firstOK(since time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first time.Time
	for _, r := range l.results {
		if r.kind == "api" && r.start.After(since) && r.err == nil && r.r.ok() && (first.IsZero() || r.start.Before(first)) {
			first = r.start
		}
	}
	return first
}

// judge checks the requests of one stop–start cycle and returns how many
// answered while the database was down:
//   - none answered 500 (or another 5xx than 503), none failed in
//     transport, none took longer than maxLatency;
//   - those sent while it was down answered 503: the API with GitLab's
//     body and Retry-After, web pages with Retry-After, /-/readiness;
//   - those sent from recovered on succeeded.
func (l *restartLoad) judge(t *testing.T, cycle int, stopping, stopped, starting, started, recovered time.Time) int {
	t.Helper()
	l.mu.Lock()
	rs := slices.Clone(l.results)
	l.mu.Unlock()
	slices.SortFunc(rs, func(a, b result) int { return a.start.Compare(b.start) })
	var errs []string
	fail := func(r result, why string) {
		if len(errs) < 15 {
			errs = append(errs, fmt.Sprintf("cycle %d: %s: %s", cycle, why, r))
		}
	}
	down := map[string]int{}
	for _, r := range rs {
		if r.start.Before(stopping.Add(-settle)) {
			continue // judged in the cycle before
		}
		if r.err != nil {
			fail(r, "failed in transport")
			continue
		}
		if took := r.end.Sub(r.start); took > maxLatency {
			fail(r, "too slow")
		}
		st := r.r.status
		if st >= 500 && st != 503 {
			fail(r, "server error other than 503")
		}
		switch {
		case r.end.Before(stopping):
			if !r.r.ok() {
				fail(r, "failed before the database stopped")
			}
		case r.start.After(stopped) && r.end.Before(starting):
			down[r.kind]++
			if st != 503 {
				fail(r, "not 503 while the database was down")
				continue
			}
			if r.kind == "readiness" {
				continue
			}
			if ra, err := strconv.Atoi(r.r.header.Get("Retry-After")); err != nil || ra <= 0 {
				fail(r, fmt.Sprintf("503 with Retry-After %q", r.r.header.Get("Retry-After")))
			}
			if got := strings.TrimSpace(string(r.r.body)); r.kind == "api" && got != `{"message":"503 Service Unavailable"}` {
				fail(r, "503 without GitLab's body")
			}
		case r.start.After(recovered):
			if !r.r.ok() {
				fail(r, "failed after recovering")
			}
		}
	}
	for _, kind := range []string{"api", "web", "readiness"} {
		if down[kind] == 0 {
			errs = append(errs, fmt.Sprintf("cycle %d: no %s request answered while the database was down", cycle, kind))
		}
	}
	for _, e := range errs {
		t.Error(e)
	}
	return down["api"] + down["web"] + down["readiness"]
}

// privatePG is a PostgreSQL cluster of the test's own, which it may stop
// and start at will.
type privatePG struct {
	bin   string   // the folder of initdb and pg_ctl
	runAs []string // runuser -u postgres --, when the test runs as root
	dir   string   // the cluster's folder, also its socket folder
	port  string
	dsn   string
}

// startPrivatePostgres initialises and starts a cluster on a free port of
// 127.0.0.1, stopped and removed when the test ends. It skips (or fails,
// with CAIRN_RELIABILITY_REQUIRED=1) when PostgreSQL's server binaries are
// not installed or there is no user to run them as.
func startPrivatePostgres(t *testing.T) *privatePG {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := "cannot run a private PostgreSQL server: " + fmt.Sprintf(format, args...)
		if required() {
			t.Fatalf("%s (%s=1)", msg, envRequired)
		}
		t.Skipf("%s; install Debian's postgresql package, or set %s=1 to fail instead", msg, envRequired)
	}
	bin, err := postgresBinDir()
	if err != nil {
		unavailable("%v", err)
	}
	pg := &privatePG{bin: bin}
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable("running as root and no postgres user to run it as: %v", err)
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			unavailable("running as root and no runuser: %v", err)
		}
		pg.runAs = []string{runuser, "-u", "postgres", "--"}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	// Not t.TempDir: its parent is private to this user, and the server
	// may run as another.
	pg.dir, err = os.MkdirTemp("", "cairn-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pg.dir) })
	if uid >= 0 {
		if err := os.Chown(pg.dir, uid, gid); err != nil {
			unavailable("give %s to the postgres user: %v", pg.dir, err)
		}
	}
	_, pg.port, _ = net.SplitHostPort(cairntest.FreeAddr(t))
	pg.dsn = "postgres://postgres@127.0.0.1:" + pg.port + "/postgres?sslmode=disable"
	if out, err := pg.run("initdb", "-D", pg.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--no-locale"); err != nil {
		unavailable("initdb: %v\n%s", err, out)
	}
	pg.start(t)
	t.Cleanup(func() { _, _ = pg.run("pg_ctl", "-D", pg.data(), "-m", "immediate", "-w", "stop") })
	return pg
}

// postgresBinDir finds the newest Debian PostgreSQL server binaries, or
// pg_ctl on the PATH.
func postgresBinDir() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	slices.SortFunc(found, func(a, b string) int { return cmp.Compare(pgVersion(a), pgVersion(b)) })
	if len(found) > 0 {
		return filepath.Dir(found[len(found)-1]), nil
	}
	p, err := exec.LookPath("pg_ctl")
	if err != nil {
		return "", fmt.Errorf("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/pg_ctl, or pg_ctl on the PATH)")
	}
	return filepath.Dir(p), nil
}

// pgVersion is the major version in /usr/lib/postgresql/N/bin/pg_ctl.
func pgVersion(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

func (pg *privatePG) data() string { return filepath.Join(pg.dir, "data") }

// run runs one of the server binaries as the user the cluster belongs to.
func (pg *privatePG) run(name string, args ...string) ([]byte, error) {
	argv := append(slices.Clone(pg.runAs), filepath.Join(pg.bin, name))
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = pg.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// start starts the cluster and waits until it accepts connections.
func (pg *privatePG) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", pg.port, pg.dir)
	if out, err := pg.run("pg_ctl", "-D", pg.data(), "-l", filepath.Join(pg.dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		t.Fatalf("start PostgreSQL: %v\n%s\n%s", err, out, log)
	}
}

// stop stops the cluster: "fast" rolls back open transactions and
// disconnects the clients; "immediate" stops at once, as a crash.
func (pg *privatePG) stop(t *testing.T, mode string) {
	t.Helper()
	if out, err := pg.run("pg_ctl", "-D", pg.data(), "-m", mode, "-w", "-t", "60", "stop"); err != nil {
		t.Fatalf("stop PostgreSQL (-m %s): %v\n%s", mode, err, out)
	}
}

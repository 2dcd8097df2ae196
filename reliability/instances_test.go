package reliability

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to look at the schema

	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestTwoInstances runs two `cairn serve` processes on one PostgreSQL
// database, as behind a load balancer. They start at the same moment on
// an empty database (both migrate; goose's advisory lock must make one
// wait), then restart together on the demo team so that both schedulers
// evaluate the same due occurrences at once. A load mix of creates,
// lists, edits and notes goes to both in turn, each write read back from
// the other instance; a web session made on one is used and ended on the
// other; and each scheduled occurrence ran on one instance only.
// (internal/scheduler's TestTwoInstances covers the claims in depth, in
// one process, across eight simulated days.)
func TestTwoInstances(t *testing.T) {
	cairntest.Binary(t) // build before the goroutines start
	ctx := context.Background()

	// Concurrent migrations: three instances at once on a fresh database,
	// a few times (without goose's lock, a round fails about one time in
	// three).
	rounds := pick(t, 3, 10)
	var dsn string
	var procs []*cairntest.Process
	for r := range rounds {
		dsn = storetest.DSN(t, "postgres")
		ps := startTogether(t, cairntest.Options{DB: dsn}, cairntest.Options{DB: dsn}, cairntest.Options{DB: dsn})
		checkMigrated(t, dsn)
		for _, p := range ps {
			c := newClient(p.URL, "", 10*time.Second)
			c.must(t, "GET", "/-/readiness", nil, nil)
			c.close()
			if r < rounds-1 {
				p.Kill()
			}
		}
		procs = ps
	}

	// The demo team, loaded by `cairn demo` beside the running instances;
	// then both restart at once.
	token := loadDemo(t, dsn)
	for _, p := range procs {
		if err := p.Stop(15 * time.Second); err != nil {
			t.Logf("stop: %v", err)
		}
	}
	ps := startTogether(t, cairntest.Options{DB: dsn}, cairntest.Options{DB: dsn})
	procs = append(procs, ps...)
	a, b := newClient(ps[0].URL, token, 30*time.Second), newClient(ps[1].URL, token, 30*time.Second)
	defer a.close()
	defer b.close()
	proj := demoProject(t, a)

	created := twoInstanceLoad(t, []*client{a, b}, proj, pick(t, 5*time.Second, 60*time.Second))
	checkSameIssues(t, a, b, proj, created)
	checkSharedSession(t, a, b)
	checkScheduledOnce(t, ctx, dsn, procs)
}

// startTogether starts one server per options at the same moment and
// fails the test unless every one of them comes up.
func startTogether(t *testing.T, opts ...cairntest.Options) []*cairntest.Process {
	t.Helper()
	ps := make([]*cairntest.Process, len(opts))
	errs := make([]error, len(opts))
	begin := make(chan struct{})
	var wg sync.WaitGroup
	for i, o := range opts {
		wg.Go(func() {
			<-begin
			ps[i], errs[i] = cairntest.TryStart(t, o)
		})
	}
	start := time.Now()
	close(begin)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d of %d started together: %v", i+1, len(opts), err)
		}
	}
	t.Logf("%d instances started together in %s", len(opts), time.Since(start).Round(time.Millisecond))
	return ps
}

// checkMigrated checks that every migration is applied, each once.
func checkMigrated(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	states, err := st.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range states {
		if !m.Applied {
			t.Errorf("migration %d (%s) is not applied", m.Version, m.Path)
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT version_id, COUNT(*) FROM goose_db_version GROUP BY version_id HAVING COUNT(*) > 1`)
	if err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v, n int64
		if err := rows.Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		t.Errorf("migration %d is recorded %d times", v, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

var tokenLine = regexp.MustCompile(`API token for \S+ \(shown once\): (\S+)`)

// loadDemo runs `cairn demo` on dsn and returns the API token it prints.
func loadDemo(t *testing.T, dsn string) string {
	t.Helper()
	cmd := exec.Command(cairntest.Binary(t), "demo", "--db", dsn)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIRN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cairn demo: %v\n%s", err, out)
	}
	m := tokenLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("cairn demo printed no API token:\n%s", out)
	}
	return string(m[1])
}

// twoInstanceLoad runs a few workers for d, each sending its requests to
// the instances in turn and reading every write back from the other. It
// returns the titles and iids of the issues created.
func twoInstanceLoad(t *testing.T, cs []*client, proj project, d time.Duration) map[string]int64 {
	t.Helper()
	const workers = 4
	rng := rand.New(rand.NewPCG(seed(t), 2))
	var mu sync.Mutex
	created := map[string]int64{}
	var errs []string
	ops := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
		wg.Go(func() {
			var mine []int64
			fail := func(format string, args ...any) {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("worker %d: ", w)+fmt.Sprintf(format, args...))
				mu.Unlock()
			}
			call := func(c *client, method, path string, form url.Values, v any) bool {
				r, err := c.do(method, path, form)
				switch {
				case err != nil:
					fail("%s %s on %s: %v", method, path, c.base, err)
					return false
				case !r.ok():
					fail("%s %s on %s: %s", method, path, c.base, r)
					return false
				case v != nil:
					if err := r.decode(v); err != nil {
						fail("%s %s on %s: %v", method, path, c.base, err)
						return false
					}
				}
				return true
			}
			issues := fmt.Sprintf("/api/v4/projects/%d/issues", proj.ID)
			for n := 0; time.Now().Before(deadline); n++ {
				x, y := cs[n%2], cs[(n+1)%2]
				switch k := wrng.IntN(10); {
				case k < 3 || len(mine) == 0:
					title := fmt.Sprintf("rl-two-%d-%d", w, n)
					var is issueJSON
					if !call(x, "POST", issues, url.Values{"title": {title}, "labels": {fmt.Sprintf("rl-w%d", w)}}, &is) {
						return
					}
					mine = append(mine, is.IID)
					mu.Lock()
					created[title] = is.IID
					mu.Unlock()
					var back issueJSON
					if call(y, "GET", fmt.Sprintf("%s/%d", issues, is.IID), nil, &back) && back.Title != title {
						fail("issue %d is %q on the other instance, created as %q", is.IID, back.Title, title)
					}
				case k < 5:
					iid := mine[wrng.IntN(len(mine))]
					label := fmt.Sprintf("rl-e%d", wrng.IntN(5))
					if !call(x, "PUT", fmt.Sprintf("%s/%d", issues, iid), url.Values{"add_labels": {label}}, nil) {
						return
					}
					var back issueJSON
					if call(y, "GET", fmt.Sprintf("%s/%d", issues, iid), nil, &back) && !slices.Contains(back.Labels, label) {
						fail("issue %d has labels %v on the other instance, after adding %s", iid, back.Labels, label)
					}
				case k < 7:
					iid := mine[wrng.IntN(len(mine))]
					body := fmt.Sprintf("rl-two note %d-%d", w, n)
					if !call(x, "POST", fmt.Sprintf("%s/%d/notes", issues, iid), url.Values{"body": {body}}, nil) {
						return
					}
					var notes []struct {
						Body string `json:"body"`
					}
					if call(y, "GET", fmt.Sprintf("%s/%d/notes?sort=desc&per_page=5", issues, iid), nil, &notes) &&
						!slices.ContainsFunc(notes, func(n struct {
							Body string `json:"body"`
						}) bool {
							return n.Body == body
						}) {
						fail("note %q is missing on the other instance", body)
					}
				default:
					if !call(x, "GET", fmt.Sprintf("%s?labels=rl-w%d&per_page=20", issues, w), nil, nil) {
						return
					}
				}
				mu.Lock()
				ops++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	t.Logf("load mix across two instances: %d operations in %s, %d issues created", ops, d, len(created))
	if len(created) == 0 {
		t.Fatal("the load mix created nothing")
	}
	return created
}

// checkSameIssues checks that both instances list the same issues, with
// no iid twice, and every created one among them.
func checkSameIssues(t *testing.T, a, b *client, proj project, created map[string]int64) {
	t.Helper()
	lists := make([]map[int64]string, 2)
	for i, c := range []*client{a, b} {
		var got []issueJSON
		if err := all(c, fmt.Sprintf("/api/v4/projects/%d/issues?state=all&order_by=created_at&sort=asc", proj.ID), &got); err != nil {
			t.Fatal(err)
		}
		lists[i] = map[int64]string{}
		for _, is := range got {
			if prev, dup := lists[i][is.IID]; dup {
				t.Errorf("instance %d: iid %d is both %q and %q", i+1, is.IID, prev, is.Title)
			}
			lists[i][is.IID] = is.Title
		}
	}
	if len(lists[0]) != len(lists[1]) {
		t.Errorf("instance 1 lists %d issues, instance 2 %d", len(lists[0]), len(lists[1]))
	}
	for iid, title := range lists[0] {
		if lists[1][iid] != title {
			t.Errorf("iid %d: %q on instance 1, %q on instance 2", iid, title, lists[1][iid])
		}
	}
	for title, iid := range created {
		for i := range lists {
			if lists[i][iid] != title {
				t.Errorf("instance %d: iid %d is %q, created as %q", i+1, iid, lists[i][iid], title)
			}
		}
	}
}

// checkSharedSession signs in on a, uses the session on b, signs out on
// b, and checks that the session is gone on a: sessions live in the
// database, not in an instance.
func checkSharedSession(t *testing.T, a, b *client) {
	t.Helper()
	cookie := signIn(t, a, demoLogin, demoPassword)
	wa, wb := newClient(a.base, "", 30*time.Second), newClient(b.base, "", 30*time.Second)
	defer wa.close()
	defer wb.close()
	wa.cookie, wb.cookie = cookie, cookie
	r, err := wb.do("GET", "/dashboard", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.status != 200 || !strings.Contains(string(r.body), demoLogin) {
		t.Fatalf("GET /dashboard on instance 2 with instance 1's session: %d (Location %q)", r.status, r.header.Get("Location"))
	}
	r, err = wb.do("POST", "/users/sign_out", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	if r.status != 303 {
		t.Fatalf("sign out on instance 2: %s", r)
	}
	r, err = wa.do("GET", "/dashboard", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/users/sign_in") {
		t.Errorf("GET /dashboard on instance 1 after signing out on instance 2: %d (Location %q), want 303 to the sign-in page",
			r.status, r.header.Get("Location"))
	}
}

var stepLine = regexp.MustCompile(`msg="scheduled step (?:done|failed[^"]*)".* key=(\S+)`)

// checkScheduledOnce checks that each scheduled occurrence in job_runs
// was run by exactly one of the processes, as their logs tell.
func checkScheduledOnce(t *testing.T, ctx context.Context, dsn string, procs []*cairntest.Process) {
	t.Helper()
	st, err := store.Open(ctx, dsn, store.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var runs []*store.JobRun
	for deadline := time.Now().Add(30 * time.Second); ; {
		runs, err = st.JobRuns(ctx, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(runs, func(r *store.JobRun) bool { return r.State == store.JobRunning }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scheduled occurrences still running after 30s: %+v", runs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(runs) == 0 {
		t.Log("no scheduled occurrence was due for the demo team; claims not exercised at process level")
		return
	}
	ranBy := map[string][]int{}
	for i, p := range procs {
		for _, m := range stepLine.FindAllStringSubmatch(p.Log(), -1) {
			ranBy[m[1]] = append(ranBy[m[1]], i)
		}
	}
	seen := map[string]bool{}
	for _, r := range runs {
		if seen[r.Key] {
			t.Errorf("job_runs holds %s twice", r.Key)
		}
		seen[r.Key] = true
		if len(ranBy[r.Key]) != 1 || r.Attempts != 1 {
			t.Errorf("%s (%s, %d attempts) was run by processes %v, want exactly one", r.Key, r.State, r.Attempts, ranBy[r.Key])
		}
	}
	for key := range ranBy {
		if !seen[key] {
			t.Errorf("a process ran %s, which job_runs does not hold", key)
		}
	}
	t.Logf("%d scheduled occurrences, each run once: %v", len(runs), ranBy)
}

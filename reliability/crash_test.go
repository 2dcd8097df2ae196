package reliability

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestCrash runs concurrent writers against `cairn serve` and kills it
// with SIGKILL at random moments, restarting it each time on the same
// database and port. The writers create issues (with labels, a weight and
// a milestone), edit them (labels and state in one PUT) and comment with
// quick actions (/weight and /label beside the text). Then it checks
// through the API that every write whose 2xx answer arrived is there,
// whole; that a write whose outcome is unknown (it was in flight at the
// kill) is there whole or not at all; that nothing is there twice; and
// that each issue's history (label and weight events) agrees with it.
func TestCrash(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) { testCrash(t, dialect) })
	}
}

// outcome is what a writer knows of a write it sent.
type outcome int

const (
	acked   outcome = iota // its 2xx answer arrived: it must be there
	unknown                // in flight at a kill: there whole, or not at all
)

func (o outcome) String() string {
	if o == acked {
		return "acked"
	}
	return "unknown"
}

// crashOp is one write to an issue after its creation.
type crashOp struct {
	kind    string // "edit" or "note"
	outcome outcome
	labels  []string // edit: the issue's labels afterwards
	state   string   // edit: "opened" or "closed"
	marker  string   // note: its text
	weight  int      // note: /weight, unique on the issue
	label   string   // note: /label
}

// crashIssue is what a writer did to one issue, in order.
type crashIssue struct {
	title   string
	outcome outcome // of the create
	iid     int64   // from the create's answer; 0 when not read
	labels  []string
	weight  int
	ops     []crashOp
}

// issueState is what the test compares: the labels it manages (rl-…),
// the state, the weight and the notes it wrote.
type issueState struct {
	labels []string
	state  string
	weight int
	notes  []string
}

func (s issueState) String() string {
	return fmt.Sprintf("labels %v, %s, weight %d, notes %q", s.labels, s.state, s.weight, s.notes)
}

func (s issueState) equal(o issueState) bool {
	return slices.Equal(s.labels, o.labels) && s.state == o.state && s.weight == o.weight && slices.Equal(s.notes, o.notes)
}

// expect returns the issue's state after its create and the ops that
// applied says were applied.
func (is *crashIssue) expect(applied func(i int) bool) issueState {
	labels := map[string]bool{}
	for _, l := range is.labels {
		labels[l] = true
	}
	st := issueState{state: "opened", weight: is.weight}
	var notes []string
	for i, op := range is.ops {
		if !applied(i) {
			continue
		}
		switch op.kind {
		case "edit":
			labels = map[string]bool{}
			for _, l := range op.labels {
				labels[l] = true
			}
			st.state = op.state
		case "note":
			labels[op.label] = true
			st.weight = op.weight
			notes = append(notes, op.marker)
		}
	}
	st.labels = slices.Sorted(maps.Keys(labels))
	slices.Sort(notes)
	st.notes = notes
	return st
}

// crashWriter writes to its own issues, one request at a time, so that
// the writes to one issue are ordered.
type crashWriter struct {
	id   int
	rng  *rand.Rand
	c    *client
	gate *sync.RWMutex
	proj project

	issues []*crashIssue // every create sent
	live   []*crashIssue // acknowledged creates with an iid: written to
	errs   []string
	n      int

	acked, unknown, refused int
}

func (w *crashWriter) run(stop <-chan struct{}) {
	for len(w.errs) < 5 {
		select {
		case <-stop:
			return
		default:
		}
		w.step()
	}
}

func (w *crashWriter) step() {
	if len(w.live) < 2 || w.rng.IntN(10) < 3 {
		w.create()
		return
	}
	is := w.live[w.rng.IntN(len(w.live))]
	if w.rng.IntN(2) == 0 {
		w.edit(is)
	} else {
		w.note(is)
	}
}

// send sends one write while the server is not being restarted. sent is
// false when the request certainly did not reach the server.
func (w *crashWriter) send(method, path string, form url.Values) (r *response, out outcome, sent bool) {
	w.gate.RLock()
	r, err := w.c.do(method, path, form)
	w.gate.RUnlock()
	switch {
	case r != nil && r.ok():
		// The answer's status arrived: the server committed the write
		// before it answered, whatever became of the body.
		w.acked++
		return r, acked, true
	case r != nil:
		w.errs = append(w.errs, fmt.Sprintf("%s %s: %s", method, path, r))
		w.unknown++
		return r, unknown, true
	case notSent(err):
		// The server is down (killed, not restarted yet): nothing was
		// sent. Wait a moment rather than spin.
		w.refused++
		time.Sleep(20 * time.Millisecond)
		return nil, unknown, false
	default:
		w.unknown++
		return nil, unknown, true
	}
}

func (w *crashWriter) create() {
	w.n++
	is := &crashIssue{
		title:  fmt.Sprintf("rl-w%d-%d", w.id, w.n),
		labels: []string{"rl-crash", fmt.Sprintf("rl-w%d", w.id)},
		weight: 1 + w.rng.IntN(5),
	}
	form := url.Values{"title": {is.title}, "labels": {strings.Join(is.labels, ",")}, "weight": {strconv.Itoa(is.weight)}}
	if w.proj.MilestoneID != 0 {
		form.Set("milestone_id", strconv.FormatInt(w.proj.MilestoneID, 10))
	}
	r, out, sent := w.send("POST", fmt.Sprintf("/api/v4/projects/%d/issues", w.proj.ID), form)
	if !sent {
		return
	}
	is.outcome = out
	w.issues = append(w.issues, is)
	if out == acked {
		var j issueJSON
		if r.decode(&j) == nil && j.Title == is.title && j.IID > 0 {
			is.iid = j.IID
			w.live = append(w.live, is)
		}
	}
}

func (w *crashWriter) edit(is *crashIssue) {
	op := crashOp{kind: "edit", labels: []string{fmt.Sprintf("rl-w%d", w.id)}, state: "closed"}
	for k := range 3 {
		if w.rng.IntN(2) == 0 {
			op.labels = append(op.labels, fmt.Sprintf("rl-e%d", k))
		}
	}
	event := "close"
	if w.rng.IntN(2) == 0 {
		op.state, event = "opened", "reopen"
	}
	form := url.Values{"labels": {strings.Join(op.labels, ",")}, "state_event": {event}}
	_, out, sent := w.send("PUT", fmt.Sprintf("/api/v4/projects/%d/issues/%d", w.proj.ID, is.iid), form)
	if !sent {
		return
	}
	op.outcome = out
	is.ops = append(is.ops, op)
}

func (w *crashWriter) note(is *crashIssue) {
	k := len(is.ops)
	op := crashOp{
		kind:   "note",
		marker: fmt.Sprintf("rl-note %s #%d", is.title, k),
		weight: 100 + k,
		label:  fmt.Sprintf("rl-q%d", w.rng.IntN(4)),
	}
	body := fmt.Sprintf("%s\n\n/weight %d\n/label ~%s", op.marker, op.weight, op.label)
	_, out, sent := w.send("POST", fmt.Sprintf("/api/v4/projects/%d/issues/%d/notes", w.proj.ID, is.iid), url.Values{"body": {body}})
	if !sent {
		return
	}
	op.outcome = out
	is.ops = append(is.ops, op)
}

func testCrash(t *testing.T, dialect string) {
	kills := pick(t, 5, 50)
	const writers = 4
	rng := rand.New(rand.NewPCG(seed(t), 0))
	opts := cairntest.Options{DB: storetest.DSN(t, dialect), Addr: cairntest.FreeAddr(t)}
	first := opts
	first.Demo = true
	p := cairntest.Start(t, first)
	c := newClient(p.URL, p.Token, 30*time.Second)
	defer c.close()
	proj := demoProject(t, c)
	for k := range 4 {
		c.must(t, "POST", fmt.Sprintf("/api/v4/projects/%d/labels", proj.ID),
			url.Values{"name": {fmt.Sprintf("rl-q%d", k)}, "color": {"#336699"}}, nil)
	}

	var gate sync.RWMutex
	ws := make([]*crashWriter, writers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range ws {
		ws[i] = &crashWriter{id: i, rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(i))),
			c: newClient(p.URL, p.Token, 30*time.Second), gate: &gate, proj: proj}
		wg.Go(func() { ws[i].run(stop) })
	}
	started := time.Now()
	var downtime time.Duration
	for k := range kills {
		time.Sleep(time.Duration(50+rng.IntN(1200)) * time.Millisecond)
		p.Kill()
		down := time.Now()
		gate.Lock()
		np, err := cairntest.TryStart(t, opts)
		if err == nil {
			p = np
		}
		downtime += time.Since(down)
		gate.Unlock()
		if err != nil {
			close(stop)
			wg.Wait()
			t.Fatalf("restart %d: %v", k+1, err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	var issues []*crashIssue
	var ackedN, unknownN, refusedN int
	for _, w := range ws {
		w.c.close()
		for _, e := range w.errs {
			t.Errorf("writer %d: %s", w.id, e)
		}
		issues = append(issues, w.issues...)
		ackedN += w.acked
		unknownN += w.unknown
		refusedN += w.refused
	}
	t.Logf("%s: %d kills in %s (%s restarting); %d writes acknowledged, %d of unknown outcome, %d refused while down; %d issues",
		dialect, kills, time.Since(started).Round(time.Millisecond), downtime.Round(time.Millisecond), ackedN, unknownN, refusedN, len(issues))
	if ackedN < kills {
		t.Errorf("only %d writes were acknowledged in %d runs of the server; the test did not exercise it", ackedN, kills+1)
	}
	verifyCrash(t, c, proj, issues)
	if t.Failed() {
		t.Logf("log of the last server process:\n%s", tail(p.Log(), 60))
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// verifyCrash checks the issues the writers recorded against the server.
func verifyCrash(t *testing.T, c *client, proj project, issues []*crashIssue) {
	t.Helper()
	var got []issueJSON
	if err := all(c, fmt.Sprintf("/api/v4/projects/%d/issues?state=all&order_by=created_at&sort=asc", proj.ID), &got); err != nil {
		t.Fatal(err)
	}
	ids, iids := map[int64]int{}, map[int64]int{}
	byTitle := map[string][]issueJSON{}
	for _, g := range got {
		ids[g.ID]++
		iids[g.IID]++
		if strings.HasPrefix(g.Title, "rl-") {
			byTitle[g.Title] = append(byTitle[g.Title], g)
		}
	}
	for iid, n := range iids {
		if n > 1 {
			t.Errorf("iid %d is used by %d issues of the project", iid, n)
		}
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("issue id %d is listed %d times", id, n)
		}
	}
	recorded := map[string]bool{}
	type check struct {
		is  *crashIssue
		got issueJSON
	}
	var checks []check
	for _, is := range issues {
		recorded[is.title] = true
		found := byTitle[is.title]
		switch {
		case len(found) > 1:
			t.Errorf("%s (%s create) exists %d times", is.title, is.outcome, len(found))
		case len(found) == 0 && is.outcome == acked:
			t.Errorf("%s: acknowledged create lost", is.title)
		case len(found) == 1:
			if is.iid != 0 && found[0].IID != is.iid {
				t.Errorf("%s: iid %d, the create answered %d", is.title, found[0].IID, is.iid)
			}
			checks = append(checks, check{is, found[0]})
		}
	}
	for title := range byTitle {
		if !recorded[title] {
			t.Errorf("%s exists but no writer sent it", title)
		}
	}
	// Each issue's notes and events, a few at a time.
	sem := make(chan struct{}, 4)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failures []string
	for _, ch := range checks {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs := verifyIssue(c, proj, ch.is, ch.got)
			mu.Lock()
			failures = append(failures, errs...)
			mu.Unlock()
		})
	}
	wg.Wait()
	sort.Strings(failures)
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("verified %d issues (%d listed in the project)", len(checks), len(got))
}

// labelEvent is an entry of an issue's resource_label_events.
type labelEvent struct {
	ID     int64  `json:"id"`
	Action string `json:"action"`
	Label  *struct {
		Name string `json:"name"`
	} `json:"label"`
}

// verifyIssue checks one issue that exists: that its history agrees with
// it, that each note's quick actions are there exactly when the note is,
// and that it is what some choice of the unknown writes (each applied or
// not) and all the acknowledged ones make it.
func verifyIssue(c *client, proj project, is *crashIssue, got issueJSON) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, is.title+": "+fmt.Sprintf(format, args...))
	}
	base := fmt.Sprintf("/api/v4/projects/%d/issues/%d", proj.ID, got.IID)
	var notes []struct {
		Body   string `json:"body"`
		System bool   `json:"system"`
	}
	var labelEvents []labelEvent
	var weightEvents []struct {
		ID     int64 `json:"id"`
		Weight *int  `json:"weight"`
	}
	for _, err := range []error{
		all(c, base+"/notes?sort=asc", &notes),
		all(c, base+"/resource_label_events", &labelEvents),
		all(c, base+"/resource_weight_events", &weightEvents),
	} {
		if err != nil {
			return []string{is.title + ": " + err.Error()}
		}
	}

	if proj.MilestoneID != 0 && (got.Milestone == nil || got.Milestone.ID != proj.MilestoneID) {
		fail("milestone %+v, created in milestone %d", got.Milestone, proj.MilestoneID)
	}

	// The label events, replayed, give the issue's labels.
	slices.SortFunc(labelEvents, func(a, b labelEvent) int { return cmp.Compare(a.ID, b.ID) })
	replay := map[string]bool{}
	for _, e := range labelEvents {
		if e.Label == nil {
			fail("label event %d has no label", e.ID)
			continue
		}
		switch e.Action {
		case "add":
			replay[e.Label.Name] = true
		case "remove":
			delete(replay, e.Label.Name)
		default:
			fail("label event %d: action %q", e.ID, e.Action)
		}
	}
	if want, have := slices.Sorted(maps.Keys(replay)), slices.Sorted(slices.Values(got.Labels)); !slices.Equal(want, have) {
		fail("labels %v, but its label events add up to %v", have, want)
	}

	// A note's /weight is there exactly when the note is (each note sets
	// a weight of its own), and no weight comes from elsewhere.
	weights := map[int]bool{}
	for _, e := range weightEvents {
		if e.Weight != nil {
			weights[*e.Weight] = true
		}
	}
	noteSet := map[string]bool{}
	var have issueState
	for _, n := range notes {
		if !n.System && strings.HasPrefix(n.Body, "rl-note ") {
			have.notes = append(have.notes, n.Body)
			if noteSet[n.Body] {
				fail("note %q is there twice", n.Body)
			}
			noteSet[n.Body] = true
		}
	}
	known := map[int]bool{is.weight: true}
	for _, op := range is.ops {
		if op.kind != "note" {
			continue
		}
		known[op.weight] = true
		if noteSet[op.marker] != weights[op.weight] {
			fail("note %q there: %v, its /weight %d there: %v (a note and its quick actions are one write)",
				op.marker, noteSet[op.marker], op.weight, weights[op.weight])
		}
	}
	if !weights[is.weight] {
		fail("no weight event for the weight %d it was created with", is.weight)
	}
	for wgt := range weights {
		if !known[wgt] {
			fail("a weight event sets %d, which no write asked for", wgt)
		}
	}

	// The issue is what the acknowledged writes and some of the unknown
	// ones make it.
	for _, l := range got.Labels {
		if strings.HasPrefix(l, "rl-") {
			have.labels = append(have.labels, l)
		}
	}
	slices.Sort(have.labels)
	slices.Sort(have.notes)
	have.state = got.State
	if got.Weight != nil {
		have.weight = *got.Weight
	}
	var unknownOps []int
	for i, op := range is.ops {
		if op.outcome == unknown {
			unknownOps = append(unknownOps, i)
		}
	}
	if is.outcome == unknown && len(is.ops) > 0 {
		fail("writes were sent to an issue whose create had no answer")
	}
	if len(unknownOps) > 16 {
		fail("%d writes of unknown outcome; too many to try every combination", len(unknownOps))
		return errs
	}
	for mask := 0; mask < 1<<len(unknownOps); mask++ {
		applied := func(i int) bool {
			if is.ops[i].outcome == acked {
				return true
			}
			j := slices.Index(unknownOps, i)
			return mask&(1<<j) != 0
		}
		if is.expect(applied).equal(have) {
			return errs
		}
	}
	var history []string
	for _, op := range is.ops {
		if op.kind == "edit" {
			history = append(history, fmt.Sprintf("edit(%s) labels %v %s", op.outcome, op.labels, op.state))
		} else {
			history = append(history, fmt.Sprintf("note(%s) weight %d label %s", op.outcome, op.weight, op.label))
		}
	}
	fail("is %s; no choice of the %d unknown writes explains it; after the acknowledged ones alone it would be %s; writes: %s",
		have, len(unknownOps), is.expect(func(i int) bool { return is.ops[i].outcome == acked }), strings.Join(history, "; "))
	return errs
}

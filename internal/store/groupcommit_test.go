package store_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// gcKeys returns the keys in the test table, sorted.
func gcKeys(t *testing.T, s *store.Store) []string {
	t.Helper()
	var joined string
	if err := s.RawQueryRowForTest(context.Background(), "SELECT COALESCE(string_agg(k, ',' ORDER BY k), '') FROM gc_test").Scan(&joined); err != nil {
		// SQLite has no string_agg before 3.44 in every build; fall back.
		if err := s.RawQueryRowForTest(context.Background(), "SELECT COALESCE(group_concat(k, ','), '') FROM (SELECT k FROM gc_test ORDER BY k)").Scan(&joined); err != nil {
			t.Fatal(err)
		}
	}
	if joined == "" {
		return nil
	}
	keys := strings.Split(joined, ",")
	sort.Strings(keys)
	return keys
}

// TestConcurrentWritesSettleAlone runs many writes at once — successes,
// failures after partial work, constraint violations and a panic — and
// checks that each write's outcome is its own: what succeeded is there,
// what failed left nothing, and after-commit functions ran for successes
// only. On SQLite the writes share commits; on PostgreSQL each has its own
// transaction, and the outcome must be the same.
func TestConcurrentWritesSettleAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.RawExecForTest(ctx, "CREATE TABLE gc_test (k TEXT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		if err := s.RawExecForTest(ctx, "INSERT INTO gc_test (k) VALUES ('taken')"); err != nil {
			t.Fatal(err)
		}
		const n = 300
		var afters atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, n)
		panics := make([]any, n)
		want := []string{"taken"}
		for i := range n {
			key := fmt.Sprintf("k%03d", i)
			step := store.WriteStepForTest{
				Statements: []string{fmt.Sprintf("INSERT INTO gc_test (k) VALUES ('%s')", key)},
				After:      func() { afters.Add(1) },
			}
			switch {
			case i%10 == 3: // fails after writing: its row must go
				step.Fail = store.ErrTestFail
			case i%10 == 7: // a constraint violation after a good insert
				step.Statements = append(step.Statements, "INSERT INTO gc_test (k) VALUES ('taken')")
			case i == 150:
				step.Panic = "boom"
			default:
				want = append(want, key)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { panics[i] = recover() }()
				errs[i] = s.WriteForTest(ctx, step)
			}()
		}
		wg.Wait()
		for i := range n {
			switch {
			case i == 150:
				if panics[i] != "boom" {
					t.Errorf("write %d: panic %v reached the caller, want boom", i, panics[i])
				}
			case i%10 == 3:
				if !errors.Is(errs[i], store.ErrTestFail) {
					t.Errorf("write %d: err %v, want the test failure", i, errs[i])
				}
			case i%10 == 7:
				if errs[i] == nil {
					t.Errorf("write %d: a duplicate key succeeded", i)
				}
			default:
				if errs[i] != nil || panics[i] != nil {
					t.Errorf("write %d: err %v, panic %v", i, errs[i], panics[i])
				}
			}
		}
		sort.Strings(want)
		got := gcKeys(t, s)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("rows:\n got %v\nwant %v", got, want)
		}
		if got, want := afters.Load(), int64(len(want)-1); got != want {
			t.Errorf("after-commit functions ran %d times, want %d (successes only)", got, want)
		}
		if commits, writes := s.CommitsForTest(); s.Dialect() == "sqlite" {
			t.Logf("%d writes in %d commits", writes, commits)
			if writes != int64(len(want)-1)+2 { // + the two setup writes
				t.Errorf("committer counted %d writes, want %d", writes, len(want)+1)
			}
		}
	})
}

// TestGroupCommitShares holds the committer busy while writes queue up, then
// checks that the queued writes were committed together, and that a write
// whose context ended while it waited did not run.
func TestGroupCommitShares(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	ctx := context.Background()
	if err := s.RawExecForTest(ctx, "CREATE TABLE gc_test (k TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	started := make(chan struct{})
	blockerDone := make(chan error, 1)
	go func() {
		blockerDone <- s.WriteForTest(ctx, store.WriteStepForTest{
			Statements: []string{"INSERT INTO gc_test (k) VALUES ('blocker')"},
			Before:     func() { close(started); <-release },
		})
	}()
	<-started
	commits0, _ := s.CommitsForTest()

	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.WriteForTest(ctx, store.WriteStepForTest{Statements: []string{fmt.Sprintf("INSERT INTO gc_test (k) VALUES ('q%d')", i)}})
		}()
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancelledDone := make(chan error, 1)
	go func() {
		cancelledDone <- s.WriteForTest(cancelled, store.WriteStepForTest{Statements: []string{"INSERT INTO gc_test (k) VALUES ('cancelled')"}})
	}()
	// The committer takes the waiting writes only once the blocker is
	// done; give the goroutines time to queue up (correctness does not
	// depend on it, only how many share the commit).
	time.Sleep(200 * time.Millisecond)
	cancel()
	close(release)
	if err := <-blockerDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	cerr := <-cancelledDone
	keys := gcKeys(t, s)
	hasCancelled := false
	for _, k := range keys {
		hasCancelled = hasCancelled || k == "cancelled"
	}
	// The cancelled write either never reached the committer or was
	// skipped there; either way it says so and wrote nothing — or, if it
	// was committed before the cancel, it says nil. Its answer must match.
	if (cerr == nil) != hasCancelled {
		t.Errorf("cancelled write answered %v but its row present=%v", cerr, hasCancelled)
	}
	if len(keys) < n+1 {
		t.Fatalf("rows %v, want blocker and %d queued", keys, n)
	}
	commits, _ := s.CommitsForTest()
	// The blocker's commit plus the queued ten in far fewer commits than
	// ten (all of them in one when they all queued in time).
	if got := commits - commits0; got > 6 {
		t.Errorf("%d commits for the blocker and %d queued writes; they did not share", got, n)
	}
	t.Logf("blocker + %d queued writes: %d commits", n, commits-commits0)
}

// TestGroupCommitBrokenTransaction has one write end the shared
// transaction itself; the others of its group must still commit (run
// again alone) and the culprit must fail.
func TestGroupCommitBrokenTransaction(t *testing.T) {
	s := storetest.Open(t, "sqlite")
	ctx := context.Background()
	if err := s.RawExecForTest(ctx, "CREATE TABLE gc_test (k TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_ = s.WriteForTest(ctx, store.WriteStepForTest{
			Statements: []string{"INSERT INTO gc_test (k) VALUES ('blocker')"},
			Before:     func() { close(started); <-release },
		})
	}()
	<-started
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		step := store.WriteStepForTest{Statements: []string{fmt.Sprintf("INSERT INTO gc_test (k) VALUES ('w%d')", i)}}
		if i == 2 {
			// Ends whatever transaction it is in.
			step.Statements = append(step.Statements, "ROLLBACK")
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.WriteForTest(ctx, step) }()
	}
	time.Sleep(200 * time.Millisecond)
	close(release)
	wg.Wait()
	if errs[2] == nil {
		t.Error("the write that rolled back its transaction succeeded")
	}
	for i, err := range errs {
		if i != 2 && err != nil {
			t.Errorf("write %d failed with its group: %v", i, err)
		}
	}
	got := strings.Join(gcKeys(t, s), ",")
	if want := "blocker,w0,w1,w3,w4,w5"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}

package gitlabimport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store"
)

// Result is what Import did.
type Result struct {
	// Group is the group's path in the destination.
	Group string
	// AlreadyImported says an earlier run imported the group; nothing was
	// fetched or written. Loaded tells when and where.
	AlreadyImported bool
	Loaded          *LoadRecord
	// Resumed says this run continued an earlier one; Reused is the number
	// of units that run had fetched.
	Resumed bool
	Reused  int
	Counts  Counts
	// Requests are this run's HTTP requests (every attempt); AllRequests
	// those of every run of this import.
	Requests    int64
	AllRequests int
	// Throttled counts the answers 429 Too Many Requests; RateWait is how
	// long requests were held back for rate limits.
	Throttled int64
	RateWait  time.Duration
	Elapsed   time.Duration
	// Warnings name what was adjusted or left out to fit Cairn.
	Warnings []string
}

// Import brings the group o names into dest (named destName in messages,
// its password hidden): it fetches what an earlier run of the same state
// file has not, builds the archive and loads it in one transaction. A
// group that an earlier run loaded is reported (AlreadyImported) and not
// imported again. A group of that path in dest that this import did not
// make is refused before anything is fetched. When the fetch fails the
// state file keeps what was fetched, and the error says to run again.
func Import(ctx context.Context, o Options, dest *store.Store, destName string) (*Result, error) {
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	start := o.now()
	res := &Result{Group: DestinationPath(o.Group)}
	st, err := readState(o.StatePath)
	if err != nil {
		return nil, err
	}
	if st != nil && (st.URL != o.URL || st.Group != o.Group) {
		return nil, fmt.Errorf("state file %s belongs to the import of group %s from %s; give another --state for %s from %s",
			o.StatePath, st.Group, st.URL, o.Group, o.URL)
	}

	// Is the group in the destination, and was it made by this import?
	existing, err := dest.GroupByPath(ctx, res.Group)
	switch {
	case cairn.ErrorCode(err) == cairn.ENOTFOUND:
		existing = nil
	case err != nil:
		return nil, fmt.Errorf("look up group %s in %s: %w", res.Group, destName, err)
	}
	ours := func(rec *LoadRecord) bool {
		return rec != nil && existing != nil && strings.EqualFold(rec.GroupPath, existing.Path) &&
			rec.GroupCreatedAt == archive.FormatTime(existing.CreatedAt)
	}
	if st != nil && st.Loaded != nil {
		if !ours(st.Loaded) {
			return nil, fmt.Errorf("state file %s says group %s was imported into %s on %s, but %s has no such group (it was deleted, or this is another database); to import it into %[5]s, give another --state or move this state file away",
				o.StatePath, st.Loaded.GroupPath, st.Loaded.Database, st.Loaded.At.Format(time.DateTime), destName)
		}
		res.AlreadyImported, res.Loaded, res.Counts = true, st.Loaded, derefCounts(st.Loaded.Counts)
		return res, nil
	}
	if existing != nil {
		if st != nil && ours(st.Loading) {
			// The last run committed the load but died before it could say
			// so: the group is this import's.
			st.Loaded, st.Loading = st.Loading, nil
			if err := writeState(o.StatePath, st); err != nil {
				return nil, err
			}
			_ = os.Remove(JournalPath(o.StatePath))
			res.AlreadyImported, res.Loaded, res.Counts = true, st.Loaded, derefCounts(st.Loaded.Counts)
			return res, nil
		}
		return nil, fmt.Errorf("%s already has a group %s that this import did not create; import into another database, or rename or delete that group first",
			destName, res.Group)
	}

	fresh := st == nil
	if fresh {
		st = &State{Version: stateVersion, URL: o.URL, Group: o.Group, StartedAt: start.UTC()}
	}
	src, err := newSource(&o)
	if err != nil {
		return nil, err
	}
	f := &fetcher{o: &o, src: src, st: st, reqBase: st.Requests, start: start, m: newModel(), lastCheckpoint: start}
	f.j, err = openJournal(JournalPath(o.StatePath), f.m.decode)
	if err != nil {
		return nil, err
	}
	defer f.j.close()
	res.Reused = f.m.units
	res.Resumed = f.m.units > 0
	st.Runs++
	if err := f.checkpoint(); err != nil {
		return nil, err
	}

	fetchErr := f.fetch(ctx)
	res.Requests, res.Throttled, res.RateWait = src.requests.Load(), src.throttled.Load(), src.gate.totalWaited()
	if fetchErr != nil && fresh && f.m.units == 0 {
		// Nothing to resume (a bad token, a group not found): leave no
		// state behind that a corrected command would trip over.
		f.j.close()
		os.Remove(JournalPath(o.StatePath))
		os.Remove(o.StatePath)
		return res, fetchErr
	}
	if fetchErr == nil {
		st.Fetched = true
	}
	if err := f.checkpoint(); err != nil {
		return nil, errors.Join(fetchErr, err)
	}
	res.AllRequests = st.Requests
	res.Elapsed = o.now().Sub(start)
	if fetchErr != nil {
		issues := 0
		for pid := range f.m.pages {
			is, _ := f.m.projectIssues(pid)
			issues += len(is)
		}
		if errors.Is(fetchErr, context.Canceled) {
			fetchErr = fmt.Errorf("interrupted: %w", fetchErr)
		}
		return res, fmt.Errorf("%w\nthe import stopped; what was fetched (%d units: the group, issue lists, and the notes and events of %d of the %d issues listed so far) is saved in %s: run the same command again to continue",
			fetchErr, f.m.units, len(f.m.details), issues, o.StatePath)
	}

	a, counts, warnings := f.m.build(o.now())
	res.Counts, res.Warnings = counts, warnings
	for _, w := range warnings {
		o.Logger.Warn("import: " + w)
	}
	if err := a.Validate(); err != nil {
		return res, fmt.Errorf("the fetched group does not make a valid archive: %w (what was fetched stays in %s; please report this)", err, o.StatePath)
	}
	f.setPhase("loading")
	rec := &LoadRecord{Database: destName, GroupPath: a.Groups[0].Path, GroupCreatedAt: a.Groups[0].CreatedAt, At: o.now().UTC(), Counts: &counts}
	st.Loading = rec
	if err := writeState(o.StatePath, st); err != nil {
		return res, err
	}
	if _, err := dest.ImportArchive(ctx, a); err != nil {
		if cairn.ErrorCode(err) == cairn.ECONFLICT {
			return res, fmt.Errorf("load group %s into %s: %w (a group or user of that name was created meanwhile; run again)", res.Group, destName, err)
		}
		return res, fmt.Errorf("load group %s into %s: %w", res.Group, destName, err)
	}
	rec.At = o.now().UTC()
	st.Loaded, st.Loading = rec, nil
	if err := writeState(o.StatePath, st); err != nil {
		return res, fmt.Errorf("group %s was imported, but the state file could not say so (%w); a new run will see the group and stop", res.Group, err)
	}
	// The fetched data is in the database now; the state file alone
	// remembers that the import is done.
	if err := f.j.close(); err == nil {
		_ = os.Remove(JournalPath(o.StatePath))
	}
	res.Loaded = rec
	res.Elapsed = o.now().Sub(start)
	return res, nil
}

func derefCounts(c *Counts) Counts {
	if c == nil {
		return Counts{}
	}
	return *c
}

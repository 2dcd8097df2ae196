package gitlabimport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// stateVersion is the version of the state file and journal format; a
// state file of another version is refused rather than misread.
const stateVersion = 1

// State is what the state file records about one import: which source
// and group it is of, how far it got, and whether the group was loaded.
// The fetched data itself is in the journal beside it (JournalPath).
type State struct {
	Version   int       `json:"version"`
	URL       string    `json:"url"`
	Group     string    `json:"group"`
	StartedAt time.Time `json:"started_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Runs counts the runs that fetched; Requests the HTTP requests of all
	// of them (each attempt, retries included).
	Runs     int `json:"runs"`
	Requests int `json:"requests"`
	// Units is the number of completed units in the journal.
	Units int `json:"units"`
	// Fetched says every unit was fetched.
	Fetched bool `json:"fetched,omitempty"`
	// Loading is written just before the archive is loaded, so that a run
	// that died between the database's commit and the next state write can
	// tell the group it finds was made by this import.
	Loading *LoadRecord `json:"loading,omitempty"`
	// Loaded is set once the group is in the destination: the import is
	// done, and running it again changes nothing.
	Loaded *LoadRecord `json:"loaded,omitempty"`
}

// LoadRecord describes a load of the fetched group into a database.
type LoadRecord struct {
	// Database is the destination, its password hidden.
	Database string `json:"database"`
	// GroupPath is the group's path in the destination; GroupCreatedAt its
	// creation time as the archive gave it, which tells this import's group
	// from another of the same path.
	GroupPath      string    `json:"group_path"`
	GroupCreatedAt string    `json:"group_created_at"`
	At             time.Time `json:"at"`
	Counts         *Counts   `json:"counts,omitempty"`
}

// JournalPath returns the journal file kept beside a state file.
func JournalPath(statePath string) string { return statePath + ".journal" }

// readState reads the state file; (nil, nil) when it does not exist.
func readState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state file %s is not a Cairn import state (%v); move it away to start over", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state file %s has version %d; this Cairn reads version %d only; move it away to start over", path, st.Version, stateVersion)
	}
	return &st, nil
}

// writeState writes the state file atomically: a temporary file beside it,
// synced, then renamed over it, so that a crash leaves the old state or
// the new one, never a mix.
func writeState(path string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	b = append(b, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write state file %s: %w", path, err)
	}
	// The rename is durable once the directory is synced; where directories
	// cannot be synced the file is still whole, only possibly older.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// journal is the append-only log of completed units. Each line is
//
//	<crc32 of the JSON, 8 hex digits> <{"k": key, "d": data}>
//
// written with one write call. A run that dies mid-write leaves at most a
// torn last line, which fails its checksum: opening the journal keeps the
// valid lines before it and cuts the rest off, so a unit is either wholly
// in the journal (and never fetched again) or not at all (and fetched
// again), never twice.
type journal struct {
	f      *os.File
	unlock func()
	dirty  bool
}

// record is one journal line's payload.
type record struct {
	Key  string          `json:"k"`
	Data json.RawMessage `json:"d"`
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// openJournal opens (creating) the journal, takes an exclusive lock on it so
// that two runs cannot write one journal at once, and calls fn for every
// valid record in order. A torn or corrupt tail is cut off.
func openJournal(path string, fn func(key string, data json.RawMessage) error) (*journal, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	unlock, err := lockExclusive(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s is in use by another cairn import (%v); wait for it to finish", path, err)
	}
	j := &journal{f: f, unlock: unlock}
	good, err := j.replay(fn)
	if err != nil {
		j.close()
		return nil, err
	}
	if err := f.Truncate(good); err != nil {
		j.close()
		return nil, fmt.Errorf("cut torn journal tail: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		j.close()
		return nil, fmt.Errorf("seek journal: %w", err)
	}
	return j, nil
}

// replay reads the records and returns the length of the valid prefix.
func (j *journal) replay(fn func(string, json.RawMessage) error) (int64, error) {
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("read journal: %w", err)
	}
	r := bufio.NewReaderSize(j.f, 1<<20)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// No newline: a torn last line (or none).
			return good, nil
		}
		if err != nil {
			return 0, fmt.Errorf("read journal: %w", err)
		}
		rec, ok := parseLine(line)
		if !ok {
			return good, nil
		}
		if err := fn(rec.Key, rec.Data); err != nil {
			return 0, fmt.Errorf("journal record %s: %w", rec.Key, err)
		}
		good += int64(len(line))
	}
}

func parseLine(line []byte) (record, bool) {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	sum, body, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(sum) != 8 {
		return record{}, false
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil || crc32.Checksum(body, crcTable) != uint32(want) {
		return record{}, false
	}
	var rec record
	if err := json.Unmarshal(body, &rec); err != nil || rec.Key == "" {
		return record{}, false
	}
	return rec, true
}

// append writes one completed unit. It is not synced here: sync makes a
// batch durable, and a process crash loses nothing written.
func (j *journal) append(key string, data any) error {
	d, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	body, err := json.Marshal(record{Key: key, Data: d})
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	line := make([]byte, 0, len(body)+10)
	line = fmt.Appendf(line, "%08x ", crc32.Checksum(body, crcTable))
	line = append(line, body...)
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	j.dirty = true
	return nil
}

// sync makes what was appended durable.
func (j *journal) sync() error {
	if !j.dirty {
		return nil
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal: %w", err)
	}
	j.dirty = false
	return nil
}

func (j *journal) close() error {
	if j == nil || j.f == nil {
		return nil
	}
	err := j.sync()
	j.unlock()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}

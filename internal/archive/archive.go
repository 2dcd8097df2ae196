// Package archive defines Cairn's archive format: one JSON document holding
// users, groups (with members, labels and milestones) and their projects with
// issues, notes, links and the full event history, with the original
// timestamps. `cairn export` writes it, `cairn import` reads it, and teams
// use it to bring their history in. docs/archive-format.md describes it for
// users; this package reads, writes, validates and normalises it, and does
// no other I/O.
package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
)

// FormatName is the value of the "format" field of every archive.
const FormatName = "cairn-archive"

// Version is the archive format version this package reads and writes.
const Version = 1

// TimeLayout is the layout of archive timestamps: RFC 3339 in UTC with
// milliseconds, the precision Cairn stores ("2026-03-04T09:15:00.000Z").
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// DateLayout is the layout of archive dates ("2026-03-04").
const DateLayout = cairn.DateLayout

// Archive is a whole archive document.
type Archive struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Users   []User  `json:"users"`
	Groups  []Group `json:"groups"`
}

// User is a person. Import reuses a user whose username already exists.
type User struct {
	Username  string `json:"username"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	IsAdmin   bool   `json:"is_admin,omitempty"`
	CreatedAt string `json:"created_at"`
}

// Group is a team with its members, group labels, group milestones,
// planning settings, time off, parking lot, milestone plans and projects.
// The planning keys (Settings, TimeOff, ParkingLot, Plans) came after the
// first archives were written; they are optional, so those archives still
// read.
type Group struct {
	Path        string      `json:"path"`
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	Visibility  string      `json:"visibility,omitempty"`
	CreatedAt   string      `json:"created_at"`
	Members     []Member    `json:"members,omitempty"`
	Labels      []Label     `json:"labels,omitempty"`
	Milestones  []Milestone `json:"milestones,omitempty"`
	// Settings are the team's planning settings as the JSON object of
	// GET /groups/:id/planning_settings; absent means the defaults.
	Settings   json.RawMessage `json:"settings,omitempty"`
	TimeOff    []TimeOff       `json:"time_off,omitempty"`
	ParkingLot []ParkingEntry  `json:"parking_lot,omitempty"`
	Plans      []Plan          `json:"plans,omitempty"`
	Projects   []Project       `json:"projects,omitempty"`
}

// Plan is the planning record of one of the group's milestones: the
// milestone's planning issue and retrospective ("group/project#iid"), and,
// once its plan was finalised, when and by whom, with the team capacity it
// was finalised with and what it committed to. Say/do ratios, the
// burndown's committed line and the kickoff agenda are computed from it.
type Plan struct {
	Milestone     string `json:"milestone"`
	PlanningIssue string `json:"planning_issue,omitempty"`
	Retrospective string `json:"retrospective,omitempty"`
	// FinalizedAt is empty for a plan not finalised yet, which then holds
	// only its issue references.
	FinalizedAt  string       `json:"finalized_at,omitempty"`
	FinalizedBy  string       `json:"finalized_by,omitempty"`
	TeamCapacity *float64     `json:"team_capacity,omitempty"`
	Commitments  []Commitment `json:"commitments,omitempty"`
}

// Commitment is an issue a finalised plan committed to, as a Deliverable
// or a Stretch issue, with its weight at finalisation; Carryover marks an
// issue that slipped from the milestone before.
type Commitment struct {
	Issue     string `json:"issue"`
	Placement string `json:"placement"`
	Weight    *int   `json:"weight,omitempty"`
	Carryover bool   `json:"carryover,omitempty"`
}

// Placements of a commitment.
const (
	PlacementDeliverable = "deliverable"
	PlacementStretch     = "stretch"
)

// TimeOff is a member's absence: dates inclusive, HalfDay making every
// working day of the range count half.
type TimeOff struct {
	Username  string `json:"username"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	HalfDay   bool   `json:"half_day,omitempty"`
	Note      string `json:"note,omitempty"`
}

// ParkingEntry is a proposal in a milestone's parking lot: an existing
// issue ("group/project#iid") or a title for work that has no issue yet,
// with the reason it was proposed.
type ParkingEntry struct {
	Milestone string `json:"milestone"`
	Issue     string `json:"issue,omitempty"`
	Title     string `json:"title,omitempty"`
	Reason    string `json:"reason"`
	Author    string `json:"author"`
	CreatedAt string `json:"created_at"`
}

// Member is a user's membership in a group.
type Member struct {
	Username       string  `json:"username"`
	PlanningRole   string  `json:"planning_role"`
	CapacityFactor float64 `json:"capacity_factor"`
	AccessLevel    int     `json:"access_level"`
	JoinedAt       string  `json:"joined_at"`
}

// Label is a group or project label.
type Label struct {
	Name        string `json:"name"`
	Color       string `json:"color,omitempty"`
	Description string `json:"description,omitempty"`
	Priority    *int   `json:"priority,omitempty"`
}

// Milestone is a group or project milestone.
type Milestone struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	StartDate   string `json:"start_date,omitempty"`
	DueDate     string `json:"due_date,omitempty"`
	State       string `json:"state,omitempty"`
	CreatedAt   string `json:"created_at"`
}

// Project is a project of a group, with its own labels, milestones and
// issues.
type Project struct {
	Path        string      `json:"path"`
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	Visibility  string      `json:"visibility,omitempty"`
	CreatedAt   string      `json:"created_at"`
	Labels      []Label     `json:"labels,omitempty"`
	Milestones  []Milestone `json:"milestones,omitempty"`
	Issues      []Issue     `json:"issues,omitempty"`
}

// Issue is an issue with its notes, events and links. Labels, Weight,
// Milestone and State are the issue's current values; Events is its history,
// kept exactly as given.
type Issue struct {
	IID              int64    `json:"iid"`
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	State            string   `json:"state"`
	Author           string   `json:"author"`
	Assignees        []string `json:"assignees,omitempty"`
	Labels           []string `json:"labels,omitempty"`
	Weight           *int     `json:"weight,omitempty"`
	Milestone        string   `json:"milestone,omitempty"`
	DueDate          string   `json:"due_date,omitempty"`
	IssueType        string   `json:"issue_type,omitempty"`
	Confidential     bool     `json:"confidential,omitempty"`
	ParentIID        int64    `json:"parent_iid,omitempty"`
	RelativePosition *int64   `json:"relative_position,omitempty"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at,omitempty"`
	ClosedAt         string   `json:"closed_at,omitempty"`
	ClosedBy         string   `json:"closed_by,omitempty"`
	TimeSpent        int      `json:"time_spent,omitempty"`
	Notes            []Note   `json:"notes,omitempty"`
	Events           []Event  `json:"events,omitempty"`
	Links            []Link   `json:"links,omitempty"`
}

// Note is a comment on an issue; System notes were written by the tool.
type Note struct {
	Author    string `json:"author"`
	Body      string `json:"body"`
	System    bool   `json:"system,omitempty"`
	CreatedAt string `json:"created_at"`
}

// Event is one recorded change of an issue: a label added or removed, a
// weight set or cleared, a milestone set or removed, the issue closed or
// reopened. Label and Milestone name the label and milestone as they were
// called then; they need not exist any more.
type Event struct {
	Type      string `json:"type"`
	Action    string `json:"action"`
	Label     string `json:"label,omitempty"`
	Weight    *int   `json:"weight,omitempty"`
	Milestone string `json:"milestone,omitempty"`
	User      string `json:"user,omitempty"`
	CreatedAt string `json:"created_at"`
}

// Link relates an issue to another issue, named "group/project#iid".
type Link struct {
	Target   string `json:"target"`
	LinkType string `json:"link_type"`
}

// Event types.
const (
	EventLabel     = cairn.EventLabel
	EventWeight    = cairn.EventWeight
	EventMilestone = cairn.EventMilestone
	EventState     = cairn.EventState
)

// FormatTime returns t as an archive timestamp: UTC, milliseconds.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(TimeLayout)
}

// ParseTime parses an archive timestamp. Any RFC 3339 timestamp is
// accepted; the result is in UTC and truncated to milliseconds, the
// precision Cairn keeps.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

// New returns an empty archive of the current format and version.
func New() *Archive {
	return &Archive{Format: FormatName, Version: Version, Users: []User{}, Groups: []Group{}}
}

// Read decodes an archive. Unknown fields are rejected so that a typo is not
// silently dropped; a malformed document gives an EINVALID *cairn.Error
// naming the line and column (or the field path) of the problem. Read does
// not validate the content: call Validate.
func Read(r io.Reader) (*Archive, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var a Archive
	if err := dec.Decode(&a); err != nil {
		return nil, decodeError(data, dec, err)
	}
	// A second document, or garbage, after the archive is a broken file.
	if tok, err := dec.Token(); err != io.EOF {
		// The token has been read: step back onto its first byte.
		off := dec.InputOffset() - 1
		if err == nil {
			return nil, invalidf("%s: unexpected %v after the end of the archive", position(data, off), tok)
		}
		return nil, decodeError(data, dec, err)
	}
	return &a, nil
}

// decodeError turns a JSON decoding error into a message a user can act on.
func decodeError(data []byte, dec *json.Decoder, err error) error {
	if h := headerError(data); h != nil {
		return h
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return invalidf("the archive is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("the archive ends too early (line %d): the file is cut off", lineCol(data, int64(len(data))).line)
	case errors.As(err, &syn):
		// Offset counts the offending byte as read.
		return invalidf("%s: malformed JSON: %s", position(data, syn.Offset-1), strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		path, start := pathAt(data, typ.Offset)
		if path == "" {
			return invalidf("%s: the archive must be a JSON object", position(data, start))
		}
		return invalidf("%s: must be %s, not %s (%s)", path, jsonKind(typ.Type.Kind().String()), typ.Value, position(data, start))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		off := dec.InputOffset()
		// The decoder stops after the key; point at the key itself.
		if i := bytes.LastIndex(data[:off], []byte(name)); i >= 0 {
			off = int64(i)
		}
		path, _ := pathAt(data, off+1)
		if path == "" {
			path = "archive"
		}
		return invalidf("%s: unknown field (%s)", path, position(data, off))
	}
	return invalidf("%s: malformed archive: %s", position(data, dec.InputOffset()), strings.TrimPrefix(err.Error(), "json: "))
}

// pathAt returns the path ("groups[0].projects[1].issues[7].weight") and
// the starting offset of the JSON key or value that ends at or after byte
// off. encoding/json reports only the field names of a path, without the
// list indexes a user needs to find the place, so the document is walked
// again to find them.
func pathAt(data []byte, off int64) (string, int64) {
	type frame struct {
		array bool
		idx   int
		key   string
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				b.WriteString("[" + strconv.Itoa(f.idx) + "]")
			} else if f.key != "" {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	// done ends a value in the innermost container.
	done := func() {
		if n := len(stack); n > 0 {
			if f := stack[n-1]; f.array {
				f.idx++
			} else {
				f.key = ""
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := dec.InputOffset()
		for start < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[start]) >= 0 {
			start++
		}
		tok, err := dec.Token()
		if err != nil {
			return "", 0
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		// A string in an object with no pending key is a key.
		if s, ok := tok.(string); ok && top != nil && !top.array && top.key == "" {
			top.key = s
			if dec.InputOffset() >= off {
				return path(), start
			}
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if dec.InputOffset() >= off {
				return path(), start
			}
			stack = append(stack, &frame{array: tok == json.Delim('[')})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			if dec.InputOffset() >= off {
				return path(), start
			}
			done()
		}
	}
}

// headerError reports an archive of another format or version, which would
// otherwise surface as a confusing unknown-field or type error.
func headerError(data []byte) error {
	var h struct {
		Format  any `json:"format"`
		Version any `json:"version"`
	}
	if json.Unmarshal(data, &h) != nil {
		return nil
	}
	if h.Format != FormatName {
		return invalidf("format: must be %q; this is not a Cairn archive", FormatName)
	}
	if v, ok := h.Version.(float64); !ok || v != Version {
		return invalidf("version: must be %d; this Cairn reads archive version %d only", Version, Version)
	}
	return nil
}

func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	case "int", "int64", "float64":
		return "a number"
	}
	return "a " + kind
}

type lc struct{ line, col int }

func lineCol(data []byte, off int64) lc {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return lc{line, col}
}

// position describes the byte at off (counted from 0) for a user.
func position(data []byte, off int64) string {
	off = max(0, off)
	p := lineCol(data, off)
	return fmt.Sprintf("line %d, column %d, byte %d", p.line, p.col, off)
}

func invalidf(format string, args ...any) *cairn.Error {
	return cairn.Errorf(cairn.EINVALID, format, args...)
}

// Write encodes the archive as indented JSON with a trailing newline. It
// writes the archive as it is; call Normalize first for the canonical order.
func Write(w io.Writer, a *Archive) error {
	out := *a
	// An empty archive reads "users": [] rather than null.
	if out.Users == nil {
		out.Users = []User{}
	}
	if out.Groups == nil {
		out.Groups = []Group{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Issue bodies hold markdown with "<" and "&"; escaping them would only
	// make the file harder to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

// Marshal returns the archive as Write writes it.
func Marshal(a *Archive) ([]byte, error) {
	var b bytes.Buffer
	if err := Write(&b, a); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

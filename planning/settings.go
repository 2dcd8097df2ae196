package planning

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/cairnhq/cairn"
)

// Settings are a team's planning settings: every key of the settings table in
// planning-model.md, plus the time zone, the ready gate, the milestone cadence,
// how many milestones exist ahead of time and the project that holds planning
// and retrospective issues. The JSON names are the API's.
type Settings struct {
	// WorkflowLabels are the ordered states an issue moves through.
	WorkflowLabels []string `json:"workflow_labels"`
	// RefinementLabel marks an issue that still needs refinement.
	RefinementLabel string `json:"refinement_label"`
	// ReadyLabel marks an issue that is refined and weighted; it and every
	// workflow label after it make an issue a planning candidate.
	ReadyLabel string `json:"ready_label"`
	// PriorityLabels are the priority labels, highest first.
	PriorityLabels []string `json:"priority_labels"`
	// DeliverableLabel marks the work a team commits to in a milestone.
	DeliverableLabel string `json:"deliverable_label"`
	// StretchLabel marks work planned beyond the predicted capacity.
	StretchLabel string `json:"stretch_label"`
	// PlanningLabel marks the per-milestone planning issue.
	PlanningLabel string `json:"planning_label"`
	// Weights is the team's estimation scale; the largest asks for a split.
	Weights []int `json:"weights"`
	// RefinementShare is the share of an engineer's time spent refining.
	RefinementShare float64 `json:"refinement_share"`
	// OtherShare is the share spent on meetings, reviews and other work.
	OtherShare float64 `json:"other_share"`
	// StretchShare sizes the stretch budget as a share of team capacity.
	StretchShare float64 `json:"stretch_share"`
	// VelocityWindow is how many finished milestones historic velocity uses.
	VelocityWindow int `json:"velocity_window"`
	// DefaultVelocity is the weight per development day of a team without history.
	DefaultVelocity float64 `json:"default_velocity"`
	// FinalizeLeadDays is how many days before its start a milestone's
	// planning must be final.
	FinalizeLeadDays int `json:"finalize_lead_days"`
	// RetroDueDays is how many days after its milestone a retrospective is due.
	RetroDueDays int `json:"retro_due_days"`
	// StatusUpdateWeekday is the English name of the weekly status update day.
	StatusUpdateWeekday string `json:"status_update_weekday"`
	// StatusUpdateTime is the local time ("HH:MM", 24-hour, in TimeZone) at
	// which the scheduler asks for status updates, reminds those who still
	// owe one, and reminds the managers to finalise a plan.
	StatusUpdateTime string `json:"status_update_time"`
	// AutoCloseMilestones makes the scheduler close a milestone the day
	// after it ends.
	AutoCloseMilestones bool `json:"auto_close_milestones"`
	// Holidays are team-wide non-working dates ("YYYY-MM-DD").
	Holidays []string `json:"holidays"`
	// TimeZone is the IANA name of the zone the team's dates are in.
	TimeZone string `json:"time_zone"`
	// ReadyGate, when on, lets an issue move to the ready label only with a
	// weight from the scale and the description sections filled in.
	ReadyGate bool `json:"ready_gate"`
	// Cadence is how milestones follow each other.
	Cadence Cadence `json:"cadence"`
	// MilestonesAhead is how many future milestones exist ahead of time.
	MilestonesAhead int `json:"milestones_ahead"`
	// PlanningProject is the path, inside the team's group, of the project
	// that holds planning, retrospective and coverage issues.
	PlanningProject string `json:"planning_project"`
}

// Cadence describes how milestones follow each other. Only monthly
// milestones exist so far: each starts on StartDay of a month and ends the day
// before StartDay of the next month.
type Cadence struct {
	// Interval is "monthly".
	Interval string `json:"interval"`
	// StartDay is the day of the month milestones start on, 1 to 28 so that
	// every month has it.
	StartDay int `json:"start_day"`
	// TitleFormat is how the milestones Cairn creates are named:
	// TitleMonthYear ("November 2026", the default when empty) or
	// TitleYearMonth ("2026-11").
	TitleFormat string `json:"title_format"`
}

// CadenceMonthly is the monthly cadence interval.
const CadenceMonthly = "monthly"

// The milestone title formats of a cadence.
const (
	TitleMonthYear = "month year" // "November 2026"
	TitleYearMonth = "yyyy-mm"    // "2026-11"
)

// DefaultSettings returns the settings a new team starts with; they follow
// the seeds (planning-model.md's defaults column).
func DefaultSettings() Settings {
	return Settings{
		WorkflowLabels: []string{
			"workflow::refinement",
			"workflow::ready for development",
			"workflow::in dev",
			"workflow::in review",
		},
		RefinementLabel: "workflow::refinement",
		ReadyLabel:      "workflow::ready for development",
		PriorityLabels: []string{
			"code-creation-priority::high",
			"code-creation-priority::medium",
			"code-creation-priority::low",
		},
		DeliverableLabel:    "Deliverable",
		StretchLabel:        "Stretch",
		PlanningLabel:       "Planning Issue",
		Weights:             []int{1, 2, 3, 5},
		RefinementShare:     0.20,
		OtherShare:          0.10,
		StretchShare:        0.20,
		VelocityWindow:      3,
		DefaultVelocity:     0.5,
		FinalizeLeadDays:    3,
		RetroDueDays:        14,
		StatusUpdateWeekday: "Wednesday",
		StatusUpdateTime:    "10:00",
		AutoCloseMilestones: true,
		Holidays:            []string{},
		TimeZone:            "UTC",
		ReadyGate:           true,
		Cadence:             Cadence{Interval: CadenceMonthly, StartDay: 1, TitleFormat: TitleMonthYear},
		MilestonesAhead:     3,
		PlanningProject:     "planning",
	}
}

// ParseSettings decodes settings from JSON on top of DefaultSettings, so keys
// that are absent keep their defaults, then validates them. Unknown keys and
// values of the wrong type are reported by name. Errors are *cairn.Error with
// code EINVALID.
func ParseSettings(data []byte) (Settings, error) {
	s := DefaultSettings()
	if err := DecodeSettings(data, &s); err != nil {
		return s, err
	}
	return s, s.Validate()
}

// DecodeSettings decodes JSON onto s, changing only the keys present (a PUT
// that names one key changes one key). It does not validate. Errors are
// *cairn.Error with code EINVALID that name the key.
func DecodeSettings(data []byte, s *Settings) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(s)
	if err == nil {
		if dec.More() {
			return cairn.Errorf(cairn.EINVALID, "settings: unexpected data after the JSON object")
		}
		// "holidays": null means none; keep it a list so that it reads back as [].
		if s.Holidays == nil {
			s.Holidays = []string{}
		}
		if s.PriorityLabels == nil {
			s.PriorityLabels = []string{}
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return cairn.Errorf(cairn.EINVALID, "settings must be a JSON object")
		}
		return fieldErrors(map[string]string{field: "must be " + describeJSONType(typeErr.Type.String())})
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return cairn.Errorf(cairn.EINVALID, "settings are not valid JSON: %v", err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return cairn.Errorf(cairn.EINVALID, "unknown setting %s", name)
	}
	return cairn.Errorf(cairn.EINVALID, "settings: %v", err)
}

// describeJSONType names a Go type the way a user who writes JSON thinks of it.
func describeJSONType(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "[]string":
		return "a list of strings"
	case "[]int":
		return "a list of whole numbers"
	case "int":
		return "a whole number"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "planning.Cadence":
		return `an object like {"interval":"monthly","start_day":1,"title_format":"month year"}`
	}
	return "of type " + goType
}

// Validate checks the settings and returns nil or a *cairn.Error with code
// EINVALID whose Fields name each bad setting (see Problems) and whose
// message lists them all.
func (s Settings) Validate() error {
	return fieldErrors(s.Problems())
}

// Problems returns a message per bad setting, keyed by the setting's JSON
// name (an element of a list as "holidays[2]"), for forms; nil when all are
// good. It checks the time zone against the system's time zone database.
func (s Settings) Problems() map[string]string {
	p := s.problems()
	if s.TimeZone == "" {
		p["time_zone"] = `must be set, for example "UTC" or "Europe/Berlin"`
	} else if _, err := s.Location(); err != nil {
		p["time_zone"] = fmt.Sprintf("unknown time zone %q", s.TimeZone)
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

// problems checks everything except the time zone: what the arithmetic needs,
// without consulting the time zone database.
func (s Settings) problems() map[string]string {
	p := map[string]string{}

	seen := map[string]int{}
	for i, l := range s.WorkflowLabels {
		key := fmt.Sprintf("workflow_labels[%d]", i)
		if msg := labelProblem(l); msg != "" {
			p[key] = msg
		} else if j, dup := seen[l]; dup {
			p[key] = fmt.Sprintf("repeats workflow_labels[%d] %q", j, l)
		}
		seen[l] = i
	}
	if len(s.WorkflowLabels) < 2 {
		p["workflow_labels"] = "must list at least the refinement and the ready label, in order"
	}
	ri, rok := seen[s.RefinementLabel]
	di, dok := seen[s.ReadyLabel]
	switch {
	case s.RefinementLabel == "":
		p["refinement_label"] = "must be set"
	case !rok:
		p["refinement_label"] = fmt.Sprintf("%q is not one of workflow_labels", s.RefinementLabel)
	}
	switch {
	case s.ReadyLabel == "":
		p["ready_label"] = "must be set"
	case !dok:
		p["ready_label"] = fmt.Sprintf("%q is not one of workflow_labels", s.ReadyLabel)
	case rok && di <= ri:
		p["ready_label"] = "must come after refinement_label in workflow_labels"
	}

	seenPri := map[string]int{}
	for i, l := range s.PriorityLabels {
		key := fmt.Sprintf("priority_labels[%d]", i)
		if msg := labelProblem(l); msg != "" {
			p[key] = msg
		} else if j, dup := seenPri[l]; dup {
			p[key] = fmt.Sprintf("repeats priority_labels[%d] %q", j, l)
		}
		seenPri[l] = i
	}

	names := map[string]string{}
	for _, f := range []struct{ key, val string }{
		{"deliverable_label", s.DeliverableLabel},
		{"stretch_label", s.StretchLabel},
		{"planning_label", s.PlanningLabel},
	} {
		if msg := labelProblem(f.val); msg != "" {
			p[f.key] = msg
			continue
		}
		if other, dup := names[f.val]; dup {
			p[f.key] = fmt.Sprintf("must differ from %s (both are %q)", other, f.val)
		}
		names[f.val] = f.key
	}

	if len(s.Weights) == 0 {
		p["weights"] = "must list at least one weight"
	}
	for i, w := range s.Weights {
		if w <= 0 || (i > 0 && w <= s.Weights[i-1]) {
			p["weights"] = "weights must be positive and strictly increasing, like 1, 2, 3, 5"
			break
		}
	}

	share := func(key string, v float64) bool {
		if math.IsNaN(v) || v < 0 || v >= 1 {
			p[key] = "must be at least 0 and below 1 (0.2 means 20%)"
			return false
		}
		return true
	}
	okR := share("refinement_share", s.RefinementShare)
	okO := share("other_share", s.OtherShare)
	if okR && okO && s.RefinementShare+s.OtherShare >= 1 {
		p["refinement_share"] = fmt.Sprintf("refinement_share + other_share must be below 1 (now %s), or no time is left for development",
			formatNum(s.RefinementShare+s.OtherShare))
	}
	if math.IsNaN(s.StretchShare) || s.StretchShare < 0 || s.StretchShare > 1 {
		p["stretch_share"] = "must be between 0 and 1 (0.2 means 20% of team capacity)"
	}
	if s.VelocityWindow < 1 || s.VelocityWindow > 24 {
		p["velocity_window"] = "must be between 1 and 24 milestones"
	}
	if math.IsNaN(s.DefaultVelocity) || math.IsInf(s.DefaultVelocity, 0) || s.DefaultVelocity <= 0 {
		p["default_velocity"] = "must be a positive weight per development day, like 0.5"
	}
	if s.FinalizeLeadDays < 0 || s.FinalizeLeadDays > 27 {
		p["finalize_lead_days"] = "must be between 0 and 27 days"
	}
	if s.RetroDueDays < 0 || s.RetroDueDays > 90 {
		p["retro_due_days"] = "must be between 0 and 90 days"
	}
	if _, ok := parseWeekday(s.StatusUpdateWeekday); !ok {
		p["status_update_weekday"] = fmt.Sprintf("%q is not a weekday; use Monday, Tuesday, … Sunday", s.StatusUpdateWeekday)
	}
	if _, _, ok := parseClock(s.StatusUpdateTime); !ok {
		p["status_update_time"] = fmt.Sprintf("%q is not a time of day; use 24-hour HH:MM, like 10:00 or 16:30", s.StatusUpdateTime)
	}
	for i, h := range s.Holidays {
		if _, err := parseDay(h); err != nil {
			p[fmt.Sprintf("holidays[%d]", i)] = fmt.Sprintf("not a date: %q (use YYYY-MM-DD, like 2026-12-25)", h)
		}
	}
	if s.Cadence.Interval != CadenceMonthly {
		p["cadence.interval"] = fmt.Sprintf("%q is not supported; use %q", s.Cadence.Interval, CadenceMonthly)
	}
	if f := s.Cadence.TitleFormat; f != "" && f != TitleMonthYear && f != TitleYearMonth {
		p["cadence.title_format"] = fmt.Sprintf("must be %q or %q", TitleMonthYear, TitleYearMonth)
	}
	if s.Cadence.StartDay < 1 || s.Cadence.StartDay > 28 {
		p["cadence.start_day"] = "must be a day of the month from 1 to 28"
	}
	if s.MilestonesAhead < 1 || s.MilestonesAhead > 12 {
		p["milestones_ahead"] = "must be between 1 and 12"
	}
	if !cairn.ValidPath(s.PlanningProject) {
		p["planning_project"] = "must be a project path: letters, digits, '_', '-' and '.'"
	}
	return p
}

func labelProblem(name string) string {
	if name == "" {
		return "must be set"
	}
	if strings.TrimSpace(name) != name {
		return "must not start or end with spaces"
	}
	if err := cairn.ValidateLabelName(name); err != nil {
		var e *cairn.Error
		if errors.As(err, &e) && len(e.Fields["title"]) > 0 {
			return e.Fields["title"][0]
		}
		return err.Error()
	}
	return ""
}

// fieldErrors turns a problem map into one *cairn.Error, or nil for none.
func fieldErrors(p map[string]string) error {
	if len(p) == 0 {
		return nil
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fields := make(map[string][]string, len(p))
	msgs := make([]string, 0, len(p))
	for _, k := range keys {
		fields[k] = []string{p[k]}
		if strings.HasPrefix(p[k], k) {
			// The message already names its field ("refinement_share + …").
			msgs = append(msgs, p[k])
		} else {
			msgs = append(msgs, k+": "+p[k])
		}
	}
	return &cairn.Error{Code: cairn.EINVALID, Message: strings.Join(msgs, "; "), Fields: fields}
}

// Location returns the team's time zone. It consults the system's time zone
// database (time.LoadLocation); "Local" is refused because it depends on the
// server.
func (s Settings) Location() (*time.Location, error) {
	if s.TimeZone == "" || s.TimeZone == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", s.TimeZone)
	}
	return time.LoadLocation(s.TimeZone)
}

// StatusWeekday returns the weekly status update day; false if the setting
// is not a weekday name.
func (s Settings) StatusWeekday() (time.Weekday, bool) {
	return parseWeekday(s.StatusUpdateWeekday)
}

// StatusTime returns the hour and minute of status_update_time; false if
// the setting is not a 24-hour "HH:MM" time.
func (s Settings) StatusTime() (hour, minute int, ok bool) {
	return parseClock(s.StatusUpdateTime)
}

// parseClock reads a 24-hour "HH:MM" time of day, two digits each, from
// 00:00 to 23:59.
func parseClock(v string) (hour, minute int, ok bool) {
	if len(v) != 5 || v[2] != ':' {
		return 0, 0, false
	}
	digit := func(b byte) (int, bool) { return int(b - '0'), b >= '0' && b <= '9' }
	h1, ok1 := digit(v[0])
	h2, ok2 := digit(v[1])
	m1, ok3 := digit(v[3])
	m2, ok4 := digit(v[4])
	hour, minute = h1*10+h2, m1*10+m2
	if !ok1 || !ok2 || !ok3 || !ok4 || hour > 23 || minute > 59 {
		return 0, 0, false
	}
	return hour, minute, true
}

func parseWeekday(name string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(name, d.String()) {
			return d, true
		}
	}
	return 0, false
}

// MaxWeight returns the largest weight of the scale, or 0 for an empty scale.
func (s Settings) MaxWeight() int {
	if len(s.Weights) == 0 {
		return 0
	}
	return s.Weights[len(s.Weights)-1]
}

// OnScale reports whether w is one of the team's weights.
func (s Settings) OnScale(w int) bool {
	for _, x := range s.Weights {
		if x == w {
			return true
		}
	}
	return false
}

// Focus returns the share of a member's available time that goes to
// development: capacity_factor × (1 − refinement_share − other_share).
func (s Settings) Focus(capacityFactor float64) float64 {
	return capacityFactor * (1 - s.RefinementShare - s.OtherShare)
}

// FinalizeBy returns the date by which the planning of a milestone starting
// on start must be final: start − finalize_lead_days.
func (s Settings) FinalizeBy(start string) (string, error) {
	d, err := parseDay(start)
	if err != nil {
		return "", fmt.Errorf("start date: %w", err)
	}
	return (d - day(s.FinalizeLeadDays)).String(), nil
}

// RetrospectiveDue returns the due date of the retrospective of a milestone
// that ends on due: due + retro_due_days.
func (s Settings) RetrospectiveDue(due string) (string, error) {
	d, err := parseDay(due)
	if err != nil {
		return "", fmt.Errorf("due date: %w", err)
	}
	return (d + day(s.RetroDueDays)).String(), nil
}

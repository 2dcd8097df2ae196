package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/planning"
)

// The planning settings form: one field per key of planning.Settings (the
// API's JSON names, "cadence.start_day" for the cadence's parts), with
// help text, read from and written to the same JSON the API's PUT
// /groups/:id/planning_settings takes, so that the planner validates a
// form exactly as it validates the API (planning.Settings.Problems).

// settingKind is how a setting is edited.
type settingKind string

const (
	settingText    settingKind = "text"    // one line of text
	settingLines   settingKind = "lines"   // a list of strings, one per line
	settingInts    settingKind = "ints"    // whole numbers separated by commas
	settingFloat   settingKind = "float"   // a number
	settingInt     settingKind = "int"     // a whole number
	settingBool    settingKind = "bool"    // a checkbox
	settingWeekday settingKind = "weekday" // Monday … Sunday
	settingClock   settingKind = "time"    // HH:MM
	settingChoice  settingKind = "choice"  // one of Choices
	settingJSON    settingKind = "json"    // a setting the form does not know: its JSON
)

// settingSpec describes one field of the form.
type settingSpec struct {
	Key     string
	Label   string
	Help    string
	Kind    settingKind
	Choices []string
}

// settingGroup is a fieldset of the form.
type settingGroup struct {
	Legend string
	Specs  []settingSpec
}

// settingGroups are the form's fields, every setting once. A setting a
// later release adds without a field here still shows, as JSON, under
// "Other" (TestSettingsFormCoversEverySetting asks for a proper field).
var settingGroups = []settingGroup{
	{"Workflow", []settingSpec{
		{Key: "workflow_labels", Label: "Workflow labels", Kind: settingLines,
			Help: "The states an issue moves through, in order, one label per line. At least the refinement and the ready label."},
		{Key: "refinement_label", Label: "Refinement label", Kind: settingText,
			Help: "The workflow label of issues that still need refinement. New issues start with it."},
		{Key: "ready_label", Label: "Ready label", Kind: settingText,
			Help: "The workflow label of refined, weighted issues; it and every label after it make an issue a planning candidate. Must come after the refinement label."},
		{Key: "ready_gate", Label: "Ready gate", Kind: settingBool,
			Help: "An issue moves to the ready label only with a weight from the scale and its description sections filled in."},
	}},
	{"Planning labels", []settingSpec{
		{Key: "priority_labels", Label: "Priority labels", Kind: settingLines,
			Help: "Priority labels, highest first, one per line. May be empty."},
		{Key: "deliverable_label", Label: "Deliverable label", Kind: settingText,
			Help: "Marks the work the team commits to in a milestone."},
		{Key: "stretch_label", Label: "Stretch label", Kind: settingText,
			Help: "Marks work planned beyond the predicted capacity."},
		{Key: "planning_label", Label: "Planning issue label", Kind: settingText,
			Help: "Marks each milestone's planning issue. The three labels must all differ."},
	}},
	{"Estimation and capacity", []settingSpec{
		{Key: "weights", Label: "Weights", Kind: settingInts,
			Help: "The estimation scale, separated by commas, positive and increasing (1, 2, 3, 5). The largest asks for a split."},
		{Key: "refinement_share", Label: "Refinement share", Kind: settingFloat,
			Help: "Share of an engineer's time spent refining, from 0 to below 1 (0.2 is 20%)."},
		{Key: "other_share", Label: "Other share", Kind: settingFloat,
			Help: "Share spent on meetings, reviews and other work. With the refinement share, below 1."},
		{Key: "stretch_share", Label: "Stretch share", Kind: settingFloat,
			Help: "Size of the Stretch budget as a share of team capacity, from 0 to 1."},
		{Key: "velocity_window", Label: "Velocity window", Kind: settingInt,
			Help: "How many finished milestones historic velocity uses, 1 to 24."},
		{Key: "default_velocity", Label: "Default velocity", Kind: settingFloat,
			Help: "Weight per development day for a team or member without history; above 0."},
	}},
	{"Cadence and deadlines", []settingSpec{
		{Key: "cadence.interval", Label: "Cadence", Kind: settingChoice, Choices: []string{planning.CadenceMonthly},
			Help: "How milestones follow each other; only monthly milestones exist so far."},
		{Key: "cadence.start_day", Label: "Milestone start day", Kind: settingInt,
			Help: "Day of the month milestones start on, 1 to 28."},
		{Key: "cadence.title_format", Label: "Milestone titles", Kind: settingChoice, Choices: []string{planning.TitleMonthYear, planning.TitleYearMonth},
			Help: `How Cairn names the milestones it creates: "month year" gives "November 2026", "yyyy-mm" gives "2026-11".`},
		{Key: "milestones_ahead", Label: "Milestones ahead", Kind: settingInt,
			Help: "How many future milestones exist ahead of time, 1 to 12."},
		{Key: "finalize_lead_days", Label: "Finalise lead days", Kind: settingInt,
			Help: "Planning is final this many days before the milestone starts, 0 to 27."},
		{Key: "retro_due_days", Label: "Retrospective due days", Kind: settingInt,
			Help: "The retrospective is due this many days after the milestone ends, 0 to 90."},
		{Key: "auto_close_milestones", Label: "Close milestones automatically", Kind: settingBool,
			Help: "The scheduler closes a milestone the day after it ends."},
		{Key: "planning_project", Label: "Planning project", Kind: settingText,
			Help: "Path, inside the team's group, of the project that holds planning, retrospective and coverage issues."},
	}},
	{"Calendar and status updates", []settingSpec{
		{Key: "time_zone", Label: "Time zone", Kind: settingText,
			Help: "The IANA zone the team's dates are in, such as Europe/Berlin or UTC."},
		{Key: "holidays", Label: "Holidays", Kind: settingLines,
			Help: "Team-wide days off, one date per line as YYYY-MM-DD. They are not working days for capacity."},
		{Key: "status_update_weekday", Label: "Status update day", Kind: settingWeekday,
			Help: "The day of the weekly status updates."},
		{Key: "status_update_time", Label: "Status update time", Kind: settingClock,
			Help: "Local time (24-hour HH:MM) at which Cairn asks for status updates and sends reminders."},
	}},
}

// settingField is one field of the rendered form.
type settingField struct {
	settingSpec
	ID      string
	Value   string
	Checked bool
	Options []teamOption
	Error   string
}

// settingFieldset is a rendered fieldset.
type settingFieldset struct {
	Legend string
	Fields []*settingField
}

// teamOption is one <option> of a select.
type teamOption struct {
	Value, Label string
	Selected     bool
}

// settingsForm is the rendered settings form.
type settingsForm struct {
	Fieldsets []*settingFieldset
	// Error is a problem that belongs to no field.
	Error string
}

var settingWeekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// settingJSONKeys lists the top-level JSON keys of the settings.
func settingJSONKeys() []string {
	raw := settingsJSON(planning.DefaultSettings())
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// settingsJSON is s as the API writes it, key by key.
func settingsJSON(s planning.Settings) map[string]json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("encode planning settings: %v", err)) // plain data: cannot happen
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("decode planning settings: %v", err))
	}
	return m
}

// allSettingSpecs are the form's specs, with a JSON field for each setting
// that has none.
func allSettingSpecs() []settingGroup {
	covered := map[string]bool{}
	for _, g := range settingGroups {
		for _, s := range g.Specs {
			covered[strings.SplitN(s.Key, ".", 2)[0]] = true
		}
	}
	groups := settingGroups
	var other []settingSpec
	for _, k := range settingJSONKeys() {
		if !covered[k] {
			other = append(other, settingSpec{Key: k, Label: k, Kind: settingJSON, Help: "This setting's value as JSON."})
		}
	}
	if len(other) > 0 {
		groups = append(groups[:len(groups):len(groups)], settingGroup{"Other", other})
	}
	return groups
}

// rawSetting returns the JSON of key ("cadence.start_day" reaches into
// the cadence object).
func rawSetting(m map[string]json.RawMessage, key string) json.RawMessage {
	top, sub, nested := strings.Cut(key, ".")
	raw := m[top]
	if !nested {
		return raw
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	return obj[sub]
}

// displaySetting writes a setting's JSON as its field shows it.
func displaySetting(kind settingKind, raw json.RawMessage) (string, bool) {
	switch kind {
	case settingLines:
		var list []string
		_ = json.Unmarshal(raw, &list)
		return strings.Join(list, "\n"), false
	case settingInts:
		var list []int
		_ = json.Unmarshal(raw, &list)
		parts := make([]string, len(list))
		for i, n := range list {
			parts[i] = strconv.Itoa(n)
		}
		return strings.Join(parts, ", "), false
	case settingBool:
		return "", string(raw) == "true"
	case settingText, settingWeekday, settingClock, settingChoice:
		var s string
		_ = json.Unmarshal(raw, &s)
		return s, false
	}
	return string(raw), false // numbers and JSON as written
}

// newSettingsForm renders settings s; values, when not nil, are what the
// user sent (shown again after a refusal), problems the messages per key.
func newSettingsForm(s planning.Settings, values map[string]string, problems map[string]string) *settingsForm {
	raw := settingsJSON(s)
	form := &settingsForm{}
	for _, g := range allSettingSpecs() {
		fs := &settingFieldset{Legend: g.Legend}
		for _, spec := range g.Specs {
			f := &settingField{settingSpec: spec, ID: "setting-" + strings.NewReplacer(".", "-", "_", "-").Replace(spec.Key)}
			f.Value, f.Checked = displaySetting(spec.Kind, rawSetting(raw, spec.Key))
			if values != nil {
				if spec.Kind == settingBool {
					f.Checked = values[spec.Key] != ""
				} else {
					f.Value = values[spec.Key]
				}
			}
			choices := spec.Choices
			if spec.Kind == settingWeekday {
				choices = settingWeekdays
			}
			for _, c := range choices {
				f.Options = append(f.Options, teamOption{Value: c, Label: c, Selected: strings.EqualFold(c, f.Value)})
			}
			f.Error = problems[spec.Key]
			fs.Fields = append(fs.Fields, f)
		}
		form.Fieldsets = append(form.Fieldsets, fs)
	}
	return form
}

// settingsFormValues reads the form's fields as sent.
func settingsFormValues(get func(string) string) map[string]string {
	out := map[string]string{}
	for _, g := range allSettingSpecs() {
		for _, spec := range g.Specs {
			out[spec.Key] = get(spec.Key)
		}
	}
	return out
}

var settingIntsSep = regexp.MustCompile(`[\s,;]+`)

// settingsPatch turns the form's values into the JSON object the API's
// PUT takes, every setting named; problems are the values that are not
// even of the right type.
func settingsPatch(values map[string]string) ([]byte, map[string]string) {
	patch := map[string]any{}
	problems := map[string]string{}
	set := func(key string, v any) {
		top, sub, nested := strings.Cut(key, ".")
		if !nested {
			patch[top] = v
			return
		}
		obj, _ := patch[top].(map[string]any)
		if obj == nil {
			obj = map[string]any{}
			patch[top] = obj
		}
		obj[sub] = v
	}
	for _, g := range allSettingSpecs() {
		for _, spec := range g.Specs {
			v := strings.TrimSpace(values[spec.Key])
			switch spec.Kind {
			case settingLines:
				list := []string{}
				for line := range strings.SplitSeq(v, "\n") {
					if line = strings.TrimSpace(line); line != "" {
						list = append(list, line)
					}
				}
				set(spec.Key, list)
			case settingInts:
				list := []int{}
				for _, part := range settingIntsSep.Split(v, -1) {
					if part == "" {
						continue
					}
					n, err := strconv.Atoi(part)
					if err != nil {
						problems[spec.Key] = fmt.Sprintf("%q is not a whole number; list weights like 1, 2, 3, 5", part)
						break
					}
					list = append(list, n)
				}
				set(spec.Key, list)
			case settingFloat:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					problems[spec.Key] = "must be a number, like 0.2"
					continue
				}
				set(spec.Key, f)
			case settingInt:
				n, err := strconv.Atoi(v)
				if err != nil {
					problems[spec.Key] = "must be a whole number"
					continue
				}
				set(spec.Key, n)
			case settingBool:
				set(spec.Key, v != "")
			case settingJSON:
				if !json.Valid([]byte(v)) {
					problems[spec.Key] = "must be a JSON value"
					continue
				}
				set(spec.Key, json.RawMessage(v))
			default:
				set(spec.Key, v)
			}
		}
	}
	b, err := json.Marshal(patch)
	if err != nil {
		problems[""] = "the settings could not be encoded"
	}
	return b, problems
}

// settingProblems turns the planner's refusal into messages per form
// field: "holidays[2]" belongs to the holidays field ("line 3: …"); a
// problem of no field is under "".
func settingProblems(err error) map[string]string {
	out := map[string]string{}
	var e *cairn.Error
	if !errors.As(err, &e) {
		out[""] = err.Error()
		return out
	}
	known := map[string]settingKind{}
	for _, g := range allSettingSpecs() {
		for _, s := range g.Specs {
			known[s.Key] = s.Kind
		}
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msg := strings.Join(e.Fields[k], "; ")
		base, index := k, -1
		if i := strings.IndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
			if n, err := strconv.Atoi(k[i+1 : len(k)-1]); err == nil {
				base, index = k[:i], n
			}
		}
		if _, ok := known[base]; !ok {
			out[""] = strings.TrimSpace(out[""] + " " + k + ": " + msg)
			continue
		}
		if index >= 0 {
			msg = fmt.Sprintf("line %d: %s", index+1, msg)
		}
		if out[base] != "" {
			msg = out[base] + "; " + msg
		}
		out[base] = msg
	}
	if len(e.Fields) == 0 {
		out[""] = e.Error()
	}
	return out
}

package planning

import (
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	_ "time/tzdata" // time zone checks must not depend on the machine's zoneinfo

	"github.com/cairnhq/cairn"
)

func TestDefaultSettingsAreValid(t *testing.T) {
	s := DefaultSettings()
	if err := s.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	// The defaults of planning-model.md, spelled out.
	if s.RefinementShare != 0.2 || s.OtherShare != 0.1 || s.StretchShare != 0.2 ||
		s.VelocityWindow != 3 || s.DefaultVelocity != 0.5 || s.FinalizeLeadDays != 3 ||
		s.RetroDueDays != 14 || s.StatusUpdateWeekday != "Wednesday" || !s.ReadyGate ||
		s.StatusUpdateTime != "10:00" || !s.AutoCloseMilestones ||
		s.Cadence != (Cadence{Interval: CadenceMonthly, StartDay: 1, TitleFormat: TitleMonthYear}) || s.MilestonesAhead != 3 ||
		s.PlanningProject != "planning" || s.TimeZone != "UTC" ||
		!reflect.DeepEqual(s.Weights, []int{1, 2, 3, 5}) ||
		s.RefinementLabel != s.WorkflowLabels[0] || s.ReadyLabel != s.WorkflowLabels[1] ||
		s.DeliverableLabel != "Deliverable" || s.StretchLabel != "Stretch" || s.PlanningLabel != "Planning Issue" {
		t.Errorf("defaults differ from planning-model.md: %+v", s)
	}
}

func TestSettingsJSONNames(t *testing.T) {
	data, err := json.Marshal(DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	want := []string{
		"auto_close_milestones", "cadence", "default_velocity", "deliverable_label", "finalize_lead_days", "holidays",
		"milestones_ahead", "other_share", "planning_label", "planning_project", "priority_labels",
		"ready_gate", "ready_label", "refinement_label", "refinement_share", "retro_due_days",
		"status_update_time", "status_update_weekday", "stretch_label", "stretch_share", "time_zone", "velocity_window",
		"weights", "workflow_labels",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON keys\n got %v\nwant %v", got, want)
	}
	if !strings.Contains(string(data), `"cadence":{"interval":"monthly","start_day":1,"title_format":"month year"}`) ||
		!strings.Contains(string(data), `"holidays":[]`) {
		t.Errorf("JSON = %s", data)
	}
}

func TestParseSettings(t *testing.T) {
	t.Run("EmptyObjectIsDefaults", func(t *testing.T) {
		s, err := ParseSettings([]byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s, DefaultSettings()) {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("OneKeyKeepsTheRest", func(t *testing.T) {
		s, err := ParseSettings([]byte(`{"stretch_share":0.3,"holidays":["2026-12-25"],"time_zone":"Europe/Berlin"}`))
		if err != nil {
			t.Fatal(err)
		}
		want := DefaultSettings()
		want.StretchShare, want.Holidays, want.TimeZone = 0.3, []string{"2026-12-25"}, "Europe/Berlin"
		if !reflect.DeepEqual(s, want) {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("NullListIsEmpty", func(t *testing.T) {
		s, err := ParseSettings([]byte(`{"holidays":null,"priority_labels":null}`))
		if err != nil || s.Holidays == nil || len(s.Holidays) != 0 || s.PriorityLabels == nil || len(s.PriorityLabels) != 0 {
			t.Errorf("holidays %#v, priority_labels %#v, err %v", s.Holidays, s.PriorityLabels, err)
		}
	})
	t.Run("SchedulerSettings", func(t *testing.T) {
		s, err := ParseSettings([]byte(`{"status_update_time":"16:30","auto_close_milestones":false}`))
		if err != nil || s.StatusUpdateTime != "16:30" || s.AutoCloseMilestones {
			t.Errorf("status_update_time %q, auto_close_milestones %v, err %v", s.StatusUpdateTime, s.AutoCloseMilestones, err)
		}
	})
	t.Run("ReadyGateOff", func(t *testing.T) {
		s, err := ParseSettings([]byte(`{"ready_gate":false}`))
		if err != nil || s.ReadyGate {
			t.Errorf("ready_gate = %v, err %v", s.ReadyGate, err)
		}
	})
	errs := []struct {
		name, body, field, msg string
	}{
		{"ErrUnknownKey", `{"velocity":1}`, "", `unknown setting "velocity"`},
		{"ErrWrongType", `{"weights":"1,2,3"}`, "weights", "must be a list of whole numbers"},
		{"ErrWrongNestedType", `{"cadence":{"start_day":"first"}}`, "cadence.start_day", "must be a whole number"},
		{"ErrNotJSON", `{"weights":[1,2`, "", "settings are not valid JSON"},
		{"ErrInvalidValue", `{"velocity_window":0}`, "velocity_window", "must be between 1 and 24 milestones"},
		{"ErrAutoCloseNotBool", `{"auto_close_milestones":"yes"}`, "auto_close_milestones", "must be true or false"},
		{"ErrStatusTimeNotString", `{"status_update_time":10}`, "status_update_time", "must be a string"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSettings([]byte(tt.body))
			var e *cairn.Error
			if !errors.As(err, &e) || e.Code != cairn.EINVALID {
				t.Fatalf("err = %#v, want an EINVALID *cairn.Error", err)
			}
			if tt.field != "" {
				if got := e.Fields[tt.field]; len(got) != 1 || got[0] != tt.msg {
					t.Errorf("Fields[%q] = %q, want %q (all: %v)", tt.field, got, tt.msg, e.Fields)
				}
			} else if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Settings)
		// want maps each bad field to a part of its message.
		want map[string]string
	}{
		{"SharesTooLarge", func(s *Settings) { s.RefinementShare, s.OtherShare = 0.6, 0.4 },
			map[string]string{"refinement_share": "refinement_share + other_share must be below 1 (now 1)"}},
		{"ShareNegative", func(s *Settings) { s.OtherShare = -0.1 },
			map[string]string{"other_share": "must be at least 0 and below 1"}},
		{"StretchShareAboveOne", func(s *Settings) { s.StretchShare = 1.5 },
			map[string]string{"stretch_share": "must be between 0 and 1"}},
		{"WeightsNotIncreasing", func(s *Settings) { s.Weights = []int{1, 3, 2} },
			map[string]string{"weights": "weights must be positive and strictly increasing"}},
		{"WeightsRepeat", func(s *Settings) { s.Weights = []int{1, 2, 2, 5} },
			map[string]string{"weights": "weights must be positive and strictly increasing"}},
		{"WeightZero", func(s *Settings) { s.Weights = []int{0, 1, 2} },
			map[string]string{"weights": "weights must be positive and strictly increasing"}},
		{"WeightsEmpty", func(s *Settings) { s.Weights = nil },
			map[string]string{"weights": "must list at least one weight"}},
		{"HolidayNotADate", func(s *Settings) { s.Holidays = []string{"2026-12-25", "2026-12-26", "boxing day"} },
			map[string]string{"holidays[2]": `not a date: "boxing day"`}},
		{"UnknownTimeZone", func(s *Settings) { s.TimeZone = "Mars/Base" },
			map[string]string{"time_zone": `unknown time zone "Mars/Base"`}},
		{"LocalTimeZone", func(s *Settings) { s.TimeZone = "Local" },
			map[string]string{"time_zone": `unknown time zone "Local"`}},
		{"NoTimeZone", func(s *Settings) { s.TimeZone = "" },
			map[string]string{"time_zone": "must be set"}},
		{"ReadyLabelNotAWorkflowLabel", func(s *Settings) { s.ReadyLabel = "ready" },
			map[string]string{"ready_label": `"ready" is not one of workflow_labels`}},
		{"ReadyBeforeRefinement", func(s *Settings) { s.RefinementLabel, s.ReadyLabel = s.WorkflowLabels[1], s.WorkflowLabels[0] },
			map[string]string{"ready_label": "must come after refinement_label"}},
		{"WorkflowLabelRepeated", func(s *Settings) { s.WorkflowLabels = append(s.WorkflowLabels, "workflow::in dev") },
			map[string]string{"workflow_labels[4]": `repeats workflow_labels[2] "workflow::in dev"`}},
		{"PriorityLabelWithComma", func(s *Settings) { s.PriorityLabels[1] = "p1,p2" },
			map[string]string{"priority_labels[1]": "cannot contain a comma"}},
		{"SameLabelTwice", func(s *Settings) { s.StretchLabel = "Deliverable" },
			map[string]string{"stretch_label": `must differ from deliverable_label (both are "Deliverable")`}},
		{"NoPlanningLabel", func(s *Settings) { s.PlanningLabel = "" },
			map[string]string{"planning_label": "must be set"}},
		{"VelocityWindowZero", func(s *Settings) { s.VelocityWindow = 0 },
			map[string]string{"velocity_window": "must be between 1 and 24"}},
		{"DefaultVelocityZero", func(s *Settings) { s.DefaultVelocity = 0 },
			map[string]string{"default_velocity": "must be a positive weight per development day"}},
		{"LeadDaysNegative", func(s *Settings) { s.FinalizeLeadDays = -1 },
			map[string]string{"finalize_lead_days": "between 0 and 27"}},
		{"RetroDaysTooMany", func(s *Settings) { s.RetroDueDays = 365 },
			map[string]string{"retro_due_days": "between 0 and 90"}},
		{"NotAWeekday", func(s *Settings) { s.StatusUpdateWeekday = "Caturday" },
			map[string]string{"status_update_weekday": `"Caturday" is not a weekday`}},
		{"StatusTime12Hour", func(s *Settings) { s.StatusUpdateTime = "10am" },
			map[string]string{"status_update_time": `"10am" is not a time of day; use 24-hour HH:MM`}},
		{"StatusTimeHour24", func(s *Settings) { s.StatusUpdateTime = "24:00" },
			map[string]string{"status_update_time": "24-hour HH:MM"}},
		{"StatusTimeOneDigit", func(s *Settings) { s.StatusUpdateTime = "9:30" },
			map[string]string{"status_update_time": `"9:30" is not a time of day`}},
		{"StatusTimeMinute60", func(s *Settings) { s.StatusUpdateTime = "09:60" },
			map[string]string{"status_update_time": "HH:MM"}},
		{"StatusTimeEmpty", func(s *Settings) { s.StatusUpdateTime = "" },
			map[string]string{"status_update_time": `"" is not a time of day`}},
		{"WeeklyCadence", func(s *Settings) { s.Cadence.Interval = "weekly" },
			map[string]string{"cadence.interval": `"weekly" is not supported`}},
		{"StartDay31", func(s *Settings) { s.Cadence.StartDay = 31 },
			map[string]string{"cadence.start_day": "from 1 to 28"}},
		{"NoMilestonesAhead", func(s *Settings) { s.MilestonesAhead = 0 },
			map[string]string{"milestones_ahead": "between 1 and 12"}},
		{"BadPlanningProject", func(s *Settings) { s.PlanningProject = "my planning" },
			map[string]string{"planning_project": "must be a project path"}},
		{"SeveralAtOnce", func(s *Settings) { s.Weights = []int{5, 3}; s.Holidays = []string{"xmas"}; s.TimeZone = "Mars/Base" },
			map[string]string{"weights": "strictly increasing", "holidays[0]": "not a date", "time_zone": "Mars/Base"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			s.PriorityLabels = append([]string{}, s.PriorityLabels...)
			tt.change(&s)
			err := s.Validate()
			var e *cairn.Error
			if !errors.As(err, &e) || e.Code != cairn.EINVALID {
				t.Fatalf("err = %#v, want an EINVALID *cairn.Error", err)
			}
			if len(e.Fields) != len(tt.want) {
				t.Errorf("fields = %v, want exactly %v", e.Fields, tt.want)
			}
			for field, part := range tt.want {
				got := e.Fields[field]
				if len(got) != 1 || !strings.Contains(got[0], part) {
					t.Errorf("Fields[%q] = %q, want it to contain %q", field, got, part)
				}
				// The one-line message names every bad field.
				if !strings.Contains(err.Error(), field) {
					t.Errorf("message %q does not name %s", err, field)
				}
			}
			if p := s.Problems(); len(p) != len(tt.want) {
				t.Errorf("Problems() = %v", p)
			}
		})
	}
	// The message reads as a sentence per field.
	s := DefaultSettings()
	s.TimeZone, s.Holidays = "Mars/Base", []string{"2026-12-25", "2026-12-26", "boxing day"}
	want := `holidays[2]: not a date: "boxing day" (use YYYY-MM-DD, like 2026-12-25); time_zone: unknown time zone "Mars/Base"`
	if err := s.Validate(); err == nil || err.Error() != want {
		t.Errorf("message = %q\nwant      %q", err, want)
	}
}

func TestSettingsHelpers(t *testing.T) {
	s := DefaultSettings()
	if s.MaxWeight() != 5 || !s.OnScale(3) || s.OnScale(4) {
		t.Errorf("MaxWeight %d, OnScale(3) %v, OnScale(4) %v", s.MaxWeight(), s.OnScale(3), s.OnScale(4))
	}
	// 1 × (1 − 0.2 − 0.1) = 0.7; half time 0.5 × 0.7 = 0.35; a manager 0.
	for _, c := range []struct{ factor, want float64 }{{1, 0.7}, {0.5, 0.35}, {0, 0}} {
		if got := s.Focus(c.factor); !near(got, c.want) {
			t.Errorf("Focus(%v) = %v, want %v", c.factor, got, c.want)
		}
	}
	s.StatusUpdateWeekday = "wednesday"
	if d, ok := s.StatusWeekday(); !ok || d.String() != "Wednesday" {
		t.Errorf("StatusWeekday = %v, %v", d, ok)
	}
	for _, c := range []struct {
		in   string
		h, m int
		ok   bool
	}{{"10:00", 10, 0, true}, {"00:00", 0, 0, true}, {"23:59", 23, 59, true}, {"07:05", 7, 5, true},
		{"7:05", 0, 0, false}, {"24:00", 0, 0, false}, {"12:60", 0, 0, false}, {"1a:00", 0, 0, false}, {"10-00", 0, 0, false}, {"", 0, 0, false}} {
		s.StatusUpdateTime = c.in
		if h, m, ok := s.StatusTime(); h != c.h || m != c.m || ok != c.ok {
			t.Errorf("StatusTime(%q) = %d, %d, %v; want %d, %d, %v", c.in, h, m, ok, c.h, c.m, c.ok)
		}
	}
}

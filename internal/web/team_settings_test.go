package web

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cairnhq/cairn/planning"
)

// TestSettingsFormCoversEverySetting asks for a field with help text for
// every planning setting: a setting added to planning.Settings without one
// would show only as raw JSON.
func TestSettingsFormCoversEverySetting(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range settingGroups {
		for _, s := range g.Specs {
			if seen[s.Key] {
				t.Errorf("%s has two fields", s.Key)
			}
			seen[s.Key] = true
			if s.Label == "" || s.Help == "" {
				t.Errorf("%s has no label or help", s.Key)
			}
			seen[strings.SplitN(s.Key, ".", 2)[0]] = true
		}
	}
	for _, k := range settingJSONKeys() {
		if !seen[k] {
			t.Errorf("setting %s has no field on the team page", k)
		}
	}
	for _, g := range allSettingSpecs() {
		if g.Legend == "Other" {
			t.Errorf("settings shown as JSON: %+v", g.Specs)
		}
	}
}

// TestSettingsFormRoundTrip renders settings into the form and reads the
// form back: the patch decodes to the same settings.
func TestSettingsFormRoundTrip(t *testing.T) {
	s := planning.DefaultSettings()
	s.Holidays = []string{"2026-12-24", "2026-12-25"}
	s.PriorityLabels = []string{}
	s.ReadyGate = false
	s.TimeZone = "Europe/Berlin"
	s.Cadence.StartDay = 15
	s.RefinementShare = 0.125
	form := newSettingsForm(s, nil, nil)
	values := map[string]string{}
	for _, fs := range form.Fieldsets {
		for _, f := range fs.Fields {
			if f.Kind == settingBool {
				if f.Checked {
					values[f.Key] = "true"
				}
				continue
			}
			values[f.Key] = f.Value
		}
	}
	patch, problems := settingsPatch(values)
	if len(problems) > 0 {
		t.Fatalf("problems %v", problems)
	}
	got := planning.DefaultSettings()
	if err := planning.DecodeSettings(patch, &got); err != nil {
		t.Fatalf("decode %s: %v", patch, err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
	}
}

func TestSettingsPatchProblems(t *testing.T) {
	values := settingsFormValues(func(k string) string {
		return map[string]string{"weights": "1, two, 3", "velocity_window": "3.5", "stretch_share": "lots", "cadence.start_day": ""}[k]
	})
	_, problems := settingsPatch(values)
	for _, k := range []string{"weights", "velocity_window", "stretch_share", "cadence.start_day"} {
		if problems[k] == "" {
			t.Errorf("no problem for %s: %v", k, problems)
		}
	}
	if !strings.Contains(problems["weights"], `"two"`) {
		t.Errorf("weights problem %q does not name the bad value", problems["weights"])
	}
}

package planning

import (
	"strings"
	"testing"
	"time"
)

// seedTemplate is the template of seed 002 as a team copies it, with the
// placeholders in place and a box ticked.
const seedTemplate = `## Async Status Update 2026-11-25

- **Progress & Status**: _What progress have you made? What's the current state?_
- **Next Steps**: _What are your planned next actions?_
- **Blockers**: _Are you blocked or need assistance with this?_
- **How confident are you that this will make it to the current milestone?**
    - [ ] Not confident
    - [x] Slightly confident
    - [ ] Very confident

_Remember to update the workflow label!_

/cc @mnohr @jordanjanes
`

func TestRenderStatusUpdate(t *testing.T) {
	got := RenderStatusUpdate("2026-11-25", "Parser done", "Wire the API", "None", "very", []string{"emma", "priya"})
	want := `## Async Status Update 2026-11-25

- **Progress & Status**: Parser done
- **Next Steps**: Wire the API
- **Blockers**: None
- **How confident are you that this will make it to the current milestone?**
    - [ ] Not confident
    - [ ] Slightly confident
    - [x] Very confident

_Remember to update the workflow label!_

/cc @emma @priya
`
	if got != want {
		t.Fatalf("render:\n%s\nwant:\n%s", got, want)
	}
	if n := strings.Count(got, "[x]"); n != 1 {
		t.Errorf("%d boxes ticked", n)
	}
	t.Run("NoCC", func(t *testing.T) {
		got := RenderStatusUpdate("2026-11-25", "a", "b", "c", "not", nil)
		if strings.Contains(got, "/cc") || !strings.Contains(got, "- [x] Not confident") {
			t.Errorf("render without cc:\n%s", got)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		for _, conf := range []string{"not", "slightly", "very"} {
			body := RenderStatusUpdate("2026-11-25", "line one\nline two", "next", "", conf, []string{"em"})
			f, ok := ParseStatusUpdate(body)
			want := StatusUpdateFields{Date: "2026-11-25", Progress: "line one\nline two", NextSteps: "next", Confidence: conf}
			if !ok || f != want {
				t.Errorf("%s: parse(render) = %+v %v, want %+v", conf, f, ok, want)
			}
		}
	})
}

func TestParseStatusUpdate(t *testing.T) {
	tests := []struct {
		name string
		body string
		ok   bool
		want StatusUpdateFields
	}{
		{"SeedPlaceholders", seedTemplate, true, StatusUpdateFields{Date: "2026-11-25", Confidence: "slightly"}},
		{"StarBulletsCapitalX", "#  Async Status Update 2026-11-25\n* **Progress & Status**:  Half done \n*   **Next Steps**: tests\n" +
			"* **Blockers**: none\n* **How confident are you that this will make it to the current milestone?**\n" +
			"  * [ ] Not confident\n  * [ ] Slightly confident\n  * [X] Very confident\n", true,
			StatusUpdateFields{Date: "2026-11-25", Progress: "Half done", NextSteps: "tests", Blockers: "none", Confidence: "very"}},
		{"CRLF", strings.ReplaceAll(strings.Replace(seedTemplate, "[x] Slightly", "[ ] Slightly", 1), "[ ] Not", "[x] Not"), true,
			StatusUpdateFields{Date: "2026-11-25", Confidence: "not"}},
		{"ErrTwoTicked", strings.Replace(seedTemplate, "[ ] Very", "[x] Very", 1), false, StatusUpdateFields{}},
		{"ErrNoneTicked", strings.Replace(seedTemplate, "[x] Slightly", "[ ] Slightly", 1), false, StatusUpdateFields{}},
		{"ErrNoHeading", strings.Replace(seedTemplate, "## Async Status Update 2026-11-25", "## Notes", 1), false, StatusUpdateFields{}},
		{"ErrPlainNote", "Looks good to me. - [x] Very confident", false, StatusUpdateFields{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.name == "CRLF" {
				body = strings.ReplaceAll(body, "\n", "\r\n")
			}
			got, ok := ParseStatusUpdate(body)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseStatusUpdate = %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestISOWeek(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want string
	}{
		{"UTC", time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), time.UTC, "2026-W48"},
		{"SundayUTCIsMondayInAuckland", time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC), auckland, "2026-W48"},
		{"SundayUTC", time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC), time.UTC, "2026-W47"},
		{"YearBoundary", time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), time.UTC, "2026-W53"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ISOWeek(tt.t, tt.loc); got != tt.want {
				t.Errorf("ISOWeek = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestWeekMonday(t *testing.T) {
	for week, want := range map[string]string{"2026-W48": "2026-11-23", "2026-W01": "2025-12-29", "2026-W53": "2026-12-28", "2027-W01": "2027-01-04"} {
		got, err := WeekMonday(week, time.UTC)
		if err != nil || got.Format(time.DateOnly) != want {
			t.Errorf("WeekMonday(%s) = %v %v, want %s", week, got, err, want)
		}
	}
	for _, bad := range []string{"2027-W53", "2026-W00", "2026-48", "x"} {
		if _, err := WeekMonday(bad, time.UTC); err == nil {
			t.Errorf("WeekMonday(%s) accepted", bad)
		}
	}
	for day, want := range map[string]string{"Wednesday": "2026-11-25", "": "2026-11-25", "monday": "2026-11-23", "Sunday": "2026-11-29"} {
		if got, err := StatusUpdateDay("2026-W48", day); err != nil || got != want {
			t.Errorf("StatusUpdateDay(%q) = %s %v, want %s", day, got, err, want)
		}
	}
}

// TestParseBuiltinStatusTemplate checks the built-in status-update
// template (the seed's text exactly): as copied it ticks no box and is no
// status update; with one box ticked it is one, placeholders read as empty.
func TestParseBuiltinStatusTemplate(t *testing.T) {
	if _, ok := ParseStatusUpdate(statusUpdateTemplate); ok {
		t.Errorf("unticked template recognised")
	}
	ticked := strings.Replace(statusUpdateTemplate, "[ ] Very confident", "[x] Very confident", 1)
	f, ok := ParseStatusUpdate(ticked)
	if !ok || f.Confidence != "very" || f.Progress != "" || f.NextSteps != "" || f.Blockers != "" {
		t.Errorf("ticked template = %+v %v", f, ok)
	}
}

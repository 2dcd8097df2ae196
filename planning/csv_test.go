package planning

import (
	"bytes"
	"encoding/csv"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
)

var updateCSV = flag.Bool("update-csv", false, "rewrite the CSV golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update-csv.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateCSV {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./planning -run CSV -update-csv to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// readCSV parses an export back, checking that every row has the header's
// number of fields.
func readCSV(t *testing.T, data []byte, header []string) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(header)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v\n%s", err, data)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != strings.Join(header, ",") {
		t.Fatalf("header %v, want %v", rows, header)
	}
	return rows[1:]
}

// csvPlanFixture is a plan with every kind of row: a carried-over
// Deliverable, two assignees, a Stretch issue, a confidential issue, a
// left-out issue without a weight, an issue of an unknown project, and
// titles and labels that a spreadsheet would run as formulas.
func csvPlanFixture() PlanCSV {
	group := &cairn.Group{Path: "code-creation"}
	projects := map[int64]*cairn.Project{
		1: {ID: 1, Path: "duo-chat", Group: group},
		2: {ID: 2, Path: "ide-extensions", Group: group},
	}
	label := func(names ...string) []*cairn.Label {
		out := make([]*cairn.Label, len(names))
		for i, n := range names {
			out[i] = &cairn.Label{Name: n}
		}
		return out
	}
	issues := map[int64]*cairn.Issue{
		101: {ID: 101, ProjectID: 1, IID: 12, Labels: label(inDev, high, "Deliverable")},
		102: {ID: 102, ProjectID: 2, IID: 7, Labels: label(ready, medium)},
		103: {ID: 103, ProjectID: 1, IID: 30, Labels: label(ready, "=cmd|' /C calc'!A0")},
		104: {ID: 104, ProjectID: 2, IID: 8, Labels: label(ready, "secret")},
		105: {ID: 105, ProjectID: 1, IID: 40, Labels: label(refining)},
	}
	plan := &Plan{
		MilestoneID: 11, TeamCapacity: 7.5, StretchBudget: 1.5, PlannedWeight: 6, StretchWeight: 1,
		Deliverables: []Entry{
			{ID: 101, ProjectID: 1, IID: 12, Title: "Chat panel is blank, after \"token\" expiry", Weight: wt(3),
				Assignees: []User{alice}, Priority: "high", Placement: PlacementDeliverable, Flags: []string{FlagCarryover}},
			{ID: 102, ProjectID: 2, IID: 7, Title: "-1 suggestions shown", Weight: wt(3),
				Assignees: []User{alice, bob}, Priority: "medium", Placement: PlacementDeliverable, Flags: []string{}},
		},
		Stretch: []Entry{
			{ID: 103, ProjectID: 1, IID: 30, Title: "=HYPERLINK(\"http://evil.example\",\"click\")", Weight: wt(1),
				Priority: "none", Placement: PlacementStretch, Flags: []string{}, Reason: ReasonDoesNotFit,
				Detail: "the team has 0.5 left for weight 1"},
		},
		LeftOut: []Entry{
			{ID: 104, ProjectID: 2, IID: 8, Title: "Rotate the signing key", Weight: wt(5), Assignees: []User{bob},
				Priority: "high", Placement: PlacementLeftOut, Flags: []string{FlagConsiderSplitting}, Reason: ReasonDoesNotFit,
				Detail: "@bob has 1.5 left for a share of 5; the stretch budget has 0.5 left"},
			{ID: 105, ProjectID: 1, IID: 40, Title: "Multi-line\ntitle, with comma", Priority: "low",
				Placement: PlacementLeftOut, Flags: []string{}, Reason: ReasonNotReady, Detail: "is at " + refining},
			{ID: 106, ProjectID: 99, IID: 3, Title: "@mention first", Weight: wt(2), Priority: "none",
				Placement: PlacementLeftOut, Flags: []string{FlagCarryover}, Reason: ReasonDoesNotFit},
		},
	}
	return PlanCSV{
		Plan: plan, Issues: issues, Projects: projects, BaseURL: "https://cairn.example",
		Hidden: func(id int64) bool { return id == 104 },
	}
}

func TestWritePlanCSV(t *testing.T) {
	in := csvPlanFixture()
	var b bytes.Buffer
	if err := WritePlanCSV(&b, in); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.csv", b.Bytes())
	rows := readCSV(t, b.Bytes(), PlanCSVHeader)
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 6", len(rows))
	}
	col := func(name string) int {
		for i, h := range PlanCSVHeader {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	for _, c := range []struct {
		row        int
		column     string
		want       string
		whyInWords string
	}{
		{0, "rank", "1", "rows are numbered from 1"},
		{0, "reference", "code-creation/duo-chat#12", "the full reference"},
		{0, "carryover", "true", "a carried-over Deliverable"},
		{0, "labels", inDev + ", " + high + ", Deliverable", "the issue's labels"},
		{0, "url", "https://cairn.example/code-creation/duo-chat/-/issues/12", "the issue's page"},
		{1, "cumulative_weight", "6", "the Deliverables' running total"},
		{1, "assignees", "alice, bob", "usernames without @"},
		{1, "title", "'-1 suggestions shown", "a leading minus is escaped in text"},
		{2, "cumulative_weight", "1", "Stretch runs on its own total"},
		{2, "title", `'=HYPERLINK("http://evil.example","click")`, "a formula is text"},
		{2, "labels", ready + ", =cmd|' /C calc'!A0", "only a cell's start matters"},
		{3, "title", HiddenTitle, "a confidential issue the reader may not see"},
		{3, "labels", "", "its labels are hidden too"},
		{3, "weight", "5", "its weight still counts"},
		{3, "cumulative_weight", "", "left out takes no budget"},
		{3, "detail", "'@bob has 1.5 left for a share of 5; the stretch budget has 0.5 left", "the plan's detail, escaped"},
		{4, "weight", "", "no weight is an empty cell"},
		{4, "title", "Multi-line\ntitle, with comma", "line breaks survive, quoted"},
		{5, "reference", "#3", "an unknown project"},
		{5, "url", "", "no URL without a project"},
		{5, "title", "'@mention first", "a leading @ is escaped"},
	} {
		if got := rows[c.row][col(c.column)]; got != c.want {
			t.Errorf("row %d %s = %q, want %q (%s)", c.row+1, c.column, got, c.want, c.whyInWords)
		}
	}
	if !bytes.Contains(b.Bytes(), []byte("\"Multi-line\r\ntitle, with comma\"")) || bytes.Count(b.Bytes(), []byte("\n")) != bytes.Count(b.Bytes(), []byte("\r\n")) {
		t.Error("lines should end in CRLF, inside quoted fields too (RFC 4180)")
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("rank,")) {
		t.Errorf("the export starts with %q: no byte order mark expected", b.Bytes()[:8])
	}
}

// TestWritePlanCSVComputed writes a plan the selection made: every placed
// issue is one row, in the selection's order, and the running totals end
// on the plan's weights.
func TestWritePlanCSVComputed(t *testing.T) {
	s := DefaultSettings()
	var issues []Issue
	for iid := int64(1); iid <= 12; iid++ {
		issues = append(issues, iss(iid, 0, wt(int(1+iid%3)), L(ready, high)))
	}
	issues = append(issues, iss(13, 11, nil, L(ready)))
	p, err := ComputePlan(PlanInput{Settings: s, Milestone: Milestone{ID: 11}, Issues: issues, Capacity: capacityOf(map[User]float64{alice: 8, bob: 4})})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Deliverables) == 0 || len(p.Stretch) == 0 || len(p.LeftOut) == 0 {
		t.Fatalf("the fixture should fill every list: %d/%d/%d", len(p.Deliverables), len(p.Stretch), len(p.LeftOut))
	}
	var b bytes.Buffer
	if err := WritePlanCSV(&b, PlanCSV{Plan: p}); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, b.Bytes(), PlanCSVHeader)
	var want []Entry
	want = append(append(append(want, p.Deliverables...), p.Stretch...), p.LeftOut...)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	last := map[string]string{}
	for i, e := range want {
		row := rows[i]
		if row[0] != strconv.Itoa(i+1) || row[1] != e.Placement || row[2] != "#"+strconv.FormatInt(e.IID, 10) {
			t.Errorf("row %d = %v, want %s #%d", i+1, row, e.Placement, e.IID)
		}
		last[row[1]] = row[5]
	}
	if last[PlacementDeliverable] != strconv.Itoa(p.PlannedWeight) || last[PlacementStretch] != strconv.Itoa(p.StretchWeight) || last[PlacementLeftOut] != "" {
		t.Errorf("running totals end on %v, want planned %d and stretch %d", last, p.PlannedWeight, p.StretchWeight)
	}
}

func TestWriteCapacityCSV(t *testing.T) {
	c := &CapacityReport{
		MilestoneID: 11, WorkingDays: 20, TeamCapacity: 12.25,
		Members: []MemberCapacity{
			{UserID: 1, Username: "alice", PlanningRole: "engineer", CapacityFactor: 1, TimeOffDays: 2.5, AvailableDays: 17.5,
				Focus: 0.7, DevDays: 12.25, Velocity: 0.6666666667, VelocitySource: SourceOwn, Capacity: 8.166666667,
				HistoryDelivered: 20, HistoryDevDays: 30, HistoryMilestones: 2},
			{UserID: 2, Username: "=bob", PlanningRole: "engineer", CapacityFactor: 0.5, AvailableDays: 20, Focus: 0.35,
				DevDays: 7, Velocity: 0.5833333333, VelocitySource: SourceTeam, Capacity: 4.083333333},
			{UserID: 3, Username: "emma", PlanningRole: "engineering_manager", AvailableDays: 20, Velocity: 0.5, VelocitySource: SourceDefault},
		},
	}
	p := &Plan{MemberLoad: []MemberLoad{
		{UserID: 1, Username: "alice", Capacity: 8.166666667, Planned: 8.5, Remaining: -0.333333333},
		{UserID: 2, Username: "=bob", Capacity: 4.083333333, Planned: 1.5, Remaining: 2.583333333},
	}}
	var b bytes.Buffer
	if err := WriteCapacityCSV(&b, c, p); err != nil {
		t.Fatal(err)
	}
	golden(t, "capacity.csv", b.Bytes())
	rows := readCSV(t, b.Bytes(), CapacityCSVHeader)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	if got := rows[0][len(CapacityCSVHeader)-1]; got != "-0.333333333" {
		t.Errorf("alice's remaining = %q: a negative figure is a number, not escaped text", got)
	}
	if rows[1][0] != "'=bob" {
		t.Errorf("username %q, want it escaped", rows[1][0])
	}
	if rows[2][14] != "" || rows[2][15] != "" {
		t.Errorf("a member without a load has planned %q, remaining %q; want empty", rows[2][14], rows[2][15])
	}

	// Without a plan the load columns are empty; without members only the
	// header is written.
	b.Reset()
	if err := WriteCapacityCSV(&b, &CapacityReport{WorkingDays: 3}, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), strings.Join(CapacityCSVHeader, ",")+"\r\n"; got != want {
		t.Errorf("empty report = %q, want the header only", got)
	}
}

func TestWriteMetricsCSV(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	window := &Metrics{
		Velocity: []MilestoneVelocity{{MilestoneID: 8, Milestone: "2026-08", Weight: 38}, {MilestoneID: 9, Milestone: "+2026-09", Weight: 0}},
		SayDo: []SayDo{{MilestoneID: 8, Milestone: "2026-08", Committed: 19, Done: 17, Ratio: f(0.894736842)},
			{MilestoneID: 9, Milestone: "+2026-09"}},
		Carryover: []MilestoneCarryover{{MilestoneID: 8, Milestone: "2026-08", Count: 2, Weight: 3},
			{MilestoneID: 9, Milestone: "+2026-09"}},
		// The window-wide figures are not in the export.
		AvgRefinementHours: f(999), RefinementHours: 999,
	}
	own := []MilestoneWindow{
		{Milestone: Milestone{ID: 8, Title: "2026-08", StartDate: "2026-08-01", DueDate: "2026-08-31"}, Metrics: &Metrics{
			AvgRefinementHours: f(133.666666667), RefinementIntervals: 6, RefinementHours: 1234.5, DevelopmentHours: 0.25,
			RefinedPerWeek: []WeekCount{{"2026-W31", 2}, {"2026-W32", 0}, {"2026-W33", 3}},
			CycleTimeHours: CycleTime{Count: 4, P50: f(166), P85: f(458)},
		}},
		{Milestone: Milestone{ID: 9, Title: "+2026-09", StartDate: "2026-09-01", DueDate: "2026-09-30"}, Metrics: &Metrics{}},
		// The milestone in progress is not due in the window: no row.
		{Milestone: Milestone{ID: 10, Title: "2026-10", StartDate: "2026-10-01", DueDate: "2026-10-31"}, Metrics: &Metrics{}},
	}
	var b bytes.Buffer
	if err := WriteMetricsCSV(&b, window, own); err != nil {
		t.Fatal(err)
	}
	golden(t, "metrics.csv", b.Bytes())
	rows := readCSV(t, b.Bytes(), MetricsCSVHeader)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want one per milestone due in the window", len(rows))
	}
	want := []string{"8", "2026-08", "2026-08-01", "2026-08-31", "38", "19", "17", "0.894736842", "2", "3",
		"133.666666667", "6", "1234.5", "0.25", "5", "4", "166", "458"}
	if strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Errorf("row 1 = %v\nwant    %v", rows[0], want)
	}
	// Nothing committed, no refinement ended, no cycle: empty cells, not 0.
	if r := rows[1]; r[1] != "'+2026-09" || r[7] != "" || r[10] != "" || r[16] != "" || r[17] != "" || r[11] != "0" {
		t.Errorf("row 2 = %v", r)
	}

	// A milestone without its own metrics has its dates and flow columns
	// empty; the window's figures are still there.
	b.Reset()
	if err := WriteMetricsCSV(&b, window, nil); err != nil {
		t.Fatal(err)
	}
	rows = readCSV(t, b.Bytes(), MetricsCSVHeader)
	if r := rows[0]; r[2] != "" || r[4] != "38" || r[7] != "0.894736842" || r[10] != "" || r[14] != "" {
		t.Errorf("row without own metrics = %v", r)
	}
	if err := WriteMetricsCSV(&b, nil, nil); err == nil {
		t.Error("nil metrics: no error")
	}
}

func TestCSVText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain title", "plain title"},
		{"=1+1", "'=1+1"},
		{"+49 30 1234", "'+49 30 1234"},
		{"-1", "'-1"},
		{"-", "'-"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\tindented", "'\tindented"},
		{"\rreturn", "'\rreturn"},
		{"'quoted already", "'quoted already"},
		{" =1+1", " =1+1"},                       // only the first character counts
		{"a=1", "a=1"},                           // not at the start
		{"\nnewline", "\nnewline"},               // not a formula start; quoted by encoding/csv
		{"１=1", "１=1"},                           // a full-width digit is text
		{"Dezember — Äpfel", "Dezember — Äpfel"}, // UTF-8 passes through
	} {
		if got := CSVText(c.in); got != c.want {
			t.Errorf("CSVText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCSVNum(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {12.25, "12.25"}, {-0.3, "-0.3"}, {1234567.5, "1234567.5"},
		{1e-7, "0.0000001"}, {1e21, "1000000000000000000000"}, {133.666666667, "133.666666667"},
	} {
		if got := csvNum(c.in); got != c.want {
			t.Errorf("csvNum(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := csvNum(x); got != "" {
			t.Errorf("csvNum(%v) = %q, want an empty cell", x, got)
		}
	}
}

func TestCSVFileName(t *testing.T) {
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{[]string{"code-creation", "2026-12", "plan"}, "code-creation-2026-12-plan.csv"},
		{[]string{"team/sub", "December 2026", "capacity"}, "team-sub-December-2026-capacity.csv"},
		{[]string{"g", "a\"b;c\r\nd", "plan"}, "g-a-b-c-d-plan.csv"},
		{[]string{"g", "../../etc/passwd"}, "g-etc-passwd.csv"},
		{[]string{"g", "Décembre", "", "  "}, "g-D-cembre.csv"},
		{[]string{"", "日本"}, "export.csv"},
		{[]string{"g", "v1.0_rc", "plan"}, "g-v1.0_rc-plan.csv"},
		{[]string{strings.Repeat("x", 200)}, strings.Repeat("x", 120) + ".csv"},
	} {
		if got := CSVFileName(c.parts...); got != c.want {
			t.Errorf("CSVFileName(%q) = %q, want %q", c.parts, got, c.want)
		}
	}
}

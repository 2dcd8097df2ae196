package web

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestChartAxis(t *testing.T) {
	for _, tc := range []struct {
		name    string
		values  []float64
		integer bool
		top     float64
		ticks   []float64
	}{
		{"Weights", []float64{44, 53, 23}, true, 60, []float64{0, 20, 40, 60}},
		{"SmallCounts", []float64{1, 2}, true, 2, []float64{0, 1, 2}},
		{"Hours", []float64{168.6, 184.9}, false, 200, []float64{0, 50, 100, 150, 200}},
		{"Fractions", []float64{0.43, 0.8}, false, 0.8, []float64{0, 0.2, 0.4, 0.6, 0.8}},
		{"ExactStep", []float64{40}, true, 40, []float64{0, 10, 20, 30, 40}},
		{"AllZero", []float64{0, 0}, true, 1, []float64{0, 1}},
		{"OnlyGaps", []float64{math.NaN()}, false, 1, []float64{0, 0.5, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &chart{Integer: tc.integer, Series: []chartSeries{{Values: tc.values}}}
			top := c.yTop(c.drawn())
			if top != tc.top {
				t.Fatalf("top %v, want %v", top, tc.top)
			}
			ticks := c.yTicks(top)
			for i := range ticks {
				ticks[i] = math.Round(ticks[i]*1e9) / 1e9
			}
			if !slices.Equal(ticks, tc.ticks) {
				t.Fatalf("ticks %v, want %v", ticks, tc.ticks)
			}
		})
	}
}

func TestChartLine(t *testing.T) {
	nan := math.NaN()
	c := &chart{ID: "bd", Kind: chartLine, Title: "Burndown", Desc: "Open weight per day.", CategoryName: "Day", Integer: true,
		Categories: []string{"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"},
		Series: []chartSeries{
			{Name: "Scope", Values: []float64{10, 8, nan, 4, nan}},
			{Name: "Ideal", Values: []float64{10, 7.5, 5, 2.5, nan}, Labels: []string{"10", "7.5", "5", "2.5", ""}},
			{Name: "Hidden", Values: []float64{1, 1, 1, 1, nan}, TableOnly: true},
		}}
	svg := string(c.SVG())
	for _, want := range []string{
		`viewBox="0 0 640 260"`, `role="img"`, `aria-labelledby="bd-title bd-desc"`,
		`<title id="bd-title">Burndown</title>`, `<desc id="bd-desc">Open weight per day.</desc>`,
		`<path class="line series-0" data-series="Scope"`, `<path class="line series-1" data-series="Ideal"`,
		`<g class="legend">`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %s:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "Hidden") {
		t.Error("a table-only series is drawn")
	}
	// A gap starts a new subpath: the scope line is two pieces, M…L… M….
	scope := svg[strings.Index(svg, `data-series="Scope" d="`):]
	scope = scope[:strings.Index(scope, `"/>`)]
	if strings.Count(scope, "M") != 2 || strings.Count(scope, "L") != 1 {
		t.Errorf("scope path %q: want two subpaths around the gap", scope)
	}
	if n := strings.Count(svg, `<circle class="dot`); n != 3+4 {
		t.Errorf("%d points, want one per value (7)", n)
	}
	// The table lists the days with a value, the table-only series too,
	// and labels where given; the last day has none and is left out.
	table := string(c.Table())
	for _, want := range []string{`<th scope="row">2026-11-03</th><td class="num">—</td><td class="num">5</td><td class="num">1</td>`,
		`<th scope="col" class="num">Hidden</th>`} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %s:\n%s", want, table)
		}
	}
	if strings.Contains(table, "2026-11-05") {
		t.Error("a day without any value is in the table")
	}
	if string(c.SVG()) != svg {
		t.Error("the same chart drew different SVG")
	}
}

func TestChartBars(t *testing.T) {
	c := &chart{ID: "v", Kind: chartBar, Title: "Velocity", CategoryName: "Milestone",
		Categories: []string{"2026-08", "2026-09", "2026-10"},
		Series: []chartSeries{
			{Name: "Committed", Values: []float64{10, 8, math.NaN()}, Style: 1},
			{Name: "Done", Values: []float64{9, 8, 0}},
		}}
	svg := string(c.SVG())
	if n := strings.Count(svg, `<rect class="bar bar-1" data-series="Committed"`); n != 2 {
		t.Errorf("%d committed bars, want 2 (no bar for a missing value)", n)
	}
	if n := strings.Count(svg, `<rect class="bar bar-0" data-series="Done"`); n != 3 {
		t.Errorf("%d done bars, want 3", n)
	}
	if !strings.Contains(svg, `<title>2026-08, Done: 9</title>`) {
		t.Error("a bar has no tooltip with its value")
	}
	if !strings.Contains(svg, `<text class="value"`) {
		t.Error("few bars carry no value labels")
	}
}

func TestChartEmptyAndEscaping(t *testing.T) {
	c := &chart{ID: "sd", Kind: chartBar, Title: `Say/do <script>alert(1)</script>`, Desc: `"quoted" & more`,
		CategoryName: "Milestone", Empty: "Nothing committed.",
		Categories: []string{"<b>2026-10</b>"},
		Series:     []chartSeries{{Name: "Committed", Values: []float64{0}}}}
	if c.HasData() {
		t.Fatal("a chart of zeros has data")
	}
	fig := string(c.Figure())
	if strings.Contains(fig, "<svg") || !strings.Contains(fig, `<p class="empty chart-empty">Nothing committed.</p>`) {
		t.Errorf("empty chart: %s", fig)
	}
	if !strings.Contains(fig, `<details class="chart-data">`) || !strings.Contains(fig, "&lt;b&gt;2026-10&lt;/b&gt;") {
		t.Errorf("the empty chart lost its table, or a category is not escaped: %s", fig)
	}
	if strings.Contains(fig, "<script>") || !strings.Contains(fig, "&lt;script&gt;") || !strings.Contains(fig, "&#34;quoted&#34; &amp; more") {
		t.Errorf("text is not escaped: %s", fig)
	}
	c.Series[0].Values[0] = 3
	if svg := string(c.SVG()); strings.Contains(svg, "<script>") || strings.Contains(svg, "<b>") {
		t.Errorf("svg text is not escaped: %s", svg)
	}
	if none := (&chart{}); none.HasData() || strings.Contains(string(none.Figure()), "<details") {
		t.Error("a chart without categories has data or a table")
	}
}

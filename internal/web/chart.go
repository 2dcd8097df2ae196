package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// This file is a small chart renderer: line charts and (grouped) bar
// charts drawn as inline SVG on the server, so that the metrics page needs
// no chart library and no script. It is pure: the same chart gives the
// same bytes. Charts scale with their container (a viewBox, no fixed
// size), take their colours from app.css (classes .series-N, .bar-N, so
// light and dark both work), and are accessible: the <svg> is an image
// named by its <title> and <desc>, and every chart carries its numbers as
// a table in a <details> element under it, for screen readers and for
// anyone who wants the exact figures.

// chartKind is how a chart draws its series.
type chartKind int

const (
	chartLine chartKind = iota // one line per series over the categories
	chartBar                   // one bar per series in each category, side by side
)

// chartSeries is one named set of values, one per category of its chart.
type chartSeries struct {
	Name string
	// Values has one value per category; NaN is "no value" (a gap in a
	// line, no bar, "—" in the table).
	Values []float64
	// Labels, when set, replace the formatted values in tooltips, bar
	// labels and the table ("8 of 10", "0.80").
	Labels []string
	// TableOnly series appear in the data table but are not drawn (a
	// count behind an average, a ratio beside its bars).
	TableOnly bool
	// Style picks the colour class (series-N / bar-N, N from 0 to 2);
	// when no drawn series of a chart sets one, they are numbered in
	// order.
	Style int
}

// chart is one chart with its data.
type chart struct {
	// ID is unique on the page: the figure's id and the prefix of the ids
	// that tie the <svg> to its title and description.
	ID    string
	Kind  chartKind
	Title string
	// Desc says in a sentence what the chart shows, for screen readers
	// (the <desc>) and under the title.
	Desc string
	// Categories are the x values (days, milestones, weeks), in order;
	// Ticks, when set, are shorter names for the axis (one per category).
	Categories []string
	Ticks      []string
	// CategoryName heads the table's first column.
	CategoryName string
	Series       []chartSeries
	// Unit follows values on the y axis title ("h", "weight").
	YTitle string
	// Format writes a value; nil writes it with at most two decimals.
	Format func(float64) string
	// Integer keeps the y axis ticks whole numbers (counts, weights).
	Integer bool
	// Empty is what to say instead of the chart when it has nothing to
	// draw (every drawn value missing or 0).
	Empty string
	// Note is an extra remark shown under the chart (why a line is
	// missing).
	Note string
	// Wide charts span the page: a wider viewBox, so that their text
	// stays the size of the others'.
	Wide bool
}

// Chart geometry, in viewBox units.
const (
	chartNarrowW = 640.0
	chartWideW   = 1100.0
	chartH       = 260.0
	chartLeft    = 52.0
	chartRight   = 16.0
	chartTop     = 36.0
	chartBottom  = 42.0
)

// drawn returns the series that are drawn, with their style index.
func (c *chart) drawn() []chartSeries {
	var out []chartSeries
	styled := false
	for _, s := range c.Series {
		if !s.TableOnly {
			out = append(out, s)
			styled = styled || s.Style != 0
		}
	}
	if !styled {
		for i := range out {
			out[i].Style = i
		}
	}
	return out
}

// HasData reports whether the chart has a value to draw other than 0.
func (c *chart) HasData() bool {
	if len(c.Categories) == 0 {
		return false
	}
	for _, s := range c.drawn() {
		for _, v := range s.Values {
			if !math.IsNaN(v) && v != 0 {
				return true
			}
		}
	}
	return false
}

// format writes a value of the chart.
func (c *chart) format(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	if c.Format != nil {
		return c.Format(v)
	}
	return chartTrimNumber(v)
}

// label is the text of series s's value i.
func (c *chart) label(s chartSeries, i int) string {
	if i < len(s.Labels) && s.Labels[i] != "" {
		return s.Labels[i]
	}
	if i >= len(s.Values) {
		return "—"
	}
	return c.format(s.Values[i])
}

// chartTrimNumber writes v with at most two decimals and no trailing zeros.
func chartTrimNumber(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// Figure is the chart in a <figure>: its title, the SVG (or the empty
// state), and the data table in a <details>.
func (c *chart) Figure() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="chart-figure" id="%s">`, chartEsc(c.ID))
	fmt.Fprintf(&b, `<figcaption id="%s-caption"><h2>%s</h2><p class="hint">%s</p></figcaption>`, chartEsc(c.ID), chartEsc(c.Title), chartEsc(c.Desc))
	if c.HasData() {
		b.WriteString(string(c.SVG()))
	} else {
		fmt.Fprintf(&b, `<p class="empty chart-empty">%s</p>`, chartEsc(c.Empty))
	}
	if c.Note != "" {
		fmt.Fprintf(&b, `<p class="hint chart-note">%s</p>`, chartEsc(c.Note))
	}
	if len(c.Categories) > 0 {
		b.WriteString(`<details class="chart-data"><summary>Data table</summary>`)
		b.WriteString(string(c.Table()))
		b.WriteString(`</details>`)
	}
	b.WriteString(`</figure>`)
	return template.HTML(b.String())
}

// Table is the chart's numbers as a table: a row per category, a column
// per series.
func (c *chart) Table() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<table class="grid chart-table"><caption class="sr-only">%s</caption><thead><tr><th scope="col">%s</th>`,
		chartEsc(c.Title), chartEsc(c.CategoryName))
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<th scope="col" class="num">%s</th>`, chartEsc(s.Name))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, cat := range c.Categories {
		if !c.hasRow(i) {
			continue
		}
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, chartEsc(cat))
		for _, s := range c.Series {
			fmt.Fprintf(&b, `<td class="num">%s</td>`, chartEsc(c.label(s, i)))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return template.HTML(b.String())
}

// hasRow reports whether category i has a value in some series: a
// category without any (the days of a milestone still to come) is on the
// axis but not in the table.
func (c *chart) hasRow(i int) bool {
	for _, s := range c.Series {
		if i < len(s.Values) && !math.IsNaN(s.Values[i]) {
			return true
		}
	}
	return false
}

// SVG draws the chart.
func (c *chart) SVG() template.HTML {
	series := c.drawn()
	chartW := chartNarrowW
	if c.Wide {
		chartW = chartWideW
	}
	top := c.yTop(series)
	ticks := c.yTicks(top)
	pw, ph := chartW-chartLeft-chartRight, chartH-chartTop-chartBottom
	y := func(v float64) float64 { return chartTop + ph - v/top*ph }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart chart-%s" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-title %s-desc" data-chart="%s">`,
		c.kindName(), chartW, chartH, chartEsc(c.ID), chartEsc(c.ID), chartEsc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, chartEsc(c.ID), chartEsc(c.Title), chartEsc(c.ID), chartEsc(c.Desc))

	// Grid and y axis.
	b.WriteString(`<g class="y-axis">`)
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, chartNum(chartLeft), chartNum(y(t)), chartNum(chartLeft+pw), chartNum(y(t)))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, chartNum(chartLeft-6), chartNum(y(t)), chartEsc(chartTrimNumber(t)))
	}
	if c.YTitle != "" {
		fmt.Fprintf(&b, `<text class="axis-title" x="%s" y="%s" text-anchor="start">%s</text>`, chartNum(4), chartNum(chartTop-22), chartEsc(c.YTitle))
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(&b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`, chartNum(chartLeft), chartNum(chartTop+ph), chartNum(chartLeft+pw), chartNum(chartTop+ph))

	// X axis labels: at most about ten, evenly thinned.
	n := len(c.Categories)
	var xOf func(i int) float64
	band := pw / float64(max(n, 1))
	if c.Kind == chartLine {
		xOf = func(i int) float64 {
			if n == 1 {
				return chartLeft + pw/2
			}
			return chartLeft + float64(i)*pw/float64(n-1)
		}
	} else {
		xOf = func(i int) float64 { return chartLeft + band*(float64(i)+0.5) }
	}
	step := int(math.Ceil(float64(n) / (chartW / 64)))
	b.WriteString(`<g class="x-axis">`)
	for i := 0; i < n; i += max(step, 1) {
		anchor := "middle"
		switch {
		case c.Kind == chartLine && n > 1 && i == 0:
			anchor = "start"
		case c.Kind == chartLine && n > 1 && i == n-1:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s">%s</text>`, chartNum(xOf(i)), chartNum(chartTop+ph+16), anchor, chartEsc(c.tick(i)))
	}
	b.WriteString(`</g>`)

	// Data.
	switch c.Kind {
	case chartLine:
		for _, s := range series {
			var d strings.Builder
			pen := false
			for i, v := range s.Values {
				if i >= n || math.IsNaN(v) {
					pen = false
					continue
				}
				cmd := "L"
				if !pen {
					cmd = "M"
				}
				fmt.Fprintf(&d, "%s%s %s", cmd, chartNum(xOf(i)), chartNum(y(v)))
				pen = true
			}
			fmt.Fprintf(&b, `<path class="line series-%d" data-series="%s" d="%s"/>`, s.Style, chartEsc(s.Name), d.String())
			// Points carry their value as a tooltip; a long series
			// keeps them small.
			r := 3.0
			if n > 20 {
				r = 2
			}
			for i, v := range s.Values {
				if i >= n || math.IsNaN(v) {
					continue
				}
				fmt.Fprintf(&b, `<circle class="dot dot-%d" cx="%s" cy="%s" r="%s"><title>%s, %s: %s</title></circle>`,
					s.Style, chartNum(xOf(i)), chartNum(y(v)), chartNum(r), chartEsc(c.Categories[i]), chartEsc(s.Name), chartEsc(c.label(s, i)))
			}
		}
	case chartBar:
		inner := band * 0.72
		if len(series) == 1 {
			inner = band * 0.6
		}
		bw := inner / float64(max(len(series), 1))
		showValues := n*len(series) <= 16
		for i := range n {
			x0 := xOf(i) - inner/2
			for k, s := range series {
				if i >= len(s.Values) || math.IsNaN(s.Values[i]) {
					continue
				}
				v := s.Values[i]
				h := ph - (y(v) - chartTop)
				x := x0 + float64(k)*bw
				fmt.Fprintf(&b, `<rect class="bar bar-%d" data-series="%s" x="%s" y="%s" width="%s" height="%s"><title>%s, %s: %s</title></rect>`,
					s.Style, chartEsc(s.Name), chartNum(x+1), chartNum(y(v)), chartNum(max(bw-2, 1)), chartNum(h), chartEsc(c.Categories[i]), chartEsc(s.Name), chartEsc(c.label(s, i)))
				if showValues {
					fmt.Fprintf(&b, `<text class="value" x="%s" y="%s" text-anchor="middle">%s</text>`, chartNum(x+bw/2), chartNum(y(v)-4), chartEsc(c.label(s, i)))
				}
			}
		}
	}

	// Legend, top right, when there is more than one series.
	if len(series) > 1 {
		b.WriteString(`<g class="legend">`)
		width := 0.0
		for _, s := range series {
			width += legendWidth(s.Name)
		}
		x := chartW - chartRight - width
		for _, s := range series {
			if c.Kind == chartLine {
				fmt.Fprintf(&b, `<line class="series-%d" x1="%s" y1="12" x2="%s" y2="12"/>`, s.Style, chartNum(x), chartNum(x+16))
			} else {
				fmt.Fprintf(&b, `<rect class="bar-%d" x="%s" y="7" width="10" height="10"/>`, s.Style, chartNum(x+3))
			}
			fmt.Fprintf(&b, `<text x="%s" y="12" dominant-baseline="middle">%s</text>`, chartNum(x+20), chartEsc(s.Name))
			x += legendWidth(s.Name)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// legendWidth estimates the room a legend entry takes: its swatch and its
// text at the chart's 11-unit font.
func legendWidth(name string) float64 {
	return 20 + 6.2*float64(len([]rune(name))) + 14
}

func (c *chart) kindName() string {
	if c.Kind == chartBar {
		return "bar"
	}
	return "line"
}

// tick is category i's axis label.
func (c *chart) tick(i int) string {
	if i < len(c.Ticks) && c.Ticks[i] != "" {
		return c.Ticks[i]
	}
	return c.Categories[i]
}

// yTop is the top of the y axis: the largest value rounded up to a nice
// step, at least 1.
func (c *chart) yTop(series []chartSeries) float64 {
	hi := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > hi {
				hi = v
			}
		}
	}
	if hi <= 0 {
		return 1
	}
	st := c.tickStep(hi)
	return math.Ceil(hi/st-1e-9) * st
}

// tickStep is a round step (1, 2 or 5 times a power of ten) that divides
// 0..hi into about four parts.
func (c *chart) tickStep(hi float64) float64 {
	raw := hi / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	var st float64
	switch f := raw / mag; {
	case f <= 1:
		st = mag
	case f <= 2:
		st = 2 * mag
	case f <= 5:
		st = 5 * mag
	default:
		st = 10 * mag
	}
	if c.Integer && st < 1 {
		st = 1
	}
	return st
}

// yTicks are the y axis ticks from 0 to top.
func (c *chart) yTicks(top float64) []float64 {
	st := c.tickStep(top)
	var out []float64
	for v := 0.0; v <= top+st/1e6; v += st {
		out = append(out, math.Round(v/st)*st)
	}
	return out
}

// chartNum writes a coordinate with at most one decimal.
func chartNum(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// chartEsc escapes text for HTML and SVG.
func chartEsc(s string) string { return template.HTMLEscapeString(s) }

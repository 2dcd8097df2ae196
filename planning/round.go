package planning

import (
	"math"
	"strconv"
)

// epsilon is the tolerance of every comparison of figures. Binary floating
// point cannot hold 0.7 or 0.1 exactly, so 17.5 × 0.7 comes out as
// 12.249999999999998; a difference below one millionth is noise, never a
// real difference in days or weight.
const epsilon = 1e-6

// fits reports whether need is at most have, within epsilon.
func fits(need, have float64) bool { return need <= have+epsilon }

// Round1 rounds x to one decimal place, halves away from zero, as a person
// rounds by hand: 12.25 → 12.3, 0.05 → 0.1, −0.25 → −0.3. Floating-point
// noise below one millionth is dropped first, so 12.249999999999998 (what a
// computer gets for 17.5 × 0.7) rounds as 12.25 does.
func Round1(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	// Dividing the whole number of millionths by 100,000 is exact for
	// halves, so math.Round sees 122.5 and not 122.49999….
	micro := math.Round(x * 1e6)
	return math.Round(micro/1e5) / 10
}

// Format1 formats x rounded to one decimal place, always with that decimal:
// "12.3", "20.0".
func Format1(x float64) string {
	return strconv.FormatFloat(Round1(x), 'f', 1, 64)
}

// clean drops floating-point noise below 1e-9 from a figure that is reported,
// so that JSON shows 12.25 and not 12.249999999999998, while the figure stays
// unrounded for anyone who checks it by hand.
func clean(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	c := math.Round(x*1e9) / 1e9
	if c == 0 {
		return 0 // no "-0" in JSON
	}
	return c
}

// formatNum formats a figure for an explanation: at most two decimals,
// without trailing zeros ("2.96", "3", "0.5"), so that a number that the
// one-decimal display rounds up still shows why it did not fit.
func formatNum(x float64) string {
	r := math.Round(clean(x)*100) / 100
	if r == 0 {
		r = 0 // a budget used up to within noise is "0", not "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

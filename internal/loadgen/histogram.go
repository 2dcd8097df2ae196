package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// subBits is the number of bits of precision a Histogram keeps below each
// power of two: 2^7 = 128 buckets per octave, so a recorded value is off by
// less than 1/128 (0.8%) of itself. Values below 128 ns are exact.
const subBits = 7

const (
	subCount = 1 << subBits
	// nBuckets covers every non-negative int64: the exact range below
	// subCount, then subCount buckets for each of the 57 octaves above.
	nBuckets = subCount + (64-subBits-1)*subCount
)

// Histogram records durations in log-linear buckets, in the spirit of
// HdrHistogram: a fixed 60 KB whatever the number of samples, quantiles
// accurate to 0.8%, and cheap merging, so that each worker keeps its own
// and they are merged once at the end. The zero value is not usable; call
// NewHistogram. A Histogram is not safe for concurrent use.
type Histogram struct {
	counts   []int64
	n        int64
	sum      time.Duration
	min, max time.Duration
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]int64, nBuckets), min: math.MaxInt64}
}

// bucket returns the bucket index of v nanoseconds.
func bucket(v int64) int {
	if v < subCount {
		return int(v)
	}
	// shift brings v's top subBits+1 bits into [subCount, 2*subCount).
	shift := bits.Len64(uint64(v)) - subBits - 1
	return subCount + shift*subCount + int(v>>shift) - subCount
}

// bucketValue returns the middle of bucket i, in nanoseconds: the value a
// quantile that falls into the bucket reports.
func bucketValue(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	shift := (i - subCount) / subCount
	low := int64(subCount+(i-subCount)%subCount) << shift
	return low + (int64(1)<<shift)/2
}

// Record adds one sample. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(int64(d))]++
	h.n++
	h.sum += d
	h.min = min(h.min, d)
	h.max = max(h.max, d)
}

// Merge adds every sample of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count returns the number of samples.
func (h *Histogram) Count() int64 { return h.n }

// Mean returns the exact mean of the samples, 0 for none.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Min returns the smallest sample exactly, 0 for none.
func (h *Histogram) Min() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.min
}

// Max returns the largest sample exactly, 0 for none.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the q-quantile (0 < q ≤ 1) by nearest rank: the
// smallest sample that at least q of all samples are at or below, within
// the histogram's precision and never outside [Min, Max]. It returns 0
// for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := max(int64(math.Ceil(q*float64(h.n))), 1)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := time.Duration(bucketValue(i))
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

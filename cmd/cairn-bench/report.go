package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func mb(b int64) string { return fmt.Sprintf("%.0f", float64(b)/(1<<20)) }

// trivialAt returns the trivial handler's throughput at conns, 0 if it
// was not measured.
func (r *report) trivialAt(conns int) float64 {
	for _, p := range r.Trivial {
		if p.Conns == conns {
			return p.op().Throughput(p.Result.Elapsed)
		}
	}
	return 0
}

// find returns the phase of the operation at conns, nil if none ran.
func (r *report) find(name string, conns int) *phase {
	for _, p := range r.Phases {
		if p.Name == name && p.Conns == conns {
			return p
		}
	}
	return nil
}

// errors counts the failed requests of every phase.
func (r *report) errors() int64 {
	var n int64
	for _, p := range append(slices.Clone(r.Phases), r.Trivial...) {
		n += p.op().Errors
	}
	return n
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// print writes the report as markdown.
func (r *report) print(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "## %s\n\n", r.Dialect)
	fmt.Fprintf(w, "Machine: %s. Run %s. Each phase: %s measured after a %s warm-up; connections: %s; mix %q.\n\n",
		r.Host, r.Started.UTC().Format("2006-01-02 15:04 UTC"), o.Duration, o.Warmup, joinInts(o.Conns), o.Mix)
	if r.LoadBefore != "" {
		fmt.Fprintf(w, "Load average of the machine (1, 5, 15 min): %s at the start, %s at the end.\n\n", r.LoadBefore, r.LoadAfter)
	}

	if len(r.Cold) > 0 {
		fmt.Fprintln(w, "Cold start of `cairn serve` (exec → first 200 from /-/readiness; exec → answer to the first API request, a filtered issue list):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| start | ready ms | first API answer ms |")
		fmt.Fprintln(w, "| --- | ---: | ---: |")
		var ready, first []time.Duration
		for i, c := range r.Cold {
			fmt.Fprintf(w, "| %d | %s | %s |\n", i+1, ms(c.Ready), ms(c.FirstAPI))
			ready, first = append(ready, c.Ready), append(first, c.FirstAPI)
		}
		fmt.Fprintf(w, "| median | %s | %s |\n\n", ms(median(ready)), ms(median(first)))
	}

	if len(r.Phases) > 0 {
		fmt.Fprintln(w, "| operation | conns | requests | throughput/s | p50 ms | p95 ms | p99 ms | errors | vs trivial | max RSS MB |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, p := range r.Phases {
			op := p.op()
			tput := op.Throughput(p.Result.Elapsed)
			ratio := "—"
			if t := r.trivialAt(p.Conns); t > 0 {
				ratio = fmt.Sprintf("%.1f%%", 100*tput/t)
			}
			fmt.Fprintf(w, "| %s | %d | %d | %.0f | %s | %s | %s | %d | %s | %s |\n", p.Name, p.Conns, op.Requests, tput,
				ms(op.Latency.Quantile(0.5)), ms(op.Latency.Quantile(0.95)), ms(op.Latency.Quantile(0.99)), op.Errors, ratio, mb(p.MaxRSS))
		}
		fmt.Fprintln(w)
	}
	for _, p := range r.Phases {
		if p.Name != "mix" {
			continue
		}
		fmt.Fprintf(w, "The mix at %d connections, by operation:\n\n", p.Conns)
		fmt.Fprintln(w, "| operation | requests | throughput/s | p50 ms | p95 ms | p99 ms | errors |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, op := range p.Result.Ops {
			fmt.Fprintf(w, "| %s | %d | %.0f | %s | %s | %s | %d |\n", op.Name, op.Requests, op.Throughput(p.Result.Elapsed),
				ms(op.Latency.Quantile(0.5)), ms(op.Latency.Quantile(0.95)), ms(op.Latency.Quantile(0.99)), op.Errors)
		}
		fmt.Fprintln(w)
	}
	if len(r.Trivial) > 0 {
		fmt.Fprintln(w, "The trivial net/http handler (a small JSON body) under the same load generator:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| conns | requests | throughput/s | p50 ms | p95 ms | p99 ms | errors |")
		fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, p := range r.Trivial {
			op := p.op()
			fmt.Fprintf(w, "| %d | %d | %.0f | %s | %s | %s | %d |\n", p.Conns, op.Requests, op.Throughput(p.Result.Elapsed),
				ms(op.Latency.Quantile(0.5)), ms(op.Latency.Quantile(0.95)), ms(op.Latency.Quantile(0.99)), op.Errors)
		}
		fmt.Fprintln(w)
	}
	if r.Memory.HWM > 0 {
		fmt.Fprintf(w, "Server memory after the load: VmRSS %s MB, peak VmHWM %s MB.\n\n", mb(r.Memory.RSS), mb(r.Memory.HWM))
	}
	if t := r.targets(); len(t) > 0 {
		fmt.Fprintln(w, "| target | measured | met |")
		fmt.Fprintln(w, "| --- | --- | --- |")
		for _, row := range t {
			met := "met"
			if !row.met {
				met = "**missed**"
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", row.target, row.figure, met)
		}
		fmt.Fprintln(w)
	}
	var errs []string
	for _, p := range append(slices.Clone(r.Phases), r.Trivial...) {
		for _, op := range p.Result.Ops {
			for _, s := range op.ErrorSamples {
				errs = append(errs, fmt.Sprintf("- %s (%d conns): %s", p.Name, p.Conns, s))
			}
		}
	}
	if len(errs) > 0 {
		fmt.Fprintln(w, "Errors (first of each kind):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(errs, "\n"))
		fmt.Fprintln(w)
	}
	if r.ServerLog != "" {
		fmt.Fprintf(w, "Server log: %s\n", r.ServerLog)
	}
	for _, p := range r.Profiles {
		fmt.Fprintf(w, "Profile: %s\n", p)
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}

// targetRow is one of issue 9's targets with what was measured.
type targetRow struct {
	target, figure string
	met            bool
}

// targets judges the run against the targets: throughput targets at 8
// connections (or the most measured), latency targets of the heavy views
// (plan, metrics) at the fewest connections measured, where a request's
// latency is its own work rather than its queue.
func (r *report) targets() []targetRow {
	if len(r.Options.Conns) == 0 {
		return nil
	}
	load := slices.Max(r.Options.Conns)
	if slices.Contains(r.Options.Conns, 8) {
		load = 8
	}
	single := slices.Min(r.Options.Conns)
	var out []targetRow
	for _, name := range []string{"list_label", "list_milestone", "list_assignee"} {
		p := r.find(name, load)
		if p == nil {
			continue
		}
		op := p.op()
		if t := r.trivialAt(load); t > 0 {
			ratio := op.Throughput(p.Result.Elapsed) / t
			out = append(out, targetRow{fmt.Sprintf("%s ≥ 25%% of trivial throughput (%d conns)", name, load),
				fmt.Sprintf("%.1f%% (%.0f/s vs %.0f/s)", 100*ratio, op.Throughput(p.Result.Elapsed), t), ratio >= 0.25})
		}
		p99 := op.Latency.Quantile(0.99)
		out = append(out, targetRow{fmt.Sprintf("%s p99 ≤ 25 ms (%d conns)", name, load), ms(p99) + " ms", p99 <= 25*time.Millisecond && op.Errors == 0})
	}
	if p := r.find("create", load); p != nil {
		t := p.op().Throughput(p.Result.Elapsed)
		out = append(out, targetRow{fmt.Sprintf("issue create ≥ 1,000/s (%d conns)", load), fmt.Sprintf("%.0f/s", t), t >= 1000 && p.op().Errors == 0})
	}
	for _, lt := range []struct {
		name  string
		limit time.Duration
	}{{"plan", 100 * time.Millisecond}, {"metrics", 200 * time.Millisecond}} {
		p := r.find(lt.name, single)
		if p == nil {
			continue
		}
		op := p.op()
		p50, p95 := op.Latency.Quantile(0.5), op.Latency.Quantile(0.95)
		out = append(out, targetRow{fmt.Sprintf("%s ≤ %s ms (p95, %d conns)", lt.name, ms(lt.limit), single),
			fmt.Sprintf("p50 %s ms, p95 %s ms", ms(p50), ms(p95)), p95 <= lt.limit && op.Errors == 0})
	}
	if r.Memory.HWM > 0 {
		out = append(out, targetRow{"RSS ≤ 200 MB (peak VmHWM)", mb(r.Memory.HWM) + " MB", r.Memory.HWM <= 200<<20})
	}
	if len(r.Cold) > 0 {
		var ready, first []time.Duration
		for _, c := range r.Cold {
			ready, first = append(ready, c.Ready), append(first, c.FirstAPI)
		}
		out = append(out, targetRow{"cold start ≤ 300 ms (median exec → ready)", ms(median(ready)) + " ms", median(ready) <= 300*time.Millisecond})
		out = append(out, targetRow{"cold start ≤ 300 ms (median exec → first API answer)", ms(median(first)) + " ms", median(first) <= 300*time.Millisecond})
	}
	return out
}

package main

import (
	"io"

	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/planning"
)

// writePlanCSV writes `cairn plan --csv` (the plan, one row per issue) or
// with capacity `--capacity-csv` (one row per member): the files the API's
// plan.csv and capacity.csv answer, as a member who sees every issue gets
// them, with URLs under baseURL.
func writePlanCSV(w io.Writer, pv *planner.PlanView, baseURL string, capacity bool) error {
	if capacity {
		return planning.WriteCapacityCSV(w, pv.Capacity, pv.Plan)
	}
	in := planning.PlanCSV{Plan: pv.Plan, Issues: pv.Issues, Projects: pv.Projects, BaseURL: baseURL}
	if in.Plan == nil {
		in.Plan = &planning.Plan{}
	}
	return planning.WritePlanCSV(w, in)
}

// countTrue counts the flags that are set.
func countTrue(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

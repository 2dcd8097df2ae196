package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
)

func TestZZVariants(t *testing.T) {
	dsn := os.Getenv("ZZ_DSN")
	if dsn == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, f := range map[string]cairn.IssueFilter{
		"none":           {},
		"opened":         {State: "opened"},
		"label+opened":   {State: "opened", Labels: []string{"workflow::in dev"}},
		"label":          {Labels: []string{"bug"}},
		"2labels":        {Labels: []string{"workflow::refinement", "Deliverable"}, State: "opened"},
		"milestone":      {Milestone: "2026-03"},
		"assignee":       {AssigneeID: "3", State: "opened"},
		"search":         {Search: "velocity", State: "opened"},
		"weightNone":     {Weight: "None"},
		"updated":        {OrderBy: "updated_at"},
		"due":            {OrderBy: "due_date"},
		"prio+ms":        {OrderBy: "label_priority", Milestone: "2026-03", State: "opened"},
		"prio":           {OrderBy: "label_priority"},
		"msdue":          {OrderBy: "milestone_due"},
		"weight":         {OrderBy: "weight", State: "opened"},
		"notlabel":       {NotLabels: []string{"bug"}, State: "opened"},
		"labelsNone":     {Labels: []string{"None"}},
		"page100":        {State: "opened", Page: cairn.Page{Page: 100, PerPage: 50}},
	} {
		f.ProjectID = 1
		if f.PerPage == 0 {
			f.PerPage = 50
		}
		start := time.Now()
		var total cairn.Total
		for range 5 {
			_, total, err = s.ListIssues(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
		}
		fmt.Printf("%-14s %8v total %+v\n", name, time.Since(start)/5, total)
	}
}

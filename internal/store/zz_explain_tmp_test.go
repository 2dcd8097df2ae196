package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cairnhq/cairn"
)

func TestZZExplain(t *testing.T) {
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
	c := s.read()
	f := cairn.IssueFilter{ProjectID: 1, State: "opened", Labels: []string{"workflow::ready for development"}, Milestone: "2026-03", Page: cairn.Page{PerPage: 50}}
	f.Validate()
	q := &issueQuery{c: c, today: s.Today()}
	if err := q.build(ctx, &f); err != nil {
		t.Fatal(err)
	}
	where := ""
	for i, cond := range q.conds {
		if i > 0 {
			where += " AND "
		}
		where += cond
	}
	page := "SELECT " + issueColumns + " FROM issues i WHERE " + where + " ORDER BY " + issueOrder(f.OrderBy, f.Sort) + " LIMIT 50 OFFSET 0"
	count := "SELECT COUNT(*) FROM (SELECT 1 FROM issues i WHERE " + where + " LIMIT 10001) t"
	for _, qq := range []string{page, count} {
		ex := "EXPLAIN QUERY PLAN "
		if s.dialect.name == "postgres" {
			ex = "EXPLAIN ANALYZE "
		}
		rows, err := c.query(ctx, ex+qq, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Println(vals...)
		}
		rows.Close()
		start := time.Now()
		for range 20 {
			rows, _ := c.query(ctx, qq, q.args...)
			for rows.Next() {
			}
			rows.Close()
		}
		fmt.Println("time per run", time.Since(start)/20)
	}
	tm := func(name string, fn func()) {
		start := time.Now()
		for range 20 {
			fn()
		}
		fmt.Println(name, time.Since(start)/20)
	}
	tm("build", func() {
		q := &issueQuery{c: c, today: s.Today()}
		q.build(ctx, &f)
	})
	tm("labelIDs", func() { q.labelIDs(ctx, "workflow::ready for development") })
	tm("milestoneIDs", func() { q.milestoneIDs(ctx, "2026-03") })
	tm("projectGroupID", func() { projectGroupID(ctx, c, 1) })
	tm("load page", func() {
		loadIssues(ctx, c, "SELECT "+issueColumns+" FROM issues i WHERE "+where+" ORDER BY "+issueOrder(f.OrderBy, f.Sort)+" LIMIT ? OFFSET ?", append(q.args, 50, 0)...)
	})
	tm("count", func() { countPage(ctx, c, "FROM issues i WHERE "+where, q.args, f.Page, 50) })
	start := time.Now()
	for range 20 {
		s.ListIssues(ctx, f)
	}
	fmt.Println("ListIssues", time.Since(start)/20)
}

package web_test

import (
	"testing"

	"github.com/cairnhq/cairn/internal/demo"
)

// The issue list and the issue page on the demo team, and on the demo team
// with 20,000 more open issues (withBacklog, imported through
// store.ImportArchive): both render through the whole handler chain
// (benchPage, planning_bench_test.go).
//
//	go test ./internal/web -run '^$' -bench 'IssueList|IssuePage'

func BenchmarkIssueList(b *testing.B) {
	for _, tc := range []struct{ name, path, want string }{
		{"team", "/groups/code-creation/-/issues", "issue-list"},
		{"team-filtered", "/groups/code-creation/-/issues?labels=workflow::ready+for+development&weight=2&sort=priority", "issue-list"},
		{"team-search", "/groups/code-creation/-/issues?search=chat&sort=updated", "issue-list"},
		{"project-page2", "/code-creation/duo-chat/-/issues?state=all&page=2", "issue-list"},
	} {
		b.Run("demo/"+tc.name, func(b *testing.B) {
			benchPage(b, demo.Generate(demoToday, 1), demo.ManagerName, tc.path, tc.want)
		})
		b.Run("backlog20k/"+tc.name, func(b *testing.B) {
			benchPage(b, withBacklog(demo.Generate(demoToday, 1), 20000), demo.ManagerName, tc.path, tc.want)
		})
	}
}

func BenchmarkIssuePage(b *testing.B) {
	// Issue 5 of duo-chat has a history: refined, planned, developed.
	const path, want = "/code-creation/duo-chat/-/issues/5", "Activity"
	b.Run("demo", func(b *testing.B) {
		benchPage(b, demo.Generate(demoToday, 1), demo.ManagerName, path, want)
	})
	b.Run("backlog20k", func(b *testing.B) {
		benchPage(b, withBacklog(demo.Generate(demoToday, 1), 20000), demo.ManagerName, path, want)
	})
}

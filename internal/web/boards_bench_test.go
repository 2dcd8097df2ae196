package web_test

import (
	"testing"

	"github.com/cairnhq/cairn/internal/demo"
)

// The boards and the refinement queue on the demo team, and on the demo
// team with 20,000 more open issues without a milestone (withBacklog,
// imported through store.ImportArchive), rendered through the whole
// handler chain (benchPage, planning_bench_test.go). The backlog shows on
// the boards that are not limited to the current milestone: the workflow
// board with milestone=any (16,000 ready and 4,000 unrefined issues) and
// the milestone board (20,000 in "No milestone").
//
//	go test ./internal/web -run '^$' -bench 'Boards|RefinementPage'

func BenchmarkBoards(b *testing.B) {
	const base = "/groups/code-creation/-/boards"
	for _, tc := range []struct{ name, path, want string }{
		{"workflow", base, `data-board="workflow"`},
		{"workflow-any", base + "?milestone=any", `data-board="workflow"`},
		{"project-any", base + "?by=project&milestone=any", `data-board="project"`},
		{"milestone", base + "?by=milestone", `data-board="milestone"`},
	} {
		b.Run("demo/"+tc.name, func(b *testing.B) {
			benchPage(b, demo.Generate(demoToday, 1), demo.ManagerName, tc.path, tc.want)
		})
		b.Run("backlog20k/"+tc.name, func(b *testing.B) {
			benchPage(b, withBacklog(demo.Generate(demoToday, 1), 20000), demo.ManagerName, tc.path, tc.want)
		})
	}
}

func BenchmarkRefinementPage(b *testing.B) {
	const path, want = "/groups/code-creation/-/refinement", "Refinement queue"
	b.Run("demo", func(b *testing.B) {
		benchPage(b, demo.Generate(demoToday, 1), demo.ManagerName, path, want)
	})
	b.Run("backlog20k", func(b *testing.B) {
		benchPage(b, withBacklog(demo.Generate(demoToday, 1), 20000), demo.ManagerName, path, want)
	})
}

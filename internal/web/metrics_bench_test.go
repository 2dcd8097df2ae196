package web_test

import (
	"testing"

	"github.com/cairnhq/cairn/internal/demo"
)

// BenchmarkMetricsPage renders the metrics page with its default window
// (the 90 days to today) and the current milestone's burndown: the demo
// team, and the demo team with 20,000 more open issues. It uses
// benchPage and withBacklog (planning_bench_test.go).
func BenchmarkMetricsPage(b *testing.B) {
	b.Run("demo", func(b *testing.B) {
		benchPage(b, demo.Generate(demoToday, 1), "emma", "/groups/code-creation/-/metrics", `id="burndown"`)
	})
	b.Run("backlog20k", func(b *testing.B) {
		benchPage(b, withBacklog(demo.Generate(demoToday, 1), 20000), "emma", "/groups/code-creation/-/metrics", `id="velocity"`)
	})
}

// BenchmarkTeamPage renders the team page of the demo team: members, time
// off and the settings form.
func BenchmarkTeamPage(b *testing.B) {
	benchPage(b, demo.Generate(demoToday, 1), "emma", "/groups/code-creation/-/team", "Save planning settings")
}

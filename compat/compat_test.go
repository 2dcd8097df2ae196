// Package compat runs real, unmodified GitLab clients against a real
// `cairn serve`: the glab CLI and the Node client @gitbeaker/rest. Each
// suite runs once on SQLite and once on PostgreSQL, against the demo team.
// The clients are not part of the Go build: scripts/install-glab.sh and
// scripts/install-gitbeaker.sh install them (cached between runs). Without
// them the suites skip and say how to install them; CAIRN_COMPAT=required
// (as .ci/run sets) makes them fail instead.
package compat

import (
	"os"
	"testing"

	"github.com/cairnhq/cairn/internal/cairntest"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	cairntest.Cleanup()
	os.Exit(code)
}

// missingTool skips the test because a client is not installed, or fails it
// when CAIRN_COMPAT=required.
func missingTool(t *testing.T, what, install string) {
	t.Helper()
	msg := what + " is not installed; run `" + install + "` to run this suite"
	if os.Getenv("CAIRN_COMPAT") == "required" {
		t.Fatal(msg + " (CAIRN_COMPAT=required)")
	}
	t.Skip(msg)
}

// eachServer runs fn as subtests "sqlite" and "postgres", each against a
// fresh `cairn serve --demo` on that database.
func eachServer(t *testing.T, fn func(t *testing.T, srv *cairntest.Process)) {
	t.Helper()
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			srv := cairntest.Start(t, cairntest.Options{DB: storetest.DSN(t, dialect), Demo: true})
			if srv.Token == "" {
				t.Fatalf("cairn serve --demo printed no API token:\n%s", srv.Log())
			}
			fn(t, srv)
		})
	}
}

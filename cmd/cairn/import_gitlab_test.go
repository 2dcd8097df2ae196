package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/demo"
	"github.com/cairnhq/cairn/internal/planner"
	"github.com/cairnhq/cairn/internal/server"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// demoSource starts a Cairn serving the demo team, the source of `cairn
// import gitlab`, and returns its URL and a read_api token of its admin.
func demoSource(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	if _, err := st.ImportArchive(ctx, demo.Generate(st.Now(), 1)); err != nil {
		t.Fatal(err)
	}
	admin, err := st.UserByUsername(ctx, demo.AdminUsername)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreateToken(ctx, cairn.TokenCreate{UserID: admin.ID, Name: "import", Scopes: []string{cairn.ScopeReadAPI}})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	ts := httptest.NewServer(server.New(server.Config{Services: st, Planner: planner.New(st, logger), Logger: logger}).Handler())
	t.Cleanup(ts.Close)
	return ts.URL, token
}

func TestImportGitLabCLI(t *testing.T) {
	url, token := demoSource(t)
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := storetest.DSN(t, dialect)
			env := map[string]string{"CAIRN_DB": dsn, "CAIRN_GITLAB_TOKEN": token}
			args := []string{"import", "gitlab", "--url", url + "/", "--group", demo.GroupPath}
			// SQLite keeps the state beside the database; PostgreSQL where
			// --state says.
			state := filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")),
				"cairn-import-"+strings.ReplaceAll(strings.TrimPrefix(url, "http://"), ":", "_")+"-"+demo.GroupPath+".json")
			if dialect == "postgres" {
				state = filepath.Join(t.TempDir(), "import.json")
				args = append(args, "--state", state)
			}
			_, stderr, err := runCLI(t, env, "", args...)
			if err != nil {
				t.Fatalf("import gitlab: %v\n%s", err, stderr)
			}
			t.Logf("%s", stderr)
			for _, want := range []string{"Imported group code-creation from " + url + " as code-creation:", " issues, ", "Planning records: ", " requests in ", "State: " + state} {
				if !strings.Contains(stderr, want) {
					t.Errorf("output does not say %q:\n%s", want, stderr)
				}
			}
			if _, err := os.Stat(state); err != nil {
				t.Errorf("state file: %v", err)
			}

			// The team is there: its plan prints.
			out, stderr, err := runCLI(t, env, "", "metrics", "--group", demo.GroupPath)
			if err != nil || !strings.Contains(out, "Planning metrics of code-creation") {
				t.Errorf("metrics after the import: %v\n%s%s", err, out, stderr)
			}

			// Again: already imported, exit 0, nothing changes.
			_, stderr, err = runCLI(t, env, "", args...)
			if err != nil {
				t.Fatalf("second import gitlab: %v\n%s", err, stderr)
			}
			if !strings.Contains(stderr, "Group code-creation from "+url+" was already imported into ") || !strings.Contains(stderr, "nothing to do") {
				t.Errorf("second run said:\n%s", stderr)
			}

			// A bad token with a fresh state file: a clear error, exit 1.
			env["CAIRN_GITLAB_TOKEN"] = "glpat-00000000000000000000"
			_, _, err = runCLI(t, env, "", "import", "gitlab", "--url", url, "--group", "other", "--state", filepath.Join(t.TempDir(), "s.json"))
			if err == nil || !strings.Contains(err.Error(), "refused the token (401 Unauthorized)") || exitCode(err) != 1 {
				t.Errorf("bad token: %v", err)
			}
		})
	}
}

func TestImportGitLabUsage(t *testing.T) {
	env := map[string]string{"CAIRN_DB": filepath.Join(t.TempDir(), "c.db")}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"NoFlags", []string{"import", "gitlab"}, "--url and --group are required"},
		{"NoGroup", []string{"import", "gitlab", "--url", "https://gitlab.example.com"}, "--url and --group are required"},
		{"Extra", []string{"import", "gitlab", "--url", "https://x", "--group", "g", "more"}, `unexpected argument "more"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := runCLI(t, env, "", tc.args...)
			if err != errUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "Usage: cairn import gitlab") {
				t.Errorf("err = %v, stderr:\n%s", err, stderr)
			}
		})
	}
	_, _, err := runCLI(t, env, "", "import", "gitlab", "--url", "ftp://gitlab.example.com", "--group", "g")
	if err == nil || !strings.Contains(err.Error(), "is not the address of a GitLab instance") {
		t.Errorf("bad URL: %v", err)
	}
	_, _, err = runCLI(t, env, "", "import", "gitlab", "--url", "https://gitlab.example.com", "--group", "g")
	if err == nil || !strings.Contains(err.Error(), "a token is needed") {
		t.Errorf("no token: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairnhq/cairn/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCLI runs the command with an environment of its own and returns its
// standard output and error.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCLI(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			env := map[string]string{"CAIRN_DB": storetest.DSN(t, dialect)}

			t.Run("UserAndToken", func(t *testing.T) {
				_, stderr, err := runCLI(t, env, "correct horse battery\n", "user", "create", "--username", "root", "--admin", "--password-stdin")
				if err != nil {
					t.Fatalf("user create: %v\n%s", err, stderr)
				}
				if !strings.Contains(stderr, "created administrator root") {
					t.Errorf("user create said %q", stderr)
				}
				if _, _, err := runCLI(t, env, "", "user", "create", "--username", "ROOT"); err == nil {
					t.Error("a second user with the same username (other case) was created")
				}
				out, stderr, err := runCLI(t, env, "", "token", "create", "--username", "root", "--scopes", "read_api")
				if err != nil {
					t.Fatalf("token create: %v\n%s", err, stderr)
				}
				if !regexp.MustCompile(`^glpat-[A-Za-z0-9]{20}\n$`).MatchString(out) {
					t.Errorf("token create printed %q, want only the token", out)
				}
				if _, _, err := runCLI(t, env, "", "token", "create", "--username", "nobody"); err == nil || !strings.Contains(err.Error(), "User Not Found") {
					t.Errorf("token for unknown user: err = %v", err)
				}
			})

			t.Run("MigrateStatus", func(t *testing.T) {
				out, _, err := runCLI(t, env, "", "migrate", "--status")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
					t.Errorf("migrate --status:\n%s", out)
				}
			})

			t.Run("DemoExportImport", func(t *testing.T) {
				_, stderr, err := runCLI(t, env, "", "demo")
				if err != nil {
					t.Fatalf("demo: %v\n%s", err, stderr)
				}
				if !strings.Contains(stderr, "Loaded the demo team") || !strings.Contains(stderr, "glpat-") {
					t.Errorf("demo said %q", stderr)
				}
				// Loading it again changes nothing.
				_, stderr, err = runCLI(t, env, "", "demo")
				if err != nil || !strings.Contains(stderr, "already loaded") {
					t.Errorf("second demo: %v, %q", err, stderr)
				}
				file := filepath.Join(t.TempDir(), "team.json")
				if _, stderr, err := runCLI(t, env, "", "export", "--out", file); err != nil {
					t.Fatalf("export: %v\n%s", err, stderr)
				}
				first, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				// Into a fresh database, and out again: the same bytes.
				env2 := map[string]string{"CAIRN_DB": storetest.DSN(t, dialect)}
				if _, stderr, err := runCLI(t, env2, "", "import", file); err != nil {
					t.Fatalf("import: %v\n%s", err, stderr)
				}
				second, _, err := runCLI(t, env2, "", "export")
				if err != nil {
					t.Fatal(err)
				}
				if second != string(first) {
					t.Errorf("export after import differs from the first export (%d vs %d bytes)", len(second), len(first))
				}
				// A second import of the same team is refused and changes nothing.
				if _, _, err := runCLI(t, env2, "", "import", file); err == nil {
					t.Error("importing the same team twice succeeded")
				}
			})
		})
	}
}

func TestCLIImportRejectsBadArchive(t *testing.T) {
	env := map[string]string{"CAIRN_DB": storetest.DSN(t, "sqlite")}
	_, _, err := runCLI(t, env, `{"format":"cairn-archive","version":1,"users":[],"groups":[{"path":"g","name":"G","created_at":"2026-01-01T00:00:00.000Z","projects":[{"path":"p","name":"P","created_at":"2026-01-01T00:00:00.000Z","issues":[{"iid":1,"title":"x","state":"opened","author":"ghost","created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z"}]}]}]}`, "import", "-")
	if err == nil || !strings.Contains(err.Error(), "groups[0].projects[0].issues[0].author") {
		t.Fatalf("err = %v, want the path of the unknown author", err)
	}
	out, _, err := runCLI(t, env, "", "export")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, `"path": "g"`) {
		t.Error("a rejected import wrote its group")
	}
}

func TestCLIUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"NoCommand", nil, "Usage: cairn <command>"},
		{"Unknown", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"UserWithoutCreate", []string{"user"}, "cairn user create"},
		{"BadFlag", []string{"serve", "--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := runCLI(t, nil, "", tt.args...)
			if err != errUsage {
				t.Errorf("err = %v, want usage error", err)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
		})
	}
}

// TestServe starts `cairn serve` on a free port with the demo team, reads
// through the API with the printed token, and stops it as SIGTERM would.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"CAIRN_DB": storetest.DSN(t, "sqlite"), "CAIRN_ADDR": "127.0.0.1:0"}
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--log-level", "warn"}, func(k string) string { return env[k] }, strings.NewReader(""), &bytes.Buffer{}, stderr)
	}()
	urlRE := regexp.MustCompile(`running at (http://\S+)`)
	tokenRE := regexp.MustCompile(`(glpat-[A-Za-z0-9]{20})`)
	var base string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		default:
		}
	}
	if base == "" {
		t.Fatalf("serve printed no URL:\n%s", stderr.String())
	}
	token := tokenRE.FindString(stderr.String())
	if token == "" {
		t.Fatalf("serve --demo printed no token:\n%s", stderr.String())
	}

	resp, err := http.Get(base + "/-/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health: %s", resp.Status)
	}

	req, _ := http.NewRequest("GET", base+"/api/v4/groups/code-creation/issues?state=opened&per_page=5", nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var issues []map[string]any
	err = json.NewDecoder(resp.Body).Decode(&issues)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("group issues: %s, %v", resp.Status, err)
	}
	if len(issues) != 5 || resp.Header.Get("X-Next-Page") != "2" {
		t.Errorf("got %d issues, X-Next-Page %q; want a full first page of the demo team's issues", len(issues), resp.Header.Get("X-Next-Page"))
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("serve did not stop")
	}
}

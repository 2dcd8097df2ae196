package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

// TestBackupUnderLoad backs a database up while writers create issues,
// restores the backup into a fresh database and checks that it holds whole
// transactions only: every issue has all the labels and events its
// creation wrote, and the restored database round-trips through an archive.
func TestBackupUnderLoad(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			srcDSN := storetest.DSN(t, dialect)
			src, err := store.Open(ctx, srcDSN, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			ctx, projectID := backupFixture(t, src)

			// Writers run until the backup is done; the backup starts once
			// each has committed a few issues, so it is taken mid-stream.
			const writers, before = 4, 5
			var (
				wg      sync.WaitGroup
				started sync.WaitGroup
				stop    = make(chan struct{})
				errs    = make(chan error, writers)
			)
			started.Add(writers)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					weight := w + 1
					for n := 0; ; n++ {
						if n == before {
							started.Done()
						}
						select {
						case <-stop:
							if n < before {
								started.Done()
							}
							return
						default:
						}
						_, err := src.CreateIssue(ctx, cairn.IssueCreate{ProjectID: projectID,
							Title: fmt.Sprintf("w%d-%d", w, n), Labels: []string{"backup", fmt.Sprintf("writer::%d", w)}, Weight: &weight})
						if err != nil {
							errs <- err
							if n < before {
								started.Done()
							}
							return
						}
					}
				}()
			}
			started.Wait()
			dir := t.TempDir()
			out := filepath.Join(dir, "backup")
			env := map[string]string{"CAIRN_DB": srcDSN}
			_, stderr, backupErr := runCLI(t, env, "", "backup", "--out", out)
			// A second backup to the same name is refused without --force.
			_, _, againErr := runCLI(t, env, "", "backup", "--out", out)
			_, forceStderr, forceErr := runCLI(t, env, "", "backup", "--out", out, "--force")
			close(stop)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("writer: %v", err)
			}
			if backupErr != nil {
				t.Fatalf("backup: %v\n%s", backupErr, stderr)
			}
			if againErr == nil || !strings.Contains(againErr.Error(), "already exists") {
				t.Errorf("backup over an existing file: err = %v, want a refusal", againErr)
			}
			if forceErr != nil {
				t.Fatalf("backup --force: %v\n%s", forceErr, forceStderr)
			}
			if leftovers, _ := filepath.Glob(out + ".tmp-*"); len(leftovers) > 0 {
				t.Errorf("temporary files left behind: %v", leftovers)
			}
			wantFormat := store.BackupSQLite
			if dialect == "postgres" {
				wantFormat = store.BackupArchive
			}
			if got, err := store.BackupFormat(out); err != nil || got != wantFormat {
				t.Fatalf("backup format = %q, %v; want %q", got, err, wantFormat)
			}

			dstDSN := storetest.DSN(t, dialect)
			if _, stderr, err := runCLI(t, map[string]string{"CAIRN_DB": dstDSN}, "", "restore", "--in", out); err != nil {
				t.Fatalf("restore: %v\n%s", err, stderr)
			}
			// Restoring again finds the database in use and refuses.
			_, _, err = runCLI(t, map[string]string{"CAIRN_DB": dstDSN}, "", "restore", "--in", out)
			if err == nil || !strings.Contains(err.Error(), "already") {
				t.Errorf("second restore: err = %v, want a refusal", err)
			}

			dst, err := store.Open(ctx, dstDSN, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if err := dst.IntegrityCheck(ctx); err != nil {
				t.Fatal(err)
			}
			a, err := dst.ExportArchive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := checkWholeIssues(t, a, writers*before)
			if all, err := src.ExportArchive(ctx); err == nil {
				t.Logf("the backup holds %d of the %d issues written", n, len(all.Groups[0].Projects[0].Issues))
			}

			// The restored database's archive imports and exports unchanged.
			first, err := archive.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			again := storetest.Open(t, dialect)
			if _, err := again.ImportArchive(ctx, a); err != nil {
				t.Fatal(err)
			}
			b, err := again.ExportArchive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			second, err := archive.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Error("the restored database's archive changed on re-import and re-export")
			}
		})
	}
}

// checkWholeIssues fails unless the archive has at least min writer issues,
// each with its two labels, an add event for each and one weight event,
// and returns how many issues it has.
func checkWholeIssues(t *testing.T, a *archive.Archive, min int) int {
	t.Helper()
	n := 0
	for _, g := range a.Groups {
		for _, p := range g.Projects {
			for _, is := range p.Issues {
				n++
				if len(is.Labels) != 2 || is.Weight == nil {
					t.Errorf("issue %s: labels %v, weight %v; want two labels and a weight", is.Title, is.Labels, is.Weight)
				}
				added := map[string]bool{}
				weights := 0
				for _, e := range is.Events {
					switch e.Type {
					case cairn.EventLabel:
						if e.Action == cairn.ActionAdd {
							added[e.Label] = true
						}
					case cairn.EventWeight:
						weights++
					}
				}
				for _, l := range is.Labels {
					if !added[l] {
						t.Errorf("issue %s: no event added label %s", is.Title, l)
					}
				}
				if len(is.Events) != 3 || weights != 1 {
					t.Errorf("issue %s: events %+v; want two label events and one weight event", is.Title, is.Events)
				}
			}
		}
	}
	if n < min {
		t.Errorf("restored %d issues, want at least the %d committed before the backup began", n, min)
	}
	return n
}

// backupFixture creates an administrator, a group and a project, and
// returns a context acting as the administrator and the project's id.
func backupFixture(t *testing.T, s *store.Store) (context.Context, int64) {
	t.Helper()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, cairn.UserCreate{Username: "root", Name: "Root", Email: "root@example.com", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx = cairn.NewContextWithUser(ctx, u)
	g, err := s.CreateGroup(ctx, cairn.GroupCreate{Path: "team", Name: "Team"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, cairn.ProjectCreate{GroupID: g.ID, Path: "app", Name: "App"})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, p.ID
}

// TestRestoreRefuses checks the refusals that keep a restore from mixing
// a backup into existing data.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	srcDSN := storetest.DSN(t, "sqlite")
	src, err := store.Open(ctx, srcDSN, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	backupFixture(t, src)
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.db")
	if _, err := src.Backup(ctx, snap, false); err != nil {
		t.Fatal(err)
	}
	a, err := src.ExportArchive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	arch := filepath.Join(dir, "team.json")
	data, err := archive.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(arch, data, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, db, in, want string
	}{
		{"snapshot over an existing database", srcDSN, snap, "already exists"},
		{"archive into a database with data", srcDSN, arch, "empty database"},
		{"not a backup", storetest.DSN(t, "sqlite"), filepath.Join(dir, "missing"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCLI(t, map[string]string{"CAIRN_DB": tc.db}, "", "restore", "--in", tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("snapshot into postgres", func(t *testing.T) {
		_, _, err := runCLI(t, map[string]string{"CAIRN_DB": storetest.DSN(t, "postgres")}, "", "restore", "--in", snap)
		if err == nil || !strings.Contains(err.Error(), "cannot be restored into PostgreSQL") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("archive into an empty SQLite database", func(t *testing.T) {
		dst := storetest.DSN(t, "sqlite")
		if _, stderr, err := runCLI(t, map[string]string{"CAIRN_DB": dst}, "", "restore", "--in", arch); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
	})
}

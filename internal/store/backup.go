package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/archive"
)

// Backup formats: what Backup wrote and Restore read.
const (
	BackupSQLite  = "sqlite"  // an SQLite database file (VACUUM INTO)
	BackupArchive = "archive" // a Cairn archive (the JSON of `cairn export`)
)

// sqliteMagic opens every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Backup writes a consistent snapshot of the live database to out while
// other connections keep writing. On SQLite it is a copy of the database
// made by VACUUM INTO, which reads inside one transaction and so sees one
// committed state; on PostgreSQL it is the archive export, read in one
// REPEATABLE READ transaction. The file is written under a temporary name
// beside out, synced and renamed, so a failed or interrupted backup never
// leaves a partial file under the name. An existing out is refused with
// ECONFLICT unless force is set. It returns the format written.
func (s *Store) Backup(ctx context.Context, out string, force bool) (string, error) {
	if out == "" {
		return "", cairn.Errorf(cairn.EINVALID, "no backup file given")
	}
	if _, err := os.Stat(out); err == nil && !force {
		return "", cairn.Errorf(cairn.ECONFLICT, "%s already exists; choose another name or use --force to replace it", out)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("backup: %w", err)
	}
	// A wrong --db opens a new, empty database: say so instead of backing
	// up nothing.
	if _, err := s.IsEmpty(ctx); err != nil {
		return "", cairn.Errorf(cairn.EINVALID, "the database has no Cairn tables; check --db")
	}
	tmp, err := tempName(out)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp) // gone already after the rename; cleans up after a failure
	format := BackupArchive
	if s.dialect.name == "sqlite" {
		format = BackupSQLite
		// VACUUM INTO takes an expression, so the name is a bound value and
		// needs no quoting. It runs on the read pool: it only reads.
		if _, err := s.read().exec(ctx, "VACUUM INTO ?", tmp); err != nil {
			return "", s.mapErr(fmt.Errorf("backup: vacuum into %s: %w", tmp, err))
		}
		// SQLite does not sync the file VACUUM INTO writes.
		if err := syncFile(tmp); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
	} else {
		a, err := s.ExportArchive(ctx)
		if err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
		if err := writeArchiveFile(tmp, a); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(filepath.Dir(out)); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	return format, nil
}

// BackupFormat tells what kind of backup the file at path is: BackupSQLite
// for an SQLite database file, BackupArchive otherwise (Restore's archive
// reader reports a file that is not one).
func BackupFormat(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read backup: %w", err)
	}
	if bytes.Equal(head[:n], sqliteMagic) {
		return BackupSQLite, nil
	}
	return BackupArchive, nil
}

// RestoreSnapshot puts an SQLite backup file in place as the database
// named by dsn, and opens (and migrates) it. It refuses with ECONFLICT when
// the database file already exists: restoring never overwrites data.
// The copy is written beside the target, synced and renamed.
func RestoreSnapshot(ctx context.Context, dsn, in string, opts Options) (*Store, error) {
	if isPostgres(dsn) {
		return nil, cairn.Errorf(cairn.EINVALID,
			"%s is an SQLite snapshot and cannot be restored into PostgreSQL; export it to an archive first (cairn export --db %s --out team.json) and restore that", in, in)
	}
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		return nil, cairn.Errorf(cairn.EINVALID, "cannot restore into an in-memory database")
	}
	for _, p := range []string{path, path + "-wal"} {
		if _, err := os.Stat(p); err == nil {
			return nil, cairn.Errorf(cairn.ECONFLICT,
				"%s already exists; restore only into a database that does not exist yet (move it away first)", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	if format, err := BackupFormat(in); err != nil {
		return nil, err
	} else if format != BackupSQLite {
		return nil, cairn.Errorf(cairn.EINVALID, "%s is not an SQLite database file", in)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("restore: create database folder: %w", err)
	}
	tmp, err := tempName(path)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := copyFile(in, tmp); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	// Link, not rename: it fails if the target appeared meanwhile, where a
	// rename would replace it.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, cairn.Errorf(cairn.ECONFLICT, "%s already exists; restore only into a database that does not exist yet", path)
		}
		return nil, fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	st, err := Open(ctx, dsn, opts)
	if err == nil {
		err = st.IntegrityCheck(ctx)
		if err != nil {
			st.Close()
		}
	}
	if err != nil {
		// The file is the one just put in place: a damaged backup must not
		// stay behind as the database.
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			os.Remove(p)
		}
		return nil, fmt.Errorf("restore %s: %w", in, err)
	}
	return st, nil
}

// RestoreArchive imports an archive into the store, which must hold no
// users and no groups (ImportArchive alone would merge into existing users
// and refuse only groups whose path exists; a restore wants the backup's
// state, not a mixture).
func (s *Store) RestoreArchive(ctx context.Context, a *archive.Archive) (ImportStats, error) {
	empty, err := s.IsEmpty(ctx)
	if err != nil {
		return ImportStats{}, err
	}
	if !empty {
		return ImportStats{}, cairn.Errorf(cairn.ECONFLICT,
			"the database already holds users or groups; restore only into an empty database")
	}
	return s.ImportArchive(ctx, a)
}

// IsEmpty reports whether the database holds no users and no groups.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	err := s.read().queryRow(ctx, "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM groups)").Scan(&n)
	if err != nil {
		return false, s.mapErr(fmt.Errorf("count users and groups: %w", err))
	}
	return n == 0, nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns an error
// naming the first problem; on PostgreSQL it does nothing.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.dialect.name != "sqlite" {
		return nil
	}
	return pragmaIntegrity(ctx, s.read())
}

func pragmaIntegrity(ctx context.Context, c *conn) error {
	var res string
	if err := c.queryRow(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

// tempName returns an unused name beside path.
func tempName(path string) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("temporary name: %w", err)
	}
	return path + ".tmp-" + hex.EncodeToString(b), nil
}

func writeArchiveFile(path string, a *archive.Archive) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := archive.Write(f, a); err != nil {
		f.Close()
		return fmt.Errorf("write archive: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems cannot sync a directory; the rename stands anyway.
	_ = d.Sync()
	return nil
}

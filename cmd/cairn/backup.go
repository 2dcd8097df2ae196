package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store"
)

// backup snapshots a live database; the server may keep running.
func (e *environment) backup(ctx context.Context, args []string) error {
	f := e.newFlags("backup", "backup [--db cairn.db] --out FILE [--force]")
	db := f.dbFlag()
	out := f.FlagSet.String("out", "", "file to write the backup to (required)")
	force := f.FlagSet.Bool("force", false, "replace --out if it exists")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if *out == "" {
		fmt.Fprintln(e.stderr, "cairn backup: --out is required")
		f.Usage()
		return errUsage
	}
	// No migration: a backup copies the database as it is, and must not
	// change the schema under a running server of another version.
	s, err := openNoMigrate(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	format, err := s.Backup(ctx, *out, *force)
	if err != nil {
		return err
	}
	what := "an SQLite snapshot"
	if format == store.BackupArchive {
		what = "an archive"
	}
	fmt.Fprintf(e.stderr, "backed up %s to %s (%s)\n", store.RedactDSN(*db), *out, what)
	return nil
}

// restore puts a backup into a new or empty database.
func (e *environment) restore(ctx context.Context, args []string) error {
	f := e.newFlags("restore", "restore [--db cairn.db] --in FILE")
	db := f.dbFlag()
	in := f.FlagSet.String("in", "", "backup file to restore: an SQLite snapshot or an archive (required)")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if *in == "" {
		fmt.Fprintln(e.stderr, "cairn restore: --in is required")
		f.Usage()
		return errUsage
	}
	format, err := store.BackupFormat(*in)
	if err != nil {
		return err
	}
	if format == store.BackupSQLite {
		s, err := store.RestoreSnapshot(ctx, *db, *in, store.Options{})
		if err != nil {
			return err
		}
		defer s.Close()
		fmt.Fprintf(e.stderr, "restored %s into %s\n", *in, store.RedactDSN(*db))
		return nil
	}
	fh, err := os.Open(*in)
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	a, err := archive.Read(fh)
	fh.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	stats, err := s.RestoreArchive(ctx, a)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(e.stderr, "restored %d users, %d groups, %d projects, %d issues, %d notes, %d events into %s\n",
		stats.Users, stats.Groups, stats.Projects, stats.Issues, stats.Notes, stats.Events, store.RedactDSN(*db))
	return nil
}

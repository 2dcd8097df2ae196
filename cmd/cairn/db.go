package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cairnhq/cairn/internal/archive"
	"github.com/cairnhq/cairn/internal/store"
)

func (e *environment) migrate(ctx context.Context, args []string) error {
	f := e.newFlags("migrate", "migrate [--db cairn.db] [--status]")
	db := f.dbFlag()
	status := f.FlagSet.Bool("status", false, "list the migrations and whether each is applied, without applying any")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if *status {
		s, err := openNoMigrate(ctx, *db)
		if err != nil {
			return err
		}
		defer s.Close()
		st, err := s.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range st {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(e.stdout, "%05d  %-8s %s\n", m.Version, state, m.Path)
		}
		return nil
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(e.stderr, "database %s is up to date\n", store.RedactDSN(*db))
	return nil
}

func (e *environment) importArchive(ctx context.Context, args []string) error {
	f := e.newFlags("import", "import [--db cairn.db] FILE|-")
	db := f.dbFlag()
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	if f.NArg() != 1 {
		fmt.Fprintln(e.stderr, "cairn import: name one archive file, or - for standard input")
		f.Usage()
		return errUsage
	}
	r, err := e.fileOrStdin(f.Arg(0))
	if err != nil {
		return fmt.Errorf("open archive: %w", err)
	}
	defer r.Close()
	a, err := archive.Read(r)
	if err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	stats, err := s.ImportArchive(ctx, a)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintf(e.stderr, "imported %d users, %d groups, %d projects, %d issues, %d notes, %d events\n",
		stats.Users, stats.Groups, stats.Projects, stats.Issues, stats.Notes, stats.Events)
	return nil
}

func (e *environment) exportArchive(ctx context.Context, args []string) error {
	f := e.newFlags("export", "export [--db cairn.db] [--out FILE]")
	db := f.dbFlag()
	out := f.FlagSet.String("out", "-", "file to write, - for standard output")
	if err := f.parse(args); err != nil {
		return helpOK(err)
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.ExportArchive(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if *out == "-" {
		return archive.Write(e.stdout, a)
	}
	// Write beside the target and rename, so a failed export never leaves a
	// half-written archive under the name.
	tmp := *out + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := archive.Write(fh, a); err != nil {
		fh.Close()
		os.Remove(tmp)
		return fmt.Errorf("write archive: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		os.Remove(tmp)
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}

package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect.name)
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	dbDialect := goose.DialectSQLite3
	if s.dialect.name == "postgres" {
		dbDialect = goose.DialectPostgres
		// A session-level advisory lock: instances starting together migrate
		// one after the other, and the later ones find nothing to do.
		// Probe every second (goose's smallest period, its default is five)
		// for up to five minutes, so a second instance starts soon after the
		// first has migrated.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dbDialect, s.writeDB, sub, opts...)
}

// Migrate applies the pending migrations embedded in the binary.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect.name, err)
	}
	return nil
}

// MigrationStatus lists each migration with whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, len(st))
	for i, m := range st {
		out[i] = MigrationState{Version: m.Source.Version, Path: m.Source.Path, Applied: m.State == goose.StateApplied}
	}
	return out, nil
}

// MigrationState is one migration's version and whether it is applied.
type MigrationState struct {
	Version int64
	Path    string
	Applied bool
}

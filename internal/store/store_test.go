package store_test

import (
	"context"
	"testing"

	"github.com/cairnhq/cairn/internal/store"
	"github.com/cairnhq/cairn/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		st, err := s.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 {
			t.Fatal("no migrations embedded")
		}
		for _, m := range st {
			if !m.Applied {
				t.Errorf("migration %d (%s) not applied", m.Version, m.Path)
			}
		}
		// Migrating again is a no-op.
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

// TestMigrateConcurrentStart opens several stores on one fresh database at
// once, as instances starting together do: every one must come up with the
// schema applied exactly once.
func TestMigrateConcurrentStart(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dsn := storetest.DSN(t, dialect)
			const instances = 4
			errs := make(chan error, instances)
			stores := make(chan *store.Store, instances)
			for range instances {
				go func() {
					s, err := store.Open(context.Background(), dsn, store.Options{})
					errs <- err
					stores <- s
				}()
			}
			for range instances {
				if err := <-errs; err != nil {
					t.Errorf("instance failed to start: %v", err)
				}
				if s := <-stores; s != nil {
					defer s.Close()
					st, err := s.MigrationStatus(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range st {
						if !m.Applied {
							t.Errorf("migration %d not applied", m.Version)
						}
					}
				}
			}
		})
	}
}

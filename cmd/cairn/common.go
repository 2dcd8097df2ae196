package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/cairnhq/cairn"
	"github.com/cairnhq/cairn/internal/store"
)

// Version is Cairn's version; release builds set it with -ldflags.
var Version = "0.1.0-dev"

// Revision returns the VCS revision the binary was built from, if known.
func Revision() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
	}
	return "unknown"
}

// errUsage means the usage was printed already; exit 2 without more words.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if err == errUsage {
		return 2
	}
	return 1
}

// defaultDB is the SQLite file used when neither --db nor CAIRN_DB is given.
const defaultDB = "cairn.db"

// flags is a FlagSet whose defaults come from CAIRN_* variables, so every
// flag can be set in the environment, and whose errors print its usage.
type flags struct {
	*flag.FlagSet
	env *environment
}

func (e *environment) newFlags(name, synopsis string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: cairn %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return &flags{FlagSet: fs, env: e}
}

// envName turns a flag name into its variable: "base-url" → CAIRN_BASE_URL.
func envName(flagName string) string {
	return "CAIRN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// String defines a string flag whose default is its CAIRN_* variable, if set.
func (f *flags) String(name, def, usage string) *string {
	if v := f.env.getenv(envName(name)); v != "" {
		def = v
	}
	return f.FlagSet.String(name, def, usage+" (env "+envName(name)+")")
}

// dbFlag defines --db.
func (f *flags) dbFlag() *string {
	return f.String("db", defaultDB, "database: a file path or sqlite: URL, or a postgres:// URL")
}

// parse parses args; -h prints the usage and returns errUsage-free nil exit.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if f.NArg() > 0 && f.Name() != "import" {
		fmt.Fprintf(f.env.stderr, "cairn %s: unexpected argument %q\n", f.Name(), f.Arg(0))
		f.Usage()
		return errUsage
	}
	return nil
}

// errHelp ends a command that printed its help; run treats it as success.
var errHelp = errors.New("help shown")

func (e *environment) logger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l}))
}

// openStore opens and migrates the database.
func (e *environment) openStore(ctx context.Context, dsn string, logger *slog.Logger) (*store.Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s, err := store.Open(ctx, dsn, store.Options{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", store.RedactDSN(dsn), err)
	}
	return s, nil
}

// readSecret reads one line (a password) from r.
func readSecret(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// asUser returns ctx acting as the named user, for commands whose writes
// are recorded with an actor.
func asUser(ctx context.Context, s *store.Store, username string) (context.Context, *cairn.User, error) {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return ctx, nil, fmt.Errorf("user %s: %w", username, err)
	}
	return cairn.NewContextWithUser(ctx, u), u, nil
}

// fileOrStdin opens path for reading, "-" or "" meaning standard input.
func (e *environment) fileOrStdin(path string) (io.ReadCloser, error) {
	if path == "" || path == "-" {
		return io.NopCloser(e.stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// openNoMigrate opens the database without applying migrations.
func openNoMigrate(ctx context.Context, dsn string) (*store.Store, error) {
	s, err := store.Open(ctx, dsn, store.Options{SkipMigrate: true})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", store.RedactDSN(dsn), err)
	}
	return s, nil
}
